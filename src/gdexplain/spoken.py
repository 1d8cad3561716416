"""Numbers and symbols read the way a person says them.

A narration sentence is written once, with the numbers as the picture shows
them (``f"alpha {fmt(lr)}"`` gives ``alpha 0.05``); the subtitles keep
those digits. What a voice engine is given goes through :func:`speakable`
first, so every number is said in words, from the same value::

    >>> speakable("With alpha 0.05 and beta 0.9, the loss is 1.000e-8.")
    'With alpha zero point zero five and beta zero point nine, the loss is ten to the minus eight.'

- integers in words (``1000`` → "one thousand", ``1,000`` too);
- decimals digit by digit after the point (``0.999`` → "zero point nine nine nine");
- a minus sign before a number, ASCII or Unicode, is "minus";
- scientific notation, ``1e-8``, ``2.5e-4``, ``10^-8``, ``10⁻⁸``, ``3×10^5``:
  "ten to the minus eight", "two point five times ten to the minus four";
- ``50%`` → "fifty percent", ``3rd`` → "third", ``0.8–0.99`` → "zero point eight to zero point nine nine";
- symbols an engine would skip or spell: ``∇`` "grad", ``√`` "root", ``≈`` "about",
  ``×`` "times", ``²`` "squared", subscript digits (``β₁`` → "β one").

Nothing here knows about scenes or engines; :func:`say_number` is the same
rule for one value.
"""

from __future__ import annotations

import re

__all__ = ["integer_words", "say_number", "speakable"]

_ONES = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen"
).split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
_SCALES = ((10**12, "trillion"), (10**9, "billion"), (10**6, "million"), (1000, "thousand"))
_ORDINAL_WORDS = {
    "one": "first", "two": "second", "three": "third", "five": "fifth", "eight": "eighth",
    "nine": "ninth", "twelve": "twelfth",
}  # fmt: skip
_SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")
_SUBSCRIPT = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")
_MINUS_SIGNS = "-−"


