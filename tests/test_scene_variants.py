"""Scenes lookahead, lion and adam-variants: what they show equals ``gdexplain trace`` for the same settings.

Each scene is run once per module with animations skipped and no frame drawn
(as ``gdexplain script`` runs it); the read-outs it showed (kept in
``scene.shown``), the marks it left on its map and the words it said are
compared with the trace CSV and the core. Running a scene costs Manim's
construction of every mobject (no frame is drawn), so those tests are
marked ``render``.
"""

from __future__ import annotations

import re
import tempfile

import numpy as np
import pytest

from gdexplain.catalog import get_entry, load_scene_class
from gdexplain.core.errors import InputError
from gdexplain.core.optimizers import make_optimizer
from traced import trace_csv


def run_scene(slug: str, **overrides):
    """Construct and run a registered scene with animations skipped, without drawing; return the scene."""
    from manim import tempconfig

    entry = get_entry(slug)
    cls = load_scene_class(entry)
    with tempfile.TemporaryDirectory() as tmp, tempconfig(
        {"dry_run": True, "media_dir": tmp, "verbosity": "WARNING", "disable_caching": True, "progress_bar": "none",
         "pixel_width": 256, "pixel_height": 144}
    ):
        scene = cls(settings=overrides, skip_animations=True)
        scene.renderer.update_frame = lambda *a, **k: None
        scene.render()
    return scene


def numbers(text: str) -> list[float]:
    """The numbers in a read-out value like ``(−0.1, 2.5)`` or ``+1``."""
    return [float(x) for x in re.findall(r"[-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?", text.replace("\u2212", "-"))]


def close(shown: str, expected, rel: float = 5.01e-3, abs_: float = 6e-4) -> None:
    """The numbers shown (rounded to 3 significant digits: at most half a unit of the last one off) are the expected ones."""
    assert numbers(shown) == pytest.approx(list(np.atleast_1d(expected)), rel=rel, abs=abs_), (shown, expected)


def said(scene) -> str:
    return " ".join(b.text for b in scene.beats)


def vec(row: dict, name: str) -> list[float]:
    return [row[f"{name}_x"], row[f"{name}_y"]]


# --- lion -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def lion():
    return run_scene("lion")


@pytest.mark.slow
def test_lion_readouts_are_the_trace(lion):
    s = lion.settings
    rows = trace_csv(s["surface"], "lion", s["lr"], s["steps"], s["start"], beta1=s["beta1"], beta2=s["beta2"])
    full = [r for r in lion.shown["lion"] if len(r) == 7]  # the read-out once the step and new m are shown
    assert [int(dict(r)["t"]) for r in full] == [1, 2, 3, s["steps"]]
    for r in full:
        shown = dict(r)
        t = int(shown["t"])
        close(shown["g"], vec(rows[t], "g"))
        close(shown["m (before)"], vec(rows[t - 1], "m"))
        close(shown["c = β₁m + (1−β₁)g"], vec(rows[t], "c"))
        close(shown["sign(c)"], vec(rows[t], "sign"))
        close(shown["Δθ = −α·sign(c)"], vec(rows[t], "delta"))
        close(shown["m (after)"], vec(rows[t], "m"))
        assert np.abs(numbers(shown["Δθ = −α·sign(c)"])) == pytest.approx([s["lr"]] * 2)


@pytest.mark.slow
def test_lion_memory_is_the_state_the_trace_starts_with(lion):
    s = lion.settings
    memory = dict(lion.shown["memory"][0])
    for name, key in (("lion", "Lion keeps"), ("adam", "Adam keeps")):
        row0 = trace_csv(s["surface"], name, s["lr"], 1, s["start"])[0]
        state = sorted({k.rsplit("_", 1)[0] for k, v in row0.items() if v is not None and k.endswith("_x")} - {"x", "grad"})
        names, count = memory[key].split("(")
        assert names.strip().split(", ") == state
        assert int(count.split()[0]) == len(state)


@pytest.mark.slow
def test_lion_ball_and_numbers_follow_the_run(lion):
    s = lion.settings
    rows = trace_csv(s["surface"], "lion", s["lr"], s["steps"], s["start"], beta1=s["beta1"], beta2=s["beta2"])
    # every visited point lies on the grid of spacing α through the start the scene draws
    start = np.array(vec(rows[0], "x") if "x_x" in rows[0] else [rows[0]["x"], rows[0]["y"]])
    for r in rows:
        k = (np.array([r["x"], r["y"]]) - start) / s["lr"]
        assert k == pytest.approx(np.round(k), abs=1e-9)
    assert f"exactly alpha, {s['lr']:g}" in said(lion)


@pytest.mark.slow
def test_lion_narration_follows_the_settings():
    scene = run_scene("lion", lr="0.3", beta1="0.8", steps="12", compare_steps="20")
    text = said(scene)
    assert "exactly alpha, 0.3" in text and "0.2 of the gradient" in text and "20 steps each" in text
    assert all(abs(v) == pytest.approx(0.3) for r in scene.shown["lion"] if len(r) == 7 for v in numbers(dict(r)["Δθ = −α·sign(c)"]))


# --- lookahead ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def lookahead():
    return run_scene("lookahead")


