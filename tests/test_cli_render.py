"""`gdexplain list`, `script` and `render` through click's CliRunner: what they
print, what they write, and one-line errors for every bad input.

click 8.2+ keeps stdout and stderr apart on the result (``result.stdout``,
``result.stderr``).
"""

from __future__ import annotations

import re
import sys
from importlib.abc import MetaPathFinder

import pytest
from click.testing import CliRunner

from gdexplain.catalog import entries
from gdexplain.cli import main
from gdexplain.core.errors import InputError

ENTRIES = entries()


@pytest.fixture(autouse=True)
def default_rate(monkeypatch):
    monkeypatch.delenv("GDEXPLAIN_WPM", raising=False)


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def one_line_error(result, *words: str) -> str:
    """A failed command: non-zero exit, nothing on stdout, one ``Error: ...`` line on stderr."""
    assert result.exit_code != 0, result.stdout
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: "), lines[0]
    for w in words:
        assert w in lines[0], (w, lines[0])
    return lines[0]


# --- list --------------------------------------------------------------------------------


def test_list_shows_every_scene_in_order_with_its_parameters():
    result = invoke("list")
    assert result.exit_code == 0 and result.stderr == ""
    lines = result.stdout.splitlines()
    heads = [i for i, line in enumerate(lines) if re.match(r"^\s*\d+\. ", line)]
    assert len(heads) == len(ENTRIES)
    for n, (entry, at) in enumerate(zip(ENTRIES, heads), 1):
        number, slug, title = re.match(r"^\s*(\d+)\. (\S+)\s+(.+)$", lines[at]).groups()
        assert (int(number), slug, title) == (n, entry.slug, entry.title)
        end = heads[n] if n < len(heads) else len(lines)
        block = lines[at + 1 : end]
        assert block[0].strip() == entry.description
        shown = [line.strip() for line in block[1:]]
        assert shown == [f"--set {p.describe()}" for p in entry.params]


def test_list_shows_parameter_ranges_and_defaults():
    out = invoke("list").stdout
    assert "--set lr = 0.4  (float in (0, inf)): learning rate α" in out
    assert "--set steps = 20  (int in [1, 400]): optimizer steps shown" in out
    assert "--set surface = elliptic-bowl  (surface)" in out


# --- script ------------------------------------------------------------------------------

BEAT_LINE = re.compile(r"^\*\*(\d+)\. \[(\d+):(\d\d\.\d) – (\d+):(\d\d\.\d)\]\*\*$", re.M)


@pytest.mark.slow
def test_script_of_ball_downhill_is_a_dry_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke("script", "ball-downhill")
    assert result.exit_code == 0, result.stderr
    assert list(tmp_path.iterdir()) == [], "a dry run writes no media"
    text = result.stdout
    assert text.startswith("# Rolling downhill\n")
    windows = [(int(i), int(a) * 60 + float(b), int(c) * 60 + float(d)) for i, a, b, c, d in BEAT_LINE.findall(text)]
    assert len(windows) >= 10
    assert [w[0] for w in windows] == list(range(1, len(windows) + 1))
    assert windows[0][1] == 0.0
    for (_, start, end), (_, next_start, _) in zip(windows, windows[1:]):
        assert start < end == next_start  # increasing, back to back
    header = re.search(r"Scene `ball-downhill` · (\d+) beats · \d+ words · (\d+):(\d\d\.\d) in all\.", text)
    assert int(header[1]) == len(windows)
    assert int(header[2]) * 60 + float(header[3]) == windows[-1][2]
    # Every beat's words follow its time window.
    for m in BEAT_LINE.finditer(text):
        assert text[m.end() : m.end() + 2] == "\n\n" and text[m.end() + 2].isalpha()


def test_script_to_a_file(tmp_path, tiny_scene):
    def construct(self):
        from manim import Dot, FadeIn

        with self.narrate("One beat."):
            self.play(FadeIn(Dot()), run_time=0.5)

    tiny_scene(construct)
    target = tmp_path / "ball-downhill.md"
    result = invoke("script", "ball-downhill", "--set", "lr=0.1", "-o", str(target))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "" and result.stderr.strip() == f"wrote {target}"
    text = target.read_text(encoding="utf-8")
    assert "**1. [0:00.0 – 0:01.2]**\n\nOne beat.\n" in text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ball-downhill.md"]