def integer_words(n: int) -> str:
    """``n`` in English words: ``1205`` → "one thousand two hundred five"."""
    if n < 0:
        return "minus " + integer_words(-n)
    if n < 20:
        return _ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _TENS[tens] + (f"-{_ONES[ones]}" if ones else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return f"{_ONES[hundreds]} hundred" + (f" {integer_words(rest)}" if rest else "")
    if n >= 10**15:  # nobody says these in words: read the digits
        return " ".join(_ONES[int(d)] for d in str(n))
    for size, name in _SCALES:
        if n >= size:
            high, rest = divmod(n, size)
            return f"{integer_words(high)} {name}" + (f" {integer_words(rest)}" if rest else "")
    raise AssertionError("unreachable")


def _ordinal(words: str) -> str:
    head, sep, last = words.rpartition(" ") if " " in words else ("", "", words)
    stem, dash, unit = last.rpartition("-")
    word = unit if dash else last
    if word in _ORDINAL_WORDS:
        word = _ORDINAL_WORDS[word]
    elif word.endswith("y"):
        word = word[:-1] + "ieth"
    else:
        word += "th"
    last = f"{stem}-{word}" if dash else word
    return f"{head}{sep}{last}"


def _mantissa_words(int_part: str, frac: str) -> str:
    words = integer_words(int(int_part.replace(",", "")))
    if frac:
        words += " point " + " ".join(_ONES[int(d)] for d in frac)
    return words


def _power_words(mantissa: str, exponent: int) -> str:
    sign = "minus " if exponent < 0 else ""
    power = f"ten to the {sign}{integer_words(abs(exponent))}"
    if mantissa in ("", "one"):
        return power
    return f"{mantissa} times {power}"


_NUMBER = re.compile(
    r"""
    (?P<sign>(?<![\w.)\]])[-−])?                 # a minus sign, not a hyphen or a subtraction
    (?<![\w.])
    (?P<int>\d{1,3}(?:,\d{3})+(?!\d)|\d+)       # 1,000 or 1000
    (?:\.(?P<frac>\d+))?
    (?:
        [eE](?P<exp>[-−+]?\d+)                  # 1e-8, 2.5E4
      | \s?[×x*·]\s?10\s?(?:\^|\*\*)?\s?(?P<exp2>[-−+]?\d+)   # 3×10^5
    )?
    (?P<pct>\s?%)?
    (?P<ord>(?<=1)st|(?<=2)nd|(?<=3)rd|(?<=[04-9])th|(?<=1[123])th)?
    (?![\w])
    """,
    re.VERBOSE,
)
_TEN_TO_THE = re.compile(r"(?<![\w.])10\s?(?:\^|\*\*)\s?(?P<exp>[-−+]?\d+)(?![\w.])")
_TEN_SUPERSCRIPT = re.compile(r"(?<![\w.])10(?P<exp>[⁻⁺]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+)")
_RANGE = re.compile(r"(?<=\d)\s?[–—]\s?(?=[-−]?\d)")  # 0.8–0.99
_LIST_COMMA = re.compile(r"(?<=\d),(?!\d{3}(?!\d))(?=[-−]?\d)")  # 1.5,1.8 but not 1,000
_SYMBOLS = {
    "∇": " grad ",
    "√": " root ",
    "≈": " about ",
    "≤": " at most ",
    "≥": " at least ",
    "×": " times ",
    "→": " to ",
    "←": " becomes ",
    "·": " ",
    "²": " squared",
    "³": " cubed",
    "‖": " ",
}


def say_number(value: float | int | str) -> str:
    """One number in words: ``0.9`` → "zero point nine", ``1e-8`` → "ten to the minus eight".

    A string is read exactly as written (``"0.50"`` keeps its last zero, as
    a person reading it would); a float is read from its shortest repr.
    """
    text = value if isinstance(value, str) else repr(float(value)) if isinstance(value, float) else str(value)
    text = text.strip()
    if text.lower() in ("inf", "+inf", "-inf", "nan"):
        return {"nan": "not a number"}.get(text.lower(), ("minus " if text.startswith("-") else "") + "infinity")
    if not (match := _NUMBER.fullmatch(text)):
        raise ValueError(f"{value!r} is not a number")
    return _number_words(match)


def _number_words(match: re.Match[str]) -> str:
    mantissa = _mantissa_words(match["int"], match["frac"] or "")
    exp = match["exp"] or match["exp2"]
    if exp is not None:
        frac = (match["frac"] or "").rstrip("0")  # 1.000e-8: the zeros are display precision
        mantissa = _mantissa_words(match["int"], frac)
        words = _power_words(mantissa, int(exp.replace("−", "-")))
    else:
        words = mantissa
    if match["ord"]:
        words = _ordinal(words)
    if match["sign"]:
        words = "minus " + words
    if match["pct"]:
        words += " percent"
    return words


def speakable(text: str) -> str:
    """``text`` with numbers and symbols spelled out for a voice engine (see the module docstring)."""
    text = text.translate(_SUBSCRIPT)
    text = _TEN_SUPERSCRIPT.sub(lambda m: _power_words("", int(m["exp"].translate(_SUPERSCRIPT))), text)
    text = _TEN_TO_THE.sub(lambda m: _power_words("", int(m["exp"].replace("−", "-"))), text)
    text = _RANGE.sub(" to ", text)
    text = _LIST_COMMA.sub(", ", text)
    text = _NUMBER.sub(_number_words, text)
    text = re.sub(r"(?<=[^\W\d_])(?=\d)", " ", text)  # β1 → β 1, so the digit is read as a number
    text = _NUMBER.sub(_number_words, text)
    for symbol, words in _SYMBOLS.items():
        text = text.replace(symbol, words)
    text = re.sub(r"\s−\s", " minus ", text)
    return re.sub(r"[ \t]+", " ", text).strip()
