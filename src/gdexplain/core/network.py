"""A tiny neural network with real numbers: forward pass, loss, and ∂L/∂w path by path.

The network is small enough to draw with every value on it: inputs, hidden
layers of tanh units, one linear output ŷ, and the loss L = (ŷ − y)² of one
sample. Nodes are named ``x1 x2`` (inputs), ``h1 h2 …`` (first hidden
layer), ``g1 g2 …`` (second hidden layer) and ``ŷ`` (the output); a weight
is named by the edge it sits on, ``x1-h1`` (``g1-y`` may be typed for ``g1-ŷ``).

Changing one weight changes the output through every path from that weight
to the output, and so the loss. :meth:`TinyNetwork.paths` splits ∂L/∂w
into one product of local slopes per path (the chain rule); the products
add up to ∂L/∂w, which :meth:`TinyNetwork.gradient` also computes by plain
backpropagation. Both are tested against finite differences.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from gdexplain.core.errors import InputError, unknown_name

Array = np.ndarray

#: Letters naming the nodes of each layer: inputs, hidden layers, output.
_LETTERS = ("x", "h", "g", "k", "m")
OUTPUT = "ŷ"
#: How the output is typed on a command line (``g1-y`` means ``g1-ŷ``).
OUTPUT_ASCII = "y"


@dataclass(frozen=True)
class Forward:
    """Everything one forward pass computed.

    ``pre[l]`` is the weighted sum entering layer ``l`` (``pre[0]`` is the
    input itself), ``act[l]`` the layer's output after its activation.
    """

    pre: tuple[Array, ...]
    act: tuple[Array, ...]

    @property
    def output(self) -> float:
        """The prediction ŷ."""
        return float(self.act[-1][0])


@dataclass(frozen=True)
class Factor:
    """One local slope in a chain-rule product, e.g. ``∂g1/∂h1``."""

    label: str
    value: float


@dataclass(frozen=True)
class PathTerm:
    """One path from a weight to the loss, and its share of ∂L/∂w.

    ``nodes`` runs from the node the weight feeds to the output;
    ``factors`` are the local slopes along it, from the loss back to the
    weight (``∂L/∂ŷ``, ``∂ŷ/∂g1``, ``∂g1/∂h1``, ``∂h1/∂w``); their product
    is ``contribution``.
    """

    nodes: tuple[str, ...]
    factors: tuple[Factor, ...]

    @property
    def contribution(self) -> float:
        """The product of the local slopes along the path."""
        return float(np.prod([f.value for f in self.factors]))


@dataclass(frozen=True)
class Nudge:
    """One weight moved by ``delta``: the forward passes before and after, the nodes that changed (by how much), the losses."""

    weight: str
    delta: float
    before: Forward
    after: Forward
    changes: dict[str, float]
    loss_before: float
    loss_after: float

    @property
    def loss_change(self) -> float:
        """The loss after minus the loss before."""
        return self.loss_after - self.loss_before


@dataclass(frozen=True)
class TinyNetwork:
    """A fully connected network: tanh hidden layers, a linear output, squared-error loss.

    ``weights[l]`` has shape ``(size of layer l+1, size of layer l)``: row
    ``j``, column ``i`` is the edge from node ``i`` of layer ``l`` to node
    ``j`` of layer ``l+1``. ``biases[l]`` has the shape of layer ``l+1``.
    """

    weights: tuple[Array, ...]
    biases: tuple[Array, ...]

    def __post_init__(self) -> None:
        if len(self.weights) < 1 or len(self.weights) != len(self.biases):
            raise InputError("a network needs one bias vector per weight matrix, and at least one of each")
        if len(self.weights) > len(_LETTERS):
            raise InputError(f"a tiny network has at most {len(_LETTERS) - 1} hidden layers")
        for l, (w, b) in enumerate(zip(self.weights, self.biases)):
            if w.ndim != 2 or b.shape != (w.shape[0],):
                raise InputError(f"layer {l + 1}: weights must be (out, in) and biases (out,), got {w.shape} and {b.shape}")
            if l and w.shape[1] != self.weights[l - 1].shape[0]:
                raise InputError(f"layer {l + 1} takes {w.shape[1]} inputs but layer {l} gives {self.weights[l - 1].shape[0]}")
        if self.weights[-1].shape[0] != 1:
            raise InputError("a tiny network has exactly one output")

    # --- shape and names -------------------------------------------------------------------

    @property
    def sizes(self) -> tuple[int, ...]:
        """Number of nodes in each layer, inputs first (``(2, 2, 2, 1)``)."""
        return (self.weights[0].shape[1], *(w.shape[0] for w in self.weights))

    def node_name(self, layer: int, index: int) -> str:
        """``x1``, ``h2``, ``g1`` … and ``ŷ`` for the output."""
        if layer == len(self.sizes) - 1:
            return OUTPUT
        return f"{_LETTERS[layer]}{index + 1}"

    def node_names(self) -> list[list[str]]:
        """Every node's name, layer by layer."""
        return [[self.node_name(l, i) for i in range(n)] for l, n in enumerate(self.sizes)]

    def weight_names(self) -> list[str]:
        """Every weight's name, layer by layer (``x1-h1``, ``x2-h1``, …)."""
        return [self.weight_name(l, j, i) for l, w in enumerate(self.weights) for j in range(w.shape[0]) for i in range(w.shape[1])]

    def weight_name(self, layer: int, to: int, frm: int) -> str:
        """The name of the edge from node ``frm`` of layer ``layer`` to node ``to`` of the next."""
        return f"{self.node_name(layer, frm)}-{self.node_name(layer + 1, to)}"

    def locate(self, name: str) -> tuple[int, int, int]:
        """``(layer, to, from)`` of a weight name; unknown names raise with the closest ones."""
        name = str(name).strip()
        if name.endswith("-" + OUTPUT_ASCII):
            name = name[: -len(OUTPUT_ASCII)] + OUTPUT
        for l, w in enumerate(self.weights):
            for j, i in itertools.product(range(w.shape[0]), range(w.shape[1])):
                if self.weight_name(l, j, i) == name:
                    return l, j, i
        raise unknown_name("weight", name, self.weight_names())

    def weight(self, name: str) -> float:
        """The value of one weight."""
        l, j, i = self.locate(name)
        return float(self.weights[l][j, i])

    def with_weight(self, name: str, value: float) -> "TinyNetwork":
        """A copy with one weight set to ``value``."""
        l, j, i = self.locate(name)
        ws = [w.copy() for w in self.weights]
        ws[l][j, i] = float(value)
        return replace(self, weights=tuple(ws))

    def stepped(self, gradient: Mapping[str, float], lr: float) -> "TinyNetwork":
        """Every weight moved by ``−lr·∂L/∂w`` (biases stay): one gradient-descent step."""
        ws = [w.copy() for w in self.weights]
        for name, g in gradient.items():
            l, j, i = self.locate(name)
            ws[l][j, i] -= lr * g
        return replace(self, weights=tuple(ws))

    # --- forward pass and loss ----------------------------------------------------------------

    def forward(self, inputs: Sequence[float] | Array) -> Forward:
        """Run the network on one input vector."""
        x = np.asarray(inputs, dtype=float).reshape(-1)
        if x.shape != (self.sizes[0],):
            raise InputError(f"the network takes {self.sizes[0]} inputs, got {x.size}")
        pre, act = [x], [x]
        last = len(self.weights) - 1
        for l, (w, b) in enumerate(zip(self.weights, self.biases)):
            z = w @ act[-1] + b
            pre.append(z)
            act.append(z if l == last else np.tanh(z))
        return Forward(tuple(pre), tuple(act))

    @staticmethod
    def loss_of(prediction: float, target: float) -> float:
        """The squared error (ŷ − y)²."""
        return float((prediction - target) ** 2)

    def loss(self, inputs: Sequence[float] | Array, target: float) -> float:
        """The loss of one sample."""
        return self.loss_of(self.forward(inputs).output, target)

    def slope(self, fwd: Forward, layer: int, index: int) -> float:
        """d act/d pre of one node: 1 − tanh² for hidden nodes, 1 for the linear output."""
        if layer == len(self.sizes) - 1:
            return 1.0
        return float(1.0 - fwd.act[layer][index] ** 2)

    def nudge(self, name: str, delta: float, inputs: Sequence[float] | Array, target: float) -> "Nudge":
        """What changes when one weight moves by ``delta``: every node's value and the loss, before and after."""
        before, after = self.forward(inputs), self.with_weight(name, self.weight(name) + delta).forward(inputs)
        changes = {
            self.node_name(l, k): float(after.act[l][k] - before.act[l][k])
            for l in range(len(self.sizes))
            for k in range(self.sizes[l])
            if after.act[l][k] != before.act[l][k]
        }
        return Nudge(name, float(delta), before, after, changes, self.loss_of(before.output, target), self.loss_of(after.output, target))

    # --- gradients ---------------------------------------------------------------------------

    def gradient(self, inputs: Sequence[float] | Array, target: float) -> dict[str, float]:
        """∂L/∂w of every weight by backpropagation, keyed by weight name."""
        fwd = self.forward(inputs)
        delta = np.array([2.0 * (fwd.output - target)])  # ∂L/∂pre of the output layer
        out: dict[str, float] = {}
        for l in range(len(self.weights) - 1, -1, -1):
            grad_w = np.outer(delta, fwd.act[l])
            for j, i in itertools.product(range(grad_w.shape[0]), range(grad_w.shape[1])):
                out[self.weight_name(l, j, i)] = float(grad_w[j, i])
            if l:
                delta = (self.weights[l].T @ delta) * (1.0 - fwd.act[l] ** 2)
        return {name: out[name] for name in self.weight_names()}

    def paths(self, name: str, inputs: Sequence[float] | Array, target: float) -> list[PathTerm]:
        """∂L/∂w of one weight split into one chain-rule product per path to the output.

        The contributions add up to ``gradient(...)[name]``.
        """
        l, j, i = self.locate(name)
        fwd = self.forward(inputs)
        sizes = self.sizes
        last = len(sizes) - 1
        first = self.node_name(l + 1, j)
        d_loss = Factor(f"∂L/∂{OUTPUT}", 2.0 * (fwd.output - target))
        d_weight = Factor(f"∂{first}/∂w", self.slope(fwd, l + 1, j) * float(fwd.act[l][i]))
        terms = []
        for route in itertools.product(*(range(n) for n in sizes[l + 2 : last])):
            chain = [(l + 1, j), *((l + 2 + k, r) for k, r in enumerate(route))]
            if l + 1 < last:
                chain.append((last, 0))
            links = []
            for (la, a), (lb, b) in zip(chain, chain[1:]):
                value = self.slope(fwd, lb, b) * float(self.weights[la][b, a])
                links.append(Factor(f"∂{self.node_name(lb, b)}/∂{self.node_name(la, a)}", value))
            nodes = tuple(self.node_name(la, a) for la, a in chain)
            terms.append(PathTerm(nodes, (d_loss, *reversed(links), d_weight)))
        return terms

    def affected(self, name: str) -> list[str]:
        """The nodes whose value can change when this weight changes (on some path to the output)."""
        l, j, _ = self.locate(name)
        names = [self.node_name(l + 1, j)]
        for layer in range(l + 2, len(self.sizes)):
            names += [self.node_name(layer, k) for k in range(self.sizes[layer])]
        return names

    # --- construction ------------------------------------------------------------------------

    @classmethod
    def drawn(cls, sizes: Sequence[int] = (2, 2, 2, 1), seed: int = 0, scale: float = 1.0, decimals: int = 1) -> "TinyNetwork":
        """Weights and biases drawn from a seeded normal, rounded to ``decimals`` so they read cleanly.

        Weights are kept away from zero (|w| ≥ 0.2 before rounding) so
        every path carries a visible signal.
        """
        sizes = tuple(int(n) for n in sizes)
        if len(sizes) < 2 or any(n < 1 for n in sizes) or sizes[-1] != 1:
            raise InputError(f"layer sizes must be at least two positive numbers ending in 1, got {sizes}")
        rng = np.random.default_rng(seed)
        ws, bs = [], []
        for n_in, n_out in zip(sizes, sizes[1:]):
            w = rng.normal(0.0, scale, (n_out, n_in))
            w = np.where(np.abs(w) < 0.2, np.copysign(0.2, w), w)
            ws.append(np.round(w, decimals))
            bs.append(np.round(rng.normal(0.0, 0.3 * scale, n_out), decimals))
        return cls(tuple(ws), tuple(bs))


def path_label(term: PathTerm) -> str:
    """``w → h1 → g2 → ŷ → L``: the route a change takes from a weight to the loss."""
    return " → ".join(("w", *term.nodes, "L"))
