"""Rendering at scale: the render cache, worker processes, chunked scenes, a Dask cluster,
and the pipeline's loose ends (SIGTERM, dead staging folders, concurrent renders,
unwritable output folders).

Costs: tiny scenes at the "test" quality (256x144, 5 fps) for everything but
one render-marked test, which renders ball-downhill at the test quality on a
two-worker Dask LocalCluster (cut in two chunks) and compares it with the
session's serial render.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

from gdexplain import cache, chunks, outputs
from gdexplain import render as rendering
from gdexplain.catalog import get_entry
from gdexplain.chunks import Chunk, Play
from gdexplain.cli import main
from gdexplain.core.errors import InputError
from gdexplain.parallel import render_many

ENTRY = get_entry("ball-downhill")
SIDES = (".srt", ".vtt", ".script.md")


@pytest.fixture(autouse=True)
def default_rate(monkeypatch):
    monkeypatch.delenv("GDEXPLAIN_WPM", raising=False)


def frames_of(path: Path) -> list[np.ndarray]:
    """Every decoded frame of a video, as RGB arrays."""
    import av

    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]


def assert_same_video(a: Path, b: Path) -> None:
    """Frame for frame the same picture, and the same side files byte for byte."""
    fa, fb = frames_of(a), frames_of(b)
    assert len(fa) == len(fb) > 0
    for n, (x, y) in enumerate(zip(fa, fb)):
        assert np.array_equal(x, y), f"frame {n} differs"
    for suffix in SIDES:
        sa, sb = a.with_name(a.stem + suffix), b.with_name(b.stem + suffix)
        assert sa.read_bytes() == sb.read_bytes(), suffix


def cache_entries(out: Path) -> list[Path]:
    root = out / cache.CACHE
    return sorted(p for p in root.iterdir() if p.name != "plans") if root.exists() else []


def staging_leftovers(out: Path) -> list[Path]:
    root = out / outputs.STAGING
    return sorted(root.iterdir()) if root.exists() else []


def render(out: Path, **kwargs) -> list:
    kwargs.setdefault("jobs", 1)
    return render_many([ENTRY], quality_name="test", output_dir=out, **kwargs)


@pytest.fixture
def cut_anyway(monkeypatch) -> None:
    """Cut the tiny scenes as a long one would be: a small fixed cost per chunk, and a small gain enough.

    The tests that use it check the machinery of chunks (the same video, plans
    kept and checked), not the cost model (the ``split`` tests do that): a
    tiny scene draws in a fraction of a second and would rightly be rendered whole.
    """
    monkeypatch.setattr(chunks, "CHUNK_S", 0.3)
    monkeypatch.setattr(chunks, "WHOLE_MARGIN", chunks.COUNT_MARGIN)


# --- tiny scenes ---------------------------------------------------------------------------------


def beats_scene(self):
    """Five plays over three beats, a still wait, a moving square: enough to cut into chunks."""
    from manim import Dot, FadeIn, Rotate, Square

    square = Square(1.0)
    with self.narrate("A dot appears on the left."):
        self.play(FadeIn(Dot([-3, 0, 0])), run_time=0.6)
    with self.narrate("A square appears and turns."):
        self.play(FadeIn(square), run_time=0.4)
        self.play(Rotate(square, 1.0), run_time=0.8)
    with self.narrate("Another dot, on the right, for a longer beat than its fade."):
        self.play(FadeIn(Dot([3, 0, 0])), run_time=0.4)


def updater_scene(self):
    """A time-based updater starts at the third play: no chunk may start after it."""
    from manim import Dot, FadeIn, Square

    with self.narrate("The first beat has enough words to last a while."):
        self.play(FadeIn(Dot([-3, 0, 0])), run_time=0.6)
    with self.narrate("The second beat also has enough words to last a while."):
        self.play(FadeIn(Dot([-2, 0, 0])), run_time=0.6)
    spinner = Square(0.5)
    spinner.add_updater(lambda m, dt: m.rotate(0.7 * dt))
    self.add(spinner)
    with self.narrate("A spinning square, then more dots appear."):
        self.play(FadeIn(Dot([2, 0, 0])), run_time=0.6)
    with self.narrate("Last beat."):
        self.play(FadeIn(Dot([3, 0, 0])), run_time=0.6)


class RenderLog:
    """The chunk of every render_scene call, also from forked worker processes (kept in a file)."""

    def __init__(self, path: Path):
        self.path = path

    def __len__(self) -> int:
        return len(self.chunks)

    def __eq__(self, other: object) -> bool:
        return self.chunks == other

    @property
    def chunks(self) -> list[Chunk | None]:
        if not self.path.exists():
            return []
        lines = self.path.read_text().splitlines()
        return [None if line == "null" else Chunk(**json.loads(line)) for line in lines]


def count_renders(monkeypatch, tmp_path: Path) -> RenderLog:
    """Record every render_scene call while keeping the real renders."""
    from dataclasses import asdict

    log = RenderLog(tmp_path / "renders.log")
    real = rendering.render_scene

    def spy(entry, **kwargs):
        chunk = kwargs.get("chunk")
        with open(log.path, "a") as f:
            f.write(("null" if chunk is None else json.dumps(asdict(chunk))) + "\n")
        return real(entry, **kwargs)

    monkeypatch.setattr("gdexplain.render.render_scene", spy)
    return log


# --- chunks ------------------------------------------------------------------------------------


def test_split_balances_cost_and_starts_only_at_safe_plays():
    plays = [Play(10, False)] * 6
    assert chunks.split(plays, 1) == [Chunk(0)]
    assert chunks.split(plays, 2) == [Chunk(0, 2), Chunk(3)]
    assert chunks.split(plays, 3) == [Chunk(0, 1), Chunk(2, 3), Chunk(4)]
    uneven = [Play(50, False), Play(5, False), Play(5, False), Play(40, False)]
    assert chunks.split(uneven, 2) == [Chunk(0, 0), Chunk(1)]
    # A time-based updater from play 2 on: no chunk may start after it (the nearest safe cut is at 2).
    tainted = [Play(10, False), Play(10, False), Play(10, True), Play(10, False), Play(10, False)]
    assert chunks.split(tainted, 2) == [Chunk(0, 1), Chunk(2)]
    assert chunks.split([Play(10, False), Play(10, True), Play(10, False)], 2) == [Chunk(0, 0), Chunk(1)]
    assert chunks.split([Play(10, True), Play(10, False)], 2) == [Chunk(0)]
    assert chunks.split([Play(10, False)], 4) == [Chunk(0)]
    # The estimated cost decides, not the frames: one costly play (a turning 3-D landscape) is a chunk of its own.
    costly = [Play(10, False, cost=90.0), Play(10, False, cost=10.0), Play(10, False, cost=10.0), Play(10, False, cost=10.0)]
    assert chunks.split(costly, 2) == [Chunk(0, 0), Chunk(1)]


def test_split_uses_more_chunks_than_workers_when_they_finish_sooner():
    # 30 | 50 | 20 on two workers: two chunks take at least 70, three take 50 (50 on one, 30 + 20 on the other).
    plays = [Play(1, False, cost=30.0), Play(1, False, cost=50.0), Play(1, False, cost=20.0)]
    cut = chunks.split(plays, 2)
    assert cut == [Chunk(0, 0), Chunk(1, 1), Chunk(2)]
    assert [c.estimate - chunks.CHUNK_S for c in cut] == [30.0, 50.0, 20.0]
    # Every chunk builds the scene up to its last play (reached_s): one that spends 40 s building before
    # play 2 costs that whatever is cut, so the chunk ending there costs drawing plus 40 s.
    slow_to_reach = [*plays[:2], Play(1, False, cost=20.0, reached_s=40.0)]
    cut = chunks.split(slow_to_reach, 2)
    assert cut == [Chunk(0, 0), Chunk(1, 1), Chunk(2)]
    assert [c.estimate - chunks.CHUNK_S for c in cut] == [30.0, 90.0, 60.0]
    # A scene that spends its time building (setting texts and formulas), not drawing, is not cut:
    # every chunk would build it again (momentum at low quality rendered 25% slower in chunks).
    built = [Play(1, False, cost=2.0, reached_s=0.0), Play(1, False, cost=2.0, reached_s=30.0), Play(1, False, cost=2.0, reached_s=60.0)]
    assert chunks.split(built, 2) == [Chunk(0)]
    assert chunks.split([Play(1, False, cost=c.cost) for c in built], 2) != [Chunk(0)]  # the same drawing, built at no cost: cut
    # One worker: nothing to gain from cutting.
    assert chunks.split(plays, 1) == [Chunk(0)]


def test_draw_cost_grows_with_what_moves():
    from manim import Circle, VGroup
    from types import SimpleNamespace

    dots = VGroup(*(Circle() for _ in range(20)))
    shaded = VGroup(*(Circle() for _ in range(20)))
    for m in shaded:
        m.shade_in_3d = True
    still = SimpleNamespace(mobjects=[dots], moving_mobjects=[])
    moving = SimpleNamespace(mobjects=[dots], moving_mobjects=[dots])
    moving_3d = SimpleNamespace(mobjects=[shaded], moving_mobjects=[shaded])
    assert chunks.draw_cost(still, 30, frozen=True) < chunks.draw_cost(moving, 30, frozen=False) < chunks.draw_cost(moving_3d, 30, frozen=False)
    assert chunks.draw_cost(moving, 60, frozen=False) > chunks.draw_cost(moving, 30, frozen=False)
    assert chunks.draw_cost(moving, 30, frozen=True) == chunks.draw_cost(still, 30, frozen=True)  # a frozen frame is drawn once


def test_parts_for_keeps_every_worker_busy():
    assert chunks.parts_for(jobs=2, scenes=1) == 2
    assert chunks.parts_for(jobs=4, scenes=3) == 2
    assert chunks.parts_for(jobs=2, scenes=2) == 1
    assert chunks.parts_for(jobs=2, scenes=10) == 1


def test_plan_finds_every_play_and_the_time_based_updater(tiny_scene):
    tiny_scene(updater_scene)
    plays = chunks.plan(ENTRY, ENTRY.resolve(None), fps=5)
    # four beats of one fade each, each padded by a wait to its words
    assert len(plays) == 8
    assert [p.time_based_updaters for p in plays] == [False] * 4 + [True] * 4
    assert sum(p.frames for p in plays) > 0
    assert all(p.cost is not None and p.cost > 0 for p in plays)
    reached = [p.reached_s for p in plays]
    assert reached == sorted(reached) and reached[0] >= 0
    starts = [c.first for c in chunks.split(plays, 3)]
    assert all(s <= 4 for s in starts)


def after_its_plan_in_workers(construct):
    """The scene, except that in a worker process it starts only once its plan has told the open-ended chunk where to stop.

    A tiny scene renders as fast as it is planned: without this, which one
    finishes first is a race (a scene done before its plan is rendered whole).
    """
    planner = os.getpid()

    def told() -> bool:  # slot 0's stop, read without noting a play
        return chunks.handoff()._shared[1] >= 0

    def run(self):
        deadline = time.monotonic() + 60
        while os.getpid() != planner and not told() and time.monotonic() < deadline:
            time.sleep(0.02)
        construct(self)

    return run


@pytest.mark.parametrize("scene", [beats_scene, updater_scene], ids=["beats", "updater"])
def test_chunked_render_is_frame_for_frame_the_serial_one(tmp_path, tiny_scene, monkeypatch, scene, cut_anyway):
    tiny_scene(after_its_plan_in_workers(scene))
    # The first chunk waits above instead of rendering, so the seconds it "rendered" while the scene was
    # planned are no head start; counted, a slow machine's plan would leave it the whole tiny scene.
    split = chunks.split
    monkeypatch.setattr(chunks, "split", lambda plays, parts, head_start=0.0, earliest=1: split(plays, parts, 0.0, earliest))
    serial = render(tmp_path / "serial")[0]
    calls = count_renders(monkeypatch, tmp_path)
    chunked = render(tmp_path / "chunked", jobs=2)[0]
    pieces = sorted(calls.chunks, key=lambda c: c.first)
    assert len(pieces) == 2 and pieces[0].first == 0 and pieces[1].first > 0  # really cut in two
    # A first chunked render: the first chunk started while the scene was planned, told later where to stop.
    assert pieces[0].handoff_slot == 0 and pieces[0].last is None and pieces[1].handoff_slot is None
    assert_same_video(serial.path, chunked.path)
    assert (chunked.frames, chunked.duration) == (serial.frames, pytest.approx(serial.duration))
    assert staging_leftovers(tmp_path / "chunked") == []


def longer_scene(self):
    """beats_scene after an edit: one more beat at the end."""
    from manim import Dot, FadeIn

    beats_scene(self)
    with self.narrate("A last dot, in the middle."):
        self.play(FadeIn(Dot([0, -1, 0])), run_time=0.4)


def spinning_scene(self):
    """A time-based updater from the very first play: no chunk may start after play 0."""
    from manim import Square

    spinner = Square(0.5)
    spinner.add_updater(lambda m, dt: m.rotate(0.7 * dt))
    self.add(spinner)
    beats_scene(self)


def one_play_scene(self):
    """Shorter than any cut of beats_scene."""
    from manim import Dot, FadeIn

    with self.narrate("Only a dot."):
        self.play(FadeIn(Dot()), run_time=0.4)


EDITED = {"ball-downhill": {"lr": "0.3"}}  # new settings: the plan kept by an earlier render is not this one's


def edit_after_a_chunked_render(out: Path, tiny_scene, monkeypatch, edit) -> tuple[Any, list]:
    """Render beats_scene in chunks, edit it into ``edit``; returns the serial render of the edit and a list of planning runs."""
    tiny_scene(beats_scene)
    render(out / "chunked", jobs=2)
    tiny_scene(edit)
    serial = render(out / "serial", overrides_by_slug=EDITED)[0]
    planned: list = []
    real_plan = chunks.plan
    monkeypatch.setattr(chunks, "plan", lambda *a, **k: planned.append(a) or real_plan(*a, **k))
    return serial, planned


def test_an_edited_scene_is_cut_by_its_earlier_plan_and_its_new_plan_kept(tmp_path, tiny_scene, monkeypatch, cut_anyway):
    real_plan = chunks.plan
    serial, planned = edit_after_a_chunked_render(tmp_path, tiny_scene, monkeypatch, longer_scene)
    calls = count_renders(monkeypatch, tmp_path)

    chunked = render(tmp_path / "chunked", jobs=2, overrides_by_slug=EDITED)[0]
    assert planned == [], "an edited scene waited for a planning dry run"
    pieces = sorted(calls.chunks, key=lambda c: c.first)
    assert len(pieces) == 2 and all(c.check for c in pieces)
    assert_same_video(serial.path, chunked.path)
    assert (chunked.frames, chunked.duration) == (serial.frames, pytest.approx(serial.duration))

    # The last chunk saw every play of the edited scene: that is its plan now, and the next cut uses it.
    truth = real_plan(ENTRY, ENTRY.resolve(EDITED["ball-downhill"]), fps=5)
    kept, exact = cache.plays(ENTRY, ENTRY.resolve(EDITED["ball-downhill"]), 5, tmp_path / "chunked", lambda: [], lang="en")
    assert exact
    assert [(p.frames, p.time_based_updaters, p.cost) for p in kept] == [(p.frames, p.time_based_updaters, p.cost) for p in truth]
    reached = [p.reached_s for p in kept]
    assert reached == sorted(reached)


@pytest.mark.parametrize("edit", [spinning_scene, one_play_scene], ids=["updater-before-the-cut", "shorter"])
def test_a_cut_an_edit_made_unsafe_is_planned_again(tmp_path, tiny_scene, monkeypatch, edit, cut_anyway):
    serial, planned = edit_after_a_chunked_render(tmp_path, tiny_scene, monkeypatch, edit)
    chunked = render(tmp_path / "chunked", jobs=2, overrides_by_slug=EDITED)[0]
    assert len(planned) == 1, "the unsafe cut was not planned again"
    assert_same_video(serial.path, chunked.path)
    assert (chunked.frames, chunked.duration) == (serial.frames, pytest.approx(serial.duration))
    assert staging_leftovers(tmp_path / "chunked") == []


def test_learned_plan_keeps_what_the_chunk_measured_and_extends_skip_times():
    earlier = [Play(5, False, 1.0, 0.0), Play(5, False, 1.0, 1.0), Play(5, False, 1.0, 3.0), Play(5, False, 1.0, 4.0)]
    seen = [Play(6, False, 2.0, 0.0), Play(6, False, 2.0, 0.5), Play(6, False, 2.0, 9.0), Play(6, True, 2.0, 20.0), Play(6, True, 2.0, 30.0)]
    plan = chunks.learned(seen, 1, earlier)
    assert [(p.frames, p.time_based_updaters, p.cost) for p in plan] == [(p.frames, p.time_based_updaters, p.cost) for p in seen]
    # skipped (0, 1): as measured; drawn from play 2 on: the earlier plan's steps (2.0, 1.0), then their mean (4/3)
    assert [p.reached_s for p in plan] == [0.0, 0.5, 2.5, 3.5, pytest.approx(3.5 + 4 / 3, abs=1e-3)]


def test_a_scene_rendered_before_its_plan_is_done_is_rendered_whole(tmp_path, tiny_scene, monkeypatch):
    tiny_scene(beats_scene)
    serial = render(tmp_path / "serial")[0]
    real_plan = chunks.plan

    def slow_plan(*args, **kwargs):
        # The plan is done only after the open-ended first chunk has rendered the whole scene (its task folder is gone).
        staging, deadline, started = tmp_path / "chunked" / outputs.STAGING, time.monotonic() + 120, False
        while time.monotonic() < deadline:
            tasks = list(staging.rglob("ball-downhill-task-*")) if staging.exists() else []  # in the worker's folder
            if started and not tasks:
                break
            started = started or bool(tasks)
            time.sleep(0.05)
        return real_plan(*args, **kwargs)

    monkeypatch.setattr(chunks, "plan", slow_plan)
    calls = count_renders(monkeypatch, tmp_path)
    chunked = render(tmp_path / "chunked", jobs=2)[0]
    assert len(calls) == 1 and calls.chunks[0].first == 0 and calls.chunks[0].handoff_slot == 0
    assert_same_video(serial.path, chunked.path)


def test_handoff_never_stops_a_chunk_behind_where_it_is():
    handoff = chunks.Handoff(2)
    assert handoff.playing(1, 0) is None and handoff.playing(1, 4) is None  # not told yet: it runs on
    assert handoff.cut(1, lambda at: at + 3) == 7  # the chooser sees the play the chunk is at (4)
    assert handoff.playing(1, 5) == 6  # from now on the chunk stops after play 6
    assert handoff.playing(0, 3) is None
    with pytest.raises(ValueError):
        handoff.cut(0, lambda at: at)  # a start the chunk is already at
    assert handoff.playing(0, 4) is None  # ...was not set
    assert handoff.cut(0, lambda at: 0) == 0 and handoff.playing(0, 5) is None  # 0: run to the end


def test_split_after_a_head_start_gives_the_first_chunk_more():
    plays = [Play(1, False, cost=10.0)] * 10
    assert chunks.split(plays, 2) == [Chunk(0, 4), Chunk(5)]
    # The first chunk rendered for 40 s while the scene was planned: it takes two plays more (70 - 40 = 30 s left).
    assert chunks.split(plays, 2, head_start=40.0) == [Chunk(0, 6), Chunk(7)]
    # ...unless it is already past them: no chunk starts before play 8.
    assert chunks.split(plays, 2, head_start=40.0, earliest=8) == [Chunk(0, 7), Chunk(8)]
    # Past play 9, only the last play is left to cut off: 51 s against 61 s whole is not a fifth sooner.
    assert chunks.split(plays, 2, head_start=40.0, earliest=9) == [Chunk(0)]


def test_voiced_and_unchunkable_formats_render_whole(tmp_path, tiny_scene, monkeypatch):
    from gdexplain.parallel import _chunkable

    assert _chunkable("mp4", {}) and _chunkable("mov", {"transparent": True})
    assert _chunkable("mp4", {"voice": "none"}) and _chunkable("mp4", {"voice": None})
    assert not _chunkable("mp4", {"voice": "espeak"})  # a voice track is not cut into chunks
    assert not _chunkable("gif", {}) and not _chunkable("webm", {})
    tiny_scene(beats_scene)
    calls = count_renders(monkeypatch, tmp_path)
    render(tmp_path, fmt="gif", jobs=2)
    assert calls == [None]


def test_an_edition_keeps_its_side_files(tmp_path, tiny_scene):
    """A Chinese render (slug.zh.mp4) gets slug.zh.srt, .vtt and .script.md beside it, rendered whole or in chunks."""
    tiny_scene(beats_scene)
    for jobs in (1, 2):
        result = render(tmp_path / f"jobs{jobs}", jobs=jobs, lang="zh")[0]
        assert result.path.name == "ball-downhill.zh.mp4"
        assert sorted(p.name for p in result.side_files) == sorted(f"ball-downhill.zh{s}" for s in SIDES)
        assert all(p.exists() for p in result.side_files)


# --- the cache ---------------------------------------------------------------------------------


def test_unchanged_render_is_reused_and_any_change_renders_again(tmp_path, tiny_scene, monkeypatch):
    tiny_scene(beats_scene)
    calls = count_renders(monkeypatch, tmp_path)
    first = render(tmp_path)[0]
    video = first.path.read_bytes()
    assert calls == [None] and not first.cached and len(cache_entries(tmp_path)) == 1

    for path in (first.path, *first.side_files):
        path.unlink()  # the cache restores its own copies
    second = render(tmp_path)[0]
    assert calls == [None], "an unchanged render ran again"
    assert second.cached and second.path.read_bytes() == video
    assert (second.frames, second.duration, second.side_files) == (first.frames, first.duration, first.side_files)
    assert all(p.is_file() for p in second.side_files)

    render(tmp_path, force=True)
    assert len(calls) == 2
    render(tmp_path, overrides_by_slug={"ball-downhill": {"lr": "0.3"}})
    assert len(calls) == 3
    render(tmp_path, overrides_by_slug={"ball-downhill": {"lr": "0.4"}})  # the default: the first entry
    assert len(calls) == 3
    monkeypatch.setenv("GDEXPLAIN_WPM", "120")
    render(tmp_path)
    assert len(calls) == 4
    assert len(cache_entries(tmp_path)) == 3

    # An output edited in place also edits its hard-linked cached twin: that entry is a miss, not a wrong video.
    monkeypatch.delenv("GDEXPLAIN_WPM")
    assert render(tmp_path)[0].cached and len(calls) == 4
    with open(first.path, "r+b") as f:
        f.write(b"edited")
    third = render(tmp_path)[0]
    assert len(calls) == 5 and not third.cached and third.path.read_bytes() == video


def test_a_changed_scene_file_renders_again(tmp_path, tiny_scene, monkeypatch):
    import gdexplain.catalog as catalog

    scenes = tmp_path / "scenes"
    scenes.mkdir()
    source = scenes / f"{ENTRY.module}.py"
    source.write_text((catalog.SCENES_DIR / f"{ENTRY.module}.py").read_text())
    monkeypatch.setattr(catalog, "SCENES_DIR", scenes)
    tiny_scene(beats_scene)
    calls = count_renders(monkeypatch, tmp_path)
    out = tmp_path / "media"
    render(out)
    render(out)
    assert len(calls) == 1
    source.write_text(source.read_text() + "\n# a changed line\n")
    render(out)
    assert len(calls) == 2


def test_every_argument_of_render_scene_is_in_the_key(monkeypatch):
    """A keyword render_scene gains later (a voice, a language) changes the key without touching the cache."""
    real = rendering.render_scene

    def with_voice(entry, *, voice=None, lang="en", **kwargs):
        return real(entry, **kwargs)

    settings = ENTRY.resolve(None)
    plain = cache.render_key(ENTRY, settings, {"quality_name": "test", "fmt": "mp4"})
    assert plain == cache.render_key(ENTRY, settings, {"quality_name": "t", "fmt": "mp4"})
    assert plain != cache.render_key(ENTRY, settings, {"quality_name": "test", "fmt": "webm"})
    monkeypatch.setattr("gdexplain.render.render_scene", with_voice)
    keys = {cache.render_key(ENTRY, settings, {"quality_name": "test", "voice": v, "lang": lang}) for v in (None, "en-us") for lang in ("en", "zh")}
    assert len(keys) == 4
    assert "voice" in cache.render_arguments(ENTRY, {"quality_name": "test"})


@pytest.mark.timeout(300)
@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.parametrize("exc", [RuntimeError("scene bug"), KeyboardInterrupt()], ids=["error", "interrupt"])
def test_a_failed_render_leaves_no_cache_entry(tmp_path, tiny_scene, exc, jobs):
    """Also in worker processes (jobs 2: the scene is planned while its first chunk renders, and both fail)."""
    def construct(self):
        from manim import Dot, FadeIn

        with self.narrate("This beat renders."):
            self.play(FadeIn(Dot()), run_time=0.4)
        raise exc

    tiny_scene(construct)
    with pytest.raises(type(exc)):
        render(tmp_path, jobs=jobs)
    assert cache_entries(tmp_path) == [] and staging_leftovers(tmp_path) == []


# --- the loose ends ------------------------------------------------------------------------------

KILLABLE = textwrap.dedent(
    """
    import os, signal, sys, time
    signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a terminal, even if the test runner ignores Ctrl-C
    import gdexplain.parallel
    HANG_WHEN_STOPPED = os.environ.get("HANG_WHEN_STOPPED") == "1"
    gdexplain.parallel.UNWIND_SECONDS = 2
    from gdexplain.scene import ExplainerScene
    import gdexplain.render, gdexplain.chunks
    from gdexplain.cli import main

    class Slow(ExplainerScene):
        slug = "ball-downhill"

        def construct(self):
            from manim import Dot, FadeIn
            try:
                for n in range(300):  # about 10 s of drawing here, long enough not to end before the signal
                    with self.narrate("Another dot appears, slowly."):
                        self.play(FadeIn(Dot([n % 60 / 15 - 2, 0, 0])), run_time=1)
            except BaseException:  # the interrupt, or Manim's RuntimeError wrapping it (it landed in the encoder)
                if HANG_WHEN_STOPPED:  # stands in for a deadlocked encoder thread
                    time.sleep(600)
                raise

    gdexplain.render.load_scene_class = gdexplain.chunks.load_scene_class = lambda entry: Slow
    main(sys.argv[1:])
    """
)


def start_slow_render(out: Path, jobs: int, hang_when_stopped: bool = False) -> subprocess.Popen:
    """A CLI render of a long tiny scene in its own process (and session, as in a terminal); returns once every worker draws frames."""
    args = ["render", "ball-downhill", "-q", "test", "--jobs", str(jobs), "--output-dir", str(out)]
    env = {**os.environ, "HANG_WHEN_STOPPED": "1" if hang_when_stopped else "0"}
    proc = subprocess.Popen([sys.executable, "-c", KILLABLE, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                            start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        segments = list((out / outputs.STAGING).rglob("*.mp4")) if (out / outputs.STAGING).exists() else []
        drawing = {p.relative_to(out / outputs.STAGING).parts[0] for p in segments}  # task folders: one per worker
        if len(segments) >= 2 * jobs and len(drawing) >= jobs:
            return proc
        if proc.poll() is not None:
            raise AssertionError(proc.communicate())
        time.sleep(0.2)
    proc.kill()
    raise AssertionError("the render never started drawing")


def children_of(pid: int) -> list[int]:
    """The processes whose parent is ``pid``."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def gone(pid: int) -> bool:
    """No such process, or only its exit status is left (a zombie)."""
    try:
        return "\nState:\tZ" in Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True


