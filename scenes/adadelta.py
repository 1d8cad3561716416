"""Curriculum I: AdaDelta, two memories per axis and no learning rate.

Render: ``gdexplain render adadelta``, or ``manim -ql scenes/adadelta.py AdaDeltaScene``.

RMSProp divides each gradient component by the root of a decaying average
of g², then multiplies by a hand-picked α. AdaDelta keeps that average (s)
and adds a second one, of its own squared steps (u); the step is
√(u+ε)/√(s+ε) · g. The scene shows both memories per axis as squares
(area = value × a stated scale, one scale per memory), walks through the
first steps, gives the units argument (the ratio of the two roots has the
units of θ, so no α is needed), and races AdaDelta against RMSProp on the
same surface.

Every number is read from core trajectories: ``sq_grad_avg`` (s),
``sq_delta_avg`` (u), ``scaled_grad`` (Δ), and the ratio of the two roots
from :func:`gdexplain.core.analysis.adadelta_ratio`.
"""

from __future__ import annotations

import numpy as np
from manim import DOWN, LEFT, RIGHT, UL, UP, Create, FadeIn, FadeOut, Group, GrowArrow, Line, Transform, VGroup, config

from gdexplain.core.analysis import adadelta_ratio, find_burst
from gdexplain.core.optimizers import make_optimizer
from gdexplain.core.surfaces import Surface, get_surface
from gdexplain.core.trajectory import Trajectory, run
from gdexplain.i18n import tr
from gdexplain.scene import ExplainerScene
from gdexplain.visual import theme
from gdexplain.visual.charts import Chart
from gdexplain.visual.contour import ContourMap
from gdexplain.visual.legend import Legend
from gdexplain.visual.marks import Ball, ScaleNote, arrow_shrink, label_arrow, vector_arrow
from gdexplain.visual.panels import FormulaPanel, Readout, fmt, fmt_vector
from gdexplain.visual.map_race import Lane, MapRace
from gdexplain.visual.squares import AccumulatorSquares, nice_square_scale

#: Steps explained one by one before the rest play quickly.
SLOW_STEPS = 3
#: Largest square side (scene units) in the memory panel.
MAX_SIDE = 1.0
#: Width of the step-by-step map (scene units).
MAP_WIDTH = 7.2
#: Tallest step-by-step map (scene units).
MAP_HEIGHT = 4.0
#: Room around the path on the step-by-step map (surface units).
MARGIN = 0.5
#: Least width of the step-by-step read-out (scene units).
READOUT_WIDTH = 4.6

RULE = (
    "{{ s_t : s }} = rho s_(t-1) + (1 - rho) {{ g_t^2 : g2 }} \\ "
    "{{ Delta_t : delta }} = {{ sqrt(u_(t-1) + epsilon) : top }} / {{ sqrt(s_t + epsilon) : bottom }} {{ g_t : grad }} \\ "
    "{{ u_t : u }} = rho u_(t-1) + (1 - rho) {{ Delta_t^2 : d2 }} \\ "
    "theta_t = theta_(t-1) - {{ gamma : lr }} Delta_t"
)


def units_formula() -> str:
    """The units argument as a formula; its two words of text in the viewer's language (Greek letters kept as symbols)."""
    return (
        "[g] = L / theta quad [s] = (L / theta)^2 quad [u] = theta^2 \\ "
        "{{ [sqrt(u) / sqrt(s) g] = theta dot theta / L dot L / theta = theta : ada }} \\ "
        "{{ \"RMSProp:\" [alpha g / sqrt(s)] = [alpha] quad => quad "
        + tr('α "carries the units of" θ', context="Typst formula")
        + " : rms }} \\ "
        "{{ \"GD:\" [alpha g] = [alpha] dot L / theta quad => quad "
        + tr('α "carries" θ^2 / L', context="Typst formula")
        + " : gd }}"
    )


# --- pure data → picture mappings (tests compare these with `gdexplain trace`) -----------------


def run_adadelta(settings: dict) -> Trajectory:
    """The step-by-step run of the scene's settings."""
    opt = make_optimizer("adadelta", lr=settings["lr"], rho=settings["rho"], eps=settings["eps"])
    return run(opt, get_surface(settings["surface"]), settings["start"], settings["steps"])


