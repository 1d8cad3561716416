"""Optimizers as small init/update pairs with explicit state, in float64.

Each optimizer is a frozen dataclass of hyperparameters. ``init(params)``
returns its state (a dict of arrays, all zero unless the rule says
otherwise); ``step(params, state, t, lr, grad_fn)`` applies the update rule
of ``shared/optimizers.md`` once and returns a :class:`Step`: the new
parameters, the new state, and a *record* of every quantity a video shows.
``t`` counts from 1 and ``lr`` is the learning rate for this step (the
optimizer's ``lr`` times a schedule's factor). ``grad_fn(θ)`` returns the
gradient, so that Nesterov can ask for it at its look-ahead point.

Recorded quantities (the same names are the columns of ``gdexplain trace``;
"vector" quantities have one value per coordinate):

=================  ============================  ======================================
name               who records it                what it is
=================  ============================  ======================================
``grad``           every method                  the gradient the step used, g_t
``delta``          every method                  the step taken, θ_t − θ_{t−1}
``lr``             every method                  the learning rate of this step, γ_t
``velocity``       momentum, nesterov            v_t = β v_{t−1} − γ g_t
``look_ahead``     nesterov                      θ_{t−1} + β v_{t−1}, where g_t is taken
``sq_grad_sum``    adagrad                       s_t = s_{t−1} + g_t² (accumulated squared gradient)
``sq_grad_avg``    rmsprop, adadelta             s_t = ρ s_{t−1} + (1−ρ) g_t²
``grad_avg``       rmsprop (centered)            ḡ_t = ρ ḡ_{t−1} + (1−ρ) g_t
``scaled_grad``    adadelta                      Δ_t = √(u_{t−1}+ε)/√(s_t+ε) · g_t
``sq_delta_avg``   adadelta                      u_t = ρ u_{t−1} + (1−ρ) Δ_t²
``m``              adam family, lion, qhm        first moment (momentum buffer)
``v``              adam family                   second moment
``m_hat``          adam, adamw, radam, qhadam    m_t / (1 − β1ᵗ) (= m_t without bias correction)
``v_hat``          adam, adamw, qhadam           v_t / (1 − β2ᵗ) (= v_t without bias correction)
``m_correction``   adam, adamw (scalar)          1 / (1 − β1ᵗ), the factor taking m_t to m̂_t (1 without)
``v_correction``   adam, adamw (scalar)          1 / (1 − β2ᵗ), the factor taking v_t to v̂_t (1 without)
``stride``         adam, adamw                   m̂_t / (√v̂_t + ε), the step per axis in units of −γ
``mu``             nadam (scalar)                μ_t, the momentum schedule
``mu_product``     nadam (scalar)                Π_t = μ_1 ⋯ μ_t
``rho_t``          radam (scalar)                length of the approximated SMA, ρ_t
``rect``           radam (scalar)                rectification r_t (0 while ρ_t ≤ 5)
``c``              lion                          β1 m_{t−1} + (1−β1) g_t, whose sign is the step
``slow``           lookahead                     the slow weights φ
``synced``         lookahead (scalar)            1 on the steps where φ moved and θ reset to it
=================  ============================  ======================================

At step 0 (the start) a trajectory shows the initial state for the names
that are state (``velocity``, ``m``, ``v``, ``sq_grad_sum`` …) and nothing
for the per-step ones (``grad``, ``delta``, ``lr``, ``m_hat`` …).
"""

from __future__ import annotations

import math
import re
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

import numpy as np

from gdexplain.core.errors import InputError, unknown_name
from gdexplain.core.hyperparams import (
    AT_LEAST_ONE,
    NON_NEGATIVE,
    POSITIVE,
    UNIT,
    UNIT_HALF_OPEN,
    UNIT_LOW_OPEN,
    build,
    hyper,
    hyperparameters,
    validate,
)

Array = np.ndarray
State = dict[str, Any]
GradFn = Callable[[Array], Array]

