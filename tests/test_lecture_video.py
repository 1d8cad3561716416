"""Joining scene videos into the lecture (gdexplain.lecture_video, `gdexplain lecture`).

The fast tests join small videos made here with PyAV (the same codecs as a
render); the slow ones read back the whole course, every registered scene
rendered with the espeak voice at the "sketch" quality and joined by
`gdexplain lecture`, in English and in Chinese (the ``course`` fixture in
conftest.py, shared with the last-frame, layout and translation tests).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from gdexplain import narration
from gdexplain.catalog import entries
from gdexplain.core.errors import InputError
from gdexplain.lecture_video import SIDE_SUFFIXES, Chapter, Part, chapter_list, join
from gdexplain.narration import Cue

RATE = 22050


def make_scene(path: Path, seconds: float, tone: float | None, cues=(), fps: int = 5, size=(256, 144)) -> Path:
    """An H.264 video of ``seconds`` (and an AAC tone of ``tone`` Hz), with an .srt of ``cues`` beside it."""
    import av

    with av.open(str(path), "w") as out:
        video = out.add_stream("libx264", rate=fps)
        video.width, video.height, video.pix_fmt = *size, "yuv420p"
        audio = None
        if tone is not None:
            audio = out.add_stream("aac", rate=RATE, layout="mono")
        for i in range(round(seconds * fps)):
            picture = np.full((size[1], size[0], 3), (i * 20) % 255, np.uint8)
            for packet in video.encode(av.VideoFrame.from_ndarray(picture, format="rgb24")):
                out.mux(packet)
        if audio is not None:
            t = np.arange(round(seconds * RATE)) / RATE
            samples = (0.3 * np.sin(2 * np.pi * tone * t)).astype(np.float32)
            for k in range(0, samples.size, 1024):
                frame = av.AudioFrame.from_ndarray(samples[None, k : k + 1024], format="fltp", layout="mono")
                frame.sample_rate, frame.pts = RATE, k
                for packet in audio.encode(frame):
                    out.mux(packet)
            for packet in audio.encode(None):
                out.mux(packet)
        for packet in video.encode(None):
            out.mux(packet)
    if cues:
        path.with_suffix(".srt").write_text(narration.cues_to_srt([Cue(*c) for c in cues]))
    return path


def read_back(path: Path) -> dict:
    import av

    with av.open(str(path)) as c:
        info = {
            "chapters": [(ch["metadata"]["title"], float(ch["start"] * ch["time_base"]), float(ch["end"] * ch["time_base"])) for ch in c.chapters()],
            "video": float(c.streams.video[0].duration * c.streams.video[0].time_base),
            "frames": sum(1 for p in c.demux(c.streams.video[0]) if p.dts is not None),
            "audio": None,
            "subtitles": [],
        }
    with av.open(str(path)) as c:
        if c.streams.subtitles:
            s = c.streams.subtitles[0]
            info["subtitle_codec"] = s.codec_context.name
            info["subtitles"] = [
                (bytes(p)[2:].decode(), float(p.pts * p.time_base), float((p.pts + p.duration) * p.time_base))
                for p in c.demux(s)
                if p.dts is not None and p.size > 2
            ]
    with av.open(str(path)) as c:
        if c.streams.audio:
            a = c.streams.audio[0]
            info["audio"] = float(a.duration * a.time_base)
            info["rate"] = a.codec_context.sample_rate
            info["samples"] = np.concatenate([f.to_ndarray().mean(axis=0) for f in c.decode(a)])
    return info


def main_frequency(samples: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(samples.size)))
    return float(np.argmax(spectrum) * rate / samples.size)


@pytest.fixture
def two_scenes(tmp_path):
    a = make_scene(tmp_path / "a.mp4", 2.0, 440, [("First scene speaks.", 0.0, 1.5)])
    b = make_scene(tmp_path / "b.mp4", 3.2, 880, [("Second scene, first cue.", 0.0, 1.0), ("And its last cue.", 1.2, 3.4)])
    return [Part.from_files("a", "Rolling downhill", a), Part.from_files("b", "Momentum", b)]


def test_join_stream_copies_with_chapters_subtitles_and_one_soundtrack(tmp_path, two_scenes):
    target = tmp_path / "low" / "lecture.mp4"
    result = join(two_scenes, target)
    info = read_back(target)
    assert result.path == target and result.has_audio
    assert result.duration == pytest.approx(5.2) and info["video"] == pytest.approx(5.2)
    assert info["frames"] == 10 + 16  # every packet of both scenes, none re-encoded or lost
    assert info["chapters"] == [("Rolling downhill", 0.0, 2.0), ("Momentum", 2.0, 5.2)]
    assert result.chapters == (Chapter("Rolling downhill", 0.0, 2.0), Chapter("Momentum", 2.0, 5.2))
    # Subtitles on the lecture's clock; a cue never runs past the end of its scene.
    assert info["subtitle_codec"] == "mov_text"
    assert info["subtitles"] == [
        ("First scene speaks.", 0.0, 1.5),
        ("Second scene, first cue.", 2.0, 3.0),
        ("And its last cue.", 3.2, 5.2),
    ]
    # One continuous soundtrack as long as the video; each scene's sound stays in its own chapter.
    assert info["audio"] == pytest.approx(5.2, abs=0.03)
    rate, samples = info["rate"], info["samples"]
    assert main_frequency(samples[int(0.2 * rate) : int(1.8 * rate)], rate) == pytest.approx(440, abs=5)
    assert main_frequency(samples[int(2.1 * rate) : int(5.0 * rate)], rate) == pytest.approx(880, abs=5)
    # The side files, on the same clock.
    assert [p.name for p in result.side_files] == [f"lecture{s}" for s in SIDE_SUFFIXES]
    assert (target.parent / "lecture.chapters.txt").read_text() == "0:00 Rolling downhill\n0:02 Momentum\n"
    srt = narration.parse_srt((target.parent / "lecture.srt").read_text())
    assert [(c.text, c.start, c.end) for c in srt] == info["subtitles"]
    assert (target.parent / "lecture.vtt").read_text().startswith("WEBVTT\n\n00:00:00.000 --> 00:00:01.500\nFirst scene speaks.")
    script = (target.parent / "lecture.script.md").read_text()
    assert "## 2. Momentum [0:02.0 – 0:05.2]" in script and "**[0:03.2 – 0:05.2]** And its last cue." in script
    assert sorted(p.name for p in target.parent.iterdir()) == sorted(["lecture.mp4"] + [f"lecture{s}" for s in SIDE_SUFFIXES])


def test_silent_scenes_make_a_silent_lecture(tmp_path):
    parts = [Part.from_files(n, n.title(), make_scene(tmp_path / f"{n}.mp4", 1.0, None)) for n in ("one", "two")]
    result = join(parts, tmp_path / "lecture.mp4")
    info = read_back(result.path)
    assert not result.has_audio and info["audio"] is None and info["subtitles"] == []
    assert info["video"] == pytest.approx(2.0) and len(info["chapters"]) == 2


def test_scenes_encoded_differently_are_refused(tmp_path):
    a = make_scene(tmp_path / "a.mp4", 1.0, None)
    b = make_scene(tmp_path / "b.mp4", 1.0, None, size=(320, 180))
    with pytest.raises(InputError, match=r"width 320 vs 256; height 180 vs 144\): render every scene of a lecture at one quality"):
        join([Part.from_files("a", "A", a), Part.from_files("b", "B", b)], tmp_path / "lecture.mp4")


def test_a_failed_join_keeps_the_earlier_lecture(tmp_path, two_scenes, monkeypatch):
    target = tmp_path / "lecture.mp4"
    target.write_bytes(b"an earlier good lecture")
    (tmp_path / "lecture.srt").write_text("old")
    import gdexplain.lecture_video as lv

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(lv, "lecture_script", interrupted)  # after the video is written, before anything is moved
    with pytest.raises(KeyboardInterrupt):
        join(two_scenes, target)
    assert target.read_bytes() == b"an earlier good lecture" and (tmp_path / "lecture.srt").read_text() == "old"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".lecture")]  # no temporary file left
    missing = [two_scenes[0], Part("c", "C", tmp_path / "c.mp4")]
    with pytest.raises(InputError, match="c.mp4 is missing"):
        join(missing, target)
    assert target.read_bytes() == b"an earlier good lecture"


def test_chapter_list_rounds_down_and_shows_hours_when_needed():
    chapters = [Chapter("Intro", 0.0, 59.99), Chapter("Next", 59.99, 3700.0), Chapter("Late", 3700.0, 3800.0)]
    assert chapter_list(chapters[:2]) == "0:00 Intro\n0:59 Next\n"
    assert chapter_list(chapters) == "0:00:00 Intro\n0:00:59 Next\n1:01:40 Late\n"


def test_lecture_command_refuses_bad_input_in_one_line(tmp_path):
    from gdexplain.cli import main

    for args, words in (
        (["nope"], "unknown scene 'nope'"),
        (["momentum", "momentum"], "named twice"),
        (["momentum", "--set", "nothing=1"], "no scene takes --set nothing"),
        (["momentum", "--voice", "festival"], "unknown voice 'festival'"),
        (["momentum", "-q", "ultra"], "unknown quality 'ultra'"),
    ):
        result = CliRunner().invoke(main, ["lecture", *args, "--output-dir", str(tmp_path)])
        assert result.exit_code != 0 and result.stdout == "", args
        assert result.stderr.count("\n") == 1 and words in result.stderr, (args, result.stderr)
    assert list(tmp_path.iterdir()) == []


# --- the whole course, rendered and joined (the ``course`` fixture in conftest.py) -------------------------

WINDOW = 0.5  # seconds per loudness value


def loudness(path: Path, start: float = 0.0, end: float | None = None) -> np.ndarray:
    """The RMS loudness of a file's soundtrack in windows of :data:`WINDOW` seconds, from ``start`` to ``end``."""
    import av

    with av.open(str(path)) as c:
        stream = c.streams.audio[0]
        rate = stream.codec_context.sample_rate
        chunks = []
        for frame in c.decode(stream):
            t = float(frame.pts * frame.time_base)
            if end is not None and t > end:
                break
            if t + frame.samples / rate >= start:
                chunks.append((t, frame.to_ndarray().mean(axis=0)))
    first = chunks[0][0]
    samples = np.concatenate([c for _, c in chunks])[max(0, round((start - first) * rate)) :]
    if end is not None:
        samples = samples[: round((end - start) * rate)]
    size = round(WINDOW * rate)
    usable = samples[: samples.size // size * size].reshape(-1, size)
    return np.sqrt(np.mean(usable.astype(np.float64) ** 2, axis=1))


def lecture_of(course_run) -> tuple[Path, list, dict]:
    from gdexplain.render import edition_stem

    assert not course_run.errors, f"scenes failed to render: {course_run.errors}"
    result = course_run.lecture
    assert result.exit_code == 0, (result.output, result.exception)
    video = course_run.folder / f"{edition_stem('lecture', course_run.lang)}.mp4"
    scenes = [course_run.frames[e.slug].result for e in entries()]
    return video, scenes, read_back_streams(video)


def read_back_streams(path: Path) -> dict:
    """:func:`read_back` without decoding the sound (a whole lecture's samples would not fit a test's memory budget)."""
    import av

    with av.open(str(path)) as c:
        v = c.streams.video[0]
        info = {
            "chapters": [(ch["metadata"]["title"], float(ch["start"] * ch["time_base"]), float(ch["end"] * ch["time_base"])) for ch in c.chapters()],
            "video": float(v.duration * v.time_base),
            "fps": v.average_rate,
            "frames": sum(1 for p in c.demux(v) if p.dts is not None),
            "audio": float(c.streams.audio[0].duration * c.streams.audio[0].time_base) if c.streams.audio else None,
            "language": c.streams.subtitles[0].metadata.get("language") if c.streams.subtitles else None,
            "video_codec": v.codec_context.name,
            "subtitle_codec": c.streams.subtitles[0].codec_context.name if c.streams.subtitles else None,
        }
    with av.open(str(path)) as c:
        s = c.streams.subtitles[0]
        info["subtitles"] = [
            (bytes(p)[2:].decode(), float(p.pts * p.time_base), float((p.pts + p.duration) * p.time_base))
            for p in c.demux(s)
            if p.dts is not None and p.size > 2
        ]
    return info


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_whole_course_joins_into_one_lecture_with_every_chapter_and_cue_in_place(course, lang):
    """Issue 19: every registered scene, rendered and voiced, joins; chapters, subtitles and clock are exact."""
    from fractions import Fraction

    from gdexplain import i18n
    from gdexplain.render import quality
    from gdexplain.video_clock import is_exact

    run = course(lang)
    video, scenes, lecture = lecture_of(run)
    fps = quality(run.folder.name).fps
    for scene in scenes:  # every scene's file on the exact frame clock (Manim's own join left most a few ticks off)
        assert is_exact(scene.path), scene.path
    assert is_exact(video) and lecture["fps"] == fps
    assert lecture["frames"] == sum(s.frames for s in scenes)
    assert Fraction(lecture["video"]).limit_denominator(1000) == Fraction(sum(s.frames for s in scenes), fps)
    assert lecture["audio"] == pytest.approx(lecture["video"], abs=1e-3)
    starts = np.cumsum([0] + [s.frames for s in scenes]) / fps
    with i18n.using(lang):
        titles = [i18n.tr(e.title) for e in entries()]
    assert lecture["chapters"] == [(t, pytest.approx(a, abs=1e-3), pytest.approx(b, abs=1e-3)) for t, a, b in zip(titles, starts, starts[1:])]
    # Every cue of every scene, moved onto the lecture's clock, none lost, none running into the next chapter.
    expected = []
    for scene, start, end in zip(scenes, starts, starts[1:]):
        for cue in narration.parse_srt(scene.path.with_suffix(".srt").read_text(encoding="utf-8")):
            expected.append((cue.text, pytest.approx(start + cue.start, abs=2e-3), pytest.approx(min(start + cue.end, end), abs=2e-3)))
    assert lecture["subtitles"] == expected
    srt = narration.parse_srt(video.with_suffix(".srt").read_text(encoding="utf-8"))
    assert [(c.text, c.start, c.end) for c in srt] == expected
    assert lecture["language"] == {"en": "eng", "zh": "chi"}[lang]
    chapters_txt = video.with_name(video.stem + ".chapters.txt").read_text(encoding="utf-8").splitlines()
    assert [line.split(" ", 1)[1] for line in chapters_txt] == titles
    assert f"{len(scenes)} chapters, with narration" in run.lecture.stdout
    names = [e.slug for e in entries()]
    assert re.findall(rf"\[(\d+)/{len(names)}\] (\S+)", run.lecture.stderr) == [(str(i), n) for i, n in enumerate(names, 1)]
    assert (lecture["video_codec"], lecture["subtitle_codec"]) == ("h264", "mov_text")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_each_chapter_of_the_lecture_sounds_as_its_scene(course, lang):
    """The narration of every scene lands in its own chapter: the loudness over time matches the scene's own file."""
    run = course(lang)
    video, scenes, lecture = lecture_of(run)
    for scene, (title, start, end) in zip(scenes, lecture["chapters"]):
        own = loudness(scene.path)
        joined = loudness(video, start, end)
        n = min(own.size, joined.size)
        assert abs(own.size - joined.size) <= 1, (title, own.size, joined.size)
        assert np.corrcoef(own[:n], joined[:n])[0, 1] > 0.95, f"the sound of {title!r} is not where its chapter is"
        assert (joined[:n] > 10 ** (-35 / 20)).mean() > 0.3, f"{title!r} is mostly silent in the lecture"


def test_voiced_scene_has_speech_in_every_beat(course):
    frame = course("en").frames["one-learning-rate"]
    info = read_back(frame.result.path)
    assert info["audio"] == pytest.approx(info["video"], abs=1e-3)  # the soundtrack cut to the picture
    assert len(frame.beats) == 7
    rate, samples = info["rate"], info["samples"]
    for beat in frame.beats:
        assert beat.speech + narration.BREATH_SECONDS <= beat.end - beat.start + 1e-6  # the audio fits its window
        words = samples[int((beat.start + 0.1) * rate) : int((beat.start + beat.speech - 0.1) * rate)]
        assert 20 * np.log10(np.sqrt(np.mean(words**2))) > -35  # audibly speech


def test_the_chinese_lecture_sits_beside_the_english_one(course):
    from gdexplain.render import edition_stem

    run = course("zh")
    names = {p.name for p in run.folder.iterdir() if p.suffix == ".mp4"}
    assert names == {f"{edition_stem(e.slug, 'zh')}.mp4" for e in entries()} | {"lecture.zh.mp4"}
    cues = narration.parse_srt((run.folder / "lecture.zh.srt").read_text(encoding="utf-8"))
    assert cues and all(re.search(r"[\u4e00-\u9fff]", c.text) for c in cues)
