"""Faults a user meets, each ending in one line and a non-zero exit, with no litter and no earlier output touched:
a full disk, an unwritable ``script -o``, a malformed ``--cluster``, a damaged cache entry, an empty
``--output-dir``, a key given twice, ``--preview`` without a display, language spellings, the memory of a
long ``trace`` and the size of a whole-scene GIF (issue 25).

Costs: tiny scenes at the "test" quality (a second or two each); the full-disk and ``script -o`` cases also
run on a real 1 MB tmpfs when this machine lets the tests mount one (as root), and are skipped otherwise.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from gdexplain import cache, i18n, outputs
from gdexplain.catalog import get_entry
from gdexplain.cli import main
from gdexplain.core import trace as trace_table
from gdexplain.core.errors import InputError
from gdexplain.core.optimizers import make_optimizer
from gdexplain.core.schedules import parse_schedule
from gdexplain.core.surfaces import get_surface
from gdexplain.core.trajectory import Walk, run
from gdexplain.parallel import render_many
from test_cli_render import invoke, one_line_error
from test_scale import gone, staging_leftovers

ENTRY = get_entry("ball-downhill")
SIDES = (".srt", ".vtt", ".script.md")
EARLIER = b"earlier good video"


@pytest.fixture(autouse=True)
def default_rate(monkeypatch):
    monkeypatch.delenv("GDEXPLAIN_WPM", raising=False)


def one_beat(self) -> None:
    """A tiny scene: one beat, two plays."""
    from manim import Dot, FadeIn, Rotate, Square

    square = Square(1.0)
    with self.narrate("A dot appears, then a square turns."):
        self.play(FadeIn(Dot([-2, 0, 0])), run_time=0.4)
        self.play(FadeIn(square), run_time=0.4)
        self.play(Rotate(square, 1.0), run_time=0.8)


def render_cli(out: Path, *args: str):
    """``gdexplain render ball-downhill -q test --output-dir OUT ARGS`` through click, exceptions reported on the result."""
    return CliRunner().invoke(main, ["render", "ball-downhill", "-q", "test", "--output-dir", str(out), *args])


def last_line_error(result, *words: str) -> str:
    """A failed render: non-zero exit, nothing on stdout, no traceback, and one ``Error: ...`` line, the last one on stderr."""
    assert result.exit_code not in (0, None), result.stderr
    assert result.stdout == "", result.stdout
    assert isinstance(result.exception, SystemExit), result.exc_info
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line.split("\r")[-1] for line in result.stderr.splitlines()]  # past the progress bars' carriage returns
    errors = [line for line in lines if line.startswith("Error: ")]
    assert len(errors) == 1 and lines[-1] == errors[0], result.stderr
    for w in words:
        assert w in errors[0], (w, errors[0])
    return errors[0]


def earlier_outputs(out: Path) -> Path:
    """An earlier good video and its side files in place; returns the video's path."""
    final = out / "test" / "ball-downhill.mp4"
    final.parent.mkdir(parents=True)
    final.write_bytes(EARLIER)
    for suffix in SIDES:
        final.with_name("ball-downhill" + suffix).write_bytes(EARLIER + suffix.encode())
    return final


def assert_untouched(final: Path) -> None:
    assert final.read_bytes() == EARLIER
    assert sorted(p.name for p in final.parent.iterdir()) == sorted(["ball-downhill.mp4", *("ball-downhill" + s for s in SIDES)])
    for suffix in SIDES:
        assert final.with_name("ball-downhill" + suffix).read_bytes() == EARLIER + suffix.encode()


def litter(out: Path) -> list[Path]:
    """Staging folders, half-written plans, and cache entries that are not whole."""
    left = sorted((out / outputs.STAGING).iterdir()) if (out / outputs.STAGING).exists() else []
    plans = out / cache.CACHE / "plans"
    left += sorted(p for p in plans.iterdir() if p.name.startswith(".")) if plans.exists() else []
    return left + [e for e in cache_entries(out) if not cache._whole(e)]


def cache_entries(out: Path) -> list[Path]:
    root = out / cache.CACHE
    return sorted(p for p in root.iterdir() if p.name != "plans") if root.exists() else []


