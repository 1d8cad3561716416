"""Which colour is which method, and who won: a legend and a leaderboard on panels.

Both only lay out text they are given; the numbers come from trajectories
(see :mod:`gdexplain.core.race` for how a race fills a leaderboard).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from manim import DOWN, LEFT, RIGHT, UP, Dot, Line, VGroup

from gdexplain.i18n import tr
from gdexplain.visual import theme
from gdexplain.visual.panels import panel_behind


def swatch(color: str, length: float = 0.4) -> VGroup:
    """A short line with a dot: how a method's path and ball look."""
    line = Line(length * LEFT / 2, length * RIGHT / 2, stroke_color=color, stroke_width=4)
    return VGroup(line, Dot(radius=0.07, color=color))


class Legend(VGroup):
    """One row per method: a swatch in its colour, its name, and a muted detail (e.g. ``α = 0.05``).

    Args:
        entries: ``(name, colour, detail)`` per method, in the order shown.
        columns: rows are filled column by column.
    """

    def __init__(self, entries: Sequence[tuple[str, str, str]], columns: int = 1, size: float = theme.SMALL_SIZE) -> None:
        rows = []
        for name, color, detail in entries:
            row = VGroup(swatch(color), theme.label(name, size=size, color=color))
            if detail:
                row.add(theme.label(detail, size=size - 2, color=theme.MUTED))
            rows.append(row)
        # Align names and details in columns across rows.
        name_w = max(r[1].width for r in rows)
        for r in rows:
            r[1].next_to(r[0], RIGHT, buff=0.15)
            if len(r) > 2:
                r[2].next_to(r[0], RIGHT, buff=0.15 + name_w + 0.25)
            # Baselines: align the detail's bottom with the name's.
            if len(r) > 2:
                r[2].align_to(r[1], DOWN)
        per_col = -(-len(rows) // max(columns, 1))
        cols = VGroup(
            *(VGroup(*rows[i : i + per_col]).arrange(DOWN, aligned_edge=LEFT, buff=0.14) for i in range(0, len(rows), per_col))
        ).arrange(RIGHT, aligned_edge=UP, buff=0.5)
        self.rows = rows
        super().__init__(panel_behind(cols), cols)


def _empty(m) -> bool:
    return not m.submobjects and len(m.points) == 0


@dataclass(frozen=True)
class LeaderRow:
    """One line of a leaderboard; ``dim`` shows its result and value muted (a failed run)."""

    name: str
    color: str
    result: str
    value: str
    dim: bool = False


class Leaderboard(VGroup):
    """A ranked table: place, method (in its colour), result, and a value such as the final loss.

    Args:
        rows: best first.
        headers: the column titles.
        title: text above the table.
    """

    def __init__(
        self,
        rows: Sequence[LeaderRow],
        headers: tuple[str, str, str, str] | None = None,
        title: str = "",
        size: float = theme.SMALL_SIZE,
    ) -> None:
        headers = ("", tr("method"), tr("result"), tr("final loss")) if headers is None else headers
        cells: list[list] = [[theme.label(h, size=size - 2, color=theme.MUTED) if h else VGroup() for h in headers]]
        for i, r in enumerate(rows, 1):
            dim = r.dim
            cells.append(
                [
                    theme.label(f"{i}.", size=size, color=theme.MUTED),
                    VGroup(swatch(r.color, 0.3), theme.label(r.name, size=size, color=r.color)).arrange(RIGHT, buff=0.12),
                    theme.label(r.result, size=size, color=theme.MUTED if dim else theme.TEXT),
                    theme.label(r.value, size=size, color=theme.MUTED if dim else theme.TEXT, mono=True),
                ]
            )
        widths = [max(row[c].width for row in cells) for c in range(4)]
        gaps = (0.2, 0.4, 0.4)
        xs = [0.0]
        for c in range(3):
            xs.append(xs[-1] + widths[c] + gaps[c])
        lines = VGroup()
        y = 0.0
        for row in cells:
            shown = [(c, m) for c, m in enumerate(row) if not _empty(m)]
            h = max((m.height for _, m in shown), default=0.3)
            line = VGroup()
            for c, m in shown:
                if c == 3:  # numbers right-aligned
                    m.move_to([xs[c] + widths[c] - m.width / 2, y, 0])
                else:
                    m.move_to([xs[c] + m.width / 2, y, 0])
                line.add(m)
            lines.add(line)
            y -= max(h, 0.3) + 0.16
        body = VGroup(lines)
        if title:
            head = theme.label(title, size=size + 2, color=theme.TEXT).next_to(lines, UP, buff=0.25).align_to(lines, LEFT)
            body.add(head)
        self.lines = lines
        #: The rows shown, best first: what a test reads to know what the viewer sees.
        self.rows = list(rows)
        super().__init__(panel_behind(body), body)
