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
   worker processes forked for one task each, at most ``jobs`` at once and
   all stopped when the run ends however it ends (:func:`process_runner`), or
   on a ``dask.distributed`` cluster (:mod:`gdexplain.cluster`). Every task
   returns its files' bytes, so workers need no file system shared with this
   machine;
4. joins a scene's chunks, stores the result in the cache and moves the video
   and its side files into place together (:mod:`gdexplain.outputs`).
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import pickle
import shutil
import signal
import struct
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from multiprocessing.connection import wait
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


#: Seconds worker processes get to exit after SIGTERM before their process groups are killed.
STOP_SECONDS = 3.0
#: Seconds to wait for killed processes to be gone (bounded: a process stuck in the kernel is left behind).
KILL_SECONDS = 5.0
#: The longest the parent waits on its workers in one go (it only keeps every wait bounded).
POLL_SECONDS = 1.0

_STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}
_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
_HEADER = struct.Struct("!Q")  # a worker's message is its length, then the bytes


class WorkerLost(RuntimeError):
    """A worker process ended without sending its task's result (killed, crashed)."""


class WorkerTraceback(Exception):
    """The traceback of an error raised in a worker process (the cause of the error raised again here)."""


@dataclass
class _Worker:
    """One task's worker process, as the parent sees it: the process, the read end of its result pipe, its folder."""

    index: int
    task: Task
    process: Any  # multiprocessing.process.BaseProcess
    fd: int
    folder: Path  # the worker's staging folders are made in here; this process removes it when the worker is gone
    data: bytearray = field(default_factory=bytearray)
    eof: bool = False
    answered: bool = False

    def read(self) -> None:
        """Read whatever the pipe holds now (it never blocks: the result may be tens of MB, sent in pieces)."""
        while not self.eof:
            try:
                piece = os.read(self.fd, 1 << 20)
            except BlockingIOError:
                return
            self.eof = not piece
            self.data += piece

    def message(self) -> tuple[str, bytes, str] | None:
        """The worker's message once it has all come (once only): its kind, pickled value and traceback text."""
        if self.answered or len(self.data) < _HEADER.size:
            return None
        (size,) = _HEADER.unpack_from(self.data)
        if len(self.data) < _HEADER.size + size:
            return None
        self.answered = True
        message = pickle.loads(memoryview(self.data)[_HEADER.size:])
        self.data = bytearray()
        return message

    def close(self) -> int | None:
        """Close the pipe, reap the process (gone, or waited for at most :data:`KILL_SECONDS`), remove its folder.

        Returns the exit code. The folder goes only now: a worker removing its
        staging folders on SIGTERM races with the encoder threads of its
        render, which can still be writing there.
        """
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
        self.process.join(KILL_SECONDS)
        code = self.process.exitcode
        if code is not None:
            self.process.close()
        shutil.rmtree(self.folder, ignore_errors=True)
        return code


def _describe(task: Task) -> str:
    return task.slug if task.chunk is None else f"{task.slug} (the chunk from play {task.chunk.first})"


def process_runner(jobs: int, work_root: Path) -> Runner:
    """Run tasks in forked worker processes of this machine, one process per task and at most ``jobs`` at once.

    This process owns every worker outright: each runs in its own process
    group and in a staging folder this process made, sends its result (or
    its error) back over its own pipe and exits; the kernel sends it SIGTERM
    should this process die. When the run ends, fails or is interrupted,
    every worker still alive gets SIGTERM, then SIGKILL after
    :data:`STOP_SECONDS`; each worker's folder is removed once it is gone,
    and the staging folders of dead processes are swept. No wait is without
    a time limit.

    Tasks are taken one by one, when a worker is free (a task may still be
    in the making while the first ones render: see
    :class:`gdexplain.chunks.Handoff`). They are taken in this thread, so no
    other thread of this process runs while a worker forks.
    """

    def run(tasks: Iterable[Task]) -> Iterator[tuple[int, TaskOutput]]:
        context = multiprocessing.get_context("fork")
        queue = enumerate(tasks)
        workers: list[_Worker] = []
        try:
            more = True
            while more or workers:
                while more and len(workers) < jobs:
                    job = next(queue, None)
                    more = job is not None
                    if job is not None:
                        _start(context, workers, *job, work_root)
                if workers:
                    yield from _collect(workers)
        finally:
            _stop(workers, work_root)

    return run