def no_space(path: object = None) -> OSError:
    return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), *([] if path is None else [str(path)]))


# --- 1. a full disk -------------------------------------------------------------------------------


def fail_final_install(monkeypatch) -> None:
    """Installing the finished set in place finds the disk full (the task's own install, in staging, works)."""
    real = outputs.install

    def install(files, final, quality_name, output_dir):
        if outputs.STAGING in final.parts:
            return real(files, final, quality_name, output_dir)
        raise no_space(final)

    monkeypatch.setattr(outputs, "install", install)


def fail_cache_entry(monkeypatch) -> None:
    """Writing a cache entry's result.json finds the disk full."""
    real = Path.write_text

    def write_text(self, *args, **kwargs):
        if self.name == cache.RESULT_FILE:
            raise no_space(self)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", write_text)


def fail_worker_result(monkeypatch) -> None:
    """A worker process finds the disk full writing its video (the error crosses back from the fork)."""
    def retime(path):
        raise no_space(path)

    monkeypatch.setattr("gdexplain.video_clock.retime_file", retime)


def fail_in_manim_encoder(monkeypatch) -> None:
    """Manim's encoder meets the full disk and wraps it in a RuntimeError of its own."""
    from types import SimpleNamespace

    import av
    from manim.scene import video_segment_encoder

    def full(*args, **kwargs):
        raise no_space()

    frames = SimpleNamespace(from_ndarray=full)
    monkeypatch.setattr(video_segment_encoder, "av", SimpleNamespace(**{**vars(av), "VideoFrame": frames}))


FULL_DISK = {
    "installing-outputs": (fail_final_install, "1"),
    "writing-the-cache-entry": (fail_cache_entry, "1"),
    "a-worker-writing-its-video": (fail_worker_result, "2"),
    "inside-manims-encoder": (fail_in_manim_encoder, "1"),
}


@pytest.mark.timeout(120)
@pytest.mark.parametrize("where", FULL_DISK)
def test_a_full_disk_is_one_line_with_no_litter_and_earlier_outputs_kept(tmp_path, tiny_scene, monkeypatch, where):
    fault, jobs = FULL_DISK[where]
    tiny_scene(one_beat)
    out = tmp_path / "media"
    final = earlier_outputs(out)
    with monkeypatch.context() as mp:
        fault(mp)
        result = render_cli(out, "--jobs", jobs)
    last_line_error(result, f"no space left on device in {out}: free some space or pass another --output-dir")
    assert_untouched(final)
    assert litter(out) == []
    # With room again, the next render finishes (from a whole cache entry, if one was stored before the fault).
    again = render_cli(out, "--jobs", jobs)
    assert again.exit_code == 0, again.stderr
    assert final.read_bytes() != EARLIER and litter(out) == []


def mount_tmpfs(folder: Path) -> None:
    """Mount a 1 MB tmpfs on ``folder``, or skip the test where this machine does not allow it."""
    folder.mkdir()
    if shutil.which("mount") is None or os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(folder)], capture_output=True, timeout=20)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")


@pytest.fixture
def small_disk(tmp_path) -> Iterator[Callable[[int], Path]]:
    """A real 1 MB tmpfs; ``fill(kb)`` leaves about ``kb`` KB free on it and returns its folder."""
    where = tmp_path / "disk"
    mount_tmpfs(where)

    def fill(kb: int) -> Path:
        free = shutil.disk_usage(where).free // 1024
        with open(where / "filler", "wb") as f:
            f.write(b"\0" * (max(free - kb, 0) * 1024))
        return where

    try:
        yield fill
    finally:
        if subprocess.run(["umount", str(where)], capture_output=True, timeout=20).returncode != 0:
            subprocess.run(["umount", "-l", str(where)], capture_output=True, timeout=20)


@pytest.mark.timeout(120)
@pytest.mark.parametrize("free_kb, jobs", [(4, "1"), (24, "1"), (4, "2"), (24, "2")])
def test_a_render_on_a_really_full_disk_is_one_line(small_disk, tiny_scene, free_kb, jobs):
    tiny_scene(one_beat)
    out = small_disk(1024) / "media"
    final = earlier_outputs(out)
    small_disk(free_kb)
    result = render_cli(out, "--jobs", jobs)
    last_line_error(result, f"no space left on device in {out}: free some space or pass another --output-dir")
    assert_untouched(final)
    assert litter(out) == []


