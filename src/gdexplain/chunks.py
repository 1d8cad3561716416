"""One long scene rendered as chunks of plays in separate processes, joined without re-encoding.

Manim numbers the ``play``/``wait`` calls of a scene (its *plays*).
``from_animation_number``/``upto_animation_number`` make a render skip the
plays outside a range: a skipped play is built and finished, so the scene's
state moves on, but no frame is drawn or encoded. A chunk is such a range;
the chunks of a scene are rendered anywhere and their videos joined by
stream copy (Manim itself joins its per-play segments that way).

Two things keep a chunked video frame-for-frame identical to a serial one:

* **The clock.** Manim advances its clock by a skipped play's exact run
  time, but by whole frames when it draws one; the narration pads each beat
  to whole frames from that clock. :class:`Chunk` therefore advances the
  clock of a skipped play exactly as drawing it would have
  (:func:`install_frame_clock`), so waits, subtitles and the script come out
  the same in every chunk.
* **Safe boundaries.** A skipped play updates its mobjects once with the whole
  run time where a drawn one updates them once per frame, so a time-based
  updater (one taking ``dt``) would end up elsewhere. A chunk may only start
  at a play before which no time-based updater has run (:func:`plan` finds
  those plays with a dry run that draws nothing).

Chunks are cut by estimated *cost*, not by frames: a frame of a turning 3-D
landscape costs tens of times a frame of a still formula. The dry run
estimates each play's drawing cost from what moves in it (:func:`draw_cost`)
and notes how long it took to reach each play (what a chunk starting there
spends skipping). :func:`split` then tries a few chunk counts, up to three
per worker, and keeps the cut whose longest-first schedule finishes first.

Planning is a dry run of the whole scene, a tenth of its render or more.
A first render does not wait for it: the scene's first chunk starts at
once, open-ended, and the plan, once done, tells it where to stop
(:class:`Handoff`) and cuts the rest from there (:func:`split` with a head
start). After an edit a scene is cut by its plan from before (:attr:`Chunk.check`)
so that its chunks start at once: each checks while skipping that no
time-based updater runs before its start (:class:`UnsafeCut` otherwise, and
the scene is planned and rendered again), and the last one, which runs every
play, yields the scene's new plan (:func:`learned`).

Only silent videos are chunked (mp4 and mov): a voice track would have to be
cut and joined with the picture, which this module does not do.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from gdexplain import i18n
from gdexplain.catalog import SceneEntry, load_scene_class

#: Formats whose chunks are joined by stream copy.
CHUNKABLE_FORMATS = ("mp4", "mov")


class UnsafeCut(Exception):
    """A chunk cut from an earlier plan cannot start where it was cut (the scene changed since)."""


@dataclass(frozen=True)
class Chunk:
    """Plays ``first`` to ``last`` (inclusive; ``None``: to the end) of a scene.

    ``estimate``: the seconds :func:`split` expects it to take (skipping to
    ``first`` included), for starting the longest chunks first.
    ``check``: the cut comes from an earlier plan of the scene (before an
    edit), so the chunk checks while it runs that it may start at ``first``
    (:class:`UnsafeCut` otherwise) and notes every play it sees in ``seen``:
    the last chunk of a scene sees them all, which is the scene's new plan.
    """

    first: int
    last: int | None = None
    estimate: float = field(default=0.0, compare=False)
    check: bool = field(default=False, compare=False)
    seen: list[Play] = field(default_factory=list, compare=False, repr=False)
    handoff_slot: int | None = field(default=None, compare=False)  # open-ended: where it stops comes later (Handoff)

    def manim_options(self) -> dict[str, int]:
        """The Manim config entries that make a render draw only this chunk."""
        return {"from_animation_number": self.first, "upto_animation_number": -1 if self.last is None else self.last}

    def prepare(self, scene: Any) -> None:
        """Make ``scene`` (before ``render``) keep a frame-exact clock and skip drawing outside the chunk."""
        if self.handoff_slot is not None:
            slot = self.handoff_slot

            def stop_when_told(n: int) -> None:
                from manim import config

                stop = handoff().playing(slot, n)
                if stop is not None:
                    config.upto_animation_number = stop

            install_frame_clock(scene.renderer, before_play=stop_when_told)
            return
        if not self.check:
            install_frame_clock(scene.renderer)
            return
        self.seen.clear()

        def check_start(reached: int) -> None:
            if reached == self.first and any(p.time_based_updaters for p in self.seen):
                raise UnsafeCut(f"a time-based updater runs before play {self.first}")

        record_plays(scene.renderer, self.seen, before_play=check_start)

    def drew_nothing(self) -> bool:
        """Whether a checked chunk ran out of plays before reaching its first one (the scene got shorter)."""
        return self.check and len(self.seen) <= self.first


@dataclass(frozen=True)
class Play:
    """One play of a scene as the planning run saw it."""

    frames: int  # frames it takes in the video
    time_based_updaters: bool  # a mobject updated with dt was on screen (or a scene updater ran)
    cost: float | None = None  # estimated seconds to draw and encode it (draw_cost); None: count frames
    reached_s: float = 0.0  # seconds the dry run took to reach it: what a chunk starting here spends skipping

    @property
    def weight(self) -> float:
        """What :func:`split` balances: the estimated cost, else the frames."""
        return float(self.frames) if self.cost is None else self.cost


class Handoff:
    """Where open-ended first chunks stop, told once their scenes are planned (memory shared with forked workers).

    A scene's first chunk starts rendering at once while this process plans
    the scene; the plan then sets where the chunk stops and the rest are
    cut from there. Each slot holds a chunk's current play and the play it
    stops after (-1: not told yet); one lock makes reading the one and
    setting the other a single step, so the stop is never behind the chunk.
    """

    def __init__(self, slots: int) -> None:
        import multiprocessing

        self._shared = multiprocessing.get_context("fork").Array("i", [0, -1] * max(slots, 1))

    def playing(self, slot: int, n: int) -> int | None:
        """Called by the chunk before play ``n``: notes it, and returns the play to stop after (None: not told yet)."""
        with self._shared.get_lock():
            self._shared[2 * slot] = n
            stop = self._shared[2 * slot + 1]
        return stop if stop >= 0 else None

    def cut(self, slot: int, choose: Callable[[int], int]) -> int:
        """Stop the chunk in ``slot`` before play ``choose(p)`` (``p``: the play it is at; the choice must exceed it).

        Returns the play the next chunk starts at (0 if the chunk is to run to the end).
        """
        with self._shared.get_lock():
            at = self._shared[2 * slot]
            start = choose(at)
            if start:
                if start <= at:
                    raise ValueError(f"cannot stop a chunk at play {at} before play {start}")
                self._shared[2 * slot + 1] = start - 1
        return start


_handoff: Handoff | None = None


def open_handoff(slots: int) -> Handoff:
    """A new :class:`Handoff` for ``slots`` open-ended chunks; worker processes forked after this share it."""
    global _handoff
    _handoff = Handoff(slots)
    return _handoff


def handoff() -> Handoff:
    """The handoff this process shares with the one that forked it."""
    if _handoff is None:
        raise RuntimeError("an open-ended chunk runs only in a worker forked after open_handoff()")
    return _handoff


# Seconds per unit of drawing work at low quality: each frame costs its encoding, each moving
# mobject with points its drawing (more when Manim shades it in 3-D), and each play one redraw of
# everything still (its static background). First fitted on the per-play render times of
# ball-downhill (3-D) and momentum-vs-gd (2-D) on an older 2-core machine, then scaled by 0.32 to
# this project's machines, where whole renders with --jobs 1 took a third of those estimates
# (ball-downhill 42.9 s, momentum 20.3 s, one-learning-rate 7.8 s at low, build time apart): the
# build times a plan measures are this machine's, so the drawing must be too, or a scene that
# spends its time building is cut and rendered slower.
FRAME_S = 0.0033
MOVING_2D_S = 0.000058
MOVING_3D_S = 0.000093
STILL_S = 0.000077
#: What every chunk costs besides its plays: a process's scene set-up, its encoder, its part of the join.
CHUNK_S = 1.0
#: Cutting a scene must promise to finish at least a fifth sooner than rendering it whole: the
#: estimates are rough, and a chunk that rebuilds a scene to draw a short tail gains less than it
#: seems (momentum at low, promised 13% by the estimates, rendered 25% slower in two chunks)...
WHOLE_MARGIN = 0.8
#: ...and more chunks at least this much sooner than fewer.
COUNT_MARGIN = 0.97


def draw_cost(scene: Any, frames: int, frozen: bool) -> float:
    """Estimated seconds to draw and encode the play ``scene`` just ran (its moving mobjects as Manim saw them)."""

    def drawn(mobjects: Any) -> Iterator[Any]:
        return (m for top in mobjects for m in top.get_family() if len(getattr(m, "points", ())) > 0)

    still = sum(1 for _ in drawn(scene.mobjects))
    per_frame = FRAME_S
    if not frozen:
        per_frame += sum(MOVING_3D_S if getattr(m, "shade_in_3d", False) else MOVING_2D_S for m in drawn(scene.moving_mobjects))
    return frames * per_frame + STILL_S * still


def _frames_of_current_play(scene: Any) -> tuple[int, bool]:
    """Frames Manim draws for the play just compiled, and whether they are one frozen frame repeated."""
    dt = 1 / scene.camera.frame_rate
    if scene.is_current_animation_frozen_frame():
        return int(scene.duration / dt), True
    import numpy as np

    return len(np.arange(0, scene.duration, dt)), False


def install_frame_clock(renderer: Any, on_play: Any = None, before_play: Callable[[int], None] | None = None) -> None:
    """Make a Cairo renderer advance its clock over skipped plays as drawing them would, and not draw them.

    ``on_play(scene, frames)``, if given, is called after every play;
    ``before_play(n)`` before play ``n`` (counted from 0) decides to skip it.
    The clock sums ``dt`` once per frame (or adds ``n·dt`` once for a frozen
    frame), exactly as :meth:`CairoRenderer.add_frame` does, so the float
    sums agree to the last bit with a render that draws every play.
    """
    original_play, original_update_frame = renderer.play, renderer.update_frame
    renderer.frame_clock = True  # NarratedScene pads beats to whole frames when it sees this

    def play(scene: Any, *args: Any, **kwargs: Any) -> None:
        if before_play is not None:
            before_play(renderer.num_plays)
        before = renderer.time
        original_play(scene, *args, **kwargs)
        frames, frozen = _frames_of_current_play(scene)
        if renderer.skip_animations:
            dt = 1 / scene.camera.frame_rate
            renderer.time = before
            if frozen:
                renderer.time += frames * dt
            else:
                for _ in range(frames):
                    renderer.time += dt
        if on_play is not None:
            on_play(scene, frames)

    def update_frame(scene: Any, *args: Any, **kwargs: Any) -> None:
        if renderer.skip_animations:  # nothing drawn now is ever written
            return
        original_update_frame(scene, *args, **kwargs)

    renderer.play = play
    renderer.update_frame = update_frame


def _has_time_based_updaters(scene: Any) -> bool:
    if scene.updaters:  # a scene's own updaters always take dt
        return True
    return any(m.has_time_based_updater() for top in scene.mobjects for m in top.get_family())


def record_plays(renderer: Any, plays: list[Play], before_play: Callable[[int], None] | None = None) -> None:
    """Note every play of the scene ``renderer`` runs in ``plays`` (and give it a frame-exact clock).

    ``before_play(n)``, if given, is called before play ``n`` runs, with the
    plays before it already noted.
    """
    start = time.perf_counter()
    before: list[tuple[bool, float]] = []
    original_play = renderer.play

    def watch(scene: Any, *args: Any, **kwargs: Any) -> None:
        before.append((_has_time_based_updaters(scene), time.perf_counter() - start))
        original_play(scene, *args, **kwargs)

    def record(scene: Any, frames: int) -> None:
        updaters, reached = before[-1]
        cost = draw_cost(scene, frames, scene.is_current_animation_frozen_frame())
        plays.append(Play(frames, updaters or _has_time_based_updaters(scene), round(cost, 4), round(reached, 3)))

    renderer.play = watch
    install_frame_clock(renderer, on_play=record, before_play=before_play)


def plan(
    entry: SceneEntry,
    settings: Mapping[str, Any],
    fps: int,
    width: int = 256,
    height: int = 144,
    lang: str = "en",
) -> list[Play]:
    """Every play of a scene at ``fps``, found by running it with every play skipped and nothing drawn.

    The picture size does not change the plays, so the dry run uses a small one.
    """
    import tempfile

    from manim import tempconfig

    scene_class = load_scene_class(entry)
    plays: list[Play] = []
    with i18n.using(lang), tempfile.TemporaryDirectory() as tmp, tempconfig(
        {
            "dry_run": True,
            "media_dir": tmp,
            "verbosity": "ERROR",
            "disable_caching": True,
            "progress_bar": "none",
            "frame_rate": fps,
            "pixel_width": width,
            "pixel_height": height,
        }
    ):
        scene = scene_class(settings=settings, lang=lang, skip_animations=True)
        record_plays(scene.renderer, plays)
        scene.render()
    return plays


def learned(seen: Sequence[Play], first: int, earlier: Sequence[Play]) -> list[Play]:
    """A scene's new plan from what its last chunk saw (``seen``, drawn from play ``first`` on).

    Frames, updaters and costs are exact; how long skipping takes to reach a
    play is measured only for the plays the chunk skipped, so after ``first``
    it grows as it did in the ``earlier`` plan (by its mean step past its end).
    """
    steps = [b.reached_s - a.reached_s for a, b in zip(earlier, earlier[1:])]
    mean = sum(steps) / len(steps) if steps else 0.0
    plays = list(seen[: first + 1])
    for n in range(len(plays), len(seen)):
        step = steps[n - 1] if n - 1 < len(steps) else mean
        plays.append(replace(seen[n], reached_s=round(plays[-1].reached_s + max(step, 0.0), 3)))
    return plays


def split(plays: Sequence[Play], workers: int, head_start: float = 0.0, earliest: int = 1) -> list[Chunk]:
    """Cut a scene into chunks for ``workers`` processes, starting only at safe plays.

    A chunk may start at play ``k`` only if no play before ``k`` ran a
    time-based updater. For each chunk count from two to three per worker,
    the cut that makes the longest chunk shortest is scheduled longest
    first on ``workers``; the count finishing first wins, no chunks unless
    they finish at least 20% sooner, fewer unless more finish at least 3%
    sooner. A chunk costs its plays' drawing
    (:attr:`Play.weight`) and building the whole scene up to its last play
    (:attr:`Play.reached_s`: every chunk sets the texts and formulas before
    it again), so a scene that spends its time building rather than drawing
    is not cut: chunks would only build it twice. Returns one chunk covering
    everything when the scene cannot (or need not) be cut.

    ``head_start``: seconds the first chunk has already been rendering (it
    started while the scene was planned), ``earliest``: the first play a
    second chunk may start at (the first chunk is past the ones before).
    """
    weights = [p.weight for p in plays]
    total = sum(weights)
    safe_until = next((k for k, p in enumerate(plays) if p.time_based_updaters), len(plays))
    starts = list(range(max(earliest, 1), min(safe_until, len(plays) - 1) + 1))  # the safe starts after play 0
    whole = [Chunk(0, None, total + CHUNK_S)]
    if workers < 1 or not starts or total <= 0:
        return whole
    before = [0.0]
    for w in weights:
        before.append(before[-1] + w)

    def built(b: int) -> float:  # seconds of building the scene up to play b (texts, formulas, runs), drawn or not
        return plays[b].reached_s if b < len(plays) else plays[-1].reached_s

    def piece(a: int, b: int) -> float:
        # Plays a..b-1 as one chunk: it builds everything before b (skipping to a, then building a..b-1 as
        # it draws them), draws a..b-1, and pays the fixed cost of a process and a join.
        return max(before[b] - before[a] + built(b) - (head_start if a == 0 else 0.0) + CHUNK_S, 0.0)

    best, best_time = whole, piece(0, len(plays))
    for count in range(2, min(3 * workers, len(starts) + 1) + 1):
        cut = _balanced_cut(piece, [0, *starts], len(plays), count)
        estimates = [piece(a, b) for a, b in zip(cut, [*cut[1:], len(plays)])]
        finish = _longest_first(estimates, workers)
        if finish < (WHOLE_MARGIN if best is whole else COUNT_MARGIN) * best_time:
            best_time = finish
            best = [Chunk(a, None if b == len(plays) else b - 1, e) for a, b, e in zip(cut, [*cut[1:], len(plays)], estimates)]
    return best


def _balanced_cut(piece: Any, starts: Sequence[int], end: int, count: int) -> list[int]:
    """The ``count`` chunk starts (from ``starts``, the first being 0) that make the costliest chunk cheapest."""
    # worst[c][i]: with c chunks covering plays starts[i]..end-1, the cost of the costliest one.
    n = len(starts)
    inf = float("inf")
    worst = [[inf] * n for _ in range(count + 1)]
    choice = [[-1] * n for _ in range(count + 1)]
    for i in range(n):
        worst[1][i] = piece(starts[i], end)
    for c in range(2, count + 1):
        for i in range(n):
            for j in range(i + 1, n):  # the first chunk is starts[i]..starts[j]-1
                w = max(piece(starts[i], starts[j]), worst[c - 1][j])
                if w < worst[c][i]:
                    worst[c][i], choice[c][i] = w, j
    cut, i = [starts[0]], 0
    for c in range(count, 1, -1):
        i = choice[c][i]
        if i < 0:
            break
        cut.append(starts[i])
    return cut


def _longest_first(estimates: Sequence[float], workers: int) -> float:
    """When ``workers`` processes, each taking the longest chunk left, finish them all."""
    loads = [0.0] * workers
    for e in sorted(estimates, reverse=True):
        loads[loads.index(min(loads))] += e
    return max(loads)


def parts_for(jobs: int, scenes: int) -> int:
    """How many chunks each of ``scenes`` scenes gets to keep ``jobs`` workers busy (1: no chunking)."""
    return max(1, math.ceil(jobs / scenes)) if scenes < jobs else 1


def join(videos: Sequence[Path], target: Path) -> None:
    """Concatenate chunk videos into ``target`` by stream copy (no re-encode), frame ``n`` at ``n / fps``."""
    from gdexplain.video_clock import concatenate

    concatenate(videos, target)
