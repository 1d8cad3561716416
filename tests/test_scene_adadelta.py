"""The adadelta scene: its read-outs, squares and spoken numbers equal `gdexplain trace` for the same settings."""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest

from gdexplain.catalog import get_entry, load_scene_class
from gdexplain.core.errors import InputError
from gdexplain.visual.panels import fmt, fmt_vector
from gdexplain.visual.squares import nice_square_scale
from scene_probe import probe
from traced import trace_csv

SETTINGS = {"steps": "6", "eps": "0.01"}


@pytest.fixture(scope="module")
def mod():
    load_scene_class(get_entry("adadelta"))
    return sys.modules["gdexplain_scenes.adadelta"]


@pytest.fixture(scope="module")
def shown():
    return probe("adadelta", **SETTINGS)


def _rows():
    s = get_entry("adadelta").resolve(SETTINGS)
    rows = trace_csv(s["surface"], "adadelta", s["lr"], s["steps"], s["start"], rho=s["rho"], eps=s["eps"])
    return s, rows


def _vec(row, name):
    return np.array([row[f"{name}_x"], row[f"{name}_y"]])


def test_readout_rows_are_the_traced_numbers(mod):
    s, rows = _rows()
    traj = mod.run_adadelta(s)
    for t in range(1, s["steps"] + 1):
        shown = dict(mod.step_rows(traj, t))
        g, sq, scaled, u = (_vec(rows[t], n) for n in ("g", "sq_grad_avg", "scaled_grad", "sq_delta_avg"))
        assert shown["g"] == fmt_vector(g)
        assert shown["s"] == fmt_vector(sq)
        assert shown["Δ"] == fmt_vector(scaled)
        assert shown["u"] == fmt_vector(u)
        assert shown["√(u+ε)/√(s+ε)"] == fmt_vector(scaled / g)  # the ratio, as the trace implies it
        assert shown["θ"] == fmt_vector([rows[t]["x"], rows[t]["y"]])


@pytest.mark.slow
def test_the_scene_shows_each_slow_step_and_its_squares(mod, shown):
    beats = shown
    s, rows = _rows()
    s_all = np.array([_vec(r, "sq_grad_avg") for r in rows[1:]]).ravel()
    u_all = np.array([_vec(r, "sq_delta_avg") for r in rows[1:]]).ravel()
    scale_s, scale_u = nice_square_scale(s_all, mod.MAX_SIDE), nice_square_scale(u_all, mod.MAX_SIDE)
    moves = [b for b in beats if b.text.startswith(("The ball moves", "Move, and remember"))]
    assert len(moves) == mod.SLOW_STEPS
    for t, beat in enumerate(moves, start=1):
        for name in ("g", "sq_grad_avg", "scaled_grad", "sq_delta_avg"):
            assert beat.shows(fmt_vector(_vec(rows[t], name))), (t, name)
        areas = np.concatenate(beat.squares[-4:])  # s_x, s_y, u_x, u_y as drawn
        want = np.concatenate([_vec(rows[t], "sq_grad_avg") * scale_s, _vec(rows[t], "sq_delta_avg") * scale_u])
        np.testing.assert_allclose(areas, np.maximum(want, 1e-8), rtol=1e-6, atol=2e-8)
    notes = [b for b in beats if b.shows(f"s × {scale_s:g}, u × {scale_u:g}")]
    assert notes, "the two square scales are stated"
    last = [b for b in beats if b.text.startswith("Then the same four moves")][0]
    assert last.shows(fmt_vector(_vec(rows[-1], "sq_delta_avg")))  # the fast-forward ends on the last step's numbers


@pytest.mark.slow
def test_spoken_numbers_follow_the_settings(shown):
    beats = shown
    s, rows = _rows()
    first = [b.text for b in beats if "only epsilon" in b.text][0]
    assert fmt(s["eps"]) in first and fmt(math.sqrt(s["eps"] / (1 - s["rho"])), 3) in first
    ratio = _vec(rows[1], "scaled_grad") / _vec(rows[1], "g")
    watch = [b.text for b in beats if b.text.startswith("Watch the ratio")][0]
    assert fmt(ratio[1], 3) in watch and fmt(ratio[0], 3) in watch
    assert any(f"rho, {fmt(s['rho'])}" in b.text for b in beats)


@pytest.mark.slow
def test_the_race_narration_is_the_measured_burst(mod, shown):
    from gdexplain.core.analysis import find_burst

    beats = shown
    s = get_entry("adadelta").resolve(SETTINGS)
    ada, rms = mod.run_race(s)
    losses = np.array([r["loss"] for r in trace_csv(s["surface"], "adadelta", s["lr"], s["race_steps"], s["start"],
                                                      rho=s["rho"], eps=s["eps"])])
    np.testing.assert_allclose(ada.losses, losses, rtol=1e-12, atol=1e-300)
    burst = find_burst(ada)
    assert burst is not None and burst.peak_gap > 1e3 * burst.low_gap
    text = [b.text for b in beats if b.text.startswith("Then something happens")][0]
    assert fmt(burst.low_gap) in text and fmt(burst.peak_gap) in text and f"step {burst.peak_step}" in text


def test_without_a_burst_the_race_says_who_ends_lower(mod):
    s = get_entry("adadelta").resolve({"race_steps": "60"})
    ada, rms = mod.run_race(s)
    from gdexplain.core.analysis import find_burst

    assert find_burst(ada) is None
    verdict = mod.AdaDeltaScene._verdict(None, ada, rms)
    assert fmt(ada.final_loss) in verdict and fmt(rms.final_loss) in verdict


@pytest.mark.parametrize("overrides", [{"eps": "0"}, {"rho": "1"}, {"lr": "0"}, {"race_lr": "-1"}, {"surface": "double-well"},
                                       {"surface": "x**2 + q"}])
def test_bad_values_raise(overrides):
    with pytest.raises(InputError):
        get_entry("adadelta").resolve(overrides)
