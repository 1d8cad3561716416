"""Map framing (visual/framing.py): what part of a surface a map shows, and its size."""

from __future__ import annotations

import numpy as np
import pytest

from gdexplain.core.surfaces import get_surface
from gdexplain.visual.framing import fit_size, map_view


def test_a_surface_alone_keeps_its_own_range():
    for name in ("ravine", "saddle-point", "local-minimum"):
        s = get_surface(name)
        assert map_view(s) == (tuple(s.ranges[0]), tuple(s.ranges[1]))


def test_a_view_of_points_covers_them_with_a_margin_and_the_minimum():
    s = get_surface("ravine")
    pts = np.array([[-5.0, -2.0], [-3.0, 1.0], [np.nan, 0.0]])
    (x0, x1), (y0, y1) = map_view(s, pts)
    assert x0 < -5 and x1 > 0 and y0 < -2 and y1 > 1  # the minimum (0, 0) is covered too
    base = ((-9.0, 2.0), (-4.0, 3.0))
    assert map_view(s, pts, base=base, pad=0.0, include_minimum=False, snap=False) == base


def test_fit_size_keeps_one_unit_on_both_axes():
    w, h = fit_size(((-6.0, 6.0), (-3.0, 3.0)), (8.6, 3.6))
    assert (w, h) == pytest.approx((7.2, 3.6))
    w, h = fit_size(((-6.0, 6.0), (-3.0, 3.0)), (6.0, 6.0))
    assert (w, h) == pytest.approx((6.0, 3.0))