#: Quantities every method records.
COMMON_QUANTITIES: tuple[str, ...] = ("grad", "delta", "lr")
#: Quantities that are one number per step rather than one per coordinate.
SCALAR_QUANTITIES: frozenset[str] = frozenset(
    {"lr", "mu", "mu_product", "rho_t", "rect", "synced", "m_correction", "v_correction"}
)


@dataclass(frozen=True)
class Step:
    """The outcome of one update: new parameters, new state, and what to show."""

    params: Array
    state: State
    record: dict[str, Any]


@dataclass(frozen=True)
class Optimizer(ABC):
    """Base of every update rule. Subclasses declare hyperparameters with :func:`hyper`."""

    name: ClassVar[str]
    title: ClassVar[str]
    #: How every picture shows the method. Each concrete optimizer sets all four in its own
    #: class body (:func:`register` refuses one that does not), so a new method is one class:
    #: ``short`` names it in legends, ``color`` is its ball/path/legend colour (distinct from
    #: every other method's), ``race_lr`` the learning rate it races with on a surface whose
    #: range is 4 wide, and ``race_lr_scales`` whether that rate grows with the range (methods
    #: whose step is about α whatever the gradient: the adaptive ones).
    short: ClassVar[str]
    color: ClassVar[str]
    race_lr: ClassVar[float]
    race_lr_scales: ClassVar[bool]
    #: Method-specific recorded quantities, in display order (see the module table).
    quantities: ClassVar[tuple[str, ...]] = ()

    def __post_init__(self) -> None:
        validate(self, self.name)

    @abstractmethod
    def init(self, params: Array) -> State:
        """The state before the first step."""

    @abstractmethod
    def _update(self, params: Array, state: State, t: int, lr: float, grad_fn: GradFn) -> tuple[Array, State, dict]:
        """One step of the rule: new params, new state, and the record minus delta and lr."""

    def step(self, params: Array, state: State, t: int, lr: float, grad_fn: GradFn) -> Step:
        """Apply the update rule once (``t`` counts from 1, ``lr`` is γ_t)."""
        new_params, new_state, record = self._update(np.asarray(params, dtype=float), state, t, lr, grad_fn)
        record["delta"] = new_params - params
        record["lr"] = float(lr)
        return Step(new_params, new_state, record)

    def initial_record(self, state: State) -> dict[str, Any]:
        """The recorded quantities that exist before the first step (the state's)."""
        return {q: state[q] for q in self.all_quantities if q in state}

    @property
    def all_quantities(self) -> tuple[str, ...]:
        """Every name this optimizer records, common ones first."""
        return COMMON_QUANTITIES + self.quantities

    @property
    def base_lr(self) -> float:
        """The learning rate before any schedule."""
        return float(self.lr)  # type: ignore[attr-defined]

    def with_lr(self, lr: float) -> "Optimizer":
        """A copy with another base learning rate."""
        return replace(self, lr=lr)

    def describe(self) -> str:
        """``adam(lr=0.001, beta1=0.9, …)``: the method and its settings."""
        args = ", ".join(f"{h.name}={getattr(self, h.name)!r}" for h in hyperparameters(self))
        return f"{self.name}({args})"


def _zeros(params: Array) -> Array:
    return np.zeros_like(params, dtype=float)


LR_DOC = "learning rate γ"


@dataclass(frozen=True)
class GD(Optimizer):
    """Plain gradient descent: θ_t = θ_{t−1} − γ g_t."""

    name: ClassVar[str] = "gd"
    title: ClassVar[str] = "Gradient descent"
    short: ClassVar[str] = "GD"
    color: ClassVar[str] = "#E6E6E6"
    race_lr: ClassVar[float] = 0.03
    race_lr_scales: ClassVar[bool] = False
    lr: float = hyper(1e-3, LR_DOC, POSITIVE)

    def init(self, params: Array) -> State:
        return {}

    def _update(self, params, state, t, lr, grad_fn):
        g = grad_fn(params)
        return params - lr * g, {}, {"grad": g}