@pytest.mark.parametrize(
    "args, words",
    [
        (["ball-dowhill"], ["unknown scene 'ball-dowhill'", "did you mean 'ball-downhill'"]),
        (["ball-downhill", "--set", "lrr=0.1"], ["no parameter 'lrr'", "did you mean 'lr'"]),
        (["ball-downhill", "--set", "lr=0"], ["lr must be in (0, inf)"]),
        (["ball-downhill", "--set", "start=9,9"], ["off the 'elliptic-bowl' surface"]),
        (["ball-downhill", "--set", "lr"], ["is not KEY=VALUE"]),
    ],
)
def test_script_errors(tmp_path, monkeypatch, args, words):
    monkeypatch.chdir(tmp_path)
    one_line_error(invoke("script", *args), *words)
    assert list(tmp_path.iterdir()) == []


# --- render: bad input ------------------------------------------------------------------------

RENDER_ERRORS = [
    (["ball-dowhill"], ["unknown scene 'ball-dowhill'", "did you mean 'ball-downhill'"]),
    (["ball-downhill", "ball-downhil"], ["unknown scene 'ball-downhil'", "did you mean 'ball-downhill'"]),
    (["ball-downhill", "--set", "lrr=0.1"], ["no parameter 'lrr'", "did you mean 'lr'"]),
    (["ball-downhill", "--set", "step=5"], ["no parameter 'step'", "did you mean 'steps'"]),
    (["ball-downhill", "--set", "lr=-1"], ["lr must be in (0, inf)", "'-1'"]),
    (["ball-downhill", "--set", "lr=nan"], ["lr must be a finite number", "'nan'"]),
    (["ball-downhill", "--set", "lr=fast"], ["lr must be a number"]),
    (["ball-downhill", "--set", "start=5,5"], ["start (5, 5) is off the 'elliptic-bowl' surface", "x in [-2, 2]"]),
    (["ball-downhill", "--set", "surface=rosenbrock", "--set", "start=1.5,3.5"], ["off the 'rosenbrock' surface"]),
    (["ball-downhill", "--set", "start=1,2,3"], ["has 2 coordinates"]),
    (["ball-downhill", "--set", "steps=0"], ["steps must be in [1, 400]", "'0'"]),
    (["ball-downhill", "--set", "steps=2.5"], ["steps must be a whole number"]),
    (["ball-downhill", "--set", "surface=double-well"], ["'double-well' has 1 coordinates"]),
    (["ball-downhill", "--set", "surface=rosenbrok"], ["did you mean 'rosenbrock'"]),
    (["ball-downhill", "--set", "=1"], ["is not KEY=VALUE"]),
    (["ball-downhill", "--transparent"], ["mp4 cannot be transparent", "mov", "webm"]),
    (["ball-downhill", "--transparent", "--format", "gif"], ["gif cannot be transparent", "mov", "webm"]),
    (["--all", "ball-downhill"], ["give scene names or --all, not both"]),
    ([], ["name a scene to render", "gdexplain list"]),
    (["ball-downhill", "-q", "ultra"], ["unknown quality 'ultra'"]),
    (["ball-downhill", "-q", "hihg"], ["unknown quality 'hihg'", "did you mean 'high'"]),
    (["ball-downhill", "--format", "avi"], ["unknown format 'avi'", "mp4", "webm"]),
    (["ball-downhill", "--format", "mp5"], ["unknown format 'mp5'", "did you mean 'mp4'"]),
    (["--all", "--set", "steps=0"], ["steps must be in [1, 400]"]),
]


@pytest.mark.parametrize("args, words", RENDER_ERRORS, ids=[" ".join(a) or "no-args" for a, _ in RENDER_ERRORS])
def test_render_errors_are_one_line_and_render_nothing(tmp_path, monkeypatch, args, words):
    def no_render(*a, **k):
        raise AssertionError("nothing may render after bad input")

    monkeypatch.setattr("gdexplain.render.render_scene", no_render)
    out = tmp_path / "media"
    one_line_error(invoke("render", *args, "--output-dir", str(out)), *words)
    assert not out.exists()


