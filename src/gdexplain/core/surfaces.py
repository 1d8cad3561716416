"""Loss surfaces: f, its analytic gradient, a plotting range, known critical points.

Every surface is vectorised: ``value`` takes an array whose last axis holds
the coordinates (shape ``(..., d)``) and returns shape ``(...)``;
``gradient`` returns shape ``(..., d)``. A scene can therefore evaluate a
whole grid at once::

    xs, ys = np.meshgrid(np.linspace(-2, 2, 50), np.linspace(-2, 2, 50))
    z = surface.value(np.stack([xs, ys], axis=-1))

Formulas follow ``shared/optimizers.md``; gradients are derived by hand
(never by finite differences) and tested against central differences.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
import re
from dataclasses import dataclass, field, replace

import numpy as np

from gdexplain.core.errors import InputError, unknown_name
from gdexplain.i18n import N_

Array = np.ndarray
Point = tuple[float, ...]

#: A trajectory is stopped as diverged once a coordinate is further than this
#: many half-widths of the plotting range from the range's centre.
ESCAPE_FACTOR = 1000.0


@dataclass(frozen=True)
class Surface:
    """A differentiable loss over ``d`` parameters.

    Attributes:
        name: the slug used on the command line (``rosenbrock``).
        title: a human title for the screen (``Rosenbrock``).
        description: one line saying what the surface teaches.
        coords: names of the parameters (``("x", "y")``, ``("w0", "w1", "w2")``).
        ranges: the plotting range, one ``(low, high)`` per coordinate.
        default_start: a start that shows the surface's character.
        minima: known minimisers (local and global).
        saddles: saddle points worth showing.
    """

    name: str
    title: str
    description: str
    coords: tuple[str, ...]
    ranges: tuple[tuple[float, float], ...]
    default_start: Point
    _value: Callable[..., Array] = field(repr=False)
    _gradient: Callable[..., tuple[Array, ...]] = field(repr=False)
    minima: tuple[Point, ...] = ()
    saddles: tuple[Point, ...] = ()

    @property
    def dim(self) -> int:
        """Number of parameters."""
        return len(self.coords)

    def value(self, points: Sequence[float] | Array) -> Array:
        """Loss at ``points`` (shape ``(..., d)``), shape ``(...)``."""
        p = self._as_points(points)
        with np.errstate(over="ignore", invalid="ignore"):
            return np.asarray(self._value(*np.moveaxis(p, -1, 0)), dtype=float)

    def gradient(self, points: Sequence[float] | Array) -> Array:
        """Analytic gradient at ``points`` (shape ``(..., d)``), same shape."""
        p = self._as_points(points)
        with np.errstate(over="ignore", invalid="ignore"):
            parts = self._gradient(*np.moveaxis(p, -1, 0))
        return np.stack([np.broadcast_to(np.asarray(g, dtype=float), p.shape[:-1]) for g in parts], axis=-1)

    @property
    def global_minimum(self) -> Point | None:
        """The known minimiser with the lowest loss, if any is known."""
        if not self.minima:
            return None
        return min(self.minima, key=lambda m: float(self.value(m)))

    def contains(self, point: Sequence[float] | Array) -> bool:
        """True when ``point`` lies inside the plotting range."""
        p = np.asarray(point, dtype=float)
        return bool(all(lo <= c <= hi for c, (lo, hi) in zip(p, self.ranges)))

    def has_escaped(self, point: Array) -> bool:
        """True when ``point`` is so far outside the range that the run has diverged."""
        lo = np.array([r[0] for r in self.ranges])
        hi = np.array([r[1] for r in self.ranges])
        centre, half = (lo + hi) / 2, (hi - lo) / 2
        return bool(np.any(np.abs(point - centre) > ESCAPE_FACTOR * half))

    def check_start(self, start: Sequence[float] | Array | None) -> Array:
        """Validate a start point and return it as a float array.

        ``None`` means the surface's default start. Raises :class:`InputError`
        for the wrong number of coordinates, a non-finite value, or a point
        off the surface's range.
        """
        if start is None:
            return np.array(self.default_start, dtype=float)
        try:
            p = np.asarray(start, dtype=float).reshape(-1)
        except (TypeError, ValueError):
            shown = " ".join(repr(start).split())  # one line, even for a multi-line array repr
            raise InputError(f"start {shown} is not a list of numbers: give {self.dim} comma-separated numbers") from None
        if p.size != self.dim:
            raise InputError(
                f"surface {self.name!r} has {self.dim} coordinates ({', '.join(self.coords)}), "
                f"but the start has {p.size}: give {self.dim} comma-separated numbers"
            )
        if not np.all(np.isfinite(p)):
            raise InputError(f"start {_fmt_point(p)} has a non-finite coordinate: use finite numbers")
        if not self.contains(p):
            span = ", ".join(f"{c} in [{lo:g}, {hi:g}]" for c, (lo, hi) in zip(self.coords, self.ranges))
            raise InputError(f"start {_fmt_point(p)} is off the {self.name!r} surface: choose {span}")
        return p

    def _as_points(self, points: Sequence[float] | Array) -> Array:
        p = np.asarray(points, dtype=float)
        if p.ndim == 0 or p.shape[-1] != self.dim:
            raise InputError(f"surface {self.name!r} takes points with {self.dim} coordinates, got shape {p.shape}")
        return p


@dataclass(frozen=True)
class DatasetSurface(Surface):
    """A mean-squared-error loss of a linear model on a fixed data set.

    The loss is ``mean((features @ θ − targets)²)``. Besides the full-batch
    gradient it offers :meth:`batch_gradient` over any subset of the
    samples, which trajectories use for seeded SGD and mini-batch runs.
    """

    features: Array = field(default_factory=lambda: np.zeros((0, 0)), repr=False)
    targets: Array = field(default_factory=lambda: np.zeros(0), repr=False)
    #: The model's features of any input x (``(1, x, x²)`` for the parabola), so the
    #: fitted curve can be drawn between the samples; ``features == basis(inputs)``.
    basis: Callable[[Array], Array] | None = field(default=None, repr=False)

    @property
    def n_samples(self) -> int:
        """Number of samples in the data set."""
        return int(self.targets.shape[0])

    def value(self, points: Sequence[float] | Array) -> Array:
        p = self._as_points(points)
        residual = p @ self.features.T - self.targets  # (..., n)
        return np.mean(residual**2, axis=-1)

    def gradient(self, points: Sequence[float] | Array) -> Array:
        return self.batch_gradient(points, np.arange(self.n_samples))

    def batch_gradient(self, points: Sequence[float] | Array, indices: Sequence[int] | Array) -> Array:
        """Gradient of the mean squared error over the samples ``indices`` only."""
        p = self._as_points(points)
        idx = np.asarray(indices, dtype=int)
        if idx.size == 0:
            raise InputError("a mini-batch needs at least one sample: use batch_size >= 1")
        a, b = self.features[idx], self.targets[idx]
        residual = p @ a.T - b
        return (2.0 / idx.size) * residual @ a

    @property
    def inputs(self) -> Array:
        """The input x of every sample (the features are powers of it: 1, x, x² …)."""
        return self.features[:, 1]

    def model(self, point: Sequence[float] | Array, xs: Sequence[float] | Array) -> Array:
        """The fitted model's output at any inputs ``xs`` for the weights ``point``: the curve between samples."""
        if self.basis is None:
            raise InputError(f"surface {self.name!r} has no model to draw: only quadratic-fit and linear-regression do")
        return self.basis(np.asarray(xs, dtype=float)) @ self._as_points(point)

    def predictions(self, point: Sequence[float] | Array) -> Array:
        """The model's output ``features @ θ`` for every sample, shape ``(n,)``."""
        return self.features @ self._as_points(point)

    def residuals(self, point: Sequence[float] | Array) -> Array:
        """Prediction minus target for every sample (ŷ − y), shape ``(n,)``."""
        return self.predictions(point) - self.targets

    def gradient_terms(self, point: Sequence[float] | Array) -> Array:
        """Each sample's term of each partial derivative, (ŷᵢ − yᵢ)·featureᵢ, shape ``(n, d)``.

        The gradient is ``(2/N)`` times the column sums: the partial
        derivatives written as sums over the points.
        """
        return self.residuals(point)[:, None] * self.features

    def hessian(self) -> Array:
        """The constant Hessian of the mean squared error, ``(2/N)·AᵀA``."""
        return (2.0 / self.n_samples) * self.features.T @ self.features

    def curvatures(self) -> Array:
        """The Hessian's eigenvalues, smallest first: how sharply the loss bends along each principal direction."""
        return np.linalg.eigvalsh(self.hessian())

    def stable_lr_limit(self) -> float:
        """The largest learning rate plain GD survives: 2 / (largest Hessian eigenvalue).

        Above it the step overshoots along the steepest direction by more
        than it corrects, and the error there grows every iteration.
        """
        return float(2.0 / self.curvatures().max())

    def holding(self, coord: str, value: float) -> "DatasetSurface":
        """The same loss with one coordinate held at ``value``: a surface over the others.

        The held term moves into the targets, so the new surface's loss at
        the remaining coordinates equals this one's with ``coord = value``.
        """
        if coord not in self.coords:
            raise unknown_name("coordinate", coord, self.coords)
        if not np.isfinite(value):
            raise InputError(f"{coord} must be held at a finite value, got {value!r}")
        i = self.coords.index(coord)
        keep = [k for k in range(self.dim) if k != i]
        rest = self.features[:, keep]
        targets = self.targets - float(value) * self.features[:, i]
        best = np.linalg.lstsq(rest, targets, rcond=None)[0]
        return DatasetSurface(
            name=f"{self.name}@{coord}={float(value):g}",
            title=f"{self.title}, {coord} = {float(value):g}",
            description=f"{self.description} ({coord} held at {float(value):g})",
            coords=tuple(self.coords[k] for k in keep),
            ranges=tuple(self.ranges[k] for k in keep),
            default_start=tuple(self.default_start[k] for k in keep),
            _value=_unused,
            _gradient=_unused,
            minima=(tuple(float(b) for b in best),),
            features=rest,
            targets=targets,
        )


