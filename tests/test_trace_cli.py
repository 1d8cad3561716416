"""`gdexplain trace`: the article examples through the CLI, every output format,
lookahead and schedules, --help, and one-line errors for every bad input.

click 8.2+ keeps stdout and stderr apart on the result (``result.stdout``,
``result.stderr``); ``CliRunner(mix_stderr=False)`` no longer exists.
"""

from __future__ import annotations

import csv
import io
import json
import math
import subprocess
import sys

import numpy as np
import pytest
from click.testing import CliRunner

from gdexplain.cli import main
from gdexplain.core.optimizers import make_optimizer
from gdexplain.core.surfaces import SURFACES, get_surface
from gdexplain.core.trajectory import run


def invoke(*args: str):
    return CliRunner().invoke(main, ["trace", *args], catch_exceptions=False)


def ok(*args: str):
    result = invoke(*args)
    assert result.exit_code == 0, result.stderr
    return result


def parse_csv(text: str) -> tuple[list[str], list[dict[str, float | None]]]:
    reader = csv.reader(io.StringIO(text))
    header = next(reader)
    rows = [{k: (None if v == "" else float(v)) for k, v in zip(header, r, strict=True)} for r in reader]
    return header, rows


def column(rows, name):
    return np.array([r[name] for r in rows], dtype=float)


QUAD_X = np.arange(1.0, 6.0)
QUAD_Y = QUAD_X**2


def article_quadratic_fit(lr: float, iterations: int):
    """curriculum.md B, as the article's code runs it: weights after each iteration."""
    w = np.zeros(3)
    path, losses = [w.copy()], []
    for _ in range(iterations):
        err = w[2] * QUAD_X**2 + w[1] * QUAD_X + w[0] - QUAD_Y
        losses.append(np.mean(err**2))
        n = len(QUAD_X)
        grad = np.array([2 / n * err.sum(), 2 / n * (err * QUAD_X).sum(), 2 / n * (err * QUAD_X**2).sum()])
        w = w - lr * grad
        path.append(w.copy())
    return np.array(path), np.array(losses)


# --- the quadratic fit of curriculum B -------------------------------------------------


QUAD_ARGS = ("--surface", "quadratic-fit", "--optimizer", "gd", "--lr", "0.001")


def test_quadratic_fit_first_iteration_csv():
    header, rows = parse_csv(ok(*QUAD_ARGS, "--steps", "1", "--format", "csv").stdout)
    assert header == [
        "step", "w0", "w1", "w2", "loss", "grad_w0", "grad_w1", "grad_w2",
        "g_w0", "g_w1", "g_w2", "delta_w0", "delta_w1", "delta_w2", "lr",
    ]  # fmt: skip
    assert len(rows) == 2
    assert [r["step"] for r in rows] == [0, 1]
    # The article: loss 195.8 before the first update, then w = (0.022, 0.090, 0.3916).
    assert rows[0]["loss"] == pytest.approx(195.8, rel=1e-14)
    np.testing.assert_allclose([rows[1]["w0"], rows[1]["w1"], rows[1]["w2"]], [0.022, 0.090, 0.3916], rtol=1e-13)
    np.testing.assert_allclose([rows[1]["g_w0"], rows[1]["g_w1"], rows[1]["g_w2"]], [-22.0, -90.0, -391.6], rtol=1e-14)
    assert rows[0]["g_w0"] is None and rows[0]["delta_w2"] is None and rows[0]["lr"] is None
    assert rows[1]["lr"] == 0.001


