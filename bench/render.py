"""Render benchmark: how long each registered scene takes to render, against its encode floor.

Usage::

    .venv/bin/python bench/render.py [SLUG ...] [--quality low high] [--format mp4]
                                     [--repeat N] [--json PATH]
    .venv/bin/python bench/render.py --lecture [SLUG ...] [--quality low] [--chunk-scene SLUG]
    .venv/bin/python bench/render.py --preview [SLUG ...] [--quality low]

``--lecture`` measures rendering at scale instead (see "Lecture mode" below);
``--preview`` a preview of each scene as a user runs it (see "Preview mode").

For every scene and quality the scene is rendered with
:func:`gdexplain.render.render_scene` into a temporary output folder (removed
afterwards), and one row is printed: wall time, frames and duration of the
produced file (read with PyAV), frames rendered per second, the encode floor
and the ratio wall time / encode floor. All figures, the settings and the
machine are written as JSON (default ``bench/results/render-<timestamp>.json``,
rewritten after every row so an interrupted run keeps what it measured).

The encode floor
----------------
Manim (0.22, Cairo renderer) hands every rendered RGBA frame to
``manim.scene.video_segment_encoder.VideoSegmentEncoder``, which encodes it
with PyAV into a per-animation segment file; the segments are then joined by
stream copy (a remux, no re-encode). The encode floor is the time those same
encoder settings take to write the same number of *blank* frames (opaque
black RGBA) at the same resolution and frame rate into one temporary file:
the cost of getting N frames through the encoder when drawing them costs
nothing, so no render of that video can be faster. ``wall / floor`` says how
many times that cost the render takes; close to 1 means encoding dominates,
large means drawing (Cairo, scene logic) does.

The settings are not guessed: the :class:`VideoEncoderSpec` (container,
codec, pixel format, frame rate, codec options) is captured from the
render itself, at the point where Manim creates each segment encoder, and the
floor repeats ``VideoSegmentEncoder``'s PyAV calls with it: ``av.open(...,
format=container)``, ``add_stream(codec, rate=..., options=...)``, the
``pix_fmt``/``width``/``height`` assignments, and per frame
``VideoFrame.from_ndarray(pixels, format="rgba")`` with consecutive pts, then
a flush and close. For mp4 that is libx264, yuv420p, ``crf=23`` and x264's
default preset (medium); for webm libvpx-vp9, yuv420p, ``crf=23``. The floor
therefore includes PyAV's RGBA to YUV conversion inside ``encode``, which
Manim pays per frame too. Only the open-encode-close is timed, not making the
blank array.

It is a floor, not a model: a blank picture is the cheapest thing an encoder
can encode (real frames cost more bits and motion search), Manim splits a scene
into one segment per animation (``segments`` in the JSON) where the floor
writes one stream, and Manim encodes on a worker thread that overlaps drawing.

Wall time is the whole ``render_scene`` call (Manim's caches are disabled and
its media folder is fresh each time, so Typst/LaTeX output is rebuilt on
every render, as in a first ``gdexplain render``); importing Manim and the
scene module happens before timing, and Manim's progress bars are off. With
``--repeat N`` the table shows the minimum of N runs (of the render and of
the floor); the JSON keeps every run.
Absolute times are only meaningful on an otherwise idle machine: the JSON
records the load average before and after, and the process CPU time (all
threads, encoder included) of every render and floor, which contention from
other processes distorts less than wall time.

Preview mode
------------
``--preview`` renders each scene (default: every one) at one quality
(default low) as a user previews it: a fresh ``gdexplain render SLUG``
process timed from start to exit, once with ``--jobs 1`` and once with the
default (the number of cores: a single scene is cut into chunks where the
cost model says it pays), each into a fresh output folder, then once more
with nothing changed (answered by the render cache). One row per scene:
the video's length, both times, default / ``--jobs 1`` (above 1: the
default is slower), default / length (the preview target is at most 0.25),
into how many chunks a first render cuts the scene (by its kept plan, the first
chunk's head start taken as the plan's own time), and the cached
re-render.

Lecture mode
------------
``--lecture`` renders the scenes (default: the whole lecture) at one quality
(default low) through :func:`gdexplain.parallel.render_many`, each run into a
fresh output folder, and prints one row per way of rendering, with the wall
time, the ratio to the serial run and the load average when the row ended:

* ``serial``: ``jobs=1``, one scene after the other in this process;
* ``jobs 2``: two local worker processes;
* ``dask 2``: a ``dask.distributed`` LocalCluster of two worker processes on
  loopback (the cluster's start-up is timed apart, not in the row);
* ``unchanged``: the serial run's folder rendered again with nothing changed
  (every scene comes from the render cache);
* ``chunked``: one scene (``--chunk-scene``, default the longest of the serial
  run) cut into two chunks over two processes, against the same scene
  rendered alone with ``--jobs 1`` (the ``alone`` row); once with the
  planning dry run (a first render), once as after an edit (its plan
  deleted: the chunks are cut by the plan from before the edit, check their
  starts and note the new plan), and once with the plan already cached (a
  re-render after ``--force`` or another format). Each of these four rows is
  one ``gdexplain render`` command in a fresh process, timed from its start
  to its exit, as a user runs it. (Rendered from this process after the
  whole lecture and compared with the scene's time inside the serial run,
  which is faster than a fresh render, ball-downhill's chunked rows read
  1.39-1.57x where fresh commands read 1.63-1.92x.)

The per-scene serial times come from the serial run (the time between one
scene's result and the previous one's). Speed-ups need idle cores: print
the load average with the figures and read them with it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime
from fractions import Fraction
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

import av
import numpy as np

from gdexplain.catalog import SceneEntry, entries, get_entry, load_scene_class
from gdexplain.core.errors import InputError
from gdexplain.render import QUALITIES, render_scene, require_manim

if TYPE_CHECKING:
    from manim._config.video_encoder import VideoEncoderSpec

REPO = Path(__file__).resolve().parents[1]
VIDEO_FORMATS = ("mp4", "webm", "mov", "gif")


@dataclass
class Row:
    """The measurements of one scene at one quality; times are per repeat."""

    scene: str
    quality: str
    width: int
    height: int
    fps: int
    wall_runs_s: list[float] = field(default_factory=list)
    floor_runs_s: list[float] = field(default_factory=list)
    cpu_runs_s: list[float] = field(default_factory=list)
    floor_cpu_runs_s: list[float] = field(default_factory=list)
    frames: int | None = None
    duration_s: float | None = None
    scene_time_s: float | None = None
    segments: int | None = None
    encoder: dict[str, Any] | None = None
    error: str | None = None

    def summary(self) -> dict[str, float | None]:
        """Best wall time and floor, render fps and their ratio (None where unmeasured)."""
        wall = min(self.wall_runs_s) if self.wall_runs_s else None
        floor = min(self.floor_runs_s) if self.floor_runs_s else None
        return {
            "wall_s": wall,
            "render_fps": self.frames / wall if wall and self.frames else None,
            "floor_s": floor,
            "wall_over_floor": wall / floor if wall and floor else None,
        }


@contextmanager
def observed_encoders() -> Iterator[list[VideoEncoderSpec]]:
    """Record the ``VideoEncoderSpec`` of every segment encoder Manim opens meanwhile."""
    from manim.scene.scene_file_writer import SceneFileWriter

    seen: list[VideoEncoderSpec] = []
    original = SceneFileWriter._create_segment_encoder

    def spy(self: SceneFileWriter, target: Path) -> Any:
        seen.append(self.video_encoder)
        return original(self, target)

    SceneFileWriter._create_segment_encoder = spy  # type: ignore[method-assign]
    try:
        yield seen
    finally:
        SceneFileWriter._create_segment_encoder = original  # type: ignore[method-assign]


def encode_floor(spec: VideoEncoderSpec, frames: int, directory: Path) -> float:
    """Seconds that ``VideoSegmentEncoder``'s PyAV calls take for ``frames`` blank frames."""
    pixels = np.zeros((spec.height, spec.width, 4), dtype=np.uint8)
    pixels[..., 3] = 255
    time_base = Fraction(spec.frame_rate.denominator, spec.frame_rate.numerator)
    target = directory / f"floor.{spec.container_format}"
    start = time.perf_counter()
    container = av.open(target, mode="w", format=spec.container_format)
    try:
        stream = container.add_stream(spec.codec, rate=spec.frame_rate, options=dict(spec.options))
        stream.pix_fmt = spec.pixel_format
        stream.width = spec.width
        stream.height = spec.height
        for pts in range(frames):
            frame = av.VideoFrame.from_ndarray(pixels, format="rgba")
            frame.pts = pts
            frame.time_base = time_base
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    finally:
        container.close()
    elapsed = time.perf_counter() - start
    target.unlink()
    return elapsed


