"""Curriculum D and E: momentum as vector addition, what β does, and Nesterov's look-ahead.

Render: ``gdexplain render momentum`` (also ``momentum-decay``,
``momentum-vs-gd``, ``nesterov``) or
``manim -ql scenes/momentum.py MomentumMechanism`` (``MomentumDecay``,
``MomentumVsGD``, ``NesterovLookAhead``).

Four scenes on top-down contour maps, where vectors can be measured. The
mechanism: the previous velocity decays to β·v, the new step −α·g is added
head to tail, and their sum is the step taken. What β does: β = 0 is plain
descent, β ≈ 0.9 builds speed along a valley, β = 1 swings forever. Why it
matters: stored speed carries the ball out of a shallow pit and down a
ravine. Nesterov: the gradient is taken at the look-ahead point θ + β·v.
Every position, arrow and number comes from a core trajectory; the
mapping from trajectory to picture is in the pure functions at the top.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UL,
    Dot,
    Create,
    FadeIn,
    FadeOut,
    Group,
    VGroup,
)

from gdexplain.core.errors import InputError
from gdexplain.i18n import N_, tr
from gdexplain import layout
from gdexplain.core.optimizers import make_optimizer
from gdexplain.core.parts import momentum_parts
from gdexplain.core.race import largest_gap
from gdexplain.core.surfaces import get_surface
from gdexplain.core.trajectory import Trajectory, run
from gdexplain.scene import ExplainerScene
from gdexplain.visual import theme
from gdexplain.visual.contour import ContourMap
from gdexplain.visual.framing import framed_map, map_view
from gdexplain.visual.map_race import Lane, MapRace, ball_legend, race_readout
from gdexplain.visual.marks import Ball, ScaleNote, arrow_scale
from gdexplain.visual.panels import FormulaPanel, Readout, fmt, fmt_vector
from gdexplain.visual.paths import PathTrail
from gdexplain.visual.vectors import HeadToTail, HeadToTailLabels, momentum_drawn_points, momentum_vectors

#: The momentum rule, its terms named so they light up as their arrows appear.
MOMENTUM_RULE = (
    "{{ v_t : new }} = {{ beta : beta }} {{ v_(t-1) : prev }} - {{ alpha : lr }} {{ g_t : grad }} \\ "
    "theta_t = theta_(t-1) + {{ v_t : new2 }}"
)
#: Nesterov's rule: the same, with the gradient taken at the look-ahead point.
NESTEROV_RULE = (
    "{{ v_t : new }} = {{ beta : beta }} {{ v_(t-1) : prev }} - {{ alpha : lr }} "
    "{{ nabla L : grad }}({{ theta_(t-1) + beta v_(t-1) : look }}) \\ "
    "theta_t = theta_(t-1) + {{ v_t : new2 }}"
)
#: Steps drawn one stage at a time (step 1 has no velocity yet, so 2..SLOW_LAST are the full picture).
SLOW_LAST = 4
#: The map may use at most this box (scene units), left of the panel column.
MAP_BOX = (7.6, 5.2)
#: Centre x of the panel column right of the map.
COLUMN_X = 3.95
#: Read-out and arrow names that are words (translated where they are shown: tr(BEFORE)).
LOOK_AHEAD, BEFORE, NEW = N_("look-ahead"), N_("v (before)"), N_("v (new)")
NEW_STEP, ADDED_AHEAD = N_("v (new) = step"), N_("−α·g(look-ahead)")
_WORDS = (LOOK_AHEAD, BEFORE, NEW, NEW_STEP, ADDED_AHEAD)
#: Arrow labels of a momentum step, in the order they appear (English; :func:`arrow_labels` translates).
MOMENTUM_LABELS = HeadToTailLabels(BEFORE, "β·v", "−α·g", NEW_STEP)
#: Nesterov's arrow labels: the added step is the gradient at the look-ahead point.
NESTEROV_LABELS = HeadToTailLabels(BEFORE, "β·v", ADDED_AHEAD, NEW_STEP)


def shown(name: str) -> str:
    """A read-out or arrow name in the current language (symbols such as β·v unchanged)."""
    return tr(name) if name in _WORDS else name


def arrow_labels(labels: HeadToTailLabels) -> HeadToTailLabels:
    """``labels`` in the current language."""
    return HeadToTailLabels(*(shown(x) for x in (labels.previous, labels.decayed, labels.added, labels.total)))


# --- what the scenes read from the core -------------------------------------------------


def run_method(name: str, surface: str, start: Sequence[float], lr: float, steps: int, beta: float | None = None) -> Trajectory:
    """One core run; ``beta`` is passed only to the methods that have it.

    A run that diverges on its very first step has nothing to show: that is
    reported as an :class:`InputError` naming the settings to change.
    """
    params = {"lr": lr} if beta is None else {"lr": lr, "beta": beta}
    traj = run(make_optimizer(name, **params), get_surface(surface), start, steps)
    if traj.steps == 0:
        raise InputError(f"{name} with lr={lr:g} on {surface!r} diverges at its first step: choose a smaller lr")
    return traj


def step_rows(traj: Trajectory, t: int) -> list[tuple[str, str]]:
    """The read-out of step ``t``: β, α, g, the old and new velocity, where the ball lands."""
    p = momentum_parts(traj, t)
    rows = [
        (tr("step", context="step read-out"), str(t)),
        ("β", fmt(p.decay)),
        ("α", fmt(traj.quantity("lr")[t])),
        ("g", fmt_vector(traj.quantity("grad")[t])),
        (tr(BEFORE), fmt_vector(p.previous)),
        ("β·v", fmt_vector(p.decayed)),
        ("−α·g", fmt_vector(p.added)),
        (tr(NEW), fmt_vector(traj.quantity("velocity")[t])),
        ("θ", fmt_vector(traj.positions[t])),
        (tr("loss", context="step read-out"), fmt(traj.losses[t])),
    ]
    if "look_ahead" in traj.quantities:  # Nesterov: where g was measured
        rows.insert(4, (tr(LOOK_AHEAD), fmt_vector(traj.quantity("look_ahead")[t])))
    return rows


#: Colours of the read-out rows, by English name (:func:`step_row_colors` names them as shown).
STEP_ROW_COLORS = {
    "g": theme.GRADIENT,
    "−α·g": theme.GRADIENT,
    BEFORE: theme.VELOCITY,
    "β·v": theme.VELOCITY,
    "β": theme.VELOCITY,
    NEW: theme.STEP,
    "θ": theme.BALL,
    LOOK_AHEAD: theme.LOOK_AHEAD,
}


def step_row_colors() -> dict[str, str]:
    """:data:`STEP_ROW_COLORS` keyed by the names :func:`step_rows` shows in the current language."""
    return {shown(name): color for name, color in STEP_ROW_COLORS.items()}


def minima_marks(cmap: ContourMap) -> VGroup:
    """A small dot and a label at each known minimum of the map's surface (global or local)."""
    surface = cmap.surface
    best = surface.global_minimum
    group = VGroup()
    for m in surface.minima:
        if not cmap.contains(m):
            continue
        dot = Dot(cmap.c2p(m), radius=0.05, color=theme.TEXT)
        text = tr("global min") if best is not None and np.allclose(m, best) else tr("local min")
        group.add(dot, theme.label(text, size=theme.SMALL_SIZE, color=theme.TEXT).next_to(dot, DOWN, buff=0.22))
    return group


