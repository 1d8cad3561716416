"""The race block (visual/map_race.py): where every mark is at a progress, against the trajectories."""

from __future__ import annotations

import numpy as np
import pytest

from gdexplain.core.optimizers import make_optimizer
from gdexplain.core.parts import push_memory, square_memory
from gdexplain.core.surfaces import get_surface
from gdexplain.core.trajectory import run
from gdexplain.visual.map_race import OVERLAYS, Lane, MapRace, nice_factor, overlay_vector, race_rows
from gdexplain.visual.panels import fmt, fmt_vector


def flat(p):
    return np.array([p[0], p[1], 0.0])


@pytest.fixture(scope="module")
def runs():
    s = get_surface("ravine")
    return {
        "gd": run(make_optimizer("gd", lr=0.1), s, None, 30),
        "momentum": run(make_optimizer("momentum", lr=0.1, beta=0.9), s, None, 12),
        "adam": run(make_optimizer("adam", lr=0.3), s, None, 20),
    }


def test_balls_stand_on_recorded_positions_and_wait_at_their_end(runs):
    lanes = [Lane.of(n, t) for n, t in runs.items()]
    race = MapRace(lanes, flat, get_surface("ravine").ranges)
    assert race.end == 30
    for k in (0, 3, 12, 25, 30):
        race.set_progress(k)
        for i, lane in enumerate(lanes):
            want = lane.traj.positions[min(k, lane.traj.steps)]
            np.testing.assert_allclose(race.balls[i].get_center()[:2], want, atol=1e-9)
    race.set_progress(2.5)  # half way through step 3
    gd = runs["gd"].positions
    np.testing.assert_allclose(race.balls[0].get_center()[:2], (gd[2] + gd[3]) / 2, atol=1e-9)
    np.testing.assert_allclose(race.paths[0].points[-1][:2], (gd[2] + gd[3]) / 2, atol=1e-9)


def test_lane_colour_and_name_come_from_the_registry(runs):
    from gdexplain.core.optimizers import OPTIMIZERS

    lane = Lane.of("adam", runs["adam"])
    assert (lane.label, lane.color) == ("Adam", OPTIMIZERS["adam"].color)
    with pytest.raises(Exception):
        Lane.of("adamm", runs["adam"])


def test_advance_calls_on_step_for_completed_steps(runs):
    race = MapRace([Lane.of("gd", runs["gd"])], flat, get_surface("ravine").ranges)
    seen = []
    anim = race.advance(0, 10, on_step=seen.append, updates=5)
    anim.begin()
    for a in np.linspace(0, 1, 41):
        anim.interpolate(a)
    assert seen == [2, 4, 6, 8, 10]
    assert race.progress == pytest.approx(10)


def test_race_rows_read_the_trajectories(runs):
    lanes = [Lane.of("gd", runs["gd"]), Lane.of("momentum", runs["momentum"])]
    rows = dict(race_rows(lanes, 20, "step"))
    assert rows["step"] == "20"
    assert rows["GD loss"] == fmt(runs["gd"].losses[20])
    assert rows["Momentum loss"] == fmt(runs["momentum"].losses[12])  # stopped at 12: its last
    assert rows["Momentum step"] == fmt_vector(runs["momentum"].quantity("delta")[12])
    with pytest.raises(ValueError):
        race_rows(lanes, 1, "speed")


def test_overlays_show_the_recorded_gradient_push_and_squares(runs):
    lanes = [Lane.of(n, t) for n, t in runs.items()]
    race = MapRace(lanes, flat, ((-50, 50), (-50, 50)), overlays=OVERLAYS)
    assert race.lanes[0].squares is None and race.lanes[2].squares is not None  # GD keeps no squares
    np.testing.assert_array_equal(race.lanes[2].squares.values, square_memory(runs["adam"]))
    k = 5
    race.set_progress(k)
    # Arrows: per lane, gradient then momentum; GD has no push (empty), momentum's is v_5.
    arrows = list(race.arrows)
    grad_gd, push_gd, grad_m, push_m = arrows[:4]
    g = runs["gd"].quantity("grad")[k]
    np.testing.assert_allclose(grad_gd.get_end()[:2] - grad_gd.get_start()[:2], race.arrow_factor * g, atol=1e-6)
    assert len(push_gd.points) == 0
    v = push_memory(runs["momentum"])[k]
    np.testing.assert_allclose(push_m.get_end()[:2] - push_m.get_start()[:2], race.arrow_factor * v, atol=1e-6)
    np.testing.assert_allclose(overlay_vector(runs["adam"], "momentum", k), -runs["adam"].quantity("m")[k])
    with pytest.raises(ValueError):
        MapRace(lanes, flat, ((-5, 5), (-5, 5)), overlays=("speed",))


def test_nice_factor_draws_the_median_near_the_wanted_length():
    assert nice_factor([0.01, 0.02, 0.03], 0.5) == 20.0
    assert nice_factor([5.0], 0.5) == 0.1
    assert nice_factor([], 0.5) == 1.0
