"""Surfaces: values against the published formulas, analytic gradients against
finite differences, the known critical points, and the two data-driven losses
rebuilt independently from curriculum.md (B and H)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from scipy.optimize import check_grad, rosen, rosen_der

from gdexplain.core.errors import InputError
from gdexplain.core.surfaces import SURFACES, DatasetSurface, get_surface, linear_regression_data

ALL = sorted(SURFACES)
PLAIN = [n for n in ALL if not isinstance(SURFACES[n], DatasetSurface)]


# --- the formulas of shared/optimizers.md, written out again here ------------------


def _bump(x, y, a, b):
    return np.exp(-((x - a) ** 2 + (y - b) ** 2) / 0.2)


def _local_minimum(x, y):
    yp = 1.4 * y
    return -2 * _bump(x, yp, 1, 0) - 6 * _bump(x, yp, -1, 0) + x**2 + yp**2


def _hills(x, y):
    yp = 1.4 * y
    return 2 * _bump(x, yp, 1, 0) + 6 * _bump(x, yp, -1, 0) - 2 * _bump(x, yp, 1, -1) + x**2 + yp**2


def _elliptic_bowl(x, y):
    xp, yp = x / 2, y / 2
    return -np.exp(-(xp**2 + 5 * yp**2)) + xp**2 + 0.5 * yp**2


def _plateau(x, y):
    r = np.sqrt((10 * x) ** 2 + (10 * y) ** 2) + 0.01
    return -np.sin(r) / r + 0.01 * r**2


REFERENCE = {
    "local-minimum": _local_minimum,
    "global-minimum": lambda x, y: x**2 + y**2,
    "saddle-point": lambda x, y: np.sin(x) + y**2,
    "elliptic-bowl": _elliptic_bowl,
    "hills": _hills,
    "plateau": _plateau,
    "rosenbrock": lambda x, y: (1 - x) ** 2 + 100 * (y - x**2) ** 2,
    "beale": lambda x, y: (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2,
    "himmelblau": lambda x, y: (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2,
    "booth": lambda x, y: (x + 2 * y - 7) ** 2 + (2 * x + y - 5) ** 2,
    "ravine": lambda x, y: 0.1 * x**2 + 2 * y**2,
    "saddle": lambda x, y: x**2 - y**2,
    "monkey-saddle": lambda x, y: x**3 - 3 * x * y**2,
    "rastrigin": lambda x, y: 20 + x**2 - 10 * np.cos(2 * np.pi * x) + y**2 - 10 * np.cos(2 * np.pi * y),
    "six-hump-camel": lambda x, y: (4 - 2.1 * x**2 + x**4 / 3) * x**2 + x * y + (-4 + 4 * y**2) * y**2,
    "double-well": lambda x: x**4 - 3 * x**2 + x,
}

QUAD_X = np.arange(1.0, 6.0)
QUAD_Y = QUAD_X**2  # (1,1), (2,4), (3,9), (4,16), (5,25)


def _legacy_linear_regression():
    """curriculum.md H, drawn here from numpy's legacy global generator."""
    saved = np.random.get_state()
    try:
        np.random.seed(0)
        x = 2 * np.random.rand(100, 1)
        noise = np.random.randn(100, 1)
        start = np.random.randn(2, 1)
    finally:
        np.random.set_state(saved)
    return x.ravel(), (4 + 3 * x + noise).ravel(), start.ravel()


def _reference_value(name, p):
    p = np.asarray(p, dtype=float)
    if name == "quadratic-fit":
        w0, w1, w2 = p
        return np.mean((w2 * QUAD_X**2 + w1 * QUAD_X + w0 - QUAD_Y) ** 2)
    if name == "linear-regression":
        x, y, _ = _legacy_linear_regression()
        return np.mean((p[0] + p[1] * x - y) ** 2)
    return REFERENCE[name](*p)


