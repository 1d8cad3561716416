"""Scenes one-learning-rate, adagrad, rmsprop: what they draw and show equals the core's numbers.

The squares' drawn areas are checked against ``gdexplain trace --format csv``
(accumulator × stated scale), the readouts and the effective-rate chart
against the same columns, and the parameters against the framework's
validation. The claims the narration makes at the default settings are
checked on the trajectories the scenes draw.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from gdexplain.catalog import get_entry, load_scene_class
from gdexplain.core.errors import InputError
from gdexplain.core.optimizers import make_optimizer
from gdexplain.core.surfaces import get_surface
from gdexplain.core.trajectory import run
from gdexplain.visual.panels import fmt_vector
from gdexplain.core.analysis import effective_rate
from gdexplain.core.parts import accumulator, accumulator_parts
from traced import trace_csv
from gdexplain.visual.squares import AccumulatorSquares, SquareScaleNote, nice_square_scale, square_sides

SLUGS = ("one-learning-rate", "adagrad", "rmsprop")


@pytest.fixture(scope="module")
def scenes():
    load_scene_class(get_entry("adagrad"))
    import sys

    return sys.modules["gdexplain_scenes.adaptive"]


def scene_traj(slug: str):
    s = get_entry(slug).resolve()
    if slug == "adagrad":
        opt = make_optimizer("adagrad", lr=s["lr"], eps=s["eps"])
    else:
        opt = make_optimizer("rmsprop", lr=s["lr"], rho=s["rho"], eps=s["eps"])
    return s, run(opt, get_surface(s["surface"]), s["start"], s["steps"])


# --- the squares: pure mapping and drawn geometry ---------------------------------------------


def test_square_sides_area_is_value_times_scale():
    sides, capped = square_sides([4.0, 0.25, 0.0], scale=0.5)
    np.testing.assert_allclose(sides**2, [2.0, 0.125, 0.0])
    assert not capped.any()


def test_square_sides_cap_marks_what_it_cuts():
    sides, capped = square_sides([100.0, 1.0], scale=0.02, cap=1.0)
    assert sides[0] == 1.0 and capped[0]  # true side √2 > 1: cut and flagged
    assert sides[1] == pytest.approx(math.sqrt(0.02)) and not capped[1]


def test_square_sides_rejects_bad_scale():
    with pytest.raises(ValueError):
        square_sides([1.0], scale=0.0)


@pytest.mark.parametrize("top", [0.003, 1.0, 87.2, 2423.7, 4.6e4])
def test_nice_scale_fits_and_is_not_wastefully_small(top):
    scale = nice_square_scale([top / 10, top], max_side=1.6)
    assert math.sqrt(top * scale) <= 1.6 + 1e-9
    assert math.sqrt(top * scale) > 1.6 / math.sqrt(2.5) - 1e-9  # next nice scale up would not fit
    mantissa = scale / 10 ** math.floor(math.log10(scale))
    assert round(mantissa, 9) in (1.0, 2.0, 5.0)


@pytest.mark.parametrize("slug,column", [("adagrad", "sq_grad_sum"), ("rmsprop", "sq_grad_avg")])
def test_drawn_square_areas_equal_trace_accumulator_times_scale(scenes, slug, column):
    s, traj = scene_traj(slug)
    rows = trace_csv(s["surface"], slug, s["lr"], s["steps"], s["start"], **{k: s[k] for k in ("eps", "rho") if k in s})
    acc = accumulator(traj)
    scale = nice_square_scale(acc[1:].ravel(), scenes.MAX_SIDE)
    for t in (1, 2, 3, s["steps"]):
        squares = AccumulatorSquares(acc[t], scale, np.zeros(3), labels=("s_x", "s_y"))
        expected = np.array([rows[t][f"{column}_x"], rows[t][f"{column}_y"]]) * scale
        np.testing.assert_allclose(squares.square_areas(), expected, rtol=1e-6, atol=1e-7)
        assert not squares.capped.any()
        # One corner of each square sits on the ball, x square along +x/−y, y square along −x/+y.
        xs, ys = squares.squares
        assert np.allclose(xs.get_corner(np.array([-1, 1, 0])), 0, atol=1e-3)
        assert np.allclose(ys.get_corner(np.array([1, -1, 0])), 0, atol=1e-3)
    # The steep axis (y) of the ravine grows the bigger square.
    assert acc[1][1] > 10 * acc[1][0]


def test_capped_square_is_drawn_at_cap_dashed_and_announced():
    squares = AccumulatorSquares([400.0, 0.1], scale=0.5, at=np.zeros(3), labels=("s_x", "s_y"), cap=1.4)
    assert squares.capped.tolist() == [True, False]
    assert squares.square_areas()[0] == pytest.approx(1.4**2, rel=1e-2)
    assert squares.square_areas()[1] == pytest.approx(0.05, rel=1e-6)
    assert "capped" in squares.labels[0].text
    assert "capped" in " ".join(m.text for m in SquareScaleNote(0.5, cap=1.4))
    assert len(SquareScaleNote(0.5)) == 1  # no cap, no cap line


def test_race_scale_caps_adagrad_but_not_rmsprop(scenes):
    """In the rmsprop race, one scale serves both balls; only AdaGrad's outgrown squares are capped."""
    s = get_entry("rmsprop").resolve()
    surface = get_surface(s["race_surface"])
    ada = run(make_optimizer("adagrad", lr=s["race_lr"]), surface, None, s["race_steps"])
    rms = run(make_optimizer("rmsprop", lr=s["race_lr"], rho=s["rho"], eps=s["eps"]), surface, None, s["race_steps"])
    scale = nice_square_scale(accumulator(rms)[1:].ravel(), 0.7)
    assert not square_sides(accumulator(rms)[1:].ravel(), scale, 1.4)[1].any()
    assert square_sides(accumulator(ada)[1:].ravel(), scale, 1.4)[1].any()


