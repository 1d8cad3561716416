"""Spoken numbers follow the settings, in every scene.

Every registered scene's narration is timed twice: with its defaults (the
one last-frame run per scene that tests/test_render.py already makes) and
with every numeric setting changed (a dry run: nothing drawn). A figure
said in a beat with the defaults that is said again, unchanged, in the same
beat with other settings does not come from the settings: it was typed into
the sentence. Numbers that are part of the storyboard (a scene always takes
three slow steps) are declared below with the reason, per scene.

Fractions said in words ("one tenth") count as figures too.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest

from gdexplain.catalog import entries, get_entry
from gdexplain.core.errors import InputError
from gdexplain.parameters import SceneEntry

#: A figure as the narration says it: 0.1, −0.25, 1e-8, 40 — or a fraction in words.
FIGURE = re.compile(r"[−-]?\d+(?:\.\d+)?(?:e[−-]?\d+)?|\b(?:halves|half|thirds?|quarters?|fifths?|tenths?|hundredths?|thousandths?)\b", re.I)

#: Per scene, figures that are the storyboard's, not the settings', and why.
_SLOW = "'Step 2', 'Step 3': the storyboard's slow steps, counted whatever the settings"
STORYBOARD_FIGURES: dict[str, dict[str, str]] = {
    "adam": {"2": _SLOW, "3": _SLOW},
    "adagrad": {
        "2": _SLOW,
        "3": _SLOW,
        "-1": "the saddle race's losses where both runs leave the map: the surface's value there, the same under both settings",
    },
    "race": {"124": "the step at which momentum reaches the minimum: set by its rate and start, not by the steps budget or a small tol"},
    "rmsprop": {"2": _SLOW, "3": _SLOW},
    "momentum-decay": {"0.9": "'around 0.9': the usual choice of beta, advice rather than this run's value"},
    "curve-fit": {
        "5": "the data: five points, so 'two over 5'",
        "195.8": "the loss of all-zero weights on the fixed data (the article's first printed loss)",
        "22": "the first gradient, at all-zero weights on the fixed data",
        "90": "the first gradient, at all-zero weights on the fixed data",
        "391.6": "the first gradient, at all-zero weights on the fixed data",
        "0": "the exact answer's weights (0, 0, 1)",
        "1": "the exact answer's weights (0, 0, 1)",
        "2": "'Iteration 2': the storyboard's second slow iteration",
        "3": "'Iterations 3 to …', 'the first 3 steps': the storyboard's counts",
        "330": "the valley's curvature ratio: a property of the fixed data",
        "0.00484": "the stable limit 2/λmax: a property of the fixed data",
        "4": "lr_larger / lr: both settings are scaled alike by the test",
    },
    "weights-and-loss": {
        "1": "node names (x1, h1, g1) are said with their digits",
        "2": "node names (x2, h2, g2) are said with their digits; two paths through a 2-2-2-1 network",
        "10": "the network has 10 weights",
        "0.4": "the followed weight x1-h1 is −0.4 under both seeds the test uses (weights are drawn, rounded to one decimal)",
    },
    "learning-rate": {
        "6": "the start: the surface's own default start (read from the surface; start is not moved by this test)",
        "8": "the start: the surface's own default start (read from the surface; start is not moved by this test)",
        "1.5": "part two's start: its surface's default start, read from the surface",
        "thousandth": "'below a thousandth': words for a vanishing gradient; the run's own figure is on screen",
    },
    "sgd-minibatch": {
        "100": "the data set's size, read from the data (fixed: the article's 100 points)",
        "1": "per epoch the full batch takes data size / data size = 1 step, whatever the settings",
        "4.22": "the best fit of the fixed data set, read from the surface",
        "2.97": "the best fit of the fixed data set, read from the surface",
        "0.354": "the data set's start θ (the article's randn draw), read from the surface",
        "1.37": "the data set's start θ (the article's randn draw), read from the surface",
    },
    "lion": {
        "2023": "the year Lion was published",
        "2": _SLOW + "; and Adam's 2 buffers (m, v), counted from the core's state",
        "3": _SLOW + "; and the grid points Lion hops between, from the trajectory",
        "1": "Lion's 1 buffer (m), counted from the core's state",
        "10": "'the last 10 steps': the window the scene looks back over",
    },
    "lookahead": {
        "-5": "the start point (-5, -2): the surface's default start, which the changed settings keep",
        "-2": "the start point (-5, -2): the surface's default start, which the changed settings keep",
    },
    "adam-variants": {
        "2": "'L2', the penalty's name; and the minimum (3, 2) of the surface",
        "3": "the minimum (3, 2) of the surface",
        "2.99": "Adam+L2's end point, from the trajectory: a steep surface keeps it at the minimum for any small λ",
        "1.98": "Adam+L2's end point, from the trajectory: a steep surface keeps it at the minimum for any small λ",
        "5": "RAdam's rule: the adaptive step is off while ρ_t ≤ 5",
        "0": "RAdam's rule: r_t is 0 while the adaptive step is off",
    },
    "adadelta": {"2": _SLOW, "3": _SLOW},
    "schedules": {
        **{f: "a schedule's own setting, from the text setting 'schedules' (not varied here; --set schedules=… changes it)"
           for f in ("0.3", "30", "0.97", "15")},
        "half": "'half a cosine': the shape of the cosine schedule",
        "20": "the settled loss is the mean of the last 20 steps (SETTLE_WINDOW), whatever the settings",
    },
}


def figures(text: str) -> Counter:
    """The figures said in ``text``, counted."""
    return Counter(m.group(0).lower().replace("−", "-") for m in FIGURE.finditer(text))


def changed_settings(entry: SceneEntry) -> dict[str, Any]:
    """Every numeric setting of ``entry`` moved to another valid value (those that would be refused stay)."""
    out: dict[str, Any] = {}
    for p in entry.params:
        candidates: list[Any] = []
        if p.kind == "float":
            candidates = [p.default * 0.8, p.default * 1.25]
        elif p.kind == "int":
            candidates = [p.default + 2, p.default - 2]
        elif p.kind == "point" and p.default:
            candidates = [tuple(0.9 * c for c in p.default)]
        elif p.kind == "lrs" and p.default:
            candidates = [tuple((name, rate * 0.8) for name, rate in p.default)]
        for value in candidates:
            try:
                entry.resolve({**out, p.name: value})
            except InputError:
                continue
            out[p.name] = value
            break
    return out


def test_changed_settings_move_every_number_and_stay_valid():
    adam = get_entry("adam")
    changed = changed_settings(adam)
    assert changed["beta1"] == pytest.approx(0.72) and changed["lr"] != adam.resolve()["lr"]
    adam.resolve(changed)
    for e in entries():
        e.resolve(changed_settings(e))


def test_figures_are_found_in_digits_and_words():
    said = figures("Step one adds one tenth, because one minus beta one is 0.1; −0.25 and 1e-8 and 40 steps, half of it.")
    assert said == Counter({"tenth": 1, "0.1": 1, "-0.25": 1, "1e-8": 1, "40": 1, "half": 1})


def typed_in(default_beats: list, other_beats: list, storyboard: dict[str, str]) -> list[str]:
    """Figures said unchanged, beat by beat, under other settings (and not declared the storyboard's)."""
    found = []
    for a, b in zip(default_beats, other_beats):
        same = figures(a.text) & figures(b.text)
        for figure in same:
            if figure not in storyboard:
                found.append(f"beat {a.index}: {figure!r} in {a.text!r}")
    return found


def test_typed_in_figures_are_caught():
    from gdexplain.narration import Beat

    default = [Beat(1, "One minus beta one is 0.1, so it adds one tenth; alpha is 0.01.", 0, 1)]
    changed = [Beat(1, "One minus beta one is 0.1, so it adds one tenth; alpha is 0.008.", 0, 1)]
    assert len(typed_in(default, changed, {})) == 2
    assert typed_in(default, changed, {"0.1": "x", "tenth": "x"}) == []


@pytest.fixture(scope="module")
def changed_beats(scene_recorder):
    """``changed_beats(slug)``: the beats of the scene's dry run with :func:`changed_settings`."""
    from gdexplain.render import narration_script

    def get(slug: str) -> tuple[dict[str, Any], list]:
        entry = get_entry(slug)
        overrides = changed_settings(entry)
        with pytest.MonkeyPatch.context() as mp:
            mp.delenv("GDEXPLAIN_WPM", raising=False)
            recorded = scene_recorder(mp)
            narration_script(entry, overrides)
        return overrides, recorded.beats

    return get


@pytest.mark.slow
@pytest.mark.parametrize("slug", [e.slug for e in entries()])
def test_spoken_figures_follow_the_settings(last_frames, changed_beats, slug):
    default = last_frames(slug).beats
    overrides, changed = changed_beats(slug)
    assert overrides, f"{slug} has no numeric setting to change"
    storyboard = STORYBOARD_FIGURES.get(slug, {})
    found = typed_in(default, changed, storyboard)
    assert not found, f"{slug} says the same figures with {overrides}:\n" + "\n".join(found)
