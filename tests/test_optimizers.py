"""The optimizer core against shared/optimizers.md.

Every update rule is re-derived here, step by step, in plain Python on lists
of floats (``ref_step`` below), straight from the table in optimizers.md. It
never calls the package, so a wrong rule in gdexplain.core.optimizers cannot make
its own test pass. The remaining tests check the "facts that make good
tests", the published worked examples, the defaults of the spec, and the
errors for bad input.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from gdexplain.core.errors import InputError
from gdexplain.core.optimizers import OPTIMIZERS, Adam, Lookahead, make_optimizer
from gdexplain.core.surfaces import Surface, get_surface
from gdexplain.core.trajectory import run

# --- an independent re-derivation of every rule (optimizers.md) ---------------


def _sign(x: float) -> float:
    return 0.0 if x == 0 else math.copysign(1.0, x)


def ref_init(name: str, hp: dict, theta0: list[float]) -> dict:
    """State before step 1: zeros (implicit below), Π_0 = 1, φ_0 = θ_0."""
    if name == "lookahead":
        inner_name, inner_hp = hp["inner"]
        return {"inner": ref_init(inner_name, inner_hp, theta0), "slow": list(theta0)}
    if name == "nadam":
        return {"mu_product": 1.0}
    return {}


def ref_step(name: str, hp: dict, theta: list[float], st: dict, t: int, lr: float, grad):
    """One step of ``name`` from optimizers.md; returns (θ_t, state, record without delta/lr)."""
    d = len(theta)
    zero = [0.0] * d

    def get(key):
        return st.get(key, zero)

    if name == "lookahead":
        inner_name, inner_hp = hp["inner"]
        fast, inner_st, rec = ref_step(inner_name, inner_hp, theta, st["inner"], t, lr, grad)
        slow, new = st["slow"], fast
        synced = t % hp["k"] == 0
        if synced:
            slow = [p + hp["alpha"] * (f - p) for p, f in zip(slow, fast)]
            new = list(slow)
        return new, {"inner": inner_st, "slow": slow}, {**rec, "slow": slow, "synced": float(synced)}

    if name == "nesterov":
        beta, v0 = hp["beta"], get("velocity")
        look = [theta[i] + beta * v0[i] for i in range(d)]
        g = grad(look)
        v = [beta * v0[i] - lr * g[i] for i in range(d)]
        new = [theta[i] + v[i] for i in range(d)]
        return new, {"velocity": v}, {"grad": g, "velocity": v, "look_ahead": look}

    g = grad(theta)
    if name == "gd":
        return [theta[i] - lr * g[i] for i in range(d)], {}, {"grad": g}

    if name == "momentum":
        v = [hp["beta"] * get("velocity")[i] - lr * g[i] for i in range(d)]
        return [theta[i] + v[i] for i in range(d)], {"velocity": v}, {"grad": g, "velocity": v}

    if name == "adagrad":
        s = [get("sq_grad_sum")[i] + g[i] ** 2 for i in range(d)]
        new = [theta[i] - lr * g[i] / (math.sqrt(s[i]) + hp["eps"]) for i in range(d)]
        return new, {"sq_grad_sum": s}, {"grad": g, "sq_grad_sum": s}

    if name == "rmsprop":
        rho, eps = hp["rho"], hp["eps"]
        s = [rho * get("sq_grad_avg")[i] + (1 - rho) * g[i] ** 2 for i in range(d)]
        state = {"sq_grad_avg": s}
        if hp["centered"]:
            gbar = [rho * get("grad_avg")[i] + (1 - rho) * g[i] for i in range(d)]
            state["grad_avg"] = gbar
            den = [math.sqrt(s[i] - gbar[i] ** 2) + eps for i in range(d)]
        else:
            den = [math.sqrt(s[i]) + eps for i in range(d)]
        new = [theta[i] - lr * g[i] / den[i] for i in range(d)]
        return new, state, {"grad": g, **state}

    if name == "adadelta":
        rho, eps = hp["rho"], hp["eps"]
        u0 = get("sq_delta_avg")
        s = [rho * get("sq_grad_avg")[i] + (1 - rho) * g[i] ** 2 for i in range(d)]
        delta = [math.sqrt(u0[i] + eps) / math.sqrt(s[i] + eps) * g[i] for i in range(d)]
        u = [rho * u0[i] + (1 - rho) * delta[i] ** 2 for i in range(d)]
        new = [theta[i] - lr * delta[i] for i in range(d)]
        state = {"sq_grad_avg": s, "sq_delta_avg": u}
        return new, state, {"grad": g, "scaled_grad": delta, **state}

    # Adam's moments, shared by the Adam family below.
    b1, b2 = hp.get("beta1", 0.0), hp.get("beta2", 0.0)
    m = [b1 * get("m")[i] + (1 - b1) * g[i] for i in range(d)]
    v = [b2 * get("v")[i] + (1 - b2) * g[i] ** 2 for i in range(d)]

    if name in ("adam", "adamw"):
        base = theta
        if name == "adamw":
            base = [theta[i] * (1 - lr * hp["weight_decay"]) for i in range(d)]
        if hp["bias_correction"]:
            m_hat = [m[i] / (1 - b1**t) for i in range(d)]
            v_hat = [v[i] / (1 - b2**t) for i in range(d)]
            corrections = {"m_correction": 1 / (1 - b1**t), "v_correction": 1 / (1 - b2**t)}
        else:
            m_hat, v_hat = m, v
            corrections = {"m_correction": 1.0, "v_correction": 1.0}
        stride = [m_hat[i] / (math.sqrt(v_hat[i]) + hp["eps"]) for i in range(d)]
        new = [base[i] - lr * stride[i] for i in range(d)]
        record = {"grad": g, "m": m, "v": v, "m_hat": m_hat, "v_hat": v_hat, "stride": stride, **corrections}
        return new, {"m": m, "v": v}, record

    if name == "nadam":
        psi, eps = hp["momentum_decay"], hp["eps"]
        mu = b1 * (1 - 0.5 * 0.96 ** (t * psi))
        mu_next = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * psi))
        prod = st["mu_product"] * mu
        den = [math.sqrt(v[i] / (1 - b2**t)) + eps for i in range(d)]
        new = [
            theta[i]
            - lr * (1 - mu) / (1 - prod) * g[i] / den[i]
            - lr * mu_next / (1 - prod * mu_next) * m[i] / den[i]
            for i in range(d)
        ]
        state = {"m": m, "v": v, "mu_product": prod}
        return new, state, {"grad": g, "m": m, "v": v, "mu": mu, "mu_product": prod}

    if name == "radam":
        rho_inf = 2 / (1 - b2) - 1
        rho_t = rho_inf - 2 * t * b2**t / (1 - b2**t)
        m_hat = [m[i] / (1 - b1**t) for i in range(d)]
        if rho_t > 5:
            rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            new = [
                theta[i] - lr * m_hat[i] * rect * math.sqrt(1 - b2**t) / (math.sqrt(v[i]) + hp["eps"])
                for i in range(d)
            ]
        else:
            rect = 0.0
            new = [theta[i] - lr * m_hat[i] for i in range(d)]
        return new, {"m": m, "v": v}, {"grad": g, "m": m, "v": v, "m_hat": m_hat, "rho_t": rho_t, "rect": rect}

    if name == "lion":
        c = [b1 * get("m")[i] + (1 - b1) * g[i] for i in range(d)]
        new = [theta[i] * (1 - lr * hp["weight_decay"]) - lr * _sign(c[i]) for i in range(d)]
        m = [b2 * get("m")[i] + (1 - b2) * g[i] for i in range(d)]
        return new, {"m": m}, {"grad": g, "c": c, "m": m}

    if name == "qhm":
        beta, nu = hp["beta"], hp["nu"]
        b = [beta * get("m")[i] + (1 - beta) * g[i] for i in range(d)]
        new = [theta[i] - lr * ((1 - nu) * g[i] + nu * b[i]) for i in range(d)]
        return new, {"m": b}, {"grad": g, "m": b}

    if name == "qhadam":
        nu1, nu2 = hp["nu1"], hp["nu2"]
        m_hat = [m[i] / (1 - b1**t) for i in range(d)]
        v_hat = [v[i] / (1 - b2**t) for i in range(d)]
        new = [
            theta[i]
            - lr * ((1 - nu1) * g[i] + nu1 * m_hat[i])
            / (math.sqrt((1 - nu2) * g[i] ** 2 + nu2 * v_hat[i]) + hp["eps"])
            for i in range(d)
        ]
        return new, {"m": m, "v": v}, {"grad": g, "m": m, "v": v, "m_hat": m_hat, "v_hat": v_hat}

    raise AssertionError(f"no reference for {name}")


def ref_run(name: str, hp: dict, theta0, grad, lrs) -> list[tuple[list[float], dict]]:
    """(θ_t, record_t) for t = 1 … len(lrs), with γ_t = lrs[t−1]."""
    theta = [float(x) for x in theta0]
    st = ref_init(name, hp, theta)
    out = []
    for t, lr in enumerate(lrs, start=1):
        new, st, rec = ref_step(name, hp, theta, st, t, lr, grad)
        rec["delta"] = [a - b for a, b in zip(new, theta)]
        rec["lr"] = lr
        theta = new
        out.append((theta, rec))
    return out


def build(name: str, hp: dict, lr: float):
    """The package's optimizer with the same settings as the reference."""
    if name == "lookahead":
        inner_name, inner_hp = hp["inner"]
        return make_optimizer("lookahead", inner=inner_name, k=hp["k"], alpha=hp["alpha"], lr=lr, **inner_hp)
    return make_optimizer(name, lr=lr, **hp)


