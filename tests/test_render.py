"""The render pipeline: every registered scene's last frame and beats, one full
video with its subtitles and script, every output format, padded beats, and
renders that fail or are interrupted.

Costs: one last-frame render per registered scene (Manim runs the whole
scene, drawing one frame per animation), one full ball-downhill video at the
"test" quality (256x144, 5 fps), and a few renders of a tiny scene.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest

from gdexplain import narration
from gdexplain.catalog import entries, get_entry
from gdexplain.core.errors import InputError
from gdexplain.narration import BREATH_SECONDS, Beat, beat_seconds
from gdexplain.render import (
    ALPHA_FORMATS,
    FORMATS,
    PUBLIC_QUALITIES,
    QUALITIES,
    check_request,
    narration_script,
    output_path,
    quality,
    render_scene,
)

ENTRIES = entries()
TEST_FPS = QUALITIES["test"].fps
FRAME = 1 / TEST_FPS
TWENTY_WORDS = (
    "These twenty words take eight seconds to say at the default pace, "
    "far longer than the fade they go with."
)
assert len(TWENTY_WORDS.split()) == 20 and beat_seconds(TWENTY_WORDS) == 8.4
CJK_WORDS = "梯度下降法"  # 5 characters at 4 a second, plus a breath: 1.65 s


@pytest.fixture(autouse=True)
def default_rate(monkeypatch):
    monkeypatch.delenv("GDEXPLAIN_WPM", raising=False)


def staging_leftovers(out: Path) -> list[Path]:
    staging = out / ".staging"
    return sorted(staging.iterdir()) if staging.exists() else []


def check_beats(beats: list[Beat], duration: float, tol: float = 1e-6) -> None:
    """Beats are numbered, ordered, back to back, long enough, and cover 0..duration."""
    assert beats, "the scene has no narrated beats"
    assert [b.index for b in beats] == list(range(1, len(beats) + 1))
    assert beats[0].start == pytest.approx(0.0, abs=tol)
    for a, b in zip(beats, beats[1:]):
        assert b.start == pytest.approx(a.end, abs=tol), (a, b)
    for b in beats:
        assert b.text.strip(), b
        needed = beat_seconds(b.text) if b.speech is None else b.speech + BREATH_SECONDS  # a voiced beat: its audio and a breath
        assert b.duration >= needed - tol, (b, needed)
    assert beats[-1].end == pytest.approx(duration, abs=tol)


# --- request checks ----------------------------------------------------------------------


def test_quality_by_name_or_short_form():
    assert quality("low") is quality("l") is QUALITIES["low"]
    assert (quality("high").height, quality("high").fps) == (1080, 60)
    test = quality("test")
    assert (test.width, test.height, test.fps) == (256, 144, 5)
    assert "test" not in PUBLIC_QUALITIES
    with pytest.raises(InputError, match="unknown quality 'ultra'") as err:
        quality("ultra")
    assert "\n" not in str(err.value)
    with pytest.raises(InputError, match="did you mean 'high'"):
        quality("hihg")


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f not in ALPHA_FORMATS])
def test_formats_without_alpha_cannot_be_transparent(fmt):
    check_request(fmt, transparent=False)
    with pytest.raises(InputError, match=r"use --format mov or --format webm"):
        check_request(fmt, transparent=True)


@pytest.mark.parametrize("fmt", ALPHA_FORMATS)
def test_alpha_formats_can_be_transparent(fmt):
    check_request(fmt, transparent=True)


def test_unknown_format():
    with pytest.raises(InputError, match="unknown format 'avi'"):
        check_request("avi", transparent=False)


def test_output_layout():
    assert output_path(Path("media"), QUALITIES["high"], "ball-downhill", "mp4") == Path("media/high/ball-downhill.mp4")


def test_bad_settings_are_refused_before_manim_runs(tmp_path, monkeypatch):
    def boom(entry):
        raise AssertionError("the scene must not be loaded")

    monkeypatch.setattr("gdexplain.render.load_scene_class", boom)
    entry = get_entry("ball-downhill")
    with pytest.raises(InputError, match="lr must be in"):
        render_scene(entry, quality_name="test", output_dir=tmp_path, overrides={"lr": "-1"})
    with pytest.raises(InputError, match="cannot be transparent"):
        render_scene(entry, quality_name="test", transparent=True, output_dir=tmp_path)
    with pytest.raises(InputError, match="unknown quality"):
        render_scene(entry, quality_name="ultra", output_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []


# --- every registered scene: its last frame and its beats -----------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("slug", [e.slug for e in ENTRIES])
def test_every_scene_renders_its_last_frame(last_frames, slug):
    """The scene's video ends on a real picture: not blank, every text and ball left on screen drawn where it should be."""
    from PIL import Image

    from gdexplain.video_clock import is_exact

    frame = last_frames(slug)
    video = frame.result.path
    assert video.suffix == ".mp4" and frame.png.is_file()
    assert frame.result.frames == round(frame.result.duration * quality("sketch").fps) and is_exact(video)
    assert [p.name for p in frame.result.side_files] == [f"{slug}{s}" for s in (".srt", ".vtt", ".script.md")]
    with Image.open(frame.png) as image:
        assert image.format == "PNG"
        assert image.size == (256, 144)
        pixels = np.asarray(image.convert("RGB"), dtype=float)
    assert staging_leftovers(frame.out) == []
    texts, balls = frame.monitor.last_shown
    assert texts or balls, f"{slug} ends on an empty frame: leave its conclusion on screen"
    background = pixels[0, 0]
    painted = np.abs(pixels - background).sum(axis=2) > 30
    assert painted.mean() > 0.01, f"{slug}'s last frame is blank"
    for text in texts:  # every text left on screen has ink in its box
        region = painted[frame_window(text.box, pixels.shape)]
        assert region.any(), f"{text.name} is on screen at the end of {slug} but not drawn"
    for ball in balls:  # every ball left on screen at full strength is drawn and stands out from what is around it
        if max(float(np.max(m.get_fill_opacities(), initial=0.0)) for m in ball.mob.get_family() if m.has_points()) < 0.9:
            continue  # dimmed on purpose (a finished racer, a ghost)
        centre, ring = ball_pixels(ball.box, pixels)
        assert np.abs(centre - ring).sum() > 60, f"a ball at the end of {slug} does not stand out: {centre} on {ring}"


