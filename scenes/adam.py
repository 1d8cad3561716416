"""Curriculum H: Adam taken apart — momentum steers, RMSProp sets the stride.

Render: ``gdexplain render adam`` or ``manim -ql scenes/adam.py AdamScene``.

Three steps of Adam, slowly, on a ravine drawn large. On the map, the
running average m is built head to tail as in the momentum scene (drawn as
−m, the way it steers): the old −m shrinks by β1 and the rest of the new
−m, −(1−β1)·g, is added. Below the map, a "stride panel" shows each axis on
its own stated scale ("drawn ×k"), so the flat axis reads from step 1 even
when the steep one's gradients are many times larger: the raw averages m
and v (v as a square whose area is v), then the bias-corrected m̂ and v̂
they grow into, and the stride m̂/(√v̂+ε) the step is made of — a ratio of
two lengths on one axis, so it reads the same on any scale. The first step
moves every coordinate by exactly α. Then Adam races momentum and RMSProp
on the same surface. Every number, the stride and the correction factors
included, is recorded by the core; the narration's figures come from the
settings and the trajectory.
"""

from __future__ import annotations

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Create,
    FadeIn,
    FadeOut,
    GrowArrow,
    ReplacementTransform,
    VGroup,
)

from gdexplain import layout
from gdexplain.core.optimizers import make_optimizer
from gdexplain.core.race import run_race, short_name
from gdexplain.scene import ExplainerScene
from gdexplain.core.surfaces import get_surface
from gdexplain.core.trajectory import Trajectory, run
from gdexplain.i18n import tr
from gdexplain.visual import theme
from gdexplain.visual.charts import Chart
from gdexplain.visual.contour import ContourMap
from gdexplain.visual.legend import Legend
from gdexplain.visual.map_race import Lane, MapRace
from gdexplain.visual.marks import Ball, PathTrail, ScaleNote, arrow_scale, vector_arrow
from gdexplain.visual.panels import FormulaPanel, Readout, fmt
from gdexplain.visual.squares import AccumulatorSquares
from gdexplain.visual.vectors import HeadToTail, HeadToTailColors, HeadToTailLabels, HeadToTailVectors

#: Adam's rule, one line per idea, with named terms to light.
ADAM_RULE = (
    "{{ m <- beta_1 m + (1 - beta_1) g : m }} \\ "
    "{{ v <- beta_2 v + (1 - beta_2) g^2 : v }} \\ "
    "{{ hat(m) = m / (1 - beta_1^t) : mhat }} quad {{ hat(v) = v / (1 - beta_2^t) : vhat }} \\ "
    "{{ theta <- theta - alpha hat(m) / (sqrt(hat(v)) + epsilon) : step }}"
)
SLOW_STEPS = 3
#: Largest drawn length (scene units) of an m̂ arrow or a √v̂ side in the stride panel.
STRIDE_MAX = 1.0
#: The scales the stride panel picks from (scene units per gradient unit), so that the square scale k² is round too.
NICE_STRIDE = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0)
AXES = ("x", "y")
AXIS_COLORS = (theme.AXIS_X, theme.AXIS_Y)
#: The map: its width (scene units) and where its top-left corner sits.
MAP_WIDTH = 7.6
MAP_TOP_LEFT = np.array([-6.55, 3.05, 0.0])
#: Centre x of the right-hand column (the rule and the read-out).
COLUMN_X = 4.25
#: Distance between the stride panel's x and y columns (scene units).
STRIDE_COLUMN = 5.4
#: Font size of the stride panel's captions.
STRIDE_SIZE = 17


def stride_scales(traj: Trajectory, steps: int = SLOW_STEPS, longest: float = STRIDE_MAX) -> np.ndarray:
    """Per axis, scene units per gradient unit: the largest |m̂| or √v̂ of the slow steps fits ``longest``.

    Each axis gets its own round scale (stated on screen), so the flat axis's
    arrow and square read from step 1 even when the steep axis's gradients
    are many times larger. The stride m̂/√v̂ is a ratio of two lengths on one
    axis's scale, so it reads the same whatever that scale is.
    """
    m_hat = np.abs(traj.quantity("m_hat")[1 : steps + 1])
    root = np.sqrt(traj.quantity("v_hat")[1 : steps + 1])
    out = []
    for i in range(m_hat.shape[1]):
        top = float(np.nanmax(np.concatenate([m_hat[:, i], root[:, i]])))
        fitting = [k for k in NICE_STRIDE if k * top <= longest] if top > 0 else [1.0]
        out.append(fitting[-1] if fitting else NICE_STRIDE[0])
    return np.array(out)


