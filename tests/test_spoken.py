"""Numbers and symbols said the way a person says them (gdexplain.spoken)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gdexplain.spoken import integer_words, say_number, speakable
from gdexplain.visual.panels import fmt

# An independent reader of number words, to check integer_words against.
_SMALL = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen".split()
)}  # fmt: skip
_SMALL.update({w: 10 * i for i, w in enumerate("_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()) if i >= 2})
_BIG = {"thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12}


def read_integer(words: str) -> int:
    total, group = 0, 0
    for word in words.replace("-", " ").split():
        if word in _SMALL:
            group += _SMALL[word]
        elif word == "hundred":
            group *= 100
        else:
            total += group * _BIG[word]
            group = 0
    return total + group


@pytest.mark.parametrize(
    "value, words",
    [
        (0.9, "zero point nine"),
        ("0.05", "zero point zero five"),
        ("0.50", "zero point five zero"),
        (0.999, "zero point nine nine nine"),
        (1e-8, "ten to the minus eight"),
        ("1.000e-8", "ten to the minus eight"),
        ("2.5e-4", "two point five times ten to the minus four"),
        ("3.2e5", "three point two times ten to the five"),
        (1000, "one thousand"),
        ("1,000", "one thousand"),
        (195.8, "one hundred ninety-five point eight"),
        (-3, "minus three"),
        ("−1.2", "minus one point two"),
        (21, "twenty-one"),
        (float("inf"), "infinity"),
    ],
)
def test_say_number(value, words):
    assert say_number(value) == words


def test_say_number_refuses_words():
    with pytest.raises(ValueError, match="not a number"):
        say_number("alpha")


@given(st.integers(min_value=0, max_value=10**15 - 1))
def test_integer_words_read_back(n):
    words = integer_words(n)
    assert re.fullmatch(r"[a-z -]+", words)
    assert read_integer(words) == n


@pytest.mark.parametrize(
    "text, said",
    [
        ("With alpha 0.05 and beta 0.9.", "With alpha zero point zero five and beta zero point nine."),
        ("eps is 10⁻⁸, or 10^-8, or 1e-8", "eps is ten to the minus eight, or ten to the minus eight, or ten to the minus eight"),
        ("start 1.5,1.8 and (−1.2, 1)", "start one point five, one point eight and (minus one point two, one)"),
        ("β1 = 0.9, β₂ = 0.999", "β one = zero point nine, β two = zero point nine nine nine"),
        ("After 20 steps the loss is 8.001.", "After twenty steps the loss is eight point zero zero one."),
        ("the 3rd, 21st, 12th and 20th step", "the third, twenty-first, twelfth and twentieth step"),
        ("50% of it, 0.8–0.99", "fifty percent of it, zero point eight to zero point nine nine"),
        ("‖∇L‖ ≈ 3×10^5", "grad L about three times ten to the five"),
        ("3 − 2 is not x-1", "three minus two is not x-one"),
    ],
)
def test_speakable(text, said):
    assert speakable(text) == said


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12))
def test_every_number_the_picture_shows_is_said_without_digits(x):
    """What a scene puts on screen (panels.fmt, with its real minus sign) is said in words."""
    said = speakable(f"the value is {fmt(x)}.")
    assert not re.search(r"\d", said), said
    assert said.startswith("the value is ") and said.endswith(".")
    assert said.startswith("the value is minus ") == fmt(x).startswith("−")
