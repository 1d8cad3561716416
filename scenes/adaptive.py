"""Curriculum C (last bullet), F and G: adaptive learning rates, one square per axis.

Render: ``gdexplain render one-learning-rate`` / ``adagrad`` / ``rmsprop``, or
``manim -ql scenes/adaptive.py OneLearningRate`` (``AdaGradScene``,
``RMSPropScene``).

Three scenes. ``one-learning-rate``: in a ravine a single α either crawls
along the flat axis or bounces between the steep walls, where the loss
stops falling while the gradient stays large. ``adagrad``: at the ball one
square per axis whose area is the accumulated squared gradient; the step on
each axis is the gradient divided by the side of its square; then AdaGrad
against plain GD on the elliptic bowl and at a saddle, and its weakness,
α/√s only falls. ``rmsprop``: the same squares, which now shrink to ρ times
their area before g² is added, so the first step is 1/√(1−ρ) times α and
the ball keeps going where AdaGrad stalls.

Every position, square and number comes from core trajectories
(``sq_grad_sum`` for AdaGrad, ``sq_grad_avg`` for RMSProp); squares are drawn
with :mod:`gdexplain.visual.squares` at one stated scale per picture.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UL,
    UP,
    UR,
    Create,
    FadeIn,
    FadeOut,
    Group,
    Indicate,
    GrowArrow,
    Transform,
    VGroup,
)

from gdexplain import layout, narration
from gdexplain.core.optimizers import make_optimizer
from gdexplain.core.analysis import effective_rate
from gdexplain.core.parts import accumulator, accumulator_parts, first_step_gain, step_over_rate
from gdexplain.core.surfaces import Surface, get_surface
from gdexplain.core.trajectory import Trajectory, run
from gdexplain.i18n import is_cjk, tr, trn
from gdexplain.scene import ExplainerScene
from gdexplain.visual import theme
from gdexplain.visual.charts import Chart
from gdexplain.visual.contour import ContourMap
from gdexplain.visual.framing import framed_map, map_view
from gdexplain.visual.map_race import Lane, LaneSquares, MapRace, race_readout
from gdexplain.visual.marks import Ball, ScaleNote, arrow_shrink, keep_in_frame, label_arrow, vector_arrow
from gdexplain.visual.paths import PathTrail
from gdexplain.visual.panels import FormulaPanel, Readout, fmt, fmt_vector
from gdexplain.visual.squares import AccumulatorSquares, SquareScaleNote, nice_square_scale, square_sides

#: Steps explained one by one before the rest play quickly.
SLOW_STEPS = 3
#: Where the top edge of a map sits (scene y), just under the title.
MAP_TOP = 2.95
#: Largest square side (scene units) in the step-by-step pictures.
MAX_SIDE = 1.6
#: Hand-picked views for the step-by-step map, so that squares and arrows fit around the default start.
STEP_VIEWS = {"ravine": ((-9.0, 2.0), (-4.0, 3.0))}
#: Square labels, one per axis.
SQUARE_LABELS = ("s_x", "s_y")
#: Largest side of the g² squares shown before RMSProp scales them by (1−ρ); bigger ones are drawn dashed.
GRAD_SQUARE_CAP = 2.4

ADAGRAD_RULE = (
    "{{ s_t : acc }} = {{ s_(t-1) : prev }} + {{ g_t^2 : sq }} \\ "
    "{{ Delta theta : step }} = - alpha {{ g_t : grad }} / ({{ sqrt(s_t) : side }} + epsilon)"
)
RMSPROP_RULE = (
    "{{ s_t : acc }} = {{ rho s_(t-1) : prev }} + {{ (1 - rho) g_t^2 : sq }} \\ "
    "{{ Delta theta : step }} = - alpha {{ g_t : grad }} / ({{ sqrt(s_t) : side }} + epsilon)"
)


# --- what the scenes read from the core ----------------------------------------------------


def said(value: float, digits: int = 4) -> str:
    """A number as the narration says it: the screen's digits (:func:`fmt`) in English, words for sign and exponent in Chinese."""
    return narration.spoken_number(value, digits) if is_cjk() else fmt(value, digits)


def step_rows(traj: Trajectory, t: int) -> list[tuple[str, str]]:
    """Readout rows of step ``t`` (from θ_{t−1} to θ_t), every value as recorded by the core."""
    parts = accumulator_parts(traj, t)
    rows = [(tr("step t"), str(t)), ("g", fmt_vector(traj.quantity("grad")[t])), ("g²", fmt_vector(parts.squared))]
    if traj.optimizer.name == "rmsprop":
        rows.append(("s(t−1)", fmt_vector(parts.before)))
    rows += [
        ("s", fmt_vector(parts.now)),
        ("√s", fmt_vector(parts.root)),
        ("Δθ", fmt_vector(traj.quantity("delta")[t])),
    ]
    return rows


