"""Run a scene with animations skipped and record what is on screen at the end of every beat.

Scene tests use this to compare what a scene *displays* (its texts, its
mobjects) with the core, beat by beat, without drawing a frame.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from gdexplain.catalog import get_entry, load_scene_class


@dataclass
class Snapshot:
    """The screen at the end of one beat: the words said, the texts shown, the mobjects present."""

    words: str
    texts: list[str]
    mobjects: list[Any]


@dataclass
class Shown:
    """Every beat's snapshot, and the scene instance (for its attributes)."""

    scene: Any
    beats: list[Snapshot] = field(default_factory=list)

    def beat(self, fragment: str) -> Snapshot:
        """The first beat whose words contain ``fragment``."""
        for b in self.beats:
            if fragment in b.words:
                return b
        raise AssertionError(f"no beat says {fragment!r}; beats: {[b.words[:60] for b in self.beats]}")


def visible_texts(mobjects) -> list[str]:
    """The strings of every Text on screen (family of each mobject), top-level order, invisible ones skipped."""
    from manim import Text

    out = []
    seen = set()
    for top in mobjects:
        for m in top.get_family():
            if isinstance(m, Text) and id(m) not in seen:
                seen.add(id(m))
                if m.get_fill_opacity() > 0.01:
                    out.append(m.original_text)
    return out


def run_shown(slug: str, overrides: Mapping[str, Any] | None = None) -> Shown:
    """Run scene ``slug`` with animations skipped; snapshot the screen at the end of every beat."""
    from manim import tempconfig

    from gdexplain.scene import NarratedScene

    entry = get_entry(slug)
    settings = entry.resolve(overrides)
    cls = load_scene_class(entry)
    snapshots: list[Snapshot] = []
    original = NarratedScene.narrate

    @contextmanager
    def narrate(self, text: str) -> Iterator[None]:
        with original(self, text):
            yield
        snapshots.append(Snapshot(" ".join(text.split()), visible_texts(self.mobjects), list(self.mobjects)))

    with tempfile.TemporaryDirectory() as tmp, tempconfig(
        {"dry_run": True, "media_dir": tmp, "verbosity": "WARNING", "disable_caching": True, "progress_bar": "none",
         "pixel_width": 256, "pixel_height": 144}
    ):
        scene = cls(settings=settings, skip_animations=True)
        scene.renderer.update_frame = lambda *a, **k: None
        scene.narrate = narrate.__get__(scene)
        scene.render()
    return Shown(scene, snapshots)
