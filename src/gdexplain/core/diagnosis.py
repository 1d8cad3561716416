"""What became of a run: did it settle, crawl, zig-zag, bounce or diverge?

Scenes about the step size label each run and word the narration from a
:class:`Diagnosis`, so that a ``--set lr=…`` that changes the run also
changes what is said about it. Nothing here imports Manim.

Rules, checked in this order (``tol`` bounds the gradient norm):

``diverged``
    the core stopped the run (a non-finite value or an escape far beyond
    the surface's range), or the loss ended above where it started.
``off the map``
    the run ended outside the surface's plotting range without diverging
    (downhill for ever, on a surface unbounded below such as ``saddle``).
``settled``
    the gradient norm at the last position is below ``tol``: the run stands
    on a critical point (a minimum, or a saddle or flat spot: the gradient
    cannot tell which).
``bouncing``
    most late steps reverse the step before (the iterate swings from one
    wall to the other), the gradient norm is not shrinking (over the last
    quarter of the run it kept at least :data:`GRAD_KEPT` of its size) and
    the loss has stopped falling (over that quarter it fell by less than
    :data:`FLAT_FRACTION` of what it fell over the whole run).
``zig-zagging``
    at least half of all steps reverse the one before, but the loss is
    still falling: each step overshoots, yet the run gets somewhere.
``crawling``
    none of the above: a smooth path that has not arrived yet.

A step *reverses* the one before when the two point more than 90° apart
(their dot product is negative).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gdexplain.core.errors import InputError
from gdexplain.core.trajectory import Trajectory

KINDS = ("diverged", "off the map", "settled", "bouncing", "zig-zagging", "crawling")
#: A loss that fell by less than this share of its total fall over the last quarter of the run has "stopped falling".
FLAT_FRACTION = 0.02
#: A gradient norm that kept at least this share of its size over the last quarter is "not shrinking".
GRAD_KEPT = 0.5
#: Share of late steps that must reverse for a run to count as bouncing.
BOUNCE_SHARE = 0.75


@dataclass(frozen=True)
class Diagnosis:
    """The verdict on one run and the figures it rests on.

    Attributes:
        kind: one of :data:`KINDS`.
        at: the step the verdict dates from: ``diverged_at`` (or the first
            step whose loss exceeded the start's) for ``diverged``; the first
            step from which the gradient norm stays below ``tol`` for
            ``settled``; ``None`` otherwise.
        reversals: how many steps reversed the step before.
        steps: steps taken.
        final_loss: loss at the last finite position.
        final_grad_norm: gradient norm there.
    """

    kind: str
    at: int | None
    reversals: int
    steps: int
    final_loss: float
    final_grad_norm: float


def reversals(traj: Trajectory) -> np.ndarray:
    """For steps 2…T: True where step t points more than 90° away from step t−1 (length T−1)."""
    d = np.diff(traj.positions, axis=0)
    if len(d) < 2:
        return np.zeros(0, dtype=bool)
    return np.einsum("ij,ij->i", d[1:], d[:-1]) < 0


def settled_from(traj: Trajectory, tol: float) -> int | None:
    """The first step from which the gradient norm stays below ``tol`` to the end, or None."""
    below = traj.gradient_norms() < tol
    if not below[-1]:
        return None
    above = np.flatnonzero(~below)
    return int(above[-1] + 1) if above.size else 0


def diagnose(traj: Trajectory, tol: float = 1e-2) -> Diagnosis:
    """Sort a run into one of :data:`KINDS` (rules in the module docstring)."""
    if not (isinstance(tol, (int, float)) and np.isfinite(tol) and tol > 0):
        raise InputError(f"tol must be a positive number, got {tol!r}")
    rev = reversals(traj)
    losses = traj.losses
    figures = dict(
        reversals=int(rev.sum()),
        steps=traj.steps,
        final_loss=float(losses[-1]),
        final_grad_norm=float(traj.gradient_norms()[-1]),
    )
    if traj.diverged_at is not None:
        return Diagnosis("diverged", traj.diverged_at, **figures)
    above = np.flatnonzero(losses > losses[0])
    if losses[-1] > losses[0]:
        return Diagnosis("diverged", int(above[0]), **figures)
    if not traj.surface.contains(traj.final):
        return Diagnosis("off the map", None, **figures)
    settled = settled_from(traj, tol)
    if settled is not None:
        return Diagnosis("settled", settled, **figures)
    n = traj.steps
    quarter = max(n // 4, 2)
    late = rev[-quarter:] if rev.size else rev
    total_fall = float(losses[0] - losses.min())
    late_fall = float(losses[-quarter - 1] - losses[-1]) if n > quarter else total_fall
    norms = traj.gradient_norms()
    kept = norms[-1] >= GRAD_KEPT * norms[-quarter - 1] if n > quarter else False
    if late.size and late.mean() >= BOUNCE_SHARE and kept and late_fall <= FLAT_FRACTION * max(total_fall, 1e-300):
        return Diagnosis("bouncing", None, **figures)
    if rev.size and rev.sum() >= 0.5 * n:
        return Diagnosis("zig-zagging", None, **figures)
    return Diagnosis("crawling", None, **figures)