def assert_close(actual, expected, what: str, rtol: float = 1e-12) -> None:
    actual, expected = np.asarray(actual, dtype=float), np.asarray(expected, dtype=float)
    assert actual.shape == expected.shape, what
    scale = float(np.max(np.abs(expected))) if expected.size else 0.0
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=1e-14 * scale, err_msg=what)


# --- test problems (gradients written here, not taken from the package) -------

A = [[3.0, 0.5], [0.5, 1.0]]
B = [1.0, -2.0]
QUAD_START = (2.0, -1.5)


def quad_grad(p):
    """∇(½ θᵀAθ − bᵀθ) = Aθ − b."""
    return [A[0][0] * p[0] + A[0][1] * p[1] - B[0], A[1][0] * p[0] + A[1][1] * p[1] - B[1]]


def rosen_grad(p):
    x, y = p
    return [-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)]


ADAM_HP = {"beta1": 0.8, "beta2": 0.99, "eps": 1e-8, "bias_correction": True}

# (method, hyperparameters given to both sides, learning rate)
CASES = [
    ("gd", {}, 0.05),
    ("momentum", {"beta": 0.8}, 0.05),
    ("nesterov", {"beta": 0.85}, 0.05),
    ("adagrad", {"eps": 1e-10}, 0.3),
    ("adagrad", {"eps": 0.5}, 0.3),
    ("rmsprop", {"rho": 0.9, "eps": 1e-8, "centered": False}, 0.01),
    ("rmsprop", {"rho": 0.9, "eps": 1e-3, "centered": True}, 0.01),
    ("adadelta", {"rho": 0.9, "eps": 1e-6}, 1.0),
    ("adadelta", {"rho": 0.8, "eps": 1e-2}, 0.7),
    ("adam", ADAM_HP, 0.05),
    ("adam", {**ADAM_HP, "bias_correction": False}, 0.05),
    ("adam", {"beta1": 0.9, "beta2": 0.999, "eps": 0.1, "bias_correction": True}, 0.05),
    ("adamw", {**ADAM_HP, "weight_decay": 0.1}, 0.05),
    ("nadam", {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "momentum_decay": 4e-3}, 0.05),
    ("nadam", {"beta1": 0.8, "beta2": 0.95, "eps": 1e-3, "momentum_decay": 0.5}, 0.05),
    ("radam", {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8}, 0.05),
    ("radam", {"beta1": 0.8, "beta2": 0.9, "eps": 1e-3}, 0.05),
    ("lion", {"beta1": 0.9, "beta2": 0.99, "weight_decay": 0.0}, 0.05),
    ("lion", {"beta1": 0.7, "beta2": 0.95, "weight_decay": 0.3}, 0.05),
    ("qhm", {"beta": 0.9, "nu": 0.7}, 0.05),
    ("qhm", {"beta": 0.999, "nu": 0.3}, 0.05),
    ("qhadam", {"beta1": 0.9, "beta2": 0.999, "nu1": 0.7, "nu2": 1.0, "eps": 1e-8}, 0.05),
    ("qhadam", {"beta1": 0.8, "beta2": 0.99, "nu1": 0.6, "nu2": 0.4, "eps": 1e-3}, 0.05),
    ("lookahead", {"inner": ("gd", {}), "k": 3, "alpha": 0.5}, 0.05),
    ("lookahead", {"inner": ("momentum", {"beta": 0.8}), "k": 4, "alpha": 0.3}, 0.05),
    ("lookahead", {"inner": ("adam", ADAM_HP), "k": 5, "alpha": 0.5}, 0.05),
    ("lookahead", {"inner": ("rmsprop", {"rho": 0.9, "eps": 1e-3, "centered": True}), "k": 2, "alpha": 0.8}, 0.01),
    ("lookahead", {"inner": ("nesterov", {"beta": 0.85}), "k": 3, "alpha": 1.0}, 0.05),
    ("lookahead", {"inner": ("lion", {"beta1": 0.9, "beta2": 0.99, "weight_decay": 0.0}), "k": 1, "alpha": 0.5}, 0.05),
]


