"""Curriculum A: one weight, the whole network — a partial derivative per weight, one product per path.

Render: ``gdexplain render weights-and-loss`` or
``manim -ql scenes/weights_and_loss.py WeightsAndLoss``;
``--set weight=h1-g2 --set seed=189 --set x1=0.5 --set target=-1 --set nudge=0.2``.

A tiny network (2 inputs, two hidden layers of 2 tanh units, one linear
output) with real numbers on every node and edge. Nudging a weight changes
the nodes on its paths to the output, and so the loss — a weight near the
output touches only the output, one at the start touches every later unit.
Then one weight is followed: its ∂L/∂w is one chain-rule product per path
to the output, and the products add up; its sign says which way the weight
should move. Finally one gradient-descent step moves every weight at once.
Every number is the core's (:mod:`gdexplain.core.network`); the scene only
writes them down.
"""

from __future__ import annotations

from manim import DOWN, LEFT, UP, Create, FadeIn, FadeOut, Indicate, VGroup

from gdexplain.core.network import OUTPUT, Nudge, PathTerm, TinyNetwork
from gdexplain.i18n import join_words, sentences, tr, trn
from gdexplain.narration import spoken_number as say
from gdexplain.scene import ExplainerScene
from gdexplain.visual import theme
from gdexplain.visual.network import NetworkDiagram
from gdexplain.visual.panels import FormulaPanel, NumberTable, Readout, fmt

SIZES = (2, 2, 2, 1)
#: A weight from each layer of edges, nearest the output first: how far a nudge reaches.
REACH_EXAMPLES = ("g1-ŷ", "h1-g1", "x1-h1")
#: Colours of the (up to four) paths of the followed weight.
PATH_COLORS = (theme.AXIS_X, theme.AXIS_Y, theme.VELOCITY, theme.LOOK_AHEAD)
#: Left edge of the right-hand column.
COLUMN_LEFT, COLUMN_RIGHT = 1.3, 6.8
#: Under the diagram: the loss rule from LOSS_LEFT, the loss read-out from BOARD_LEFT, both hanging from LOSS_TOP.
LOSS_LEFT, BOARD_LEFT, LOSS_TOP = -6.6, -4.0, -1.85
LOSS_RULE = "L = (hat(y) - y)^2"


def signed(value: float) -> str:
    """A change as it is written on screen: ``+0.0593``, ``−0.0034``."""
    text = fmt(value)
    return text if text.startswith("\u2212") or text == "0" else "+" + text


def node_texts(net: TinyNetwork, fwd) -> dict[str, str]:
    """Every node's value, as written inside it."""
    names = net.node_names()
    return {names[l][k]: fmt(fwd.act[l][k], 3) for l in range(len(names)) for k in range(len(names[l]))}


def weight_texts(net: TinyNetwork) -> dict[str, str]:
    """Every weight, as written on its edge."""
    return {name: fmt(net.weight(name), 3) for name in net.weight_names()}


def edge_label_places(net: TinyNetwork) -> dict[str, float]:
    """Where each weight is written along its edge: clear of the nodes, of crossing edges' labels and of captions.

    The first two layers of edges at 0.38; into the output, the upper edge's label near its start and the
    lower edge's past the middle, both away from the captions over the output and over the last hidden units.
    """
    last = len(net.weights) - 1
    into_output = [w for w in net.weight_names() if net.locate(w)[0] == last]
    places = {w: 0.38 for w in net.weight_names()}
    for k, w in enumerate(into_output):
        places[w] = 0.35 if k < len(into_output) / 2 else 0.62
    return places


def bias_captions(net: TinyNetwork) -> dict[str, str]:
    """Each unit's name with its bias (``h1  b = 0.2``); inputs keep their bare names."""
    names = net.node_names()
    return {names[l + 1][k]: f"{names[l + 1][k]}  b = {fmt(b)}" for l, bs in enumerate(net.biases) for k, b in enumerate(bs)}


def path_column(term: PathTerm) -> list[str]:
    """A path's column in the table: each local slope as ``label = value``, then the product."""
    return [f"{f.label} = {fmt(f.value)}" for f in term.factors] + [tr("product = {value}", value=fmt(term.contribution))]


