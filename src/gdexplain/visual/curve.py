"""A 1-D loss curve with a ball that rests on it and a tangent that shows the slope."""

from __future__ import annotations

import numpy as np
from manim import RIGHT, UP, Axes, Line, VGroup

from gdexplain.core.surfaces import Surface
from gdexplain.visual import theme


class LossCurve(VGroup):
    """Axes and the graph of a one-coordinate surface."""

    def __init__(self, surface: Surface, width: float = 9.0, height: float = 4.5, y_pad: float = 0.1) -> None:
        if surface.dim != 1:
            raise ValueError(f"a loss curve needs a surface with 1 coordinate, {surface.name!r} has {surface.dim}")
        (x0, x1), = surface.ranges
        xs = np.linspace(x0, x1, 400)
        ys = surface.value(xs[:, None])
        lo, hi = float(ys.min()), float(ys.max())
        pad = (hi - lo) * y_pad
        self.surface = surface
        self.axes = Axes(
            x_range=[x0, x1, (x1 - x0) / 4],
            y_range=[lo - pad, hi + pad, (hi - lo) / 4],
            x_length=width,
            y_length=height,
            tips=False,
            axis_config={"color": theme.MUTED, "stroke_width": 1.5, "include_ticks": False},
        )
        self.graph = self.axes.plot(lambda x: float(surface.value([x])), x_range=[x0, x1], color=theme.TEXT, stroke_width=4)
        coord = surface.coords[0]
        self.labels = VGroup(
            theme.label(coord, size=theme.SMALL_SIZE, color=theme.MUTED).next_to(self.axes.x_axis.get_end(), RIGHT, buff=0.15),
            theme.label(f"L({coord})", size=theme.SMALL_SIZE, color=theme.MUTED).next_to(self.axes.y_axis.get_end(), UP, buff=0.15),
        )
        super().__init__(self.axes, self.graph, self.labels)

    def point(self, x: float) -> np.ndarray:
        """Scene position of the curve at ``x``."""
        return self.axes.c2p(float(x), float(self.surface.value([x])))

    def _screen_slope(self, x: float) -> float:
        g = float(self.surface.gradient([x])[0])
        return g * self.axes.y_axis.get_unit_size() / self.axes.x_axis.get_unit_size()

    def normal(self, x: float) -> np.ndarray:
        """Unit normal of the drawn curve at ``x``, pointing up."""
        n = np.array([-self._screen_slope(x), 1.0, 0.0])
        return n / np.linalg.norm(n)

    def ball_center(self, x: float, radius: float) -> np.ndarray:
        """Centre of a ball of ``radius`` resting on the curve at ``x``."""
        return self.point(x) + radius * self.normal(x)

    def tangent(self, x: float, length: float = 2.0, color: str = theme.GRADIENT) -> Line:
        """A tangent segment of ``length`` scene units centred on the curve at ``x``."""
        d = np.array([1.0, self._screen_slope(x), 0.0])
        d /= np.linalg.norm(d)
        p = self.point(x)
        return Line(p - d * length / 2, p + d * length / 2, color=color, stroke_width=4)
