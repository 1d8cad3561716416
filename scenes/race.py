"""Curriculum H and L: the optimizer race — every method on one surface, from one start.

Render: ``gdexplain render race`` or ``manim -ql scenes/race.py Race``;
configure with ``--set surface=… --set optimizers=gd,adam --set lrs=gd=0.1,adam=0.05
--set view=3d|contour --set chart=log --set overlays=gradient,momentum,squares``.

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
    VGroup,
)

from gdexplain.core.race import Outcome, Racer, leaderboard, run_race, story
from gdexplain.core.surfaces import Surface, get_surface
from gdexplain import i18n
from gdexplain.i18n import N_, tr, trn
from gdexplain.scene import ExplainerScene3D
from gdexplain.visual import theme
from gdexplain.visual.charts import Chart
from gdexplain.visual.framing import framed_map, map_view
from gdexplain.visual.landscape import Landscape3D, ball_3d
from gdexplain.visual.legend import LeaderRow, Leaderboard, Legend
from gdexplain.visual.map_race import SQUARE_CAP, Lane, MapRace
from gdexplain.visual.marks import ScaleNote
from gdexplain.visual.squares import SquareScaleNote
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


def race_seconds(end: int) -> float:
    """Run time of the racing animation for ``end`` ticks."""
    lo, hi = RACE_SECONDS
    return float(np.clip(end / STEPS_PER_SECOND, lo, hi))


def lanes_of(racers: list[Racer]) -> list[Lane]:
    """One lane per racer, in its registered colour and short name."""
    return [Lane.of(r.name, r.traj) for r in racers]


def leader_rows(racers: list[Racer]) -> list[LeaderRow]:
    """The leaderboard's rows, best first: name, colour, result, final loss (— when diverged); failures dimmed."""
    return [
        LeaderRow(r.title, theme.method_color(r.name), r.result_text(),
                  "—" if r.outcome is Outcome.DIVERGED else fmt(r.final_loss), dim=r.outcome.failed)
        for r in leaderboard(racers)
    ]


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

    def _board(self, surface: Surface, racers: list[Racer]) -> tuple:
        """The surface (map or landscape), the race drawn on it, and the surface → scene mapping."""
        lanes = lanes_of(racers)
        if self.three_d:
            land = Landscape3D(surface, size=6.0, z_length=2.6)
            theta = -62 * DEGREES
            screen_right = np.array([-np.sin(theta), np.cos(theta), 0.0])
            land.shift(-2.9 * screen_right)
            self.set_camera_orientation(phi=60 * DEGREES, theta=theta, zoom=0.9)
            radius = 0.13

            def to_scene(p):
                return land.point(p) + 0.05 * land.normal(p)

            race = MapRace(lanes, to_scene, surface.ranges, ball_at=lambda p: land.ball_center(p, radius),
                           make_ball=lambda color, _: ball_3d(radius, color), stroke_width=4)
            return land, race, to_scene
        overlays = self.settings["overlays"]
        box = (MAP_BOX[0], MAP_BOX[1] - (0.6 if overlays else 0.0))  # room under the map for the stated scales
        base = framed_map(surface, map_view(surface), box).move_to(MAP_CENTER + (0.15 * UP if overlays else 0))
        return base, MapRace.on_map(base, lanes, stroke_width=3.5, overlays=overlays), base.c2p

    def _overlay_note(self, race: MapRace, base) -> VGroup:
        """The stated scales of the overlays, under the map (empty without overlays)."""
        note = VGroup()
        if any(o != "squares" for o in race.overlays):
            note.add(ScaleNote(race.arrow_factor, size=16))
        if "squares" in race.overlays and race.square_scale is not None:
            note.add(SquareScaleNote(race.square_scale, tr("s or v", context="scale note"), SQUARE_CAP, size=16))
        if len(note):
            note.arrange(DOWN, buff=0.06, aligned_edge=LEFT)
            note.scale_to_fit_height(min(note.height, 0.62))
            note.next_to(base, DOWN, buff=0.1).align_to(base, LEFT)
        return note

    def _right_column(self, mob, top: float) -> None:
        """Fit ``mob`` in the right column with its top at ``top``."""
        if mob.width > COLUMN_WIDTH:
            mob.scale_to_fit_width(COLUMN_WIDTH)
        mob.next_to(np.array([COLUMN_LEFT, top, 0]), DOWN, buff=0).align_to(np.array([COLUMN_LEFT, 0, 0]), LEFT)

    # --- one race -------------------------------------------------------------------------

    def one_race(self, index: int, total: int, surface: Surface, racers: list[Racer]) -> None:
        s = self.settings
        base, race, to_scene = self._board(surface, racers)
        start = racers[0].traj.positions[0]

        title = theme.label(tr("The race · {surface}", surface=tr(surface.title)), size=theme.TITLE_SIZE).to_corner(UP + LEFT, buff=0.35)
        legend = Legend([(lane.label, lane.color, f"α = {fmt(r.lr)}") for lane, r in zip(race.lanes, racers)],
                        columns=1 if len(racers) <= 7 else 2)
        self._right_column(legend, COLUMN_TOP)
        floor = float(surface.value(surface.global_minimum)) if surface.global_minimum is not None else None
        chart = Chart(
            {r.name: r.traj.losses for r in racers},
            {r.name: lane.color for r, lane in zip(racers, race.lanes)},
            s["steps"],
            log=s["chart"] == "log",
            floor=floor,
            floor_label=tr("the minimum", context="chart floor"),
            width=5.4,
            height=2.3,
            state_scale=True,
        )
        chart.set_progress(0)
        if chart.width > COLUMN_WIDTH:
            chart.scale_to_fit_width(COLUMN_WIDTH)
        chart.align_to(np.array([0, COLUMN_BOTTOM, 0]), DOWN).align_to(np.array([COLUMN_LEFT + 0.45, 0, 0]), LEFT)

        start_ring = Circle(radius=0.2, stroke_color=theme.TEXT, stroke_width=2.5).move_to(to_scene(start))
        start_text = theme.label(tr("start", context="map mark"), size=theme.SMALL_SIZE, color=theme.TEXT).next_to(start_ring, UP + RIGHT, buff=0.05)

        overlay_note = self._overlay_note(race, base)
        self._fixed(title, legend, chart)

        if index == 0:
            text = trn(
                "A race. {count} optimizer, one surface, one starting point. Each ball follows its own method, with its own learning rate.",
                "A race. {count} optimizers, one surface, one starting point. Each ball follows its own method, with its own learning rate.",
                len(racers), count=_count(len(racers)),
            )
        else:
            name = tr(surface.title)
            text = tr("Same field, new course: {surface}. {description}", surface=name if i18n.is_cjk() else name.lower(),
                      description=tr(surface.description))
        with self.narrate(text):
            if index > 0:
                # Fade the marks and panels; the old surface is cut, not faded (fading a map is slow).
                old_base, *old_marks = self.mobjects_to_clear
                self.play(*(FadeOut(m) for m in old_marks), run_time=0.8)
                self.remove(old_base, *old_marks)
            # The surface is added once and kept still: fading it is expensive.
            self.add(base)
            self.play(FadeIn(title), run_time=0.8)
            self.add(race.paths, race.crosses)
            self.play(FadeIn(start_ring), FadeIn(race.balls), FadeIn(overlay_note), run_time=0.8)
            if not self.three_d:
                self.play(FadeIn(start_text), run_time=0.4)

        with self.narrate(
            tr("Each colour is one method. The legend gives its learning rate alpha, and every ball starts from the same spot.")
            if index == 0
            else tr("Same colours as before. The legend lists each learning rate, and all start from this surface's own start.")
        ):
            self.play(FadeIn(legend), run_time=0.8)

        with self.narrate(
            tr("Below it, a chart draws each method's loss against the step number, live. Lower is better.")
            if index == 0
            else tr("The loss chart starts again from step zero.")
        ):
            self.play(FadeIn(chart), run_time=0.8)
            chart.set_progress(0)

        end = race.end
        seconds = race_seconds(end)
        # The race carries the clock; the chart follows it, so both redraw every frame.
        self.remove(race.paths, race.crosses, race.balls)
        self.add(race)
        chart.add_updater(lambda m: m.set_progress(race.progress))
        split = max(1.0, round(end * 0.35))
        with self.narrate(tr("Go. At every tick, each ball takes one step of its own rule, using only the slope where it stands.")):
            if not self.three_d:
                self.play(FadeOut(start_text), run_time=0.3)
            self.play(race.advance(0, split), run_time=seconds * split / end)
        with self.narrate(tr(
            "A line that drops early is a fast starter; a flat line is a ball that has stopped, "
            "at the bottom or somewhere worse."
        )):
            self.play(race.advance(split, end), run_time=seconds * (end - split) / end)
        chart.clear_updaters()
        race.set_progress(end)
        chart.set_progress(end)

        board = Leaderboard(leader_rows(racers), title=tr("Leaderboard · {n} methods, {steps} steps max", n=len(racers), steps=s['steps']))
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
        self.mobjects_to_clear = [base, title, chart, board, start_ring, race, overlay_note]

    def _closing(self, index: int, total: int, racers: list[Racer]) -> str:
        board = leaderboard(racers)
        if index + 1 < total:
            return tr("One race proves little. Let us run them again on a different surface.")
        done = [r for r in board if r.outcome is Outcome.MINIMUM]
        if len(done) == len(board):
            return tr("Here every method got there; the leaderboard says how fast.")
        return tr("No method wins everywhere: speed, stored momentum and a stride per axis each help on some surfaces and hurt on others.")


#: How many methods race, as the first narrated sentence says it (translated with tr).
COUNT_WORDS = (N_("One"), N_("Two"), N_("Three"), N_("Four"), N_("Five"), N_("Six"), N_("Seven"), N_("Eight"), N_("Nine"),
               N_("Ten"), N_("Eleven"), N_("Twelve"), N_("Thirteen"), N_("Fourteen"))


def _count(n: int) -> str:
    return tr(COUNT_WORDS[n - 1]) if 1 <= n <= len(COUNT_WORDS) else str(n)
