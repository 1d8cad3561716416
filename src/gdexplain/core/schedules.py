"""Learning-rate schedules: γ_t = γ · factor(t), with t counting steps from 1.

A schedule is a frozen dataclass whose ``factor(t)`` multiplies the
optimizer's base learning rate. ``Warmup`` wraps any other schedule: a
linear rise over the first steps, then the wrapped schedule counted from
the end of the warm-up. Build one from text with :func:`parse_schedule`
(``cosine``, ``step:every=30,gamma=0.5``, ``warmup:steps=10,then=cosine``).
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

from gdexplain.core.errors import InputError, unknown_name
from gdexplain.core.hyperparams import AT_LEAST_ONE, NON_NEGATIVE, UNIT, UNIT_LOW_OPEN, build, hyper, validate


@dataclass(frozen=True)
class Schedule(ABC):
    """Maps a step number t ≥ 1 to a factor of the base learning rate."""

    name: ClassVar[str]

    def __post_init__(self) -> None:
        validate(self, f"schedule {self.name}")

    @abstractmethod
    def factor(self, t: int) -> float:
        """The multiplier of the base learning rate at step ``t`` (from 1)."""

    def for_run(self, steps: int) -> "Schedule":
        """This schedule with any length left open filled in by the run's step count."""
        return self


@dataclass(frozen=True)
class Constant(Schedule):
    """γ_t = γ."""

    name: ClassVar[str] = "constant"

    def factor(self, t: int) -> float:
        return 1.0


@dataclass(frozen=True)
class StepDecay(Schedule):
    """Multiply by ``gamma`` every ``every`` steps."""

    name: ClassVar[str] = "step"
    every: int = hyper(30, "steps between drops", AT_LEAST_ONE)
    gamma: float = hyper(0.1, "factor applied at each drop", UNIT_LOW_OPEN)

    def factor(self, t: int) -> float:
        return self.gamma ** ((t - 1) // self.every)


@dataclass(frozen=True)
class Exponential(Schedule):
    """γ_t = γ · gammaᵗ⁻¹."""

    name: ClassVar[str] = "exponential"
    gamma: float = hyper(0.95, "factor applied every step", UNIT_LOW_OPEN)

    def factor(self, t: int) -> float:
        return self.gamma ** (t - 1)


@dataclass(frozen=True)
class Cosine(Schedule):
    """Half a cosine from 1 down to ``floor`` over ``steps`` steps (0: the run's length)."""

    name: ClassVar[str] = "cosine"
    steps: int = hyper(0, "length of the decay in steps; 0 means the whole run", NON_NEGATIVE)
    floor: float = hyper(0.0, "final factor", UNIT)

    def factor(self, t: int) -> float:
        total = max(self.steps, 1)
        progress = min(t - 1, total) / total
        return self.floor + (1 - self.floor) * 0.5 * (1 + math.cos(math.pi * progress))

    def for_run(self, steps: int) -> Schedule:
        return self if self.steps else replace(self, steps=max(steps, 1))


@dataclass(frozen=True)
class InverseSqrt(Schedule):
    """γ_t = γ / √t."""

    name: ClassVar[str] = "inverse-sqrt"

    def factor(self, t: int) -> float:
        return 1.0 / math.sqrt(t)


@dataclass(frozen=True)
class Warmup(Schedule):
    """Rise linearly from 1/steps to 1 over ``steps`` steps, then follow ``then``."""

    name: ClassVar[str] = "warmup"
    steps: int = hyper(10, "warm-up length in steps", AT_LEAST_ONE)
    then: Schedule = field(default_factory=Constant)

    def factor(self, t: int) -> float:
        if t <= self.steps:
            return t / self.steps
        return self.then.factor(t - self.steps)

    def for_run(self, steps: int) -> Schedule:
        return replace(self, then=self.then.for_run(max(steps - self.steps, 1)))


SCHEDULES: dict[str, type[Schedule]] = {
    cls.name: cls for cls in (Constant, StepDecay, Exponential, Cosine, InverseSqrt, Warmup)
}

def make_schedule(name: str, **params: Any) -> Schedule:
    """Build a schedule by name; ``warmup`` takes ``then=<another schedule's name>``."""
    if not isinstance(name, str) or name not in SCHEDULES:
        raise unknown_name("schedule", str(name), SCHEDULES)
    if name == "warmup":
        then_name = str(params.pop("then", "constant"))
        if then_name == "warmup":
            raise InputError("schedule warmup: then must be another schedule, e.g. then=cosine")
        return replace(build(Warmup, "schedule warmup", params), then=make_schedule(then_name))
    return build(SCHEDULES[name], f"schedule {name}", params)


def parse_schedule(text: str) -> Schedule:
    """Parse ``NAME[:key=value,...]``, e.g. ``warmup:steps=5,then=cosine``."""
    if not isinstance(text, str):
        raise InputError(f"schedule {text!r}: write it as text, NAME[:key=value,...], e.g. step:every=30,gamma=0.5")
    name, _, rest = text.strip().partition(":")
    params: dict[str, str] = {}
    for item in filter(None, (p.strip() for p in rest.split(","))):
        key, eq, value = item.partition("=")
        if not eq:
            raise InputError(f"schedule {text!r}: write settings as key=value, e.g. step:every=30,gamma=0.5")
        if key.strip() in params:
            raise InputError(f"schedule {text!r}: {key.strip()} is given twice: give each setting once")
        params[key.strip()] = value.strip()
    return make_schedule(name.strip(), **params)
