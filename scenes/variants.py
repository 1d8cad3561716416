"""Curriculum K and H's variants: Lookahead, Lion, and AdamW / NAdam / RAdam.

Render: ``gdexplain render lookahead`` (``lion``, ``adam-variants``) or
``manim -ql scenes/variants.py LookaheadScene`` (``LionScene``, ``AdamVariants``).

Three scenes about methods built on top of the ones met before. Each asks the
core for trajectories and draws what they recorded: Lookahead's fast and slow
weights (``fast``, ``slow``, ``synced``), Lion's blend ``c`` and its ``sign``,
AdamW's ``decay`` against Adam's L2 ``penalty``, NAdam's two step parts
(``momentum_step``, ``grad_step``) and RAdam's rectification ``rect``.
Every read-out a scene shows is also kept in :attr:`VariantScene.shown`
(name → rows), so tests can compare the screen with ``gdexplain trace``.
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
    DashedLine,
    DashedVMobject,
    Dot,
    FadeIn,
    FadeOut,
    GrowArrow,
    Line,
    Square,
    VGroup,
    config,
)

from gdexplain.core.optimizers import Optimizer, make_optimizer
from gdexplain.core.race import nearest_minimum
from gdexplain.core.surfaces import Surface, get_surface
from gdexplain.core.trajectory import Trajectory, run
from gdexplain import layout
from gdexplain.i18n import sentences, tr, trn
from gdexplain.scene import ExplainerScene
from gdexplain.visual import theme
from gdexplain.visual.charts import Chart
from gdexplain.visual.contour import ContourMap
from gdexplain.visual.framing import framed_map, map_view
from gdexplain.visual.map_race import Lane, MapRace
from gdexplain.visual.legend import Legend
from gdexplain.visual.marks import Ball, ScaleNote, arrow_scale, vector_arrow
from gdexplain.visual.paths import PathTrail
from gdexplain.visual.panels import FormulaPanel, Readout, fmt, fmt_vector
from gdexplain.visual.vectors import HeadToTail, HeadToTailColors, HeadToTailLabels, HeadToTailVectors

#: The map's largest size on the left of the frame (width, height), scene units.
MAP_BOX = (7.3, 5.6)
#: The map's box when the right-hand column holds wide formulas.
NARROW_BOX = (6.4, 5.6)
#: Padding around the drawn paths when a map shows only part of a surface, as a fraction of their span.
VIEW_PAD = 0.12
#: Left edge of the right-hand column (formulas, read-outs, charts).
COLUMN_X = 1.0
#: Steps taken one at a time before a run plays at speed.
SLOW_STEPS = 3
#: Cycles of Lookahead shown one stage at a time.
SLOW_CYCLES = 2


def signed(value: float) -> str:
    """A sign as the screen shows it: +1, −1 or 0."""
    return "0" if value == 0 else ("+1" if value > 0 else "−1")


def memory_buffers(opt: Optimizer, dim: int) -> tuple[str, ...]:
    """The names of the per-parameter arrays ``opt`` keeps (its state, as the core initialises it)."""
    state = opt.init(np.zeros(dim))
    return tuple(k for k, v in state.items() if np.shape(v) == (dim,))


def view_around(surface: Surface, paths: Sequence[np.ndarray], aspect: float = MAP_BOX[0] / MAP_BOX[1]) -> tuple[tuple[float, float], tuple[float, float]]:
    """The box of the surface's range that holds every finite point of ``paths``, padded (the whole range without paths).

    The shorter side is widened (inside the range) toward the width/height ``aspect`` of the space the map gets.
    """
    ranges = tuple(tuple(map(float, r)) for r in surface.ranges[:2])
    points = [p for path in paths for p in np.asarray(path, dtype=float) if np.all(np.isfinite(p))]
    if not points:
        return ranges  # type: ignore[return-value]
    pts = np.array(points)
    out = []
    for i, (lo, hi) in enumerate(ranges):
        a, b = float(pts[:, i].min()), float(pts[:, i].max())
        pad = max(VIEW_PAD * (b - a), 0.06 * (hi - lo))
        out.append((max(lo, a - pad), min(hi, b + pad)))
    for i, want in ((1, (out[0][1] - out[0][0]) / aspect), (0, (out[1][1] - out[1][0]) * aspect)):
        (a, b), (lo, hi) = out[i], ranges[i]
        if b - a < want:
            centre = (a + b) / 2
            a, b = max(lo, centre - want / 2), min(hi, centre + want / 2)
            a, b = max(lo, min(a, b - want)), min(hi, max(b, a + want))
            out[i] = (a, b)
    return tuple(out)  # type: ignore[return-value]


def overshoots(traj: Trajectory) -> bool:
    """True when the run passes the nearest minimum on some axis (its offset from it changes sign)."""
    target = nearest_minimum(traj.surface, traj.final)
    if target is None:
        return False
    offset = np.sign(np.round(traj.positions - np.asarray(target), 9))
    return bool(np.any((offset[:-1] * offset[1:]) < 0))


def hops(traj: Trajectory, last: int) -> tuple[int, float]:
    """Over the last ``last`` steps: how many different points were visited, and the farthest from the nearest minimum."""
    tail = traj.positions[-last:]
    points = {tuple(np.round(p, 9)) for p in tail}
    target = nearest_minimum(traj.surface, tail[-1])
    far = max(float(np.linalg.norm(p - np.asarray(target))) for p in tail) if target is not None else float("nan")
    return len(points), far


class VariantScene(ExplainerScene):
    """What the three scenes share: a title, a map on the left, read-outs on the right, races."""

    def setup(self) -> None:
        super().setup()
        #: Every read-out shown, by name: a list of its row lists, in the order shown.
        self.shown: dict[str, list[list[tuple[str, str]]]] = {}

    def heading(self, text: str) -> VGroup:
        """The title of a part, top left."""
        return theme.label(text, size=theme.TITLE_SIZE).to_corner(UL, buff=0.35)

    def map_of(self, surface: Surface, *trajs: Trajectory, box: tuple[float, float] = MAP_BOX) -> ContourMap:
        """The part of ``surface`` the runs visit (all of it without runs), as large as ``box`` allows, left of centre."""
        paths = [t.positions for t in trajs]
        if paths:
            ranges = map_view(surface, np.vstack(paths), base=view_around(surface, paths, box[0] / box[1]))
        else:
            ranges = view_around(surface, paths)
        cmap = framed_map(surface, ranges, box)
        cmap.to_edge(LEFT, buff=0.6).set_y(-0.4)
        return cmap

    def fit_column(self, mob):
        """Shrink ``mob`` (right-aligned) if it would reach into the map on its left (:attr:`cmap`); returns ``mob``."""
        room = config.frame_width / 2 - 0.3 - (self.cmap.get_right()[0] + 0.3)
        if mob.width > room:
            right = mob.get_right()
            mob.scale(room / mob.width).move_to(right, aligned_edge=RIGHT)
        return mob

    def readout(self, name: str, rows: list[tuple[str, str]], colors: dict[str, str] | None = None, min_width: float = 4.6) -> Readout:
        """A read-out panel of ``rows``, remembered in :attr:`shown` under ``name``."""
        self.shown.setdefault(name, []).append(list(rows))
        return Readout(rows, colors=colors, min_width=min_width)

    def swap(self, old: Readout, name: str, rows: list[tuple[str, str]], colors: dict[str, str] | None = None) -> None:
        """Replace ``old`` in place with a read-out of new rows (between plays: text is never morphed)."""
        old.become(self.fit_column(self.readout(name, rows, colors).align_to(old, UP).align_to(old, RIGHT)))

    # --- races ----------------------------------------------------------------------------------

    def race_on(self, cmap: ContourMap, runs: Sequence[tuple[str, Trajectory, str]]) -> MapRace:
        """A race of ``(label, trajectory, colour)`` runs on ``cmap``, every ball at its start (the first one larger)."""
        lanes = [Lane(label, color, traj, radius=0.13 if i == 0 else 0.1) for i, (label, traj, color) in enumerate(runs)]
        return MapRace.on_map(cmap, lanes, stroke_width=3.5)

    def race_chart(self, race: MapRace, steps: int) -> Chart:
        """A log-scale loss chart of the race's lanes, above the known minimum when the surface has one."""
        surface = race.lanes[0].traj.surface
        floor = float(surface.value(surface.global_minimum)) if surface.global_minimum is not None else None
        chart = Chart({l.label: l.traj.losses for l in race.lanes}, {l.label: l.color for l in race.lanes}, steps,
                      log=True, floor=floor, floor_label=tr("the minimum"), width=4.6, height=2.2)
        chart.set_progress(0)
        return chart

    def play_race(self, race: MapRace, chart: Chart | None, seconds: float) -> None:
        """Run the race's clock to its end (the chart drawing with it), in one play."""
        on_step = (lambda k: chart.set_progress(k)) if chart is not None else None
        self.play(race.advance(0, race.end, on_step=on_step, changing=[chart] if chart is not None else ()), run_time=seconds)

    @staticmethod
    def legend(race: MapRace, details: Sequence[str]) -> Legend:
        """A legend row per lane with a muted detail (its settings)."""
        return Legend([(l.label, l.color, d) for l, d in zip(race.lanes, details)])

    def clear_screen(self, run_time: float = 0.8) -> None:
        """Fade out everything on screen."""
        if self.mobjects:
            self.play(*(FadeOut(m) for m in self.mobjects), run_time=run_time)
        self.clear()


