"""Render many scenes at once: cached, in parallel worker processes, in chunks, or on a Dask cluster.

:func:`render_many` is the one way to render several scenes (``gdexplain
render --all``, several slugs, the lecture). For each scene it

1. looks the render up in the cache (:mod:`gdexplain.cache`) and reuses the
   earlier files when nothing changed (unless ``force``);
2. otherwise cuts it into tasks: the whole scene, or, when there are fewer
   scenes than workers, chunks of plays (:mod:`gdexplain.chunks`);
3. runs the tasks with :func:`run_task` in this process (``jobs=1``), in
   worker processes (``jobs=N``), or on a ``dask.distributed`` cluster
   (:mod:`gdexplain.cluster`). Every task returns its files' bytes, so workers
   need no file system shared with this machine;
4. joins a scene's chunks, stores the result in the cache and moves the video
   and its side files into place together (:mod:`gdexplain.outputs`).
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gdexplain import cache, chunks, i18n, outputs
from gdexplain.catalog import SceneEntry, get_entry
from gdexplain.core.errors import InputError
from gdexplain import render as rendering
from gdexplain.render import SIDE_SUFFIXES, RenderResult, check_request, edition_stem, output_path, quality

#: Environment variables that change a render (the narration pace); tasks carry them to their workers.
RENDER_ENVIRONMENT = ("GDEXPLAIN_WPM",)

# Manim's config is one global per process: tasks sharing a process (threads of
# one Dask worker) take turns.
_RENDER_LOCK = threading.Lock()


@dataclass(frozen=True)
class Task:
    """One render for a worker: a whole scene or one chunk of it."""

    slug: str
    overrides: Mapping[str, Any]
    options: Mapping[str, Any]  # keyword arguments of render_scene (quality_name, fmt, transparent, ...)
    chunk: chunks.Chunk | None = None
    environment: Mapping[str, str] = field(default_factory=dict)
    sources: str | None = None  # the package and scene digests the worker must have (cluster runs)


@dataclass(frozen=True)
class TaskOutput:
    """What a task rendered: each file's bytes by suffix (``None``: no such side file), and its figures."""

    files: dict[str, bytes | None]
    duration: float
    frames: int


def sources_of(entry: SceneEntry) -> str:
    """The digests of the package and of the scene's module, for checking that a worker runs the same code."""
    return f"{cache.package_digest()}:{cache.scene_digest(entry)}"


@contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in RENDER_ENVIRONMENT}
    for k in RENDER_ENVIRONMENT:
        if k in values:
            os.environ[k] = values[k]
        else:
            os.environ.pop(k, None)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def run_task(task: Task, work_root: str | None = None) -> TaskOutput:
    """Render one task in a private folder and return its files (runs in a worker process, local or remote).

    ``work_root``: an output folder whose ``.staging`` holds the work (swept
    if this process dies); without it, the system's temporary folder.
    """
    import socket

    entry = get_entry(task.slug)
    if task.sources is not None and sources_of(entry) != task.sources:
        raise InputError(
            f"the worker on {socket.gethostname()} has other gdexplain sources than this machine: "
            "install the same commit on every worker (pip install -e '.[cluster]' in a checkout)"
        )
    with _RENDER_LOCK, _environment(task.environment):
        work = outputs.new_staging(Path(work_root), f"{task.slug}-task") if work_root else Path(tempfile.mkdtemp(prefix="gdexplain-"))
        try:
            result = rendering.render_scene(entry, output_dir=work, overrides=task.overrides, chunk=task.chunk, **task.options)
            files: dict[str, bytes | None] = {result.path.suffix: result.path.read_bytes()}
            if result.path.suffix != ".png":
                stem = result.path.name[: -len(result.path.suffix)]  # momentum, or momentum.zh for another language
                for suffix in SIDE_SUFFIXES:
                    side = result.path.with_name(stem + suffix)
                    files[suffix] = side.read_bytes() if side in result.side_files else None
            return TaskOutput(files, result.duration, result.frames)
        finally:
            shutil.rmtree(work, ignore_errors=True)


# --- where tasks run ------------------------------------------------------------------------

Runner = Callable[[Sequence[Task]], Iterator[tuple[int, TaskOutput]]]


