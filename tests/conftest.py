"""Fixtures shared by the render-pipeline tests (test_render.py, test_cli_render.py).

Manim is imported only inside fixtures, so test files that do not use them
(the optimizer core's tests) do not pay for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pytest


@dataclass
class Recorded:
    """What one scene instance did: its beats and its clock when it finished."""

    scenes: list[Any] = field(default_factory=list)

    @property
    def beats(self):
        assert len(self.scenes) == 1, f"expected one scene to render, got {len(self.scenes)}"
        return list(self.scenes[0].beats)

    @property
    def time(self) -> float:
        return float(self.scenes[0].time)


def record_scenes(mp: pytest.MonkeyPatch) -> Recorded:
    """Record every NarratedScene that renders while ``mp`` is active."""
    from gdexplain.scene import NarratedScene

    recorded = Recorded()
    original = NarratedScene.render

    def render(self, preview: bool = False):
        recorded.scenes.append(self)
        return original(self, preview)

    mp.setattr(NarratedScene, "render", render)
    return recorded


@pytest.fixture(scope="session")
def scene_recorder() -> Callable[[pytest.MonkeyPatch], Recorded]:
    """:func:`record_scenes`, for module- and session-scoped fixtures."""
    return record_scenes


@pytest.fixture
def tiny_scene(monkeypatch) -> Callable[..., type]:
    """Make ``gdexplain.render`` load a tiny 2-D scene instead of the real one.

    ``tiny_scene(construct)`` builds an ExplainerScene with ``slug =
    "ball-downhill"`` (so the real catalog entry, its settings and output
    names apply) whose ``construct`` is the given function, and patches
    ``gdexplain.render.load_scene_class`` to return it. The class keeps its
    rendered instances in ``.instances``.
    """

    def use(construct: Callable[[Any], None]) -> type:
        from gdexplain.scene import ExplainerScene

        def run(self):
            type(self).instances.append(self)
            construct(self)

        cls = type("TinyScene", (ExplainerScene,), {"slug": "ball-downhill", "construct": run, "instances": []})
        monkeypatch.setattr("gdexplain.render.load_scene_class", lambda entry: cls)
        monkeypatch.setattr("gdexplain.chunks.load_scene_class", lambda entry: cls)
        return cls

    return use


@dataclass
class Video:
    """The one full render of ball-downhill at the "test" quality, through the CLI."""

    out: Path
    exit_code: int
    stdout: str
    stderr: str
    exception: BaseException | None
    beats: list
    time: float

    def file(self, suffix: str) -> Path:
        return self.out / "test" / f"ball-downhill{suffix}"


@pytest.fixture(scope="session")
def ball_downhill_video(tmp_path_factory) -> Video:
    """``gdexplain render ball-downhill -q test`` once per session (256x144, 5 fps)."""
    from click.testing import CliRunner

    from gdexplain.cli import main

    out = tmp_path_factory.mktemp("video")
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("GDEXPLAIN_WPM", raising=False)
        recorded = record_scenes(mp)
        # --jobs 1: one serial render, the reference the chunked and cluster renders are compared with
        result = CliRunner().invoke(main, ["render", "ball-downhill", "-q", "test", "--jobs", "1", "--output-dir", str(out)])
    beats, time = (recorded.beats, recorded.time) if recorded.scenes else ([], float("nan"))
    return Video(out, result.exit_code, result.stdout, result.stderr, result.exception, beats, time)


@dataclass
class LastFrame:
    """One registered scene as the whole-course render drew it: its last frame, beats, layout and words."""

    out: Path
    png: Path  # the video's last frame
    result: Any  # the RenderResult of the scene's video
    beats: list
    time: float
    monitor: Any  # gdexplain.layout.LayoutMonitor: the collisions and what was on screen at the end
    lang: str = "en"
    untranslated: frozenset = frozenset()  # (context, English) strings asked for with no translation


@dataclass
class Course:
    """Every registered scene rendered at the "sketch" quality with the espeak voice, and joined into the lecture."""

    lang: str
    out: Path  # the --output-dir
    frames: dict[str, LastFrame]
    errors: dict[str, BaseException]  # a scene that failed to render: reported by each of its tests
    lecture: Any  # click's Result of `gdexplain lecture -q sketch --voice espeak --lang LANG`

    @property
    def folder(self) -> Path:
        return self.out / COURSE_QUALITY


#: The quality of the whole-course render: 256x144 at 1 fps, so every frame of every scene is drawn in minutes.
COURSE_QUALITY = "sketch"


def _last_frame(video: Path, png: Path) -> Path:
    import av
    from PIL import Image

    with av.open(str(video)) as container:
        last = None
        for last in container.decode(video=0):
            pass
    assert last is not None, f"{video} has no frames"
    Image.fromarray(last.to_ndarray(format="rgb24")).save(png)
    return png


def render_course(out: Path, speech: Path, lang: str) -> Course:
    """Render every scene in this process (layout check on, beats recorded), then join them with `gdexplain lecture`.

    The scenes are rendered one by one through the same cache as the
    command, so the lecture command reuses every one of them and only joins.
    """
    from click.testing import CliRunner

    from gdexplain import i18n, layout
    from gdexplain.catalog import entries
    from gdexplain.cli import main
    from gdexplain.parallel import render_many
    from gdexplain.render import edition_stem
    from gdexplain.voice import canonical_voice

    frames: dict[str, LastFrame] = {}
    errors: dict[str, BaseException] = {}
    (out / "frames").mkdir(parents=True)
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("GDEXPLAIN_WPM", raising=False)
        mp.setenv("GDEXPLAIN_CACHE_DIR", str(speech))
        voice = canonical_voice("espeak", lang)
        for entry in entries():
            with pytest.MonkeyPatch.context() as scene_mp, layout.watch() as watch:
                recorded = record_scenes(scene_mp)
                i18n.forget_missing()
                try:
                    (result,) = render_many([entry], quality_name=COURSE_QUALITY, voice=voice, lang=lang, jobs=1, output_dir=out)
                    (monitor,) = watch.monitors
                    png = _last_frame(result.path, out / "frames" / f"{edition_stem(entry.slug, lang)}.png")
                    untranslated = frozenset(i18n.missing(lang))
                    frames[entry.slug] = LastFrame(out, png, result, recorded.beats, recorded.time, monitor, lang, untranslated)
                except Exception as err:  # reported by every test of the scene
                    errors[entry.slug] = err
        lecture = CliRunner().invoke(main, ["lecture", "-q", COURSE_QUALITY, "--voice", "espeak", "--lang", lang, "--output-dir", str(out)])
    return Course(lang, out, frames, errors, lecture)


@pytest.fixture(scope="session")
def course(tmp_path_factory) -> Callable[[str], Course]:
    """``course(lang="en")``: :func:`render_course` once per session and language."""
    done: dict[str, Course] = {}
    speech = tmp_path_factory.mktemp("speech")

    def get(lang: str = "en") -> Course:
        if lang not in done:
            done[lang] = render_course(tmp_path_factory.mktemp(f"course-{lang}"), speech, lang)
        return done[lang]

    return get


@pytest.fixture(scope="session")
def last_frames(course) -> Callable[[str], LastFrame]:
    """``last_frames(slug, lang="en")``: one scene of the whole-course render (:func:`course`).

    The one render of every scene per language serves the last-frame test,
    the beat timing test, the layout check, the translation checks and the
    spoken-figures test of every scene (tests/test_render.py,
    tests/test_layout.py, tests/test_i18n.py, tests/test_spoken_numbers.py),
    and the lecture tests (tests/test_lecture_video.py).
    """

    def get(slug: str, lang: str = "en") -> LastFrame:
        run = course(lang)
        if slug in run.errors:
            raise run.errors[slug]
        return run.frames[slug]

    return get


#: Fixtures that run whole scenes (seconds each): a test that uses one is ``slow``.
SLOW_FIXTURES = {"course", "last_frames", "ball_downhill_video", "changed_beats"}
#: Seconds a test may take when it may be the one that pays for the whole-course render of its language.
COURSE_TIMEOUT = 1200


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook, which reads the groups
def pytest_collection_modifyitems(config, items) -> None:
    """Mark the tests by cost, give the course's tests room, and keep tests that share a run on one xdist worker.

    ``slow``: the test runs whole scenes (it uses one of :data:`SLOW_FIXTURES`,
    or a module-scoped fixture, which in this suite is a scene run shared by
    the module's tests) or says so itself. ``pytest -m "not slow"`` is the
    fast lane for development.

    Groups (``--dist loadgroup``): the whole-course render of a language
    (``course``/``last_frames``) serves every test that uses it, in every
    file; a module-scoped fixture serves its module's tests; the one full
    ball-downhill render serves every test that uses it. Tests that share
    nothing are spread one by one.
    """
    for item in items:
        callspec = getattr(item, "callspec", None)
        params = callspec.params if callspec else {}
        defs = getattr(getattr(item, "_fixtureinfo", None), "name2fixturedefs", {})
        module_scoped = any(d.scope == "module" and d.baseid for ds in defs.values() for d in ds)
        uses = set(item.fixturenames)
        if uses & SLOW_FIXTURES or module_scoped:
            item.add_marker(pytest.mark.slow)
        if uses & {"course", "last_frames"}:
            group = f"course:{params.get('lang', 'en')}"
            if item.get_closest_marker("timeout") is None:
                item.add_marker(pytest.mark.timeout(COURSE_TIMEOUT))
        elif "ball_downhill_video" in uses:
            group = "ball-downhill-video"
        elif module_scoped:
            group = f"module:{item.module.__name__}"
        else:
            continue
        item.add_marker(pytest.mark.xdist_group(group))
