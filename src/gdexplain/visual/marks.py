"""Marks drawn on a map or a curve: the ball, vector arrows with labels (path trails: :mod:`.paths`).

Arrows are drawn to a stated scale: :func:`arrow_scale` picks one factor
(1, 2, 5, 10, …) for a whole scene so that the arrows are long enough to
see, and :class:`ScaleNote` says it on screen. Lengths stay comparable
because one factor serves every arrow it is given.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from manim import DOWN, LEFT, ORIGIN, RIGHT, UP, Arrow, Circle, Dot, Line, VGroup, VMobject, config
from manim.mobject.mobject import Mobject

from gdexplain.i18n import tr
from gdexplain.visual import theme
from gdexplain.visual.panels import fmt_nice

#: An arrow shorter than this (scene units) is hard to see at 480p.
MIN_VISIBLE = 0.35
#: The nice factors an arrow scale is chosen from.
NICE_FACTORS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)


class Ball(VGroup):
    """The ball: a filled disc with a rim and a small highlight, centred on its point."""

    #: The layout check (:mod:`gdexplain.layout`) keeps text off anything with this role.
    layout_role = "ball"

    def __init__(self, radius: float = 0.13, color: str = theme.BALL) -> None:
        body = Circle(radius=radius, fill_color=color, fill_opacity=1, stroke_color=theme.BALL_RIM, stroke_width=3)
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

    def __init__(self, factor: float, what: str | None = None, size: float = theme.SMALL_SIZE) -> None:
        what = tr("arrows") if what is None else what  # callers pass their own words, translated
        if factor == 1:
            text = tr("{what} drawn to scale", what=what)
        elif factor > 1:
            text = tr("{what} drawn {factor}× longer", what=what, factor=fmt_nice(factor))
        else:
            text = tr("{what} drawn {factor}× shorter", what=what, factor=fmt_nice(1 / factor))
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


def label_arrow(
    arrow: Arrow,
    label: Mobject,
    side: float = 1.0,
    buff: float = 0.15,
    margin: float = 0.15,
    avoid: Sequence[Mobject] = (),
) -> Mobject:
    """Place ``label`` beside ``arrow``, on its left (side=1) or right (side=−1), clear of ``avoid``.

    The first choice is beside the middle of the arrow on the given side.
    When that spot leaves the frame or covers something in ``avoid`` (tick
    labels, balls, other labels and arrows: see :func:`obstacles`), the
    label tries the other side, then spots nearer the tail or the tip and
    further out, then beyond either end; it takes the first clear spot, or
    the least crowded one, shifted inside the frame. The label gets a soft
    dark backdrop (:func:`theme.backdrop`), as it sits on a picture.
    """
    theme.backdrop(label)
    start, end = arrow.get_start(), arrow.get_end()
    direction = end - start
    norm = float(np.linalg.norm(direction[:2]))
    if norm < 1e-9:
        label.next_to(start, UP, buff=buff)
        return keep_in_frame(label, margin)
    unit = direction / norm
    normal = np.array([-unit[1], unit[0], 0.0])
    half = 0.5 * np.array([label.width, label.height, 0.0])
    blocked = [*obstacles(avoid), ("segment", start, end)]
    best, best_cost = None, np.inf
    for spot in _label_spots(start, end, unit, normal, half, side, buff):
        cost = _crowding(spot, half, blocked) + (0.0 if _box_inside_frame(spot, half, margin) else 100.0)
        if cost < best_cost:
            best, best_cost = spot, cost
        if cost == 0.0:
            break
    label.move_to(best)
    return keep_in_frame(label, margin)


def _label_spots(start, end, unit, normal, half, side, buff):
    """Candidate centres for a label of half-size ``half`` beside the arrow, best first."""
    out_n = buff + abs(normal[0]) * half[0] + abs(normal[1]) * half[1]  # clear of the shaft along the normal
    out_u = buff + abs(unit[0]) * half[0] + abs(unit[1]) * half[1]  # clear of the end along the arrow
    for extra in (0.0, 0.25, 0.5):
        for t in (0.5, 0.35, 0.65, 0.2, 0.8):
            for s in (side, -side):
                yield start + t * (end - start) + normal * s * (out_n + extra)
    for extra in (0.0, 0.25):
        yield end + unit * (out_u + extra)
        yield start - unit * (out_u + extra)


def obstacles(mobjects: Sequence[Mobject]) -> list[tuple]:
    """What a label must keep clear of: lines and arrows by their shaft, everything else by its box.

    Groups are looked into; a text or a ball counts as one box.
    """
    out: list[tuple] = []

    def walk(m: Mobject) -> None:
        if isinstance(m, Line) and m.has_points():
            out.append(("segment", m.get_start(), m.get_end()))
            return
        if m.submobjects and (not m.has_points()) and not _is_whole(m):
            for sub in m.submobjects:
                walk(sub)
            return
        if m.has_points() or m.submobjects:
            out.append(("box", m.get_corner(LEFT + DOWN), m.get_corner(RIGHT + UP)))

    for mob in mobjects:
        walk(mob)
    return out


def _is_whole(m: Mobject) -> bool:
    """A mobject that counts as one box: a text, a formula, a number, a ball."""
    from manim import DecimalNumber, SVGMobject

    return isinstance(m, (SVGMobject, DecimalNumber)) or getattr(m, "layout_role", None) in ("ball", "text")


def _crowding(centre: np.ndarray, half: np.ndarray, blocked: list[tuple], pad: float = 0.06) -> float:
    """How much a label box at ``centre`` covers the obstacles (0: clear)."""
    lo, hi = centre[:2] - half[:2] - pad, centre[:2] + half[:2] + pad
    cost = 0.0
    for kind, a, b in blocked:
        if kind == "box":
            w = min(hi[0], b[0]) - max(lo[0], a[0])
            h = min(hi[1], b[1]) - max(lo[1], a[1])
            if w > 0 and h > 0:
                cost += w * h + 0.01
        else:
            ts = np.linspace(0.0, 1.0, 24)
            pts = a[None, :2] + ts[:, None] * (b[:2] - a[:2])[None, :]
            inside = np.all((pts >= lo) & (pts <= hi), axis=1)
            cost += 0.05 * float(inside.sum())
    return cost


def _box_inside_frame(centre: np.ndarray, half: np.ndarray, margin: float) -> bool:
    half_w, half_h = config.frame_width / 2 - margin, config.frame_height / 2 - margin
    return bool(abs(centre[0]) + half[0] <= half_w and abs(centre[1]) + half[1] <= half_h)


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
