"""Declared, validated hyperparameters shared by optimizers and schedules.

A hyperparameter is a dataclass field made with :func:`hyper`; its metadata
holds a one-line description and the accepted range. :func:`validate`
checks an instance's fields against them, :func:`coerce` turns command-line
text into the field's type, and :func:`describe` lists them for ``--help``.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

from gdexplain.core.errors import InputError, closest


@dataclass(frozen=True)
class Range:
    """An interval of accepted numbers, printed in the usual bracket notation."""

    low: float = -math.inf
    high: float = math.inf
    low_open: bool = False
    high_open: bool = False

    def __contains__(self, value: float) -> bool:
        above = value > self.low if self.low_open else value >= self.low
        below = value < self.high if self.high_open else value <= self.high
        return above and below

    def __str__(self) -> str:
        left = "(" if self.low_open or self.low == -math.inf else "["
        right = ")" if self.high_open or self.high == math.inf else "]"
        return f"{left}{_num(self.low)}, {_num(self.high)}{right}"


POSITIVE = Range(0.0, math.inf, low_open=True)
NON_NEGATIVE = Range(0.0, math.inf)
UNIT = Range(0.0, 1.0)
UNIT_HALF_OPEN = Range(0.0, 1.0, high_open=True)
UNIT_LOW_OPEN = Range(0.0, 1.0, low_open=True)
AT_LEAST_ONE = Range(1.0, math.inf)


def hyper(default: Any, doc: str, accepted: Range | None = None) -> Any:
    """A dataclass field for a hyperparameter with its description and range."""
    return dataclasses.field(default=default, metadata={"doc": doc, "range": accepted})


@dataclass(frozen=True)
class HyperInfo:
    """What ``--help`` shows of one hyperparameter."""

    name: str
    default: Any
    doc: str
    accepted: Range | None
    kind: type


def hyperparameters(cls_or_obj: Any) -> list[HyperInfo]:
    """The declared hyperparameters of a dataclass (class or instance), in order."""
    out = []
    for f in dataclasses.fields(cls_or_obj):
        if "doc" not in f.metadata:
            continue
        kind = type(f.default) if f.default is not dataclasses.MISSING else float
        out.append(HyperInfo(f.name, f.default, f.metadata["doc"], f.metadata["range"], kind))
    return out


def validate(obj: Any, owner: str) -> None:
    """Check every declared hyperparameter of ``obj``; raise :class:`InputError` naming the bad one."""
    for info in hyperparameters(obj):
        value = getattr(obj, info.name)
        if info.kind is bool:
            if not isinstance(value, bool):
                raise InputError(f"{owner}: {info.name} must be true or false, got {value!r}")
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise InputError(f"{owner}: {info.name} must be a number, got {value!r}")
        if info.kind is int and not float(value).is_integer():
            raise InputError(f"{owner}: {info.name} must be a whole number in {info.accepted}, got {value!r}")
        if not math.isfinite(value):
            raise InputError(f"{owner}: {info.name} must be a finite number in {info.accepted}, got {value!r}")
        if info.accepted is not None and value not in info.accepted:
            raise InputError(f"{owner}: {info.name} must be in {info.accepted}, got {_num(value)}")


def coerce(info: HyperInfo, text: str | Any, owner: str) -> Any:
    """Turn command-line text into the hyperparameter's type (numbers, booleans)."""
    if not isinstance(text, str):
        return text
    s = text.strip().lower()
    if info.kind is bool:
        if s in {"1", "true", "yes", "on"}:
            return True
        if s in {"0", "false", "no", "off"}:
            return False
        raise InputError(f"{owner}: {info.name} must be true or false, got {text!r}")
    try:
        value = float(s)
    except ValueError:
        raise InputError(f"{owner}: {info.name} must be a number, got {text!r}") from None
    if info.kind is int and value.is_integer():
        return int(value)
    return value


def build(cls: type, owner: str, params: dict[str, Any]) -> Any:
    """Construct ``cls`` from named, possibly textual, hyperparameters, with clear errors."""
    infos = {h.name: h for h in hyperparameters(cls)}
    kwargs = {}
    for key, raw in params.items():
        if key not in infos:
            near = closest(key, infos)
            hint = f"did you mean {', '.join(repr(n) for n in near)}? " if near else ""
            raise InputError(f"{owner} has no parameter {key!r}: {hint}it takes {', '.join(infos) or 'none'}")
        kwargs[key] = coerce(infos[key], raw, owner)
    return cls(**kwargs)


def _num(x: float) -> str:
    if x == math.inf:
        return "inf"
    if x == -math.inf:
        return "-inf"
    return f"{x:g}"
