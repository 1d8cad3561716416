"""Run an optimizer on a surface and keep everything it did, step by step.

:func:`run` is deterministic and never raises on divergence: it stops at
the first non-finite value, or when the point leaves a generous bound
around the surface's range, and marks the trajectory as diverged at that
step. Scenes draw only what a trajectory recorded.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
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
        return _status(self.diverged_at, self.converged_at, self.steps)

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
    walk = Walk(optimizer, surface, start, steps, schedule=schedule, tol=tol, batch_size=batch_size, seed=seed)
    names = optimizer.all_quantities
    positions, losses, gradients, batches = [], [], [], []
    records: dict[str, list[Any]] = {q: [] for q in names}
    for row in walk:
        positions.append(row.position)
        losses.append(row.loss)
        gradients.append(row.gradient)
        if row.batch is not None:
            batches.append(row.batch)
        for q in names:
            records[q].append(row.record.get(q))
    d = surface.dim
    return Trajectory(
        surface=surface,
        optimizer=optimizer,
        schedule=walk.schedule,
        positions=np.array(positions),
        losses=np.array(losses),
        gradients=np.array(gradients),
        quantities={q: _stack(records[q], q in SCALAR_QUANTITIES, d) for q in names},
        diverged_at=walk.diverged_at,
        converged_at=walk.converged_at,
        batches=None if batch_size is None else np.array(batches, dtype=int).reshape(-1, batch_size),
    )


@dataclass(frozen=True)
class Row:
    """One step of a run: its point, loss and full gradient there, what the optimizer recorded, the batch used."""

    t: int
    position: Array
    loss: float
    gradient: Array
    record: Mapping[str, Any]
    batch: Array | None = None


class Walk:
    """A run taken one step at a time: iterating it yields a :class:`Row` per step (row 0: the start).

    It takes the arguments of :func:`run` and checks them at once; only the
    current step is held, so a million steps take no more memory than ten.
    ``diverged_at`` and ``converged_at`` are set once iterating has ended.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        surface: Surface,
        start: Any = None,
        steps: int = 100,
        *,
        schedule: Schedule | None = None,
        tol: float | None = None,
        batch_size: int | None = None,
        seed: int = 0,
    ) -> None:
        if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or not 0 <= steps <= MAX_STEPS:
            raise InputError(f"steps must be a whole number in [0, {MAX_STEPS}], got {steps!r}")
        if tol is not None and not (_is_number(tol) and np.isfinite(tol) and tol > 0):
            raise InputError(f"tol must be a positive number, got {tol!r}")
        self.optimizer, self.surface, self.max_steps, self.tol = optimizer, surface, int(steps), tol
        self.schedule = (schedule or Constant()).for_run(int(steps))
        self.start = surface.check_start(start)
        self._draw = _batch_drawer(surface, batch_size, seed)
        self.diverged_at: int | None = None
        self.converged_at: int | None = None
        self.steps = 0  # steps taken so far

    @property
    def status(self) -> str:
        """As :attr:`Trajectory.status`, once iterating has ended."""
        return _status(self.diverged_at, self.converged_at, self.steps)

    def __iter__(self) -> Iterator[Row]:
        optimizer, surface, theta = self.optimizer, self.surface, self.start
        state = optimizer.init(theta)
        gradient = surface.gradient(theta)
        yield Row(0, theta, float(surface.value(theta)), gradient, optimizer.initial_record(state))
        if self._converged(gradient):
            self.converged_at = 0
            return
        for t in range(1, self.max_steps + 1):
            grad_fn, batch = self._draw()
            with np.errstate(all="ignore"):
                lr = optimizer.base_lr * self.schedule.factor(t)
                step = optimizer.step(theta, state, t, lr, grad_fn)
                loss = float(surface.value(step.params))
                gradient = surface.gradient(step.params)
                finite = bool(np.all(np.isfinite(step.params)) and np.isfinite(loss) and np.all(np.isfinite(gradient)))
                lost = not finite or surface.has_escaped(step.params)
            if lost:
                self.diverged_at = t
                return
            theta, state, self.steps = step.params, step.state, t
            yield Row(t, theta, loss, gradient, step.record, batch)
            if self._converged(gradient):
                self.converged_at = t
                return

    def _converged(self, gradient: Array) -> bool:
        return self.tol is not None and bool(np.linalg.norm(gradient) < self.tol)


def _status(diverged_at: int | None, converged_at: int | None, steps: int) -> str:
    if diverged_at is not None:
        return f"diverged at step {diverged_at}"
    if converged_at is not None:
        return f"converged at step {converged_at}"
    return f"ran {steps} steps"


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
