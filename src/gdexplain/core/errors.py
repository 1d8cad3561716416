"""Errors for bad input: each carries a one-line message that names the fix."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class InputError(ValueError):
    """Bad input from a user: an unknown name, an out-of-range value, a bad start.

    The message is one line and says what would be accepted instead, so the
    CLI can print it as it is and exit non-zero.
    """


def closest(name: str, choices: Iterable[str], n: int = 3) -> list[str]:
    """Return up to ``n`` names from ``choices`` that look most like ``name``."""
    choices = list(choices)
    if not name.strip():
        return []
    found = difflib.get_close_matches(name, choices, n=n, cutoff=0.5)
    if not found:
        found = [c for c in choices if name.lower() in c.lower() or c.lower() in name.lower()][:n]
    return found


def unknown_name(kind: str, name: str, choices: Iterable[str]) -> InputError:
    """Build the error for an unknown ``kind`` called ``name``, suggesting close names."""
    choices = sorted(choices)
    near = closest(name, choices)
    hint = f"did you mean {', '.join(repr(c) for c in near)}?" if near else f"choose one of: {', '.join(choices)}"
    return InputError(f"unknown {kind} {name!r}: {hint}")
