"""The registry of scenes: every entry of the lecture, looked up by slug, and its class.

The catalog knows scenes without importing Manim, so ``gdexplain list`` and
the validation of ``--set KEY=VALUE`` are instant. The entries themselves
(slug, title, parameters) are declared in :mod:`gdexplain.lecture`, in
lecture order; each names the module in ``scenes/`` and the class that
renders it, and :func:`load_scene_class` imports it on demand.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path

from gdexplain.core.errors import InputError, unknown_name
from gdexplain.lecture import LECTURE
from gdexplain.parameters import KINDS, Param, SceneEntry

__all__ = ["KINDS", "SCENES_DIR", "Param", "SceneEntry", "check_unique", "entries", "get_entry", "load_scene_class"]

#: The package the scene modules are installed as (``scenes/`` in a checkout, see pyproject.toml).
SCENES_PACKAGE = "gdexplain_scenes"


def _scenes_dir() -> Path:
    """Where the scene modules are: the installed package's folder, else a checkout's ``scenes/``."""
    spec = importlib.util.find_spec(SCENES_PACKAGE)
    if spec is not None and spec.origin:
        return Path(spec.origin).resolve().parent
    return Path(__file__).resolve().parents[2] / "scenes"


#: Where the scene modules live.
SCENES_DIR = _scenes_dir()


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
    """Import ``gdexplain_scenes.<module>`` and return the entry's scene class (imports Manim).

    An installed gdexplain (wheel or editable) has the package; an older
    editable install that only knows ``src/`` falls back to the checkout's
    ``scenes/<module>.py``, loaded under the same module name.
    """
    name = f"{SCENES_PACKAGE}.{entry.module}"
    module = sys.modules.get(name)
    if module is None and importlib.util.find_spec(SCENES_PACKAGE) is not None:
        if importlib.util.find_spec(name) is None:
            raise InputError(f"scene module {name} ({SCENES_DIR / (entry.module + '.py')}) is missing: reinstall gdexplain (pip install .)")
        module = importlib.import_module(name)
    if module is None:
        path = SCENES_DIR / f"{entry.module}.py"
        if not path.exists():
            raise InputError(f"scene module {path} is missing: reinstall gdexplain (pip install .)")
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return getattr(module, entry.class_name)
