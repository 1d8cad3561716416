"""The race scene: its parameters, its outcome rules, and the pictures' data mapping (no rendering)."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from gdexplain.catalog import get_entry, load_scene_class
from gdexplain.core.errors import InputError
from gdexplain.core.optimizers import OPTIMIZERS
from gdexplain.core.race import (
    OUTCOMES,
    Outcome,
    VIZ_METHODS,
    classify,
    default_lr,
    leaderboard,
    race_lrs,
    run_race,
    story,
)
from gdexplain.core.surfaces import SURFACES, get_surface
from traced import trace_csv
from gdexplain.visual.charts import Chart
from gdexplain.visual.paths import ClippedPath, clip_segment

TWO_D = [s.name for s in SURFACES.values() if s.dim == 2]


@pytest.fixture(scope="module")
def scene_module():
    load_scene_class(get_entry("race"))
    return sys.modules["gdexplain_scenes.race"]


# --- parameters ------------------------------------------------------------------


def test_defaults_are_the_viz_race():
    s = get_entry("race").resolve()
    assert s["optimizers"] == VIZ_METHODS
    assert (s["surface"], s["then"]) == ("saddle-point", "local-minimum")
    assert s["start"] == (1.5, 1.5)


def test_issue_command_line_is_accepted():
    s = get_entry("race").resolve(
        {"surface": "saddle-point", "optimizers": "gd,momentum,adagrad,rmsprop,adam", "lrs": "gd=0.1,adam=0.05", "view": "contour"}
    )
    assert dict(s["lrs"]) == {"gd": 0.1, "adam": 0.05}


@pytest.mark.parametrize(
    "key, value, hint",
    [
        ("optimizers", "gd,adamm", "'adam'"),
        ("surface", "sadle-point", "'saddle-point'"),
        ("then", "local-minimun", "'local-minimum'"),
        ("lrs", "rmsprp=0.1", "'rmsprop'"),
        ("view", "3D-view", None),
    ],
)
def test_unknown_names_suggest_the_closest(key, value, hint):
    with pytest.raises(InputError) as err:
        get_entry("race").resolve({key: value})
    if hint:
        assert hint in str(err.value)


@pytest.mark.parametrize(
    "overrides",
    [
        {"surface": "double-well"},  # one coordinate
        {"surface": "quadratic-fit"},  # three coordinates
        {"lrs": "gd=-0.1"},
        {"lrs": "gd=abc"},
        {"lrs": "gd=0.1,gd=0.2"},
        {"lrs": "nesterov=0.1"},  # not racing
        {"optimizers": "gd,gd"},
        {"steps": "0"},
        {"tol": "0"},
        {"start": "9,9"},
    ],
)
def test_bad_values_raise_input_error(overrides):
    with pytest.raises(InputError):
        get_entry("race").resolve(overrides)


def test_every_optimizer_has_a_default_rate_valid_for_it():
    rates = race_lrs(list(OPTIMIZERS), get_surface("booth"))
    assert set(rates) == set(OPTIMIZERS)
    # adaptive methods scale with the range (booth is 20 wide, 5 times gradient_descent_viz's 4)
    assert rates["adam"] == pytest.approx(5 * OPTIMIZERS["adam"].race_lr)
    assert rates["gd"] == OPTIMIZERS["gd"].race_lr
    assert race_lrs(["gd", "adam"], get_surface("booth"), {"adam": 0.3})["adam"] == 0.3


def test_race_accepts_every_surface_and_optimizer():
    for name in TWO_D:
        racers = run_race(get_surface(name), list(OPTIMIZERS), steps=15)
        assert [r.name for r in racers] == list(OPTIMIZERS)
        for r in racers:
            assert r.outcome in OUTCOMES
            assert np.all(np.isfinite(r.traj.positions)) and np.isfinite(r.final_loss)


# --- outcomes, ranking, narration -------------------------------------------------------


def test_race_uses_the_core_trajectory():
    racers = run_race(get_surface("saddle-point"), ["adam"], {"adam": 0.05}, None, 150, 1e-2)
    rows = trace_csv("saddle-point", "adam", 0.05, 150, tol=0.01)
    traj = racers[0].traj
    assert len(rows) == len(traj.positions)
    xy = np.array([[float(r["x"]), float(r["y"])] for r in rows])
    assert np.allclose(xy, traj.positions, rtol=0, atol=1e-12)
    assert racers[0].outcome is Outcome.MINIMUM and racers[0].at == len(rows) - 1


def test_default_races_tell_the_known_stories():
    saddle = {r.name: r for r in run_race(get_surface("saddle-point"), VIZ_METHODS)}
    # Adaptive methods get past the saddle; plain GD is still on its way.
    assert saddle["gd"].outcome is Outcome.STILL_MOVING
    assert all(saddle[n].outcome is Outcome.MINIMUM for n in ("adagrad", "rmsprop", "adam", "momentum"))
    local = {r.name: r for r in run_race(get_surface("local-minimum"), VIZ_METHODS)}
    assert local["gd"].outcome is Outcome.LOCAL_MINIMUM
    assert local["momentum"].outcome is Outcome.MINIMUM
    assert leaderboard(list(local.values()))[0].name == "momentum"


def test_diverging_methods_are_diverged_and_ranked_last(scene_module):
    racers = run_race(get_surface("rosenbrock"), VIZ_METHODS)
    board = leaderboard(racers)
    diverged = [r for r in racers if r.traj.diverged]
    assert diverged and all(r.outcome is Outcome.DIVERGED for r in diverged)
    assert board[-len(diverged):] == sorted(diverged, key=lambda r: -r.at)
    rows = scene_module.leader_rows(racers)
    for r, row in zip(board, rows):
        assert row.dim == (r.outcome in (Outcome.DIVERGED, Outcome.STUCK, Outcome.OFF_MAP))
        if r.outcome is Outcome.DIVERGED:
            assert row.value == "—" and row.result == f"diverged, step {r.traj.diverged_at}"
    assert any("diverges" in line for line in story(racers))


def test_a_diverged_ball_is_crossed_out_where_its_path_left_the_map():
    from gdexplain.visual.map_race import Lane, MapRace

    surface = get_surface("rosenbrock")
    (r,) = run_race(surface, ["gd"], {"gd": 0.03})
    assert r.traj.diverged
    race = MapRace([Lane.of("gd", r.traj)], lambda p: np.array([p[0], p[1], 0.0]), surface.ranges)
    at = race.state(0, r.traj.diverged_at)
    assert at.crossed and not at.inside
    assert surface.contains(at.point)  # drawn on the map's edge, never off into the distance
    assert not race.state(0, r.traj.diverged_at - 1).crossed
    race.set_progress(r.traj.diverged_at)
    assert race.crosses[0].get_stroke_opacity() == 1.0 and race.balls[0][0].get_fill_opacity() == 0.0


def test_stuck_means_a_tiny_gradient_far_from_known_minima():
    racers = run_race(get_surface("saddle"), ["gd"], {"gd": 0.1}, (1.0, 0.0), 200, 1e-2)
    assert racers[0].outcome is Outcome.STUCK  # y = 0 exactly: it slides into the saddle and stops there


def test_classify_off_the_map():
    surface = get_surface("saddle")
    (r,) = run_race(surface, ["gd"], {"gd": 0.1}, None, 60)
    assert not r.traj.diverged and not surface.contains(r.traj.final)
    assert classify(r.traj) == (Outcome.OFF_MAP, None)


def test_default_lr_of_unknown_method_is_an_input_error():
    with pytest.raises(InputError):
        default_lr("sgd", get_surface("booth"))


# --- drawing rules ----------------------------------------------------------------


def test_clip_segment():
    box = ((-1.0, 1.0), (-1.0, 1.0))
    assert clip_segment((0, 0), (0.5, 0.5), box) == (0.0, 1.0)
    t0, t1 = clip_segment((0, 0), (2, 0), box)
    assert (t0, t1) == (0.0, 0.5)
    assert clip_segment((2, 2), (3, 3), box) is None


def test_clipped_path_shows_k_steps_exactly():
    pts = np.array([[0.0, 0.0], [0.5, 0.0], [0.5, 0.5], [5.0, 0.5]])
    path = ClippedPath(pts, lambda p: np.array([p[0], p[1], 0.0]), ((-1, 1), (-1, 1)))
    path.set_progress(2)
    drawn = path.points
    assert len(drawn) == 8 and np.allclose(drawn[-1][:2], pts[2])
    path.set_progress(3)
    assert np.max(path.points[:, 0]) == pytest.approx(1.0)  # cut at the edge
    point, inside = path.visible_point(3)
    assert not inside and np.allclose(point, [1.0, 0.5])


def test_loss_chart_log_scale_and_clipping():
    losses = {"a": np.array([3.0, 1.0, 0.0 + 1e-3 - 1.0]), "b": np.array([3.0, 50.0, 1e6])}
    chart = Chart(losses, {"a": "#fff", "b": "#f00"}, 2, log=True, floor=-1.0)
    assert chart.y_value([9.0])[0] == pytest.approx(1.0)  # log10(9 − (−1))
    assert "−1" in chart.scale_text and "log" in chart.scale_text
    top = chart.c2p((0, chart.y_hi))[1]
    assert np.all(chart.lines["b"].points[:, 1] <= top + 1e-9)  # a blow-up leaves through the top
    lin = Chart(losses, {"a": "#fff", "b": "#f00"}, 2)
    assert lin.scale_text == "linear scale" and lin.y_hi < 50


def test_chart_lines_follow_the_chart_when_it_moves():
    chart = Chart({"a": np.array([3.0, 2.0, 1.0])}, {"a": "#fff"}, 2)
    chart.shift(np.array([1.0, -2.0, 0.0])).scale(0.5)
    chart.set_progress(2)
    assert np.allclose(chart.lines["a"].points[-1], chart.c2p((2, 1.0)))


def test_overlays_setting():
    entry = get_entry("race")
    assert entry.resolve()["overlays"] == ()
    assert entry.resolve({"overlays": "gradient,momentum,squares"})["overlays"] == ("gradient", "momentum", "squares")
    assert entry.resolve({"overlays": "none"})["overlays"] == ()
    from gdexplain.visual.map_race import OVERLAYS

    assert entry.param("overlays").choices == OVERLAYS
    for bad in ("gradiant", "squares,squares"):
        with pytest.raises(InputError):
            entry.resolve({"overlays": bad})
    with pytest.raises(InputError, match="view=contour"):
        entry.resolve({"overlays": "squares", "view": "3d"})


def test_every_core_method_races_including_qhm_qhadam_and_lookahead():
    s = get_entry("race").resolve({"optimizers": ",".join(OPTIMIZERS)})
    assert set(s["optimizers"]) == set(OPTIMIZERS)


def test_chart_from_zero_has_a_nice_top_and_draws_series_later():
    chart = Chart(steps=10, y_max=0.87, from_zero=True, title="rate")
    assert (chart.y_lo, chart.y_hi) == (0.0, 1.0)
    assert not chart.lines and chart.state_scale is False
    line = chart.line(np.linspace(0.87, 0.1, 10), "#fff", start_step=1)
    np.testing.assert_allclose(line.points[0], chart.c2p((1, 0.87)), atol=1e-9)
    np.testing.assert_allclose(line.points[-1], chart.c2p((10, 0.1)), atol=1e-9)
    with pytest.raises(ValueError, match="colour"):
        Chart({"a": [1.0, 2.0]}, {}, 2)


def test_lookahead_races_around_any_inner_method():
    s = get_entry("race").resolve({"optimizers": "gd,lookahead:momentum", "lrs": "lookahead:momentum=0.03"})
    (gd, look) = run_race(get_surface("saddle-point"), s["optimizers"], s["lrs"], steps=20)
    assert look.title == "Lookahead (Momentum)" and look.lr == 0.03
    assert look.traj.optimizer.inner.name == "momentum"
    # Without a rate, Lookahead takes its inner method's race rate.
    assert default_lr("lookahead:momentum", get_surface("booth")) == default_lr("momentum", get_surface("booth"))
    for bad, says in (("gd,lookahead:lookahead", "another optimizer"), ("adam:momentum", "only lookahead"),
                      ("lookahead:momentun", "'momentum'")):
        with pytest.raises(InputError, match=says):
            get_entry("race").resolve({"optimizers": bad})
