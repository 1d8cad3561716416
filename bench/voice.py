"""Voice benchmark: seconds of synthesis per minute of speech, for each installed engine.

Usage::

    .venv/bin/python bench/voice.py [SLUG ...] [--voice espeak piper] [--json PATH]
    .venv/bin/python bench/voice.py --lang zh [SLUG ...]      # Mandarin (espeak-ng's pinyin voice)
    .venv/bin/python bench/voice.py --lang zh --po            # every Chinese PO translation, no dry run
    .venv/bin/python bench/voice.py --names                   # method names inside Mandarin: two readings

The words are the real narration of the given scenes (default:
one-learning-rate and momentum-vs-gd), taken from their dry-run beats and
cut into subtitle cues as a render cuts them. Each cue is synthesized by
the engine directly (no cache), through the engine's :meth:`hears` as in a
render (numbers in words; for Chinese, SSML with tone-numbered pinyin). One row per engine: the cues, minutes of speech produced,
wall time, **seconds of synthesis per minute of speech**, and the real-time
factor (wall / audio; below 1 is faster than real time), and the CPU
seconds per minute of speech (load-independent: divide by the cores for
the wall time of a quiet machine). Loading a Piper model is timed
separately (once per process). The machine's core count is
printed with the figures; set ``OMP_NUM_THREADS`` to limit onnxruntime.

With ``--lang zh`` the rows also give the pace: syllables (pinyin) and
written characters per second of audio. ``--names`` compares, for each
method name inside a Mandarin sentence, what espeak-ng says when the
pinyin voice reads the Latin word itself and when the word is switched to
an English voice (SSML, what a render does): the phonemes and the seconds
the name adds to the sentence.
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

import re  # noqa: E402
import subprocess  # noqa: E402

from gdexplain import i18n, narration, spoken_zh, voice  # noqa: E402
from gdexplain.catalog import get_entry  # noqa: E402

#: Method names said inside Chinese narration (--names).
METHOD_NAMES = ("Adam", "AdaGrad", "RMSProp", "Nesterov", "Lion", "Lookahead", "SGD", "AdaDelta", "NAdam", "RAdam", "AdamW")


def narration_cues(slugs: list[str], lang: str = "en") -> list[str]:
    """The subtitle cues of the scenes' narration in ``lang``, as a render would speak them."""
    from manim import tempconfig

    from gdexplain.catalog import load_scene_class

    texts: list[str] = []
    i18n.forget_missing()
    for slug in slugs:
        entry = get_entry(slug)
        with tempconfig({"dry_run": True, "verbosity": "ERROR", "progress_bar": "none", "pixel_width": 256, "pixel_height": 144}):
            with i18n.using(lang):
                scene = load_scene_class(entry)(settings=entry.resolve(None), voice="none", lang=lang, skip_animations=True)
                scene.renderer.update_frame = lambda *a, **k: None
                scene.render()
        texts += [cue for beat in scene.beats for cue in narration.cue_groups(beat.text)]
    if lang != "en" and i18n.missing(lang):
        print(f"note: {len(i18n.missing(lang))} strings have no {lang} translation yet (said in English through the {lang} voice)")
    return texts


def po_cues(lang: str) -> list[str]:
    """Every translation in the language's PO files, placeholders filled with a number or a method name, cut into cues."""
    fill = lambda m: "Adam" if m[1] in ("name", "who") else "0.3916"  # noqa: E731
    texts = [re.sub(r"\{(\w+)\}", fill, form) for forms in i18n.catalog(lang).values() for form in forms if form]
    return [cue for text in texts for cue in narration.cue_groups(text)]