def _start(context: Any, workers: list[_Worker], index: int, task: Task, work_root: Path) -> None:
    """Fork a worker for ``task`` and add it to ``workers``.

    The worker works in a staging folder of this process (swept should both die).
    """
    folder = outputs.new_staging(work_root, f"{task.slug}-worker")
    read_fd, write_fd = os.pipe()
    os.set_blocking(read_fd, False)
    process = context.Process(target=_worker_main, args=(task, str(folder), read_fd, write_fd, os.getpid()),
                              name=f"gdexplain {task.slug}", daemon=True)
    try:
        # Ctrl-C or SIGTERM now would leave a forked worker that nobody stops: both wait until it is on the list.
        with _signals_held():
            try:
                process.start()
            except BaseException:
                os.close(read_fd)
                shutil.rmtree(folder, ignore_errors=True)
                raise
            try:
                os.setpgid(process.pid, process.pid)  # the worker does it too: whichever runs first
            except OSError:  # it has already exited
                pass
            workers.append(_Worker(index, task, process, read_fd, folder))
    finally:
        os.close(write_fd)  # the worker's end: once the worker exits, reading its pipe ends


def _collect(workers: list[_Worker]) -> Iterator[tuple[int, TaskOutput]]:
    """Wait (at most :data:`POLL_SECONDS`) for results and exits; yield the results, drop the workers that exited.

    A worker's pipe is read as soon as it is readable, before its exit is
    waited for: a worker blocks on sending a result larger than the pipe.
    """
    pipes = [w.fd for w in workers if not (w.answered or w.eof)]
    ready = set(wait(pipes + [w.process.sentinel for w in workers], POLL_SECONDS))
    for worker in list(workers):
        exited = worker.process.sentinel in ready
        if exited or worker.fd in ready:
            worker.read()
        message = worker.message()
        if message is not None:
            yield worker.index, _outcome_of(worker.task, message)
        if exited:
            status = _exit_status(worker.close())
            workers.remove(worker)
            if not worker.answered:
                raise WorkerLost(f"the worker process rendering {_describe(worker.task)} ended without a result ({status})")


def _exit_status(code: int | None) -> str:
    if code is None:
        return "still running"
    if code < 0:
        return f"exit code {code}: killed by {signal.Signals(-code).name}"
    return f"exit code {code}"


def _outcome_of(task: Task, message: tuple[str, bytes, str]) -> TaskOutput:
    """A worker's result, or its error raised here again."""
    kind, value, text = message
    if kind == "done":
        return pickle.loads(value)
    if kind == "interrupted":  # the scene raised KeyboardInterrupt or SystemExit: stop as if interrupted
        raise KeyboardInterrupt(text)
    try:
        err = pickle.loads(value)
    except Exception:  # a class this process cannot load (say, defined by the scene in the worker only)
        err = RuntimeError(f"the render of {_describe(task)} failed: {text.strip().splitlines()[-1]}")
    err.add_note(f"(in the render of {_describe(task)}, in a worker process)")
    raise err from WorkerTraceback(f"\n{text}")


def _stop(workers: list[_Worker], work_root: Path) -> None:
    """Stop every worker still alive, its whole process group, and sweep the staging folders of dead processes.

    SIGTERM first (a worker removes its staging folders and exits at once);
    a worker that does not exit within :data:`STOP_SECONDS` (it ignores or
    missed the signal, it is stuck in native code) is killed, and its folder
    removed here. Ctrl-C and SIGTERM wait until this is done: cut short, it
    would leave workers running.
    """
    with _signals_held():
        _signal_groups(workers, signal.SIGTERM)
        _wait_for_exits(workers, STOP_SECONDS)
        _signal_groups(workers, signal.SIGKILL)
        _wait_for_exits(workers, KILL_SECONDS)
        for worker in workers:
            worker.close()
        workers.clear()
        outputs.sweep_staging(work_root)


def _signal_groups(workers: list[_Worker], signum: int) -> None:
    for worker in workers:
        # Only an unreaped worker: its pid, the group's id, cannot have been reused.
        if worker.process.exitcode is None:
            try:
                os.killpg(worker.process.pid, signum)
            except ProcessLookupError:
                pass


