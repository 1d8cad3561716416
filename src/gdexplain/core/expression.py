"""A lecturer's own surface: ``x**2 + 10*y**2`` typed on the command line.

:func:`expression_surface` turns a formula in ``x`` and ``y`` into a
:class:`~gdexplain.core.surfaces.Surface` like the built-in ones: vectorised
value, analytic gradient (sympy's derivative, compiled to numpy), a plotting
range, a default start and, when one exists inside the range, the minimum.

The text is never evaluated. It is parsed by Python's :mod:`ast` and only a
short list of node types is turned, node by node, into a sympy expression:
numbers, ``x``, ``y``, ``pi``, ``e``, ``+ - * / **`` (``^`` means ``**``, as
a lecturer writes it) and the functions in :data:`FUNCTIONS`. Anything else
(attribute access, subscripts, strings, other names) is refused with a
one-line :class:`InputError` naming what is accepted.
"""

from __future__ import annotations

import ast
import functools
import math
from collections.abc import Callable, Sequence

from dataclasses import dataclass, replace

import numpy as np

from gdexplain.core.errors import InputError, closest
from gdexplain.core.surfaces import Surface

#: Plotting range of an expression surface when none is given: x and y in [−3, 3].
DEFAULT_RANGE: tuple[tuple[float, float], tuple[float, float]] = ((-3.0, 3.0), (-3.0, 3.0))
#: Longest formula accepted (a guard against pathological input, far above any real one).
MAX_LENGTH = 400
#: Largest |exponent| of a number raised to a number (2**1000000 would stall sympy).
MAX_EXPONENT = 100
#: Points per axis of the grid on which a surface must be finite.
CHECK_GRID = 121
#: Where the default start sits in each coordinate, as a fraction from the low to the high end.
START_FRACTION = 0.8

VARIABLES = ("x", "y")
#: The functions a formula may use (numpy names and their usual aliases).
FUNCTION_NAMES = (
    "sin", "cos", "tan", "asin", "acos", "atan", "arcsin", "arccos", "arctan",
    "sinh", "cosh", "tanh", "exp", "log", "ln", "sqrt", "abs",
)
CONSTANT_NAMES = ("pi", "e")
_ACCEPTED = f"numbers, x, y, {', '.join(CONSTANT_NAMES)}, + - * / ** and {', '.join(FUNCTION_NAMES)}"


@dataclass(frozen=True)
class ExpressionSurface(Surface):
    """A surface typed as a formula; ``formula`` is its normalised text (also its ``name``)."""

    formula: str = ""


def _sympy_tables() -> tuple[dict[str, Callable], dict[str, object]]:
    import sympy as sp

    functions = {
        "sin": sp.sin, "cos": sp.cos, "tan": sp.tan,
        "asin": sp.asin, "acos": sp.acos, "atan": sp.atan,
        "arcsin": sp.asin, "arccos": sp.acos, "arctan": sp.atan,
        "sinh": sp.sinh, "cosh": sp.cosh, "tanh": sp.tanh,
        "exp": sp.exp, "log": sp.log, "ln": sp.log, "sqrt": sp.sqrt, "abs": sp.Abs,
    }
    constants = {"pi": sp.pi, "e": sp.E}
    return functions, constants


def normalise(text: str) -> str:
    """The formula with runs of white space made single (the surface's name)."""
    return " ".join(str(text).split())