# --- building blocks ---------------------------------------------------------


def _bump(x: Array, y: Array, a: float, b: float, width: float) -> tuple[Array, Array, Array]:
    """exp(−((x−a)² + (y−b)²)/width) and its partial derivatives."""
    g = np.exp(-((x - a) ** 2 + (y - b) ** 2) / width)
    return g, g * (-2.0 * (x - a) / width), g * (-2.0 * (y - b) / width)


def _fmt_point(p: Sequence[float] | Array) -> str:
    return "(" + ", ".join(f"{float(c):g}" for c in p) + ")"


# --- gradient_descent_viz's six (its plane (x, z) is our (x, y)) ---------------

_Y_STRETCH = 1.4  # local-minimum and hills squeeze y by this factor


def _local_minimum(x: Array, y: Array) -> Array:
    yp = _Y_STRETCH * y
    return -2 * _bump(x, yp, 1, 0, 0.2)[0] - 6 * _bump(x, yp, -1, 0, 0.2)[0] + x**2 + yp**2


def _local_minimum_grad(x: Array, y: Array) -> tuple[Array, Array]:
    yp = _Y_STRETCH * y
    _, ax, ay = _bump(x, yp, 1, 0, 0.2)
    _, bx, by = _bump(x, yp, -1, 0, 0.2)
    return -2 * ax - 6 * bx + 2 * x, _Y_STRETCH * (-2 * ay - 6 * by + 2 * yp)


