"""Parsing of numbers written as digits or as English words.

``parse_number(text)`` turns "16,100", "1.5", "forty-three", "two hundred and five",
"a dozen", "1.5 million" into a float (or ``None``). It knows nothing about units.
"""
from __future__ import annotations

import re

UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
}
TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}
SCALES = {
    "hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000,
    "trillion": 1_000_000_000_000,
}
# abbreviations of scale words glued to or following a numeral: $2bn, €3m, 10k
SCALE_ABBREV = {
    "k": 1_000, "thousand": 1_000, "m": 1_000_000, "mn": 1_000_000, "mln": 1_000_000,
    "mil": 1_000_000, "million": 1_000_000, "b": 1_000_000_000, "bn": 1_000_000_000,
    "bln": 1_000_000_000, "billion": 1_000_000_000, "t": 1_000_000_000_000,
    "tn": 1_000_000_000_000, "trn": 1_000_000_000_000, "trillion": 1_000_000_000_000,
}
DOZEN = {"dozen": 12, "score": 20}
FRACTIONS = {
    "half": 0.5, "third": 1 / 3, "thirds": 1 / 3, "quarter": 0.25, "quarters": 0.25,
    "fifth": 0.2, "fifths": 0.2, "tenth": 0.1, "tenths": 0.1,
}
# "dozens of", "hundreds of thousands of": the plural means "more than" the scale
PLURAL_SCALES = {
    "dozens": 12, "scores": 20, "tens": 10, "hundreds": 100, "thousands": 1_000,
    "millions": 1_000_000, "billions": 1_000_000_000, "trillions": 1_000_000_000_000,
}

NUMBER_WORDS = set(UNITS) | set(TENS) | set(SCALES) | set(DOZEN)

DIGITS_RE = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?$")


def parse_digits(text: str) -> float | None:
    """'16,100' -> 16100.0, '1.5' -> 1.5, '.5' -> 0.5; None if not a plain numeral."""
    t = text.strip()
    if not t or not any(ch.isdigit() for ch in t) or not DIGITS_RE.match(t):
        return None
    try:
        return float(t.replace(",", ""))
    except ValueError:
        return None


def parse_words(words: list[str]) -> float | None:
    """Value of a sequence of number words: ['forty', 'three'] -> 43, ['a', 'dozen'] -> 12,
    ['two', 'hundred', 'and', 'five'] -> 205, ['1.5', 'million'] -> 1.5e6."""
    total = 0.0
    current = 0.0
    seen = False
    for raw in words:
        w = raw.lower().strip()
        if not w or w in {"-", "and", "‐", "–"}:
            continue
        if w == "a" or w == "an":
            current += 1
            seen = True
            continue
        d = parse_digits(w)
        if d is not None:
            current += d
            seen = True
        elif w in UNITS:
            current += UNITS[w]
            seen = True
        elif w in TENS:
            current += TENS[w]
            seen = True
        elif w in DOZEN:
            current = (current or 1) * DOZEN[w]
            seen = True
        elif w == "hundred":
            current = (current or 1) * 100
            seen = True
        elif w in SCALES:
            total += (current or 1) * SCALES[w]
            current = 0.0
            seen = True
        elif w in SCALE_ABBREV:
            total += (current or 1) * SCALE_ABBREV[w]
            current = 0.0
            seen = True
        else:
            return None
    return total + current if seen else None


def parse_number(text: str) -> float | None:
    """Value of a number written in digits, words or both ('1.5 million', 'forty-three')."""
    d = parse_digits(text)
    if d is not None:
        return d
    parts = [p for p in re.split(r"[\s\-‐–]+", text.strip()) if p]
    return parse_words(parts) if parts else None