def _wait_for_exits(workers: list[_Worker], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        running = [w.process.sentinel for w in workers if w.process.exitcode is None]
        if not running:
            return
        wait(running, left)


@contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back (this thread) within the block; they are delivered after it."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


# --- in a worker process ---


def _worker_main(task: Task, work_root: str, read_fd: int, write_fd: int, parent: int) -> None:
    """A worker process's whole life: set up, run the task, send the outcome, exit (never returns).

    It starts with SIGINT and SIGTERM held (see :func:`_start`).
    """
    code = 0
    try:
        os.close(read_fd)
        os.setpgid(0, 0)  # signals for the parent's group (Ctrl-C in a terminal) are not for it
        # On SIGTERM it removes its staging folders and exits at once (unwinding Manim mid-frame can leave
        # its encoder thread waiting forever). Ctrl-C is the parent's to handle.
        signal.signal(signal.SIGTERM, _exit_worker)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        _die_with(parent)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)
        from manim import config

        config.progress_bar = "none"  # several workers' progress bars would garble one terminal
        _send(write_fd, _outcome(task, work_root))
    except BaseException:  # noqa: BLE001 - no result could be sent: the parent reports the exit code
        code = 1
        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # noqa: BLE001 - a closed stream: nothing to flush
                pass
        os._exit(code)  # no interpreter shutdown: it could wait on a thread the scene left behind


def _exit_worker(signum: int, frame: Any) -> None:
    outputs.remove_own_staging()
    os._exit(128 + signum)


def _die_with(parent: int) -> None:
    """Have the kernel send this process SIGTERM when ``parent`` dies (Linux); elsewhere, watch for it."""
    try:
        armed = ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) == 0
    except (OSError, AttributeError):  # not Linux
        armed = False
    if not armed:
        threading.Thread(target=_watch_parent, args=(parent,), name="gdexplain parent watch", daemon=True).start()
    if os.getppid() != parent:  # it died before the kernel was asked
        _exit_worker(signal.SIGTERM, None)


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.5)
    os.kill(os.getpid(), signal.SIGTERM)


def _outcome(task: Task, work_root: str) -> bytes:
    """Run the task; its outcome as a message for the parent: kind, pickled value, traceback text."""
    try:
        output = run_task(task, work_root)
    except Exception as err:
        text = "".join(traceback.format_exception(err))
        try:
            value = pickle.dumps(err)
        except Exception:  # noqa: BLE001 - it holds something that does not pickle
            value = pickle.dumps(RuntimeError(f"the render of {_describe(task)} failed: {type(err).__name__}: {err}"))
        return pickle.dumps(("error", value, text))
    except BaseException as err:  # KeyboardInterrupt, SystemExit: raised by the scene (Ctrl-C does not reach a worker)
        return pickle.dumps(("interrupted", b"", f"{type(err).__name__} in the render of {_describe(task)}"))
    return pickle.dumps(("done", pickle.dumps(output, pickle.HIGHEST_PROTOCOL), ""), pickle.HIGHEST_PROTOCOL)


def _send(fd: int, message: bytes) -> None:
    """Write a message with its length before it (blocks while the parent has not read the pipe empty)."""
    view = memoryview(_HEADER.pack(len(message)) + message)
    while view:
        view = view[os.write(fd, view):]


# --- SIGTERM in the parent ---

#: Seconds an interrupted process may take to unwind before it removes its staging folders and exits anyway.
UNWIND_SECONDS = 20

_interrupted_by: int | None = None  # the signal that interrupted the current terminate_as_interrupt block


def _terminate_as_interrupt(signum: int, frame: Any) -> None:
    # Unwind like Ctrl-C, so every cleanup runs. A render in this process (jobs=1) can hang while
    # unwinding: an interrupt landing between a lock's acquire and its release inside Manim's frame
    # queue deadlocks its encoder thread. So a timer cleans up and exits, with the word click prints
    # for an interrupt. (Worker processes never unwind Manim: they exit on SIGTERM.)
    global _interrupted_by
    if _interrupted_by is None:
        _interrupted_by = signum
        signal.signal(signal.SIGALRM, _abort_unwinding)
        signal.alarm(UNWIND_SECONDS)
    raise KeyboardInterrupt


def _abort_unwinding(signum: int, frame: Any) -> None:
    outputs.remove_own_staging()
    os.write(2, f"\nAborted! (stopping took over {UNWIND_SECONDS} s; the unfinished render was removed)\n".encode())
    os._exit(interrupt_exit_code())


def interrupt_exit_code() -> int:
    """The exit code for an interrupted command, as shells report a signal: 130 for Ctrl-C, 143 for SIGTERM.

    143 once SIGTERM has interrupted the current (or the latest) :func:`terminate_as_interrupt` block.
    """
    return 128 + (_interrupted_by or signal.SIGINT)


@contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM unwinds like Ctrl-C (KeyboardInterrupt), so every cleanup runs."""
    global _interrupted_by
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _interrupted_by = None
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
    environment = {k: os.environ[k] for k in RENDER_ENVIRONMENT if k in os.environ}

    results: list[RenderResult | None] = [None] * len(entries)
    todo: list[_Scene] = []
    for i, (entry, overrides, key) in enumerate(_keys(entries, overrides_by_slug, options)):
        hit = None if force else cache.restore(entry, key, quality_name=q.name, fmt=fmt, output_dir=output_dir, lang=lang)
        if hit is not None:
            results[i] = hit
            if on_result:
                on_result(hit)
        else:
            todo.append(_Scene(i, entry, key, overrides))
    if not todo:
        return results  # type: ignore[return-value]
    rendering.require_manim()  # only now: a request the cache answers whole never loads Manim
    outputs.sweep_staging(output_dir)

    if cluster:
        from gdexplain import cluster as dask_cluster

        runner, workers = dask_cluster.runner(cluster)
    elif jobs == 1:
        runner, workers = inline_runner(output_dir), 1
    else:
        for scene in todo:  # imported once here, not once in every forked worker
            load_scene_class(scene.entry)
        runner, workers = process_runner(jobs, output_dir), jobs

    request = _Request(q, fmt, output_dir, lang, options, environment, cluster)
    parts = chunks.parts_for(workers, len(todo)) if _chunkable(fmt, options) else 1
    open_ended = not cluster and jobs > 1  # forked workers share memory with this process: see chunks.Handoff
    guess = True  # the first round may cut a scene by its plan from before an edit; a cut found unsafe is re-planned
    while todo:
        todo = _render_round(todo, runner, parts, guess, open_ended, request, results, on_result)
        guess = False
    return results  # type: ignore[return-value]


def _keys(
    entries: Iterable[SceneEntry], overrides_by_slug: Mapping[str, Mapping[str, Any]], options: Mapping[str, Any]
) -> Iterator[tuple[SceneEntry, dict[str, Any], str]]:
    """Each scene with its ``--set`` overrides and its cache key."""
    for entry in entries:
        overrides = dict(overrides_by_slug.get(entry.slug) or {})
        try:
            yield entry, overrides, cache.render_key(entry, entry.resolve(overrides), options)
        except TypeError as err:
            raise InputError(f"render_scene does not take that argument: {err}") from None


def needs_rendering(
    entries: Iterable[SceneEntry],
    *,
    quality_name: str,
    fmt: str = "mp4",
    output_dir: Path | str = "media",
    overrides_by_slug: Mapping[str, Mapping[str, Any]] | None = None,
    force: bool = False,
    **options: Any,
) -> bool:
    """Whether :func:`render_many` with these arguments would render anything (not every file is cached); writes nothing."""
    if force:
        return True
    options = {"quality_name": quality_name, "fmt": fmt, **options}
    return any(not cache.has(Path(output_dir), key) for _, _, key in _keys(entries, overrides_by_slug or {}, options))


@dataclass(frozen=True)
class _Request:
    """What every task of one :func:`render_many` call shares."""

    quality: Quality
    fmt: str
    output_dir: Path
    lang: str
    options: Mapping[str, Any]  # render_scene's keyword arguments
    environment: Mapping[str, str]
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

    def plan(scene: _Scene) -> tuple[list[chunks.Play], bool]:
        return cache.plays(scene.entry, settings(scene), fps, request.output_dir,
                           lambda: chunks.plan(scene.entry, settings(scene), fps, lang=lang),
                           lang)

    ready: list[tuple[_Scene, chunks.Chunk | None, float]] = []  # a task, and the seconds it is expected to take
    later: list[_Scene] = []  # to plan while their first chunks render
    for scene in todo:
        scene.tasks, scene.done = [], {}
        kept = cache.kept_plays(scene.entry, settings(scene), fps, request.output_dir, lang, guess) if parts > 1 else None
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
            except Exception:  # noqa: BLE001 - the scene's first chunk renders it whole and meets any scene error itself
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
                cache.store_plays(scene.entry, settings(scene), fps, request.output_dir, new_plan, lang)
            result = _finish(scene, done, request.quality.name, request.fmt, request.output_dir, lang)
            results[scene.index] = result
            if on_result:
                on_result(result)
    finally:
        finished.close()  # stops the runner's workers now, also when this round fails or is interrupted
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
