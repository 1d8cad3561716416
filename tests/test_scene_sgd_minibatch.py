"""Scene sgd-minibatch: the runs, drawn samples, work counts and read-outs equal the core's (`gdexplain trace`)."""

from __future__ import annotations

import numpy as np
import pytest

from gdexplain.catalog import get_entry
from gdexplain.core.errors import InputError
from gdexplain.core.surfaces import get_surface
from gdexplain.visual.panels import fmt
from scene_probe import probe_scene
from traced import trace_csv

SLUG = "sgd-minibatch"
DATA = get_surface("linear-regression")


@pytest.fixture(scope="module")
def default_run():
    return probe_scene(SLUG)


@pytest.fixture(scope="module")
def mod(default_run):
    import sys

    return sys.modules["gdexplain_scenes.sgd_minibatch"]


@pytest.mark.slow
def test_runs_are_the_traced_runs_with_the_same_seed(default_run):
    scene, _ = default_run
    s = scene.settings
    for b in scene.runs:
        rows = trace_csv("linear-regression", "gd", s["lr"], b.traj.steps, batch_size=b.batch, seed=s["seed"])
        np.testing.assert_allclose(b.traj.positions, [[r["theta0"], r["theta1"]] for r in rows], rtol=1e-12)
        np.testing.assert_allclose(b.traj.losses, [r["loss"] for r in rows], rtol=1e-12)
        # The points ringed as "drawn" at step t are the ones whose gradient the step used.
        for t in (1, 2, b.traj.steps):
            g = np.array([rows[t]["g_theta0"], rows[t]["g_theta1"]])
            np.testing.assert_allclose(DATA.batch_gradient(b.traj.positions[t - 1], b.drawn(t)), g, rtol=1e-10)


@pytest.mark.slow
def test_same_work_for_every_method(default_run):
    scene, _ = default_run
    budget = scene.settings["epochs"] * DATA.n_samples
    assert [b.traj.sample_gradients()[-1] for b in scene.runs] == [budget] * 3
    assert [b.traj.steps for b in scene.runs] == [budget // 100, budget // scene.settings["batch"], budget]


@pytest.mark.slow
def test_read_outs_and_balls_at_the_end(default_run):
    scene, shown = default_run
    budget = scene.settings["epochs"] * DATA.n_samples
    (rows,) = [r for r in shown[-1].readouts if "sample gradients" in r]
    assert rows["sample gradients"] == f"{budget} of {budget}"
    for b in scene.runs:
        steps, _, used, _, _, loss = rows[b.name].split()
        assert (int(steps), int(used), loss) == (b.traj.steps, b.traj.sample_gradients()[-1], fmt(b.traj.final_loss))
    for b, ball in zip(scene.runs, scene.balls):
        np.testing.assert_allclose(ball.get_center(), scene.cmap.c2p(b.traj.final), atol=1e-6)


@pytest.mark.slow
def test_narration_names_the_drawn_point_and_follows_the_seed(default_run):
    scene, _ = default_run
    first = int(scene.runs[2].traj.batches[0][0])
    said = " ".join(b.text for b in scene.beats)
    assert f"Here it drew point {first}," in said
    other, _ = probe_scene(SLUG, seed=1)
    first1 = int(other.runs[2].traj.batches[0][0])
    assert first1 != first and f"Here it drew point {first1}," in " ".join(b.text for b in other.beats)
    assert f"its loss is still {fmt(scene.runs[0].traj.final_loss, 3)}" in said


def test_a_full_batch_step_moves_only_once_it_is_paid_for(mod):
    runs = mod.batchings(0.05, 10, 2, 0)
    full, mini, sgd = runs
    assert full.step_at(0) == 0 and full.step_at(69) == 0 and 0 < full.step_at(85) < 1 and full.step_at(100) == 1
    assert sgd.step_at(200) == 200 and mini.step_at(200) == 20
    assert mod.work_rows(runs, 100, 200)[0] == ("sample gradients", "100 of 200")
    assert mod.work_rows(runs, 100, 200)[1][1].split()[:2] == ["1", "step"]


def test_result_words_follow_the_losses(mod):
    runs = mod.batchings(0.05, 10, 2, 0)
    lines = mod.result_sentences(runs, 0.99)
    ranked = sorted(runs, key=lambda b: b.traj.final_loss)
    assert "the mini-batches end lowest" in lines[-1] if ranked[0] is runs[1] else "single samples end lowest" in lines[-1]
    assert "the full batch" in lines[-1].split("highest")[0].split("and")[-1]


@pytest.mark.parametrize("overrides", [{"batch": "1"}, {"batch": "100"}, {"epochs": "0"}, {"lr": "-0.1"}, {"seed": "-1"}])
def test_bad_values_are_refused(overrides):
    with pytest.raises(InputError):
        get_entry(SLUG).resolve(overrides)
