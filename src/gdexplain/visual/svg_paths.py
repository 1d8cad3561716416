"""Lighter SVG mobjects: Manim 0.22 keeps each glyph's parsed SVG path after drawing its points.

Every ``Text`` and ``MathTypst`` glyph is a ``VMobjectFromSVGPath`` that holds
the ``svgelements`` path it was built from, though Manim reads it only once,
in ``__init__`` (``generate_points``). Every copy — and Manim copies mobjects
for each ``Transform``, ``.animate`` and fade, even when animations are
skipped — deep-copies that path too, which makes copying a formula about six
times slower (measured: 12.8 ms vs 2.2 ms for a one-line MathTypst). Dropping
the path once the points exist changes no point, colour or frame.

Imported by :mod:`gdexplain.visual`, so every scene gets it.
"""

from __future__ import annotations

from typing import Any

from manim.mobject.svg.svg_mobject import VMobjectFromSVGPath

_built_from_path = VMobjectFromSVGPath.__init__


def _init_and_drop_path(self: VMobjectFromSVGPath, path_obj: Any, *args: Any, **kwargs: Any) -> None:
    _built_from_path(self, path_obj, *args, **kwargs)
    self.path_obj = None  # the points are made; nothing reads the path again


if getattr(VMobjectFromSVGPath.__init__, "__name__", "") != "_init_and_drop_path":
    VMobjectFromSVGPath.__init__ = _init_and_drop_path  # type: ignore[method-assign]
