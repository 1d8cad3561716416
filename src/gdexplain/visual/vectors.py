"""Head-to-tail vector addition at the ball: an old vector decays, a new one is added.

Momentum-style updates share one picture: a stored vector ``previous`` at
the ball shrinks to ``decay · previous``, a new vector ``added`` is drawn
from the tip of the shrunk one, and their sum — the step actually taken —
runs from the ball to where it lands, marked by a ghost ball::

    vectors = HeadToTailVectors(origin=θ, previous=v_prev, decay=β, added=-α·g)
    picture = HeadToTail(vectors, cmap.c2p, labels=HeadToTailLabels("v", "β·v", "−α·g", "new v"))
    self.play(picture.show_previous())
    self.play(picture.decay())
    self.play(picture.add())
    self.play(picture.show_total())

The numbers live in :class:`HeadToTailVectors` (pure, no Manim), which a
test can compare with a trajectory; :class:`HeadToTail` only draws them.
Nothing here is specific to one optimizer: colours and labels are passed in
(Adam's first moment uses it with decay β1 and the new term (1−β1)·g).

Arrows may be drawn ``scale`` times longer than they are (one factor for a
whole scene, see :func:`gdexplain.visual.marks.arrow_scale`; show a
:class:`~gdexplain.visual.marks.ScaleNote`). The ghost ball always marks
the true landing point ``origin + decay·previous + added``; with
``scale == 1`` the sum arrow ends exactly on it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from manim import FadeIn, FadeOut, FadeTransform, GrowArrow, ReplacementTransform, VGroup
from manim.animation.animation import Animation
from manim.animation.composition import AnimationGroup
from manim.mobject.mobject import Mobject

from gdexplain.core.parts import momentum_parts
from gdexplain.core.trajectory import Trajectory
from gdexplain.visual import theme
from gdexplain.visual.marks import Ball, label_arrow, vector_arrow

#: Maps a point of the surface (x, y) to a scene point, e.g. ``ContourMap.c2p``.
ToScene = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class HeadToTailVectors:
    """The numbers of one head-to-tail addition, in surface coordinates.

    Attributes:
        origin: where the ball stands (the tail of every arrow but ``added``).
        previous: the stored vector before this step (e.g. v_{t−1}).
        decay: the factor it shrinks by (e.g. β).
        added: the new vector drawn from the decayed tip (e.g. −α·g_t).
    """

    origin: np.ndarray
    previous: np.ndarray
    decay: float
    added: np.ndarray

    def __post_init__(self) -> None:
        for name in ("origin", "previous", "added"):
            object.__setattr__(self, name, np.asarray(getattr(self, name), dtype=float).reshape(-1))
        if not (self.origin.shape == self.previous.shape == self.added.shape):
            raise ValueError("origin, previous and added must have the same number of coordinates")

    @classmethod
    def from_total(cls, origin: np.ndarray, previous: np.ndarray, decay: float, total: np.ndarray) -> "HeadToTailVectors":
        """The addition that ends in a recorded ``total`` (e.g. −m_t from −m_{t−1} and β1):
        the new vector is what the decayed one lacks, ``total − decay · previous``."""
        previous, total = np.asarray(previous, dtype=float), np.asarray(total, dtype=float)
        return cls(origin=origin, previous=previous, decay=decay, added=total - decay * previous)

    @property
    def decayed(self) -> np.ndarray:
        """``decay · previous``: what is left of the stored vector."""
        return self.decay * self.previous

    @property
    def total(self) -> np.ndarray:
        """``decay · previous + added``: the new stored vector, the step taken."""
        return self.decayed + self.added

    @property
    def pivot(self) -> np.ndarray:
        """The tip of the decayed vector, where ``added`` starts."""
        return self.origin + self.decayed

    @property
    def landing(self) -> np.ndarray:
        """Where the ball lands: ``origin + total``."""
        return self.origin + self.total

    def drawn_lengths(self, to_scene: ToScene) -> list[float]:
        """True scene lengths of the four arrows (for choosing one arrow scale)."""
        o = np.asarray(to_scene(self.origin))
        return [
            float(np.linalg.norm(np.asarray(to_scene(self.origin + v)) - o))
            for v in (self.previous, self.decayed, self.added, self.total)
        ]


@dataclass(frozen=True)
class HeadToTailLabels:
    """Text of the arrow labels, in the order the arrows appear."""

    previous: str
    decayed: str
    added: str
    total: str


@dataclass(frozen=True)
class HeadToTailColors:
    """Colours of the arrows; defaults follow the lecture's theme (momentum, gradient, step)."""

    previous: str = theme.VELOCITY
    decayed: str = theme.VELOCITY
    added: str = theme.GRADIENT
    total: str = theme.STEP
    ghost: str = theme.BALL