def _random_points(surface, n, seed):
    rng = np.random.default_rng(seed)
    lo = np.array([r[0] for r in surface.ranges])
    hi = np.array([r[1] for r in surface.ranges])
    return lo + (hi - lo) * rng.random((n, surface.dim))


def _central_difference(f, p, h):
    p = np.asarray(p, dtype=float)
    out = np.empty_like(p)
    for i in range(p.size):
        e = np.zeros_like(p)
        e[i] = h
        out[i] = (f(p + e) - f(p - e)) / (2 * h)
    return out


def test_registry_covers_every_reference_surface():
    assert set(REFERENCE) | {"quadratic-fit", "linear-regression"} == set(SURFACES)
    for name, surface in SURFACES.items():
        assert surface.name == name
        assert surface.dim == len(surface.ranges) == len(surface.default_start)
        assert surface.contains(surface.default_start), name


# --- values and gradients -------------------------------------------------------------


@pytest.mark.parametrize("name", ALL)
def test_value_matches_published_formula(name):
    surface = SURFACES[name]
    for p in _random_points(surface, 40, seed=1):
        assert float(surface.value(p)) == pytest.approx(float(_reference_value(name, p)), rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("name", ALL)
def test_gradient_matches_central_differences(name):
    surface = SURFACES[name]
    f = lambda q: float(surface.value(q))  # noqa: E731
    points = _random_points(surface, 60, seed=sum(map(ord, name)))
    for p in points:
        # Relative step: keeps rounding error (≈ ε|f|/h) and truncation error (≈ h²f‴) small.
        numeric = _central_difference(f, p, h=1e-6)
        analytic = surface.gradient(p)
        assert analytic.shape == (surface.dim,)
        scale = 1.0 + abs(f(p)) + np.max(np.abs(analytic))
        np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-6 * scale, err_msg=f"{name} at {p}")


@pytest.mark.parametrize("name", ALL)
def test_gradient_passes_scipy_check_grad(name):
    surface = SURFACES[name]
    f = lambda q: float(surface.value(q))  # noqa: E731
    g = lambda q: surface.gradient(q)  # noqa: E731
    for p in _random_points(surface, 10, seed=7):
        # check_grad uses forward differences: error ≈ √ε · |f''| · ‖p‖-ish, so compare relatively.
        err = check_grad(f, g, p, epsilon=1e-7)
        assert err <= 1e-4 * (1.0 + np.linalg.norm(g(p)) + abs(f(p))), f"{name} at {p}: {err}"