def finals_text(first: Lane, second: Lane) -> str:
    """``Lion ends at loss 0.0012, Adam at 0.034.`` from the trajectories of a two-lane race."""
    return tr("{first} ends at loss {first_loss}, {second} at {second_loss}.", first=first.label, first_loss=fmt(first.traj.final_loss),
              second=second.label, second_loss=fmt(second.traj.final_loss))



# --- Lion -----------------------------------------------------------------------------------------

LION_RULE = (
    "{{ c = beta_1 m + (1 - beta_1) g : c }} \\ "
    "{{ theta <- theta - alpha dot \"sign\"(c) : step }} \\ "
    "{{ m <- beta_2 m + (1 - beta_2) g : m }}"
)


def lion_rows(traj: Trajectory, t: int, stage: int) -> list[tuple[str, str]]:
    """Lion's read-out at step ``t``: g, m before, c; then sign(c) and Δθ (stage ≥ 1); then the new m (stage 2)."""
    q = traj.quantity
    rows = [("t", str(t)), ("g", fmt_vector(q("grad")[t])), (tr("m (before)"), fmt_vector(q("m")[t - 1])),
            ("c = β₁m + (1−β₁)g", fmt_vector(q("c")[t]))]
    if stage >= 1:
        rows += [(tr("sign(c)"), "(" + ", ".join(signed(v) for v in q("sign")[t]) + ")"), (tr("Δθ = −α·sign(c)"), fmt_vector(q("delta")[t]))]
    if stage >= 2:
        rows.append((tr("m (after)"), fmt_vector(q("m")[t])))
    return rows