def test_quadratic_fit_twenty_iterations_csv():
    _, rows = parse_csv(ok(*QUAD_ARGS, "--steps", "20", "--format", "csv").stdout)
    assert len(rows) == 21
    w = np.array([[r["w0"], r["w1"], r["w2"]] for r in rows])
    np.testing.assert_allclose(w[2], [0.0348, 0.1426, 0.6213], atol=5e-5)  # the article, to 4 places
    np.testing.assert_allclose(w[20], [0.049, 0.212, 0.948], atol=5e-4)  # "≈" in the article
    expected_path, expected_losses = article_quadratic_fit(0.001, 20)
    np.testing.assert_allclose(w, expected_path, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(column(rows, "loss")[:20], expected_losses, rtol=1e-12)
    assert np.all(np.diff(column(rows, "loss")) < 0)


def test_quadratic_fit_json():
    doc = json.loads(ok(*QUAD_ARGS, "--steps", "20", "--format", "json").stdout)
    assert doc["surface"] == "quadratic-fit"
    assert doc["optimizer"].startswith("gd(") and "lr=0.001" in doc["optimizer"]
    assert doc["status"] == "ran 20 steps"
    assert doc["diverged_at"] is None and doc["converged_at"] is None
    assert doc["columns"][:5] == ["step", "w0", "w1", "w2", "loss"]
    assert len(doc["rows"]) == 21
    first, second, last = doc["rows"][0], doc["rows"][1], doc["rows"][20]
    assert first["step"] == 0 and first["g_w0"] is None and first["lr"] is None and first["delta_w1"] is None
    assert first["loss"] == pytest.approx(195.8, rel=1e-14)
    np.testing.assert_allclose([second["w0"], second["w1"], second["w2"]], [0.022, 0.090, 0.3916], rtol=1e-13)
    np.testing.assert_allclose([last["w0"], last["w1"], last["w2"]], [0.049, 0.212, 0.948], atol=5e-4)
    assert set(second) == set(doc["columns"])


def test_quadratic_fit_table():
    out = ok(*QUAD_ARGS, "--steps", "1").stdout
    lines = out.splitlines()
    assert len(lines) == 3
    assert lines[0].split() == ["step", "w0", "w1", "w2", "loss", "grad_w0", "grad_w1", "grad_w2",
                                "g_w0", "g_w1", "g_w2", "delta_w0", "delta_w1", "delta_w2", "lr"]  # fmt: skip
    row0, row1 = lines[1].split(), lines[2].split()
    assert row0[:5] == ["0", "0", "0", "0", "195.8"]
    assert row0[8:] == ["-"] * 7
    assert row1[:4] == ["1", "0.022", "0.09", "0.3916"]
    assert row1[8:11] == ["-22", "-90", "-391.6"]
    assert row1[-1] == "0.001"


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_full_precision_round_trip(fmt):
    args = ("--surface", "rosenbrock", "--optimizer", "adam", "--lr", "0.01", "--steps", "30")
    traj = run(make_optimizer("adam", lr=0.01), get_surface("rosenbrock"), None, 30)
    out = ok(*args, "--format", fmt).stdout
    if fmt == "csv":
        header, rows = parse_csv(out)
    else:
        doc = json.loads(out)
        header, rows = doc["columns"], doc["rows"]
    expected = {
        "x": traj.positions[:, 0], "y": traj.positions[:, 1], "loss": traj.losses,
        "grad_x": traj.gradients[:, 0], "grad_y": traj.gradients[:, 1],
        "g_x": traj.quantities["grad"][:, 0], "m_y": traj.quantities["m"][:, 1],
        "v_hat_x": traj.quantities["v_hat"][:, 0], "delta_y": traj.quantities["delta"][:, 1],
        "lr": traj.quantities["lr"],
    }  # fmt: skip
    for name, values in expected.items():
        got = column(rows, name)  # None → NaN
        np.testing.assert_array_equal(got, values, err_msg=name)  # bit for bit, not rounded
    # Values that need all 17 digits survive too.
    assert any(len(repr(v)) >= 17 for v in column(rows, "x")[1:])


# --- Adam on linear regression (curriculum H) ----------------------------------------


def test_adam_linear_regression_article_numbers():
    out = ok("--surface", "linear-regression", "--optimizer", "adam", "--lr", "0.1", "--steps", "100", "--format", "csv")
    header, rows = parse_csv(out.stdout)
    assert header == [
        "step", "theta0", "theta1", "loss", "grad_theta0", "grad_theta1", "g_theta0", "g_theta1",
        "delta_theta0", "delta_theta1", "lr", "m_theta0", "m_theta1", "v_theta0", "v_theta1",
        "m_hat_theta0", "m_hat_theta1", "v_hat_theta0", "v_hat_theta1", "m_correction", "v_correction",
        "stride_theta0", "stride_theta1",
    ]  # fmt: skip
    assert len(rows) == 101
    np.testing.assert_allclose([rows[0]["theta0"], rows[0]["theta1"]], [-0.35399391, -1.37495129], atol=5e-9)
    np.testing.assert_allclose([rows[100]["theta0"], rows[100]["theta1"]], [4.1675, 3.1022], atol=5e-5)
    assert rows[100]["loss"] == pytest.approx(1.0035, abs=5e-5)
    assert rows[0]["m_theta0"] == 0.0 and rows[0]["v_hat_theta1"] is None


def test_column_names_for_adam_on_a_plane():
    header = ok("--optimizer", "adam", "--steps", "2", "--format", "csv").stdout.splitlines()[0].split(",")
    assert header == [
        "step", "x", "y", "loss", "grad_x", "grad_y", "g_x", "g_y", "delta_x", "delta_y", "lr",
        "m_x", "m_y", "v_x", "v_y", "m_hat_x", "m_hat_y", "v_hat_x", "v_hat_y", "m_correction", "v_correction",
        "stride_x", "stride_y",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("optimizer", "extra"),
    [
        ("momentum", ["velocity_x", "velocity_y"]),
        ("nesterov", ["velocity_x", "look_ahead_y"]),
        ("adagrad", ["sq_grad_sum_x"]),
        ("nadam", ["mu", "mu_product"]),
        ("radam", ["rho_t", "rect", "m_hat_y"]),
        ("lion", ["c_x", "m_y"]),
    ],
)
def test_optimizer_specific_columns(optimizer, extra):
    header = ok("--optimizer", optimizer, "--steps", "1", "--format", "csv").stdout.splitlines()[0].split(",")
    for name in extra:
        assert name in header


# --- lookahead and pass-through parameters ---------------------------------------------


def hand_lookahead_adam(start, grad, steps, lr, k, alpha, beta1=0.9, beta2=0.999, eps=1e-8):
    """Lookahead(Adam) from its definition: Adam's state carries over the syncs."""
    theta = np.array(start, dtype=float)
    slow, m, v, path = theta.copy(), np.zeros(2), np.zeros(2), [theta.copy()]
    for t in range(1, steps + 1):
        g = grad(theta)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        theta = theta - lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps)
        if t % k == 0:
            slow = slow + alpha * (theta - slow)
            theta = slow.copy()
        path.append(theta.copy())
    return np.array(path)


