"""The layout check: every registered scene's picture is clean after every play and wait,
and the check itself catches a label moved onto another, off the frame, or onto a ball.

The per-scene check reuses the one last-frame run per scene of tests/test_render.py
(the ``last_frames`` fixture in conftest.py): Manim skips every animation, the
scene framework checks what is on screen at the end of each ``play``/``wait``.
"""

from __future__ import annotations

import pytest

from gdexplain import layout
from gdexplain.catalog import entries, get_entry
from gdexplain.narration import beat_seconds
from gdexplain.render import narration_script

#: Scenes whose layout is known to fail, with the reason; strict, so a fixed scene must leave this list.
KNOWN_FAILURES: dict[str, str] = {}


def _params():
    for e in entries():
        reason = KNOWN_FAILURES.get(e.slug)
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        yield pytest.param(e.slug, marks=marks, id=e.slug)


@pytest.mark.slow
@pytest.mark.parametrize("slug", list(_params()))
def test_every_scene_keeps_its_layout_clean(last_frames, slug):
    monitor = last_frames(slug).monitor
    assert monitor.checks > 0, "the layout check never ran: is the scene an ExplainerScene?"
    assert not monitor.collisions, f"{len(monitor.collisions)} layout collisions:\n" + layout.report(monitor.collisions)


# --- the check itself, on tiny scenes ------------------------------------------------------------


def run_checked(construct, three_d: bool = False, monkeypatch=None):
    """Run ``construct`` as a narrated scene (animations skipped) with the check on; the monitor."""
    from gdexplain.scene import ExplainerScene, ExplainerScene3D

    base = ExplainerScene3D if three_d else ExplainerScene
    cls = type("TinyLayoutScene", (base,), {"slug": "ball-downhill", "construct": construct})
    monkeypatch.setattr("gdexplain.render.load_scene_class", lambda entry: cls)
    with layout.watch() as watch:
        narration_script(get_entry("ball-downhill"))
    (monitor,) = watch.monitors
    return monitor


def two_labels(offset):
    """A scene showing label "alpha" at the origin and "beta" at ``offset``, in one beat."""

    def construct(self):
        from manim import FadeIn, Text

        a = Text("alpha", font_size=24)
        b = Text("beta", font_size=24).move_to(offset)
        with self.narrate("Two labels."):
            self.play(FadeIn(a), FadeIn(b), run_time=0.5)

    return construct


def test_labels_apart_pass(monkeypatch):
    monitor = run_checked(two_labels((0, 1.0, 0)), monkeypatch=monkeypatch)
    assert monitor.checks >= 1 and monitor.collisions == []


def test_a_label_moved_onto_another_fails_naming_both_and_the_time(monkeypatch):
    monitor = run_checked(two_labels((0.2, 0.05, 0)), monkeypatch=monkeypatch)
    (c,) = monitor.collisions
    assert c.kind == layout.KIND_OVERLAP and {c.first, c.second} == {"Text 'alpha'", "Text 'beta'"}
    assert c.scene == "ball-downhill" and c.time == pytest.approx(0.5) and c.beat == "Two labels."
    assert "ball-downhill at 0.50s (beat 'Two labels.'): Text 'alpha' overlaps Text 'beta'" in str(c)


def test_a_collision_is_found_at_the_end_of_the_play_that_makes_it(monkeypatch):
    def construct(self):
        from manim import UP, FadeIn, Text

        a, b = Text("alpha"), Text("beta").shift(2 * UP)
        with self.narrate("Apart."):
            self.play(FadeIn(a), FadeIn(b), run_time=1)
        with self.narrate("Then one moves onto the other."):
            self.play(b.animate.move_to(a), run_time=1)
            self.wait(0.5)

    monitor = run_checked(construct, monkeypatch=monkeypatch)
    (c,) = monitor.collisions  # reported once, at its first time, though the wait sees it again
    assert c.time == pytest.approx(max(1.0, beat_seconds("Apart.")) + 1.0)  # the first beat, then the move
    assert c.beat == "Then one moves onto the other."


def test_invisible_and_removed_labels_do_not_count(monkeypatch):
    def construct(self):
        from manim import RIGHT, UP, FadeOut, Text

        a, b, c = Text("alpha"), Text("beta").shift(0.1 * RIGHT), Text("gamma").shift(0.1 * UP)
        b.set_opacity(0)
        with self.narrate("One visible, one transparent, one gone."):
            self.add(a, b, c)
            self.play(FadeOut(c), run_time=0.5)

    assert run_checked(construct, monkeypatch=monkeypatch).collisions == []


