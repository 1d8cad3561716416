"""Curriculum C: how big a step? Four learning rates, then "stuck or bouncing?".

Render: ``gdexplain render learning-rate`` or
``manim -ql scenes/learning_rate.py LearningRate``.

Part one: plain gradient descent from one start in one valley with four
learning rates, one small map each, and their losses on one log chart. Each
run is labelled from :func:`gdexplain.core.diagnosis.diagnose` — crawling,
settled, zig-zagging, diverged — so the labels and the narration follow the
runs, whatever ``--set`` makes of them. A run that diverges leaves its map at
the edge and is crossed out at the step the core stopped it; its loss line
leaves the chart at the top.

Part two: two runs whose loss has stopped falling — one settled on a critical
point, one bouncing between the walls of a pit — with a loss chart that cannot
tell them apart and a gradient-norm chart that can. It closes on why one α
cannot serve a steep and a flat direction at once (the topic of
``one-learning-rate``).
"""

from __future__ import annotations

from manim import DOWN, LEFT, RIGHT, UL, UP, Circle, Dot, FadeIn, FadeOut, Group, Indicate, ValueTracker, VGroup, linear

from gdexplain.catalog import get_entry
from gdexplain.core.diagnosis import Diagnosis, diagnose
from gdexplain.core.optimizers import make_optimizer
from gdexplain.core.race import nearest_minimum
from gdexplain.core.surfaces import Surface, get_surface
from gdexplain.core.trajectory import Trajectory, run
from gdexplain.scene import ExplainerScene
from gdexplain.visual import theme
from gdexplain.visual.charts import Chart
from gdexplain.visual.contour import ContourMap
from gdexplain.visual.map_race import Lane, MapRace
from gdexplain.visual.panels import fmt, panel_behind, spoken

#: The four runs of part one, in order: settings key, role (what the lecturer meant the rate to be), colour.
RATES = (
    ("lr_small", "too small", "#48DBFB"),
    ("lr_good", "good", "#3DDC97"),
    ("lr_large", "too large", "#F4A259"),
    ("lr_huge", "much too large", "#FF6B6B"),
)
#: Part two's runs: the one that settles and the one that bounces.
STUCK_COLOR, BOUNCE_COLOR = "#3DDC97", "#F4A259"
#: What each verdict is called under a map.
VERDICT_TEXT = {
    "crawling": "smooth, still on its way",
    "settled": "settled at step {at}",
    "zig-zagging": "zig-zags across the valley",
    "bouncing": "bounces, never settles",
    "off the map": "ran off the map",
    "diverged": "diverged at step {at}",
}
#: Seconds of animation per step in the races.
SECONDS_PER_STEP = 0.16


def verdict_text(d: Diagnosis) -> str:
    """The label under a run's map."""
    return VERDICT_TEXT[d.kind].format(at=d.at)


def spoken_point(p) -> str:
    """``minus 6 and minus 8``."""
    return " and ".join(spoken(c) for c in p)


def lane_sentence(lr: float, d: Diagnosis, tol: float) -> str:
    """What the narration says about one run of part one, from its diagnosis."""
    a = spoken(lr)
    if d.kind == "crawling":
        return (
            f"Alpha {a}: every step is short, and the path is smooth. "
            f"But after {d.steps} steps the loss is still {spoken(d.final_loss)}: it has a long way to go."
        )
    if d.kind == "settled":
        return (
            f"Alpha {a}: the ball drops into the valley and runs along its floor to the bottom. "
            f"From step {d.at} on, the gradient is smaller than {spoken(tol)}: it has settled."
        )
    if d.kind == "zig-zagging":
        return (
            f"Alpha {a}: every step overshoots the floor of the valley and lands on the other wall. "
            f"{d.reversals} of {d.steps} steps reverse the one before, and the loss falls, but slowly."
        )
    if d.kind == "off the map":
        return f"Alpha {a}: the ball runs downhill off the edge of the map, and the loss keeps falling: this surface has no bottom there."
    if d.kind == "bouncing":
        return (
            f"Alpha {a}: the ball swings from wall to wall and never settles. "
            f"After {d.steps} steps the gradient is still {spoken(d.final_grad_norm)}."
        )
    return (
        f"Alpha {a}: each overshoot is bigger than the last. The ball leaves the map, the loss explodes, "
        f"and the run is stopped as diverged at step {d.at}."
    )


def critical_point_words(surface: Surface, point) -> str:
    """``the lowest point`` / ``a local minimum, not the lowest`` / ``a critical point``: where a settled run stands."""
    near = nearest_minimum(surface, point)
    if near is None:
        return "a critical point, where the slope vanishes"
    best = float(surface.value(surface.global_minimum))
    if float(surface.value(near)) <= best + 1e-6 * (1.0 + abs(best)):
        return "the lowest point"
    return "a local minimum, not the lowest point"


