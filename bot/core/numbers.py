"""Whole numbers as people type them, read without surprises.

``str.isdigit`` says yes to superscripts and circled digits ("²", "①") that ``int`` then refuses,
and ``int`` refuses more than 4,300 digits; every number a person types goes through
:func:`whole_number` instead, which takes decimal digits of any script ("3", full-width "３",
Arabic-Indic "٣") and nothing else.
"""

from __future__ import annotations

MAX_DIGITS = 18
"""Longer numbers than this are "too large" for everything the bot counts (steps, days, minutes)."""

TOO_LARGE: int = 10**MAX_DIGITS
"""What :func:`whole_number` gives for a longer number: outside every range a caller checks."""


def whole_number(text: str) -> int | None:
    """``text`` (surrounding spaces aside) as a whole number of 0 or more, or None if it is
    anything else: a sign, a decimal point, a superscript, a letter. A number of more than
    :data:`MAX_DIGITS` digits (leading zeros aside) comes back as :data:`TOO_LARGE`."""
    text = text.strip()
    if not text.isdecimal():
        return None
    digits = [str(int(ch)) for ch in text]  # each decimal digit of any script is one of 0-9
    significant = "".join(digits).lstrip("0") or "0"
    if len(significant) > MAX_DIGITS:
        return TOO_LARGE
    return int(significant)


def looks_like_a_number(text: str) -> bool:
    """Whether ``text`` is some number, if not a whole one of 0 or more ("-1", "2.5", "1e3",
    "²"): the caller then names the range it takes rather than saying it wants a number."""
    text = text.strip()
    if whole_number(text) is not None:
        return True
    try:
        float(text)
    except ValueError:
        return any(ch.isdigit() for ch in text) and not any(ch.isalpha() for ch in text)
    return True
