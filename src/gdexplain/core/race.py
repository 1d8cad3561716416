"""Optimizer races: several methods, each with its own learning rate, from one start on one surface.

This module knows nothing of Manim. It runs the race through the core
(:func:`gdexplain.core.trajectory.run` with a convergence tolerance), sorts the
outcome of every method into one of a few kinds, ranks them for the
leaderboard and words the result, so the ``race`` scene only draws.

Outcome rules (what the leaderboard says):

``diverged``
    the core stopped the run as diverged (a non-finite value, or the point
    escaped far beyond the surface's range): ``traj.diverged_at``.
``off the map``
    the run ended outside the surface's plotting range without diverging
    (on a surface unbounded below, such as ``saddle``, a method can keep
    going downhill forever).
``minimum``
    the gradient norm fell below ``tol`` (``traj.converged_at``) within
    :data:`NEAR_FRACTION` of the range's width from a known minimum whose
    loss is the lowest known (a global minimum).
``local minimum``
    the same, near a known minimum that is not a global one.
``stuck``
    the gradient norm fell below ``tol`` far from every known minimum: the
    ball stopped on a saddle or a flat spot, not in a valley.
``still moving``
    none of the above after all the steps.

Ranking: methods that reached a global minimum come first, fewest steps
first; then every other method that did not diverge, lowest final loss
first (ties: fewer steps); then diverged methods, latest blow-up first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from enum import StrEnum

from gdexplain import i18n
from gdexplain.i18n import N_, join_words, tr, trn
from gdexplain.core.errors import InputError, unknown_name
from gdexplain.core.optimizers import OPTIMIZERS, Optimizer, make_optimizer
from gdexplain.core.surfaces import Surface
from gdexplain.core.trajectory import Trajectory, run

#: gradient_descent_viz's five methods, the default field of a race.
VIZ_METHODS: tuple[str, ...] = ("gd", "momentum", "adagrad", "rmsprop", "adam")

#: A converged method is "at" a known minimum when closer than this fraction of the range width.
NEAR_FRACTION = 0.05


class Outcome(StrEnum):
    """How a race ended for one method (rules in the module docstring). The value is an
    identifier; :data:`RESULT_WORDS` is how the leaderboard says it."""

    MINIMUM = "minimum"
    LOCAL_MINIMUM = "local_minimum"
    STUCK = "stuck"
    STILL_MOVING = "still_moving"
    OFF_MAP = "off_map"
    DIVERGED = "diverged"

    @property
    def failed(self) -> bool:
        """True for the outcomes a leaderboard shows dimmed: the method got nowhere useful."""
        return self in (Outcome.STUCK, Outcome.OFF_MAP, Outcome.DIVERGED)

    @property
    def has_step(self) -> bool:
        """True when the outcome happened at a step (converged or diverged there)."""
        return self not in (Outcome.STILL_MOVING, Outcome.OFF_MAP)


OUTCOMES: tuple[Outcome, ...] = tuple(Outcome)
#: The leaderboard's words for each outcome (English; shown through :func:`gdexplain.i18n.tr`).
RESULT_WORDS: dict[Outcome, str] = {
    Outcome.MINIMUM: N_("minimum"),
    Outcome.LOCAL_MINIMUM: N_("local minimum"),
    Outcome.STUCK: N_("stuck"),
    Outcome.STILL_MOVING: N_("still moving"),
    Outcome.OFF_MAP: N_("off the map"),
    Outcome.DIVERGED: N_("diverged"),
}


def method_parts(spec: str) -> tuple[str, str | None]:
    """A racing method as ``(name, inner)``: ``adam`` → ``("adam", None)``,
    ``lookahead:momentum`` → ``("lookahead", "momentum")`` (Lookahead around Momentum).

    Unknown names raise :class:`InputError` with the closest ones.
    """
    name, sep, inner = str(spec).strip().partition(":")
    if name not in OPTIMIZERS:
        raise unknown_name("optimizer", name, OPTIMIZERS)
    if not sep:
        return name, None
    if name != "lookahead":
        raise InputError(f"{spec!r}: only lookahead takes an inner method, as in lookahead:{inner or 'momentum'}")
    if inner == "lookahead":
        raise InputError("lookahead:lookahead: the inner method must be another optimizer, e.g. lookahead:adam")
    if inner not in OPTIMIZERS:
        raise unknown_name("optimizer", inner, [n for n in OPTIMIZERS if n != "lookahead"])
    return name, inner


def build_method(spec: str, lr: float) -> Optimizer:
    """The optimizer a racing method ``spec`` names (see :func:`method_parts`), with learning rate ``lr``."""
    name, inner = method_parts(spec)
    return make_optimizer(name, lr=lr, **({"inner": inner} if inner else {}))


def short_name(spec: str) -> str:
    """``GD``, ``Momentum``, ``Adam``, ``Lookahead (Momentum)`` …: a method as a legend shows it (its class's ``short``)."""
    name, inner = method_parts(spec)
    if inner:
        return f"{OPTIMIZERS[name].short} ({OPTIMIZERS[inner].short})"
    return OPTIMIZERS[name].short


def range_width(surface: Surface) -> float:
    """The widest side of a surface's plotting range."""
    return float(max(hi - lo for lo, hi in surface.ranges))


def default_lr(name: str, surface: Surface) -> float:
    """The learning rate a method races with when ``lrs`` does not set one.

    The class's ``race_lr`` suits a surface whose range is 4 wide
    (gradient_descent_viz's [−2, 2]²); methods whose step is about α whatever
    the gradient (``race_lr_scales``) get it scaled by the range width / 4,
    GD-like methods keep theirs, since their step is α times the gradient.
    """
    name, inner = method_parts(name)
    cls = OPTIMIZERS[inner or name]  # Lookahead steps at its inner method's pace
    lr = cls.race_lr
    if cls.race_lr_scales:
        lr *= range_width(surface) / 4.0
    return float(lr)


def race_lrs(names: Sequence[str], surface: Surface, lrs: Mapping[str, float] | Sequence[tuple[str, float]] = ()) -> dict[str, float]:
    """The learning rate of every racer: ``lrs`` where given, else :func:`default_lr`.

    Every rate is checked by building the optimizer, so a bad one raises
    :class:`InputError` naming the method; ``lrs`` naming a method that is
    not racing is an error too.
    """
    given = dict(lrs)
    extra = [n for n in given if n not in names]
    if extra:
        raise InputError(
            f"lrs sets {', '.join(extra)}, which {'is' if len(extra) == 1 else 'are'} not in the race "
            f"({', '.join(names)}): add {'it' if len(extra) == 1 else 'them'} to optimizers or drop {'it' if len(extra) == 1 else 'them'} from lrs"
        )
    out = {}
    for n in names:
        out[n] = float(given[n]) if n in given else default_lr(n, surface)
        build_method(n, out[n])
    return out


@dataclass(frozen=True)
class Racer:
    """One method's race: its trajectory and how it ended."""

    name: str
    lr: float
    traj: Trajectory
    outcome: Outcome
    at: int | None

    @property
    def title(self) -> str:
        """Short display name."""
        return short_name(self.name)

    @property
    def final_loss(self) -> float:
        """Loss at the last finite position."""
        return self.traj.final_loss

    def result_text(self) -> str:
        """The leaderboard's result cell: ``minimum, step 91``, ``diverged, step 7``, ``still moving``."""
        words = tr(RESULT_WORDS[self.outcome])
        return tr("{result}, step {step}", result=words, step=self.at) if self.outcome.has_step else words


def classify(traj: Trajectory) -> tuple[Outcome, int | None]:
    """The outcome of one run and the step it happened at (see the module docstring)."""
    surface = traj.surface
    if traj.diverged_at is not None:
        return Outcome.DIVERGED, traj.diverged_at
    if not surface.contains(traj.final):
        return Outcome.OFF_MAP, None
    if traj.converged_at is None:
        return Outcome.STILL_MOVING, None
    near = nearest_minimum(surface, traj.final)
    if near is None:
        return Outcome.STUCK, traj.converged_at
    best = float(surface.value(surface.global_minimum))
    here = float(surface.value(near))
    is_global = here <= best + 1e-6 * (1.0 + abs(best))
    return (Outcome.MINIMUM if is_global else Outcome.LOCAL_MINIMUM), traj.converged_at


def nearest_minimum(surface: Surface, point: Sequence[float]) -> tuple[float, ...] | None:
    """The known minimum within :data:`NEAR_FRACTION` of the range width from ``point``, if any."""
    if not surface.minima:
        return None
    p = np.asarray(point, dtype=float)
    dists = [float(np.linalg.norm(p - np.asarray(m))) for m in surface.minima]
    i = int(np.argmin(dists))
    return surface.minima[i] if dists[i] <= NEAR_FRACTION * range_width(surface) else None


def run_race(
    surface: Surface,
    names: Sequence[str],
    lrs: Mapping[str, float] | Sequence[tuple[str, float]] = (),
    start: Sequence[float] | None = None,
    steps: int = 150,
    tol: float = 1e-2,
) -> list[Racer]:
    """Run every method from one start; return the racers in the order of ``names``."""
    rates = race_lrs(names, surface, lrs)
    racers = []
    for n in names:
        traj = run(build_method(n, rates[n]), surface, start, steps, tol=tol)
        outcome, at = classify(traj)
        racers.append(Racer(n, rates[n], traj, outcome, at))
    return racers


def rank_key(r: Racer) -> tuple:
    """Sort key of the leaderboard (see the module docstring)."""
    if r.outcome is Outcome.MINIMUM:
        return (0, r.at, 0.0)
    if r.outcome is Outcome.DIVERGED:
        return (2, -(r.at or 0), 0.0)
    return (1, r.final_loss, r.at if r.at is not None else r.traj.steps + 1)


def leaderboard(racers: Sequence[Racer]) -> list[Racer]:
    """The racers, best first."""
    return sorted(racers, key=rank_key)


def story(racers: Sequence[Racer]) -> list[str]:
    """Narration for the end of a race: who won and what became of the others, one sentence each."""
    board = leaderboard(racers)
    first, rest = board[0], board[1:]
    lines = []
    if first.outcome is Outcome.MINIMUM:
        lines.append(tr("{name} wins: it reaches the lowest point in {steps} steps.", name=first.title, steps=first.at))
    elif first.outcome is Outcome.DIVERGED:
        lines.append(tr("Every method diverged: these learning rates are too large for this surface."))
    else:
        lines.append(tr("{name} ends lowest, with a loss of {loss}.", name=first.title, loss=_num(first.final_loss)))
    groups: dict[Outcome | str, list[Racer]] = {}
    for r in rest:  # in leaderboard order
        key = NEAR_MINIMUM if r.outcome is Outcome.STILL_MOVING and _near_global(r) else r.outcome
        groups.setdefault(key, []).append(r)
    for outcome, rs in groups.items():
        who, n = join_words([r.title for r in rs]), len(rs)
        if outcome == Outcome.MINIMUM:
            steps = join_words([str(r.at) for r in rs])
            lines.append(trn("{who} gets there too, after {steps} steps.", "{who} get there too, after {steps} steps.", n, who=who, steps=steps))
        elif outcome == NEAR_MINIMUM:
            lines.append(trn(
                "{who} ends close to the lowest point too, but has not settled by the last step.",
                "{who} end close to the lowest point too, but have not settled by the last step.", n, who=who,
            ))
        elif outcome == Outcome.LOCAL_MINIMUM:
            lines.append(trn(
                "{who} settles in a local minimum that is not the lowest, and stays there.",
                "{who} settle in a local minimum that is not the lowest, and stay there.", n, who=who,
            ))
        elif outcome == Outcome.STUCK:
            lines.append(trn(
                "{who} stops where the slope vanishes, away from every known minimum: stuck.",
                "{who} stop where the slope vanishes, away from every known minimum: stuck.", n, who=who,
            ))
        elif outcome == Outcome.STILL_MOVING:
            lines.append(trn(
                "{who} is still on the way when the steps run out.", "{who} are still on the way when the steps run out.", n, who=who
            ))
        elif outcome == Outcome.OFF_MAP:
            lines.append(trn("{who} runs off the edge of the map, downhill forever.", "{who} run off the edge of the map, downhill forever.", n, who=who))
        elif outcome == Outcome.DIVERGED:
            lines.append(trn(
                "{who} takes steps that grow and grow: the run diverges, and we stop it.",
                "{who} take steps that grow and grow: the run diverges, and we stop it.", n, who=who,
            ))
    return lines


#: The story's own group: still moving, but already close to the lowest point.
NEAR_MINIMUM = "near_minimum"


def _near_global(r: Racer) -> bool:
    """True when a run ended near a known global minimum (within :data:`NEAR_FRACTION` of the width)."""
    surface = r.traj.surface
    near = nearest_minimum(surface, r.traj.final)
    if near is None:
        return False
    best = float(surface.value(surface.global_minimum))
    return float(surface.value(near)) <= best + 1e-6 * (1.0 + abs(best))


def _num(x: float) -> str:
    """A loss for narration: three significant digits, a spoken minus."""
    text = f"{x:.3g}"
    return (("负" if i18n.is_cjk() else "minus ") + text[1:]) if text.startswith("-") else text


# --- measures of runs compared side by side ---------------------------------------------


def largest_gap(a: Trajectory, b: Trajectory) -> float:
    """The largest distance between two paths at the same step (0 when they coincide)."""
    n = min(len(a.positions), len(b.positions))
    return float(np.max(np.linalg.norm(a.positions[:n] - b.positions[:n], axis=1)))


def overshoot(traj: Trajectory, upto: int | None = None) -> float:
    """How far the path has gone past the surface's global minimum, along the start→minimum line.

    0 while the ball has not passed the minimum; NaN on a surface without a
    known minimum; ``upto`` limits the steps looked at.
    """
    minimum = traj.surface.global_minimum
    if minimum is None:
        return float("nan")
    m = np.asarray(minimum, dtype=float)
    d = m - traj.positions[0]
    if not np.any(d):
        return 0.0
    d /= np.linalg.norm(d)
    pts = traj.positions[: (upto if upto is not None else traj.steps) + 1]
    return float(max(0.0, np.max((pts - m) @ d)))
