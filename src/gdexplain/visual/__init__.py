"""Reusable Manim building blocks: every picture two scenes share lives here."""

import gdexplain.visual.svg_paths  # noqa: F401  (lighter Text/MathTypst copies: see that module)
