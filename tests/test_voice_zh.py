"""The Mandarin voice: `--voice espeak --lang zh` (gdexplain.spoken_zh and the zh side of gdexplain.voice).

What the engine hears is tone-numbered pinyin in SSML, with Latin words in
an English voice; the subtitles keep the written Chinese. espeak-ng is
installed by scripts/setup.sh, so the synthesis tests always run.
"""

from __future__ import annotations

import math
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from gdexplain import cache, i18n, narration, spoken_zh, voice
from gdexplain.catalog import get_entry
from gdexplain.cli import main
from gdexplain.core.errors import InputError
from gdexplain.spoken_zh import espeak_input, integer_zh, pinyin, say_number_zh, speakable_zh

CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")


@pytest.fixture(autouse=True)
def private_cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv(voice.CACHE_ENV, str(tmp_path_factory.mktemp("speech-cache")))
    monkeypatch.delenv(voice.VOICE_ENV, raising=False)
    monkeypatch.delenv("GDEXPLAIN_WPM", raising=False)


def phonemes(ssml: str) -> str:
    """espeak-ng's phoneme mnemonics for what it was given (tones as pitch contours: 55, 35, 214/21, 51; neutral 11–44)."""
    return subprocess.run(
        ["espeak-ng", "-q", "-x", "-m", "-v", spoken_zh.PINYIN_VOICE, "--", ssml], capture_output=True, text=True, check=True
    ).stdout


def engine_words(ssml: str) -> str:
    """The words inside the SSML, tags removed."""
    return re.sub(r"<[^>]+>", " ", ssml)


# --- pinyin and tones ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, syllables",
    [
        ("步长", "bu4 chang2"),  # pypinyin alone reads 长 zhang3 here
        ("长大", "zhang3 da4"),
        ("调度", "diao4 du4"),
        ("收敛", "shou1 lian3"),
        ("学习率", "xue2 xi2 lv4"),
        ("我们的小球", "wo3 men5 de5 xiao3 qiu2"),  # neutral tones are 5
        ("步长更长，调小一点", "bu4 chang2 geng4 chang2, tiao2 xiao3 yi4 dian3"),
        ("损失为零", "sun3 shi1 wei2 ling2"),
        ("为了收敛", "wei4 le5 shou1 lian3"),
        ("小球卡住了", "xiao3 qiu2 qia3 zhu4 le5"),
        # 一 and 不 change tone by what follows; a digit, an ordinal or the end of a word keeps yi1
        ("一步", "yi2 bu4"),
        ("一条路径", "yi4 tiao2 lu4 jing4"),
        ("第一步", "di4 yi1 bu4"),
        ("唯一的", "wei2 yi1 de5"),
        ("不是", "bu2 shi4"),
        ("不能", "bu4 neng2"),
        ("在哪儿", "zai4 na3 er5"),  # the 儿 suffix light (espeak-ng has no 儿化 syllables)
        ("女儿", "nv3 er2"),
    ],
)
def test_pinyin_reads_words_and_tones(text, syllables):
    assert pinyin(text) == syllables


@pytest.mark.parametrize(
    "text, syllables",
    [
        ("0.31", "ling2 dian3 san1 yi1"),  # digits after the point: yi1
        ("1000", "yi4 qian1"),
        ("10000", "yi2 wan4"),
        ("11 步", "shi2 yi1 bu4"),
        ("1 步", "yi2 bu4"),
        ("β₁ 和 β₂", "bei4 ta3 yi1 he2 bei4 ta3 er4"),
    ],
)
def test_tones_of_one_in_numbers(text, syllables):
    assert pinyin(text) == syllables


def test_project_phrases_are_read_as_written():
    for word, reading in spoken_zh.PHRASES.items():
        from pypinyin.contrib.tone_convert import to_tone3

        expected = " ".join(to_tone3(s, neutral_tone_with_five=True) for s in reading.split())
        assert pinyin(word) == expected, word


def test_espeak_says_the_tones_of_the_pinyin():
    """The tones reach the voice: 妈麻马骂 are ma1 ma2 ma3 ma4, and 步长 is said bu4 chang2, not bu4 zhang3."""
    said = phonemes(espeak_input("妈，麻，马，骂。"))
    assert re.findall(r"m'A(\d+)", said) == ["55", "35", "214", "51"]
    said = phonemes(espeak_input("步长"))
    assert "ts.h'A35N" in said and "ts.'a214N" not in said  # chang2, not zhang3


