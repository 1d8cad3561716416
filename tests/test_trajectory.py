"""trajectory.run: shapes, determinism, divergence, convergence, seeded mini-batches, bad input."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from gdexplain.core.errors import InputError
from gdexplain.core.optimizers import OPTIMIZERS, make_optimizer
from gdexplain.core.schedules import Exponential
from gdexplain.core.surfaces import SURFACES, Surface, get_surface, linear_regression_data
from gdexplain.core.trajectory import run

# From the quantity table in gdexplain.core.optimizers' docs: what is state (shown at
# row 0 as its initial value) and what is one number per step rather than per coordinate.
INITIAL_STATE = {
    "velocity": 0.0,
    "sq_grad_sum": 0.0,
    "sq_grad_avg": 0.0,
    "grad_avg": 0.0,
    "sq_delta_avg": 0.0,
    "m": 0.0,
    "v": 0.0,
    "mu_product": 1.0,
    "slow": "start",
}
SCALARS = {"lr", "mu", "mu_product", "rho_t", "rect", "synced", "m_correction", "v_correction"}

OPTIMIZER_CASES = [(name, {}) for name in sorted(OPTIMIZERS)] + [("rmsprop", {"centered": True})]


def _booth_grad(p):
    x, y = p
    a, b = x + 2 * y - 7, 2 * x + y - 5
    return np.array([2 * a + 4 * b, 4 * a + 2 * b])


# --- shapes and bookkeeping ----------------------------------------------------------


@pytest.mark.parametrize(("name", "params"), OPTIMIZER_CASES, ids=[f"{n}{'-' + str(p) if p else ''}" for n, p in OPTIMIZER_CASES])
@pytest.mark.parametrize("surface_name", ["rosenbrock", "quadratic-fit", "double-well"])
def test_run_shapes_and_row_zero(name, params, surface_name):
    surface = get_surface(surface_name)
    steps = 7
    traj = run(make_optimizer(name, **params), surface, None, steps)
    d = surface.dim
    assert traj.steps == steps and not traj.diverged and traj.converged_at is None
    assert traj.positions.shape == (steps + 1, d)
    assert traj.losses.shape == (steps + 1,)
    assert traj.gradients.shape == (steps + 1, d)
    np.testing.assert_array_equal(traj.positions[0], surface.default_start)
    assert {"grad", "delta", "lr"} <= set(traj.quantities)
    for q, values in traj.quantities.items():
        assert values.shape == ((steps + 1,) if q in SCALARS else (steps + 1, d)), q
        assert np.all(np.isfinite(values[1:])), q
        if q in INITIAL_STATE:
            expected = surface.default_start if INITIAL_STATE[q] == "start" else np.full(values.shape[1:], INITIAL_STATE[q])
            np.testing.assert_array_equal(values[0], expected, err_msg=q)
        else:
            assert np.all(np.isnan(values[0])), f"{q} should be missing at row 0"
    # delta is the step actually taken, row by row.
    np.testing.assert_allclose(traj.quantities["delta"][1:], np.diff(traj.positions, axis=0), rtol=0, atol=1e-15)
    # The default learning rate, unscheduled, every step.
    np.testing.assert_array_equal(traj.quantities["lr"][1:], make_optimizer(name, **params).base_lr)


@pytest.mark.parametrize("name", ["gd", "adam", "nesterov", "lookahead"])
@pytest.mark.parametrize("surface_name", ["himmelblau", "six-hump-camel", "linear-regression"])
def test_losses_and_gradients_belong_to_positions(name, surface_name):
    surface = get_surface(surface_name)
    traj = run(make_optimizer(name, lr=0.01), surface, None, 25)
    # Point by point versus all at once may differ in the last bit (vectorised pow).
    np.testing.assert_allclose(traj.losses, surface.value(traj.positions), rtol=1e-14, atol=0)
    np.testing.assert_allclose(traj.gradients, surface.gradient(traj.positions), rtol=1e-14, atol=1e-14)
    for t in (0, 7, 25):
        assert traj.losses[t] == float(surface.value(traj.positions[t]))
    np.testing.assert_allclose(traj.gradient_norms(), np.linalg.norm(traj.gradients, axis=1))
    assert traj.final_loss == traj.losses[-1]
    np.testing.assert_array_equal(traj.final, traj.positions[-1])


def test_gd_path_matches_hand_computation_on_booth():
    lr, steps = 0.05, 30
    traj = run(make_optimizer("gd", lr=lr), get_surface("booth"), (-6.0, -8.0), steps)
    p = np.array([-6.0, -8.0])
    for t in range(1, steps + 1):
        g = _booth_grad(p)
        np.testing.assert_allclose(traj.quantities["grad"][t], g, rtol=1e-14, atol=1e-12)
        p = p - lr * g
        np.testing.assert_allclose(traj.positions[t], p, rtol=1e-14, atol=1e-13)
    assert traj.status == f"ran {steps} steps"


def test_zero_steps_is_just_the_start():
    traj = run(make_optimizer("adam"), get_surface("beale"), (1.0, 1.0), 0)
    assert traj.steps == 0 and traj.positions.shape == (1, 2)
    np.testing.assert_array_equal(traj.positions[0], [1.0, 1.0])
    assert traj.losses[0] == pytest.approx((1.5 - 1 + 1) ** 2 + (2.25 - 1 + 1) ** 2 + (2.625 - 1 + 1) ** 2)


def test_schedule_sets_the_lr_of_each_step():
    traj = run(make_optimizer("gd", lr=0.01), get_surface("booth"), None, 6, schedule=Exponential(gamma=0.5))
    np.testing.assert_allclose(traj.quantities["lr"][1:], [0.01 * 0.5 ** (t - 1) for t in range(1, 7)], rtol=1e-15)
    np.testing.assert_allclose(traj.quantities["delta"][1:], -traj.quantities["lr"][1:, None] * traj.quantities["grad"][1:])


def test_start_given_explicitly_and_not_aliased():
    start = np.array([0.5, 0.5])
    traj = run(make_optimizer("gd", lr=0.01), get_surface("rosenbrock"), start, 3)
    start[0] = 1.9
    np.testing.assert_array_equal(traj.positions[0], [0.5, 0.5])


def test_unknown_quantity_names_the_available_ones():
    traj = run(make_optimizer("momentum"), get_surface("ravine"), None, 2)
    np.testing.assert_array_equal(traj.quantity("velocity"), traj.quantities["velocity"])
    with pytest.raises(InputError, match="records no 'm'.*velocity"):
        traj.quantity("m")


@pytest.mark.parametrize(("name", "surface_name"), [("gd", "rosenbrock"), ("adam", "himmelblau"), ("lookahead", "beale"), ("nadam", "hills")])
def test_runs_are_deterministic(name, surface_name):
    a = run(make_optimizer(name, lr=0.01), get_surface(surface_name), None, 40)
    b = run(make_optimizer(name, lr=0.01), get_surface(surface_name), None, 40)
    np.testing.assert_array_equal(a.positions, b.positions)
    np.testing.assert_array_equal(a.losses, b.losses)
    assert a.quantities.keys() == b.quantities.keys()
    for q in a.quantities:
        np.testing.assert_array_equal(a.quantities[q], b.quantities[q])


# --- divergence and convergence ------------------------------------------------------


@pytest.mark.parametrize(
    ("surface_name", "lr"),
    [("booth", 0.2), ("booth", 0.113), ("rosenbrock", 0.1), ("ravine", 0.6)],
)
def test_escaping_the_range_is_marked_not_raised(surface_name, lr):
    surface = get_surface(surface_name)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        traj = run(make_optimizer("gd", lr=lr), surface, None, 10_000)
    assert traj.diverged and traj.diverged_at is not None
    assert traj.status == f"diverged at step {traj.diverged_at}"
    # Rows 0 … diverged_at−1 are kept; the run stops there.
    assert len(traj.positions) == traj.diverged_at == traj.steps + 1
    assert np.all(np.isfinite(traj.positions)) and np.all(np.isfinite(traj.losses))
    for q, values in traj.quantities.items():
        assert len(values) == traj.diverged_at, q
    # The step it refused really does fly off: the next GD step, computed by hand.
    nxt = traj.final - lr * surface.gradient(traj.final)
    width = max(hi - lo for lo, hi in surface.ranges)
    assert not np.all(np.isfinite(nxt)) or np.max(np.abs(nxt)) > 100 * width


def test_booth_step_size_threshold():
    """Booth's largest curvature is 18: GD converges iff lr < 2/18."""
    # |1 − 18·lr| is the contraction per step along the steep axis: 0.98 and 1.034.
    ok = run(make_optimizer("gd", lr=0.11), get_surface("booth"), None, 1000)
    assert not ok.diverged
    np.testing.assert_allclose(ok.final, [1.0, 3.0], atol=1e-6)
    assert run(make_optimizer("gd", lr=0.113), get_surface("booth"), None, 1000).diverged