def test_render_all_refuses_a_key_no_scene_takes(tmp_path, monkeypatch):
    rendered = []

    def stub(entry, **kwargs):
        rendered.append(entry.slug)
        raise KeyboardInterrupt  # stop at the first scene: nothing is really rendered

    monkeypatch.setattr("gdexplain.render.render_scene", stub)
    result = CliRunner().invoke(main, ["render", "--all", "--set", "lrr=0.1", "--output-dir", str(tmp_path)])
    assert rendered == [], "rendering started despite the unknown key"
    one_line_error(result, "lrr", "did you mean 'lr'")


class RefuseManim(MetaPathFinder):
    """Make ``import manim`` fail as it does without the system libraries."""

    def __init__(self, error: BaseException):
        self.error = error

    def find_spec(self, name, path=None, target=None):
        if name == "manim":
            raise self.error
        return None


MISSING = {
    "import-error": lambda mp: mp.setitem(sys.modules, "manim", None),
    "cairo-missing": lambda mp: (
        mp.delitem(sys.modules, "manim"),
        mp.setattr(sys, "meta_path", [RefuseManim(OSError("libcairo.so.2: cannot open shared object file\nmore"))] + sys.meta_path),
    ),
    "bare-import-error": lambda mp: (
        mp.delitem(sys.modules, "manim"),
        mp.setattr(sys, "meta_path", [RefuseManim(ImportError())] + sys.meta_path),
    ),
}


@pytest.mark.parametrize("how", MISSING)
@pytest.mark.parametrize("command", [["render", "ball-downhill"], ["script", "ball-downhill"]], ids=["render", "script"])
def test_missing_system_dependency_is_one_line_naming_setup(tmp_path, monkeypatch, how, command):
    import manim  # noqa: F401  (so that it can be taken away and put back)

    monkeypatch.chdir(tmp_path)
    MISSING[how](monkeypatch)
    with pytest.raises((ImportError, OSError)):
        import manim  # noqa: F401, F811
    line = one_line_error(invoke(*command), "Manim cannot load", "scripts/setup.sh")
    if how == "cairo-missing":
        assert "libcairo.so.2" in line
    assert list(tmp_path.iterdir()) == []


# --- render: what a good render prints --------------------------------------------------------


@pytest.mark.slow
def test_render_prints_the_files_it_wrote(ball_downhill_video):
    v = ball_downhill_video
    assert v.exit_code == 0, (v.stderr, v.exception)
    assert "[1/1] ball-downhill · test (144p5) · mp4" in v.stderr
    lines = v.stdout.splitlines()
    video = v.out / "test" / "ball-downhill.mp4"
    m = re.fullmatch(re.escape(str(video)) + r"  \(\s*([\d.]+) s, (\d+) frames\)", lines[0])
    assert m, lines[0]
    assert float(m[1]) == pytest.approx(v.time, abs=0.05)
    assert int(m[2]) == round(v.time * 5)
    assert lines[1:] == [f"  {v.out / 'test' / ('ball-downhill' + s)}" for s in (".srt", ".vtt", ".script.md")]


def test_input_error_during_a_render_is_one_line_and_keeps_the_old_file(tmp_path, tiny_scene):
    def construct(self):
        from manim import Dot, FadeIn

        with self.narrate("A beat before the bad value."):
            self.play(FadeIn(Dot()), run_time=0.4)
        raise InputError("a value the scene found bad: use another")

    tiny_scene(construct)
    final = tmp_path / "test" / "ball-downhill.mp4"
    final.parent.mkdir(parents=True)
    final.write_bytes(b"earlier good video")
    result = invoke("render", "ball-downhill", "-q", "test", "--output-dir", str(tmp_path))
    assert result.exit_code != 0 and result.stdout == ""
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error")]
    assert errors == ["Error: a value the scene found bad: use another"]
    assert result.stderr.rstrip("\n").splitlines()[-1] == errors[0]
    assert final.read_bytes() == b"earlier good video"
    assert sorted(p.name for p in final.parent.iterdir()) == ["ball-downhill.mp4"]
    assert list((tmp_path / ".staging").iterdir()) == []


