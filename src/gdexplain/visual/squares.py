"""Per-axis squares whose AREA is an accumulator: AdaGrad's s, RMSProp's s, Adam's v.

The picture of adaptive methods: at the ball, one square per axis whose
area is the accumulated squared gradient on that axis, so that the step on
that axis is the gradient divided by the side of its square. Big square,
small step; small square, relatively large step.

Areas are drawn to a stated scale, one per picture::

    side (scene units) = sqrt(value × scale)

so area on screen = value × scale, and areas compare truthfully. A scene
picks ``scale`` with :func:`nice_square_scale` (the largest nice number that
keeps its biggest square under a side it chooses) and says it on screen
with :class:`SquareScaleNote`. When values differ so much that the small
squares would vanish, a scene may instead pick the scale for the small
ones and give a ``cap``: squares whose true side exceeds it are drawn at
the cap with a dashed outline and a "capped" mark, and the note says so —
a square is never silently shrunk or stretched.

:func:`square_sides` is the pure value → side mapping tests check.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, DashedVMobject, Square, VGroup
from manim.mobject.mobject import Mobject

from gdexplain.i18n import tr
from gdexplain.visual import theme
from gdexplain.visual.panels import fmt_nice

#: Mantissas of the nice scales (…, 0.01, 0.02, 0.05, 0.1, …).
_NICE = (1.0, 2.0, 5.0)
#: Squares one per axis, in axis order: x then y.
DEFAULT_COLORS: tuple[str, ...] = (theme.AXIS_X, theme.AXIS_Y)
#: Where each axis's square sits relative to the ball: (sign of x, sign of y) of its far corner.
DEFAULT_QUADRANTS: tuple[tuple[int, int], ...] = ((1, -1), (-1, 1))


def square_sides(values: Sequence[float] | np.ndarray, scale: float, cap: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Side lengths (scene units) of squares whose areas are ``values × scale``.

    Args:
        values: accumulator values, one per axis (negative or NaN count as 0).
        scale: scene units² of area per unit of value.
        cap: the largest side drawn; longer sides are cut to it.

    Returns:
        ``(sides, capped)``: the drawn sides and a boolean mask of the sides
        that were cut to ``cap`` (their true side is ``sqrt(value × scale)``).
    """
    if not (np.isfinite(scale) and scale > 0):
        raise ValueError(f"square scale must be a positive number, got {scale!r}")
    v = np.nan_to_num(np.asarray(values, dtype=float), nan=0.0)
    true = np.sqrt(np.clip(v, 0.0, None) * scale)
    if cap is None:
        return true, np.zeros(true.shape, dtype=bool)
    capped = true > cap
    return np.where(capped, cap, true), capped


def nice_square_scale(values: Sequence[float] | np.ndarray, max_side: float) -> float:
    """The largest nice scale (1, 2 or 5 × 10ᵏ) that keeps every square's side ≤ ``max_side``.

    ``values`` are all the accumulator values one picture will draw, so that
    a single scale serves the whole picture. With no positive value, 1.
    """
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v) & (v > 0)]
    if v.size == 0:
        return 1.0
    limit = max_side**2 / float(v.max())  # scale giving exactly max_side to the largest
    k = int(np.floor(np.log10(limit)))
    for exp in (k, k - 1):
        for m in reversed(_NICE):
            s = m * 10.0**exp
            if s <= limit * (1 + 1e-12):
                return s
    return 10.0 ** (k - 1)


