"""Narration timing and the files a narrator needs: speech_seconds, split_cues,
SRT, WebVTT and the narration script. Pure Python, no Manim, fast."""

from __future__ import annotations

import re

import pytest

from gdexplain.narration import (
    BREATH_SECONDS,
    MAX_CUE_CHARS,
    Beat,
    Cue,
    beat_seconds,
    cues_of,
    speech_rate,
    speech_seconds,
    split_cues,
    to_script,
    to_srt,
    to_vtt,
)

#: A real beat of ball-downhill: two sentences, 181 characters.
LONG = (
    "Training a model means making its loss small. With two parameters, the loss is a landscape: "
    "every point on the floor is a choice of parameters, and the height is how wrong the model is."
)
MANY = " ".join(f"Sentence number {i} says a few more words here." for i in range(1, 9))


@pytest.fixture(autouse=True)
def default_rate(monkeypatch):
    monkeypatch.delenv("GDEXPLAIN_WPM", raising=False)


def words(n: int) -> str:
    return " ".join(["word"] * n)


# --- speech_seconds / beat_seconds ---------------------------------------------------


def test_default_rate_is_150_words_a_minute():
    assert speech_rate() == 150.0
    assert speech_seconds(words(150)) == pytest.approx(60.0)
    assert speech_seconds(words(75)) == pytest.approx(30.0)
    assert speech_seconds(words(1)) == pytest.approx(0.4)


def test_punctuation_and_symbols_alone_are_not_words():
    assert speech_seconds("Hello, world!") == pytest.approx(0.8)
    assert speech_seconds("θ ← θ − α∇L") == pytest.approx(3 * 0.4)  # θ, θ, α∇L
    assert speech_seconds("") == 0.0
    assert speech_seconds("  , ; : ! ") == 0.0


@pytest.mark.parametrize(
    "text, seconds",
    [
        ("梯度下降法", 5 / 4),  # Chinese: 5 characters at 4 a second
        ("こんにちは", 5 / 4),  # Japanese kana
        ("안녕하세요", 5 / 4),  # Korean
        ("梯度下降。", 4 / 4),  # the full stop is not a character one says
        ("Adam 优化器", 0.4 + 3 / 4),  # one word plus three characters
    ],
)
def test_cjk_is_timed_by_characters(text, seconds):
    assert speech_seconds(text) == pytest.approx(seconds)


def test_cjk_rate_does_not_depend_on_words_per_minute():
    assert speech_seconds("梯度下降法", wpm=300) == pytest.approx(5 / 4)
    assert speech_seconds("梯度下降法 word", wpm=300) == pytest.approx(5 / 4 + 0.2)


def test_wpm_environment_variable_overrides_the_default(monkeypatch):
    monkeypatch.setenv("GDEXPLAIN_WPM", "300")
    assert speech_rate() == 300.0
    assert speech_seconds(words(150)) == pytest.approx(30.0)
    assert beat_seconds(words(150)) == pytest.approx(30.0 + BREATH_SECONDS)
    # An explicit rate wins over the environment.
    assert speech_seconds(words(150), wpm=75) == pytest.approx(120.0)


@pytest.mark.parametrize("raw", ["40", "400", "120.5", " 200 "])
def test_wpm_environment_accepts_40_to_400(monkeypatch, raw):
    monkeypatch.setenv("GDEXPLAIN_WPM", raw)
    assert speech_rate() == float(raw)


def test_empty_wpm_environment_means_the_default(monkeypatch):
    monkeypatch.setenv("GDEXPLAIN_WPM", "")
    assert speech_rate() == 150.0


@pytest.mark.parametrize(
    "raw, says",
    [
        ("fast", "is not a number"),
        ("150wpm", "is not a number"),
        ("39.9", "out of range"),
        ("401", "out of range"),
        ("0", "out of range"),
        ("-150", "out of range"),
        ("nan", "out of range"),
        ("inf", "out of range"),
    ],
)
def test_bad_wpm_environment_is_a_one_line_error(monkeypatch, raw, says):
    monkeypatch.setenv("GDEXPLAIN_WPM", raw)
    with pytest.raises(ValueError) as err:
        speech_seconds("one two three")
    message = str(err.value)
    assert "GDEXPLAIN_WPM" in message and says in message and "\n" not in message
    assert "words per minute" in message