def gradient_tip(cmap: ContourMap, at: np.ndarray, grad: np.ndarray, factor: float) -> np.ndarray:
    """Scene point of the tip of the gradient arrow drawn ``factor`` times its true length."""
    unit = cmap.axes.x_axis.get_unit_size()
    return cmap.c2p(at) + factor * unit * np.array([grad[0], grad[1], 0.0])


def view_of(surface: Surface, positions: np.ndarray) -> tuple[tuple[float, float], tuple[float, float]]:
    """The map's ranges: a hand-picked view for the default pictures, else the surface's range, grown to the path."""
    base = STEP_VIEWS.get(surface.name, (tuple(surface.ranges[0]), tuple(surface.ranges[1])))
    return map_view(surface, positions, base=base, pad=0.0, include_minimum=False, snap=False)


# --- shared scene machinery ---------------------------------------------------------------


class _AdaptiveBase(ExplainerScene):
    """Helpers shared by the three scenes: titles, maps, squares that follow a ball, races (:class:`MapRace`)."""

    pending: Group | None = None

    def clear_pending(self) -> None:
        """Fade out what the previous part left on screen (call inside the next part's first beat)."""
        if self.pending is not None:
            self.play(FadeOut(self.pending), run_time=0.6)
            self.remove(self.pending)
            self.pending = None

    def title(self, text: str) -> VGroup:
        t = theme.label(text, size=theme.TITLE_SIZE).to_corner(UL, buff=0.35)
        return t

    def place_map(self, surface: Surface, positions: np.ndarray, height: float, view=None) -> ContourMap:
        """A map of ``view`` (default :func:`view_of` the positions), ``height`` tall unless too wide for the left side."""
        cmap = framed_map(surface, view if view is not None else view_of(surface, positions), (8.6, height))
        # Top under the title; the tick numbers and the scale notes go below, inside the frame.
        cmap.to_edge(LEFT, buff=0.5).shift((MAP_TOP - cmap.box()[3]) * UP)
        return cmap

    def squares_at(self, cmap: ContourMap, traj: Trajectory, t: int, scale: float, k_pos: int | None = None,
                   labels: Sequence[str] | None = SQUARE_LABELS, cap: float | None = None,
                   values: np.ndarray | None = None) -> AccumulatorSquares:
        """Squares of the accumulator after step ``t`` (or of ``values``) at the ball's position ``k_pos`` (default t)."""
        vals = accumulator(traj)[t] if values is None else values
        at = cmap.c2p(traj.positions[t if k_pos is None else k_pos])
        return AccumulatorSquares(vals, scale, at, labels=labels, cap=cap)

    def race(self, race: MapRace, beats: Sequence[str], readout_pos: np.ndarray, step_time: float = 0.18) -> Readout:
        """Play the lanes' steps together over ``beats`` (the steps split evenly between them), with a loss read-out."""
        n = race.end
        readout = race_readout(race.lanes, 0, min_width=3.6).move_to(readout_pos, aligned_edge=UL)
        bounds = np.linspace(0, n, len(beats) + 1).round().astype(int)

        def show(k: int) -> None:
            readout.become(race_readout(race.lanes, k, min_width=3.6).placed_like(readout))

        for i, text in enumerate(beats):
            with self.narrate(text):
                if i == 0:
                    self.play(FadeIn(readout), run_time=0.4)
                k0, k1 = int(bounds[i]), int(bounds[i + 1])
                if k1 > k0:  # rebuilding text is slow: at most ~8 read-out updates per play
                    self.play(race.advance(k0, k1, on_step=show, updates=8, changing=[readout]), run_time=max(1.0, step_time * (k1 - k0)))
        return readout


# --- 1. one learning rate -----------------------------------------------------------------


