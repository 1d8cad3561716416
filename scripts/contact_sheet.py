"""Frames of a rendered video on one sheet, to look at a whole scene at once.

Usage::

    .venv/bin/python scripts/contact_sheet.py media/low/momentum.zh.mp4 [--cues] [--every 4] [--columns 3] [-o sheet.png]

``--cues`` takes the frame just before each subtitle cue ends (from the
``.srt`` beside the video: the picture each sentence ends on); otherwise one
frame every ``--every`` seconds. Each frame is captioned with its time. With
more frames than fit one sheet (``--per-sheet``, default 12), numbered sheets
are written (``sheet-1.png``, ``sheet-2.png`` …).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import av
from PIL import Image, ImageDraw, ImageFont

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
from gdexplain.narration import parse_srt  # noqa: E402


def frames_at(video: Path, times: list[float]) -> list[tuple[float, Image.Image]]:
    """The frame showing at each time (the last frame starting at or before it), in order."""
    out: list[tuple[float, Image.Image]] = []
    wanted = sorted(times)
    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        last = None
        i = 0
        for frame in container.decode(stream):
            t = float(frame.pts * stream.time_base)
            while i < len(wanted) and t > wanted[i] and last is not None:
                out.append((wanted[i], last))
                i += 1
            if i >= len(wanted):
                break
            last = frame.to_image()
        while i < len(wanted) and last is not None:
            out.append((wanted[i], last))
            i += 1
    return out


def sheet(frames: list[tuple[float, Image.Image]], columns: int) -> Image.Image:
    """The frames tiled ``columns`` wide, each with its time in the corner."""
    w, h = frames[0][1].size
    rows = -(-len(frames) // columns)
    page = Image.new("RGB", (columns * w, rows * h), "black")
    draw = ImageDraw.Draw(page)
    font = ImageFont.load_default(size=max(12, h // 18))
    for n, (t, image) in enumerate(frames):
        x, y = (n % columns) * w, (n // columns) * h
        page.paste(image, (x, y))
        label = f"{t:.1f}s"
        box = draw.textbbox((x + 4, y + 2), label, font=font)
        draw.rectangle([box[0] - 3, box[1] - 2, box[2] + 3, box[3] + 2], fill="black")
        draw.text((x + 4, y + 2), label, fill="white", font=font)
        draw.rectangle([x, y, x + w - 1, y + h - 1], outline="gray")
    return page


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("video", type=Path)
    parser.add_argument("--cues", action="store_true", help="one frame at the end of each subtitle cue")
    parser.add_argument("--every", type=float, default=4.0, help="seconds between frames without --cues")
    parser.add_argument("--columns", type=int, default=3)
    parser.add_argument("--per-sheet", type=int, default=12)
    parser.add_argument("-o", "--output", type=Path, default=None, help="default: <video>.sheet.png")
    args = parser.parse_args(argv)
    if args.cues:
        srt = args.video.with_suffix(".srt")
        times = [max(c.end - 0.05, c.start) for c in parse_srt(srt.read_text(encoding="utf-8"))]
    else:
        with av.open(str(args.video)) as container:
            duration = float(container.duration or 0) / av.time_base
        times = [k * args.every for k in range(int(duration // args.every) + 1)]
    frames = frames_at(args.video, times)
    if not frames:
        print("no frames found", file=sys.stderr)
        return 1
    base = args.output or args.video.with_name(args.video.name + ".sheet.png")
    pages = [frames[i : i + args.per_sheet] for i in range(0, len(frames), args.per_sheet)]
    for n, page in enumerate(pages, 1):
        path = base if len(pages) == 1 else base.with_name(f"{base.stem}-{n}{base.suffix}")
        sheet(page, args.columns).save(path)
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