def bias_rows(traj: Trajectory, t: int) -> list[tuple[str, str]]:
    """The readout at step t, x and y in columns: g, m and m̂, v and v̂ (with the recorded correction factors), the step."""
    q = traj.quantity
    return [
        (f"t = {t}", ("x", "y")),
        ("g", _vec(q("grad")[t])),
        ("m", _vec(q("m")[t])),
        (f"m̂ = m × {fmt(q('m_correction')[t], 4)}", _vec(q("m_hat")[t])),
        ("v", _vec(q("v")[t])),
        (f"v̂ = v × {fmt(q('v_correction')[t], 4)}", _vec(q("v_hat")[t])),
        (tr("step Δθ"), _vec(q("delta")[t])),
    ]


def _sig(v: float) -> str:
    """4 significant digits whatever the size (small averages like v ≈ 0.0018 keep their digits)."""
    v = float(v)
    if v == 0 or abs(v) >= 1:
        return fmt(v)
    return f"{v:.4g}".replace("e-0", "e-").replace("-", "\u2212")


def _vec(values) -> tuple[str, ...]:
    """The x and y entries with :func:`_sig`, as the readout's two columns."""
    return tuple(_sig(v) for v in values)


#: Least widths of the readout's name column and value columns, so nothing jumps from step to step.
READOUT_NAMES = 1.8
READOUT_CELLS = 1.1


