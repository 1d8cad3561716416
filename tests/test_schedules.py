"""Learning-rate schedules: their factors, parsing, errors, and their effect on a run.

Expected factors are written from each schedule's formula (γ_t = γ·factor(t),
t from 1; step decay and cosine follow PyTorch's StepLR and
CosineAnnealingLR with epoch e = t − 1), never read back from the code.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from gdexplain.core.errors import InputError
from gdexplain.core.optimizers import make_optimizer
from gdexplain.core.schedules import (
    SCHEDULES,
    Constant,
    Cosine,
    Exponential,
    InverseSqrt,
    StepDecay,
    Warmup,
    make_schedule,
    parse_schedule,
)
from gdexplain.core.surfaces import get_surface
from gdexplain.core.trajectory import run

T = range(1, 61)


def factors(schedule, ts=T):
    return np.array([schedule.factor(t) for t in ts])


def cosine_formula(t: int, n: int, floor: float) -> float:
    e = min(t - 1, n)
    return floor + (1 - floor) * (1 + math.cos(math.pi * e / n)) / 2


# --- factor values ------------------------------------------------------------


def test_constant_is_one():
    assert np.array_equal(factors(Constant()), np.ones(len(T)))


def test_step_decay_drops_every_n_steps():
    s = make_schedule("step", every=3, gamma=0.5)
    assert list(factors(s, range(1, 11))) == [1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.125]
    s = make_schedule("step", every=1, gamma=0.9)
    np.testing.assert_allclose(factors(s), [0.9 ** (t - 1) for t in T], rtol=1e-14)


@pytest.mark.parametrize("gamma", [0.5, 0.95, 1.0])
def test_exponential(gamma):
    s = make_schedule("exponential", gamma=gamma)
    assert s.factor(1) == 1.0
    np.testing.assert_allclose(factors(s), [gamma ** (t - 1) for t in T], rtol=1e-14)


@pytest.mark.parametrize("n, floor", [(10, 0.0), (20, 0.1), (7, 0.5), (1, 0.0)])
def test_cosine_with_a_length(n, floor):
    s = make_schedule("cosine", steps=n, floor=floor)
    np.testing.assert_allclose(factors(s), [cosine_formula(t, n, floor) for t in T], rtol=1e-14, atol=1e-15)
    assert s.factor(1) == 1.0
    assert s.factor(n + 1) == pytest.approx(floor, abs=1e-15)
    assert s.factor(n + 30) == pytest.approx(floor, abs=1e-15)  # stays at the floor
    if n % 2 == 0:
        assert s.factor(n // 2 + 1) == pytest.approx((1 + floor) / 2, rel=1e-14)
    assert np.all(np.diff(factors(s, range(1, n + 2))) < 0)


@pytest.mark.parametrize("run_steps", [1, 5, 40])
def test_cosine_for_run_fills_its_length(run_steps):
    open_cosine = make_schedule("cosine", floor=0.2)
    filled = open_cosine.for_run(run_steps)
    assert filled.steps == run_steps and filled.floor == 0.2
    np.testing.assert_allclose(
        factors(filled, range(1, run_steps + 2)),
        [cosine_formula(t, run_steps, 0.2) for t in range(1, run_steps + 2)],
        rtol=1e-14,
    )
    # a cosine with its own length keeps it
    assert make_schedule("cosine", steps=12).for_run(run_steps).steps == 12
    # schedules without an open length are unchanged
    for s in (Constant(), StepDecay(every=3, gamma=0.5), Exponential(gamma=0.9), InverseSqrt()):
        assert s.for_run(run_steps) == s


def test_inverse_sqrt():
    s = make_schedule("inverse-sqrt")
    np.testing.assert_allclose(factors(s), [1 / math.sqrt(t) for t in T], rtol=1e-15)
    assert (s.factor(1), s.factor(4), s.factor(100)) == (1.0, 0.5, 0.1)


def test_warmup_then_constant_and_then_cosine():
    w = make_schedule("warmup", steps=4)
    assert list(factors(w, range(1, 9))) == [0.25, 0.5, 0.75, 1.0, 1.0, 1.0, 1.0, 1.0]

    wc = make_schedule("warmup", steps=4, then="cosine").for_run(24)
    assert isinstance(wc.then, Cosine) and wc.then.steps == 20  # the run's steps after warm-up
    expected = [t / 4 for t in range(1, 5)] + [cosine_formula(t - 4, 20, 0.0) for t in range(5, 29)]
    np.testing.assert_allclose(factors(wc, range(1, 29)), expected, rtol=1e-14, atol=1e-15)
    assert wc.factor(5) == 1.0 and wc.factor(25) == pytest.approx(0.0, abs=1e-15)


def test_warmup_then_step_counts_from_the_end_of_warmup():
    w = parse_schedule("warmup:steps=2,then=step")
    inner = w.then
    assert isinstance(inner, StepDecay)
    for t in range(3, 80):
        assert w.factor(t) == inner.gamma ** ((t - 2 - 1) // inner.every)


def test_warmup_longer_than_the_run_still_gives_a_valid_then():
    wc = make_schedule("warmup", steps=10, then="cosine").for_run(5)
    assert wc.then.steps >= 1
    assert [wc.factor(t) for t in range(1, 6)] == [t / 10 for t in range(1, 6)]


# --- parsing ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("constant", Constant()),
        ("step:every=30,gamma=0.5", StepDecay(every=30, gamma=0.5)),
        ("  step : every = 30 , gamma = 0.5 ", StepDecay(every=30, gamma=0.5)),
        ("step:every=4,", StepDecay(every=4)),
        ("exponential:gamma=0.9", Exponential(gamma=0.9)),
        ("cosine", Cosine()),
        ("cosine:steps=50,floor=0.1", Cosine(steps=50, floor=0.1)),
        ("inverse-sqrt", InverseSqrt()),
        ("warmup:steps=5,then=cosine", Warmup(steps=5, then=Cosine())),
        ("warmup:then=exponential", Warmup(then=Exponential())),
        ("warmup", Warmup(then=Constant())),
    ],
)
def test_parse_schedule(text, expected):
    s = parse_schedule(text)
    assert s == expected and type(s) is type(expected)


def test_parsed_numbers_have_the_right_types():
    s = parse_schedule("step:every=30,gamma=0.5")
    assert type(s.every) is int and type(s.gamma) is float
    c = parse_schedule("cosine:steps=50.0")
    assert c.steps == 50 and type(c.steps) is int


def test_make_schedule_accepts_numbers_and_text():
    assert make_schedule("step", every="3", gamma="0.5") == make_schedule("step", every=3, gamma=0.5)
    assert make_schedule("warmup", steps="5", then="cosine") == Warmup(steps=5, then=Cosine())
    assert set(SCHEDULES) == {"constant", "step", "exponential", "cosine", "inverse-sqrt", "warmup"}


@pytest.mark.parametrize(
    "text, fragments",
    [
        ("cosin", ["unknown schedule", "'cosine'"]),
        ("exponentail", ["unknown schedule", "'exponential'"]),
        ("inverse_sqrt", ["'inverse-sqrt'"]),
        ("", ["unknown schedule"]),
        ("linear", ["unknown schedule"]),
        ("step:evry=3", ["'evry'", "'every'"]),
        ("step:gama=0.5", ["'gama'", "'gamma'"]),
        ("constant:gamma=0.5", ["'gamma'"]),
        ("inverse-sqrt:steps=3", ["'steps'"]),
        ("warmup:step=3", ["'step'", "'steps'"]),
        ("step:gamma=0", ["gamma", "(0, 1]"]),
        ("step:gamma=1.5", ["gamma", "(0, 1]"]),
        ("step:gamma=-0.5", ["gamma", "(0, 1]"]),
        ("step:gamma=nan", ["gamma", "(0, 1]"]),
        ("step:gamma=half", ["gamma", "number"]),
        ("exponential:gamma=0", ["gamma", "(0, 1]"]),
        ("exponential:gamma=1.01", ["gamma", "(0, 1]"]),
        ("step:every=0", ["every", "[1, inf)"]),
        ("step:every=2.5", ["every", "whole"]),
        ("step:every=inf", ["every", "[1, inf)"]),
        ("cosine:floor=2", ["floor", "[0, 1]"]),
        ("cosine:floor=-0.1", ["floor", "[0, 1]"]),
        ("cosine:steps=-1", ["steps", "[0, inf)"]),
        ("warmup:steps=0", ["steps", "[1, inf)"]),
        ("warmup:then=warmup", ["then"]),
        ("warmup:then=cosin", ["'cosine'"]),
        ("step:every", ["key=value"]),
        ("step:every=3,0.5", ["key=value"]),
        ("cosine:0.1", ["key=value"]),
    ],
)
def test_bad_schedules(text, fragments):
    with pytest.raises(InputError) as err:
        parse_schedule(text)
    msg = str(err.value)
    assert "\n" not in msg
    for f in fragments:
        assert f in msg, (msg, f)


@pytest.mark.parametrize("text", [None, 3, ["cosine"]])
def test_schedule_that_is_not_text(text):
    with pytest.raises(InputError, match="schedule"):
        parse_schedule(text)
    with pytest.raises(InputError, match="unknown schedule"):
        make_schedule(text)


@pytest.mark.parametrize(
    "name, params",
    [("nope", {}), ("step", {"gamma": 0.0}), ("step", {"every": True}), ("cosine", {"floor": float("inf")}),
     ("warmup", {"then": "warmup"}), ("exponential", {"rate": 0.5})],
)
def test_make_schedule_bad_input(name, params):
    with pytest.raises(InputError):
        make_schedule(name, **params)


@pytest.mark.parametrize(
    "cls, params", [(StepDecay, {"gamma": 0.0}), (StepDecay, {"every": 0}), (Exponential, {"gamma": 2.0}), (Cosine, {"floor": -1.0}), (Warmup, {"steps": 0})]
)
def test_schedule_constructors_validate(cls, params):
    with pytest.raises(InputError):
        cls(**params)


# --- schedules in a trajectory ------------------------------------------------


def test_exponential_schedule_changes_the_recorded_lr_and_the_path():
    ravine = get_surface("ravine")
    base = 0.2
    traj = run(make_optimizer("gd", lr=base), ravine, steps=12, schedule=parse_schedule("exponential:gamma=0.5"))
    lrs = [base * 0.5 ** (t - 1) for t in range(1, 13)]
    lr_col = traj.quantity("lr")
    assert np.isnan(lr_col[0])
    np.testing.assert_allclose(lr_col[1:], lrs, rtol=1e-14)
    # GD on 0.1x² + 2y² with γ_t: x ← x(1 − 0.2γ_t), y ← y(1 − 4γ_t)
    x, y = -5.0, -2.0
    for t, lr in enumerate(lrs, start=1):
        x, y = x - lr * 0.2 * x, y - lr * 4 * y
        np.testing.assert_allclose(traj.positions[t], [x, y], rtol=1e-12)
    # and it is not the constant-lr path
    constant = run(make_optimizer("gd", lr=base), ravine, steps=12)
    assert not np.allclose(constant.positions, traj.positions)


def test_open_cosine_is_filled_with_the_runs_length():
    base, n = 0.05, 20
    traj = run(make_optimizer("gd", lr=base), get_surface("booth"), steps=n, schedule=parse_schedule("cosine"))
    assert traj.schedule.steps == n
    np.testing.assert_allclose(traj.quantity("lr")[1:], [base * cosine_formula(t, n, 0.0) for t in range(1, n + 1)], rtol=1e-14)


def test_momentum_with_a_schedule_keeps_the_velocity_form():
    """optimizers.md: with a schedule, keep v_t = β v_{t−1} − γ_t g_t."""
    base, beta = 0.05, 0.8
    traj = run(make_optimizer("momentum", lr=base, beta=beta), get_surface("ravine"), steps=15,
               schedule=parse_schedule("step:every=5,gamma=0.5"))
    theta, v = np.array([-5.0, -2.0]), np.zeros(2)
    for t in range(1, 16):
        lr = base * 0.5 ** ((t - 1) // 5)
        g = np.array([0.2 * theta[0], 4 * theta[1]])
        v = beta * v - lr * g
        theta = theta + v
        assert traj.quantity("lr")[t] == pytest.approx(lr, rel=1e-15)
        np.testing.assert_allclose(traj.quantity("velocity")[t], v, rtol=1e-12)
        np.testing.assert_allclose(traj.positions[t], theta, rtol=1e-12)


def test_warmup_schedule_in_a_lookahead_run_scales_the_inner_lr():
    base = 0.1
    opt = make_optimizer("lookahead", inner="gd", lr=base, k=2, alpha=0.5)
    traj = run(opt, get_surface("global-minimum"), steps=8, schedule=parse_schedule("warmup:steps=4"))
    np.testing.assert_allclose(traj.quantity("lr")[1:], [base * min(t / 4, 1.0) for t in range(1, 9)], rtol=1e-15)
    # first step: plain GD on x² + y² with γ_1 = 0.025 from (1.5, 1.5)
    np.testing.assert_allclose(traj.positions[1], [1.5 * (1 - 2 * 0.025)] * 2, rtol=1e-14)