def run_race(settings: dict) -> tuple[Trajectory, Trajectory]:
    """AdaDelta (the scene's settings) and RMSProp (race_lr, its default ρ) on the same surface and start."""
    surface = get_surface(settings["surface"])
    ada = run(make_optimizer("adadelta", lr=settings["lr"], rho=settings["rho"], eps=settings["eps"]), surface,
              settings["start"], settings["race_steps"])
    rms = run(make_optimizer("rmsprop", lr=settings["race_lr"]), surface, settings["start"], settings["race_steps"])
    return ada, rms


def step_rows(traj: Trajectory, t: int) -> list[tuple[str, str]]:
    """Readout rows of step ``t``, every value as the core recorded it."""
    return [
        (tr("step t"), str(t)),
        ("g", fmt_vector(traj.quantity("grad")[t])),
        ("s", fmt_vector(traj.quantity("sq_grad_avg")[t])),
        ("√(u+ε)/√(s+ε)", fmt_vector(adadelta_ratio(traj)[t])),
        ("Δ", fmt_vector(traj.quantity("scaled_grad")[t])),
        ("u", fmt_vector(traj.quantity("sq_delta_avg")[t])),
        ("θ", fmt_vector(traj.positions[t])),
    ]


def square_scales(traj: Trajectory) -> tuple[float, float]:
    """One nice scale for every s square and one for every u square of the run (their units differ)."""
    s = traj.quantity("sq_grad_avg")[1:].ravel()
    u = traj.quantity("sq_delta_avg")[1:].ravel()
    return nice_square_scale(s, MAX_SIDE), nice_square_scale(u, MAX_SIDE)


def map_view(surface: Surface, positions: np.ndarray) -> tuple[tuple[float, float], tuple[float, float]]:
    """The step-by-step map's range: the path with a margin, inside the surface's range where it can be."""
    finite = positions[np.all(np.isfinite(positions), axis=1)]
    lo, hi = finite.min(axis=0) - MARGIN, finite.max(axis=0) + MARGIN
    (x0, x1), (y0, y1) = surface.ranges
    lo = np.maximum(lo, [x0, y0]) if np.all(finite.min(axis=0) >= [x0, y0]) else lo
    hi = np.minimum(hi, [x1, y1]) if np.all(finite.max(axis=0) <= [x1, y1]) else hi
    return (float(lo[0]), float(hi[0])), (float(lo[1]), float(hi[1]))


class MemorySquares(VGroup):
    """The two memories per axis, side by side: s_x, s_y (g²) and u_x, u_y (Δ²), each square's area = value × its scale."""

    def __init__(self, s: np.ndarray, u: np.ndarray, scales: tuple[float, float], anchors: list[np.ndarray]) -> None:
        super().__init__()
        self.cells: list[AccumulatorSquares] = []
        colors = (theme.AXIS_X, theme.AXIS_Y)
        for i, (values, scale, names) in enumerate(((s, scales[0], ("s_x", "s_y")), (u, scales[1], ("u_x", "u_y")))):
            for axis in range(2):
                cell = AccumulatorSquares([values[axis]], scale, anchors[2 * i + axis], labels=(names[axis],),
                                          colors=(colors[axis],), quadrants=((1, 1),))
                self.cells.append(cell)
                self.add(cell)

    def areas(self) -> np.ndarray:
        """Drawn areas of s_x, s_y, u_x, u_y (scene units²)."""
        return np.array([c.square_areas()[0] for c in self.cells])