def _case_id(case) -> str:
    name, hp, _ = case
    if name == "lookahead":
        return f"lookahead[{hp['inner'][0]},k={hp['k']},a={hp['alpha']}]"
    return name + "[" + ",".join(f"{k}={v}" for k, v in hp.items()) + "]"


def test_every_optimizer_has_a_reference_case():
    assert {c[0] for c in CASES} == set(OPTIMIZERS)
    # Lookahead wraps several inner methods, and both RMSProp variants are covered.
    assert len({c[1]["inner"][0] for c in CASES if c[0] == "lookahead"}) >= 4
    assert {c[1]["centered"] for c in CASES if c[0] == "rmsprop"} == {False, True}
    assert {c[1]["bias_correction"] for c in CASES if c[0] == "adam"} == {False, True}


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_step_matches_reference_on_quadratic(case):
    name, hp, lr = case
    steps = 12
    # A changing γ_t checks that each step uses the lr it is given.
    lrs = [lr * (1 - 0.03 * t) for t in range(steps)]
    expected = ref_run(name, hp, QUAD_START, quad_grad, lrs)
    opt = build(name, hp, lr)
    grad_fn = lambda p: np.array(quad_grad(list(p)))  # noqa: E731
    params = np.array(QUAD_START)
    state = opt.init(params)
    for t, (want_theta, want_rec) in enumerate(expected, start=1):
        step = opt.step(params, state, t, lrs[t - 1], grad_fn)
        assert_close(step.params, want_theta, f"{name} θ at step {t}")
        assert set(step.record) == set(want_rec), f"{name} records {sorted(step.record)}, expected {sorted(want_rec)}"
        for q, want in want_rec.items():
            assert_close(step.record[q], want, f"{name} {q} at step {t}")
        params, state = step.params, step.state


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_trajectory_matches_reference_on_rosenbrock(case):
    """On a real surface through run(): positions and every recorded column."""
    name, hp, lr = case
    lr = lr / 50  # Rosenbrock is steep at (−1.2, 1)
    steps = 8
    surface = get_surface("rosenbrock")
    expected = ref_run(name, hp, (-1.2, 1.0), rosen_grad, [lr] * steps)
    traj = run(build(name, hp, lr), surface, steps=steps)
    assert traj.diverged_at is None and traj.steps == steps
    assert_close(traj.positions[0], [-1.2, 1.0], "start")
    assert_close(traj.positions[1:], [e[0] for e in expected], f"{name} positions")
    assert set(traj.quantities) == set(expected[0][1])
    for q in expected[0][1]:
        assert_close(traj.quantities[q][1:], [e[1][q] for e in expected], f"{name} {q}")
        assert_close(traj.quantity(q)[1:], [e[1][q] for e in expected], f"{name} {q}")


# --- initial state and defaults of the spec -----------------------------------


