"""One chart of quantities against the step number: losses, gradient norms, effective rates.

A :class:`Chart` is a pair of axes (step across, a quantity up) on a linear
or a log scale, with any number of series, one colour each. Series given
to the constructor are *live*: :meth:`Chart.set_progress` draws the first
``k`` steps of every one with a dot at its head (a race's clock drives
it). :meth:`Chart.line` makes a full series to animate on its own
(``self.play(Create(chart.line(values, colour)))``). The values come from
trajectories; the chart only draws them. Non-finite values end a series
(a diverged run); values above the top leave the chart at the top.

Scales:

- ``scale="linear"`` with ``from_zero=True``: from 0 to a nice number at or
  above the largest value (the ticks say 0 and the top);
- ``scale="linear"``: the values' own range with a small margin;
- ``scale="log"``: ``value − floor`` in decades (a loss above the known
  minimum), stated on screen.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, Axes, Dot, VGroup

from gdexplain.i18n import tr
from gdexplain.visual import theme
from gdexplain.visual.panels import fmt
from gdexplain.visual.paths import ClippedPath

#: Size of tick labels and the step caption.
TICK_SIZE = 16


def nice_limit(value: float) -> float:
    """The smallest of 1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10ᵏ at or above ``value`` (> 0)."""
    if not (np.isfinite(value) and value > 0):
        return 1.0
    mag = 10.0 ** np.floor(np.log10(value))
    for m in (1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0):
        if m * mag >= value * (1 - 1e-12):
            return float(m * mag)
    return float(10 * mag)


def _superscript(n: int) -> str:
    return str(n).translate(str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹"))


class Chart(VGroup):
    """Step (x) against one quantity (y) for several series, on a linear or log scale.

    Args:
        series: name → values (row t at step ``start_step + t``, as ``traj.losses``): the
            live series, drawn by :meth:`set_progress`. May be empty.
        colors: name → colour (``theme.method_color``); every live series needs one.
        steps: the last step on the x axis.
        log: plot ``value − floor`` on a log scale (decades); else the value itself.
        floor: the value subtracted on a log scale, e.g. the surface's known minimum;
            default: a hair below the lowest value shown.
        width, height: plotting area in scene units.
        title: text above the chart, e.g. ``"loss"``.
        floor_label: what the floor is, for the stated log scale ("the minimum").
        y_max: (linear) the largest value the axis must show, when the series are drawn
            later with :meth:`line`; with ``from_zero`` the top is rounded up to a nice number.
        from_zero: (linear) the axis runs from 0 (or ``y_min``) to a nice top.
        y_min: bottom of a ``from_zero`` axis.
        start_step: step of every live series' first value (1 for per-step quantities).
        state_scale: say the scale under the title ("linear scale", "log scale: …");
            default: only for log scales and data-fitted linear ones.
        x_label: caption of the step axis.
    """

    def __init__(
        self,
        series: Mapping[str, Sequence[float]] | None = None,
        colors: Mapping[str, str] | None = None,
        steps: int = 1,
        log: bool = False,
        floor: float | None = None,
        width: float = 5.6,
        height: float = 2.8,
        title: str | None = None,
        floor_label: str = "",
        *,
        y_max: float | None = None,
        from_zero: bool = False,
        y_min: float = 0.0,
        start_step: int = 0,
        state_scale: bool | None = None,
        x_label: str | None = None,
    ) -> None:
        super().__init__()
        title = tr("loss") if title is None else title
        x_label = tr("step", context="chart axis") if x_label is None else x_label
        series = dict(series or {})
        colors = dict(colors or {})
        missing = [n for n in series if n not in colors]
        if missing:
            raise ValueError(f"no colour for series {', '.join(missing)}: pass one in colors")
        if log and from_zero:
            raise ValueError("a log chart cannot start at zero: drop from_zero or log")
        self.log = log
        self.steps = max(int(steps), 1)
        values = {n: np.asarray(v, dtype=float) for n, v in series.items()}
        pool = [v[np.isfinite(v)] for v in values.values()]
        if y_max is not None:
            pool.append(np.array([float(y_max)]))
        finite = np.concatenate(pool) if pool else np.zeros(0)
        if finite.size == 0:
            finite = np.zeros(1)
        firsts = np.array([v[0] for v in values.values() if len(v) and np.isfinite(v[0])] or [float(finite.max())])
        if y_max is not None:
            firsts = np.append(firsts, float(y_max))
        if log:
            lowest = float(finite.min())
            self.floor = float(floor) if floor is not None and floor <= lowest else lowest - 1e-6 * (1 + abs(lowest))
            gaps = finite - self.floor
            top = int(np.ceil(np.log10(max(float(firsts.max()) - self.floor, 1e-12)) + 1e-9))
            positive = gaps[gaps > 0]
            bottom = int(np.floor(np.log10(positive.min()))) if positive.size else top - 4
            bottom = max(min(bottom, top - 1), top - 8)
            self.y_lo, self.y_hi = float(bottom), float(top)
            named = floor_label if floor is not None and floor <= lowest else tr("the lowest shown")
            self.scale_text = tr("log scale: loss above {floor} ({value})", floor=named or tr("the floor"), value=fmt(self.floor, 3))
        elif from_zero:
            self.floor = None
            peak = float(finite.max())
            self.y_lo = float(y_min)
            self.y_hi = nice_limit(peak - y_min) + y_min if peak > y_min else y_min + 1.0
            self.scale_text = tr("linear scale")
        else:
            self.floor = None
            lo, hi = float(finite.min()), float(firsts.max())
            pad = 0.06 * max(hi - lo, 1e-9)
            self.y_lo, self.y_hi = lo - pad, hi + pad
            self.scale_text = tr("linear scale")
        self.state_scale = (not from_zero) if state_scale is None else state_scale
        # The axes count y from the bottom of the range (0 … span), so the step axis sits at the
        # bottom even when the values cross zero; :meth:`c2p` takes values in chart units.
        span = self.y_hi - self.y_lo
        self.axes = Axes(
            x_range=[0, self.steps, self.steps / 4],
            y_range=[0.0, span, (span / 4 if not from_zero else span / 2) if not log else 1.0],
            x_length=width,
            y_length=height,
            tips=False,
            axis_config={"color": theme.MUTED, "stroke_width": 1.5, "include_ticks": True, "tick_size": 0.04},
        )
        self.add(self.axes)
        self._add_labels(title, x_label)
        self.lines: dict[str, ClippedPath] = {}
        self.heads: dict[str, Dot] = {}
        for name, v in values.items():
            self.lines[name] = self.line(v, colors[name], start_step=start_step)
            self.heads[name] = Dot(radius=0.05, color=colors[name])
            self.add(self.lines[name], self.heads[name])
        self.set_progress(self.steps)

    @property
    def box(self) -> tuple[tuple[float, float], tuple[float, float]]:
        """The chart's range in chart units: ``((0, steps), (y_lo, y_hi))``."""
        return ((0.0, float(self.steps)), (self.y_lo, self.y_hi))

    def c2p(self, point) -> np.ndarray:
        """Scene point of a chart point ``(step, y)``, ``y`` as :meth:`y_value` gives it."""
        return self.axes.c2p(float(point[0]), float(point[1]) - self.y_lo)

    def y_value(self, values: Sequence[float] | np.ndarray) -> np.ndarray:
        """Chart y coordinates of ``values`` (the value, or log10 of its gap to the floor, kept ≥ the bottom)."""
        v = np.asarray(values, dtype=float)
        if not self.log:
            return v
        with np.errstate(all="ignore"):
            y = np.log10(np.clip(v - self.floor, 1e-300, None))
        return np.where(np.isfinite(v), np.maximum(y, self.y_lo), np.nan)

    def line(self, values: Sequence[float] | np.ndarray, color: str, start_step: int = 0, stroke_width: float = 3) -> ClippedPath:
        """The whole series ``values`` (value i at step ``start_step + i``) as a path, not added to the chart."""
        v = np.asarray(values, dtype=float)
        data = np.stack([start_step + np.arange(len(v), dtype=float), self.y_value(v)], axis=1)
        return ClippedPath(data, self.c2p, self.box, color=color, stroke_width=stroke_width)

    def _add_labels(self, title: str, x_label: str) -> None:
        if self.log:
            decades = np.arange(int(self.y_lo), int(self.y_hi) + 1)
            every = 1 if len(decades) <= 5 else 2
            ticks = [(float(d), f"10{_superscript(int(d))}") for d in decades[::-1][::every]]
        else:
            ticks = [(self.y_lo, fmt(self.y_lo, 3)), (self.y_hi, fmt(self.y_hi, 3))]
        for y, text in ticks:
            self.add(theme.label(text, size=TICK_SIZE, color=theme.MUTED).next_to(self.c2p((0, y)), LEFT, buff=0.1))
        for x in (0, self.steps):
            self.add(theme.label(str(x), size=TICK_SIZE, color=theme.MUTED).next_to(self.c2p((x, self.y_lo)), DOWN, buff=0.1))
        self.add(theme.label(x_label, size=TICK_SIZE, color=theme.MUTED).next_to(self.c2p((self.steps / 2, self.y_lo)), DOWN, buff=0.1))
        head = VGroup()
        if title:
            head.add(theme.label(title, size=theme.SMALL_SIZE, color=theme.TEXT))
        if self.state_scale:
            head.add(theme.label(self.scale_text, size=TICK_SIZE, color=theme.MUTED))
        self.title = head.arrange(RIGHT, buff=0.25, aligned_edge=DOWN).next_to(self.axes, UP, buff=0.15).align_to(self.axes, LEFT)
        if len(head):
            self.add(self.title)

    def set_progress(self, k: float) -> "Chart":
        """Draw the first ``k`` steps of every live series, with a dot at each head."""
        for name, line in self.lines.items():
            line.set_progress(k)
            point, inside = line.head(k)
            self.heads[name].move_to(point).set_opacity(1.0 if inside else 0.0)
        return self


#: The name scenes used for a chart of losses (kept so their code reads the same).
LossChart = Chart