class AdaDeltaScene(ExplainerScene):
    """AdaDelta's two memories per axis, the units argument, and a race with RMSProp."""

    slug = "adadelta"

    def construct(self) -> None:
        s = self.settings
        traj = run_adadelta(s)
        self.traj = traj
        self.intro(traj)
        self.step_part(traj)
        self.units_part()
        self.race_part()

    # --- 1. why -----------------------------------------------------------------------------

    def intro(self, traj: Trajectory) -> None:
        s = self.settings
        # The scene's title is its catalog entry's (translated with the lecture's titles).
        title = theme.label(tr(self.entry.title), size=theme.TITLE_SIZE).to_corner(UL, buff=0.35)
        recap = FormulaPanel("\"RMSProp:\" quad Delta theta = - {{ alpha : lr }} g / sqrt(s)", font_size=40).move_to(0.9 * UP)
        question = theme.label(tr("α must still be picked by hand, and its right value depends on the units of θ."),
                               size=theme.BODY_SIZE, color=theme.MUTED).next_to(recap, DOWN, buff=0.6)
        with self.narrate(
            tr(
                "RMSProp divides each gradient by the root of a decaying average of squared gradients. "
                "But it still multiplies by a learning rate alpha, picked by hand."
            )
        ):
            self.play(FadeIn(title), FadeIn(recap), run_time=1.0)
            self.play(recap.light({"lr": theme.HIGHLIGHT}), FadeIn(question), run_time=0.8)
        with self.narrate(
            tr(
                "AdaDelta removes alpha. It keeps RMSProp's memory of squared gradients, and adds a second memory: "
                "a decaying average of its own squared steps. Both decay at rate rho, {rho}.",
                rho=fmt(s["rho"]),
            )
        ):
            rule = FormulaPanel(RULE, font_size=36).move_to(0.4 * DOWN)
            self.play(FadeOut(recap), FadeOut(question), run_time=0.6)
            self.play(FadeIn(rule), run_time=0.8)
            self.play(rule.light({"s": theme.GRADIENT, "u": theme.STEP}), run_time=0.6)
        self.title_mob, self.intro_rule = title, rule

    # --- 2. step by step ------------------------------------------------------------------

    def step_part(self, traj: Trajectory) -> None:
        s = self.settings
        pos, grads = traj.positions, traj.quantity("grad")
        slow = min(SLOW_STEPS, traj.steps)
        # First a provisional map to size the gradient arrows, then the view grown to hold their tips.
        cmap = self.step_map(traj.surface, pos)
        unit = cmap.axes.x_axis.get_unit_size()
        factor = arrow_shrink([np.linalg.norm(grads[t]) * unit for t in range(1, slow + 1)], longest=1.3)
        tips = np.array([pos[t - 1] + factor * grads[t] for t in range(1, slow + 1)])
        cmap = self.step_map(traj.surface, np.vstack([pos, tips]))
        ball = Ball().move_to(cmap.c2p(pos[0]))
        column_left = cmap.get_right()[0] + 0.35
        right_x = (column_left + 7.0) / 2
        formula = FormulaPanel(RULE, font_size=28)
        formula.move_to([right_x, 3.75 - formula.height / 2, 0])

        scales = square_scales(traj)
        head_s = theme.label(tr("s: memory of g²"), size=theme.SMALL_SIZE, color=theme.GRADIENT)
        head_u = theme.label(tr("u: memory of steps Δ²"), size=theme.SMALL_SIZE, color=theme.STEP)
        top_y = cmap.get_bottom()[1] - 0.2
        cell = cmap.width / 4
        anchors = [np.array([cmap.get_left()[0] + cell * i, top_y - 0.35 - MAX_SIDE, 0.0]) for i in range(4)]
        head_s.move_to([anchors[0][0], top_y - 0.12, 0], aligned_edge=LEFT)
        head_u.move_to([anchors[2][0], top_y - 0.12, 0], aligned_edge=LEFT)
        squares = MemorySquares(traj.quantity("sq_grad_avg")[0], traj.quantity("sq_delta_avg")[0], scales, anchors)
        notes = VGroup(
            ScaleNote(factor, tr("gradient arrows")),
            theme.label(tr("square areas: s × {s}, u × {u} (different units)", s=f"{scales[0]:g}", u=f"{scales[1]:g}"),
                        size=theme.SMALL_SIZE, color=theme.MUTED),
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.08)
        notes.move_to([cmap.get_left()[0], anchors[0][1] - 0.32, 0], aligned_edge=UL)

        with self.narrate(
            tr(
                "Here is the ravine again, steep across and flat along, with AdaDelta's rule. "
                "Gamma is {gamma}: there is no learning rate to pick.",
                gamma=fmt(s["lr"]),
            )
            if s["lr"] == 1
            else tr(
                "Here is the ravine again, steep across and flat along, with AdaDelta's rule. "
                "Gamma is {gamma}, a plain multiplier.",
                gamma=fmt(s["lr"]),
            )
        ):
            self.play(FadeOut(self.intro_rule), FadeIn(cmap), FadeIn(ball, shift=0.3 * DOWN), FadeIn(formula), run_time=1.0)
        with self.narrate(
            tr(
                "Each axis keeps two squares. On the left, s, the memory of squared gradients, exactly as in RMSProp. "
                "On the right, u, the memory of squared steps. Both start empty. They are in different units, "
                "so each has its own scale."
            )
        ):
            self.play(FadeIn(head_s), FadeIn(head_u), FadeIn(squares), FadeIn(notes[1]), run_time=0.8)
        every = max(1, (traj.steps - slow) // 8)  # rebuilding text is slow: about eight read-out updates
        fast = [k for k in range(slow + 1, traj.steps + 1) if (k - slow) % every == 0 or k == traj.steps]
        # Every read-out of the run as wide as the widest (long values like −7.18e−8 come late), so the
        # panel keeps its size from step to step and stays inside the frame.
        self.readout_width = max(Readout(step_rows(traj, k), min_width=READOUT_WIDTH).width for k in (*range(1, slow + 1), *fast))
        readout = self._readout(self._rows(1, 1)).next_to(formula, DOWN, buff=0.4)
        readout.set_x(right_x)
        readout.shift(LEFT * max(0.0, readout.get_right()[0] - (config.frame_x_radius - 0.15)))
        trail = VGroup()
        for t in range(1, slow + 1):
            self.explain_step(t, cmap, ball, squares, scales, anchors, readout, formula, notes, factor, trail, t == 1)
        race = MapRace.on_map(cmap, [Lane("AdaDelta", theme.PATH, traj, ball_color=theme.BALL)])
        race.set_progress(slow)
        with self.narrate(tr("Then the same four moves, again and again, for {steps} steps.", steps=traj.steps)):
            self.play(formula.light({}), run_time=0.3)
            self.remove(ball, *trail)  # each segment was added on its own: removing the group left them on screen
            self.add(race)

            def follow(k: int) -> None:
                squares.become(MemorySquares(traj.quantity("sq_grad_avg")[k], traj.quantity("sq_delta_avg")[k], scales, anchors))
                if k in fast:
                    readout.become(self._readout(step_rows(traj, k)).placed_like(readout))

            self.play(race.advance(slow, traj.steps, on_step=follow, changing=[squares, readout]),
                      run_time=max(1.0, 0.2 * (traj.steps - slow)))
        ratio = adadelta_ratio(traj)
        with self.narrate(
            tr(
                "Watch the ratio of the two roots. It is the rate each axis really gets. On the steep axis it is "
                "{steep} at the first step; on the flat axis, {flat}. By step {steps} they are {steep_end} and {flat_end}.",
                steep=fmt(ratio[1][1], 3), flat=fmt(ratio[1][0], 3), steps=traj.steps,
                steep_end=fmt(ratio[-1][1], 3), flat_end=fmt(ratio[-1][0], 3),
            )
        ):
            self.play(formula.light({"top": theme.STEP, "bottom": theme.GRADIENT}), run_time=0.6)
        self.pending = Group(cmap, race, squares, head_s, head_u, notes, formula, readout)

    def step_map(self, surface: Surface, points: np.ndarray) -> ContourMap:
        """The step-by-step map: the view around ``points``, as wide as :data:`MAP_WIDTH` allows, same units on both axes."""
        xr, yr = map_view(surface, points)
        width, height = MAP_WIDTH, MAP_WIDTH * (yr[1] - yr[0]) / (xr[1] - xr[0])
        if height > MAP_HEIGHT:
            width, height = width * MAP_HEIGHT / height, MAP_HEIGHT
        cmap = ContourMap(surface, height=height, width=width, x_range=xr, y_range=yr)
        return cmap.to_corner(UL, buff=0.4).shift(0.75 * DOWN)

    def _readout(self, rows: list[tuple[str, str]]) -> Readout:
        """A read-out of the step-by-step part, as wide as the widest of the run."""
        return Readout(rows, min_width=self.readout_width)

    def _rows(self, t: int, reveal: int) -> list[tuple[str, str]]:
        rows = step_rows(self.traj, t)
        return [(n, v if i <= reveal else "…") for i, (n, v) in enumerate(rows)]

    def explain_step(self, t, cmap, ball, squares, scales, anchors, readout, formula, notes, factor, trail, full) -> None:
        traj, s = self.traj, self.settings
        pos, grads = traj.positions, traj.quantity("grad")
        here, nxt = cmap.c2p(pos[t - 1]), cmap.c2p(pos[t])
        unit = cmap.axes.x_axis.get_unit_size()
        tip = here + factor * unit * np.array([grads[t][0], grads[t][1], 0.0])
        g_arrow = vector_arrow(here, tip, theme.GRADIENT)
        g_label = label_arrow(g_arrow, theme.label("g", size=theme.LABEL_SIZE, color=theme.GRADIENT), side=1, avoid=[ball])
        u_prev = traj.quantity("sq_delta_avg")[t - 1]
        with self.narrate(tr("Step one. The gradient at the ball: steep across the ravine, gentle along it.") if full
                          else tr("Step {t}. A new gradient.", t=t)):
            readout.become(self._readout(self._rows(t, 1)).placed_like(readout))
            if t == 1:
                self.play(FadeIn(readout), FadeIn(notes[0]), run_time=0.5)
            self.play(GrowArrow(g_arrow), FadeIn(g_label), formula.light({"grad": theme.GRADIENT}), run_time=0.9)
        with self.narrate(
            tr("The first memory shrinks to rho times its area and takes in one minus rho of g squared. "
               "The steep axis grows the big square.") if full else tr("Update s with the new g squared.")
        ):
            readout.become(self._readout(self._rows(t, 2)).placed_like(readout))
            new = MemorySquares(traj.quantity("sq_grad_avg")[t], u_prev, scales, anchors)
            self.play(Transform(squares, new), formula.light({"s": theme.HIGHLIGHT, "g2": theme.GRADIENT}), run_time=1.0)
        ratio = adadelta_ratio(traj)[t]
        eps = float(s["eps"])
        with self.narrate(
            tr(
                "Now the step. Divide the root of u by the root of s, and multiply the gradient by that ratio. "
                "The step memory is still empty, so only epsilon, {eps}, sits under the top root: "
                "the first step is about the root of epsilon over one minus rho, {first}, on every axis.",
                eps=fmt(eps), first=fmt(np.sqrt(eps / (1 - s["rho"])), 3),
            )
            if full else tr("Ratio of the roots, times g: the step. The ratios are now {ratios}.", ratios=fmt_vector(ratio))
        ):
            readout.become(self._readout(self._rows(t, 4)).placed_like(readout))
            self.play(formula.light({"top": theme.STEP, "bottom": theme.GRADIENT, "delta": theme.STEP}), run_time=0.6)
            step_arrow = vector_arrow(here, nxt, theme.STEP)
            d_label = label_arrow(step_arrow, theme.label("−γΔ", size=theme.LABEL_SIZE, color=theme.STEP), side=-1,
                                  avoid=[ball, g_arrow, g_label])
            self.play(GrowArrow(step_arrow), FadeIn(d_label), run_time=0.8)
        with self.narrate(
            tr("The ball moves, and the step itself goes into the second memory: u keeps one minus rho of delta squared. "
               "Next time, the top root will be the typical size of the recent steps.") if full
            else tr("Move, and remember the step in u.")
        ):
            readout.become(self._readout(self._rows(t, 6)).placed_like(readout))
            seg = Line(here, nxt, stroke_color=theme.PATH, stroke_width=3)
            new = MemorySquares(traj.quantity("sq_grad_avg")[t], traj.quantity("sq_delta_avg")[t], scales, anchors)
            self.add(seg, ball)
            self.play(ball.animate.move_to(nxt), Create(seg), FadeOut(VGroup(g_arrow, g_label, step_arrow, d_label)),
                      Transform(squares, new), formula.light({"u": theme.HIGHLIGHT, "d2": theme.STEP}), run_time=1.0)
            trail.add(seg)

    # --- 3. units -----------------------------------------------------------------------------

    def units_part(self) -> None:
        head = theme.label(tr("Why no learning rate: units"), size=theme.TITLE_SIZE).to_corner(UL, buff=0.35)
        panel = FormulaPanel(units_formula(), font_size=34).move_to(0.3 * DOWN)
        with self.narrate(
            tr(
                "Why can AdaDelta do without alpha? Look at units. Say theta is measured in metres and the loss in "
                "some unit L. A gradient is L per theta, so s is that squared, and u, a squared step, is theta squared."
            )
        ):
            self.play(FadeOut(self.pending), FadeOut(self.title_mob), run_time=0.6)
            self.play(FadeIn(head), FadeIn(panel), run_time=0.8)
        with self.narrate(
            tr(
                "AdaDelta's step, root u over root s times g, comes out in units of theta. It is already a length in "
                "parameter space, so it needs no alpha to convert it."
            )
        ):
            self.play(panel.light({"ada": theme.STEP}), run_time=0.8)
        with self.narrate(
            tr(
                "RMSProp's g over root s has no units at all, so its alpha must carry the units of theta. "
                "Plain gradient descent is worse: its alpha must be theta squared over L. "
                "Change the units of the problem, and those alphas must be tuned again."
            )
        ):
            self.play(panel.light({"ada": theme.STEP, "rms": theme.AXIS_Y, "gd": theme.HIGHLIGHT}), run_time=0.8)
        self.pending = Group(head, panel)

    # --- 4. the race ------------------------------------------------------------------------

    def race_part(self) -> None:
        s = self.settings
        ada, rms = run_race(s)
        surface = get_surface(s["surface"])
        (x0, x1), (y0, y1) = surface.ranges
        width = min(7.4, 5.4 * (x1 - x0) / (y1 - y0))
        cmap = ContourMap(surface, height=width * (y1 - y0) / (x1 - x0), width=width)
        cmap.to_corner(UL, buff=0.45).shift(0.7 * DOWN)
        colors = {"adadelta": theme.method_color("adadelta"), "rmsprop": theme.method_color("rmsprop")}
        runs = MapRace.on_map(cmap, [Lane.of("adadelta", ada), Lane.of("rmsprop", rms)])
        floor = float(surface.value(surface.global_minimum)) if surface.minima else None
        n = max(ada.steps, rms.steps)
        chart = Chart({"adadelta": ada.losses, "rmsprop": rms.losses}, colors, n,
                          log=True, floor=floor, width=4.3, height=2.6, floor_label=tr("the minimum"))
        chart.to_edge(RIGHT, buff=0.35).align_to(cmap, UP).shift(0.2 * DOWN)
        legend = Legend([
            ("AdaDelta", colors["adadelta"], f"γ = {fmt(s['lr'])}, ρ = {fmt(s['rho'])}, ε = {fmt(s['eps'])}"),
            ("RMSProp", colors["rmsprop"], f"α = {fmt(s['race_lr'])}, ρ = {fmt(rms.optimizer.rho)}"),  # type: ignore[attr-defined]
        ]).next_to(chart, DOWN, buff=0.5).align_to(chart, LEFT)
        head = theme.label(tr("{surface}: AdaDelta next to RMSProp", surface=tr(surface.title)), size=theme.TITLE_SIZE).to_corner(UL, buff=0.35)
        ratio = adadelta_ratio(ada)[1:]
        axis_colors = dict(zip(surface.coords, (theme.AXIS_X, theme.AXIS_Y)))
        ratio_chart = Chart({c: ratio[:, i] for i, c in enumerate(surface.coords)}, axis_colors, n, from_zero=True,
                            start_step=1, title=tr("AdaDelta's ratio √(u+ε)/√(s+ε)"), width=cmap.width - 0.6, height=1.3)
        ratio_chart.next_to(cmap, DOWN, buff=0.75).align_to(cmap, LEFT).shift(0.5 * RIGHT)
        ratio_key = VGroup(*(theme.label(tr("on {axis}", axis=c), size=theme.SMALL_SIZE, color=col) for c, col in axis_colors.items()))
        ratio_key.arrange(RIGHT, buff=0.3).next_to(ratio_chart.title, RIGHT, buff=0.35).align_to(ratio_chart.title, DOWN)

        def both(k: float) -> None:
            chart.set_progress(k)
            ratio_chart.set_progress(k)

        both(0)
        with self.narrate(
            tr(
                "Now AdaDelta next to RMSProp, from the same start. RMSProp needs its alpha, here {alpha}. "
                "AdaDelta needs none.",
                alpha=fmt(s["race_lr"]),
            )
        ):
            self.play(FadeOut(self.pending), run_time=0.6)
            self.play(FadeIn(head), FadeIn(cmap), FadeIn(runs), FadeIn(chart), FadeIn(legend), FadeIn(ratio_chart),
                      FadeIn(ratio_key), run_time=1.0)
        burst = find_burst(ada)
        first = min(n, 40)
        with self.narrate(
            tr(
                "RMSProp's first steps are long: alpha over the root of one minus rho. "
                "AdaDelta starts cautiously, then lengthens its strides as its memory of steps fills."
            )
        ):
            self.play(runs.advance(0, first, on_step=both, changing=[chart, ratio_chart]), run_time=max(1.0, 0.12 * first))
        middle = min(n, burst.low_step) if burst is not None else n
        if middle > first:
            with self.narrate(
                tr(
                    "By step {step}, AdaDelta's loss is {ada} and RMSProp's {rms}: without any alpha, AdaDelta keeps pace.",
                    step=middle, ada=fmt(ada.losses[min(middle, ada.steps)]), rms=fmt(rms.losses[min(middle, rms.steps)]),
                )
            ):
                self.play(runs.advance(first, middle, on_step=both, changing=[chart, ratio_chart]), run_time=max(1.0, 0.08 * (middle - first)))
        if burst is not None and middle < n:
            ratio = adadelta_ratio(ada)
            axis = int(np.argmax(np.abs(ada.positions[burst.peak_step] - ada.positions[burst.low_step])))
            name = ada.surface.coords[axis]
            with self.narrate(
                tr(
                    "Then something happens near the bottom. Both of AdaDelta's memories empty out, and their ratio "
                    "climbs toward one: {ratio} on the {axis} axis by step {low_step}. "
                    "A rate that large overshoots along {axis}, and the loss jumps from {low_gap} "
                    "to {peak_gap} above the minimum by step {peak_step}.",
                    ratio=fmt(ratio[burst.low_step][axis], 3), axis=name, low_step=burst.low_step,
                    low_gap=fmt(burst.low_gap), peak_gap=fmt(burst.peak_gap), peak_step=burst.peak_step,
                )
            ):
                self.play(runs.advance(middle, n, on_step=both, changing=[chart, ratio_chart]), run_time=max(1.0, 0.08 * (n - middle)))
            closing = tr(
                "So AdaDelta has no learning rate to tune, and its step has the units of theta. "
                "The price: epsilon sets how big its steps can get when the memories are empty, at the start and "
                "near the end. Taming steps late in training is the job of a learning-rate schedule."
            )
        else:
            if middle < n:
                with self.narrate(self._verdict(ada, rms)):
                    self.play(runs.advance(middle, n, on_step=both, changing=[chart, ratio_chart]), run_time=max(1.0, 0.08 * (n - middle)))
            closing = tr(
                "So AdaDelta has no learning rate to tune, and its step has the units of theta. "
                "The price: epsilon now sets the size of its first steps, so it is worth choosing with care."
            )
        with self.narrate(closing):
            self.wait(0.5)

    def _verdict(self, ada: Trajectory, rms: Trajectory) -> str:
        a, r = ada.final_loss, rms.final_loss
        steps = max(ada.steps, rms.steps)
        if a < r:
            return tr("After {steps} steps: AdaDelta's loss is {ada}, RMSProp's {rms}. AdaDelta ends lower.", steps=steps, ada=fmt(a), rms=fmt(r))
        return tr("After {steps} steps: AdaDelta's loss is {ada}, RMSProp's {rms}. RMSProp ends lower.", steps=steps, ada=fmt(a), rms=fmt(r))

