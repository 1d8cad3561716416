"""The local worker processes of a parallel render (gdexplain.parallel.process_runner), with stand-in tasks.

Each test forks this process: the tasks are small functions put in place of
run_task, so nothing is rendered. The CLI-level interrupt tests (Ctrl-C,
SIGTERM, kill -9 of the parent) are in test_scale.py.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

import manim  # noqa: F401 - imported once here, not in every forked worker (each sets Manim's progress bar off)
from gdexplain import outputs, parallel
from gdexplain.parallel import Task, TaskOutput, process_runner


def gone(pid: int) -> bool:
    """No such process, or only its exit status is left (a zombie)."""
    try:
        return "\nState:\tZ" in Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True


def staging_leftovers(out: Path) -> list[Path]:
    root = out / outputs.STAGING
    return sorted(root.iterdir()) if root.exists() else []


def note_pid(folder: Path, slug: str) -> None:
    (folder / f"{slug}.pid").write_text(str(os.getpid()))


def pids(folder: Path) -> dict[str, int]:
    return {p.stem: int(p.read_text()) for p in folder.glob("*.pid")}


def use_tasks(monkeypatch, tmp_path: Path, behaviours: dict) -> None:
    """Workers run ``behaviours[slug](task)`` in place of a render, in a staging folder of their own, noting their pid."""

    def run_task(task: Task, work_root: str) -> TaskOutput:
        outputs.new_staging(Path(work_root), f"{task.slug}-task")
        note_pid(tmp_path, task.slug)
        return behaviours[task.slug](task)

    monkeypatch.setattr(parallel, "run_task", run_task)


def tasks(*slugs: str) -> list[Task]:
    return [Task(slug, {}, {}) for slug in slugs]


def sleep_long(task: Task) -> TaskOutput:
    time.sleep(300)
    raise AssertionError("never stopped")


def done(task: Task) -> TaskOutput:
    return TaskOutput({}, 0.0, 0)


@pytest.mark.timeout(120)
def test_results_come_back_whole_and_at_most_jobs_workers_run_at_once(tmp_path, monkeypatch):
    """Tasks are taken when a worker is free; a result of tens of MB comes back whole."""
    running = tmp_path / "running"
    running.mkdir()
    big = os.urandom(1 << 20) * 30

    def counted(task: Task) -> TaskOutput:
        me = running / task.slug
        me.touch()
        time.sleep(1.0)
        together = len(list(running.iterdir()))
        me.unlink()
        return TaskOutput({".mp4": big if task.slug == "big" else None}, 1.0, together)

    use_tasks(monkeypatch, tmp_path, {slug: counted for slug in ("big", "a", "b", "c", "d")})
    seen_running: list[int] = []

    def lazily():
        for task in tasks("big", "a", "b", "c", "d"):
            seen_running.append(len(list(running.iterdir())))
            yield task

    out = dict(process_runner(2, tmp_path / "media")(lazily()))
    assert sorted(out) == [0, 1, 2, 3, 4]
    assert out[0].files[".mp4"] == big
    assert max(o.frames for o in out.values()) == 2  # two at once, never three
    assert max(seen_running[2:]) <= 1  # a third task was taken only once a worker was done
    assert all(gone(pid) for pid in pids(tmp_path).values())
    assert len(set(pids(tmp_path).values())) == 5  # a process per task
    assert staging_leftovers(tmp_path / "media") == []


def born_in_the_worker() -> Exception:
    """An error whose class exists only in the worker's copy of this module: the parent cannot rebuild it."""
    cls = type("BornInTheWorker", (Exception,), {"__module__": __name__})
    globals()["BornInTheWorker"] = cls  # the worker is a forked copy: the parent's module never gets it
    return cls("one: two")


def fails_with(make_error):
    def fail(task: Task) -> TaskOutput:
        time.sleep(0.3)  # the other worker is under way
        raise make_error()

    return fail


def unpicklable() -> Exception:
    err = ValueError("holds a lambda")
    err.callback = lambda: None  # type: ignore[attr-defined]
    return err


