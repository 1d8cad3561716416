"""The layout check: after every ``play`` and ``wait``, the visible picture is clean.

Three rules, checked on what is on screen when an animation (or a wait)
ends:

- no two visible texts or formulas overlap (``Text``, ``MarkupText``,
  ``MathTypst``, ``DecimalNumber``, tick labels, anything with
  ``layout_role = "text"`` …, each taken as one box);
- no text leaves the frame;
- no text covers a ball (anything with ``layout_role = "ball"``:
  :class:`gdexplain.visual.marks.Ball`, its ghosts, the 3-D ball).

In a 3-D scene, mobjects fixed in the frame are checked where they are
drawn, the others at their projection through the scene's camera.

A picture that means an overlap declares it where it is drawn, with a
reason, never silently::

    layout.allow_overlap(label, panel_group, "the label names its own panel")
    layout.allow_outside_frame(ticker, "scrolls in from the right")

Any ancestor of the two colliding texts may carry the allowance, so a
building block can allow what happens inside itself (``allow_overlap(g, g,
why)``: texts inside ``g`` may overlap each other).

Scenes are checked while :func:`watch` is active (the test suite and
``gdexplain check`` turn it on); :class:`gdexplain.scene.NarratedScene`
calls :meth:`LayoutMonitor.check` after each ``play``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from manim import DecimalNumber, MarkupText, SingleStringMathTex, Text, Typst, config
from manim.mobject.mobject import Mobject

#: Mobject types read as one piece of text.
TEXT_TYPES: tuple[type, ...] = (Text, MarkupText, Typst, SingleStringMathTex, DecimalNumber)
#: Below this opacity a mobject counts as invisible.
VISIBLE_OPACITY = 0.05
#: Boxes must overlap by more than this (scene units, both ways) to collide: ~2 px at 480p.
TOLERANCE = 0.03

KIND_OVERLAP = "overlaps"
KIND_OUTSIDE = "leaves the frame"
KIND_BALL = "covers the ball"


# --- declared exceptions ----------------------------------------------------------------------


def allow_overlap(a: Mobject, b: Mobject, reason: str) -> Mobject:
    """Declare that texts in ``a`` may overlap texts (or balls) in ``b``; returns ``a``."""
    if not reason.strip():
        raise ValueError("an allowed overlap needs a reason")
    a.__dict__.setdefault("layout_allowed", []).append((b, reason))
    return a


def allow_outside_frame(mob: Mobject, reason: str) -> Mobject:
    """Declare that the texts in ``mob`` may (partly) leave the frame; returns ``mob``."""
    if not reason.strip():
        raise ValueError("text allowed outside the frame needs a reason")
    mob.__dict__["layout_outside"] = reason
    return mob


# --- what is on screen --------------------------------------------------------------------------


@dataclass(frozen=True)
class Box:
    """An axis-aligned box in frame coordinates (x right, y up)."""

    left: float
    bottom: float
    right: float
    top: float

    def overlap(self, other: "Box") -> tuple[float, float]:
        """Width and height of the intersection (≤ 0 when apart)."""
        return min(self.right, other.right) - max(self.left, other.left), min(self.top, other.top) - max(self.bottom, other.bottom)

    def distance_to(self, point: np.ndarray) -> float:
        """Distance from ``point`` to the box (0 inside)."""
        dx = max(self.left - point[0], 0.0, point[0] - self.right)
        dy = max(self.bottom - point[1], 0.0, point[1] - self.top)
        return float(np.hypot(dx, dy))


@dataclass(frozen=True)
class Shown:
    """One visible text (or ball) and where it is on screen."""

    mob: Mobject
    box: Box
    ancestors: frozenset[int]

    @property
    def name(self) -> str:
        return describe(self.mob)


def describe(mob: Mobject) -> str:
    """``Text 'v (new) = step'`` — what a reader of a failure needs to find the mobject."""
    kind = type(mob).__name__
    if isinstance(mob, DecimalNumber):
        return f"{kind} {mob.get_value():g}"
    for attr in ("original_text", "text", "typst_code", "tex_string"):
        value = getattr(mob, attr, None)
        if isinstance(value, str):
            short = " ".join(value.split())
            return f"{kind} {short[:60]!r}"
    return kind


def _visible(mob: Mobject) -> bool:
    for m in mob.get_family():
        if not m.has_points():
            continue
        fill = getattr(m, "get_fill_opacities", None)
        if fill is not None and np.max(fill(), initial=0.0) > VISIBLE_OPACITY:
            return True
        stroke = getattr(m, "get_stroke_opacities", None)
        width = getattr(m, "get_stroke_width", lambda: 0.0)()
        if stroke is not None and width > 0 and np.max(stroke(), initial=0.0) > VISIBLE_OPACITY:
            return True
    return False


class _Projector:
    """Frame coordinates of a mobject's points: as drawn by the scene's camera."""

    def __init__(self, scene: Any) -> None:
        camera = scene.camera
        self.fixed = getattr(camera, "fixed_in_frame_mobjects", None)
        self.project = getattr(camera, "project_points", None) if self.fixed is not None else None

    def points(self, mob: Mobject) -> np.ndarray:
        chunks = []
        for m in mob.get_family():
            if not m.has_points():
                continue
            pts = np.asarray(m.points, dtype=float)
            if self.project is not None and m not in self.fixed:
                pts = self.project(pts)
            chunks.append(pts)
        return np.concatenate(chunks) if chunks else np.zeros((0, 3))

    def box(self, mob: Mobject) -> Box | None:
        pts = self.points(mob)
        if len(pts) == 0:
            return None
        lo, hi = pts.min(axis=0), pts.max(axis=0)
        return Box(float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1]))


def _is_ball(mob: Mobject) -> bool:
    return getattr(mob, "layout_role", None) == "ball"


def shown(scene: Any) -> tuple[list[Shown], list[Shown]]:
    """The visible texts and balls of ``scene`` right now, each with its on-screen box."""
    projector = _Projector(scene)
    texts: list[Shown] = []
    balls: list[Shown] = []
    seen: set[int] = set()

    def walk(mob: Mobject, ancestors: tuple[int, ...]) -> None:
        here = (*ancestors, id(mob))
        is_text, is_ball = isinstance(mob, TEXT_TYPES) or getattr(mob, "layout_role", None) == "text", _is_ball(mob)
        if is_text or is_ball:
            if id(mob) in seen or not _visible(mob):
                return
            seen.add(id(mob))
            box = projector.box(mob)
            if box is not None and box.right - box.left + box.top - box.bottom > 1e-6:
                (texts if is_text else balls).append(Shown(mob, box, frozenset(here)))
            if is_text:
                return
        for sub in mob.submobjects:
            walk(sub, here)

    for mob in [*scene.mobjects, *getattr(scene, "foreground_mobjects", [])]:
        walk(mob, ())
    return texts, balls


def on_screen(scene: Any) -> list[Mobject]:
    """The texts and balls ``scene`` shows now: what a new label should keep clear of."""
    texts, balls = shown(scene)
    return [s.mob for s in (*texts, *balls)]


# --- the check ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Collision:
    """One layout failure: what collides with what, when, in which scene."""

    scene: str
    time: float
    beat: str
    kind: str
    first: str
    second: str
    where: tuple[float, float]

    def __str__(self) -> str:
        beat = f" (beat {self.beat!r})" if self.beat else ""
        other = f" {self.second}" if self.second else ""
        x, y = self.where
        return f"{self.scene} at {self.time:.2f}s{beat}: {self.first} {self.kind}{other} near ({x:.2f}, {y:.2f})"


def _allowances(mob: Mobject) -> list[tuple[Mobject, str]]:
    return mob.__dict__.get("layout_allowed", [])


class LayoutMonitor:
    """Collects the collisions of one scene, each reported once (at its first time)."""

    def __init__(self, scene_name: str) -> None:
        self.scene_name = scene_name
        self.collisions: list[Collision] = []
        self.checks = 0
        #: The visible texts and balls at the latest check (at the end of a scene: its last frame).
        self.last_shown: tuple[list[Shown], list[Shown]] = ([], [])
        #: The words of every plain text (``Text``, not formulas) shown at any check, as written.
        self.words_shown: set[str] = set()
        self._seen: set[tuple[str, int, int]] = set()

    def check(self, scene: Any, time: float, beat: str = "") -> list[Collision]:
        """Check what ``scene`` shows now; return (and keep) the new collisions."""
        self.checks += 1
        texts, balls = shown(scene)
        self.last_shown = (texts, balls)
        self.words_shown.update(w for t in texts if isinstance(w := getattr(t.mob, "text", None), str) and type(t.mob).__name__ != "MathTypst")
        registry = self._registry(scene)
        new: list[Collision] = []

        def report(kind: str, a: Shown, b: Shown | None, where: np.ndarray) -> None:
            key = (kind, id(a.mob), id(b.mob) if b else 0)
            if key in self._seen:
                return
            self._seen.add(key)
            new.append(Collision(self.scene_name, float(time), beat, kind, a.name, b.name if b else "", (float(where[0]), float(where[1]))))

        half_w, half_h = config.frame_width / 2, config.frame_height / 2
        for t in texts:
            box = t.box
            outside = box.left < -half_w - TOLERANCE or box.right > half_w + TOLERANCE or box.bottom < -half_h - TOLERANCE or box.top > half_h + TOLERANCE
            if outside and not any("layout_outside" in registry[i].__dict__ for i in t.ancestors if i in registry):
                report(KIND_OUTSIDE, t, None, _centre(box))
        for i, a in enumerate(texts):
            for b in texts[i + 1 :]:
                w, h = a.box.overlap(b.box)
                if w > TOLERANCE and h > TOLERANCE and not self._allowed(a, b, registry):
                    report(KIND_OVERLAP, a, b, _centre(a.box))
        for t in texts:
            for ball in balls:
                centre = _centre(ball.box)
                radius = min(ball.box.right - ball.box.left, ball.box.top - ball.box.bottom) / 2
                if t.box.distance_to(centre) < radius - TOLERANCE and not self._allowed(t, ball, registry):
                    report(KIND_BALL, t, ball, centre)
        self.collisions.extend(new)
        return new

    @staticmethod
    def _registry(scene: Any) -> dict[int, Mobject]:
        out: dict[int, Mobject] = {}
        for mob in [*scene.mobjects, *getattr(scene, "foreground_mobjects", [])]:
            for m in mob.get_family():
                out[id(m)] = m
        return out

    @staticmethod
    def _allowed(a: Shown, b: Shown, registry: dict[int, Mobject]) -> bool:
        for mine, theirs in ((a, b), (b, a)):
            for i in mine.ancestors:
                m = registry.get(i)
                if m is None:
                    continue
                if any(id(other) in theirs.ancestors for other, _ in _allowances(m)):
                    return True
        return False


def _centre(box: Box) -> np.ndarray:
    return np.array([(box.left + box.right) / 2, (box.bottom + box.top) / 2])


# --- switching the check on ---------------------------------------------------------------------


@dataclass
class Watch:
    """The monitors of every scene that ran while :func:`watch` was active, in order."""

    monitors: list[LayoutMonitor] = field(default_factory=list)

    @property
    def collisions(self) -> list[Collision]:
        return [c for m in self.monitors for c in m.collisions]


_active: list[Watch] = []


@contextmanager
def watch() -> Iterator[Watch]:
    """Check the layout of every narrated scene constructed inside the block."""
    w = Watch()
    _active.append(w)
    try:
        yield w
    finally:
        _active.remove(w)


def monitor_for(scene_name: str) -> LayoutMonitor | None:
    """A new monitor for a scene being built, if a :func:`watch` is active (else None)."""
    if not _active:
        return None
    m = LayoutMonitor(scene_name)
    _active[-1].monitors.append(m)
    return m


def report(collisions: Iterable[Collision]) -> str:
    """One line per collision, for a test failure or ``gdexplain check``."""
    return "\n".join(str(c) for c in collisions)
