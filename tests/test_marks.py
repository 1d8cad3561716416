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


def test_head_to_tail_labels_avoid_obstacles_and_each_other():
    from manim import RIGHT, Square

    from gdexplain.visual.vectors import HeadToTail, HeadToTailLabels, HeadToTailVectors, _overlap

    vectors = HeadToTailVectors(origin=[0.0, 0.0], previous=[0.0, 1.0], decay=0.9, added=[0.2, 1.0])
    picture = HeadToTail(vectors, lambda p: np.array([p[0], p[1], 0.0]), HeadToTailLabels("v", "β·v", "−α·g", "new v"), ghost=False)
    added_label = picture.added_arrow[1]
    blocker = Square(0.5).move_to(added_label.get_center())  # sits exactly where the label went
    picture.avoid([blocker])
    assert not _overlap(picture.added_arrow[1], blocker)
    assert not _overlap(picture.added_arrow[1], picture.decayed_arrow[1])
    assert not _overlap(picture.total_arrow[1], picture.added_arrow[1])
    # nothing in the way: a label stays where label_arrow put it
    again = HeadToTail(vectors, lambda p: np.array([p[0], p[1], 0.0]), HeadToTailLabels("v", "β·v", "−α·g", "new v"), ghost=False)
    before = again.previous_arrow[1].get_center().copy()
    again.avoid([Square(0.2).shift(10 * RIGHT)])
    assert np.allclose(again.previous_arrow[1].get_center(), before)