def measure(spec: str, cues: list[str], lang: str = "en") -> dict:
    """Synthesize every cue once with the engine of ``spec``; return the figures."""
    t0 = time.perf_counter()
    engine = voice.load_voice(spec, lang).engine
    load = 0.0
    if isinstance(engine, voice.PiperEngine):
        voice._load_piper(str(engine.model), str(engine.config))
        load = time.perf_counter() - t0
    audio = 0.0
    t1, c1 = time.perf_counter(), time.process_time()
    for cue in cues:
        samples, rate = engine.synthesize(engine.hears(cue))
        audio += voice.tidy(samples, rate).size / rate
    wall, cpu = time.perf_counter() - t1, time.process_time() - c1
    pace = {}
    if lang == "zh":
        syllables = sum(len(re.findall(r"[a-z]+[1-5]", spoken_zh.pinyin(cue))) for cue in cues)
        characters = sum(len(narration._CJK.findall(cue)) for cue in cues)
        pace = {"syllables_per_s": syllables / audio, "characters_per_s": characters / audio}
    return {
        "voice": engine.spec,
        "lang": lang,
        **pace,
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


def _espeak(args: list[str], text: str) -> tuple[str, float]:
    """espeak-ng's phonemes for ``text`` and the seconds it says them in."""
    said = subprocess.run(["espeak-ng", "-q", "-x", *args, "--", text], capture_output=True, text=True, check=True).stdout
    with voice.tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "o.wav"
        subprocess.run(["espeak-ng", *args, "-w", str(out), "--", text], check=True, capture_output=True)
        samples, rate = voice.read_wav(out)
    return " ".join(said.split()), voice.tidy(samples, rate).size / rate


def names_table() -> list[dict]:
    """For each method name in 这是 NAME 的步长: what the pinyin voice says alone vs. with the name in English (SSML)."""
    engine = voice.load_voice("espeak", "zh").engine
    plain = ["-v", spoken_zh.PINYIN_VOICE, "-s", str(engine.rate)]
    base = "zhe4 shi4 de5 bu4 chang2"
    _, without = _espeak(plain, base)
    rows = []
    print(f"seconds a name adds to \"{base}\" ({without:.2f} s) at -s {engine.rate}; phonemes of the name (espeak-ng -x)")
    print(f"{'name':<10} {'pinyin voice alone':<44} {'s':>5}   {'English voice (SSML)':<30} {'s':>5}")
    for name in METHOD_NAMES:
        auto, auto_s = _espeak(plain, f"zhe4 shi4 {name} de5 bu4 chang2")
        ssml = spoken_zh.espeak_input(f"这是 {name} 的步长")
        switched, switched_s = _espeak(["-m", *plain], ssml)
        part = lambda said: said.split("s.'i.51_|", 1)[-1].rsplit("t@", 1)[0].strip()  # noqa: E731 - the name's phonemes
        rows.append({"name": name, "auto": part(auto), "auto_s": auto_s - without, "ssml": part(switched), "ssml_s": switched_s - without})
        print(f"{name:<10} {rows[-1]['auto']:<44} {rows[-1]['auto_s']:>5.2f}   {rows[-1]['ssml']:<30} {rows[-1]['ssml_s']:>5.2f}")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("slugs", nargs="*", default=["one-learning-rate", "momentum-vs-gd"])
    parser.add_argument("--voice", nargs="+", default=None, help="default: espeak and piper (English), espeak (Chinese)")
    parser.add_argument("--lang", default="en", help="the narration's language (en, zh)")
    parser.add_argument("--po", action="store_true", help="the words: every translation in the language's PO files (no dry run)")
    parser.add_argument("--names", action="store_true", help="only the method-name table (Chinese)")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    if args.names:
        rows = names_table()
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps({"names": rows}, indent=2, ensure_ascii=False))
        return
    args.voice = args.voice or (["espeak", "piper"] if args.lang == "en" else ["espeak"])

    cues = po_cues(args.lang) if args.po else narration_cues(args.slugs, args.lang)
    source = f"the {args.lang} PO files" if args.po else ", ".join(args.slugs)
    print(f"{len(cues)} cues from {source} ({args.lang}) · {os.cpu_count()} cores")
    print(
        f"{'voice':<22} {'speech min':>10} {'wall s':>8} {'load s':>7} {'s / speech min':>15} {'RTF':>6} {'cpu s / speech min':>19}"
    )
    rows = []
    for spec in args.voice:
        try:
            row = measure(spec, cues, args.lang)
        except Exception as err:  # an engine that is not installed is reported, not fatal
            print(f"{spec:<22} skipped: {err}")
            continue
        rows.append(row)
        print(
            f"{row['voice']:<22} {row['speech_minutes']:>10.2f} {row['wall_s']:>8.1f} {row['load_s']:>7.1f} "
            f"{row['s_per_speech_minute']:>15.1f} {row['real_time_factor']:>6.3f} {row['cpu_s_per_speech_minute']:>19.1f}"
            + (f"   {row['syllables_per_s']:.2f} syllables/s, {row['characters_per_s']:.2f} characters/s" if "syllables_per_s" in row else "")
        )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"cores": os.cpu_count(), "slugs": args.slugs, "lang": args.lang, "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
