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
from gdexplain.i18n import N_, tr
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
    "crawling": N_("smooth, still on its way"),
    "settled": N_("settled at step {at}"),
    "zig-zagging": N_("zig-zags across the valley"),
    "bouncing": N_("bounces, never settles"),
    "off the map": N_("ran off the map"),
    "diverged": N_("diverged at step {at}"),
}
#: Part two's words on a run whose kind is not what its side was set up to show
#: (the left run is meant to settle, the right one to bounce), one whole sentence per side and kind.
OTHER_SENTENCE = {
    ("left", "crawling"): N_("On the left the run is crawling: its gradient ends at {grad}."),
    ("left", "zig-zagging"): N_("On the left the run is zig-zagging: its gradient ends at {grad}."),
    ("left", "bouncing"): N_("On the left the run is bouncing: its gradient ends at {grad}."),
    ("left", "off the map"): N_("On the left the run is off the map: its gradient ends at {grad}."),
    ("left", "diverged"): N_("On the left the run is diverged: its gradient ends at {grad}."),
    ("right", "crawling"): N_("On the right the run is crawling: its gradient ends at {grad}."),
    ("right", "settled"): N_("On the right the run is settled: its gradient ends at {grad}."),
    ("right", "zig-zagging"): N_("On the right the run is zig-zagging: its gradient ends at {grad}."),
    ("right", "off the map"): N_("On the right the run is off the map: its gradient ends at {grad}."),
    ("right", "diverged"): N_("On the right the run is diverged: its gradient ends at {grad}."),
}
#: Seconds of animation per step in the races.
SECONDS_PER_STEP = 0.16


def verdict_text(d: Diagnosis) -> str:
    """The label under a run's map."""
    return tr(VERDICT_TEXT[d.kind], at=d.at)


def kind_word(kind: str) -> str:
    """A diagnosis kind as the read-outs of part two name it (``settled``, ``bouncing``…)."""
    words = {
        "crawling": tr("crawling", context="run verdict"),
        "settled": tr("settled", context="run verdict"),
        "zig-zagging": tr("zig-zagging", context="run verdict"),
        "bouncing": tr("bouncing", context="run verdict"),
        "off the map": tr("off the map", context="run verdict"),
        "diverged": tr("diverged", context="run verdict"),
    }
    return words[kind]


def spoken_point(p) -> str:
    """``minus 6 and minus 8``."""
    x, y = (spoken(c) for c in p)
    return tr("{x} and {y}", context="a point's coordinates", x=x, y=y)


def lane_sentence(lr: float, d: Diagnosis, tol: float) -> str:
    """What the narration says about one run of part one, from its diagnosis."""
    a = spoken(lr)
    if d.kind == "crawling":
        return tr(
            "Alpha {a}: every step is short, and the path is smooth. "
            "But after {steps} steps the loss is still {loss}: it has a long way to go.",
            a=a, steps=d.steps, loss=spoken(d.final_loss),
        )
    if d.kind == "settled":
        return tr(
            "Alpha {a}: the ball drops into the valley and runs along its floor to the bottom. "
            "From step {at} on, the gradient is smaller than {tol}: it has settled.",
            a=a, at=d.at, tol=spoken(tol),
        )
    if d.kind == "zig-zagging":
        return tr(
            "Alpha {a}: every step overshoots the floor of the valley and lands on the other wall. "
            "{reversals} of {steps} steps reverse the one before, and the loss falls, but slowly.",
            a=a, reversals=d.reversals, steps=d.steps,
        )
    if d.kind == "off the map":
        return tr(
            "Alpha {a}: the ball runs downhill off the edge of the map, and the loss keeps falling: this surface has no bottom there.",
            a=a,
        )
    if d.kind == "bouncing":
        return tr(
            "Alpha {a}: the ball swings from wall to wall and never settles. "
            "After {steps} steps the gradient is still {grad}.",
            a=a, steps=d.steps, grad=spoken(d.final_grad_norm),
        )
    return tr(
        "Alpha {a}: each overshoot is bigger than the last. The ball leaves the map, the loss explodes, "
        "and the run is stopped as diverged at step {at}.",
        a=a, at=d.at,
    )