# --- readouts and charts ----------------------------------------------------------------------


@pytest.mark.parametrize("slug,column", [("adagrad", "sq_grad_sum"), ("rmsprop", "sq_grad_avg")])
def test_step_readout_shows_trace_values(scenes, slug, column):
    s, traj = scene_traj(slug)
    rows = trace_csv(s["surface"], slug, s["lr"], 4, s["start"], **{k: s[k] for k in ("eps", "rho") if k in s})
    for t in (1, 2, 3):
        shown = dict(scenes.step_rows(traj, t))
        r = rows[t]
        assert shown["step t"] == str(t)
        assert shown["g"] == fmt_vector([r["g_x"], r["g_y"]])
        assert shown["s"] == fmt_vector([r[f"{column}_x"], r[f"{column}_y"]])
        assert shown["√s"] == fmt_vector(np.sqrt([r[f"{column}_x"], r[f"{column}_y"]]))
        assert shown["Δθ"] == fmt_vector([r["delta_x"], r["delta_y"]])


def test_effective_lr_matches_trace_and_only_falls(scenes):
    s, traj = scene_traj("adagrad")
    rows = trace_csv(s["surface"], "adagrad", s["lr"], s["steps"], s["start"], eps=s["eps"])
    eff = effective_rate(traj)[1:]  # row i: step i + 1
    assert eff.shape == (s["steps"], 2)
    for t in (1, 10, s["steps"]):
        r = rows[t]
        want = [r["lr"] / (math.sqrt(r[f"sq_grad_sum_{a}"]) + s["eps"]) for a in "xy"]
        np.testing.assert_allclose(eff[t - 1], want, rtol=1e-12)
    assert np.all(np.diff(eff, axis=0) <= 1e-15)  # what the weakness chart claims
    assert eff[-1][0] < eff[0][0]