class LionScene(VariantScene):
    """Lion: the blend c of momentum and gradient, its sign, steps of exactly ±α, a grid of reachable points, and Adam."""

    slug = "lion"

    def construct(self) -> None:
        s = self.settings
        surface = get_surface(s["surface"])
        self.opt = make_optimizer("lion", lr=s["lr"], beta1=s["beta1"], beta2=s["beta2"])
        self.traj = run(self.opt, surface, s["start"], s["steps"])
        self.adam = run(make_optimizer("adam", lr=s["adam_lr"]), surface, s["start"], s["compare_steps"])
        self.lion_long = run(self.opt, surface, s["start"], s["compare_steps"])
        self.cmap = self.map_of(surface, self.traj, self.adam, self.lion_long)
        self.mechanism()
        self.grid_and_run()
        self.versus_adam()

    def mechanism(self) -> None:
        traj, cmap, s = self.traj, self.cmap, self.settings
        b1, b2, lr = s["beta1"], s["beta2"], s["lr"]
        title = self.heading(tr(self.entry.title))  # the scene's title: "Lion: only the sign survives"
        rule = FormulaPanel(LION_RULE, font_size=30).to_corner(UR, buff=0.35)
        self.ball = Ball().move_to(cmap.c2p(traj.positions[0]))
        self.add(cmap)
        with self.narrate(tr(
            "Lion was found in 2023 by a computer search over update rules. Its name stands for evolved sign momentum, "
            "and its step is built from a sign."
        )):
            self.play(FadeIn(title), FadeIn(self.ball), FadeIn(rule), run_time=1.2)
        unit = cmap.axes.x_axis.get_unit_size()
        q = traj.quantity
        scale = arrow_scale([np.linalg.norm(q("c")[t]) * unit for t in range(1, SLOW_STEPS + 1)], want=1.0)
        note = ScaleNote(scale, tr("m, g and c arrows")).next_to(cmap, DOWN, buff=0.1).align_to(cmap, LEFT)
        readout = self.fit_column(self.readout("lion", lion_rows(traj, 1, 0)).next_to(rule, DOWN, buff=0.3).align_to(rule, RIGHT))
        self.trail = VGroup()
        for t in range(1, SLOW_STEPS + 1):
            here, there = traj.positions[t - 1], traj.positions[t]
            picture = HeadToTail(
                HeadToTailVectors(origin=here, previous=-q("m")[t - 1], decay=b1, added=-(1 - b1) * q("grad")[t]),
                lambda p, o=here: cmap.c2p(o) + scale * (cmap.c2p(p) - cmap.c2p(o)),
                HeadToTailLabels("−m", "β₁·(−m)", "−(1−β₁)g" if np.any(q("m")[t - 1]) else "−c = −(1−β₁)g", "−c"),
                HeadToTailColors(previous=theme.VELOCITY, decayed=theme.VELOCITY, added=theme.GRADIENT, total=theme.HIGHLIGHT),
                label_size=18,
                ghost=False,
                avoid=layout.on_screen(self),
            )
            self.picture = picture
            first = t == 1
            with self.narrate(
                tr("Step one. Lion blends its momentum m with the new gradient: c is beta one times m plus {share} times g. "
                   "m starts at zero, so c is just {share} of the gradient. We draw minus c, the way the ball will go.", share=fmt(1 - b1))
                if first
                else tr("Step {t}. The old m shrinks by beta one, {beta}, and {share} of the new gradient is added, head to tail: that is c.",
                        t=t, beta=fmt(b1), share=fmt(1 - b1))
            ):
                if first:
                    self.play(FadeIn(readout), FadeIn(note), run_time=0.6)
                else:
                    self.swap(readout, "lion", lion_rows(traj, t, 0))
                self.play(rule.light({"c": theme.HIGHLIGHT}), run_time=0.4)
                if np.any(q("m")[t - 1]):
                    self.play(picture.show_previous(), run_time=0.6)
                    self.play(picture.decay(), run_time=0.6)
                self.play(picture.add_new(), run_time=0.7)
                if np.any(q("m")[t - 1]):
                    self.play(picture.show_total(), run_time=0.7)
            corners = self.step_square(here)
            step_arrow = vector_arrow(cmap.c2p(here), cmap.c2p(there), theme.STEP, stroke_width=5)
            delta = q("delta")[t]
            with self.narrate(
                tr("Now only the sign of each coordinate of c is kept. So the step moves every coordinate by exactly alpha, "
                   "{lr}: it lands on one of the four corners of this square, however long or short c was. "
                   "Here the step is {step}.", lr=fmt(lr), step=fmt_vector(delta))
                if first
                else tr("Signs again: the step is {step}, a corner of the square.", step=fmt_vector(delta))
            ):
                self.swap(readout, "lion", lion_rows(traj, t, 1))
                self.play(rule.light({"step": theme.STEP}), FadeIn(corners), run_time=0.6)
                self.play(GrowArrow(step_arrow), run_time=0.6)
            with self.narrate(
                tr("Only after the step is m updated, with beta two, {beta}: a slower average than the blend used for the sign.", beta=fmt(b2))
                if first
                else tr("Then m takes in the new gradient with beta two.")
            ):
                self.swap(readout, "lion", lion_rows(traj, t, 2))
                seg = PathTrail([cmap.c2p(here), cmap.c2p(there)], dots=True)
                self.play(rule.light({"m": theme.VELOCITY}), self.ball.animate.move_to(cmap.c2p(there)), Create(seg),
                          picture.clear(), FadeOut(step_arrow), FadeOut(corners), run_time=0.9)
                self.trail.add(seg)
        self.part = VGroup(title, rule, readout)
        self.note = note

    def step_square(self, at: np.ndarray) -> VGroup:
        """The square of Lion's four possible steps around ``at`` (corners at ±α on each axis), corners dotted."""
        lr = self.settings["lr"]
        corners = [at + lr * np.array(c) for c in ((1, 1), (-1, 1), (-1, -1), (1, -1))]
        pts = [self.cmap.c2p(c) for c in corners]
        side = float(np.linalg.norm(pts[0] - pts[1]))
        square = DashedVMobject(Square(side, color=theme.STEP, stroke_width=2).move_to(self.cmap.c2p(at)), num_dashes=24)
        return VGroup(square, *(Dot(p, radius=0.05, color=theme.STEP) for p in pts))

    def lattice(self) -> VGroup:
        """Faint lines through the start every α on both axes: the only points Lion (λ = 0) can visit."""
        cmap, lr = self.cmap, self.settings["lr"]
        x0, y0 = self.traj.positions[0]
        (xa, xb, _), (ya, yb, _) = cmap.axes.x_range, cmap.axes.y_range
        lines = VGroup()
        for x in x0 + lr * np.arange(np.ceil((xa - x0) / lr), np.floor((xb - x0) / lr) + 1):
            lines.add(Line(cmap.c2p((x, ya)), cmap.c2p((x, yb)), stroke_width=1, color=theme.TEXT, stroke_opacity=0.3))
        for y in y0 + lr * np.arange(np.ceil((ya - y0) / lr), np.floor((yb - y0) / lr) + 1):
            lines.add(Line(cmap.c2p((xa, y)), cmap.c2p((xb, y)), stroke_width=1, color=theme.TEXT, stroke_opacity=0.3))
        return lines

    def grid_and_run(self) -> None:
        traj, cmap, lr = self.traj, self.cmap, self.settings["lr"]
        grid = self.lattice()
        with self.narrate(tr(
            "Because each coordinate moves by exactly {lr} every step, Lion can only ever stand on this grid: "
            "lines {lr} apart through the start.", lr=fmt(lr)
        )):
            self.play(FadeIn(grid), FadeOut(self.note), self.part[1].light({}), run_time=1.2)
        rest = PathTrail([cmap.c2p(p) for p in traj.positions[SLOW_STEPS:]], dots=True)
        last = min(10, traj.steps)
        n_points, far = hops(traj, last)
        readout = self.part[2]
        with self.narrate(sentences(
            tr("Here are all {steps} steps, always along the diagonals of the grid.", steps=traj.steps),
            tr("The momentum in c carries the ball past the bottom before it turns.") if overshoots(traj) else "",
        )):
            self.play(Create(rest), self.ball.animate.move_to(cmap.c2p(traj.positions[-1])), run_time=min(6.0, 0.15 * traj.steps + 1))
            self.swap(readout, "lion", lion_rows(traj, traj.steps, 2))
        settle = (
            tr("With a fixed alpha Lion never settles: over the last {last} steps it hops between {points} grid points, "
               "at most {far} from the minimum. In practice its learning rate is decayed, and it is set three to ten times smaller than Adam's.",
               last=last, points=n_points, far=fmt(far, 3))
            if n_points > 1
            else tr("Over the last steps it stays on one grid point: c has become exactly zero there.")
        )
        with self.narrate(settle):
            pass
        self.leftover = VGroup(self.part, grid, rest, self.trail, self.ball)

    def versus_adam(self) -> None:
        s, cmap = self.settings, self.cmap
        surface = self.traj.surface
        adam, lion = self.adam, self.lion_long
        adam_opt = adam.optimizer
        race = self.race_on(cmap, [("Lion", lion, theme.method_color("lion")), ("Adam", adam, theme.method_color("adam"))])
        title = self.heading(tr("Lion next to Adam"))
        legend = self.fit_column(self.legend(race, [f"α = {fmt(s['lr'])}", f"α = {fmt(s['adam_lr'])}"]).to_corner(UR, buff=0.35))
        memory = self.memory_panel([("Lion", self.opt, race.lanes[0].color), ("Adam", adam_opt, race.lanes[1].color)], surface.dim)
        self.fit_column(memory.next_to(legend, DOWN, buff=0.3).align_to(legend, RIGHT))
        chart = self.race_chart(race, s["compare_steps"]).to_corner(DOWN + RIGHT, buff=0.45)
        lion_buf, adam_buf = (memory_buffers(o, surface.dim) for o in (self.opt, adam_opt))
        with self.narrate(tr(
            "What does Lion save? Adam keeps {adam} numbers for every parameter, m and v. "
            "Lion keeps {lion}, only m. For a model with a billion parameters that is a billion numbers less to store.",
            adam=len(adam_buf), lion=len(lion_buf),
        )):
            self.play(FadeOut(self.leftover), run_time=0.8)
            self.play(FadeIn(title), FadeIn(legend), FadeIn(memory), FadeIn(race), run_time=1.0)
        with self.narrate(sentences(tr("Both from the same start, {steps} steps each.", steps=s["compare_steps"]), finals_text(*race.lanes))):
            self.play(FadeIn(chart), run_time=0.5)
            self.play_race(race, chart, seconds=min(10.0, max(4.0, s["compare_steps"] / 8)))
        with self.narrate(tr("Lion: a blend of momentum and gradient, reduced to its signs. Every step has the same size; only its direction is learned.")):
            pass

    def memory_panel(self, methods: Sequence[tuple[str, Optimizer, str]], dim: int) -> VGroup:
        """Per method, the arrays it keeps for each parameter (from the core's initial state)."""
        rows, colors = [], {}
        for name, opt, color in methods:
            buffers = memory_buffers(opt, dim)
            label = tr("{name} keeps", name=name)
            rows.append((label, tr("{buffers}  ({n} per weight)", buffers=", ".join(buffers), n=len(buffers))))
            colors[label] = color
        return self.readout("memory", rows, colors=colors, min_width=3.4)


