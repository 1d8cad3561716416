"""Run a real scene with animations skipped and record what it shows at the end of every beat.

``probe("momentum-vs-gd", beta=0.5)`` runs the registered scene class itself
(no copy of its wiring), with Manim's dry run (nothing drawn, no file
written), and returns one :class:`BeatView` per narrated beat: the words,
and the rows of every read-out and leaderboard on screen when the beat
ended. Scene tests compare those rows with ``gdexplain trace``.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class BeatView:
    """What was on screen when one beat ended."""

    text: str
    readouts: list[dict[str, str]] = field(default_factory=list)
    boards: list[list] = field(default_factory=list)
    #: Every other text on screen (labels, notes, titles), and the drawn areas of every set of accumulator squares.
    texts: list[str] = field(default_factory=list)
    squares: list = field(default_factory=list)
    #: Every path of straight steps on screen (map trails, chart lines): its data points and how far it is drawn.
    paths: list = field(default_factory=list)

    def shows(self, fragment: str) -> bool:
        """True when a text or a read-out value on screen contains ``fragment``."""
        values = [v for r in self.readouts for v in r.values()]
        return any(fragment in t for t in [*self.texts, *values])

    def value(self, name: str) -> str:
        """The value of row ``name`` in the one read-out on screen that has it."""
        found = [r[name] for r in self.readouts if name in r]
        assert len(found) == 1, f"{len(found)} read-outs show {name!r} at the beat {self.text!r}: {self.readouts}"
        return found[0]


def probe(slug: str, **settings) -> list[BeatView]:
    """Run scene ``slug`` with ``settings`` (as ``--set`` would give them) and record every beat."""
    from manim import tempconfig

    from gdexplain.catalog import get_entry, load_scene_class
    from manim import Text

    from gdexplain.visual.legend import Leaderboard
    from gdexplain.visual.panels import Readout
    from gdexplain.visual.paths import ClippedPath
    from gdexplain.visual.squares import AccumulatorSquares

    cls = load_scene_class(get_entry(slug))
    views: list[BeatView] = []

    class Probe(cls):  # type: ignore[misc, valid-type]
        @contextmanager
        def narrate(self, text: str):
            with super().narrate(text):
                yield
            view = BeatView(" ".join(text.split()))
            family = [m for top in self.mobjects for m in top.get_family()]
            panels = {id(t) for m in family if isinstance(m, (Readout, Leaderboard)) for t in m.get_family()}
            for m in family:
                if isinstance(m, Readout):
                    view.readouts.append(dict(m.rows))
                elif isinstance(m, Leaderboard):
                    view.boards.append(list(m.rows))
                elif isinstance(m, AccumulatorSquares):
                    view.squares.append(m.square_areas())
                elif isinstance(m, ClippedPath):
                    view.paths.append((m.data.copy(), m.progress))
                elif isinstance(m, Text) and id(m) not in panels:  # a panel's texts are read from its rows
                    view.texts.append(getattr(m, "original_text", m.text))
            views.append(view)

    Probe.__name__ = cls.__name__
    # save_last_frame makes Manim skip every animation to its end (no frames drawn); dry_run writes no file.
    with tempconfig({"dry_run": True, "save_last_frame": True, "write_to_movie": False, "quality": "low_quality",
                     "disable_caching": True, "progress_bar": "none", "verbosity": "WARNING"}):
        Probe(settings={k: str(v) for k, v in settings.items()}, skip_animations=True).render()
    return views
