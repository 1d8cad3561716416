"""What a scene is to the catalog: its slug, title, module and the parameters ``--set`` may change.

Scene parameters are validated here, including the checks that span two of
them (a start point must lie on the chosen surface, a learning rate must
suit the chosen optimizer). Nothing here imports Manim.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gdexplain.core.errors import InputError, closest, unknown_name
from gdexplain.core.hyperparams import Range
from gdexplain.core.optimizers import OPTIMIZERS, make_optimizer
from gdexplain.core.race import build_method, method_parts
from gdexplain.core.schedules import parse_schedule
from gdexplain.core.surfaces import SURFACES, Surface, get_surface, surface_text

KINDS = ("float", "int", "bool", "surface", "optimizer", "optimizers", "point", "choice", "choices", "lrs", "range", "schedule", "schedules")


@dataclass(frozen=True)
class Param:
    """One parameter a scene accepts with ``--set``.

    ``kind`` is one of :data:`KINDS`; ``accepted`` bounds numbers;
    ``choices`` lists the values of a ``choice`` (one of them) or of a
    ``choices`` parameter (any of them, comma-separated, or ``none``); ``surfaces`` restricts a
    ``surface`` parameter (empty: any surface of the right dimension ``dim``).
    An ``lrs`` parameter maps optimizers to learning rates (``gd=0.1,adam=0.05``,
    each checked by :func:`make_optimizer`); its value is a tuple of
    ``(name, rate)`` pairs.
    """

    name: str
    kind: str
    default: Any
    doc: str
    accepted: Range | None = None
    choices: tuple[str, ...] = ()
    dim: int | None = 2

    def coerce(self, raw: Any, scene: str) -> Any:
        """Turn a ``--set`` value (text or Python value) into a checked value."""
        where = f"{scene}: {self.name}"
        text = raw.strip() if isinstance(raw, str) else raw
        if self.kind in ("float", "int"):
            try:
                value = float(text)
            except (TypeError, ValueError):
                raise InputError(f"{where} must be a number, got {raw!r}") from None
            if not math.isfinite(value):
                raise InputError(f"{where} must be a finite number in {self.accepted}, got {raw!r}")
            if self.kind == "int":
                if not value.is_integer():
                    raise InputError(f"{where} must be a whole number in {self.accepted}, got {raw!r}")
                value = int(value)
            if self.accepted is not None and value not in self.accepted:
                raise InputError(f"{where} must be in {self.accepted}, got {raw!r}")
            return value
        if self.kind == "bool":
            if isinstance(text, bool):
                return text
            if str(text).lower() in {"1", "true", "yes", "on"}:
                return True
            if str(text).lower() in {"0", "false", "no", "off"}:
                return False
            raise InputError(f"{where} must be true or false, got {raw!r}")
        if self.kind == "surface":
            # A registered surface stays its slug, a formula its text (checked on its range with the others),
            # a Surface (a formula or a re-ranged surface, from an earlier resolve) itself.
            value = text if isinstance(text, Surface) else surface_text(str(text))
            dim = value.dim if isinstance(value, Surface) else SURFACES[value].dim if value in SURFACES else 2
            if self.dim is not None and dim != self.dim:
                fitting = [s.name for s in SURFACES.values() if s.dim == self.dim]
                shown = value.name if isinstance(value, Surface) else value
                raise InputError(f"{where}: {shown!r} has {dim} coordinates; choose one of {', '.join(fitting)}")
            return value
        if self.kind == "range":
            return coerce_range(text, where)
        if self.kind in ("schedule", "schedules"):
            return coerce_schedules(text, where, several=self.kind == "schedules")
        if self.kind == "optimizer":
            if str(text) not in OPTIMIZERS:
                raise unknown_name("optimizer", str(text), OPTIMIZERS)
            return str(text)
        if self.kind == "optimizers":
            names = [n.strip() for n in (text.split(",") if isinstance(text, str) else text) if str(n).strip()]
            if not names:
                raise InputError(f"{where} needs at least one optimizer, e.g. gd,momentum,adam")
            for n in names:
                method_parts(n)  # a core method, or lookahead:INNER
            if len(set(names)) != len(names):
                raise InputError(f"{where} names an optimizer twice: list each once")
            return tuple(names)
        if self.kind == "point":
            try:
                parts = text.split(",") if isinstance(text, str) else list(text)
                return tuple(float(p) for p in parts)
            except (TypeError, ValueError):
                raise InputError(f"{where} must be comma-separated numbers like 1.5,-0.5, got {raw!r}") from None
        if self.kind == "lrs":
            return _coerce_lrs(text, where)
        if self.kind == "choices":
            items = [t.strip() for t in (text.split(",") if isinstance(text, str) else text) if str(t).strip()]
            if items == ["none"]:
                return ()
            for item in items:
                if item not in self.choices:
                    raise unknown_name(f"value for {self.name}", str(item), self.choices)
            if len(set(items)) != len(items):
                raise InputError(f"{where} names a value twice: list each once")
            return tuple(items)
        if self.kind == "choice":
            if str(text) not in self.choices:
                raise unknown_name(f"value for {self.name}", str(text), self.choices)
            return str(text)
        raise AssertionError(f"unknown parameter kind {self.kind!r}")

    def describe(self) -> str:
        """``lr = 0.1 (float in (0, inf)): learning rate``."""
        default = "; ".join(self.default) if self.kind == "schedules" else _as_text(self.default)
        if self.kind == "choice":
            kind = "|".join(self.choices)
        elif self.kind == "choices":
            kind = "any of " + ",".join(self.choices)
        elif self.accepted is not None:
            kind = f"{self.kind} in {self.accepted}"
        else:
            kind = self.kind
        return f"{self.name} = {default or '(unset)'}  ({kind}): {self.doc}"


def _as_text(value: Any) -> str:
    """A parameter value written as ``--set`` accepts it (``1.5,-0.5``, ``gd=0.1,adam=0.05``)."""
    if isinstance(value, tuple):
        return ",".join(f"{v[0]}={_as_text(v[1])}" if isinstance(v, tuple) else _as_text(v) for v in value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value).lower() if isinstance(value, bool) else str(value)


@dataclass(frozen=True)
class SceneEntry:
    """A registered scene: what ``gdexplain list`` shows and what ``render`` needs."""

    slug: str
    title: str
    description: str
    module: str
    class_name: str
    params: tuple[Param, ...] = field(default=())

    def param(self, name: str) -> Param:
        """One declared parameter; unknown names raise with the closest valid ones."""
        for p in self.params:
            if p.name == name:
                return p
        names = [p.name for p in self.params]
        if not names:
            raise InputError(f"scene {self.slug!r} takes no --set parameters")
        near = closest(name, names)
        hint = f"did you mean {', '.join(repr(n) for n in near)}? " if near else ""
        raise InputError(f"scene {self.slug!r} has no parameter {name!r}: {hint}it takes {', '.join(names)}")

    def resolve(self, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Defaults with ``overrides`` applied, each checked, then checked together."""
        values = {p.name: p.default for p in self.params}
        for key, raw in (overrides or {}).items():
            values[key] = self.param(key).coerce(raw, self.slug)
        self._check_together(values)
        return values

    def __post_init__(self) -> None:
        # Every scene with a 2-D ``surface`` takes a plotting ``range`` for it (a formula's, or a zoom).
        surface = next((p for p in self.params if p.name == "surface" and p.kind == "surface"), None)
        if surface is not None and surface.dim == 2 and all(p.name != "range" for p in self.params):
            object.__setattr__(self, "params", (*self.params, range_param()))

    def _check_together(self, values: dict[str, Any]) -> None:
        for p in self.params:  # formulas become surfaces, checked on their range
            if p.kind == "surface" and isinstance(values[p.name], str) and values[p.name] not in SURFACES:
                values[p.name] = get_surface(values[p.name], _ranges(values.get("range")) if p.name == "surface" else None)
        if values.get("range") and "surface" in values:
            values["surface"] = get_surface(values["surface"], _ranges(values["range"]))
        surface = get_surface(values["surface"]) if "surface" in values else None
        if surface is not None and "start" in values:
            if values["start"] is None or values["start"] == ():
                values["start"] = tuple(surface.default_start)
            values["start"] = tuple(float(c) for c in surface.check_start(values["start"]))
        if values.get("overlays") and values.get("view") == "3d":
            raise InputError(f"{self.slug}: overlays are drawn on the contour map: use view=contour or overlays=none")
        if "lr" in values:
            make_optimizer(values.get("optimizer", "gd"), lr=values["lr"])
        if values.get("lrs") and "optimizers" in values:
            extra = [n for n, _ in values["lrs"] if n not in values["optimizers"]]
            if extra:
                raise InputError(
                    f"{self.slug}: lrs sets {', '.join(extra)}, not in optimizers={','.join(values['optimizers'])}: "
                    "add it to optimizers or drop it from lrs"
                )


