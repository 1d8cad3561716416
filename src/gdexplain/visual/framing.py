"""Which part of a surface a contour map shows, and how big it is drawn.

One framing for every map: :func:`map_view` picks the ranges (the points a
scene draws, the global minimum, a margin, the last tick label kept on the
map), :func:`fit_size` the width and height that fit a box with the same
unit on both axes, and :func:`framed_map` builds the :class:`ContourMap`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from gdexplain.core.surfaces import Surface
from gdexplain.visual.contour import ContourMap, nice_step

Ranges = tuple[tuple[float, float], tuple[float, float]]


def map_view(
    surface: Surface,
    points: np.ndarray | Sequence[Sequence[float]] | None = None,
    *,
    base: Ranges | None = None,
    pad: float = 0.1,
    include_minimum: bool = True,
    snap: bool | None = None,
) -> Ranges:
    """The part of ``surface`` a map shows.

    Args:
        points: every surface point the picture draws (paths, arrow tips); non-finite rows are skipped.
        base: ranges the view must cover anyway (default: none when points are given,
            the surface's own plotting range when not).
        pad: margin around the points as a fraction of the larger side, so no ball sits on the edge.
        include_minimum: also cover the surface's global minimum.
        snap: move the top of each range up to a tick multiple when the map's last
            tick label would otherwise sit close to the map's end (default: only
            for a view fitted to points; a surface's own range is kept as designed).
    """
    pts = np.zeros((0, 2)) if points is None else np.asarray(points, dtype=float).reshape(-1, 2)
    pts = pts[np.all(np.isfinite(pts), axis=1)]
    if len(pts) == 0 and base is None:
        base = (tuple(surface.ranges[0]), tuple(surface.ranges[1]))  # type: ignore[assignment]
    if len(pts) and include_minimum and surface.global_minimum is not None:
        pts = np.vstack([pts, np.asarray(surface.global_minimum, dtype=float)])
    if len(pts):
        lo, hi = pts.min(axis=0), pts.max(axis=0)
        margin = pad * max(float(np.max(hi - lo)), 1e-6)
        lo, hi = lo - margin, hi + margin
    else:
        lo, hi = np.full(2, np.inf), np.full(2, -np.inf)
    if base is not None:
        lo = np.minimum(lo, [base[0][0], base[1][0]])
        hi = np.maximum(hi, [base[0][1], base[1][1]])
    if snap if snap is not None else len(pts) > 0:
        return _snap(float(lo[0]), float(hi[0])), _snap(float(lo[1]), float(hi[1]))
    return (float(lo[0]), float(hi[0])), (float(lo[1]), float(hi[1]))


def _snap(lo: float, hi: float) -> tuple[float, float]:
    """Widen ``[lo, hi]`` just enough that the map's last tick label does not fall past its end.

    The map labels multiples of its tick step up to ``hi + step/2``; a
    multiple in ``(hi, hi + step/2)`` would sit off the map, so ``hi`` is
    moved up to it.
    """
    for _ in range(8):
        step = nice_step(hi - lo)
        rest = hi - np.floor(hi / step) * step
        if rest <= 0.4 * step:
            break
        hi = float(np.ceil(hi / step) * step)
    return float(lo), float(hi)


def fit_size(ranges: Ranges, box: tuple[float, float]) -> tuple[float, float]:
    """Width and height of a map of ``ranges`` that fits ``box`` with the same unit on both axes."""
    (x0, x1), (y0, y1) = ranges
    aspect = (x1 - x0) / (y1 - y0)
    width = min(box[0], box[1] * aspect)
    return width, width / aspect


def framed_map(surface: Surface, ranges: Ranges, box: tuple[float, float]) -> ContourMap:
    """A contour map of ``ranges`` of ``surface``, as large as fits ``box`` (not yet placed)."""
    width, height = fit_size(ranges, box)
    return ContourMap(surface, height=height, width=width, x_range=ranges[0], y_range=ranges[1])