def _hills(x: Array, y: Array) -> Array:
    yp = _Y_STRETCH * y
    return (
        2 * _bump(x, yp, 1, 0, 0.2)[0]
        + 6 * _bump(x, yp, -1, 0, 0.2)[0]
        - 2 * _bump(x, yp, 1, -1, 0.2)[0]
        + x**2
        + yp**2
    )


def _hills_grad(x: Array, y: Array) -> tuple[Array, Array]:
    yp = _Y_STRETCH * y
    _, ax, ay = _bump(x, yp, 1, 0, 0.2)
    _, bx, by = _bump(x, yp, -1, 0, 0.2)
    _, cx, cy = _bump(x, yp, 1, -1, 0.2)
    return 2 * ax + 6 * bx - 2 * cx + 2 * x, _Y_STRETCH * (2 * ay + 6 * by - 2 * cy + 2 * yp)


def _elliptic_bowl(x: Array, y: Array) -> Array:
    xp, yp = x / 2, y / 2
    return -np.exp(-(xp**2 + 5 * yp**2)) + xp**2 + 0.5 * yp**2


def _elliptic_bowl_grad(x: Array, y: Array) -> tuple[Array, Array]:
    xp, yp = x / 2, y / 2
    e = np.exp(-(xp**2 + 5 * yp**2))
    return 0.5 * (2 * xp * e + 2 * xp), 0.5 * (10 * yp * e + yp)