def _coerce_lrs(text: Any, where: str) -> tuple[tuple[str, float], ...]:
    """``gd=0.1,adam=0.05`` (or pairs) as ``(("gd", 0.1), ("adam", 0.05))``, each checked by its optimizer."""
    if isinstance(text, str):
        pairs = []
        for item in (i.strip() for i in text.split(",")):
            if not item:
                continue
            name, eq, value = item.partition("=")
            if not eq or not name.strip():
                raise InputError(f"{where}: {item!r} is not NAME=RATE: write it like gd=0.1,adam=0.05")
            pairs.append((name.strip(), value.strip()))
    else:
        pairs = list(text.items()) if isinstance(text, Mapping) else [tuple(p) for p in text]
    out: dict[str, float] = {}
    for name, value in pairs:
        method_parts(str(name))
        if name in out:
            raise InputError(f"{where} sets {name} twice: give each rate once")
        try:
            rate = float(value)
        except (TypeError, ValueError):
            raise InputError(f"{where}: the rate of {name} must be a number, got {value!r}") from None
        build_method(name, rate)  # the optimizer's own range check and message
        out[name] = rate
    return tuple(out.items())


def range_param() -> Param:
    """The plotting range of a scene's ``surface``: ``x_min,x_max,y_min,y_max`` (empty: the surface's own)."""
    return Param("range", "range", (), "plotting range of the surface, x_min,x_max,y_min,y_max, e.g. -3,3,-2,2 "
                 "(default: the surface's; for a formula -3,3,-3,3)")