def probe(path: Path) -> tuple[int, float]:
    """Frames and duration (s) of the first video stream of ``path``."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = stream.frames or sum(1 for p in container.demux(stream) if p.size)
        if stream.duration is not None and stream.time_base is not None:
            duration = float(stream.duration * stream.time_base)
        else:
            duration = (container.duration or 0) / av.time_base
    return int(frames), duration


def measure(entry: SceneEntry, quality: str, fmt: str, repeat: int) -> Row:
    """Render ``entry`` ``repeat`` times and time the encode floor as often; errors are recorded."""
    q = QUALITIES[quality]
    row = Row(entry.slug, quality, q.width, q.height, q.fps)
    try:
        for _ in range(repeat):
            with tempfile.TemporaryDirectory(prefix="gdexplain-bench-") as tmp:
                with observed_encoders() as specs:
                    start, cpu = time.perf_counter(), time.process_time()
                    result = render_scene(entry, quality_name=quality, fmt=fmt, output_dir=tmp)
                    row.wall_runs_s.append(time.perf_counter() - start)
                    row.cpu_runs_s.append(time.process_time() - cpu)
                row.frames, row.duration_s = probe(result.path)
                row.scene_time_s, row.segments = result.duration, len(specs)
                if not specs or any(s != specs[0] for s in specs):
                    raise RuntimeError(f"expected one encoder setting for all segments, saw {set(specs)}")
                spec = specs[0]
                row.encoder = {
                    "container": spec.container_format,
                    "codec": spec.codec,
                    "pixel_format": spec.pixel_format,
                    "frame_rate": str(spec.frame_rate),
                    "options": dict(spec.options),
                }
                cpu = time.process_time()
                row.floor_runs_s.append(encode_floor(spec, row.frames, Path(tmp)))
                row.floor_cpu_runs_s.append(time.process_time() - cpu)
    except Exception as err:  # a failed scene is a result, not the end of the run
        row.error = f"{type(err).__name__}: {err}"
    return row


def machine() -> dict[str, Any]:
    """The machine and software the figures come from."""
    cpuinfo = Path("/proc/cpuinfo")
    lines = cpuinfo.read_text().splitlines() if cpuinfo.exists() else []
    cpu = next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")), platform.processor())
    git = subprocess.run(["git", "-C", str(REPO), "describe", "--always", "--dirty"], capture_output=True, text=True)
    return {
        "cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "cpu": cpu,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "manim": version("manim"),
        "pyav": av.__version__,
        "libavcodec": ".".join(map(str, av.library_versions.get("libavcodec", ()))),
        "gdexplain_commit": git.stdout.strip() or None,
        "nice": os.nice(0),
    }


def new_report(kind: str, path: Path | None) -> tuple[Path, dict[str, Any]]:
    """Where the figures go (default ``bench/results/<kind>-<timestamp>.json``) and the report's common part."""
    stamp = datetime.now().astimezone()
    out = path or REPO / "bench" / "results" / f"{kind}-{stamp:%Y%m%d-%H%M%S}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    report = {"started": stamp.isoformat(timespec="seconds"), "machine": machine(), "load_average_start": os.getloadavg(), "rows": []}
    return out, report


