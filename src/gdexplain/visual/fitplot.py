"""A data plot for fitting a model: the samples, the model's curve, and each sample's error.

The plot draws what it is given: sample coordinates from a data surface,
and model outputs the core computed (``DatasetSurface.model`` between the
samples, ``predictions`` at them). A curve that leaves the plotting box is
cut at its edge (a badly wrong model runs off the plot, it is never
squeezed onto it).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from manim import RIGHT, UP, Dot, Line, VGroup, VMobject

from gdexplain.visual import theme
from gdexplain.visual.contour import axis_numbers, nice_axes
from gdexplain.visual.paths import ClippedPath

#: Colour of the samples and of the error segments.
SAMPLE = theme.TEXT
ERROR = theme.GRADIENT


class DataPlot(VGroup):
    """Axes with the samples ``(xs[i], ys[i])`` as dots, tick numbers and axis names.

    Args:
        xs, ys: the samples.
        x_range, y_range: the plotting box in data units.
        width, height: its size in scene units.
    """

    def __init__(
        self,
        xs: Sequence[float],
        ys: Sequence[float],
        x_range: tuple[float, float],
        y_range: tuple[float, float],
        width: float = 6.0,
        height: float = 5.0,
        x_name: str = "x",
        y_name: str = "y",
        dot_radius: float = 0.08,
    ) -> None:
        self.xs, self.ys = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
        (x0, x1), (y0, y1) = x_range, y_range
        self.box = ((float(x0), float(x1)), (float(y0), float(y1)))
        self.axes = nice_axes(x_range, y_range, width, height)
        numbers = VGroup(*axis_numbers(self.axes, skip_y_zero=x0 <= 0 <= x1))
        names = VGroup(
            theme.label(x_name, size=theme.SMALL_SIZE, color=theme.MUTED).next_to(self.axes.x_axis.get_end(), RIGHT, buff=0.15),
            theme.label(y_name, size=theme.SMALL_SIZE, color=theme.MUTED).next_to(self.axes.y_axis.get_end(), UP, buff=0.15),
        )
        self.dots = VGroup(*(Dot(self.c2p(x, y), radius=dot_radius, color=SAMPLE) for x, y in zip(self.xs, self.ys)))
        self.dots.set_z_index(3)  # the samples stay on top of curves and error segments
        super().__init__(self.axes, numbers, names, self.dots)

    def c2p(self, x: float, y: float) -> np.ndarray:
        """Scene point of the data point ``(x, y)``."""
        return self.axes.c2p(float(x), float(y))

    def curve(self, xs: Sequence[float], ys: Sequence[float], color: str = theme.STEP, stroke_width: float = 4) -> VMobject:
        """The polyline through ``(xs[i], ys[i])`` (a model's outputs), cut where it leaves the box."""
        pts = np.stack([np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)], axis=1)
        return ClippedPath(pts, lambda p: self.c2p(p[0], p[1]), self.box, color=color, stroke_width=stroke_width)

    def errors(self, predictions: Sequence[float], color: str = ERROR, stroke_width: float = 3) -> VGroup:
        """One vertical segment per sample, from the sample to the model's prediction there (cut at the box)."""
        (_, _), (y0, y1) = self.box
        group = VGroup()
        for x, y, p in zip(self.xs, self.ys, np.asarray(predictions, dtype=float)):
            lo, hi = sorted((float(np.clip(y, y0, y1)), float(np.clip(p, y0, y1))))
            group.add(Line(self.c2p(x, lo), self.c2p(x, hi), stroke_color=color, stroke_width=stroke_width))
        return group
