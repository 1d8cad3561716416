"""The verdict on a run (core/diagnosis.py) and the work a trajectory did (sample gradients).

On the round bowl x² + y², plain GD multiplies the position by 1 − 2α each
step, so every verdict can be predicted by hand: 0 < 1 − 2α < 1 crawls or
settles, −1 < 1 − 2α < 0 zig-zags, 1 − 2α = −1 bounces forever, below −1
diverges.
"""

from __future__ import annotations

import numpy as np
import pytest

from gdexplain.core.diagnosis import KINDS, diagnose, reversals, settled_from
from gdexplain.core.errors import InputError
from gdexplain.core.optimizers import make_optimizer
from gdexplain.core.surfaces import get_surface
from gdexplain.core.trajectory import run

BOWL = get_surface("global-minimum")


def gd(lr: float, steps: int = 30, surface=BOWL, start=None, **kw):
    return run(make_optimizer("gd", lr=lr), surface, start, steps, **kw)


def test_crawling_small_steps_have_not_arrived():
    d = diagnose(gd(0.01), tol=1e-2)  # factor 0.98: after 30 steps still 0.55 of the way
    assert d.kind == "crawling" and d.reversals == 0 and d.at is None


def test_settled_reports_the_step_from_which_the_gradient_stays_small():
    traj = gd(0.3)  # factor 0.4
    d = diagnose(traj, tol=1e-2)
    norms = 2 * np.linalg.norm(traj.positions, axis=1)  # ‖∇(x²+y²)‖ = 2‖θ‖
    first = int(np.argmax(norms < 1e-2))
    assert d.kind == "settled" and d.at == first and np.all(norms[first:] < 1e-2) and norms[first - 1] >= 1e-2


def test_zig_zag_every_step_reverses_while_the_loss_falls():
    d = diagnose(gd(0.9, steps=20), tol=1e-6)  # factor −0.8
    assert d.kind == "zig-zagging" and d.reversals == 19


def test_bouncing_forever_at_factor_minus_one():
    traj = gd(1.0, steps=20)  # factor −1: ±(1.5, 1.5) for ever
    d = diagnose(traj, tol=1e-2)
    assert d.kind == "bouncing"
    assert d.final_grad_norm == pytest.approx(2 * np.hypot(1.5, 1.5))


def test_a_stable_two_cycle_on_the_local_minimum_surface_is_bouncing():
    traj = gd(0.08, steps=60, surface=get_surface("local-minimum"))
    d = diagnose(traj, tol=0.05)
    assert d.kind == "bouncing"
    assert abs(traj.losses[-1] - traj.losses[-3]) < 1e-9  # period two: the loss repeats


def test_diverged_by_the_core_or_by_a_growing_loss():
    stopped = gd(1.5, steps=200)  # factor −2: escapes, the core stops it
    assert stopped.diverged and diagnose(stopped).kind == "diverged" and diagnose(stopped).at == stopped.diverged_at
    growing = gd(1.05, steps=5)  # factor −1.1: not stopped yet, but the loss grew from step 1
    assert not growing.diverged
    d = diagnose(growing)
    assert d.kind == "diverged" and d.at == 1


def test_reversals_are_negative_dot_products_of_successive_steps():
    traj = gd(0.055, steps=12, surface=get_surface("booth"))
    steps = traj.positions[1:] - traj.positions[:-1]
    expected = [float(np.dot(steps[i], steps[i - 1])) < 0 for i in range(1, len(steps))]
    assert reversals(traj).tolist() == expected


def test_settled_from_is_none_when_the_last_gradient_is_large():
    assert settled_from(gd(0.01), 1e-2) is None


@pytest.mark.parametrize("tol", [0, -1, float("nan"), "1"])
def test_bad_tol_is_an_input_error(tol):
    with pytest.raises(InputError, match="tol must be a positive number"):
        diagnose(gd(0.1), tol=tol)


def test_downhill_off_the_map_is_not_crawling():
    saddle = get_surface("saddle")  # x² − y²: unbounded below along y
    traj = gd(0.1, steps=50, surface=saddle)
    assert not traj.diverged and not saddle.contains(traj.final)
    assert diagnose(traj).kind == "off the map"


def test_every_kind_is_reachable():
    kinds = {diagnose(gd(lr, steps=20), tol=1e-2).kind for lr in (0.01, 0.3, 0.9, 1.0, 1.5)}
    kinds.add(diagnose(gd(0.1, steps=50, surface=get_surface("saddle"))).kind)
    assert kinds == set(KINDS)


# --- work: sample gradients ---------------------------------------------------------------

LINREG = get_surface("linear-regression")


@pytest.mark.parametrize("batch,per", [(None, 100), (10, 10), (1, 1), (7, 7)])
def test_sample_gradients_count_the_batch_of_every_step(batch, per):
    traj = run(make_optimizer("gd", lr=0.05), LINREG, None, 6, batch_size=batch, seed=3)
    assert traj.samples_per_step() == per
    assert traj.sample_gradients().tolist() == [per * t for t in range(7)]
    if batch is not None:
        assert traj.batches.shape == (6, batch)


def test_sample_gradients_need_a_data_set():
    with pytest.raises(InputError, match="has no data set"):
        gd(0.1).sample_gradients()