def test_text_off_the_frame_fails(monkeypatch):
    def construct(self):
        from manim import RIGHT, FadeIn, Text

        with self.narrate("Off the edge."):
            self.play(FadeIn(Text("too far right").to_edge(RIGHT, buff=0).shift(0.5 * RIGHT)), run_time=0.5)

    (c,) = run_checked(construct, monkeypatch=monkeypatch).collisions
    assert c.kind == layout.KIND_OUTSIDE and c.first == "Text 'too far right'"


def test_a_label_on_a_ball_fails_and_a_declared_overlap_passes(monkeypatch):
    def construct(self, allow: bool):
        from manim import DOWN, RIGHT, FadeIn, MathTypst, VGroup

        from gdexplain.visual.marks import Ball

        ball = Ball().move_to((1, 1, 0))
        label = MathTypst("alpha g", font_size=30).move_to((1.05, 1, 0))
        panel = VGroup(MathTypst("x = 1", font_size=30), MathTypst("y", font_size=30).shift(0.05 * RIGHT))
        if allow:
            layout.allow_overlap(label, ball, "a test: the label is meant to sit on the ball")
            layout.allow_overlap(panel, panel, "a test: the panel's own texts may overlap")
        with self.narrate("A label on a ball, and a crowded panel."):
            self.play(FadeIn(VGroup(ball, label, panel.shift(2 * DOWN))), run_time=0.5)

    found = run_checked(lambda s: construct(s, False), monkeypatch=monkeypatch).collisions
    assert sorted(c.kind for c in found) == sorted([layout.KIND_BALL, layout.KIND_OVERLAP])
    (on_ball,) = [c for c in found if c.kind == layout.KIND_BALL]
    assert on_ball.first == "MathTypst '$ alpha g $'" and on_ball.second == "Ball"
    assert run_checked(lambda s: construct(s, True), monkeypatch=monkeypatch).collisions == []


def test_an_exception_needs_a_reason():
    from manim import Dot

    with pytest.raises(ValueError, match="reason"):
        layout.allow_overlap(Dot(), Dot(), " ")
    with pytest.raises(ValueError, match="reason"):
        layout.allow_outside_frame(Dot(), "")


def test_three_d_scenes_check_fixed_labels_against_projected_balls(monkeypatch):
    """A label fixed in the frame collides with where a 3-D ball is drawn, not where its coordinates are."""

    def construct(self, over: bool):
        from manim import DEGREES, FadeIn, Text

        from gdexplain.visual.landscape import ball_3d

        self.set_camera_orientation(phi=60 * DEGREES, theta=-45 * DEGREES)
        ball = ball_3d(0.3).move_to((2, 0, 1.5))
        seen = self.camera.project_points(ball.get_center().reshape(1, 3))[0]
        label = Text("here", font_size=24).move_to(seen if over else (0, 0, 1.5))
        self.add_fixed_in_frame_mobjects(label)
        with self.narrate("A ball in 3-D and a flat label."):
            self.play(FadeIn(ball), FadeIn(label), run_time=0.5)

    found = run_checked(lambda s: construct(s, True), three_d=True, monkeypatch=monkeypatch).collisions
    assert [c.kind for c in found] == [layout.KIND_BALL]
    assert run_checked(lambda s: construct(s, False), three_d=True, monkeypatch=monkeypatch).collisions == []


def test_nothing_is_checked_without_a_watch(monkeypatch):
    from gdexplain.scene import ExplainerScene

    cls = type("Tiny", (ExplainerScene,), {"slug": "ball-downhill", "construct": two_labels((0, 0, 0))})
    monkeypatch.setattr("gdexplain.render.load_scene_class", lambda entry: cls)
    assert layout.monitor_for("x") is None
    narration_script(get_entry("ball-downhill"))  # runs, checks nothing, raises nothing


def test_gdexplain_check_reports_collisions_and_fails(monkeypatch):
    from click.testing import CliRunner

    from gdexplain.cli import main
    from gdexplain.scene import ExplainerScene

    for offset, code in (((0.2, 0.05, 0), 1), ((0, 1.0, 0), 0)):
        cls = type("Tiny", (ExplainerScene,), {"slug": "ball-downhill", "construct": two_labels(offset)})
        monkeypatch.setattr("gdexplain.render.load_scene_class", lambda entry, cls=cls: cls)
        result = CliRunner().invoke(main, ["check", "ball-downhill"])
        assert result.exit_code == code, result.output
        if code:
            assert "ball-downhill: 1 collision\n" in result.output and "Text 'alpha' overlaps Text 'beta'" in result.output
        else:
            assert result.output == "ball-downhill: clean\n"
    assert CliRunner().invoke(main, ["check"]).exit_code != 0
    assert "name exactly one scene" in CliRunner().invoke(main, ["check", "--all", "--set", "lr=0.1"]).output
