"""Text panels: formulas whose terms light up, and read-outs of live values.

Values shown in a :class:`Readout` come from a trajectory; the panel only
formats them. Numbers use a monospaced font so they do not jitter from
step to step.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from manim import DOWN, LEFT, RIGHT, UP, AnimationGroup, Line, MathTypst, RoundedRectangle, VGroup
from manim.mobject.mobject import Mobject

from gdexplain import i18n
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
    text = f"{float(value) + 0.0:g}".replace("e-0", "e-").replace("e+0", "e").replace("e+", "e")  # + 0.0: never "−0"
    return text.replace("-", "\u2212")


def spoken(value: float, digits: int = 3) -> str:
    """A number as the narrator says it: the screen's digits (:func:`fmt`), a spoken minus (负 in Chinese)."""
    return fmt(value, digits).replace("\u2212", "负" if i18n.is_cjk() else "minus ")


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
    """A column of ``name  value`` rows on a panel; rebuild it with new values each step.

    Rows sit on evenly spaced baselines, names and values on the same line
    whatever their glyphs (hats, descenders, brackets), so a row never
    drifts from its value and rows never crowd. A value may be a tuple of
    cells (e.g. the x and y of a vector): cells line up in right-aligned
    columns, so digits stay under digits from row to row.
    """

    def __init__(
        self,
        rows: Sequence[tuple[str, str | Sequence[str]]],
        size: float = theme.SMALL_SIZE,
        colors: dict[str, str] | None = None,
        min_width: float = 0.0,
        name_width: float = 0.0,
        cell_width: float = 0.0,
    ) -> None:
        """``name_width`` / ``cell_width``: least widths of the name column and of each cell column,
        so values keep their place when names or digits change from one step to the next."""
        colors = colors or {}
        names = VGroup(*(on_baseline(n, size=size, color=colors.get(n, theme.MUTED)) for n, _ in rows))
        cells = [[v] if isinstance(v, str) else list(v) for _, v in rows]
        values = VGroup(
            *(
                VGroup(*(on_baseline(c, size=size, color=colors.get(n, theme.TEXT), mono=True) for c in row))
                for (n, _), row in zip(rows, cells)
            )
        )
        pitch = line_pitch(size)
        value_left = max([name_width, *(n.width for n in names)]) + 0.3
        columns = max((len(r) for r in cells), default=0)
        widths = [max([cell_width, *(v[j].width for v in values if len(v) > j)]) for j in range(columns)]
        gap = 0.35
        for i, (n, v) in enumerate(zip(names, values)):
            n.put_baseline(0.0, -i * pitch)
            if len(v) == 1 and isinstance(rows[i][1], str):
                v[0].put_baseline(value_left, -i * pitch)
                continue
            right = value_left
            for j, cell in enumerate(v):
                right += widths[j] + (gap if j else 0.0)
                cell.put_baseline(right - cell.width, -i * pitch)
        body = VGroup(names, values)
        pad = 0.2
        panel = panel_behind(body, pad, min_width)
        body.align_to(panel, LEFT).shift(pad * RIGHT)
        super().__init__(panel, body)
        self.panel = panel
        self.names, self.values = names, values
        #: The rows shown, as given: what a test reads to know what the viewer sees.
        self.rows: list[tuple[str, str | tuple[str, ...]]] = [
            (str(n), str(v) if isinstance(v, str) else tuple(str(c) for c in v)) for n, v in rows
        ]

    def become(self, other, *args, **kwargs) -> "Readout":
        """Take ``other``'s look and its rows (in place: a race updates its read-out during a play,
        and Manim draws the parts a mobject had when the play began)."""
        super().become(other, *args, **kwargs)
        if isinstance(other, Readout):
            self.rows = list(other.rows)
        return self

    def placed_like(self, other: Mobject) -> "Readout":
        """Move to where ``other`` is, aligned top-left, so an update does not jump."""
        return self.align_to(other, UP).align_to(other, LEFT)


def line_pitch(size: float) -> float:
    """Distance between the baselines of two rows of text at font ``size`` (scene units)."""
    return 0.02 * size + 0.04