def sum_text(terms: list[PathTerm], gradient: float) -> str:
    """``∂L/∂w = 0.794 + (−1.752) = −0.958`` (one path: ``∂L/∂w = 0.794``)."""
    parts = [fmt(t.contribution) for t in terms]
    shown = " + ".join(p if i == 0 or not p.startswith("\u2212") else f"({p})" for i, p in enumerate(parts))
    return f"∂L/∂w = {shown} = {fmt(gradient)}" if len(terms) > 1 else f"∂L/∂w = {fmt(gradient)}"


def reach_sentence(net: TinyNetwork, n: Nudge, first: bool) -> str:
    """What one nudge reached, spoken: the nodes that changed and the output's change."""
    touched = [k for k in n.changes if k != OUTPUT]
    out = say(n.changes.get(OUTPUT, 0.0))
    if not touched:
        if first:
            return tr("Nudge a weight right next to the output, and only the output moves: by {out}.", out=out)
        return tr("Nudge a weight right next to the output, and only the output moves, by {out}.", out=out)
    src, dst = n.weight.split("-")
    values = dict(src=src, dst=dst, names=join_words(touched), out=out)
    if first:
        return trn(
            "Nudge {src} to {dst} and {names} changes on the way, then the output: by {out}.",
            "Nudge {src} to {dst} and {names} change on the way, then the output: by {out}.",
            len(touched),
            **values,
        )
    return trn(
        "Nudge {src} to {dst} and {names} changes on the way, then the output, by {out}.",
        "Nudge {src} to {dst} and {names} change on the way, then the output, by {out}.",
        len(touched),
        **values,
    )