def test_gradient_check_catches_a_wrong_gradient():
    """The finite-difference check above is strong enough to see a small error."""
    surface = SURFACES["rosenbrock"]
    p = np.array([0.3, -0.4])
    wrong = surface.gradient(p) * (1 + 1e-4)
    numeric = _central_difference(lambda q: float(surface.value(q)), p, h=1e-6)
    with pytest.raises(AssertionError):
        np.testing.assert_allclose(wrong, numeric, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", ALL)
def test_vectorised_grid_equals_point_by_point(name):
    surface = SURFACES[name]
    grid = _random_points(surface, 4 * 5, seed=3).reshape(4, 5, surface.dim)
    values = surface.value(grid)
    grads = surface.gradient(grid)
    assert values.shape == (4, 5)
    assert grads.shape == (4, 5, surface.dim)
    for i in range(4):
        for j in range(5):
            np.testing.assert_allclose(values[i, j], surface.value(grid[i, j]), rtol=1e-13, atol=1e-13)
            np.testing.assert_allclose(grads[i, j], surface.gradient(grid[i, j]), rtol=1e-13, atol=1e-13)
    # A flat batch (n, d) is vectorised too.
    flat = grid.reshape(-1, surface.dim)
    np.testing.assert_allclose(surface.value(flat), values.ravel(), rtol=1e-13, atol=1e-13)


def test_meshgrid_usage_from_docstring():
    surface = SURFACES["himmelblau"]
    xs, ys = np.meshgrid(np.linspace(-5, 5, 7), np.linspace(-5, 5, 9))
    z = surface.value(np.stack([xs, ys], axis=-1))
    assert z.shape == (9, 7)
    np.testing.assert_allclose(z, REFERENCE["himmelblau"](xs, ys), rtol=1e-14)


@pytest.mark.parametrize("bad", [np.zeros(3), np.zeros((4, 1)), 1.0])
def test_points_with_wrong_last_axis_raise_input_error(bad):
    with pytest.raises(InputError):
        SURFACES["rosenbrock"].value(bad)
    with pytest.raises(InputError):
        SURFACES["rosenbrock"].gradient(bad)


def test_rosenbrock_against_scipy():
    surface = SURFACES["rosenbrock"]
    points = _random_points(surface, 50, seed=11)
    np.testing.assert_allclose(surface.value(points), rosen(points.T), rtol=1e-14, atol=1e-14)
    for p in points:
        np.testing.assert_allclose(surface.gradient(p), rosen_der(p), rtol=1e-13, atol=1e-12)


# --- critical points ------------------------------------------------------------------


def _ring(center, radius, n=16):
    center = np.asarray(center, dtype=float)
    if center.size == 1:
        return center + radius * np.array([[-1.0], [1.0]])
    angles = np.linspace(0, 2 * np.pi, n, endpoint=False)
    dirs = np.zeros((n, center.size))
    dirs[:, 0], dirs[:, 1] = np.cos(angles), np.sin(angles)
    extra = np.eye(center.size)[2:]  # more than two coordinates: the other axes, both ways
    dirs = np.concatenate([dirs, extra, -extra]) if len(extra) else dirs
    return center + radius * dirs


MINIMA = [(n, m) for n in ALL for m in SURFACES[n].minima]
SADDLES = [(n, s) for n in ALL for s in SURFACES[n].saddles]


@pytest.mark.parametrize(("name", "point"), MINIMA, ids=[f"{n}-{i}" for i, (n, _) in enumerate(MINIMA)])
def test_listed_minimum_is_a_local_minimum_with_zero_gradient(name, point):
    surface = SURFACES[name]
    assert surface.contains(point)
    # Points are published to 6-9 decimals, so the gradient is zero to about that.
    assert np.linalg.norm(surface.gradient(point)) < 1e-4
    f0 = float(surface.value(point))
    for radius in (1e-2, 1e-3):
        assert np.all(surface.value(_ring(point, radius)) > f0), f"{name}: a point {radius} away is lower"


@pytest.mark.parametrize(("name", "point"), SADDLES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(SADDLES)])
def test_listed_saddle_has_zero_gradient_and_is_not_a_minimum(name, point):
    surface = SURFACES[name]
    assert surface.contains(point)
    assert np.linalg.norm(surface.gradient(point)) < 1e-4
    f0 = float(surface.value(point))
    for radius in (1e-2, 1e-3):
        around = surface.value(_ring(point, radius))
        assert np.any(around < f0) and np.any(around > f0), f"{name}: not a saddle at radius {radius}"


