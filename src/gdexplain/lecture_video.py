"""The whole lecture as one video: scene videos joined, with chapters and subtitles.

:func:`join` writes ``lecture.mp4`` from rendered scene videos (same
quality, so same codec settings):

- the video is stream-copied: every scene's H.264 packets are moved onto
  the lecture's exact frame clock (frame ``n`` at ``n / fps``, whatever
  timestamps a scene's file carries: :mod:`gdexplain.video_clock`), never
  decoded or encoded again;
- the narration (when the scenes have it) is decoded and encoded once more
  as one continuous AAC track, cut to each scene's exact video length, so
  sound and picture stay in step at every join (copying AAC packets across
  a join would overlap the encoder's priming samples and click);
- one chapter per scene, titled with the scene's title;
- one soft subtitle track (``mov_text``, switchable in any player) built
  from the scenes' ``.srt`` files;

and beside it ``lecture.srt``, ``lecture.vtt``, ``lecture.script.md`` and
``lecture.chapters.txt`` (``0:00 Rolling downhill`` lines, ready to paste
under a published video), all on the lecture's clock.

Everything is written to hidden temporary files next to the target and
moved into place (``os.replace``) only once complete: an interrupted join
never leaves a half-written ``lecture.mp4`` and never replaces a good one.
"""

from __future__ import annotations

import heapq
import math
import os
import struct
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from gdexplain import i18n, narration
from gdexplain.core.errors import InputError
from gdexplain.narration import Cue
from gdexplain.soundtrack import AAC_BIT_RATE, AAC_OPTIONS, decode_mono, encode_mono, fit
from gdexplain.video_clock import FrameOrder, VideoFormat, read_order, retimed, video_format

#: Side files written beside ``lecture.mp4``, in this order.
SIDE_SUFFIXES = (".srt", ".vtt", ".script.md", ".chapters.txt")
#: ISO 639-2 codes for the subtitle track's language tag.
TRACK_LANGUAGE = {"en": "eng", "zh": "chi"}
_MS = Fraction(1, 1000)
# mov_text is encoded from ASS events; the encoder needs a style header, though players style it themselves.
_ASS_HEADER = (
    "[Script Info]\nScriptType: v4.00+\nPlayResX: 384\nPlayResY: 288\n\n[V4+ Styles]\n"
    "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, "
    "Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, "
    "MarginR, MarginV, Encoding\n"
    "Style: Default,Sans,16,&Hffffff,&Hffffff,&H0,&H0,0,0,0,0,100,100,0,0,1,1,0,2,10,10,10,0\n\n"
    "[Events]\nFormat: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n"
)


@dataclass(frozen=True)
class Part:
    """One scene of the lecture: its title, its video, and its subtitles on the scene's clock."""

    slug: str
    title: str
    video: Path
    cues: tuple[Cue, ...] = ()

    @classmethod
    def from_files(cls, slug: str, title: str, video: Path) -> Part:
        """The scene at ``video``, with the cues of the ``.srt`` beside it (none if there is none)."""
        srt = video.with_suffix(".srt")
        cues = narration.parse_srt(srt.read_text(encoding="utf-8")) if srt.exists() else []
        return cls(slug, title, Path(video), tuple(cues))


@dataclass(frozen=True)
class Chapter:
    """A chapter of the lecture: a scene's title and its times on the lecture's clock, in seconds."""

    title: str
    start: float
    end: float


@dataclass(frozen=True)
class LectureResult:
    """What :func:`join` wrote."""

    path: Path
    duration: float
    chapters: tuple[Chapter, ...]
    has_audio: bool
    side_files: tuple[Path, ...]


@dataclass(frozen=True)
class _Probe:
    """What one scene's file holds, as far as joining needs."""

    format: VideoFormat
    order: FrameOrder
    audio: bool

    @property
    def time_base(self) -> Fraction:
        return self.format.time_base

    @property
    def ticks(self) -> int:
        """The video's length in time-base units: its frames on the exact clock."""
        return self.order.frames * self.format.step

    @property
    def seconds(self) -> float:
        return float(self.ticks * self.time_base)


