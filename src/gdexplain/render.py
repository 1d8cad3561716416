"""Render registered scenes to files a user can rely on.

Output layout: ``<output_dir>/<quality>/<slug>.<ext>`` with ``<slug>.srt``,
``<slug>.vtt`` and ``<slug>.script.md`` beside a video. Manim works in a
private staging folder under ``<output_dir>/.staging``; only a finished
render is moved into place (``os.replace``, atomic on one file system), so
a failed or interrupted render never leaves a half-written file at the
output path and never replaces an earlier good one. The video and its side
files move together under a lock per output (:mod:`gdexplain.outputs`).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gdexplain import i18n, outputs, video_clock
from gdexplain.catalog import SceneEntry, load_scene_class
from gdexplain.core.errors import InputError, closest, unknown_name
from gdexplain.voice import canonical_voice

if TYPE_CHECKING:
    from gdexplain.chunks import Chunk


@dataclass(frozen=True)
class Quality:
    """A render quality: Manim's name for it and the picture it gives."""

    name: str
    short: str
    manim_name: str
    width: int
    height: int
    fps: int


QUALITIES: dict[str, Quality] = {
    q.name: q
    for q in (
        Quality("low", "l", "low_quality", 854, 480, 15),
        Quality("medium", "m", "medium_quality", 1280, 720, 30),
        Quality("high", "h", "high_quality", 1920, 1080, 60),
        Quality("2k", "p", "production_quality", 2560, 1440, 60),
        Quality("4k", "k", "fourk_quality", 3840, 2160, 60),
        # For the test suite, never advertised in --help: tiny and fast ("sketch": every frame of a whole lecture in minutes).
        Quality("test", "t", "low_quality", 256, 144, 5),
        Quality("sketch", "s", "low_quality", 256, 144, 1),
    )
}
PUBLIC_QUALITIES = tuple(q for q in QUALITIES if q not in ("test", "sketch"))
FORMATS = ("mp4", "gif", "webm", "mov", "png")
ALPHA_FORMATS = ("mov", "webm", "png")
SIDE_SUFFIXES = (".srt", ".vtt", ".script.md")


def quality(name: str) -> Quality:
    """Look a quality up by name (``high``) or Manim's short form (``h``)."""
    for q in QUALITIES.values():
        if name in (q.name, q.short):
            return q
    names = ", ".join(f"{q} ({QUALITIES[q].short})" for q in PUBLIC_QUALITIES)
    near = closest(name, PUBLIC_QUALITIES) if len(name) > 1 else []
    hint = f"did you mean {', '.join(repr(n) for n in near)}? " if near else ""
    raise InputError(f"unknown quality {name!r}: {hint}choose one of {names}")


@dataclass(frozen=True)
class RenderResult:
    """What one render produced."""

    slug: str
    path: Path
    duration: float
    frames: int
    side_files: tuple[Path, ...] = field(default=())
    cached: bool = False  # reused from the render cache instead of rendered


def check_request(fmt: str, transparent: bool) -> None:
    """Reject format combinations that cannot work, before anything is rendered."""
    if fmt not in FORMATS:
        raise unknown_name("format", fmt, FORMATS)
    if transparent and fmt not in ALPHA_FORMATS:
        raise InputError(f"{fmt} cannot be transparent: use --format mov or --format webm (or png for a still)")


def require_manim() -> None:
    """Import Manim, turning a missing system library into a one-line fix."""
    try:
        import manim  # noqa: F401
    except (ImportError, OSError) as err:
        raise InputError(
            f"Manim cannot load ({(str(err).splitlines() or [type(err).__name__])[0]}): run `bash scripts/setup.sh`, which installs "
            "libcairo2-dev, libpango1.0-dev and pkg-config and the Python packages"
        ) from None


def output_path(output_dir: Path, q: Quality, slug: str, fmt: str, lang: str = "en") -> Path:
    """Where the finished file of a render lands: ``low/momentum.mp4``, ``low/momentum.zh.mp4`` in Chinese."""
    return Path(output_dir) / q.name / f"{edition_stem(slug, lang)}.{fmt}"


def edition_stem(name: str, lang: str = "en") -> str:
    """A file name without its suffix, marked with the language unless it is English (``momentum.zh``)."""
    return name if lang == i18n.SOURCE_LANGUAGE else f"{name}.{lang}"


def _render_as_interruptible(scene: Any) -> None:
    """``scene.render()``, except that an interrupt Manim wrapped in an error of its own is raised as the interrupt.

    Manim's video encoder turns anything raised while it encodes a frame,
    Ctrl-C or SIGTERM included, into ``RuntimeError("Failed to encode video
    segment ...")``: the render would end on that error instead of stopping
    as interrupted (cleaned up, "Aborted!").
    """
    try:
        scene.render()
    except Exception as err:
        cause, seen = err.__cause__ or err.__context__, {id(err)}
        while cause is not None and id(cause) not in seen and not isinstance(cause, (KeyboardInterrupt, SystemExit)):
            seen.add(id(cause))
            cause = cause.__cause__ or cause.__context__
        if isinstance(cause, SystemExit):
            raise SystemExit(cause.code) from err
        if isinstance(cause, KeyboardInterrupt):
            raise KeyboardInterrupt from err
        raise


