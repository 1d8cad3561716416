"""Curriculum J: learning-rate schedules, and the late burst a decaying α_t tames.

Render: ``gdexplain render schedules``, or ``manim -ql scenes/schedules.py SchedulesScene``.

Part one: α becomes α_t. Mini-batch SGD on the linear-regression data of the
Adam example (100 points from y = 4 + 3x), once with a constant α, then with
each schedule (step, exponential, cosine, warm-up then cosine): the α_t curve
is drawn beside the run that uses it, and the loss of every run on one log
chart. With a constant α the noisy mini-batch steps keep jittering around the
minimum; every decaying α_t lets the run settle.

Part two: the late burst. RMSProp on a bowl converges, then its squared-
gradient average s decays with the vanishing gradients, the effective rate
α/(√s+ε) climbs, and the ball is thrown out of the minimum. The same run
with a decaying α_t stays put. The setting is a real one from the core
(:func:`gdexplain.core.analysis.find_burst` measures it), and the narration
says how large the burst is, or that there is none.

Every α_t, loss, rate and position is read from core trajectories.
"""

from __future__ import annotations

import numpy as np
from manim import DOWN, LEFT, RIGHT, UL, UP, Create, FadeIn, FadeOut, Group, VGroup, config

from gdexplain.core.analysis import Burst, effective_rate, find_burst, mean_recent_loss
from gdexplain.core.optimizers import make_optimizer
from gdexplain.core.schedules import Constant, Cosine, Exponential, InverseSqrt, Schedule, StepDecay, Warmup, parse_schedule
from gdexplain.core.surfaces import get_surface
from gdexplain.core.trajectory import Trajectory, run
from gdexplain import i18n
from gdexplain.i18n import tr
from gdexplain.scene import ExplainerScene
from gdexplain.visual import theme
from gdexplain.visual.charts import Chart
from gdexplain.visual.contour import ContourMap
from gdexplain.visual.legend import Legend
from gdexplain.visual.panels import FormulaPanel, Readout, fmt
from gdexplain.visual.map_race import Lane, MapRace

#: The data surface of part one (mini-batches need samples).
DATA_SURFACE = "linear-regression"
#: Steps averaged to say where a noisy run settled.
SETTLE_WINDOW = 20
CONSTANT = "constant"


# --- pure data → picture mappings (tests compare these with the core) ------------------------


def schedule_runs(settings: dict) -> dict[str, Trajectory]:
    """Part one: mini-batch SGD with a constant α, then with each chosen schedule (same seed, same batches)."""
    surface = get_surface(DATA_SURFACE)
    opt = make_optimizer("gd", lr=settings["lr"])
    out = {}
    for spec in (CONSTANT, *settings["schedules"]):
        out[spec] = run(opt, surface, None, settings["steps"], schedule=parse_schedule(spec),
                        batch_size=settings["batch_size"], seed=settings["seed"])
    return out


def burst_runs(settings: dict) -> tuple[Trajectory, Trajectory]:
    """Part two: RMSProp with a constant α, and the same with ``tamer`` as α_t."""
    surface = get_surface(settings["surface"])
    opt = make_optimizer("rmsprop", lr=settings["burst_lr"], rho=settings["rho"])
    constant = run(opt, surface, settings["start"], settings["burst_steps"])
    tamed = run(opt, surface, settings["start"], settings["burst_steps"], schedule=parse_schedule(settings["tamer"]))
    return constant, tamed


def alpha_t(traj: Trajectory) -> np.ndarray:
    """α_t of steps 1…T, as the core recorded it."""
    return traj.quantity("lr")[1:]


def settled_gap(traj: Trajectory) -> float:
    """Loss above the minimum, averaged over the last :data:`SETTLE_WINDOW` positions."""
    floor = float(traj.surface.value(traj.surface.global_minimum))
    return mean_recent_loss(traj, SETTLE_WINDOW) - floor


