"""Where renders work and land: staging folders, the output lock, moving a finished set into place.

Every render works in a private staging folder ``<output_dir>/.staging/<name>``
that records its owner (host and process id). A render that dies without
cleaning up (``kill -9``, a power cut) leaves its folder behind; the next
render sweeps every folder whose owner is a process of this host that no
longer runs.

A finished video and its side files (``.srt``, ``.vtt``, ``.script.md``) are
moved into place together under a lock per output (slug and quality), so two
renders of the same output at once never leave one render's video beside the
other's subtitles: the last to finish wins the whole set.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import shutil
import socket
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from gdexplain.core.errors import InputError

STAGING = ".staging"
LOCKS = ".locks"  # lock files stay: deleting a lock file races with the next render that opens it
OWNER_FILE = ".owner"


def check_output_dir(output_dir: Path | str) -> Path:
    """Make sure files can be written in ``output_dir`` (a one-line error if not), leaving nothing new behind.

    The folders the check had to create are removed again, so a command that
    stops for another reason right after it leaves no trace.
    """
    if not str(output_dir).strip():  # Path("") is the current folder: low/, .cache and .staging would land there
        raise InputError("--output-dir is empty: pass a folder, e.g. --output-dir media")
    path = Path(output_dir)
    made: list[Path] = []
    try:
        for folder in reversed([path / STAGING, path, *path.parents]):
            if not folder.exists():
                folder.mkdir()
                made.append(folder)
        with tempfile.NamedTemporaryFile(dir=path / STAGING, prefix="probe-"):
            pass
    except OSError as err:
        reason = err.strerror or type(err).__name__
        if err.errno in (errno.ENOTDIR, errno.EEXIST):
            reason = "a file is in the way"
        raise InputError(f"cannot write to output directory {str(path)!r} ({reason}): pass a writable folder with --output-dir") from None
    finally:
        for folder in reversed(made):
            try:
                folder.rmdir()
            except OSError:
                pass  # something else put files there meanwhile: it stays
    return path


# Every staging folder this process made, for a worker that must clean up and exit at once.
_MADE: dict[Path, int] = {}


def new_staging(output_dir: Path, prefix: str) -> Path:
    """A fresh private folder under ``<output_dir>/.staging``, marked with its owner."""
    root = Path(output_dir) / STAGING
    root.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=f"{prefix}-", dir=root))
    _MADE[folder] = os.getpid()
    try:
        (folder / OWNER_FILE).write_text(json.dumps({"host": socket.gethostname(), "pid": os.getpid()}), encoding="utf-8")
    except BaseException:  # a full disk: an unmarked folder would never be swept
        shutil.rmtree(folder, ignore_errors=True)
        _MADE.pop(folder, None)
        raise
    return folder


def remove_own_staging() -> None:
    """Remove every staging folder this process made (a forked child does not remove its parent's)."""
    for folder, pid in list(_MADE.items()):
        if pid == os.getpid():
            shutil.rmtree(folder, ignore_errors=True)
            _MADE.pop(folder, None)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def sweep_staging(output_dir: Path | str) -> list[Path]:
    """Remove staging folders whose owning process (on this host) is gone; return what was removed."""
    root = Path(output_dir) / STAGING
    if not root.is_dir():
        return []
    host, removed = socket.gethostname(), []
    for folder in root.iterdir():
        try:
            owner = json.loads((folder / OWNER_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # not ours, or not yet marked (just created)
        if owner.get("host") == host and isinstance(owner.get("pid"), int) and not _alive(owner["pid"]):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


@contextmanager
def output_lock(output_dir: Path, quality_name: str, slug: str) -> Iterator[None]:
    """Hold the lock of one output (all formats and side files of ``slug`` at ``quality_name``)."""
    root = Path(output_dir) / LOCKS
    root.mkdir(parents=True, exist_ok=True)
    with open(root / f"{quality_name}.{slug}.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def install(files: Mapping[str, Path | None], final: Path, quality_name: str, output_dir: Path) -> tuple[Path, ...]:
    """Move a finished set into place under the output lock.

    ``files`` maps suffixes to staged files: the video's suffix (``.mp4``)
    to the video, and each side-file suffix to its file or ``None`` (the
    render wrote none, so an old one must not stay beside the new video).
    Returns the side files now in place, in the order given.
    """
    slug = final.name[: -len(final.suffix)]
    placed = []
    final.parent.mkdir(parents=True, exist_ok=True)
    with output_lock(output_dir, quality_name, slug):
        for suffix, source in files.items():
            target = final if suffix == final.suffix else final.with_name(slug + suffix)
            if source is None:
                target.unlink(missing_ok=True)
                continue
            os.replace(source, target)
            if target != final:
                placed.append(target)
    return tuple(placed)