# --- Lookahead ------------------------------------------------------------------------------------

#: Lookahead's rule; ``%s`` is the word of "k times", in the viewer's language.
LOOKAHEAD_RULE = (
    "{{ theta <- A(theta) quad k \"%s\" : fast }} \\ "
    "{{ phi <- phi + alpha (theta - phi) : slow }} \\ "
    "{{ theta <- phi : reset }}"
)


def cycle_rows(traj: Trajectory, t: int, inner: str) -> list[tuple[str, str]]:
    """Lookahead's read-out after step ``t``: the fast weights (before any reset; at the start, the start) and the slow weights."""
    q = traj.quantity
    fast = q("fast")[t] if t > 0 else traj.positions[0]
    return [(tr("step", context="read-out"), str(t)), (tr("fast θ ({inner})", inner=inner), fmt_vector(fast)),
            (tr("slow φ"), fmt_vector(q("slow")[t]))]


class LookaheadScene(VariantScene):
    """Lookahead around an inner method: k fast steps, the slow weights move α of the way, the fast restart there."""

    slug = "lookahead"

    def construct(self) -> None:
        s = self.settings
        surface = get_surface(s["surface"])
        self.opt = make_optimizer("lookahead", inner=s["inner"], k=s["k"], alpha=s["alpha"], lr=s["lr"])
        self.traj = run(self.opt, surface, s["start"], s["steps"])
        self.plain = run(self.opt.inner, surface, s["start"], s["compare_steps"])
        self.wrapped = run(self.opt, surface, s["start"], s["compare_steps"])
        self.cmap = self.map_of(surface, self.traj, self.plain, self.wrapped)
        self.cycles()
        self.versus_inner()

    def cycles(self) -> None:
        traj, cmap, s = self.traj, self.cmap, self.settings
        k, alpha = s["k"], s["alpha"]
        inner = self.opt.inner.title
        fast_color, slow_color = theme.method_color(s["inner"]), theme.method_color("lookahead")
        title = self.heading(tr(self.entry.title))  # the scene's title: "Lookahead: fast steps, slow weights"
        rule = FormulaPanel(LOOKAHEAD_RULE % tr("times", context="formula: k steps of A in a row"), font_size=30).to_corner(UR, buff=0.35)
        start = cmap.c2p(traj.positions[0])
        slow_ball = Ball(0.17, slow_color).move_to(start)
        fast_ball = Ball(0.1, fast_color).move_to(start)
        legend = Legend([(tr("fast θ"), fast_color, tr("{inner}, lr = {lr}", inner=inner, lr=fmt(s["lr"]))),
                         (tr("slow φ"), slow_color, trn("every {n} step, α = {alpha}", "every {n} steps, α = {alpha}", k, alpha=fmt(alpha)))])
        self.fit_column(legend.next_to(rule, DOWN, buff=0.3).align_to(rule, RIGHT))
        readout = self.fit_column(self.readout("lookahead", cycle_rows(traj, 0, inner)).next_to(legend, DOWN, buff=0.3).align_to(rule, RIGHT))
        self.add(cmap)
        with self.narrate(tr(
            "Lookahead is not a new step rule: it wraps one. Here the inner method is {inner}. "
            "It keeps two copies of the weights: fast ones that take the steps, and slow ones that follow.", inner=inner
        )):
            self.play(FadeIn(title), FadeIn(slow_ball), FadeIn(fast_ball), FadeIn(rule), run_time=1.2)
            self.play(FadeIn(legend), FadeIn(readout), run_time=0.6)
        syncs = [t for t in range(1, traj.steps + 1) if traj.quantity("synced")[t]]
        self.slow_marks = VGroup()
        self.fast_trails = VGroup()
        slow_path = VGroup()
        t0 = 0
        for i, t in enumerate(syncs[:SLOW_CYCLES]):
            trail = self.fast_steps(fast_ball, t0, t, fast_color, readout, inner, True, rule, i)
            self.sync(slow_ball, fast_ball, trail, t, slow_color, True, rule, i, slow_path)
            t0 = t
        if traj.steps > t0:
            with self.narrate(self.run_rest_beat()):
                for i, t in enumerate(syncs[SLOW_CYCLES:], start=SLOW_CYCLES):
                    trail = self.fast_steps(fast_ball, t0, t, fast_color, readout, inner, False, rule, i)
                    self.sync(slow_ball, fast_ball, trail, t, slow_color, False, rule, i, slow_path)
                    t0 = t
                if traj.steps > t0:  # a last, unfinished cycle
                    self.fast_steps(fast_ball, t0, traj.steps, fast_color, readout, inner, False, rule, len(syncs))
        self.part = VGroup(title, rule, legend, readout, slow_ball, fast_ball, self.slow_marks, self.fast_trails, slow_path)

    def fast_steps(self, ball: Ball, t0: int, t1: int, color: str, readout: Readout, inner: str, slow: bool,
                   rule: FormulaPanel, cycle: int) -> VGroup:
        """The fast weights' steps t0+1 … t1 (to the recorded fast point, before any reset), trail dotted."""
        traj, cmap, k = self.traj, self.cmap, self.settings["k"]
        fast = traj.quantity("fast")
        points = [traj.positions[t0]] + [fast[t] for t in range(t0 + 1, t1 + 1)]
        trail = VGroup()
        self.fast_trails.add(trail)
        if not slow:
            seg = PathTrail([cmap.c2p(p) for p in points], color=color, dots=True, stroke_width=2.5)
            trail.add(seg)
            self.play(Create(seg), ball.animate.move_to(cmap.c2p(points[-1])), run_time=0.12 * (t1 - t0) + 0.2)
            self.swap(readout, "lookahead", cycle_rows(traj, t1, inner))
            return trail
        text = (
            tr("The fast weights take {k} ordinary {inner} steps, exploring ahead. The slow weights stay where they are.", k=k, inner=inner)
            if cycle == 0
            else tr("Cycle two: {k} more fast steps from the new start. {inner} keeps its own memory across the restart.", k=k, inner=inner)
        )
        with self.narrate(text):
            self.play(rule.light({"fast": color}), run_time=0.4)
            for t in range(t0 + 1, t1 + 1):
                seg = PathTrail([cmap.c2p(points[t - t0 - 1]), cmap.c2p(points[t - t0])], color=color, dots=True, stroke_width=2.5)
                trail.add(seg)
                self.play(Create(seg), ball.animate.move_to(cmap.c2p(points[t - t0])), run_time=0.5)
                self.swap(readout, "lookahead", cycle_rows(traj, t, inner))
        return trail

    def sync(self, slow_ball: Ball, fast_ball: Ball, trail: VGroup, t: int, color: str, slow: bool, rule: FormulaPanel, cycle: int, slow_path: VGroup) -> None:
        """Step t is a sync: φ moves α of the way to the fast point, a mark is left there, θ restarts at φ."""
        traj, cmap = self.traj, self.cmap
        q = traj.quantity
        before, after, fast = q("slow")[t - 1], q("slow")[t], q("fast")[t]
        line = DashedLine(cmap.c2p(before), cmap.c2p(fast), color=color, stroke_width=2.5, dash_length=0.08)
        mark = Square(0.13, color=color, fill_color=color, fill_opacity=1, stroke_width=1).rotate(np.pi / 4).move_to(cmap.c2p(after))
        leg = PathTrail([cmap.c2p(before), cmap.c2p(after)], color=color, dots=False, stroke_width=4)
        if slow:
            with self.narrate(self.sync_words(t, cycle)):
                self.play(rule.light({"slow": color}), Create(line), run_time=0.6)
                self.play(slow_ball.animate.move_to(cmap.c2p(after)), Create(leg), run_time=0.9)
                self.play(FadeIn(mark), run_time=0.3)
            with self.narrate(
                tr("Then the fast weights restart from the slow ones. Their last steps are not lost: they pulled the slow weights along.")
                if cycle == 0
                else tr("And the fast weights restart there.")
            ):
                self.play(rule.light({"reset": color}), fast_ball.animate.move_to(cmap.c2p(after)), trail.animate.set_opacity(0.3),
                          FadeOut(line), run_time=0.8)
                self.play(rule.light({}), run_time=0.3)
        else:
            self.play(Create(line), run_time=0.15)
            self.play(slow_ball.animate.move_to(cmap.c2p(after)), Create(leg), FadeIn(mark), run_time=0.3)
            self.play(fast_ball.animate.move_to(cmap.c2p(after)), trail.animate.set_opacity(0.3), FadeOut(line), run_time=0.25)
        self.slow_marks.add(mark)
        slow_path.add(leg)
        self.remove(line)

    def sync_words(self, t: int, cycle: int) -> str:
        """The beat of the sync at step ``t``: where the slow weights went (the first sync in full)."""
        q, alpha = self.traj.quantity, self.settings["alpha"]
        values = dict(t=t, alpha=fmt(alpha), before=fmt_vector(q("slow")[t - 1]), after=fmt_vector(q("slow")[t]))
        if cycle == 0 and alpha == 0.5:
            return tr("Step {t}: a sync. The slow weights move half way toward where the fast ones got, "
                      "from {before} to {after}. The diamond marks the sync point.", **values)
        if cycle == 0:
            return tr("Step {t}: a sync. The slow weights move {alpha} of the way toward where the fast ones got, "
                      "from {before} to {after}. The diamond marks the sync point.", **values)
        if alpha == 0.5:
            return tr("Sync at step {t}: again the slow weights move half way, to {after}.", **values)
        return tr("Sync at step {t}: again the slow weights move {alpha} of the way, to {after}.", **values)

    def run_rest_beat(self) -> str:
        """The beat spoken while the remaining cycles play."""
        return tr(
            "The same rhythm repeats for all {steps} steps: the fast weights explore, and the slow weights follow "
            "in steadier steps, a diamond at every sync.", steps=self.traj.steps
        )

    def versus_inner(self) -> None:
        s, cmap = self.settings, self.cmap
        surface = self.traj.surface
        inner_opt = self.opt.inner
        plain, wrapped = self.plain, self.wrapped
        race = self.race_on(cmap, [(self.opt.title_with_inner, wrapped, theme.method_color("lookahead")),
                                      (inner_opt.title, plain, theme.method_color(s["inner"]))])
        with self.narrate(tr("Now Lookahead against plain {inner}, same α, same start, {steps} steps each.",
                             inner=inner_opt.title, steps=s["compare_steps"])):
            self.play(FadeOut(self.part), run_time=0.8)
            title = self.heading(tr("Lookahead next to {inner}", inner=inner_opt.title))
            legend = self.legend(race, [f"k = {s['k']}, α = {fmt(s['alpha'])}", f"α = {fmt(s['lr'])}"]).to_corner(UR, buff=0.35)
            chart = self.race_chart(race, s["compare_steps"]).next_to(legend, DOWN, buff=0.6).align_to(legend, RIGHT)
            self.play(FadeIn(title), FadeIn(legend), FadeIn(chart), FadeIn(race), run_time=0.8)
        with self.narrate(finals_text(*race.lanes)):
            self.play_race(race, chart, seconds=min(10.0, max(4.0, s["compare_steps"] / 8)))
        if wrapped.final_loss < plain.final_loss:
            verdict = tr("Averaging the fast steps damps their swinging: the slow weights sit closer to the bottom.")
        elif s["alpha"] == 0.5:
            verdict = tr("Here the slow weights' caution costs more than it saves: halving every cycle slows the way down.")
        else:
            verdict = tr("Here the slow weights' caution costs more than it saves: moving only {alpha} of the way every cycle slows the way down.",
                         alpha=fmt(s["alpha"]))
        with self.narrate(sentences(verdict, tr("Lookahead costs one more copy of the weights and no extra gradient."))):
            pass