def describe(schedule: Schedule, steps: int) -> tuple[str, str]:
    """A schedule's short name for the screen, and a sentence saying what it does (from its settings)."""
    s = schedule.for_run(steps)
    if isinstance(s, Constant):
        return tr("constant", context="schedule"), tr("the same alpha at every step")
    if isinstance(s, StepDecay):
        return tr("step decay", context="schedule"), tr("alpha is cut to {gamma} times its value every {every} steps",
                                                        gamma=fmt(s.gamma), every=s.every)
    if isinstance(s, Exponential):
        return tr("exponential", context="schedule"), tr("alpha shrinks to {gamma} times its value at every step", gamma=fmt(s.gamma))
    if isinstance(s, Cosine):
        if s.floor == 0:
            return tr("cosine", context="schedule"), tr("alpha follows half a cosine from its full value down to zero over {steps} steps",
                                                        steps=s.steps)
        return tr("cosine", context="schedule"), tr(
            "alpha follows half a cosine from its full value down to {floor} of alpha over {steps} steps", floor=fmt(s.floor), steps=s.steps)
    if isinstance(s, InverseSqrt):
        return "1/√t", tr("alpha divided by the square root of the step number")
    if isinstance(s, Warmup):
        then, then_text = describe(s.then, steps)
        return tr("warm-up, then {then}", then=then), tr(
            "alpha starts at one {steps}th of its value and rises in a straight line for {steps} steps; after that, {then}",
            steps=s.steps, then=then_text)
    return s.name, s.name


SCHEDULE_COLORS = ("#E6E6E6", theme.AXIS_X, theme.AXIS_Y, "#E879F9", "#A3E048", "#FDE047", "#F49AC2")