@dataclass(frozen=True)
class Momentum(Optimizer):
    """Heavy ball: v_t = β v_{t−1} − γ g_t; θ_t = θ_{t−1} + v_t."""

    name: ClassVar[str] = "momentum"
    title: ClassVar[str] = "Momentum"
    short: ClassVar[str] = "Momentum"
    color: ClassVar[str] = "#B39DFF"
    race_lr: ClassVar[float] = 0.02
    race_lr_scales: ClassVar[bool] = False
    quantities: ClassVar[tuple[str, ...]] = ("velocity",)
    lr: float = hyper(1e-3, LR_DOC, POSITIVE)
    beta: float = hyper(0.9, "decay rate β of the velocity (0: plain GD, 1: no friction)", UNIT)

    def init(self, params: Array) -> State:
        return {"velocity": _zeros(params)}

    def _update(self, params, state, t, lr, grad_fn):
        g = grad_fn(params)
        v = self.beta * state["velocity"] - lr * g
        return params + v, {"velocity": v}, {"grad": g, "velocity": v}


@dataclass(frozen=True)
class Nesterov(Optimizer):
    """Nesterov, look-ahead form: the gradient is taken at θ_{t−1} + β v_{t−1}."""

    name: ClassVar[str] = "nesterov"
    title: ClassVar[str] = "Nesterov momentum"
    short: ClassVar[str] = "Nesterov"
    color: ClassVar[str] = "#F49AC2"
    race_lr: ClassVar[float] = 0.02
    race_lr_scales: ClassVar[bool] = False
    quantities: ClassVar[tuple[str, ...]] = ("velocity", "look_ahead")
    lr: float = hyper(1e-3, LR_DOC, POSITIVE)
    beta: float = hyper(0.9, "decay rate β of the velocity", UNIT)

    def init(self, params: Array) -> State:
        return {"velocity": _zeros(params)}

    def _update(self, params, state, t, lr, grad_fn):
        look = params + self.beta * state["velocity"]
        g = grad_fn(look)
        v = self.beta * state["velocity"] - lr * g
        return params + v, {"velocity": v}, {"grad": g, "velocity": v, "look_ahead": look}


@dataclass(frozen=True)
class AdaGrad(Optimizer):
    """AdaGrad: s_t = s_{t−1} + g_t²; θ_t = θ_{t−1} − γ g_t / (√s_t + ε)."""

    name: ClassVar[str] = "adagrad"
    title: ClassVar[str] = "AdaGrad"
    short: ClassVar[str] = "AdaGrad"
    color: ClassVar[str] = "#FF9F43"
    race_lr: ClassVar[float] = 0.25
    race_lr_scales: ClassVar[bool] = True
    quantities: ClassVar[tuple[str, ...]] = ("sq_grad_sum",)
    lr: float = hyper(1e-2, LR_DOC, POSITIVE)
    eps: float = hyper(1e-10, "ε added to √s", NON_NEGATIVE)

    def init(self, params: Array) -> State:
        return {"sq_grad_sum": _zeros(params)}

    def _update(self, params, state, t, lr, grad_fn):
        g = grad_fn(params)
        s = state["sq_grad_sum"] + g * g
        return params - lr * g / (np.sqrt(s) + self.eps), {"sq_grad_sum": s}, {"grad": g, "sq_grad_sum": s}


