"""The lecture: every registered scene, in the order a course would show them.

Each topic registers its scenes here, with the parameters ``--set`` may
change. Defaults are chosen so that the default render teaches the idea.
"""

from __future__ import annotations

from gdexplain.catalog import Param, SceneEntry, register
from gdexplain.hyperparams import POSITIVE, Range

STEPS = Range(1, 400)


def surface_param(default: str, doc: str = "loss surface (2 coordinates)") -> Param:
    """The ``surface`` parameter shared by 2-D scenes."""
    return Param("surface", "surface", default, doc)


def start_param(default: tuple[float, ...] | None = None) -> Param:
    """The ``start`` parameter: a point on the chosen surface (empty: its default start)."""
    return Param("start", "point", default if default is not None else (), "start point, e.g. 1.5,1.5 (default: the surface's)")


def lr_param(default: float) -> Param:
    """The learning-rate parameter α."""
    return Param("lr", "float", default, "learning rate α", POSITIVE)


def steps_param(default: int) -> Param:
    """How many optimizer steps a scene shows."""
    return Param("steps", "int", default, "optimizer steps shown", STEPS)


# --- A. Why descend at all -------------------------------------------------------
register(
    SceneEntry(
        slug="ball-downhill",
        title="Rolling downhill",
        description="A ball that only feels the slope where it stands: the gradient, the step against it, θ ← θ − α∇L, in 3-D, from above and in 1-D.",
        module="ball_downhill",
        class_name="BallDownhill",
        params=(
            surface_param("elliptic-bowl"),
            start_param(),
            lr_param(0.4),
            steps_param(20),
            Param("curve_lr", "float", 0.02, "learning rate on the 1-D curve", POSITIVE),
            Param("curve_start", "float", 1.9, "start x on the 1-D curve", Range(-2.0, 2.0)),
        ),
    )
)