def _to_pixel(x: float, y: float, shape) -> tuple[int, int]:
    from manim import config

    h, w = shape[0], shape[1]
    col = (x / config.frame_width + 0.5) * w
    row = (0.5 - y / config.frame_height) * h
    return int(np.clip(row, 0, h - 1)), int(np.clip(col, 0, w - 1))


def frame_window(box, shape) -> tuple[slice, slice]:
    """The pixel rows and columns of a box in frame coordinates."""
    top, left = _to_pixel(box.left, box.top, shape)
    bottom, right = _to_pixel(box.right, box.bottom, shape)
    return slice(top, bottom + 1), slice(left, right + 1)


def ball_pixels(box, pixels):
    """The colour at a ball's centre and the median colour of a ring just outside it."""
    cx, cy = (box.left + box.right) / 2, (box.bottom + box.top) / 2
    r = (box.right - box.left) / 2
    row, col = _to_pixel(cx, cy, pixels.shape)
    ring = [pixels[_to_pixel(cx + 1.8 * r * np.cos(a), cy + 1.8 * r * np.sin(a), pixels.shape)] for a in np.linspace(0, 2 * np.pi, 16, endpoint=False)]
    return pixels[row, col], np.median(np.array(ring), axis=0)


@pytest.mark.slow
@pytest.mark.parametrize("slug", [e.slug for e in ENTRIES])
def test_every_scene_times_its_beats(last_frames, slug):
    """Beats as the whole-course render timed them (the espeak voice, whole frames), from the same run."""
    frame = last_frames(slug)
    check_beats(frame.beats, frame.time)
    assert all(b.speech for b in frame.beats), "a beat the voice did not say"


# --- one full video: ball-downhill at the test quality ----------------------------------------

SRT_CUE = re.compile(r"(\d+)\n(\d\d):(\d\d):(\d\d),(\d\d\d) --> (\d\d):(\d\d):(\d\d),(\d\d\d)\n(.+?)\n(?:\n|$)", re.S)
VTT_CUE = re.compile(r"(\d\d):(\d\d):(\d\d)\.(\d\d\d) --> (\d\d):(\d\d):(\d\d)\.(\d\d\d)\n(.+?)\n(?:\n|$)", re.S)


