"""The tiny network of `weights-and-loss`: forward pass, loss, ∂L/∂w by backprop and path by path,
each against finite differences."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from gdexplain.core.errors import InputError
from gdexplain.core.network import TinyNetwork, path_label

H = 1e-6
CASES = [((2, 2, 2, 1), 0, (1.0, 0.5), 1.0), ((2, 3, 2, 1), 4, (-0.7, 1.2), -0.5), ((3, 2, 1), 9, (0.3, -1.0, 2.0), 2.0), ((2, 3, 3, 1), 2, (0.5, 0.5), 0.0)]


def _hand_forward(net: TinyNetwork, x, target):
    """The forward pass written out again, with no shared code: tanh hidden layers, a linear output."""
    a = np.asarray(x, dtype=float)
    for l, (w, b) in enumerate(zip(net.weights, net.biases)):
        z = np.array([sum(w[j, i] * a[i] for i in range(len(a))) + b[j] for j in range(w.shape[0])])
        a = z if l == len(net.weights) - 1 else np.tanh(z)
    return float(a[0]), float((a[0] - target) ** 2)


def _fd(net: TinyNetwork, name: str, x, target) -> float:
    w = net.weight(name)
    up, down = net.with_weight(name, w + H).loss(x, target), net.with_weight(name, w - H).loss(x, target)
    return (up - down) / (2 * H)


@pytest.mark.parametrize("sizes,seed,x,target", CASES)
def test_forward_and_loss_match_a_hand_written_pass(sizes, seed, x, target):
    net = TinyNetwork.drawn(sizes, seed)
    out, loss = _hand_forward(net, x, target)
    assert net.forward(x).output == pytest.approx(out, rel=1e-14, abs=1e-15)
    assert net.loss(x, target) == pytest.approx(loss, rel=1e-14, abs=1e-15)


@pytest.mark.parametrize("sizes,seed,x,target", CASES)
def test_backprop_gradient_matches_finite_differences(sizes, seed, x, target):
    net = TinyNetwork.drawn(sizes, seed)
    grad = net.gradient(x, target)
    assert list(grad) == net.weight_names()
    for name, g in grad.items():
        assert g == pytest.approx(_fd(net, name, x, target), rel=1e-6, abs=1e-8), name


@pytest.mark.parametrize("sizes,seed,x,target", CASES)
def test_path_products_add_up_to_the_gradient(sizes, seed, x, target):
    net = TinyNetwork.drawn(sizes, seed)
    grad = net.gradient(x, target)
    for name in net.weight_names():
        terms = net.paths(name, x, target)
        l, _, _ = net.locate(name)
        assert len(terms) == int(np.prod(net.sizes[l + 2 : -1]))  # one path per route through the later hidden layers
        assert sum(t.contribution for t in terms) == pytest.approx(grad[name], rel=1e-12, abs=1e-14), name
        for t in terms:
            assert t.nodes[-1] == "ŷ" and len(t.factors) == len(t.nodes) + 1
            assert path_label(t).startswith("w → ") and path_label(t).endswith("ŷ → L")


def _frozen_loss(net: TinyNetwork, x, target, name: str, value: float, keep: tuple[str, ...]) -> float:
    """The loss when the weight is ``value`` but only the nodes in ``keep`` may respond; every other node keeps its old value."""
    before = net.forward(x)
    l0, j0, i0 = net.locate(name)
    a = np.asarray(x, dtype=float)
    for l, (w, b) in enumerate(zip(net.weights, net.biases)):
        w = w.copy()
        if l == l0:
            w[j0, i0] = value
        z = w @ a + b
        new = z if l == len(net.weights) - 1 else np.tanh(z)
        names = [net.node_name(l + 1, k) for k in range(len(new))]
        a = np.array([new[k] if names[k] in keep else before.act[l + 1][k] for k in range(len(new))])
    return float((a[0] - target) ** 2)


@pytest.mark.parametrize("sizes,seed,x,target", CASES)
def test_each_path_is_the_change_that_flows_along_it_alone(sizes, seed, x, target):
    """A path's product is the finite-difference slope of the loss when every node off the path is frozen."""
    net = TinyNetwork.drawn(sizes, seed)
    for name in net.weight_names():
        w = net.weight(name)
        for term in net.paths(name, x, target):
            up = _frozen_loss(net, x, target, name, w + H, term.nodes)
            down = _frozen_loss(net, x, target, name, w - H, term.nodes)
            assert term.contribution == pytest.approx((up - down) / (2 * H), rel=1e-6, abs=1e-8), (name, term.nodes)


