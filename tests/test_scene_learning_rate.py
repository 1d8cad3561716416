"""Scene learning-rate: what it draws, labels and says equals the core's runs (`gdexplain trace`, diagnose)."""

from __future__ import annotations

import numpy as np
import pytest

from gdexplain.catalog import get_entry
from gdexplain.core.diagnosis import diagnose
from gdexplain.core.errors import InputError
from gdexplain.core.optimizers import make_optimizer
from gdexplain.core.surfaces import get_surface
from gdexplain.core.trajectory import run
from gdexplain.visual.panels import fmt
from scene_probe import probe_scene
from traced import trace_csv

SLUG = "learning-rate"
KEYS = ("lr_small", "lr_good", "lr_large", "lr_huge")


@pytest.fixture(scope="module")
def default_run():
    return probe_scene(SLUG)


@pytest.fixture(scope="module")
def scene_module(default_run):
    import sys

    return sys.modules["gdexplain_scenes.learning_rate"]


def test_defaults_show_the_four_intended_behaviours():
    s = get_entry(SLUG).resolve()
    surface = get_surface(s["surface"])
    kinds = [diagnose(run(make_optimizer("gd", lr=s[k]), surface, s["start"], s["steps"]), s["tol"]).kind for k in KEYS]
    assert kinds == ["crawling", "settled", "zig-zagging", "diverged"]
    stuck = run(make_optimizer("gd", lr=s["stuck_lr"]), get_surface(s["stuck_surface"]), None, s["stuck_steps"])
    bounce = run(make_optimizer("gd", lr=s["bounce_lr"]), get_surface(s["stuck_surface"]), None, s["stuck_steps"])
    assert diagnose(stuck, s["tol"]).kind == "settled" and diagnose(bounce, s["tol"]).kind == "bouncing"
    # Both losses have gone flat; only the gradient tells them apart.
    assert abs(stuck.losses[-1] - stuck.losses[-10]) < 1e-6 and abs(bounce.losses[-1] - bounce.losses[-10]) < 1e-6
    assert stuck.gradient_norms()[-1] < 1e-3 < 1.0 < bounce.gradient_norms()[-1]


@pytest.mark.slow
def test_runs_drawn_are_the_traced_runs(default_run):
    scene, _ = default_run
    s = scene.settings
    for key, (role, color, lr, traj, d) in zip(KEYS, scene.runs):
        rows = trace_csv(s["surface"], "gd", s[key], s["steps"], s["start"])
        n = traj.diverged_at if traj.diverged else traj.steps + 1
        assert lr == s[key]
        np.testing.assert_allclose(traj.positions[:n], [[r["x"], r["y"]] for r in rows[:n]], rtol=1e-12)
        np.testing.assert_allclose(traj.losses[:n], [r["loss"] for r in rows[:n]], rtol=1e-12)


@pytest.mark.slow
def test_every_ball_ends_where_its_run_ended(default_run):
    scene, _ = default_run
    crossed = 0
    for race in scene.lanes + scene.lanes2:
        traj = race.lanes[0].traj
        state = race.state(0, race.progress)
        if traj.diverged:
            crossed += 1
            assert state.crossed and race.crosses[0].get_stroke_opacity() == 1.0
        else:
            assert not state.crossed
            np.testing.assert_allclose(race.balls[0].get_center(), race.to_scene(traj.final), atol=1e-6)
    assert crossed == 1  # the much-too-large rate, and only it


@pytest.mark.slow
def test_labels_on_screen_are_the_diagnoses(default_run, scene_module):
    scene, shown = default_run
    texts = {t for view in shown for t in view.texts}
    for key, (role, color, lr, traj, d) in zip(KEYS, scene.runs):
        assert f"α = {fmt(scene.settings[key])}" in texts
        assert scene_module.verdict_text(d) in texts
    assert "diverged at step 14" in texts  # the default much-too-large run, as the core stops it
    stuck, bounce, d_stuck, d_bounce = scene.part_two
    last = shown[-1].texts
    assert f"left: ‖∇L‖ = {fmt(stuck.gradient_norms()[-1])}  →  settled" in last
    assert f"right: ‖∇L‖ = {fmt(bounce.gradient_norms()[-1])}  →  bouncing" in last


@pytest.mark.slow
def test_narration_follows_the_settings(default_run):
    scene, _ = default_run
    changed, _ = probe_scene(SLUG, lr_huge=0.2, bounce_lr=0.07)
    said = " ".join(b.text for b in scene.beats)
    said2 = " ".join(b.text for b in changed.beats)
    d_huge = changed.runs[3][4]
    assert d_huge.kind == "diverged" and d_huge.at != scene.runs[3][4].at
    assert f"diverged at step {d_huge.at}" in said2 and f"diverged at step {d_huge.at}" not in said
    bounce = changed.part_two[3]
    assert f"about {fmt(bounce.final_grad_norm, 3)}" in said2


@pytest.mark.parametrize("overrides", [{"lr_good": "0"}, {"tol": "-1"}, {"stuck_surface": "quadratic-fit"}, {"steps": "0"}])
def test_bad_values_are_refused(overrides):
    with pytest.raises(InputError):
        get_entry(SLUG).resolve(overrides)
