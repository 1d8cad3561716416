"""The pure-numpy core: surfaces, optimizers, schedules, trajectories, traces, races.

Nothing in this subpackage imports Manim (a test asserts it): scenes ask the
core for recorded data and only draw it.
"""