def assert_stopped_and_clean(proc: subprocess.Popen, workers: list[int], out: Path, signum: int) -> None:
    """The interrupted render said "Aborted!", left no worker running, no staging folder, no cache entry, no output."""
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signum and "Aborted!" in err.decode(), (proc.returncode, err.decode()[-3000:])  # 130 / 143
    assert [pid for pid in workers if not gone(pid)] == [], f"workers outlived the render after {signal.Signals(signum).name}"
    assert staging_leftovers(out) == []
    assert cache_entries(out) == []
    assert not (out / "test").exists() or list((out / "test").iterdir()) == []


@pytest.mark.timeout(300)
@pytest.mark.parametrize("jobs", [1, 2])
def test_sigterm_cleans_up_like_ctrl_c(tmp_path, jobs):
    proc = start_slow_render(tmp_path, jobs)
    workers = children_of(proc.pid)
    assert len(workers) == (jobs if jobs > 1 else 0)
    proc.send_signal(signal.SIGTERM)
    assert_stopped_and_clean(proc, workers, tmp_path, signal.SIGTERM)


@pytest.mark.timeout(300)
def test_ctrl_c_interrupts_a_parallel_render_and_cleans_up(tmp_path):
    """Ctrl-C goes to the terminal's foreground process group: the render, not its workers (each in a group of its own)."""
    proc = start_slow_render(tmp_path, 2)
    workers = children_of(proc.pid)
    assert len(workers) == 2 and all(os.getpgid(pid) == pid != os.getpgid(proc.pid) for pid in workers)
    os.killpg(proc.pid, signal.SIGINT)
    assert_stopped_and_clean(proc, workers, tmp_path, signal.SIGINT)