def test_unsure_readings_lists_polyphones_read_alone():
    found = spoken_zh.unsure_readings("我们把步长调小")
    assert ("我们把步长调小", "把", "ba3") in found
    assert all(char != "长" for _, char, _ in found)  # 步长 is a phrase


# --- numbers ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written, said",
    [
        ("0.3916", "零点三九一六"),
        ("−22", "负二十二"),
        ("-22", "负二十二"),
        ("1000", "一千"),
        ("20", "二十"),
        ("10", "十"),
        ("115", "一百一十五"),
        ("1205", "一千二百零五"),
        ("2000", "两千"),
        ("12345", "一万二千三百四十五"),
        ("100010", "十万零一十"),
        ("1e-8", "十的负八次方"),
        ("1.000e−8", "十的负八次方"),
        ("2.5e-4", "二点五乘以十的负四次方"),
        ("0.50", "零点五零"),
        (0.9, "零点九"),
        (-3, "负三"),
    ],
)
def test_say_number_zh(written, said):
    assert say_number_zh(written) == said


_CN_DIGIT = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"两": 2}
_CN_UNIT = {"十": 10, "百": 100, "千": 1000}


def read_chinese(words: str) -> int:
    """An independent reader of Chinese numerals, to check integer_zh against."""
    for big, value in (("亿", 10**8), ("万", 10**4)):
        if big in words:
            high, _, low = words.rpartition(big)
            return read_chinese(high) * value + read_chinese(low)
    section, digit = 0, 0
    for c in words:
        if c in _CN_DIGIT:
            digit = _CN_DIGIT[c]
        else:
            section += (digit or 1) * _CN_UNIT[c]
            digit = 0
    return section + digit


@given(st.integers(min_value=0, max_value=10**12))
def test_integer_zh_reads_back(n):
    words = integer_zh(n)
    assert read_chinese(words) == n
    assert ("零零" not in words and not words.endswith("零")) or n == 0


@pytest.mark.parametrize(
    "written, said",
    [
        ("学习率为 0.3916。", "学习率为零点三九一六。"),
        ("损失为 −22。", "损失为负二十二。"),
        ("走了 1000 步，第3步最大。", "走了一千步，第三步最大。"),
        ("走了 2 步。", "走了两步。"),
        ("第 2 步。", "第二步。"),
        ("4乘以10的负5次方", "四乘以十的负五次方"),
        ("β 在 0.8–0.99 之间。", "贝塔在零点八到零点九九之间。"),
        ("有 50% 的样本。", "有百分之五十的样本。"),
        ("缩小为 1/4 绘制", "缩小为四分之一绘制"),
        ("10⁻⁸ 和 3×10^5", "十的负八次方和三乘以十的五次方"),
        ("Lion 是 2023 年提出的。", "Lion 是二零二三年提出的。"),  # a year digit by digit
    ],
)
def test_numbers_in_sentences(written, said):
    assert speakable_zh(written) == said


# --- symbols and method names ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "written, said",
    [
        ("α、β、θ、ρ、ε", "阿尔法，贝塔，西塔，柔，艾普西龙"),
        ("∇L", "梯度 L"),
        ("√s", "根号 s"),
        ("β·v", "贝塔乘 v"),
        ("2×3", "二乘三"),
        ("g²", "g 的平方"),
        ("θ − α·g", "西塔减阿尔法乘 g"),
        ("−α·g", "负阿尔法乘 g"),
        ("θ ← θ − α∇L", "西塔更新为西塔减阿尔法梯度 L"),
        ("β ≈ 0.9", "贝塔约等于零点九"),
        ("β₁", "贝塔一"),
        ("m̂", "m hat"),
        ("μₜ₊₁", "缪 t 加一"),
        ("θ^2", "西塔的平方"),
    ],
)
def test_symbols_are_said(written, said):
    assert speakable_zh(written) == said


def test_method_names_are_said_by_an_english_voice():
    ssml = espeak_input("Adam、AdaGrad、RMSProp、Nesterov、Lion、Lookahead 和 SGD 一起赛跑。")
    english = re.findall(r'<voice name="en-us">([^<]*)</voice>', ssml)
    assert english == ["Adam, Adda grad, RMSProp, Nesterov, Lion, Lookahead", "SGD"]
    said = phonemes(ssml)
    assert "'ad@m" in said and "n'Est3r" in said and "l'aI@n" in said  # English phonemes, no Chinese tones on them
    assert "'a55d@55m" not in said  # how the pinyin voice alone says "Adam"
    assert "X'o-35" in said and "s'ai51" in said  # 和, 赛: the Chinese around them keeps its tones