# --- shared scene pieces ------------------------------------------------------------------


class MomentumScene(ExplainerScene):
    """What the four scenes share: a map on the left, a title, races of several balls (:class:`MapRace`)."""

    def title(self, text: str) -> None:
        self.title_mob = theme.label(text, size=theme.TITLE_SIZE).to_corner(UL, buff=0.35)
        self.add(self.title_mob)

    def make_map(self, surface: str, points: np.ndarray | None = None, box: tuple[float, float] = MAP_BOX) -> ContourMap:
        """A map of the part of ``surface`` around ``points`` (all of it without points), same unit on both axes."""
        surf = get_surface(surface)
        cmap = framed_map(surf, map_view(surf, points), box)
        cmap.to_edge(LEFT, buff=0.55).set_y(-0.35)
        return cmap

    def column_top(self) -> float:
        return 2.9

    def race(self, race: MapRace, readout: Readout, k0: int, k1: int, per_step: float, extra: str = "") -> None:
        """Move every ball from step ``k0`` to ``k1`` (``per_step`` seconds a step), updating ``readout``."""
        k1 = min(k1, race.end)
        if k1 <= k0:
            return

        def show(k: int) -> None:
            readout.become(race_readout(race.lanes, k, extra).placed_like(readout))

        self.play(race.advance(k0, k1, on_step=show, changing=[readout]), run_time=per_step * (k1 - k0))

    def step_ball(self, ball: Ball, trail: VGroup, cmap: ContourMap, traj: Trajectory, t: int,
                  color: str = theme.PATH, run_time: float = 0.8) -> None:
        """Move the one ball of a step-by-step picture along step ``t``, leaving a dotted trail."""
        a, b = cmap.c2p(traj.positions[t - 1]), cmap.c2p(traj.positions[t])
        seg = PathTrail([a, b], color=color)
        trail.add(seg)
        self.play(Create(seg), ball.animate.move_to(b), run_time=run_time)