def fmt_cell(value: float | int | None, spec: str) -> str:
    """A table cell; ``-`` for a figure that was not measured."""
    return "-" if value is None else format(value, spec)


def table_line(row: Row) -> str:
    """One row of the printed table, under :data:`HEADER`."""
    s = row.summary()
    if row.error:
        return f"{row.scene:<20} {row.quality:<7} FAILED: {row.error.splitlines()[0][:100]}"
    return (
        f"{row.scene:<20} {row.quality:<7} {fmt_cell(s['wall_s'], '9.2f')} {fmt_cell(row.frames, '7d')} "
        f"{fmt_cell(s['render_fps'], '8.2f')} {fmt_cell(row.duration_s, '8.2f')} "
        f"{fmt_cell(s['floor_s'], '8.2f')} {fmt_cell(s['wall_over_floor'], '8.1f')}"
    )


HEADER = f"{'scene':<20} {'quality':<7} {'wall s':>9} {'frames':>7} {'rend fps':>8} {'video s':>8} {'floor s':>8} {'wall/flr':>8}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("slugs", nargs="*", metavar="SLUG", help="scenes to render (default: every registered scene)")
    parser.add_argument("--quality", nargs="+", default=["low", "high"], choices=list(QUALITIES))
    parser.add_argument("--format", default="mp4", choices=VIDEO_FORMATS)
    parser.add_argument("--repeat", type=int, default=1, help="runs per scene and quality; the table shows the minimum")
    parser.add_argument("--json", type=Path, help="where to write the figures (default bench/results/render-<timestamp>.json)")
    parser.add_argument("--lecture", action="store_true", help="measure serial, --jobs 2, Dask, cached and chunked renders")
    parser.add_argument("--chunk-scene", default=None, help="the scene of the chunked row in --lecture mode (default: the longest)")
    parser.add_argument("--preview", action="store_true", help="each scene as a fresh `gdexplain render`: --jobs 1 against the default")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if args.lecture:
        return lecture(args, parser)
    if args.preview:
        return preview(args, parser)
    try:
        chosen = [get_entry(s) for s in args.slugs] if args.slugs else entries()
        require_manim()
    except InputError as err:
        parser.error(str(err))
    from manim import config

    config.progress_bar = "none"  # keep the table readable; render_scene's tempconfig inherits this
    for entry in chosen:  # import every scene module before anything is timed
        try:
            load_scene_class(entry)
        except Exception:  # a broken scene fails again in measure(), which records it
            pass

    out, report = new_report("render", args.json)
    report["settings"] = {
        "scenes": [e.slug for e in chosen],
        "qualities": {q: asdict(QUALITIES[q]) for q in args.quality},
        "format": args.format,
        "repeat": args.repeat,
        "statistic": "minimum over repeats",
        "floor_frame": "opaque black RGBA, encoded as Manim's VideoSegmentEncoder does",
        "manim_max_inflight_encoders": config.max_inflight_encoders,
        "manim_encoder_queue_size": config.encoder_queue_size,
    }

    print(HEADER, flush=True)
    failed = 0
    for entry in chosen:
        for quality in args.quality:
            print(f"  rendering {entry.slug} at {quality} ...", file=sys.stderr, flush=True)
            row = measure(entry, quality, args.format, args.repeat)
            failed += row.error is not None
            print(table_line(row), flush=True)
            report["rows"].append({**asdict(row), **row.summary()})
            report["load_average_end"] = os.getloadavg()
            out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nfigures: {out}", file=sys.stderr)
    return 1 if failed else 0