@pytest.mark.slow
def test_lookahead_readouts_are_the_trace(lookahead):
    s = lookahead.settings
    rows = trace_csv(s["surface"], "lookahead", s["lr"], s["steps"], s["start"], inner=s["inner"], k=s["k"], alpha=s["alpha"])
    shown = lookahead.shown["lookahead"]
    assert len(shown) > s["k"]
    for r in shown[1:]:
        d = dict(r)
        t = int(d["step"])
        close(d[f"fast θ ({lookahead.opt.inner.title})"], vec(rows[t], "fast"))
        close(d["slow φ"], vec(rows[t], "slow"))


@pytest.mark.slow
def test_lookahead_marks_every_sync_where_the_slow_weights_went(lookahead):
    s, cmap = lookahead.settings, lookahead.cmap
    rows = trace_csv(s["surface"], "lookahead", s["lr"], s["steps"], s["start"], inner=s["inner"], k=s["k"], alpha=s["alpha"])
    syncs = [t for t, r in enumerate(rows) if r["synced"] == 1]
    assert syncs == list(range(s["k"], s["steps"] + 1, s["k"]))
    assert len(lookahead.slow_marks) == len(syncs)
    for mark, t in zip(lookahead.slow_marks, syncs):
        assert mark.get_center() == pytest.approx(cmap.c2p(vec(rows[t], "slow")), abs=1e-6)
        # the slow weights moved α of the way from where they were to the fast weights
        expect = np.array(vec(rows[t - 1], "slow")) + s["alpha"] * (np.array(vec(rows[t], "fast")) - vec(rows[t - 1], "slow"))
        assert vec(rows[t], "slow") == pytest.approx(expect, rel=1e-12)


@pytest.mark.slow
def test_lookahead_settings_change_the_cycle():
    scene = run_scene("lookahead", k="3", alpha="0.8", steps="9", compare_steps="12")
    assert len(scene.slow_marks) == 3
    assert "0.8 of the way" in said(scene) and "3 ordinary Adam steps" in said(scene)


# --- adam-variants --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def variants():
    return run_scene("adam-variants")


@pytest.mark.slow
def test_adamw_readout_is_the_trace(variants):
    s = variants.settings
    common = dict(start=s["start"], weight_decay=s["weight_decay"])
    l2 = trace_csv(s["surface"], "adam", s["lr"], s["steps"], **common)
    w = trace_csv(s["surface"], "adamw", s["lr"], s["steps"], **common)
    rows = variants.shown["adamw"][0]
    (_, l2_at), (_, grad_f), (_, pen), (_, g), (_, w_at), (_, decay), (_, adam_step), (_, delta) = rows
    t = s["steps"]
    assert numbers(l2_at) == numbers(w_at) == [t]
    close(grad_f, vec(l2[t - 1], "grad"))
    close(pen, vec(l2[t], "penalty"))
    close(g, vec(l2[t], "g"))
    close(decay, vec(w[t], "decay"))
    close(adam_step, vec(w[t], "adam_step"))
    close(delta, vec(w[t], "delta"))
    # the end points said are the traced ones
    text = said(variants)
    for rows_, name in ((l2, "Adam with L2 ends at"), (w, "AdamW ends at")):
        end = text.split(name)[1].split(")")[0] + ")"
        close(end, [rows_[-1]["x"], rows_[-1]["y"]], rel=5e-3, abs_=5e-3)


@pytest.mark.slow
def test_nadam_step_readout_is_the_trace(variants):
    s = variants.settings
    rows = trace_csv(s["nadam_surface"], "nadam", s["nadam_lr"], s["nadam_steps"])
    d = dict(variants.shown["nadam"][0])
    t = int(d["t"])
    close(d["μₜ"], rows[t]["mu"])
    close(d["momentum part"], vec(rows[t], "momentum_step"))
    close(d["gradient part"], vec(rows[t], "grad_step"))
    close(d["step Δθ"], vec(rows[t], "delta"))
    # the step shown is one where the two parts disagree on a coordinate
    assert any(a * b < 0 for a, b in zip(vec(rows[t], "momentum_step"), vec(rows[t], "grad_step")))


@pytest.mark.slow
def test_radam_rectification_said_and_shown_is_the_trace(variants):
    s = variants.settings
    rows = trace_csv(s["radam_surface"], "radam", s["radam_lr"], s["radam_steps"], beta2=s["radam_beta2"])
    rect = [r["rect"] for r in rows[1:]]
    off = next(i for i, r in enumerate(rect) if r > 0)
    shown = dict(variants.shown["radam"][0])
    assert int(shown["off steps"]) == off and all(r == 0 for r in rect[:off])
    close(shown["r first on"], rect[off])
    close(shown["r last"], rect[-1])
    assert f"the first {off} steps" in said(variants)


@pytest.mark.parametrize(
    "slug, overrides",
    [("lion", {"beta1": "1.5"}), ("lion", {"adam_lr": "0"}), ("lookahead", {"inner": "lookahead"}), ("lookahead", {"alpha": "0"}),
     ("lookahead", {"k": "0"}), ("adam-variants", {"weight_decay": "-1"}), ("adam-variants", {"radam_beta2": "1"}),
     ("adam-variants", {"nadam_surface": "double-well"})],
)
def test_bad_values_raise(slug, overrides):
    with pytest.raises(InputError):
        get_entry(slug).resolve(overrides)


def test_lookahead_inner_choices_are_every_other_method():
    from gdexplain.core.optimizers import OPTIMIZERS

    assert set(get_entry("lookahead").param("inner").choices) == set(OPTIMIZERS) - {"lookahead"}
    make_optimizer("lookahead", inner="lion")
