"""Curriculum B: a worked example — fitting a parabola to five points by gradient descent.

Render: ``gdexplain render curve-fit`` or ``manim -ql scenes/curve_fit.py CurveFit``;
``--set lr=0.002 --set steps=40 --set lr_larger=0.003 --set lr_largest=0.006``.

ŷ = w2·x² + w1·x + w0 is fitted to (1,1) … (5,25) with the mean squared
error, all weights starting at 0. The errors are drawn as segments; each
partial derivative is shown as a sum over the points (the core's
``gradient_terms``); iterations 1 and 2 are taken slowly (the source
article's figures: 0.022, 0.09, 0.3916 and the printed loss 195.8, which is
that of the prediction the iteration started from), the rest quickly. Then
the honest part: how far the run got and how far a long run gets, the path
over (w1, w2) with w0 held, the valley that explains it, and what larger
learning rates do. Every number comes from core trajectories; every spoken
number is generated from them.
"""

from __future__ import annotations

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, UR, Create, DashedVMobject, Dot, FadeIn, FadeOut, Indicate, ReplacementTransform, VGroup

from gdexplain.core.optimizers import make_optimizer
from gdexplain.core.surfaces import DatasetSurface, get_surface
from gdexplain.core.trajectory import Trajectory, run
from gdexplain.i18n import N_, is_cjk, sentences, tr
from gdexplain.narration import spoken_number as say
from gdexplain.scene import ExplainerScene
from gdexplain.visual import theme
from gdexplain.visual.charts import Chart
from gdexplain.visual.contour import ContourMap
from gdexplain.visual.fitplot import DataPlot
from gdexplain.visual.legend import Legend
from gdexplain.visual.paths import ClippedPath
from gdexplain.visual.panels import FormulaPanel, NumberTable, Readout, fmt

MODEL = "hat(y) = {{ w_2 : w2 }} x^2 + {{ w_1 : w1 }} x + {{ w_0 : w0 }}"
LOSS = "L = 1/N sum_(i=1)^N (hat(y)_i - y_i)^2"
#: The three partial derivatives in one line: x⁰ = 1, x¹, x² for w0, w1, w2.
PARTIALS = "(partial L)/(partial w_k) = 2/N sum_(i=1)^N (hat(y)_i - y_i) x_i^k"
UPDATE = "w <- w - alpha (partial L)/(partial w)"
#: Iterations taken one at a time, with the sums and the update on screen.
SLOW = 2
#: The data plot's box (data units) and where it sits.
X_RANGE, Y_RANGE = (0.0, 6.0), (-5.0, 30.0)
PLOT_SIZE = (5.6, 4.9)
#: Left edge of the right-hand column (scene units).
COLUMN_LEFT = 0.45
#: Colours of the three runs compared at the end.
RUN_COLORS = (theme.BALL, theme.STEP, theme.LOOK_AHEAD)
WEIGHTS = ("w0", "w1", "w2")
#: The weights as the narrator says them.
SPOKEN_WEIGHTS = (N_("w zero"), N_("w one"), N_("w two"))



def listed(items) -> str:
    """Items said in a row: ``a, b, c`` in English, ``a、b、c`` in Chinese."""
    return ("、" if is_cjk() else ", ").join(items)


def fit(lr: float, steps: int) -> Trajectory:
    """Plain gradient descent on the parabola fit from all weights 0."""
    return run(make_optimizer("gd", lr=lr), get_surface("quadratic-fit"), None, steps)