def coerce_range(text: Any, where: str) -> tuple[float, float, float, float] | tuple[()]:
    """``-3,3,-2,2`` as ``(-3.0, 3.0, -2.0, 2.0)``; empty text is no range."""
    parts = [p.strip() for p in text.split(",")] if isinstance(text, str) else list(text)
    if not [p for p in parts if str(p).strip()]:
        return ()
    try:
        values = tuple(float(p) for p in parts)
    except (TypeError, ValueError):
        values = ()
    if len(values) != 4:
        raise InputError(f"{where} must be four numbers x_min,x_max,y_min,y_max like -3,3,-2,2, got {text!r}")
    x0, x1, y0, y1 = values
    for axis, lo, hi in (("x", x0, x1), ("y", y0, y1)):
        if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
            raise InputError(f"{where}: the {axis} range needs finite numbers with min < max, got {lo:g},{hi:g}")
    return values


def _ranges(values: tuple[float, ...] | None) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """``(x_min, x_max, y_min, y_max)`` as ``((x_min, x_max), (y_min, y_max))``; empty is None."""
    return ((values[0], values[1]), (values[2], values[3])) if values else None


def coerce_schedules(text: Any, where: str, several: bool) -> str | tuple[str, ...]:
    """Learning-rate schedules as ``parse_schedule`` reads them (``cosine``, ``step:every=30,gamma=0.5``).

    Several are separated by ``;`` (their settings use commas). Each is
    checked by the core; the value is the text, without stray spaces.
    """
    items = [str(t).strip() for t in (text.split(";") if isinstance(text, str) else text)]
    items = [" ".join(i.split()).replace(" ", "") for i in items if i]
    if not items:
        raise InputError(f"{where} needs a schedule, e.g. cosine or step:every=30,gamma=0.5")
    if not several and len(items) > 1:
        raise InputError(f"{where} takes one schedule, got {len(items)}: drop the ';'")
    for item in items:
        try:
            parse_schedule(item)
        except InputError as err:
            raise InputError(f"{where}: {err}") from None
    if len(set(items)) != len(items):
        raise InputError(f"{where} names a schedule twice: list each once")
    return tuple(items) if several else items[0]