def _tiny_surface(value, grad):
    return Surface("tiny", "Tiny", "test surface", ("x",), ((0.5, 2.0),), (1.0,), value, lambda x: (grad(x),))


@pytest.mark.parametrize(
    ("value", "grad", "lr"),
    [
        (np.log, lambda x: 1 / x, 1.0),  # x → 0: loss −inf
        (np.log, lambda x: 1 / x, 2.0),  # x → −1: loss NaN
        (lambda x: x**2, lambda x: np.where(x < 0.9, np.nan, 2 * x), 0.1),  # finite loss, NaN gradient at 0.8
    ],
)
def test_non_finite_values_are_marked_not_raised(value, grad, lr):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        traj = run(make_optimizer("gd", lr=lr), _tiny_surface(value, grad), None, 10)
    assert traj.diverged_at == 1
    np.testing.assert_array_equal(traj.positions, [[1.0]])
    assert np.all(np.isfinite(traj.losses))


@pytest.mark.parametrize(("name", "lr"), [("adam", 500.0), ("momentum", 0.01), ("nesterov", 0.01), ("lookahead", 500.0), ("lion", 300.0)])
def test_divergence_with_stateful_optimizers(name, lr):
    traj = run(make_optimizer(name, lr=lr), get_surface("rosenbrock"), None, 300)
    assert traj.diverged
    assert len(traj.positions) == traj.diverged_at
    assert np.all(np.isfinite(traj.positions))
    for values in traj.quantities.values():
        assert len(values) == len(traj.positions)


