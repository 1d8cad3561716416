"""The registry of scenes: every entry of the lecture, looked up by slug, and its class.

The catalog knows scenes without importing Manim, so ``gdexplain list`` and
the validation of ``--set KEY=VALUE`` are instant. The entries themselves
(slug, title, parameters) are declared in :mod:`gdexplain.lecture`, in
lecture order; each names the module in ``scenes/`` and the class that
renders it, and :func:`load_scene_class` imports it on demand.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from gdexplain.core.errors import InputError, unknown_name
from gdexplain.lecture import LECTURE
from gdexplain.parameters import KINDS, Param, SceneEntry

__all__ = ["KINDS", "SCENES_DIR", "Param", "SceneEntry", "check_unique", "entries", "get_entry", "load_scene_class"]

#: Where the scene modules live (a checkout's ``scenes/`` folder).
SCENES_DIR = Path(__file__).resolve().parents[2] / "scenes"


def check_unique(scenes: tuple[SceneEntry, ...]) -> tuple[SceneEntry, ...]:
    """The scenes as given, refused if a slug appears twice."""
    seen: set[str] = set()
    for entry in scenes:
        if entry.slug in seen:
            raise ValueError(f"scene slug {entry.slug!r} is registered twice")
        seen.add(entry.slug)
    return scenes


_ENTRIES = check_unique(LECTURE)


def entries() -> list[SceneEntry]:
    """Every registered scene, in lecture order."""
    return list(_ENTRIES)


def get_entry(slug: str) -> SceneEntry:
    """Look a scene up by slug; unknown slugs raise with the closest names."""
    for e in _ENTRIES:
        if e.slug == slug:
            return e
    raise unknown_name("scene", slug, [e.slug for e in _ENTRIES])


def load_scene_class(entry: SceneEntry) -> type:
    """Import ``scenes/<module>.py`` and return the entry's scene class (imports Manim)."""
    path = SCENES_DIR / f"{entry.module}.py"
    if not path.exists():
        raise InputError(f"scene module {path} is missing: run gdexplain from a checkout of the repository")
    name = f"gdexplain_scenes.{entry.module}"
    module = sys.modules.get(name)
    if module is None:
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return getattr(module, entry.class_name)
