"""What the variant scenes read from the core: Lookahead's fast weights, AdamW's decay, Adam's L2
penalty, NAdam's two step parts, Lion's sign — each checked against the update rules it comes from."""

from __future__ import annotations

import numpy as np
import pytest

from gdexplain.core.optimizers import make_optimizer
from gdexplain.core.surfaces import Surface, get_surface
from gdexplain.core.trajectory import run


def test_lookahead_fast_weights_are_the_inner_steps_and_the_slow_move_alpha_toward_them():
    k, alpha = 5, 0.5
    traj = run(make_optimizer("lookahead", inner="adam", k=k, alpha=alpha, lr=0.3), get_surface("ravine"), steps=23)
    fast, slow, synced = traj.quantity("fast"), traj.quantity("slow"), traj.quantity("synced")
    inner = make_optimizer("adam", lr=0.3)
    state = inner.init(traj.positions[0])
    theta = traj.positions[0]
    for t in range(1, traj.steps + 1):
        step = inner.step(theta, state, t, 0.3, get_surface("ravine").gradient)
        np.testing.assert_array_equal(fast[t], step.params)  # the inner rule from the (possibly reset) point
        if synced[t]:
            np.testing.assert_allclose(slow[t], slow[t - 1] + alpha * (fast[t] - slow[t - 1]), rtol=1e-15, atol=1e-15)
            np.testing.assert_array_equal(traj.positions[t], slow[t])
        else:
            np.testing.assert_array_equal(traj.positions[t], fast[t])
        theta, state = traj.positions[t], step.state
    assert np.isnan(fast[0]).all()


def _with_l2(surface: Surface, lam: float) -> Surface:
    """f + λ/2·|θ|² as a surface (gradient ∇f + λθ)."""
    return Surface(
        surface.name + "+l2", surface.title, "", surface.coords, surface.ranges, surface.default_start,
        lambda x, y: surface.value(np.stack([x, y], -1)) + lam / 2 * (x**2 + y**2),
        lambda x, y: tuple(np.moveaxis(surface.gradient(np.stack([x, y], -1)), -1, 0) + lam * np.stack([x, y])),
    )


def test_adam_weight_decay_is_adam_on_the_l2_penalised_loss():
    lam, surface = 0.5, get_surface("himmelblau")
    folded = run(make_optimizer("adam", lr=0.1, weight_decay=lam), surface, (1.0, -2.0), 80)
    penalised = run(make_optimizer("adam", lr=0.1), _with_l2(surface, lam), (1.0, -2.0), 80)
    np.testing.assert_allclose(folded.positions, penalised.positions, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(folded.quantity("penalty")[1:], lam * folded.positions[:-1], rtol=1e-15)
    np.testing.assert_allclose(folded.quantity("grad")[1:], folded.gradients[:-1] + lam * folded.positions[:-1], rtol=1e-12)
    assert "penalty" not in run(make_optimizer("adam", lr=0.1), surface, steps=2).quantities


def test_adamw_step_is_its_decay_plus_the_adam_step_of_the_raw_gradient():
    lam, lr, surface = 0.5, 0.1, get_surface("himmelblau")
    traj = run(make_optimizer("adamw", lr=lr, weight_decay=lam), surface, (1.0, -2.0), 30)
    decay = traj.quantity("decay")
    np.testing.assert_allclose(decay[1:], -lr * lam * traj.positions[:-1], rtol=1e-15)
    adam_part = -lr * traj.quantity("m_hat") / (np.sqrt(traj.quantity("v_hat")) + 1e-8)
    np.testing.assert_allclose(traj.quantity("adam_step")[1:], adam_part[1:], rtol=1e-9, atol=1e-14)
    np.testing.assert_allclose(traj.quantity("delta")[1:], decay[1:] + adam_part[1:], rtol=1e-9, atol=1e-14)
    np.testing.assert_array_equal(traj.quantity("grad")[1:], traj.gradients[:-1])  # the raw gradient, no penalty


def test_nadam_step_is_its_two_parts():
    traj = run(make_optimizer("nadam", lr=0.2), get_surface("ravine"), steps=40)
    parts = traj.quantity("grad_step") + traj.quantity("momentum_step")
    np.testing.assert_allclose(parts[1:], traj.quantity("delta")[1:], rtol=1e-12, atol=1e-15)
    # the fresh-gradient part points against g, the momentum part against m
    g, m = traj.quantity("grad")[1:], traj.quantity("m")[1:]
    assert np.all(np.sign(traj.quantity("grad_step")[1:]) == -np.sign(g))
    assert np.all(np.sign(traj.quantity("momentum_step")[1:]) == -np.sign(m))


def test_lion_sign_is_the_sign_of_c_and_the_step_is_minus_lr_times_it():
    lr = 0.5
    traj = run(make_optimizer("lion", lr=lr), get_surface("ravine"), steps=40)
    np.testing.assert_array_equal(traj.quantity("sign")[1:], np.sign(traj.quantity("c")[1:]))
    np.testing.assert_allclose(traj.quantity("delta")[1:], -lr * traj.quantity("sign")[1:], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", ["adamw", "nadam", "lion", "lookahead"])
def test_trace_has_the_new_columns(name):
    from traced import trace_csv

    rows = trace_csv("ravine", name, 0.1, 3)
    column = {"adamw": "decay_x", "nadam": "momentum_step_y", "lion": "sign_x", "lookahead": "fast_y"}[name]
    assert rows[0][column] is None and rows[2][column] is not None