def sums_table(surface: DatasetSurface, traj: Trajectory, t: int) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the sums behind iteration ``t``'s gradient (taken at the weights before it).

    One row per point: x, ŷ−y, (ŷ−y)·x, (ŷ−y)·x²; then the column sums Σ;
    then the names and values of the partial derivatives (2/N times the sums,
    as the core computed them).
    """
    w = traj.positions[t - 1]
    terms = surface.gradient_terms(w)
    rows = [[fmt(x), *(fmt(v) for v in row)] for x, row in zip(surface.inputs, terms)]
    rows.append(["Σ", *(fmt(v) for v in terms.sum(axis=0))])
    rows.append(["", "∂L/∂w0", "∂L/∂w1", "∂L/∂w2"])
    rows.append([f"× 2/{surface.n_samples}", *(fmt(v) for v in traj.gradients[t - 1])])
    return ["x", "ŷ − y", "(ŷ − y)·x", "(ŷ − y)·x²"], rows


def update_table(traj: Trajectory, t: int) -> tuple[list[str], list[list[str]]]:
    """Header and rows of iteration ``t``'s update: each weight before, −α·∂L/∂w, after; then the loss before and after.

    The loss "before" is the one the article's code prints for iteration ``t``.
    """
    before, delta, after = traj.positions[t - 1], traj.quantity("delta")[t], traj.positions[t]
    rows = [[n, fmt(b), fmt(d), fmt(a)] for n, b, d, a in zip(WEIGHTS, before, delta, after)]
    rows.append([tr("loss"), fmt(traj.losses[t - 1]), "→", fmt(traj.losses[t])])
    return ["", tr("before"), "−α·∂L/∂w", tr("after")], rows


def iteration_rows(traj: Trajectory, t: int) -> list[tuple[str, str]]:
    """The read-out after iteration ``t``: the weights, the loss it started from (what the article prints), the loss after."""
    w = traj.positions[t]
    rows = [(tr("iteration"), str(t)), *((n, fmt(v)) for n, v in zip(WEIGHTS, w))]
    if t > 0:
        rows.append((tr("loss before the step"), fmt(traj.losses[t - 1])))
    rows.append((tr("loss after the step") if t > 0 else tr("loss"), fmt(traj.losses[t])))
    return rows


def how_far(traj: Trajectory, far: Trajectory) -> str:
    """What the run reached, and what a much longer run at the same α reaches: spoken, from the trajectories."""
    surface = traj.surface
    best = np.array(surface.global_minimum)
    w, n = traj.final, traj.steps
    if traj.diverged or traj.final_loss > traj.losses[0]:
        return tr(
            "With alpha {lr} this run does not settle at all: after {n} iterations the loss is {loss}, above where it started.",
            lr=say(traj.quantity("lr")[1]),
            n=n,
            loss=say(traj.final_loss),
        )
    names = [tr(name) for name in SPOKEN_WEIGHTS]
    exact = listed(tr("{weight} {value}", context="a weight and its value, said", weight=name, value=say(v)) for name, v in zip(names, best))
    got = listed(say(v) for v in w)
    eye = tr("To the eye the curve already sits on the points.") if traj.final_loss < 0.1 else tr("The curve is still visibly off.")
    first = sentences(
        tr("After {n} iterations the loss is {loss}, down from {start}.", n=n, loss=say(traj.final_loss), start=say(traj.losses[0])),
        eye,
        tr("But the weights are {got}, and the parabola through the points has {exact}.", got=got, exact=exact),
    )
    if far.diverged:
        return sentences(first, tr("Running on does not help: a longer run diverges."))
    k = int(np.argmax(np.abs(far.final - best)))
    return sentences(
        first,
        tr(
            "Even after {n} iterations the loss is {loss}, and {weight} is still {value} instead of {best}.",
            n=far.steps,
            loss=say(far.final_loss),
            weight=names[k],
            value=say(far.final[k]),
            best=say(best[k]),
        ),
    )


def alpha_story(lr: float, traj: Trajectory, base: Trajectory, limit: float) -> str:
    """One sentence on a run with a larger α, from its trajectory and the stable limit 2/λ_max."""
    run_values = dict(lr=say(lr), n=traj.steps, loss=say(traj.final_loss))
    if traj.diverged or traj.final_loss > traj.losses[0]:
        if lr < 1.5 * limit:
            return tr(
                "At alpha {lr}, just past that limit, every step overshoots across the valley and lands higher on the other side: "
                "after {n} iterations the loss is {loss}.",
                **run_values,
            )
        return tr(
            "At alpha {lr}, past that limit, every step overshoots across the valley and lands higher on the other side: "
            "after {n} iterations the loss is {loss}.",
            **run_values,
        )
    if not settles(base):
        return tr("At alpha {lr}, below that limit, the loss after {n} iterations is {loss}: this run settles.", **run_values)
    times = lr / base.quantity("lr")[1]
    ratio = base.final_loss / traj.final_loss if traj.final_loss > 0 else float("inf")
    values = dict(run_values, base=say(base.final_loss))
    bigger = times > 1
    if 1 <= ratio < 2:
        if bigger:
            return tr("At alpha {lr}, {times} times the step, the loss after {n} iterations is {loss} instead of {base}: barely better.",
                      times=say(times, 2), **values)
        return tr("At alpha {lr}, a smaller step, the loss after {n} iterations is {loss} instead of {base}: barely better.", **values)
    if ratio >= 2:
        if bigger:
            return tr("At alpha {lr}, {times} times the step, the loss after {n} iterations is {loss} instead of {base}: {ratio} times lower.",
                      times=say(times, 2), ratio=say(ratio, 2), **values)
        return tr("At alpha {lr}, a smaller step, the loss after {n} iterations is {loss} instead of {base}: {ratio} times lower.",
                  ratio=say(ratio, 2), **values)
    if bigger:
        return tr("At alpha {lr}, {times} times the step, the loss after {n} iterations is {loss} instead of {base}: worse.",
                  times=say(times, 2), **values)
    return tr("At alpha {lr}, a smaller step, the loss after {n} iterations is {loss} instead of {base}: worse.", **values)


def settles(traj: Trajectory) -> bool:
    """True when a run went downhill: not diverged, and its last loss below its first."""
    return not traj.diverged and traj.final_loss < traj.losses[0]


def drop_sentence(traj: Trajectory, first: int = 3) -> str:
    """How the loss fell in the first few steps and in all the rest, spoken, from the trajectory."""
    k = min(first, traj.steps)
    if traj.diverged or traj.final_loss > traj.losses[0]:
        return tr("The path does not go downhill: the loss ends at {loss}.", loss=say(traj.final_loss))
    values = dict(k=k, start=say(traj.losses[0]), then=say(traj.losses[k]), rest=traj.steps - k, end=say(traj.final_loss))
    if traj.steps == k:
        if k > 1:
            return tr("In the first {k} steps the loss falls from {start} to {then}.", **values)
        return tr("In the first step the loss falls from {start} to {then}.", **values)
    if k > 1:
        return tr("In the first {k} steps the loss falls from {start} to {then}; the other {rest} steps only take it to {end}.", **values)
    return tr("In the first step the loss falls from {start} to {then}; the other {rest} steps only take it to {end}.", **values)


def view_box(points: np.ndarray, minimum: np.ndarray, grid: float = 0.25) -> tuple[tuple[float, float], tuple[float, float]]:
    """A square map range around the path and the minimum, its ends on multiples of ``grid`` (so ticks fall on them)."""
    pts = np.vstack([points, minimum[None, :]])
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    span = float(np.ceil((max(hi - lo) * 1.3 + grid) / grid) * grid)
    out = []
    for c in (lo + hi) / 2:
        a = float(np.floor((c - span / 2) / grid) * grid)
        out.append((a, a + span))
    return out[0], out[1]


class CurveFit(ExplainerScene):
    """Fitting ŷ = w2·x² + w1·x + w0 to five points: errors, sums, updates, the valley, step sizes."""

    slug = "curve-fit"

    def construct(self) -> None:
        s = self.settings
        self.traj = fit(s["lr"], s["steps"])
        self.surface: DatasetSurface = self.traj.surface  # type: ignore[assignment]
        self.introduce()
        self.iterate_slowly()
        self.iterate_quickly()
        self.how_far()
        self.valley()
        self.larger_steps()

    # --- the picture ----------------------------------------------------------------

    def curve_of(self, w: np.ndarray, color: str = theme.BALL, stroke_width: float = 4):
        """The model's curve for weights ``w`` (outputs from the core), cut at the plot's box."""
        xs = np.linspace(*X_RANGE, 121)
        return self.plot.curve(xs, self.surface.model(w, xs), color=color, stroke_width=stroke_width)

    def errors_of(self, w: np.ndarray):
        return self.plot.errors(self.surface.predictions(w))

    def in_column(self, mob, top: float):
        """Place ``mob`` in the right-hand column with its top at ``top``."""
        return mob.next_to(np.array([COLUMN_LEFT, top, 0.0]), DOWN, buff=0).align_to(np.array([COLUMN_LEFT, 0, 0]), LEFT)

    def readout(self, t: int) -> Readout:
        traj = self.traj
        colors = {"w0": theme.TEXT, "w1": theme.AXIS_X, "w2": theme.AXIS_Y}
        return Readout(iteration_rows(traj, t), colors=colors, min_width=4.3)

    def introduce(self) -> None:
        s, traj, surface = self.settings, self.traj, self.surface
        self.title = theme.label(tr("Fitting a parabola"), size=theme.TITLE_SIZE).to_corner(UP + LEFT, buff=0.35)
        model = FormulaPanel(MODEL, font_size=30)
        loss = FormulaPanel(LOSS, font_size=26)
        formulas = VGroup(model, loss).arrange(RIGHT, buff=0.25).next_to(self.title, DOWN, buff=0.25).align_to(self.title, LEFT)
        self.formulas = formulas
        self.plot = DataPlot(surface.inputs, surface.targets, X_RANGE, Y_RANGE, *PLOT_SIZE)
        self.plot.to_edge(LEFT, buff=0.55).to_edge(DOWN, buff=0.45)
        pts = ", ".join(f"({fmt(x)}, {fmt(y)})" for x, y in zip(surface.inputs, surface.targets))
        with self.narrate(
            tr(
                "A worked example. Here are {n} points. We look for the parabola through them: "
                "w two times x squared, plus w one times x, plus w zero. Three weights to learn.",
                n=surface.n_samples,
            )
        ):
            self.play(FadeIn(self.title), FadeIn(self.plot), run_time=1.2)
            self.play(FadeIn(model), run_time=0.8)
        w0 = traj.positions[0]
        self.curve = self.curve_of(w0)
        self.errs = self.errors_of(w0)
        self.board = self.in_column(self.readout(0), 3.55)
        with self.narrate(
            tr(
                "Every weight starts at {start}, so the first guess is flat: it predicts {prediction} everywhere. "
                "The red segments are its errors, prediction minus truth, one per point.",
                start=say(w0[0]),
                prediction=say(self.surface.predictions(w0)[0]),
            )
        ):
            self.play(Create(self.curve), FadeIn(self.board), run_time=1.2)
            self.play(Create(self.errs), run_time=1.0)
        with self.narrate(
            tr(
                "The loss is the mean of the squared errors. For the flat guess that is {loss}. "
                "Gradient descent will lower it with alpha {lr}.",
                loss=say(traj.losses[0]),
                lr=say(s["lr"]),
            )
        ):
            self.play(FadeIn(loss), run_time=0.8)
        self.points_said = pts

    # --- iterations 1 and 2 ------------------------------------------------------------

    def iterate_slowly(self) -> None:
        traj = self.traj
        partials = FormulaPanel(PARTIALS, font_size=26)
        loss_panel = self.formulas[1]
        update = FormulaPanel(UPDATE, font_size=26)
        shown = None
        for t in range(1, min(SLOW, traj.steps) + 1):
            header, rows = sums_table(self.surface, traj, t)
            table = NumberTable(header, rows, size=19, colors={1: theme.TEXT, 2: theme.AXIS_X, 3: theme.AXIS_Y}, rules=(5, 7))
            self._tint_gradient_row(table)
            self.in_column(table, 3.55)
            grad = traj.gradients[t - 1]
            if t == 1:
                partials.next_to(self.formulas[0], RIGHT, buff=0.25).align_to(self.formulas[0], UP)
                with self.narrate(
                    tr(
                        "How should each weight move? Its partial derivative says. Each one is a sum over the points: "
                        "the error, the error times x, and the error times x squared, times two over N."
                    )
                ):
                    self.play(FadeOut(self.board), FadeOut(loss_panel), FadeIn(partials), run_time=0.8)
                    self.play(FadeIn(table.panel), FadeIn(table.rules), FadeIn(table.header), run_time=0.6)
                    self.play(FadeIn(VGroup(*(r[0] for r in table.cells[:5]), *(r[1] for r in table.cells[:5]))), run_time=0.8)
                    self.play(FadeIn(VGroup(*(r[2] for r in table.cells[:5]), *(r[3] for r in table.cells[:5]))), run_time=0.8)
                with self.narrate(
                    sentences(
                        tr(
                            "Add each column up, and scale by two over {n}: the gradient is {g0}, {g1} and {g2}.",
                            n=self.surface.n_samples,
                            g0=say(grad[0]),
                            g1=say(grad[1]),
                            g2=say(grad[2]),
                        ),
                        self._sign_sentence(grad),
                    )
                ):
                    self.play(FadeIn(VGroup(*table.cells[5:])), run_time=1.2)
            else:
                values = dict(t=t, g0=say(grad[0]), g1=say(grad[1]), g2=say(grad[2]))
                with self.narrate(
                    tr("Iteration {t}: the same sums with the new errors. They are smaller now, and so is the gradient: {g0}, {g1}, {g2}.",
                       **values)
                    if np.linalg.norm(grad) < np.linalg.norm(traj.gradients[t - 2])
                    else tr("Iteration {t}: the same sums with the new errors. They have grown, and so has the gradient: {g0}, {g1}, {g2}.",
                            **values)
                ):
                    self.play(FadeOut(shown), FadeIn(table), run_time=0.8)
            shown = table
            self.sums = table
            self.step(t, update)
            shown = VGroup(table, self.update_panel)
        self.board = self.in_column(self.readout(min(SLOW, traj.steps)), 3.55)
        # Cleared at the start of the next beat, so every beat follows the last without a gap.
        self.pending = [FadeOut(VGroup(*(m for m in (shown, partials, update) if m is not None))), FadeIn(loss_panel), FadeIn(self.board)]

    def _tint_gradient_row(self, table: NumberTable) -> None:
        for c in range(1, 4):
            table.cell(7, c).set_color(theme.GRADIENT)
            table.cell(6, c).set_color(theme.GRADIENT)

    @staticmethod
    def _sign_sentence(grad: np.ndarray) -> str:
        if np.all(grad < 0):
            return tr("All three are negative: raising any weight lowers the loss, so all three go up.")
        if np.all(grad > 0):
            return tr("All three are positive: each weight goes down.")
        return tr("Each weight moves against the sign of its own derivative.")

    def step(self, t: int, update: FormulaPanel) -> None:
        traj = self.traj
        header, rows = update_table(traj, t)
        table = NumberTable(header, rows, size=19, colors={2: theme.STEP}, rules=(3,), col_buff=0.3)
        table.cell(3, 0).set_color(theme.MUTED)
        self.in_column(table, self.sums.get_bottom()[1] - 0.2)
        if t == 1:
            # Over the plot's empty top-left corner: the parabola and the errors stay low there in the first iterations.
            corner = self.plot.c2p(X_RANGE[0], Y_RANGE[1])
            update.move_to(corner + np.array([0.35 + update.width / 2, -0.1 - update.height / 2, 0.0]))
        w, lr = traj.positions[t], traj.quantity("lr")[t]
        new_curve, new_errs = self.curve_of(w), self.errors_of(w)
        values = dict(lr=say(lr), w0=say(w[0]), w1=say(w[1]), w2=say(w[2]))
        if t > 1:
            line = tr("The weights move on to {w0}, {w1} and {w2}.", **values)
        elif traj.losses[t] < traj.losses[t - 1]:
            line = tr(
                "Step against the gradient with alpha {lr}: the weights become {w0}, {w1} and {w2}, and the parabola bends toward the points.",
                **values,
            )
        else:
            line = tr(
                "Step against the gradient with alpha {lr}: the weights become {w0}, {w1} and {w2}, "
                "and the parabola overshoots, past the points.",
                **values,
            )
        with self.narrate(line):
            self.play(FadeIn(table), *([FadeIn(update)] if t == 1 else []), run_time=0.8)
            self.play(ReplacementTransform(self.curve, new_curve), ReplacementTransform(self.errs, new_errs), run_time=1.4)
        self.curve, self.errs = new_curve, new_errs
        self.update_panel = table
        if t == 1:
            with self.narrate(
                sentences(
                    tr("The loss printed for this iteration, {loss}, is the loss of the flat guess it started from.", loss=say(traj.losses[0])),
                    tr("The new parabola's loss is already {loss}.", loss=say(traj.losses[1]))
                    if traj.losses[1] < traj.losses[0]
                    else tr("The new parabola's loss is {loss}: higher, the step went too far.", loss=say(traj.losses[1])),
                )
            ):
                pass

    # --- the rest, quickly ------------------------------------------------------------------

    def play_pending(self) -> None:
        """Play the clean-up left by the previous part, inside the current beat."""
        if getattr(self, "pending", None):
            self.play(*self.pending, run_time=0.6)
            self.pending = []

    def iterate_quickly(self) -> None:
        traj = self.traj
        if traj.steps <= SLOW:
            return
        with self.narrate(
            tr(
                "From here the recipe repeats. Iterations {first} to {last}, one after another, with the read-out following along.",
                first=SLOW + 1,
                last=traj.steps,
            )
        ):
            self.play_pending()
            for t in range(SLOW + 1, traj.steps + 1):
                w = traj.positions[t]
                new_curve, new_errs = self.curve_of(w), self.errors_of(w)
                self.play(ReplacementTransform(self.curve, new_curve), ReplacementTransform(self.errs, new_errs),
                          run_time=max(0.2, 5.0 / traj.steps))
                self.curve, self.errs = new_curve, new_errs
                self.remove(self.board)
                self.board = self.readout(t).placed_like(self.board)
                self.add(self.board)

    # --- how far did it get? ---------------------------------------------------------------

    def how_far(self) -> None:
        s, traj = self.settings, self.traj
        self.far = fit(s["lr"], s["far_steps"])
        truth = self.curve_of(np.array(self.surface.global_minimum), color=theme.MUTED, stroke_width=3)
        truth = DashedVMobject(truth, num_dashes=40)
        label = theme.label(tr("dashed: the exact answer"), size=theme.SMALL_SIZE, color=theme.MUTED)
        label.next_to(self.plot.c2p(3.2, 3.0), RIGHT, buff=0.0)
        far = Readout(
            [
                (tr("a longer run"), tr("{n} iterations", n=self.far.steps)),
                *((n, fmt(v)) for n, v in zip(WEIGHTS, self.far.final)),
                (tr("loss"), fmt(self.far.final_loss)),
            ],
            colors={"w1": theme.AXIS_X, "w2": theme.AXIS_Y},
            min_width=4.3,
        )
        far.next_to(self.board, DOWN, buff=0.25).align_to(self.board, LEFT)
        with self.narrate(how_far(traj, self.far)):
            self.play_pending()
            self.play(Create(truth), FadeIn(label), run_time=1.2)
            self.play(FadeIn(far), run_time=0.8)
        self.extras = VGroup(truth, label, far)

    # --- the valley ---------------------------------------------------------------------------

    def valley(self) -> None:
        traj = self.traj
        held = float(traj.final[0])
        plane = self.surface.holding("w0", held)
        path = traj.positions[:, 1:]
        minimum = np.array(plane.minima[0])
        xr, yr = view_box(path, minimum)
        cmap = ContourMap(plane, height=4.9, x_range=xr, y_range=yr, levels=16)
        cmap.move_to(np.array([3.85, -0.35, 0.0]))
        names = VGroup(
            theme.label("w1", size=theme.SMALL_SIZE, color=theme.AXIS_X).next_to(cmap.axes.x_axis.get_end(), RIGHT, buff=0.12),
            theme.label("w2", size=theme.SMALL_SIZE, color=theme.AXIS_Y).next_to(cmap.axes.y_axis.get_end(), UP, buff=0.12),
        )
        caption = theme.label(tr("loss over (w1, w2), w0 held at {w0}", w0=fmt(held)), size=theme.SMALL_SIZE, color=theme.MUTED)
        caption.next_to(cmap, UP, buff=0.45).align_to(cmap, LEFT)
        box = (xr, yr)
        trail = ClippedPath(path, cmap.c2p, box, color=RUN_COLORS[0], stroke_width=3.5)
        dots = VGroup(*(Dot(cmap.c2p(p), radius=0.04, color=RUN_COLORS[0]) for p in path))
        start = Dot(cmap.c2p(path[0]), radius=0.08, color=theme.BALL)
        star = Dot(cmap.c2p(minimum), radius=0.08, color=theme.TEXT)
        star_label = theme.label(tr("lowest"), size=16, color=theme.TEXT).next_to(star, LEFT, buff=0.1)
        curv = plane.curvatures()
        with self.narrate(
            sentences(
                tr("Why so slow?") if settles(traj) else tr("Why?"),
                tr("Hold w zero at {w0} and look at the loss over the other two weights, from above.", w0=say(held, 3)),
                drop_sentence(traj),
            )
        ):
            self.play(FadeOut(self.extras), FadeOut(self.board), run_time=0.6)
            self.play(FadeIn(cmap), FadeIn(names), FadeIn(caption), FadeIn(start), run_time=1.0)
            self.play(Create(trail), FadeIn(dots), run_time=2.0)
            self.play(FadeIn(star), FadeIn(star_label), run_time=0.5)
        with self.narrate(
            sentences(
                tr(
                    "The loss is a long, narrow valley. Across it, it curves {ratio} times more sharply than along its floor.",
                    ratio=say(curv[-1] / curv[0], 2),
                ),
                tr("The first steps fall in; along the floor the gradient is tiny, and so are the steps.")
                if settles(traj)
                else tr("A step longer than the valley is wide lands higher on the far wall, and the next one higher still."),
            )
        ):
            self.play(star.animate.scale(1.6), run_time=0.6)
            self.play(star.animate.scale(1 / 1.6), run_time=0.6)
        self.cmap, self.box, self.first_path = cmap, box, VGroup(trail, dots, start)

    # --- larger learning rates ---------------------------------------------------------------------

    def larger_steps(self) -> None:
        s, traj = self.settings, self.traj
        limit = self.surface.stable_lr_limit()
        lrs = (s["lr"], s["lr_larger"], s["lr_largest"])
        runs = [traj, fit(lrs[1], s["steps"]), fit(lrs[2], s["steps"])]
        keys = [f"α = {fmt(lr)}" for lr in lrs]
        chart = Chart(
            {k: r.losses for k, r in zip(keys, runs)},
            dict(zip(keys, RUN_COLORS)),
            s["steps"],
            log=True,
            floor=0.0,
            floor_label=tr("its minimum"),
            width=5.0,
            height=3.2,
        )
        legend = Legend([(k, c, tr("loss after {n}: {loss}", n=r.steps, loss=fmt(r.final_loss))) for k, r, c in zip(keys, runs, RUN_COLORS)])
        chart.move_to(np.array([-3.6, 0.9, 0.0]))
        legend.next_to(chart, DOWN, buff=0.45).align_to(chart, LEFT)
        limit_note = theme.label(tr("stable only for α < 2/λmax = {limit}", limit=fmt(limit, 5)), size=theme.SMALL_SIZE, color=theme.MUTED)
        limit_note.next_to(legend, DOWN, buff=0.3).align_to(legend, LEFT)
        paths = [ClippedPath(r.positions[:, 1:], self.cmap.c2p, self.box, color=c, stroke_width=2.5) for r, c in zip(runs[1:], RUN_COLORS[1:])]
        # The α run of the earlier beats stays on top: a run that swings across the map must not hide it.
        self.first_path.set_z_index(2)
        for z, path in enumerate(paths):
            path.set_z_index(1 - z).set_stroke(opacity=0.85)
        with self.narrate(
            tr(
                "Would a larger alpha help? Plain descent is stable only while alpha stays below two over the sharpest curvature: "
                "here {limit}.",
                limit=say(limit, 5),
            )
        ):
            self.play(FadeOut(VGroup(self.plot, self.curve, self.errs, self.formulas)), run_time=0.6)
            self.play(FadeIn(chart), FadeIn(legend), FadeIn(limit_note), run_time=1.2)
        with self.narrate(alpha_story(lrs[1], runs[1], traj, limit)):
            self.play(Create(paths[0]), run_time=2.0)
        with self.narrate(alpha_story(lrs[2], runs[2], traj, limit)):
            self.play(Create(paths[1]), run_time=3.0)
        with self.narrate(
            tr(
                "So the step size cannot fix this valley: small enough for its steep walls is far too small for its floor. "
                "Methods that give each direction its own step are where this lecture goes next."
            )
        ):
            self.play(Indicate(limit_note, color=theme.HIGHLIGHT), run_time=1.2)
