"""What a regular expression of the knowledge base can match, checked when it is loaded.

The red-flag screen's patterns and concepts, the scope's words and the uncovered subjects' marks
are all matched against the normalised question (:func:`bot.core.text.normalize`): lower case,
apostrophes dropped ("can't" is "cant"), every other run of punctuation one space, a run of three
or more of one letter cut to two ("sooo" is "soo"). An expression that needs what that text never
holds compiles, loads, and never fires: a curator who writes the red flag 'Cauda equina' or "can't
feel my legs" would believe it covered. One that matches the empty text, or any word, fires on
every message: '.*' in the screen makes every question a red flag.

:func:`expression_problem` names these mistakes so that the loader refuses them: an expression
that matches everything, a capital letter or an apostrophe anywhere (a word written as people spell
it, which even as one alternative among others never matches), and anything else the normalised
text cannot hold where the whole expression needs it (an optional ",?" is harmless and allowed).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

# Made-up words with no letter in common: an expression that finds each of them finds any word.
_ANY_WORDS = ("qjzx", "vkwp", "hyfb")
_APOSTROPHES = "'’ʼ`´"
_REPEATS = tuple(
    op
    for op in (sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", None))
    if op is not None
)
_LETTER = re.compile(r"[^\W\d_]")
_WORD_CHAR = re.compile(r"[^\W_]")
_WORD_RUN = re.compile(r"[^\W_]*")


# Regular-expression syntax that names no character: \b \w \d \s (and their opposites), the
# openings of non-capturing groups and lookarounds, counted repeats, and the operators.
_SYNTAX = re.compile(r"\\[bBwWdDsS]|\(\?(?:[:=!]|<[=!])|\{\d*(?:,\d*)?\}|[()|?*+\[\]^$.]")
_TRIPLE = re.compile(r"([^\W\d_])\1\1")


@functools.lru_cache(maxsize=8192)
def expression_problem(pattern: str, gated: bool = False) -> str | None:
    """Why ``pattern`` (which compiles) is useless against normalised questions, in words a
    curator can act on, or None when it is not. ``gated``: it is known to need some literal text
    (:class:`bot.core.gate.Gated`), so it cannot match every message."""
    if gated and _plainly_fine(pattern):
        return None  # most expressions: no need to take them apart
    try:
        parsed = sre_parse.parse(pattern)
    except (re.error, RecursionError, OverflowError):
        return None  # reported by whoever compiles it
    if not gated and parsed.getwidth()[0] == 0 and re.search(pattern, "") is not None:
        return (
            "matches the empty text, so it would fire on every message; name the words it must find"
        )
    if (
        not gated
        and not _needs_literal(parsed)
        and all(re.search(pattern, word) for word in _ANY_WORDS)
    ):
        return "matches any word at all, so it would fire on every message; name the words it must find"
    ignore_case = bool(parsed.state.flags & sre.SRE_FLAG_IGNORECASE)
    for char, case in _literals(parsed, ignore_case):
        if char in _APOSTROPHES or (_LETTER.fullmatch(char) and _impossible(char, case)):
            return f"never matches where it has {_impossible(char, case)}"
    why = _dead(parsed, ignore_case)
    return None if why is None else f"can never match: it needs {why}"


def _plainly_fine(pattern: str) -> bool:
    """Whether every character ``pattern`` names is a lower-case letter, a digit or a space, with
    no run of three of one letter and no two spaces: then nothing in it is beyond the normalised
    text. (Conservative: an escape, a class's range or a group's name says no.)"""
    if "  " in pattern or _TRIPLE.search(pattern):
        return False
    named = _SYNTAX.sub("", pattern).replace(" ", "")
    return (
        _WORD_RUN.fullmatch(named) is not None
        and unicodedata.normalize("NFKC", named).casefold() == named
    )


def _children(op: Any, arg: Any, ignore_case: bool) -> list[tuple[Any, bool]]:
    """The parsed sequences inside one item, each with whether case is ignored there."""
    if op is sre.SUBPATTERN:
        _group, add, remove, inner = arg
        case = (ignore_case or bool(add & sre.SRE_FLAG_IGNORECASE)) and not (
            remove & sre.SRE_FLAG_IGNORECASE
        )
        return [(inner, case)]
    if op is sre.BRANCH:
        return [(branch, ignore_case) for branch in arg[1]]
    if op in _REPEATS:
        return [(arg[2], ignore_case)]
    if op in (sre.ASSERT, sre.ASSERT_NOT):
        return [(arg[1], ignore_case)]
    if op is getattr(sre, "ATOMIC_GROUP", None):
        return [(arg, ignore_case)]
    if op is sre.GROUPREF_EXISTS:
        return [(part, ignore_case) for part in arg[1:] if part is not None]
    return []


def _literals(sequence: Any, ignore_case: bool) -> list[tuple[str, bool]]:
    """Every character the parsed ``sequence`` names outside a character class, at any depth."""
    found = []
    for op, arg in sequence:
        if op is sre.LITERAL:
            found.append((chr(arg), ignore_case))
        for inner, case in _children(op, arg, ignore_case):
            found += _literals(inner, case)
    return found


def _needs_literal(sequence: Any) -> bool:
    """Whether every match of the parsed ``sequence`` holds some one character it names."""
    for op, arg in sequence:
        if op is sre.LITERAL:
            return True
        if op is sre.SUBPATTERN and _needs_literal(arg[3]):
            return True
        if op in _REPEATS and arg[0] >= 1 and _needs_literal(arg[2]):
            return True
        if op is sre.BRANCH and all(_needs_literal(branch) for branch in arg[1]):
            return True
    return False


def _dead(sequence: Any, ignore_case: bool) -> str | None:
    """Why the parsed ``sequence`` can match no normalised text, or None if it may match some."""
    run = ""  # the literal characters read one after another so far
    for op, arg in sequence:
        if op is sre.LITERAL:
            char = chr(arg)
            why = _impossible(char, ignore_case) or _impossible_run(run + char)
            if why is not None:
                return why
            run += char
            continue
        run = ""
        why = _dead_item(op, arg, ignore_case)
        if why is not None:
            return why
    return None


def _dead_item(op: Any, arg: Any, ignore_case: bool) -> str | None:
    """Why one item other than a literal can never match, or None."""
    if op is sre.IN:
        return _dead_class(arg, ignore_case)
    if (op in _REPEATS and arg[0] == 0) or op in (sre.ASSERT_NOT, sre.GROUPREF_EXISTS):
        return None  # may match nothing at all, which is always possible
    reasons = [_dead(inner, case) for inner, case in _children(op, arg, ignore_case)]
    if not reasons or not all(reasons):
        return None
    return reasons[0]


def _dead_class(members: list[tuple[Any, Any]], ignore_case: bool) -> str | None:
    """Why a character class can never match ("[-/]": only characters never there), or None."""
    reasons = []
    for op, arg in members:
        if op is not sre.LITERAL:  # a range, a category (\w), a negation: may match
            return None
        reasons.append(_impossible(chr(arg), ignore_case))
    return reasons[0] if reasons and all(reasons) else None


def _impossible(char: str, ignore_case: bool) -> str | None:
    """Why normalised text never holds ``char``, or None if it may."""
    if char == " ":
        return None
    if char in _APOSTROPHES:
        return f"{char!r}, an apostrophe, which questions never hold (can't is read as cant): leave it out"
    if not _WORD_CHAR.fullmatch(char):
        return (
            f"{char!r}, which questions never hold (punctuation and symbols are read as spaces): "
            "write a space or leave it out"
        )
    folded = unicodedata.normalize("NFKC", char).casefold()
    if folded == char or (ignore_case and char.lower() == folded):
        return None
    if char.isupper():
        return (
            f"{char!r}, a capital letter, which questions never hold (they are read in lower "
            f"case): write {folded!r}"
        )
    return (
        f"{char!r}, which questions never hold (they are read in Unicode's normal form, where it "
        f"is {folded!r}): write {folded!r}"
    )


def _impossible_run(run: str) -> str | None:
    """Why a run of literal characters never occurs in normalised text (three of one letter in
    a row, or two spaces), or None."""
    if "  " in run:
        return "two spaces in a row, which questions never hold: write one"
    found = re.search(r"([^\W\d_])\1\1+", run)
    if found is None:
        return None
    return (
        f"{found.group(0)!r}, which questions never hold (a run of one letter is cut to two: "
        f"sooo is read as soo): write {found.group(1) * 2!r}"
    )
