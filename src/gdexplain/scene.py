"""Base classes for every explainer scene: narrated beats on top of Manim scenes.

A scene is a sequence of beats::

    class BallDownhill(ExplainerScene3D):
        slug = "ball-downhill"

        def construct(self):
            with self.narrate("The ball only feels the slope where it stands."):
                self.play(GrowArrow(arrow))

Each beat lasts at least as long as its words take to say (see
:mod:`gdexplain.narration`); shorter animations are padded with a wait,
never cut. Beats become Manim subcaptions, so Manim writes the ``.srt``
beside the video; the scene also writes ``<name>.vtt`` and
``<name>.script.md`` there, whether it was rendered by ``gdexplain render``
or by ``manim -ql scenes/<module>.py <Scene>``.

A scene's parameters come from its catalog entry: ``self.settings`` holds
the validated values (defaults, overridden by ``gdexplain render --set``).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar

from manim import Scene, ThreeDScene, config

from gdexplain import layout, narration
from gdexplain.catalog import SceneEntry, get_entry
from gdexplain.narration import Beat
from gdexplain.visual import theme


class NarratedScene:
    """Mixin giving a Manim scene narration beats, settings and side files."""

    #: The catalog slug of the scene; set by every concrete scene.
    slug: ClassVar[str] = ""

    def __init__(self, *args: Any, settings: Mapping[str, Any] | None = None, **kwargs: Any) -> None:
        self.entry: SceneEntry = get_entry(self.slug)
        self.settings: dict[str, Any] = self.entry.resolve(settings)
        self.beats: list[Beat] = []
        self._in_beat = False
        self._beat_text = ""
        #: Checks the picture after every play and wait while a :func:`gdexplain.layout.watch` is active.
        self.layout_monitor = layout.monitor_for(self.slug or type(self).__name__)
        super().__init__(*args, **kwargs)

    def setup(self) -> None:
        """Apply the theme's background before ``construct`` runs."""
        super().setup()  # type: ignore[misc]
        self.camera.background_color = theme.BACKGROUND  # type: ignore[attr-defined]

    @contextmanager
    def narrate(self, text: str) -> Iterator[None]:
        """One beat: run the block's animations, then wait until the words are said."""
        if self._in_beat:
            raise RuntimeError("beats cannot be nested: close one `with self.narrate(...)` before opening the next")
        self._in_beat = True
        self._beat_text = " ".join(text.split())
        start = self.time  # type: ignore[attr-defined]
        try:
            yield
        finally:
            self._in_beat = False
        needed = narration.beat_seconds(text)
        elapsed = self.time - start  # type: ignore[attr-defined]
        if elapsed < needed:
            self.wait(self._whole_frames(needed - elapsed))  # type: ignore[attr-defined]
        beat = Beat(len(self.beats) + 1, " ".join(text.split()), start, self.time)  # type: ignore[attr-defined]
        self.beats.append(beat)
        for cue in narration.split_cues(beat):
            self.add_subcaption(cue.text, duration=cue.end - cue.start, offset=cue.start - beat.end)  # type: ignore[attr-defined]

    def play(self, *args: Any, **kwargs: Any) -> None:
        """Play as Manim does, then check the layout of what is left on screen (``wait`` plays too)."""
        super().play(*args, **kwargs)  # type: ignore[misc]
        if self.layout_monitor is not None:
            self.layout_monitor.check(self, self.time, self._beat_text)  # type: ignore[attr-defined]

    def _whole_frames(self, seconds: float) -> float:
        """A wait that lasts at least ``seconds`` once Manim cuts it into frames.

        A still wait gets ``int(duration * fps)`` frames (rounded down, so a
        plain ``wait(seconds)`` can fall a frame short of the words); one with
        updaters gets ``ceil(duration * fps)``. Half a frame over a whole number
        of frames gives that number either way, or one more. When animations
        are skipped (a dry run, a last-frame PNG) time is not cut into frames.
        """
        if self.renderer.skip_animations:  # type: ignore[attr-defined]
            return seconds
        dt = 1.0 / self.camera.frame_rate  # type: ignore[attr-defined]
        frames = math.ceil(seconds / dt - 1e-6)
        return (frames + 0.5) * dt

    def render(self, preview: bool = False) -> None:
        """Render, then write the WebVTT subtitles and the narration script beside the video."""
        super().render(preview)  # type: ignore[misc]
        plan = self.renderer.file_writer.output_plan  # type: ignore[attr-defined]
        target = plan.subcaption_file or plan.primary_artifact
        if target is not None and self.beats and not config.dry_run:
            self.write_side_files(Path(target).with_suffix(""))

    def write_side_files(self, stem: Path) -> tuple[Path, Path]:
        """Write ``<stem>.vtt`` and ``<stem>.script.md`` from the recorded beats."""
        stem.parent.mkdir(parents=True, exist_ok=True)
        vtt, script = stem.with_suffix(".vtt"), stem.with_suffix(".script.md")
        vtt.write_text(narration.to_vtt(self.beats), encoding="utf-8")
        script.write_text(
            narration.to_script(self.beats, self.entry.title, self.slug, self.time),  # type: ignore[attr-defined]
            encoding="utf-8",
        )
        return vtt, script


class ExplainerScene(NarratedScene, Scene):
    """A narrated 2-D explainer scene."""


class ExplainerScene3D(NarratedScene, ThreeDScene):
    """A narrated 3-D explainer scene (static camera unless a move teaches)."""