@dataclass(frozen=True)
class RMSProp(Optimizer):
    """RMSProp: s_t = ρ s_{t−1} + (1−ρ) g_t²; θ_t = θ_{t−1} − γ g_t / (√s_t + ε); optionally centered."""

    name: ClassVar[str] = "rmsprop"
    title: ClassVar[str] = "RMSProp"
    short: ClassVar[str] = "RMSProp"
    color: ClassVar[str] = "#48DBFB"
    race_lr: ClassVar[float] = 0.02
    race_lr_scales: ClassVar[bool] = True
    quantities: ClassVar[tuple[str, ...]] = ("sq_grad_avg", "grad_avg")
    lr: float = hyper(1e-2, LR_DOC, POSITIVE)
    rho: float = hyper(0.99, "decay rate ρ of the squared-gradient average", UNIT_HALF_OPEN)
    eps: float = hyper(1e-8, "ε added to the root", NON_NEGATIVE)
    centered: bool = hyper(False, "subtract the squared mean gradient (centered RMSProp)")

    def init(self, params: Array) -> State:
        state = {"sq_grad_avg": _zeros(params)}
        if self.centered:
            state["grad_avg"] = _zeros(params)
        return state

    @property
    def all_quantities(self) -> tuple[str, ...]:
        return COMMON_QUANTITIES + (self.quantities if self.centered else ("sq_grad_avg",))

    def _update(self, params, state, t, lr, grad_fn):
        g = grad_fn(params)
        s = self.rho * state["sq_grad_avg"] + (1 - self.rho) * g * g
        new_state = {"sq_grad_avg": s}
        if self.centered:
            gbar = self.rho * state["grad_avg"] + (1 - self.rho) * g
            new_state["grad_avg"] = gbar
            # s − ḡ² ≥ 0 in exact arithmetic; clip rounding below zero.
            denom = np.sqrt(np.maximum(s - gbar * gbar, 0.0)) + self.eps
        else:
            denom = np.sqrt(s) + self.eps
        return params - lr * g / denom, new_state, {"grad": g, **new_state}


@dataclass(frozen=True)
class AdaDelta(Optimizer):
    """AdaDelta: step Δ_t = √(u_{t−1}+ε)/√(s_t+ε)·g_t, with decaying averages s of g² and u of Δ²."""

    name: ClassVar[str] = "adadelta"
    title: ClassVar[str] = "AdaDelta"
    short: ClassVar[str] = "AdaDelta"
    color: ClassVar[str] = "#A3E048"
    race_lr: ClassVar[float] = 1.0
    race_lr_scales: ClassVar[bool] = False
    quantities: ClassVar[tuple[str, ...]] = ("sq_grad_avg", "scaled_grad", "sq_delta_avg")
    lr: float = hyper(1.0, LR_DOC, POSITIVE)
    rho: float = hyper(0.9, "decay rate ρ of both averages", UNIT_HALF_OPEN)
    eps: float = hyper(1e-6, "ε inside both roots", NON_NEGATIVE)

    def init(self, params: Array) -> State:
        return {"sq_grad_avg": _zeros(params), "sq_delta_avg": _zeros(params)}

    def _update(self, params, state, t, lr, grad_fn):
        g = grad_fn(params)
        s = self.rho * state["sq_grad_avg"] + (1 - self.rho) * g * g
        scaled = np.sqrt(state["sq_delta_avg"] + self.eps) / np.sqrt(s + self.eps) * g
        u = self.rho * state["sq_delta_avg"] + (1 - self.rho) * scaled * scaled
        new_state = {"sq_grad_avg": s, "sq_delta_avg": u}
        return params - lr * scaled, new_state, {"grad": g, "scaled_grad": scaled, **new_state}


def _moments(beta1: float, beta2: float, state: State, g: Array) -> tuple[Array, Array]:
    """Adam's running averages: m of g and v of g²."""
    return beta1 * state["m"] + (1 - beta1) * g, beta2 * state["v"] + (1 - beta2) * g * g


