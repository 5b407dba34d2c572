"""Numbers written as words, read as digits so that an age, a step or a count reads the same
however it was typed: "sixty seven" and "fifteen" always (``in_digits``, used by ``normalize``);
two to ten only before a unit ("five minutes", "eight hours"), and only for the red-flag rules
(``counts_in_digits``), since "the two of us" is no count and the meaning model reads "two weeks"
better than "2 weeks"; and a step's number ("step three", "the second") in the topics' word match
(``NUMBER_WORDS``)."""

from __future__ import annotations

NUMBER_WORDS = {
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "ten": "10",
    "twenty": "20",
    "thirty": "30",
    "first": "1",
    "second": "2",
    "third": "3",
    "fourth": "4",
}

_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50}
_TENS |= {"sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_UNITS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8}
_UNITS["nine"] = 9
_TEENS = {"eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15}
_TEENS |= {"sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19}
_SMALL = {w: n for w, n in [*_UNITS.items(), ("ten", 10)] if n > 1}  # ("one day" is no count)
_COUNTED = frozenset(("seconds", "secs", "minutes", "mins", "hours", "hrs", "days", "weeks", "wks"))
_COUNTED |= {"months", "years", "yrs", "times", "reps", "sets", "blocks", "miles", "km", "kg"}
_COUNTED |= {"kgs", "lbs", "pounds"}
WRITTEN_NUMBERS = frozenset(_TENS) | frozenset(_TEENS) | {"hundred"}  # what ``in_digits`` rewrites
_HUNDREDS = {"a": 1, "one": 1, "1": 1} | {w: n for w, n in _UNITS.items() if n > 1}
_BELOW_100 = _UNITS | {"ten": 10} | _TEENS | _TENS


def in_digits(words: list[str]) -> list[str]:
    """The words with eleven to nine hundred and ninety-nine in digits: "im sixty seven" is
    "im 67", "a temp of one hundred and two" is "a temp of 102"."""
    out: list[str] = []
    tens = False  # the word before was a multiple of ten written out (or a hundred and one)
    hundred = False  # the word before was a number of hundreds written out
    for i, word in enumerate(words):
        if word == "hundred" and out and out[-1] in _HUNDREDS:
            out[-1] = str(100 * _HUNDREDS[out[-1]])  # "a hundred", "one hundred", "two hundred"
            hundred = True
            continue
        if hundred and word == "and" and i + 1 < len(words) and words[i + 1] in _BELOW_100:
            continue  # "one hundred and two"
        if hundred and word in _BELOW_100:
            out[-1] = str(int(out[-1]) + _BELOW_100[word])
            tens, hundred = word in _TENS, False  # "a hundred and twenty five"
            continue
        if tens and word in _UNITS:
            out[-1] = str(int(out[-1]) + _UNITS[word])  # "sixty seven"
            tens = False
            continue
        tens, hundred = word in _TENS, False
        out.append(str(_TENS.get(word) or _TEENS.get(word) or word))
    return out


def counts_in_digits(normalized: str) -> str:
    """A normalised text with two to ten written in digits before a unit: "after 5 minutes"."""
    words = normalized.split(" ")
    if _COUNTED.isdisjoint(words):
        return normalized
    return " ".join(
        str(_SMALL[w]) if w in _SMALL and i + 1 < len(words) and words[i + 1] in _COUNTED else w
        for i, w in enumerate(words)
    )
