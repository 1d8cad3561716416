"""Render many scenes at once: cached, in parallel worker processes, in chunks, or on a Dask cluster.

:func:`render_many` is the one way to render several scenes (``gdexplain
render --all``, several slugs, the lecture). For each scene it

1. looks the render up in the cache (:mod:`gdexplain.cache`) and reuses the
   earlier files when nothing changed (unless ``force``);
2. otherwise cuts it into tasks: the whole scene, or, when there are fewer
   scenes than workers, chunks of plays (:mod:`gdexplain.chunks`; after an
   edit by the scene's earlier plan, rendered again should a chunk find it
   cannot start where it was cut);
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
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from gdexplain import cache, chunks, i18n, outputs
from gdexplain.catalog import SceneEntry, get_entry, load_scene_class
from gdexplain.core.errors import InputError
from gdexplain import render as rendering
from gdexplain.render import SIDE_SUFFIXES, Quality, RenderResult, check_request, edition_stem, output_path, quality

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
    plays: list[chunks.Play] | None = None  # a checked chunk's plays (see chunks.Chunk.check)
    unsafe: bool = False  # a checked chunk could not start where it was cut: nothing was rendered


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
            try:
                result = rendering.render_scene(entry, output_dir=work, overrides=task.overrides, chunk=task.chunk, **task.options)
            except Exception as err:
                if isinstance(err, chunks.UnsafeCut) or (task.chunk is not None and task.chunk.drew_nothing()):
                    return TaskOutput({}, 0.0, 0, unsafe=True)
                raise
            if task.chunk is not None and task.chunk.drew_nothing():
                return TaskOutput({}, 0.0, 0, unsafe=True)
            files: dict[str, bytes | None] = {result.path.suffix: result.path.read_bytes()}
            if result.path.suffix != ".png":
                stem = result.path.name[: -len(result.path.suffix)]  # momentum, or momentum.zh for another language
                for suffix in SIDE_SUFFIXES:
                    side = result.path.with_name(stem + suffix)
                    files[suffix] = side.read_bytes() if side in result.side_files else None
            seen = list(task.chunk.seen) if task.chunk is not None and task.chunk.check else None
            return TaskOutput(files, result.duration, result.frames, seen)
        finally:
            shutil.rmtree(work, ignore_errors=True)


# --- where tasks run ------------------------------------------------------------------------

Runner = Callable[[Iterable[Task]], Iterator[tuple[int, TaskOutput]]]


def inline_runner(work_root: Path) -> Runner:
    """Run tasks one after the other in this process."""

    def run(tasks: Iterable[Task]) -> Iterator[tuple[int, TaskOutput]]:
        for i, task in enumerate(tasks):
            yield i, run_task(task, str(work_root))

    return run


#: Seconds a terminated process may take to unwind before it removes its staging folders and exits anyway.
UNWIND_SECONDS = 20


def _terminate_as_interrupt(signum: int, frame: Any) -> None:
    # Unwind like Ctrl-C, so every cleanup runs; should unwinding hang (an interrupt landing
    # between a lock's acquire and its release inside Manim's frame queue deadlocks its encoder
    # thread), a timer cleans up and exits with the same word click prints for an interrupt.
    signal.signal(signal.SIGALRM, _abort_unwinding)
    signal.alarm(UNWIND_SECONDS)
    raise KeyboardInterrupt


def _abort_unwinding(signum: int, frame: Any) -> None:
    outputs.remove_own_staging()
    os.write(2, f"\nAborted! (stopping took over {UNWIND_SECONDS} s; the unfinished render was removed)\n".encode())
    os._exit(1)


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


class TaskInterrupted(Exception):
    """A task's scene raised KeyboardInterrupt or SystemExit in a worker process (the parent stops as if interrupted)."""


def _run_indexed(job: tuple[int, Task, str]) -> tuple[int, TaskOutput]:
    index, task, work_root = job
    try:
        return index, run_task(task, work_root)
    except Exception:
        raise
    except BaseException as err:  # would end the worker without a result, and the pool would wait for it forever
        raise TaskInterrupted(f"{type(err).__name__} in the render of {task.slug}") from None


