"""Momentum and Nesterov scenes (curriculum D/E): what they show equals `gdexplain trace`.

The scenes' data-to-picture functions live in scenes/momentum.py; these
tests run the trace CLI with the same settings as each scene's defaults and
compare the read-outs, the head-to-tail arrows and the race rows with it.
They also check the claims the scenes narrate (β = 0 is GD, β = 1 swings
without decay, momentum escapes the shallow pit, Nesterov overshoots less)
and that bad ``--set`` values are refused with InputError.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from gdexplain.catalog import get_entry, load_scene_class
from gdexplain.core.errors import InputError
from gdexplain.visual.panels import fmt, fmt_vector
from gdexplain.core.race import largest_gap, overshoot
from gdexplain.core.surfaces import get_surface
from gdexplain.visual.framing import fit_size, map_view
from gdexplain.visual.map_race import Lane, race_rows
from gdexplain.visual.vectors import momentum_drawn_points, momentum_vectors
from traced import trace_csv

SLUGS = ("momentum", "momentum-decay", "momentum-vs-gd", "nesterov")


@pytest.fixture(scope="module")
def mod():
    """The scenes/momentum.py module (imports Manim once)."""
    return inspect.getmodule(load_scene_class(get_entry("momentum")))


def pair(row, a, b):
    return np.array([row[a], row[b]], dtype=float)


def settings(slug, **overrides):
    return get_entry(slug).resolve(overrides)


# --- read-outs and arrows against the trace ----------------------------------------------


@pytest.mark.parametrize("t", [1, 2, 3, 4, 17, 30])
def test_momentum_readout_equals_trace(mod, t):
    s = settings("momentum")
    rows = trace_csv(s["surface"], "momentum", s["lr"], s["steps"], s["start"], beta=s["beta"])
    traj = mod.run_method("momentum", s["surface"], s["start"], s["lr"], s["steps"], s["beta"])
    shown = dict(mod.step_rows(traj, t))
    now, before = rows[t], rows[t - 1]
    assert shown["step"] == str(t)
    assert shown["β"] == fmt(s["beta"])
    assert shown["α"] == fmt(now["lr"])
    assert shown["g"] == fmt_vector(pair(now, "g_x", "g_y"))
    assert shown["v (before)"] == fmt_vector(pair(before, "velocity_x", "velocity_y"))
    assert shown["v (new)"] == fmt_vector(pair(now, "velocity_x", "velocity_y"))
    assert shown["θ"] == fmt_vector(pair(now, "x", "y"))
    assert shown["loss"] == fmt(now["loss"])
    # The two parts shown add up to the new velocity the core recorded.
    vec = momentum_vectors(traj, t)
    np.testing.assert_allclose(vec.decayed, s["beta"] * pair(before, "velocity_x", "velocity_y"), atol=1e-12)
    np.testing.assert_allclose(vec.decayed + vec.added, pair(now, "velocity_x", "velocity_y"), atol=1e-12)
    assert shown["β·v"] == fmt_vector(vec.decayed)
    assert shown["−α·g"] == fmt_vector(-now["lr"] * pair(now, "g_x", "g_y"))


@pytest.mark.parametrize("slug,method", [("momentum", "momentum"), ("nesterov", "nesterov")])
def test_head_to_tail_lands_where_the_core_moved(mod, slug, method):
    s = settings(slug)
    rows = trace_csv(s["surface"], method, s["lr"], s["steps"], s["start"], beta=s["beta"])
    traj = mod.run_method(method, s["surface"], s["start"], s["lr"], s["steps"], s["beta"])
    for t in range(1, s["steps"] + 1):
        vec = momentum_vectors(traj, t)
        np.testing.assert_allclose(vec.origin, pair(rows[t - 1], "x", "y"), atol=1e-12)
        np.testing.assert_allclose(vec.landing, pair(rows[t], "x", "y"), atol=1e-12)
        if method == "nesterov":  # the tip of β·v is the look-ahead point, where g was taken
            np.testing.assert_allclose(vec.pivot, pair(rows[t], "look_ahead_x", "look_ahead_y"), atol=1e-12)


def test_nesterov_faint_arrow_is_the_gradient_at_the_ball(mod):
    s = settings("nesterov")
    rows = trace_csv(s["surface"], "nesterov", s["lr"], 3, s["start"], beta=s["beta"])
    traj = mod.run_method("nesterov", s["surface"], s["start"], s["lr"], 3, s["beta"])
    at_ball = momentum_vectors(traj, 2, gradient="at_ball")
    np.testing.assert_allclose(at_ball.added, -s["lr"] * pair(rows[1], "grad_x", "grad_y"), atol=1e-12)
    shown = dict(mod.step_rows(traj, 2))
    assert shown["look-ahead"] == fmt_vector(pair(rows[2], "look_ahead_x", "look_ahead_y"))


def test_drawn_arrows_are_exact_and_head_to_tail(mod):
    from gdexplain.core.surfaces import get_surface
    from gdexplain.visual.contour import ContourMap
    from gdexplain.visual.vectors import HeadToTail, arrows_of

    s = settings("momentum")
    traj = mod.run_method("momentum", s["surface"], s["start"], s["lr"], 4, s["beta"])
    cmap = ContourMap(get_surface("ravine"), height=4.0)
    for t in (2, 3, 4):
        vec = momentum_vectors(traj, t)
        arrows = arrows_of(HeadToTail(vec, cmap.c2p, mod.MOMENTUM_LABELS))
        np.testing.assert_allclose(arrows["previous"].get_start(), cmap.c2p(traj.positions[t - 1]), atol=1e-6)
        np.testing.assert_allclose(arrows["decayed"].get_end(), cmap.c2p(vec.pivot), atol=1e-6)
        np.testing.assert_allclose(arrows["added"].get_start(), arrows["decayed"].get_end(), atol=1e-6)
        np.testing.assert_allclose(arrows["added"].get_end(), cmap.c2p(traj.positions[t]), atol=1e-6)
        np.testing.assert_allclose(arrows["total"].get_end(), cmap.c2p(traj.positions[t]), atol=1e-6)
        colors = {k: a.get_color().to_hex().lower() for k, a in arrows.items() if k != "previous"}
        assert len(set(colors.values())) == 3, colors  # β·v, −α·g and the sum are told apart by colour


def test_scaled_arrows_keep_their_ratios(mod):
    from gdexplain.visual.vectors import HeadToTail, HeadToTailVectors, arrows_of

    vec = HeadToTailVectors(origin=[1.0, 2.0], previous=[0.5, 0.0], decay=0.5, added=[0.0, 0.25])
    arrows = arrows_of(HeadToTail(vec, lambda p: np.array([p[0], p[1], 0.0]), mod.MOMENTUM_LABELS, scale=2))
    np.testing.assert_allclose(arrows["decayed"].get_end()[:2], [1.5, 2.0], atol=1e-6)
    np.testing.assert_allclose(arrows["total"].get_end()[:2], [1.5, 2.5], atol=1e-6)


# --- the claims the scenes narrate --------------------------------------------------------


def test_beta_zero_is_gd_and_beta_one_swings(mod):
    s = settings("momentum-decay")
    gd = trace_csv(s["surface"], "gd", s["lr"], s["steps"], s["start"])
    zero = trace_csv(s["surface"], "momentum", s["lr"], s["steps"], s["start"], beta=0.0)
    for a, b in zip(gd, zero, strict=True):
        assert (a["x"], a["y"]) == (b["x"], b["y"])
    traj_gd = mod.run_method("gd", s["surface"], s["start"], s["lr"], s["steps"])
    traj_zero = mod.run_method("momentum", s["surface"], s["start"], s["lr"], s["steps"], 0.0)
    assert largest_gap(traj_gd, traj_zero) == 0.0
    from gdexplain.core.surfaces import get_surface

    bowl = get_surface(s["bowl_surface"])
    swing = trace_csv(bowl.name, "momentum", s["bowl_lr"], s["bowl_steps"], bowl.default_start, beta=1.0)
    loss = np.array([r["loss"] for r in swing])
    third = len(loss) // 3
    # Several swings, none smaller than the first: the last third climbs as high as the first.
    assert loss[-third:].max() >= 0.95 * loss[:third].max()
    x = np.array([r["x"] for r in swing])
    assert np.sum(np.diff(np.sign(x)) != 0) >= 6  # at least three full periods through the minimum


def test_beta_09_reaches_the_bottom_sooner(mod):
    s = settings("momentum-decay")
    gd = trace_csv(s["surface"], "gd", s["lr"], s["steps"], s["start"])
    fast = trace_csv(s["surface"], "momentum", s["lr"], s["steps"], s["start"], beta=s["beta"])
    assert fast[-1]["loss"] < 0.01 < gd[-1]["loss"]


def test_momentum_escapes_the_shallow_pit(mod):
    s = settings("momentum-vs-gd")
    gd = trace_csv(s["surface"], "gd", s["lr"], s["steps"], s["start"])
    mom = trace_csv(s["surface"], "momentum", s["lr"], s["steps"], s["start"], beta=s["beta"])
    np.testing.assert_allclose(pair(gd[-1], "x", "y"), (0.905317861, 0.0), atol=1e-3)
    np.testing.assert_allclose(pair(mom[-1], "x", "y"), (-0.967577446, 0.0), atol=0.02)
    traj = [mod.run_method("gd", s["surface"], s["start"], s["lr"], s["steps"]),
            mod.run_method("momentum", s["surface"], s["start"], s["lr"], s["steps"], s["beta"])]
    lanes = [Lane.of("gd", traj[0]), Lane.of("momentum", traj[1], "momentum")]
    shown = dict(race_rows(lanes, s["steps"]))
    assert shown == {"step": str(s["steps"]), "GD loss": fmt(gd[-1]["loss"]), "momentum loss": fmt(mom[-1]["loss"])}


def test_momentum_runs_down_the_ravine_sooner(mod):
    s = settings("momentum-vs-gd")
    start = (-5.0, -2.0)
    gd = trace_csv("ravine", "gd", s["ravine_lr"], s["ravine_steps"], start)
    mom = trace_csv("ravine", "momentum", s["ravine_lr"], s["ravine_steps"], start, beta=s["ravine_beta"])
    ys = np.array([r["y"] for r in gd[:8]])
    assert np.all(np.sign(ys[1:]) != np.sign(ys[:-1]))  # GD zig-zags across
    first_low = lambda rows: next(i for i, r in enumerate(rows) if r["loss"] < 0.01)
    assert first_low(mom) < first_low(gd) / 2


def test_nesterov_overshoots_less(mod):
    s = settings("nesterov")
    classic = mod.run_method("momentum", s["surface"], s["start"], s["lr"], s["steps"], s["beta"])
    nest = mod.run_method("nesterov", s["surface"], s["start"], s["lr"], s["steps"], s["beta"])
    assert 0 < overshoot(nest) < overshoot(classic)
    rows = trace_csv(s["surface"], "nesterov", s["lr"], s["steps"], s["start"], beta=s["beta"])
    # The overshoot shown is the largest x past the minimum at 0 (approach from x = −5 along the ravine).
    xs = np.array([r["x"] for r in rows])
    d = np.array([5.0, 2.0]) / np.hypot(5.0, 2.0)
    expected = max(0.0, max(np.array([r["x"], r["y"]]) @ d for r in rows))
    assert overshoot(nest) == pytest.approx(expected, abs=1e-12)
    assert xs.max() > 0


def test_maps_contain_everything_drawn(mod):
    for slug, method in (("momentum", "momentum"), ("nesterov", "nesterov")):
        s = settings(slug)
        traj = mod.run_method(method, s["surface"], s["start"], s["lr"], s["steps"], s["beta"])
        pts = momentum_drawn_points([traj], 4)
        (x0, x1), (y0, y1) = map_view(get_surface(s["surface"]), pts)
        assert np.all((pts[:, 0] > x0) & (pts[:, 0] < x1) & (pts[:, 1] > y0) & (pts[:, 1] < y1))
        from gdexplain.visual.contour import nice_step

        for lo, hi in ((x0, x1), (y0, y1)):  # the map labels ticks up to hi + step/2: none may fall past hi
            step = nice_step(hi - lo)
            ticks = np.arange(np.ceil(lo / step) * step, hi + step / 2, step)
            assert ticks.max() <= hi + 1e-9
        w, h = fit_size(((x0, x1), (y0, y1)), mod.MAP_BOX)
        assert w / h == pytest.approx((x1 - x0) / (y1 - y0))  # same unit on both axes
        assert w <= mod.MAP_BOX[0] + 1e-9 and h <= mod.MAP_BOX[1] + 1e-9


# --- parameters -------------------------------------------------------------------------


@pytest.mark.parametrize("slug", SLUGS)
def test_beta_lr_steps_surface_start_are_settable(slug):
    s = settings(slug, beta="0.5", lr="0.05", steps="12", surface="global-minimum", start="1,-1")
    assert (s["beta"], s["lr"], s["steps"], s["surface"], s["start"]) == (0.5, 0.05, 12, "global-minimum", (1.0, -1.0))


@pytest.mark.parametrize("slug", SLUGS)
@pytest.mark.parametrize(
    "key,value",
    [("beta", "1.5"), ("beta", "-0.1"), ("beta", "nan"), ("beta", "high"), ("lr", "0"), ("lr", "-1"),
     ("steps", "0"), ("steps", "2.5"), ("surface", "ravin"), ("surface", "double-well"), ("start", "9,9"),
     ("start", "1"), ("gamma", "0.9")],
)
def test_bad_values_are_refused(slug, key, value):
    with pytest.raises(InputError):
        get_entry(slug).resolve({key: value})


@pytest.mark.parametrize(
    "slug,key,value",
    [("momentum-decay", "bowl_surface", "double-well"), ("momentum-decay", "bowl_lr", "0"),
     ("momentum-decay", "bowl_steps", "500"), ("momentum-vs-gd", "ravine_beta", "2"),
     ("momentum-vs-gd", "ravine_lr", "-0.4"), ("momentum-vs-gd", "ravine_steps", "0")],
)
def test_bad_extra_values_are_refused(slug, key, value):
    with pytest.raises(InputError):
        get_entry(slug).resolve({key: value})


def test_a_run_that_diverges_at_once_is_an_input_error(mod):
    with pytest.raises(InputError, match="smaller lr"):
        mod.run_method("momentum", "ravine", (-5.0, -2.0), 1e6, 10, 0.9)