def test_tol_stops_at_first_small_gradient():
    # GD with lr 0.1 on x² + y²: θ_t = 0.8ᵗ θ_0, so ‖∇f(θ_t)‖ = 0.8ᵗ ‖2 θ_0‖.
    g0, tol = 2 * math.hypot(1.5, 1.5), 1e-3
    expected = math.ceil(math.log(g0 / tol) / math.log(1 / 0.8))
    traj = run(make_optimizer("gd", lr=0.1), get_surface("global-minimum"), (1.5, 1.5), 1000, tol=tol)
    assert traj.converged_at == expected == traj.steps
    assert traj.status == f"converged at step {expected}"
    norms = traj.gradient_norms()
    assert norms[-1] < tol and np.all(norms[:-1] >= tol)
    np.testing.assert_allclose(traj.final, 1.5 * 0.8**expected * np.ones(2), rtol=1e-12)


def test_tol_not_reached_leaves_converged_unset():
    traj = run(make_optimizer("gd", lr=0.1), get_surface("global-minimum"), (1.5, 1.5), 10, tol=1e-3)
    assert traj.converged_at is None and traj.steps == 10


def test_tol_met_at_start_takes_no_step():
    traj = run(make_optimizer("adam"), get_surface("booth"), (1.0, 3.0), 50, tol=1e-9)
    assert traj.converged_at == 0 and traj.steps == 0


# --- mini-batches ----------------------------------------------------------------------


def test_minibatch_runs_are_seeded():
    surface = get_surface("linear-regression")
    opt = make_optimizer("gd", lr=0.05)
    a = run(opt, surface, None, 30, batch_size=10, seed=1)
    b = run(opt, surface, None, 30, batch_size=10, seed=1)
    c = run(opt, surface, None, 30, batch_size=10, seed=2)
    full = run(opt, surface, None, 30)
    np.testing.assert_array_equal(a.positions, b.positions)
    np.testing.assert_array_equal(a.batches, b.batches)
    assert not np.array_equal(a.batches, c.batches)
    assert not np.allclose(a.positions[1:], c.positions[1:])
    assert not np.allclose(a.positions[1:], full.positions[1:])
    assert full.batches is None


def test_minibatch_batches_are_recorded_and_used():
    surface = get_surface("linear-regression")
    x, y, start = linear_regression_data()
    lr, steps, size = 0.05, 20, 8
    traj = run(make_optimizer("gd", lr=lr), surface, None, steps, batch_size=size, seed=3)
    assert traj.batches.shape == (steps, size)
    assert traj.batches.min() >= 0 and traj.batches.max() < 100
    for row in traj.batches:
        assert len(set(row.tolist())) == size
    assert len({tuple(r) for r in traj.batches.tolist()}) > 1
    theta = start
    for t in range(1, steps + 1):
        idx = traj.batches[t - 1]
        err = theta[0] + theta[1] * x[idx] - y[idx]
        g = np.array([2 / size * err.sum(), 2 / size * (err * x[idx]).sum()])
        np.testing.assert_allclose(traj.quantities["grad"][t], g, rtol=1e-12, atol=1e-12)
        theta = theta - lr * g
        np.testing.assert_allclose(traj.positions[t], theta, rtol=1e-12, atol=1e-12)
    # gradients stay the full-batch gradient at each point
    np.testing.assert_allclose(traj.gradients, surface.gradient(traj.positions), rtol=1e-14)


