"""Mandarin for a voice engine: numbers, symbols and method names said, then tone-numbered pinyin.

The Chinese narration is written once, with the screen's digits and symbols
(``学习率为 0.3916，α 是 0.05``); the subtitles keep them. What a voice
engine hears goes through this module, in two steps:

1. :func:`speakable_zh` — the sentence as a Chinese lecturer says it, still
   in characters: numbers in Chinese words (``0.3916`` 零点三九一六, ``−22``
   负二十二, ``1000`` 一千, ``1e-8`` 十的负八次方, ``50%`` 百分之五十, ``1/4``
   四分之一, ``第3步`` 第三步, ``2 步`` 两步), Greek letters by their Chinese
   names (α 阿尔法, β 贝塔, θ 西塔, ρ 柔, ε 艾普西龙 …) and math said
   (∇ 梯度, √ 根号, · × 乘, ² 的平方, a − b 减, −a 负, = 等于, ≈ 约等于,
   ← 更新为). Latin words stay: method names (Adam, RMSProp, SGD …) and
   single letters (x, m, v) are said in English, as Chinese lecturers do.
2. :func:`espeak_input` — what espeak-ng is given: SSML (``espeak-ng -m``)
   in which the Chinese is tone-numbered pinyin for the ``cmn-latn-pinyin``
   voice (espeak-ng reads Chinese characters with wrong tones and
   readings; it reads pinyin exactly) and every Latin word is wrapped in an
   English voice (``en-us``), so ``Adam`` is said as English, not as the
   pinyin syllables a-dam. No Chinese character and no number is left:
   the only digits are the tones.

Pinyin comes from pypinyin with its phrase dictionary, so a polyphone is
read by its word (调度 diao4 du4, 长大 zhang3 da4), plus :data:`PHRASES`,
this project's words that pypinyin reads wrongly on its own (步长 bu4
chang2, 卡住 qia3 zhu4). Neutral tones are 5 (的 de5). The tone changes of
一 and 不 are applied here (一步 yi2 bu4, 一千 yi4 qian1, 第一 di4 yi1,
零点一 ling2 dian3 yi1, 不是 bu2 shi4); espeak-ng applies the third-tone
change itself (你好 is said ni2 hao3 from ni3 hao3). espeak-ng has no
儿化 syllables (``nar3`` comes out as na1 + er3), so the 儿 suffix is a
light syllable of its own (哪儿 na3 er5). :func:`unsure_readings`
lists the polyphones of a text that were read by a character's default
reading, not by a word: where a new translation may need a phrase here.

Nothing here knows about scenes or engines.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from xml.sax.saxutils import escape

__all__ = [
    "PHRASES",
    "espeak_input",
    "integer_zh",
    "pinyin",
    "say_number_zh",
    "speakable_zh",
    "unsure_readings",
]

#: The espeak-ng voice that reads tone-numbered pinyin as Mandarin.
PINYIN_VOICE = "cmn-latn-pinyin"
#: The espeak-ng voice for the Latin words inside Chinese narration (method names, letters).
LATIN_VOICE = "en-us"

#: Words of this project that pypinyin's own dictionaries read wrongly (its default for 长 is zhǎng).
PHRASES: dict[str, str] = {
    "步长": "bù cháng",
    "更长": "gèng cháng",
    "太长": "tài cháng",
    "很长": "hěn cháng",
    "越长": "yuè cháng",
    "变长": "biàn cháng",
    "拉长": "lā cháng",
    "长长": "cháng cháng",
    "多长": "duō cháng",
    "长的": "cháng de",
    "长期": "cháng qī",
    "边长": "biān cháng",
    "卡住": "qiǎ zhù",
    "卡在": "qiǎ zài",
    "累积量": "lěi jī liàng",
    "累加": "lěi jiā",
    "损失为": "sǔn shī wéi",
    "为零": "wéi líng",
    "来回弹": "lái huí tán",
    "弹回": "tán huí",
    "反弹": "fǎn tán",
    "冲出": "chōng chū",
    "冲下": "chōng xià",
    "折返": "zhé fǎn",
    "之字形": "zhī zì xíng",
    "还在": "hái zài",
    "还没": "hái méi",
    "还有": "hái yǒu",
    "处在": "chǔ zài",
    "地走": "de zǒu",
    "得多": "de duō",
    "得很": "de hěn",
    "正负号": "zhèng fù hào",
    "调度器": "diào dù qì",
    "调小": "tiáo xiǎo",
    "调大": "tiáo dà",
    "调高": "tiáo gāo",
    "调低": "tiáo dī",
    "调成": "tiáo chéng",
    "唯一": "wéi yī",
    "统一": "tǒng yī",
    "长得": "zhǎng de",
    "长出": "zhǎng chū",
    "量得": "liáng de",
    "能量得": "néng liáng de",
    "得到": "dé dào",
    "得出": "dé chū",
    "得分": "dé fēn",
    "得以": "dé yǐ",
    "变得": "biàn de",
    "就得": "jiù děi",
    "得靠": "děi kào",
    "一场比赛": "yì chǎng bǐ sài",
    "一行公式": "yì háng gōng shì",
    "行公式": "háng gōng shì",
    "落下": "luò xià",
    "直奔": "zhí bèn",
    "分量": "fēn liàng",
    "为每": "wèi měi",
    "为它": "wèi tā",
    "为我们": "wèi wǒ men",
}
#: Characters whose first reading in pypinyin is rarely the one meant here, found by :func:`unsure_readings`
#: over the Chinese narration (their words keep theirs: 长大 zhǎng dà, 为了 wèi le, 调度 diào dù, 得到 dé dào).
#: 长 is a length (步长 cháng), 为 mostly "is" (损失为 0.3, wéi), 调 "adjust" (学习率要调, tiáo),
#: 得 the particle (冲得更远, de; 就得 "must" is a phrase), 缪 the letter μ (miù).
SINGLE_READINGS: dict[str, str] = {"长": "cháng", "为": "wéi", "调": "tiáo", "得": "de", "缪": "miù"}

# --- numbers -------------------------------------------------------------------------------------

_DIGITS = "零一二三四五六七八九"
_UNITS = ((10**8, "亿"), (10**4, "万"))
#: Measure words after which the number 2 is 两 (两步, 两个), not 二.
_MEASURE = set("个步次轮种条层倍块组只位颗根张类遍处项批份件段份套")
_SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")
_SUBSCRIPT = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")
#: Subscript letters and signs, written out (μₜ₊₁ → μ t+1, then said 缪 t 加一).
_SUBSCRIPT_LETTERS = str.maketrans({c: f" {l} " for c, l in zip("ₐₑₒₓₕₖₗₘₙₚₛₜ₊₋", "aeoxhklmnpst+−")})


def _below_10000(n: int, leading: bool) -> str:
    """0 < n < 10000 in words; ``leading``: nothing is said before it (so 10 is 十, not 一十)."""
    out, zero = "", False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d, n = divmod(n, value)
        if d:
            if zero and out:
                out += "零"
            zero = False
            out += "" if (value == 10 and d == 1 and not out and leading) else _DIGITS[d]
            out += unit
        elif out:
            zero = True
    return out


def integer_zh(n: int) -> str:
    """``n`` in Chinese words: ``1205`` 一千二百零五, ``20000`` 两万, ``100010000`` 一亿零一万, ``−22`` 负二十二."""
    if n < 0:
        return "负" + integer_zh(-n)
    if n == 0:
        return "零"
    if n >= 10**16:  # nobody says these in words: read the digits
        return "".join(_DIGITS[int(d)] for d in str(n))
    # 2000 两千, 20000 两万, 2亿 两亿: a leading two before a big unit is 两
    return re.sub(r"^二(?=[千万亿])", "两", _grouped(n, leading=True))


def _grouped(n: int, leading: bool) -> str:
    """0 < n < 10¹⁶ in words, by 亿 and 万 (a gap of a whole digit place is one 零)."""
    for value, unit in _UNITS:
        if n >= value:
            high, rest = divmod(n, value)
            words = _grouped(high, leading) + unit
            if rest:
                words += ("零" if rest < value // 10 else "") + _grouped(rest, False)
            return words
    return _below_10000(n, leading)


def _decimal_zh(int_part: str, frac: str) -> str:
    int_part = int_part.replace(",", "")
    words = integer_zh(int(int_part)) if len(int_part) == 1 or not int_part.startswith("0") else _digits(int_part)
    return words + ("点" + _digits(frac) if frac else "")


def _digits(text: str) -> str:
    return "".join(_DIGITS[int(d)] for d in text)


def _power_zh(mantissa: str, exponent: int) -> str:
    power = f"十的{'负' if exponent < 0 else ''}{integer_zh(abs(exponent))}次方"
    return power if mantissa in ("", "一") else f"{mantissa}乘以{power}"


_NUMBER = re.compile(
    r"""
    (?<![\d.])
    (?P<int>\d{1,3}(?:,\d{3})+(?!\d)|\d+)        # 1,000 or 1000
    (?:\.(?P<frac>\d+))?
    (?:
        [eE](?P<exp>[-−+]?\d+)                   # 1e-8, 1.000e−8
      | \s?[×x*·]\s?10\s?(?:\^|\*\*)\s?(?P<exp2>[-−+]?\d+)   # 3×10^5
      | \s?[×·]\s?10(?P<exp3>[⁻⁺]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+)           # 3×10⁻⁵
    )?
    (?P<pct>\s?%)?
    (?![\d])
    """,
    re.VERBOSE,
)
_TEN_POWER = re.compile(r"(?<![\d.])10\s?(?:(?:\^|\*\*)\s?(?P<exp>[-−+]?\d+)|(?P<sup>[⁻⁺]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+))")


def _number_words(match: re.Match[str]) -> str:
    exp = match["exp"] or match["exp2"] or (match["exp3"] and match["exp3"].translate(_SUPERSCRIPT))
    if exp is not None:
        frac = (match["frac"] or "").rstrip("0")  # 1.000e-8: the zeros are display precision
        words = _power_zh(_decimal_zh(match["int"], frac), int(exp.replace("−", "-")))
    else:
        words = _decimal_zh(match["int"], match["frac"] or "")
    return f"百分之{words}" if match["pct"] else words


def say_number_zh(value: float | int | str) -> str:
    """One number in Chinese words: ``0.3916`` 零点三九一六, ``-22`` 负二十二, ``1e-8`` 十的负八次方.

    A string is read as written (``"0.50"`` keeps its zero); a float from its shortest repr.
    """
    text = value if isinstance(value, str) else repr(float(value)) if isinstance(value, float) else str(value)
    text = text.strip()
    if text.lower() in ("inf", "+inf", "-inf", "nan"):
        return {"nan": "非数值"}.get(text.lower(), ("负" if text.startswith("-") else "") + "无穷大")
    sign = ""
    if text[:1] in "-−":
        sign, text = "负", text[1:]
    if not (match := _NUMBER.fullmatch(text)):
        raise ValueError(f"{value!r} is not a number")
    return sign + _number_words(match)


# --- the sentence as it is said --------------------------------------------------------------------

#: Greek letters by the names Chinese lecturers say.
GREEK = {
    "α": "阿尔法", "β": "贝塔", "γ": "伽马", "δ": "德尔塔", "Δ": "德尔塔", "ε": "艾普西龙", "ϵ": "艾普西龙",
    "η": "伊塔", "θ": "西塔", "λ": "兰姆达", "μ": "缪", "π": "派", "ρ": "柔", "σ": "西格玛", "τ": "陶",
    "φ": "斐", "ϕ": "斐", "ω": "欧米伽", "Σ": "求和", "∂": "偏",
}  # fmt: skip
#: Symbols said as words (a minus is 负 or 减 by where it stands, see :func:`speakable_zh`).
SYMBOLS = {
    "∇": "梯度", "√": "根号", "·": "乘", "×": "乘", "*": "乘", "=": "等于", "≈": "约等于", "≠": "不等于",
    "≤": "小于等于", "≥": "大于等于", "<": "小于", ">": "大于", "±": "正负", "+": "加", "←": "更新为",
    "→": "到", "⇒": "所以", "∞": "无穷大", "/": "除以", "÷": "除以", "∑": "求和",
}  # fmt: skip
_POWER_WORDS = {"2": "的平方", "3": "的立方"}
#: How the English voice says method names it would otherwise misread (the rest are said as written).
LATIN_READINGS = {
    "AdaGrad": "Adda grad", "Adagrad": "Adda grad", "AdaDelta": "Adda delta", "Adadelta": "Adda delta",
    "NAdam": "N Adam", "RAdam": "R Adam", "AdamW": "Adam W", "QHAdam": "Q H Adam", "QHM": "Q H M",
}  # fmt: skip
_PAUSES = {"。": ".", "！": "!", "？": "?", "，": ",", "、": ",", "；": ";", "：": ":", "…": ",", "（": ",", "）": ",",
           ".": ".", "!": "!", "?": "?", ",": ",", ";": ";", ":": ",", "—": ",", "–": ","}  # fmt: skip
_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RANGE_DASH = "–—～~"


@dataclass(frozen=True)
class Piece:
    """A stretch of what is said: ``kind`` is "zh" (characters), "num" (a number's words), "latin" or "pause"."""

    kind: str
    text: str


_TOKEN = re.compile(
    rf"""
    (?P<fraction>(?<![\d.])\d+/\d+(?![\d.]))
  | (?P<power>(?<![\d.])10\s?(?:(?:\^|\*\*)\s?[-−+]?\d+|[⁻⁺]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+))
  | (?P<number>{_NUMBER.pattern})
  | (?P<super>[⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺]+|\^\s?[-−+]?\d+)
  | (?P<sub>[₀₁₂₃₄₅₆₇₈₉]+)
  | (?P<minus>[-−])
  | (?P<dash>[{_RANGE_DASH}])
  | (?P<latin>[A-Za-z][A-Za-z\u0300-\u036f]*)
  | (?P<zh>[{_CJK}]+)
  | (?P<greek>[{"".join(GREEK)}])
  | (?P<symbol>[{re.escape("".join(SYMBOLS))}])
  | (?P<pause>[{re.escape("".join(_PAUSES))}])
  | (?P<space>\s+)
  | (?P<other>.)
    """,
    re.VERBOSE,
)
_OPERAND_KINDS = ("num", "latin", "greek", "close", "super")


def _decompose_latin(char: str) -> str:
    """ŷ → y + a combining hat (a letter with a hat is read as the letter), ５０％ → 50% (full-width forms but the pauses)."""
    if "\uff01" <= char <= "\uff5e" and char not in _PAUSES:
        return chr(ord(char) - 0xFEE0)
    parts = unicodedata.normalize("NFD", char)
    return parts if parts[:1].isascii() and parts[:1].isalpha() else char


def _pieces(text: str) -> list[Piece]:
    """``text`` as a sequence of things said (see :class:`Piece`)."""
    text = "".join(_decompose_latin(c) for c in text).replace("_", " ").translate(_SUBSCRIPT_LETTERS)
    out: list[tuple[str, str]] = []  # (kind, text); kinds beyond Piece's are folded at the end
    last = ""  # the kind of the last thing said, for telling a minus sign from a subtraction

    def say(kind: str, words: str) -> None:
        nonlocal last
        out.append((kind, words))
        last = kind

    for m in _TOKEN.finditer(text):
        kind, tok = m.lastgroup, m.group()
        nxt = text[m.end() : m.end() + 1]
        if kind == "fraction":
            top, bottom = tok.split("/")
            say("num", f"{integer_zh(int(bottom))}分之{integer_zh(int(top))}")
        elif kind == "power":
            tm = _TEN_POWER.match(tok)
            exp = tm["exp"] or tm["sup"].translate(_SUPERSCRIPT)
            say("num", _power_zh("", int(exp.replace("−", "-"))))
        elif kind == "number":
            words = _number_words(_NUMBER.match(tok))
            after = text[m.end() :].lstrip()[:1]
            if tok == "2" and after in _MEASURE and not (out and out[-1][1].endswith("第")):
                words = "两"
            elif after == "年" and re.fullmatch(r"1\d{3}|20\d{2}", tok):
                words = _digits(tok)  # 2023 年: 二零二三年
            say("num", words)
        elif kind == "super":
            digits = tok.translate(_SUPERSCRIPT).lstrip("^ ").replace("−", "-")
            say("super", _POWER_WORDS.get(digits) or f"的{say_number_zh(digits)}次方")
        elif kind == "sub":
            say("num", _decimal_zh(tok.translate(_SUBSCRIPT), ""))
        elif kind == "minus":
            if last in _OPERAND_KINDS and (tok == "−" or text[m.start() - 1] == " ") and nxt != "":
                say("zh", "减")  # a − b
            elif nxt and (nxt.isdigit() or nxt.isalpha() or nxt in "(∇√"):
                say("zh", "负")  # −22, −α·g
            else:
                say("pause", ",")  # a hyphen or a dash on its own: a short pause
        elif kind == "dash":
            say("zh", "到") if last == "num" and nxt.strip() and (nxt.isdigit() or nxt in "-−") else say("pause", ",")
        elif kind == "latin":
            say("latin", re.sub("[\u0300-\u036f]", "", tok.replace("\u0302", " hat")))  # m̂: "m hat"
        elif kind == "zh":
            say("zh", tok)
        elif kind == "greek":
            say("greek", GREEK[tok])
        elif kind == "symbol":
            say("zh", SYMBOLS[tok])
        elif kind == "pause":
            if tok in ",." and last == "num" and nxt.isdigit():  # (1,1) or a stray point: a pause
                say("pause", ",")
            else:
                say("pause", _PAUSES[tok])
        elif kind == "other" and tok in ")]}）】":
            last = "close"
        elif kind == "other" and tok in "([{（【":
            last = "open"
        # spaces and anything else say nothing
    pieces: list[Piece] = []
    for kind, words in out:
        kind = {"greek": "zh", "super": "zh"}.get(kind, kind)
        if pieces and pieces[-1].kind == kind == "pause":
            continue  # one pause is enough
        pieces.append(Piece(kind, words))
    while pieces and pieces[0].kind == "pause":
        pieces.pop(0)
    return pieces


def speakable_zh(text: str) -> str:
    """``text`` as a Chinese lecturer says it, in characters (Latin words kept); see the module docstring."""
    said = ""
    for p in _pieces(text):
        if p.kind == "pause":
            said = said.rstrip() + {".": "。", "!": "！", "?": "？", ";": "；"}.get(p.text, "，")
        elif p.kind == "latin":
            said += ("" if not said or said.endswith(" ") or said[-1] in "，。！？；" else " ") + p.text + " "
        else:
            said += p.text
    return said.strip()


# --- pinyin ---------------------------------------------------------------------------------------


@functools.cache
def _pypinyin():  # noqa: ANN202 - the module, with this project's phrases loaded once
    import pypinyin
    from pypinyin.constants import PINYIN_DICT

    pypinyin.load_phrases_dict({word: [[s] for s in reading.split()] for word, reading in PHRASES.items()})
    for char, reading in SINGLE_READINGS.items():
        others = [r for r in PINYIN_DICT[ord(char)].split(",") if r != reading]
        pypinyin.load_single_dict({ord(char): ",".join([reading, *others])})
    return pypinyin


def _syllables(run: str) -> list[tuple[str, str, bool]]:
    """(character, tone-numbered syllable, last of a word of several characters) for a run of Chinese characters."""
    pypinyin = _pypinyin()
    from pypinyin.seg.mmseg import seg

    out = []
    for word in seg.cut(run):
        readings = pypinyin.lazy_pinyin(
            word, style=pypinyin.Style.TONE3, neutral_tone_with_five=True, errors=lambda chars: [""] * len(chars)
        )  # a character with no known reading is left unsaid
        for i, (char, reading) in enumerate(zip(word, readings)):
            out.append((char, reading, len(word) > 1 and i == len(word) - 1))
    return out


def _tone(syllable: str) -> str:
    return syllable[-1] if syllable[-1:].isdigit() else ""


@dataclass(frozen=True)
class _Said:
    """One item said: a Chinese syllable (``char``, ``syllable``), a Latin stretch or a pause (``kind``)."""

    kind: str  # "zh", "latin" or "pause"
    text: str  # the character, the Latin words or the pause mark
    syllable: str = ""
    ends_word: bool = False  # the last character of a word of several
    in_number: bool = False  # part of a number's words


_NUMBER_CHARS = set(_DIGITS + "十百千万亿点两")


#: Words in which 儿 is a syllable of its own (elsewhere after a syllable it is the 儿化 suffix: 哪儿, 一点儿).
_ER_WORDS = {"女儿", "婴儿", "幼儿", "孤儿", "健儿", "胎儿", "儿儿"}


def _yi_bu(items: list[_Said]) -> list[_Said]:
    """The tone changes of 一 and 不 (see the module docstring), and the 儿 suffix said light; everything else as it was."""
    out = list(items)
    for i, item in enumerate(items):
        if item.kind == "zh" and item.text == "儿" and i and items[i - 1].kind == "zh" and items[i - 1].text + "儿" not in _ER_WORDS:
            # espeak-ng has no 儿化 syllables (nar3 comes out as two, the first in the wrong tone): a light er5 after the syllable
            out[i] = _Said("zh", "儿", "er5", item.ends_word, item.in_number)
            continue
        if item.kind != "zh" or item.text not in "一不":
            continue
        before = items[i - 1] if i and items[i - 1].kind == "zh" else None
        after = items[i + 1] if i + 1 < len(items) and items[i + 1].kind == "zh" else None
        if after is None:
            continue  # before a pause, a Latin word or the end: its own tone
        tone = _tone(after.syllable)
        if before is not None and before.text == after.text and not item.in_number:
            syllable = item.syllable[:-1] + "5"  # 看一看, 来不来: neutral between a doubled word
        elif item.text == "不":
            syllable = "bu2" if tone == "4" else "bu4"
        elif (
            (before is not None and before.text in "第负")  # 第一, 负一: ordinals and numbers keep yi1
            or item.ends_word  # 统一, 十一
            or (before is not None and before.text in _NUMBER_CHARS)  # 十一步, 零点三九一六, 四分之一
            or (item.in_number and after.text not in _MEASURE and after.text not in "百千万亿")  # β₁ 和: a label, not a count
            or after.text in _DIGITS + "十的"  # 一一, 唯一的
            or (item.in_number and after.text == "点")  # 1.5 一点五 (but 一点 "a little" is yi4 dian3)
        ):
            syllable = "yi1"
        else:
            syllable = "yi2" if tone in ("4", "5") else "yi4"  # 一步 yi2 bu4, 一个 yi2 ge4; 一千 yi4 qian1
        out[i] = _Said("zh", item.text, syllable, item.ends_word, item.in_number)
    return out


def _said(text: str) -> list[_Said]:
    """What is said of ``text``, item by item, with pinyin for the Chinese and the tone changes of 一 and 不 applied."""
    items: list[_Said] = []
    for p in _pieces(text):
        if p.kind in ("zh", "num"):
            items += [_Said("zh", c, s, ends, p.kind == "num") for c, s, ends in _syllables(p.text) if s]
        else:
            items.append(_Said(p.kind, p.text))
    return _yi_bu(items)


def pinyin(text: str) -> str:
    """The Chinese of ``text`` as tone-numbered pinyin, as it is said (numbers and symbols in words first).

    ``pinyin("步长为0.5。")`` → ``"bu4 chang2 wei2 ling2 dian3 wu3."``; Latin words are kept as they are.
    """
    out = ""
    for item in _said(text):
        if item.kind == "pause":
            out = out.rstrip() + item.text + " "
        else:
            out += (" " if out and not out.endswith(" ") else "") + (item.syllable or item.text)
    return out.strip()


def espeak_input(text: str, voice: str = PINYIN_VOICE, latin_voice: str = LATIN_VOICE) -> str:
    """The SSML espeak-ng (``-m``) is given for Chinese ``text``: pinyin in ``voice``, Latin words in ``latin_voice``.

    Each stretch is wrapped in its own ``<voice>``: after an English stretch,
    espeak-ng would otherwise go back to the plain Mandarin voice, which reads
    Latin letters as English and says the tone digits aloud.
    """
    runs: list[tuple[str, str]] = []  # (voice, words)
    for item in _said(text):
        want = latin_voice if item.kind == "latin" else voice
        if item.kind == "pause":
            if runs:
                runs[-1] = (runs[-1][0], runs[-1][1].rstrip() + item.text + " ")
            continue
        word = item.syllable or " ".join(LATIN_READINGS.get(w, w) for w in item.text.split())
        if runs and runs[-1][0] == want:
            runs[-1] = (want, runs[-1][1] + (" " if not runs[-1][1].endswith(" ") else "") + word)
        else:
            runs.append((want, word))
    body = " ".join(f'<voice name="{v}">{escape(words.strip())}</voice>' for v, words in runs if words.strip())
    return f"<speak>{body}</speak>"


def unsure_readings(text: str) -> list[tuple[str, str, str]]:
    """The polyphones of ``text`` read by the character's default reading, not by a word: (word, character, syllable).

    pypinyin reads a polyphone right inside a word of its phrase dictionary
    (or :data:`PHRASES`); alone, it takes the character's first reading,
    which may be wrong (长 zhang3 in 步长 before the phrase was added).
    """
    from pypinyin.constants import PINYIN_DICT

    found = []
    for p in _pieces(text):
        if p.kind != "zh":
            continue
        _pypinyin()
        from pypinyin.seg.mmseg import seg

        for word in seg.cut(p.text):
            if len(word) == 1 and len(PINYIN_DICT.get(ord(word), "").split(",")) > 1:
                found.append((p.text, word, _syllables(word)[0][1]))
    return found