def process_runner(jobs: int, work_root: Path) -> Runner:
    """Run tasks in ``jobs`` worker processes of this machine (forked, so they start at once).

    The tasks are taken one by one as they come (a task may still be in the
    making while the first ones render: see :class:`gdexplain.chunks.Handoff`).
    """

    def run(tasks: Iterable[Task]) -> Iterator[tuple[int, TaskOutput]]:
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else None)
        pool = context.Pool(jobs, initializer=_init_worker)
        finished = False
        try:
            yield from pool.imap_unordered(_run_indexed, ((i, t, str(work_root)) for i, t in enumerate(tasks)))
            finished = True
        except TaskInterrupted:
            raise KeyboardInterrupt from None
        finally:
            _stop_pool(pool, finished, work_root)

    return run


#: Seconds worker processes get to exit when a pool is stopped, before they are killed.
WORKER_EXIT_SECONDS = 10


def _stop_pool(pool: Any, finished: bool, work_root: Path) -> None:
    """Let the workers exit (every task done) or stop them (an error or an interrupt), never waiting forever.

    A finished pool is closed, so its idle workers leave on their own; otherwise
    ``terminate()`` sends them SIGTERM (they remove their staging folders and
    exit). Either way ``Pool`` joins its workers with no time limit, and a
    worker can miss that SIGTERM (seen: one waiting on the task queue's lock,
    its handler installed and nothing pending, while ``terminate()`` waited for
    it forever; CPython issues #73945, #96995), so a timer kills whichever
    worker is still alive after :data:`WORKER_EXIT_SECONDS` and the staging
    folders of killed workers are swept.
    """
    watchdog = threading.Timer(WORKER_EXIT_SECONDS, _kill_workers, [pool])
    watchdog.daemon = True
    watchdog.start()
    try:
        if finished:
            pool.close()
        else:
            pool.terminate()
        pool.join()
    finally:
        watchdog.cancel()
    outputs.sweep_staging(work_root)


def _kill_workers(pool: Any) -> None:
    for worker in list(pool._pool):  # private, but the only handle on the workers Pool.join waits for
        if worker.exitcode is None:
            worker.kill()


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
        for scene in todo:  # imported once here, not once in every forked worker
            load_scene_class(scene.entry)
        runner, workers = process_runner(jobs, output_dir), jobs

    request = _Request(q, fmt, output_dir, lang, options, environment, sources, cluster)
    parts = chunks.parts_for(workers, len(todo)) if _chunkable(fmt, options) else 1
    open_ended = not cluster and jobs > 1  # forked workers share memory with this process: see chunks.Handoff
    guess = True  # the first round may cut a scene by its plan from before an edit; a cut found unsafe is re-planned
    while todo:
        todo = _render_round(todo, runner, parts, guess, open_ended, request, results, on_result)
        guess = False
    return results  # type: ignore[return-value]


@dataclass(frozen=True)
class _Request:
    """What every task of one :func:`render_many` call shares."""

    quality: Quality
    fmt: str
    output_dir: Path
    lang: str
    options: Mapping[str, Any]  # render_scene's keyword arguments
    environment: Mapping[str, str]
    sources: str  # the package digest
    cluster: str | None


@dataclass
class _Cut:
    """A scene's chunks, and the earlier plan they were cut by (None: cut by the scene's own plan)."""

    pieces: list[chunks.Chunk | None]
    expected: list[float]
    earlier: list[chunks.Play] | None = None


def _cut(scene: _Scene, parts: int, plan: tuple[list[chunks.Play], bool] | None) -> _Cut:
    """How to cut a scene into ``parts`` workers' chunks by its kept ``plan`` (one piece, None: render it whole).

    ``plan``: the plays and whether they are exactly this scene's (not: from before an edit).
    """
    if parts <= 1 or plan is None:
        return _Cut([None], [0.0])  # unknown length: whole scenes keep their order
    plays, exact = plan
    cut = chunks.split(plays, parts)
    if len(cut) == 1:
        return _Cut([None], [cut[0].estimate])
    if exact:
        return _Cut(list(cut), [c.estimate for c in cut])
    # Cut by the plan from before an edit: every chunk checks its start, the last one notes the new plan.
    return _Cut([replace(c, check=True) for c in cut], [c.estimate for c in cut], plays)


