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

    out: list[str] = []

    def visit(m) -> None:
        if isinstance(m, Text) or getattr(m, "layout_role", None) == "text":  # a Text, or a group of glyphs read as one text
            if m.get_family()[-1].get_fill_opacity() > 0.01:
                out.append(getattr(m, "original_text", None) or m.text)
            return
        for sub in m.submobjects:
            visit(sub)

    for top in mobjects:
        visit(top)
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