def test_each_local_slope_matches_finite_differences():
    net, x, target = TinyNetwork.drawn((2, 2, 2, 1), 0), (1.0, 0.5), 1.0
    fwd = net.forward(x)
    (term, *_) = net.paths("x1-h1", x, target)
    d_loss, d_out, d_g, d_h = term.factors
    assert [f.label for f in term.factors] == ["∂L/∂ŷ", "∂ŷ/∂g1", "∂g1/∂h1", "∂h1/∂w"]
    y = fwd.output
    assert d_loss.value == pytest.approx((net.loss_of(y + H, target) - net.loss_of(y - H, target)) / (2 * H), rel=1e-7)
    # ŷ as a function of g1 alone (output is linear), g1 as a function of h1 alone.
    w3, b3 = net.weights[2], net.biases[2]
    g = fwd.act[2].copy()
    out = lambda g1: float(w3[0] @ np.array([g1, g[1]]) + b3[0])
    assert d_out.value == pytest.approx((out(g[0] + H) - out(g[0] - H)) / (2 * H), rel=1e-7)
    h = fwd.act[1].copy()
    g1_of = lambda h1: float(np.tanh(net.weights[1][0] @ np.array([h1, h[1]]) + net.biases[1][0]))
    assert d_g.value == pytest.approx((g1_of(h[0] + H) - g1_of(h[0] - H)) / (2 * H), rel=1e-7)
    w = net.weight("x1-h1")
    h1_of = lambda v: float(net.with_weight("x1-h1", v).forward(x).act[1][0])
    assert d_h.value == pytest.approx((h1_of(w + H) - h1_of(w - H)) / (2 * H), rel=1e-7)


def test_a_nudge_changes_exactly_the_affected_nodes():
    net, x = TinyNetwork.drawn((2, 2, 2, 1), 0), (1.0, 0.5)
    before = net.forward(x)
    names = net.node_names()
    for name in net.weight_names():
        after = net.with_weight(name, net.weight(name) + 0.1).forward(x)
        changed = {names[l][k] for l in range(len(names)) for k in range(len(names[l])) if after.act[l][k] != before.act[l][k]}
        assert changed == set(net.affected(name)), name
    # The further a weight sits from the output, the more nodes it touches.
    assert len(net.affected("x1-h1")) > len(net.affected("h1-g1")) > len(net.affected("g1-ŷ")) == 1


def test_nudge_records_the_changes_and_losses():
    net, x, target = TinyNetwork.drawn((2, 2, 2, 1), 31), (1.0, 0.5), 1.0
    for name in net.weight_names():
        n = net.nudge(name, 0.1, x, target)
        moved = net.with_weight(name, net.weight(name) + 0.1)
        assert set(n.changes) == set(net.affected(name))
        assert n.changes["ŷ"] == moved.forward(x).output - net.forward(x).output
        assert (n.loss_before, n.loss_after) == (net.loss(x, target), moved.loss(x, target))
        assert n.loss_change == n.loss_after - n.loss_before


def test_first_order_change_of_the_loss_is_the_gradient_times_the_nudge():
    net, x, target = TinyNetwork.drawn((2, 2, 2, 1), 3), (1.0, 0.5), 1.0
    g = net.gradient(x, target)["x1-h1"]
    for eps in (1e-2, 1e-3):
        change = net.with_weight("x1-h1", net.weight("x1-h1") + eps).loss(x, target) - net.loss(x, target)
        assert change == pytest.approx(g * eps, rel=20 * eps)


def test_a_small_gradient_step_lowers_the_loss():
    for seed in range(6):
        net, x, target = TinyNetwork.drawn((2, 2, 2, 1), seed), (1.0, 0.5), 1.0
        grad = net.gradient(x, target)
        stepped = net.stepped(grad, 0.01)
        assert stepped.loss(x, target) < net.loss(x, target)
        for name in net.weight_names():
            assert stepped.weight(name) == pytest.approx(net.weight(name) - 0.01 * grad[name], abs=1e-15)


def test_names_and_aliases():
    net = TinyNetwork.drawn((2, 2, 2, 1), 0)
    assert net.node_names() == [["x1", "x2"], ["h1", "h2"], ["g1", "g2"], ["ŷ"]]
    assert net.weight_names()[:2] == ["x1-h1", "x2-h1"] and net.weight_names()[-1] == "g2-ŷ"
    assert net.locate("g2-y") == net.locate("g2-ŷ") == (2, 0, 1)
    with pytest.raises(InputError, match="x1-h1"):
        net.locate("x1-h3")


def test_drawn_is_repeatable_and_rounded():
    a, b = TinyNetwork.drawn(seed=5), TinyNetwork.drawn(seed=5)
    for wa, wb in itertools.chain(zip(a.weights, b.weights), zip(a.biases, b.biases)):
        np.testing.assert_array_equal(wa, wb)
        np.testing.assert_allclose(wa, np.round(wa, 1), atol=1e-15)
    assert all(np.all(np.abs(w) >= 0.2 - 1e-12) for w in a.weights)


@pytest.mark.parametrize("sizes", [(2,), (2, 2, 2), (2, 0, 1)])
def test_bad_shapes_raise(sizes):
    with pytest.raises(InputError):
        TinyNetwork.drawn(sizes, 0)


def test_wrong_number_of_inputs_raises():
    with pytest.raises(InputError, match="2 inputs"):
        TinyNetwork.drawn(seed=0).forward((1.0, 2.0, 3.0))
