"""Curriculum H and L: the optimizer race — every method on one surface, from one start.

Render: ``gdexplain render race`` or ``manim -ql scenes/race.py Race``;
configure with ``--set surface=… --set optimizers=gd,adam --set lrs=gd=0.1,adam=0.05
--set view=3d|contour --set chart=log``.

A race is a set of core trajectories, one per method, each with its own
learning rate, from the same start (:func:`gdexplain.core.race.run_race`). One
clock drives everything: at tick k every ball stands at its k-th recorded
position, every path shows its first k steps, and the live chart draws every
loss up to step k. A method that leaves the map is drawn up to the edge and
its ball dims there; a method the core stopped as diverged gets a cross
where its path left the picture. At the end, a leaderboard ranks them
(rules in :mod:`gdexplain.core.race`). By default: gradient_descent_viz's five
methods on its saddle-point surface, then on its local-minimum surface.
"""

from __future__ import annotations

import numpy as np
from manim import (
    DEGREES,
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Circle,
    FadeIn,
    FadeOut,
    Line,
    ValueTracker,
    VGroup,
    linear,
)

from gdexplain.core.race import Racer, leaderboard, run_race, story
from gdexplain.scene import ExplainerScene3D
from gdexplain.core.surfaces import Surface, get_surface
from gdexplain.visual import theme
from gdexplain.visual.charts import ClippedPath, LossChart
from gdexplain.visual.contour import ContourMap
from gdexplain.visual.landscape import Landscape3D, ball_3d
from gdexplain.visual.legend import LeaderRow, Leaderboard, Legend
from gdexplain.visual.marks import Ball
from gdexplain.visual.panels import fmt

#: The map's box on the left of the frame (scene units): centre and largest width/height.
MAP_CENTER = np.array([-3.45, -0.35, 0.0])
MAP_BOX = (6.4, 6.4)
#: The right-hand column: its left edge and width; the panels' top and the frame's bottom.
COLUMN_LEFT, COLUMN_WIDTH = 0.35, 6.4
COLUMN_TOP, COLUMN_BOTTOM = 3.55, -3.7
#: Steps shown per second while racing, and the bounds of a race's run time.
STEPS_PER_SECOND = 12.0
RACE_SECONDS = (4.0, 14.0)
#: A ball outside the map is drawn this faint, at the point where it left.
OFF_MAP_OPACITY = 0.3


def map_size(surface: Surface, box: tuple[float, float] = MAP_BOX) -> tuple[float, float]:
    """Width and height of a contour map of ``surface`` that keeps its aspect and fits ``box``."""
    (x0, x1), (y0, y1) = surface.ranges
    aspect = (x1 - x0) / (y1 - y0)
    w, h = box
    return (w, w / aspect) if w / aspect <= h else (h * aspect, h)


def race_end(racers: list[Racer]) -> int:
    """The last tick worth showing: when the slowest method stopped (ran out, converged or diverged)."""
    return max(r.traj.diverged_at if r.traj.diverged_at is not None else r.traj.steps for r in racers)


def race_seconds(end: int) -> float:
    """Run time of the racing animation for ``end`` ticks."""
    lo, hi = RACE_SECONDS
    return float(np.clip(end / STEPS_PER_SECOND, lo, hi))


def ball_state(racer: Racer, path: ClippedPath, k: float) -> tuple[np.ndarray, bool, bool]:
    """Where a racer's ball is drawn at tick ``k`` (a 2-D surface point), whether it is on the map,
    and whether it is crossed out (the core stopped its run as diverged at or before ``k``)."""
    point, inside = path.visible_point(k)
    crossed = racer.traj.diverged_at is not None and k >= racer.traj.diverged_at
    return point, inside, crossed


def leader_rows(racers: list[Racer]) -> list[LeaderRow]:
    """The leaderboard's rows, best first: name, colour, result, final loss (— when diverged)."""
    return [
        LeaderRow(r.title, theme.method_color(r.name), r.result_text(), "—" if r.outcome == "diverged" else fmt(r.final_loss))
        for r in leaderboard(racers)
    ]


def cross(color: str, size: float = 0.17) -> VGroup:
    """An ✕ in a method's colour: a diverged run."""
    d1, d2 = size * (UP + RIGHT), size * (UP + LEFT)
    return VGroup(
        Line(-d1, d1, stroke_color=color, stroke_width=6),
        Line(-d2, d2, stroke_color=color, stroke_width=6),
    )