# --- Adam's variants: AdamW, NAdam, RAdam --------------------------------------------------------

L2_RULE = "{{ g = nabla f(theta) + lambda theta : g }} \\ {{ theta <- theta - alpha hat(m) / (sqrt(hat(v)) + epsilon) : step }}"
ADAMW_RULE = "{{ theta <- theta - alpha lambda theta : decay }} \\ {{ theta <- theta - alpha hat(m) / (sqrt(hat(v)) + epsilon) : step }}"
NADAM_RULE = (
    "{{ Delta theta = : lhs }} {{ - alpha (mu_(t+1) m_t) / ((1 - Pi_t mu_(t+1)) d) : mom }} "
    "{{ - alpha ((1 - mu_t) g_t) / ((1 - Pi_t) d) : grad }} \\ "
    "d = sqrt(v_t / (1 - beta_2^t)) + epsilon"
)
RADAM_RULE = (
    "{{ rho_t = rho_infinity - (2 t beta_2^t) / (1 - beta_2^t) : rho }} \\ "
    "{{ rho_t <= 5 : quad theta <- theta - alpha hat(m) : off }} \\ "
    "{{ rho_t > 5 : quad theta <- theta - alpha r_t hat(m) sqrt(1 - beta_2^t) / (sqrt(v_t) + epsilon) : on }}"
)
#: Colour of the L2 penalty and of AdamW's decay (pulls toward zero).
DECAY_COLOR = theme.LOOK_AHEAD