class OneLearningRate(_AdaptiveBase):
    """A small α crawls, a large α bounces: one rate cannot suit a steep and a flat axis."""

    slug = "one-learning-rate"

    def construct(self) -> None:
        s = self.settings
        surface = get_surface(s["surface"])
        small = run(make_optimizer("gd", lr=s["lr_small"]), surface, s["start"], s["steps"])
        large = run(make_optimizer("gd", lr=s["lr_large"]), surface, s["start"], s["steps"])
        colors = {"small": "#E6E6E6", "large": "#F4A259"}

        title = self.title(tr("One learning rate for every axis?"))
        cmap = framed_map(surface, map_view(surface), (8.0, 3.6))
        cmap.to_corner(UL, buff=0.5).shift(0.5 * DOWN)
        ball = Ball().move_to(cmap.c2p(small.positions[0]))
        with self.narrate(tr(
            "Here is a ravine. Across it, along y, the walls are steep. Along it, in x, the floor is almost flat. "
            "The lowest point is in the middle."
        )):
            self.play(FadeIn(title), FadeIn(cmap), run_time=1)
            self.play(FadeIn(ball, shift=0.3 * DOWN), run_time=0.5)

        loss_max = float(np.nanmax(np.concatenate([small.losses, large.losses])))
        norm_max = float(np.nanmax(np.concatenate([small.gradient_norms(), large.gradient_norms()])))
        n = max(small.steps, large.steps, 1)
        loss_chart = Chart(steps=n, y_max=loss_max, from_zero=True, width=3.6, height=1.6)
        loss_chart.to_corner(UR, buff=0.5).shift(0.5 * DOWN + 0.2 * LEFT)
        norm_chart = Chart(steps=n, y_max=norm_max, from_zero=True, title=tr("gradient size ‖∇L‖"), width=3.6, height=1.6)
        norm_chart.next_to(loss_chart, DOWN, buff=0.75).align_to(loss_chart, LEFT)

        runs = (("small", small, s["lr_small"]), ("large", large, s["lr_large"]))
        legend = VGroup()
        texts = {
            "small": tr(
                "First a careful learning rate, alpha {lr}. Across the ravine the ball settles quickly, "
                "but along the floor it crawls.", lr=said(s["lr_small"])
            ),
            "large": tr(
                "Now a bold one, alpha {lr}. Along the floor it travels well, but across the ravine "
                "every step overshoots, and the ball bounces from wall to wall.", lr=said(s["lr_large"])
            ),
        }
        balls = {}
        for key, traj, lr in runs:
            color = colors[key]
            b = Ball(color=color).move_to(cmap.c2p(traj.positions[0]))
            balls[key] = b
            trail = PathTrail([cmap.c2p(p) for p in traj.positions], color=color, stroke_width=3)
            entry_text = tr("α = {lr} (careful)", lr=fmt(lr)) if key == "small" else tr("α = {lr} (bold)", lr=fmt(lr))
            entry = theme.label(entry_text, size=theme.SMALL_SIZE, color=color)
            legend.add(entry)
            with self.narrate(texts[key]):
                if key == "small":
                    self.remove(ball)
                    self.add(b)
                    self.play(FadeIn(loss_chart), FadeIn(norm_chart), run_time=0.6)
                else:
                    self.add(b)
                entry.next_to(cmap, DOWN, buff=0.2).align_to(cmap, LEFT)
                if key == "large":
                    entry.next_to(legend[0], DOWN, buff=0.12, aligned_edge=LEFT)
                self.play(FadeIn(entry), run_time=0.4)
                self.play(
                    Create(trail.line), FadeIn(trail.dots),
                    b.animate.move_to(cmap.c2p(traj.positions[-1])),
                    Create(loss_chart.line(traj.losses, color)),
                    Create(norm_chart.line(traj.gradient_norms(), color)),
                    run_time=4,
                )

        big = large.gradient_norms()
        with self.narrate(tr(
            "Look at the bold run's charts. The loss stopped falling, yet the gradient is still large. "
            "That is the sign of bouncing between walls. At a real minimum the gradient would shrink to almost nothing."
        )):
            note = theme.label(
                trn("α = {lr} after {n} step: loss {loss}, ‖∇L‖ {norm}", "α = {lr} after {n} steps: loss {loss}, ‖∇L‖ {norm}",
                    large.steps, lr=fmt(s["lr_large"]), loss=fmt(large.losses[-1]), norm=fmt(big[-1])),
                size=theme.SMALL_SIZE, color=colors["large"],
            ).next_to(legend, DOWN, buff=0.15).align_to(legend, LEFT)
            self.play(FadeIn(note), run_time=0.6)

        ends = {key: tr("α = {lr} ends at", lr=fmt(s[f"lr_{key}"])) for key in ("small", "large")}
        table = Readout(
            [
                (ends["small"], fmt_vector(small.positions[-1])),
                (ends["large"], fmt_vector(large.positions[-1])),
                (tr("the minimum"), fmt_vector(surface.minima[0]) if surface.minima else tr("none")),
            ],
            colors={ends[key]: colors[key] for key in ("small", "large")},
        )
        table.next_to(note, DOWN, buff=0.12).align_to(legend, LEFT)
        with self.narrate(tr(
            "Compare where each run ended. The careful one finished the steep direction and not the flat one. "
            "The bold one did the opposite."
        )):
            self.play(FadeIn(table), run_time=0.8)
        with self.narrate(tr(
            "The steep axis needs small steps. The flat axis wants big ones. A single alpha cannot serve both. "
            "So give every parameter a learning rate of its own, fitted to how steep its own direction has been."
        )):
            moral = theme.label(tr("→ one learning rate per parameter"), size=theme.BODY_SIZE, color=theme.HIGHLIGHT)
            keep_in_frame(moral.next_to(table, RIGHT, buff=0.6))
            self.play(FadeIn(moral), run_time=0.6)
        with self.narrate(tr("That is what adaptive methods do. The first one is called AdaGrad.")):
            self.play(Indicate(moral, color=theme.HIGHLIGHT), run_time=1)


