"""Derived quantities a scene shows: effective rates against the update rules, bursts, settled losses."""

from __future__ import annotations

import numpy as np
import pytest

from gdexplain.core.analysis import DIRECTION, adadelta_ratio, effective_rate, find_burst, mean_recent_loss
from gdexplain.core.errors import InputError
from gdexplain.core.optimizers import make_optimizer
from gdexplain.core.schedules import parse_schedule
from gdexplain.core.surfaces import get_surface
from gdexplain.core.trajectory import run

CASES = [
    ("adagrad", {"lr": 0.3}),
    ("rmsprop", {"lr": 0.05}),
    ("rmsprop", {"lr": 0.05, "centered": True}),
    ("adadelta", {"eps": 1e-2}),
    ("adadelta", {"lr": 0.5, "rho": 0.8}),
    ("adam", {"lr": 0.1}),
]


@pytest.mark.parametrize("name, params", CASES, ids=[f"{n}-{p}" for n, p in CASES])
def test_rate_times_direction_is_the_step(name, params):
    traj = run(make_optimizer(name, **params), get_surface("ravine"), None, 30, schedule=parse_schedule("cosine"))
    rate = effective_rate(traj)
    direction = traj.quantity(DIRECTION[name])
    assert np.all(np.isnan(rate[0]))
    np.testing.assert_allclose(-rate[1:] * direction[1:], traj.quantity("delta")[1:], rtol=1e-10, atol=1e-15)


def test_adadelta_rate_is_the_ratio_of_the_two_roots():
    traj = run(make_optimizer("adadelta", eps=1e-2), get_surface("ravine"), None, 5)
    s, u = traj.quantity("sq_grad_avg"), traj.quantity("sq_delta_avg")
    for t in range(1, 6):
        np.testing.assert_allclose(adadelta_ratio(traj)[t], np.sqrt(u[t - 1] + 1e-2) / np.sqrt(s[t] + 1e-2), rtol=1e-14)
        np.testing.assert_allclose(adadelta_ratio(traj)[t] * traj.quantity("grad")[t], traj.quantity("scaled_grad")[t], rtol=1e-14)
    with pytest.raises(InputError, match="AdaDelta"):
        adadelta_ratio(run(make_optimizer("rmsprop", lr=0.1), get_surface("ravine"), None, 2))


def test_rate_refuses_methods_without_one():
    with pytest.raises(InputError, match="no per-axis rate"):
        effective_rate(run(make_optimizer("gd", lr=0.1), get_surface("ravine"), None, 3))


def test_rmsprop_bursts_late_with_a_constant_rate_and_not_with_a_decaying_one():
    """The setting the schedules scene shows: x² + y², RMSProp α = 0.2, ρ = 0.99."""
    surface = get_surface("global-minimum")
    constant = run(make_optimizer("rmsprop", lr=0.2), surface, None, 400)
    burst = find_burst(constant)
    assert burst is not None
    assert burst.low_distance < 1e-20 and burst.peak_distance > 0.9  # from the bottom to half the start's distance
    assert 150 < burst.peak_step < 260 and burst.jump > 1e40
    assert constant.losses[burst.peak_step] == pytest.approx(burst.peak_gap)
    # the rate grew while the ball sat at the bottom
    rate = effective_rate(constant)[:, 0]
    assert np.all(np.diff(rate[burst.low_step : burst.peak_step - 5]) > 0) and rate[burst.peak_step - 5] > 1.5
    for schedule in ("cosine", "exponential:gamma=0.99", "step:every=100,gamma=0.1"):
        tamed = run(make_optimizer("rmsprop", lr=0.2), surface, None, 400, schedule=parse_schedule(schedule))
        assert find_burst(tamed) is None, schedule
        assert np.linalg.norm(tamed.positions[100:], axis=1).max() < 1e-15


def test_a_burst_is_found_where_it_is_put():
    """A hand-made loss history: down to 1e-6 at step 3, up to 0.5 at step 5, back down."""
    traj = run(make_optimizer("gd", lr=0.1), get_surface("global-minimum"), None, 7)
    losses = np.array([4.5, 1.0, 1e-3, 1e-6, 1e-2, 0.5, 1e-3, 1e-5])
    positions = np.sqrt(losses)[:, None] * np.array([[1.0, 0.0]])
    from dataclasses import replace

    fake = replace(traj, losses=losses, positions=positions)
    burst = find_burst(fake)
    assert (burst.low_step, burst.peak_step) == (3, 5)
    assert burst.low_gap == 1e-6 and burst.peak_gap == 0.5 and burst.jump == pytest.approx(5e5)
    assert burst.peak_distance == pytest.approx(np.sqrt(0.5))
    assert find_burst(replace(traj, losses=np.sort(losses)[::-1], positions=positions)) is None
    wiggle = np.array([4.5, 1.0, 1e-3, 1e-6, 5e-6, 1e-7, 1e-8, 1e-9])  # rises 5×: below the default 10×
    assert find_burst(replace(traj, losses=wiggle, positions=positions)) is None
    assert find_burst(replace(traj, losses=wiggle, positions=positions), min_jump=4).peak_step == 4


def test_mean_recent_loss():
    traj = run(make_optimizer("gd", lr=0.1), get_surface("global-minimum"), None, 10)
    assert mean_recent_loss(traj, 3) == pytest.approx(np.mean(traj.losses[-3:]))
    with pytest.raises(InputError):
        mean_recent_loss(traj, 0)
