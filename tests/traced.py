"""The numbers `gdexplain trace` prints, parsed: what scene tests compare the picture against."""

from __future__ import annotations

import csv
import io

from click.testing import CliRunner

from gdexplain.cli import main


def trace_csv(
    surface: str,
    optimizer: str,
    lr: float,
    steps: int,
    start=None,
    *,
    tol: float | None = None,
    batch_size: int | None = None,
    seed: int | None = None,
    **params,
) -> list[dict[str, float | None]]:
    """Run ``gdexplain trace --format csv`` and return one dict per step (empty cells as None)."""
    args = ["trace", "--surface", surface, "--optimizer", optimizer, "--lr", repr(float(lr)), "--steps", str(steps), "--format", "csv"]
    if batch_size is not None:
        args += ["--batch-size", str(batch_size)]
    if seed is not None:
        args += ["--seed", str(seed)]
    if start:
        args += ["--start", ",".join(repr(float(c)) for c in start)]
    if tol is not None:
        args += ["--tol", repr(float(tol))]
    for key, value in params.items():
        args += ["--param", f"{key}={value!r}"]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    reader = csv.reader(io.StringIO(result.stdout))
    header = next(reader)
    return [{k: (None if v == "" else float(v)) for k, v in zip(header, row, strict=True)} for row in reader]


def run_scene(slug: str, overrides=None):
    """Run a registered scene with animations skipped (nothing drawn or written), as ``gdexplain script`` does.

    Returns ``(scene, shown)``: the scene instance after ``construct``, and for
    each narrated beat the texts on screen when it ended (``Text.original_text``).
    """
    import tempfile

    from manim import Text, tempconfig

    from gdexplain.catalog import get_entry, load_scene_class

    entry = get_entry(slug)
    cls = load_scene_class(entry)
    shown: dict[int, list[str]] = {}
    with tempfile.TemporaryDirectory() as tmp, tempconfig(
        {"dry_run": True, "media_dir": tmp, "verbosity": "WARNING", "disable_caching": True, "progress_bar": "none",
         "pixel_width": 256, "pixel_height": 144}
    ):
        scene = cls(settings=entry.resolve(overrides), skip_animations=True)
        scene.renderer.update_frame = lambda *a, **k: None
        original = scene.add_subcaption

        def snapshot(*args, **kwargs):
            shown[len(scene.beats)] = on_screen_texts(scene, Text)
            return original(*args, **kwargs)

        scene.add_subcaption = snapshot
        scene.render()
    return scene, shown


def on_screen_texts(scene, text_class) -> list[str]:
    """Every visible text in the scene (opacity above zero), as written."""
    out = []
    for m in scene.mobjects:
        for sub in m.get_family():
            if isinstance(sub, text_class) and sub.get_fill_opacity() > 0:
                out.append(sub.original_text)
    return out
