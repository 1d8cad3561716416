"""The parts of one update a picture shows, derived from what a trajectory recorded.

Scenes take an update apart: momentum's new velocity is β·v_{t−1} plus
−α·g_t; AdaGrad's and RMSProp's squares are the old accumulator (kept, or
shrunk by ρ) plus g_t² (or (1−ρ)·g_t²), and the rate each axis really gets
is α_t / (√s_t + ε). Those pieces are optimizer arithmetic, so they live
here, next to the update rules, and tests check that they add up to what
the rules recorded (``tests/test_parts.py``); scenes only read them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gdexplain.core.errors import InputError
from gdexplain.core.trajectory import Trajectory

Array = np.ndarray

#: The recorded accumulator of squared gradients, per method that keeps one as its denominator.
ACCUMULATORS: dict[str, str] = {"adagrad": "sq_grad_sum", "rmsprop": "sq_grad_avg"}


def _check_step(traj: Trajectory, t: int) -> None:
    if not 1 <= t <= traj.steps:
        raise ValueError(f"step {t} is not in this run's 1..{traj.steps}")


@dataclass(frozen=True)
class MomentumParts:
    """Step ``t`` of a momentum or Nesterov run, as head-to-tail vectors in surface coordinates.

    Attributes:
        origin: θ_{t−1}, where the ball stands.
        previous: v_{t−1}, the stored velocity.
        decay: β.
        decayed: β·v_{t−1}.
        added: −α_t·g, the gradient step (g as chosen, see :func:`momentum_parts`).
        velocity: decayed + added; with the gradient the step used, the recorded v_t.
    """

    origin: Array
    previous: Array
    decay: float
    decayed: Array
    added: Array
    velocity: Array

    @property
    def landing(self) -> Array:
        """Where the ball lands: origin + velocity."""
        return self.origin + self.velocity


def momentum_parts(traj: Trajectory, t: int, gradient: str = "used") -> MomentumParts:
    """The parts of step ``t`` (1-based) of a momentum or Nesterov run.

    ``gradient="used"`` takes the gradient the step used (at the ball for
    momentum, at the look-ahead point for Nesterov); ``"at_ball"`` takes
    ∇L(θ_{t−1}) instead: what classic momentum would have added.
    """
    if "velocity" not in traj.quantities:
        raise InputError(f"{traj.optimizer.name} keeps no velocity: use momentum or nesterov")
    _check_step(traj, t)
    if gradient not in ("used", "at_ball"):
        raise ValueError(f"gradient must be 'used' or 'at_ball', got {gradient!r}")
    beta = float(traj.optimizer.beta)  # type: ignore[attr-defined]
    lr = float(traj.quantity("lr")[t])
    g = traj.quantity("grad")[t] if gradient == "used" else traj.gradients[t - 1]
    previous = np.array(traj.quantity("velocity")[t - 1], dtype=float)
    decayed = beta * previous
    added = -lr * np.asarray(g, dtype=float)
    return MomentumParts(np.array(traj.positions[t - 1], dtype=float), previous, beta, decayed, added, decayed + added)


def accumulator(traj: Trajectory) -> Array:
    """The per-axis accumulator of squared gradients (AdaGrad's sum, RMSProp's average); row t after step t."""
    name = ACCUMULATORS.get(traj.optimizer.name)
    if name is None:
        raise InputError(f"{traj.optimizer.name} keeps no squared-gradient accumulator: use {' or '.join(ACCUMULATORS)}")
    return traj.quantity(name)


@dataclass(frozen=True)
class AccumulatorParts:
    """How step ``t`` changed the accumulator s: ``now = kept + added``.

    Attributes:
        before: s_{t−1}.
        kept: what survives of it (AdaGrad: all of it; RMSProp: ρ·s_{t−1}).
        squared: g_t², the squared gradient of the step.
        added: what of g_t² goes in (AdaGrad: all; RMSProp: (1−ρ)·g_t²).
        now: s_t as recorded.
    """

    before: Array
    kept: Array
    squared: Array
    added: Array
    now: Array

    @property
    def root(self) -> Array:
        """√s_t: the side of each axis's square, what the gradient is divided by (before ε)."""
        return np.sqrt(self.now)


def accumulator_parts(traj: Trajectory, t: int) -> AccumulatorParts:
    """The parts of the accumulator update at step ``t`` of an AdaGrad or RMSProp run."""
    acc = accumulator(traj)
    _check_step(traj, t)
    g = np.asarray(traj.quantity("grad")[t], dtype=float)
    squared = g * g
    if traj.optimizer.name == "rmsprop":
        rho = float(traj.optimizer.rho)  # type: ignore[attr-defined]
        kept, added = rho * acc[t - 1], (1 - rho) * squared
    else:
        kept, added = np.array(acc[t - 1], dtype=float), squared
    return AccumulatorParts(np.array(acc[t - 1], dtype=float), kept, squared, added, np.array(acc[t], dtype=float))


def first_step_gain(traj: Trajectory) -> float:
    """How many times α RMSProp's first step is on an axis with a gradient much larger than ε: 1/√(1−ρ).

    After one step s_1 = (1−ρ)·g_1², so |Δθ_1| = α|g_1|/(√(1−ρ)|g_1| + ε) ≈ α/√(1−ρ).
    AdaGrad's gain is 1 (s_1 = g_1²).
    """
    name = traj.optimizer.name
    if name == "adagrad":
        return 1.0
    if name != "rmsprop":
        raise InputError(f"{name} has no first-step gain here: use adagrad or rmsprop")
    return float(1.0 / np.sqrt(1.0 - float(traj.optimizer.rho)))  # type: ignore[attr-defined]


def step_over_rate(traj: Trajectory, t: int) -> Array:
    """|Δθ_t| / α_t per axis: the recorded step measured in learning rates."""
    _check_step(traj, t)
    return np.abs(traj.quantity("delta")[t]) / float(traj.quantity("lr")[t])


# --- what a race overlay shows per ball ---------------------------------------------------

#: Recorded memories of past gradients that say where a method is pushed, with the sign that
#: turns them into a push: a velocity is already a step; a first moment m averages gradients,
#: so it pushes along −m.
PUSH_MEMORIES: tuple[tuple[str, float], ...] = (("velocity", 1.0), ("m", -1.0))
#: Recorded per-axis memories of squared gradients (the squares a picture draws).
SQUARE_MEMORIES: tuple[str, ...] = ("sq_grad_sum", "sq_grad_avg", "v")


def push_memory(traj: Trajectory) -> Array | None:
    """The method's stored push, row t after step t: momentum's v_t, or −m_t for the Adam family,
    Lion and QHM; None for a method that keeps none (GD, AdaGrad, RMSProp …)."""
    for name, sign in PUSH_MEMORIES:
        if name in traj.quantities:
            return sign * np.asarray(traj.quantity(name), dtype=float)
    return None


def square_memory(traj: Trajectory) -> Array | None:
    """The method's per-axis sum or average of squared gradients, row t after step t
    (AdaGrad's s, RMSProp's and AdaDelta's s, Adam's v); None for a method that keeps none."""
    for name in SQUARE_MEMORIES:
        if name in traj.quantities:
            return np.asarray(traj.quantity(name), dtype=float)
    return None