# --- 2 + 3. step by step with squares ---------------------------------------------------------


class _SquaresStepByStep(_AdaptiveBase):
    """The step-by-step part shared by AdaGrad and RMSProp."""

    method = "adagrad"

    def step_part(self, traj: Trajectory, rule: str, title_text: str, intro: str) -> tuple[ContourMap, Group]:
        """Map, ball, squares, formula and readout; explain the first steps slowly, then play the rest."""
        pos, acc = traj.positions, accumulator(traj)
        title = self.title(title_text)
        cmap = self.place_map(traj.surface, pos, height=5.4, view=view_of(traj.surface, pos))
        ball = Ball().move_to(cmap.c2p(pos[0]))
        scale = nice_square_scale(acc[1:].ravel(), MAX_SIDE)
        squares = self.squares_at(cmap, traj, 0, scale)
        unit = cmap.axes.x_axis.get_unit_size()
        grads = traj.quantity("grad")
        slow = min(SLOW_STEPS, traj.steps)
        factor = arrow_shrink([np.linalg.norm(grads[t]) * unit for t in range(1, slow + 1)], longest=1.4)
        notes = VGroup(ScaleNote(factor, tr("gradient arrows")), SquareScaleNote(scale, "s"))
        notes.arrange(DOWN, aligned_edge=LEFT, buff=0.08).next_to(cmap, DOWN, buff=0.15).align_to(cmap, LEFT)
        formula = FormulaPanel(rule, font_size=32)
        right_x = (cmap.get_right()[0] + 7.1) / 2
        formula.move_to([right_x, 2.6, 0])
        with self.narrate(intro):
            self.play(FadeIn(title), FadeIn(cmap), run_time=1)
            self.play(FadeIn(ball, shift=0.3 * DOWN), FadeIn(formula), run_time=0.8)
        self.add(squares)
        readout = self.step_readout(traj, 1, reveal=1).next_to(formula, DOWN, buff=0.3)
        readout.set_x(right_x)
        trail = VGroup()
        for t in range(1, slow + 1):
            self.explain_step(traj, t, cmap, ball, squares, readout, formula, notes, factor, scale, trail, full=(t == 1), last=(t == slow))
        rest = range(slow + 1, traj.steps + 1)
        with self.narrate(self.fast_forward_text(traj)):
            self.play(formula.light({}), run_time=0.3)
            # The ball runs on as a one-lane race; its squares drop their labels (text is too costly to
            # rebuild every frame) and get them back at the end.
            lane = Lane("", theme.PATH, traj, radius=ball.radius, ball_color=theme.BALL, squares=LaneSquares(accumulator(traj), scale))
            race = MapRace.on_map(cmap, [lane])
            race.set_progress(slow)
            self.remove(ball, squares)
            self.add(race)

            def show(k: int) -> None:
                readout.become(self.step_readout(traj, max(k, 1)).placed_like(readout))

            if rest:
                self.play(race.advance(slow, traj.steps, on_step=show, updates=8, changing=[readout]), run_time=max(1.0, 0.2 * len(rest)))
            race.squares[0].become(self.squares_at(cmap, traj, traj.steps, scale))
        return cmap, Group(title, cmap, race, readout, formula, notes, trail)

    def step_readout(self, traj: Trajectory, t: int, reveal: int | None = None) -> Readout:
        rows = step_rows(traj, t)
        if reveal is not None:
            rows = [(n, v if i <= reveal else "…") for i, (n, v) in enumerate(rows)]
        colors = {"g": theme.GRADIENT, "g²": theme.GRADIENT, "Δθ": theme.STEP, "s": theme.HIGHLIGHT, "√s": theme.HIGHLIGHT}
        return Readout(rows, colors=colors, min_width=4.3)

    def square_beats(self, traj: Trajectory, t: int, cmap: ContourMap, squares: AccumulatorSquares, scale: float,
                     formula: FormulaPanel, full: bool) -> None:
        """Animate s_{t−1} → s_t (overridden by RMSProp)."""
        raise NotImplementedError

    def explain_step(self, traj, t, cmap, ball, squares, readout, formula, notes, factor, scale, trail, full, last) -> None:
        pos, grads = traj.positions, traj.quantity("grad")
        here, nxt = cmap.c2p(pos[t - 1]), cmap.c2p(pos[t])
        g_arrow = vector_arrow(here, gradient_tip(cmap, pos[t - 1], grads[t], factor), theme.GRADIENT)
        g_label = label_arrow(
            g_arrow, theme.label("g", size=theme.LABEL_SIZE, color=theme.GRADIENT), side=1, avoid=[*layout.on_screen(self), squares, readout]
        )
        n_rows = len(step_rows(traj, t))
        grad_text = (
            tr("Step one. At the ball, the gradient: steep across the ravine, gentle along it.")
            if full else tr("Step {t}. A new gradient at the new spot.", t=t)
        )
        with self.narrate(grad_text):
            readout.become(self.step_readout(traj, t, reveal=1).placed_like(readout))
            if t == 1:
                self.play(FadeIn(readout), FadeIn(notes[0]), run_time=0.5)
            self.play(GrowArrow(g_arrow), FadeIn(g_label), formula.light({"grad": theme.GRADIENT}), run_time=1.0)
            readout.become(self.step_readout(traj, t, reveal=2).placed_like(readout))
            if t == 1:
                self.play(FadeIn(notes[1]), run_time=0.3)
        self.square_beats(traj, t, cmap, squares, scale, formula, full)
        readout.become(self.step_readout(traj, t, reveal=n_rows - 2).placed_like(readout))
        s_arrow = vector_arrow(here, nxt, theme.STEP)
        s_label = label_arrow(
            s_arrow, theme.label("Δθ", size=theme.LABEL_SIZE, color=theme.STEP), side=1, avoid=[*layout.on_screen(self), squares, g_arrow]
        )
        divide_text = (
            tr("Now divide each gradient component by the side of its own square. The steep axis has a big square, "
               "so its large gradient shrinks a lot. The flat axis has a small square, so its small gradient keeps its size. "
               "Times alpha, that is the step.")
            if full else tr("Divide by the sides, times alpha: that is the step.")
        )
        with self.narrate(divide_text):
            self.play(formula.light({"grad": theme.GRADIENT, "side": theme.HIGHLIGHT, "step": theme.STEP}), run_time=0.6)
            self.play(GrowArrow(s_arrow), FadeIn(s_label), run_time=1.0)
            readout.become(self.step_readout(traj, t).placed_like(readout))
        move_text = tr("The ball moves, and the squares come along with it.") if full else (
            tr("Move.") if not last else tr("Move. Notice how the two steps are much closer in size than the two gradients."))
        with self.narrate(move_text):
            seg = PathTrail([here, nxt]).segment(here, nxt)
            new = self.squares_at(cmap, traj, t, scale)
            self.play(ball.animate.move_to(nxt), Create(seg), Transform(squares, new), FadeOut(VGroup(g_arrow, g_label)), run_time=1.0)
            self.play(FadeOut(VGroup(s_arrow, s_label)), run_time=0.3)
            trail.add(seg)

    def fast_forward_text(self, traj: Trajectory) -> str:
        return trn("After that, the same few moves, again and again, for {n} step.",
                   "After that, the same few moves, again and again, for {n} steps.", traj.steps)

    def grow_squares(self, cmap, traj, t, squares, scale, added: np.ndarray, color_from: float,
                     cap: float | None = None) -> VGroup:
        """Squares of ``added`` (area = value × scale) at the ball, in the gradient's colour.

        With ``cap``, a square too big for the picture is drawn dashed at the cap and labelled "capped".
        """
        at = cmap.c2p(traj.positions[t - 1])
        labels = ("g_x²", "g_y²") if cap is not None else None
        add = AccumulatorSquares(added, scale, at, labels=labels, colors=(theme.GRADIENT, theme.GRADIENT),
                                 fill_opacity=0.45, cap=cap)
        return add