def test_beat_seconds_adds_a_breath_and_empty_beats_take_no_time():
    assert beat_seconds(words(15)) == pytest.approx(6.0 + BREATH_SECONDS)
    assert beat_seconds("") == 0.0
    assert beat_seconds("   \n ") == 0.0


# --- split_cues ------------------------------------------------------------------------


def check_cover(beat: Beat, cues: list[Cue]) -> None:
    """Cues are contiguous, in order, and cover exactly the beat."""
    assert cues[0].start == beat.start
    assert cues[-1].end == beat.end
    for a, b in zip(cues, cues[1:]):
        assert a.end == b.start
    assert all(c.end > c.start for c in cues)


def test_short_beat_is_one_cue_with_the_beat_times():
    beat = Beat(3, "  Step again, and feel again.  ", 12.5, 15.0)
    assert split_cues(beat) == [Cue("Step again, and feel again.", 12.5, 15.0)]


def test_long_single_sentence_is_not_cut():
    text = "This one sentence goes on and on without ever stopping " * 3
    beat = Beat(1, text, 0.0, 10.0)
    assert len(text.strip()) > MAX_CUE_CHARS
    assert split_cues(beat) == [Cue(text.strip(), 0.0, 10.0)]


@pytest.mark.parametrize("text", [LONG, MANY])
def test_long_beat_is_split_at_sentence_ends_in_proportion_to_speech(text):
    beat = Beat(1, text, 10.0, 10.0 + 3 * speech_seconds(text))
    cues = split_cues(beat)
    assert len(cues) > 1
    check_cover(beat, cues)
    # Nothing is lost or reordered, and every cut falls at a sentence end.
    assert " ".join(c.text for c in cues) == text
    assert all(re.search(r"[.!?]$", c.text) for c in cues)
    # Groups of sentences stay within the cue length; only a lone sentence may exceed it.
    for c in cues:
        assert len(c.text) <= MAX_CUE_CHARS or not re.search(r"[.!?]\s", c.text)
    # Each cue's share of the beat is its share of the speech.
    total = sum(speech_seconds(c.text) for c in cues)
    for c in cues:
        assert (c.end - c.start) / beat.duration == pytest.approx(speech_seconds(c.text) / total)


def test_sentences_are_grouped_greedily_up_to_the_cue_length():
    cues = split_cues(Beat(1, MANY, 0.0, 60.0))
    for a, b in zip(cues, cues[1:]):
        first_of_next = re.match(r".*?[.!?](?=\s|$)", b.text).group(0)
        assert len(a.text) + 1 + len(first_of_next) > MAX_CUE_CHARS


def test_long_cjk_beat_is_split_at_cjk_sentence_ends():
    sentence = "梯度下降法沿着梯度的反方向一步一步地前进，直到到达谷底为止。"
    text = sentence * 5
    beat = Beat(1, text, 0.0, speech_seconds(text))
    cues = split_cues(beat)
    assert len(cues) > 1
    check_cover(beat, cues)
    assert "".join(c.text for c in cues) == text
    assert all(c.text.endswith("。") and len(c.text) <= MAX_CUE_CHARS for c in cues)


def test_split_times_do_not_depend_on_the_speech_rate(monkeypatch):
    beat = Beat(1, LONG, 0.0, 20.0)
    before = split_cues(beat)
    monkeypatch.setenv("GDEXPLAIN_WPM", "300")
    assert split_cues(beat) == before


def test_cues_of_keeps_beat_order():
    beats = [Beat(1, LONG, 0.0, 14.4), Beat(2, "Short.", 14.4, 16.0), Beat(3, MANY, 16.0, 60.0)]
    cues = cues_of(beats)
    assert cues == split_cues(beats[0]) + split_cues(beats[1]) + split_cues(beats[2])
    assert [c.start for c in cues] == sorted(c.start for c in cues)


# --- SRT, WebVTT, script ------------------------------------------------------------------

BEATS = [
    Beat(1, LONG, 0.0, 14.4),
    Beat(2, "Step, then feel the slope again from the new spot.", 14.4, 19.2),
    Beat(3, "Step again, and feel again.", 19.2, 3725.5),
]

SRT_BLOCK = re.compile(r"(\d+)\n(\d\d:\d\d:\d\d,\d\d\d) --> (\d\d:\d\d:\d\d,\d\d\d)\n(.+)\n")
VTT_BLOCK = re.compile(r"(\d\d:\d\d:\d\d\.\d\d\d) --> (\d\d:\d\d:\d\d\.\d\d\d)\n(.+)\n")


