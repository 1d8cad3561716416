"""A small neural network drawn with its numbers: nodes in layers, edges, values and weights as text.

The diagram only lays out what it is given — node names per layer, the
edges and the texts to write — so every number on it comes from the core's
network (:mod:`gdexplain.core.network`). Values are swapped, not morphed:
:meth:`NetworkDiagram.values` and :meth:`NetworkDiagram.weights` build
fresh text groups placed on the nodes and edges.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from manim import UP, Circle, Line, VGroup

from gdexplain.visual import theme
from gdexplain.visual.panels import panel_behind

NODE_FILL = theme.PANEL
EDGE = theme.GRID


class NetworkDiagram(VGroup):
    """Layers of circles joined by edges; ``names[l]`` are layer ``l``'s node names, top to bottom.

    Args:
        names: node names per layer, inputs first.
        edges: ``(weight name, from node, to node)`` for every weight.
        layer_gap, node_gap: horizontal distance between layers, vertical between nodes.
        radius: node radius.
        label_at: where along an edge (0 = source, 1 = target) its weight is written:
            one value per layer of edges (so labels of crossing edges do not meet), or
            one per weight name (others at 0.3).
        captions: text over a node instead of its bare name (e.g. ``h1  b = 0.2``).
    """

    def __init__(
        self,
        names: Sequence[Sequence[str]],
        edges: Sequence[tuple[str, str, str]],
        layer_gap: float = 2.0,
        node_gap: float = 2.4,
        radius: float = 0.38,
        label_at: Sequence[float] | Mapping[str, float] | None = None,
        captions: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__()
        self.radius = radius
        self.layer_of: dict[str, int] = {}
        self.centers: dict[str, np.ndarray] = {}
        width = layer_gap * (len(names) - 1)
        for l, layer in enumerate(names):
            for i, name in enumerate(layer):
                y = (len(layer) - 1) / 2 * node_gap - i * node_gap
                self.centers[name] = np.array([-width / 2 + l * layer_gap, y, 0.0])
                self.layer_of[name] = l
        self.edge_lines: dict[str, Line] = {}
        self.edge_ends: dict[str, tuple[str, str]] = {}
        for weight, a, b in edges:
            pa, pb = self.centers[a], self.centers[b]
            d = (pb - pa) / np.linalg.norm(pb - pa)
            self.edge_lines[weight] = Line(pa + d * radius, pb - d * radius, stroke_color=EDGE, stroke_width=3)
            self.edge_ends[weight] = (a, b)
        if isinstance(label_at, Mapping):
            self.label_at: dict[str, float] = {w: float(label_at.get(w, 0.3)) for w in self.edge_lines}
        else:
            per_layer = list(label_at) if label_at is not None else [0.3]
            self.label_at = {w: per_layer[min(self.layer_of[a], len(per_layer) - 1)] for w, (a, _) in self.edge_ends.items()}
        self.circles: dict[str, Circle] = {
            n: Circle(radius=radius, fill_color=NODE_FILL, fill_opacity=1, stroke_color=theme.MUTED, stroke_width=2.5).move_to(c)
            for n, c in self.centers.items()
        }
        captions = captions or {}
        self.names = VGroup(
            *(theme.label(captions.get(n, n), size=theme.SMALL_SIZE, color=theme.MUTED).next_to(c, UP, buff=0.08)
              for n, c in self.circles.items())
        )
        self.add(VGroup(*self.edge_lines.values()), VGroup(*self.circles.values()), self.names)

    def center_of(self, name: str) -> np.ndarray:
        """Scene position of a node's centre (follows the diagram when it moves)."""
        return self.circles[name].get_center()

    def values(self, texts: Mapping[str, str], size: float = 17, colors: Mapping[str, str] | None = None) -> VGroup:
        """A group of value texts, each centred in its node (not added to the diagram)."""
        colors = colors or {}
        group = VGroup()
        for name, text in texts.items():
            t = theme.label(text, size=size, color=colors.get(name, theme.TEXT), mono=True)
            if t.width > 1.8 * self.radius:
                t.scale_to_fit_width(1.8 * self.radius)
            group.add(t.move_to(self.center_of(name)))
        return group

    def weight_point(self, weight: str) -> np.ndarray:
        """Where a weight's text sits: part way along its edge, by the edge's layer."""
        return self.edge_lines[weight].point_from_proportion(self.label_at[weight])

    def weights(self, texts: Mapping[str, str], size: float = 16, colors: Mapping[str, str] | None = None) -> VGroup:
        """A group of weight texts on small cards along their edges (not added to the diagram)."""
        colors = colors or {}
        group = VGroup()
        for weight, text in texts.items():
            t = theme.label(text, size=size, color=colors.get(weight, theme.MUTED), mono=True)
            card = panel_behind(t, 0.05, corner_radius=0.05)
            card.set_stroke(width=0)
            group.add(VGroup(card, t).move_to(self.weight_point(weight)))
        return group.set_z_index(3)  # weights stay readable over lit paths

    def path_lines(self, weight: str, nodes: Sequence[str], color: str, stroke_width: float = 6) -> VGroup:
        """Thick copies of the edges a change travels along: the weight's edge, then node to node."""
        group = VGroup(self.edge_lines[weight].copy().set_stroke(color=color, width=stroke_width))
        for a, b in zip(nodes, nodes[1:]):
            for w, (u, v) in self.edge_ends.items():
                if (u, v) == (a, b):
                    group.add(self.edge_lines[w].copy().set_stroke(color=color, width=stroke_width))
        return group.set_z_index(1)

    def rings(self, nodes: Sequence[str], color: str, stroke_width: float = 5) -> VGroup:
        """Coloured rings around nodes: the ones a change reaches."""
        return VGroup(
            *(Circle(radius=self.radius + 0.06, stroke_color=color, stroke_width=stroke_width).move_to(self.center_of(n)) for n in nodes)
        )
