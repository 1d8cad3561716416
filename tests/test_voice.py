"""Narration voices (gdexplain.voice): engines, the speech cache, and beats timed by their audio.

espeak-ng is installed by scripts/setup.sh, so the espeak tests always run;
the Piper tests run where `bash scripts/setup.sh --voice piper` was run.
"""

from __future__ import annotations

import math
import sys
import wave

import numpy as np
import pytest
from click.testing import CliRunner

from gdexplain import narration, voice
from gdexplain.catalog import get_entry
from gdexplain.cli import main
from gdexplain.core.errors import InputError
from gdexplain.narration import Beat
from gdexplain.render import narration_script, render_scene

TEST_FPS = 5
FRAME = 1 / TEST_FPS


@pytest.fixture(autouse=True)
def private_cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv(voice.CACHE_ENV, str(tmp_path_factory.mktemp("speech-cache")))
    monkeypatch.delenv(voice.VOICE_ENV, raising=False)
    monkeypatch.delenv("GDEXPLAIN_WPM", raising=False)


class CountingEngine(voice.Engine):
    """A fake engine: a 440 Hz tone, one second per word; records what it was asked to say."""

    name = "fake"

    def __init__(self, identity: str = "fake 1") -> None:
        super().__init__("tone")
        self._identity = identity
        self.said: list[str] = []

    @property
    def identity(self) -> str:
        return self._identity

    def synthesize(self, text):
        self.said.append(text)
        rate = 8000
        t = np.arange(int(rate * len(text.split()))) / rate
        tone = 0.2 * np.sin(2 * np.pi * 440 * t)
        return np.concatenate([np.zeros(rate // 2), tone, np.zeros(rate)]), rate  # silence around the words


def dbfs(samples: np.ndarray) -> float:
    return 20 * math.log10(float(np.sqrt(np.mean(np.square(samples)))) + 1e-12)


# --- the cache and the clips -------------------------------------------------------------------


def test_narrator_caches_by_text_and_engine_identity(tmp_path):
    engine = CountingEngine()
    narrator = voice.Narrator(engine, tmp_path)
    first = narrator.speak("Alpha is 0.05 here.")
    again = narrator.speak("Alpha is 0.05 here.")
    assert again == first and engine.said == ["Alpha is zero point zero five here."]  # numbers said in words
    narrator.speak("Another sentence.")
    assert len(engine.said) == 2
    other = voice.Narrator(CountingEngine("fake 2"), tmp_path)  # another voice or rate: another clip
    assert other.cache_path("Alpha is 0.05 here.") != first.path
    assert first.path.is_relative_to(tmp_path / "speech" / "fake" / "tone")


def test_clips_are_trimmed_and_normalised(tmp_path):
    speech = voice.Narrator(CountingEngine(), tmp_path).speak("three words here")
    samples, rate = voice.read_wav(speech.path)
    assert speech.duration == pytest.approx(3 + 2 * voice.EDGE_SECONDS, abs=2 / rate)  # the silences are gone
    assert float(np.max(np.abs(samples))) == pytest.approx(10 ** (-1 / 20), abs=1e-3)


def test_silent_clip_has_no_length(tmp_path):
    assert voice.tidy(np.zeros(1000), 8000).size == 0


def test_cache_files_are_written_whole(tmp_path, monkeypatch):
    narrator = voice.Narrator(CountingEngine(), tmp_path)

    def broken(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(wave.Wave_write, "writeframes", broken)
    with pytest.raises(KeyboardInterrupt):
        narrator.speak("interrupted words")
    assert not narrator.cache_path("interrupted words").exists()
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


# --- choosing a voice ----------------------------------------------------------------------------


def test_voice_comes_from_the_option_then_the_environment(monkeypatch):
    assert voice.load_voice(None) is None and voice.canonical_voice("none") == "none"
    monkeypatch.setenv(voice.VOICE_ENV, "espeak")
    assert voice.canonical_voice(None) == "espeak:en-us"
    assert voice.canonical_voice("none") == "none"  # the option wins
    assert voice.canonical_voice("espeak:en-gb") == "espeak:en-gb"


@pytest.mark.parametrize(
    "spec, words",
    [
        ("festival", ["unknown voice 'festival'", "espeak", "piper"]),
        ("espeak:en-uk", ["unknown espeak-ng voice", "en-gb"]),
        ("piper:nobody", ["unknown Piper voice 'nobody'", "joe"]),
        ("piper:/no/such/voice.onnx", ["does not exist"]),
    ],
)
def test_bad_voices_are_one_line_errors(spec, words):
    with pytest.raises(InputError) as err:
        voice.load_voice(spec)
    message = str(err.value)
    assert "\n" not in message
    for w in words:
        assert w in message


def test_missing_piper_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "piper", None)  # as if piper-tts were not installed
    with pytest.raises(InputError, match=r"run `bash scripts/setup.sh --voice piper`"):
        voice.load_voice("piper")
    result = CliRunner().invoke(main, ["render", "one-learning-rate", "--voice", "piper"])
    assert result.exit_code != 0 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "setup.sh --voice piper" in result.stderr


def test_missing_espeak_says_how_to_install_it(monkeypatch):
    monkeypatch.setattr(voice.shutil, "which", lambda name: None)
    with pytest.raises(InputError, match="needs espeak-ng: run `bash scripts/setup.sh`"):
        voice.load_voice("espeak")


def test_render_passes_the_voice_on(monkeypatch, tmp_path):
    seen = []

    def fake_render(entries, **kwargs):
        seen.append(kwargs["voice"])
        raise InputError("stop here")

    monkeypatch.setattr("gdexplain.parallel.render_many", fake_render)
    monkeypatch.setenv(voice.VOICE_ENV, "espeak")
    CliRunner().invoke(main, ["render", "one-learning-rate", "--output-dir", str(tmp_path)])
    CliRunner().invoke(main, ["render", "one-learning-rate", "--voice", "none", "--output-dir", str(tmp_path)])
    assert seen == ["espeak:en-us", "none"]


# --- real engines -------------------------------------------------------------------------------


def test_espeak_says_the_words_at_the_narration_rate(monkeypatch):
    narrator = voice.load_voice("espeak")
    text = "Twenty words " * 10
    normal = narrator.speak(text.strip())
    words_say = narration.speech_seconds(text)
    monkeypatch.setenv("GDEXPLAIN_WPM", "300")
    fast = voice.load_voice("espeak").speak(text.strip())
    assert fast.path != normal.path
    assert 0.4 < fast.duration / normal.duration < 0.65
    samples, _ = voice.read_wav(normal.path)
    assert dbfs(samples) > -30  # speech, not silence
    assert normal.duration == pytest.approx(words_say, rel=0.35)  # about 150 words a minute


@pytest.mark.skipif(not voice.PiperEngine.installed(), reason="the piper voice is not installed (setup.sh --voice piper)")
def test_piper_says_the_words():
    speech = voice.load_voice("piper").speak("With alpha 0.05, the ball crawls along the floor.")
    samples, rate = voice.read_wav(speech.path)
    assert rate == 22050 and 2.0 < speech.duration < 6.0
    assert dbfs(samples) > -30


# --- beats timed by their audio -----------------------------------------------------------------

LONG = "Here is a ravine. Across it the walls are steep, and along it the floor is almost flat and very long indeed."


def voiced_scene(self):
    from manim import Dot, FadeIn, Square

    with self.narrate(LONG):  # two cues, much longer than the 0.2 s animation
        self.play(FadeIn(Dot()), run_time=0.2)
    with self.narrate("Short."):  # 3 s of picture, far more than the words
        self.play(FadeIn(Square()), run_time=3)


def test_voice_drives_the_beats_and_the_soundtrack(tmp_path, tiny_scene):
    import av

    cls = tiny_scene(voiced_scene)
    result = render_scene(get_entry("ball-downhill"), quality_name="test", output_dir=tmp_path, voice="espeak")
    scene = cls.instances[-1]
    narrator = voice.load_voice("espeak")
    first, second = scene.beats
    clips = [narrator.speak(text) for text in narration.cue_groups(LONG)]
    assert len(clips) == 2
    # The beat lasts its audio plus a breath, rounded up to whole frames; the short words do not cut the long picture.
    spoken = clips[0].duration + narration.CUE_PAUSE_SECONDS + clips[1].duration
    assert first.speech == pytest.approx(spoken)
    assert spoken + narration.BREATH_SECONDS - 1e-6 <= first.duration <= spoken + narration.BREATH_SECONDS + FRAME + 1e-6
    assert first.cue_starts == pytest.approx((0.0, clips[0].duration + narration.CUE_PAUSE_SECONDS))
    assert second.duration == pytest.approx(3.0)

    # Subtitles change when the voice reaches the second sentence.
    cues = narration.parse_srt(result.path.with_suffix(".srt").read_text())
    assert [c.text for c in cues] == narration.cue_groups(LONG) + ["Short."]
    assert cues[1].start == pytest.approx(first.start + first.cue_starts[1], abs=1e-3)
    script = result.path.with_suffix(".script.md").read_text()
    assert "Narrated by espeak:en-us" in script and f"· spoken {first.speech:.1f} s" in script

    # The soundtrack: as long as the video, speech inside each spoken window, quiet in the breath after it.
    with av.open(str(result.path)) as container:
        video, audio = container.streams.video[0], container.streams.audio[0]
        video_seconds = float(video.duration * video.time_base)
        audio_seconds = float(audio.duration * audio.time_base)
        rate = audio.codec_context.sample_rate
        samples = np.concatenate([f.to_ndarray().mean(axis=0) for f in container.decode(audio)])
    assert video_seconds == pytest.approx(scene.time)
    assert abs(audio_seconds - video_seconds) < 1 / 15  # within a frame at the low quality
    for beat in scene.beats:
        words = samples[int((beat.start + 0.05) * rate) : int((beat.start + beat.speech - 0.05) * rate)]
        after = samples[int((beat.start + beat.speech + 0.06) * rate) : int((beat.end - 0.02) * rate)]
        assert dbfs(words) > -35, beat.text
        assert after.size > 0 and dbfs(after) < -55, beat.text


def test_voiced_script_without_rendering_has_the_render_times(tmp_path, tiny_scene, monkeypatch):
    cls = tiny_scene(voiced_scene)
    monkeypatch.chdir(tmp_path)
    text = narration_script(get_entry("ball-downhill"), voice="espeak")
    beats = cls.instances[-1].beats
    assert beats[0].speech is not None and beats[0].duration >= beats[0].speech + narration.BREATH_SECONDS - 1e-9
    assert "Narrated by espeak:en-us" in text
    assert list(tmp_path.iterdir()) == []  # a dry run writes nothing (the cache lives elsewhere)


def test_split_cues_follow_the_audio():
    beat = Beat(1, "First sentence here. " + "x" * 95 + ".", 10.0, 20.0, speech=9.0, cue_starts=(0.0, 6.5))
    cues = narration.split_cues(beat)
    assert [(c.start, c.end) for c in cues] == [(10.0, 16.5), (16.5, 20.0)]
    silent = Beat(1, beat.text, 10.0, 20.0)
    assert narration.split_cues(silent)[0].end != 16.5  # without audio: by share of words


def test_spoken_numbers_follow_the_settings(tmp_path, tiny_scene, monkeypatch):
    """`--set lr=0.3` changes what the voice is given to say, in words, while the subtitles keep the digits."""
    from gdexplain.visual.panels import fmt

    def construct(self):
        from manim import Dot, FadeIn

        with self.narrate(f"The learning rate is {fmt(self.settings['lr'])}, and eps is 1e-8."):
            self.play(FadeIn(Dot()), run_time=0.2)

    cls = tiny_scene(construct)
    said = []
    original = voice.EspeakEngine.synthesize
    monkeypatch.setattr(voice.EspeakEngine, "synthesize", lambda self, text: said.append(text) or original(self, text))
    monkeypatch.chdir(tmp_path)
    narration_script(get_entry("ball-downhill"), {"lr": "0.3"}, voice="espeak")
    assert said == ["The learning rate is zero point three, and eps is ten to the minus eight."]
    assert cls.instances[-1].beats[0].text == "The learning rate is 0.3, and eps is 1e-8."