@dataclass(frozen=True)
class Adam(Optimizer):
    """Adam: m and v as running averages, bias-corrected, θ −= γ m̂/(√v̂ + ε)."""

    name: ClassVar[str] = "adam"
    title: ClassVar[str] = "Adam"
    short: ClassVar[str] = "Adam"
    color: ClassVar[str] = "#FF5D73"
    race_lr: ClassVar[float] = 0.05
    race_lr_scales: ClassVar[bool] = True
    quantities: ClassVar[tuple[str, ...]] = ("m", "v", "m_hat", "v_hat", "m_correction", "v_correction", "stride")
    lr: float = hyper(1e-3, LR_DOC, POSITIVE)
    beta1: float = hyper(0.9, "decay rate β1 of the gradient average m", UNIT_HALF_OPEN)
    beta2: float = hyper(0.999, "decay rate β2 of the squared-gradient average v", UNIT_HALF_OPEN)
    eps: float = hyper(1e-8, "ε added to √v̂", NON_NEGATIVE)
    bias_correction: bool = hyper(True, "divide m by 1−β1ᵗ and v by 1−β2ᵗ")

    def init(self, params: Array) -> State:
        return {"m": _zeros(params), "v": _zeros(params)}

    def _adam_step(self, params: Array, state: State, t: int, lr: float, g: Array) -> tuple[Array, State, dict]:
        m, v = _moments(self.beta1, self.beta2, state, g)
        if self.bias_correction:
            m_hat, v_hat = m / (1 - self.beta1**t), v / (1 - self.beta2**t)
            m_correction, v_correction = 1 / (1 - self.beta1**t), 1 / (1 - self.beta2**t)
        else:
            m_hat, v_hat = m, v
            m_correction = v_correction = 1.0
        stride = m_hat / (np.sqrt(v_hat) + self.eps)
        new = params - lr * stride
        record = {"grad": g, "m": m, "v": v, "m_hat": m_hat, "v_hat": v_hat}
        record.update(m_correction=m_correction, v_correction=v_correction, stride=stride)
        return new, {"m": m, "v": v}, record

    def _update(self, params, state, t, lr, grad_fn):
        return self._adam_step(params, state, t, lr, grad_fn(params))


@dataclass(frozen=True)
class AdamW(Adam):
    """AdamW: decay the weights by (1 − γλ) first, then an Adam step with the same gradient."""

    name: ClassVar[str] = "adamw"
    title: ClassVar[str] = "AdamW"
    short: ClassVar[str] = "AdamW"
    color: ClassVar[str] = "#FF9E7A"
    race_lr: ClassVar[float] = 0.05
    race_lr_scales: ClassVar[bool] = True
    weight_decay: float = hyper(1e-2, "decoupled weight decay λ", NON_NEGATIVE)

    def _update(self, params, state, t, lr, grad_fn):
        g = grad_fn(params)
        return self._adam_step(params * (1 - lr * self.weight_decay), state, t, lr, g)


@dataclass(frozen=True)
class NAdam(Optimizer):
    """NAdam as in PyTorch: Adam with a Nesterov-style momentum schedule μ_t."""

    name: ClassVar[str] = "nadam"
    title: ClassVar[str] = "NAdam"
    short: ClassVar[str] = "NAdam"
    color: ClassVar[str] = "#E879F9"
    race_lr: ClassVar[float] = 0.05
    race_lr_scales: ClassVar[bool] = True
    quantities: ClassVar[tuple[str, ...]] = ("m", "v", "mu", "mu_product")
    lr: float = hyper(2e-3, LR_DOC, POSITIVE)
    beta1: float = hyper(0.9, "decay rate β1 of m", UNIT_HALF_OPEN)
    beta2: float = hyper(0.999, "decay rate β2 of v", UNIT_HALF_OPEN)
    eps: float = hyper(1e-8, "ε added to the root", NON_NEGATIVE)
    momentum_decay: float = hyper(4e-3, "ψ in μ_t = β1(1 − ½·0.96^(tψ))", NON_NEGATIVE)

    def init(self, params: Array) -> State:
        return {"m": _zeros(params), "v": _zeros(params), "mu_product": 1.0}

    def _mu(self, t: int) -> float:
        return self.beta1 * (1 - 0.5 * 0.96 ** (t * self.momentum_decay))

    def _update(self, params, state, t, lr, grad_fn):
        g = grad_fn(params)
        mu, mu_next = self._mu(t), self._mu(t + 1)
        prod = state["mu_product"] * mu
        m, v = _moments(self.beta1, self.beta2, state, g)
        d = np.sqrt(v / (1 - self.beta2**t)) + self.eps
        new = params - lr * (1 - mu) / (1 - prod) * g / d - lr * mu_next / (1 - prod * mu_next) * m / d
        new_state = {"m": m, "v": v, "mu_product": prod}
        return new, new_state, {"grad": g, "m": m, "v": v, "mu": mu, "mu_product": prod}