def critical_point_words(surface: Surface, point) -> str:
    """Where a settled run stands: ``lowest`` (the lowest point), ``local`` (a local minimum, not the lowest) or ``critical``."""
    near = nearest_minimum(surface, point)
    if near is None:
        return "critical"
    best = float(surface.value(surface.global_minimum))
    if float(surface.value(near)) <= best + 1e-6 * (1.0 + abs(best)):
        return "lowest"
    return "local"


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
        title = theme.label(tr("How big a step? · {surface}", surface=tr(surface.title)), size=theme.TITLE_SIZE).to_corner(UL, buff=0.35)

        (x0, x1), (y0, y1) = surface.ranges
        side = 2.7
        maps = [ContourMap(surface, height=side, width=side * (x1 - x0) / (y1 - y0), levels=10, show_numbers=False) for _ in runs]
        row = Group(*maps).arrange(RIGHT, buff=0.55).move_to([0.0, 1.2, 0])
        extent = theme.label(
            tr(
                "each map: {x} from {x0} to {x1}, {y} from {y0} to {y1}",
                x=surface.coords[0], x0=fmt(x0), x1=fmt(x1), y=surface.coords[1], y0=fmt(y0), y1=fmt(y1),
            ),
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
            floor_label=tr("the minimum"),
            width=11.4,
            height=1.75,
        )
        chart.set_progress(0)
        chart.next_to(row, DOWN, buff=0.85).align_to(maps[0], LEFT)
        self.chart1 = chart

        with self.narrate(
            tr(
                "One valley, one starting point at {point}, and plain gradient descent four times. "
                "The only thing that changes is the learning rate alpha, the length of each step.",
                point=spoken_point(start),
            )
        ):
            self.add(*maps, bottoms)
            self.play(FadeIn(title), FadeIn(headers), FadeIn(extent), run_time=0.8)
            self.add(*lanes)
            self.play(*(FadeIn(l.balls) for l in lanes), run_time=0.6)
        with self.narrate(tr("Below, each run's loss on a log scale, so that a thousandfold drop is as easy to read as a tenfold one.")):
            self.play(FadeIn(chart), run_time=0.8)
            chart.set_progress(0)

        end = max(traj.diverged_at if traj.diverged_at is not None else traj.steps for _, _, _, traj, _ in runs)
        split = max(1, round(0.4 * end))
        self.race(
            lanes,
            [chart],
            [
                (tr("Go. Every ball takes one step per tick, each with its own alpha."), split),
                (tr("Watch how differently the same rule behaves with four step lengths."), end),
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
            best = tr(", ", context="between numbers in a list").join(spoken(a) for a in settled)
            return tr(
                "Too short and the run crawls; too long and it overshoots, or blows up. Here only alpha {best} "
                "reached the bottom in the steps we gave it.",
                best=best,
            )
        if kinds == {"diverged"}:
            return tr("All four rates are too large for this valley: every run blew up.")
        return tr("None of the four rates reached the bottom in the steps we gave it: the right step length depends on the valley.")

    # --- part two -----------------------------------------------------------------------

    def stuck_or_bouncing(self, s) -> None:
        surface = get_surface(s["stuck_surface"])
        n = s["stuck_steps"]
        stuck = run(make_optimizer("gd", lr=s["stuck_lr"]), surface, None, n)
        bounce = run(make_optimizer("gd", lr=s["bounce_lr"]), surface, None, n)
        d_stuck, d_bounce = diagnose(stuck, s["tol"]), diagnose(bounce, s["tol"])
        self.part_two = (stuck, bounce, d_stuck, d_bounce)

        title = theme.label(tr("Stuck, or bouncing?"), size=theme.TITLE_SIZE).to_corner(UL, buff=0.35)
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
        loss_chart = Chart({k: t.losses for k, t in names.items()}, colors, n, width=width, height=1.45)
        norm_chart = Chart(
            {k: t.gradient_norms() for k, t in names.items()}, colors, n, width=width, height=1.45, title=tr("gradient size ‖∇L‖"),
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
            tr(
                "Now a question every practitioner meets. The loss has stopped falling. "
                "Is the ball resting at the bottom of something, or is it bouncing?"
            )
        ):
            self.play(FadeOut(self.part_one), run_time=0.8)
            self.add(*maps)
            self.play(FadeIn(title), FadeIn(headers), run_time=0.8)
            self.add(*lanes)
            self.play(*(FadeIn(l.balls) for l in lanes), run_time=0.5)
        with self.narrate(
            tr(
                "Both runs start at {point} on this surface. {description} "
                "Only alpha differs: {left} on the left, {right} on the right.",
                point=spoken_point(stuck.positions[0]), description=tr(surface.description),
                left=spoken(s["stuck_lr"]), right=spoken(s["bounce_lr"]),
            )
        ):
            self.play(FadeIn(loss_chart), FadeIn(norm_chart), run_time=0.8)
            for c in (loss_chart, norm_chart):
                c.set_progress(0)

        self.race(lanes, [loss_chart, norm_chart], [(tr("Run both, and watch the two charts on the right."), n)])

        where = critical_point_words(surface, stuck.final)
        reading = VGroup(
            theme.label(
                tr("left: ‖∇L‖ = {grad}  →  {verdict}", grad=fmt(d_stuck.final_grad_norm), verdict=kind_word(d_stuck.kind)),
                size=theme.SMALL_SIZE, color=STUCK_COLOR,
            ),
            theme.label(
                tr("right: ‖∇L‖ = {grad}  →  {verdict}", grad=fmt(d_bounce.final_grad_norm), verdict=kind_word(d_bounce.kind)),
                size=theme.SMALL_SIZE, color=BOUNCE_COLOR,
            ),
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.12)
        reading.next_to(Group(*maps), DOWN, buff=0.55).align_to(maps[0].axes, LEFT)
        told_apart = d_stuck.kind == "settled" and d_bounce.kind == "bouncing"
        with self.narrate(
            tr("The loss chart cannot tell them apart: both lines have gone flat. The gradient chart can.")
            if told_apart
            else tr("Read both charts: the loss says how low each run got, the gradient how steep it still is.")
        ):
            self.play(Indicate(loss_chart.title, color=theme.HIGHLIGHT), run_time=0.8)
            self.play(Indicate(norm_chart.title, color=theme.HIGHLIGHT), run_time=0.8)
        with self.narrate(self.stuck_sentence(d_stuck, where)):
            self.play(FadeIn(reading[0]), run_time=0.6)
        with self.narrate(self.bounce_sentence(d_bounce)):
            self.play(FadeIn(reading[1]), run_time=0.6)

        moral = VGroup(
            theme.label(tr("‖∇L‖ → 0 while the loss is flat: a critical point"), size=theme.SMALL_SIZE),
            theme.label(tr("‖∇L‖ stays large while the loss is flat: bouncing, α too large"), size=theme.SMALL_SIZE),
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.14)
        card = VGroup(panel_behind(moral), moral).next_to(reading, DOWN, buff=0.35).align_to(reading, LEFT)
        with self.narrate(
            tr(
                "So: a flat loss with a vanishing gradient means a critical point. A flat loss with a large gradient means "
                "the steps are too long for the walls."
            )
        ):
            self.play(FadeIn(card), run_time=0.8)
        with self.narrate(
            tr(
                "The cure for bouncing seems easy: a smaller alpha. But in a valley that is steep across and flat along, "
                "a step short enough for the walls crawls along the floor. One alpha cannot serve both directions. "
                "That problem gets its own chapter: {chapter}.",
                chapter=tr(get_entry("one-learning-rate").title).lower(),
            )
        ):
            self.play(Indicate(card, color=theme.HIGHLIGHT, scale_factor=1.03), run_time=1.0)

    @staticmethod
    def stuck_sentence(d: Diagnosis, where: str) -> str:
        """Narration on the left run of part two, from its diagnosis and :func:`critical_point_words`."""
        if d.kind == "settled":
            if d.final_grad_norm < 1e-3:
                first = tr("On the left the gradient falls to almost nothing: below a thousandth.")
            else:
                first = tr("On the left the gradient falls to almost nothing: below {grad}.", grad=spoken(d.final_grad_norm))
            then = {
                "lowest": tr("The ball stands still, at the lowest point. It is stuck: the slope that would move it is gone."),
                "local": tr(
                    "The ball stands still, at a local minimum, not the lowest point. It is stuck: the slope that would move it is gone."
                ),
                "critical": tr(
                    "The ball stands still, at a critical point, where the slope vanishes. It is stuck: the slope that would move it is gone."
                ),
            }[where]
            return tr("{first} {then}", context="two sentences in a row", first=first, then=then)
        return LearningRate.other_sentence(d, left=True)

    @staticmethod
    def bounce_sentence(d: Diagnosis) -> str:
        """Narration on the right run of part two, from its diagnosis."""
        if d.kind == "bouncing":
            return tr(
                "On the right the gradient stays large, about {grad}, step after step. "
                "{reversals} of {steps} steps point back the way the one before came: the ball is bouncing between the walls.",
                grad=spoken(d.final_grad_norm), reversals=d.reversals, steps=d.steps,
            )
        return LearningRate.other_sentence(d, left=False)

    @staticmethod
    def other_sentence(d: Diagnosis, left: bool) -> str:
        """Narration on a run of part two that did not do what its side was set up to show (one whole sentence per kind)."""
        return tr(OTHER_SENTENCE[("left" if left else "right", d.kind)], grad=spoken(d.final_grad_norm))
