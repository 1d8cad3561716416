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

Only silent videos are chunked (mp4 and mov): a voice track would have to be
cut and joined with the picture, which this module does not do.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any

from gdexplain import i18n
from gdexplain.catalog import SceneEntry, load_scene_class

#: Formats whose chunks are joined by stream copy.
CHUNKABLE_FORMATS = ("mp4", "mov")


@dataclass(frozen=True)
class Chunk:
    """Plays ``first`` to ``last`` (inclusive; ``None``: to the end) of a scene."""

    first: int
    last: int | None = None

    def manim_options(self) -> dict[str, int]:
        """The Manim config entries that make a render draw only this chunk."""
        return {"from_animation_number": self.first, "upto_animation_number": -1 if self.last is None else self.last}

    def prepare(self, scene: Any) -> None:
        """Make ``scene`` (before ``render``) keep a frame-exact clock and skip drawing outside the chunk."""
        install_frame_clock(scene.renderer)


@dataclass(frozen=True)
class Play:
    """One play of a scene as the planning run saw it."""

    frames: int  # frames it takes in the video
    time_based_updaters: bool  # a mobject updated with dt was on screen (or a scene updater ran)


def _frames_of_current_play(scene: Any) -> tuple[int, bool]:
    """Frames Manim draws for the play just compiled, and whether they are one frozen frame repeated."""
    dt = 1 / scene.camera.frame_rate
    if scene.is_current_animation_frozen_frame():
        return int(scene.duration / dt), True
    import numpy as np

    return len(np.arange(0, scene.duration, dt)), False


def install_frame_clock(renderer: Any, on_play: Any = None) -> None:
    """Make a Cairo renderer advance its clock over skipped plays as drawing them would, and not draw them.

    ``on_play(scene, frames)``, if given, is called after every play.
    The clock sums ``dt`` once per frame (or adds ``n·dt`` once for a frozen
    frame), exactly as :meth:`CairoRenderer.add_frame` does, so the float
    sums agree to the last bit with a render that draws every play.
    """
    original_play, original_update_frame = renderer.play, renderer.update_frame
    renderer.frame_clock = True  # NarratedScene pads beats to whole frames when it sees this

    def play(scene: Any, *args: Any, **kwargs: Any) -> None:
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


def plan(
    entry: SceneEntry, settings: Mapping[str, Any], fps: int, width: int = 256, height: int = 144, lang: str = "en"
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
        before: list[bool] = []
        original_play = scene.renderer.play

        def watch(scene_: Any, *args: Any, **kwargs: Any) -> None:
            before.append(_has_time_based_updaters(scene_))
            original_play(scene_, *args, **kwargs)

        scene.renderer.play = watch
        install_frame_clock(
            scene.renderer,
            on_play=lambda s, frames: plays.append(Play(frames, before[-1] or _has_time_based_updaters(s))),
        )
        scene.render()
    return plays


def split(plays: Sequence[Play], parts: int) -> list[Chunk]:
    """Cut a scene into at most ``parts`` chunks of about equal frames, starting only at safe plays.

    A chunk may start at play ``k`` only if no play before ``k`` ran a
    time-based updater; each cut is the safe play nearest to its share of
    the frames. Returns one chunk covering everything when the scene cannot
    be cut.
    """
    total = sum(p.frames for p in plays)
    safe_until = next((k for k, p in enumerate(plays) if p.time_based_updaters), len(plays))
    done, before = 0, {}  # before[k]: frames of plays 0..k-1, for every safe start k
    for k in range(1, min(safe_until, len(plays) - 1) + 1):
        done += plays[k - 1].frames
        before[k] = done
    starts: list[int] = []
    for i in range(1, parts if total else 1):
        candidates = [k for k in before if not starts or k > starts[-1]]
        if not candidates:
            break
        best = min(candidates, key=lambda k: (abs(before[k] - total * i / parts), k))
        if before[best] > 0:
            starts.append(best)
    return [Chunk(a, None if b is None else b - 1) for a, b in zip([0, *starts], [*starts, None])]


def parts_for(jobs: int, scenes: int) -> int:
    """How many chunks each of ``scenes`` scenes gets to keep ``jobs`` workers busy (1: no chunking)."""
    return max(1, math.ceil(jobs / scenes)) if scenes < jobs else 1


def join(videos: Sequence[Path], target: Path) -> None:
    """Concatenate chunk videos into ``target`` by stream copy (no re-encode), as Manim joins its segments."""
    import av

    manifest = BytesIO("".join(f"file 'file:{Path(v).resolve().as_posix()}'\n" for v in videos).encode())
    source = av.open(manifest, format="concat", options={"safe": "0", "an": "1"})
    try:
        stream = source.streams.video[0]
        with av.open(str(target), mode="w") as out:
            copy = out.add_stream_from_template(template=stream)
            for packet in source.demux(stream):
                if packet.dts is None:  # the flushing packets demux ends with
                    continue
                packet.dts = None  # chunks restart their timestamps; libav recomputes them
                packet.stream = copy
                out.mux(packet)
    finally:
        source.close()
