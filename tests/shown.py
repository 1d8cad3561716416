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
    readouts: list[dict[str, str]] = field(default_factory=list)
    square_areas: list[np.ndarray] = field(default_factory=list)
    mobjects: list[Any] = field(default_factory=list)

    def shows(self, fragment: str) -> bool:
        """True when some text or read-out value on screen contains ``fragment``."""
        values = [v for r in self.readouts for v in r.values()]
        return any(fragment in t for t in [*self.texts, *values])


def run_scene(slug: str, overrides: dict[str, Any] | None = None) -> tuple[Any, list[Snapshot]]:
    """Construct the scene (animations skipped, nothing drawn or written) and snapshot every beat."""
    from manim import Text, tempconfig

    from gdexplain.catalog import get_entry, load_scene_class
    from gdexplain.scene import NarratedScene
    from gdexplain.visual.squares import AccumulatorSquares

    from gdexplain.visual.panels import Readout

    snapshots: list[Snapshot] = []
    original = NarratedScene.narrate
    # A read-out is rebuilt with ``become``, which keeps the old Text objects' strings: remember the rows instead.
    init, become = Readout.__init__, Readout.become

    def readout_init(self, rows, *args, **kwargs):
        init(self, rows, *args, **kwargs)
        self.shown_rows = [(str(n), str(v)) for n, v in rows]

    def readout_become(self, other, *args, **kwargs):
        out = become(self, other, *args, **kwargs)
        if hasattr(other, "shown_rows"):
            self.shown_rows = list(other.shown_rows)
        return out

    @contextlib.contextmanager
    def narrate(self, text):
        with original(self, text):
            yield
        family = [m for top in self.mobjects for m in top.get_family()]
        readouts = [m for m in family if isinstance(m, Readout)]
        inside = {id(t) for r in readouts for t in r.get_family()}
        texts = [getattr(m, "original_text", m.text) for m in family if isinstance(m, Text) and id(m) not in inside]
        areas = [m.square_areas() for m in family if isinstance(m, AccumulatorSquares)]
        rows = [dict(getattr(r, "shown_rows", [])) for r in readouts]
        snapshots.append(Snapshot(text, texts, rows, areas, list(self.mobjects)))

    cls = load_scene_class(get_entry(slug))
    NarratedScene.narrate = narrate
    Readout.__init__, Readout.become = readout_init, readout_become
    try:
        with tempconfig({"dry_run": True, "pixel_width": 256, "pixel_height": 144, "verbosity": "ERROR",
                         "progress_bar": "none", "disable_caching": True}):
            scene = cls(settings=overrides or {}, skip_animations=True)
            scene.renderer.update_frame = lambda *args, **kwargs: None
            scene.render()
    finally:
        NarratedScene.narrate = original
        Readout.__init__, Readout.become = init, become
    return scene, snapshots
