"""The lecture's scene modules, installed as the package ``gdexplain_scenes``.

Each module is also a plain Manim file: ``manim -ql scenes/momentum.py
MomentumMechanism``. :func:`gdexplain.catalog.load_scene_class` imports them
as ``gdexplain_scenes.<module>``.
"""
