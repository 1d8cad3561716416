"""Your own surface: formulas parsed without eval, analytic gradients, ranges, and one-line errors."""

from __future__ import annotations

import builtins

from gdexplain.core.errors import InputError
import csv
import io

import numpy as np
import pytest
from click.testing import CliRunner

from gdexplain.catalog import get_entry
from gdexplain.cli import main
from gdexplain.core.expression import DEFAULT_RANGE, expression_surface, parse, pretty
from gdexplain.core.optimizers import make_optimizer
from gdexplain.core.surfaces import Surface, get_surface
from gdexplain.core.trajectory import run
from test_catalog import one_line_error as one_line

# (formula, range or None, a reference written out in numpy)
FORMULAS = [
    ("x**2 + 10*y**2", None, lambda x, y: x**2 + 10 * y**2),
    ("x^2 - y^2", None, lambda x, y: x**2 - y**2),
    ("sin(x)*cos(y) + 0.1*(x**2 + y**2)", None, lambda x, y: np.sin(x) * np.cos(y) + 0.1 * (x**2 + y**2)),
    ("exp(-(x-1)**2 - y**2) * -2 + x**2/5", None, lambda x, y: -2 * np.exp(-((x - 1) ** 2) - y**2) + x**2 / 5),
    ("log(x) + y**4 - 3*x*y", ((0.5, 4.0), (-2.0, 2.0)), lambda x, y: np.log(x) + y**4 - 3 * x * y),
    ("sqrt(x**2 + y**2 + 1) + atan(y) - pi*e*x", None, lambda x, y: np.sqrt(x**2 + y**2 + 1) + np.arctan(y) - np.pi * np.e * x),
    ("(1 - x)**2 + 100*(y - x**2)**2", ((-2.0, 2.0), (-1.0, 3.0)), lambda x, y: (1 - x) ** 2 + 100 * (y - x**2) ** 2),
    ("tanh(x*y) + cosh(x/3) - ln(2 + sinh(y)**2)", None, lambda x, y: np.tanh(x * y) + np.cosh(x / 3) - np.log(2 + np.sinh(y) ** 2)),
]


@pytest.mark.parametrize("text, rng, ref", FORMULAS, ids=[f[0] for f in FORMULAS])
def test_value_matches_the_formula_and_gradient_matches_finite_differences(text, rng, ref):
    surface = expression_surface(text, rng)
    lo = np.array([r[0] for r in surface.ranges])
    hi = np.array([r[1] for r in surface.ranges])
    points = lo + (hi - lo) * np.random.default_rng(7).random((40, 2))
    np.testing.assert_allclose(surface.value(points), ref(points[:, 0], points[:, 1]), rtol=1e-12, atol=1e-12)
    h = 1e-6
    grad = surface.gradient(points)
    for axis in range(2):
        e = np.zeros(2)
        e[axis] = h
        central = (ref(*(points + e).T) - ref(*(points - e).T)) / (2 * h)
        np.testing.assert_allclose(grad[:, axis], central, rtol=1e-6, atol=1e-5)


def test_shapes_are_vectorised_like_the_built_in_surfaces():
    surface = expression_surface("3 + 0*x", None)  # a constant broadcasts to the grid
    grid = np.zeros((5, 7, 2))
    assert surface.value(grid).shape == (5, 7)
    assert surface.gradient(grid).shape == (5, 7, 2)
    np.testing.assert_array_equal(surface.value(grid), 3.0)
    np.testing.assert_array_equal(surface.gradient(grid), 0.0)
    assert expression_surface("x*y", None).value([2.0, 3.0]).shape == ()


def test_a_formula_equal_to_a_built_in_surface_gives_the_same_run():
    own = get_surface("0.1*x**2 + 2*y**2", ((-6, 6), (-3, 3)))
    ravine = get_surface("ravine")
    points = np.random.default_rng(1).uniform(-3, 3, (30, 2))
    np.testing.assert_allclose(own.gradient(points), ravine.gradient(points), rtol=1e-14)
    opt = make_optimizer("adam", lr=0.3)
    a, b = run(opt, own, (-5, -2), 40), run(opt, ravine, (-5, -2), 40)
    np.testing.assert_allclose(a.positions, b.positions, rtol=1e-12, atol=1e-14)


def test_range_default_start_title_and_minimum():
    s = get_surface("(x - 1)**2 + 10*(y + 0.5)**2")
    assert s.ranges == DEFAULT_RANGE and s.dim == 2 and s.coords == ("x", "y")
    assert s.contains(s.default_start) and s.default_start == (1.8, 1.8)
    assert s.title == "(x − 1)² + 10·(y + 0.5)²"
    assert s.minima and np.allclose(s.minima[0], (1.0, -0.5), atol=1e-6)
    assert get_surface("x + y").minima == ()  # a plane has no minimum inside its range
    assert get_surface("x**2 - y**2").minima == ()  # nor does a saddle
    narrow = get_surface("x**2 + y**2", ((1, 2), (-1, 1)))
    assert narrow.ranges == ((1.0, 2.0), (-1.0, 1.0)) and narrow.default_start == (1.8, 0.6)
    assert narrow.minima == ()  # its lowest point (1, 0) lies on the edge, where the gradient is not zero


def test_pretty_titles():
    assert pretty(parse("x^3 - 2*x*y")) == "x³ − 2·x·y"
    assert pretty(parse("2**x + abs(y)")) == "2^x + abs(y)"