@pytest.mark.timeout(300)
def test_sigterm_still_cleans_up_when_unwinding_hangs(tmp_path):
    """Should unwinding stall (Manim's encoder thread can deadlock), a timer removes the render and says so."""
    proc = start_slow_render(tmp_path, 1, hang_when_stopped=True)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM
    last = err.decode().strip().splitlines()[-1]
    assert last.startswith("Aborted!") and "unfinished render was removed" in last
    assert staging_leftovers(tmp_path) == []
    assert cache_entries(tmp_path) == []
    assert not (tmp_path / "test").exists() or list((tmp_path / "test").iterdir()) == []


STUBBORN_WORKER = textwrap.dedent(
    """
    import os, signal, sys, time
    from pathlib import Path
    import manim  # once here, not in every forked worker
    import gdexplain.parallel as parallel
    from gdexplain import outputs

    parallel.STOP_SECONDS = 1
    work_root, outcome = Path(sys.argv[1]), sys.argv[2]

    def run_task(task, root):  # forked workers run this in place of a render
        if task.slug == "stubborn":  # ignores SIGTERM, as a worker stuck in native code or missing it would
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            outputs.new_staging(Path(root), "stubborn-task")
            print(os.getpid(), flush=True)
            if outcome == "failed":
                time.sleep(300)
            return parallel.TaskOutput({}, 0.0, 0)
        time.sleep(1.0)
        if outcome == "failed":
            raise ValueError("the other task failed")
        return parallel.TaskOutput({}, 0.0, 0)

    parallel.run_task = run_task
    tasks = [parallel.Task(slug, {}, {}) for slug in ("stubborn", "other")]
    started = time.monotonic()
    try:
        print(len(list(parallel.process_runner(2, work_root)(tasks))), flush=True)
    except ValueError as err:
        print(round(time.monotonic() - started), *err.__notes__, flush=True)
        print(err, flush=True)
    """
)


