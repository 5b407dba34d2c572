"""Words run together, read apart, and a sentence broken over lines, read whole.

Run together: "icantfeelmylegs" (a space bar that gave up, a phone that
dropped the spaces), "#cantfeelmylegs", "#CantFeelMyLegs". The red-flag screen reads a message
again with such a run split into the words it most likely is (``apart``), when it found nothing in
the message as written.

Broken over lines (``unwrapped``): an email or a note pasted with its lines cut at a width, or a
sentence typed over several lines, is cut by the screen into a sentence per line ("since
yesterday i cant really feel" / "anything between my legs and" / "my back hurts"), and a sign told
across two lines is in neither. The screen reads such a message again with each line that ends in
the middle of a sentence joined to the next.

Two words are run together as often as a whole sentence is: "i cant feel mylegs", "iwant to
die", "i want todie". A run is split only when it is no word itself, is long enough to hold two
("icant", "mylegs"), and
splits wholly into common English words (pyspellchecker's dictionary and word counts, passed in):
the split that costs least, a word's cost being how rarely it is used. A misspelt word ("numbnes",
"excercise") splits into no such words and is left to the menders.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping

from bot.core.text import SENTENCE_BREAK

MIN_RUN = 5  # "mylegs", "icant": two words at least
MAX_RUN = 60  # longer runs are not sentences (a key, a hash): left as written
MAX_WORD = 20  # the longest piece tried
MAX_RUNS = 5  # runs split in one message
MAX_TRIED = 20  # runs tried in one message (a paste of another language or of code: no more)
COMMON = 1000  # a piece is a word used at least this often (pyspellchecker's counts)
# The only words of one or two letters a run is split into ("septical" is no "septic al").
SHORT = frozenset(
    {"i", "a", "my", "me", "to", "in", "on", "of", "is", "it", "at", "an", "am", "be", "do", "go",
     "no", "so", "up", "we", "he", "or", "if", "as", "by", "us"}
)  # fmt: skip
# The chat forms of words that the dictionary writes with an apostrophe or not at all.
CHAT = frozenset({"dont", "im", "ive", "didnt", "doesnt", "wont", "isnt", "kms", "wanna", "gonna"})

_RUN = re.compile(r"[A-Za-z]+")
_CAPITALISED = re.compile(r"[A-Z][a-z]+|[a-z]+")


_TOTALS: dict[int, float] = {}


def _total(counts: Mapping[str, int]) -> float:
    """How many words the dictionary counted, added up once for each dictionary."""
    if id(counts) not in _TOTALS:
        _TOTALS[id(counts)] = float(sum(counts.values()) or 1)
    return _TOTALS[id(counts)]


def _cost(piece: str, counts: Mapping[str, int], total: float, own: frozenset[str]) -> float:
    if piece in CHAT or piece in own:
        return math.log(total / COMMON)
    count = counts.get(piece, 0)
    if count < COMMON or (len(piece) <= 2 and piece not in SHORT):
        return math.inf
    return math.log(total / count)


def split_run(
    run: str, counts: Mapping[str, int], total: float, own: frozenset[str] = frozenset()
) -> list[str] | None:
    """The words ``run`` (lower case) most likely is, or None when it splits into no common words
    (``own``: words taken as common, the screen's own: "numbness", "incontinence")."""
    n = len(run)
    best: list[tuple[float, int]] = [(0.0, 0)] + [(math.inf, 0)] * n
    for end in range(1, n + 1):
        for start in range(max(0, end - MAX_WORD), end):
            cost = best[start][0] + _cost(run[start:end], counts, total, own)
            if cost < best[end][0]:
                best[end] = (cost, start)
    if best[n][0] == math.inf:
        return None
    words, end = [], n
    while end > 0:
        start = best[end][1]
        words.append(run[start:end])
        end = start
    return words[::-1] if len(words) > 1 else None


def apart(
    text: str,
    dictionary: Callable[[], Mapping[str, int] | None],
    known: frozenset[str],
    own: frozenset[str],
) -> str:
    """The sentences of ``text`` that hold runs of words, with the runs split ("" when there
    were none): a run capitalised word by
    word ("CantFeelMyLegs") at its capitals, any other at the likeliest common words. ``known``:
    words that are words here though no dictionary holds them (never split); ``own``: the words
    the screen reads, taken as common words. ``dictionary()``: English words with their counts
    (None when there is none: nothing is split), asked for only when a run may need it."""
    runs = [
        run
        for run in dict.fromkeys(_RUN.findall(text))
        if MIN_RUN <= len(run) <= MAX_RUN and run.lower() not in known
    ]
    counts = dictionary() if runs else None
    if counts is None:
        return ""
    runs = [run for run in runs if run.lower() not in counts][:MAX_TRIED]
    if not runs:
        return ""
    total = _total(counts)
    fixes: dict[str, str] = {}
    for run in runs:
        lower = run.lower()
        capitals = _CAPITALISED.findall(run)
        words = [w.lower() for w in capitals] if len(capitals) > 2 else None
        words = words or split_run(lower, counts, total, own)
        if words:
            fixes[run] = " ".join(words)
            if len(fixes) >= MAX_RUNS:
                break
    if not fixes:
        return ""
    held = [part for part in SENTENCE_BREAK.split(text) if any(run in part for run in fixes)]
    return ". ".join(_RUN.sub(lambda m: fixes.get(m.group(0), m.group(0)), p) for p in held)


# A line that ends mid-sentence (no stop, no colon) and a next line that goes on in lower case.
_WRAPPED = re.compile(r"(?<=[^\s.!?:;])[ \t]*\r?\n[ \t]*(?=[a-z])")


def unwrapped(text: str) -> str:
    """``text`` with its lines that end mid-sentence joined to the next ("" when there are none).
    (A line in a list of signs, "no fever" / "numb groin", is joined too: only for a second
    reading, which may add an alarm but never hides the first reading's.)"""
    if "\n" not in text:
        return ""
    joined = _WRAPPED.sub(" ", text)
    return joined if joined != text else ""
