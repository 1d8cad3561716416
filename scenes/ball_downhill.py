"""Curriculum A: why descend, and how — a ball that only feels the slope under it.

Render: ``gdexplain render ball-downhill`` or
``manim -ql scenes/ball_downhill.py BallDownhill``.

Three views of one idea. On the 3-D landscape the ball feels the slope,
the gradient points uphill and the step goes the other way; from above the
same steps become exact vectors next to θ ← θ − α∇L(θ) and its live
values; on a 1-D curve the slope is one number whose sign picks the
direction. Every position and number comes from a core trajectory.
"""

from __future__ import annotations

import numpy as np
from manim import (
    DEGREES,
    DOWN,
    OUT,
    Dot,
    LEFT,
    RIGHT,
    UP,
    UR,
    Create,
    FadeIn,
    FadeOut,
    Group,
    GrowArrow,
    MoveAlongPath,
    VGroup,
    VMobject,
)

from gdexplain.core.optimizers import make_optimizer
from gdexplain.i18n import tr
from gdexplain.scene import ExplainerScene3D
from gdexplain.core.surfaces import get_surface
from gdexplain.core.trajectory import Trajectory, run
from gdexplain.visual import theme
from gdexplain.visual.contour import ContourMap
from gdexplain.visual.curve import LossCurve
from gdexplain.visual.landscape import Landscape3D, ball_3d
from gdexplain.visual.marks import Ball, PathTrail, ScaleNote, arrow_scale, label_arrow, vector_arrow
from gdexplain.visual.panels import FormulaPanel, Readout, fmt, fmt_vector

#: The update rule, with its terms named so they can be lit as the picture shows them.
UPDATE_RULE = "{{ theta : pos }} <- {{ theta : pos2 }} - {{ alpha : lr }} {{ nabla L(theta) : grad }}"
SLOW_STEPS = 3
#: Why the step goes against the gradient: the first-order change of the loss.
WHY_AGAINST = (
    "nabla L = ((partial L)/(partial x), (partial L)/(partial y)) \\ "
    "d L approx nabla L dot d theta = |nabla L| |d theta| cos phi"
)
#: Centre of the column of panels to the right of the map.
RIGHT_COLUMN_X = 3.55