class BaselineText(VGroup):
    """A one-line text that knows where its baseline is, so rows of texts line up on it.

    The baseline follows shifts (``move_to``, ``next_to``, ``align_to``), not scaling.
    """

    def __init__(self, text: str, size: float = theme.BODY_SIZE, color: str = theme.TEXT, mono: bool = False) -> None:
        # The text is set with a trailing "x", whose bottom is the baseline; the "x" is then dropped.
        probe = theme.label(text + "x", size=size, color=color, mono=mono)
        marker = probe.submobjects[-1]
        self.baseline_y = float(marker.get_bottom()[1])
        self.left_x = float(probe.get_left()[0]) if len(probe.submobjects) > 1 else float(marker.get_left()[0])
        super().__init__(*probe.submobjects[:-1])
        self.text = text

    #: The layout check reads it as one text (it is a group of glyphs, not a ``Text``).
    layout_role = "text"

    def put_baseline(self, x: float, y: float) -> "BaselineText":
        """Move so that the text starts at ``x`` and its baseline is at ``y``."""
        self.shift(np.array([x - self.left_x, y - self.baseline_y, 0.0]))
        return self

    def shift(self, *vectors: np.ndarray) -> "BaselineText":
        total = np.sum(vectors, axis=0)
        super().shift(total)
        self.left_x += float(total[0])
        self.baseline_y += float(total[1])
        return self


def on_baseline(text: str, size: float = theme.BODY_SIZE, color: str = theme.TEXT, mono: bool = False) -> BaselineText:
    """:class:`BaselineText` of ``text`` in the lecture's font.

    Read-outs set the same names and digits again at every step; setting a
    text (Pango, then parsing its SVG) costs several times a copy, so each
    distinct text is set once per process and copied after that.
    """
    key = (text, float(size), str(color), mono, theme.font(mono))
    proto = _BASELINE_TEXTS.get(key)
    if proto is None:
        if len(_BASELINE_TEXTS) >= _BASELINE_CACHE_SIZE:
            _BASELINE_TEXTS.clear()
        proto = _BASELINE_TEXTS[key] = BaselineText(text, size=size, color=color, mono=mono)
    return proto.copy()


#: Texts already set by :func:`on_baseline`, by text, size, colour and font (a copy is handed out).
_BASELINE_TEXTS: dict[tuple, BaselineText] = {}
_BASELINE_CACHE_SIZE = 4096


class NumberTable(VGroup):
    """A grid of numbers on a panel: a header row, body rows, and rules above chosen rows.

    Cells are right-aligned in a monospaced font so columns of numbers line
    up; ``colors`` gives a column its colour (header and cells). ``rules``
    lists body rows that get a thin line above them (e.g. a row of sums).
    Rebuild the table with new values rather than morphing it.
    """

    def __init__(
        self,
        header: Sequence[str],
        rows: Sequence[Sequence[str]],
        size: float = theme.SMALL_SIZE,
        colors: dict[int, str] | None = None,
        rules: Sequence[int] = (),
        col_buff: float = 0.4,
        row_buff: float = 0.16,
    ) -> None:
        colors = colors or {}
        n_cols = len(header)
        if any(len(r) != n_cols for r in rows):
            raise ValueError(f"every row needs {n_cols} cells, one per header")
        head = [theme.label(h, size=size, color=colors.get(c, theme.MUTED)) for c, h in enumerate(header)]
        body = [[theme.label(v, size=size, color=colors.get(c, theme.TEXT), mono=True) for c, v in enumerate(r)] for r in rows]
        grid = [head, *body]
        widths = [max(row[c].width for row in grid) for c in range(n_cols)]
        height = max(m.height for row in grid for m in row)
        x = 0.0
        rights = []
        for w in widths:
            x += w
            rights.append(x)
            x += col_buff
        for r, row in enumerate(grid):
            y = -r * (height + row_buff) - (row_buff if r else 0.0)
            for c, m in enumerate(row):
                m.move_to([rights[c] - m.width / 2, y, 0.0])
        self.header = VGroup(*head)
        self.cells = [VGroup(*row) for row in body]
        self.body = VGroup(self.header, *self.cells)
        lines = VGroup()
        left, right = self.body.get_left()[0] - 0.08, self.body.get_right()[0] + 0.08
        for r in (0, *rules):  # always a line under the header
            above = self.header if r == 0 else self.cells[r - 1]
            below = self.cells[r] if r < len(self.cells) else None
            if below is None:
                continue
            y = (above.get_bottom()[1] + below.get_top()[1]) / 2
            lines.add(Line([left, y, 0], [right, y, 0], stroke_color=theme.GRID, stroke_width=1.5))
        self.rules = lines
        self.panel = panel_behind(VGroup(self.body, lines), 0.2)
        super().__init__(self.panel, lines, self.body)

    def cell(self, row: int, col: int) -> Mobject:
        """One body cell (row 0 is the first body row)."""
        return self.cells[row][col]

    def column(self, col: int, with_header: bool = True) -> VGroup:
        """Every body cell of a column, and its header."""
        group = VGroup(*(r[col] for r in self.cells))
        return VGroup(self.header[col], *group) if with_header else group