@dataclass(frozen=True)
class RAdam(Optimizer):
    """RAdam: Adam whose adaptive step is switched on, and rectified, once ρ_t > 5."""

    name: ClassVar[str] = "radam"
    title: ClassVar[str] = "RAdam"
    short: ClassVar[str] = "RAdam"
    color: ClassVar[str] = "#C4B5FD"
    race_lr: ClassVar[float] = 0.05
    race_lr_scales: ClassVar[bool] = True
    quantities: ClassVar[tuple[str, ...]] = ("m", "v", "m_hat", "rho_t", "rect")
    lr: float = hyper(1e-3, LR_DOC, POSITIVE)
    beta1: float = hyper(0.9, "decay rate β1 of m", UNIT_HALF_OPEN)
    beta2: float = hyper(0.999, "decay rate β2 of v", UNIT_HALF_OPEN)
    eps: float = hyper(1e-8, "ε added to √v", NON_NEGATIVE)

    def init(self, params: Array) -> State:
        return {"m": _zeros(params), "v": _zeros(params)}

    def _update(self, params, state, t, lr, grad_fn):
        g = grad_fn(params)
        m, v = _moments(self.beta1, self.beta2, state, g)
        bc2 = 1 - self.beta2**t
        m_hat = m / (1 - self.beta1**t)
        rho_inf = 2 / (1 - self.beta2) - 1
        rho_t = rho_inf - 2 * t * self.beta2**t / bc2
        if rho_t > 5:
            rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            new = params - lr * m_hat * rect * math.sqrt(bc2) / (np.sqrt(v) + self.eps)
        else:
            rect = 0.0
            new = params - lr * m_hat
        return new, {"m": m, "v": v}, {"grad": g, "m": m, "v": v, "m_hat": m_hat, "rho_t": rho_t, "rect": rect}


@dataclass(frozen=True)
class Lion(Optimizer):
    """Lion: θ_t = θ_{t−1}(1 − γλ) − γ sign(β1 m + (1−β1) g); m tracks g with β2."""

    name: ClassVar[str] = "lion"
    title: ClassVar[str] = "Lion"
    short: ClassVar[str] = "Lion"
    color: ClassVar[str] = "#FDE047"
    race_lr: ClassVar[float] = 0.01
    race_lr_scales: ClassVar[bool] = True
    quantities: ClassVar[tuple[str, ...]] = ("c", "m")
    lr: float = hyper(1e-4, LR_DOC, POSITIVE)
    beta1: float = hyper(0.9, "interpolation β1 between m and g for the sign", UNIT)
    beta2: float = hyper(0.99, "decay rate β2 of m", UNIT)
    weight_decay: float = hyper(0.0, "decoupled weight decay λ", NON_NEGATIVE)

    def init(self, params: Array) -> State:
        return {"m": _zeros(params)}

    def _update(self, params, state, t, lr, grad_fn):
        g = grad_fn(params)
        c = self.beta1 * state["m"] + (1 - self.beta1) * g
        new = params * (1 - lr * self.weight_decay) - lr * np.sign(c)
        m = self.beta2 * state["m"] + (1 - self.beta2) * g
        return new, {"m": m}, {"grad": g, "c": c, "m": m}