def _render_round(
    todo: list[_Scene],
    runner: Runner,
    parts: int,
    guess: bool,
    open_ended: bool,
    request: _Request,
    results: list[RenderResult | None],
    on_result: Callable[[RenderResult], None] | None,
) -> list[_Scene]:
    """Render scenes as tasks on ``runner``; returns the scenes whose cut turned out unsafe (to render again).

    A scene with a kept plan is cut at once. One without is planned here,
    while (``open_ended``) its first chunk is already rendering: the plan
    then tells that chunk where to stop and the rest is cut from there.
    """
    tasks: list[Task] = []
    owner: list[_Scene] = []
    cuts: dict[int, _Cut] = {}
    fps, lang = request.quality.fps, request.lang

    def add(scene: _Scene, piece: chunks.Chunk | None) -> Task:
        task = Task(scene.entry.slug, scene.overrides, request.options, piece, request.environment,
                    sources_of(scene.entry) if request.cluster else None)
        scene.tasks.append(len(tasks))
        owner.append(scene)
        tasks.append(task)
        return task

    def settings(scene: _Scene) -> Mapping[str, Any]:
        return scene.entry.resolve(scene.overrides)

    stop_planning = threading.Event()

    def plan(scene: _Scene) -> tuple[list[chunks.Play], bool]:
        return cache.plays(scene.entry, settings(scene), fps, request.output_dir,
                           lambda: chunks.plan(scene.entry, settings(scene), fps, lang=lang, cancel=stop_planning),
                           request.sources, lang)

    ready: list[tuple[_Scene, chunks.Chunk | None, float]] = []  # a task, and the seconds it is expected to take
    later: list[_Scene] = []  # to plan while their first chunks render
    for scene in todo:
        scene.tasks, scene.done = [], {}
        kept = cache.kept_plays(scene.entry, settings(scene), fps, request.output_dir, request.sources, lang, guess) if parts > 1 else None
        if parts > 1 and kept is None:
            if open_ended:
                later.append(scene)
                continue
            kept = plan(scene)
        cut = cuts[scene.index] = _cut(scene, parts, kept)
        ready.extend(zip([scene] * len(cut.pieces), cut.pieces, cut.expected))
    ready.sort(key=lambda task: -task[2])  # longest first: no worker is left with a long one at the end
    handoff = chunks.open_handoff(len(later)) if later else None  # before the workers fork

    def stream() -> Iterator[Task]:
        started = time.perf_counter()
        for slot, scene in enumerate(later):
            yield add(scene, chunks.Chunk(0, None, handoff_slot=slot))
        for scene, piece, _ in ready:
            yield add(scene, piece)
        for slot, scene in enumerate(later):
            try:
                plays, _ = plan(scene)
            except BaseException:  # noqa: BLE001 - the scene's first chunk renders it whole and meets any scene error itself
                continue
            rest: list[Task] = []

            def choose(at: int) -> int:
                cut = chunks.split(plays, parts, head_start=time.perf_counter() - started, earliest=at + 1)
                rest.extend(add(scene, c) for c in cut[1:])  # known before the first chunk is told to stop
                return cut[1].first if len(cut) > 1 else 0

            handoff.cut(slot, choose)  # type: ignore[union-attr]
            yield from sorted(rest, key=lambda t: -t.chunk.estimate)  # type: ignore[union-attr]

    again: list[_Scene] = []
    finished = runner(stream())
    try:
        for t, out in finished:
            scene = owner[t]
            scene.done[t] = out
            if len(scene.done) < len(scene.tasks):
                continue
            order = sorted(scene.tasks, key=lambda k: tasks[k].chunk.first if tasks[k].chunk else 0)  # the scene's own order
            done = [scene.done[k] for k in order]
            scene.done.clear()
            if any(part.unsafe for part in done):
                again.append(scene)
                continue
            cut = cuts.get(scene.index)
            if cut is not None and cut.earlier is not None and done[-1].plays is not None:
                last = tasks[order[-1]].chunk
                new_plan = chunks.learned(done[-1].plays, last.first if last else 0, cut.earlier)
                cache.store_plays(scene.entry, settings(scene), fps, request.output_dir, new_plan, request.sources, lang)
            result = _finish(scene, done, request.quality.name, request.fmt, request.output_dir, lang)
            results[scene.index] = result
            if on_result:
                on_result(result)
    finally:
        stop_planning.set()  # a plan still running in the pool's feeder thread stops at its next play...
        finished.close()  # ...before the workers are stopped (which waits for that thread)
    return again


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