SENTENCES = [
    "学习率为 0.3916 时，损失从 195.8 降到 67.35。",
    "第3步之后，Adam 的步长几乎恰好是 α。",
    "−α·g 与 β·v 首尾相接，和就是这一步。",
    "ε 取 1e-8，√s 很小时步长会变大。",
    "RMSProp 的正方形先缩到 ρ 倍，再加上 (1−ρ)·g²。",
    "1000 次迭代以后，w1 仍然只有 0.0759。",
]


def po_sentences() -> list[str]:
    """Every Chinese translation there is, placeholders filled with a number or a method name."""
    fill = lambda m: "Adam" if m[1] in ("name", "who") else "−0.3916"  # noqa: E731
    return [re.sub(r"\{(\w+)\}", fill, form) for forms in i18n.catalog("zh").values() for form in forms if form]


@pytest.mark.parametrize("text", SENTENCES + po_sentences())
def test_engine_hears_no_characters_and_no_numerals(text):
    ssml = espeak_input(text)
    words = engine_words(ssml)
    assert not CJK.search(words), words
    # The only digits left are tones, each ending a pinyin syllable (inside a Mandarin voice).
    for voice_name, body in re.findall(r'<voice name="([^"]+)">([^<]*)</voice>', ssml):
        digits = re.findall(r"[a-zü]*\d", body)
        assert all(re.fullmatch(r"[a-zü]+[1-5]", d) for d in digits), body
        assert voice_name == spoken_zh.PINYIN_VOICE or not digits, body


# --- the engine ------------------------------------------------------------------------------------


def test_espeak_speaks_mandarin():
    narrator = voice.load_voice("espeak", lang="zh")
    assert narrator.spec == "espeak:cmn-latn-pinyin" and voice.canonical_voice("espeak", "zh") == "espeak:cmn-latn-pinyin"
    text = "小球只感觉得到脚下的坡度，梯度告诉它往哪边走。学习率为 0.05 时，它走得很慢。"
    speech = narrator.speak(text)
    syllables = len(re.findall(r"[a-z]+[1-5]", pinyin(text)))
    assert speech.duration == pytest.approx(syllables / 4.0, rel=0.3)  # about four syllables a second
    samples, rate = voice.read_wav(speech.path)
    assert rate == 22050
    assert 20 * math.log10(float(np.sqrt(np.mean(np.square(samples))))) > -30  # speech, not silence
    assert narrator.speak(text) == speech  # cached


def test_the_mandarin_rate_follows_wpm(monkeypatch):
    engine = voice.load_voice("espeak", lang="zh").engine
    normal = engine.rate
    key = voice.load_voice("espeak", lang="zh").cache_path("步长")
    monkeypatch.setenv("GDEXPLAIN_WPM", "300")
    assert normal == round(narration.DEFAULT_WPM * voice.ESPEAK_ZH_RATE_SCALE) and engine.rate == 2 * normal
    assert voice.load_voice("espeak", lang="zh").cache_path("步长") != key


@pytest.mark.parametrize(
    "spec, lang, words",
    [
        ("piper", "zh", ["--voice piper speaks English only", "--voice espeak"]),
        ("piper:/no/such/voice.onnx", "zh", ["does not exist"]),  # the file is named first, as in English
        ("espeak:en-us", "zh", ["cannot read --lang zh", "cmn-latn-pinyin"]),
        ("espeak:cmn", "zh", ["cannot read --lang zh", "cmn-latn-pinyin"]),
        ("espeak:cmn-latn-pinyin", "en", ["does not speak English", "en-us"]),
        ("espeak:cmn-latn-pinyn", "zh", ["unknown espeak-ng voice", "cmn-latn-pinyin"]),
    ],
)
def test_voices_that_cannot_speak_the_language_are_one_line_errors(spec, lang, words):
    with pytest.raises(InputError) as err:
        voice.load_voice(spec, lang)
    assert "\n" not in str(err.value)
    for w in words:
        assert w in str(err.value)


def test_cli_refuses_piper_for_chinese_in_one_line():
    result = CliRunner().invoke(main, ["render", "one-learning-rate", "--voice", "piper", "--lang", "zh"])
    assert result.exit_code != 0 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "--voice espeak" in result.stderr


# --- cache keys ------------------------------------------------------------------------------------


class SilentEngine(voice.Engine):
    name = "fake"

    @property
    def identity(self) -> str:
        return "fake 1"

    def synthesize(self, text):
        return np.zeros(10), 8000