def join(parts: Sequence[Part], target: Path, lang: str = "en") -> LectureResult:
    """Join the scenes' videos into ``target`` with chapters, subtitles and side files (see the module docstring).

    ``lang`` is the language of the parts (their titles and subtitles): it
    tags the subtitle track and words the script.
    """
    import av

    if not parts:
        raise InputError("a lecture needs at least one scene")
    probes = [_probe(p) for p in parts]
    first = probes[0]
    for part, probe in zip(parts, probes):
        if probe.format != first.format:
            raise InputError(
                f"{part.video} cannot be joined to {parts[0].video} by stream copy "
                f"({'; '.join(probe.format.differences(first.format))}): render every scene of a lecture at one quality "
                "(with --force, scenes rendered by another version are rendered again)"
            )
    has_audio = all(p.audio for p in probes)
    offsets = np.cumsum([0] + [p.ticks for p in probes]).tolist()
    chapters = tuple(
        Chapter(part.title, float(offsets[i] * first.time_base), float(offsets[i + 1] * first.time_base))
        for i, part in enumerate(parts)
    )
    cues = _lecture_cues(parts, chapters)
    duration = float(offsets[-1] * first.time_base)

    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    temps: list[Path] = []
    try:
        video_tmp = _temp_beside(target, temps)
        with av.open(str(video_tmp), "w", format="mp4", options={"movflags": "+faststart"}) as out:
            _mux(out, parts, probes, offsets, chapters, cues, has_audio, TRACK_LANGUAGE.get(lang, "und"))
        texts = {
            ".srt": narration.cues_to_srt(cues),
            ".vtt": narration.cues_to_vtt(cues),
            ".script.md": lecture_script(parts, chapters, cues, duration),
            ".chapters.txt": chapter_list(chapters),
        }
        side_tmps = {}
        for suffix, text in texts.items():
            side_tmps[suffix] = _temp_beside(target, temps)
            side_tmps[suffix].write_text(text, encoding="utf-8")
        os.replace(video_tmp, target)
        sides = []
        for suffix in SIDE_SUFFIXES:
            side = target.with_name(target.stem + suffix)
            os.replace(side_tmps[suffix], side)
            sides.append(side)
    finally:
        for tmp in temps:
            tmp.unlink(missing_ok=True)
    return LectureResult(target, duration, chapters, has_audio, tuple(sides))


def chapter_list(chapters: Sequence[Chapter]) -> str:
    """``0:00 Title`` lines (``h:mm:ss`` past an hour), the form video sites read as chapters.

    Start times are rounded down to the second, so a click on a chapter never
    skips the first words of its scene.
    """
    hours = chapters[-1].start >= 3600 if chapters else False
    return "".join(f"{_whole_seconds(c.start, hours)} {c.title}\n" for c in chapters)


def lecture_script(parts: Sequence[Part], chapters: Sequence[Chapter], cues: Sequence[Cue], duration: float) -> str:
    """The lecture's narration script: a section per scene, each subtitle cue with its time on the lecture's clock."""
    lines = [
        "# " + i18n.tr("Lecture"),
        "",
        i18n.tr("{scenes} scenes · {total} in all. Times are on the lecture's clock.", scenes=len(parts), total=narration.clock(duration)),
        "",
    ]
    for i, (part, chapter) in enumerate(zip(parts, chapters), 1):
        lines += [f"## {i}. {part.title} [{narration.clock(chapter.start)} – {narration.clock(chapter.end)}]", ""]
        lines += [i18n.tr("Scene `{slug}`.", slug=part.slug), ""]
        for cue in cues:
            if chapter.start <= cue.start < chapter.end:
                lines += [f"**[{narration.clock(cue.start)} – {narration.clock(cue.end)}]** {cue.text}", ""]
    return "\n".join(lines)