class HeadToTail(VGroup):
    """The arrows of one :class:`HeadToTailVectors`, drawn at a ball, revealed stage by stage.

    Args:
        vectors: the numbers to draw.
        to_scene: surface point → scene point (``ContourMap.c2p``).
        labels: the text beside each arrow.
        colors: the arrow colours.
        scale: every arrow is drawn this many times longer (1: exact).
        label_size: font size of the labels.
        ball_radius: radius of the ghost ball at the landing point.
        ghost: mark the landing point with a ghost ball (False when the sum is not a step).
        avoid: what the labels must keep clear of besides the picture's own arrows, labels
            and ghost (e.g. :func:`gdexplain.layout.on_screen` of the scene: tick labels, the ball).

    Each stage method returns one animation and adds its mobjects to the
    group, so ``FadeOut(picture)`` removes all of them afterwards.
    """

    def __init__(
        self,
        vectors: HeadToTailVectors,
        to_scene: ToScene,
        labels: HeadToTailLabels,
        colors: HeadToTailColors | None = None,
        scale: float = 1.0,
        label_size: float = theme.LABEL_SIZE,
        ball_radius: float = 0.13,
        ghost: bool = True,
        avoid: Sequence[Mobject] = (),
    ) -> None:
        super().__init__()
        self.vectors = vectors
        self.with_ghost = ghost
        self.colors = colors or HeadToTailColors()
        self.scale_factor = float(scale)
        v, s, c = vectors, self.scale_factor, self.colors
        self.start = self._point(to_scene, v.origin)
        self.pivot_point = self.start + s * (self._point(to_scene, v.pivot) - self.start)
        prev_tip = self.start + s * (self._point(to_scene, v.origin + v.previous) - self.start)
        total_tip = self.start + s * (self._point(to_scene, v.landing) - self.start)
        added_tip = self.pivot_point + (total_tip - self.pivot_point)
        # Labels are placed in the order the arrows appear, each clear of what is already there
        # (the previous arrow is gone once it has decayed) and of the landing point.
        self.ghost = Ball(ball_radius, color=c.ghost).ghost().move_to(self._point(to_scene, v.landing))
        shown = [*avoid, *([self.ghost] if ghost else [])]
        self.previous_arrow = self._arrow(self.start, prev_tip, c.previous, labels.previous, 1, label_size, shown)
        self.decayed_arrow = self._arrow(self.start, self.pivot_point, c.decayed, labels.decayed, 1, label_size, shown)
        self.added_arrow = self._arrow(self.pivot_point, added_tip, c.added, labels.added, 1, label_size, [*shown, self.decayed_arrow])
        self.total_arrow = self._arrow(
            self.start, total_tip, c.total, labels.total, -1, label_size, [*shown, self.decayed_arrow, self.added_arrow]
        )

    @staticmethod
    def _point(to_scene: ToScene, p: np.ndarray) -> np.ndarray:
        return np.asarray(to_scene(p), dtype=float)

    @staticmethod
    def _arrow(
        start: np.ndarray, end: np.ndarray, color: str, text: str, side: float, size: float, avoid: Sequence[Mobject]
    ) -> VGroup:
        """An arrow with its label clear of ``avoid``; a zero-length vector is drawn as nothing but its label."""
        label = theme.label(text, size=size, color=color)
        if np.linalg.norm(end - start) < 1e-6:
            arrow = VGroup()
            label.next_to(start, np.array([0.0, 1.0, 0.0]), buff=0.2)
            return VGroup(arrow, label)
        arrow = vector_arrow(start, end, color)
        label_arrow(arrow, label, side=side, avoid=avoid)
        return VGroup(arrow, label)

    @staticmethod
    def _grow(pair: VGroup) -> Animation:
        arrow, label = pair
        if len(arrow.submobjects) == 0 and not arrow.has_points():
            return FadeIn(label)
        return AnimationGroup(GrowArrow(arrow), FadeIn(label))

    def show_previous(self) -> Animation:
        """Draw the stored vector at the ball."""
        self.add(self.previous_arrow)
        return self._grow(self.previous_arrow)

    def decay(self) -> Animation:
        """Shrink the stored vector to ``decay`` times itself (call after :meth:`show_previous`)."""
        self.remove(self.previous_arrow)
        self.add(self.decayed_arrow)
        # The arrow shrinks in place; the labels cross-fade (text morphed glyph by glyph reads as noise).
        return AnimationGroup(
            ReplacementTransform(self.previous_arrow[0], self.decayed_arrow[0]),
            FadeTransform(self.previous_arrow[1], self.decayed_arrow[1]),
        )

    def add_new(self) -> Animation:
        """Draw the new vector from the tip of the decayed one."""
        self.add(self.added_arrow)
        return self._grow(self.added_arrow)

    def show_total(self) -> Animation:
        """Draw the sum from the ball and the ghost ball where it lands."""
        if not self.with_ghost:  # the sum is not a step (e.g. Adam's m): no landing point to mark
            self.add(self.total_arrow)
            return self._grow(self.total_arrow)
        self.add(self.total_arrow, self.ghost)
        return AnimationGroup(self._grow(self.total_arrow), FadeIn(self.ghost))

    def clear(self) -> Animation:
        """Fade out everything shown so far."""
        return FadeOut(VGroup(*self.submobjects))