class AdaGradScene(_SquaresStepByStep):
    """AdaGrad with its squares, two races against GD, and α/√s falling forever."""

    slug = "adagrad"
    method = "adagrad"

    def construct(self) -> None:
        s = self.settings
        surface = get_surface(s["surface"])
        traj = run(make_optimizer("adagrad", lr=s["lr"], eps=s["eps"]), surface, s["start"], s["steps"])
        self.traj = traj
        _, group = self.step_part(
            traj, ADAGRAD_RULE, tr(self.entry.title),  # "AdaGrad: a square per axis", translated in lecture.po
            tr("AdaGrad gives each parameter a memory: one square per axis. The area of a square is the sum of every "
               "squared gradient that axis has seen. At the start nothing has been seen, so the squares are empty."),
        )
        self.pending = group
        self.race_against_gd(s["bowl_surface"], s["bowl_lr"], s["race_steps"], (
            tr("An elliptic bowl. Plain descent, in white, follows the steepest way down, which is not the way to the minimum."),
            tr("AdaGrad, in orange, evens out the two axes: its first steps are equal on both, straight along the diagonal toward the middle."),
        ))
        self.race_against_gd(s["saddle_surface"], s["saddle_lr"], s["race_steps"], (
            tr("Now a saddle. Plain descent slides toward the flat middle, where the gradient fades, and it slows to a crawl."),
            tr("AdaGrad divides the tiny downhill gradient by a tiny square, so even a faint slope gives a full-sized step. "
               "It gets away."),
        ))
        self.weakness_part(traj)

    def square_beats(self, traj, t, cmap, squares, scale, formula, full) -> None:
        text = (
            tr("Square each gradient component. That is a square too, of area g squared. Add it to the axis's square: "
               "the steep axis grows a big square, the flat axis only a small one.")
            if full else tr("Square it, and add it to the squares.")
        )
        with self.narrate(text):
            add = self.grow_squares(cmap, traj, t, squares, scale, accumulator_parts(traj, t).squared, 0)
            self.play(formula.light({"grad": theme.GRADIENT, "sq": theme.GRADIENT}), FadeIn(add), run_time=0.8)
            new = self.squares_at(cmap, traj, t, scale, k_pos=t - 1)
            self.play(Transform(squares, new), FadeOut(add), formula.light({"sq": theme.GRADIENT, "acc": theme.HIGHLIGHT, "prev": theme.HIGHLIGHT}), run_time=1.0)

    def race_against_gd(self, surface_name: str, lr: float, steps: int, beats: Sequence[str]) -> None:
        surface = get_surface(surface_name)
        gd = run(make_optimizer("gd", lr=lr), surface, None, steps)
        ada = run(make_optimizer("adagrad", lr=lr, eps=self.settings["eps"]), surface, None, steps)
        cmap = self.place_map(surface, np.vstack([gd.positions, ada.positions]), height=5.6)
        scale = nice_square_scale(accumulator(ada)[1:].ravel(), 1.0)
        race = MapRace.on_map(cmap, [Lane.of("gd", gd), Lane.of("adagrad", ada, squares=LaneSquares(accumulator(ada), scale))])
        head = theme.label(tr("{surface}: plain GD and AdaGrad, both α = {lr}", surface=tr(surface.title), lr=fmt(lr)), size=theme.BODY_SIZE)
        head.to_corner(UL, buff=0.35)
        note = SquareScaleNote(scale, "s").next_to(cmap, DOWN, buff=0.15).align_to(cmap, LEFT)
        right_x = cmap.get_right()[0] + 0.5
        with self.narrate(tr("Both start at the same point, with the same alpha, {lr}.", lr=said(lr))):
            self.clear_pending()
            self.play(FadeIn(head), FadeIn(cmap), run_time=0.8)
            self.play(FadeIn(race.balls), FadeIn(note), run_time=0.5)
            self.add(race)
        readout = self.race(race, beats, np.array([right_x, 2.6, 0]))
        with self.narrate(self._verdict(steps, gd, ada)):
            self.wait(0.5)
        self.pending = Group(head, cmap, note, readout, race)

    @staticmethod
    def _verdict(steps: int, gd: Trajectory, ada: Trajectory) -> str:
        a, b = gd.final_loss, ada.final_loss
        if b < a:
            return trn("After {n} step: AdaGrad's loss is {ada}, plain descent's is {gd}.",
                       "After {n} steps: AdaGrad's loss is {ada}, plain descent's is {gd}.", steps, ada=said(b), gd=said(a))
        return trn("After {n} step: plain descent's loss is {gd}, AdaGrad's is {ada}: here the head start did not last.",
                   "After {n} steps: plain descent's loss is {gd}, AdaGrad's is {ada}: here the head start did not last.",
                   steps, ada=said(b), gd=said(a))

    def weakness_part(self, traj: Trajectory) -> None:
        eff = effective_rate(traj)[1:]  # row i: step i + 1
        chart = Chart(steps=traj.steps, y_max=float(np.nanmax(eff)), from_zero=True,
                      title=tr("effective learning rate α / (√s + ε)"), width=7.5, height=3.6)
        chart.move_to(0.3 * DOWN)
        head = theme.label(tr("AdaGrad's weakness"), size=theme.TITLE_SIZE).to_corner(UL, buff=0.35)
        xs = chart.line(eff[:, 0], theme.AXIS_X, start_step=1)
        ys = chart.line(eff[:, 1], theme.AXIS_Y, start_step=1)
        key = VGroup(
            theme.label(tr("x axis: α/√s_x"), size=theme.SMALL_SIZE, color=theme.AXIS_X),
            theme.label(tr("y axis: α/√s_y"), size=theme.SMALL_SIZE, color=theme.AXIS_Y),
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.1).next_to(chart.axes, RIGHT, buff=0.3).align_to(chart.axes, UP)
        with self.narrate(tr(
            "There is a catch. The squares only ever grow: every squared gradient is added, and nothing is taken away."
        )):
            self.clear_pending()
            self.play(FadeIn(head), FadeIn(chart), run_time=0.8)
        with self.narrate(tr(
            "So the rate each axis really gets, alpha over the side of its square, can only fall. "
            "Here it is for the {surface} run, step by step.", surface=tr(traj.surface.title).lower()
        )):
            self.play(Create(xs), Create(ys), FadeIn(key), run_time=3)
        first, last = eff[0], eff[-1]
        with self.narrate(tr(
            "On a long journey the steps keep shrinking, even where the ground is still sloped. "
            "AdaGrad can stall before it arrives. The fix is to let the squares forget, which is RMSProp."
        )):
            vals = Readout(
                [(tr("α/√s at step {t}", t=1), fmt_vector(first)), (tr("α/√s at step {t}", t=traj.steps), fmt_vector(last))],
            ).next_to(chart, DOWN, buff=0.3)
            self.play(FadeIn(vals), run_time=0.6)