@pytest.mark.parametrize("name", sorted(set(OPTIMIZERS) - {"lookahead"}))
def test_initial_state_is_zero_except_nadam_product(name):
    theta0 = np.array([0.3, -0.7])
    state = make_optimizer(name).init(theta0)
    for key, value in state.items():
        if name == "nadam" and key == "mu_product":
            assert value == 1.0  # Π_0 = 1
        else:
            assert np.shape(value) == (2,) and np.all(np.asarray(value) == 0.0), (name, key)


def test_lookahead_slow_weights_start_at_theta0_and_are_not_aliased():
    theta0 = np.array([0.3, -0.7])
    state = make_optimizer("lookahead", inner="momentum").init(theta0)
    assert np.array_equal(state["slow"], theta0)
    theta0[0] = 99.0
    assert state["slow"][0] == 0.3


SPEC_DEFAULTS = {
    "momentum": {"beta": 0.9},
    "nesterov": {"beta": 0.9},
    "adagrad": {"eps": 1e-10},
    "rmsprop": {"rho": 0.99, "eps": 1e-8, "centered": False},
    "adadelta": {"lr": 1.0, "rho": 0.9, "eps": 1e-6},
    "adam": {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "bias_correction": True},
    "adamw": {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 1e-2},
    "nadam": {"beta1": 0.9, "beta2": 0.999, "momentum_decay": 4e-3},
    "radam": {"beta1": 0.9, "beta2": 0.999},
    "lion": {"beta1": 0.9, "beta2": 0.99, "weight_decay": 0.0},
    "lookahead": {"k": 5, "alpha": 0.5},
    "qhm": {"beta": 0.999, "nu": 0.7},
    "qhadam": {"beta1": 0.9, "beta2": 0.999, "nu1": 0.7, "nu2": 1.0},
}


@pytest.mark.parametrize("name", sorted(SPEC_DEFAULTS))
def test_defaults_follow_the_spec(name):
    opt = make_optimizer(name)
    for key, value in SPEC_DEFAULTS[name].items():
        assert getattr(opt, key) == value and type(getattr(opt, key)) is type(value), (name, key)


# --- facts from optimizers.md -------------------------------------------------


def test_momentum_with_beta_zero_is_gd_exactly():
    surface = get_surface("rosenbrock")
    gd = run(make_optimizer("gd", lr=1e-3), surface, steps=200)
    mom0 = run(make_optimizer("momentum", lr=1e-3, beta=0.0), surface, steps=200)
    mom = run(make_optimizer("momentum", lr=1e-3, beta=0.5), surface, steps=200)
    assert np.array_equal(gd.positions, mom0.positions)
    assert np.array_equal(gd.quantity("delta")[1:], mom0.quantity("delta")[1:])
    assert np.array_equal(-1e-3 * gd.quantity("grad")[1:], mom0.quantity("velocity")[1:])
    assert not np.allclose(gd.positions, mom.positions)


@pytest.mark.parametrize(
    "inner, params",
    [("gd", {"lr": 1e-3}), ("momentum", {"lr": 1e-3}), ("adam", {"lr": 0.02}), ("rmsprop", {"lr": 0.01, "centered": True}), ("lion", {"lr": 0.01})],
)
def test_lookahead_with_alpha_one_is_its_inner_exactly(inner, params):
    surface = get_surface("rosenbrock")
    alone = run(make_optimizer(inner, **params), surface, steps=60)
    wrapped = run(make_optimizer("lookahead", inner=inner, k=3, alpha=1.0, **params), surface, steps=60)
    half = run(make_optimizer("lookahead", inner=inner, k=3, alpha=0.5, **params), surface, steps=60)
    assert np.array_equal(alone.positions, wrapped.positions)
    assert np.array_equal(wrapped.quantity("synced")[1:], [float(t % 3 == 0) for t in range(1, 61)])
    assert not np.allclose(alone.positions, half.positions)


def test_adamw_with_zero_decay_is_adam_exactly():
    surface = get_surface("beale")
    adam = run(make_optimizer("adam", lr=0.05), surface, steps=150)
    adamw0 = run(make_optimizer("adamw", lr=0.05, weight_decay=0.0), surface, steps=150)
    adamw = run(make_optimizer("adamw", lr=0.05, weight_decay=0.1), surface, steps=150)
    assert np.array_equal(adam.positions, adamw0.positions)
    for q in ("m", "v", "m_hat", "v_hat"):
        assert np.array_equal(adam.quantity(q)[1:], adamw0.quantity(q)[1:])
    assert not np.allclose(adam.positions, adamw.positions)


FIRST_POINTS = [(0.7, -1.3), (-1.9, 2.5), (1e-3, 4.0), (-50.0, 1e-4)]


@pytest.mark.parametrize("start", FIRST_POINTS)
@pytest.mark.parametrize(
    "name, params, factor",
    [
        ("adagrad", {"eps": 0.0}, 1.0),
        ("adagrad", {"eps": 1e-300}, 1.0),
        ("adam", {"eps": 0.0}, 1.0),
        ("adam", {"eps": 0.0, "beta1": 0.5, "beta2": 0.9}, 1.0),
        ("rmsprop", {"eps": 0.0}, 10.0),  # γ/√(1−ρ), 10γ at ρ = 0.99
        ("rmsprop", {"eps": 0.0, "rho": 0.75}, 2.0),
        ("lion", {}, 1.0),
    ],
)
def test_first_step_per_coordinate(name, params, factor, start):
    lr = 0.01
    opt = make_optimizer(name, lr=lr, **params)
    theta = np.array(start)
    g = np.array(quad_grad(list(start))) * np.array([1.0, 1e-6])  # magnitudes must not matter
    step = opt.step(theta, opt.init(theta), 1, lr, lambda p: g)
    assert_close(step.record["delta"], factor * lr * -np.sign(g), f"{name} first step")