def decay_rows(l2: Trajectory, w: Trajectory) -> list[tuple[str, str]]:
    """At each run's last step: Adam+L2's ∇f, λθ and g; AdamW's decay, Adam step and Δθ."""
    t, u = l2.steps, w.steps
    return [
        ("Adam + L2", tr("at step {t}", t=t)),
        ("∇f(θ)", fmt_vector(l2.gradients[t - 1])),
        ("+ λθ", fmt_vector(l2.quantity("penalty")[t])),
        ("= g", fmt_vector(l2.quantity("grad")[t])),
        ("AdamW", tr("at step {t}", t=u)),
        (tr("decay −αλθ"), fmt_vector(w.quantity("decay")[u])),
        (tr("Adam step"), fmt_vector(w.quantity("adam_step")[u])),
        ("= Δθ", fmt_vector(w.quantity("delta")[u])),
    ]


def nadam_rows(traj: Trajectory, t: int) -> list[tuple[str, str]]:
    """NAdam's step t taken apart: μ_t, the momentum part, the fresh-gradient part, and the step."""
    q = traj.quantity
    return [("t", str(t)), ("μₜ", fmt(q("mu")[t])), (tr("momentum part"), fmt_vector(q("momentum_step")[t])),
            (tr("gradient part"), fmt_vector(q("grad_step")[t])), (tr("step Δθ"), fmt_vector(q("delta")[t]))]


def braking_step(traj: Trajectory) -> tuple[int, int]:
    """The first step (≥ 2) where NAdam's two parts disagree in sign on a coordinate, and that coordinate.

    Falls back to step 2, coordinate 1 when they never disagree.
    """
    mom, grad = traj.quantity("momentum_step"), traj.quantity("grad_step")
    for t in range(2, traj.steps + 1):
        for i in range(mom.shape[1]):
            if mom[t, i] * grad[t, i] < 0:
                return t, i
    return min(2, traj.steps), traj.surface.dim - 1


def rect_off_steps(traj: Trajectory) -> int:
    """How many first steps RAdam took without its adaptive step (r_t = 0)."""
    rect = traj.quantity("rect")[1:]
    on = np.flatnonzero(rect > 0)
    return int(on[0]) if on.size else len(rect)


