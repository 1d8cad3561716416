"""The parts of an update scenes draw (gdexplain.core.parts) add up to what the update rules recorded."""

from __future__ import annotations

import numpy as np
import pytest

from gdexplain.core.analysis import effective_rate

from gdexplain.core.errors import InputError
from gdexplain.core.optimizers import make_optimizer
from gdexplain.core.parts import (
    accumulator,
    accumulator_parts,
    first_step_gain,
    momentum_parts,
    step_over_rate,
)
from gdexplain.core.surfaces import get_surface
from gdexplain.core.trajectory import run
from traced import trace_csv


def _run(name, steps=12, surface="ravine", start=(-5.0, -2.0), **params):
    return run(make_optimizer(name, **params), get_surface(surface), start, steps)


@pytest.mark.parametrize("name", ["momentum", "nesterov"])
def test_momentum_parts_add_up_to_the_recorded_velocity_and_landing(name):
    traj = _run(name, lr=0.1, beta=0.8)
    rows = trace_csv("ravine", name, 0.1, 12, (-5.0, -2.0), beta=0.8)
    for t in range(1, traj.steps + 1):
        p = momentum_parts(traj, t)
        before, now = rows[t - 1], rows[t]
        np.testing.assert_allclose(p.decayed, 0.8 * np.array([before["velocity_x"], before["velocity_y"]]), atol=1e-12)
        np.testing.assert_allclose(p.added, -0.1 * np.array([now["g_x"], now["g_y"]]), atol=1e-12)
        np.testing.assert_allclose(p.velocity, [now["velocity_x"], now["velocity_y"]], atol=1e-12)
        np.testing.assert_allclose(p.landing, [now["x"], now["y"]], atol=1e-12)


def test_nesterov_at_ball_takes_the_gradient_where_the_ball_stands():
    traj = _run("nesterov", lr=0.1, beta=0.8)
    p = momentum_parts(traj, 3, gradient="at_ball")
    np.testing.assert_allclose(p.added, -0.1 * get_surface("ravine").gradient(traj.positions[2]), atol=1e-12)
    assert not np.allclose(p.added, momentum_parts(traj, 3).added)


def test_momentum_parts_refuse_a_method_without_velocity_and_a_bad_step():
    with pytest.raises(InputError):
        momentum_parts(_run("gd", lr=0.1), 1)
    with pytest.raises(ValueError):
        momentum_parts(_run("momentum", lr=0.1), 0)


@pytest.mark.parametrize("name,params", [("adagrad", {"lr": 0.5}), ("rmsprop", {"lr": 0.05, "rho": 0.9})])
def test_accumulator_parts_add_up_and_the_rate_gives_the_recorded_step(name, params):
    traj = _run(name, **params)
    acc = accumulator(traj)
    for t in range(1, traj.steps + 1):
        p = accumulator_parts(traj, t)
        np.testing.assert_allclose(p.kept + p.added, acc[t], rtol=1e-12)
        np.testing.assert_allclose(p.squared, traj.quantity("grad")[t] ** 2, rtol=1e-12)
    rate = effective_rate(traj)[1:]
    # The update rule: Δθ_t = −rate_t · g_t, exactly.
    np.testing.assert_allclose(-rate * traj.quantity("grad")[1:], traj.quantity("delta")[1:], rtol=1e-12, atol=1e-15)


def test_rmsprop_first_step_is_its_gain_times_alpha():
    traj = _run("rmsprop", lr=0.05, rho=0.99)
    assert first_step_gain(traj) == pytest.approx(10.0)
    np.testing.assert_allclose(step_over_rate(traj, 1), 10.0, rtol=1e-5)
    assert first_step_gain(_run("adagrad", lr=0.5)) == 1.0


def test_adagrad_rate_only_falls():
    rate = effective_rate(_run("adagrad", steps=40, lr=0.5))[1:]
    assert np.all(np.diff(rate, axis=0) <= 0)


def test_methods_without_an_accumulator_are_refused():
    for name in ("gd", "momentum"):
        with pytest.raises(InputError):
            effective_rate(_run(name, lr=0.1))


def test_push_and_square_memories_are_the_recorded_buffers():
    from gdexplain.core.parts import push_memory, square_memory

    mom, adam, gd, ada = _run("momentum", lr=0.1), _run("adam", lr=0.1), _run("gd", lr=0.1), _run("adagrad", lr=0.5)
    np.testing.assert_array_equal(push_memory(mom), mom.quantity("velocity"))
    np.testing.assert_array_equal(push_memory(adam), -adam.quantity("m"))  # m averages gradients: it pushes along −m
    assert push_memory(gd) is None and push_memory(ada) is None
    np.testing.assert_array_equal(square_memory(adam), adam.quantity("v"))
    np.testing.assert_array_equal(square_memory(ada), ada.quantity("sq_grad_sum"))
    assert square_memory(gd) is None and square_memory(mom) is None
    # Lookahead shows its inner method's buffers.
    look = run(make_optimizer("lookahead", inner="adam", lr=0.1), get_surface("ravine"), (-5.0, -2.0), 6)
    np.testing.assert_array_equal(square_memory(look), look.quantity("v"))
