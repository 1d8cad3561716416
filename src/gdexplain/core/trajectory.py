"""Run an optimizer on a surface and keep everything it did, step by step.

:func:`run` is deterministic and never raises on divergence: it stops at
the first non-finite value, or when the point leaves a generous bound
around the surface's range, and marks the trajectory as diverged at that
step. Scenes draw only what a trajectory recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gdexplain.core.errors import InputError
from gdexplain.core.optimizers import SCALAR_QUANTITIES, Optimizer
from gdexplain.core.schedules import Constant, Schedule
from gdexplain.core.surfaces import DatasetSurface, Surface

Array = np.ndarray

MAX_STEPS = 1_000_000


@dataclass(frozen=True)
class Trajectory:
    """Positions, losses, gradients and every recorded quantity of one run.

    Row ``t`` of every array belongs to step ``t``; row 0 is the start.
    ``quantities[name]`` has shape ``(steps+1,)`` for scalar quantities and
    ``(steps+1, d)`` otherwise, with NaN where a quantity has no value (the
    per-step ones at row 0). ``gradients`` is the full gradient at each
    position; ``quantities["grad"]`` is the gradient each step *used*
    (Nesterov's look-ahead gradient, or a mini-batch gradient).
    """

    surface: Surface
    optimizer: Optimizer
    schedule: Schedule
    positions: Array
    losses: Array
    gradients: Array
    quantities: dict[str, Array]
    diverged_at: int | None = None
    converged_at: int | None = None
    batches: Array | None = field(default=None, repr=False)

    @property
    def steps(self) -> int:
        """Number of steps taken (rows minus one)."""
        return len(self.positions) - 1

    @property
    def diverged(self) -> bool:
        """True when the run was stopped by a non-finite value or an escape."""
        return self.diverged_at is not None

    @property
    def final(self) -> Array:
        """The last position."""
        return self.positions[-1]

    @property
    def final_loss(self) -> float:
        """The loss at the last position."""
        return float(self.losses[-1])

    @property
    def status(self) -> str:
        """``diverged at step N``, ``converged at step N`` or ``ran N steps``."""
        if self.diverged_at is not None:
            return f"diverged at step {self.diverged_at}"
        if self.converged_at is not None:
            return f"converged at step {self.converged_at}"
        return f"ran {self.steps} steps"

    def quantity(self, name: str) -> Array:
        """One recorded quantity over time; unknown names raise with the ones available."""
        try:
            return self.quantities[name]
        except KeyError:
            raise InputError(
                f"{self.optimizer.name} records no {name!r}: it records {', '.join(self.quantities)}"
            ) from None

    def gradient_norms(self) -> Array:
        """‖∇f‖ at every position."""
        return np.linalg.norm(self.gradients, axis=1)

    def samples_per_step(self) -> int:
        """Per-sample gradients each step evaluates: the batch size, or every sample for the full batch.

        Only data surfaces have samples; on any other surface this raises.
        """
        if not isinstance(self.surface, DatasetSurface):
            raise InputError(f"surface {self.surface.name!r} has no data set: only quadratic-fit and linear-regression count samples")
        return self.surface.n_samples if self.batches is None else int(self.batches.shape[1])

    def sample_gradients(self) -> Array:
        """Per-sample gradients evaluated up to each row (row 0: none yet): the work done so far."""
        return np.arange(self.steps + 1) * self.samples_per_step()


def run(
    optimizer: Optimizer,
    surface: Surface,
    start: Any = None,
    steps: int = 100,
    *,
    schedule: Schedule | None = None,
    tol: float | None = None,
    batch_size: int | None = None,
    seed: int = 0,
) -> Trajectory:
    """Run ``optimizer`` on ``surface`` from ``start`` for up to ``steps`` steps.

    Args:
        optimizer: any optimizer from :mod:`gdexplain.core.optimizers`.
        surface: the loss; ``start=None`` uses its default start.
        steps: the most steps to take.
        schedule: learning-rate schedule (default constant); open lengths
            (a cosine without ``steps``) are filled in with ``steps``.
        tol: stop as converged once the full gradient's norm is below it.
        batch_size: on a data surface, use seeded mini-batches of this size
            (1 is SGD); ``None`` is the full batch.
        seed: seed of the mini-batch draws.
    """
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or not 0 <= steps <= MAX_STEPS:
        raise InputError(f"steps must be a whole number in [0, {MAX_STEPS}], got {steps!r}")
    if tol is not None and not (_is_number(tol) and np.isfinite(tol) and tol > 0):
        raise InputError(f"tol must be a positive number, got {tol!r}")
    schedule = (schedule or Constant()).for_run(int(steps))
    theta = surface.check_start(start)
    draw = _batch_drawer(surface, batch_size, seed)

    state = optimizer.init(theta)
    names = optimizer.all_quantities
    rows: dict[str, list[Any]] = {q: [] for q in names}
    initial = optimizer.initial_record(state)
    for q in names:
        rows[q].append(initial.get(q))
    positions, losses, gradients, batches = [theta], [float(surface.value(theta))], [surface.gradient(theta)], []
    diverged_at = converged_at = None
    if tol is not None and np.linalg.norm(gradients[0]) < tol:
        converged_at = 0

    with np.errstate(all="ignore"):
        for t in range(1, int(steps) + 1):
            if converged_at is not None:
                break
            grad_fn, batch = draw()
            lr = optimizer.base_lr * schedule.factor(t)
            step = optimizer.step(theta, state, t, lr, grad_fn)
            new_loss = float(surface.value(step.params))
            new_grad = surface.gradient(step.params)
            if not (np.all(np.isfinite(step.params)) and np.isfinite(new_loss) and np.all(np.isfinite(new_grad))) or (
                surface.has_escaped(step.params)
            ):
                diverged_at = t
                break
            theta, state = step.params, step.state
            positions.append(theta)
            losses.append(new_loss)
            gradients.append(new_grad)
            if batch is not None:
                batches.append(batch)
            for q in names:
                rows[q].append(step.record.get(q))
            if tol is not None and np.linalg.norm(new_grad) < tol:
                converged_at = t

    d = surface.dim
    quantities = {q: _stack(rows[q], q in SCALAR_QUANTITIES, d) for q in names}
    return Trajectory(
        surface=surface,
        optimizer=optimizer,
        schedule=schedule,
        positions=np.array(positions),
        losses=np.array(losses),
        gradients=np.array(gradients),
        quantities=quantities,
        diverged_at=diverged_at,
        converged_at=converged_at,
        batches=None if batch_size is None else np.array(batches, dtype=int).reshape(-1, batch_size),
    )


def _batch_drawer(surface: Surface, batch_size: int | None, seed: int):
    """Return a function giving, each step, the gradient function and the batch used."""
    if batch_size is None:
        return lambda: (surface.gradient, None)
    if not isinstance(surface, DatasetSurface):
        raise InputError(f"surface {surface.name!r} has no data set: batch_size works on quadratic-fit and linear-regression")
    n = surface.n_samples
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or not 1 <= batch_size <= n:
        raise InputError(f"batch_size must be a whole number in [1, {n}] for {surface.name!r}, got {batch_size!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InputError(f"seed must be a whole number >= 0, got {seed!r}")
    rng = np.random.default_rng(seed)

    def draw():
        idx = np.sort(rng.choice(n, size=int(batch_size), replace=False))
        return (lambda p: surface.batch_gradient(p, idx)), idx

    return draw


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, bool)


def _stack(values: list[Any], scalar: bool, d: int) -> Array:
    shape = () if scalar else (d,)
    out = np.full((len(values),) + shape, np.nan)
    for i, v in enumerate(values):
        if v is not None:
            out[i] = v
    return out