def test_parsing_never_calls_eval_or_exec(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("eval/exec called while parsing")

    monkeypatch.setattr(builtins, "eval", refuse)
    monkeypatch.setattr(builtins, "exec", refuse)
    assert str(parse("x**2 + 10*y**2")) == "x**2 + 10*y**2"
    with pytest.raises(InputError):
        parse("__import__('os').system('echo owned')")


BAD = [
    ("", "empty"),
    ("x**", "not a formula"),
    ("10y", "not a formula"),
    ("sin(z)", "unknown name 'z'"),
    ("sinn(x)", "unknown function 'sinn'", "did you mean 'sin'"),
    ("exp", "exp is a function"),
    ("__import__('os')", "unknown function '__import__'"),
    ("x.real", "is not accepted"),
    ("[x, y]", "is not accepted"),
    ("'x'", "is not a number"),
    ("x if y else 1", "is not accepted"),
    ("x % 2", "operator Mod"),
    ("sin(x, y)", "sin takes one argument"),
    ("1/0", "divides by zero"),
    ("x**1000000", "too large"),
    ("sqrt(-1)*x", "not a real, finite formula"),
    ("log(x)", "not a finite real number", "(-3, -3)", "range"),
    ("1/(x**2 + y**2)", "not a finite real number", "(0, 0)"),
    ("sqrt(x**2 + y**2)", "its gradient is not a finite real number", "(0, 0)"),
    ("x" * 500, "keep it under"),
    ("rosenbrok", "did you mean 'rosenbrock'", "write a formula"),
    ("saddle-pont", "did you mean 'saddle-point'"),
]


@pytest.mark.parametrize("case", BAD, ids=[c[0][:20] or "empty" for c in BAD])
def test_bad_formulas_give_one_line_errors(case):
    text, *words = case
    one_line(lambda: get_surface(text), *words)


def test_bad_ranges_give_one_line_errors():
    one_line(lambda: get_surface("x*y", ((1, -1), (0, 1))), "min < max")
    one_line(lambda: get_surface("x*y", ((0, float("nan")), (0, 1))), "finite")
    one_line(lambda: get_surface("log(x*y)", ((0.1, 1), (-1, 1))), "not a finite real number")


def _trace(*args: str):
    result = CliRunner().invoke(main, ["trace", *args])
    return result


def test_trace_takes_a_formula_and_a_range():
    result = _trace("--surface", "x**2 + 10*y**2", "--range", "-3,3,-2,2", "--optimizer", "gd", "--lr", "0.05",
                    "--steps", "5", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert (float(rows[0]["x"]), float(rows[0]["y"])) == (1.8, 1.2)  # 80 % up each axis of the range
    for row in rows:
        x, y = float(row["x"]), float(row["y"])
        assert float(row["grad_x"]) == pytest.approx(2 * x, rel=1e-12)
        assert float(row["grad_y"]) == pytest.approx(20 * y, rel=1e-12)
        assert float(row["loss"]) == pytest.approx(x**2 + 10 * y**2, rel=1e-12)
    assert float(rows[1]["x"]) == pytest.approx(1.8 - 0.05 * 3.6, rel=1e-12)


@pytest.mark.parametrize(
    "args, words",
    [
        (["--surface", "sin(q)"], ["unknown name 'q'"]),
        (["--surface", "log(x)"], ["not a finite real number", "--range"]),
        (["--surface", "x*y", "--range", "1,2,3"], ["--range must be four numbers"]),
        (["--surface", "x*y", "--range", "1,2,3,3"], ["y range"]),
        (["--surface", "x*y", "--start", "5,5"], ["off the 'x*y' surface"]),
    ],
)
def test_trace_refuses_bad_formulas_in_one_line(args, words):
    result = _trace(*args, "--steps", "2")
    assert result.exit_code != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for w in words:
        assert w in lines[0], (w, lines[0])


def test_every_scene_with_a_surface_takes_a_formula_and_a_range():
    from gdexplain.catalog import entries

    with_surface = [e for e in entries() if any(p.name == "surface" and p.kind == "surface" and p.dim == 2 for p in e.params)]
    assert with_surface
    for entry in with_surface:
        values = entry.resolve({"surface": "x**2 + 10*y**2", "range": "-3,3,-2,2"})
        surface = get_surface(values["surface"])
        assert isinstance(surface, Surface) and surface.ranges == ((-3.0, 3.0), (-2.0, 2.0))
        assert surface.contains(values["start"]), entry.slug
        assert entry.resolve(values) == values  # a scene re-resolves its settings: nothing changes


def test_scene_settings_check_formula_range_and_start_together():
    entry = get_entry("ball-downhill")
    one_line(lambda: entry.resolve({"surface": "x**2 + q"}), "unknown name 'q'")
    one_line(lambda: entry.resolve({"surface": "log(x)", "range": "-1,1,-1,1"}), "not a finite real number")
    assert entry.resolve({"surface": "log(x)", "range": "0.5,2,-1,1"})["start"] == (1.7, 0.6)
    one_line(lambda: entry.resolve({"surface": "x*y", "start": "4,0"}), "off the 'x*y' surface")
    one_line(lambda: entry.resolve({"surface": "x*y", "range": "0,1"}), "four numbers")


def test_range_zooms_a_built_in_surface():
    values = get_entry("ball-downhill").resolve({"surface": "rosenbrock", "range": "0,1.5,0,1.5"})
    surface = get_surface(values["surface"])
    assert surface.name == "rosenbrock" and surface.ranges == ((0.0, 1.5), (0.0, 1.5))
    assert surface.contains(values["start"])  # the default start (−1.2, 1) is off the zoom: it moves inside
    assert get_surface("rosenbrock").ranges == ((-2.0, 2.0), (-1.0, 3.0))  # the registry is untouched