class BallDownhill(ExplainerScene3D):
    """A ball on a loss surface, the gradient at the ball, and steps against it."""

    slug = "ball-downhill"

    def construct(self) -> None:
        s = self.settings
        surface = get_surface(s["surface"])
        self.traj = run(make_optimizer("gd", lr=s["lr"]), surface, s["start"], s["steps"])
        self.landscape_part()
        self.top_down_part()
        self.one_dimension_part()

    # --- 1. the landscape ---------------------------------------------------------

    def landscape_part(self) -> None:
        traj = self.traj
        pos = traj.positions
        land = Landscape3D(traj.surface)
        self.set_camera_orientation(phi=56 * DEGREES, theta=-50 * DEGREES, zoom=1.1, frame_center=0.5 * OUT)
        title = theme.label(tr("Rolling downhill"), size=theme.TITLE_SIZE).to_corner(UP + LEFT, buff=0.4)
        self.add_fixed_in_frame_mobjects(title)
        self.add(title)  # on screen from the first frame, so the video never opens on an empty frame

        with self.narrate(
            tr(
                "Training a model means making its loss small. With two parameters, the loss is a landscape: "
                "every point on the floor is a choice of parameters, and the height is how wrong the model is."
            )
        ):
            self.play(FadeIn(land), run_time=1)

        radius = 0.17
        ball = ball_3d(radius).move_to(land.ball_center(pos[0], radius))
        with self.narrate(
            tr(
                "We can spot the lowest point at a glance. The algorithm cannot. "
                "It stands at one spot, in the dark, and sees nothing of the landscape."
            )
        ):
            self.play(FadeIn(ball, shift=0.6 * DOWN), run_time=1)

        at = land.ball_center(pos[0], radius)
        up = vector_arrow(at, at - land.downhill(pos[0], 1.2), theme.GRADIENT)
        down = vector_arrow(at, at + land.downhill(pos[0], 1.2), theme.STEP)
        key = VGroup(
            theme.label(tr("gradient: uphill"), size=theme.SMALL_SIZE, color=theme.GRADIENT),
            theme.label(tr("step: downhill"), size=theme.SMALL_SIZE, color=theme.STEP),
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.12).to_corner(UR, buff=0.4)
        self.add_fixed_in_frame_mobjects(key)
        key.set_opacity(0)
        with self.narrate(
            tr(
                "All it can feel is the slope under its feet. That slope has a direction, "
                "the way straight up, and a size, how steep. Together they are the gradient."
            )
        ):
            self.play(Create(up), key[0].animate.set_opacity(1), run_time=1.5)
        with self.narrate(tr("So the ball does the one sensible thing: it takes a step the opposite way, downhill.")):
            self.play(Create(down), key[1].animate.set_opacity(1), run_time=1.5)

        path3d = VGroup()
        for k in range(SLOW_STEPS):
            seg = land.path_on_surface(pos[k : k + 2])
            text = (
                tr("Step, then feel the slope again from the new spot."),
                tr("Step again, and feel again."),
                tr("Where the ground is flatter, the gradient is smaller, and so is the step."),
            )[k]
            with self.narrate(text):
                if k == 0:
                    self.play(FadeOut(up), FadeOut(down), run_time=0.4)
                self.play(Create(seg), MoveAlongPath(ball, _lifted(seg, radius)), run_time=1.2)
            path3d.add(seg)

        rest = land.path_on_surface(pos[SLOW_STEPS:])
        with self.narrate(
            tr(
                "Repeat that {steps} times, and the ball walks all the way to the bottom of the valley, "
                "using nothing but the slope where it stood.",
                steps=traj.steps,
            )
        ):
            self.play(Create(rest), MoveAlongPath(ball, _lifted(rest, radius)), run_time=3)
        path3d.add(rest)

        with self.narrate(tr("Now let us look from straight above, where the steps can be measured.")):
            self.play(FadeOut(key), run_time=0.5)
            self.move_camera(phi=0, theta=-90 * DEGREES, zoom=1.0, run_time=2.5)
        self.landscape_mobjects = (land, VGroup(ball, path3d), title)

    # --- 2. from above: exact vectors and the update rule -----------------------------

    def top_down_part(self) -> None:
        traj = self.traj
        pos, grads = traj.positions, traj.gradients
        land, ball_and_path, title = self.landscape_mobjects
        cmap = ContourMap(traj.surface, height=land.axes.y_length, width=land.axes.x_length)
        centre = np.mean(traj.surface.ranges, axis=1)
        cmap.shift(land.axes.c2p(*centre, land.z_min) * np.array([1, 1, 0]) - cmap.c2p(centre))  # the map lies under the landscape
        ball = Ball().move_to(cmap.c2p(pos[-1]))
        trail = PathTrail([cmap.c2p(p) for p in pos])
        with self.narrate(
            tr(
                "From above, height becomes colour: dark is low, bright is high. "
                "The thin lines join points of equal loss, like contour lines on a hiking map."
            )
        ):
            self.play(FadeIn(cmap), FadeIn(trail), FadeIn(ball), FadeOut(land), FadeOut(ball_and_path), run_time=1)
            self.remove(land, ball_and_path)
            # Make room on the right for the formula and the numbers.
            map_and_marks = Group(cmap, trail, ball)
            # 5.9 units tall: room below for the tick numbers and the scale note.
            self.play(map_and_marks.animate.scale(5.9 / cmap.axes.y_length).to_edge(LEFT, buff=0.55).shift(0.2 * DOWN), run_time=1.2)

        right_column = RIGHT_COLUMN_X * RIGHT
        rule = FormulaPanel(UPDATE_RULE, font_size=44).move_to(right_column + 2.3 * UP)
        with self.narrate(tr("The whole method fits in one line. The new position is the old one, minus alpha times the gradient.")):
            self.play(FadeIn(rule), run_time=1.2)
            # Replay the first steps slowly, with exact arrows and live numbers.
            self.play(FadeOut(trail), ball.animate.move_to(cmap.c2p(pos[0])), run_time=1)
        unit = cmap.axes.x_axis.get_unit_size()
        scale = arrow_scale([np.linalg.norm(g) * unit for g in grads[:SLOW_STEPS]], want=1.0)
        note = ScaleNote(scale, tr("gradient arrow")).next_to(cmap, DOWN, buff=0.15).align_to(cmap, LEFT)
        lr = float(traj.quantity("lr")[1])
        readout = self._readout(0, lr).next_to(rule, DOWN, buff=0.4)

        beats = (
            (tr("At the ball, the gradient is a vector on the map. It points the way the loss rises fastest."), "grad"),
            (
                tr(
                    "Multiply it by alpha, the learning rate, and flip its sign. That arrow is the step, "
                    "and it lands exactly on the next point."
                ),
                "lr",
            ),
            (
                tr(
                    "Why against the gradient? The change in loss is the gradient dotted with the step, "
                    "and that is most negative when the step points straight against it."
                ),
                "pos",
            ),
        )
        why = FormulaPanel(WHY_AGAINST, font_size=30).next_to(readout, DOWN, buff=0.4)
        steps_trail = VGroup()
        for k in range(SLOW_STEPS):
            here, nxt = cmap.c2p(pos[k]), cmap.c2p(pos[k + 1])
            g_arrow = vector_arrow(here, here + scale * unit * np.array([*grads[k], 0]), theme.GRADIENT)
            g_label = label_arrow(g_arrow, theme.label("∇L", size=theme.LABEL_SIZE, color=theme.GRADIENT), side=1)
            s_arrow = vector_arrow(here, nxt, theme.STEP)
            s_label = label_arrow(s_arrow, theme.label("−α∇L", size=theme.LABEL_SIZE, color=theme.STEP), side=-1)
            text, lit = beats[k]
            with self.narrate(text):
                if k == 0:
                    self.play(FadeIn(readout), run_time=0.6)
                if lit == "pos":
                    self.play(FadeIn(why), run_time=0.8)
                self.play(GrowArrow(g_arrow), FadeIn(g_label), rule.light({"grad": theme.GRADIENT}),
                          run_time=1.2)
                if k == 0:
                    self.play(FadeIn(note), run_time=0.4)
                self.play(GrowArrow(s_arrow), FadeIn(s_label),
                          rule.light({"grad": theme.GRADIENT, "lr": theme.STEP, **({"pos": theme.BALL, "pos2": theme.BALL} if lit == "pos" else {})}),
                          run_time=1.2)
                seg = trail.segment(here, nxt)
                self.play(ball.animate.move_to(nxt), Create(seg), run_time=1.2)
                readout.become(self._readout(k + 1, lr).placed_like(readout))
                steps_trail.add(seg)
                self.play(FadeOut(VGroup(g_arrow, g_label, s_arrow, s_label)), run_time=0.4)

        with self.narrate(tr("After that it is the same line again and again, until the gradient all but vanishes at the bottom.")):
            rest = PathTrail([cmap.c2p(p) for p in pos[SLOW_STEPS:]])
            self.play(Create(rest), ball.animate.move_to(cmap.c2p(pos[-1])), rule.light({}), FadeOut(note), FadeOut(why), run_time=2.5)
            readout.become(self._readout(traj.steps, lr).placed_like(readout))
        self.map_marks = Group(cmap, rest, steps_trail, ball, readout)
        self.rule = rule

    def _readout(self, k: int, lr: float) -> Readout:
        traj = self.traj
        g = traj.gradients[k]
        rows = [
            (tr("step", context="read-out"), f"{k}"),
            ("θ", fmt_vector(traj.positions[k])),
            (tr("loss"), fmt(traj.losses[k])),
            ("∇L(θ)", fmt_vector(g)),
            ("α", fmt(lr)),
            ("−α∇L", fmt_vector(-lr * g)),
        ]
        colors = {"∇L(θ)": theme.GRADIENT, "−α∇L": theme.STEP, "α": theme.STEP, "θ": theme.BALL}
        return Readout(rows, colors=colors, min_width=4.6)

    # --- 3. the same in one dimension -------------------------------------------------

    def one_dimension_part(self) -> None:
        s = self.settings
        curve_surface = get_surface("double-well")
        traj: Trajectory = run(make_optimizer("gd", lr=s["curve_lr"]), curve_surface, (s["curve_start"],), 20)
        xs = traj.positions[:, 0]
        curve = LossCurve(curve_surface, width=8.0, height=4.2).to_edge(DOWN, buff=0.6).shift(1.4 * LEFT)
        radius = 0.13
        ball = Ball(radius).move_to(curve.ball_center(xs[0], radius))
        with self.narrate(tr("With one parameter the landscape is a curve, and the gradient is a single number: the slope.")):
            self.play(FadeOut(self.map_marks), run_time=0.8)
            self.play(self.rule.animate.to_corner(UR, buff=0.45), Create(curve), run_time=1.5)
            self.play(FadeIn(ball, shift=0.4 * DOWN), run_time=0.6)

        readout = self._curve_readout(traj, 0).to_corner(UR, buff=0.45).shift(1.5 * DOWN)
        tangent = curve.tangent(xs[0], 2.2)
        with self.narrate(
            tr(
                "A positive slope means the loss rises to the right, so the step goes left. "
                "A negative slope sends it right. The sign picks the direction, the size sets the stride."
            )
        ):
            self.play(Create(tangent), FadeIn(readout), run_time=1.2)
            for k in range(3):
                self.play(
                    ball.animate.move_to(curve.ball_center(xs[k + 1], radius)),
                    tangent.animate.become(curve.tangent(xs[k + 1], 2.2)),
                    run_time=0.9,
                )
                readout.become(self._curve_readout(traj, k + 1).placed_like(readout))
        with self.narrate(
            tr(
                "It settles where the slope is zero. But look: there is a deeper valley to the left that it will never see. "
                "Plain descent stops in the first dip it finds."
            )
        ):
            for k in range(3, traj.steps):
                self.play(
                    ball.animate.move_to(curve.ball_center(xs[k + 1], radius)),
                    tangent.animate.become(curve.tangent(xs[k + 1], 2.2)),
                    run_time=0.2,
                )
                readout.become(self._curve_readout(traj, k + 1).placed_like(readout))
            deep = curve_surface.global_minimum
            spot = Dot(curve.point(deep[0]), radius=0.07, color=theme.MUTED)
            marker = VGroup(spot, theme.label(tr("deeper minimum"), size=theme.SMALL_SIZE, color=theme.MUTED).next_to(spot, DOWN, buff=0.15))
            self.play(FadeIn(marker), run_time=0.8)
        with self.narrate(tr("Getting out of such dips is what momentum is for. That is the next idea.")):
            pass  # the scene ends on the ball resting in the shallow dip, the deeper minimum marked

    def _curve_readout(self, traj: Trajectory, k: int) -> Readout:
        lr = float(traj.quantity("lr")[1])
        slope = float(traj.gradients[k][0])
        slope_name, step_name = tr("slope"), tr("−α·slope")
        rows = [
            (tr("step", context="read-out"), str(k)),
            ("x", fmt(traj.positions[k][0])),
            (slope_name, fmt(slope)),
            (step_name, fmt(-lr * slope)),
        ]
        return Readout(rows, colors={slope_name: theme.GRADIENT, step_name: theme.STEP}, min_width=3.6)


def _lifted(path: VMobject, radius: float) -> VMobject:
    """The path of the ball's centre: the drawn path raised by the ball's radius."""
    return path.copy().shift(radius * np.array([0, 0, 1.0]))