def booth_grad(p):
    x, y = p
    a, b = x + 2 * y - 7, 2 * x + y - 5
    return np.array([2 * a + 4 * b, 4 * a + 2 * b])


LOOKAHEAD = ("--surface", "booth", "--optimizer", "lookahead", "--param", "inner=adam", "--param", "k=5",
             "--param", "alpha=0.5", "--lr", "0.3", "--steps", "17", "--format", "csv")  # fmt: skip


def test_lookahead_via_cli():
    header, rows = parse_csv(ok(*LOOKAHEAD).stdout)
    for name in ("slow_x", "slow_y", "synced", "m_x", "v_hat_y", "lr"):
        assert name in header
    path = np.array([[r["x"], r["y"]] for r in rows])
    np.testing.assert_allclose(path, hand_lookahead_adam((-6.0, -8.0), booth_grad, 17, 0.3, 5, 0.5), rtol=1e-12, atol=1e-12)
    synced = column(rows, "synced")
    assert math.isnan(synced[0])
    np.testing.assert_array_equal(np.flatnonzero(synced == 1), [5, 10, 15])
    for t in (5, 10, 15):  # on a sync the fast weights restart at the slow ones
        assert (rows[t]["x"], rows[t]["y"]) == (rows[t]["slow_x"], rows[t]["slow_y"])
    assert (rows[0]["slow_x"], rows[0]["slow_y"]) == (-6.0, -8.0)
    assert column(rows, "lr")[1:].tolist() == [0.3] * 17