@dataclass(frozen=True)
class QHM(Optimizer):
    """Quasi-hyperbolic momentum: θ −= γ[(1−ν) g + ν m], m an average of g with β."""

    name: ClassVar[str] = "qhm"
    title: ClassVar[str] = "QHM"
    short: ClassVar[str] = "QHM"
    color: ClassVar[str] = "#94A3B8"
    race_lr: ClassVar[float] = 0.03
    race_lr_scales: ClassVar[bool] = False
    quantities: ClassVar[tuple[str, ...]] = ("m",)
    lr: float = hyper(1e-3, LR_DOC, POSITIVE)
    beta: float = hyper(0.999, "decay rate β of the gradient average m", UNIT_HALF_OPEN)
    nu: float = hyper(0.7, "weight ν of the average against the plain gradient", UNIT)

    def init(self, params: Array) -> State:
        return {"m": _zeros(params)}

    def _update(self, params, state, t, lr, grad_fn):
        g = grad_fn(params)
        m = self.beta * state["m"] + (1 - self.beta) * g
        return params - lr * ((1 - self.nu) * g + self.nu * m), {"m": m}, {"grad": g, "m": m}


@dataclass(frozen=True)
class QHAdam(Optimizer):
    """QHAdam: quasi-hyperbolic mixes of g with m̂ (numerator) and g² with v̂ (denominator)."""

    name: ClassVar[str] = "qhadam"
    title: ClassVar[str] = "QHAdam"
    short: ClassVar[str] = "QHAdam"
    color: ClassVar[str] = "#60A5FA"
    race_lr: ClassVar[float] = 0.05
    race_lr_scales: ClassVar[bool] = True
    quantities: ClassVar[tuple[str, ...]] = ("m", "v", "m_hat", "v_hat")
    lr: float = hyper(1e-3, LR_DOC, POSITIVE)
    beta1: float = hyper(0.9, "decay rate β1 of m", UNIT_HALF_OPEN)
    beta2: float = hyper(0.999, "decay rate β2 of v", UNIT_HALF_OPEN)
    nu1: float = hyper(0.7, "weight ν1 of m̂ against g", UNIT)
    nu2: float = hyper(1.0, "weight ν2 of v̂ against g²", UNIT)
    eps: float = hyper(1e-8, "ε added to the root", NON_NEGATIVE)

    def init(self, params: Array) -> State:
        return {"m": _zeros(params), "v": _zeros(params)}

    def _update(self, params, state, t, lr, grad_fn):
        g = grad_fn(params)
        m, v = _moments(self.beta1, self.beta2, state, g)
        m_hat, v_hat = m / (1 - self.beta1**t), v / (1 - self.beta2**t)
        num = (1 - self.nu1) * g + self.nu1 * m_hat
        den = np.sqrt((1 - self.nu2) * g * g + self.nu2 * v_hat) + self.eps
        return params - lr * num / den, {"m": m, "v": v}, {"grad": g, "m": m, "v": v, "m_hat": m_hat, "v_hat": v_hat}


@dataclass(frozen=True)
class Lookahead(Optimizer):
    """Lookahead(A, k, α): k fast steps of A, then φ ← φ + α(θ − φ) and θ ← φ."""

    name: ClassVar[str] = "lookahead"
    title: ClassVar[str] = "Lookahead"
    short: ClassVar[str] = "Lookahead"
    color: ClassVar[str] = "#34D399"
    race_lr: ClassVar[float] = 0.05
    race_lr_scales: ClassVar[bool] = True
    inner: Optimizer = field(default_factory=lambda: Adam())
    k: int = hyper(5, "fast steps between synchronisations", AT_LEAST_ONE)
    alpha: float = hyper(0.5, "fraction α of the way the slow weights move", UNIT_LOW_OPEN)

    def __post_init__(self) -> None:
        if not isinstance(self.inner, Optimizer) or isinstance(self.inner, Lookahead):
            raise InputError("lookahead: inner must be one of the other optimizers, e.g. inner=adam")
        super().__post_init__()

    @property
    def title_with_inner(self) -> str:
        """``Lookahead (Adam)``."""
        return f"{self.title} ({self.inner.title})"

    @property
    def all_quantities(self) -> tuple[str, ...]:
        return self.inner.all_quantities + ("slow", "synced")

    @property
    def base_lr(self) -> float:
        return self.inner.base_lr

    def with_lr(self, lr: float) -> "Optimizer":
        return replace(self, inner=self.inner.with_lr(lr))

    def describe(self) -> str:
        return f"lookahead(inner={self.inner.describe()}, k={self.k}, alpha={self.alpha})"

    def init(self, params: Array) -> State:
        return {"inner": self.inner.init(params), "slow": np.array(params, dtype=float)}

    def initial_record(self, state: State) -> dict[str, Any]:
        return {**self.inner.initial_record(state["inner"]), "slow": state["slow"]}

    def _update(self, params, state, t, lr, grad_fn):
        fast = self.inner.step(params, state["inner"], t, lr, grad_fn)
        slow, new = state["slow"], fast.params
        synced = t % self.k == 0
        if synced:
            # φ + α(θ − φ), written as a blend so that α = 1 gives θ exactly
            slow = (1 - self.alpha) * slow + self.alpha * fast.params
            new = slow.copy()
        record = {k: v for k, v in fast.record.items() if k not in ("delta", "lr")}
        record.update(slow=slow, synced=float(synced))
        return new, {"inner": fast.state, "slow": slow}, record