def _t(h, m, s, ms) -> float:
    return int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000


def parse_srt(text: str) -> list[tuple[int, float, float, str]]:
    cues = [(int(m[1]), _t(*m.groups()[1:5]), _t(*m.groups()[5:9]), m[10]) for m in SRT_CUE.finditer(text)]
    assert sum(len(m.group(0)) for m in SRT_CUE.finditer(text)) == len(text), "unparsed text in the SRT"
    return cues


def parse_vtt(text: str) -> list[tuple[float, float, str]]:
    assert text.startswith("WEBVTT\n\n")
    body = text[len("WEBVTT\n\n"):]
    cues = [(_t(*m.groups()[0:4]), _t(*m.groups()[4:8]), m[9]) for m in VTT_CUE.finditer(body)]
    assert sum(len(m.group(0)) for m in VTT_CUE.finditer(body)) == len(body), "unparsed text in the VTT"
    return cues


def probe(path: Path) -> dict:
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = sum(1 for _ in container.decode(stream))
        return {
            "width": stream.codec_context.width,
            "height": stream.codec_context.height,
            "fps": float(stream.average_rate),
            "frames": frames,
            "duration": float(stream.duration * stream.time_base) if stream.duration else container.duration / 1e6,
            "codec": stream.codec_context.name,
            "metadata": dict(stream.metadata),
        }


@pytest.fixture(scope="module")
def video(ball_downhill_video):
    v = ball_downhill_video
    assert v.exit_code == 0, (v.stderr, v.exception)
    return v


@pytest.fixture(scope="module")
def video_info(video):
    return probe(video.file(".mp4"))


@pytest.mark.slow
def test_video_and_side_files_land_in_the_quality_folder(video, video_info):
    names = sorted(p.name for p in (video.out / "test").iterdir())
    assert names == [f"ball-downhill{s}" for s in (".mp4", ".script.md", ".srt", ".vtt")]
    assert staging_leftovers(video.out) == []
    assert video_info["codec"] == "h264"
    assert (video_info["width"], video_info["height"], video_info["fps"]) == (256, 144, TEST_FPS)
    assert video_info["duration"] == pytest.approx(video_info["frames"] / TEST_FPS, abs=FRAME)


@pytest.mark.slow
def test_video_beats_are_padded_to_their_words_in_whole_frames(video, video_info):
    check_beats(video.beats, video.time)
    assert video.time == pytest.approx(video_info["duration"], abs=FRAME)


@pytest.mark.slow
def test_srt_cues_cover_the_video(video, video_info):
    cues = parse_srt(video.file(".srt").read_text(encoding="utf-8"))
    assert [c[0] for c in cues] == list(range(1, len(cues) + 1))
    assert cues[0][1] == 0.0
    for (_, s1, e1, _), (_, s2, e2, _) in zip(cues, cues[1:]):
        assert s1 < e1 <= s2 + 0.002 and s2 == pytest.approx(e1, abs=0.002)  # ordered, no overlap, no gap
    assert cues[-1][2] == pytest.approx(video_info["duration"], abs=FRAME)
    # The cues are the beats' sentences, in order, timed as narration.split_cues times them.
    want = narration.cues_of(video.beats)
    assert [c[3] for c in cues] == [c.text for c in want]
    for got, cue in zip(cues, want):
        assert got[1] == pytest.approx(cue.start, abs=0.002) and got[2] == pytest.approx(cue.end, abs=0.002)


@pytest.mark.slow
def test_vtt_has_the_same_cues_as_the_srt(video):
    srt = parse_srt(video.file(".srt").read_text(encoding="utf-8"))
    vtt = parse_vtt(video.file(".vtt").read_text(encoding="utf-8"))
    assert len(vtt) == len(srt) > 0
    for (_, s1, e1, t1), (s2, e2, t2) in zip(srt, vtt):
        assert t1 == t2
        assert s1 == pytest.approx(s2, abs=0.002) and e1 == pytest.approx(e2, abs=0.002)