def lecture(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """The lecture mode: one run each of serial, two processes, Dask, unchanged and chunked renders."""
    from gdexplain.parallel import render_many

    quality = args.quality[0] if args.quality != ["low", "high"] else "low"
    try:
        chosen = [get_entry(s) for s in args.slugs] if args.slugs else entries()
        require_manim()
    except InputError as err:
        parser.error(str(err))
    from manim import config

    config.progress_bar = "none"
    out, report = new_report("lecture", args.json)
    report["settings"] = {"scenes": [e.slug for e in chosen], "quality": quality, "format": args.format}
    print(f"load average at start: {fmt_load(os.getloadavg())} on {os.cpu_count()} cores", flush=True)
    print(f"{'run':<28} {'scenes':>6} {'wall s':>9} {'vs serial':>9}  load (1, 5, 15 min)", flush=True)
    base: dict[str, float] = {}

    def row(name: str, scenes: int, wall: float, reference: float | None, **extra: Any) -> None:
        load = os.getloadavg()
        ratio = f"{reference / wall:8.2f}x" if reference else f"{'-':>9}"
        print(f"{name:<28} {scenes:>6} {wall:9.1f} {ratio}  {fmt_load(load)}", flush=True)
        report["rows"].append({"run": name, "scenes": scenes, "wall_s": wall, "speedup": reference / wall if reference else None, "load_average": load, **extra})
        out.write_text(json.dumps(report, indent=2) + "\n")

    def timed(folder: Path, **kwargs: Any) -> tuple[float, list[float]]:
        marks: list[float] = []
        start = time.perf_counter()
        render_many(
            kwargs.pop("scenes", chosen), quality_name=quality, fmt=args.format, output_dir=folder,
            on_result=lambda r: marks.append(time.perf_counter()), **kwargs,
        )
        wall = time.perf_counter() - start
        return wall, [b - a for a, b in zip([start, *marks], marks)]

    with tempfile.TemporaryDirectory(prefix="gdexplain-bench-") as tmp:
        root = Path(tmp)
        wall, per_scene = timed(root / "serial", jobs=1)
        base = {e.slug: t for e, t in zip(chosen, per_scene)}
        row("serial (--jobs 1)", len(chosen), wall, wall, per_scene_s=base)
        serial = wall
        wall, _ = timed(root / "jobs2", jobs=2)
        row("--jobs 2", len(chosen), wall, serial)
        try:
            from distributed import LocalCluster

            start = time.perf_counter()
            with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address="127.0.0.1:0") as cluster:
                started = time.perf_counter() - start
                wall, _ = timed(root / "dask", cluster=cluster.scheduler_address)
            row("dask LocalCluster, 2 workers", len(chosen), wall, serial, cluster_start_s=started)
        except Exception as err:  # a missing extra is a result, not the end of the run
            print(f"dask LocalCluster: FAILED ({type(err).__name__}: {err})", flush=True)
        wall, _ = timed(root / "serial", jobs=1)
        row("unchanged re-render", len(chosen), wall, serial)
        print(f"  unchanged / serial = {wall / serial:.4f}", flush=True)

        slug = args.chunk_scene or max(base, key=base.get)

        def command(folder: Path, *extra: str) -> float:
            """One ``gdexplain render`` of the chunk scene in a fresh process, as a user runs it; its wall time."""
            return render_command(slug, quality, folder, "--format", args.format, *extra)[0]

        own = command(root / "chunk-serial", "--jobs", "1")
        row(f"{slug} alone (--jobs 1)", 1, own, own, in_lecture_s=base.get(slug))
        wall = command(root / "chunked", "--jobs", "2")
        row(f"chunked {slug} (2, planned)", 1, wall, own)
        for plan in (root / "chunked" / ".cache" / "plans").glob("*.json"):
            if not plan.name.startswith("latest-"):
                plan.unlink()  # as after an edit: no plan of this version, the one from before the edit
        wall = command(root / "chunked", "--jobs", "2", "--force")
        row(f"chunked {slug} (2, after an edit)", 1, wall, own)
        wall = command(root / "chunked", "--jobs", "2", "--force")
        row(f"chunked {slug} (2, plan cached)", 1, wall, own)
    report["load_average_end"] = os.getloadavg()
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nfigures: {out}", file=sys.stderr)
    return 0