def test_speech_cache_key_includes_the_language(tmp_path):
    english, chinese = voice.Narrator(SilentEngine("v", "en"), tmp_path), voice.Narrator(SilentEngine("v", "zh"), tmp_path)
    assert english.cache_path("Adam") != chinese.cache_path("Adam")  # same engine, same words, another language
    en, zh = voice.load_voice("espeak", "en"), voice.load_voice("espeak", "zh")
    assert en.cache_path("Adam") != zh.cache_path("Adam")


def test_speech_cache_key_includes_the_espeak_version(monkeypatch, tmp_path):
    narrator = voice.load_voice("espeak", "zh")
    before = narrator.cache_path("步长")
    monkeypatch.setattr(voice, "_espeak_version", lambda: "9.99")
    assert narrator.cache_path("步长") != before


def test_render_key_includes_language_and_voice_identity(monkeypatch):
    entry = get_entry("ball-downhill")
    settings = entry.resolve(None)

    def key(**options):
        return cache.render_key(entry, settings, {"quality_name": "low", "fmt": "mp4", **options})

    assert key(voice="espeak:en-us", lang="en") != key(voice="espeak:cmn-latn-pinyin", lang="zh")
    assert key(lang="en") != key(lang="zh")
    espeak_zh = key(voice="espeak:cmn-latn-pinyin", lang="zh")
    monkeypatch.setattr(voice, "_espeak_version", lambda: "9.99")  # a new espeak-ng: a new render
    assert key(voice="espeak:cmn-latn-pinyin", lang="zh") != espeak_zh
    assert key(lang="zh") == key(lang="zh")  # silent: no voice in the key


def test_piper_identity_is_the_model_content(tmp_path):
    model = tmp_path / "voice.onnx"
    model.write_bytes(b"one model")
    first = voice.file_digest(model)
    model.write_bytes(b"another!!")  # same name, same size
    import os

    os.utime(model, ns=(1, 1))
    assert voice.file_digest(model) != first


# --- a render ---------------------------------------------------------------------------------------

SAID = "学习率为 0.3916，损失是 −22。第3步之后，Adam 走得更快。"


def chinese_scene(self):
    from manim import Dot, FadeIn, Square

    with self.narrate(SAID):  # far longer than its 0.2 s animation: the audio sets the beat
        self.play(FadeIn(Dot()), run_time=0.2)
    with self.narrate("收敛。"):
        self.play(FadeIn(Square()), run_time=2)


@pytest.mark.slow
def test_chinese_render_has_a_soundtrack_and_beats_timed_by_audio(tmp_path, tiny_scene):
    import av

    from gdexplain.render import render_scene

    cls = tiny_scene(chinese_scene)
    result = render_scene(get_entry("ball-downhill"), quality_name="test", output_dir=tmp_path, voice="espeak", lang="zh")
    assert result.path.name == "ball-downhill.zh.mp4"
    scene = cls.instances[-1]
    narrator = voice.load_voice("espeak", "zh")
    clips = [narrator.speak(cue) for cue in narration.cue_groups(SAID)]
    first, second = scene.beats
    spoken = sum(c.duration for c in clips) + narration.CUE_PAUSE_SECONDS * (len(clips) - 1)
    assert first.speech == pytest.approx(spoken)
    assert first.duration >= spoken + narration.BREATH_SECONDS - 1e-6
    assert first.duration > 4 * 0.2  # the audio, not the animation, set its length
    assert second.duration == pytest.approx(2.0, abs=0.25)

    cues = narration.parse_srt(result.path.with_suffix(".srt").read_text(encoding="utf-8"))
    assert "0.3916" in cues[0].text and "零点" not in cues[0].text  # the subtitles keep the written digits
    assert "espeak:cmn-latn-pinyin" in result.path.with_suffix(".script.md").read_text(encoding="utf-8")  # who narrates

    with av.open(str(result.path)) as container:
        video, audio = container.streams.video[0], container.streams.audio[0]
        video_seconds = float(video.duration * video.time_base)
        rate = audio.codec_context.sample_rate
        samples = np.concatenate([f.to_ndarray().mean(axis=0) for f in container.decode(audio)])
    assert abs(samples.size / rate - video_seconds) < 1 / 15
    words = samples[int((first.start + 0.05) * rate) : int((first.start + first.speech - 0.05) * rate)]
    assert 20 * math.log10(float(np.sqrt(np.mean(np.square(words)))) + 1e-12) > -35


def test_po_sentences_are_there():
    """The engine-input test above reads every Chinese translation (it would pass vacuously without them)."""
    assert len(po_sentences()) > 20
    assert Path(i18n.LOCALE_DIR / "zh").is_dir()
