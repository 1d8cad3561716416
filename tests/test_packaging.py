"""`pip install .` ships the scenes: pyproject maps the top-level scenes/ folder to gdexplain_scenes."""

from __future__ import annotations

import tomllib
from pathlib import Path

from gdexplain.catalog import SCENES_DIR, entries, load_scene_class

ROOT = Path(__file__).resolve().parents[1]


def test_every_package_and_the_scenes_are_in_the_wheel():
    tool = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert tool["package-dir"] == {"": "src", "gdexplain_scenes": "scenes"}
    on_disk = {
        ".".join(p.parent.relative_to(ROOT / "src").parts) for p in (ROOT / "src").rglob("__init__.py")
    } | {"gdexplain_scenes"}
    assert set(tool["packages"]) == on_disk
    assert (ROOT / "scenes" / "__init__.py").is_file()
    for entry in entries():
        assert (ROOT / "scenes" / f"{entry.module}.py").is_file()


def test_scenes_load_as_the_installed_package():
    import sys

    cls = load_scene_class(entries()[0])
    module = sys.modules[cls.__module__]
    assert cls.__module__.startswith("gdexplain_scenes.")
    assert Path(module.__file__).resolve().parent == SCENES_DIR
