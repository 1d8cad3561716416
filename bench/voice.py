"""Voice benchmark: seconds of synthesis per minute of speech, for each installed engine.

Usage::

    .venv/bin/python bench/voice.py [SLUG ...] [--voice espeak piper] [--json PATH]

The words are the real narration of the given scenes (default:
one-learning-rate and momentum-vs-gd), taken from their dry-run beats and
cut into subtitle cues as a render cuts them. Each cue is synthesized by
the engine directly (no cache), through :func:`gdexplain.spoken.speakable`
as in a render. One row per engine: the cues, minutes of speech produced,
wall time, **seconds of synthesis per minute of speech**, and the real-time
factor (wall / audio; below 1 is faster than real time), and the CPU
seconds per minute of speech (load-independent: divide by the cores for
the wall time of a quiet machine). Loading a Piper model is timed
separately (once per process). The machine's core count is
printed with the figures; set ``OMP_NUM_THREADS`` to limit onnxruntime.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from gdexplain import narration, voice  # noqa: E402
from gdexplain.catalog import get_entry  # noqa: E402
from gdexplain.spoken import speakable  # noqa: E402


def narration_cues(slugs: list[str]) -> list[str]:
    """The subtitle cues of the scenes' narration, as a render would speak them."""
    from manim import tempconfig

    from gdexplain.catalog import load_scene_class

    texts: list[str] = []
    for slug in slugs:
        entry = get_entry(slug)
        with tempconfig({"dry_run": True, "verbosity": "ERROR", "progress_bar": "none", "pixel_width": 256, "pixel_height": 144}):
            scene = load_scene_class(entry)(settings=entry.resolve(None), voice="none", skip_animations=True)
            scene.renderer.update_frame = lambda *a, **k: None
            scene.render()
        texts += [cue for beat in scene.beats for cue in narration.cue_groups(beat.text)]
    return texts


def measure(spec: str, cues: list[str]) -> dict:
    """Synthesize every cue once with the engine of ``spec``; return the figures."""
    t0 = time.perf_counter()
    engine = voice.load_voice(spec).engine
    load = 0.0
    if isinstance(engine, voice.PiperEngine):
        voice._load_piper(str(engine.model), str(engine.config))
        load = time.perf_counter() - t0
    audio = 0.0
    t1, c1 = time.perf_counter(), time.process_time()
    for cue in cues:
        samples, rate = engine.synthesize(speakable(cue))
        audio += voice.tidy(samples, rate).size / rate
    wall, cpu = time.perf_counter() - t1, time.process_time() - c1
    return {
        "voice": engine.spec,
        "cues": len(cues),
        "speech_minutes": audio / 60,
        "wall_s": wall,
        "load_s": load,
        "s_per_speech_minute": wall / (audio / 60),
        "real_time_factor": wall / audio,
        # CPU seconds of this process (all its threads; espeak-ng runs in a child process, not counted):
        # on a busy machine wall time grows, CPU time does not.
        "cpu_s_per_speech_minute": cpu / (audio / 60),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("slugs", nargs="*", default=["one-learning-rate", "momentum-vs-gd"])
    parser.add_argument("--voice", nargs="+", default=["espeak", "piper"])
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()

    cues = narration_cues(args.slugs)
    print(f"{len(cues)} cues from {', '.join(args.slugs)} · {os.cpu_count()} cores")
    print(
        f"{'voice':<14} {'speech min':>10} {'wall s':>8} {'load s':>7} {'s / speech min':>15} {'RTF':>6} {'cpu s / speech min':>19}"
    )
    rows = []
    for spec in args.voice:
        try:
            row = measure(spec, cues)
        except Exception as err:  # an engine that is not installed is reported, not fatal
            print(f"{spec:<14} skipped: {err}")
            continue
        rows.append(row)
        print(
            f"{row['voice']:<14} {row['speech_minutes']:>10.2f} {row['wall_s']:>8.1f} {row['load_s']:>7.1f} "
            f"{row['s_per_speech_minute']:>15.1f} {row['real_time_factor']:>6.3f} {row['cpu_s_per_speech_minute']:>19.1f}"
        )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"cores": os.cpu_count(), "slugs": args.slugs, "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