#: The facts every optimizer class declares for the pictures (see :class:`Optimizer`).
PRESENTATION: tuple[str, ...] = ("name", "title", "short", "color", "race_lr", "race_lr_scales")


def register(*classes: type[Optimizer]) -> dict[str, type[Optimizer]]:
    """The registry of optimizers by name; a class missing one of :data:`PRESENTATION` in its own
    body, a non-hex colour, or a name or colour used twice is refused with :class:`TypeError`."""
    out: dict[str, type[Optimizer]] = {}
    colors: dict[str, str] = {}
    for cls in classes:
        missing = [f for f in PRESENTATION if f not in vars(cls)]
        if missing:
            raise TypeError(f"optimizer {cls.__name__} must set {', '.join(missing)} in its class body")
        if not re.fullmatch(r"#[0-9A-Fa-f]{6}", cls.color):
            raise TypeError(f"optimizer {cls.__name__}: color must be '#RRGGBB', got {cls.color!r}")
        if cls.name in out:
            raise TypeError(f"optimizer name {cls.name!r} is registered twice")
        if cls.color.lower() in colors:
            raise TypeError(f"optimizers {colors[cls.color.lower()]!r} and {cls.name!r} share the colour {cls.color}")
        if not (isinstance(cls.race_lr, float) and cls.race_lr > 0):
            raise TypeError(f"optimizer {cls.__name__}: race_lr must be a positive float")
        out[cls.name] = cls
        colors[cls.color.lower()] = cls.name
    return out


OPTIMIZERS: dict[str, type[Optimizer]] = register(
    GD, Momentum, Nesterov, AdaGrad, RMSProp, AdaDelta, Adam, AdamW, NAdam, RAdam, Lion, Lookahead, QHM, QHAdam
)

_LOOKAHEAD_OWN = ("inner", "k", "alpha")


def make_optimizer(name: str, **params: Any) -> Optimizer:
    """Build an optimizer by name; values may be numbers or command-line text.

    ``make_optimizer("lookahead", inner="adam", k=5, alpha=0.5, beta1=0.95)``
    passes the parameters Lookahead does not own (here ``beta1``) to the
    inner method. Unknown names, unknown parameters and out-of-range values
    raise :class:`InputError`.
    """
    if not isinstance(name, str) or name not in OPTIMIZERS:
        raise unknown_name("optimizer", str(name), OPTIMIZERS)
    if name != "lookahead":
        return build(OPTIMIZERS[name], name, params)
    own = {k: v for k, v in params.items() if k in _LOOKAHEAD_OWN}
    inner_name = str(own.pop("inner", "adam"))
    if inner_name == "lookahead":
        raise InputError("lookahead: inner must be one of the other optimizers, e.g. inner=adam")
    inner = make_optimizer(inner_name, **{k: v for k, v in params.items() if k not in _LOOKAHEAD_OWN})
    lookahead = build(Lookahead, "lookahead", own)
    return replace(lookahead, inner=inner)