def test_rmsprop_parts_add_up_and_first_step_is_ten_alpha(scenes):
    s, traj = scene_traj("rmsprop")
    rows = trace_csv(s["surface"], "rmsprop", s["lr"], 3, s["start"], rho=s["rho"], eps=s["eps"])
    for t in (1, 2, 3):
        p = accumulator_parts(traj, t)
        kept, added = p.kept, p.added
        np.testing.assert_allclose(kept + added, [rows[t]["sq_grad_avg_x"], rows[t]["sq_grad_avg_y"]], rtol=1e-12)
    ratio = np.abs([rows[1]["delta_x"], rows[1]["delta_y"]]) / s["lr"]
    np.testing.assert_allclose(ratio, 1 / math.sqrt(1 - s["rho"]), rtol=1e-5)


# --- what the narration claims at the defaults ------------------------------------------------


def test_one_learning_rate_defaults_show_crawl_and_bounce():
    s = get_entry("one-learning-rate").resolve()
    surface = get_surface(s["surface"])
    small = run(make_optimizer("gd", lr=s["lr_small"]), surface, s["start"], s["steps"])
    large = run(make_optimizer("gd", lr=s["lr_large"]), surface, s["start"], s["steps"])
    # careful: steep axis done, flat axis far from done
    assert abs(small.final[1]) < 0.01 and abs(small.final[0]) > 2
    # bold: flat axis nearly done, still bouncing across, loss flat while the gradient stays large
    assert abs(large.final[0]) < 0.2 and abs(large.final[1]) > 1
    assert large.losses[-10:].max() - large.losses[-10:].min() < 0.05
    assert large.gradient_norms()[-1] > 0.9 * large.gradient_norms()[0]


def test_race_defaults_tell_the_story():
    a = get_entry("adagrad").resolve()
    for key in ("bowl", "saddle"):
        surface = get_surface(a[f"{key}_surface"])
        gd = run(make_optimizer("gd", lr=a[f"{key}_lr"]), surface, None, a["race_steps"])
        ada = run(make_optimizer("adagrad", lr=a[f"{key}_lr"], eps=a["eps"]), surface, None, a["race_steps"])
        if key == "saddle":
            assert ada.final_loss < gd.final_loss - 0.5  # GD stalls near the saddle, AdaGrad gets away
    r = get_entry("rmsprop").resolve()
    surface = get_surface(r["race_surface"])
    ada = run(make_optimizer("adagrad", lr=r["race_lr"]), surface, None, r["race_steps"])
    rms = run(make_optimizer("rmsprop", lr=r["race_lr"], rho=r["rho"], eps=r["eps"]), surface, None, r["race_steps"])
    assert rms.final_loss < ada.final_loss - 1


# --- parameters -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "slug,key,value",
    [
        ("adagrad", "lr", "0"),
        ("adagrad", "eps", "-1e-3"),
        ("adagrad", "surface", "double-well"),
        ("adagrad", "start", "50,50"),
        ("adagrad", "bowl_surface", "nope"),
        ("adagrad", "race_steps", "0"),
        ("rmsprop", "rho", "1"),
        ("rmsprop", "rho", "abc"),
        ("rmsprop", "steps", "2.5"),
        ("one-learning-rate", "lr_large", "-0.5"),
        ("one-learning-rate", "colour", "red"),
    ],
)
def test_bad_settings_raise_input_error(slug, key, value):
    with pytest.raises(InputError):
        get_entry(slug).resolve({key: value})


def test_settings_are_settable():
    s = get_entry("rmsprop").resolve({"rho": "0.9", "lr": "0.05", "start": "-4,1.5", "steps": "12"})
    assert s["rho"] == 0.9 and s["lr"] == 0.05 and s["start"] == (-4.0, 1.5) and s["steps"] == 12


@pytest.mark.parametrize("slug", SLUGS)
def test_registered_in_adaptive_module(slug):
    entry = get_entry(slug)
    assert entry.module == "adaptive"
    assert load_scene_class(entry).slug == slug