def test_lookahead_passes_inner_params_through():
    base = np.array([[r["x"], r["y"]] for r in parse_csv(ok(*LOOKAHEAD).stdout)[1]])
    _, rows = parse_csv(ok(*LOOKAHEAD, "--param", "beta1=0.8").stdout)
    path = np.array([[r["x"], r["y"]] for r in rows])
    assert not np.allclose(path[1:], base[1:])
    expected = hand_lookahead_adam((-6.0, -8.0), booth_grad, 17, 0.3, 5, 0.5, beta1=0.8)
    np.testing.assert_allclose(path, expected, rtol=1e-12, atol=1e-12)


def test_lookahead_inner_gd():
    args = ("--surface", "booth", "--optimizer", "lookahead", "--param", "inner=gd", "--param", "k=3",
            "--param", "alpha=1", "--lr", "0.05", "--steps", "9", "--format", "csv")  # fmt: skip
    _, rows = parse_csv(ok(*args).stdout)
    # alpha = 1 is the inner optimizer exactly: plain GD.
    p, expected = np.array([-6.0, -8.0]), [np.array([-6.0, -8.0])]
    for _ in range(9):
        p = p - 0.05 * booth_grad(p)
        expected.append(p)
    np.testing.assert_allclose([[r["x"], r["y"]] for r in rows], expected, rtol=1e-13, atol=1e-13)


# --- schedules -------------------------------------------------------------------------


def test_cosine_schedule_changes_lr_column():
    base = ("--surface", "booth", "--optimizer", "gd", "--lr", "0.05", "--steps", "10", "--format", "csv")
    constant = column(parse_csv(ok(*base).stdout)[1], "lr")
    cosine_rows = parse_csv(ok(*base, "--schedule", "cosine").stdout)[1]
    cosine = column(cosine_rows, "lr")
    np.testing.assert_array_equal(constant[1:], 0.05)
    expected = [0.05 * 0.5 * (1 + math.cos(math.pi * (t - 1) / 10)) for t in range(1, 11)]
    np.testing.assert_allclose(cosine[1:], expected, rtol=1e-14, atol=1e-17)
    assert cosine[1] == 0.05 and np.all(np.diff(cosine[1:]) < 0)
    # and the step follows the scheduled rate
    delta = column(cosine_rows, "delta_x")[1:]
    np.testing.assert_allclose(delta, -cosine[1:] * column(cosine_rows, "g_x")[1:], rtol=1e-13)


def test_step_schedule_with_settings():
    rows = parse_csv(ok("--optimizer", "gd", "--lr", "0.001", "--steps", "6", "--schedule", "step:every=2,gamma=0.5",
                        "--format", "csv").stdout)[1]  # fmt: skip
    np.testing.assert_allclose(column(rows, "lr")[1:], [0.001, 0.001, 0.0005, 0.0005, 0.00025, 0.00025], rtol=1e-15)


# --- other options ----------------------------------------------------------------------


def test_start_and_tol_options():
    out = ok("--surface", "global-minimum", "--lr", "0.1", "--start", "1.5,1.5", "--steps", "1000",
             "--tol", "0.001", "--format", "json").stdout  # fmt: skip
    doc = json.loads(out)
    # θ_t = 0.8ᵗ θ_0 and ‖∇f‖ = 0.8ᵗ·2·1.5√2 first drops below 1e-3 at t = 38.
    assert doc["converged_at"] == 38 and doc["status"] == "converged at step 38"
    assert len(doc["rows"]) == 39


def test_batch_size_and_seed_options():
    args = ("--surface", "linear-regression", "--lr", "0.05", "--steps", "5", "--batch-size", "10", "--format", "csv")
    a = ok(*args, "--seed", "1").stdout
    assert a == ok(*args, "--seed", "1").stdout
    assert a != ok(*args, "--seed", "2").stdout


def test_default_run_is_gd_on_rosenbrock():
    _, rows = parse_csv(ok("--format", "csv").stdout)
    assert len(rows) == 101
    assert (rows[0]["x"], rows[0]["y"]) == (-1.2, 1.0)
    assert rows[0]["loss"] == pytest.approx(24.2)  # (1+1.2)² + 100(1−1.44)²
    assert rows[1]["lr"] == 0.001


