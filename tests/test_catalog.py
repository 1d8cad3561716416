"""The scene catalog: --set parameters of every kind, cross-checks between them,
look-ups with the closest names, and loading scene classes."""

from __future__ import annotations

import pytest

from gdexplain import catalog
from gdexplain.catalog import KINDS, SCENES_DIR, Param, SceneEntry, check_unique, entries, get_entry, load_scene_class
from gdexplain.core.errors import InputError
from gdexplain.core.hyperparams import POSITIVE, Range
from gdexplain.core.surfaces import SURFACES, get_surface

ALL = entries()
SLUGS = [e.slug for e in ALL]


def one_line_error(call, *words: str) -> str:
    """``call()`` raises InputError with a one-line message containing ``words``."""
    with pytest.raises(InputError) as err:
        call()
    message = str(err.value)
    assert message and "\n" not in message, message
    for w in words:
        assert w in message, (w, message)
    return message


# --- Param.coerce, kind by kind ---------------------------------------------------------

P = {
    "float": Param("lr", "float", 0.1, "learning rate", POSITIVE),
    "int": Param("steps", "int", 20, "steps", Range(1, 400)),
    "bool": Param("trail", "bool", True, "draw the trail"),
    "surface": Param("surface", "surface", "ravine", "surface"),
    "optimizer": Param("optimizer", "optimizer", "gd", "method"),
    "optimizers": Param("optimizers", "optimizers", ("gd",), "methods"),
    "point": Param("start", "point", (), "start"),
    "choice": Param("view", "choice", "contour", "view", choices=("contour", "3d")),
    "choices": Param("overlays", "choices", (), "overlays", choices=("gradient", "squares")),
    "lrs": Param("lrs", "lrs", (), "rates"),
    "range": Param("range", "range", (), "plotting range"),
    "schedule": Param("tamer", "schedule", "cosine", "one schedule"),
    "schedules": Param("schedules", "schedules", ("cosine",), "schedules"),
}

GOOD = {
    "float": [("0.5", 0.5), (" 2 ", 2.0), (3, 3.0), ("1e-3", 0.001)],
    "int": [("20", 20), ("20.0", 20), (" 7 ", 7), (400, 400), ("1", 1)],
    "bool": [("true", True), ("YES", True), ("on", True), ("1", True), (True, True),
             ("false", False), ("No", False), ("off", False), ("0", False), (False, False)],
    "surface": [("rosenbrock", "rosenbrock"), (" elliptic-bowl ", "elliptic-bowl")],
    "optimizer": [("adam", "adam"), ("gd", "gd")],
    "optimizers": [("gd,momentum, adam", ("gd", "momentum", "adam")), (["rmsprop"], ("rmsprop",)), ("gd,", ("gd",))],
    "point": [("1.5,-0.5", (1.5, -0.5)), (" 1 , 2 ", (1.0, 2.0)), ([1, 2], (1.0, 2.0)), ("3", (3.0,))],
    "choice": [("3d", "3d"), ("contour", "contour")],
    "choices": [("gradient,squares", ("gradient", "squares")), (" squares ", ("squares",)), ("none", ()), ("", ())],
    "lrs": [("gd=0.1, adam=0.05", (("gd", 0.1), ("adam", 0.05))), ({"momentum": 0.2}, (("momentum", 0.2),)),
            ([("gd", "0.3")], (("gd", 0.3),))],
    "range": [("-3,3,-2,2", (-3.0, 3.0, -2.0, 2.0)), (" 0 , 1 , -1e-3 , 5 ", (0.0, 1.0, -0.001, 5.0)), ("", ()),
              ((-1, 1, -1, 1), (-1.0, 1.0, -1.0, 1.0))],
    "schedule": [("cosine", "cosine"), (" step:every=30, gamma=0.5 ", "step:every=30,gamma=0.5"),
                 ("warmup:steps=5,then=cosine", "warmup:steps=5,then=cosine")],
    "schedules": [("cosine; exponential:gamma=0.9", ("cosine", "exponential:gamma=0.9")), ("step;", ("step",)),
                  (["constant", "inverse-sqrt"], ("constant", "inverse-sqrt"))],
}