def parse(text: str):
    """Parse ``text`` into a sympy expression in the real symbols x and y, without ``eval``.

    Raises :class:`InputError` for empty or over-long text, bad syntax,
    unknown names, or constructs outside the accepted list.
    """
    import sympy as sp

    src = normalise(text)
    where = f"surface expression {src!r}"
    if not src:
        raise InputError("surface expression is empty: write a formula in x and y, e.g. x**2 + 10*y**2")
    if len(src) > MAX_LENGTH:
        raise InputError(f"surface expression is {len(src)} characters long: keep it under {MAX_LENGTH}")
    try:
        tree = ast.parse(src.replace("^", "**"), mode="eval")
    except SyntaxError as err:
        col = f" at character {err.offset}" if err.offset else ""
        raise InputError(f"{where} is not a formula{col}: write it like x**2 + 10*y**2 (multiply with *)") from None
    functions, constants = _sympy_tables()
    symbols = {v: sp.Symbol(v, real=True) for v in VARIABLES}

    def build(node: ast.AST):
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                raise InputError(f"{where}: {node.value!r} is not a number: use {_ACCEPTED}")
            return sp.Integer(node.value) if isinstance(node.value, int) else sp.Float(node.value)
        if isinstance(node, ast.Name):
            if node.id in symbols:
                return symbols[node.id]
            if node.id in constants:
                return constants[node.id]
            if node.id in functions:
                raise InputError(f"{where}: {node.id} is a function: call it, e.g. {node.id}(x)")
            raise _unknown(where, node.id)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            inner = build(node.operand)
            return -inner if isinstance(node.op, ast.USub) else inner
        if isinstance(node, ast.BinOp):
            a, b = build(node.left), build(node.right)
            if isinstance(node.op, ast.Add):
                return a + b
            if isinstance(node.op, ast.Sub):
                return a - b
            if isinstance(node.op, ast.Mult):
                return a * b
            if isinstance(node.op, ast.Div):
                if b == 0:
                    raise InputError(f"{where} divides by zero: check the formula")
                return a / b
            if isinstance(node.op, (ast.Pow, ast.BitXor)):
                if b.is_number and (not b.is_finite or abs(float(b)) > MAX_EXPONENT):
                    raise InputError(f"{where}: exponent {b} is too large: keep powers within ±{MAX_EXPONENT}")
                return a**b
            raise InputError(f"{where}: operator {type(node.op).__name__} is not accepted: use {_ACCEPTED}")
        if isinstance(node, ast.Call):
            name = node.func.id if isinstance(node.func, ast.Name) else None
            if name is None or name not in functions:
                if name is None:
                    raise InputError(f"{where}: only plain function calls like sin(x) are accepted: use {_ACCEPTED}")
                raise _unknown(where, name, function=True)
            if node.keywords or len(node.args) != 1:
                raise InputError(f"{where}: {name} takes one argument, e.g. {name}(x)")
            return functions[name](build(node.args[0]))
        shown = ast.get_source_segment(src.replace("^", "**"), node) or type(node).__name__
        raise InputError(f"{where}: {shown!r} is not accepted: use {_ACCEPTED}")

    try:
        expr = build(tree.body)
    except RecursionError:
        raise InputError(f"{where} is nested too deeply: simplify it") from None
    if expr.has(sp.I) or expr.has(sp.zoo) or expr.has(sp.nan) or expr.has(sp.oo):
        raise InputError(f"{where} is not a real, finite formula (it simplifies to {expr}): check the formula")
    return expr


def _unknown(where: str, name: str, function: bool = False) -> InputError:
    known = list(FUNCTION_NAMES) if function else [*VARIABLES, *CONSTANT_NAMES, *FUNCTION_NAMES]
    near = closest(name, known)
    hint = f"did you mean {', '.join(repr(n) for n in near)}? " if near else ""
    what = "function" if function else "name"
    return InputError(f"{where}: unknown {what} {name!r}: {hint}use {_ACCEPTED}")


def pretty(expr) -> str:
    """An expression as a screen title: ``x² + 10·y²``."""
    import sympy as sp

    text = sp.sstr(expr)
    supers = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")

    def power(match) -> str:
        return match.group(1).translate(supers)

    import re

    text = re.sub(r"\*\*(-?\d+)(?![\d.])", power, text).replace("**", "^").replace("Abs(", "abs(")
    return text.replace("*", "·").replace("-", "\u2212")


def _vectorised(fn: Callable) -> Callable:
    """``fn(x, y)`` that always returns an array of the broadcast shape (a constant is broadcast)."""

    def call(x, y):
        out = fn(x, y)
        return np.broadcast_to(np.asarray(out), np.broadcast(np.asarray(x), np.asarray(y)).shape)

    return call


def default_start(ranges: Sequence[tuple[float, float]]) -> tuple[float, ...]:
    """The start of a surface without one: :data:`START_FRACTION` of the way up each coordinate's range."""
    return tuple(round(lo + START_FRACTION * (hi - lo), 10) for lo, hi in ranges)


def check_ranges(ranges: Sequence[Sequence[float]]) -> tuple[tuple[float, float], tuple[float, float]]:
    """Validate a plotting range ``((x_min, x_max), (y_min, y_max))``; InputError naming the fix."""
    try:
        (x0, x1), (y0, y1) = ((float(a), float(b)) for a, b in ranges)
    except (TypeError, ValueError):
        raise InputError("range must be four numbers x_min,x_max,y_min,y_max, e.g. -3,3,-2,2") from None
    for name, lo, hi in (("x", x0, x1), ("y", y0, y1)):
        if not (math.isfinite(lo) and math.isfinite(hi)) or not lo < hi:
            raise InputError(f"range of {name} must be finite with min < max, got [{lo:g}, {hi:g}]: e.g. -3,3,-2,2")
    return (x0, x1), (y0, y1)