class AdamVariants(VariantScene):
    """AdamW against L2, NAdam's look-ahead, RAdam's rectifier: one idea a part, each with real runs."""

    slug = "adam-variants"

    def construct(self) -> None:
        self.decoupled()
        self.nadam()
        self.radam()

    # --- AdamW ----------------------------------------------------------------------------------

    def decoupled(self) -> None:
        s = self.settings
        surface = get_surface(s["surface"])
        lam, lr = s["weight_decay"], s["lr"]
        l2 = run(make_optimizer("adam", lr=lr, weight_decay=lam), surface, s["start"], s["steps"])
        w = run(make_optimizer("adamw", lr=lr, weight_decay=lam), surface, s["start"], s["steps"])
        self.add(cmap := self.map_of(surface, l2, w))
        self.cmap = cmap
        title = self.heading(tr("AdamW: decay the weights, not the gradient"))
        l2_color, w_color = theme.method_color("adam"), theme.method_color("adamw")
        panels = VGroup(
            VGroup(theme.label("Adam + L2", size=theme.SMALL_SIZE, color=l2_color), FormulaPanel(L2_RULE, font_size=28)).arrange(DOWN, aligned_edge=LEFT, buff=0.1),
            VGroup(theme.label("AdamW", size=theme.SMALL_SIZE, color=w_color), FormulaPanel(ADAMW_RULE, font_size=28)).arrange(DOWN, aligned_edge=LEFT, buff=0.1),
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.25).to_corner(UR, buff=0.35).shift(0.75 * DOWN)
        self.fit_column(panels)
        with self.narrate(tr(
            "Weight decay pulls every weight toward zero, to keep a model simple. With Adam there are two places to put it: "
            "inside the gradient, as an L2 penalty, or outside, as a shrink of the weights themselves. That second way is AdamW."
        )):
            self.play(FadeIn(title), FadeIn(panels[0]), run_time=1.0)
            self.play(FadeIn(panels[1]), run_time=0.8)
        with self.narrate(tr(
            "In the first, lambda times theta joins the gradient, and then Adam divides everything by the root of v hat, "
            "so the penalty is measured against the slope of the loss. In AdamW every weight shrinks by alpha lambda, "
            "{shrink} of itself, each step, whatever the slope.", shrink=fmt(lr * lam)
        )):
            self.play(panels[0][1].light({"g": DECAY_COLOR}), panels[1][1].light({"decay": DECAY_COLOR}), run_time=0.8)
        race = self.race_on(cmap, [("Adam + L2", l2, l2_color), ("AdamW", w, w_color)])
        legend = self.fit_column(self.legend(race, [f"α = {fmt(lr)}, λ = {fmt(lam)}"] * 2).next_to(panels, DOWN, buff=0.3).align_to(panels, RIGHT))
        with self.narrate(tr("Both from the same start, with alpha {lr} and lambda {lam}, for {steps} steps.", lr=fmt(lr), lam=fmt(lam), steps=s["steps"])):
            self.play(FadeIn(legend), FadeIn(race), panels[0][1].light({}), panels[1][1].light({}), run_time=0.6)
            self.play_race(race, None, seconds=min(8.0, max(4.0, s["steps"] / 25)))
        target = nearest_minimum(surface, l2.final)
        ends = VGroup(*(self.end_label(cmap, r.traj.final, r.color) for r in race.lanes))
        values = dict(l2_end=fmt_vector(l2.final), minimum=fmt_vector(target) if target is not None else "", lam=fmt(lam), w_end=fmt_vector(w.final))
        with self.narrate(sentences(
            tr("Adam with L2 ends at {l2_end}, close to the minimum of the loss at {minimum}: "
               "on this steep surface a penalty of {lam} is a weak pull.", **values)
            if target is not None
            else tr("Adam with L2 ends at {l2_end}: on this steep surface a penalty of {lam} is a weak pull.", **values),
            tr("AdamW ends at {w_end}, nearer zero.", **values)
            if np.linalg.norm(w.final) < np.linalg.norm(l2.final)
            else tr("AdamW ends at {w_end}.", **values),
        )):
            self.play(FadeIn(ends), run_time=0.8)
        readout = self.readout("adamw", decay_rows(l2, w), colors={"Adam + L2": l2_color, "AdamW": w_color})
        self.fit_column(readout.to_corner(UR, buff=0.35).shift(0.5 * DOWN))
        with self.narrate(tr(
            "Why? With L2, the run stops where the slope of the loss cancels lambda theta: the gradient g becomes almost zero. "
            "AdamW stops where its Adam step, about alpha per coordinate at most, just cancels the shrink. "
            "The decay no longer depends on how steep the loss is, which is what decoupled means."
        )):
            self.play(FadeOut(panels), run_time=0.5)
            self.play(FadeIn(readout), legend.animate.next_to(readout, DOWN, buff=0.3).align_to(readout, RIGHT), run_time=0.6)

    def end_label(self, cmap: ContourMap, point: np.ndarray, color: str) -> VGroup:
        """A ring at a run's end point with its coordinates beside it (kept inside the map)."""
        at = cmap.c2p(point)
        ring = Dot(at, radius=0.09, color=color, fill_opacity=0).set_stroke(color, 3)
        text = theme.label(fmt_vector(point), size=18, color=color)
        text.next_to(ring, RIGHT if at[0] < cmap.get_center()[0] else LEFT, buff=0.12)
        return VGroup(ring, text)

    # --- NAdam ----------------------------------------------------------------------------------

    def nadam(self) -> None:
        s = self.settings
        surface = get_surface(s["nadam_surface"])
        lr, steps = s["nadam_lr"], s["nadam_steps"]
        nadam = run(make_optimizer("nadam", lr=lr), surface, None, steps)
        adam = run(make_optimizer("adam", lr=lr), surface, None, steps)
        cmap = self.cmap = self.map_of(surface, nadam, adam, box=NARROW_BOX)
        title = self.heading(tr("NAdam: Nesterov's look-ahead inside Adam"))
        rule = self.fit_column(FormulaPanel(NADAM_RULE, font_size=28).to_corner(UR, buff=0.35).shift(0.5 * DOWN))
        with self.narrate(tr(
            "NAdam borrows Nesterov's idea: use the momentum of the next step now. Its step has two parts: "
            "the momentum m, weighted by next step's factor mu t plus one, and the fresh gradient, once more on its own."
        )):
            self.clear_screen()
            self.play(FadeIn(cmap), FadeIn(title), FadeIn(rule), run_time=1.0)
            self.play(rule.light({"mom": theme.VELOCITY, "grad": theme.GRADIENT}), run_time=0.6)
        t, axis = braking_step(nadam)
        q = nadam.quantity
        here = nadam.positions[t - 1]
        trail = PathTrail([cmap.c2p(p) for p in nadam.positions[:t]], color=theme.method_color("nadam"), dots=True)
        ball = Ball(0.12, theme.method_color("nadam")).move_to(cmap.c2p(here))
        unit = cmap.axes.x_axis.get_unit_size()
        scale = arrow_scale([np.linalg.norm(q("delta")[t]) * unit], want=1.0)
        picture = HeadToTail(
            HeadToTailVectors(origin=here, previous=q("momentum_step")[t], decay=1.0, added=q("grad_step")[t]),
            lambda p, o=here: cmap.c2p(o) + scale * (cmap.c2p(p) - cmap.c2p(o)),
            HeadToTailLabels(tr("momentum"), tr("momentum"), tr("gradient"), tr("step", context="arrow: the step taken")),
            HeadToTailColors(previous=theme.VELOCITY, decayed=theme.VELOCITY, added=theme.GRADIENT, total=theme.STEP),
            label_size=18,
            ghost=scale == 1,
            avoid=[*layout.on_screen(self), ball],
        )
        note = ScaleNote(scale).next_to(cmap, DOWN, buff=0.1).align_to(cmap, LEFT)
        readout = self.fit_column(self.readout("nadam", nadam_rows(nadam, t)).next_to(rule, DOWN, buff=0.3).align_to(rule, RIGHT))
        name = nadam.surface.coords[axis]
        mom_dir, grad_dir = (("+" if v > 0 else "−") + name for v in (q("momentum_step")[t, axis], q("grad_step")[t, axis]))
        with self.narrate(tr(
            "Step {t}. On {axis} the two parts disagree: the momentum part still moves toward {momentum}, "
            "while the fresh gradient already pulls toward {gradient}. NAdam starts to brake before its momentum has turned.",
            t=t, axis=name, momentum=mom_dir, gradient=grad_dir,
        )):
            self.play(Create(trail), FadeIn(ball), FadeIn(note), FadeIn(readout), run_time=1.0)
            self.play(picture.show_previous(), run_time=0.7)
            self.play(picture.add_new(), run_time=0.7)
            self.play(picture.show_total(), run_time=0.7)
        race = self.race_on(cmap, [("NAdam", nadam, theme.method_color("nadam")), ("Adam", adam, theme.method_color("adam"))])
        legend = self.legend(race, [f"α = {fmt(lr)}"] * 2).next_to(rule, DOWN, buff=0.3).align_to(rule, RIGHT)
        chart = self.race_chart(race, steps).to_corner(DOWN + RIGHT, buff=0.45)
        with self.narrate(sentences(tr("NAdam against Adam, same alpha, same start, {steps} steps.", steps=steps), finals_text(*race.lanes))):
            self.play(FadeOut(VGroup(picture, trail, ball, note, readout)), FadeIn(legend), FadeIn(chart),
                      FadeIn(race), rule.light({}), run_time=0.8)
            self.play_race(race, chart, seconds=min(8.0, max(4.0, steps / 8)))

    # --- RAdam ----------------------------------------------------------------------------------

    def radam(self) -> None:
        s = self.settings
        surface = get_surface(s["radam_surface"])
        lr, b2, steps = s["radam_lr"], s["radam_beta2"], s["radam_steps"]
        radam = run(make_optimizer("radam", lr=lr, beta2=b2), surface, None, steps)
        adam = run(make_optimizer("adam", lr=lr, beta2=b2), surface, None, steps)
        cmap = self.cmap = self.map_of(surface, radam, adam, box=NARROW_BOX)
        title = self.heading(tr("RAdam: adapt only when v̂ can be trusted"))
        rule = self.fit_column(FormulaPanel(RADAM_RULE, font_size=26).to_corner(UR, buff=0.35).shift(0.5 * DOWN))
        rect = radam.quantity("rect")
        chart = Chart({}, {}, radam.steps, title=tr("rectification r_t"), width=4.4, height=1.9, from_zero=True, y_max=1.0)
        chart.to_corner(DOWN + RIGHT, buff=0.5)
        curve = chart.line(rect[1:], theme.method_color("radam"), start_step=1)
        off = rect_off_steps(radam)
        self.shown["radam"] = [[("off steps", str(off)), ("r first on", fmt(rect[off + 1]) if off < radam.steps else "—"),
                                ("r last", fmt(rect[-1]))]]
        with self.narrate(tr(
            "Adam's v hat after one or two gradients is a poor estimate, yet Adam divides by it from the first step. "
            "RAdam measures how many gradients v hat is really made of, rho t, and while rho t is at most 5 it does not divide at all."
        )):
            self.clear_screen()
            self.play(FadeIn(cmap), FadeIn(title), FadeIn(rule), run_time=1.0)
            self.play(rule.light({"rho": theme.HIGHLIGHT, "off": theme.VELOCITY}), run_time=0.6)
        with self.narrate(tr(
            "With beta two = {beta}, that is the first {off} steps: the rectification r t is 0 and the step is plain momentum. "
            "Then the adaptive step switches on, scaled by r t: {first} at first, {last} by step {steps}. A warm-up built into the rule.",
            beta=fmt(b2), off=off, first=fmt(rect[min(off + 1, radam.steps)], 3), last=fmt(rect[-1], 3), steps=radam.steps,
        )):
            self.play(FadeIn(chart), rule.light({"on": theme.method_color("radam")}), run_time=0.6)
            self.play(Create(curve), run_time=1.5)
        race = self.race_on(cmap, [("RAdam", radam, theme.method_color("radam")), ("Adam", adam, theme.method_color("adam"))])
        legend = self.legend(race, [f"α = {fmt(lr)}, β₂ = {fmt(b2)}"] * 2).next_to(rule, DOWN, buff=0.3).align_to(rule, RIGHT)
        first_r, first_a = (float(np.linalg.norm(t.quantity("delta")[1])) for t in (radam, adam))
        with self.narrate(tr(
            "On the map: Adam's first step is {adam} long, alpha on every axis, trusting v hat from one gradient. "
            "RAdam's first step is {radam}, a momentum step sized by the gradient itself, and after step {off} its steps start small and grow.",
            adam=fmt(first_a, 3), radam=fmt(first_r, 3), off=off,
        )):
            self.play(FadeIn(legend), FadeIn(race), rule.light({}), run_time=0.6)
            self.play_race(race, None, seconds=min(8.0, max(4.0, steps / 8)))
        with self.narrate(sentences(
            tr("After {steps} steps: {finals}", steps=steps, finals=finals_text(*race.lanes)),
            tr("RAdam spends its first steps carefully; in training a network from noisy mini-batches, that caution replaces a hand-tuned warm-up.")
            if first_r < first_a
            else tr("Here its first momentum steps are longer than Adam's: without the division their size is the gradient's, so RAdam wants a small alpha."),
        )):
            pass