BAD = {
    "float": [("abc", "must be a number"), ("", "must be a number"), (None, "must be a number"),
              ("nan", "finite"), ("inf", "finite"), ("-inf", "finite"), ("-1", "must be in (0, inf)"),
              ("0", "must be in (0, inf)")],
    "int": [("2.5", "whole number"), ("0", "must be in [1, 400]"), ("401", "must be in [1, 400]"),
            ("x", "must be a number"), ("inf", "finite"), ("-3", "must be in")],
    "bool": [("maybe", "true or false"), ("", "true or false"), ("2", "true or false")],
    "surface": [("rosenbrok", "did you mean 'rosenbrock'"), ("double-well", "has 1 coordinates"),
                ("quadratic-fit", "has 3 coordinates")],
    "optimizer": [("adma", "did you mean 'adam'"), ("", "unknown optimizer")],
    "optimizers": [("", "at least one optimizer"), (",", "at least one optimizer"), ("gd,gd", "twice"),
                   ("gd,adma", "did you mean 'adam'")],
    "point": [("1.5;2", "comma-separated numbers"), ("a,b", "comma-separated numbers"),
              ("", "comma-separated numbers"), (None, "comma-separated numbers")],
    "choice": [("2d", "unknown value for view"), ("", "unknown value for view")],
    "choices": [("gradiant", "did you mean 'gradient'"), ("squares,squares", "twice")],
    "lrs": [("gd", "NAME=RATE"), ("=0.1", "NAME=RATE"), ("gdd=0.1", "did you mean 'gd'"), ("gd=fast", "must be a number"),
            ("gd=-1", "lr"), ("gd=0.1,gd=0.2", "twice")],
    "range": [("-3,3", "four numbers"), ("a,b,c,d", "four numbers"), ("3,-3,-2,2", "the x range"),
              ("-3,3,2,2", "the y range"), ("-3,inf,-2,2", "finite"), ("-3,3,-2,2,0", "four numbers")],
    "schedule": [("cosin", "did you mean 'cosine'"), ("", "needs a schedule"), ("cosine;step", "takes one schedule"),
                 ("step:every=0", "every must be in"), ("step:gamma", "key=value")],
    "schedules": [("", "needs a schedule"), ("cosine;cosine", "twice"), ("exponential:gamma=2", "gamma must be in"),
                  ("warmup:then=warmup", "another schedule")],
}

GOOD_CASES = [(k, raw, want) for k in GOOD for raw, want in GOOD[k] if k in KINDS]
BAD_CASES = [(k, raw, says) for k in BAD for raw, says in BAD[k] if k in KINDS]


def test_every_kind_has_good_and_bad_cases():
    """A new parameter kind needs cases here (and in Param.describe's display)."""
    assert set(KINDS) <= set(GOOD) & set(BAD)


@pytest.mark.parametrize("kind, raw, want", GOOD_CASES, ids=[f"{k}-{r!r}" for k, r, _ in GOOD_CASES])
def test_coerce_accepts(kind, raw, want):
    got = P[kind].coerce(raw, "some-scene")
    assert got == want
    assert type(got) is type(want)
    if isinstance(want, tuple):
        assert all(type(a) is type(b) for a, b in zip(got, want))


@pytest.mark.parametrize("kind, raw, says", BAD_CASES, ids=[f"{k}-{r!r}" for k, r, _ in BAD_CASES])
def test_coerce_rejects_with_one_line(kind, raw, says):
    one_line_error(lambda: P[kind].coerce(raw, "some-scene"), says)


@pytest.mark.parametrize("kind", ["float", "int", "bool", "point"])
def test_coerce_errors_name_the_scene_and_parameter(kind):
    raw = {"float": "x", "int": "x", "bool": "x", "point": "x"}[kind]
    p = P[kind]
    one_line_error(lambda: p.coerce(raw, "some-scene"), f"some-scene: {p.name}", repr(raw))


def test_surface_dimension_is_checked_only_when_declared():
    any_dim = Param("surface", "surface", "ravine", "s", dim=None)
    assert any_dim.coerce("double-well", "x") == "double-well"
    assert any_dim.coerce("quadratic-fit", "x") == "quadratic-fit"
    one_d = Param("surface", "surface", "double-well", "s", dim=1)
    assert one_d.coerce("double-well", "x") == "double-well"
    msg = one_line_error(lambda: one_d.coerce("rosenbrock", "x"), "has 2 coordinates")
    assert "double-well" in msg  # the surfaces that fit


