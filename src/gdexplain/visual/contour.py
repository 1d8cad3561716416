"""A top-down map of a 2-D surface: colour for height, contour lines, true coordinates.

Vectors read best from above: on a :class:`ContourMap` an arrow drawn from
``c2p(θ)`` to ``c2p(θ + Δ)`` is the step Δ exactly, in the same units on
both axes when the map keeps the surface's aspect ratio.
"""

from __future__ import annotations

import contourpy
import numpy as np
from manim import DOWN, LEFT, Axes, Group, ImageMobject, VGroup, VMobject
from manim.utils.color import ManimColor, interpolate_color

from gdexplain.core.surfaces import Surface
from gdexplain.visual import theme
from gdexplain.visual.panels import fmt_nice

#: Grid resolution of the heat map and the contour lines.
GRID = 160


def nice_step(span: float) -> float:
    """A round tick spacing (1, 2, 2.5 or 5 × 10ᵏ) giving about four ticks over ``span``."""
    raw = span / 4
    mag = 10 ** np.floor(np.log10(raw))
    return float(min((m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw), default=raw))


def colour_levels(values: np.ndarray, n: int) -> np.ndarray:
    """Contour levels spread by quantile, so steep walls do not hide the valley floor."""
    finite = values[np.isfinite(values)]
    qs = np.linspace(0.0, 1.0, n + 2)[1:-1] ** 1.6  # denser near the bottom, where paths end
    return np.unique(np.quantile(finite, qs))


def _colour_array(z: np.ndarray) -> np.ndarray:
    """RGBA pixels for heights ``z``, by the rank of each height (monotone, so order is kept)."""
    flat = z[np.isfinite(z)]
    ranks = np.searchsorted(np.sort(flat), z) / max(flat.size - 1, 1)
    scale = [ManimColor(c) for c in theme.SURFACE_SCALE]
    stops = np.linspace(0, 1, len(scale))
    rgb = np.stack([np.interp(ranks, stops, [c.to_rgb()[i] for c in scale]) for i in range(3)], axis=-1)
    rgba = np.concatenate([rgb, np.ones(z.shape + (1,))], axis=-1)
    return (np.clip(rgba, 0, 1) * 255).astype(np.uint8)


class ContourMap(Group):
    """Heat map, contour lines and axes of ``surface`` seen from above.

    Args:
        surface: a surface with two coordinates.
        height: height of the plotting area in scene units; the width keeps
            the surface's aspect ratio unless ``width`` is given.
        levels: number of contour lines.
        x_range, y_range: override the surface's plotting range.
    """

    def __init__(
        self,
        surface: Surface,
        height: float = 6.0,
        width: float | None = None,
        levels: int = 14,
        x_range: tuple[float, float] | None = None,
        y_range: tuple[float, float] | None = None,
        show_numbers: bool = True,
    ) -> None:
        if surface.dim != 2:
            raise ValueError(f"a contour map needs a surface with 2 coordinates, {surface.name!r} has {surface.dim}")
        (x0, x1), (y0, y1) = x_range or surface.ranges[0], y_range or surface.ranges[1]
        width = width if width is not None else height * (x1 - x0) / (y1 - y0)
        self.surface = surface
        self.axes = Axes(
            x_range=[x0, x1, nice_step(x1 - x0)],
            y_range=[y0, y1, nice_step(y1 - y0)],
            x_length=width,
            y_length=height,
            tips=False,
            axis_config={"color": theme.MUTED, "stroke_width": 1.5, "include_ticks": True, "tick_size": 0.05},
        )
        if show_numbers:
            self._add_numbers()
        xs, ys = np.linspace(x0, x1, GRID), np.linspace(y0, y1, GRID)
        gx, gy = np.meshgrid(xs, ys)
        z = surface.value(np.stack([gx, gy], axis=-1))
        self.heat = ImageMobject(_colour_array(z)[::-1])
        self.heat.stretch_to_fit_width(width).stretch_to_fit_height(height).move_to(self.axes.c2p((x0 + x1) / 2, (y0 + y1) / 2))
        self.heat.set_opacity(0.85)
        self.lines = self._contour_lines(xs, ys, z, colour_levels(z, levels))
        super().__init__(self.heat, self.lines, self.axes)

    def _add_numbers(self) -> None:
        """Tick numbers along the map's bottom and left edges, outside the picture.

        Inside the map they would sit where paths run and balls come to rest
        (a minimum at the origin is on both axes); outside they never do.
        """
        (x0, x1, _), (y0, y1, _) = self.axes.x_range, self.axes.y_range
        self.numbers = VGroup()
        for axis, direction in ((self.axes.x_axis, DOWN), (self.axes.y_axis, LEFT)):
            lo, hi, step = axis.x_range
            ticks = np.arange(np.ceil(lo / step - 1e-9) * step, hi + step / 2, step)
            for v in ticks:
                if axis is self.axes.y_axis and abs(v - lo) < 1e-9 * max(1.0, abs(step)):
                    continue  # the bottom-left corner already has the x axis's first number
                text = theme.label(fmt_nice(v), size=16, color=theme.MUTED)
                at = self.axes.c2p(v, y0) if direction is DOWN else self.axes.c2p(x0, v)
                text.next_to(at, direction, buff=0.1)
                self.numbers.add(text)
        self.axes.add(self.numbers)

    def _contour_lines(self, xs: np.ndarray, ys: np.ndarray, z: np.ndarray, levels: np.ndarray) -> VGroup:
        gen = contourpy.contour_generator(xs, ys, np.where(np.isfinite(z), z, np.nanmax(z)))
        group = VGroup()
        for i, level in enumerate(levels):
            shade = interpolate_color(ManimColor(theme.TEXT), ManimColor(theme.BACKGROUND), 0.35 + 0.3 * i / len(levels))
            for line in gen.lines(level):
                if len(line) < 2:
                    continue
                pts = np.array([self.axes.c2p(x, y) for x, y in line])
                path = VMobject(stroke_color=shade, stroke_width=1.2, stroke_opacity=0.55)
                path.set_points_as_corners(pts)
                group.add(path)
        return group

    def c2p(self, point) -> np.ndarray:
        """Scene position of a surface point (x, y)."""
        return self.axes.c2p(float(point[0]), float(point[1]))

    def box(self) -> tuple[float, float, float, float]:
        """The plotting area in scene units: (left, bottom, right, top), without the tick numbers."""
        (x0, x1, _), (y0, y1, _) = self.axes.x_range, self.axes.y_range
        (left, bottom, _), (right, top, _) = self.axes.c2p(x0, y0), self.axes.c2p(x1, y1)
        return float(left), float(bottom), float(right), float(top)

    def units_per_scene_unit(self) -> float:
        """Surface units per scene unit along x (the same along y when the aspect is kept)."""
        lo, hi, _ = self.axes.x_range
        return (hi - lo) / self.axes.x_length

    def contains(self, point) -> bool:
        """True when a surface point lies on the visible map."""
        (x0, x1, _), (y0, y1, _) = self.axes.x_range, self.axes.y_range
        return bool(x0 <= point[0] <= x1 and y0 <= point[1] <= y1)
