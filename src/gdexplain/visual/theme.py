"""Colours, fonts and sizes shared by every scene, so the lecture looks like one piece.

Colours carry meaning and never change between scenes: the gradient is
always red, the step taken is always teal, momentum's velocity is always
violet, the ball always raspberry with a dark rim: a hue the colour maps
(blue → teal → green → gold) never use, so it stands out on low and high
ground alike.
"""

from __future__ import annotations

import logging

from manim import Text

from gdexplain import i18n
from gdexplain.core.optimizers import OPTIMIZERS
from gdexplain.core.race import method_parts

BACKGROUND = "#0E1117"
PANEL = "#171C26"
TEXT = "#ECEFF4"
MUTED = "#9AA5B4"
GRID = "#3B4252"

BALL = "#FF4F8B"
BALL_RIM = "#14161C"
PATH = "#FFE29A"
GRADIENT = "#FF6B6B"   # ∇L: uphill
STEP = "#3DDC97"       # −α∇L, the step taken
VELOCITY = "#B39DFF"   # momentum's stored step
LOOK_AHEAD = "#F49AC2"
AXIS_X = "#FF9F43"     # per-axis quantities (AdaGrad/RMSProp squares)
AXIS_Y = "#48DBFB"
HIGHLIGHT = "#FFE66D"

#: Low loss to high loss, for surfaces and contour maps (dark blue → teal → gold).
SURFACE_SCALE = ["#1B1F4B", "#1F4E79", "#1C7C7D", "#3FA56B", "#A8C545", "#F4D35E"]

FONT = "DejaVu Sans"
MONO = "DejaVu Sans Mono"
#: Fonts for languages DejaVu has no glyphs for (installed by scripts/setup.sh: fonts-noto-cjk), as
#: Pango family lists: Latin, Greek, digits and symbols stay DejaVu's (so numbers and formulas-in-text
#: look as in English, and β·v keeps a narrow middle dot), Chinese comes from Noto Sans CJK SC.
LANGUAGE_FONTS = {"zh": (f"{FONT}, Noto Sans CJK SC", f"{MONO}, Noto Sans Mono CJK SC")}

TITLE_SIZE = 36
BODY_SIZE = 26
SMALL_SIZE = 20
LABEL_SIZE = 24


class _FamilyListIsAFont(logging.Filter):
    """Manim warns that a family list ("DejaVu Sans, Noto Sans CJK SC") is not one installed font; Pango takes it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not (message.startswith("Font ") and any(f"Font {f} not in" in message for pair in LANGUAGE_FONTS.values() for f in pair))


logging.getLogger("manim").addFilter(_FamilyListIsAFont())


def font(mono: bool = False, lang: str | None = None) -> str:
    """The lecture's font for ``lang`` (default: the language being rendered)."""
    plain, fixed = LANGUAGE_FONTS.get(lang or i18n.current(), (FONT, MONO))
    return fixed if mono else plain


def label(text: str, size: float = BODY_SIZE, color: str = TEXT, mono: bool = False, **kwargs) -> Text:
    """Plain on-screen text in the lecture's font (the current language's).

    Setting a text (Pango, then parsing its SVG into glyphs) costs several
    times copying one, and scenes set the same words again and again (and a
    chunk of a scene, forked after its plan, inherits what the plan set), so
    each distinct text is set once per process and copied after that.
    """
    key = (text, float(size), str(color), font(mono), repr(sorted(kwargs.items())))
    proto = _TEXTS.get(key)
    if proto is None:
        if len(_TEXTS) >= _TEXT_CACHE_SIZE:
            _TEXTS.clear()
        proto = _TEXTS[key] = Text(text, font=font(mono), font_size=size, color=color, **kwargs)
    return proto.copy()


#: Texts already set by :func:`label` (a copy is handed out).
_TEXTS: dict[tuple, Text] = {}
_TEXT_CACHE_SIZE = 4096


def method_color(name: str) -> str:
    """The colour of an optimizer's ball, path and legend entry: its class's ``color``
    (``lookahead:momentum`` is Lookahead's).

    An unknown name raises (with the closest names), never a default colour:
    a ball drawn in another method's colour would be a wrong picture.
    """
    return OPTIMIZERS[method_parts(name)[0]].color


def backdrop(mob, opacity: float = 0.6):
    """Give a label a soft dark card behind it, so it reads on bright and busy ground (e.g. a map's high edge)."""
    if getattr(mob, "background_rectangle", None) is None:
        mob.add_background_rectangle(color=BACKGROUND, opacity=opacity, buff=0.05)
    return mob
