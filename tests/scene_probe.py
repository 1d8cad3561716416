"""Run a real scene with animations skipped and record what it shows at the end of every beat.

``probe("momentum-vs-gd", beta=0.5)`` runs the registered scene class itself
(no copy of its wiring), with Manim's dry run (nothing drawn, no file
written), and returns one :class:`BeatView` per narrated beat: the words,
the rows of every read-out and leaderboard on screen when the beat ended,
every text on screen and the mobjects themselves. Scene tests compare them
with ``gdexplain trace`` (or the core); :func:`beat` finds a beat by its words.
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
    #: Every visible text on screen (a ``Text``, or a glyph group read as one text), in drawing order.
    texts: list[str] = field(default_factory=list)
    #: The top-level mobjects on screen.
    mobjects: list = field(default_factory=list)
    #: The drawn areas of every set of accumulator squares.
    squares: list = field(default_factory=list)
    #: Every path of straight steps on screen (map trails, chart lines): its data points and how far it is drawn.
    paths: list = field(default_factory=list)

    def shows(self, fragment: str) -> bool:
        """True when a text or a read-out value on screen contains ``fragment``."""
        values = [v if isinstance(v, str) else " ".join(v) for r in self.readouts for v in r.values()]
        return any(fragment in t for t in [*self.texts, *values])

    def value(self, name: str) -> str:
        """The value of row ``name`` in the one read-out on screen that has it."""
        found = [r[name] for r in self.readouts if name in r]
        assert len(found) == 1, f"{len(found)} read-outs show {name!r} at the beat {self.text!r}: {self.readouts}"
        return found[0]


def beat(views: list[BeatView], fragment: str) -> BeatView:
    """The first beat whose words contain ``fragment``."""
    for view in views:
        if fragment in view.text:
            return view
    raise AssertionError(f"no beat says {fragment!r}; beats: {[v.text[:60] for v in views]}")


def visible_texts(mobjects) -> list[str]:
    """The strings of every visible text among ``mobjects`` and their families."""
    from manim import Text

    out: list[str] = []

    def visit(m) -> None:
        if isinstance(m, Text) or getattr(m, "layout_role", None) == "text":  # a glyph group read as one text
            if m.get_family()[-1].get_fill_opacity() > 0.01:
                out.append(getattr(m, "original_text", None) or m.text)
            return
        for sub in m.submobjects:
            visit(sub)

    for top in mobjects:
        visit(top)
    return out


def probe(slug: str, **settings) -> list[BeatView]:
    """Run scene ``slug`` with ``settings`` (as ``--set`` would give them) and record every beat."""
    return probe_scene(slug, **settings)[1]


def probe_scene(slug: str, **settings) -> tuple[object, list[BeatView]]:
    """:func:`probe`, also returning the scene instance itself (its runs and marks, for tests to inspect)."""
    from manim import Text, tempconfig

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
            view = BeatView(" ".join(text.split()), texts=visible_texts(self.mobjects), mobjects=list(self.mobjects))
            for top in self.mobjects:
                for m in top.get_family():
                    if isinstance(m, Readout):
                        view.readouts.append(dict(m.rows))
                    elif isinstance(m, Leaderboard):
                        view.boards.append(list(m.rows))
                    elif isinstance(m, AccumulatorSquares):
                        view.squares.append(m.square_areas())
                    elif isinstance(m, ClippedPath):
                        view.paths.append((m.data.copy(), m.progress))
            views.append(view)

    Probe.__name__ = cls.__name__
    # save_last_frame makes Manim skip every animation to its end (no frames drawn); dry_run writes no file.
    with tempconfig({"dry_run": True, "save_last_frame": True, "write_to_movie": False, "quality": "low_quality",
                     "disable_caching": True, "progress_bar": "none", "verbosity": "WARNING"}):
        scene = Probe(settings={k: str(v) for k, v in settings.items()}, skip_animations=True)
        scene.render()
    return scene, views