class AccumulatorSquares(VGroup):
    """One square per axis with a shared corner at ``at``; area = value × scale.

    Args:
        values: the accumulator on each axis (e.g. ``traj.quantity("sq_grad_sum")[t]``).
        scale: scene units² per unit of value (see :func:`nice_square_scale`).
        at: scene point of the shared corner (the ball).
        labels: one label per axis (e.g. ``("s_x", "s_y")``), or None for no labels.
        colors: one colour per axis (default theme.AXIS_X, theme.AXIS_Y).
        cap: largest side drawn; bigger squares are drawn dashed at the cap and marked.
        quadrants: per axis, the (±1, ±1) direction in which its square extends from ``at``.
        fill_opacity: opacity of the fill (the outline is solid).
        clear: labels keep at least this far from ``at`` (the ball's radius and a little more).
        within: a box (left, bottom, right, top) in scene units, e.g. :meth:`ContourMap.box`: a square
            that would cross its edge extends the other way along that axis instead.

    ``self.squares[i]`` is axis i's square, ``self.sides`` and ``self.capped``
    the drawn sides and cap mask, ``self.labels[i]`` its label (if any).
    """

    def __init__(
        self,
        values: Sequence[float] | np.ndarray,
        scale: float,
        at: np.ndarray,
        labels: Sequence[str] | None = None,
        colors: Sequence[str] = DEFAULT_COLORS,
        cap: float | None = None,
        quadrants: Sequence[tuple[int, int]] = DEFAULT_QUADRANTS,
        fill_opacity: float = 0.3,
        label_size: float = theme.SMALL_SIZE,
        clear: float = 0.2,
        within: tuple[float, float, float, float] | None = None,
    ) -> None:
        super().__init__()
        self.values = np.asarray(values, dtype=float)
        self.scale_factor = float(scale)
        self.cap = cap
        self.sides, self.capped = square_sides(self.values, scale, cap)
        self.anchor = np.asarray(at, dtype=float)
        self.squares = VGroup()
        self.labels = VGroup()
        for i, side in enumerate(self.sides):
            color = colors[i % len(colors)]
            qx, qy = quadrants[i % len(quadrants)]
            if within is not None:
                qx, qy = _turned_inside((qx, qy), self.anchor, float(side), within)
            sq = square_at_corner(self.anchor, float(side), (qx, qy), color, fill_opacity, dashed=bool(self.capped[i]))
            self.squares.add(sq)
            if labels is not None:
                text = tr("{label} (capped)", label=labels[i]) if self.capped[i] else labels[i]
                lab = theme.label(text, size=label_size, color=color)
                # Beside the square, away from the ball: the first axis's label along x, the others along y,
                # so a tiny square stays labelled and the labels stay clear of each other. A square smaller
                # than the ball (``clear``) still puts its label beyond the ball's rim.
                reach = max(float(side), clear) + 0.08
                if i == 0:
                    lab.move_to(self.anchor + qx * (reach + lab.width / 2) * RIGHT)
                    lab.align_to(sq, DOWN if qy < 0 else UP)
                else:
                    lab.move_to(self.anchor + qy * (reach + lab.height / 2) * UP)
                    lab.align_to(sq, LEFT if qx > 0 else RIGHT)
                self.labels.add(lab)
        self.add(self.squares, self.labels)

    def square_areas(self) -> np.ndarray:
        """The drawn areas in scene units² (what a test compares with value × scale)."""
        return np.array([sq.width * sq.height for sq in self.squares])


def _turned_inside(quadrant: tuple[int, int], corner: np.ndarray, side: float, box: tuple[float, float, float, float]) -> tuple[int, int]:
    """The quadrant, turned along x and/or y where a square of ``side`` at ``corner`` would cross ``box``."""
    left, bottom, right, top = box
    qx, qy = quadrant
    if not left <= corner[0] + qx * side <= right and left <= corner[0] - qx * side <= right:
        qx = -qx
    if not bottom <= corner[1] + qy * side <= top and bottom <= corner[1] - qy * side <= top:
        qy = -qy
    return qx, qy


def square_at_corner(
    corner: np.ndarray,
    side: float,
    quadrant: tuple[int, int],
    color: str,
    fill_opacity: float = 0.3,
    dashed: bool = False,
) -> Mobject:
    """A square of ``side`` with one corner at ``corner``, extending into ``quadrant``.

    A zero side gives a degenerate (invisible) square at the corner, so that
    it can still grow in an animation.
    """
    s = max(float(side), 1e-4)
    sq = Square(side_length=s, stroke_color=color, stroke_width=2.5, fill_color=color, fill_opacity=fill_opacity)
    shift = np.array([quadrant[0] * s / 2, quadrant[1] * s / 2, 0.0])
    sq.move_to(np.asarray(corner, dtype=float) + shift)
    if dashed:
        outline = DashedVMobject(sq.copy().set_fill(opacity=0), num_dashes=24)
        sq.set_stroke(width=0)
        group = VGroup(sq, outline)
        return group
    return sq


def quadrants_clear_of(vector: Sequence[float]) -> tuple[tuple[int, int], tuple[int, int]]:
    """Quadrants for the x and y squares that avoid ``vector`` and its opposite.

    Given the direction of the step (or the gradient), the two squares go
    into the two quadrants the arrows do not cross: the x square beside the
    ball along x, the y square along y.
    """
    sx = 1 if vector[0] >= 0 else -1
    sy = 1 if vector[1] >= 0 else -1
    return ((sx, -sy), (-sx, sy))


class SquareScaleNote(VGroup):
    """Small on-screen note stating the square scale (and the cap, when one applies)."""

    def __init__(self, scale: float, what: str = "s", cap: float | None = None, size: float = theme.SMALL_SIZE) -> None:
        text = tr("square area = {what} × {scale} (one scale for all squares)", what=what, scale=fmt_nice(scale))
        lines = [theme.label(text, size=size, color=theme.MUTED)]
        if cap is not None:
            lines.append(
                theme.label(tr("dashed squares: side capped at {cap}, true area larger", cap=fmt_nice(cap)), size=size, color=theme.MUTED)
            )
        super().__init__(*lines)
        self.arrange(DOWN, aligned_edge=LEFT, buff=0.08)
        self.scale_value = scale
        self.cap = cap


__all__ = [
    "AccumulatorSquares",
    "SquareScaleNote",
    "nice_square_scale",
    "quadrants_clear_of",
    "square_at_corner",
    "square_sides",
]