def inline_runner(work_root: Path) -> Runner:
    """Run tasks one after the other in this process."""

    def run(tasks: Sequence[Task]) -> Iterator[tuple[int, TaskOutput]]:
        for i, task in enumerate(tasks):
            yield i, run_task(task, str(work_root))

    return run


#: Seconds a terminated process may take to unwind before it removes its staging folders and exits anyway.
UNWIND_SECONDS = 20


def _terminate_as_interrupt(signum: int, frame: Any) -> None:
    # Unwind like Ctrl-C, so every cleanup runs; should unwinding hang (Manim's encoder
    # thread can, when interrupted mid-frame), a timer cleans up and exits.
    signal.signal(signal.SIGALRM, _exit_worker)
    signal.alarm(UNWIND_SECONDS)
    raise KeyboardInterrupt


def _exit_worker(signum: int, frame: Any) -> None:
    outputs.remove_own_staging()
    os._exit(128 + signum)


def _init_worker() -> None:
    # Pool.terminate() sends SIGTERM: a worker removes its staging folders and exits at once (unwinding
    # Manim mid-frame can leave its encoder thread waiting forever). Ctrl-C is the parent's to handle.
    signal.signal(signal.SIGTERM, _exit_worker)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from manim import config

    config.progress_bar = "none"  # several workers' progress bars would garble one terminal


def _run_indexed(job: tuple[int, Task, str]) -> tuple[int, TaskOutput]:
    index, task, work_root = job
    return index, run_task(task, work_root)


def process_runner(jobs: int, work_root: Path) -> Runner:
    """Run tasks in ``jobs`` worker processes of this machine (forked, so they start at once)."""

    def run(tasks: Sequence[Task]) -> Iterator[tuple[int, TaskOutput]]:
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else None)
        pool = context.Pool(min(jobs, len(tasks)), initializer=_init_worker)
        try:
            yield from pool.imap_unordered(_run_indexed, [(i, t, str(work_root)) for i, t in enumerate(tasks)])
            pool.close()
        finally:
            pool.terminate()  # on an error or an interrupt, stop the other renders (they clean up)
            pool.join()

    return run


@contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM unwinds like Ctrl-C (KeyboardInterrupt), so every cleanup runs."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _terminate_as_interrupt)
    try:
        yield
    finally:
        # An armed exit timer stays armed: the process is on its way out, and Manim's encoder
        # thread can still hold up the interpreter's exit after the block has unwound.
        signal.signal(signal.SIGTERM, previous)


# --- render_many ----------------------------------------------------------------------------


@dataclass
class _Scene:
    index: int
    entry: SceneEntry
    key: str
    overrides: Mapping[str, Any]
    tasks: list[int] = field(default_factory=list)
    done: dict[int, TaskOutput] = field(default_factory=dict)