@pytest.mark.parametrize("surface_name", ["quadratic-fit", "linear-regression"])
def test_batch_size_n_is_the_full_batch(surface_name):
    surface = get_surface(surface_name)
    opt = make_optimizer("adam", lr=0.05)
    full = run(opt, surface, None, 25)
    batched = run(opt, surface, None, 25, batch_size=surface.n_samples, seed=5)
    np.testing.assert_allclose(batched.positions, full.positions, rtol=1e-13, atol=1e-15)
    assert batched.batches.shape == (25, surface.n_samples)


def test_sgd_batch_of_one():
    traj = run(make_optimizer("gd", lr=0.001), get_surface("quadratic-fit"), None, 12, batch_size=1, seed=0)
    assert traj.batches.shape == (12, 1)
    assert set(traj.batches.ravel().tolist()) <= set(range(5))


@pytest.mark.parametrize(
    ("steps", "kwargs"),
    [(0, {}), (10, {"tol": 1e6}), (10, {"lr": 10.0})],  # no step: none asked, converged at 0, diverged at 1
)
def test_minibatch_run_without_steps_still_records_its_batches(steps, kwargs):
    kwargs = dict(kwargs)
    opt = make_optimizer("gd", lr=kwargs.pop("lr", 0.001))
    traj = run(opt, get_surface("quadratic-fit"), None, steps, batch_size=2, **kwargs)
    assert traj.steps == 0
    assert traj.batches is not None and traj.batches.shape == (0, 2)


def test_seed_does_not_matter_for_full_batch():
    opt = make_optimizer("gd", lr=0.05)
    a = run(opt, get_surface("linear-regression"), None, 10, seed=0)
    b = run(opt, get_surface("linear-regression"), None, 10, seed=99)
    np.testing.assert_array_equal(a.positions, b.positions)


def test_minibatch_does_not_touch_global_rng():
    np.random.seed(4)
    expected = np.random.rand(2)
    np.random.seed(4)
    run(make_optimizer("gd", lr=0.05), get_surface("linear-regression"), None, 10, batch_size=4, seed=1)
    np.testing.assert_array_equal(np.random.rand(2), expected)


# --- bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"steps": -1}, "steps"),
        ({"steps": 2.5}, "steps"),
        ({"steps": 3.0}, "steps"),
        ({"steps": "10"}, "steps"),
        ({"steps": True}, "steps"),
        ({"steps": 10**9}, "steps"),
        ({"tol": 0}, "tol"),
        ({"tol": -1e-3}, "tol"),
        ({"tol": float("nan")}, "tol"),
        ({"tol": float("inf")}, "tol"),
        ({"tol": "abc"}, "tol"),
        ({"batch_size": 2}, "no data set"),
        ({"surface": "quadratic-fit", "batch_size": 0}, "batch_size"),
        ({"surface": "quadratic-fit", "batch_size": 6}, "batch_size"),
        ({"surface": "linear-regression", "batch_size": 101}, "batch_size"),
        ({"surface": "linear-regression", "batch_size": 2.5}, "batch_size"),
        ({"surface": "linear-regression", "batch_size": -3}, "batch_size"),
        ({"surface": "linear-regression", "batch_size": 4, "seed": -1}, "seed"),
        ({"surface": "linear-regression", "batch_size": 4, "seed": 1.5}, "seed"),
        ({"start": (5.0, 5.0)}, "off the 'rosenbrock' surface"),
        ({"start": (0.0, 0.0, 0.0)}, "2 coordinates"),
        ({"start": (float("nan"), 0.0)}, "non-finite"),
    ],
)
def test_bad_input_raises_input_error(kwargs, fragment):
    kwargs = dict(kwargs)
    surface = get_surface(kwargs.pop("surface", "rosenbrock"))
    start = kwargs.pop("start", None)
    steps = kwargs.pop("steps", 5)
    with pytest.raises(InputError) as info:
        run(make_optimizer("gd"), surface, start, steps, **kwargs)
    message = str(info.value)
    assert fragment in message and "\n" not in message


def test_every_registered_surface_runs():
    for surface in SURFACES.values():
        traj = run(make_optimizer("adam", lr=0.01), surface, None, 5)
        assert traj.positions.shape == (6, surface.dim)