def test_wrong_dimension_lists_exactly_the_fitting_surfaces():
    msg = one_line_error(lambda: P["surface"].coerce("double-well", "x"), "choose one of")
    listed = msg.split("choose one of ")[1].split(", ")
    assert sorted(listed) == sorted(s.name for s in SURFACES.values() if s.dim == 2)


def test_unknown_kind_is_a_programming_error():
    with pytest.raises(AssertionError):
        Param("x", "colour", "red", "doc").coerce("blue", "s")


def test_describe():
    assert P["float"].describe() == "lr = 0.1  (float in (0, inf)): learning rate"
    assert P["choice"].describe() == "view = contour  (contour|3d): view"
    assert Param("start", "point", (1.5, -0.5), "start").describe() == "start = 1.5,-0.5  (point): start"
    assert P["bool"].describe() == "trail = true  (bool): draw the trail"
    # Every default is shown as --set would accept it back.
    assert Param("lrs", "lrs", (("gd", 0.1), ("adam", 0.05)), "rates").describe() == "lrs = gd=0.1,adam=0.05  (lrs): rates"
    assert Param("start", "point", (), "start").describe() == "start = (unset)  (point): start"


# --- SceneEntry.resolve ---------------------------------------------------------------------

BALL = get_entry("ball-downhill")


def test_resolve_defaults_of_ball_downhill():
    values = BALL.resolve()
    assert values == {
        "surface": "elliptic-bowl",
        "start": tuple(get_surface("elliptic-bowl").default_start),
        "lr": 0.4,
        "steps": 20,
        "curve_lr": 0.02,
        "curve_start": 1.9,
        "range": (),
    }
    assert BALL.resolve(None) == BALL.resolve({}) == values
    assert all(type(c) is float for c in values["start"])


def test_resolve_applies_and_checks_overrides():
    values = BALL.resolve({"lr": "0.1", "steps": "5", "start": "0.5,-1"})
    assert (values["lr"], values["steps"], values["start"]) == (0.1, 5, (0.5, -1.0))
    # Overrides are not remembered: the next resolve starts from the defaults again.
    assert BALL.resolve()["lr"] == 0.4
    assert BALL.param("lr").default == 0.4


def test_start_defaults_to_the_chosen_surfaces_start():
    for name in ("rosenbrock", "booth", "ravine"):
        assert BALL.resolve({"surface": name})["start"] == tuple(get_surface(name).default_start)


@pytest.mark.parametrize(
    "overrides, says",
    [
        ({"start": "5,5"}, "off the 'elliptic-bowl' surface"),
        ({"start": "1,1,1"}, "has 2 coordinates"),
        ({"surface": "rosenbrock", "start": "1.5,3.5"}, "off the 'rosenbrock' surface"),  # on the bowl, off rosenbrock
        ({"surface": "rosenbrock", "start": "0,-1.5"}, "off the 'rosenbrock' surface"),
        ({"lr": "-1"}, "lr must be in (0, inf)"),
        ({"lr": "nan"}, "finite"),
        ({"steps": "0"}, "steps must be in [1, 400]"),
        ({"curve_start": "3"}, "curve_start must be in [-2, 2]"),
    ],
)
def test_resolve_rejects_bad_values(overrides, says):
    one_line_error(lambda: BALL.resolve(overrides), says)


def test_start_on_the_chosen_surface_is_accepted_even_if_off_the_default_one():
    assert BALL.resolve({"surface": "booth", "start": "-6,-8"})["start"] == (-6.0, -8.0)
    one_line_error(lambda: BALL.resolve({"start": "-6,-8"}), "off the 'elliptic-bowl' surface")


def test_unknown_parameter_names_the_closest():
    msg = one_line_error(lambda: BALL.resolve({"lrr": "0.1"}), "has no parameter 'lrr'", "did you mean 'lr'")
    assert "it takes surface, start, lr, steps" in msg
    one_line_error(lambda: BALL.param("curve-lr"), "did you mean 'curve_lr'")


def test_scene_without_parameters_says_so():
    bare = SceneEntry("bare", "Bare", "no params", "bare", "Bare")
    assert bare.resolve() == {}
    one_line_error(lambda: bare.resolve({"lr": "0.1"}), "takes no --set parameters")


