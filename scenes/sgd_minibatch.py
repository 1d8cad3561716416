"""Curriculum A (last bullet): full batch, one sample, a mini-batch.

Render: ``gdexplain render sgd-minibatch`` or
``manim -ql scenes/sgd_minibatch.py SGDMiniBatch``.

Fitting y = θ0 + θ1·x to the 100 noisy points of the linear-regression data
three ways: full-batch gradient descent (every point per step), SGD (one
random point per step) and mini-batches (``batch`` random points per step).
Left, the data and each method's current line, with the points the current
step drew ringed; right, the loss over (θ0, θ1) with the three paths. Every
position, drawn sample and count comes from core trajectories
(:func:`gdexplain.core.trajectory.run` with ``batch_size`` and ``seed``;
:meth:`~gdexplain.core.trajectory.Trajectory.sample_gradients` for the work).
The comparison runs on one clock of *work* — per-sample gradients computed —
so after the same work the full batch has taken one step per epoch, the
mini-batch ``100/batch`` and SGD a hundred.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UL,
    UP,
    Axes,
    Circle,
    Create,
    Dot,
    FadeIn,
    FadeOut,
    Indicate,
    Line,
    ValueTracker,
    VGroup,
    linear,
)

from gdexplain.catalog import get_entry
from gdexplain.core.optimizers import make_optimizer
from gdexplain.core.surfaces import DatasetSurface, get_surface
from gdexplain.core.trajectory import Trajectory, run
from gdexplain.i18n import tr, trn
from gdexplain.scene import ExplainerScene
from gdexplain.visual import theme
from gdexplain.visual.map_race import Lane, MapRace
from gdexplain.visual.contour import ContourMap
from gdexplain.visual.legend import Legend
from gdexplain.visual.paths import clip_segment
from gdexplain.visual.panels import Readout, fmt, spoken

SURFACE = "linear-regression"
#: Colours of the three ways of batching (kept across the scene: path, ball, line, rings).
FULL_COLOR, MINI_COLOR, SGD_COLOR = "#E6E6E6", "#48DBFB", "#F4A259"
#: The data plot's ranges (x of the data, y of the data and of the start line).
DATA_X, DATA_Y = (0.0, 2.0), (-4.0, 16.0)
#: The loss map's view over (θ0, θ1): the start, the minimum and SGD's jitter around it.
MAP_VIEW = ((-1.0, 6.0), (-2.0, 4.5))
#: Slow SGD steps explained one by one.
SLOW_SGD = 3
#: Seconds of animation per 100 sample gradients in the comparison.
SECONDS_PER_EPOCH = 6.0


@dataclass(frozen=True)
class Batching:
    """One way of batching: its name, batch size (None: the full batch), colour and run."""

    name: str
    batch: int | None
    color: str
    traj: Trajectory

    @property
    def per_step(self) -> int:
        """Per-sample gradients one step costs."""
        return self.traj.samples_per_step()

    def drawn(self, t: int) -> np.ndarray:
        """Indices of the samples step ``t`` (≥ 1) used: the core's draw, or every sample."""
        if self.traj.batches is None:
            return np.arange(self.traj.surface.n_samples)  # type: ignore[attr-defined]
        return self.traj.batches[t - 1]

    def step_at(self, work: float) -> float:
        """Progress (fractional step) after ``work`` sample gradients: a step moves once it is paid for.

        The ball waits while its step's gradients are computed and glides over
        the last 30 % of that work, so a full-batch step visibly costs a hundred.
        """
        k = min(work / self.per_step, float(self.traj.steps))
        whole = np.floor(k + 1e-9)
        frac = k - whole
        return float(min(whole + np.clip((frac - 0.7) / 0.3, 0.0, 1.0), self.traj.steps))


