"""The curve-fit scene (curriculum B): what it displays, beat by beat, equals `gdexplain trace`,
and iterations 1, 2 and 20 show the source article's figures.

The scene runs with animations skipped (tests/scene_probe.py); at the end of
every beat the texts on screen are recorded and compared with the trace
CSV for the same settings. Spoken numbers are checked to follow ``--set``.
"""

from __future__ import annotations

import numpy as np
import pytest

from gdexplain.catalog import get_entry
from gdexplain.core.errors import InputError
from gdexplain.core.surfaces import get_surface
from gdexplain.narration import spoken_number as say
from gdexplain.visual.panels import fmt
from scene_probe import beat, probe
from traced import trace_csv

W = ("w0", "w1", "w2")


pytestmark = pytest.mark.slow  # the scene runs in full (animations skipped)


@pytest.fixture(scope="module")
def shown():
    return probe("curve-fit")


@pytest.fixture(scope="module")
def rows():
    s = get_entry("curve-fit").resolve()
    return trace_csv("quadratic-fit", "gd", s["lr"], s["steps"])


def _weights(row) -> list[str]:
    return [fmt(row[w]) for w in W]


def test_iteration_1_shows_the_article_figures(shown, rows):
    texts = beat(shown, "the weights become").texts
    # The update table: before, −α·∂L/∂w, after, per weight, from the trace.
    for w in W:
        before, after = rows[0][w], rows[1][w]
        assert fmt(before) in texts and fmt(after - before) in texts and fmt(after) in texts
    # The article's own code: 0.022, 0.09, 0.3916 after iteration 1; printed loss 195.8.
    assert _weights(rows[1]) == ["0.022", "0.09", "0.3916"]
    assert all(v in texts for v in ("0.022", "0.09", "0.3916", "195.8"))
    loss_beat = beat(shown, "loss printed for this iteration")
    assert fmt(rows[0]["loss"]) == "195.8" and "195.8" in loss_beat.text
    assert fmt(rows[1]["loss"]) in loss_beat.text


def test_sums_table_is_the_gradient_as_sums_over_the_points(shown, rows):
    texts = beat(shown, "scale by two over").texts
    surface = get_surface("quadratic-fit")
    terms = surface.gradient_terms([rows[0][w] for w in W])
    for row in terms:
        assert all(fmt(v) in texts for v in row)
    sums = terms.sum(axis=0)
    assert [fmt(v) for v in sums] == ["−55", "−225", "−979"]
    grads = [rows[0][f"grad_{w}"] for w in W]
    assert [fmt(g) for g in grads] == ["−22", "−90", "−391.6"]
    assert all(fmt(g) in texts for g in grads)
    np.testing.assert_allclose(2 / 5 * sums, grads, rtol=1e-12)
    assert all(say(g) in beat(shown, "scale by two over").text for g in grads)


def test_iteration_2_and_20(shown, rows):
    texts = beat(shown, "The weights move on to").texts
    assert _weights(rows[2]) == ["0.0348", "0.1426", "0.6213"]
    assert all(v in texts for v in _weights(rows[2]))
    # The loss the article prints for iteration 2 (of the prediction it started from), and the loss after it.
    assert fmt(rows[1]["loss"]) == "67.35" and "67.35" in texts and fmt(rows[2]["loss"]) in texts
    last = beat(shown, "the recipe repeats").texts
    assert all(v in last for v in _weights(rows[20]))
    assert fmt(rows[19]["loss"]) in last and fmt(rows[20]["loss"]) in last
    # The article: after 20 iterations w0 ≈ 0.049, w1 ≈ 0.212, w2 ≈ 0.948.
    np.testing.assert_allclose([rows[20][w] for w in W], [0.049, 0.212, 0.948], atol=6e-4)


def test_the_drawn_parabola_is_the_cores_model(shown, rows):
    w = np.array([rows[20][c] for c in W])
    curves = [m for m in beat(shown, "the recipe repeats").mobjects if type(m).__name__ == "ClippedPath"]
    assert len(curves) == 1
    xs, ys = curves[0].data[:, 0], curves[0].data[:, 1]
    np.testing.assert_allclose(ys, w[0] + w[1] * xs + w[2] * xs**2, rtol=1e-9, atol=1e-9)