class AdamScene(ExplainerScene):
    """Adam step by step: −m head to tail, squares v and v̂, bias correction, the stride per axis; then a race."""

    slug = "adam"

    def construct(self) -> None:
        s = self.settings
        surface = get_surface(s["surface"])
        opt = make_optimizer("adam", lr=s["lr"], beta1=s["beta1"], beta2=s["beta2"], eps=s["eps"])
        self.traj = run(opt, surface, s["start"], s["steps"])
        self.mechanism()
        self.comparison()

    # --- 1. three steps, taken apart -----------------------------------------------

    def mechanism(self) -> None:
        traj, s = self.traj, self.settings
        pos, q = traj.positions, traj.quantity
        b1, b2 = s["beta1"], s["beta2"]
        title = theme.label(tr("Adam, taken apart"), size=theme.TITLE_SIZE).to_corner(UP + LEFT, buff=0.3)
        (x0, x1), (y0, y1) = traj.surface.ranges
        height = min(4.1, MAP_WIDTH * (y1 - y0) / (x1 - x0))
        cmap = ContourMap(traj.surface, height=height, width=height * (x1 - x0) / (y1 - y0))
        cmap.shift(MAP_TOP_LEFT - cmap.c2p((x0, y1)))
        ball = Ball().move_to(cmap.c2p(pos[0]))
        rule = FormulaPanel(ADAM_RULE, font_size=26).move_to([COLUMN_X, 0, 0]).to_edge(UP, buff=0.3)
        readout = Readout(bias_rows(traj, 1), size=18, name_width=READOUT_NAMES, cell_width=READOUT_CELLS).next_to(rule, DOWN, buff=0.3).to_edge(RIGHT, buff=0.25)
        self.add(cmap)  # added once, kept still
        with self.narrate(
            tr(
                "Adam combines the two ideas we have met. A running average of the gradient, like momentum, "
                "chooses the direction. A running average of the squared gradient, like RMSProp, sets the stride on each axis."
            )
        ):
            self.play(FadeIn(title), FadeIn(ball), run_time=0.8)
            self.play(FadeIn(rule), run_time=1)

        # One arrow scale for every −m arrow on the map.
        unit = cmap.axes.x_axis.get_unit_size()
        ms = q("m")
        scale = arrow_scale([np.linalg.norm(ms[t]) * unit for t in range(1, SLOW_STEPS + 1)], want=1.0)
        note = ScaleNote(scale, tr("−m arrows")).next_to(cmap, DOWN, buff=0.12).align_to(cmap, RIGHT)
        ks = stride_scales(traj)
        stride_head = theme.label(tr("per axis: arrow |m̂|, square of area v̂"), size=STRIDE_SIZE, color=theme.MUTED)
        stride_head.next_to(note, DOWN, buff=0.1).align_to(cmap, LEFT)
        panel_top = stride_head.get_bottom()[1] - 0.15
        # The panel's second column runs under the read-out, which ends above it.
        columns = [cmap.get_left()[0] + 0.1, cmap.get_left()[0] + 0.1 + STRIDE_COLUMN]
        trail = VGroup()
        first_fraction = fmt(1 - b1)
        for t in range(1, SLOW_STEPS + 1):
            here, there = pos[t - 1], pos[t]
            vec = HeadToTailVectors.from_total(origin=here, previous=-ms[t - 1], decay=b1, total=-ms[t])
            picture = HeadToTail(
                vec,
                lambda p, o=here: cmap.c2p(o) + scale * (cmap.c2p(p) - cmap.c2p(o)),
                HeadToTailLabels("−m", "β₁·(−m)", "−(1−β₁)g", tr("new −m")),
                HeadToTailColors(previous=theme.VELOCITY, decayed=theme.VELOCITY, added=theme.GRADIENT, total=theme.VELOCITY),
                label_size=20,
                ghost=False,
                avoid=[*layout.on_screen(self), readout, note],
            )
            first = t == 1
            with self.narrate(
                tr(
                    "Step one. The average m starts at zero, so the first gradient counts only {fraction} of itself: "
                    "one minus beta one is {fraction}. We draw minus m, the way it steers.",
                    fraction=first_fraction,
                )
                if first
                else tr(
                    "Step {t}. The old arrow shrinks by beta one, {beta1}, and {fraction} of the new gradient is added, head to tail.",
                    t=t, beta1=fmt(b1), fraction=first_fraction,
                )
            ):
                if first:
                    self.play(FadeIn(readout), FadeIn(note), run_time=0.6)
                else:
                    readout.become(Readout(bias_rows(traj, t), size=18, name_width=READOUT_NAMES, cell_width=READOUT_CELLS).placed_like(readout))
                self.play(rule.light({"m": theme.VELOCITY}), run_time=0.5)
                if np.any(ms[t - 1]):
                    self.play(picture.show_previous(), run_time=0.6)
                    self.play(picture.decay(), run_time=0.6)
                self.play(picture.add_new(), run_time=0.7)
                self.play(picture.show_total(), run_time=0.7)

            # The stride panel: raw m and v, then the corrected m̂ and v̂, per axis.
            raw = self._stride(traj, t, ks, columns, panel_top, corrected=False)
            fixed = self._stride(traj, t, ks, columns, panel_top, corrected=True)
            with self.narrate(
                tr(
                    "Meanwhile each axis keeps a square whose area is v, the average of squared gradients. "
                    "It shrinks by beta two, {beta2}, and grows by {fraction} times g squared. So after one step it is tiny.",
                    beta2=fmt(b2), fraction=fmt(1 - b2),
                )
                if first
                else tr("The squares shrink by beta two and grow by {fraction} times the new g squared.", fraction=fmt(1 - b2))
            ):
                if first:
                    self.play(FadeIn(stride_head), run_time=0.5)
                self.play(rule.light({"v": theme.AXIS_Y}), FadeIn(raw), run_time=1)
            m_factor, v_factor = fmt(q("m_correction")[t], 3), fmt(q("v_correction")[t], 4)
            with self.narrate(
                tr(
                    "Both averages started at zero, so early on they are biased toward zero. Dividing by one minus beta to the t fixes that: "
                    "m is multiplied by {m_factor}, v by {v_factor}, and m hat and v hat are fair estimates again.",
                    m_factor=m_factor, v_factor=v_factor,
                )
                if first
                else tr("Bias correction again, now with smaller factors: {m_factor} for m, {v_factor} for v.",
                        m_factor=m_factor, v_factor=v_factor)
            ):
                self.play(rule.light({"mhat": theme.VELOCITY, "vhat": theme.AXIS_Y}), ReplacementTransform(raw, fixed), run_time=1.2)
            ratios = np.abs(q("stride")[t])
            exact = first and bool(np.allclose(np.abs(q("delta")[1]), s["lr"], rtol=1e-6))
            step_arrow = vector_arrow(cmap.c2p(here), cmap.c2p(there), theme.STEP)
            with self.narrate(
                tr(
                    "Now the stride. On each axis, the arrow m hat is divided by the side of its square. "
                    "On the first step both ratios are one, so every coordinate moves by exactly alpha, {alpha}, whatever the slope.",
                    alpha=fmt(s["lr"]),
                )
                if exact
                else tr("Now the stride. On each axis, the arrow m hat is divided by the side of its square, and alpha times that ratio is the step.")
                if first
                else tr(
                    "The ratios are now {x} on x and {y} on y: the steep axis no longer gets a longer step than the flat one.",
                    x=fmt(ratios[0], 3), y=fmt(ratios[1], 3),
                )
            ):
                self.play(rule.light({"step": theme.STEP}), run_time=0.4)
                self.play(GrowArrow(step_arrow), run_time=0.8)
                seg = PathTrail([cmap.c2p(here), cmap.c2p(there)], dots=True)
                self.play(ball.animate.move_to(cmap.c2p(there)), Create(seg), picture.clear(), run_time=0.9)
                trail.add(seg)
                self.play(FadeOut(step_arrow), FadeOut(fixed), run_time=0.4)

        rest = PathTrail([cmap.c2p(p) for p in pos[SLOW_STEPS:]], dots=False)
        with self.narrate(
            tr(
                "From here the same rule repeats for {steps} steps. The path heads for the bottom without zig-zagging "
                "across the steep walls.",
                steps=traj.steps,
            )
        ):
            readout.become(Readout(bias_rows(traj, traj.steps), size=18, name_width=READOUT_NAMES, cell_width=READOUT_CELLS).placed_like(readout))
            self.play(Create(rest), ball.animate.move_to(cmap.c2p(pos[-1])), rule.light({}), FadeOut(note), FadeOut(stride_head), run_time=3)
        self.part1 = VGroup(title, ball, trail, rest, readout, rule)
        self.cmap = cmap

    def _stride(self, traj: Trajectory, t: int, ks: np.ndarray, columns: list[float], top: float, corrected: bool) -> VGroup:
        """Per axis, on that axis's scale k: the arrow |m| (or |m̂|), a square of area v (or v̂), their numbers."""
        q = traj.quantity
        m = q("m_hat" if corrected else "m")[t]
        v = q("v_hat" if corrected else "v")[t]
        mark, vmark = ("m̂", "v̂") if corrected else ("m", "v")
        group = VGroup()
        for i, (axis, color) in enumerate(zip(AXES, AXIS_COLORS)):
            k = float(ks[i])
            head = theme.label(tr("{axis} axis, drawn ×{k}", axis=axis, k=f"{k:g}"), size=STRIDE_SIZE, color=color)
            head.move_to([columns[i], top, 0.0], aligned_edge=UP + LEFT)
            base = np.array([columns[i] + 0.05, head.get_bottom()[1] - 0.2, 0.0])
            length = abs(float(m[i])) * k
            arrow = vector_arrow(base, base + length * RIGHT, theme.VELOCITY, stroke_width=5) if length > 0.02 else VGroup()
            sq = AccumulatorSquares([v[i]], k**2, base + (STRIDE_MAX + 0.35) * RIGHT + 0.05 * DOWN, colors=(color,), quadrants=((1, -1),))
            numbers = f"|{mark}| = {fmt(abs(m[i]), 3)}    {vmark} = {fmt(v[i], 3)}"
            if corrected:
                numbers += "    " + tr("ratio = {ratio}", ratio=fmt(abs(q("stride")[t][i]), 3))
            caption = theme.label(numbers, size=STRIDE_SIZE, color=theme.TEXT)
            caption.move_to([columns[i], base[1] - STRIDE_MAX - 0.17, 0.0], aligned_edge=UP + LEFT)
            group.add(VGroup(head, arrow, sq, caption))
        return group

    # --- 2. Adam next to momentum and RMSProp -------------------------------------------------

    def comparison(self) -> None:
        s = self.settings
        surface = self.traj.surface
        names = ("momentum", "rmsprop", "adam")
        lrs = {"adam": s["lr"], **dict(s["compare_lrs"])}
        racers = run_race(surface, names, lrs, tuple(self.traj.positions[0]), s["compare_steps"], 1e-3)
        lanes = [Lane.of(r.name, r.traj) for r in racers]
        race = MapRace.on_map(self.cmap, lanes, stroke_width=3.5)
        legend = Legend([(l.label, l.color, f"α = {fmt(r.lr)}") for l, r in zip(lanes, racers)])
        legend.to_corner(UP + RIGHT, buff=0.4)
        floor = float(surface.value(surface.global_minimum)) if surface.global_minimum is not None else None
        chart = Chart({l.label: l.traj.losses for l in lanes}, {l.label: l.color for l in lanes},
                      s["compare_steps"], log=True, floor=floor, floor_label=tr("the minimum"), width=5.0, height=2.4)
        chart.set_progress(0)
        chart.next_to(legend, DOWN, buff=0.5).align_to(legend, RIGHT)
        with self.narrate(tr("Now Adam next to its two parents, on the same surface and from the same start.")):
            self.play(FadeOut(self.part1), run_time=0.8)
            self.play(FadeIn(legend), FadeIn(race), FadeIn(chart), run_time=0.8)
        with self.narrate(
            tr(
                "Momentum builds speed but swings across the steep direction. RMSProp evens out the axes but has no memory of direction. "
                "Adam inherits both: the speed of one and the per-axis stride of the other."
            )
        ):
            self.play(race.advance(0, race.end, on_step=chart.set_progress, changing=[chart]),
                      run_time=min(12.0, max(5.0, race.end / 8)))
        finals = tr(", ", context="list of final losses").join(
            tr("{method} {loss}", context="a method's final loss", method=short_name(r.name), loss=fmt(r.final_loss, 3)) for r in racers
        )
        with self.narrate(tr("After {steps} steps the losses are: {finals}.", steps=s["compare_steps"], finals=finals)):
            pass
        with self.narrate(tr("That is Adam: momentum holds the steering wheel, RMSProp decides how long each stride is.")):
            # The scene ends on the finished race; the balls dim so the three paths read.
            self.play(race.balls.animate.set_opacity(0.35), run_time=0.8)