def render_command(slug: str, quality: str, folder: Path, *extra: str) -> tuple[float, str]:
    """One ``gdexplain render`` in a fresh process, as a user runs it: its wall time and what it printed on stderr."""
    cli = [sys.executable, "-c", "from gdexplain.cli import main; main()", "render", slug, "--quality", quality]
    start = time.perf_counter()
    done = subprocess.run([*cli, "--output-dir", str(folder), *extra], capture_output=True, text=True, timeout=3600)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise SystemExit(f"gdexplain render {slug} {' '.join(extra)} failed: {last}")
    return wall, done.stderr


def preview(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """The preview mode: every scene with --jobs 1 and with the default, side by side, and cached."""
    from gdexplain.cache import CACHE
    from gdexplain.chunks import Play, split

    quality = args.quality[0] if args.quality != ["low", "high"] else "low"
    try:
        chosen = [get_entry(s) for s in args.slugs] if args.slugs else entries()
    except InputError as err:
        parser.error(str(err))
    out, report = new_report("preview", args.json)
    report["settings"] = {"scenes": [e.slug for e in chosen], "quality": quality, "cores": os.cpu_count()}
    print(f"load average at start: {fmt_load(os.getloadavg())} on {os.cpu_count()} cores", flush=True)
    print(f"{'scene':<18} {'video s':>8} {'jobs 1 s':>9} {'default s':>9} {'def/j1':>7} {'def/len':>7} {'chunks':>6} {'cached s':>8}  load", flush=True)
    with tempfile.TemporaryDirectory(prefix="gdexplain-bench-") as tmp:
        root = Path(tmp)
        for entry in chosen:
            serial, _ = render_command(entry.slug, quality, root / entry.slug / "jobs1", "--jobs", "1")
            default, _ = render_command(entry.slug, quality, root / entry.slug / "default")
            cached, said = render_command(entry.slug, quality, root / entry.slug / "default")
            assert "reused from the cache" in said, said
            video = next((root / entry.slug / "default" / quality).glob("*.mp4"))
            frames, length = probe(video)
            plans = [p for p in (root / entry.slug / "default" / CACHE / "plans").glob("*.json") if not p.name.startswith("latest-")]
            plays = [Play(**p) for p in json.loads(plans[0].read_text())] if plans else []
            # How a first render cuts the scene: its first chunk has rendered while the scene was planned.
            pieces = len(split(plays, os.cpu_count() or 1, head_start=plays[-1].reached_s)) if plays else 1
            load = os.getloadavg()
            print(
                f"{entry.slug:<18} {length:8.1f} {serial:9.1f} {default:9.1f} {default / serial:7.2f} {default / length:7.3f} "
                f"{pieces:>6} {cached:8.2f}  {fmt_load(load)}",
                flush=True,
            )
            report["rows"].append({"scene": entry.slug, "video_s": length, "frames": frames, "jobs1_s": serial, "default_s": default,
                                   "chunks": pieces, "cached_s": cached, "load_average": load})
            out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nfigures: {out}", file=sys.stderr)
    return 0


def fmt_load(load: tuple[float, float, float]) -> str:
    """A load average as three figures."""
    return ", ".join(f"{x:.2f}" for x in load)


if __name__ == "__main__":
    sys.exit(main())