def render_scene(
    entry: SceneEntry,
    *,
    quality_name: str = "low",
    fmt: str = "mp4",
    transparent: bool = False,
    output_dir: Path | str = "media",
    overrides: Mapping[str, Any] | None = None,
    chunk: Chunk | None = None,
    voice: str = "none",
    lang: str = "en",
) -> RenderResult:
    """Render one scene and move its files into place; see the module docstring.

    ``chunk`` renders only the plays it names (see :mod:`gdexplain.chunks`),
    for :func:`gdexplain.parallel.render_many` to join.
    ``voice`` (``none``, ``espeak``, ``piper`` …, see :mod:`gdexplain.voice`)
    narrates the beats on the video's soundtrack and times them by their
    audio. A still (png) has no soundtrack and is rendered without a voice.
    ``lang`` is the language of the words (:mod:`gdexplain.i18n`); other
    than English it marks the file names (``momentum.zh.mp4``).
    """
    check_request(fmt, transparent)
    lang = i18n.check_language(lang)
    q = quality(quality_name)
    settings = entry.resolve(overrides)
    output_dir = outputs.check_output_dir(output_dir)
    voice = "none" if fmt == "png" else canonical_voice(voice, lang)
    require_manim()
    from manim import tempconfig

    scene_class = load_scene_class(entry)
    final = output_path(output_dir, q, entry.slug, fmt, lang)
    outputs.sweep_staging(output_dir)
    staging = outputs.new_staging(output_dir, entry.slug)
    options = {
        "quality": q.manim_name,
        "pixel_width": q.width,
        "pixel_height": q.height,
        "frame_rate": q.fps,
        "format": fmt,
        "transparent": transparent,
        "media_dir": str(staging),
        "output_file": entry.slug,
        "disable_caching": True,
        "verbosity": "ERROR",  # Manim's warnings would mix into the command's own output
        "write_to_movie": fmt != "png",
        "preview": False,
        **(chunk.manim_options() if chunk else {}),
    }
    try:
        with tempconfig(options), _quiet_audio_mux(), i18n.using(lang):
            scene = scene_class(settings=settings, voice=voice, lang=lang)
            if chunk:
                chunk.prepare(scene)
            _render_as_interruptible(scene)
            plan = scene.renderer.file_writer.output_plan
            artifact = Path(plan.primary_artifact or plan.fallback_image)
            duration = float(scene.time)
        if not artifact.exists():
            raise RuntimeError(f"Manim finished but wrote no {fmt} file")
        video_clock.retime_file(artifact)  # Manim's join of its segments leaves some frames a few ticks short
        frames = _count_frames(artifact, fmt)
        stem = artifact.name[: -len(artifact.suffix)]
        files: dict[str, Path | None] = {final.suffix: artifact}
        if fmt != "png":
            # The side files follow the video; an old one the new render did not write must not stay beside it.
            files.update({s: p if (p := artifact.with_name(stem + s)).exists() else None for s in SIDE_SUFFIXES})
        moved = outputs.install(files, final, q.name, output_dir)
        return RenderResult(entry.slug, final, duration if fmt != "png" else 0.0, frames, moved)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


@contextmanager
def _quiet_audio_mux() -> Iterator[None]:
    """Drop Manim's warning that PyAV ignored two of its own options when it adds the soundtrack."""
    import logging

    def keep(record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Some options were not used")

    logger = logging.getLogger("av.container.output")  # PyAV logs it while Manim muxes the audio in
    logger.addFilter(keep)
    try:
        yield
    finally:
        logger.removeFilter(keep)


def _count_frames(path: Path, fmt: str) -> int:
    if fmt == "png":
        return 1
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        if stream.frames:
            return int(stream.frames)
        return sum(1 for _ in container.decode(stream))


def narration_script(
    entry: SceneEntry, overrides: Mapping[str, Any] | None = None, voice: str = "none", lang: str = "en"
) -> str:
    """The narration script of a scene, timed exactly, without rendering a frame.

    The scene runs as a Manim dry run with animations skipped: every
    animation is built and timed, none is drawn, nothing is written. With a
    ``voice`` the beats are synthesized (or read from the cache) to time them.
    """
    from gdexplain import narration

    scene = _dry_run(entry, overrides, voice, lang)
    spoken = scene.narrator.spec if scene.narrator else None
    with i18n.using(lang):  # the title and the header in the script's language
        return narration.to_script(scene.beats, i18n.tr(entry.title), entry.slug, float(scene.time), spoken)


def layout_collisions(entry: SceneEntry, overrides: Mapping[str, Any] | None = None, lang: str = "en") -> list:
    """The layout check (:mod:`gdexplain.layout`) of one scene, from a dry run: its collisions."""
    from gdexplain import layout

    with layout.watch() as watch:
        _dry_run(entry, overrides, lang=lang)
    return watch.collisions


def _dry_run(entry: SceneEntry, overrides: Mapping[str, Any] | None, voice: str = "none", lang: str = "en"):
    """Run a scene with animations skipped and nothing drawn or written; the finished scene.

    A ``voice`` synthesizes the beats (or reads them from the cache) to time them; nothing goes on a soundtrack.
    """
    settings = entry.resolve(overrides)
    require_manim()
    from manim import tempconfig

    scene_class = load_scene_class(entry)
    q = QUALITIES["test"]
    with tempfile.TemporaryDirectory() as tmp, tempconfig(
        {
            "dry_run": True,
            "media_dir": tmp,
            "verbosity": "WARNING",
            "disable_caching": True,
            "progress_bar": "none",
            # Nothing is drawn, so the picture can be tiny; the frame rate stays
            # Manim's default, as it bounds the shortest run time.
            "pixel_width": q.width,
            "pixel_height": q.height,
        }
    ):
        # Manim 0.22's dry run writes no file but still draws every frame (at the
        # default 1080p60: minutes per scene). Skipping animations advances the
        # clock by each run time exactly, and drawing is switched off outright.
        with i18n.using(lang):
            scene = scene_class(settings=settings, voice=voice, lang=lang, skip_animations=True)
            scene.renderer.update_frame = lambda *args, **kwargs: None
            scene.render()
        return scene
