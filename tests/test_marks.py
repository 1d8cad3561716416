"""Arrow labels stay on screen: beside their arrow, inside the frame."""

from __future__ import annotations

import numpy as np
from manim import config

from gdexplain.visual import theme
from gdexplain.visual.marks import keep_in_frame, label_arrow, vector_arrow


def inside(mob, margin=0.15):
    half_w, half_h = config.frame_width / 2 - margin, config.frame_height / 2 - margin
    return mob.get_left()[0] >= -half_w - 1e-9 and mob.get_right()[0] <= half_w + 1e-9 and (
        mob.get_bottom()[1] >= -half_h - 1e-9 and mob.get_top()[1] <= half_h + 1e-9
    )


def test_label_takes_the_requested_side_when_it_fits():
    arrow = vector_arrow(np.array([0.0, 0, 0]), np.array([0.0, 1.5, 0]), theme.VELOCITY)
    left = label_arrow(arrow, theme.label("v"), side=1)
    right = label_arrow(arrow, theme.label("v"), side=-1)
    assert left.get_right()[0] < 0 < right.get_left()[0]


def test_label_near_the_left_edge_moves_to_the_other_side():
    x = -config.frame_width / 2 + 0.5
    arrow = vector_arrow(np.array([x, 0, 0]), np.array([x + 0.1, 1.2, 0]), theme.VELOCITY)
    label = label_arrow(arrow, theme.label("v (before)"), side=1)
    assert inside(label)
    assert label.get_left()[0] > x  # beside the arrow, on its right


def test_keep_in_frame_shifts_the_least_needed():
    label = theme.label("off the top right").move_to(np.array([config.frame_width / 2, config.frame_height / 2, 0]))
    width = label.width
    keep_in_frame(label)
    assert inside(label)
    assert abs(label.get_right()[0] - (config.frame_width / 2 - 0.15)) < 1e-9
    assert abs(label.width - width) < 1e-12


def test_squares_turn_inside_a_box_instead_of_crossing_its_edge():
    from gdexplain.visual.squares import AccumulatorSquares

    box = (-2.0, -2.0, 2.0, 2.0)
    near_right_bottom = np.array([1.8, -1.8, 0.0])
    sq = AccumulatorSquares([1.0, 1.0], 1.0, near_right_bottom, quadrants=((1, -1), (1, -1)), within=box)
    for square in sq.squares:
        assert square.get_left()[0] >= box[0] - 1e-9 and square.get_right()[0] <= box[2] + 1e-9
        assert square.get_bottom()[1] >= box[1] - 1e-9 and square.get_top()[1] <= box[3] + 1e-9
    free = AccumulatorSquares([1.0, 1.0], 1.0, near_right_bottom, quadrants=((1, -1), (1, -1)))
    assert free.squares[0].get_right()[0] > box[2]  # without a box it crosses, as asked


def test_arrow_labels_keep_clear_of_what_they_are_told_to_avoid():
    from manim import Text

    from gdexplain.visual.marks import Ball, label_arrow, vector_arrow

    arrow = vector_arrow(np.array([0.0, 0.0, 0.0]), np.array([2.0, 0.0, 0.0]), "#FFFFFF")
    plain = label_arrow(arrow, Text("v", font_size=24))
    blocker = Text("−4", font_size=24).move_to(plain)  # a tick label right where the label would go
    ball = Ball().move_to(plain.get_center() + np.array([0.0, -0.6, 0.0]))  # and a ball on the other side
    placed = label_arrow(arrow, Text("v", font_size=24), avoid=[blocker, ball])

    def apart(a, b):
        return a.get_right()[0] <= b.get_left()[0] or b.get_right()[0] <= a.get_left()[0] or a.get_top()[1] <= b.get_bottom()[1] or b.get_top()[1] <= a.get_bottom()[1]

    assert apart(placed, blocker) and apart(placed, ball)
