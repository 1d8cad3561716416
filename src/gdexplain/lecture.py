"""The lecture: every registered scene, in the order a course would show them.

Each topic registers its scenes here, with the parameters ``--set`` may
change. Defaults are chosen so that the default render teaches the idea.
"""

from __future__ import annotations

from gdexplain.i18n import N_
from gdexplain.parameters import Param, SceneEntry
from gdexplain.core.hyperparams import POSITIVE, Range

STEPS = Range(1, 400)

#: The scenes in lecture order, as they are appended below.
_lecture: list[SceneEntry] = []


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
_lecture.append(
    SceneEntry(
        slug="ball-downhill",
        title=N_("Rolling downhill"),
        description=N_("A ball that only feels the slope where it stands: the gradient, the step against it, θ ← θ − α∇L, in 3-D, from above and in 1-D."),
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


# --- A (a partial derivative per weight). One weight, the whole network ---------------------
_lecture.append(
    SceneEntry(
        slug="weights-and-loss",
        title=N_("One weight, the whole network"),
        description=N_("A tiny network with real numbers: nudge one weight and the change runs through every path to the "
        "output and the loss; ∂L/∂w is the sum of one chain-rule product per path, and its sign says which way to move "
        "the weight. Then one step on every weight."),
        module="weights_and_loss",
        class_name="WeightsAndLoss",
        params=(
            Param("weight", "choice", "x1-h1", "the weight followed through the network (g1-y means g1-ŷ)",
                  choices=("x1-h1", "x2-h1", "x1-h2", "x2-h2", "h1-g1", "h2-g1", "h1-g2", "h2-g2", "g1-y", "g2-y")),
            Param("x1", "float", 1.0, "the first input", Range(-3.0, 3.0)),
            Param("x2", "float", 0.5, "the second input", Range(-3.0, 3.0)),
            Param("target", "float", 1.0, "the target the output should match", Range(-10.0, 10.0)),
            Param("seed", "int", 31, "seed of the network's weights (drawn, rounded to one decimal)", Range(0, 999_999)),
            Param("nudge", "float", 0.1, "how much the weight grows to show its effect", Range(0.01, 1.0)),
            lr_param(0.1),
        ),
    )
)


# --- A (last bullet). Full batch, one sample, a mini-batch ------------------------------
_lecture.append(
    SceneEntry(
        slug="sgd-minibatch",
        title=N_("Full batch, one sample, a mini-batch"),
        description=N_("Fitting a line to 100 points three ways: every point per step, one random point per step, "
        "a random mini-batch per step. Which points each step used, what an epoch buys, and where each stands "
        "after the same amount of work."),
        module="sgd_minibatch",
        class_name="SGDMiniBatch",
        params=(
            lr_param(0.05),
            Param("batch", "int", 10, "size of the mini-batch (1 would be SGD, 100 the full batch)", Range(2, 99)),
            Param("epochs", "int", 2, "work budget of the comparison, in epochs (100 sample gradients each)", Range(1, 10)),
            Param("seed", "int", 0, "seed of the random draws (the same seed draws the same points)", Range(0, 2**31 - 1)),
        ),
    )
)


# --- B. The worked example ---------------------------------------------------------------------
_lecture.append(
    SceneEntry(
        slug="curve-fit",
        title=N_("A worked example: fitting a parabola"),
        description=N_("ŷ = w2·x² + w1·x + w0 fitted to (1,1)…(5,25) by gradient descent from all weights 0: the errors, "
        "the three partial derivatives as sums over the points, iterations 1, 2 and 20 (the article's figures), the path "
        "over (w1, w2) with w0 held, how far 20 iterations get, and what larger learning rates do."),
        module="curve_fit",
        class_name="CurveFit",
        params=(
            lr_param(0.001),
            steps_param(20),
            Param("lr_larger", "float", 0.004, "a larger learning rate to compare (20 iterations too)", POSITIVE),
            Param("lr_largest", "float", 0.005, "a still larger one (past the stable limit by default)", POSITIVE),
            Param("far_steps", "int", 1000, "a long run at lr, to say how far more iterations get", Range(1, 100_000)),
        ),
    )
)


# --- C. Step size -----------------------------------------------------------------------------
_lecture.append(
    SceneEntry(
        slug="learning-rate",
        title=N_("How big a step?"),
        description=N_("Four learning rates from one start in one valley: too small crawls, a good one settles, too large "
        "zig-zags, much too large diverges. Then: stuck at a critical point or bouncing between walls? "
        "The gradient norm tells."),
        module="learning_rate",
        class_name="LearningRate",
        params=(
            surface_param("booth", "the valley of the four learning rates"),
            start_param(),
            Param("lr_small", "float", 0.005, "the too-small learning rate", POSITIVE),
            Param("lr_good", "float", 0.055, "the good learning rate", POSITIVE),
            Param("lr_large", "float", 0.105, "the too-large learning rate", POSITIVE),
            Param("lr_huge", "float", 0.15, "the much-too-large learning rate", POSITIVE),
            steps_param(50),
            Param("tol", "float", 0.05, "a run has settled once its gradient norm is below this", POSITIVE),
            Param("stuck_surface", "surface", "local-minimum", "surface of 'stuck or bouncing?' (from its default start)"),
            Param("stuck_lr", "float", 0.02, "learning rate of the run that settles", POSITIVE),
            Param("bounce_lr", "float", 0.08, "learning rate of the run that bounces", POSITIVE),
            Param("stuck_steps", "int", 60, "steps of both runs in 'stuck or bouncing?'", STEPS),
        ),
    )
)


# --- D/E. Momentum and Nesterov ------------------------------------------------------------
BETA_RANGE = Range(0.0, 1.0)


def beta_param(default: float, name: str = "beta", doc: str = "momentum decay rate β (0: plain GD, 1: no friction)") -> Param:
    """The momentum decay rate β, in [0, 1]."""
    return Param(name, "float", default, doc, BETA_RANGE)


_lecture.append(
    SceneEntry(
        slug="momentum",
        title=N_("Momentum as vector addition"),
        description=N_("One momentum step at the ball: the old velocity decays to β·v, −α·g is added head to tail, the sum is the step; three steps slowly, then the run."),
        module="momentum",
        class_name="MomentumMechanism",
        params=(surface_param("ravine"), start_param(), lr_param(0.2), beta_param(0.8), steps_param(30)),
    )
)
_lecture.append(
    SceneEntry(
        slug="momentum-decay",
        title=N_("What β does"),
        description=N_("β = 0 is plain gradient descent; β ≈ 0.9 builds speed along a ravine; β = 1 swings forever in a bowl."),
        module="momentum",
        class_name="MomentumDecay",
        params=(
            surface_param("ravine"),
            start_param(),
            lr_param(0.1),
            beta_param(0.9, doc="the β raced against plain GD"),
            steps_param(60),
            Param("bowl_surface", "surface", "global-minimum", "surface of the β = 1 swing (from its default start)"),
            Param("bowl_lr", "float", 0.1, "learning rate α of the β = 1 swing", POSITIVE),
            Param("bowl_steps", "int", 60, "steps of the β = 1 swing", STEPS),
        ),
    )
)
_lecture.append(
    SceneEntry(
        slug="momentum-vs-gd",
        title=N_("Momentum vs plain descent"),
        description=N_("Stored speed carries momentum out of a shallow local minimum, and down a ravine where plain GD zig-zags."),
        module="momentum",
        class_name="MomentumVsGD",
        params=(
            surface_param("local-minimum"),
            start_param(),
            lr_param(0.02),
            beta_param(0.9),
            steps_param(80),
            Param("ravine_lr", "float", 0.4, "learning rate α on the ravine (from its default start)", POSITIVE),
            beta_param(0.5, "ravine_beta", "momentum decay rate β on the ravine"),
            Param("ravine_steps", "int", 40, "steps on the ravine", STEPS),
        ),
    )
)
_lecture.append(
    SceneEntry(
        slug="nesterov",
        title=N_("Nesterov: look before you leap"),
        description=N_("The gradient taken at the look-ahead point θ + β·v; then classic momentum against Nesterov on the same ravine."),
        module="momentum",
        class_name="NesterovLookAhead",
        params=(surface_param("ravine"), start_param(), lr_param(0.2), beta_param(0.8), steps_param(30)),
    )
)


# --- C/F/G. Adaptive learning rates ------------------------------------------------
_EPS = Range(0.0, 1.0)
_RHO = Range(0.0, 1.0, high_open=True)

_lecture.append(
    SceneEntry(
        slug="one-learning-rate",
        title=N_("One learning rate is not enough"),
        description=N_("A ravine steep across and flat along: a small α crawls, a large α bounces between the walls "
        "while the gradient stays large and the loss stops falling. Why each parameter wants its own rate."),
        module="adaptive",
        class_name="OneLearningRate",
        params=(
            surface_param("ravine"),
            start_param(),
            Param("lr_small", "float", 0.05, "the cautious learning rate (crawls along the flat axis)", POSITIVE),
            Param("lr_large", "float", 0.5, "the bold learning rate (bounces across the steep axis)", POSITIVE),
            steps_param(40),
        ),
    )
)
_lecture.append(
    SceneEntry(
        slug="adagrad",
        title=N_("AdaGrad: a square per axis"),
        description=N_("AdaGrad step by step: each axis keeps a square whose area is the sum of its squared gradients, "
        "and divides its gradient by the square's side. Then against plain GD on the elliptic bowl and at a saddle, "
        "and its weakness: α/√s only falls."),
        module="adaptive",
        class_name="AdaGradScene",
        params=(
            surface_param("ravine", "surface of the step-by-step part"),
            start_param(),
            lr_param(1.0),
            Param("eps", "float", 1e-10, "ε added to √s", _EPS),
            steps_param(30),
            Param("bowl_surface", "surface", "elliptic-bowl", "surface of the race against GD (its default start)"),
            Param("bowl_lr", "float", 0.4, "learning rate of both methods in the bowl race", POSITIVE),
            Param("saddle_surface", "surface", "saddle", "surface of the saddle race (its default start)"),
            Param("saddle_lr", "float", 0.1, "learning rate of both methods in the saddle race", POSITIVE),
            Param("race_steps", "int", 30, "steps of each race", STEPS),
        ),
    )
)
_lecture.append(
    SceneEntry(
        slug="rmsprop",
        title=N_("RMSProp: squares that forget"),
        description=N_("RMSProp step by step: each square shrinks to ρ times its area, then grows by (1−ρ)·g²; "
        "the first step is 1/√(1−ρ) times α. Then RMSProp and AdaGrad side by side, squares on both balls."),
        module="adaptive",
        class_name="RMSPropScene",
        params=(
            surface_param("ravine", "surface of the step-by-step part"),
            start_param(),
            lr_param(0.1),
            Param("rho", "float", 0.99, "decay rate ρ of the squares", _RHO),
            Param("eps", "float", 1e-8, "ε added to √s", _EPS),
            steps_param(30),
            Param("race_surface", "surface", "saddle-point", "surface of the race against AdaGrad (its default start)"),
            Param("race_lr", "float", 0.05, "learning rate of both methods in the race", POSITIVE),
            Param("race_steps", "int", 60, "steps of the race", STEPS),
        ),
    )
)


# --- H. Adam, and the race -----------------------------------------------------------------
def _race_surfaces() -> tuple[str, ...]:
    from gdexplain.core.surfaces import SURFACES

    return tuple(s.name for s in SURFACES.values() if s.dim == 2)


_lecture.append(
    SceneEntry(
        slug="adam",
        title=N_("Adam: momentum steers, RMSProp sets the stride"),
        description=N_("Adam step by step: −m built head to tail (β1), squares v (β2), the bias correction m̂ and v̂ next to m and v, "
        "the stride m̂/√v̂ per axis (the first step moves every coordinate by exactly α); then Adam next to momentum and RMSProp."),
        module="adam",
        class_name="AdamScene",
        params=(
            surface_param("ravine"),
            start_param(),
            lr_param(0.5),
            Param("beta1", "float", 0.9, "decay rate β1 of m", Range(0.0, 1.0, high_open=True)),
            Param("beta2", "float", 0.999, "decay rate β2 of v", Range(0.0, 1.0, high_open=True)),
            Param("eps", "float", 1e-8, "ε added to √v̂", Range(0.0, 1.0)),
            steps_param(40),
            Param("compare_lrs", "lrs", (("momentum", 0.05), ("rmsprop", 0.1)),
                  "learning rates of momentum and RMSProp in the comparison (Adam uses lr)"),
            Param("compare_steps", "int", 60, "steps of the comparison", STEPS),
        ),
    )
)

_lecture.append(
    SceneEntry(
        slug="adam-variants",
        title=N_("Adam's variants: AdamW, NAdam, RAdam"),
        description=N_("AdamW's decoupled weight decay against L2 folded into the gradient (where they end differs); NAdam's step "
        "taken apart into next step's momentum and the fresh gradient, then against Adam; RAdam's rectification r_t, 0 for the "
        "first steps, then a built-in warm-up, against Adam."),
        module="variants",
        class_name="AdamVariants",
        params=(
            surface_param("himmelblau", "surface of the AdamW part"),
            start_param(),
            lr_param(0.1),
            Param("weight_decay", "float", 0.5, "λ of both the L2 penalty and AdamW's decay", Range(0.0, 100.0)),
            steps_param(200),
            Param("nadam_surface", "surface", "ravine", "surface of the NAdam part (its default start)"),
            Param("nadam_lr", "float", 0.5, "learning rate of NAdam and Adam in the NAdam part", POSITIVE),
            Param("nadam_steps", "int", 60, "steps of the NAdam part", STEPS),
            Param("radam_surface", "surface", "elliptic-bowl", "surface of the RAdam part (its default start)"),
            Param("radam_lr", "float", 0.2, "learning rate of RAdam and Adam in the RAdam part", POSITIVE),
            Param("radam_beta2", "float", 0.99, "β2 of RAdam and Adam in the RAdam part (the usual 0.999 makes the warm-up much longer)",
                  Range(0.0, 1.0, low_open=True, high_open=True)),
            Param("radam_steps", "int", 60, "steps of the RAdam part", STEPS),
        ),
    )
)


# --- I/J. AdaDelta and learning-rate schedules ---------------------------------------------
_lecture.append(
    SceneEntry(
        slug="adadelta",
        title=N_("AdaDelta: no learning rate"),
        description=N_("AdaDelta step by step: two memories per axis, squared gradients s and squared steps u, drawn as squares; "
        "the step is √(u+ε)/√(s+ε)·g, whose units are θ's, so no α is needed; then AdaDelta next to RMSProp."),
        module="adadelta",
        class_name="AdaDeltaScene",
        params=(
            surface_param("ravine"),
            start_param(),
            Param("lr", "float", 1.0, "multiplier γ of the step (PyTorch's lr; AdaDelta itself has none: 1)", POSITIVE),
            Param("rho", "float", 0.9, "decay rate ρ of both memories", _RHO),
            Param("eps", "float", 1e-2, "ε inside both roots; it sets the size of the first steps (PyTorch: 1e-6)", Range(0.0, 1.0, low_open=True)),
            steps_param(40),
            Param("race_lr", "float", 0.1, "learning rate α of RMSProp in the race (its ρ is its default, 0.99)", POSITIVE),
            Param("race_steps", "int", 150, "steps of the race", STEPS),
        ),
    )
)
_lecture.append(
    SceneEntry(
        slug="schedules",
        title=N_("Learning-rate schedules"),
        description=N_("α becomes α_t: step, exponential and cosine decay and a warm-up, each curve drawn beside a mini-batch run "
        "that uses it; then the late burst: RMSProp near the minimum, its rate climbing as s fades, thrown out, "
        "while the same run with a decaying α_t stays put."),
        module="schedules",
        class_name="SchedulesScene",
        params=(
            Param("lr", "float", 0.3, "base α of the mini-batch runs (linear-regression data)", POSITIVE),
            Param("batch_size", "int", 5, "samples per mini-batch step (of 100)", Range(1, 100)),
            steps_param(120),
            Param("seed", "int", 0, "seed of the mini-batch draws (every run gets the same batches)", Range(0, 10**6)),
            Param("schedules", "schedules",
                  ("step:every=30,gamma=0.3", "exponential:gamma=0.97", "cosine", "warmup:steps=15,then=cosine"),
                  "the schedules shown after the constant α, separated by ';'"),
            surface_param("global-minimum", "surface of the late burst (2 coordinates)"),
            start_param(),
            Param("burst_lr", "float", 0.2, "RMSProp's α in the late burst", POSITIVE),
            Param("rho", "float", 0.99, "RMSProp's decay rate ρ in the late burst", _RHO),
            Param("burst_steps", "int", 400, "steps of the late-burst runs", STEPS),
            Param("tamer", "schedule", "cosine", "the decaying α_t that tames the burst"),
        ),
    )
)


# --- K. Lookahead and Lion ------------------------------------------------------------------
def _inner_methods() -> tuple[str, ...]:
    from gdexplain.core.optimizers import OPTIMIZERS

    return tuple(n for n in OPTIMIZERS if n != "lookahead")


_UNIT_LOW_OPEN = Range(0.0, 1.0, low_open=True)

_lecture.append(
    SceneEntry(
        slug="lookahead",
        title=N_("Lookahead: fast steps, slow weights"),
        description=N_("Lookahead around Adam: the fast weights take k steps, the slow weights move a fraction α of the way "
        "toward them and the fast weights restart there; slow and fast balls on one map, sync points marked. Then against plain Adam."),
        module="variants",
        class_name="LookaheadScene",
        params=(
            surface_param("ravine"),
            start_param(),
            Param("inner", "choice", "adam", "the method Lookahead wraps", choices=_inner_methods()),
            lr_param(0.5),
            Param("k", "int", 5, "fast steps between syncs", Range(1, 50)),
            Param("alpha", "float", 0.5, "fraction α of the way the slow weights move at a sync", _UNIT_LOW_OPEN),
            steps_param(40),
            Param("compare_steps", "int", 60, "steps of the comparison with the plain inner method", STEPS),
        ),
    )
)
_lecture.append(
    SceneEntry(
        slug="lion",
        title=N_("Lion: only the sign survives"),
        description=N_("Lion step by step: c blends momentum and gradient (β1), its sign moves every coordinate by exactly ±α "
        "(a corner of a square, points on a grid), m is updated with β2; then Lion next to Adam, one buffer instead of two."),
        module="variants",
        class_name="LionScene",
        params=(
            surface_param("ravine"),
            start_param(),
            lr_param(0.5),
            beta_param(0.9, "beta1", "interpolation β1 between m and g in c"),
            beta_param(0.99, "beta2", "decay rate β2 of m"),
            steps_param(40),
            Param("adam_lr", "float", 0.5, "Adam's learning rate in the comparison", POSITIVE),
            Param("compare_steps", "int", 60, "steps of the comparison with Adam", STEPS),
        ),
    )
)

_lecture.append(
    SceneEntry(
        slug="race",
        title=N_("The optimizer race"),
        description=N_("Every method on one surface from one start, each with its own learning rate: balls and paths, "
        "a live loss chart, and a leaderboard (steps to converge, or diverged/stuck; final loss). "
        "By default gradient_descent_viz's five methods on its saddle-point surface, then on its local minimum."),
        module="race",
        class_name="Race",
        params=(
            surface_param("saddle-point", "surface of the (first) race"),
            Param("then", "choice", "local-minimum", "a second race on this surface, from its default start (none: one race)",
                  choices=("none", *_race_surfaces())),
            Param("optimizers", "optimizers", ("gd", "momentum", "adagrad", "rmsprop", "adam"),
                  "the methods racing: any core method; lookahead:INNER wraps Lookahead around INNER (lookahead alone: Adam)"),
            Param("lrs", "lrs", (), "learning rates, e.g. gd=0.1,adam=0.05 (others: per-method defaults, see gdexplain.core.race)"),
            start_param(),
            Param("steps", "int", 150, "most steps of each race", STEPS),
            Param("tol", "float", 1e-2, "a method has converged once its gradient norm is below this", POSITIVE),
            Param("view", "choice", "contour", "contour map from above, or the 3-D landscape", choices=("contour", "3d")),
            Param("chart", "choice", "log", "y scale of the loss chart (log: loss above the known minimum)", choices=("linear", "log")),
            Param("overlays", "choices", (), "drawn at every ball (contour view): its gradient, its stored push (momentum's v, "
                  "Adam's −m), its squared-gradient squares; e.g. gradient,momentum,squares", choices=("gradient", "momentum", "squares")),
        ),
    )
)

#: Every scene of the lecture, in the order a course shows them.
LECTURE: tuple[SceneEntry, ...] = tuple(_lecture)
