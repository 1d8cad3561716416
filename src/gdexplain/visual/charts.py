"""Small charts of a quantity against the step number (loss, gradient norm, α/√s …).

A :class:`StepChart` is a pair of Manim axes with a stated y range, and any
number of series drawn as polylines through the recorded values, each in
its own colour with a label at its end. The values come from trajectories;
the chart only draws them. Non-finite values end a series (a diverged run).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, Axes, Dot, VGroup, VMobject

from gdexplain.visual import theme


def nice_limit(value: float) -> float:
    """The smallest of 1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10ᵏ at or above ``value`` (> 0)."""
    if not (np.isfinite(value) and value > 0):
        return 1.0
    mag = 10.0 ** np.floor(np.log10(value))
    for m in (1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0):
        if m * mag >= value * (1 - 1e-12):
            return float(m * mag)
    return float(10 * mag)


class StepChart(VGroup):
    """Axes of step (x) against a quantity (y), with a title and tick labels.

    Args:
        steps: the last step shown (x runs from 0 to ``steps``).
        y_max: top of the y axis (rounded up to a nice number); bottom is ``y_min``.
        title: text above the chart, e.g. ``"loss"`` or ``"α / √s"``.
        width, height: size of the plotting area in scene units.
    """

    def __init__(
        self,
        steps: int,
        y_max: float,
        title: str = "",
        width: float = 4.5,
        height: float = 2.4,
        y_min: float = 0.0,
        x_label: str = "step",
    ) -> None:
        top = nice_limit(y_max - y_min) + y_min if y_max > y_min else y_min + 1.0
        self.y_top = top
        self.axes = Axes(
            x_range=[0, max(int(steps), 1), max(int(steps), 1) / 4],
            y_range=[y_min, top, (top - y_min) / 2],
            x_length=width,
            y_length=height,
            tips=False,
            axis_config={"color": theme.MUTED, "stroke_width": 1.5, "include_ticks": True, "tick_size": 0.04},
        )
        super().__init__(self.axes)
        for v in (0, int(steps)):
            self.add(theme.label(str(v), size=16, color=theme.MUTED).next_to(self.axes.c2p(v, y_min), DOWN, buff=0.1))
        for v in (y_min, top):
            self.add(theme.label(f"{v:g}", size=16, color=theme.MUTED).next_to(self.axes.c2p(0, v), LEFT, buff=0.1))
        self.add(theme.label(x_label, size=16, color=theme.MUTED).next_to(self.axes.x_axis, DOWN, buff=0.1))
        if title:
            self.title = theme.label(title, size=theme.SMALL_SIZE, color=theme.TEXT).next_to(self.axes, UP, buff=0.15).align_to(self.axes, LEFT)
            self.add(self.title)

    def chart_points(self, values: Sequence[float] | np.ndarray, start_step: int = 0) -> np.ndarray:
        """Scene points of ``values`` (value i at step ``start_step + i``), clipped to the chart.

        Values stop at the first non-finite one; values above the top are
        drawn at the top (a chart shows its range, the note says so).
        """
        v = np.asarray(values, dtype=float)
        finite = np.isfinite(v)
        n = int(np.argmin(finite)) if not finite.all() else len(v)
        lo, hi = self.axes.y_range[0], self.axes.y_range[1]
        return np.array([self.axes.c2p(start_step + i, float(np.clip(v[i], lo, hi))) for i in range(n)])

    def series(self, values: Sequence[float] | np.ndarray, color: str, label: str | None = None, start_step: int = 0, stroke_width: float = 3) -> VGroup:
        """A polyline through ``values`` with an optional label at its end (not added to the chart)."""
        pts = self.chart_points(values, start_step)
        line = VMobject(stroke_color=color, stroke_width=stroke_width)
        line.set_points_as_corners(pts if len(pts) > 1 else np.vstack([pts, pts]))
        group = VGroup(line)
        if label:
            group.add(theme.label(label, size=16, color=color).next_to(pts[-1], RIGHT, buff=0.08))
        return group


# --- Live charts of several methods (races): clipped step paths, LossChart ---------------
# (Added for the Adam/race scenes; everything above is unchanged.)


def clip_segment(a, b, box) -> tuple[float, float] | None:
    """The part of segment a→b inside ``box`` as parameters ``(t0, t1)`` in [0, 1], or None.

    ``box`` is ``((x_lo, x_hi), (y_lo, y_hi))`` in the segment's own
    coordinates (Liang–Barsky clipping).
    """
    a, b = np.asarray(a, dtype=float)[:2], np.asarray(b, dtype=float)[:2]
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        return None
    d = b - a
    t0, t1 = 0.0, 1.0
    for i, (lo, hi) in enumerate(box):
        for p, q in ((-d[i], a[i] - lo), (d[i], hi - a[i])):
            if p == 0:
                if q < 0:
                    return None
                continue
            r = q / p
            if p < 0:
                t0 = max(t0, r)
            else:
                t1 = min(t1, r)
            if t0 > t1:
                return None
    return t0, t1


class ClippedPath(VMobject):
    """A path of straight steps through ``points`` (surface or chart coordinates), cut to ``box``.

    One straight piece per step, so :meth:`set_progress` can show the first
    ``k`` steps (``k`` may be fractional: part of the next step). Pieces
    outside ``box`` are not drawn: a run that leaves the picture leaves the
    picture, it is never squeezed onto its edge.

    Args:
        points: ``(n+1, 2)`` positions, row t at step t (non-finite rows end the path).
        to_scene: maps a 2-D point to a scene point (e.g. ``ContourMap.c2p``).
        box: ``((x_lo, x_hi), (y_lo, y_hi))`` in the same coordinates as ``points``.
    """

    def __init__(self, points, to_scene, box, color: str = theme.PATH, stroke_width: float = 3, **kwargs) -> None:
        super().__init__(stroke_color=color, stroke_width=stroke_width, **kwargs)
        pts = np.asarray(points, dtype=float).reshape(len(points), -1)[:, :2]
        finite = np.all(np.isfinite(pts), axis=1)
        n = int(np.argmin(finite)) if not finite.all() else len(pts)
        self.data = pts[:n]
        self.to_scene = to_scene
        self.box = box
        self.pieces: list[tuple[float, float] | None] = [
            clip_segment(self.data[i], self.data[i + 1], box) for i in range(len(self.data) - 1)
        ]
        # Scene end points of every visible piece, computed once: redrawing each frame only slices them.
        self._ends: list[tuple[np.ndarray, np.ndarray] | None] = []
        for i, piece in enumerate(self.pieces):
            if piece is None:
                self._ends.append(None)
                continue
            a, b = self.data[i], self.data[i + 1]
            self._ends.append(
                (np.asarray(to_scene(a + piece[0] * (b - a)), dtype=float), np.asarray(to_scene(a + piece[1] * (b - a)), dtype=float))
            )
        # Two reference points follow the picture when it is moved or scaled after construction.
        self._ref = self._references()
        self.progress = 0.0
        self.set_progress(self.steps)

    def _references(self) -> tuple[np.ndarray, np.ndarray]:
        a = self.data[0] if len(self.data) else np.zeros(2)
        return np.asarray(self.to_scene(a), dtype=float), np.asarray(self.to_scene(a + 1.0), dtype=float)

    def _follow(self, points: np.ndarray) -> np.ndarray:
        """Cached scene points moved the way ``to_scene`` has moved since (translation and uniform scale)."""
        (a0, b0), (a1, b1) = self._ref, self._references()
        if np.allclose(a0, a1) and np.allclose(b0, b1):
            return points
        d0 = np.linalg.norm(b0 - a0)
        scale = np.linalg.norm(b1 - a1) / d0 if d0 > 0 else 1.0
        return a1 + scale * (points - a0)

    @property
    def steps(self) -> int:
        """Number of steps in the path."""
        return max(len(self.data) - 1, 0)

    def inside(self, p) -> bool:
        """True when a 2-D point lies in the box."""
        return all(lo <= c <= hi for c, (lo, hi) in zip(p, self.box))

    def position(self, k: float) -> np.ndarray:
        """The 2-D point at progress ``k`` (straight steps; held at the last point after the end)."""
        if len(self.data) == 0:
            return np.array([np.nan, np.nan])
        k = float(np.clip(k, 0, self.steps))
        i = min(int(np.floor(k)), max(self.steps - 1, 0))
        if self.steps == 0:
            return self.data[0].copy()
        f = k - i
        return self.data[i] + f * (self.data[i + 1] - self.data[i])

    def visible_point(self, k: float) -> tuple[np.ndarray, bool]:
        """The 2-D point of the path's visible head at progress ``k``, and whether the true point is inside.

        When the true point is outside the box, the visible head is the last
        drawn point (where the path left the box).
        """
        p = self.position(k)
        if self.inside(p) or self.steps == 0:
            return p, self.inside(p)
        k = float(np.clip(k, 0, self.steps))
        i = min(int(np.floor(k)), self.steps - 1)
        f = k - i
        while i >= 0:
            piece = self.pieces[i]
            if piece is not None and piece[0] <= f:
                t = min(piece[1], f)
                a, b = self.data[i], self.data[i + 1]
                return a + t * (b - a), False
            i, f = i - 1, 1.0
        return self.data[0].copy(), False

    def head(self, k: float) -> tuple[np.ndarray, bool]:
        """Scene point of :meth:`visible_point`, and whether the true point is inside."""
        p, inside = self.visible_point(k)
        return np.asarray(self.to_scene(p)), inside

    def set_progress(self, k: float) -> "ClippedPath":
        """Show the first ``k`` steps (clipped to the box)."""
        self.progress = k = float(np.clip(k, 0, self.steps))
        full = int(np.floor(k))
        curves = []
        for i in range(min(full, len(self.pieces))):
            if self.pieces[i] is not None:
                curves.append(self._curve(i, *self.pieces[i]))
        if full < len(self.pieces) and k > full and self.pieces[full] is not None:
            t0, t1 = self.pieces[full]
            f = k - full
            if f > t0:
                curves.append(self._curve(full, t0, min(t1, f)))
        if curves:
            self.set_points(self._follow(np.concatenate(curves)))
        else:
            self.clear_points()
        return self

    def _curve(self, i: int, t0: float, t1: float) -> np.ndarray:
        """Piece i from parameter t0 to t1 (within its visible part) as one straight cubic curve."""
        lo, hi = self.pieces[i]  # type: ignore[misc]
        p_lo, p_hi = self._ends[i]  # type: ignore[misc]
        span = hi - lo
        p = p_lo + (p_hi - p_lo) * ((t0 - lo) / span if span > 0 else 0.0)
        q = p_lo + (p_hi - p_lo) * ((t1 - lo) / span if span > 0 else 1.0)
        return np.array([p, p + (q - p) / 3, p + 2 * (q - p) / 3, q])


def _superscript(n: int) -> str:
    return str(n).translate(str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹"))


class LossChart(VGroup):
    """A live chart of loss against step for several methods, one colour each.

    Args:
        series: method name → losses (row t at step t, as ``traj.losses``).
        colors: method name → colour (``theme.method_color``).
        steps: the last step on the x axis.
        log: plot ``loss − floor`` on a log scale (decades), else the loss itself.
        floor: the loss subtracted on a log scale, e.g. the surface's known
            minimum; default: a hair below the lowest value shown.
        floor_label: what the floor is, for the stated scale ("the minimum").
        width, height: plotting area in scene units.

    The y range is stated on screen (:attr:`scale_text` under the chart);
    losses above the top leave the chart (a diverging run's line exits at the
    top) and, on a log scale, gaps below the bottom decade sit on the bottom.
    Call :meth:`set_progress` (e.g. from an updater) to draw the first ``k``
    steps of every series.
    """

    def __init__(
        self,
        series: dict[str, Sequence[float]],
        colors: dict[str, str],
        steps: int,
        log: bool = False,
        floor: float | None = None,
        width: float = 5.6,
        height: float = 2.8,
        title: str = "loss",
        floor_label: str = "",
    ) -> None:
        super().__init__()
        self.log = log
        self.steps = max(int(steps), 1)
        values = {n: np.asarray(v, dtype=float) for n, v in series.items()}
        finite = np.concatenate([v[np.isfinite(v)] for v in values.values()] or [np.zeros(1)])
        firsts = np.array([v[0] for v in values.values() if len(v) and np.isfinite(v[0])] or [float(finite.max())])
        if log:
            lowest = float(finite.min())
            self.floor = float(floor) if floor is not None and floor <= lowest else lowest - 1e-6 * (1 + abs(lowest))
            gaps = finite - self.floor
            top = int(np.ceil(np.log10(max(float(firsts.max()) - self.floor, 1e-12)) + 1e-9))
            positive = gaps[gaps > 0]
            bottom = int(np.floor(np.log10(positive.min()))) if positive.size else top - 4
            bottom = max(min(bottom, top - 1), top - 8)
            self.y_lo, self.y_hi = float(bottom), float(top)
            named = floor_label if floor is not None and floor <= lowest else "the lowest shown"
            self.scale_text = f"log scale: loss above {named or 'the floor'} ({_fmt(self.floor)})"
        else:
            self.floor = None
            lo, hi = float(finite.min()), float(firsts.max())
            pad = 0.06 * max(hi - lo, 1e-9)
            self.y_lo, self.y_hi = lo - pad, hi + pad
            self.scale_text = "linear scale"
        # The axes count y from the bottom of the range (0 … span), so the step axis sits at the
        # bottom even when the losses cross zero; :meth:`c2p` takes values in chart units.
        span = self.y_hi - self.y_lo
        self.axes = Axes(
            x_range=[0, self.steps, self.steps / 4],
            y_range=[0.0, span, span / 4 if not log else 1.0],
            x_length=width,
            y_length=height,
            tips=False,
            axis_config={"color": theme.MUTED, "stroke_width": 1.5, "include_ticks": True, "tick_size": 0.04},
        )
        self.add(self.axes)
        self._add_labels(title)
        box = ((0.0, float(self.steps)), (self.y_lo, self.y_hi))
        self.lines: dict[str, ClippedPath] = {}
        self.heads: dict[str, Dot] = {}
        for name, v in values.items():
            data = np.stack([np.arange(len(v), dtype=float), self.y_value(v)], axis=1)
            line = ClippedPath(data, self.c2p, box, color=colors.get(name, theme.TEXT), stroke_width=3)
            self.lines[name] = line
            self.heads[name] = Dot(radius=0.05, color=colors.get(name, theme.TEXT))
            self.add(line, self.heads[name])
        self.set_progress(self.steps)

    def c2p(self, point) -> np.ndarray:
        """Scene point of a chart point ``(step, y)``, ``y`` as :meth:`y_value` gives it."""
        return self.axes.c2p(float(point[0]), float(point[1]) - self.y_lo)

    def y_value(self, losses: Sequence[float] | np.ndarray) -> np.ndarray:
        """Chart y coordinates of ``losses`` (the loss, or log10 of its gap to the floor, kept ≥ the bottom)."""
        v = np.asarray(losses, dtype=float)
        if not self.log:
            return v
        with np.errstate(all="ignore"):
            y = np.log10(np.clip(v - self.floor, 1e-300, None))
        return np.where(np.isfinite(v), np.maximum(y, self.y_lo), np.nan)

    def _add_labels(self, title: str) -> None:
        small = 16
        if self.log:
            decades = np.arange(int(self.y_lo), int(self.y_hi) + 1)
            every = 1 if len(decades) <= 5 else 2
            ticks = [(float(d), f"10{_superscript(int(d))}") for d in decades[::-1][::every]]
        else:
            ticks = [(self.y_lo, _fmt(self.y_lo)), (self.y_hi, _fmt(self.y_hi))]
        for y, text in ticks:
            self.add(theme.label(text, size=small, color=theme.MUTED).next_to(self.c2p((0, y)), LEFT, buff=0.1))
        for x in (0, self.steps):
            self.add(theme.label(str(x), size=small, color=theme.MUTED).next_to(self.c2p((x, self.y_lo)), DOWN, buff=0.1))
        self.add(theme.label("step", size=small, color=theme.MUTED).next_to(self.c2p((self.steps / 2, self.y_lo)), DOWN, buff=0.1))
        head = VGroup(
            theme.label(title, size=theme.SMALL_SIZE, color=theme.TEXT),
            theme.label(self.scale_text, size=small, color=theme.MUTED),
        ).arrange(RIGHT, buff=0.25, aligned_edge=DOWN)
        self.title = head.next_to(self.axes, UP, buff=0.15).align_to(self.axes, LEFT)
        self.add(self.title)

    def set_progress(self, k: float) -> "LossChart":
        """Draw the first ``k`` steps of every series, with a dot at each head."""
        for name, line in self.lines.items():
            line.set_progress(k)
            point, inside = line.head(k)
            self.heads[name].move_to(point).set_opacity(1.0 if inside else 0.0)
        return self


def _fmt(v: float) -> str:
    """A tick value: 3 significant digits, a real minus sign."""
    return f"{v:.3g}".replace("-", "\u2212")