def arrows_of(picture: HeadToTail) -> dict[str, Mobject]:
    """The four arrows (without labels) by stage name, e.g. for checking geometry in tests."""
    return {
        "previous": picture.previous_arrow[0],
        "decayed": picture.decayed_arrow[0],
        "added": picture.added_arrow[0],
        "total": picture.total_arrow[0],
    }


# --- trajectory → vectors (pure; tests compare them with the trajectory) ------------------


def momentum_vectors(traj: Trajectory, t: int, gradient: str = "used") -> HeadToTailVectors:
    """The head-to-tail picture of step ``t`` of a momentum or Nesterov run.

    The parts come from :func:`gdexplain.core.parts.momentum_parts`: the old
    velocity, β, and −α·g (``gradient="at_ball"``: the gradient at the ball,
    what classic momentum would have added).
    """
    p = momentum_parts(traj, t, gradient)
    return HeadToTailVectors(origin=p.origin, previous=p.previous, decay=p.decay, added=p.added)


def momentum_drawn_points(trajs: Sequence[Trajectory], slow: int = 0) -> np.ndarray:
    """Every surface point a momentum picture draws: the paths, and the arrow tips (and look-ahead
    points) of the first ``slow`` steps of each run that keeps a velocity — what a map must show."""
    pts = [t.positions for t in trajs]
    for traj in trajs:
        if "velocity" not in traj.quantities:
            continue
        for t in range(1, min(slow, traj.steps) + 1):
            v = momentum_vectors(traj, t)
            pts.append(np.array([v.origin + v.previous, v.pivot, v.landing]))
            if "look_ahead" in traj.quantities:
                pts.append(np.array([traj.quantity("look_ahead")[t]]))
    return np.vstack(pts)
