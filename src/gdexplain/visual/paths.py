"""Paths of straight steps: the one trail every map, landscape and chart draws.

:class:`ClippedPath` is the line itself: straight pieces through recorded
points, cut to a box (a run that leaves the picture leaves the picture),
shown up to a fractional progress ``k`` so a clock can grow it step by
step. :class:`PathTrail` is a path as a ball leaves it on a map: the line
and, optionally, a dot at every visited point; its :meth:`PathTrail.segment`
is one step to animate on its own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from manim import Dot, Line, VGroup, VMobject

from gdexplain.visual import theme

#: Maps a 2-D point (surface or chart coordinates) to a scene point.
ToScene = Callable[[np.ndarray], np.ndarray]


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


def _flat(p) -> np.ndarray:
    """A scene point from a 2-D or 3-D point (z kept, or 0)."""
    q = np.zeros(3)
    p = np.asarray(p, dtype=float).reshape(-1)
    q[: min(3, len(p))] = p[:3]
    return q


class PathTrail(VGroup):
    """The visited points of a path joined by straight steps, with an optional dot at each.

    Args:
        points: the points, in scene coordinates (``to_scene=None``) or in
            surface coordinates mapped by ``to_scene`` (e.g. ``ContourMap.c2p``).
        color, stroke_width: the line's look.
        dots: draw a small dot at every point.
        to_scene: surface → scene mapping, or None for scene points.
        box: clip the line to this ``((x_lo, x_hi), (y_lo, y_hi))`` in the points' own
            coordinates (default: no clipping).

    ``line`` is the :class:`ClippedPath` (``trail.line.set_progress(k)`` grows it),
    ``dots`` the dots.
    """

    def __init__(
        self,
        points: Sequence[np.ndarray],
        color: str = theme.PATH,
        stroke_width: float = 3,
        dots: bool = True,
        to_scene: ToScene | None = None,
        box=None,
    ) -> None:
        super().__init__()
        self.color = color
        self.stroke_width = stroke_width
        self.with_dots = dots
        mapping = to_scene or _flat
        pts = np.asarray([np.asarray(p, dtype=float).reshape(-1)[:2] for p in points], dtype=float).reshape(-1, 2)
        if len(pts) == 1:
            pts = np.vstack([pts, pts])
        unbounded = ((-np.inf, np.inf), (-np.inf, np.inf))
        self.line = ClippedPath(pts, mapping, box if box is not None else unbounded, color=color, stroke_width=stroke_width)
        self.dots = VGroup(*(self._dot(mapping(p)) for p in pts)) if dots else VGroup()
        self.add(self.line, self.dots)

    def _dot(self, p: np.ndarray) -> Dot:
        return Dot(_flat(p), radius=0.035, color=self.color)

    def segment(self, a: np.ndarray, b: np.ndarray) -> VGroup:
        """One new step from scene point ``a`` to ``b`` with its end dot, to animate (add it to the trail after)."""
        seg = VGroup(Line(_flat(a), _flat(b), stroke_color=self.color, stroke_width=self.stroke_width))
        if self.with_dots:
            seg.add(self._dot(b))
        return seg