def render_many(
    entries: Iterable[SceneEntry],
    *,
    quality_name: str,
    fmt: str = "mp4",
    output_dir: Path | str = "media",
    overrides_by_slug: Mapping[str, Mapping[str, Any]] | None = None,
    on_result: Callable[[RenderResult], None] | None = None,
    jobs: int | None = None,
    cluster: str | None = None,
    force: bool = False,
    **options: Any,
) -> list[RenderResult]:
    """Render scenes (cached, in parallel, chunked; see the module docstring); results in the order given.

    ``options`` are further keyword arguments of :func:`render_scene`
    (``transparent``, a voice...); they are part of the cache key.
    ``on_result`` is called with each result as soon as its files are in
    place (cache hits first). ``jobs`` worker processes (default: the
    number of cores) or the Dask scheduler at ``cluster`` do the rendering.
    """
    entries = list(entries)
    options = {"quality_name": quality_name, "fmt": fmt, **options}
    check_request(fmt, bool(options.get("transparent", False)))
    q = quality(quality_name)
    lang = i18n.check_language(options.get("lang", i18n.SOURCE_LANGUAGE))
    jobs = (os.cpu_count() or 1) if jobs is None else jobs
    if jobs < 1:
        raise InputError(f"--jobs must be at least 1, got {jobs}")
    overrides_by_slug = overrides_by_slug or {}
    output_dir = outputs.check_output_dir(output_dir)
    outputs.sweep_staging(output_dir)
    environment = {k: os.environ[k] for k in RENDER_ENVIRONMENT if k in os.environ}

    sources = cache.package_digest()
    results: list[RenderResult | None] = [None] * len(entries)
    todo: list[_Scene] = []
    for i, entry in enumerate(entries):
        overrides = dict(overrides_by_slug.get(entry.slug) or {})
        try:
            key = cache.render_key(entry, entry.resolve(overrides), options, sources)
        except TypeError as err:
            raise InputError(f"render_scene does not take that argument: {err}") from None
        hit = None if force else cache.restore(entry, key, quality_name=q.name, fmt=fmt, output_dir=output_dir, lang=lang)
        if hit is not None:
            results[i] = hit
            if on_result:
                on_result(hit)
        else:
            todo.append(_Scene(i, entry, key, overrides))
    if not todo:
        return results  # type: ignore[return-value]

    if cluster:
        from gdexplain import cluster as dask_cluster

        runner, workers = dask_cluster.runner(cluster)
    elif jobs == 1:
        runner, workers = inline_runner(output_dir), 1
    else:
        runner, workers = process_runner(jobs, output_dir), jobs

    parts = chunks.parts_for(workers, len(todo)) if _chunkable(fmt, options) else 1
    wanted: list[tuple[_Scene, chunks.Chunk | None, float]] = []  # a task, and the seconds it is expected to take
    for scene in todo:
        pieces: list[chunks.Chunk | None] = [None]
        expected = [0.0]  # unknown: whole scenes keep their order
        if parts > 1:
            settings = scene.entry.resolve(scene.overrides)
            plays = cache.plays(
                scene.entry, settings, q.fps, output_dir, lambda: chunks.plan(scene.entry, settings, q.fps, lang=lang), sources, lang
            )
            cut = chunks.split(plays, parts)
            pieces = list(cut) if len(cut) > 1 else [None]
            expected = [c.estimate for c in cut]
        wanted.extend(zip([scene] * len(pieces), pieces, expected))
    wanted.sort(key=lambda task: -task[2])  # longest first: no worker is left with a long one at the end
    tasks: list[Task] = []
    owner: list[_Scene] = []
    for scene, piece, _ in wanted:
        scene.tasks.append(len(tasks))
        owner.append(scene)
        tasks.append(Task(scene.entry.slug, scene.overrides, options, piece, environment, sources_of(scene.entry) if cluster else None))
    for scene in todo:  # joined in the scene's own order
        scene.tasks.sort(key=lambda t: tasks[t].chunk.first if tasks[t].chunk else 0)

    for t, out in runner(tasks):
        scene = owner[t]
        scene.done[t] = out
        if len(scene.done) == len(scene.tasks):
            result = _finish(scene, [scene.done[k] for k in scene.tasks], q.name, fmt, output_dir, lang)
            scene.done.clear()
            results[scene.index] = result
            if on_result:
                on_result(result)
    return results  # type: ignore[return-value]


def _chunkable(fmt: str, options: Mapping[str, Any]) -> bool:
    """Chunks are joined by stream copy of the picture only: silent videos in a chunkable format."""
    return fmt in chunks.CHUNKABLE_FORMATS and options.get("voice") in (None, "none")  # "none": render_scene's silent default


def _finish(
    scene: _Scene, parts: list[TaskOutput], quality_name: str, fmt: str, output_dir: Path, lang: str = "en"
) -> RenderResult:
    """Write a scene's task outputs, join its chunks, cache the set and move it into place."""
    slug = scene.entry.slug
    final = output_path(output_dir, quality(quality_name), slug, fmt, lang)
    last = parts[-1]  # the last chunk ran the whole scene: its side files are complete
    staging = outputs.new_staging(output_dir, f"{slug}-join")
    try:
        files: dict[str, Path | None] = {}
        for suffix, data in last.files.items():
            files[suffix] = None if data is None else staging / f"{edition_stem(slug, lang)}{suffix}"  # the joined video overwrites its own
            if data is not None:
                files[suffix].write_bytes(data)  # type: ignore[union-attr]
        if len(parts) > 1:
            pieces = []
            for n, part in enumerate(parts):
                piece = staging / f"chunk-{n}{final.suffix}"
                piece.write_bytes(part.files[final.suffix])  # type: ignore[arg-type]
                pieces.append(piece)
            chunks.join(pieces, staging / final.name)
        frames = sum(p.frames for p in parts)
        cache.store(scene.key, files, last.duration, frames, output_dir)
        side = outputs.install(files, final, quality_name, output_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return RenderResult(slug, final, last.duration, frames, side)