@pytest.mark.parametrize(
    ("name", "point", "value"),
    [
        ("rosenbrock", (1.0, 1.0), 0.0),
        ("beale", (3.0, 0.5), 0.0),
        ("himmelblau", (3.0, 2.0), 0.0),
        ("himmelblau", (-2.805118, 3.131313), 0.0),
        ("himmelblau", (-3.779310, -3.283186), 0.0),
        ("himmelblau", (3.584428, -1.848127), 0.0),
        ("booth", (1.0, 3.0), 0.0),
        ("six-hump-camel", (0.089842, -0.712656), -1.031628),
        ("six-hump-camel", (-0.089842, 0.712656), -1.031628),
        ("rastrigin", (0.0, 0.0), 0.0),
        ("global-minimum", (0.0, 0.0), 0.0),
        ("ravine", (0.0, 0.0), 0.0),
        ("saddle-point", (-np.pi / 2, 0.0), -1.0),
        ("quadratic-fit", (0.0, 0.0, 1.0), 0.0),
    ],
)
def test_published_minima_are_listed_with_their_values(name, point, value):
    surface = SURFACES[name]
    listed = np.array(surface.minima)
    nearest = listed[np.argmin(np.linalg.norm(listed - np.array(point), axis=1))]
    np.testing.assert_allclose(nearest, point, atol=1e-6)
    assert float(surface.value(point)) == pytest.approx(value, abs=1e-6)
    assert float(surface.value(nearest)) == pytest.approx(value, abs=1e-6)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("rosenbrock", (1.0, 1.0)),
        ("beale", (3.0, 0.5)),
        ("booth", (1.0, 3.0)),
        ("rastrigin", (0.0, 0.0)),
        ("local-minimum", (-0.967577446, 0.0)),  # the deep pit on the left
    ],
)
def test_global_minimum_property(name, expected):
    np.testing.assert_allclose(SURFACES[name].global_minimum, expected, atol=1e-9)


def test_six_hump_camel_global_minimum_value():
    surface = SURFACES["six-hump-camel"]
    assert float(surface.value(surface.global_minimum)) == pytest.approx(-1.031628, abs=5e-7)
    assert float(np.min(surface.value(np.array(surface.minima)))) == pytest.approx(-1.0316284535, abs=1e-9)


def test_surfaces_without_minimum_report_none():
    assert SURFACES["saddle"].global_minimum is None
    assert SURFACES["monkey-saddle"].global_minimum is None


def test_double_well_minima_are_the_outer_roots_of_its_derivative():
    roots = np.sort(np.roots([4.0, 0.0, -6.0, 1.0]).real)  # f'(x) = 4x³ − 6x + 1
    listed = sorted(m[0] for m in SURFACES["double-well"].minima)
    np.testing.assert_allclose(listed, [roots[0], roots[2]], rtol=1e-12)
    assert SURFACES["double-well"].global_minimum[0] == pytest.approx(roots[0])


def test_plateau_gradient_at_origin_is_finite_zero():
    surface = SURFACES["plateau"]
    with np.errstate(divide="raise", over="raise", invalid="raise"):
        g = surface.gradient([0.0, 0.0])
        grid = surface.gradient(np.array([[[0.0, 0.0], [0.5, -0.5]], [[1e-300, 0.0], [0.0, -0.0]]]))
    np.testing.assert_array_equal(g, [0.0, 0.0])
    assert np.all(np.isfinite(grid))
    np.testing.assert_array_equal(grid[0, 0], [0.0, 0.0])
    assert np.isfinite(surface.value([0.0, 0.0]))


# --- data-driven losses ---------------------------------------------------------------


def test_linear_regression_data_follow_the_recipe():
    x, y, start = _legacy_linear_regression()
    got_x, got_y, got_start = linear_regression_data()
    np.testing.assert_array_equal(got_x, x)
    np.testing.assert_array_equal(got_y, y)
    np.testing.assert_array_equal(got_start, start)
    np.testing.assert_allclose(start, [-0.35399391, -1.37495129], atol=5e-9)
    assert x.shape == (100,) and np.all((0 <= x) & (x < 2))

    surface = SURFACES["linear-regression"]
    assert surface.coords == ("theta0", "theta1")
    assert surface.n_samples == 100
    np.testing.assert_array_equal(surface.default_start, start)
    np.testing.assert_array_equal(surface.targets, y)
    np.testing.assert_array_equal(surface.features, np.stack([np.ones(100), x], axis=1))
    # Its listed minimum is the least-squares fit, from the normal equations.
    a = np.stack([np.ones(100), x], axis=1)
    best = np.linalg.solve(a.T @ a, a.T @ y)
    np.testing.assert_allclose(surface.minima[0], best, rtol=1e-10)


