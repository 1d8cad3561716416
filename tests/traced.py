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
        args += ["--param", f"{key}={value if isinstance(value, str) else repr(value)}"]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    reader = csv.reader(io.StringIO(result.stdout))
    header = next(reader)
    return [{k: (None if v == "" else float(v)) for k, v in zip(header, row, strict=True)} for row in reader]

