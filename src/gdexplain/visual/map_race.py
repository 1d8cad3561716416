"""Several balls racing on one map (or landscape): the building block of every race picture.

A race is a set of core trajectories from one start (see
:func:`gdexplain.core.race.run_race`, or any runs a scene makes). One clock
drives the picture: at progress ``k`` every ball stands at its recorded
position ``k`` (between two steps for a fractional ``k``), every path shows
its first ``k`` steps, and each ball's squares (optional) show its
accumulator of the step under way. A ball whose run has ended waits at its
last point; a path that leaves the map is cut at the edge and its ball dims
there; a run the core stopped as diverged gets a cross where it left the
picture. Usage::

    lanes = [Lane.of("gd", gd_traj), Lane.of("momentum", mom_traj)]
    race = MapRace.on_map(cmap, lanes)
    self.add(race)
    self.play(race.advance(0, 20, on_step=lambda k: readout.become(...)), run_time=4)

:func:`race_rows` words the usual read-out (step, each lane's loss, …) and
:func:`ball_legend` the usual key. The pure part — where each mark is at
progress ``k`` — is :meth:`MapRace.state`, which tests compare with the
trajectories.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, Group, Line, UpdateFromAlphaFunc, VGroup, VMobject, linear
from manim.animation.animation import Animation
from manim.mobject.mobject import Mobject

from gdexplain.i18n import tr
from gdexplain.core.parts import push_memory, square_memory
from gdexplain.core.race import overshoot, short_name
from gdexplain.core.trajectory import Trajectory
from gdexplain.visual import theme
from gdexplain.visual.contour import ContourMap
from gdexplain.visual.marks import Ball, vector_arrow
from gdexplain.visual.panels import Readout, fmt, fmt_vector
from gdexplain.visual.paths import ClippedPath, ToScene
from gdexplain.visual.squares import AccumulatorSquares, nice_square_scale

#: A ball outside the map is drawn this faint, at the point where it left.
OFF_MAP_OPACITY = 0.3
#: What a race can draw at each ball besides its path (``--set overlays=…``).
OVERLAYS: tuple[str, ...] = ("gradient", "momentum", "squares")
#: Nine in ten overlay arrows are drawn at most about this long (scene units), at one stated factor.
ARROW_WANT = 0.8
#: Largest side of an overlay square (scene units); bigger ones are drawn dashed at this cap.
SQUARE_SIDE, SQUARE_CAP = 0.6, 0.9


@dataclass(frozen=True)
class LaneSquares:
    """Per-axis squares a ball carries: ``values[t]`` after step t, drawn at ``scale`` (and ``cap``)."""

    values: np.ndarray
    scale: float
    cap: float | None = None


@dataclass(frozen=True)
class Lane:
    """One contestant: its name on screen, colour (of path and ball), trajectory, ball size, optional squares.

    ``ball_color`` draws the ball in another colour than the path (a lone
    ball in the lecture's ball colour on its pale trail).
    """

    label: str
    color: str
    traj: Trajectory
    radius: float = 0.11
    squares: LaneSquares | None = None
    ball_color: str | None = None

    @classmethod
    def of(cls, name: str, traj: Trajectory, label: str | None = None, **kwargs) -> "Lane":
        """A lane in method ``name``'s registered colour (``lookahead:adam`` too), labelled with its short name unless ``label``."""
        return cls(label if label is not None else short_name(name), theme.method_color(name), traj, **kwargs)

    @property
    def end(self) -> int:
        """The last step worth showing: where the run stopped (ran out, converged or diverged)."""
        return self.traj.diverged_at if self.traj.diverged_at is not None else self.traj.steps


@dataclass(frozen=True)
class MarkState:
    """Where one lane's marks are at a progress: ball point (surface coordinates) and how it is drawn."""

    point: np.ndarray
    inside: bool
    crossed: bool
    #: The step whose records the ball's squares and arrows show: the one under way (ceil k).
    step: int


def cross(color: str, size: float = 0.17) -> VGroup:
    """An ✕ in a method's colour: a diverged run."""
    d1, d2 = size * (UP + RIGHT), size * (UP + LEFT)
    return VGroup(Line(-d1, d1, stroke_color=color, stroke_width=6), Line(-d2, d2, stroke_color=color, stroke_width=6))


def set_ball_opacity(ball, opacity: float) -> None:
    """Dim a ball (a 2-D :class:`Ball`: disc and highlight, or a 3-D sphere) without changing its look."""
    if isinstance(ball, Ball):
        ball[0].set_fill(opacity=opacity).set_stroke(opacity=opacity)
        ball[1].set_fill(opacity=0.55 * opacity)
    else:
        ball.set_fill(opacity=opacity)


class MapRace(VGroup):
    """Paths, balls, crosses and squares of several lanes on one picture, placed by one clock.

    Args:
        lanes: the contestants, drawn in this order (later ones on top).
        to_scene: surface point → scene point of a path (``ContourMap.c2p``, or a landscape's).
        box: ``((x_lo, x_hi), (y_lo, y_hi))``: paths are cut to it, balls outside it dim.
        ball_at: surface point → scene centre of a ball (default ``to_scene``; a landscape lifts it).
        make_ball: colour, radius → a ball mobject (default a 2-D :class:`Ball`).
        stroke_width: width of the paths.

    Submobjects: ``paths``, ``squares``, ``crosses``, ``balls`` (in drawing order).
    """

    def __init__(
        self,
        lanes: Sequence[Lane],
        to_scene: ToScene,
        box,
        ball_at: ToScene | None = None,
        make_ball: Callable[[str, float], object] | None = None,
        stroke_width: float = 3,
        overlays: Sequence[str] = (),
    ) -> None:
        super().__init__()
        if not lanes:
            raise ValueError("a race needs at least one lane")
        unknown = [o for o in overlays if o not in OVERLAYS]
        if unknown:
            raise ValueError(f"unknown overlay {', '.join(unknown)}: choose from {', '.join(OVERLAYS)}")
        self.overlays = tuple(overlays)
        self.lanes = list(lanes)
        self.unit = float(np.linalg.norm(np.asarray(to_scene(np.array([1.0, 0.0]))) - np.asarray(to_scene(np.array([0.0, 0.0])))))
        self.arrow_factor = 1.0
        self.square_scale: float | None = None
        if self.overlays:
            self.arrow_factor, self.square_scale = overlay_scales(self.lanes, self.overlays, self.unit)
        if "squares" in self.overlays and self.square_scale is not None:
            self.lanes = [
                l if l.squares is not None or square_memory(l.traj) is None
                else replace(l, squares=LaneSquares(square_memory(l.traj), self.square_scale, SQUARE_CAP))
                for l in self.lanes
            ]
        self.to_scene = to_scene
        self.ball_at = ball_at or to_scene
        self.box = tuple(tuple(float(c) for c in r) for r in box)
        make_ball = make_ball or (lambda color, radius: Ball(radius, color))
        self.paths = VGroup(*(ClippedPath(l.traj.positions, to_scene, self.box, color=l.color, stroke_width=stroke_width) for l in self.lanes))
        self.balls = VGroup(*(make_ball(l.ball_color or l.color, l.radius) for l in self.lanes))
        self.crosses = VGroup(*(cross(l.color) for l in self.lanes))
        self.squares = VGroup(*(self._squares(l, 0, self.ball_at(l.traj.positions[0])) for l in self.lanes if l.squares is not None))
        #: One arrow per lane and arrow overlay (empty while there is nothing to show).
        self.arrows = VGroup(*(VMobject() for _ in self.lanes for o in self.overlays if o != "squares"))
        self.add(self.paths, self.squares, self.arrows, self.crosses, self.balls)
        self.progress = 0.0
        self.set_progress(0)

    @classmethod
    def on_map(cls, cmap: ContourMap, lanes: Sequence[Lane], **kwargs) -> "MapRace":
        """A race drawn on a contour map: paths cut to the map, balls flat on it."""
        (x0, x1, _), (y0, y1, _) = cmap.axes.x_range, cmap.axes.y_range
        return cls(lanes, cmap.c2p, ((x0, x1), (y0, y1)), **kwargs)

    @property
    def end(self) -> int:
        """The last step worth showing: when the slowest lane stopped."""
        return max(l.end for l in self.lanes)

    def state(self, i: int, k: float) -> MarkState:
        """Where lane ``i``'s marks are at progress ``k`` (pure: no drawing)."""
        lane, path = self.lanes[i], self.paths[i]
        point, inside = path.visible_point(k)
        crossed = lane.traj.diverged_at is not None and k >= lane.traj.diverged_at
        return MarkState(point, inside, crossed, int(min(np.ceil(k - 1e-9), lane.traj.steps)))

    def _squares(self, lane: Lane, t: int, at: np.ndarray) -> AccumulatorSquares:
        sq = lane.squares
        assert sq is not None
        (x0, x1), (y0, y1) = self.box
        left, bottom = np.asarray(self.to_scene(np.array([x0, y0])))[:2]
        right, top = np.asarray(self.to_scene(np.array([x1, y1])))[:2]
        return AccumulatorSquares(sq.values[t], sq.scale, at, labels=None, cap=sq.cap, within=(float(left), float(bottom), float(right), float(top)))

    def set_progress(self, k: float) -> "MapRace":
        """Place every mark at progress ``k`` (0 … the longest run)."""
        self.progress = float(k)
        squares, arrows = iter(self.squares), 0
        for i, lane in enumerate(self.lanes):
            self.paths[i].set_progress(k)
            s = self.state(i, k)
            at = self.ball_at(s.point)
            self.balls[i].move_to(at)
            set_ball_opacity(self.balls[i], 0.0 if s.crossed else (1.0 if s.inside else OFF_MAP_OPACITY))
            self.crosses[i].move_to(self.to_scene(s.point)).set_opacity(1.0 if s.crossed else 0.0)
            if lane.squares is not None:
                next(squares).become(self._squares(lane, max(s.step, 0), at))
            for kind in self.overlays:
                if kind != "squares":
                    vec = overlay_vector(lane.traj, kind, s.step)
                    self.arrows.submobjects[arrows] = self._arrow(s, vec, kind)  # rebuilt, not morphed: cheaper
                    arrows += 1
        return self

    def _arrow(self, s: MarkState, vec: np.ndarray | None, kind: str) -> VMobject:
        """The overlay arrow at a ball (an empty mobject when hidden or too short to draw)."""
        if vec is None or s.crossed or not s.inside or not np.all(np.isfinite(vec)):
            return VMobject()
        start = np.asarray(self.to_scene(s.point), dtype=float)
        d = self.arrow_factor * self.unit * np.array([vec[0], vec[1], 0.0])
        if np.linalg.norm(d) < 0.05:
            return VMobject()
        return vector_arrow(start, start + d, theme.GRADIENT if kind == "gradient" else theme.VELOCITY, stroke_width=4)

    def advance(self, k0: float, k1: float, on_step: Callable[[int], None] | None = None, updates: int | None = None,
                changing: Sequence[Mobject] = ()) -> Animation:
        """An animation moving the clock from ``k0`` to ``k1`` at a steady pace (give it a run_time).

        ``on_step(k)`` is called each time step ``k`` completes (for a
        read-out); ``updates`` caps how many calls one animation makes
        (rebuilding text is slow), the last step always included. List in
        ``changing`` what ``on_step`` changes (the read-out), so that Manim
        redraws it during the animation instead of keeping its first frame.
        """
        every = 1 if not updates else max(1, int(np.ceil((k1 - k0) / updates)))
        done = {"k": int(np.floor(k0))}

        def update(_, alpha: float) -> None:
            x = k0 + alpha * (k1 - k0)
            self.set_progress(x)
            if on_step is None:
                return
            k = int(np.floor(x + 1e-9))
            if k != done["k"] and ((k - int(np.floor(k0))) % every == 0 or k >= k1):
                done["k"] = k
                on_step(k)

        target = Group(self, *changing) if changing else self
        return UpdateFromAlphaFunc(target, update, rate_func=linear)


def _race_cells(lanes: Sequence[Lane], k: int, extra: str) -> list[tuple[str, str, str | None]]:
    cells: list[tuple[str, str, str | None]] = [(tr("step", context="read-out"), str(k), None)]
    for l in lanes:
        cells.append((tr("{name} loss", name=l.label), fmt(l.traj.losses[min(k, l.traj.steps)]), l.color))
    if extra not in ("", "past min", "step"):
        raise ValueError(f"extra must be '', 'past min' or 'step', got {extra!r}")
    for l in lanes if extra else ():
        i = min(k, l.traj.steps)
        if extra == "past min":
            cells.append((tr("{name} past min", name=l.label), fmt(overshoot(l.traj, i)), l.color))
        else:
            cells.append((tr("{name} step", context="read-out: the last step taken", name=l.label), fmt_vector(l.traj.quantity("delta")[i]) if i > 0 else "—", l.color))
    return cells


def overlay_vector(traj: Trajectory, kind: str, t: int) -> np.ndarray | None:
    """The vector an arrow overlay shows at step ``t`` of a run (None: nothing to show).

    ``gradient``: the gradient the step under way uses (uphill, as in every
    step-by-step picture); ``momentum``: the stored push after the step
    (:func:`gdexplain.core.parts.push_memory`; None for a method without one).
    """
    t = int(min(max(t, 0), traj.steps))
    if kind == "gradient":
        return None if t < 1 else np.asarray(traj.quantity("grad")[t], dtype=float)
    memory = push_memory(traj)
    return None if memory is None else memory[t]


def overlay_scales(lanes: Sequence[Lane], overlays: Sequence[str], unit: float) -> tuple[float, float | None]:
    """One arrow factor and one square scale for a whole race (both stated on screen).

    The arrow factor is a nice number that draws nine arrows in ten at most
    about :data:`ARROW_WANT` long (a few longer ones stay to scale); the square scale keeps the median square under
    :data:`SQUARE_SIDE` (the largest are capped at :data:`SQUARE_CAP`).
    """
    lengths, squares = [], []
    for l in lanes:
        n = l.traj.steps
        for kind in overlays:
            if kind == "squares":
                memory = square_memory(l.traj)
                if memory is not None:
                    squares.append(memory[1 : n + 1].ravel())
                continue
            for t in range(1, n + 1):
                v = overlay_vector(l.traj, kind, t)
                if v is not None and np.all(np.isfinite(v)):
                    lengths.append(float(np.linalg.norm(v)) * unit)
    factor = nice_factor(lengths, ARROW_WANT, 0.9)
    scale = None
    if squares:
        values = np.concatenate(squares)
        values = values[np.isfinite(values) & (values > 0)]
        scale = nice_square_scale([float(np.median(values))] if values.size else [], SQUARE_SIDE)
    return factor, scale


def nice_factor(lengths: Sequence[float], want: float, quantile: float = 0.5) -> float:
    """A factor (…, 0.1, 0.2, 0.5, 1, 2, 5, …) that draws the ``quantile`` of ``lengths`` about ``want`` long."""
    finite = [x for x in lengths if np.isfinite(x) and x > 0]
    if not finite:
        return 1.0
    exact = want / float(np.quantile(finite, quantile))
    k = int(np.floor(np.log10(exact)))
    choices = [m * 10.0**e for e in (k - 1, k, k + 1) for m in (1.0, 2.0, 5.0)]
    return float(min(choices, key=lambda f: abs(np.log(f / exact))))


def race_rows(lanes: Sequence[Lane], k: int, extra: str = "") -> list[tuple[str, str]]:
    """A race read-out: the step and each lane's loss at step ``k`` (its last if it stopped earlier).

    ``extra="past min"`` adds how far each has gone past the minimum so far
    (:func:`gdexplain.core.race.overshoot`); ``extra="step"`` adds each lane's last step Δθ.
    """
    return [(name, value) for name, value, _ in _race_cells(lanes, k, extra)]


def race_readout(lanes: Sequence[Lane], k: int, extra: str = "", min_width: float = 4.4) -> Readout:
    """:func:`race_rows` on a panel, every lane's rows in its colour."""
    cells = _race_cells(lanes, k, extra)
    return Readout([(n, v) for n, v, _ in cells], colors={n: c for n, _, c in cells if c}, min_width=min_width)


def ball_legend(lanes: Sequence[Lane], radius: float = 0.09) -> VGroup:
    """One row per lane: a ball in its colour and its name."""
    rows = VGroup()
    for l in lanes:
        dot = Ball(radius, color=l.color)
        rows.add(VGroup(dot, theme.label(l.label, size=theme.SMALL_SIZE, color=l.color).next_to(dot, RIGHT, buff=0.15)))
    return rows.arrange(DOWN, aligned_edge=LEFT, buff=0.15)
