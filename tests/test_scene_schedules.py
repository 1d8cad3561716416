"""The schedules scene: α_t curves, settled losses and the late burst equal the core's numbers for the same settings."""

from __future__ import annotations

import csv
import io
import sys

import numpy as np
import pytest
from click.testing import CliRunner

from gdexplain.catalog import get_entry, load_scene_class
from gdexplain.cli import main
from gdexplain.core.errors import InputError
from gdexplain.core.schedules import parse_schedule
from gdexplain.core.surfaces import get_surface
from gdexplain.visual.panels import fmt
from scene_probe import probe

SETTINGS = {"steps": "40", "burst_steps": "260"}


@pytest.fixture(scope="module")
def mod():
    load_scene_class(get_entry("schedules"))
    return sys.modules["gdexplain_scenes.schedules"]


@pytest.fixture(scope="module")
def shown():
    return probe("schedules", **SETTINGS)


def trace(*args: str) -> list[dict[str, float]]:
    result = CliRunner().invoke(main, ["trace", "--format", "csv", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    return [{k: float(v) if v else np.nan for k, v in row.items()} for row in csv.DictReader(io.StringIO(result.stdout))]


def test_every_run_is_the_traced_mini_batch_run(mod):
    s = get_entry("schedules").resolve(SETTINGS)
    runs = mod.schedule_runs(s)
    assert list(runs) == ["constant", *s["schedules"]]
    for spec, traj in runs.items():
        rows = trace("--surface", "linear-regression", "--optimizer", "gd", "--lr", str(s["lr"]), "--steps", str(s["steps"]),
                     "--batch-size", str(s["batch_size"]), "--seed", str(s["seed"]), "--schedule", spec)
        np.testing.assert_allclose(mod.alpha_t(traj), [r["lr"] for r in rows[1:]], rtol=1e-15)
        np.testing.assert_allclose(traj.positions[:, 0], [r["theta0"] for r in rows], rtol=1e-12)
        minimum = float(get_surface("linear-regression").value(get_surface("linear-regression").global_minimum))
        expect = np.mean([r["loss"] for r in rows[-mod.SETTLE_WINDOW:]]) - minimum
        assert mod.settled_gap(traj) == pytest.approx(expect, rel=1e-12)


def test_schedule_sentences_come_from_the_settings(mod):
    assert mod.describe(parse_schedule("step:every=25,gamma=0.5"), 100) == (
        "step decay", "alpha is cut to 0.5 times its value every 25 steps")
    assert "0.9 times" in mod.describe(parse_schedule("exponential:gamma=0.9"), 100)[1]
    assert "over 100 steps" in mod.describe(parse_schedule("cosine"), 100)[1]
    short, sentence = mod.describe(parse_schedule("warmup:steps=7,then=cosine"), 100)
    assert short == "warm-up, then cosine" and "7 steps" in sentence and "over 93 steps" in sentence


@pytest.mark.slow
def test_the_alpha_curves_drawn_are_the_recorded_alpha_t(mod, shown):
    beats = shown
    s = get_entry("schedules").resolve(SETTINGS)
    runs = mod.schedule_runs(s)
    n = s["steps"]
    for spec, traj in runs.items():
        short = mod.describe(parse_schedule(spec), n)[0]
        beat = [b for b in beats if b.text.lower().startswith(("first a constant" if spec == "constant" else short))][0]
        want = np.stack([np.arange(1, n + 1), mod.alpha_t(traj)], axis=1)
        drawn = [d for d, progress in beat.paths if d.shape == want.shape and np.allclose(d, want, rtol=1e-12) and progress == n - 1]
        assert drawn, f"no fully drawn α_t curve of {spec} at its beat"


@pytest.mark.slow
def test_the_settled_table_and_sentence_are_measured(mod, shown):
    beats = shown
    s = get_entry("schedules").resolve(SETTINGS)
    runs = mod.schedule_runs(s)
    beat = [b for b in beats if b.text.startswith("Over the last")][0]
    for spec, traj in runs.items():
        assert beat.shows(fmt(mod.settled_gap(traj)))
    assert fmt(mod.settled_gap(runs["constant"])) in beat.text


@pytest.mark.slow
def test_the_burst_is_told_as_measured(mod, shown):
    from gdexplain.core.analysis import find_burst

    beats = shown
    s = get_entry("schedules").resolve(SETTINGS)
    rows = trace("--surface", s["surface"], "--optimizer", "rmsprop", "--lr", str(s["burst_lr"]), "--param", f"rho={s['rho']}",
                 "--steps", str(s["burst_steps"]))
    loss = np.array([r["loss"] for r in rows])
    low = int(np.argmin(loss[:150]))
    peak = low + int(np.argmax(loss[low:]))
    assert loss[peak] > 1e40 * loss[low]  # the burst is real and large: from ~1e-46 back up to ~1
    constant, tamed = mod.burst_runs(s)
    burst = find_burst(constant)
    assert burst.peak_step == peak and burst.peak_gap == pytest.approx(loss[peak])
    told = " ".join(b.text for b in beats)
    assert f"At step {peak}" in told and fmt(burst.peak_gap) in told and fmt(burst.low_gap) in told
    assert "never bursts" in told and find_burst(tamed) is None


@pytest.mark.parametrize("overrides", [{"schedules": "cosine;cosine"}, {"tamer": "cosin"}, {"batch_size": "0"},
                                       {"batch_size": "101"}, {"rho": "1"}, {"surface": "double-well"}])
def test_bad_values_raise(overrides):
    with pytest.raises(InputError):
        get_entry("schedules").resolve(overrides)
