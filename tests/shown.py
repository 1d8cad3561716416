"""Run a registered scene with animations skipped and record what it shows at the end of every beat.

A scene test compares these snapshots with ``gdexplain trace`` / the core for
the same settings: the texts on screen (read-outs, labels), the drawn areas of
accumulator squares, and where the balls are.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class Snapshot:
    """The screen at the end of one beat."""

    text: str
    texts: list[str]
    square_areas: list[np.ndarray] = field(default_factory=list)
    mobjects: list[Any] = field(default_factory=list)

    def shows(self, fragment: str) -> bool:
        """True when some text on screen contains ``fragment``."""
        return any(fragment in t for t in self.texts)


def run_scene(slug: str, overrides: dict[str, Any] | None = None) -> tuple[Any, list[Snapshot]]:
    """Construct the scene (animations skipped, nothing drawn or written) and snapshot every beat."""
    from manim import Text, tempconfig

    from gdexplain.catalog import get_entry, load_scene_class
    from gdexplain.scene import NarratedScene
    from gdexplain.visual.squares import AccumulatorSquares

    snapshots: list[Snapshot] = []
    original = NarratedScene.narrate

    @contextlib.contextmanager
    def narrate(self, text):
        with original(self, text):
            yield
        family = [m for top in self.mobjects for m in top.get_family()]
        texts = [m.text for m in family if isinstance(m, Text)]
        areas = [m.square_areas() for m in family if isinstance(m, AccumulatorSquares)]
        snapshots.append(Snapshot(text, texts, areas, list(self.mobjects)))

    cls = load_scene_class(get_entry(slug))
    NarratedScene.narrate = narrate
    try:
        with tempconfig({"dry_run": True, "pixel_width": 256, "pixel_height": 144, "verbosity": "ERROR",
                         "progress_bar": "none", "disable_caching": True}):
            scene = cls(settings=overrides or {}, skip_animations=True)
            scene.renderer.update_frame = lambda *args, **kwargs: None
            scene.render()
    finally:
        NarratedScene.narrate = original
    return scene, snapshots