# --- momentum: the mechanism ----------------------------------------------------------------


class MomentumMechanism(MomentumScene):
    """One momentum step as vector addition at the ball, three times, then the run at speed."""

    slug = "momentum"

    def construct(self) -> None:
        s = self.settings
        traj = run_method("momentum", s["surface"], s["start"], s["lr"], s["steps"], s["beta"])
        self.traj = traj
        pos = traj.positions
        self.title(tr("Momentum: adding vectors"))
        cmap = self.make_map(s["surface"], momentum_drawn_points([traj], SLOW_LAST))
        ball = Ball().move_to(cmap.c2p(pos[0]))
        with self.narrate(tr(
            "Plain gradient descent forgets. Every step starts from nothing. "
            "Momentum remembers its last step, and lets it carry on."
        )):
            self.play(FadeIn(cmap), FadeIn(ball), run_time=1)
        trail = VGroup()
        self.add(trail, ball)  # the path goes over the map and under the ball

        rule = FormulaPanel(MOMENTUM_RULE, font_size=34).move_to([COLUMN_X, self.column_top() - 0.45, 0])
        with self.narrate(tr(
            "The memory is a velocity, v. Each step, the old velocity shrinks by a factor beta, "
            "and the usual gradient step, minus alpha times g, is added to it."
        )):
            self.play(FadeIn(rule), run_time=1)

        slow = min(SLOW_LAST, traj.steps)
        unit_vectors = [momentum_vectors(traj, t) for t in range(1, slow + 1)]
        lengths = [x for v in unit_vectors for x in v.drawn_lengths(cmap.c2p) if x > 0]
        scale = arrow_scale(lengths, want=0.5)
        note = ScaleNote(scale).next_to(cmap, DOWN, buff=0.12).align_to(cmap, RIGHT)
        readout = Readout(step_rows(traj, 1), colors=step_row_colors(), min_width=4.6)
        readout.next_to(rule, DOWN, buff=0.3).set_x(COLUMN_X)

        # Step 1: no velocity yet, so it is a plain gradient step.
        labels = arrow_labels(MOMENTUM_LABELS)
        pic = HeadToTail(unit_vectors[0], cmap.c2p, labels, scale=scale, avoid=[*layout.on_screen(self), note, readout])
        with self.narrate(tr(
            "At the start the velocity is zero, so the first step is an ordinary gradient step."
        )):
            self.play(FadeIn(readout), FadeIn(note), run_time=0.6)
            self.play(pic.add_new(), rule.light({"lr": theme.GRADIENT, "grad": theme.GRADIENT}), run_time=1.2)
            self.play(pic.show_total(), rule.light({"new": theme.STEP, "new2": theme.STEP}), run_time=1)
            self.step_ball(ball, trail, cmap, traj, 1)
            self.play(pic.clear(), run_time=0.4)

        words = {
            2: (
                tr("Now it has a velocity: the step it just took, drawn at the ball."),
                tr("Momentum decays. The arrow shrinks to beta times itself."),
                tr("The new gradient step is drawn from its tip, head to tail."),
                tr("The sum, from the ball to the last tip, is the step actually taken. The ghost marks where it lands."),
            ),
            3: (
                tr("Again: the last step, shrunk by beta."),
                tr(
                    "Add the new gradient step. Across the valley it points back, so the two partly cancel; "
                    "along the valley they agree, so speed builds up."
                ),
            ),
            4: (
                tr("Once more. Shrink the old velocity."),
                tr("Add minus alpha g, and take the sum."),
            ),
        }
        for t in range(2, slow + 1):
            readout.become(Readout(step_rows(traj, t), colors=step_row_colors(), min_width=4.6).placed_like(readout))
            pic = HeadToTail(unit_vectors[t - 1], cmap.c2p, labels, scale=scale, avoid=layout.on_screen(self))
            lines = words[t]
            if len(lines) == 4:
                with self.narrate(lines[0]):
                    self.play(pic.show_previous(), rule.light({"prev": theme.VELOCITY}), run_time=1)
                with self.narrate(lines[1]):
                    self.play(pic.decay(), rule.light({"prev": theme.VELOCITY, "beta": theme.VELOCITY}), run_time=1.2)
                with self.narrate(lines[2]):
                    self.play(pic.add_new(), rule.light({"lr": theme.GRADIENT, "grad": theme.GRADIENT}), run_time=1.2)
                with self.narrate(lines[3]):
                    self.play(pic.show_total(), rule.light({"new": theme.STEP, "new2": theme.STEP}), run_time=1.2)
                    self.step_ball(ball, trail, cmap, traj, t)
                    self.play(pic.clear(), run_time=0.4)
            else:
                with self.narrate(lines[0]):
                    self.play(pic.show_previous(), rule.light({"prev": theme.VELOCITY}), run_time=0.8)
                    self.play(pic.decay(), rule.light({"prev": theme.VELOCITY, "beta": theme.VELOCITY}), run_time=0.8)
                with self.narrate(lines[1]):
                    self.play(pic.add_new(), rule.light({"lr": theme.GRADIENT, "grad": theme.GRADIENT}), run_time=1)
                    self.play(pic.show_total(), rule.light({"new": theme.STEP, "new2": theme.STEP}), run_time=1)
                    self.step_ball(ball, trail, cmap, traj, t)
                    self.play(pic.clear(), run_time=0.4)

        if traj.steps > slow:
            with self.narrate(tr(
                "The same three moves, {steps} times over. The side-to-side swings die away, "
                "while the speed along the valley carries the ball to the bottom.",
                steps=traj.steps,
            )):
                self.play(rule.light({}), run_time=0.3)
                for t in range(slow + 1, traj.steps + 1):
                    self.step_ball(ball, trail, cmap, traj, t, run_time=0.12)
                    readout.become(Readout(step_rows(traj, t), colors=step_row_colors(), min_width=4.6).placed_like(readout))
        with self.narrate(tr("Decay the old velocity, add the gradient step, move by the sum. That is all momentum is.")):
            self.play(FadeOut(note), run_time=0.5)