def test_first_adam_step_with_default_eps_is_lr_sign():
    opt = make_optimizer("adam", lr=0.1)
    theta = np.array([1.0, 2.0])
    step = opt.step(theta, opt.init(theta), 1, 0.1, lambda p: np.array([3.0, -0.25]))
    np.testing.assert_allclose(step.record["delta"], [-0.1, 0.1], rtol=1e-7)


def test_radam_first_five_steps_are_lr_times_m_hat_then_rectified():
    lr = 0.01
    opt = make_optimizer("radam", lr=lr, eps=0.0)
    theta = np.array([0.7, -1.3])
    state = opt.init(theta)
    for t in range(1, 9):
        step = opt.step(theta, state, t, lr, lambda p: np.array(quad_grad(list(p))))
        # ρ_t from its definition, at β2 = 0.999 (ρ∞ = 1999)
        rho_t = 1999 - 2 * t * 0.999**t / (1 - 0.999**t)
        assert step.record["rho_t"] == pytest.approx(rho_t, abs=1e-9)
        if t <= 5:
            assert rho_t <= 5 and step.record["rect"] == 0.0
            assert_close(step.record["delta"], -lr * step.record["m_hat"], f"step {t}")
        else:
            assert rho_t > 5 and 0 < step.record["rect"] < 1
            assert not np.allclose(step.record["delta"], -lr * step.record["m_hat"], rtol=1e-3)
        theta, state = step.params, step.state


@pytest.mark.parametrize("surface_name", ["rosenbrock", "himmelblau", "saddle"])
def test_lion_moves_exactly_lr_on_every_coordinate(surface_name):
    lr = 0.003
    traj = run(make_optimizer("lion", lr=lr), get_surface(surface_name), steps=100)
    assert traj.steps == 100
    np.testing.assert_allclose(np.abs(np.diff(traj.positions, axis=0)), lr, rtol=1e-12)
    # with weight decay the step is no longer γ per coordinate
    decayed = run(make_optimizer("lion", lr=lr, weight_decay=0.5), get_surface(surface_name), steps=10)
    assert not np.allclose(np.abs(np.diff(decayed.positions, axis=0)), lr, rtol=1e-6)


def _scaled(surface: Surface, k: float) -> Surface:
    """k·f as a surface: same range and start, value and gradient times k."""
    return dataclasses.replace(
        surface,
        name=f"{k:g}x-{surface.name}",
        _value=lambda *c: k * surface._value(*c),
        _gradient=lambda *c: tuple(k * np.asarray(g) for g in surface._gradient(*c)),
    )