def test_learning_rate_is_checked_by_the_chosen_optimizer():
    """The cross-check: an lr without its own range is validated by make_optimizer."""
    entry = SceneEntry(
        "probe", "Probe", "d", "probe", "Probe",
        params=(Param("optimizer", "optimizer", "adam", "m"), Param("lr", "float", 0.01, "learning rate")),
    )
    assert entry.resolve({"lr": "0.5"})["lr"] == 0.5
    one_line_error(lambda: entry.resolve({"lr": "-1"}), "lr")
    one_line_error(lambda: entry.resolve({"lr": "0"}), "lr")
    # Without an optimizer parameter the lr is checked as plain gradient descent's.
    gd_only = SceneEntry("probe", "P", "d", "probe", "Probe", params=(Param("lr", "float", 0.01, "lr"),))
    one_line_error(lambda: gd_only.resolve({"lr": "-0.5"}), "lr")


# --- the registry -----------------------------------------------------------------------------


def test_registry_is_not_empty_and_slugs_are_unique():
    assert "ball-downhill" in SLUGS
    assert len(SLUGS) == len(set(SLUGS))
    assert entries() == ALL  # a fresh list in the same order every time
    assert entries() is not entries()


def test_registering_a_slug_twice_is_refused():
    with pytest.raises(ValueError, match="registered twice"):
        check_unique((*entries(), BALL))
    assert [e.slug for e in entries()] == SLUGS


@pytest.mark.parametrize("entry", ALL, ids=SLUGS)
def test_every_entry_is_complete_and_its_defaults_resolve(entry):
    assert entry.title.strip() and entry.description.strip()
    assert "\n" not in entry.title
    assert (SCENES_DIR / f"{entry.module}.py").is_file()
    names = [p.name for p in entry.params]
    assert len(names) == len(set(names))
    assert all(p.kind in KINDS for p in entry.params)
    values = entry.resolve()
    assert list(values) == names
    # render_scene resolves, then the scene resolves those values again: nothing may change.
    assert entry.resolve(values) == values
    for p in entry.params:  # every default passes its own check
        if p.kind in ("float", "int") and p.accepted is not None:
            assert values[p.name] in p.accepted
        if p.kind == "choice":
            assert p.default in p.choices
    if "surface" in values and "start" in values:
        surface = get_surface(values["surface"])
        if entry.param("start").default in (None, ()):
            assert values["start"] == tuple(surface.default_start)
        # A start off the chosen surface is refused.
        (lo, hi) = surface.ranges[0]
        off = ",".join(str(c) for c in [hi + 1.0] + [r[0] for r in surface.ranges[1:]])
        one_line_error(lambda: entry.resolve({"start": off}), "off the")
    if "lr" in values:
        one_line_error(lambda: entry.resolve({"lr": "-1"}), "lr")
        one_line_error(lambda: entry.resolve({"lr": "nan"}), "lr")


def test_get_entry_finds_and_suggests():
    assert get_entry("ball-downhill") == BALL
    one_line_error(lambda: get_entry("ball-dowhill"), "unknown scene 'ball-dowhill'", "did you mean 'ball-downhill'")
    msg = one_line_error(lambda: get_entry("zzzzzz"), "unknown scene 'zzzzzz'", "choose one of")
    assert all(slug in msg for slug in SLUGS)


# --- loading scene classes ----------------------------------------------------------------------


def test_missing_scene_module_is_an_input_error():
    ghost = SceneEntry("ghost", "Ghost", "d", "no_such_module", "Ghost")
    one_line_error(lambda: load_scene_class(ghost), "no_such_module.py", "is missing")


@pytest.mark.parametrize("entry", ALL, ids=SLUGS)
def test_every_scene_class_loads_and_names_its_slug(entry):
    from gdexplain.scene import NarratedScene

    cls = load_scene_class(entry)
    assert cls.__name__ == entry.class_name
    assert issubclass(cls, NarratedScene)
    assert cls.slug == entry.slug
    assert load_scene_class(entry) is cls  # the module is imported once


def test_catalog_does_not_import_manim_to_list_scenes():
    import subprocess
    import sys

    code = (
        "import sys; from gdexplain.catalog import entries; "
        "[e.resolve() for e in entries()]; print('manim' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_scenes_dir_is_the_checkout():
    assert SCENES_DIR.name == "scenes" and (SCENES_DIR / "ball_downhill.py").is_file()
    assert catalog.SCENES_DIR.parent / "src" / "gdexplain" / "catalog.py" == __import__("pathlib").Path(catalog.__file__).resolve()