class WeightsAndLoss(ExplainerScene):
    """A tiny network with real numbers: how one weight reaches the loss, and which way to move it."""

    slug = "weights-and-loss"

    def construct(self) -> None:
        s = self.settings
        self.net = TinyNetwork.drawn(SIZES, s["seed"])
        self.x, self.target = (s["x1"], s["x2"]), s["target"]
        self.weight = _canonical(self.net, s["weight"])
        self.introduce()
        self.reach()
        self.follow()
        self.paths()
        self.direction()
        self.whole_network()

    # --- the network and its numbers ------------------------------------------------

    def introduce(self) -> None:
        net, fwd = self.net, self.net.forward(self.x)
        self.title = theme.label(tr("One weight, the whole network"), size=theme.TITLE_SIZE).to_corner(UP + LEFT, buff=0.35)
        names = net.node_names()
        edges = [(w, *w.split("-")) for w in net.weight_names()]
        self.diagram = NetworkDiagram(names, edges, layer_gap=2.2, node_gap=2.8, radius=0.42, label_at=edge_label_places(net),
                                      captions=bias_captions(net))
        self.diagram.move_to([-3.2, 0.45, 0])
        self.weight_labels = self.diagram.weights(weight_texts(net))
        self.node_values = self.diagram.values(node_texts(net, fwd))
        x1, x2 = self.x
        with self.narrate(
            tr(
                "A tiny neural network, with real numbers. Two inputs, {x1} and {x2}; two hidden layers of two units; one output. "
                "Each edge carries a weight, written on it.",
                x1=say(x1),
                x2=say(x2),
            )
        ):
            self.play(FadeIn(self.title), FadeIn(self.diagram), run_time=1.2)
            self.play(FadeIn(self.weight_labels), run_time=1.0)
        self.loss_board = self.loss_readout(fmt(fwd.output), fmt(net.loss(self.x, self.target)))
        rule = FormulaPanel(LOSS_RULE, font_size=28)
        rule.move_to([LOSS_LEFT + rule.width / 2, LOSS_TOP - rule.height / 2, 0])
        with self.narrate(
            tr(
                "Each unit adds up its weighted inputs plus its own bias, written over it, and squashes the sum with tanh; "
                "the output just adds. The network predicts {prediction}, but the target is {target}. "
                "The loss, the squared miss, is {loss}.",
                prediction=say(fwd.output),
                target=say(self.target),
                loss=say(net.loss(self.x, self.target)),
            )
        ):
            self.play(FadeIn(self.node_values), run_time=1.2)
            self.play(FadeIn(rule), FadeIn(self.loss_board), run_time=0.8)
        self.rule = rule

    def loss_readout(self, prediction: str, loss: str, extra: list[tuple[str, str]] | None = None) -> Readout:
        """The target, the prediction and the loss (texts: a value, or ``before → after``), under the diagram."""
        loss_name = tr("loss L")
        rows = [(tr("target y"), fmt(self.target)), (tr("prediction ŷ"), prediction), (loss_name, loss), *(extra or [])]
        board = Readout(rows, colors={loss_name: theme.HIGHLIGHT}, min_width=3.4)
        return board.move_to([BOARD_LEFT + board.width / 2, LOSS_TOP - board.height / 2, 0])

    # --- how far a nudge reaches ---------------------------------------------------------

    def marks_of(self, n: Nudge, color: str = theme.HIGHLIGHT) -> VGroup:
        """Rings on the changed nodes, each with its change written beside it, and the nudged edge lit."""
        d = self.diagram
        group = VGroup(d.path_lines(n.weight, [], color), d.rings(list(n.changes), color))
        for node, change in n.changes.items():
            t = theme.label(signed(change), size=16, color=color, mono=True)
            group.add(t.next_to(d.center_of(node), DOWN, buff=d.radius + 0.1))
        return group

    def reach(self) -> None:
        net, eps = self.net, self.settings["nudge"]
        examples = [w for w in REACH_EXAMPLES if w in net.weight_names()]
        with self.narrate(
            tr("Change any weight, and the output changes. Watch what moves when a weight grows by {eps}.", eps=say(eps))
        ):
            pass
        shown = None
        for i, name in enumerate(examples):
            n = net.nudge(name, eps, self.x, self.target)
            marks = self.marks_of(n)
            text = reach_sentence(net, n, i == 0)
            if i == len(examples) - 1:
                text = sentences(
                    text, tr("The further a weight sits from the output, the more of the network it moves, and the more indirectly.")
                )
            with self.narrate(text):
                self.play(*([FadeOut(shown)] if shown else []), FadeIn(marks), run_time=1.0)
            shown = marks
        self.reach_marks = shown

    # --- one weight, followed ----------------------------------------------------------------

    def follow(self) -> None:
        net, eps, name = self.net, self.settings["nudge"], self.weight
        n = net.nudge(name, eps, self.x, self.target)
        self.nudged = n
        marks = self.marks_of(n)
        board = self.loss_readout(f"{fmt(n.before.output)} → {fmt(n.after.output)}", f"{fmt(n.loss_before)} → {fmt(n.loss_after)}",
                                  [(tr("change in L"), signed(n.loss_change))])
        src, dst = name.split("-")
        values = dict(src=src, dst=dst, w=say(net.weight(name)), eps=say(eps), before=say(n.loss_before), after=say(n.loss_after))
        said = (
            tr("Now follow one weight: the one from {src} to {dst}, now {w}. Growing it by {eps} lowers the loss, from {before} to {after}.",
               **values)
            if n.loss_change < 0
            else tr("Now follow one weight: the one from {src} to {dst}, now {w}. Growing it by {eps} raises the loss, from {before} to {after}.",
                    **values)
        )
        with self.narrate(said):
            self.play(FadeOut(self.reach_marks), run_time=0.5)
            self.play(FadeIn(marks), FadeOut(self.loss_board), FadeIn(board), run_time=1.0)
        self.loss_board, self.follow_marks = board, marks

    def paths(self) -> None:
        net, name = self.net, self.weight
        terms = net.paths(name, self.x, self.target)
        grad = net.gradient(self.x, self.target)[name]
        self.terms, self.grad = terms, grad
        header = [tr("through {node}", node=t.nodes[-2]) if len(t.nodes) > 1 else tr("direct") for t in terms]
        columns = [path_column(t) for t in terms]
        rows = [list(r) for r in zip(*columns)]
        table = NumberTable(header, rows, size=17, colors={k: PATH_COLORS[k % len(PATH_COLORS)] for k in range(len(terms))},
                            rules=(len(rows) - 1,), col_buff=0.5)
        table.next_to([COLUMN_LEFT, 3.55, 0], DOWN, buff=0).align_to([COLUMN_LEFT, 0, 0], LEFT)
        if table.get_right()[0] > COLUMN_RIGHT:
            table.scale_to_fit_width(COLUMN_RIGHT - COLUMN_LEFT)
            table.align_to([COLUMN_LEFT, 0, 0], LEFT)
        how_much = (
            tr(
                "How much does the loss care about this weight? The change can reach the loss along one path. "
                "Along a path, each link passes the change on, scaled by its local slope: the chain rule multiplies them."
            )
            if len(terms) == 1
            else tr(
                "How much does the loss care about this weight? The change can reach the loss along {n} paths. "
                "Along a path, each link passes the change on, scaled by its local slope: the chain rule multiplies them.",
                n=len(terms),
            )
        )
        with self.narrate(how_much):
            self.play(FadeOut(self.follow_marks), run_time=0.4)
            self.play(FadeIn(table.panel), FadeIn(table.rules), FadeIn(table.header), run_time=0.8)
        lit = None
        for k, term in enumerate(terms):
            color = PATH_COLORS[k % len(PATH_COLORS)]
            lines = self.diagram.path_lines(name, list(term.nodes), color)
            with self.narrate(_path_sentence(term)):
                self.play(*([FadeOut(lit)] if lit else []), Create(lines), run_time=1.2)
                self.play(FadeIn(VGroup(*(row[k] for row in table.cells))), run_time=1.0)
            lit = lines
        total = theme.label(sum_text(terms, grad), size=theme.BODY_SIZE, color=theme.HIGHLIGHT, mono=True)
        if total.width > COLUMN_RIGHT - COLUMN_LEFT:
            total.scale_to_fit_width(COLUMN_RIGHT - COLUMN_LEFT)
        total.next_to(table, DOWN, buff=0.3).align_to(table, LEFT)
        n = self.nudged
        said = (
            tr("Add the paths: the partial derivative of the loss with respect to this weight is {grad}.", grad=say(grad))
            if len(terms) > 1
            else tr("With one path, that product is the partial derivative: {grad}.", grad=say(grad))
        )
        check = tr(
            "Check it against the nudge: {grad} times {delta} is about the change we saw, {change}.",
            grad=say(grad),
            delta=say(n.delta),
            change=say(n.loss_change),
        )
        with self.narrate(sentences(said, check)):
            all_lines = VGroup(*(self.diagram.path_lines(name, list(t.nodes), PATH_COLORS[k % len(PATH_COLORS)]) for k, t in enumerate(terms)))
            self.play(FadeOut(lit), FadeIn(all_lines), FadeIn(total), run_time=1.0)
        self.path_table, self.total, self.path_lines = table, total, all_lines

    # --- which way to move it ---------------------------------------------------------------

    def direction(self) -> None:
        net, name, grad, lr = self.net, self.weight, self.grad, self.settings["lr"]
        moved = net.stepped({name: grad}, lr)
        rule = FormulaPanel("w <- w - alpha (partial L)/(partial w)", font_size=28)
        rule.next_to(self.total, DOWN, buff=0.35).align_to(self.total, LEFT)
        w_after, loss_after = tr("w after"), tr("loss after")
        result = Readout(
            [("α", fmt(lr)), (tr("w before"), fmt(net.weight(name))), (w_after, fmt(moved.weight(name))),
             (loss_after, fmt(moved.loss(self.x, self.target)))],
            colors={w_after: theme.STEP, loss_after: theme.HIGHLIGHT},
            min_width=3.4,
        )
        result.next_to(rule, DOWN, buff=0.25).align_to(rule, LEFT)
        if grad < 0:
            sign = tr("The derivative is negative: growing the weight lowers the loss, so descent grows it.")
        elif grad > 0:
            sign = tr("The derivative is positive: growing the weight raises the loss, so descent shrinks it.")
        else:
            sign = tr("The derivative is zero: this weight is, for now, at a flat spot, and descent leaves it.")
        step = tr(
            "One step of size alpha {lr} takes it from {before} to {after}, and the loss from {loss_before} to {loss_after}.",
            lr=say(lr),
            before=say(net.weight(name)),
            after=say(moved.weight(name)),
            loss_before=say(net.loss(self.x, self.target)),
            loss_after=say(moved.loss(self.x, self.target)),
        )
        with self.narrate(sentences(sign, step)):
            self.play(FadeIn(rule), run_time=0.8)
            self.play(FadeIn(result), run_time=0.8)
        self.step_panels = VGroup(rule, result)

    def whole_network(self) -> None:
        net, lr = self.net, self.settings["lr"]
        grads = net.gradient(self.x, self.target)
        stepped = net.stepped(grads, lr)
        fwd = stepped.forward(self.x)
        new_weights = self.diagram.weights(weight_texts(stepped), colors={w: theme.STEP for w in net.weight_names()})
        new_values = self.diagram.values(node_texts(stepped, fwd))
        before, after = net.loss(self.x, self.target), stepped.loss(self.x, self.target)
        board = self.loss_readout(f"{fmt(net.forward(self.x).output)} → {fmt(fwd.output)}", f"{fmt(before)} → {fmt(after)}")
        grad_table = NumberTable(
            [tr("weight"), "∂L/∂w", tr("new weight")],
            [[w, fmt(g), fmt(stepped.weight(w))] for w, g in grads.items()],
            size=16,
            colors={1: theme.GRADIENT, 2: theme.STEP},
            row_buff=0.1,
        )
        grad_table.next_to([COLUMN_LEFT, 3.55, 0], DOWN, buff=0).align_to([COLUMN_LEFT, 0, 0], LEFT)
        with self.narrate(
            tr(
                "Every weight gets its own partial derivative in just this way, summed over its own paths. "
                "Together the {n} of them are the gradient.",
                n=len(grads),
            )
        ):
            self.play(FadeOut(VGroup(self.path_table, self.total, self.path_lines, self.step_panels)), run_time=0.6)
            self.play(FadeIn(grad_table), run_time=1.0)
        with self.narrate(
            tr(
                "One step of gradient descent moves all {n} at once, each against its own derivative. "
                "The prediction goes to {prediction}, and the loss falls from {before} to {after}.",
                n=len(grads),
                prediction=say(fwd.output),
                before=say(before),
                after=say(after),
            )
        ):
            self.play(FadeOut(self.weight_labels), FadeIn(new_weights), FadeOut(self.node_values), FadeIn(new_values),
                      FadeOut(self.loss_board), FadeIn(board), run_time=1.5)
            self.play(Indicate(board, color=theme.HIGHLIGHT, scale_factor=1.05), run_time=1.0)
        with self.narrate(tr("Training is just this, repeated: feel each weight's slope, step against it, and measure again.")):
            self.play(FadeOut(grad_table), run_time=1.0)


def _canonical(net: TinyNetwork, name: str) -> str:
    """The weight's own name (``g1-y`` is written ``g1-ŷ``)."""
    layer, to, frm = net.locate(name)
    return net.weight_name(layer, to, frm)


def _path_sentence(term: PathTerm) -> str:
    """What one path alone says: its product, and whether growing the weight would raise or lower the loss by it."""
    value = say(term.contribution)
    if len(term.nodes) > 2:
        if term.contribution > 0:
            return tr(
                "Along the path through {node}, the slopes multiply to {value}: by this path alone, growing the weight would raise the loss.",
                node=term.nodes[-2],
                value=value,
            )
        return tr(
            "Along the path through {node}, the slopes multiply to {value}: by this path alone, growing the weight would lower the loss.",
            node=term.nodes[-2],
            value=value,
        )
    if term.contribution > 0:
        return tr(
            "Along the only path, straight to the output, the slopes multiply to {value}: "
            "by this path alone, growing the weight would raise the loss.",
            value=value,
        )
    return tr(
        "Along the only path, straight to the output, the slopes multiply to {value}: "
        "by this path alone, growing the weight would lower the loss.",
        value=value,
    )
