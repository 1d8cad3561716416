"""Several recorded runs on one map, and chart lines that grow with them.

A ball per run glides along its path, the trail drawn behind it.

Built from :class:`~gdexplain.visual.charts.ClippedPath` (one straight piece
per step, cut to the map) and :class:`~gdexplain.visual.marks.Ball`.
:meth:`MapRuns.set_progress` shows the first ``k`` steps of every run (``k``
may be fractional), so one ``UpdateFromAlphaFunc`` moves every ball at once
and the map is drawn once. Charts that share the clock (``LossChart``) follow
through ``also``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
from manim import Group, UpdateFromAlphaFunc, VGroup, VMobject, linear

from gdexplain.visual.charts import ClippedPath, StepChart
from gdexplain.visual.contour import ContourMap
from gdexplain.visual.marks import Ball


class MapRuns(Group):
    """A ball and a trail per run on ``cmap``.

    Args:
        cmap: the map the runs are drawn on.
        runs: name → positions (row t at step t, as ``traj.positions``).
        colors: name → colour of the ball and the trail.
        radius: ball radius.

    ``self.paths[name]`` and ``self.balls[name]`` are the pieces; a ball
    whose true point has left the map waits where its trail left it, faded.
    """

    def __init__(self, cmap: ContourMap, runs: Mapping[str, np.ndarray], colors: Mapping[str, str], radius: float = 0.11) -> None:
        super().__init__()
        (x0, x1, _), (y0, y1, _) = cmap.axes.x_range, cmap.axes.y_range
        box = ((x0, x1), (y0, y1))
        self.paths: dict[str, ClippedPath] = {}
        self.balls: dict[str, Ball] = {}
        for name, positions in runs.items():
            self.paths[name] = ClippedPath(np.asarray(positions, dtype=float), cmap.c2p, box, color=colors[name], stroke_width=3)
            self.balls[name] = Ball(radius=radius, color=colors[name])
        self.add(*self.paths.values(), *self.balls.values())
        self.progress = 0.0
        self.set_progress(0)

    @property
    def steps(self) -> int:
        """The longest run's number of steps."""
        return max((p.steps for p in self.paths.values()), default=0)

    def set_progress(self, k: float) -> "MapRuns":
        """Show the first ``k`` steps of every run, each ball at the head of its trail."""
        self.progress = float(k)
        for name, path in self.paths.items():
            path.set_progress(k)
            point, inside = path.head(k)
            ball = self.balls[name].move_to(point)
            if getattr(ball, "inside", True) != inside:
                ball.inside = inside
                ball[0].set_fill(opacity=1.0 if inside else 0.35).set_stroke(opacity=1.0 if inside else 0.35)
                ball[1].set_fill(opacity=0.55 if inside else 0.2)
        return self

    def only(self, names: Sequence[str]) -> Group:
        """The paths and balls of some runs (to fade in or out)."""
        return Group(*(m for n in names for m in (self.paths[n], self.balls[n])))

    def play_steps(self, k0: float, k1: float, run_time: float, also: Callable[[float], None] | None = None) -> UpdateFromAlphaFunc:
        """An animation from step ``k0`` to ``k1`` at a steady pace; ``also(k)`` updates what shares the clock."""

        def update(_, alpha: float) -> None:
            k = k0 + alpha * (k1 - k0)
            self.set_progress(k)
            if also is not None:
                also(k)

        return UpdateFromAlphaFunc(self, update, run_time=run_time, rate_func=linear)


class GrowingSeries(VGroup):
    """A series of a :class:`~gdexplain.visual.charts.StepChart` that shows its first ``k`` values.

    ``values[i]`` belongs to step ``start_step + i``; :meth:`set_progress`
    shares the clock of :meth:`MapRuns.set_progress` (``k`` steps done).
    """

    def __init__(self, chart: StepChart, values: np.ndarray, color: str, start_step: int = 1, stroke_width: float = 3) -> None:
        super().__init__()
        self.chart, self.values, self.start_step = chart, np.asarray(values, dtype=float), start_step
        self.line = VMobject(stroke_color=color, stroke_width=stroke_width)
        self.add(self.line)
        self.set_progress(len(self.values) + start_step - 1)

    def set_progress(self, k: float) -> "GrowingSeries":
        """Show the values of steps up to ``k``."""
        upto = int(np.floor(k)) - self.start_step + 1
        points = self.chart.chart_points(self.values[: max(upto, 1)], self.start_step)
        if len(points) == 0:
            points = self.chart.chart_points(self.values[:1], self.start_step)
        self.line.set_points_as_corners(points if len(points) > 1 else np.vstack([points, points]))
        self.line.set_stroke(opacity=1.0 if upto >= 1 else 0.0)
        return self
