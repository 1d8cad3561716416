"""Quantities derived from a recorded run: effective learning rates, late bursts, settled losses.

Scenes show these, so they live in the core and are tested against the
update rules: :func:`effective_rate` times the direction an adaptive
method steps along is exactly the step it took.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gdexplain.core.errors import InputError
from gdexplain.core.trajectory import Trajectory

Array = np.ndarray

#: The methods whose step is −(a per-axis rate) × (a recorded direction), and that direction.
DIRECTION = {"adagrad": "grad", "rmsprop": "grad", "adadelta": "grad", "adam": "m_hat"}


def effective_rate(traj: Trajectory) -> Array:
    """The per-axis rate of every step: Δθ_t = −rate_t · d_t, with d_t from :data:`DIRECTION`.

    Row t is step t (row 0 is NaN). AdaGrad and RMSProp: γ_t / (√s_t + ε)
    (centered RMSProp: γ_t / (√(s_t − ḡ_t²) + ε)); AdaDelta:
    γ_t · √(u_{t−1} + ε) / √(s_t + ε); Adam: γ_t / (√v̂_t + ε), applied to m̂_t.
    """
    opt = traj.optimizer
    name = opt.name
    if name not in DIRECTION:
        raise InputError(f"{name} has no per-axis rate to show: use one of {', '.join(DIRECTION)}")
    lr = traj.quantity("lr")[:, None]
    eps = float(opt.eps)  # type: ignore[attr-defined]
    if name == "adagrad":
        return lr / (np.sqrt(traj.quantity("sq_grad_sum")) + eps)
    if name == "rmsprop":
        s = traj.quantity("sq_grad_avg")
        if getattr(opt, "centered", False):
            gbar = traj.quantity("grad_avg")
            s = np.maximum(s - gbar * gbar, 0.0)
        return lr / (np.sqrt(s) + eps)
    if name == "adadelta":
        return lr * adadelta_ratio(traj)
    return lr / (np.sqrt(traj.quantity("v_hat")) + eps)


def adadelta_ratio(traj: Trajectory) -> Array:
    """AdaDelta's √(u_{t−1} + ε) / √(s_t + ε) per axis (row t = step t, row 0 NaN): Δ_t = ratio · g_t."""
    if traj.optimizer.name != "adadelta":
        raise InputError(f"the ratio of two roots is AdaDelta's; this run is {traj.optimizer.name}")
    eps = float(traj.optimizer.eps)  # type: ignore[attr-defined]
    u_prev = np.vstack([np.full((1, traj.surface.dim), np.nan), traj.quantity("sq_delta_avg")[:-1]])
    return np.sqrt(u_prev + eps) / np.sqrt(traj.quantity("sq_grad_avg") + eps)


def mean_recent_loss(traj: Trajectory, last: int) -> float:
    """The loss averaged over the last ``last`` positions: a fair summary of a noisy (mini-batch) run."""
    if not isinstance(last, int) or last < 1:
        raise InputError(f"last must be a whole number >= 1, got {last!r}")
    return float(np.mean(traj.losses[-last:]))


@dataclass(frozen=True)
class Burst:
    """The largest late jump of a run away from the minimum.

    ``low_step`` is where the run was closest before the jump, ``peak_step``
    the top of the jump; gaps are loss minus the minimum's loss, distances
    are from the minimum. ``jump`` = peak_gap / low_gap.
    """

    low_step: int
    peak_step: int
    low_gap: float
    peak_gap: float
    low_distance: float
    peak_distance: float

    @property
    def jump(self) -> float:
        """How many times the loss gap grew from the low point to the peak."""
        return self.peak_gap / self.low_gap if self.low_gap > 0 else float("inf")


def find_burst(traj: Trajectory, min_jump: float = 10.0) -> Burst | None:
    """The step where the loss gap jumps furthest above everything before it, or None.

    The gap is the loss above the surface's known global minimum. The burst
    starts where ``gap_t / min(gap_0 … gap_{t−1})`` is largest; its peak is
    the highest gap while the run stays above the gap at that step. A run
    whose gap never grows to ``min_jump`` times its earlier best has no burst.
    """
    best = traj.surface.global_minimum
    if best is None:
        raise InputError(f"surface {traj.surface.name!r} has no known minimum to measure a burst from")
    floor = float(traj.surface.value(best))
    gap = np.maximum(traj.losses - floor, 0.0)
    if len(gap) < 3:
        return None
    low_so_far = np.minimum.accumulate(gap)[:-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(low_so_far > 0, gap[1:] / low_so_far, np.where(gap[1:] > 0, np.inf, 1.0))
    start = int(np.argmax(ratio)) + 1
    if not ratio[start - 1] > 1.0:
        return None
    end = start
    while end + 1 < len(gap) and gap[end + 1] >= gap[start]:
        end += 1
    peak = start + int(np.argmax(gap[start : end + 1]))
    low = int(np.argmin(gap[:start]))
    if not gap[peak] >= min_jump * gap[low]:
        return None
    dist = np.linalg.norm(traj.positions - np.asarray(best), axis=1)
    return Burst(low, peak, float(gap[low]), float(gap[peak]), float(dist[low]), float(dist[peak]))