# --- momentum-decay: what β does -----------------------------------------------------------


class MomentumDecay(MomentumScene):
    """β = 0 is plain descent; β ≈ 0.9 builds speed along a valley; β = 1 never stops."""

    slug = "momentum-decay"

    def construct(self) -> None:
        s = self.settings
        self.title(tr(self.entry.title))  # "What β does", marked in lecture.py
        gd = Lane.of("gd", run_method("gd", s["surface"], s["start"], s["lr"], s["steps"]), radius=0.12)
        zero = Lane.of("momentum", run_method("momentum", s["surface"], s["start"], s["lr"], s["steps"], 0.0), "β = 0")
        fast = Lane.of("momentum", run_method("momentum", s["surface"], s["start"], s["lr"], s["steps"], s["beta"]),
                       f"β = {fmt(s['beta'])}", radius=0.09)
        cmap = self.make_map(s["surface"], momentum_drawn_points([gd.traj, zero.traj, fast.traj]))
        with self.narrate(tr("Beta decides how much of the old velocity survives each step. Start with beta equal to zero.")):
            self.play(FadeIn(cmap), run_time=1)

        top = self.column_top()
        rule = FormulaPanel("v_t = {{ beta : beta }} v_(t-1) - alpha g_t", font_size=34).move_to([COLUMN_X, top - 0.3, 0])
        gap = largest_gap(gd.traj, zero.traj)
        gd_path = PathTrail([cmap.c2p(p) for p in gd.traj.positions], color=gd.color, stroke_width=7, dots=False)
        zero_path = PathTrail([cmap.c2p(p) for p in zero.traj.positions], color=zero.color, stroke_width=3)
        legend = ball_legend([gd, zero]).next_to(rule, DOWN, buff=0.4).set_x(COLUMN_X)
        gap_read = Readout([("α", fmt(gd.traj.quantity("lr")[1])), (tr("largest gap"), fmt(gap))], min_width=4.4)
        gap_read.next_to(legend, DOWN, buff=0.3).set_x(COLUMN_X)
        with self.narrate(tr(
            "With beta zero, nothing is remembered: v is just minus alpha g. "
            "Draw plain gradient descent in white, and momentum with beta zero on top of it."
        )):
            self.play(FadeIn(rule), rule.light({"beta": theme.VELOCITY}), FadeIn(legend), run_time=1)
            self.play(Create(gd_path), run_time=1.5)
            self.play(Create(zero_path), run_time=1.5)
        with self.narrate(tr("They are the same path, step for step. The largest gap between them is exactly zero.")):
            self.play(FadeIn(gap_read), run_time=0.6)
            self.play(FadeOut(zero_path), run_time=0.4)

        lanes = [gd, fast]
        race = MapRace.on_map(cmap, lanes)
        legend2 = ball_legend(lanes).move_to(legend, aligned_edge=UL)
        readout = race_readout(lanes, 0, "step")
        readout.next_to(legend2, DOWN, buff=0.3).set_x(COLUMN_X)
        with self.narrate(tr(
            "Now beta {beta}: most of the velocity survives. Same alpha, same start, side by side with plain descent.",
            beta=fmt(s["beta"]),
        )):
            self.play(FadeOut(gd_path), FadeOut(gap_read), FadeOut(legend), FadeIn(legend2), FadeIn(race), FadeIn(readout), run_time=1)
        half = min(12, s["steps"])
        with self.narrate(tr(
            "Across the valley the push reverses with every swing, so it never builds up. "
            "Along the valley every push points the same way, so they add up."
        )):
            self.race(race, readout, 0, half, 0.35, "step")
        with self.narrate(tr(
            "Compare the steps: along the valley, momentum's grow far larger than plain descent's. "
            "It swings, but it reaches the bottom long before plain descent does."
        )):
            self.race(race, readout, half, s["steps"], 0.1, "step")

        # β = 1: a frictionless bowl.
        bowl = s["bowl_surface"]
        swing = Lane.of("momentum", run_method("momentum", bowl, get_surface(bowl).default_start, s["bowl_lr"], s["bowl_steps"], 1.0),
                        "β = 1", radius=0.12)
        bowl_map = self.make_map(bowl, momentum_drawn_points([swing.traj]))
        with self.narrate(tr("And beta equal to one? Nothing is ever forgotten: there is no friction at all. Try it on a round bowl.")):
            self.play(FadeOut(Group(cmap, race, readout, legend2)), run_time=0.8)
            self.remove(cmap)
            self.play(FadeIn(bowl_map), rule.light({"beta": theme.HIGHLIGHT}), run_time=1)
        race = MapRace.on_map(bowl_map, [swing])
        readout = race_readout([swing], 0, "step")
        readout.next_to(rule, DOWN, buff=0.4).set_x(COLUMN_X)
        self.add(race, readout)
        n = swing.traj.steps
        with self.narrate(tr(
            "The ball rolls through the bottom, climbs the far side, and comes back. "
            "Its loss returns to where it started, swing after swing. It never settles."
        )):
            self.race(race, readout, 0, n // 2, 0.15, "step")
        with self.narrate(tr("So beta below one is friction. Around 0.9 keeps most of the speed, yet still lets the ball come to rest.")):
            self.race(race, readout, n // 2, n, 0.15, "step")


# --- momentum-vs-gd: why it matters ----------------------------------------------------------


class MomentumVsGD(MomentumScene):
    """Stored speed escapes a shallow pit, and runs down a ravine where plain descent zig-zags."""

    slug = "momentum-vs-gd"

    def construct(self) -> None:
        s = self.settings
        self.title(tr(self.entry.title))  # "Momentum vs plain descent", marked in lecture.py
        lanes = [
            Lane.of("gd", run_method("gd", s["surface"], s["start"], s["lr"], s["steps"]), radius=0.12),
            Lane.of("momentum", run_method("momentum", s["surface"], s["start"], s["lr"], s["steps"], s["beta"]), tr("momentum", context="lane"), radius=0.09),
        ]
        cmap = self.make_map(s["surface"], momentum_drawn_points([r.traj for r in lanes]), (7.6, 5.9))
        race = MapRace.on_map(cmap, lanes)
        legend = ball_legend(lanes).move_to([COLUMN_X, self.column_top() - 0.2, 0])
        settings = Readout([("α", fmt(s["lr"])), ("β", fmt(s["beta"]))], colors={"β": theme.VELOCITY}, min_width=4.4)
        settings.next_to(legend, DOWN, buff=0.3).set_x(COLUMN_X)
        readout = race_readout(lanes, 0)
        readout.next_to(settings, DOWN, buff=0.3).set_x(COLUMN_X)
        with self.narrate(tr(
            "Two balls start at the same spot with the same learning rate: plain descent in white, momentum in violet. "
            "This surface has a shallow pit, and a deeper one beyond a low rim."
        )):
            self.play(FadeIn(cmap), FadeIn(race), FadeIn(legend), FadeIn(settings), FadeIn(readout), run_time=1.2)
        n = min(lanes[0].traj.steps, lanes[1].traj.steps, s["steps"])
        first = min(10, n)
        with self.narrate(tr("Both roll downhill into the first pit.")):
            self.race(race, readout, 0, first, 0.3)
        with self.narrate(tr(
            "Plain descent stops where the slope is zero. Momentum still has speed stored up. "
            "It rolls over the rim and drops into the deeper minimum."
        )):
            self.race(race, readout, first, race.end, 0.12)
        marks = minima_marks(cmap)
        with self.narrate(tr("Compare the losses: momentum ends far lower, in the global minimum. Plain descent is stuck in the shallow pit.")):
            self.play(FadeIn(marks), run_time=0.6)

        rav = "ravine"
        start = get_surface(rav).default_start
        rav_lanes = [
            Lane.of("gd", run_method("gd", rav, start, s["ravine_lr"], s["ravine_steps"]), radius=0.12),
            Lane.of("momentum", run_method("momentum", rav, start, s["ravine_lr"], s["ravine_steps"], s["ravine_beta"]), tr("momentum", context="lane"), radius=0.09),
        ]
        rmap = self.make_map(rav, momentum_drawn_points([r.traj for r in rav_lanes]))
        with self.narrate(tr("Now a ravine: steep walls across, an almost flat floor along.")):
            self.play(FadeOut(Group(cmap, race, marks)), run_time=0.8)
            self.remove(cmap)
            self.play(FadeIn(rmap), run_time=1)
        race = MapRace.on_map(rmap, rav_lanes)
        settings.become(Readout([("α", fmt(s["ravine_lr"])), ("β", fmt(s["ravine_beta"]))], colors={"β": theme.VELOCITY}, min_width=4.4).placed_like(settings))
        readout.become(race_readout(rav_lanes, 0).placed_like(readout))
        with self.narrate(tr("Plain descent bounces from wall to wall, and crawls along the floor.")):
            self.play(FadeIn(race), run_time=0.5)
            self.race(race, readout, 0, min(8, s["ravine_steps"]), 0.45)
        with self.narrate(tr(
            "Momentum bounces too, but every push along the floor adds to its stored speed. "
            "It runs down the valley and reaches the bottom first."
        )):
            self.race(race, readout, min(8, s["ravine_steps"]), s["ravine_steps"], 0.12)


# --- nesterov: look before you leap ---------------------------------------------------------


class NesterovLookAhead(MomentumScene):
    """The gradient taken at the look-ahead point θ + β·v, then classic momentum against Nesterov."""

    slug = "nesterov"

    def construct(self) -> None:
        s = self.settings
        traj = run_method("nesterov", s["surface"], s["start"], s["lr"], s["steps"], s["beta"])
        classic = run_method("momentum", s["surface"], s["start"], s["lr"], s["steps"], s["beta"])
        pos = traj.positions
        self.title(tr(self.entry.title))  # "Nesterov: look before you leap", marked in lecture.py
        cmap = self.make_map(s["surface"], momentum_drawn_points([traj, classic], 3))
        ball = Ball().move_to(cmap.c2p(pos[0]))
        rule = FormulaPanel(NESTEROV_RULE, font_size=30).move_to([COLUMN_X, self.column_top() - 0.45, 0])
        with self.narrate(tr(
            "Momentum is going to carry the ball a distance beta v anyway. "
            "Nesterov's idea: measure the slope there, where the ball is about to be, not where it stands."
        )):
            self.play(FadeIn(cmap), FadeIn(ball), FadeIn(rule), run_time=1.2)

        slow = min(3, traj.steps)
        vectors = [momentum_vectors(traj, t) for t in range(1, slow + 1)]
        lengths = [x for v in vectors for x in v.drawn_lengths(cmap.c2p) if x > 0]
        scale = arrow_scale(lengths, want=0.5)
        note = ScaleNote(scale).next_to(cmap, DOWN, buff=0.12).align_to(cmap, RIGHT)
        labels = arrow_labels(NESTEROV_LABELS)
        trail = VGroup()
        self.add(trail)
        readout = Readout(step_rows(traj, 1), colors=step_row_colors(), min_width=4.6)
        readout.next_to(rule, DOWN, buff=0.3).set_x(COLUMN_X)
        with self.narrate(tr("The first step has no velocity yet, so the look-ahead point is the ball itself: an ordinary gradient step.")):
            self.play(FadeIn(readout), FadeIn(note), run_time=0.6)
            self.step_ball(ball, trail, cmap, traj, 1, theme.method_color("nesterov"))

        for t in range(2, slow + 1):
            vec = vectors[t - 1]
            readout.become(Readout(step_rows(traj, t), colors=step_row_colors(), min_width=4.6).placed_like(readout))
            look = Ball(color=theme.LOOK_AHEAD).ghost().move_to(cmap.c2p(traj.quantity("look_ahead")[t]))
            look.set_opacity(0.6)
            pic = HeadToTail(vec, cmap.c2p, labels, scale=scale, avoid=[*layout.on_screen(self), look])
            first = t == 2
            with self.narrate(
                tr("Take the old velocity and shrink it by beta, as before. Its tip is the look-ahead point.")
                if first else tr("Again: shrink the velocity, and look ahead to its tip.")
            ):
                self.play(pic.show_previous(), rule.light({"prev": theme.VELOCITY}), run_time=0.8)
                self.play(pic.decay(), FadeIn(look), rule.light({"look": theme.LOOK_AHEAD, "beta": theme.VELOCITY, "prev": theme.VELOCITY}), run_time=1)
            classic_vec = momentum_vectors(traj, t, gradient="at_ball")
            ghost_classic = HeadToTail(classic_vec, cmap.c2p, labels, scale=scale).added_arrow[0].set_opacity(0.35)
            with self.narrate(
                tr(
                    "The gradient is measured there. It already feels the far wall, so the step it adds points back and brakes. "
                    "The faint arrow is what the slope at the ball would have said."
                )
                if first else tr("The slope at the look-ahead point decides the new step.")
            ):
                self.play(pic.add_new(), rule.light({"grad": theme.GRADIENT, "lr": theme.GRADIENT, "look": theme.LOOK_AHEAD}), run_time=1.2)
                if first:
                    self.play(FadeIn(ghost_classic), run_time=0.6)
            with self.narrate(tr("The sum is the step taken.")):
                self.play(pic.show_total(), rule.light({"new": theme.STEP, "new2": theme.STEP}), run_time=1)
                self.step_ball(ball, trail, cmap, traj, t, theme.method_color("nesterov"))
                self.play(FadeOut(VGroup(pic, look, ghost_classic) if first else VGroup(pic, look)), run_time=0.4)

        lanes = [Lane.of("momentum", classic, tr("momentum", context="lane"), radius=0.12), Lane.of("nesterov", traj, radius=0.09)]
        with self.narrate(tr("Now classic momentum and Nesterov, same beta, same alpha, from the same start.")):
            self.play(FadeOut(VGroup(trail, readout, note)), FadeOut(ball), rule.light({}), run_time=0.6)
            race = MapRace.on_map(cmap, lanes)
            legend = ball_legend(lanes).next_to(rule, DOWN, buff=0.4).set_x(COLUMN_X)
            race_read = race_readout(lanes, 0, "past min")
            race_read.next_to(legend, DOWN, buff=0.3).set_x(COLUMN_X)
            self.play(FadeIn(race), FadeIn(legend), FadeIn(race_read), run_time=0.6)
        half = min(10, s["steps"])
        with self.narrate(tr(
            "Classic momentum finds out it has gone too far only after it has. "
            "Nesterov slows down before the wall, and before the minimum."
        )):
            self.race(race, race_read, 0, half, 0.3, "past min")
        with self.narrate(tr("It swings less and overshoots less: look how far each went past the minimum.")):
            self.race(race, race_read, half, s["steps"], 0.12, "past min")