def seconds(stamp: str) -> float:
    h, m, s = stamp.replace(",", ".").split(":")
    return int(h) * 3600 + int(m) * 60 + float(s)


def test_srt_numbers_every_cue_with_comma_milliseconds():
    text = to_srt(BEATS)
    blocks = text.split("\n\n")
    cues = cues_of(BEATS)
    assert len(blocks) == len(cues) == 4
    for i, (block, cue) in enumerate(zip(blocks, cues), 1):
        m = SRT_BLOCK.fullmatch(block if block.endswith("\n") else block + "\n")
        assert m, block
        assert int(m.group(1)) == i
        assert seconds(m.group(2)) == pytest.approx(cue.start, abs=5e-4)
        assert seconds(m.group(3)) == pytest.approx(cue.end, abs=5e-4)
        assert m.group(4) == cue.text
    assert text.startswith("1\n00:00:00,000 --> ")
    assert "00:00:19,200 --> 01:02:05,500\nStep again, and feel again.\n" in text


def test_vtt_has_header_dot_milliseconds_and_the_same_cues_as_srt():
    text = to_vtt(BEATS)
    assert text.startswith("WEBVTT\n\n")
    vtt = VTT_BLOCK.findall(text)
    srt = SRT_BLOCK.findall(to_srt(BEATS))
    assert len(vtt) == len(srt) == 4
    for (a, b, words_v), (_, c, d, words_s) in zip(vtt, srt):
        assert a.replace(".", ",") == c and b.replace(".", ",") == d and words_v == words_s
    assert not re.search(r"^\d+$", text, re.M), "WebVTT cues carry no numbers here"


def test_stamps_round_to_milliseconds():
    text = to_srt([Beat(1, "One.", 0.0, 1.0004), Beat(2, "Two.", 1.0004, 61.9996)])
    assert "00:00:00,000 --> 00:00:01,000" in text
    assert "00:00:01,000 --> 00:01:02,000" in text


def test_empty_beat_list_gives_empty_subtitles():
    assert to_srt([]) == ""
    assert to_vtt([]) == "WEBVTT\n\n"


def test_script_lists_every_beat_with_its_time_window():
    text = to_script(BEATS, "Rolling downhill", "ball-downhill")
    lines = text.splitlines()
    assert lines[0] == "# Rolling downhill"
    n_words = len(re.findall(r"\S+", " ".join(b.text for b in BEATS)))
    assert lines[2] == f"Scene `ball-downhill` · 3 beats · {n_words} words · 62:05.5 in all."
    assert "**1. [0:00.0 – 0:14.4]**\n\n" + LONG + "\n" in text
    assert "**2. [0:14.4 – 0:19.2]**\n\nStep, then feel the slope again from the new spot.\n" in text
    assert "**3. [0:19.2 – 62:05.5]**\n\nStep again, and feel again.\n" in text
    assert text.index("**1.") < text.index("**2.") < text.index("**3.")


def test_script_total_is_the_given_duration_and_rounds_across_minutes():
    beats = [Beat(1, "One two three.", 0.0, 59.96)]
    text = to_script(beats, "T", "t", duration=119.97)
    assert "· 1 beats · 3 words · 2:00.0 in all." in text
    assert "**1. [0:00.0 – 1:00.0]**" in text  # not 0:60.0
    assert "0:60" not in text and "1:60" not in text


def test_script_of_no_beats():
    assert "· 0 beats · 0 words · 0:00.0 in all." in to_script([], "T", "t")


def test_beat_duration():
    assert Beat(1, "x", 2.5, 4.0).duration == 1.5


@pytest.mark.parametrize(
    "value,digits,said",
    [(-22.0, 4, "minus 22"), (0.3916, 4, "0.3916"), (195.8, 4, "195.8"), (0.0, 4, "zero"), (0.00484, 5, "0.00484"),
     (2726.09, 4, "2726"), (1.3237e9, 4, "1.3 times ten to the 9"), (-4e-5, 4, "minus 4 times ten to the minus 5"), (0.09, 4, "0.09")],
)
def test_spoken_numbers_read_like_the_screen(value, digits, said):
    from gdexplain.narration import spoken_number

    assert spoken_number(value, digits) == said