class RMSPropScene(_SquaresStepByStep):
    """RMSProp's squares shrink by ρ, then grow by (1−ρ)g²; side by side with AdaGrad."""

    slug = "rmsprop"
    method = "rmsprop"

    def construct(self) -> None:
        s = self.settings
        surface = get_surface(s["surface"])
        traj = run(make_optimizer("rmsprop", lr=s["lr"], rho=s["rho"], eps=s["eps"]), surface, s["start"], s["steps"])
        self.traj = traj
        _, group = self.step_part(
            traj, RMSPROP_RULE, tr(self.entry.title),  # "RMSProp: squares that forget", translated in lecture.po
            tr("RMSProp keeps AdaGrad's picture, one square per axis, with one change: before each new gradient "
               "comes in, the old squares shrink. The decay rate rho is {rho}.", rho=said(s["rho"])),
        )
        self.pending = group
        self.first_step_part(traj)
        self.race_part()

    def fast_forward_text(self, traj: Trajectory) -> str:
        return trn("Then shrink, add, divide and move, again and again, for {n} step.",
                   "Then shrink, add, divide and move, again and again, for {n} steps.", traj.steps)

    def square_beats(self, traj, t, cmap, squares, scale, formula, full) -> None:
        parts = accumulator_parts(traj, t)
        kept, added = parts.kept, parts.added
        if full:
            with self.narrate(tr(
                "First, the squares shrink to rho times their area. They are empty now, so nothing happens yet; "
                "later this is how old gradients fade away."
            )):
                self.play(formula.light({"prev": theme.HIGHLIGHT}), run_time=0.6)
            with self.narrate(tr(
                "Then square the gradient. On its own, g squared would be a square far too big for this picture: "
                "the dashed one is cut to fit."
            )):
                add = self.grow_squares(cmap, traj, t, squares, scale, parts.squared, 0, cap=GRAD_SQUARE_CAP)
                self.play(formula.light({"sq": theme.GRADIENT, "grad": theme.GRADIENT}), FadeIn(add), run_time=0.8)
            with self.narrate(tr(
                "But only one minus rho of it goes in: {share} of the area. "
                "The square that is added is far smaller.", share=said(1 - self.settings["rho"])
            )):
                small = self.grow_squares(cmap, traj, t, squares, scale, added, 0)
                self.play(Transform(add, small), run_time=1.0)
                new = self.squares_at(cmap, traj, t, scale, k_pos=t - 1)
                self.play(Transform(squares, new), FadeOut(add), formula.light({"acc": theme.HIGHLIGHT}), run_time=0.8)
        else:
            with self.narrate(tr("Shrink the squares by rho, then add one minus rho times the squared gradient.")):
                shrunk = self.squares_at(cmap, traj, t, scale, k_pos=t - 1, values=kept)
                self.play(Transform(squares, shrunk), formula.light({"prev": theme.HIGHLIGHT}), run_time=0.6)
                add = self.grow_squares(cmap, traj, t, squares, scale, added, 0)
                self.play(FadeIn(add), formula.light({"sq": theme.GRADIENT, "acc": theme.HIGHLIGHT}), run_time=0.5)
                new = self.squares_at(cmap, traj, t, scale, k_pos=t - 1)
                self.play(Transform(squares, new), FadeOut(add), run_time=0.6)

    def first_step_part(self, traj: Trajectory) -> None:
        rho = self.settings["rho"]
        d1 = traj.quantity("delta")[1]
        lr = float(traj.quantity("lr")[1])
        head = theme.label(tr("Why the first step is big"), size=theme.TITLE_SIZE).to_corner(UL, buff=0.35)
        derivation = FormulaPanel(
            "s_1 = (1 - rho) g_1^2 quad ==> quad sqrt(s_1) = sqrt(1 - rho) abs(g_1) \\ "
            "abs(Delta theta_1) approx (alpha abs(g_1)) / (sqrt(1 - rho) abs(g_1)) = alpha / sqrt(1 - rho)",
            font_size=36,
        ).move_to(0.8 * UP)
        gain = first_step_gain(traj)
        first_step = tr("first step Δθ")
        vals = Readout(
            [("ρ", fmt(rho)), ("1/√(1−ρ)", fmt(gain)), ("α", fmt(lr)),
             (first_step, fmt_vector(d1)), (tr("|Δθ| / α per axis"), fmt_vector(step_over_rate(traj, 1)))],
            colors={first_step: theme.STEP},
        ).next_to(derivation, DOWN, buff=0.5)
        with self.narrate(tr(
            "Did you notice how long that first step was? After one step the square holds only one minus rho of g squared, "
            "so its side is the square root of one minus rho, times the gradient."
        )):
            self.clear_pending()
            self.play(FadeIn(head), FadeIn(derivation), run_time=1)
        with self.narrate(tr(
            "Dividing by that side gives a step of alpha over the root of one minus rho: with rho {rho}, "
            "about {gain} times alpha on every axis, as the recorded step shows. "
            "AdaGrad's first step is just alpha.", rho=said(rho), gain=said(gain, 3)
        )):
            self.play(FadeIn(vals), run_time=0.8)
        self.pending = Group(head, derivation, vals)

    def race_part(self) -> None:
        s = self.settings
        surface = get_surface(s["race_surface"])
        lr, steps = s["race_lr"], s["race_steps"]
        ada = run(make_optimizer("adagrad", lr=lr), surface, None, steps)
        rms = run(make_optimizer("rmsprop", lr=lr, rho=s["rho"], eps=s["eps"]), surface, None, steps)
        cmap = self.place_map(surface, np.vstack([ada.positions, rms.positions]), height=5.6)
        # One scale for both balls, chosen so RMSProp's squares are readable; AdaGrad's are capped (and drawn dashed).
        scale = nice_square_scale(accumulator(rms)[1:].ravel(), 0.7)
        cap = 1.4
        _, capped = square_sides(accumulator(ada)[1:].ravel(), scale, cap)
        cap_used = cap if capped.any() else None
        race = MapRace.on_map(cmap, [Lane.of(m, t, squares=LaneSquares(accumulator(t), scale, cap_used)) for m, t in (("adagrad", ada), ("rmsprop", rms))])
        head = theme.label(tr("{surface}: AdaGrad and RMSProp, both α = {lr}", surface=tr(surface.title), lr=fmt(lr)), size=theme.BODY_SIZE)
        head.to_corner(UL, buff=0.35)
        note = SquareScaleNote(scale, "s", cap_used).next_to(cmap, DOWN, buff=0.15).align_to(cmap, LEFT)
        right_x = cmap.get_right()[0] + 0.5
        with self.narrate(tr(
            "Now a race. AdaGrad in orange, RMSProp in blue, same start, same alpha, and each carries its squares, "
            "drawn at one scale."
        )):
            self.clear_pending()
            self.play(FadeIn(head), FadeIn(cmap), run_time=0.8)
            self.play(FadeIn(race.balls), FadeIn(note), run_time=0.5)
            self.add(race)
        beats = (
            tr("AdaGrad's squares pile up every squared gradient it has ever seen. They grow past the cap, so its steps keep shrinking."),
            tr("RMSProp's squares forget the old gradients, stay small, and its steps stay useful."),
            tr("AdaGrad is still creeping down the slope, while RMSProp has long since reached the valley."),
        )
        self.race(race, beats, np.array([right_x, 2.6, 0]), step_time=0.12)
        with self.narrate(trn(
            "After {n} step, AdaGrad's loss is {ada} and RMSProp's is {rms}. Forgetting is what keeps the steps alive.",
            "After {n} steps, AdaGrad's loss is {ada} and RMSProp's is {rms}. Forgetting is what keeps the steps alive.",
            steps, ada=said(ada.final_loss), rms=said(rms.final_loss),
        )):
            self.wait(0.5)
