"""Narration beats: how long words take to say, and the files a narrator needs.

A scene is a sequence of beats; each beat has the words a narrator says and
the animations that go with them, and lasts at least as long as the words
take to speak. This module knows nothing of Manim: it times words, splits a
beat into subtitle cues, and writes SRT, WebVTT and the narration script.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass

from gdexplain.i18n import is_cjk, tr

#: Default speaking rate, in words per minute.
DEFAULT_WPM = 150.0
#: CJK text is timed by characters, at this many per second.
CJK_CHARS_PER_SECOND = 4.0
#: Silence added after the words of every beat, so beats do not run together.
BREATH_SECONDS = 0.4
#: Pause between two subtitle cues of one beat when a voice says them.
CUE_PAUSE_SECONDS = 0.25
#: A subtitle cue longer than this many characters is split at sentence ends.
MAX_CUE_CHARS = 90

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]")
_WORD = re.compile(r"[A-Za-z0-9α-ωΑ-Ω∇θ'’\-\.]+")
# Latin sentences end at . ! ? before a space; CJK ones at 。！？ (no space follows them).
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|(?<=[。！？])\s*")


def speech_rate() -> float:
    """The speaking rate in words per minute (``GDEXPLAIN_WPM`` overrides the default)."""
    raw = os.environ.get("GDEXPLAIN_WPM")
    if not raw:
        return DEFAULT_WPM
    try:
        wpm = float(raw)
    except ValueError:
        raise ValueError(f"GDEXPLAIN_WPM={raw!r} is not a number: set it to words per minute, e.g. 150") from None
    if not 40 <= wpm <= 400:
        raise ValueError(f"GDEXPLAIN_WPM={raw!r} is out of range: use 40 to 400 words per minute")
    return wpm


def speech_seconds(text: str, wpm: float | None = None) -> float:
    """Seconds needed to say ``text``: words at ``wpm``, CJK characters at 4 per second."""
    wpm = speech_rate() if wpm is None else wpm
    cjk = len(_CJK.findall(text))
    words = len(_WORD.findall(_CJK.sub(" ", text)))
    return words * 60.0 / wpm + cjk / CJK_CHARS_PER_SECOND


def beat_seconds(text: str, wpm: float | None = None) -> float:
    """The least a beat with these words may last: the words plus a breath."""
    return speech_seconds(text, wpm) + BREATH_SECONDS if text.strip() else 0.0


@dataclass(frozen=True)
class Beat:
    """One narrated beat as it landed in the video: its words and its times in seconds.

    With a voice, ``speech`` is how long the beat's audio lasts and
    ``cue_starts`` when each of its subtitle cues (:func:`cue_groups`) starts
    to be said, in seconds from the beat's start; without one both are empty
    and cues are timed by their share of the words.
    """

    index: int
    text: str
    start: float
    end: float
    speech: float | None = None
    cue_starts: tuple[float, ...] = ()

    @property
    def duration(self) -> float:
        """Length of the beat in seconds."""
        return self.end - self.start


@dataclass(frozen=True)
class Cue:
    """One subtitle on screen: text and its times in seconds."""

    text: str
    start: float
    end: float


def cue_groups(text: str) -> list[str]:
    """The words of a beat as subtitle cues: whole sentences, up to 90 characters (30 CJK ones) a cue.

    Chinese sentences end at 。！？ and, when one is longer than a cue, it is
    split after a ，；： (never inside a word); Latin sentences end at . ! ?.
    """
    sentences = [s for s in _SENTENCE_END.split(" ".join(text.split())) if s]
    pieces = [p for s in sentences for p in _cjk_clauses(s)]
    groups: list[str] = []
    for s in pieces:
        sep = "" if groups and (_CJK.search(groups[-1][-1]) or groups[-1].endswith(_CJK_BREAKS)) else " "
        if groups and _cue_width(groups[-1] + sep + s) <= MAX_CUE_CHARS:
            groups[-1] += sep + s
        else:
            groups.append(s)
    return groups


#: Where a Chinese sentence may be broken into cues: after sentence ends and clause marks.
_CJK_BREAKS = ("。", "！", "？", "，", "；", "：", "、")


def _cue_width(text: str) -> float:
    """A cue's length in Latin characters: a CJK character is as wide as three."""
    cjk = len(_CJK.findall(text))
    return len(text) + 2 * cjk


def _cjk_clauses(sentence: str) -> list[str]:
    """A sentence too long for one cue, cut after its clause marks (，；：); a short or Latin one whole."""
    if _cue_width(sentence) <= MAX_CUE_CHARS or not _CJK.search(sentence):
        return [sentence]
    parts = [p for p in re.split(r"(?<=[，；：])", sentence) if p]
    out: list[str] = []
    for p in parts:
        if out and _cue_width(out[-1] + p) <= MAX_CUE_CHARS:
            out[-1] += p
        else:
            out.append(p)
    return out


def split_cues(beat: Beat) -> list[Cue]:
    """Split a long beat into sentence cues, timed by their audio, else in proportion to their words."""
    groups = cue_groups(beat.text)
    if len(groups) <= 1:
        return [Cue(beat.text.strip(), beat.start, beat.end)]
    if len(beat.cue_starts) == len(groups):
        starts = [beat.start + t for t in beat.cue_starts] + [beat.end]
        return [Cue(g, starts[i], starts[i + 1]) for i, g in enumerate(groups)]
    weights = [max(speech_seconds(g, DEFAULT_WPM), 0.1) for g in groups]
    total, t, cues = sum(weights), beat.start, []
    for i, (g, w) in enumerate(zip(groups, weights)):
        end = beat.end if i == len(groups) - 1 else t + beat.duration * w / total
        cues.append(Cue(g, t, end))
        t = end
    return cues


