"""The loss surface in 3-D, and the ball resting on it (not sunk into it).

Heights are drawn to a stated vertical scale: ``z_length`` scene units span
the loss range shown. Values above the range are clipped flat, which only
happens on steep outer walls far from any path a scene draws.
"""

from __future__ import annotations

import numpy as np
from manim import Sphere, Surface, ThreeDAxes, VGroup, VMobject

from gdexplain.core.surfaces import Surface as LossSurface
from gdexplain.visual import theme


class Landscape3D(VGroup):
    """Axes and a shaded mesh of a 2-D loss surface.

    Args:
        surface: the loss (two coordinates).
        size: side of the square base in scene units.
        z_length: height of the shown loss range in scene units.
        z_max: highest loss shown (default: the 90th percentile on the range).
        resolution: mesh cells per side (cost grows with its square).
    """

    def __init__(self, surface: LossSurface, size: float = 6.0, z_length: float = 2.6, z_max: float | None = None, resolution: int = 24) -> None:
        if surface.dim != 2:
            raise ValueError(f"a 3-D landscape needs 2 coordinates, {surface.name!r} has {surface.dim}")
        (x0, x1), (y0, y1) = surface.ranges
        xs, ys = np.meshgrid(np.linspace(x0, x1, 80), np.linspace(y0, y1, 80))
        z = surface.value(np.stack([xs, ys], -1))
        self.z_min = float(np.nanmin(z))
        self.z_max = float(z_max if z_max is not None else np.nanquantile(z, 0.98))
        self.surface = surface
        self.axes = ThreeDAxes(
            x_range=[x0, x1, (x1 - x0) / 4],
            y_range=[y0, y1, (y1 - y0) / 4],
            z_range=[self.z_min, self.z_max, (self.z_max - self.z_min) / 4],
            x_length=size,
            y_length=size * (y1 - y0) / (x1 - x0),
            z_length=z_length,
            axis_config={"color": theme.GRID, "stroke_width": 1, "include_ticks": False},
            tips=False,
        )
        self.mesh = Surface(
            lambda u, v: self.point((u, v)),
            u_range=[x0, x1],
            v_range=[y0, y1],
            resolution=(resolution, resolution),
            fill_opacity=0.88,
            stroke_width=0.4,
            stroke_color=theme.BACKGROUND,
            checkerboard_colors=False,
        )
        # Explicit pivots, padded beyond the range: Manim indexes past the last one otherwise.
        pivots = np.linspace(self.z_min, self.z_max, len(theme.SURFACE_SCALE))
        pivots[0], pivots[-1] = pivots[0] - 1e9, pivots[-1] + 1e9
        self.mesh.set_fill_by_value(axes=self.axes, colorscale=list(zip(theme.SURFACE_SCALE, pivots)), axis=2)
        super().__init__(self.axes, self.mesh)

    def height(self, xy) -> float:
        """The loss at ``xy`` clipped to the shown range."""
        return float(np.clip(self.surface.value(np.asarray(xy, dtype=float)), self.z_min, self.z_max))

    def point(self, xy) -> np.ndarray:
        """Scene position of the surface above ``xy``."""
        return self.axes.c2p(float(xy[0]), float(xy[1]), self.height(xy))

    def floor(self, xy) -> np.ndarray:
        """Scene position of ``xy`` on the floor (lowest shown loss)."""
        return self.axes.c2p(float(xy[0]), float(xy[1]), self.z_min)

    def normal(self, xy) -> np.ndarray:
        """Unit normal of the drawn surface at ``xy``, in scene space, pointing up."""
        gx, gy = self.surface.gradient(np.asarray(xy, dtype=float))
        sx, sy, sz = (ax.get_unit_size() for ax in (self.axes.x_axis, self.axes.y_axis, self.axes.z_axis))
        n = np.array([-sz * gx * sy, -sz * gy * sx, sx * sy])
        return n / np.linalg.norm(n)

    def ball_center(self, xy, radius: float) -> np.ndarray:
        """Where a ball of ``radius`` resting on the surface at ``xy`` has its centre."""
        return self.point(xy) + radius * self.normal(xy)

    def downhill(self, xy, length: float) -> np.ndarray:
        """A scene vector of ``length`` along the surface, pointing straight downhill."""
        g = self.surface.gradient(np.asarray(xy, dtype=float))
        if not np.any(g):
            return np.zeros(3)
        d = -g / np.linalg.norm(g)
        a, b = self.point(xy), self.point(np.asarray(xy, dtype=float) + 1e-4 * d)
        v = b - a
        return v / np.linalg.norm(v) * length

    def path_on_surface(self, points: np.ndarray, lift: float = 0.03, samples: int = 6) -> VMobject:
        """A curve over the surface through ``points``, each straight step sampled and lifted a little."""
        pts = []
        for a, b in zip(points[:-1], points[1:]):
            for s in np.linspace(0, 1, samples, endpoint=False):
                xy = a + s * (b - a)
                pts.append(self.point(xy) + lift * self.normal(xy))
        pts.append(self.point(points[-1]) + lift * self.normal(points[-1]))
        path = VMobject(stroke_color=theme.PATH, stroke_width=4)
        path.set_points_as_corners(np.array(pts))
        return path


def ball_3d(radius: float = 0.14, color: str = theme.BALL) -> Sphere:
    """A low-polygon shaded sphere (cheap in Cairo, still round at 1080p)."""
    ball = Sphere(radius=radius, resolution=(14, 10))
    ball.set_fill(color, opacity=1).set_stroke(width=0)
    ball.set_sheen(0.3)  # type: ignore[attr-defined]
    ball.layout_role = "ball"  # the layout check keeps text off it
    return ball
