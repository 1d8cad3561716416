"""Reusable Manim building blocks: every picture two scenes share lives here."""