def minimum_mark(cmap: ContourMap) -> VGroup:
    """A small white ring with a dot at the surface's lowest known point."""
    at = cmap.c2p(cmap.surface.global_minimum)
    return VGroup(Circle(radius=0.09, stroke_color=theme.TEXT, stroke_width=2).move_to(at), Dot(at, radius=0.025, color=theme.TEXT))


def lane_on(cmap: ContourMap, traj: Trajectory, color: str, radius: float = 0.09) -> MapRace:
    """One run on its own map: path cut at the map's edge, ball, and a cross if the core stops it as diverged."""
    return MapRace.on_map(cmap, [Lane(f"α = {fmt(traj.optimizer.lr)}", color, traj, radius=radius)], stroke_width=2.5)


class LearningRate(ExplainerScene):
    """Four learning rates in one valley; then a settled run and a bouncing one told apart."""

    slug = "learning-rate"

    def construct(self) -> None:
        s = self.settings
        self.four_rates(s)
        self.stuck_or_bouncing(s)

    # --- part one -----------------------------------------------------------------------

    def rate_runs(self, s) -> list[tuple[str, str, float, Trajectory, Diagnosis]]:
        """The four runs of part one: (role, colour, α, trajectory, diagnosis)."""
        surface = get_surface(s["surface"])
        out = []
        for key, role, color in RATES:
            traj = run(make_optimizer("gd", lr=s[key]), surface, s["start"], s["steps"])
            out.append((role, color, float(s[key]), traj, diagnose(traj, s["tol"])))
        return out

    def four_rates(self, s) -> None:
        surface = get_surface(s["surface"])
        runs = self.rate_runs(s)
        self.runs = runs
        title = theme.label(f"How big a step? · {surface.title}", size=theme.TITLE_SIZE).to_corner(UL, buff=0.35)

        (x0, x1), (y0, y1) = surface.ranges
        side = 2.7
        maps = [ContourMap(surface, height=side, width=side * (x1 - x0) / (y1 - y0), levels=10, show_numbers=False) for _ in runs]
        row = Group(*maps).arrange(RIGHT, buff=0.55).move_to([0.0, 1.2, 0])
        extent = theme.label(
            f"each map: {surface.coords[0]} from {fmt(x0)} to {fmt(x1)}, {surface.coords[1]} from {fmt(y0)} to {fmt(y1)}",
            size=16, color=theme.MUTED,
        ).to_corner(UP + RIGHT, buff=0.4)
        headers = VGroup(
            *(
                theme.label(f"α = {fmt(lr)}", size=theme.BODY_SIZE, color=color).next_to(m, UP, buff=0.12)
                for (_, color, lr, _, _), m in zip(runs, maps)
            )
        )
        lanes = [lane_on(m, traj, color) for m, (_, color, _, traj, _) in zip(maps, runs)]
        self.lanes = lanes
        bottoms = VGroup(*(minimum_mark(m) for m in maps if surface.global_minimum is not None))
        start = runs[0][3].positions[0]
        floor = float(surface.value(surface.global_minimum)) if surface.global_minimum is not None else None
        n = s["steps"]
        chart = Chart(
            {role: traj.losses for role, _, _, traj, _ in runs},
            {role: color for role, color, _, _, _ in runs},
            n,
            log=True,
            floor=floor,
            floor_label="the minimum",
            width=11.4,
            height=1.75,
        )
        chart.set_progress(0)
        chart.next_to(row, DOWN, buff=0.85).align_to(maps[0], LEFT)
        self.chart1 = chart

        with self.narrate(
            f"One valley, one starting point at {spoken_point(start)}, and plain gradient descent four times. "
            "The only thing that changes is the learning rate alpha, the length of each step."
        ):
            self.add(*maps, bottoms)
            self.play(FadeIn(title), FadeIn(headers), FadeIn(extent), run_time=0.8)
            self.add(*lanes)
            self.play(*(FadeIn(l.balls) for l in lanes), run_time=0.6)
        with self.narrate("Below, each run's loss on a log scale, so that a thousandfold drop is as easy to read as a tenfold one."):
            self.play(FadeIn(chart), run_time=0.8)
            chart.set_progress(0)

        end = max(traj.diverged_at if traj.diverged_at is not None else traj.steps for _, _, _, traj, _ in runs)
        split = max(1, round(0.4 * end))
        self.race(
            lanes,
            [chart],
            [
                ("Go. Every ball takes one step per tick, each with its own alpha.", split),
                ("Watch how differently the same rule behaves with four step lengths.", end),
            ],
        )
        driver = VGroup(*lanes)

        verdicts = VGroup()
        for lane, m, (role, color, lr, traj, d) in zip(lanes, maps, runs):
            v = theme.label(verdict_text(d), size=theme.SMALL_SIZE, color=color)
            v.next_to(m, DOWN, buff=0.15)
            if v.width > m.width + 0.5:
                v.scale_to_fit_width(m.width + 0.5)
            verdicts.add(v)
            with self.narrate(lane_sentence(lr, d, s["tol"])):
                self.play(FadeIn(v), Indicate(headers[len(verdicts) - 1], color=color, scale_factor=1.15), run_time=1.0)
        self.part_one = Group(title, extent, *maps, bottoms, headers, driver, chart, verdicts)
        with self.narrate(self.part_one_moral(runs)):
            pass

    def race(self, lanes: list[MapRace], charts: list[Chart], legs: list[tuple[str, float]]) -> None:
        """Move every map and chart on one clock from step 0, one narrated beat per leg ``(words, last step)``."""
        clock = ValueTracker(0.0)
        driver = VGroup(*lanes)

        def follow(_) -> None:
            k = clock.get_value()
            for l in lanes:
                l.set_progress(k)

        # Every moving picture carries its own updater: Manim redraws only mobjects that have one.
        driver.add_updater(follow)
        for c in charts:
            c.add_updater(lambda m: m.set_progress(clock.get_value()))
        self.add(driver)
        for words, k in legs:
            with self.narrate(words):
                steps = k - clock.get_value()
                self.play(clock.animate.set_value(k), run_time=max(1.0, SECONDS_PER_STEP * steps), rate_func=linear)
        for m in (driver, *charts):
            m.clear_updaters()
        follow(None)
        for c in charts:
            c.set_progress(clock.get_value())

    @staticmethod
    def part_one_moral(runs) -> str:
        """The sentence closing part one, from the verdicts."""
        kinds = {d.kind for *_, d in runs}
        settled = [lr for _, _, lr, _, d in runs if d.kind == "settled"]
        if settled:
            best = ", ".join(spoken(a) for a in settled)
            return (
                f"Too short and the run crawls; too long and it overshoots, or blows up. Here only alpha {best} "
                "reached the bottom in the steps we gave it."
            )
        if kinds == {"diverged"}:
            return "All four rates are too large for this valley: every run blew up."
        return "None of the four rates reached the bottom in the steps we gave it: the right step length depends on the valley."

    # --- part two -----------------------------------------------------------------------

    def stuck_or_bouncing(self, s) -> None:
        surface = get_surface(s["stuck_surface"])
        n = s["stuck_steps"]
        stuck = run(make_optimizer("gd", lr=s["stuck_lr"]), surface, None, n)
        bounce = run(make_optimizer("gd", lr=s["bounce_lr"]), surface, None, n)
        d_stuck, d_bounce = diagnose(stuck, s["tol"]), diagnose(bounce, s["tol"])
        self.part_two = (stuck, bounce, d_stuck, d_bounce)

        title = theme.label("Stuck, or bouncing?", size=theme.TITLE_SIZE).to_corner(UL, buff=0.35)
        (x0, x1), (y0, y1) = surface.ranges
        h = 3.3
        maps = [ContourMap(surface, height=h, width=h * (x1 - x0) / (y1 - y0), levels=12) for _ in range(2)]
        Group(*maps).arrange(RIGHT, buff=0.8).to_edge(LEFT, buff=0.7).shift(0.5 * UP)
        runs = ((stuck, STUCK_COLOR, s["stuck_lr"]), (bounce, BOUNCE_COLOR, s["bounce_lr"]))
        headers = VGroup(
            *(theme.label(f"α = {fmt(lr)}", size=theme.BODY_SIZE, color=c).next_to(m, UP, buff=0.3) for (_, c, lr), m in zip(runs, maps))
        )
        lanes = [lane_on(m, t, c, radius=0.1) for m, (t, c, _) in zip(maps, runs)]
        self.lanes2 = lanes
        col_left = maps[1].get_right()[0] + 0.6
        width = 6.9 - col_left - 0.8  # the tick labels take the rest
        names = {"stuck": stuck, "bouncing": bounce}
        colors = {"stuck": STUCK_COLOR, "bouncing": BOUNCE_COLOR}
        loss_chart = Chart({k: t.losses for k, t in names.items()}, colors, n, width=width, height=1.45, title="loss")
        norm_chart = Chart(
            {k: t.gradient_norms() for k, t in names.items()}, colors, n, width=width, height=1.45, title="gradient size ‖∇L‖",
            from_zero=True,
        )
        for c in (loss_chart, norm_chart):
            c.set_progress(0)
        for c in (loss_chart, norm_chart):
            if c.width > 6.9 - col_left:
                c.scale_to_fit_width(6.9 - col_left)
            c.to_edge(RIGHT, buff=0.3)
        loss_chart.align_to(headers, UP)
        norm_chart.next_to(loss_chart, DOWN, buff=0.6).align_to(loss_chart, RIGHT)

        with self.narrate(
            "Now a question every practitioner meets. The loss has stopped falling. "
            "Is the ball resting at the bottom of something, or is it bouncing?"
        ):
            self.play(FadeOut(self.part_one), run_time=0.8)
            self.add(*maps)
            self.play(FadeIn(title), FadeIn(headers), run_time=0.8)
            self.add(*lanes)
            self.play(*(FadeIn(l.balls) for l in lanes), run_time=0.5)
        with self.narrate(
            f"Both runs start at {spoken_point(stuck.positions[0])} on this surface. {surface.description} "
            f"Only alpha differs: {spoken(s['stuck_lr'])} on the left, {spoken(s['bounce_lr'])} on the right."
        ):
            self.play(FadeIn(loss_chart), FadeIn(norm_chart), run_time=0.8)
            for c in (loss_chart, norm_chart):
                c.set_progress(0)

        self.race(lanes, [loss_chart, norm_chart], [("Run both, and watch the two charts on the right.", n)])

        where = critical_point_words(surface, stuck.final)
        reading = VGroup(
            theme.label(f"left: ‖∇L‖ = {fmt(d_stuck.final_grad_norm)}  →  {d_stuck.kind}", size=theme.SMALL_SIZE, color=STUCK_COLOR),
            theme.label(f"right: ‖∇L‖ = {fmt(d_bounce.final_grad_norm)}  →  {d_bounce.kind}", size=theme.SMALL_SIZE, color=BOUNCE_COLOR),
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.12)
        reading.next_to(Group(*maps), DOWN, buff=0.55).align_to(maps[0].axes, LEFT)
        told_apart = d_stuck.kind == "settled" and d_bounce.kind == "bouncing"
        with self.narrate(
            "The loss chart cannot tell them apart: both lines have gone flat. The gradient chart can."
            if told_apart
            else "Read both charts: the loss says how low each run got, the gradient how steep it still is."
        ):
            self.play(Indicate(loss_chart.title, color=theme.HIGHLIGHT), run_time=0.8)
            self.play(Indicate(norm_chart.title, color=theme.HIGHLIGHT), run_time=0.8)
        with self.narrate(self.stuck_sentence(d_stuck, where)):
            self.play(FadeIn(reading[0]), run_time=0.6)
        with self.narrate(self.bounce_sentence(d_bounce)):
            self.play(FadeIn(reading[1]), run_time=0.6)

        moral = VGroup(
            theme.label("‖∇L‖ → 0 while the loss is flat: a critical point", size=theme.SMALL_SIZE),
            theme.label("‖∇L‖ stays large while the loss is flat: bouncing, α too large", size=theme.SMALL_SIZE),
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.14)
        card = VGroup(panel_behind(moral), moral).next_to(reading, DOWN, buff=0.35).align_to(reading, LEFT)
        with self.narrate(
            "So: a flat loss with a vanishing gradient means a critical point. A flat loss with a large gradient means "
            "the steps are too long for the walls."
        ):
            self.play(FadeIn(card), run_time=0.8)
        with self.narrate(
            "The cure for bouncing seems easy: a smaller alpha. But in a valley that is steep across and flat along, "
            "a step short enough for the walls crawls along the floor. One alpha cannot serve both directions. "
            f"That problem gets its own chapter: {get_entry('one-learning-rate').title.lower()}."
        ):
            self.play(Indicate(card, color=theme.HIGHLIGHT, scale_factor=1.03), run_time=1.0)

    @staticmethod
    def stuck_sentence(d: Diagnosis, where: str) -> str:
        """Narration on the left run of part two, from its diagnosis."""
        if d.kind == "settled":
            return (
                f"On the left the gradient falls to almost nothing: below {spoken(d.final_grad_norm) if d.final_grad_norm >= 1e-3 else 'a thousandth'}. "
                f"The ball stands still, at {where}. It is stuck: the slope that would move it is gone."
            )
        return f"On the left the run is {d.kind}: its gradient ends at {spoken(d.final_grad_norm)}."

    @staticmethod
    def bounce_sentence(d: Diagnosis) -> str:
        """Narration on the right run of part two, from its diagnosis."""
        if d.kind == "bouncing":
            return (
                f"On the right the gradient stays large, about {spoken(d.final_grad_norm)}, step after step. "
                f"{d.reversals} of {d.steps} steps point back the way the one before came: the ball is bouncing between the walls."
            )
        return f"On the right the run is {d.kind}: its gradient ends at {spoken(d.final_grad_norm)}."