def test_linear_regression_data_leave_global_rng_alone():
    np.random.seed(12345)
    expected = np.random.rand(3)
    np.random.seed(12345)
    linear_regression_data()
    np.testing.assert_array_equal(np.random.rand(3), expected)


def test_importing_surfaces_leaves_global_rng_alone():
    code = (
        "import numpy as np; np.random.seed(7); a = np.random.rand(); np.random.seed(7); "
        "import gdexplain.core.surfaces; b = np.random.rand(); assert a == b, (a, b)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_quadratic_fit_data():
    surface = SURFACES["quadratic-fit"]
    assert surface.coords == ("w0", "w1", "w2")
    assert surface.default_start == (0.0, 0.0, 0.0)
    # All weights at 0: the mean of 1, 16, 81, 256, 625.
    assert float(surface.value(surface.default_start)) == pytest.approx(195.8, rel=1e-15)


def _article_gradient(w, x=QUAD_X, y=QUAD_Y):
    """curriculum.md B: dL/dw0 = (2/N)Σ(ŷ−y), dL/dw1 = (2/N)Σ(ŷ−y)x, dL/dw2 = (2/N)Σ(ŷ−y)x²."""
    w0, w1, w2 = w
    err = w2 * x**2 + w1 * x + w0 - y
    n = len(x)
    return np.array([2 / n * np.sum(err), 2 / n * np.sum(err * x), 2 / n * np.sum(err * x**2)])


def test_quadratic_fit_gradient_matches_article_formulas():
    surface = SURFACES["quadratic-fit"]
    # At w = 0 the article's first step: −(2/5)·(55, 225, 979).
    np.testing.assert_allclose(surface.gradient([0.0, 0.0, 0.0]), [-22.0, -90.0, -391.6], rtol=1e-15)
    for w in _random_points(surface, 30, seed=5):
        np.testing.assert_allclose(surface.gradient(w), _article_gradient(w), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", ["quadratic-fit", "linear-regression"])
def test_batch_gradient_over_all_samples_equals_gradient(name):
    surface = SURFACES[name]
    for p in _random_points(surface, 10, seed=2):
        np.testing.assert_allclose(
            surface.batch_gradient(p, np.arange(surface.n_samples)), surface.gradient(p), rtol=1e-14, atol=1e-14
        )


def test_batch_gradient_on_a_subset_uses_only_that_subset():
    quad = SURFACES["quadratic-fit"]
    idx = [0, 3, 4]
    for w in _random_points(quad, 10, seed=4):
        np.testing.assert_allclose(
            quad.batch_gradient(w, idx), _article_gradient(w, QUAD_X[idx], QUAD_Y[idx]), rtol=1e-12, atol=1e-12
        )

    lin = SURFACES["linear-regression"]
    x, y, _ = _legacy_linear_regression()
    rng = np.random.default_rng(9)
    for theta in _random_points(lin, 10, seed=6):
        sub = np.sort(rng.choice(100, size=7, replace=False))
        err = theta[0] + theta[1] * x[sub] - y[sub]
        expected = np.array([2 / 7 * np.sum(err), 2 / 7 * np.sum(err * x[sub])])
        got = lin.batch_gradient(theta, sub)
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
        assert not np.allclose(got, lin.gradient(theta))
    # Vectorised over points too.
    pts = _random_points(lin, 6, seed=8).reshape(2, 3, 2)
    got = lin.batch_gradient(pts, [1, 5, 50])
    assert got.shape == (2, 3, 2)
    np.testing.assert_allclose(got[1, 2], lin.batch_gradient(pts[1, 2], [1, 5, 50]), rtol=1e-13)


def test_empty_batch_raises_input_error():
    with pytest.raises(InputError, match="batch"):
        SURFACES["quadratic-fit"].batch_gradient([0.0, 0.0, 0.0], [])


def test_gradient_terms_are_the_article_sums():
    """curve-fit shows each partial derivative as a sum over the points: (ŷᵢ−yᵢ), (ŷᵢ−yᵢ)xᵢ, (ŷᵢ−yᵢ)xᵢ²."""
    quad = SURFACES["quadratic-fit"]
    for w in [np.zeros(3), *_random_points(quad, 10, seed=11)]:
        pred = w[2] * QUAD_X**2 + w[1] * QUAD_X + w[0]
        np.testing.assert_allclose(quad.predictions(w), pred, rtol=1e-14, atol=1e-14)
        np.testing.assert_allclose(quad.residuals(w), pred - QUAD_Y, rtol=1e-14, atol=1e-14)
        terms = quad.gradient_terms(w)
        err = pred - QUAD_Y
        np.testing.assert_allclose(terms, np.stack([err, err * QUAD_X, err * QUAD_X**2], axis=1), rtol=1e-13, atol=1e-13)
        np.testing.assert_allclose(2 / 5 * terms.sum(axis=0), quad.gradient(w), rtol=1e-13, atol=1e-12)
    # At the start the sums are −55, −225, −979.
    np.testing.assert_array_equal(quad.gradient_terms(np.zeros(3)).sum(axis=0), [-55.0, -225.0, -979.0])


@pytest.mark.parametrize("name", ["quadratic-fit", "linear-regression"])
def test_model_between_the_samples(name):
    surface = SURFACES[name]
    for w in _random_points(surface, 5, seed=13):
        np.testing.assert_allclose(surface.model(w, surface.inputs), surface.predictions(w), rtol=1e-13, atol=1e-13)
        xs = np.linspace(-1.0, 6.0, 9)
        expected = sum(c * xs**k for k, c in enumerate(w))
        np.testing.assert_allclose(surface.model(w, xs), expected, rtol=1e-13, atol=1e-13)
    assert not surface.holding(surface.coords[0], 0.0).basis  # a slice has no curve of its own
    with pytest.raises(InputError, match="no model"):
        surface.holding(surface.coords[0], 0.0).model(np.zeros(surface.dim - 1), [1.0])


@pytest.mark.parametrize("name", ["quadratic-fit", "linear-regression"])
def test_hessian_and_stable_lr_limit(name):
    surface = SURFACES[name]
    h = surface.hessian()
    p = _random_points(surface, 1, seed=3)[0]
    for k in range(surface.dim):  # the gradient is linear: its finite difference is the Hessian's column
        e = np.zeros(surface.dim)
        e[k] = 1e-3
        np.testing.assert_allclose((surface.gradient(p + e) - surface.gradient(p - e)) / 2e-3, h[:, k], rtol=1e-7, atol=1e-7)
    limit = surface.stable_lr_limit()
    curv = surface.curvatures()
    assert np.all(np.diff(curv) >= 0) and curv[0] > 0
    np.testing.assert_allclose(h @ np.linalg.eigh(h)[1], np.linalg.eigh(h)[1] * curv, rtol=1e-9, atol=1e-9)
    assert limit == pytest.approx(2 / curv[-1], rel=1e-15)
    from gdexplain.core.optimizers import make_optimizer
    from gdexplain.core.trajectory import run

    below = run(make_optimizer("gd", lr=0.97 * limit), surface, None, 400)
    above = run(make_optimizer("gd", lr=1.03 * limit), surface, None, 400)
    assert below.losses[-1] < below.losses[0]
    assert above.diverged or above.losses[-1] > 100 * above.losses[0]


def test_holding_a_coordinate_slices_the_loss():
    quad = SURFACES["quadratic-fit"]
    held = quad.holding("w0", 0.3)
    assert held.coords == ("w1", "w2") and held.ranges == quad.ranges[1:]
    for w12 in _random_points(held, 10, seed=12):
        full = np.array([0.3, *w12])
        assert float(held.value(w12)) == pytest.approx(float(quad.value(full)), rel=1e-13)
        np.testing.assert_allclose(held.gradient(w12), quad.gradient(full)[1:], rtol=1e-12, atol=1e-12)
    best = np.array(held.minima[0])
    np.testing.assert_allclose(held.gradient(best), [0.0, 0.0], atol=1e-9)
    with pytest.raises(InputError, match="w0"):
        quad.holding("w3", 0.0)


# --- validation of starts and names ---------------------------------------------------


def _assert_one_line(err: InputError, *fragments: str) -> None:
    message = str(err)
    assert "\n" not in message and message.strip() == message and message
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"


@pytest.mark.parametrize(
    ("name", "start", "fragments"),
    [
        ("rosenbrock", [1.0], ["2 coordinates", "x, y", "give 2 comma-separated numbers"]),
        ("rosenbrock", [1.0, 2.0, 3.0], ["but the start has 3", "give 2"]),
        ("quadratic-fit", [0.0, 0.0], ["3 coordinates", "w0, w1, w2", "give 3"]),
        ("double-well", [], ["1 coordinates", "has 0"]),
        ("rosenbrock", [np.nan, 1.0], ["non-finite", "use finite numbers"]),
        ("booth", [np.inf, 0.0], ["non-finite", "use finite numbers"]),
        ("rosenbrock", [2.5, 1.0], ["off the 'rosenbrock' surface", "choose x in [-2, 2], y in [-1, 3]"]),
        ("rosenbrock", [0.0, -1.5], ["off the 'rosenbrock' surface", "y in [-1, 3]"]),
        ("linear-regression", [11.0, 0.0], ["off the 'linear-regression' surface", "theta0 in [-1, 10]"]),
        ("rosenbrock", "abc", ["not a list of numbers", "give 2 comma-separated numbers"]),
        ("rosenbrock", ["a", "b"], ["not a list of numbers"]),
        ("rosenbrock", {"x": 1}, ["not a list of numbers"]),
        ("rosenbrock", [object(), 1.0], ["not a list of numbers"]),
        ("rosenbrock", np.array([["a", "b"], ["c", "d"]]), ["not a list of numbers"]),
    ],
)
def test_check_start_errors(name, start, fragments):
    with pytest.raises(InputError) as info:
        SURFACES[name].check_start(start)
    _assert_one_line(info.value, *fragments)


@pytest.mark.parametrize("name", ALL)
def test_check_start_accepts_range_corners_and_default(name):
    surface = SURFACES[name]
    np.testing.assert_array_equal(surface.check_start(None), surface.default_start)
    lo = [r[0] for r in surface.ranges]
    hi = [r[1] for r in surface.ranges]
    for corner in (lo, hi):
        got = surface.check_start(corner)
        assert got.dtype == float and got.shape == (surface.dim,)
        np.testing.assert_array_equal(got, corner)
    # A tuple of ints and a numpy column work as well.
    np.testing.assert_array_equal(surface.check_start(np.array(lo).reshape(-1, 1)), lo)


@pytest.mark.parametrize(
    ("typo", "suggested"),
    [("rosenbock", "rosenbrock"), ("himelblau", "himmelblau"), ("six-hump", "six-hump-camel"), ("bale", "beale")],
)
def test_get_surface_unknown_name_suggests_closest(typo, suggested):
    with pytest.raises(InputError) as info:
        get_surface(typo)
    _assert_one_line(info.value, f"unknown surface {typo!r}", "did you mean", repr(suggested))


def test_get_surface_unrelated_name_lists_the_choices():
    with pytest.raises(InputError) as info:
        get_surface("qqqqqqqq")
    _assert_one_line(info.value, "choose one of", "rosenbrock", "linear-regression")


@pytest.mark.parametrize("bad", [None, 3, ["rosenbrock"]])
def test_get_surface_non_string_name(bad):
    with pytest.raises(InputError) as info:
        get_surface(bad)
    _assert_one_line(info.value, "unknown surface")


def test_get_surface_known_name():
    assert get_surface("booth") is SURFACES["booth"]
