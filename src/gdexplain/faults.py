"""Faults the command line turns into one line each: a full disk, a file it cannot write, warnings.

* :func:`one_line_faults`: a render that finds the disk full (in this
  process, inside Manim's encoder, or in a worker process) ends in
  ``Error: no space left on device in <dir>: ...`` instead of a traceback,
  and the package's warnings (a damaged cache entry) are ``warning: ...``
  lines on stderr.
* :class:`ReplacedFile`: a file a command writes (``script -o``), checked
  before the work starts and replaced in one step, so a failed write leaves
  the old file and nothing else.
* :func:`gif_warning` and :func:`has_display`: what ``render`` says about a
  huge GIF and about ``--preview`` without a screen.
"""

from __future__ import annotations

import errno
import logging
import os
import re
import stat
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from gdexplain.core.errors import InputError

#: A GIF larger than this gets a warning: a whole scene as a GIF is hundreds of MB (ball-downhill at low: about 450).
GIF_WARNING_BYTES = 25_000_000
_NO_SPACE = os.strerror(errno.ENOSPC)


@contextmanager
def one_line_faults(output_dir: str) -> Iterator[None]:
    """A full disk ends the block in one ``Error:`` line naming the fix; the package's warnings are one line each."""
    handler = _OneLineWarnings()
    logger = logging.getLogger("gdexplain")
    logger.addHandler(handler)
    try:
        yield
    except Exception as err:
        message = full_disk(err, output_dir)
        if message is None:
            raise
        raise click.ClickException(message) from None
    finally:
        logger.removeHandler(handler)


class _OneLineWarnings(logging.Handler):
    """Prints the package's warnings on stderr, ``warning: ...``, one line each."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)

    def emit(self, record: logging.LogRecord) -> None:
        click.echo(f"warning: {record.getMessage()}", err=True)


def full_disk(err: BaseException, output_dir: str) -> str | None:
    """The one-line error for a write that found the disk full (``err`` or any of its causes), else None.

    Manim's encoder wraps the OSError in a RuntimeError of its own, and a
    worker process's error may come back with its causes as text only, so
    the messages are searched too.
    """
    seen: set[int] = set()
    cause: BaseException | None = err
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, OSError) and cause.errno == errno.ENOSPC:
            return _no_space(cause.filename, output_dir)
        if _NO_SPACE in str(cause):
            named = re.search(re.escape(_NO_SPACE) + r": '([^']+)'", str(cause))
            return _no_space(named[1] if named else None, output_dir)
        cause = cause.__cause__ or cause.__context__
    return None


def _no_space(filename: str | bytes | os.PathLike | None, output_dir: str) -> str:
    """Name the output folder and the fix (or, for a file written elsewhere, that file's folder)."""
    if filename is not None:
        written = Path(os.fsdecode(filename)).resolve()
        if not written.is_relative_to(Path(output_dir).resolve()):
            return f"no space left on device in {written.parent}: free some space there"
    return f"no space left on device in {output_dir}: free some space or pass another --output-dir"


class ReplacedFile:
    """A file a command writes, checked at once (a temporary file is made beside it) and replaced in one step.

    ``option`` is how the user named it (``-o``), for the one-line errors.
    A symbolic link is followed: the file it points to is replaced.
    """

    def __init__(self, path: str, option: str) -> None:
        if not path.strip():
            raise InputError(f"{option} is empty: name the file to write, or leave {option} out to print it")
        self.given, self.option, self.path = path, option, Path(os.path.realpath(path))
        self._check_target()
        self.temp: Path | None = self.path.with_name(f".{self.path.name[:40]}.{os.getpid()}.part")
        try:
            os.close(os.open(self.temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        except OSError as err:
            self.temp = None
            raise self._unwritable(err) from None

    def _check_target(self) -> None:
        """Refuse a name the system cannot hold, a file used as a folder, and anything but a regular file."""
        try:
            found = os.stat(self.path)
        except FileNotFoundError:  # a new file, or a missing folder (found when the temporary file is made)
            return
        except OSError as err:
            raise self._unwritable(err) from None
        if not stat.S_ISREG(found.st_mode):  # a folder, /dev/full, a pipe: nothing that can be replaced safely
            what = "a folder" if stat.S_ISDIR(found.st_mode) else "not a regular file"
            raise InputError(f"cannot write to {self.given!r} ({what}): name a file with {self.option}, or leave {self.option} out to print it")

    def write(self, text: str) -> None:
        """Write ``text`` to the temporary file and put it in place: afterwards the file is the old one or the new one, never half."""
        try:
            with open(self.temp, "w", encoding="utf-8") as f:  # type: ignore[arg-type]
                f.write(text)
            os.replace(self.temp, self.path)  # type: ignore[arg-type]
        except OSError as err:
            raise self._unwritable(err) from None
        self.temp = None

    def discard(self) -> None:
        """Remove the temporary file, if it is still there (the work before the write failed, or the write did)."""
        if self.temp is not None:
            self.temp.unlink(missing_ok=True)
            self.temp = None

    def _unwritable(self, err: OSError) -> InputError:
        folder = self.path.parent
        if err.errno == errno.ENOSPC:
            return InputError(f"no space left on device in {folder}: free some space or pass another path with {self.option}")
        reason = {
            errno.ENOENT: f"no folder {folder}",
            errno.ENOTDIR: "a file is in the way",
            errno.ENAMETOOLONG: "the name is too long",
        }.get(err.errno or 0, err.strerror or type(err).__name__)
        return InputError(f"cannot write to {self.given!r} ({reason}): pass a writable file path with {self.option}")


def gif_warning(path: Path) -> str | None:
    """What to say about ``path`` if it is a GIF over :data:`GIF_WARNING_BYTES` (its size and the formats to use instead)."""
    size = path.stat().st_size if path.suffix == ".gif" else 0
    if size <= GIF_WARNING_BYTES:
        return None
    return f"{path} is {size / 1e6:.1f} MB, too big to share as a GIF: use --format mp4 or webm for a whole scene"


def has_display() -> bool:
    """Whether files can be opened on a screen (on Linux: DISPLAY or WAYLAND_DISPLAY is set)."""
    return not sys.platform.startswith("linux") or bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
