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
    """One registered scene run once with animations skipped: its last frame, beats and layout."""

    out: Path
    png: Path
    result: Any
    beats: list
    time: float
    monitor: Any  # gdexplain.layout.LayoutMonitor: the collisions and what was on screen at the end
    lang: str = "en"
    untranslated: frozenset = frozenset()  # (context, English) strings asked for with no translation


@pytest.fixture(scope="session")
def last_frames(tmp_path_factory) -> Callable[[str], LastFrame]:
    """``last_frames(slug, lang="en")``: render the scene's last frame once per session and language, with the layout check on.

    Manim skips every animation for a PNG and draws only the final frame, so
    this one run serves the last-frame test, the beat timing test, the
    layout check and the translation checks of every scene
    (tests/test_render.py, tests/test_layout.py, tests/test_i18n.py).
    """
    from gdexplain import i18n, layout
    from gdexplain.catalog import get_entry
    from gdexplain.render import edition_stem, render_scene

    out = tmp_path_factory.mktemp("frames")
    done: dict[tuple[str, str], tuple[LastFrame | None, BaseException | None]] = {}

    def get(slug: str, lang: str = "en") -> LastFrame:
        if (slug, lang) not in done:
            with pytest.MonkeyPatch.context() as mp, layout.watch() as watch:
                mp.delenv("GDEXPLAIN_WPM", raising=False)
                recorded = record_scenes(mp)
                i18n.forget_missing()
                try:
                    result = render_scene(get_entry(slug), quality_name="test", fmt="png", output_dir=out, lang=lang)
                    (monitor,) = watch.monitors
                    png = out / "test" / f"{edition_stem(slug, lang)}.png"
                    frame = LastFrame(out, png, result, recorded.beats, recorded.time, monitor, lang, frozenset(i18n.missing(lang)))
                    done[slug, lang] = (frame, None)
                except Exception as err:  # reported by every test of the scene
                    done[slug, lang] = (None, err)
        frame, err = done[slug, lang]
        if err is not None:
            raise err
        assert frame is not None
        return frame

    return get


def pytest_collection_modifyitems(config, items) -> None:
    """Keep the tests that share one expensive run on one pytest-xdist worker (``--dist loadgroup``).

    A scene's last-frame run (``last_frames``) serves every test parametrized
    with its ``slug``, in every file; a module-scoped fixture serves its
    module's tests; the one full render serves every test that uses it. Tests
    that share nothing are spread one by one.
    """
    for item in items:
        callspec = getattr(item, "callspec", None)
        slug = callspec.params.get("slug") if callspec else None
        defs = getattr(getattr(item, "_fixtureinfo", None), "name2fixturedefs", {})
        if isinstance(slug, str):
            group = f"scene:{slug}"
        elif "ball_downhill_video" in item.fixturenames:
            group = "ball-downhill-video"
        elif any(d.scope == "module" and d.baseid for ds in defs.values() for d in ds):
            group = f"module:{item.module.__name__}"
        else:
            continue
        item.add_marker(pytest.mark.xdist_group(group))