class Race(ExplainerScene3D):
    """Balls of several optimizers racing on one surface, a live loss chart, and a leaderboard."""

    slug = "race"

    def construct(self) -> None:
        s = self.settings
        races: list[tuple[str, tuple[float, ...] | None]] = [(s["surface"], s["start"])]
        if s["then"] != "none" and s["then"] != s["surface"]:
            races.append((s["then"], None))
        self.three_d = s["view"] == "3d"
        for i, (name, start) in enumerate(races):
            surface = get_surface(name)
            racers = run_race(surface, s["optimizers"], s["lrs"], start, s["steps"], s["tol"])
            self.one_race(i, len(races), surface, racers)

    # --- building the picture -------------------------------------------------------

    def _fixed(self, *mobjects) -> None:
        """Keep panels flat on the screen in the 3-D view.

        Only the camera is told; the panels join the scene when they fade in, after
        the landscape, so the static mesh is never redrawn for a panel's updater.
        """
        if self.three_d:
            self.renderer.camera.add_fixed_in_frame_mobjects(*mobjects)

    def _board(self, surface: Surface, racers: list[Racer]):
        """The surface (map or landscape), and for each racer: path, ball, cross, and how to place them."""
        if self.three_d:
            land = Landscape3D(surface, size=6.0, z_length=2.6)
            theta = -62 * DEGREES
            screen_right = np.array([-np.sin(theta), np.cos(theta), 0.0])
            land.shift(-2.9 * screen_right)
            self.set_camera_orientation(phi=60 * DEGREES, theta=theta, zoom=0.9)
            lift = 0.05
            radius = 0.13

            def to_scene(p):
                return land.point(p) + lift * land.normal(p)

            def ball_at(p):
                return land.ball_center(p, radius)

            base = land
            make_ball = lambda color: ball_3d(radius, color)  # noqa: E731
        else:
            w, h = map_size(surface)
            base = ContourMap(surface, height=h, width=w).move_to(MAP_CENTER)
            to_scene = ball_at = base.c2p
            make_ball = lambda color: Ball(0.11, color)  # noqa: E731
        box = tuple(tuple(r) for r in surface.ranges)
        marks = []
        for r in racers:
            color = theme.method_color(r.name)
            path = ClippedPath(r.traj.positions, to_scene, box, color=color, stroke_width=3.5 if not self.three_d else 4)
            path.set_progress(0)
            ball = make_ball(color).move_to(ball_at(r.traj.positions[0]))
            x = cross(color)
            x.set_opacity(0)
            marks.append((r, path, ball, x))
        return base, to_scene, ball_at, marks

    def _place(self, marks, ball_at, to_scene, k: float) -> None:
        for r, path, ball, x in marks:
            path.set_progress(k)
            point, inside, crossed = ball_state(r, path, k)
            ball.move_to(ball_at(point))
            _set_ball_opacity(ball, 0.0 if crossed else (1.0 if inside else OFF_MAP_OPACITY))
            x.move_to(to_scene(point))
            x.set_opacity(1.0 if crossed else 0.0)

    def _right_column(self, mob, top: float) -> None:
        """Fit ``mob`` in the right column with its top at ``top``."""
        if mob.width > COLUMN_WIDTH:
            mob.scale_to_fit_width(COLUMN_WIDTH)
        mob.next_to(np.array([COLUMN_LEFT, top, 0]), DOWN, buff=0).align_to(np.array([COLUMN_LEFT, 0, 0]), LEFT)

    # --- one race -------------------------------------------------------------------------

    def one_race(self, index: int, total: int, surface: Surface, racers: list[Racer]) -> None:
        s = self.settings
        base, to_scene, ball_at, marks = self._board(surface, racers)
        start = racers[0].traj.positions[0]

        title = theme.label(f"The race · {surface.title}", size=theme.TITLE_SIZE).to_corner(UP + LEFT, buff=0.35)
        legend = Legend([(r.title, theme.method_color(r.name), f"α = {fmt(r.lr)}") for r in racers], columns=1 if len(racers) <= 7 else 2)
        self._right_column(legend, COLUMN_TOP)
        floor = float(surface.value(surface.global_minimum)) if surface.global_minimum is not None else None
        chart = LossChart(
            {r.name: r.traj.losses for r in racers},
            {r.name: theme.method_color(r.name) for r in racers},
            s["steps"],
            log=s["chart"] == "log",
            floor=floor,
            floor_label="the minimum",
            width=5.4,
            height=2.3,
        )
        chart.set_progress(0)
        if chart.width > COLUMN_WIDTH:
            chart.scale_to_fit_width(COLUMN_WIDTH)
        chart.align_to(np.array([0, COLUMN_BOTTOM, 0]), DOWN).align_to(np.array([COLUMN_LEFT + 0.45, 0, 0]), LEFT)

        start_ring = Circle(radius=0.2, stroke_color=theme.TEXT, stroke_width=2.5).move_to(to_scene(start))
        start_text = theme.label("start", size=theme.SMALL_SIZE, color=theme.TEXT).next_to(start_ring, UP + RIGHT, buff=0.05)

        self._fixed(title, legend, chart)
        balls = VGroup(*(b for _, _, b, _ in marks))
        paths = VGroup(*(p for _, p, _, _ in marks))
        crosses = VGroup(*(x for _, _, _, x in marks))

        if index == 0:
            text = (
                f"A race. {_count(len(racers))} {'optimizers' if len(racers) > 1 else 'optimizer'}, one surface, one starting point. "
                "Each ball follows its own method, with its own learning rate."
            )
        else:
            text = f"Same field, new course: {surface.title.lower()}. {surface.description}"
        with self.narrate(text):
            if index > 0:
                # Fade the marks and panels; the old surface is cut, not faded (fading a map is slow).
                old_base, *old_marks = self.mobjects_to_clear
                self.play(*(FadeOut(m) for m in old_marks), run_time=0.8)
                self.remove(old_base, *old_marks)
            # The surface is added once and kept still: fading it is expensive.
            self.add(base)
            self.play(FadeIn(title), run_time=0.8)
            self.add(paths, crosses)
            self.play(FadeIn(start_ring), FadeIn(balls), run_time=0.8)
            if not self.three_d:
                self.play(FadeIn(start_text), run_time=0.4)

        with self.narrate(
            "Each colour is one method. The legend gives its learning rate alpha, and every ball starts from the same spot."
            if index == 0
            else "Same colours as before. The legend lists each learning rate, and all start from this surface's own start."
        ):
            self.play(FadeIn(legend), run_time=0.8)

        with self.narrate(
            "Below it, a chart draws each method's loss against the step number, live. Lower is better."
            if index == 0
            else "The loss chart starts again from step zero."
        ):
            self.play(FadeIn(chart), run_time=0.8)
            chart.set_progress(0)

        end = race_end(racers)
        seconds = race_seconds(end)
        clock = ValueTracker(0.0)

        def follow(_):
            k = clock.get_value()
            self._place(marks, ball_at, to_scene, k)
            chart.set_progress(k)

        # One group in the scene carries the updater, so every path, ball and cross redraws each frame.
        driver = VGroup(paths, crosses, balls)
        self.remove(paths, crosses, balls)
        self.add(driver)
        driver.add_updater(follow)
        chart.add_updater(lambda m: m.set_progress(clock.get_value()))
        split = max(1.0, round(end * 0.35))
        with self.narrate("Go. At every tick, each ball takes one step of its own rule, using only the slope where it stands."):
            if not self.three_d:
                self.play(FadeOut(start_text), run_time=0.3)
            self.play(clock.animate.set_value(split), run_time=seconds * split / end, rate_func=linear)
        with self.narrate(
            "A line that drops early is a fast starter; a flat line is a ball that has stopped, "
            "at the bottom or somewhere worse."
        ):
            self.play(clock.animate.set_value(end), run_time=seconds * (end - split) / end, rate_func=linear)
        driver.clear_updaters()
        chart.clear_updaters()
        self._place(marks, ball_at, to_scene, end)
        chart.set_progress(end)

        board = Leaderboard(leader_rows(racers), title=f"Leaderboard · {len(racers)} methods, {s['steps']} steps max")
        top_space = COLUMN_TOP - (chart.get_top()[1] + 0.25)
        if board.height > top_space:
            board.scale_to_fit_height(top_space)
        self._right_column(board, COLUMN_TOP)
        self._fixed(board)
        lines = story(racers)
        for j, line in enumerate(lines):
            with self.narrate(line):
                if j == 0:
                    self.play(FadeOut(legend), FadeIn(board), run_time=1)
                    self.remove(legend)
        with self.narrate(self._closing(index, total, racers)):
            pass
        self.mobjects_to_clear = [base, title, chart, board, start_ring, driver]

    def _closing(self, index: int, total: int, racers: list[Racer]) -> str:
        board = leaderboard(racers)
        if index + 1 < total:
            return "One race proves little. Let us run them again on a different surface."
        done = [r for r in board if r.outcome == "minimum"]
        if len(done) == len(board):
            return "Here every method got there; the leaderboard says how fast."
        return "No method wins everywhere: speed, stored momentum and a stride per axis each help on some surfaces and hurt on others."


def _set_ball_opacity(ball, opacity: float) -> None:
    """Dim a ball (a 2-D :class:`Ball`: disc and highlight, or a 3-D sphere) without changing its look."""
    if isinstance(ball, Ball):
        ball[0].set_fill(opacity=opacity).set_stroke(opacity=opacity)
        ball[1].set_fill(opacity=0.55 * opacity)
    else:
        ball.set_fill(opacity=opacity)


def _count(n: int) -> str:
    words = ("One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten", "Eleven", "Twelve", "Thirteen", "Fourteen")
    return words[n - 1] if 1 <= n <= len(words) else str(n)