def batchings(lr: float, batch: int, epochs: int, seed: int) -> list[Batching]:
    """The three runs of the scene, each given ``epochs`` × 100 sample gradients of work."""
    surface = get_surface(SURFACE)
    assert isinstance(surface, DatasetSurface)
    budget = epochs * surface.n_samples
    out = []
    names = (tr("full batch"), tr("mini-batch of {batch}", batch=batch), tr("one sample (SGD)"))
    for name, size, color in zip(names, (None, batch, 1), (FULL_COLOR, MINI_COLOR, SGD_COLOR)):
        per = surface.n_samples if size is None else size
        traj = run(make_optimizer("gd", lr=lr), surface, None, budget // per, batch_size=size, seed=seed)
        out.append(Batching(name, size, color, traj))
    return out


def work_rows(runs: list[Batching], work: float, budget: int) -> list[tuple[str, str]]:
    """The work read-out after ``work`` of ``budget`` sample gradients: each run's steps, gradients used, loss."""
    rows = [(tr("sample gradients"), tr("{work} of {budget}", work=int(work), budget=budget))]
    for b in runs:
        k = int(np.floor(min(work / b.per_step, b.traj.steps) + 1e-9))
        used = int(b.traj.sample_gradients()[k])
        # "step " is padded to the width of "steps", so that the columns stay aligned in a mono font.
        rows.append((b.name, trn(
            "{n:>4} step   {used:>5} gradients   loss {loss:>6}",
            "{n:>4} steps  {used:>5} gradients   loss {loss:>6}",
            k, used=used, loss=fmt(b.traj.losses[k]),
        )))
    return rows


def per_epoch_rows(runs: list[Batching], n: int) -> list[tuple[str, str]]:
    """Gradients per step and steps per epoch of each run."""
    return [
        (b.name, trn(
            "{per:>3} per step → {steps:>4} step  per epoch",
            "{per:>3} per step → {steps:>4} steps per epoch",
            n / b.per_step, per=b.per_step, steps=fmt(n / b.per_step),
        ))
        for b in runs
    ]


def result_sentences(runs: list[Batching], best_loss: float) -> list[str]:
    """What the narration says after the race, from the runs' final numbers."""
    full, mini, sgd = runs
    work = int(sgd.traj.sample_gradients()[-1])
    lines = [
        trn(
            "After {work} sample gradients, the full batch has taken {n} step, and its loss is still {loss}.",
            "After {work} sample gradients, the full batch has taken {n} steps, and its loss is still {loss}.",
            full.traj.steps, work=work, loss=spoken(full.traj.final_loss),
        )
    ]
    lines.append(
        tr(
            "The mini-batches took {mini_steps} steps and reached {mini_loss}; "
            "single samples took {sgd_steps} steps and reached {sgd_loss}. "
            "The best line has a loss of {best}.",
            mini_steps=mini.traj.steps, mini_loss=spoken(mini.traj.final_loss),
            sgd_steps=sgd.traj.steps, sgd_loss=spoken(sgd.traj.final_loss), best=spoken(best_loss),
        )
    )
    order = sorted(range(3), key=lambda i: runs[i].traj.final_loss)
    # One whole sentence per (lowest, highest): 0 the full batch, 1 the mini-batches, 2 single samples.
    ends = {
        (0, 1): tr("For the same work, the full batch ends lowest and the mini-batches highest."),
        (0, 2): tr("For the same work, the full batch ends lowest and single samples highest."),
        (1, 0): tr("For the same work, the mini-batches end lowest and the full batch highest."),
        (1, 2): tr("For the same work, the mini-batches end lowest and single samples highest."),
        (2, 0): tr("For the same work, single samples end lowest and the full batch highest."),
        (2, 1): tr("For the same work, single samples end lowest and the mini-batches highest."),
    }
    last = ends[(order[0], order[-1])]
    if order[-1] == 0:
        last = tr("{sentence} Many cheap, noisy steps beat a few exact ones.", sentence=last)
    lines.append(last)
    return lines


class SGDMiniBatch(ExplainerScene):
    """Full batch vs one sample vs a mini-batch on the linear-regression data."""

    slug = "sgd-minibatch"

    def construct(self) -> None:
        s = self.settings
        runs = batchings(s["lr"], s["batch"], s["epochs"], s["seed"])
        self.runs = runs
        full, mini, sgd = runs
        surface = full.traj.surface
        assert isinstance(surface, DatasetSurface)
        xs, ys = surface.features[:, 1], surface.targets
        n = surface.n_samples
        best = np.asarray(surface.minima[0])

        # --- the two pictures -----------------------------------------------------------
        # The catalog title ("Full batch, one sample, a mini-batch"), translated in lecture.po.
        title = theme.label(tr(get_entry(self.slug).title), size=theme.TITLE_SIZE).to_corner(UL, buff=0.35)
        data = Axes(
            x_range=[DATA_X[0], DATA_X[1], 0.5],
            y_range=[DATA_Y[0], DATA_Y[1], 4],
            x_length=4.6,
            y_length=3.8,
            tips=False,
            axis_config={"color": theme.MUTED, "stroke_width": 1.5, "include_numbers": False, "tick_size": 0.04},
        )
        data.move_to([-4.15, 0.55, 0])
        # The x axis sits at y = 0, inside the picture; a baseline at the bottom carries the x ticks instead.
        data.x_axis.set_opacity(0)
        baseline = Line(data.c2p(DATA_X[0], DATA_Y[0]), data.c2p(DATA_X[1], DATA_Y[0]), stroke_color=theme.MUTED, stroke_width=1.5)
        ticks = VGroup(baseline)
        for v in (0, 1, 2):
            ticks.add(theme.label(str(v), size=16, color=theme.MUTED).next_to(data.c2p(v, DATA_Y[0]), DOWN, buff=0.1))
        for v in (0, 5, 10, 15):
            ticks.add(theme.label(str(v), size=16, color=theme.MUTED).next_to(data.c2p(0, v), LEFT, buff=0.1))
        ticks.add(theme.label("x", size=theme.SMALL_SIZE, color=theme.MUTED).next_to(baseline, RIGHT, buff=0.15))
        ticks.add(theme.label("y", size=theme.SMALL_SIZE, color=theme.MUTED).next_to(data.y_axis, LEFT, buff=0.45))
        dots = VGroup(*(Dot(data.c2p(x, y), radius=0.035, color=theme.MUTED) for x, y in zip(xs, ys)))
        data_title = theme.label(tr("the data and each fitted line"), size=theme.SMALL_SIZE).next_to(data, UP, buff=0.15).align_to(data, LEFT)

        (vx0, vx1), (vy0, vy1) = MAP_VIEW
        cmap = ContourMap(surface, height=3.6, width=3.6 * (vx1 - vx0) / (vy1 - vy0), x_range=MAP_VIEW[0], y_range=MAP_VIEW[1], levels=12)
        cmap.move_to([1.05, 0.45, 0])
        map_title = theme.label(tr("loss over (θ0, θ1)"), size=theme.SMALL_SIZE).next_to(cmap, UP, buff=0.15).align_to(cmap, LEFT)
        axes_names = VGroup(
            theme.label("θ0 →", size=theme.SMALL_SIZE, color=theme.MUTED).next_to(cmap, DOWN, buff=0.08).align_to(cmap.heat, RIGHT),
            theme.label("θ1 ↑", size=theme.SMALL_SIZE, color=theme.MUTED).next_to(cmap, LEFT, buff=0.08).align_to(cmap.heat, UP),
        )
        bottom = VGroup(
            Circle(radius=0.1, stroke_color=theme.TEXT, stroke_width=2).move_to(cmap.c2p(best)),
            Dot(cmap.c2p(best), radius=0.03, color=theme.TEXT),
        )
        # One race block per run: each has its own clock (steps after the same work differ).
        races = [MapRace.on_map(cmap, [Lane(b.name, b.color, b.traj, radius=0.1)], stroke_width=2.5) for b in runs]
        paths = [r.paths[0] for r in races]
        balls = [r.balls[0] for r in races]
        lines = [Line(LEFT, RIGHT, stroke_color=b.color, stroke_width=3) for b in runs]  # placed by fit_line
        legend = Legend([(b.name, b.color, "") for b in runs])
        legend.next_to(cmap, RIGHT, buff=0.35).align_to(cmap, UP)

        def fit_line(line: Line, theta: np.ndarray) -> None:
            a, c = np.array([DATA_X[0], theta[0] + theta[1] * DATA_X[0]]), np.array([DATA_X[1], theta[0] + theta[1] * DATA_X[1]])
            piece = clip_segment(a, c, (DATA_X, DATA_Y))
            if piece is None:
                line.set_opacity(0)
                return
            p, q = a + piece[0] * (c - a), a + piece[1] * (c - a)
            line.put_start_and_end_on(data.c2p(*p), data.c2p(*q)).set_opacity(1)

        def place(i: int, k: float) -> None:
            b = runs[i]
            races[i].set_progress(k)
            fit_line(lines[i], b.traj.positions[int(np.floor(k + 1e-9))] if k == np.floor(k) else paths[i].position(k))

        for i in range(3):
            place(i, 0)
        self.cmap, self.balls, self.data_axes, self.fit_lines = cmap, balls, data, lines

        start = full.traj.positions[0]
        with self.narrate(
            tr(
                "{n} points, scattered around a straight line. We look for the line theta zero plus theta one times x "
                "whose mean squared error over all the points is smallest.",
                n=n,
            )
        ):
            self.play(FadeIn(title), FadeIn(data), FadeIn(ticks), FadeIn(data_title), run_time=0.8)
            self.play(FadeIn(dots, lag_ratio=0.01), run_time=1.2)
        with self.narrate(
            tr(
                "On the right, that error for every pair theta zero, theta one. Its lowest point, near {best0} and "
                "{best1}, is the best line. Every method starts at {start0} and {start1}: "
                "a line far below the points.",
                best0=spoken(best[0]), best1=spoken(best[1]), start0=spoken(start[0]), start1=spoken(start[1]),
            )
        ):
            self.add(cmap)
            self.play(FadeIn(map_title), FadeIn(axes_names), FadeIn(bottom), run_time=0.8)
            self.add(lines[0], races[0])
            self.play(Create(lines[0]), FadeIn(balls[0]), run_time=0.8)

        # --- full batch: one step costs every point ---------------------------------------
        table = Readout(per_epoch_rows(runs, n), colors={b.name: b.color for b in runs}, size=18)
        table.to_edge(DOWN, buff=0.3).to_edge(LEFT, buff=0.5)
        table_title = theme.label(tr("one epoch = {n} sample gradients", n=n), size=theme.SMALL_SIZE).next_to(table, UP, buff=0.12).align_to(table, LEFT)
        with self.narrate(
            tr(
                "Full-batch descent averages the slope over all {n} points, then takes one step. "
                "One step costs {per} gradient evaluations: one pass through the data, an epoch, buys one step.",
                n=n, per=full.per_step,
            )
        ):
            self.play(FadeIn(legend), run_time=0.5)
            self.play(Indicate(dots, color=FULL_COLOR, scale_factor=1.0), run_time=1.0)
            clock = ValueTracker(0.0)
            driver = VGroup(races[0], lines[0])
            driver.add_updater(lambda _: place(0, clock.get_value()))
            self.play(clock.animate.set_value(1.0), run_time=1.2)
            driver.clear_updaters()
            self.play(FadeIn(table_title), FadeIn(table), run_time=0.6)

        # --- SGD: one random point per step ------------------------------------------------
        rings = VGroup()
        slow = min(SLOW_SGD, sgd.traj.steps)
        self.add(races[2], lines[2])
        place(2, 0)
        for t in range(1, slow + 1):
            i = int(sgd.drawn(t)[0])
            ring = Circle(radius=0.14, stroke_color=SGD_COLOR, stroke_width=4).move_to(data.c2p(xs[i], ys[i]))
            theta = sgd.traj.positions[t - 1]
            residual = Line(data.c2p(xs[i], ys[i]), data.c2p(xs[i], float(np.clip(theta[0] + theta[1] * xs[i], *DATA_Y))), stroke_color=SGD_COLOR, stroke_width=2)
            if t == 1:
                text = tr(
                    "Stochastic gradient descent draws one point at random and steps on that point's slope alone. "
                    "Here it drew point {i}, at x {x}: its error, the gap to the line, sets the whole step.",
                    i=i, x=spoken(xs[i]),
                )
            else:
                text = tr("Next it drew point {i}. Each step costs one gradient, and each points a slightly different way.", i=i)
            with self.narrate(text):
                self.play(FadeIn(ring), Create(residual), run_time=0.5)
                clock = ValueTracker(t - 1.0)
                driver = VGroup(races[2], lines[2])
                driver.add_updater(lambda _: place(2, clock.get_value()))
                self.play(clock.animate.set_value(float(t)), run_time=1.0)
                driver.clear_updaters()
                self.play(FadeOut(residual), ring.animate.set_stroke(opacity=0.6), run_time=0.4)
                rings.add(ring)

        # --- a mini-batch ------------------------------------------------------------------
        self.add(races[1], lines[1])
        place(1, 0)
        picked = mini.drawn(1)
        mini_rings = VGroup(*(Circle(radius=0.11, stroke_color=MINI_COLOR, stroke_width=3).move_to(data.c2p(xs[i], ys[i])) for i in picked))
        with self.narrate(
            tr(
                "A mini-batch sits in between: it averages the slopes of {per} random points, here points "
                "{a}, {b}, {c} and {more} more, and then steps.",
                per=mini.per_step, a=int(picked[0]), b=int(picked[1]), c=int(picked[2]), more=len(picked) - 3,
            )
            if len(picked) > 3
            else tr("A mini-batch sits in between: it averages the slopes of {per} random points, and then steps.", per=mini.per_step)
        ):
            self.play(FadeOut(rings), FadeIn(mini_rings), run_time=0.6)
            clock = ValueTracker(0.0)
            driver = VGroup(races[1], lines[1])
            driver.add_updater(lambda _: place(1, clock.get_value()))
            self.play(clock.animate.set_value(1.0), run_time=1.0)
            driver.clear_updaters()
        with self.narrate(
            tr(
                "So per epoch, the full batch takes {full} step, mini-batches of {per} take "
                "{mini}, and single samples take {sgd}.",
                full=fmt(n / full.per_step), per=mini.per_step, mini=fmt(n / mini.per_step), sgd=fmt(n / sgd.per_step),
            )
        ):
            self.play(FadeOut(mini_rings), Indicate(table, color=theme.HIGHLIGHT, scale_factor=1.03), run_time=1.0)

        # --- the same work for all three ---------------------------------------------------
        budget = s["epochs"] * n
        colors = {b.name: b.color for b in runs}
        work_panel = Readout(work_rows(runs, 0, budget), colors=colors, size=18, min_width=6.2)
        work_panel.to_edge(DOWN, buff=0.3).to_edge(LEFT, buff=0.5)
        live_rings = VGroup(
            Circle(radius=0.14, stroke_color=SGD_COLOR, stroke_width=4),
            *(Circle(radius=0.11, stroke_color=MINI_COLOR, stroke_width=2.5) for _ in range(mini.per_step)),
        ).set_opacity(0)
        with self.narrate(
            trn(
                "Now give all three the same budget: {budget} sample gradients, {n} epoch. Back to the start, and go.",
                "Now give all three the same budget: {budget} sample gradients, {n} epochs. Back to the start, and go.",
                s["epochs"], budget=budget,
            )
        ):
            for i in range(3):
                place(i, 0)
            self.play(FadeOut(table), FadeOut(table_title), run_time=0.4)
            self.play(FadeIn(work_panel), run_time=0.6)

        work = ValueTracker(0.0)
        shown = {"w": -1}

        def follow(_):
            w = work.get_value()
            for i, b in enumerate(runs):
                place(i, b.step_at(w))
            ksgd = int(min(np.floor(w), sgd.traj.steps))
            kmini = int(min(np.floor(w / mini.per_step), mini.traj.steps))
            if ksgd >= 1:
                live_rings[0].move_to(data.c2p(*_point(xs, ys, sgd.drawn(ksgd)[0]))).set_stroke(opacity=1)
            if kmini >= 1:
                for r, i in zip(live_rings[1:], mini.drawn(kmini)):
                    r.move_to(data.c2p(xs[i], ys[i])).set_stroke(opacity=0.8)
            mark = int(w // 20) * 20
            if mark != shown["w"]:
                # Rebuilt in place (Manim draws the mobjects a play started with): never a morph, at most budget/20 times.
                shown["w"] = mark
                work_panel.become(Readout(work_rows(runs, mark, budget), colors=colors, size=18, min_width=6.2).placed_like(work_panel))

        driver = VGroup(*races, *lines, live_rings, work_panel)
        self.add(live_rings)
        driver.add_updater(follow)
        self.add(driver)
        marks = np.linspace(0, budget, min(s["epochs"], 3) + 1)
        for j in range(len(marks) - 1):
            w0, w1 = marks[j], marks[j + 1]
            text = (
                tr(
                    "Watch the full batch: its ball waits while it pays for {per} gradients, then moves once. "
                    "Single samples dart about; the mini-batches jitter less.",
                    per=full.per_step,
                )
                if j == 0
                else tr(
                    "Up to {work} sample gradients: the same rhythm. Every full-batch step is paid for by "
                    "{count} single-sample steps.",
                    work=fmt(w1), count=fmt(full.per_step / sgd.per_step),
                )
            )
            with self.narrate(text):
                self.play(work.animate.set_value(w1), run_time=max(2.0, SECONDS_PER_EPOCH * (w1 - w0) / n), rate_func=linear)
        driver.clear_updaters()
        shown["w"] = -1
        work.set_value(budget)
        follow(None)

        for line in result_sentences(runs, float(surface.value(best))):
            with self.narrate(line):
                self.play(Indicate(work_panel, color=theme.HIGHLIGHT, scale_factor=1.02), run_time=0.8)
        with self.narrate(
            tr(
                "In practice, training uses mini-batches: steps nearly as cheap as single samples, with much of the noise "
                "averaged away. And every draw here is seeded: render it again and the same points are drawn."
            )
        ):
            self.play(FadeOut(live_rings), run_time=0.5)


def _point(xs: np.ndarray, ys: np.ndarray, i: int) -> tuple[float, float]:
    """Sample ``i`` of the data as an (x, y) pair."""
    return float(xs[i]), float(ys[i])