@pytest.mark.timeout(120)
@pytest.mark.parametrize(
    "make_error, raised, text",
    [
        (lambda: ValueError("the scene broke"), ValueError, "the scene broke"),
        (unpicklable, RuntimeError, "ValueError: holds a lambda"),  # will not pickle: sent as a RuntimeError
        (born_in_the_worker, RuntimeError, "BornInTheWorker: one: two"),  # will not unpickle here
    ],
    ids=["error", "unpicklable", "unreadable"],
)
def test_an_error_in_a_task_names_its_scene_and_stops_the_others(tmp_path, monkeypatch, make_error, raised, text):
    use_tasks(monkeypatch, tmp_path, {"slow": sleep_long, "broken": fails_with(make_error)})
    started = time.monotonic()
    with pytest.raises(raised) as info:
        list(process_runner(2, tmp_path / "media")(tasks("slow", "broken")))
    assert time.monotonic() - started < 30
    err = info.value
    assert text in str(err)
    assert "broken" in str(err) + " ".join(getattr(err, "__notes__", []))
    assert "Traceback" in str(err.__cause__) and "fail" in str(err.__cause__)  # the worker's traceback
    assert all(gone(pid) for pid in pids(tmp_path).values()) and set(pids(tmp_path)) == {"slow", "broken"}
    assert staging_leftovers(tmp_path / "media") == []


def exits(task: Task) -> TaskOutput:
    os._exit(3)


def kills_itself(task: Task) -> TaskOutput:
    os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(60)
    raise AssertionError("not killed")


@pytest.mark.timeout(120)
@pytest.mark.parametrize("behaviour, status", [(exits, "exit code 3"), (kills_itself, "killed by SIGKILL")], ids=["exit", "kill"])
def test_a_worker_that_dies_without_a_result_is_an_error_naming_its_scene(tmp_path, monkeypatch, behaviour, status):
    use_tasks(monkeypatch, tmp_path, {"slow": sleep_long, "lost": behaviour})
    with pytest.raises(parallel.WorkerLost) as info:
        list(process_runner(2, tmp_path / "media")(tasks("slow", "lost")))
    assert "rendering lost ended without a result" in str(info.value) and status in str(info.value)
    assert all(gone(pid) for pid in pids(tmp_path).values())
    assert staging_leftovers(tmp_path / "media") == []  # the dead worker's too


def raises(kind: type[BaseException]):
    def run(task: Task) -> TaskOutput:
        time.sleep(0.3)
        raise kind()

    return run


@pytest.mark.timeout(120)
@pytest.mark.parametrize("kind", [KeyboardInterrupt, SystemExit])
def test_a_scene_interrupt_in_a_worker_stops_the_run_as_interrupted(tmp_path, monkeypatch, kind):
    use_tasks(monkeypatch, tmp_path, {"slow": sleep_long, "stopper": raises(kind)})
    with pytest.raises(KeyboardInterrupt, match=f"{kind.__name__} in the render of stopper"):
        list(process_runner(2, tmp_path / "media")(tasks("slow", "stopper")))
    assert all(gone(pid) for pid in pids(tmp_path).values()) and len(pids(tmp_path)) == 2
    assert staging_leftovers(tmp_path / "media") == []


@pytest.mark.timeout(120)
def test_a_consumer_that_stops_early_stops_the_workers(tmp_path, monkeypatch):
    """Closing the runner's iterator (an error or Ctrl-C in the caller) stops every worker still running."""
    use_tasks(monkeypatch, tmp_path, {"quick": done, "slow": sleep_long, "never": done})
    results = process_runner(2, tmp_path / "media")(tasks("quick", "slow", "never"))
    assert next(results)[0] == 0
    deadline = time.monotonic() + 30
    while "slow" not in pids(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.05)
    started = time.monotonic()
    results.close()
    assert time.monotonic() - started < parallel.STOP_SECONDS
    assert all(gone(pid) for pid in pids(tmp_path).values()) and set(pids(tmp_path)) == {"quick", "slow"}
    assert staging_leftovers(tmp_path / "media") == []


@pytest.mark.timeout(30)
def test_interrupt_exit_code_is_the_shells(monkeypatch):
    """130 for Ctrl-C (or a scene's KeyboardInterrupt), 143 once SIGTERM interrupted the block."""
    with parallel.terminate_as_interrupt():
        assert parallel.interrupt_exit_code() == 130
        monkeypatch.setattr(signal, "alarm", lambda seconds: 0)  # no exit timer in the test process
        previous = signal.getsignal(signal.SIGALRM)
        try:
            with pytest.raises(KeyboardInterrupt):
                os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(5)
        finally:
            signal.signal(signal.SIGALRM, previous)
    assert parallel.interrupt_exit_code() == 143
    with parallel.terminate_as_interrupt():
        assert parallel.interrupt_exit_code() == 130