# --- help ---------------------------------------------------------------------------------


def test_help_lists_surfaces_optimizers_and_defaults():
    result = ok("--help")
    text = result.stdout
    for name in SURFACES:
        assert name in text
    lines = {line.split()[0]: line for line in text.splitlines() if line.strip()}
    expected = {
        "gd": ["lr=0.001"],
        "momentum": ["beta=0.9"],
        "nesterov": ["beta=0.9"],
        "adagrad": ["lr=0.01", "eps=1e-10"],
        "rmsprop": ["rho=0.99", "eps=1e-08", "centered=False"],
        "adadelta": ["lr=1.0", "rho=0.9", "eps=1e-06"],
        "adam": ["lr=0.001", "beta1=0.9", "beta2=0.999", "eps=1e-08", "bias_correction=True"],
        "adamw": ["weight_decay=0.01"],
        "nadam": ["beta1=0.9", "beta2=0.999", "momentum_decay=0.004"],
        "radam": ["beta1=0.9", "beta2=0.999"],
        "lion": ["beta1=0.9", "beta2=0.99", "weight_decay=0.0"],
        "lookahead": ["k=5", "alpha=0.5", "inner=adam"],
        "qhm": ["beta=0.999", "nu=0.7"],
        "qhadam": ["nu1=0.7", "nu2=1.0"],
        "cosine": ["steps=0", "floor=0.0"],
        "step": ["every=30", "gamma=0.1"],
        "warmup": ["steps=10", "then=constant"],
    }
    for name, fragments in expected.items():
        assert name in lines, f"{name} not listed"
        for fragment in fragments:
            assert fragment in lines[name], f"{fragment} not in {lines[name]!r}"
    for option in ("--surface", "--optimizer", "--lr", "--start", "--steps", "--param", "--schedule", "--format"):
        assert option in text
    assert "linear-regression" in lines and "theta0, theta1" in lines["linear-regression"]


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--surface", "rosenbock"], "did you mean 'rosenbrock'"),
        (["--surface", "himelblau"], "did you mean 'himmelblau'"),
        (["--optimizer", "adan"], "did you mean 'adam'"),
        (["--optimizer", "nestrov"], "did you mean 'nesterov'"),
        (["--lr", "-1"], "lr must be in (0, inf)"),
        (["--lr=-0.5"], "lr must be in (0, inf)"),
        (["--lr", "0"], "lr must be in (0, inf)"),
        (["--lr", "nan"], "finite"),
        (["--lr", "inf"], "finite"),
        (["--lr", "fast"], "lr must be a number"),
        (["--start", "5,5"], "off the 'rosenbrock' surface"),
        (["--start", "nan,1"], "non-finite"),
        (["--start", "1,2,3"], "give 2 comma-separated numbers"),
        (["--surface", "quadratic-fit", "--start", "0,0"], "give 3 comma-separated numbers"),
        (["--start", "a,b"], "not comma-separated numbers"),
        (["--param", "beta1"], "not KEY=VALUE"),
        (["--param", "=0.9"], "not KEY=VALUE"),
        (["--optimizer", "adam", "--param", "beta1=big"], "beta1 must be a number"),
        (["--optimizer", "adam", "--param", "beta1=1.5"], "beta1 must be in"),
        (["--optimizer", "adam", "--param", "bta1=0.5"], "did you mean 'beta1'"),
        (["--optimizer", "gd", "--param", "beta=0.9"], "gd has no parameter 'beta'"),
        (["--optimizer", "gd", "--param", "inner=adam"], "gd has no parameter 'inner'"),
        (["--optimizer", "lookahead", "--param", "inner=lookahead"], "inner must be one of the other optimizers"),
        (["--optimizer", "lookahead", "--param", "inner=adamm"], "unknown optimizer 'adamm'"),
        (["--optimizer", "lookahead", "--param", "k=0"], "k must be"),
        (["--optimizer", "lookahead", "--param", "k=2.5"], "whole number"),
        (["--optimizer", "lookahead", "--param", "alpha=0"], "alpha must be in"),
        (["--optimizer", "rmsprop", "--param", "centered=maybe"], "true or false"),
        (["--schedule", "cosin"], "did you mean 'cosine'"),
        (["--schedule", "step:every"], "key=value"),
        (["--schedule", "step:every=0"], "every must be in"),
        (["--schedule", "cosine:floor=2"], "floor must be in"),
        (["--schedule", "cosine:flor=0.1"], "no parameter 'flor'"),
        (["--schedule", "warmup:then=warmup"], "then must be another schedule"),
        (["--lr", "0.1", "--param", "lr=0.2"], "give the learning rate once"),
        (["--steps", "-1"], "steps must be"),
        (["--tol", "0"], "tol must be a positive number"),
        (["--tol", "nan"], "tol must be a positive number"),
        (["--batch-size", "4"], "no data set"),
        (["--surface", "quadratic-fit", "--batch-size", "0"], "batch_size must be"),
        (["--surface", "quadratic-fit", "--batch-size", "6"], "batch_size must be"),
        (["--surface", "quadratic-fit", "--batch-size", "2", "--seed", "-1"], "seed must be"),
    ],
)
def test_bad_input_is_one_line_error(args, fragment):
    result = invoke(*args)
    assert result.exit_code != 0
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    assert fragment in lines[0]