@functools.lru_cache(maxsize=32)
def expression_surface(text: str, ranges: tuple[tuple[float, float], tuple[float, float]] | None = None) -> ExpressionSurface:
    """A surface from a formula in x and y; see the module docstring.

    Args:
        text: the formula, e.g. ``"x**2 + 10*y**2"``.
        ranges: the plotting range, ``((x_min, x_max), (y_min, y_max))``; default :data:`DEFAULT_RANGE`.

    Raises :class:`InputError` for a bad formula, an unknown name, or a
    surface (or its gradient) that is not finite and real on the whole range.
    """
    import sympy as sp

    expr = parse(text)
    name = normalise(text)
    rng = check_ranges(ranges if ranges is not None else DEFAULT_RANGE)
    x, y = (sp.Symbol(v, real=True) for v in VARIABLES)
    grads = (sp.diff(expr, x), sp.diff(expr, y))
    # lambdify generates code from sympy's own printout of the parsed tree, never from the user's text.
    value = _vectorised(sp.lambdify((x, y), expr, modules="numpy"))
    parts = [_vectorised(sp.lambdify((x, y), g, modules="numpy")) for g in grads]

    def gradient(a, b):
        return parts[0](a, b), parts[1](a, b)

    _check_finite(name, rng, value, gradient)
    start = default_start(rng)
    surface = ExpressionSurface(
        name=name,
        title=pretty(expr),
        description=f"Your own surface: f(x, y) = {pretty(expr)}.",
        coords=VARIABLES,
        ranges=rng,
        default_start=start,
        _value=value,
        _gradient=gradient,
        formula=name,
    )
    minimum = _interior_minimum(surface)
    if minimum is not None:
        surface = replace(surface, minima=(minimum,))
    return surface


def _check_finite(name: str, rng, value: Callable, gradient: Callable) -> None:
    """Refuse a surface whose value or gradient is not a finite real number somewhere on the range."""
    (x0, x1), (y0, y1) = rng
    gx, gy = np.meshgrid(np.linspace(x0, x1, CHECK_GRID), np.linspace(y0, y1, CHECK_GRID))
    with np.errstate(all="ignore"):
        for what, arrays in (("its value", (value(gx, gy),)), ("its gradient", gradient(gx, gy))):
            for arr in arrays:
                arr = np.asarray(arr)
                bad = np.iscomplexobj(arr) or not np.all(np.isfinite(arr))
                if bad:
                    mask = ~np.isfinite(arr) if not np.iscomplexobj(arr) else np.abs(arr.imag) > 0
                    i, j = np.argwhere(mask)[0] if mask.any() else (0, 0)
                    at = f"({gx[i, j]:g}, {gy[i, j]:g})"
                    raise InputError(
                        f"surface expression {name!r}: {what} is not a finite real number at {at} on the range "
                        f"x in [{x0:g}, {x1:g}], y in [{y0:g}, {y1:g}]: choose a range where it is defined "
                        "(x_min,x_max,y_min,y_max: --set range=… or trace --range …) or change the formula"
                    )


def _interior_minimum(surface: Surface) -> tuple[float, float] | None:
    """The lowest point of the surface inside its range, if it is a true (zero-gradient) minimum."""
    from scipy.optimize import minimize

    (x0, x1), (y0, y1) = surface.ranges
    gx, gy = np.meshgrid(np.linspace(x0, x1, CHECK_GRID), np.linspace(y0, y1, CHECK_GRID))
    z = surface.value(np.stack([gx, gy], axis=-1))
    i, j = np.unravel_index(int(np.argmin(z)), z.shape)
    result = minimize(
        lambda p: float(surface.value(p)), np.array([gx[i, j], gy[i, j]]), jac=lambda p: surface.gradient(p),
        method="L-BFGS-B", bounds=surface.ranges, options={"gtol": 1e-12, "ftol": 1e-15},
    )
    p = result.x
    scale = max(1.0, float(np.abs(z).max()))
    inside = all(lo + 1e-6 * (hi - lo) < c < hi - 1e-6 * (hi - lo) for c, (lo, hi) in zip(p, surface.ranges))
    if inside and np.linalg.norm(surface.gradient(p)) < 1e-6 * scale:
        return float(p[0]), float(p[1])
    return None