def test_how_far_is_said_from_the_runs(shown, rows):
    s = get_entry("curve-fit").resolve()
    far = trace_csv("quadratic-fit", "gd", s["lr"], s["far_steps"])
    view = beat(shown, "After 20 iterations")
    assert say(rows[20]["loss"]) in view.text and say(rows[0]["loss"]) in view.text
    assert say(far[-1]["loss"]) in view.text
    assert all(fmt(far[-1][w]) in view.texts for w in W)


def test_valley_map_shows_the_traced_path(shown, rows):
    texts = beat(shown, "long, narrow valley").texts
    assert f"loss over (w1, w2), w0 held at {fmt(rows[20]['w0'])}" in texts
    path = np.array([[r["w1"], r["w2"]] for r in rows])
    (cmap,) = [m for m in beat(shown, "long, narrow valley").mobjects if type(m).__name__ == "ContourMap"]
    first = cmap.surface
    assert first.coords == ("w1", "w2")
    np.testing.assert_allclose(first.value(path[3]), get_surface("quadratic-fit").value([rows[20]["w0"], *path[3]]), rtol=1e-12)
    trails = [m for m in beat(shown, "long, narrow valley").mobjects if type(m).__name__ == "ClippedPath"]
    assert any(t.data.shape == path.shape and np.allclose(t.data, path, atol=1e-12) for t in trails)


def test_larger_learning_rates_are_real_runs(shown):
    s = get_entry("curve-fit").resolve()
    texts = beat(shown, "Would a larger alpha help").texts
    limit = get_surface("quadratic-fit").stable_lr_limit()
    assert f"stable only for α < 2/λmax = {fmt(limit, 5)}" in texts
    for key in ("lr", "lr_larger", "lr_largest"):
        run = trace_csv("quadratic-fit", "gd", s[key], s["steps"])
        assert f"loss after {s['steps']}: {fmt(run[-1]['loss'])}" in texts
    wild = trace_csv("quadratic-fit", "gd", s["lr_largest"], s["steps"])
    view = beat(shown, f"At alpha {say(s['lr_largest'])}")
    assert s["lr_largest"] > limit and "overshoots" in view.text and say(wild[-1]["loss"]) in view.text


def test_set_lr_changes_what_is_said_and_shown():
    shown = probe("curve-fit", lr=0.002, steps=3, far_steps=50, lr_largest=0.004)
    rows = trace_csv("quadratic-fit", "gd", 0.002, 3)
    step = beat(shown, "the weights become")
    assert "alpha 0.002" in step.text and all(say(rows[1][w]) in step.text for w in W)
    assert all(fmt(rows[1][w]) in step.texts for w in W)
    far = trace_csv("quadratic-fit", "gd", 0.002, 50)
    assert say(far[-1]["loss"]) in beat(shown, "After 3 iterations").text
    # lr_largest = 0.004 is below the limit now: the scene does not claim it overshoots.
    view = beat(shown, "At alpha 0.004")
    assert "overshoots" not in view.text


def test_an_unstable_rate_is_never_called_progress():
    """Past 2/λmax the sentences built from the run say it blows up (checked on the scene's own sentence builders)."""
    import inspect

    from gdexplain.catalog import load_scene_class

    mod = inspect.getmodule(load_scene_class(get_entry("curve-fit")))
    limit = get_surface("quadratic-fit").stable_lr_limit()
    wild, tame = mod.fit(2 * limit, 20), mod.fit(0.5 * limit, 20)
    assert not mod.settles(wild) and mod.settles(tame)
    far = mod.fit(2 * limit, 100)
    assert "does not settle" in mod.how_far(wild, far)
    assert "does not go downhill" in mod.drop_sentence(wild)
    assert "overshoots" in mod.alpha_story(2 * limit, wild, tame, limit)
    assert "this run settles" in mod.alpha_story(0.5 * limit, tame, wild, limit)
    said = mod.alpha_story(0.5 * limit, tame, mod.fit(0.1 * limit, 20), limit)
    assert "5 times the step" in said and say(tame.final_loss) in said


@pytest.mark.parametrize("overrides", [{"lr": "0"}, {"steps": "0"}, {"far_steps": "0"}, {"lr_larger": "-1"}, {"surface": "ravine"}])
def test_bad_values_raise(overrides):
    with pytest.raises(InputError):
        get_entry("curve-fit").resolve(overrides)
