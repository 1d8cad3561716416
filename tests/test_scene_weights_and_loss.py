"""The weights-and-loss scene: every number it shows, beat by beat, is the core network's,
and the core's derivatives it shows agree with finite differences of the loss.

The scene runs with animations skipped (tests/scene_probe.py); the texts on screen
at the end of each beat are compared with :mod:`gdexplain.core.network` for
the same settings, and the spoken numbers follow ``--set``.
"""

from __future__ import annotations

import pytest

from gdexplain.catalog import get_entry
from gdexplain.core.errors import InputError
from gdexplain.core.network import TinyNetwork
from gdexplain.narration import spoken_number as say
from gdexplain.visual.panels import fmt
from scene_probe import beat, probe

H = 1e-6


def _setup(overrides=None):
    s = get_entry("weights-and-loss").resolve(overrides)
    return s, TinyNetwork.drawn((2, 2, 2, 1), s["seed"]), (s["x1"], s["x2"]), s["target"]


def _signed(v: float) -> str:
    t = fmt(v)
    return t if t.startswith("\u2212") or t == "0" else "+" + t


def _fd(net: TinyNetwork, name: str, x, y) -> float:
    w = net.weight(name)
    return (net.with_weight(name, w + H).loss(x, y) - net.with_weight(name, w - H).loss(x, y)) / (2 * H)


pytestmark = pytest.mark.slow  # the scene runs in full (animations skipped)


@pytest.fixture(scope="module")
def shown():
    return probe("weights-and-loss")


def test_network_numbers_are_the_forward_pass(shown):
    s, net, x, y = _setup()
    texts = beat(shown, "The network predicts").texts
    fwd = net.forward(x)
    for layer in fwd.act:
        assert all(fmt(v, 3) in texts for v in layer)
    assert all(fmt(net.weight(w), 3) in texts for w in net.weight_names())
    # Every unit's bias is over it, so each value can be checked by hand: tanh(Σ w·input + b).
    names = net.node_names()
    for l, bs in enumerate(net.biases):
        for k, b in enumerate(bs):
            assert f"{names[l + 1][k]}  b = {fmt(b)}" in texts
    assert fmt(net.loss(x, y)) in texts and say(net.loss(x, y)) in beat(shown, "The network predicts").text


def test_each_nudge_marks_exactly_the_nodes_it_changes(shown):
    s, net, x, y = _setup()
    for name, fragment in (("g1-ŷ", "only the output moves"), ("h1-g1", "Nudge h1 to g1"), ("x1-h1", "Nudge x1 to h1")):
        view = beat(shown, fragment)
        n = net.nudge(name, s["nudge"], x, y)
        assert set(n.changes) == set(net.affected(name))
        for change in n.changes.values():
            assert _signed(change) in view.texts
        assert say(n.changes["ŷ"]) in view.text
        rings = [m for m in view.mobjects for r in m.get_family() if type(r).__name__ == "Circle" and r.stroke_width == 5]
        assert len(rings) == len(n.changes)


def test_followed_weight_paths_and_sum(shown):
    s, net, x, y = _setup()
    name = s["weight"]
    terms = net.paths(name, x, y)
    view = beat(shown, "Add the paths")
    for term in terms:
        for f in term.factors:
            assert f"{f.label} = {fmt(f.value)}" in view.texts
        assert f"product = {fmt(term.contribution)}" in view.texts
    grad = net.gradient(x, y)[name]
    assert grad == pytest.approx(_fd(net, name, x, y), rel=1e-6)
    assert any(t.startswith("∂L/∂w = ") and t.endswith(fmt(grad)) for t in view.texts)
    assert say(grad) in view.text
    n = net.nudge(name, s["nudge"], x, y)
    assert say(n.loss_change) in view.text
    assert f"{fmt(n.loss_before)} → {fmt(n.loss_after)}" in view.texts


def test_direction_and_step_follow_the_sign(shown):
    s, net, x, y = _setup()
    name, lr = s["weight"], s["lr"]
    grad = _fd(net, name, x, y)
    view = beat(shown, "One step of size alpha")
    after = net.weight(name) - lr * grad
    assert fmt(after) in view.texts
    assert ("negative" in view.text) == (grad < 0) and ("positive" in view.text) == (grad > 0)
    assert net.with_weight(name, after).loss(x, y) < net.loss(x, y)


def test_whole_network_step(shown):
    s, net, x, y = _setup()
    grads = {w: _fd(net, w, x, y) for w in net.weight_names()}
    view = beat(shown, "moves all")
    for w, g in grads.items():
        assert fmt(g) in view.texts
        assert fmt(net.weight(w) - s["lr"] * g) in view.texts
    stepped = net.stepped(net.gradient(x, y), s["lr"])
    assert say(stepped.loss(x, y)) in view.text
    assert f"{fmt(net.loss(x, y))} → {fmt(stepped.loss(x, y))}" in view.texts


def test_set_changes_the_story():
    """Other settings, other words: the narration is built from the core's numbers (checked without a second run)."""
    import inspect

    from gdexplain.catalog import load_scene_class

    mod = inspect.getmodule(load_scene_class(get_entry("weights-and-loss")))
    s, net, x, y = _setup({"seed": "189", "weight": "g1-y", "nudge": "0.2"})
    assert mod._canonical(net, s["weight"]) == "g1-ŷ"
    terms = net.paths("g1-ŷ", x, y)
    assert len(terms) == 1 and [f.label for f in terms[0].factors] == ["∂L/∂ŷ", "∂ŷ/∂w"]
    assert mod.sum_text(terms, net.gradient(x, y)["g1-ŷ"]) == f"∂L/∂w = {fmt(terms[0].contribution)}"
    n = net.nudge("g1-ŷ", 0.2, x, y)
    assert mod.reach_sentence(net, n, True) == f"Nudge a weight right next to the output, and only the output moves: by {say(n.changes['ŷ'])}."
    two = TinyNetwork.drawn((2, 2, 2, 1), 31).paths("x1-h1", (1.0, 0.5), 1.0)
    assert mod.sum_text(two, sum(t.contribution for t in two)).count("+") == 1


@pytest.mark.parametrize("overrides", [{"weight": "x1-h3"}, {"x1": "5"}, {"nudge": "2"}, {"nudge": "0"}, {"lr": "0"}, {"seed": "-1"}])
def test_bad_values_raise(overrides):
    with pytest.raises(InputError):
        get_entry("weights-and-loss").resolve(overrides)