@pytest.mark.slow
def test_script_lists_every_beat_in_order(video, video_info):
    text = video.file(".script.md").read_text(encoding="utf-8")
    assert text.startswith("# Rolling downhill\n")
    assert f"· {len(video.beats)} beats ·" in text
    windows = re.findall(r"\*\*(\d+)\. \[(\d+):(\d\d\.\d) – (\d+):(\d\d\.\d)\]\*\*\n\n(.+?)\n", text)
    assert len(windows) == len(video.beats)
    for (i, m1, s1, m2, s2, words), beat in zip(windows, video.beats):
        assert int(i) == beat.index and words == beat.text
        assert int(m1) * 60 + float(s1) == pytest.approx(beat.start, abs=0.051)
        assert int(m2) * 60 + float(s2) == pytest.approx(beat.end, abs=0.051)
    total = re.search(r"· (\d+):(\d\d\.\d) in all\.", text)
    assert int(total[1]) * 60 + float(total[2]) == pytest.approx(video_info["duration"], abs=FRAME)


# --- a tiny scene: formats, padding, failures -------------------------------------------------


def fade_in_dot(words: str = "A dot appears.", run_time: float = 0.2):
    def construct(self):
        from manim import Dot, FadeIn

        with self.narrate(words):
            self.play(FadeIn(Dot()), run_time=run_time)

    return construct


@pytest.mark.parametrize(
    "fmt, transparent",
    [("gif", False), ("webm", True), ("mov", True), ("mp4", False), ("png", True)],
)
def test_every_format_renders_with_its_side_files(tmp_path, tiny_scene, fmt, transparent):
    tiny_scene(fade_in_dot())
    result = render_scene(get_entry("ball-downhill"), quality_name="test", fmt=fmt, transparent=transparent, output_dir=tmp_path)
    final = tmp_path / "test" / f"ball-downhill.{fmt}"
    assert result.path == final and final.is_file()
    assert staging_leftovers(tmp_path) == []
    side = sorted(p.name for p in (tmp_path / "test").iterdir() if p != final)
    if fmt == "png":
        from PIL import Image

        with Image.open(final) as image:
            assert image.format == "PNG" and image.size == (256, 144) and image.mode == "RGBA"
            assert image.getpixel((0, 0))[3] == 0  # transparent background
        assert side == [] and result.frames == 1
        return
    assert side == ["ball-downhill.script.md", "ball-downhill.srt", "ball-downhill.vtt"]
    assert [p.name for p in result.side_files] == ["ball-downhill.srt", "ball-downhill.vtt", "ball-downhill.script.md"]
    info = probe(final)
    needed = beat_seconds("A dot appears.")
    assert result.frames == info["frames"] == math.ceil(needed * TEST_FPS - 1e-6)
    assert result.duration == pytest.approx(info["frames"] / TEST_FPS)
    assert (info["width"], info["height"]) == (256, 144)
    head = final.read_bytes()[:12]
    if fmt == "gif":
        assert head[:6] in (b"GIF87a", b"GIF89a")
    elif fmt == "webm":
        assert head[:4] == b"\x1a\x45\xdf\xa3" and info["codec"] == "vp9"
        assert info["metadata"].get("alpha_mode") == "1"  # VP9 carries the alpha channel
    elif fmt == "mov":
        import av

        assert head[4:8] in (b"ftyp", b"wide", b"moov", b"mdat")
        with av.open(str(final)) as container:
            first = next(container.decode(video=0)).to_ndarray(format="rgba")
        assert first[0, 0, 3] == 0  # transparent corner
    elif fmt == "mp4":
        assert head[4:8] == b"ftyp" and info["codec"] == "h264"


def padding_scene(self):
    from manim import Dot, FadeIn, Square

    with self.narrate(TWENTY_WORDS):  # 8.4 s of words, 0.2 s of picture: padded
        self.play(FadeIn(Dot()), run_time=0.2)
    with self.narrate("Short words."):  # 3 s of picture, 1.2 s of words: not cut
        self.play(FadeIn(Square()), run_time=3)
    with self.narrate(CJK_WORDS):  # 1.65 s of words: not a whole number of frames
        self.play(FadeIn(Dot([-1, 1, 0])), run_time=0.2)
    spinner = Square(0.5)
    spinner.add_updater(lambda m, dt: m.rotate(dt))  # a wait with updaters is not a still frame
    self.add(spinner)
    with self.narrate("A spinning square waits for these eight words here."):
        self.play(FadeIn(Dot([1, 1, 0])), run_time=0.3)