@pytest.mark.timeout(300)
@pytest.mark.parametrize("outcome", ["finished", "failed"])
def test_a_worker_that_ignores_sigterm_is_killed_and_swept(tmp_path, outcome):
    """The run ends with the other task's error once the stubborn worker's grace time is over; its staging is swept."""
    run = subprocess.run([sys.executable, "-c", STUBBORN_WORKER, str(tmp_path), outcome], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    worker, *_, result = run.stdout.strip().splitlines()
    assert result == ("2" if outcome == "finished" else "the other task failed")
    if outcome == "failed":
        seconds, note = run.stdout.splitlines()[1].split(" ", 1)
        assert int(seconds) < 15, "the run waited for the stubborn worker"  # 1 s of work, 1 s of grace, then SIGKILL
        assert note == "(in the render of other, in a worker process)"
    assert gone(int(worker))
    assert staging_leftovers(tmp_path) == []


ORPHANED_WORKERS = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    import manim  # once here, not in every forked worker
    import gdexplain.parallel as parallel
    from gdexplain import outputs

    work_root = Path(sys.argv[1])

    def run_task(task, root):  # forked workers run this in place of a render
        outputs.new_staging(Path(root), f"{task.slug}-task")
        (work_root / f"{task.slug}.pid").write_text(str(os.getpid()))
        time.sleep(300)

    parallel.run_task = run_task
    list(parallel.process_runner(2, work_root)([parallel.Task(slug, {}, {}) for slug in ("a", "b")]))
    """
)


@pytest.mark.timeout(300)
def test_workers_stop_at_once_when_their_parent_is_killed(tmp_path):
    """kill -9 of a render leaves no worker rendering on (the kernel sends each SIGTERM), nor anything the next render would not sweep."""
    proc = subprocess.Popen([sys.executable, "-c", ORPHANED_WORKERS, str(tmp_path)], start_new_session=True)
    deadline = time.monotonic() + 120
    while len(list(tmp_path.glob("*.pid"))) < 2 and time.monotonic() < deadline:
        assert proc.poll() is None
        time.sleep(0.05)
    workers = [int(p.read_text()) for p in tmp_path.glob("*.pid")]
    assert len(workers) == 2 and len(list((tmp_path / outputs.STAGING).rglob("*-task-*"))) == 2
    proc.kill()
    proc.wait(timeout=30)
    killed = time.monotonic()
    while not all(gone(pid) for pid in workers) and time.monotonic() < killed + 10:
        time.sleep(0.05)
    assert all(gone(pid) for pid in workers) and time.monotonic() - killed < 2
    # What is left (the workers' folders, made by the render) belongs to the dead render: the next render sweeps it.
    owners = {json.loads((f / outputs.OWNER_FILE).read_text())["pid"] for f in staging_leftovers(tmp_path)}
    assert owners <= {proc.pid}
    outputs.sweep_staging(tmp_path)
    assert staging_leftovers(tmp_path) == []


@pytest.mark.timeout(300)
def test_a_render_sweeps_staging_folders_of_dead_processes(tmp_path, tiny_scene):
    proc = start_slow_render(tmp_path, 1)
    proc.kill()  # no cleanup possible
    proc.communicate()
    left = staging_leftovers(tmp_path)
    assert left, "a killed render leaves its staging folder"
    assert cache_entries(tmp_path) == []
    alive = outputs.new_staging(tmp_path, "someone-alive")  # owned by this (live) process
    foreign = tmp_path / outputs.STAGING / "no-owner"
    foreign.mkdir()

    tiny_scene(beats_scene)
    render(tmp_path)
    assert staging_leftovers(tmp_path) == sorted([alive, foreign])


def test_concurrent_installs_keep_video_and_side_files_together(tmp_path, monkeypatch):
    """Two renders finishing at once: the set in place always comes from one of them."""
    real_replace = os.replace

    def slow_replace(src, dst):
        time.sleep(0.002)  # widen the window between the video and its side files
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", slow_replace)
    final = tmp_path / "test" / "ball-downhill.mp4"
    errors: list[BaseException] = []

    def writer(name: str) -> None:
        try:
            for n in range(25):
                staging = outputs.new_staging(tmp_path, name)
                files = {}
                for suffix in (".mp4", *SIDES):
                    path = staging / f"x{suffix}"
                    path.write_text(f"{name} {n}")
                    files[suffix] = path
                outputs.install(files, final, "test", tmp_path)
                with outputs.output_lock(tmp_path, "test", "ball-downhill"):
                    contents = {p.read_text() for p in [final, *(final.with_name("ball-downhill" + s) for s in SIDES)]}
                assert len(contents) == 1, contents
        except BaseException as err:  # reported by the test thread
            errors.append(err)

    threads = [threading.Thread(target=writer, args=(name,)) for name in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[0]


def test_without_the_lock_the_set_would_mix(tmp_path, monkeypatch):
    """The test above can fail: with the lock taken away, the files of two renders do mix."""
    from contextlib import nullcontext

    monkeypatch.setattr(outputs, "output_lock", lambda *a: nullcontext())
    with pytest.raises(AssertionError):
        test_concurrent_installs_keep_video_and_side_files_together(tmp_path, monkeypatch)


@pytest.mark.parametrize("where", ["/proc/x", "file"])
def test_an_unwritable_output_dir_is_a_one_line_error(tmp_path, where):
    if where == "file":
        (tmp_path / "file").write_text("in the way")
        where = str(tmp_path / "file" / "media")
    result = CliRunner().invoke(main, ["render", "ball-downhill", "-q", "test", "--output-dir", where])
    assert result.exit_code != 0 and result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: cannot write to output directory"), result.stderr
    assert "--output-dir" in lines[0]
    with pytest.raises(InputError, match="cannot write to output directory"):
        render(Path(where))


def test_jobs_must_be_positive(tmp_path):
    result = CliRunner().invoke(main, ["render", "ball-downhill", "--jobs", "0", "--output-dir", str(tmp_path)])
    assert result.exit_code != 0 and "--jobs" in result.stderr


# --- real scenes: chunked and on a Dask cluster, against the serial render ------------------------------


@pytest.mark.slow
def test_a_render_on_a_dask_cluster_is_the_local_render(ball_downhill_video, tmp_path):
    from distributed import Client, LocalCluster

    serial = ball_downhill_video.file(".mp4")
    assert ball_downhill_video.exit_code == 0
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address="127.0.0.1:0") as cluster:
        results = render_many([ENTRY], quality_name="test", output_dir=tmp_path, cluster=cluster.scheduler_address)
        with Client(cluster.scheduler_address) as client:  # a worker that ran a task has its profiler off
            profiling = client.run(lambda dask_worker: dask_worker.periodic_callbacks["profile"].is_running())
        assert False in profiling.values()
    # One scene on two workers: planned and cut in two chunks, rendered remotely, joined here.
    plan, latest = sorted((tmp_path / cache.CACHE / "plans").iterdir(), key=lambda p: p.name.startswith("latest-"))
    assert latest.read_text() == plan.read_text()  # kept as the scene's latest plan too (for after an edit)
    assert len(chunks.split([Play(**p) for p in json.loads(plan.read_text())], 2)) == 2
    assert_same_video(serial, results[0].path)
    assert results[0].frames == len(frames_of(serial))
    assert staging_leftovers(tmp_path) == []


def test_an_unreachable_cluster_is_a_one_line_error(tmp_path, monkeypatch):
    import socket

    monkeypatch.setattr("gdexplain.cluster.CONNECT_TIMEOUT_S", 1)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # a port nobody listens on once closed
    result = CliRunner().invoke(main, ["render", "ball-downhill", "-q", "test", "--cluster", f"tcp://127.0.0.1:{port}", "--output-dir", str(tmp_path)])
    assert result.exit_code != 0 and result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[-1].startswith("Error: cannot reach the Dask scheduler at tcp://127.0.0.1:"), result.stderr
    assert "dask scheduler" in lines[-1]