def cues_of(beats: Sequence[Beat]) -> list[Cue]:
    """Every subtitle cue of a scene, in order."""
    return [c for b in beats for c in split_cues(b)]


def _stamp(seconds: float, sep: str) -> str:
    ms = int(round(seconds * 1000))
    h, ms = divmod(ms, 3_600_000)
    m, ms = divmod(ms, 60_000)
    s, ms = divmod(ms, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def to_srt(beats: Sequence[Beat]) -> str:
    """SubRip subtitles for the beats."""
    return cues_to_srt(cues_of(beats))


def to_vtt(beats: Sequence[Beat]) -> str:
    """WebVTT subtitles for the beats."""
    return cues_to_vtt(cues_of(beats))


def cues_to_srt(cues: Sequence[Cue]) -> str:
    """SubRip subtitles for the cues."""
    return "\n".join(f"{i}\n{_stamp(c.start, ',')} --> {_stamp(c.end, ',')}\n{c.text}\n" for i, c in enumerate(cues, 1))


def cues_to_vtt(cues: Sequence[Cue]) -> str:
    """WebVTT subtitles for the cues."""
    return "WEBVTT\n\n" + "\n".join(f"{_stamp(c.start, '.')} --> {_stamp(c.end, '.')}\n{c.text}\n" for c in cues)


_SRT_TIME = re.compile(r"(\d+):(\d\d):(\d\d)[,.](\d{3})\s*-->\s*(\d+):(\d\d):(\d\d)[,.](\d{3})")


def parse_srt(text: str) -> list[Cue]:
    """The cues of a SubRip file (as written by Manim or :func:`to_srt`)."""
    cues = []
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n").strip()):
        lines = block.strip().splitlines()
        for i, line in enumerate(lines):
            if m := _SRT_TIME.search(line):
                h1, m1, s1, ms1, h2, m2, s2, ms2 = (int(g) for g in m.groups())
                start = h1 * 3600 + m1 * 60 + s1 + ms1 / 1000
                end = h2 * 3600 + m2 * 60 + s2 + ms2 / 1000
                cues.append(Cue("\n".join(lines[i + 1 :]).strip(), start, end))
                break
    return cues


def to_script(
    beats: Sequence[Beat], title: str, slug: str, duration: float | None = None, voice: str | None = None
) -> str:
    """The narration script: each beat's start–end time and words, to read while recording.

    With a ``voice`` the times are those of its audio, and each beat says how
    long its words take to say.
    """
    total = duration if duration is not None else (beats[-1].end if beats else 0.0)
    text = " ".join(b.text for b in beats)
    cjk = len(_CJK.findall(text))
    words = len(_WORD.findall(_CJK.sub(" ", text)))
    size = (
        tr("{n} characters", n=cjk + words)
        if cjk
        else tr("{n} words", n=words)
    )
    lines = [
        f"# {title}",
        "",
        tr("Scene `{slug}` · {beats} beats · {size} · {total} in all.", slug=slug, beats=len(beats), size=size, total=clock(total)),
        tr("Narrated by {voice}: each beat waits for its audio, plus a breath.", voice=voice)
        if voice
        else tr("Read each beat inside its time window; the picture waits for the words."),
        "",
    ]
    for b in beats:
        spoken = tr(" · spoken {seconds} s", seconds=f"{b.speech:.1f}") if b.speech is not None else ""
        lines += [f"**{b.index}. [{clock(b.start)} – {clock(b.end)}]**{spoken}", "", b.text.strip(), ""]
    return "\n".join(lines)


def clock(seconds: float) -> str:
    """``m:ss.s``, the script's way of writing a time."""
    m, tenths = divmod(round(seconds * 10), 600)  # round first: 59.96 s is 1:00.0, not 0:60.0
    return f"{m}:{tenths / 10:04.1f}"


def spoken_number(value: float, digits: int = 4) -> str:
    """A number as a narrator reads it: ``minus 22``, ``0.3916``, ``2.7 thousand``, ``4 times ten to the 8``.

    Up to ``digits`` significant digits, like the numbers on screen, so the
    words and the picture agree.
    """
    v = float(value)
    zh = is_cjk()
    if v != v:
        return "非数值" if zh else "not a number"
    sign = ("负" if zh else "minus ") if v < 0 else ""
    a = abs(v)
    if a == 0:
        return "0" if zh else "zero"
    if a >= 1e6 or a < 1e-3:
        exp = int(f"{a:e}".split("e")[1])
        mant = f"{a / 10**exp:.{max(digits - 2, 0)}g}"
        if zh:  # 4乘以10的负3次方: written as it is said, so subtitles and voice agree
            return f"{sign}{mant}乘以10的{'负' if exp < 0 else ''}{abs(exp)}次方"
        return f"{sign}{mant} times ten to the {'minus ' if exp < 0 else ''}{abs(exp)}"
    text = f"{a:.{digits}g}" if a >= 1 else f"{a:.{digits}f}".rstrip("0").rstrip(".")
    if "e" in text:  # e.g. 1.2e+05 from the g format
        text = f"{a:.0f}"
    return sign + text