def test_short_animations_are_padded_and_long_ones_kept(tmp_path, tiny_scene):
    cls = tiny_scene(padding_scene)
    result = render_scene(get_entry("ball-downhill"), quality_name="test", output_dir=tmp_path)
    scene = cls.instances[-1]
    beats = scene.beats
    assert len(beats) == 4
    check_beats(beats, scene.time)
    # Padded to the words, to within the frame that rounds them up.
    for beat, words in ((beats[0], TWENTY_WORDS), (beats[2], CJK_WORDS)):
        assert beat_seconds(words) - 1e-6 <= beat.duration <= beat_seconds(words) + FRAME + 1e-6
    assert beats[3].duration >= beat_seconds("A spinning square waits for these eight words here.") - 1e-6
    # The long animation is not cut and gets no padding.
    assert beats[1].duration == pytest.approx(3.0, abs=1e-6)
    info = probe(result.path)
    assert info["duration"] == pytest.approx(beats[-1].end, abs=FRAME / 2)
    assert info["frames"] == round(beats[-1].end * TEST_FPS)


def test_dry_run_times_beats_exactly_and_writes_nothing(tmp_path, tiny_scene, monkeypatch):
    cls = tiny_scene(padding_scene)
    monkeypatch.chdir(tmp_path)
    text = narration_script(get_entry("ball-downhill"))
    assert list(tmp_path.iterdir()) == []
    beats = cls.instances[-1].beats
    check_beats(beats, cls.instances[-1].time)
    assert beats[0].duration == pytest.approx(beat_seconds(TWENTY_WORDS), abs=1e-9)
    assert beats[1].duration == pytest.approx(3.0, abs=1e-9)
    assert beats[2].duration == pytest.approx(1.65, abs=1e-9)
    assert text == narration.to_script(beats, "Rolling downhill", "ball-downhill", cls.instances[-1].time)
    assert "**1. [0:00.0 – 0:08.4]**" in text and "**2. [0:08.4 – 0:11.4]**" in text


def test_wpm_environment_changes_the_padding(tmp_path, tiny_scene, monkeypatch):
    cls = tiny_scene(fade_in_dot(TWENTY_WORDS))
    monkeypatch.setenv("GDEXPLAIN_WPM", "300")
    narration_script(get_entry("ball-downhill"))
    assert cls.instances[-1].beats[0].duration == pytest.approx(4.0 + narration.BREATH_SECONDS)


def test_beats_cannot_be_nested(tiny_scene):
    def construct(self):
        with self.narrate("Outer beat."):
            with self.narrate("Inner beat."):
                pass

    tiny_scene(construct)
    with pytest.raises(RuntimeError, match="beats cannot be nested"):
        narration_script(get_entry("ball-downhill"))


# --- failed and interrupted renders -----------------------------------------------------------


class Boom(RuntimeError):
    pass


def failing_scene(exc: BaseException):
    def construct(self):
        from manim import Dot, FadeIn

        with self.narrate("This beat renders."):
            self.play(FadeIn(Dot()), run_time=0.4)
        raise exc

    return construct


@pytest.mark.parametrize("fmt", ["mp4", "png"])
@pytest.mark.parametrize("exc", [Boom("scene bug"), KeyboardInterrupt()], ids=["error", "interrupt"])
def test_failed_render_keeps_the_earlier_good_file(tmp_path, tiny_scene, fmt, exc):
    final = output_path(tmp_path, QUALITIES["test"], "ball-downhill", fmt)
    final.parent.mkdir(parents=True)
    good = {final: b"an earlier good render", final.with_suffix(".srt"): b"1\nold subtitles\n"}
    for path, data in good.items():
        path.write_bytes(data)

    tiny_scene(failing_scene(exc))
    with pytest.raises(type(exc)):
        render_scene(get_entry("ball-downhill"), quality_name="test", fmt=fmt, output_dir=tmp_path)
    for path, data in good.items():
        assert path.read_bytes() == data
    assert sorted(final.parent.iterdir()) == sorted(good)  # nothing half-written beside them
    assert staging_leftovers(tmp_path) == []

    # The same render without the failure does replace the file.
    tiny_scene(fade_in_dot())
    render_scene(get_entry("ball-downhill"), quality_name="test", fmt=fmt, output_dir=tmp_path)
    assert final.read_bytes() != good[final]
    assert staging_leftovers(tmp_path) == []