def test_lr_given_twice_is_an_error():
    result = invoke("--lr", "0.1", "--lr", "0.2", "--steps", "1")
    assert result.exit_code != 0
    assert result.stderr.startswith("Error: ") and len(result.stderr.splitlines()) == 1


# --- divergence --------------------------------------------------------------------------------


def test_diverging_run_notes_on_stderr_and_stops_at_last_finite_point():
    result = ok("--surface", "booth", "--optimizer", "gd", "--lr", "0.2", "--steps", "50", "--format", "csv")
    header, rows = parse_csv(result.stdout)
    note = result.stderr.splitlines()
    assert len(note) == 1 and note[0].startswith("note: gd diverged at step ")
    diverged_at = int(note[0].split("diverged at step ")[1].split(":")[0])
    assert len(rows) == diverged_at < 51
    assert "table stops at the last finite point" in note[0]
    values = np.array([[v for v in r.values() if v is not None] for r in rows[1:]])
    assert np.all(np.isfinite(values))
    # Rows follow GD by hand: |1 − 0.2·18| = 2.6, so each step grows the error 2.6-fold.
    p = np.array([-6.0, -8.0])
    for r in rows[1:]:
        p = p - 0.2 * booth_grad(p)
        np.testing.assert_allclose([r["x"], r["y"]], p, rtol=1e-12)
    nxt = p - 0.2 * booth_grad(p)
    assert np.max(np.abs(nxt)) > 1000  # the refused step is far off a range of [-10, 10]²


def test_diverging_run_table_format():
    result = ok("--surface", "rosenbrock", "--lr", "0.1", "--steps", "50")
    lines = result.stdout.splitlines()
    assert "diverged at step" in result.stderr
    diverged_at = int(result.stderr.split("diverged at step ")[1].split(":")[0])
    assert len(lines) == 1 + diverged_at
    assert lines[-1].split()[0] == str(diverged_at - 1)
    assert "nan" not in result.stdout.lower() and "inf" not in result.stdout.lower()


def test_converging_run_prints_no_note():
    assert ok("--surface", "booth", "--lr", "0.05", "--steps", "20").stderr == ""


# --- the core stays free of manim ---------------------------------------------------------------


def test_core_and_trace_command_do_not_import_manim():
    code = (
        "import gdexplain.core.optimizers, gdexplain.core.trajectory, gdexplain.core.surfaces, gdexplain.core.trace, sys\n"
        "assert 'manim' not in sys.modules, 'the core imported manim'\n"
        "import io, contextlib\n"
        "from gdexplain.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(['trace', '--steps', '2'], standalone_mode=False)\n"
        "assert 'manim' not in sys.modules, 'gdexplain trace imported manim'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