def test_interrupted_render_exits_non_zero_and_keeps_the_old_file(tmp_path, tiny_scene):
    def construct(self):
        from manim import Dot, FadeIn

        with self.narrate("Interrupted soon."):
            self.play(FadeIn(Dot()), run_time=0.4)
        raise KeyboardInterrupt

    tiny_scene(construct)
    final = tmp_path / "test" / "ball-downhill.mp4"
    final.parent.mkdir(parents=True)
    final.write_bytes(b"earlier good video")
    result = CliRunner().invoke(main, ["render", "ball-downhill", "-q", "test", "--output-dir", str(tmp_path)])
    assert result.exit_code != 0 and result.stdout == ""
    assert final.read_bytes() == b"earlier good video"
    assert sorted(p.name for p in final.parent.iterdir()) == ["ball-downhill.mp4"]
    assert list((tmp_path / ".staging").iterdir()) == []


def test_an_interrupt_while_manim_encodes_a_frame_stops_as_interrupted(tmp_path, tiny_scene, monkeypatch):
    """Manim's encoder wraps whatever it meets in RuntimeError("Failed to encode ..."): Ctrl-C there is still Ctrl-C."""
    from types import SimpleNamespace

    import av
    from manim.scene import video_segment_encoder

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    frames = SimpleNamespace(from_ndarray=interrupted)
    monkeypatch.setattr(video_segment_encoder, "av", SimpleNamespace(**{**vars(av), "VideoFrame": frames}))

    def construct(self):
        from manim import Dot, FadeIn

        with self.narrate("Interrupted while encoding."):
            self.play(FadeIn(Dot()), run_time=0.4)

    tiny_scene(construct)
    result = CliRunner().invoke(main, ["render", "ball-downhill", "-q", "test", "--output-dir", str(tmp_path)])
    assert result.exit_code == 130 and "Aborted!" in result.stderr and "Failed to encode" not in result.stderr
    assert isinstance(result.exc_info[1], SystemExit) and result.stdout == ""
    assert not (tmp_path / "test").exists() or list((tmp_path / "test").iterdir()) == []
    assert list((tmp_path / ".staging").iterdir()) == []


def test_render_webm_and_png_through_the_cli(tmp_path, tiny_scene):
    def construct(self):
        from manim import Dot, FadeIn

        with self.narrate("Two words."):
            self.play(FadeIn(Dot()), run_time=0.2)

    tiny_scene(construct)
    result = invoke("render", "ball-downhill", "-q", "t", "--format", "webm", "--transparent", "--output-dir", str(tmp_path))
    assert result.exit_code == 0, result.stderr
    # (Manim's own warnings, such as "webm can be slower", also land on stdout.)
    webm = tmp_path / "test" / "ball-downhill.webm"
    assert [line for line in result.stdout.splitlines() if line.startswith(str(webm))] == [f"{webm}  (   1.2 s, 6 frames)"]
    result = invoke("render", "ball-downhill", "-q", "test", "--format", "png", "--output-dir", str(tmp_path))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == f"{tmp_path / 'test' / 'ball-downhill.png'}  (still, 1 frames)"


@pytest.mark.slow
def test_a_cached_render_answers_without_loading_manim(ball_downhill_video):
    """Issue 20: a request the cache answers whole is decided before Manim is imported (most of a second)."""
    import os
    import subprocess

    assert ball_downhill_video.exit_code == 0
    env = {k: v for k, v in os.environ.items() if k != "GDEXPLAIN_WPM"}
    args = ["render", "ball-downhill", "-q", "test", "--jobs", "1", "--output-dir", str(ball_downhill_video.out)]
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "from gdexplain.cli import main; main()", *args],
        capture_output=True, text=True, timeout=120, env=env,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "reused from the cache" in done.stderr
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    assert "gdexplain.cli" in imported and "manim" not in imported
