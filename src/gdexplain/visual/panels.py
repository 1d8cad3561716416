"""Text panels: formulas whose terms light up, and read-outs of live values.

Values shown in a :class:`Readout` come from a trajectory; the panel only
formats them. Numbers use a monospaced font so they do not jitter from
step to step.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from manim import DOWN, LEFT, RIGHT, UP, AnimationGroup, MathTypst, RoundedRectangle, VGroup
from manim.mobject.mobject import Mobject

from gdexplain.visual import theme


def fmt(value: float, digits: int = 4) -> str:
    """A number as a reader wants it on screen: 4 significant digits, no noise."""
    v = float(value)
    if v == 0:
        return "0"
    if abs(v) >= 1e5 or abs(v) < 1e-3:
        text = f"{v:.{digits - 1}e}".replace("e-0", "e-").replace("e+0", "e")
    elif abs(v) >= 1:
        text = f"{v:.{digits}g}"
    else:
        text = f"{v:.{digits}f}".rstrip("0").rstrip(".")
    return text.replace("-", "\u2212")  # a real minus sign


def fmt_nice(value: float) -> str:
    """A round number as written (tick labels, stated scales): ``0.05``, ``2``, ``−4``, ``1e−4``.

    The shortest exact form (``:g``), with a real minus sign and no padded exponent;
    :func:`fmt` is for measured values, which keep four significant digits.
    """
    text = f"{float(value):g}".replace("e-0", "e-").replace("e+0", "e").replace("e+", "e")
    return text.replace("-", "\u2212")


def fmt_vector(values: Iterable[float], digits: int = 3) -> str:
    """``(1.23, −0.456)``."""
    return "(" + ", ".join(fmt(v, digits) for v in values) + ")"


def panel_behind(body: Mobject, pad: float = 0.2, min_width: float = 0.0, corner_radius: float = 0.1) -> RoundedRectangle:
    """The lecture's panel background: a rounded card sized to ``body`` plus padding, centred on it."""
    return RoundedRectangle(
        width=max(body.width + 2 * pad, min_width),
        height=body.height + 2 * pad,
        corner_radius=corner_radius,
        fill_color=theme.PANEL,
        fill_opacity=0.92,
        stroke_color=theme.GRID,
        stroke_width=1,
    ).move_to(body)


class FormulaPanel(VGroup):
    """A MathTypst formula on a panel, with named terms that can be lit.

    ``source`` uses Manim's ``{{ expr : name }}`` groups, e.g.
    ``"theta_(t+1) = theta_t - {{ alpha : lr }} {{ nabla L(theta_t) : grad }}"``.
    """

    def __init__(self, source: str, font_size: float = 40, padding: float = 0.25) -> None:
        self.formula = MathTypst(source, font_size=font_size, color=theme.TEXT)
        self.panel = panel_behind(self.formula, padding, corner_radius=0.12)
        super().__init__(self.panel, self.formula)

    def term(self, name: str) -> VGroup:
        """The glyphs of one named term."""
        return self.formula.select(name)

    def light(self, colors: dict[str, str]) -> AnimationGroup:
        """Animate the named terms to their colours and every other glyph back to plain."""
        plain = self.formula.copy().set_color(theme.TEXT)
        for name, color in colors.items():
            plain.select(name).set_color(color)
        return AnimationGroup(self.formula.animate.become(plain))


class Readout(VGroup):
    """A column of ``name  value`` rows on a panel; rebuild it with new values each step."""

    def __init__(self, rows: Sequence[tuple[str, str]], size: float = theme.SMALL_SIZE, colors: dict[str, str] | None = None, min_width: float = 0.0) -> None:
        colors = colors or {}
        names = VGroup(*(theme.label(n, size=size, color=colors.get(n, theme.MUTED)) for n, _ in rows))
        values = VGroup(*(theme.label(v, size=size, color=colors.get(n, theme.TEXT), mono=True) for n, v in rows))
        names.arrange(DOWN, aligned_edge=LEFT, buff=0.14)
        for n, v in zip(names, values):
            v.next_to(n, RIGHT, buff=0.25)
        value_left = max(n.get_right()[0] for n in names) + 0.25
        for n, v in zip(names, values):
            v.align_to(n, DOWN).shift((value_left - v.get_left()[0]) * RIGHT)
        body = VGroup(names, values)
        pad = 0.2
        panel = panel_behind(body, pad, min_width)
        body.align_to(panel, LEFT).shift(pad * RIGHT)
        super().__init__(panel, body)
        self.panel = panel
        #: The rows shown, as given: what a test reads to know what the viewer sees.
        self.rows: list[tuple[str, str]] = [(str(n), str(v)) for n, v in rows]

    def become(self, other, *args, **kwargs) -> "Readout":
        """Take ``other``'s look and its rows."""
        super().become(other, *args, **kwargs)
        if isinstance(other, Readout):
            self.rows = list(other.rows)
        return self

    def placed_like(self, other: Mobject) -> "Readout":
        """Move to where ``other`` is, aligned top-left, so an update does not jump."""
        return self.align_to(other, UP).align_to(other, LEFT)
