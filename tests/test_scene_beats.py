"""The scenes themselves, run beat by beat (animations skipped): what they show equals the core.

Each test runs a registered scene through :func:`scene_probe.probe` — the
real class, with ``--set``-style settings — and compares the read-outs and
leaderboards on screen at the end of a beat with ``gdexplain trace`` and
the race rules. Changed settings must change what is shown.
"""

from __future__ import annotations

import numpy as np
import pytest

from gdexplain.catalog import get_entry
from gdexplain.core.race import leaderboard, run_race
from gdexplain.core.surfaces import get_surface
from gdexplain.visual.panels import fmt, fmt_vector
from scene_probe import probe
from traced import trace_csv


@pytest.fixture(scope="module")
def momentum_vs_gd():
    return probe("momentum-vs-gd", beta=0.8, steps=60)


def test_momentum_vs_gd_race_readout_follows_the_trace_and_the_settings(momentum_vs_gd):
    s = get_entry("momentum-vs-gd").resolve({"beta": "0.8", "steps": "60"})
    gd = trace_csv(s["surface"], "gd", s["lr"], s["steps"], s["start"])
    mom = trace_csv(s["surface"], "momentum", s["lr"], s["steps"], s["start"], beta=0.8)
    intro, first = momentum_vs_gd[0], momentum_vs_gd[1]
    assert intro.value("β") == "0.8"  # the setting, not the default 0.9
    assert intro.value("step") == "0"
    assert first.value("step") == "10"
    assert first.value("GD loss") == fmt(gd[10]["loss"])
    assert first.value("momentum loss") == fmt(mom[10]["loss"])
    end = momentum_vs_gd[2]
    k = int(end.value("step"))
    assert k == max(len(gd), len(mom)) - 1
    assert end.value("GD loss") == fmt(gd[min(k, len(gd) - 1)]["loss"])
    assert end.value("momentum loss") == fmt(mom[min(k, len(mom) - 1)]["loss"])
    ravine = momentum_vs_gd[-1]
    rav = trace_csv("ravine", "momentum", s["ravine_lr"], s["ravine_steps"], get_surface("ravine").default_start, beta=s["ravine_beta"])
    assert ravine.value("step") == str(s["ravine_steps"])
    assert ravine.value("momentum loss") == fmt(rav[-1]["loss"])


@pytest.fixture(scope="module")
def rmsprop():
    return probe("rmsprop", rho=0.9, steps=5, race_steps=12)


def test_rmsprop_first_step_numbers_follow_rho(rmsprop):
    s = get_entry("rmsprop").resolve({"rho": "0.9", "steps": "5"})
    rows = trace_csv(s["surface"], "rmsprop", s["lr"], 5, s["start"], rho=0.9, eps=s["eps"])
    why = next(b for b in rmsprop if b.text.startswith("Dividing by that side"))
    gain = 1 / np.sqrt(1 - 0.9)
    assert why.value("ρ") == "0.9"
    assert why.value("1/√(1−ρ)") == fmt(gain)
    assert f"about {fmt(gain, 3)} times alpha" in why.text
    d1 = np.array([rows[1]["delta_x"], rows[1]["delta_y"]])
    assert why.value("first step Δθ") == fmt_vector(d1)
    assert why.value("|Δθ| / α per axis") == fmt_vector(np.abs(d1) / s["lr"])
    # The step-by-step read-out after the fast-forward shows the last step as recorded.
    done = next(b for b in rmsprop if b.text.startswith("Then shrink, add"))
    assert done.value("step t") == "5"
    assert done.value("s") == fmt_vector([rows[5]["sq_grad_avg_x"], rows[5]["sq_grad_avg_y"]])


@pytest.fixture(scope="module")
def race():
    return probe("race", then="none", steps=80, optimizers="gd,momentum,adam,lion")


def test_race_leaderboard_is_the_ranking_with_failures_dimmed(race):
    s = get_entry("race").resolve({"then": "none", "steps": "80", "optimizers": "gd,momentum,adam,lion"})
    racers = run_race(get_surface(s["surface"]), s["optimizers"], s["lrs"], s["start"], s["steps"], s["tol"])
    shown = next(b for b in race if b.boards).boards[0]
    board = leaderboard(racers)
    assert [row.name for row in shown] == [r.title for r in board]
    assert [row.result for row in shown] == [r.result_text() for r in board]
    assert [row.dim for row in shown] == [r.outcome.failed for r in board]
    assert len(shown) == 4 and {row.name for row in shown} == {"GD", "Momentum", "Adam", "Lion"}