def _plateau_radius(x: Array, y: Array) -> tuple[Array, Array]:
    rho = np.sqrt((10 * x) ** 2 + (10 * y) ** 2)
    return rho, rho + 0.01


def _plateau(x: Array, y: Array) -> Array:
    _, r = _plateau_radius(x, y)
    return -np.sin(r) / r + 0.01 * r**2


def _plateau_grad(x: Array, y: Array) -> tuple[Array, Array]:
    rho, r = _plateau_radius(x, y)
    df_dr = -(r * np.cos(r) - np.sin(r)) / r**2 + 0.02 * r
    safe = np.where(rho > 0, rho, 1.0)
    # dρ/dx = 100x/ρ; at the origin the surface is symmetric, so the gradient is 0.
    return np.where(rho > 0, df_dr * 100 * x / safe, 0.0), np.where(rho > 0, df_dr * 100 * y / safe, 0.0)


# --- classic test functions ---------------------------------------------------


def _rosenbrock(x: Array, y: Array) -> Array:
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


def _rosenbrock_grad(x: Array, y: Array) -> tuple[Array, Array]:
    return -2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)


def _beale_terms(x: Array, y: Array) -> tuple[Array, Array, Array]:
    return 1.5 - x + x * y, 2.25 - x + x * y**2, 2.625 - x + x * y**3


def _beale(x: Array, y: Array) -> Array:
    a, b, c = _beale_terms(x, y)
    return a**2 + b**2 + c**2


def _beale_grad(x: Array, y: Array) -> tuple[Array, Array]:
    a, b, c = _beale_terms(x, y)
    gx = 2 * a * (y - 1) + 2 * b * (y**2 - 1) + 2 * c * (y**3 - 1)
    gy = 2 * a * x + 4 * b * x * y + 6 * c * x * y**2
    return gx, gy