def _whole_seconds(seconds: float, hours: bool) -> str:
    s = math.floor(seconds + 1e-6)
    h, rest = divmod(s, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if hours else f"{m}:{s:02d}"


def _lecture_cues(parts: Sequence[Part], chapters: Sequence[Chapter]) -> list[Cue]:
    """Every scene's cues moved to the lecture's clock, none running past the end of its scene."""
    out = []
    for part, chapter in zip(parts, chapters):
        for cue in part.cues:
            start, end = chapter.start + cue.start, min(chapter.start + cue.end, chapter.end)
            if end > start:
                out.append(Cue(cue.text, start, end))
    return out


def _temp_beside(target: Path, temps: list[Path]) -> Path:
    fd, name = tempfile.mkstemp(prefix=f".{target.stem}-", suffix=".part", dir=target.parent)
    os.close(fd)
    temps.append(Path(name))
    return Path(name)


def _probe(part: Part) -> _Probe:
    import av

    if not part.video.exists():
        raise InputError(f"{part.video} is missing: render {part.slug} first")
    try:
        with av.open(str(part.video)) as src:
            if not src.streams.video:
                raise InputError(f"{part.video} has no video stream: render {part.slug} again")
            fmt = video_format(src.streams.video[0])
            fmt.step  # noqa: B018 - raises when a frame is no whole number of ticks
            order = read_order(src)
            audio = bool(src.streams.audio)
    except (av.error.FFmpegError, ValueError) as err:
        raise InputError(f"{part.video} cannot be read as a video ({err}): render {part.slug} again with --force") from None
    if not order.frames:
        raise InputError(f"{part.video} holds no frames: render {part.slug} again")
    return _Probe(fmt, order, audio)


def _mux(out, parts, probes, offsets, chapters, cues, has_audio, language: str = "eng") -> None:  # noqa: ANN001 - av objects
    """Write every stream into ``out``, interleaved by time."""
    import av

    with av.open(str(parts[0].video)) as src:
        video = out.add_stream_from_template(src.streams.video[0])
        rate = src.streams.audio[0].codec_context.sample_rate if has_audio else 0
    audio = None
    if has_audio:
        audio = out.add_stream("aac", rate=rate, layout="mono")
        audio.bit_rate = AAC_BIT_RATE
        audio.options = dict(AAC_OPTIONS)
        audio.metadata["language"] = language
    subtitles = None
    if cues:
        subtitles = out.add_stream("mov_text")
        subtitles.codec_context.subtitle_header = _ASS_HEADER.encode()
        subtitles.time_base = _MS
        subtitles.metadata["language"] = language
        subtitles.metadata["title"] = i18n.tr("Narration")
    out.set_chapters(
        [
            {"id": i, "start": round(c.start * 1000), "end": round(c.end * 1000), "time_base": _MS, "metadata": {"title": c.title}}
            for i, c in enumerate(chapters, 1)
        ]
    )
    out.metadata["title"] = (
        " · ".join(p.title for p in parts)
        if len(parts) <= 3
        else i18n.tr("{first} and {more} more", first=parts[0].title, more=len(parts) - 1)
    )
    out.start_encoding()
    streams: list[Iterator[tuple[float, object]]] = [_video_packets(parts, probes, offsets, video)]
    if audio is not None:
        streams.append(_audio_packets(parts, probes, audio))
    if subtitles is not None:
        streams.append(_subtitle_packets(cues, subtitles))
    for _, packet in heapq.merge(*streams, key=lambda item: item[0]):
        out.mux(packet)
    if audio is not None:
        for packet in audio.encode(None):
            out.mux(packet)


def _video_packets(parts, probes, offsets, stream) -> Iterator[tuple[float, object]]:  # noqa: ANN001
    """Every scene's video packets, stream-copied onto the lecture's exact frame clock."""
    import av

    fmt = probes[0].format
    delay = max(p.order.delay for p in probes)
    for part, probe, offset in zip(parts, probes, offsets):
        with av.open(str(part.video)) as src:
            for packet in retimed(src, probe.order, fmt.step, offset // fmt.step, delay):
                packet.stream = stream
                yield float(packet.dts * fmt.time_base), packet


def _audio_packets(parts, probes, stream) -> Iterator[tuple[float, object]]:  # noqa: ANN001
    """The scenes' narration as one continuous track: each cut or padded to its scene's exact length."""
    rate = stream.codec_context.sample_rate
    written = 0
    for part, probe in zip(parts, probes):
        length = round(probe.seconds * rate)
        samples = fit(decode_mono(part.video, rate), length)
        for packet in encode_mono(samples, stream, first_sample=written, flush=False):
            yield float(packet.dts * packet.time_base), packet
        written += length


def _subtitle_packets(cues: Sequence[Cue], stream) -> Iterator[tuple[float, object]]:  # noqa: ANN001
    """One mov_text sample per cue: a 16-bit length, then the UTF-8 text."""
    import av

    for cue in cues:
        text = cue.text.encode("utf-8")
        packet = av.Packet(struct.pack(">H", len(text)) + text)
        packet.stream = stream
        packet.time_base = _MS
        packet.pts = packet.dts = round(cue.start * 1000)
        packet.duration = max(round(cue.end * 1000) - packet.pts, 1)
        yield cue.start, packet
