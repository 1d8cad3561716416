"""Marks drawn on a map or a curve: the ball, vector arrows with labels (path trails: :mod:`.paths`).

Arrows are drawn to a stated scale: :func:`arrow_scale` picks one factor
(1, 2, 5, 10, …) for a whole scene so that the arrows are long enough to
see, and :class:`ScaleNote` says it on screen. Lengths stay comparable
because one factor serves every arrow it is given.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from manim import LEFT, ORIGIN, RIGHT, UP, Arrow, Circle, Dot, Line, VGroup, VMobject, config
from manim.mobject.mobject import Mobject

from gdexplain.visual import theme
from gdexplain.visual.panels import fmt_nice

#: An arrow shorter than this (scene units) is hard to see at 480p.
MIN_VISIBLE = 0.35
#: The nice factors an arrow scale is chosen from.
NICE_FACTORS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)


class Ball(VGroup):
    """The ball: a filled disc with a rim and a small highlight, centred on its point."""

    def __init__(self, radius: float = 0.13, color: str = theme.BALL) -> None:
        body = Circle(radius=radius, fill_color=color, fill_opacity=1, stroke_color="#1A1A1A", stroke_width=2)
        shine = Dot(radius=radius * 0.3, color="#FFFFFF", fill_opacity=0.55).move_to(body.get_center() + radius * 0.35 * (UP + LEFT))
        super().__init__(body, shine)
        self.radius = radius

    def ghost(self) -> "Ball":
        """A faint copy marking where the ball is about to land."""
        g = Ball(self.radius, color=self[0].get_fill_color())
        g.set_opacity(0.35)
        return g


def arrow_scale(lengths: Sequence[float], want: float = 1.0) -> int:
    """The smallest nice factor that makes the median arrow at least ``want`` long.

    ``lengths`` are the true lengths in scene units of the arrows a scene
    will draw. The result is 1 when they are already long enough.
    """
    finite = [abs(x) for x in lengths if np.isfinite(x) and x > 0]
    if not finite:
        return 1
    typical = float(np.median(finite))
    for f in NICE_FACTORS:
        if typical * f >= want:
            return f
    return NICE_FACTORS[-1]


def arrow_shrink(lengths: Sequence[float], longest: float = 1.5) -> float:
    """A factor ≤ 1 (1, 1/2, 1/5, 1/10, …) that keeps the longest arrow at most ``longest``.

    The counterpart of :func:`arrow_scale` for arrows that would run off the
    picture (large gradients); :class:`ScaleNote` says "drawn N× shorter".
    """
    finite = [abs(x) for x in lengths if np.isfinite(x) and x > 0]
    if not finite:
        return 1.0
    top = max(finite)
    for f in NICE_FACTORS:
        if top / f <= longest:
            return 1.0 / f
    return 1.0 / NICE_FACTORS[-1]


class ScaleNote(VGroup):
    """Small on-screen note saying that arrows are drawn longer (or shorter) than they are."""

    def __init__(self, factor: float, what: str = "arrows", size: float = theme.SMALL_SIZE) -> None:
        if factor == 1:
            text = f"{what} drawn to scale"
        elif factor > 1:
            text = f"{what} drawn {fmt_nice(factor)}× longer"
        else:
            text = f"{what} drawn {fmt_nice(1 / factor)}× shorter"
        super().__init__(theme.label(text, size=size, color=theme.MUTED))
        self.factor = factor


def vector_arrow(start: np.ndarray, end: np.ndarray, color: str, stroke_width: float = 6) -> Arrow:
    """An arrow from ``start`` to ``end`` (scene points), its tip sized to stay visible."""
    length = float(np.linalg.norm(np.asarray(end) - np.asarray(start)))
    tip = min(0.25, max(0.12, 0.3 * length))
    arrow = Arrow(
        start,
        end,
        buff=0,
        color=color,
        stroke_width=stroke_width,
        tip_length=tip,
        max_tip_length_to_length_ratio=0.5,
        max_stroke_width_to_length_ratio=30,
    )
    return arrow


def label_arrow(arrow: Arrow, label: Mobject, side: float = 1.0, buff: float = 0.15, margin: float = 0.15) -> Mobject:
    """Place ``label`` beside the middle of ``arrow``, on its left (side=1) or right (side=−1).

    A label that would leave the frame goes to the other side of the arrow,
    and if it still does not fit it is shifted just inside the frame.
    """
    start, end = arrow.get_start(), arrow.get_end()
    direction = end - start
    norm = np.linalg.norm(direction[:2])
    if norm < 1e-9:
        label.next_to(start, UP, buff=buff)
        return keep_in_frame(label, margin)
    mid = (start + end) / 2
    for s in (side, -side):
        normal = np.array([-direction[1], direction[0], 0.0]) / norm * s
        offset = buff + 0.5 * abs(np.dot(label.width * RIGHT + label.height * UP, np.abs(normal)))
        label.move_to(mid + normal * offset)
        if _inside_frame(label, margin):
            return label
    label.move_to(mid + np.array([-direction[1], direction[0], 0.0]) / norm * side * offset)
    return keep_in_frame(label, margin)


def _inside_frame(mob: Mobject, margin: float) -> bool:
    half_w, half_h = config.frame_width / 2 - margin, config.frame_height / 2 - margin
    return mob.get_left()[0] >= -half_w and mob.get_right()[0] <= half_w and mob.get_bottom()[1] >= -half_h and mob.get_top()[1] <= half_h


def keep_in_frame(mob: Mobject, margin: float = 0.15) -> Mobject:
    """Shift ``mob`` by the least amount that brings it inside the visible frame."""
    half_w, half_h = config.frame_width / 2 - margin, config.frame_height / 2 - margin
    dx = max(-half_w - mob.get_left()[0], 0.0) + min(half_w - mob.get_right()[0], 0.0)
    dy = max(-half_h - mob.get_bottom()[1], 0.0) + min(half_h - mob.get_top()[1], 0.0)
    return mob.shift(np.array([dx, dy, 0.0]))


def direction_of(vector: np.ndarray) -> np.ndarray:
    """A 3-D unit vector (scene space) from a 2-D one; ORIGIN for a zero vector."""
    v = np.array([vector[0], vector[1], 0.0], dtype=float)
    n = np.linalg.norm(v)
    return v / n if n > 0 else ORIGIN


# The trail a ball leaves lives with the other paths; scenes may import it from here too.
from gdexplain.visual.paths import PathTrail  # noqa: E402,F401