# --- 2. script -o to a path it cannot write -------------------------------------------------------


def unwritable_paths(tmp_path: Path) -> dict[str, tuple[str, list[str]]]:
    (tmp_path / "a-file").write_text("in the way")
    return {
        "missing-folder": ("/proc/x/a.md", ["cannot write to '/proc/x/a.md'", "no folder /proc/x", "-o"]),
        "file-as-folder": (str(tmp_path / "a-file" / "a.md"), ["a file is in the way", "-o"]),
        "device": ("/dev/full", ["'/dev/full' (not a regular file)", "leave -o out"]),
        "name-too-long": (str(tmp_path / ("x" * 300 + ".md")), ["the name is too long", "-o"]),
        "empty": ("", ["-o is empty"]),
        "folder": (str(tmp_path), [f"'{tmp_path}' (a folder)", "name a file with -o"]),
    }


@pytest.mark.timeout(60)
@pytest.mark.parametrize("case", ["missing-folder", "file-as-folder", "device", "name-too-long", "empty", "folder"])
def test_script_to_an_unwritable_path_is_refused_before_the_dry_run(tmp_path, monkeypatch, case):
    def dry_run(*args, **kwargs):
        raise AssertionError("the dry run ran before the path was checked")

    monkeypatch.setattr("gdexplain.render.narration_script", dry_run)
    path, words = unwritable_paths(tmp_path)[case]
    before = sorted(tmp_path.iterdir())
    started = time.monotonic()
    one_line_error(invoke("script", "ball-downhill", "-o", path), *words)
    assert time.monotonic() - started < 5
    assert sorted(tmp_path.iterdir()) == before


@pytest.mark.timeout(60)
def test_a_failed_script_write_keeps_the_old_file_and_leaves_nothing(tmp_path, tiny_scene, monkeypatch):
    tiny_scene(one_beat)
    target = tmp_path / "script.md"
    target.write_text("earlier script")
    real = os.replace

    def replace(src, dst):
        if Path(dst) == target:
            raise no_space(dst)
        return real(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    one_line_error(invoke("script", "ball-downhill", "-o", str(target)), f"no space left on device in {tmp_path}", "-o")
    assert target.read_text() == "earlier script"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["script.md"]


@pytest.mark.timeout(60)
def test_script_on_a_really_full_disk_keeps_the_old_file(small_disk, tiny_scene):
    tiny_scene(one_beat)
    folder = small_disk(1024)
    (folder / "script.md").write_text("earlier script")
    small_disk(0)
    one_line_error(invoke("script", "ball-downhill", "-o", str(folder / "script.md")), "no space left on device in", "-o")
    assert (folder / "script.md").read_text() == "earlier script"
    assert sorted(p.name for p in folder.iterdir()) == ["filler", "script.md"]


@pytest.mark.timeout(60)
def test_script_replaces_the_file_a_link_points_to(tmp_path, tiny_scene):
    tiny_scene(one_beat)
    real_file = tmp_path / "real.md"
    real_file.write_text("old")
    (tmp_path / "link.md").symlink_to(real_file)
    result = invoke("script", "ball-downhill", "-o", str(tmp_path / "link.md"))
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "link.md").is_symlink() and "A dot appears" in real_file.read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.md", "real.md"]


# --- 3. a malformed --cluster -----------------------------------------------------------------------


@pytest.mark.timeout(60)
@pytest.mark.parametrize("command", ["render", "lecture"])
@pytest.mark.parametrize("address", ["tcp://127.0.0.1:abc", "http://x", "", "tcp://127.0.0.1:99999"])
def test_a_malformed_cluster_is_one_line_at_once(tmp_path, command, address):
    """In a process of its own: Dask's client, given a bad address, stalled 20 s at exit and printed a traceback."""
    out = tmp_path / "media"
    args = [command, "ball-downhill", "-q", "test", "--cluster", address, "--output-dir", str(out)]
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", "from gdexplain.cli import main; main()", *args],
                          capture_output=True, text=True, timeout=50)
    took = time.monotonic() - started
    assert done.returncode != 0 and done.stdout == ""
    assert done.stderr.splitlines() == [done.stderr.strip()], done.stderr
    assert done.stderr.startswith("Error: --cluster ") and "--cluster needs tcp://HOST:PORT" in done.stderr
    assert took < 15, f"{took:.0f} s"
    assert not out.exists(), "nothing may render locally instead"