@pytest.mark.parametrize("surface_name", ["himmelblau", "elliptic-bowl", "booth"])
@pytest.mark.parametrize(
    "name, params",
    [("adagrad", {"lr": 0.2, "eps": 0.0}), ("rmsprop", {"lr": 0.02, "eps": 0.0}), ("adam", {"lr": 0.05, "eps": 0.0}),
     ("rmsprop", {"lr": 0.02, "eps": 0.0, "centered": True})],
)
def test_eps_zero_adaptive_methods_are_scale_invariant(name, params, surface_name):
    f = get_surface(surface_name)
    f7 = _scaled(f, 7.0)
    start = f.default_start
    # the scaled surface really is 7·f
    assert float(f7.value(start)) == pytest.approx(7 * float(f.value(start)), rel=1e-14)
    a = run(make_optimizer(name, **params), f, steps=60)
    b = run(make_optimizer(name, **params), f7, steps=60)
    assert a.diverged_at is None and b.diverged_at is None
    np.testing.assert_allclose(b.positions, a.positions, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(b.losses, 7 * a.losses, rtol=1e-8, atol=1e-12)


def test_gd_is_not_scale_invariant():
    f = get_surface("elliptic-bowl")
    a = run(make_optimizer("gd", lr=0.05), f, steps=60)
    b = run(make_optimizer("gd", lr=0.05), _scaled(f, 7.0), steps=60)
    # on 7·f plain GD takes 7 times the first step
    assert_close(b.quantity("delta")[1], 7 * a.quantity("delta")[1], "first GD step on 7f")
    assert np.max(np.abs(a.positions - b.positions)) > 0.1


def test_gd_on_booth_converges_below_2_over_L_and_diverges_above():
    booth = get_surface("booth")
    ok = run(make_optimizer("gd", lr=0.11), booth, steps=2000)
    assert ok.diverged_at is None
    np.testing.assert_allclose(ok.final, [1.0, 3.0], atol=1e-9)
    assert ok.final_loss < 1e-15
    bad = run(make_optimizer("gd", lr=0.1112), booth, steps=6000)
    assert bad.diverged_at is not None and bad.diverged
    # the 18-curvature direction (1, 1) grows by |1 − 18γ| = 1.0016 per step
    e = (bad.positions - [1.0, 3.0]) @ np.array([1.0, 1.0])
    np.testing.assert_allclose(np.abs(e[2001] / e[2000]), 1.0016, rtol=1e-6)
    assert bad.losses[-1] > 1e4 * bad.losses[0]


def _diag_quadratic(l1: float, l2: float) -> Surface:
    return Surface(
        "eig", "diag quadratic", "½(l1 x² + l2 y²)", ("x", "y"), ((-2.0, 2.0), (-2.0, 2.0)), (1.0, 1.0),
        lambda x, y: 0.5 * (l1 * x**2 + l2 * y**2), lambda x, y: (l1 * x, l2 * y), minima=((0.0, 0.0),),
    )


def test_heavy_ball_optimal_rate_on_eigenvalues_1_and_100():
    kappa = 100.0
    lr = (2 / (1 + math.sqrt(kappa))) ** 2
    beta = ((math.sqrt(kappa) - 1) / (math.sqrt(kappa) + 1)) ** 2
    assert lr == pytest.approx(0.033058, abs=1e-6) and beta == pytest.approx(0.669421, abs=1e-6)
    surface = _diag_quadratic(1.0, 100.0)
    traj = run(make_optimizer("momentum", lr=lr, beta=beta), surface, steps=2000)
    assert traj.diverged_at is None
    norms = np.max(np.abs(traj.positions), axis=1)  # (squares would underflow)
    # both modes have a double root 9/11, so ‖θ_t‖ ~ t·(9/11)^t: divide out the t
    n1, n2 = 500, 1500
    rate = ((norms[n2] / n2) / (norms[n1] / n1)) ** (1 / (n2 - n1))
    assert rate == pytest.approx(9 / 11, rel=1e-3)
    # much faster than the best plain GD, whose rate is (κ−1)/(κ+1) = 99/101
    gd = run(make_optimizer("gd", lr=2 / 101), surface, steps=2000)
    gd_norms = np.max(np.abs(gd.positions), axis=1)
    gd_rate = (gd_norms[n2] / gd_norms[n1]) ** (1 / (n2 - n1))
    assert gd_rate == pytest.approx(99 / 101, rel=1e-6)


def test_ravine_learning_rates():
    ravine = get_surface("ravine")
    conv = run(make_optimizer("gd", lr=0.4), ravine, steps=400)
    assert conv.diverged_at is None
    np.testing.assert_allclose(conv.final, [0.0, 0.0], atol=1e-6)
    # y is multiplied by 1 − 0.4·4 = −0.6 each step
    np.testing.assert_allclose(conv.positions[1:6, 1], -2.0 * (-0.6) ** np.arange(1, 6), rtol=1e-12)

    osc = run(make_optimizer("gd", lr=0.5), ravine, steps=400)
    assert osc.diverged_at is None
    y = osc.positions[:, 1]
    np.testing.assert_allclose(y, -2.0 * (-1.0) ** np.arange(401), rtol=1e-12)  # bounces, constant amplitude
    assert abs(osc.final[0]) < 1e-10  # while x (factor 0.9) converges

    div = run(make_optimizer("gd", lr=0.6), ravine, steps=400)
    assert div.diverged_at is not None
    ys = div.positions[:, 1]
    np.testing.assert_allclose(ys[1:] / ys[:-1], -1.4, rtol=1e-12)  # 1 − 0.6·4


def test_momentum_matches_pytorch_form_with_constant_lr():
    """v_t = −γ b_t with b_t = β b_{t−1} + g_t (PyTorch SGD, dampening 0)."""
    lr, beta = 1e-3, 0.9
    traj = run(make_optimizer("momentum", lr=lr, beta=beta), get_surface("rosenbrock"), steps=40)
    theta, b = [-1.2, 1.0], [0.0, 0.0]
    for t in range(1, 41):
        g = rosen_grad(theta)
        b = [beta * b[i] + g[i] if t > 1 else g[i] for i in range(2)]
        theta = [theta[i] - lr * b[i] for i in range(2)]
        assert_close(traj.positions[t], theta, f"step {t}", rtol=1e-11)
        assert_close(traj.quantity("velocity")[t], [-lr * bi for bi in b], f"velocity {t}", rtol=1e-11)


def test_nesterov_look_ahead_points_are_pytorch_iterates():
    """PyTorch nesterov=True: b_t = β b_{t−1} + g(p), p −= γ (g + β b_t); its p are our look-ahead points."""
    lr, beta = 1e-3, 0.9
    traj = run(make_optimizer("nesterov", lr=lr, beta=beta), get_surface("rosenbrock"), steps=30)
    look = traj.quantity("look_ahead")
    p, b = [-1.2, 1.0], [0.0, 0.0]
    for t in range(1, 30):
        g = rosen_grad(p)
        b = [beta * b[i] + g[i] if t > 1 else g[i] for i in range(2)]
        p = [p[i] - lr * (g[i] + beta * b[i]) for i in range(2)]
        assert_close(look[t + 1], p, f"look-ahead at step {t + 1}", rtol=1e-11)


def test_lookahead_k_counts_fast_steps_and_inner_state_carries_over():
    opt = make_optimizer("lookahead", inner="adam", k=4, alpha=0.5, lr=0.05)
    traj = run(opt, get_surface("himmelblau"), start=(1.0, 1.0), steps=12)
    synced = traj.quantity("synced")[1:]
    assert list(synced) == [0, 0, 0, 1] * 3
    slow = traj.quantity("slow")
    assert np.array_equal(slow[0], [1.0, 1.0])
    for t in (4, 8, 12):
        assert np.array_equal(traj.positions[t], slow[t])  # θ reset to φ
        assert not np.array_equal(slow[t], slow[t - 1])
    for t in (1, 2, 3, 5, 6, 7):
        assert np.array_equal(slow[t], slow[t - 1])
    # inner Adam state is not reset at a sync: m keeps its history
    m = traj.quantity("m")
    g5 = traj.quantity("grad")[5]
    assert_close(m[5], 0.9 * m[4] + 0.1 * g5, "m after a sync")


# --- published worked examples (curriculum.md B and H) ------------------------


def test_adam_linear_regression_worked_example():
    traj = run(make_optimizer("adam", lr=0.1), get_surface("linear-regression"), steps=100)
    np.testing.assert_allclose(traj.positions[0], [-0.35399391, -1.37495129], atol=1e-8)
    assert traj.steps == 100 and traj.diverged_at is None
    np.testing.assert_allclose(traj.final, [4.1675, 3.1022], atol=6e-5)
    assert traj.final_loss == pytest.approx(1.0035, abs=6e-5)


def test_gd_quadratic_fit_worked_example():
    traj = run(make_optimizer("gd", lr=0.001), get_surface("quadratic-fit"), start=(0, 0, 0), steps=20)
    assert traj.losses[0] == pytest.approx(195.8, rel=1e-12)  # mean of 1, 16, 81, 256, 625
    np.testing.assert_allclose(traj.positions[1], [0.022, 0.090, 0.3916], rtol=1e-12)
    np.testing.assert_allclose(traj.positions[2], [0.0348, 0.1426, 0.6213], atol=6e-5)
    np.testing.assert_allclose(traj.positions[20], [0.049, 0.212, 0.948], atol=6e-4)
    np.testing.assert_allclose(traj.quantity("grad")[1], [-22.0, -90.0, -391.6], rtol=1e-12)


# --- bad input ----------------------------------------------------------------


@pytest.mark.parametrize(
    "name, near",
    [("adma", "adam"), ("nesterow", "nesterov"), ("rmsprob", "rmsprop"), ("Adam", "adam"), ("look-ahead", "lookahead")],
)
def test_unknown_optimizer_suggests_close_names(name, near):
    with pytest.raises(InputError, match=f"'{near}'") as err:
        make_optimizer(name)
    assert repr(name) in str(err.value) and "optimizer" in str(err.value)


def test_unknown_optimizer_without_close_name_lists_all():
    with pytest.raises(InputError) as err:
        make_optimizer("zzzz")
    for name in OPTIMIZERS:
        assert name in str(err.value)


@pytest.mark.parametrize("name", [None, 3, ["adam"]])
def test_optimizer_name_that_is_not_text(name):
    with pytest.raises(InputError, match="unknown optimizer"):
        make_optimizer(name)


@pytest.mark.parametrize(
    "name, params, fragments",
    [
        ("adam", {"beta3": 0.9}, ["'beta3'", "'beta1'", "'beta2'"]),
        ("gd", {"momentum": 0.9}, ["'momentum'", "lr"]),
        ("rmsprop", {"center": True}, ["'center'", "'centered'"]),
        ("lookahead", {"inner": "adam", "kk": 3}, ["'kk'"]),
    ],
)
def test_unknown_parameter(name, params, fragments):
    with pytest.raises(InputError) as err:
        make_optimizer(name, **params)
    for f in fragments:
        assert f in str(err.value)


NAN, INF = float("nan"), float("inf")


@pytest.mark.parametrize(
    "name, params, fragments",
    [
        ("gd", {"lr": 0.0}, ["lr", "(0, inf)"]),
        ("gd", {"lr": -0.1}, ["lr", "(0, inf)"]),
        ("adam", {"lr": NAN}, ["lr", "(0, inf)", "finite"]),
        ("adam", {"lr": INF}, ["lr", "(0, inf)"]),
        ("adam", {"lr": -INF}, ["lr", "(0, inf)"]),
        ("adam", {"lr": "nan"}, ["lr", "(0, inf)"]),
        ("adam", {"lr": "inf"}, ["lr", "(0, inf)"]),
        ("adam", {"lr": "fast"}, ["lr", "number"]),
        ("adam", {"lr": True}, ["lr", "number"]),
        ("adam", {"lr": None}, ["lr", "number"]),
        ("adam", {"beta1": 1.0}, ["beta1", "[0, 1)"]),
        ("adam", {"beta1": -0.1}, ["beta1", "[0, 1)"]),
        ("adam", {"beta2": 1.5}, ["beta2", "[0, 1)"]),
        ("adam", {"beta2": NAN}, ["beta2", "[0, 1)"]),
        ("adam", {"eps": -1e-8}, ["eps", "[0, inf)"]),
        ("adagrad", {"eps": -1.0}, ["eps", "[0, inf)"]),
        ("rmsprop", {"rho": 1.0}, ["rho", "[0, 1)"]),
        ("rmsprop", {"eps": -1e-8}, ["eps", "[0, inf)"]),
        ("adadelta", {"rho": 1.2}, ["rho", "[0, 1)"]),
        ("adadelta", {"lr": 0}, ["lr", "(0, inf)"]),
        ("momentum", {"beta": 1.01}, ["beta", "[0, 1]"]),
        ("momentum", {"beta": -0.5}, ["beta", "[0, 1]"]),
        ("nesterov", {"beta": 2}, ["beta", "[0, 1]"]),
        ("adamw", {"weight_decay": -0.01}, ["weight_decay", "[0, inf)"]),
        ("nadam", {"momentum_decay": -1}, ["momentum_decay", "[0, inf)"]),
        ("nadam", {"beta1": 1}, ["beta1", "[0, 1)"]),
        ("radam", {"beta2": 1.0}, ["beta2", "[0, 1)"]),
        ("lion", {"beta1": 1.1}, ["beta1", "[0, 1]"]),
        ("lion", {"beta2": -0.1}, ["beta2", "[0, 1]"]),
        ("lion", {"weight_decay": -1}, ["weight_decay", "[0, inf)"]),
        ("qhm", {"nu": 1.5}, ["nu", "[0, 1]"]),
        ("qhm", {"beta": 1.0}, ["beta", "[0, 1)"]),
        ("qhadam", {"nu1": -0.1}, ["nu1", "[0, 1]"]),
        ("qhadam", {"nu2": 2.0}, ["nu2", "[0, 1]"]),
        ("qhadam", {"eps": -1e-3}, ["eps", "[0, inf)"]),
        ("lookahead", {"k": 0}, ["k", "[1, inf)"]),
        ("lookahead", {"k": -3}, ["k", "[1, inf)"]),
        ("lookahead", {"k": 2.5}, ["k", "whole", "[1, inf)"]),
        ("lookahead", {"k": "2.5"}, ["k", "whole"]),
        ("lookahead", {"k": INF}, ["k", "[1, inf)"]),
        ("lookahead", {"alpha": 0.0}, ["alpha", "(0, 1]"]),
        ("lookahead", {"alpha": 1.5}, ["alpha", "(0, 1]"]),
        ("lookahead", {"inner": "momentum", "beta": 3}, ["beta", "[0, 1]"]),
        ("lookahead", {"inner": "adam", "lr": -1}, ["lr", "(0, inf)"]),
        ("rmsprop", {"centered": 1}, ["centered", "true or false"]),
        ("rmsprop", {"centered": "maybe"}, ["centered", "true or false"]),
        ("adam", {"bias_correction": 0.0}, ["bias_correction", "true or false"]),
        ("adam", {"bias_correction": None}, ["bias_correction", "true or false"]),
    ],
)
def test_out_of_range_and_malformed_values(name, params, fragments):
    with pytest.raises(InputError) as err:
        make_optimizer(name, **params)
    msg = str(err.value)
    assert "\n" not in msg
    for f in fragments:
        assert f in msg, (msg, f)


@pytest.mark.parametrize(
    "cls, params",
    [(Adam, {"lr": -1.0}), (Adam, {"beta1": 1.0}), (Adam, {"bias_correction": "yes"}), (Lookahead, {"k": 0})],
)
def test_constructors_validate_too(cls, params):
    with pytest.raises(InputError):
        cls(**params)


@pytest.mark.parametrize("inner", ["lookahead", "adma", "nope"])
def test_lookahead_inner_must_be_another_optimizer(inner):
    with pytest.raises(InputError, match="inner|optimizer"):
        make_optimizer("lookahead", inner=inner)


def test_lookahead_class_rejects_bad_inner():
    with pytest.raises(InputError, match="inner"):
        Lookahead(inner="adam")
    with pytest.raises(InputError, match="inner"):
        Lookahead(inner=Lookahead())


@pytest.mark.parametrize(
    "name, params, expected",
    [
        ("adam", {"lr": "0.1", "beta1": "0.9", "beta2": " 0.95 ", "eps": "1e-6"}, {"lr": 0.1, "beta1": 0.9, "beta2": 0.95, "eps": 1e-6}),
        ("adam", {"bias_correction": "false"}, {"bias_correction": False}),
        ("adam", {"bias_correction": "TRUE"}, {"bias_correction": True}),
        ("rmsprop", {"centered": "true"}, {"centered": True}),
        ("rmsprop", {"centered": "yes"}, {"centered": True}),
        ("rmsprop", {"centered": "off"}, {"centered": False}),
        ("rmsprop", {"centered": "0"}, {"centered": False}),
        ("momentum", {"beta": "0", "lr": "2"}, {"beta": 0.0, "lr": 2.0}),
        ("lookahead", {"k": "3", "alpha": "0.8"}, {"k": 3, "alpha": 0.8}),
        ("lookahead", {"k": "4.0"}, {"k": 4}),
    ],
)
def test_text_values_are_coerced(name, params, expected):
    opt = make_optimizer(name, **params)
    for key, value in expected.items():
        got = getattr(opt, key)
        assert got == value and type(got) is type(value), (key, got)


def test_lookahead_passes_other_parameters_to_its_inner_method():
    opt = make_optimizer("lookahead", inner="momentum", k="3", alpha="0.25", beta="0.5", lr="0.01")
    assert isinstance(opt, Lookahead)
    assert (opt.k, opt.alpha) == (3, 0.25)
    assert opt.inner.name == "momentum" and (opt.inner.beta, opt.inner.lr) == (0.5, 0.01)
    assert opt.base_lr == 0.01
    assert make_optimizer("lookahead").inner.name == "adam"


@pytest.mark.parametrize("bias_correction", [True, False])
def test_adam_records_its_stride_and_corrections_as_the_rule_uses_them(bias_correction):
    """Scenes read these instead of recomputing them: step = −γ·stride, m̂ = m·m_correction, v̂ = v·v_correction."""
    b1, b2 = 0.8, 0.95
    traj = run(make_optimizer("adam", lr=0.05, beta1=b1, beta2=b2, eps=1e-3, bias_correction=bias_correction), get_surface("ravine"), None, 6)
    q = traj.quantity
    for t in range(1, 7):
        assert_close(q("delta")[t], -0.05 * q("stride")[t], f"step {t}")
        assert_close(q("stride")[t], q("m_hat")[t] / (np.sqrt(q("v_hat")[t]) + 1e-3), f"stride {t}")
        want = (1 / (1 - b1**t), 1 / (1 - b2**t)) if bias_correction else (1.0, 1.0)
        assert (q("m_correction")[t], q("v_correction")[t]) == pytest.approx(want, rel=1e-15)
        assert_close(q("m_hat")[t], q("m")[t] * want[0], f"m_hat {t}")
        assert_close(q("v_hat")[t], q("v")[t] * want[1], f"v_hat {t}")
