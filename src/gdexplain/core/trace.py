"""A trajectory as a table: the numbers behind every video, for articles and tests.

Row ``t`` is step ``t`` (row 0 the start). Columns, in order:

- ``step``; the coordinates (``x, y`` or ``w0, w1, w2`` …); ``loss``;
- ``grad_<coord>``: the full gradient at this row's point;
- then every quantity the optimizer records (see :mod:`gdexplain.core.optimizers`),
  one column per coordinate (``m_x``, ``m_y``) or one for scalars (``lr``).
  ``g_<coord>`` is the gradient step ``t`` *used*: taken at the previous
  point (or at Nesterov's look-ahead point, or on a mini-batch).

Missing values (per-step quantities at row 0) are empty in CSV, ``null`` in
JSON and ``-`` in the table. CSV and JSON keep full float64 precision.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterator
from typing import Any

import numpy as np

from gdexplain.core.optimizers import SCALAR_QUANTITIES
from gdexplain.core.trajectory import Trajectory, Walk

FORMATS = ("table", "csv", "json")

# The optimizer's own "grad" would clash with the point's gradient columns.
_QUANTITY_COLUMN = {"grad": "g"}


def columns(traj: Trajectory | Walk) -> list[str]:
    """Column names of the trace of ``traj`` (a finished run, or a :class:`Walk` to stream)."""
    coords = traj.surface.coords
    cols = ["step", *coords, "loss", *(f"grad_{c}" for c in coords)]
    for q in _quantity_names(traj):
        label = _QUANTITY_COLUMN.get(q, q)
        cols += [label] if q in SCALAR_QUANTITIES else [f"{label}_{c}" for c in coords]
    return cols


def _quantity_names(traj: Trajectory | Walk) -> tuple[str, ...]:
    return tuple(traj.quantities) if isinstance(traj, Trajectory) else traj.optimizer.all_quantities


def rows(traj: Trajectory) -> list[list[float | int | None]]:
    """One list of values per step, aligned with :func:`columns`; NaN becomes ``None``."""
    out = []
    for t in range(traj.steps + 1):
        row: list[Any] = [t, *traj.positions[t], traj.losses[t], *traj.gradients[t]]
        for q, values in traj.quantities.items():
            row += [values[t]] if q in SCALAR_QUANTITIES else list(values[t])
        out.append([v if isinstance(v, int) else _clean(float(v)) for v in row])
    return out


def stream_rows(walk: Walk) -> Iterator[list[float | int | None]]:
    """The rows of :func:`rows`, computed one step at a time from ``walk`` (nothing is kept)."""
    names, d = walk.optimizer.all_quantities, walk.surface.dim
    for step in walk:
        row: list[Any] = [*step.position, step.loss, *step.gradient]
        for q in names:
            value = step.record.get(q)
            if q in SCALAR_QUANTITIES:
                row.append(math.nan if value is None else value)
            else:
                vector = np.asarray(math.nan if value is None else value, dtype=float)
                row.extend(vector if vector.shape == (d,) else np.broadcast_to(vector, (d,)))
        yield [step.t, *(_clean(float(v)) for v in row)]


def stream_csv(walk: Walk, rows_per_piece: int = 2048) -> Iterator[str]:
    """The CSV trace of ``walk`` in pieces of text (the header, then ``rows_per_piece`` rows at a time), as computed.

    Joined, the pieces are ``render(run(...), "csv")`` to the byte: memory
    stays bounded however many steps the run takes.
    """
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns(walk))
    for n, row in enumerate(stream_rows(walk), 1):
        writer.writerow(["" if v is None else repr(v) for v in row])
        if n % rows_per_piece == 0:
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue()


def render(traj: Trajectory, fmt: str = "table") -> str:
    """The trace as text in ``fmt`` (``table``, ``csv`` or ``json``)."""
    cols, data = columns(traj), rows(traj)
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(cols)
        writer.writerows([["" if v is None else repr(v) for v in r] for r in data])
        return buf.getvalue()
    if fmt == "json":
        doc = {
            "surface": traj.surface.name,
            "optimizer": traj.optimizer.describe(),
            "schedule": repr(traj.schedule),
            "status": traj.status,
            "diverged_at": traj.diverged_at,
            "converged_at": traj.converged_at,
            "columns": cols,
            "rows": [dict(zip(cols, r)) for r in data],
        }
        return json.dumps(doc, indent=1) + "\n"
    if fmt == "table":
        cells = [cols] + [[_short(v) for v in r] for r in data]
        widths = [max(len(row[i]) for row in cells) for i in range(len(cols))]
        lines = ["  ".join(c.rjust(w) for c, w in zip(row, widths)) for row in cells]
        return "\n".join(lines) + "\n"
    raise ValueError(f"unknown format {fmt!r}: choose one of {', '.join(FORMATS)}")


def _clean(v: float) -> float | None:
    return None if math.isnan(v) else v


def _short(v: float | int | None) -> str:
    if v is None:
        return "-"
    if isinstance(v, int):
        return str(v)
    return f"{v:.6g}"