# --- 4. a damaged cache entry ---------------------------------------------------------------------------


def truncate_result(entry: Path) -> None:
    text = (entry / cache.RESULT_FILE).read_text()
    (entry / cache.RESULT_FILE).write_text(text[: len(text) // 2])


def remove_a_file(entry: Path) -> None:
    (entry / "ball-downhill.srt").unlink()


@pytest.mark.timeout(120)
@pytest.mark.parametrize("damage", [truncate_result, remove_a_file], ids=["truncated-result", "missing-file"])
def test_a_damaged_cache_entry_is_named_and_replaced(tmp_path, tiny_scene, damage):
    tiny_scene(one_beat)
    assert render_cli(tmp_path, "--jobs", "1").exit_code == 0
    (entry,) = cache_entries(tmp_path)
    damage(entry)

    result = render_cli(tmp_path, "--jobs", "1")
    assert result.exit_code == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and "the cached render of ball-downhill was damaged" in warnings[0], result.stderr
    assert warnings[0].endswith("rendering it again") and "· rendered" in result.stderr
    assert cache_entries(tmp_path) == [entry] and cache._whole(entry)

    third = render_cli(tmp_path, "--jobs", "1")
    assert "reused from the cache" in third.stderr and "warning" not in third.stderr
    assert litter(tmp_path) == []


@pytest.mark.timeout(120)
def test_a_forced_render_replaces_a_damaged_entry(tmp_path, tiny_scene):
    tiny_scene(one_beat)
    render_many([ENTRY], quality_name="test", output_dir=tmp_path, jobs=1)
    (entry,) = cache_entries(tmp_path)
    truncate_result(entry)
    render_many([ENTRY], quality_name="test", output_dir=tmp_path, jobs=1, force=True)
    assert cache_entries(tmp_path) == [entry] and cache._whole(entry)
    assert render_many([ENTRY], quality_name="test", output_dir=tmp_path, jobs=1)[0].cached


@pytest.mark.timeout(60)
def test_a_full_disk_while_restoring_keeps_the_cache_entry(tmp_path, tiny_scene, monkeypatch):
    """Not a damaged entry: the entry stays, and the error says what to do."""
    tiny_scene(one_beat)
    render_many([ENTRY], quality_name="test", output_dir=tmp_path, jobs=1)
    (entry,) = cache_entries(tmp_path)
    (tmp_path / "test" / "ball-downhill.mp4").unlink()

    def full(*args, **kwargs):
        raise no_space()

    monkeypatch.setattr(outputs, "install", full)
    last_line_error(render_cli(tmp_path, "--jobs", "1"), "no space left on device")
    assert cache_entries(tmp_path) == [entry] and cache._whole(entry) and litter(tmp_path) == []


# --- 7. an empty --output-dir ---------------------------------------------------------------------------------


@pytest.mark.timeout(60)
@pytest.mark.parametrize("command", [["render", "ball-downhill"], ["lecture", "ball-downhill"]], ids=["render", "lecture"])
def test_an_empty_output_dir_is_refused(tmp_path, monkeypatch, command):
    def no_render(*args, **kwargs):
        raise AssertionError("nothing may render into the current folder")

    monkeypatch.setattr("gdexplain.render.render_scene", no_render)
    monkeypatch.chdir(tmp_path)
    one_line_error(invoke(*command, "-q", "test", "--output-dir", ""), "--output-dir is empty", "--output-dir media")
    assert list(tmp_path.iterdir()) == []


# --- 8. a key given twice ---------------------------------------------------------------------------------


REPEATED = [
    (["render", "ball-downhill", "--set", "steps=5", "--set", "steps=10"], ["--set steps is given twice", "give each key once"]),
    (["script", "ball-downhill", "--set", "lr=0.1", "--set", " lr=0.2"], ["--set lr is given twice"]),
    (["trace", "--optimizer", "momentum", "--param", "beta=0.9", "--param", "beta=0.5"], ["--param beta is given twice"]),
    (["trace", "--schedule", "step:every=2,gamma=0.5,every=100"], ["every is given twice", "give each setting once"]),
]


@pytest.mark.timeout(60)
@pytest.mark.parametrize("args, words", REPEATED, ids=[" ".join(a[:1] + a[-2:]) for a, _ in REPEATED])
def test_a_key_given_twice_is_refused(tmp_path, monkeypatch, args, words):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("gdexplain.render.render_scene", lambda *a, **k: pytest.fail("rendered despite the repeated key"))
    one_line_error(invoke(*args), *words)
    assert list(tmp_path.iterdir()) == []


def test_a_schedule_setting_given_twice_is_an_input_error():
    with pytest.raises(InputError, match="every is given twice"):
        parse_schedule("step:every=2,every=100")
    assert parse_schedule("step:every=2,gamma=0.5") == parse_schedule("step:gamma=0.5,every=2")


# --- 9. --preview without a display ------------------------------------------------------------------------


@pytest.mark.timeout(60)
@pytest.mark.parametrize("display", [None, ":0"], ids=["no-display", "display"])
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="elsewhere there is always a display")
def test_preview_without_a_display_says_so_and_still_renders(tmp_path, tiny_scene, monkeypatch, display):
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    if display is None:
        monkeypatch.delenv("DISPLAY", raising=False)
    else:
        monkeypatch.setenv("DISPLAY", display)
    opened: list[str] = []
    monkeypatch.setattr("click.launch", lambda url, *a, **k: opened.append(url) or 0)
    tiny_scene(one_beat)
    result = render_cli(tmp_path, "--jobs", "1", "--preview")
    assert result.exit_code == 0, result.stderr
    video = tmp_path / "test" / "ball-downhill.mp4"
    notes = [line for line in result.stderr.splitlines() if "--preview" in line]
    if display is None:
        assert opened == [] and notes == [f"note: --preview needs a display (neither DISPLAY nor WAYLAND_DISPLAY is set): open {video} yourself"]
    else:
        assert opened == [str(video)] and notes == []


# --- 10. language spellings -----------------------------------------------------------------------------


@pytest.mark.parametrize("spelling", ["zh", "ZH", "zh_CN", "zh-CN", "zh-Hans", "zh-hans-cn", " zh_SG "])
def test_common_spellings_of_chinese_are_zh(spelling):
    assert i18n.check_language(spelling) == "zh"
    assert i18n.translation_code(spelling) == "zh"


def test_lang_spelled_zh_cn_renders_the_chinese_list(monkeypatch):
    monkeypatch.delenv("GDEXPLAIN_LANG", raising=False)
    assert invoke("list", "--lang", "zh_CN").stdout == invoke("list", "--lang", "zh").stdout != invoke("list").stdout


@pytest.mark.parametrize("spelling, suggested", [("fr", "fr"), ("fr-FR", "fr_FR"), ("PT_br", "pt_BR"), ("zh-Hant", None),
                                                 ("zh_TW", "zh_TW"), ("klingon", None), ("x1", None)])
def test_an_unknown_language_suggests_only_a_code_translations_accepts(spelling, suggested, tmp_path, monkeypatch):
    line = one_line_error(invoke("list", "--lang", spelling), f"unknown language {spelling.strip()!r}", "use one of en, zh")
    hint = line.partition("gdexplain translations ")[2].rstrip(")")
    assert hint == (suggested or "")
    if suggested:
        monkeypatch.setattr(i18n, "extract", lambda paths=None: [])  # no strings: only the code is checked
        monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
        result = invoke("translations", hint)
        assert result.exit_code == 0, result.stderr


# --- 11. trace in bounded memory ----------------------------------------------------------------------------


WALKS = [
    dict(surface="rosenbrock", optimizer="gd", steps=300),
    dict(surface="rosenbrock", optimizer="adam", steps=200, schedule="cosine"),
    dict(surface="elliptic-bowl", optimizer="nesterov", steps=100, tol=1e-3),
    dict(surface="elliptic-bowl", optimizer="gd", steps=50, params={"lr": "5"}),
    dict(surface="quadratic-fit", optimizer="lookahead", steps=40, batch_size=3, seed=2),
    dict(surface="linear-regression", optimizer="adadelta", steps=30),
]


@pytest.mark.parametrize("how", WALKS, ids=[f"{w['optimizer']}-{w['surface']}" for w in WALKS])
def test_the_streamed_csv_is_the_whole_run_csv(how):
    def arguments():
        return (make_optimizer(how["optimizer"], **how.get("params", {})), get_surface(how["surface"]), None, how["steps"])

    options = dict(schedule=parse_schedule(how["schedule"]) if "schedule" in how else None, tol=how.get("tol"),
                   batch_size=how.get("batch_size"), seed=how.get("seed", 0))
    whole = run(*arguments(), **options)
    walk = Walk(*arguments(), **options)
    assert "".join(trace_table.stream_csv(walk, rows_per_piece=7)) == trace_table.render(whole, "csv")
    assert (walk.diverged_at, walk.converged_at, walk.status) == (whole.diverged_at, whole.converged_at, whole.status)


MEASURE = """
import resource, sys
from gdexplain.cli import main
try:
    main(["trace", "--steps", sys.argv[1], "--format", "csv"])
except SystemExit:
    pass
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)
"""


def peak_kb(steps: int) -> int:
    """The peak memory (max RSS, KB) of a process that writes ``trace --steps STEPS --format csv`` to /dev/null."""
    done = subprocess.run([sys.executable, "-c", MEASURE, str(steps)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          text=True, timeout=60, check=True)
    return int(done.stderr.split()[-1])


@pytest.mark.timeout(90)
def test_trace_memory_does_not_grow_with_steps():
    """Held in memory, 100k steps took about 200 MB more than 10k; streamed, the same."""
    small, large = peak_kb(10_000), peak_kb(100_000)
    assert large - small < 15_000, f"{small} KB for 10k steps, {large} KB for 100k"


# --- 12. a whole-scene GIF ----------------------------------------------------------------------------------


@pytest.mark.timeout(60)
@pytest.mark.parametrize("limit, warned", [(1_000, True), (25_000_000, False)], ids=["over", "under"])
def test_a_large_gif_gets_a_one_line_warning(tmp_path, tiny_scene, monkeypatch, limit, warned):
    monkeypatch.setattr("gdexplain.faults.GIF_WARNING_BYTES", limit)
    tiny_scene(one_beat)
    result = render_cli(tmp_path, "--jobs", "1", "--format", "gif")
    assert result.exit_code == 0, result.stderr
    gif = tmp_path / "test" / "ball-downhill.gif"
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    size = f"{gif.stat().st_size / 1e6:.1f} MB"
    assert warnings == ([f"warning: {gif} is {size}, too big to share as a GIF: use --format mp4 or webm for a whole scene"] if warned else [])


# --- a render killed at any point ---------------------------------------------------------------------------

KILLED_AT = textwrap.dedent(
    """
    # A render of a small scene (jobs 2: planned in this process while its first chunk renders in a worker,
    # cut in two chunks, joined here) that SIGKILLs itself where $DIE_AT says, noting in $MARKS that it got there.
    import dataclasses, functools, json, os, signal, sys, time
    from pathlib import Path
    import gdexplain.cache as cache, gdexplain.chunks as chunks, gdexplain.render as rendering, gdexplain.video_clock as clock
    from gdexplain.scene import ExplainerScene
    from gdexplain.cli import main

    DIE_AT, MARKS = os.environ.get("DIE_AT", ""), Path(os.environ["MARKS"])
    RENDER = os.getpid()  # the render's own process; its workers are forked from it
    doing = {}  # what this process is in: planning, chunk (the task's chunk), join

    def die(point, **seen):
        (MARKS / point).write_text(json.dumps({"pid": os.getpid(), "render": RENDER, **seen}))
        os.kill(RENDER, signal.SIGKILL)  # from a worker: its parent; the kernel then sends the worker SIGTERM
        time.sleep(10)
        (MARKS / f"outlived-{os.getpid()}").touch()  # a worker still here was not stopped with its parent
        os._exit(3)

    def reached(n):  # after play n of the scene
        if DIE_AT == "planning" and "planning" in doing and n >= 2:
            die("planning", play=n)  # the dry run is half done
        chunk = doing.get("chunk")
        if DIE_AT == "chunk" and chunk is not None and chunk["first"] == 0 and n >= 1:
            die("chunk", play=n, drawn=sorted(p.name for p in Path(chunk["work"]).rglob("*.mp4")))  # frames encoded

    class Scene(ExplainerScene):
        slug = "ball-downhill"

        def construct(self):
            from manim import Dot, FadeIn, Rotate, Square
            chunk = doing.get("chunk")
            if chunk is not None and chunk["slot"] == 0:  # open-ended: start once the plan has cut it (no race)
                deadline = time.monotonic() + 20
                while chunks.handoff()._shared[1] < 0 and time.monotonic() < deadline:
                    time.sleep(0.02)
            square = Square(1.0)
            with self.narrate("A dot appears on the left."):
                self.play(FadeIn(Dot([-3, 0, 0])), run_time=0.6)
            reached(0)
            with self.narrate("A square appears and turns."):
                self.play(FadeIn(square), run_time=0.4)
                reached(1)
                self.play(Rotate(square, 1.0), run_time=0.8)
            reached(2)
            with self.narrate("Another dot, on the right, for a longer beat than its fade."):
                self.play(FadeIn(Dot([3, 0, 0])), run_time=0.4)
            reached(3)

    def within(name, real, before=None):
        @functools.wraps(real)  # the signature stays: render_scene's is part of the cache key
        def run(*args, **kwargs):
            doing[name] = before(*args, **kwargs) if before else True
            try:
                return real(*args, **kwargs)
            finally:
                doing.pop(name, None)
        return run

    def a_task(entry, **kwargs):  # in a worker
        (MARKS / f"worker-{os.getpid()}").touch()
        chunk = kwargs.get("chunk")
        return {"first": chunk.first if chunk else 0, "slot": chunk.handoff_slot if chunk else None, "work": str(kwargs["output_dir"])}

    def joining(videos, target):
        doing["join_target"] = Path(target)

    real_retimed = clock.retimed

    def retimed(container, order, step, first_frame, delay):  # the join copies each chunk's packets in turn
        if DIE_AT == "join" and "join" in doing and first_frame > 0:  # the first chunk is in the joined video
            target = doing["join_target"]
            die("join", first_frame=first_frame, joined_bytes=target.stat().st_size if target.exists() else -1)
        return real_retimed(container, order, step, first_frame, delay)

    real_link = cache._link_or_copy

    def link_or_copy(source, target):
        real_link(source, target)
        building = Path(target).parent
        if DIE_AT == "store" and building.parent.name == ".staging" and building.name.startswith("cache-"):
            die("store", building=sorted(p.name for p in building.iterdir()))  # the entry half built

    split = chunks.split

    def in_two(plays, parts, head_start=0.0, earliest=1):  # always two chunks, however long the dry run took (a busy machine)
        return split([dataclasses.replace(p, cost=1.0, reached_s=0.0) for p in plays], parts, 0.0, earliest)

    chunks.split = in_two
    chunks.plan = within("planning", chunks.plan)
    rendering.render_scene = within("chunk", rendering.render_scene, a_task)
    chunks.join = within("join", chunks.join, joining)
    clock.retimed = retimed
    cache._link_or_copy = link_or_copy
    rendering.load_scene_class = chunks.load_scene_class = lambda entry: Scene
    main(sys.argv[1:])
    """
)

#: Where the render dies: what is going on there.
KILL_POINTS = {
    "planning": "the planning dry run in the render's process, at its third play (the first chunk waits in a worker)",
    "chunk": "the first chunk's worker, after two plays are drawn, SIGKILLs the render (the workers get SIGTERM)",
    "join": "the join of the two chunks, after the first chunk's packets are in the joined video",
    "store": "the cache entry, with its first file linked into the folder it is built in",
}


def sha256_of(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` by relative path, with its SHA-256."""
    import hashlib

    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


def assert_cache_consistent(out: Path) -> list[Path]:
    """Every cache entry whole (result.json readable, each file's SHA-256 as recorded), no partial plan; returns the entries."""
    entries = cache_entries(out)
    for entry in entries:
        assert cache._whole(entry), f"a damaged cache entry: {sorted(p.name for p in entry.iterdir())}"
        assert (entry / cache.RESULT_FILE).is_file()
    plans = out / cache.CACHE / "plans"
    assert not plans.exists() or all(not p.name.startswith(".") for p in plans.iterdir())
    return entries


def killed_render(out: Path, marks: Path, die_at: str, *more: str) -> subprocess.CompletedProcess:
    args = ["render", "ball-downhill", "-q", "test", "--jobs", "2", "--set", "lr=0.3", "--output-dir", str(out), *more]
    env = {k: v for k, v in os.environ.items() if k != "GDEXPLAIN_WPM"}
    env.update(DIE_AT=die_at, MARKS=str(marks), TMPDIR=str(marks.parent / "tmp"))
    # Its stderr closes once the render and every worker it forked are gone.
    return subprocess.run([sys.executable, "-c", KILLED_AT, *args], capture_output=True, text=True, env=env, timeout=60,
                          start_new_session=True)


@pytest.mark.timeout(120)
@pytest.mark.parametrize("point", KILL_POINTS)
def test_a_render_killed_at_any_point_leaves_earlier_outputs_and_the_cache_whole(tmp_path, tiny_scene, point):
    """SIGKILL at each point: no traceback, the earlier output and cache entry untouched, the next render whole and clean."""
    import av

    out, marks = tmp_path / "media", tmp_path / "marks"
    marks.mkdir()
    (tmp_path / "tmp").mkdir()
    tiny_scene(one_beat)
    render_many([ENTRY], quality_name="test", output_dir=out, jobs=1)  # the earlier good render (another cache key)
    (earlier_entry,) = cache_entries(out)
    outputs_before, entry_before = sha256_of(out / "test"), sha256_of(earlier_entry)

    killed = killed_render(out, marks, point)
    assert (marks / point).exists(), f"the render never reached {point}: {killed.returncode}\n{killed.stderr[-3000:]}"
    seen = json.loads((marks / point).read_text())
    assert killed.returncode == -signal.SIGKILL, (killed.returncode, killed.stderr[-3000:])
    assert "Traceback" not in killed.stderr and "Error" not in killed.stderr, killed.stderr
    workers = [int(p.name.split("-")[1]) for p in marks.glob("worker-*")]
    deadline = time.monotonic() + 5  # the kernel's SIGTERM reaches a worker at once; a busy machine may take a moment to run it
    while not all(gone(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert workers and all(gone(pid) for pid in workers) and not list(marks.glob("outlived-*")), "a worker outlived the render"
    if point == "chunk":
        assert seen["pid"] in workers and seen["drawn"], seen  # in a worker, with frames encoded
    if point == "join":
        assert seen["joined_bytes"] > 0, seen
    if point == "store":
        assert seen["building"] and cache.RESULT_FILE not in seen["building"], seen
    assert sha256_of(out / "test") == outputs_before, "an earlier output changed"
    assert assert_cache_consistent(out) == [earlier_entry] and sha256_of(earlier_entry) == entry_before

    again = killed_render(out, marks, "", "--force")  # the same render, in a fresh process, not killed
    assert again.returncode == 0 and "Traceback" not in again.stderr, again.stderr[-3000:]
    assert staging_leftovers(out) == [] and litter(out) == []
    entries = assert_cache_consistent(out)
    assert len(entries) == 2 and sha256_of(earlier_entry) == entry_before
    (new_entry,) = [e for e in entries if e != earlier_entry]
    video = out / "test" / "ball-downhill.mp4"
    assert sha256_of(out / "test") != outputs_before
    assert all(video.with_name("ball-downhill" + s).is_file() for s in SIDES)
    with av.open(str(video)) as container:
        frames = sum(1 for _ in container.decode(video=0))
    assert frames == json.loads((new_entry / cache.RESULT_FILE).read_text())["frames"] > 0
    # Killed while planning, the dry run's empty temporary folder stays (outside the output folder, nothing in it).
    assert [p for p in (tmp_path / "tmp").rglob("*") if not p.is_dir()] == [], "temporary files left behind"