class SchedulesScene(ExplainerScene):
    """α_t curves beside the runs that use them; then the late burst a decaying α_t tames."""

    slug = "schedules"

    def construct(self) -> None:
        self.schedules_part()
        self.burst_part()

    # --- part one ------------------------------------------------------------------------

    def schedules_part(self) -> None:
        s = self.settings
        runs = schedule_runs(s)
        names = list(runs)
        colors = {n: SCHEDULE_COLORS[i % len(SCHEDULE_COLORS)] for i, n in enumerate(names)}
        surface = get_surface(DATA_SURFACE)
        title = theme.label(tr("Learning-rate schedules: α becomes α_t"), size=theme.TITLE_SIZE).to_corner(UL, buff=0.35)
        rule = FormulaPanel("theta_t = theta_(t-1) - {{ alpha_t : lr }} g_t quad quad {{ alpha_t = alpha dot f(t) : sched }}",
                            font_size=32)
        rule.next_to(title, DOWN, buff=0.3).align_to(title, LEFT)
        (x0, x1), (y0, y1) = surface.ranges
        height = 3.75
        cmap = ContourMap(surface, height=height, width=height * (x1 - x0) / (y1 - y0))
        cmap.next_to(rule, DOWN, buff=0.3).align_to(title, LEFT).shift(0.15 * RIGHT)
        n = s["steps"]
        alpha = Chart({}, {}, n, y_max=s["lr"], from_zero=True, title="α_t", width=4.3, height=1.45)
        alpha.to_edge(RIGHT, buff=0.35).align_to(rule, UP)
        floor = float(surface.value(surface.global_minimum))
        loss = Chart({k: t.losses for k, t in runs.items()}, colors, n, log=True, floor=floor,
                     width=4.3, height=1.8, floor_label=tr("the minimum", context="chart floor"))
        self.alpha_chart, self.alpha_curves = alpha, {}
        for line in loss.lines.values():
            line.set_progress(0)
        for head in loss.heads.values():
            head.set_opacity(0)
        names_shown = {k: describe(parse_schedule(k), n)[0] if k != CONSTANT else tr("constant α = {lr}", lr=fmt(s['lr'])) for k in names}
        races = {k: MapRace.on_map(cmap, [Lane(names_shown[k], colors[k], t, radius=0.09)]) for k, t in runs.items()}
        key = Legend([(names_shown[k], colors[k], "") for k in names], columns=2)
        key.next_to(cmap, DOWN, buff=0.2).align_to(cmap, LEFT)
        loss.to_edge(RIGHT, buff=0.35).align_to(key, DOWN).shift(0.05 * UP)

        with self.narrate(tr(
            "So far alpha has been one number for the whole run. A schedule lets it change with the step: "
            "alpha becomes alpha t, the base alpha times a factor that depends on t."
        )):
            self.play(FadeIn(title), FadeIn(rule), run_time=1.0)
            self.play(rule.light({"lr": theme.HIGHLIGHT, "sched": theme.HIGHLIGHT}), run_time=0.6)
        with self.narrate(tr(
            "Our test bench: the straight-line fit from the Adam example, a hundred noisy points. Each step uses "
            "only {batch} of them, picked at random, so every gradient is a little off.", batch=s['batch_size']
        )):
            self.play(FadeIn(cmap), FadeIn(alpha), FadeIn(loss), run_time=1.0)
        for i, name in enumerate(names):
            traj = runs[name]
            short, sentence = describe(parse_schedule(name), n)
            text = (
                tr("First a constant alpha, {lr}. The ball heads for the minimum, and then keeps jittering "
                   "around it: the noisy steps never get smaller.", lr=fmt(s['lr']))
                if name == CONSTANT else tr("{schedule}: {sentence}.", schedule=short.capitalize(), sentence=sentence)
            )
            curve = alpha.line(alpha_t(traj), colors[name], start_step=1)
            self.alpha_curves[name] = curve
            with self.narrate(text):
                previous = [races[m] for m in names[:i]]
                row = key.rows[i] if i else VGroup(key[0], key.rows[0])  # the legend's panel comes with its first row
                self.play(Create(curve), FadeIn(row), *(FadeOut(p) for p in previous), run_time=1.0)
                self.add(races[name])
                self.play(races[name].advance(0, n, on_step=lambda k, m=name: one_line(loss, m, k), changing=[loss]),
                          run_time=max(2.0, 0.03 * n))
        with self.narrate(self.settle_text(runs)):
            rows = [(names_shown[k], fmt(settled_gap(t))) for k, t in runs.items()]
            table = Readout(rows, colors={names_shown[k]: colors[k] for k in runs})
            caption = VGroup(theme.label(tr("settled: loss above the minimum,"), size=theme.SMALL_SIZE),
                             theme.label(tr("mean of the last {n} steps", n=SETTLE_WINDOW), size=theme.SMALL_SIZE, color=theme.MUTED))
            caption.arrange(DOWN, aligned_edge=LEFT, buff=0.06)
            table_group = VGroup(caption, table).arrange(DOWN, aligned_edge=LEFT, buff=0.15)
            table_group.move_to(alpha, aligned_edge=UL).to_edge(RIGHT, buff=0.35)
            self.play(FadeOut(alpha), *(FadeOut(c) for c in self.alpha_curves.values()), FadeIn(table_group), run_time=0.8)
        with self.narrate(tr(
            "Adaptive methods and schedules do different jobs. An adaptive method gives each parameter its own scale, "
            "from the size of its gradients. A schedule sets the pace over time. They combine: Adam is usually run "
            "with a warm-up and a decay."
        )):
            self.wait(0.3)
        self.pending = Group(*self.mobjects)

    def settle_text(self, runs: dict[str, Trajectory]) -> str:
        n = self.settings["steps"]
        gaps = {k: settled_gap(t) for k, t in runs.items()}
        const = gaps[CONSTANT]
        better = [k for k in gaps if k != CONSTANT and gaps[k] < const]
        best = min(gaps, key=gaps.get)
        if len(better) == len(gaps) - 1:
            return tr("Over the last {window} steps, the constant alpha stays {gap} above the minimum on average. "
                      "Every decaying schedule settles closer; the best here, {best}, gets to {best_gap}.",
                      window=SETTLE_WINDOW, gap=fmt(const), best=describe(parse_schedule(best), n)[0], best_gap=fmt(gaps[best]))
        if better:
            names = ("、" if i18n.is_cjk() else ", ").join(describe(parse_schedule(k), n)[0] for k in better)
            return tr("Over the last {window} steps, the constant alpha stays {gap} above the minimum on average. "
                      "Of the schedules, {names} settle closer; the others do not, with these settings.",
                      window=SETTLE_WINDOW, gap=fmt(const), names=names)
        return tr("Over the last {window} steps, the constant alpha stays {gap} above the minimum on average. "
                  "With these settings, no schedule settles closer than the constant alpha.", window=SETTLE_WINDOW, gap=fmt(const))

    # --- part two ------------------------------------------------------------------------

    def burst_part(self) -> None:
        s = self.settings
        constant, tamed = burst_runs(s)
        burst = find_burst(constant) if constant.surface.minima else None
        surface = constant.surface
        tamer_name = describe(parse_schedule(s["tamer"]), s["burst_steps"])[0]
        colors = {"constant": theme.method_color("rmsprop"), "tamed": "#E879F9"}
        head = theme.label(tr("The late burst"), size=theme.TITLE_SIZE).to_corner(UL, buff=0.35)
        (x0, x1), (y0, y1) = surface.ranges
        height = 5.3
        width = min(6.4, height * (x1 - x0) / (y1 - y0))
        cmap = ContourMap(surface, height=width * (y1 - y0) / (x1 - x0), width=width)
        cmap.next_to(head, DOWN, buff=0.35).align_to(head, LEFT).shift(0.15 * RIGHT)
        legend = Legend([
            (tr("RMSProp, constant α"), colors["constant"], f"α = {fmt(s['burst_lr'])}, ρ = {fmt(s['rho'])}"),
            (tr("RMSProp, {schedule}", schedule=tamer_name), colors["tamed"], tr("α_t from α = {lr}", lr=fmt(s['burst_lr']))),
        ]).next_to(cmap, DOWN, buff=0.2).align_to(cmap, LEFT)
        overflow = (0.1 - config.frame_height / 2) - legend.get_bottom()[1]
        if overflow > 0:  # taller lettering (a CJK title and legend): the map gives way, so the legend stays in the frame
            cmap.scale((cmap.height - overflow) / cmap.height, about_edge=UL)
            legend.next_to(cmap, DOWN, buff=0.2).align_to(cmap, LEFT)
        paths = MapRace.on_map(cmap, [Lane(tr("constant α"), colors["constant"], constant), Lane(tamer_name, colors["tamed"], tamed)])
        n = max(constant.steps, tamed.steps)
        rates = {"constant": effective_rate(constant)[1:, 0], "tamed": effective_rate(tamed)[1:, 0]}
        rate_chart = Chart(rates, colors, n, from_zero=True, start_step=1, width=4.6, height=1.7,
                           title=tr("effective rate on {coord}: α_t / (√s + ε)", coord=surface.coords[0]))
        rate_chart.to_edge(RIGHT, buff=0.35).align_to(cmap, UP).shift(0.3 * DOWN)
        floor = float(surface.value(surface.global_minimum)) if surface.minima else None
        loss = Chart({"constant": constant.losses, "tamed": tamed.losses}, colors, n, log=True, floor=floor,
                     width=4.6, height=1.8, floor_label=tr("the minimum", context="chart floor"))
        loss.to_edge(RIGHT, buff=0.35).shift((rate_chart.get_bottom()[1] - 0.7 - loss.get_top()[1]) * UP)
        with self.narrate(tr(
            "One more reason to decay alpha, and it hits adaptive methods. Here is RMSProp on a simple bowl, "
            "alpha {lr}, rho {rho}, and the same run with a {schedule} schedule.", lr=fmt(s['burst_lr']), rho=fmt(s['rho']),
            schedule=tamer_name
        )):
            self.play(FadeOut(self.pending), run_time=0.6)
            self.remove(*self.mobjects)
            rate_chart.set_progress(0)
            loss.set_progress(0)
            self.play(FadeIn(head), FadeIn(cmap), FadeIn(paths), FadeIn(legend), FadeIn(rate_chart), FadeIn(loss), run_time=1.0)

        def both(k: float) -> None:
            loss.set_progress(k)
            rate_chart.set_progress(k)

        if burst is None:
            with self.narrate(tr(
                "With these settings there is no burst in {n} steps: the loss never climbs back above its best by "
                "a factor of ten. Try a larger alpha, or more steps.", n=n
            )):
                self.play(paths.advance(0, n, on_step=both, changing=[loss, rate_chart]), run_time=max(2.0, 0.04 * n))
            return
        sit = max(1, min(burst.low_step, n))
        with self.narrate(tr(
            "Both settle. By step {step} the constant-alpha run is within {distance} of the "
            "minimum: the gradients are tiny.", step=burst.low_step, distance=fmt(burst.low_distance)
        )):
            self.play(paths.advance(0, sit, on_step=both, changing=[loss, rate_chart]), run_time=max(2.0, 0.04 * sit))
        jump_start = max(sit, burst.peak_step - 12)
        with self.narrate(tr(
            "But RMSProp divides by the root of s, an average of recent squared gradients, and those are vanishing. "
            "So s shrinks, and the effective rate climbs, step after step: "
            "{rate} at step {step}, {later_rate} by step {later_step}.",
            rate=fmt(rates['constant'][sit - 1], 3), step=sit, later_rate=fmt(rates['constant'][jump_start - 1], 3), later_step=jump_start
        )):
            self.play(paths.advance(sit, jump_start, on_step=both, changing=[loss, rate_chart]), run_time=max(2.0, 0.04 * (jump_start - sit)))
        big = burst.peak_distance >= 0.1 * float(np.linalg.norm(np.subtract(constant.positions[0], surface.global_minimum)))
        size = (tr("That is a big burst: half the way back to where it started.") if burst.peak_distance >= 0.4 *
                float(np.linalg.norm(np.subtract(constant.positions[0], surface.global_minimum)))
                else tr("A real burst, if not a large one.") if big else tr("Honestly, a small burst: it stays close to the minimum."))
        with self.narrate(tr(
            "Until the steps overshoot. At step {step} the ball is thrown out to a distance of "
            "{distance} from the minimum, and the loss jumps from {low} to {peak}. {size}",
            step=burst.peak_step, distance=fmt(burst.peak_distance, 3), low=fmt(burst.low_gap), peak=fmt(burst.peak_gap), size=size
        )):
            self.play(paths.advance(jump_start, min(n, burst.peak_step + 3), on_step=both, changing=[loss, rate_chart]), run_time=2.5)
        tamed_burst = find_burst(tamed)
        tail = (tr("The run with the schedule never bursts: its alpha t falls faster than s does, so its rate never climbs.")
                if tamed_burst is None else
                tr("The scheduled run bursts too, less: to {distance} at step {step}.",
                   distance=fmt(tamed_burst.peak_distance, 3), step=tamed_burst.peak_step))
        with self.narrate(tr(
            "The big squared gradients refill s, the rate drops, and the ball comes back, until s fades again. {then}",
            then=tail
        )):
            k0 = min(n, burst.peak_step + 3)
            self.play(paths.advance(k0, n, on_step=both, changing=[loss, rate_chart]), run_time=max(2.0, 0.03 * (n - k0)))
        with self.narrate(tr(
            "So adaptive rates and schedules combine: the adaptive part sets each parameter's scale, "
            "the decaying alpha t keeps the late steps small."
        )):
            self.wait(0.3)


def one_line(chart: Chart, name: str, k: float) -> None:
    """Draw the first ``k`` steps of one live series of ``chart`` (the others keep theirs)."""
    line, dot = chart.lines[name], chart.heads[name]
    line.set_progress(k)
    point, inside = line.head(k)
    dot.move_to(point).set_opacity(1.0 if inside else 0.0)