def _himmelblau(x: Array, y: Array) -> Array:
    return (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2


def _himmelblau_grad(x: Array, y: Array) -> tuple[Array, Array]:
    a, b = x**2 + y - 11, x + y**2 - 7
    return 4 * x * a + 2 * b, 2 * a + 4 * y * b


def _booth(x: Array, y: Array) -> Array:
    return (x + 2 * y - 7) ** 2 + (2 * x + y - 5) ** 2


def _booth_grad(x: Array, y: Array) -> tuple[Array, Array]:
    a, b = x + 2 * y - 7, 2 * x + y - 5
    return 2 * a + 4 * b, 4 * a + 2 * b


def _rastrigin(x: Array, y: Array) -> Array:
    return 20 + x**2 - 10 * np.cos(2 * np.pi * x) + y**2 - 10 * np.cos(2 * np.pi * y)


def _rastrigin_grad(x: Array, y: Array) -> tuple[Array, Array]:
    return 2 * x + 20 * np.pi * np.sin(2 * np.pi * x), 2 * y + 20 * np.pi * np.sin(2 * np.pi * y)


def _six_hump_camel(x: Array, y: Array) -> Array:
    return (4 - 2.1 * x**2 + x**4 / 3) * x**2 + x * y + (-4 + 4 * y**2) * y**2


def _six_hump_camel_grad(x: Array, y: Array) -> tuple[Array, Array]:
    return 8 * x - 8.4 * x**3 + 2 * x**5 + y, x - 8 * y + 16 * y**3


def _double_well(x: Array) -> Array:
    return x**4 - 3 * x**2 + x


def _double_well_grad(x: Array) -> tuple[Array]:
    return (4 * x**3 - 6 * x + 1,)


def _double_well_critical_points() -> tuple[float, float, float]:
    roots = np.sort(np.roots([4.0, 0.0, -6.0, 1.0]).real)
    return float(roots[0]), float(roots[1]), float(roots[2])


# --- data-driven losses ---------------------------------------------------------


def _powers(degree: int) -> Callable[[Array], Array]:
    """The features 1, x, …, x^degree of inputs x, one column each."""
    return lambda x: np.stack([np.asarray(x, dtype=float) ** k for k in range(degree + 1)], axis=-1)


def _quadratic_fit() -> DatasetSurface:
    x = np.arange(1.0, 6.0)
    return DatasetSurface(
        name="quadratic-fit",
        title=N_("Fitting a parabola"),
        description=N_("Mean squared error of y = w2·x² + w1·x + w0 on the points (1,1) … (5,25)."),
        coords=("w0", "w1", "w2"),
        ranges=((-1.0, 1.0), (-1.0, 1.0), (-0.5, 1.5)),
        default_start=(0.0, 0.0, 0.0),
        _value=_unused,
        _gradient=_unused,
        minima=((0.0, 0.0, 1.0),),
        features=_powers(2)(x),
        targets=x**2,
        basis=_powers(2),
    )


def linear_regression_data() -> tuple[Array, Array, Array]:
    """The data set and start point of the Adam worked example (curriculum H).

    numpy's legacy global generator, seed 0: ``x = 2·rand(100, 1)``, then
    ``noise = randn(100, 1)``, ``y = 4 + 3x + noise``; the start θ is the
    next ``randn(2, 1)`` draw. Returns ``(x, y, start)`` as flat arrays.
    The global generator's state is saved and restored around the draw.
    """
    saved = np.random.get_state()
    try:
        np.random.seed(0)
        x = 2 * np.random.rand(100, 1)
        y = 4 + 3 * x + np.random.randn(100, 1)
        start = np.random.randn(2, 1)
    finally:
        np.random.set_state(saved)
    return x.ravel(), y.ravel(), start.ravel()


def _linear_regression() -> DatasetSurface:
    x, y, start = linear_regression_data()
    features = np.stack([np.ones_like(x), x], axis=1)
    best = np.linalg.lstsq(features, y, rcond=None)[0]
    return DatasetSurface(
        name="linear-regression",
        title=N_("Linear regression"),
        description=N_("Mean squared error of y = θ0 + θ1·x on 100 noisy points from y = 4 + 3x."),
        coords=("theta0", "theta1"),
        ranges=((-1.0, 10.0), (-2.0, 5.0)),
        default_start=tuple(float(s) for s in start),
        _value=_unused,
        _gradient=_unused,
        minima=(tuple(float(b) for b in best),),
        features=features,
        targets=y,
        basis=_powers(1),
    )


def _unused(*_: Array) -> Array:
    raise NotImplementedError("DatasetSurface computes its loss from its data")


# --- the registry ---------------------------------------------------------------

_DW_LEFT, _DW_PEAK, _DW_RIGHT = _double_well_critical_points()

# Critical points found with scipy.optimize.root on the analytic gradient;
# tests/test_surfaces.py checks that the gradient vanishes at each.
_ALL: tuple[Surface, ...] = (
    Surface(
        "local-minimum", N_("Local minimum"),
        N_("A shallow pit on the right and a deep one on the left: plain descent stops in the first."),
        ("x", "y"), ((-2.0, 2.0), (-2.0, 2.0)), (1.5, 1.5), _local_minimum, _local_minimum_grad,
        minima=((-0.967577446, 0.0), (0.905317861, 0.0)), saddles=((0.120250360, 0.0),),
    ),
    Surface(
        "global-minimum", N_("Global minimum"), N_("A round bowl with one minimum: the easiest case."),
        ("x", "y"), ((-2.0, 2.0), (-2.0, 2.0)), (1.5, 1.5), lambda x, y: x**2 + y**2,
        lambda x, y: (2 * x, 2 * y), minima=((0.0, 0.0),),
    ),
    Surface(
        "saddle-point", N_("Saddle point"), N_("sin x + y²: a valley across a slope, with a saddle to get past."),
        ("x", "y"), ((-2.0, 2.0), (-2.0, 2.0)), (1.5, 1.5), lambda x, y: np.sin(x) + y**2,
        lambda x, y: (np.cos(x), 2 * y), minima=((-np.pi / 2, 0.0),), saddles=((np.pi / 2, 0.0),),
    ),
    Surface(
        "elliptic-bowl", N_("Elliptic bowl"),
        N_("A stretched bowl with a dimple: the steepest way down is not the way to the minimum."),
        ("x", "y"), ((-2.0, 2.0), (-2.0, 2.0)), (1.5, 1.5), _elliptic_bowl, _elliptic_bowl_grad,
        minima=((0.0, 0.0),),
    ),
    Surface(
        "hills", N_("Hills"), N_("Two hills and a hollow on a bowl: paths bend around the bumps."),
        ("x", "y"), ((-2.0, 2.0), (-2.0, 2.0)), (1.5, 1.5), _hills, _hills_grad,
        minima=((0.041507126, -0.000640378), (0.900306522, -0.653401158)),
    ),
    Surface(
        "plateau", N_("Plateau"), N_("A narrow well in a wide, almost flat plain with gentle ripples."),
        ("x", "y"), ((-2.0, 2.0), (-2.0, 2.0)), (1.5, 1.5), _plateau, _plateau_grad,
        minima=((0.0, 0.0),),
    ),
    Surface(
        "rosenbrock", N_("Rosenbrock"), N_("A long, curved, flat-bottomed valley: easy to enter, slow to follow."),
        ("x", "y"), ((-2.0, 2.0), (-1.0, 3.0)), (-1.2, 1.0), _rosenbrock, _rosenbrock_grad,
        minima=((1.0, 1.0),),
    ),
    Surface(
        "beale", N_("Beale"), N_("Flat plains and steep walls meeting at sharp corners."),
        ("x", "y"), ((-4.5, 4.5), (-4.5, 4.5)), (1.0, 1.5), _beale, _beale_grad,
        minima=((3.0, 0.5),),
    ),
    Surface(
        "himmelblau", N_("Himmelblau"), N_("Four equally deep minima: where you start decides where you end."),
        ("x", "y"), ((-5.0, 5.0), (-5.0, 5.0)), (0.0, 0.0), _himmelblau, _himmelblau_grad,
        minima=((3.0, 2.0), (-2.805118, 3.131313), (-3.779310, -3.283186), (3.584428, -1.848127)),
    ),
    Surface(
        "booth", N_("Booth"), N_("A tilted quadratic bowl, curvatures 2 and 18."),
        ("x", "y"), ((-10.0, 10.0), (-10.0, 10.0)), (-6.0, -8.0), _booth, _booth_grad,
        minima=((1.0, 3.0),),
    ),
    Surface(
        "ravine", N_("Ravine"), N_("0.1x² + 2y²: steep across, flat along; one learning rate cannot suit both."),
        ("x", "y"), ((-6.0, 6.0), (-3.0, 3.0)), (-5.0, -2.0), lambda x, y: 0.1 * x**2 + 2 * y**2,
        lambda x, y: (0.2 * x, 4 * y), minima=((0.0, 0.0),),
    ),
    Surface(
        "saddle", N_("Saddle"), N_("x² − y²: downhill only along y, and the gradient vanishes at the centre."),
        ("x", "y"), ((-2.0, 2.0), (-2.0, 2.0)), (1.0, 1e-3), lambda x, y: x**2 - y**2,
        lambda x, y: (2 * x, -2 * y), saddles=((0.0, 0.0),),
    ),
    Surface(
        "monkey-saddle", N_("Monkey saddle"), N_("x³ − 3xy²: three valleys meet at a flat, degenerate point."),
        ("x", "y"), ((-1.0, 1.0), (-1.0, 1.0)), (0.6, 0.2), lambda x, y: x**3 - 3 * x * y**2,
        lambda x, y: (3 * x**2 - 3 * y**2, -6 * x * y), saddles=((0.0, 0.0),),
    ),
    Surface(
        "rastrigin", N_("Rastrigin"), N_("A bowl covered in a regular grid of local minima."),
        ("x", "y"), ((-5.12, 5.12), (-5.12, 5.12)), (2.3, -1.7), _rastrigin, _rastrigin_grad,
        minima=((0.0, 0.0),),
    ),
    Surface(
        "six-hump-camel", N_("Six-hump camel"), N_("Six local minima, two of them global."),
        ("x", "y"), ((-3.0, 3.0), (-2.0, 2.0)), (-1.5, 1.0), _six_hump_camel, _six_hump_camel_grad,
        minima=((0.089842013, -0.712656403), (-0.089842013, 0.712656403), (-1.703606715, 0.796083569), (1.703606715, -0.796083569)),
    ),
    Surface(
        "double-well", N_("Double well"), N_("A curve with a shallow local minimum on the right and the global one on the left."),
        ("x",), ((-2.0, 2.0),), (1.9,), _double_well, _double_well_grad,
        minima=((_DW_LEFT,), (_DW_RIGHT,)),
    ),
    _quadratic_fit(),
    _linear_regression(),
)

SURFACES: dict[str, Surface] = {s.name: s for s in _ALL}


#: A surface name: lower-case words joined by hyphens (anything else is read as a formula).
_NAME = re.compile(r"[a-z][a-z0-9]+(-[a-z0-9]{2,})+|[a-z]{2,}[0-9]*")


def get_surface(name: "str | Surface", ranges: Sequence[Sequence[float]] | None = None) -> Surface:
    """A surface by slug (``rosenbrock``), by formula in x and y (``x**2 + 10*y**2``), or as given.

    ``ranges`` (``((x_min, x_max), (y_min, y_max))``) replaces the plotting
    range. A formula is parsed safely by :mod:`gdexplain.core.expression`
    and must be finite on its range. Unknown slugs raise with the closest
    valid ones; bad formulas with what is wrong.
    """
    if isinstance(name, Surface):
        from gdexplain.core.expression import ExpressionSurface

        if isinstance(name, ExpressionSurface) and ranges is not None:  # checked again on the new range
            return get_surface(name.formula, ranges)
        surface = name
    elif isinstance(name, str) and name in SURFACES:
        surface = SURFACES[name]
    else:
        from gdexplain.core.expression import check_ranges, expression_surface

        text = surface_text(name)
        if text not in SURFACES:
            return expression_surface(text, None if ranges is None else check_ranges(ranges))
        surface = SURFACES[text]
    return surface if ranges is None else with_ranges(surface, ranges)


def surface_text(name: str) -> str:
    """A slug as it is, or a formula checked for syntax and names (not yet for its range), normalised.

    Text shaped like a slug (``saddle-pont``) that names no surface raises
    with the closest slugs, rather than being read as a formula.
    """
    from gdexplain.core.expression import CONSTANT_NAMES, FUNCTION_NAMES, normalise, parse

    if not isinstance(name, str):
        raise unknown_name("surface", str(name), SURFACES)
    text = normalise(name)
    if text in SURFACES:
        return text
    if len(text) <= 40 and _NAME.fullmatch(text) and text not in (*CONSTANT_NAMES, *FUNCTION_NAMES):
        err = unknown_name("surface", text, SURFACES)
        joint = " Or" if str(err).endswith("?") else "; or"
        raise InputError(f"{err}{joint} write a formula in x and y, e.g. x**2 + 10*y**2")
    parse(text)
    return text


def with_ranges(surface: Surface, ranges: Sequence[Sequence[float]]) -> Surface:
    """``surface`` with another plotting range; a default start off the new range moves inside it."""
    from gdexplain.core.expression import check_ranges, default_start

    rng = check_ranges(ranges) if surface.dim == 2 else tuple((float(a), float(b)) for a, b in ranges)
    if len(rng) != surface.dim:
        raise InputError(f"surface {surface.name!r} has {surface.dim} coordinates: give a range for each")
    if rng == tuple(surface.ranges):
        return surface
    start = surface.default_start
    if not all(lo <= c <= hi for c, (lo, hi) in zip(start, rng)):
        start = default_start(rng)
    return replace(surface, ranges=rng, default_start=start)
