"""The Adam scene: every number it shows equals the core's trace, and the first-step fact."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from gdexplain.catalog import get_entry, load_scene_class
from gdexplain.core.errors import InputError
from gdexplain.core.optimizers import make_optimizer
from gdexplain.core.surfaces import get_surface
from gdexplain.core.trajectory import run
from traced import trace_csv


@pytest.fixture(scope="module")
def mod():
    load_scene_class(get_entry("adam"))
    return sys.modules["gdexplain_scenes.adam"]


@pytest.fixture(scope="module")
def traj():
    s = get_entry("adam").resolve()
    opt = make_optimizer("adam", lr=s["lr"], beta1=s["beta1"], beta2=s["beta2"], eps=s["eps"])
    return run(opt, get_surface(s["surface"]), s["start"], s["steps"])


def _trace_rows():
    s = get_entry("adam").resolve()
    return trace_csv(s["surface"], "adam", s["lr"], 5, s["start"], beta1=s["beta1"], beta2=s["beta2"], eps=s["eps"])


def _parse(cells) -> list[float]:
    return [float(p.replace("\u2212", "-")) for p in cells]


def test_readout_shows_the_traced_moments(mod, traj):
    rows = _trace_rows()
    for t in range(1, 4):
        shown = dict(mod.bias_rows(traj, t))
        by_prefix = {k.split(" ")[0]: v for k, v in shown.items()}
        for name, col in (("m", "m"), ("m̂", "m_hat"), ("v", "v"), ("v̂", "v_hat"), ("g", "g")):
            expect = [float(rows[t][f"{col}_x"]), float(rows[t][f"{col}_y"])]
            assert _parse(by_prefix[name]) == pytest.approx(expect, rel=1e-3, abs=1e-12), (t, name)
        # the stated correction factors are 1/(1−β1ᵗ) and 1/(1−β2ᵗ)
        keys = list(shown)
        assert keys[3].endswith(f"{1 / (1 - 0.9**t):.4g}")


def test_readout_states_the_recorded_correction_factors_under_other_betas(mod):
    opt = make_optimizer("adam", lr=0.1, beta1=0.5, beta2=0.8)
    traj = run(opt, get_surface("ravine"), None, 3)
    for t in (1, 2, 3):
        keys = [k for k, _ in mod.bias_rows(traj, t)]
        assert keys[3] == f"m̂ = m × {1 / (1 - 0.5**t):.4g}" and keys[5] == f"v̂ = v × {1 / (1 - 0.8**t):.4g}"


def test_first_step_moves_every_coordinate_by_alpha():
    for surface, start in (("ravine", None), ("booth", None), ("rosenbrock", (-1.2, 1.0))):
        t = run(make_optimizer("adam", lr=0.3, eps=0.0), get_surface(surface), start, 1)
        assert np.abs(t.quantity("delta")[1]) == pytest.approx([0.3, 0.3], rel=1e-12)


def test_stride_scales_are_round_fit_and_show_the_flat_axis(mod, traj):
    ks = mod.stride_scales(traj)
    m_hat = np.abs(traj.quantity("m_hat")[1:4])
    root = np.sqrt(traj.quantity("v_hat")[1:4])
    for i in range(2):
        assert ks[i] in mod.NICE_STRIDE
        top = max(m_hat[:, i].max(), root[:, i].max())
        assert top * ks[i] <= mod.STRIDE_MAX
        # the largest nice scale that fits: the next one up would not, so neither axis is drawn as a dot
        bigger = [k for k in mod.NICE_STRIDE if k > ks[i]]
        assert not bigger or top * bigger[0] > mod.STRIDE_MAX
        assert top * ks[i] >= mod.STRIDE_MAX * 0.4


@pytest.mark.parametrize(
    "overrides",
    [{"beta1": "1"}, {"beta2": "-0.1"}, {"lr": "0"}, {"compare_lrs": "momentum=-1"}, {"compare_lrs": "momentun=0.1"}, {"surface": "double-well"}],
)
def test_bad_values_raise(overrides):
    with pytest.raises(InputError):
        get_entry("adam").resolve(overrides)
