"""Base classes for every explainer scene: narrated beats on top of Manim scenes.

A scene is a sequence of beats::

    class BallDownhill(ExplainerScene3D):
        slug = "ball-downhill"

        def construct(self):
            with self.narrate("The ball only feels the slope where it stands."):
                self.play(GrowArrow(arrow))

Each beat lasts at least as long as its words take to say (see
:mod:`gdexplain.narration`) or, with a voice (:mod:`gdexplain.voice`), as
its audio plus a breath; shorter animations are padded with a wait, never
cut, and the audio goes on the video's soundtrack at the beat's start.
Beats become Manim subcaptions, so Manim writes the ``.srt`` beside the
video; the scene also writes ``<name>.vtt`` and
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

from gdexplain import i18n, layout, narration, soundtrack
from gdexplain.catalog import SceneEntry, get_entry
from gdexplain.narration import Beat
from gdexplain.voice import Narrator, load_voice
from gdexplain.visual import theme

soundtrack.install()  # speech encoded at its own rate, not resampled to 48 kHz stereo


class NarratedScene:
    """Mixin giving a Manim scene narration beats, settings and side files."""

    #: The catalog slug of the scene; set by every concrete scene.
    slug: ClassVar[str] = ""

    def __init__(
        self,
        *args: Any,
        settings: Mapping[str, Any] | None = None,
        voice: str | None = None,
        lang: str | None = None,
        **kwargs: Any,
    ) -> None:
        #: The language of the words and pictures (``None``: ``GDEXPLAIN_LANG``, else English); see :mod:`gdexplain.i18n`.
        self.lang: str = i18n.set_language(lang)
        self.entry: SceneEntry = get_entry(self.slug)
        self.settings: dict[str, Any] = self.entry.resolve(settings)
        #: Who says the beats (None: silent, timed by words per minute); ``voice=None`` reads GDEXPLAIN_VOICE.
        self.narrator: Narrator | None = load_voice(voice, lang=self.lang)
        self.beats: list[Beat] = []
        self._in_beat = False
        self._beat_text = ""
        #: Checks the picture after every play and wait while a :func:`gdexplain.layout.watch` is active.
        self.layout_monitor = layout.monitor_for(self.slug or type(self).__name__)
        super().__init__(*args, **kwargs)

    def setup(self) -> None:
        """Apply the theme's background before ``construct`` runs (in the scene's language)."""
        i18n.set_language(self.lang)  # another scene may have been made in between
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
        cue_starts, speech = self._speak(text)
        try:
            yield
        finally:
            self._in_beat = False
        needed = narration.beat_seconds(text) if speech is None else speech + narration.BREATH_SECONDS
        elapsed = self.time - start  # type: ignore[attr-defined]
        if elapsed < needed:
            self.wait(self._whole_frames(needed - elapsed))  # type: ignore[attr-defined]
        beat = Beat(len(self.beats) + 1, " ".join(text.split()), start, self.time, speech, cue_starts)  # type: ignore[attr-defined]
        self.beats.append(beat)
        for cue in narration.split_cues(beat):
            self.add_subcaption(cue.text, duration=cue.end - cue.start, offset=cue.start - beat.end)  # type: ignore[attr-defined]

    def _speak(self, text: str) -> tuple[tuple[float, ...], float | None]:
        """Put the beat's audio on the soundtrack from now: when each cue starts, and how long it all lasts.

        Each subtitle cue is a clip of its own, so the subtitles change when
        the voice gets to them; clips follow each other with a short pause.
        No voice (or no words): no audio, and the beat is timed by its words.
        """
        groups = narration.cue_groups(text)
        if self.narrator is None or not groups:
            return (), None
        starts, t = [], 0.0
        for group in groups:
            clip = self.narrator.speak(group)
            starts.append(t)
            self.add_sound(str(clip.path), time_offset=t)  # type: ignore[attr-defined]  # ignored when skipping animations
            t += clip.duration + narration.CUE_PAUSE_SECONDS
        return tuple(starts), t - narration.CUE_PAUSE_SECONDS

    def tear_down(self) -> None:
        """Let the soundtrack run to the last frame, so audio and video end together."""
        super().tear_down()  # type: ignore[misc]
        writer = self.renderer.file_writer  # type: ignore[attr-defined]
        if self.narrator is not None and getattr(writer, "includes_sound", False) and not self.renderer.skip_animations:  # type: ignore[attr-defined]
            from manim.scene.scene_file_writer import AudioSegment  # pydub, imported there without its ffmpeg warning

            writer.add_audio_segment(AudioSegment.silent(0), time=self.time)  # type: ignore[attr-defined]

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
        are skipped (a dry run, a last-frame PNG) time is not cut into frames,
        unless the renderer keeps a frame clock (a chunk of a scene, see
        :mod:`gdexplain.chunks`).
        """
        renderer = self.renderer  # type: ignore[attr-defined]
        if renderer.skip_animations and not getattr(renderer, "frame_clock", False):
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
        vtt, script = stem.with_name(stem.name + ".vtt"), stem.with_name(stem.name + ".script.md")
        vtt.write_text(narration.to_vtt(self.beats), encoding="utf-8")
        script.write_text(
            narration.to_script(
                self.beats, i18n.tr(self.entry.title), self.slug, self.time, self.narrator.spec if self.narrator else None  # type: ignore[attr-defined]
            ),
            encoding="utf-8",
        )
        return vtt, script


class ExplainerScene(NarratedScene, Scene):
    """A narrated 2-D explainer scene."""


class ExplainerScene3D(NarratedScene, ThreeDScene):
    """A narrated 3-D explainer scene (static camera unless a move teaches)."""
