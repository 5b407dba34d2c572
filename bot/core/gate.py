"""Regular expressions that skip the texts they cannot match.

The safety screen and the scope check hold hundreds of expressions, and most of them cannot match a
given message: "numb\\w* ... groin" needs "numb" somewhere in it. ``Gated`` works out, once, a set
of literal strings of which any match must contain at least one (from the parsed expression), and
runs the expression only when one of them is in the text. A substring test costs far less than the
backtracking scan of an expression full of ``(\\w+ ){0,3}``, so a long forum post costs what its
words need, not what the whole vocabulary does.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from itertools import chain

# The parser behind re.compile (Python 3.11+), private and only read here.
from re import _constants as _c  # type: ignore[attr-defined]  # private module, read only
from re import _parser as _p  # type: ignore[attr-defined]  # private module, read only
from typing import Any

MIN_LITERAL = 3  # shorter literals are in almost every text and would gate nothing


def required_literals(pattern: str) -> frozenset[str] | None:
    """Literals of which every match contains at least one, or None when no such set is known."""
    try:
        parsed = _p.parse(pattern)
    except re.error:
        return None
    if parsed.state.flags & re.IGNORECASE:
        return None
    found = _sequence(list(parsed))
    return frozenset(found) if found else None


def _sequence(items: list[Any], prefix: frozenset[str] = frozenset({""})) -> set[str] | None:
    """The best any-of set for a sequence: the one whose shortest literal is longest. ``prefix``:
    the literal texts of which one comes just before the sequence in every match."""
    options = _all_needed(items, prefix)
    if not options:
        return None
    return max(options, key=lambda s: (min(len(x.strip()) for x in s), -len(s)))


MAX_RUNS = 8  # literal runs followed at once through a class of letters ("d[óo]i": "dói", "doi")


def _all_needed(items: list[Any], prefix: frozenset[str] = frozenset({""})) -> list[set[str]]:
    """Every any-of set of literals that a match of this sequence needs (each set: at least one).
    A run of literals carries into the choice after it: "at (night|nite)" needs "at night" or
    "at nite", though neither "at " nor "ni" is long enough alone."""
    needed: list[set[str]] = []
    runs = prefix
    for op, av in items:
        if op is _c.LITERAL:
            runs = frozenset(r + chr(av) for r in runs)
            continue
        if op is _c.IN and (chars := _few_letters(av)) and len(runs) * len(chars) <= MAX_RUNS:
            runs = frozenset(r + ch for r in runs for ch in chars)
            continue
        if _long_enough(runs):
            needed.append(set(runs))
        if op is _c.SUBPATTERN:
            if not av[1] & re.IGNORECASE:  # "(?i:...)" matches other cases than its letters
                needed.extend(_all_needed(list(av[-1]), runs))
        elif op is _c.BRANCH:
            branches = [_sequence(list(b), runs) for b in av[1]]
            if branches and all(b for b in branches):
                needed.append(set[str]().union(*(b for b in branches if b)))
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT) and av[0] >= 1:
            needed.extend(_all_needed(list(av[2]), runs))
        runs = frozenset({""})
    if _long_enough(runs):
        needed.append(set(runs))
    return needed


def _long_enough(runs: frozenset[str]) -> bool:
    return min(len(r.strip()) for r in runs) >= MIN_LITERAL


def _few_letters(items: list[Any]) -> str:
    """The characters of a class made of a few single characters only ("[óo]"), else ""."""
    if len(items) > 4 or any(op is not _c.LITERAL for op, _ in items):
        return ""
    return "".join(chr(av) for _, av in items)


_PLAIN = re.compile(r"[a-z0-9 ]+")
_LEADING_WORD = re.compile(r"\\b|\(\?:")  # a leading \b or non-capturing "(?:" adds nothing


def leading_literals(pattern: str) -> frozenset[str] | None:
    """A cheap gate from how the expression starts: "numb\\w*" needs "numb", "(fell|fallen) on"
    needs "fell" or "fallen". None when the start is not plain words (the expression always runs).
    Much cheaper than ``required_literals`` and enough for expressions written word-first."""
    if _top_level_bar(pattern):
        return None
    rest = pattern
    while True:
        m = _LEADING_WORD.match(rest)
        if m is None:
            break
        rest = rest[m.end() :]
    # A "|" of a group opened by a stripped "(?:" is a choice of starts: "(?:(a|b) x|c y)" may
    # start with "c", so its first group gates nothing.
    if any(ch == "|" and depth <= 0 for _, ch, depth in _parens(rest)):
        return None
    m = _PLAIN.match(rest)
    if (
        m is not None
        and len(m.group(0).strip()) >= MIN_LITERAL
        and rest[m.end() : m.end() + 1] not in ("?", "*", "{", "|")
    ):
        return frozenset({m.group(0)})
    if rest.startswith("("):
        depth, i = 0, 0
        for i, ch in enumerate(rest):  # noqa: B007 (the closing index is read after the loop)
            if ch == "(":
                depth += 1
            elif ch == ")":
                depth -= 1
                if depth == 0:
                    break
        inner, after = rest[1:i], rest[i + 1 : i + 2]
        if after in ("?", "*", "{") or inner.startswith("?"):
            return None
        options = inner.split("|")
        if all(_PLAIN.fullmatch(o) and len(o.strip()) >= MIN_LITERAL for o in options):
            return frozenset(options)
    return None


def _parens(pattern: str) -> Iterator[tuple[int, str, int]]:
    """Each "(", ")" and "|" of an expression that is neither escaped nor in a character class,
    with its index and the depth of nesting after it."""
    depth, i, in_class = 0, 0, False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch in "()|":
            depth += {"(": 1, ")": -1, "|": 0}[ch]
            yield i, ch, depth
        i += 1


def _top_level_bar(pattern: str) -> bool:
    return any(ch == "|" and depth == 0 for _, ch, depth in _parens(pattern))


_UNKNOWN: Any = object()
# Expressions already known to compile, with their gates: checking and gating an expression costs
# far more than looking it up, and the knowledge base holds about a thousand. The result depends
# only on the expression's text (and the Python version), so a front end may keep this across runs
# (see bot.services.caches).
_KNOWN: dict[str, tuple[str, ...] | None] = {}
_KNOWN_ADDED = [False]


def checked(pattern: str, wrap: bool = False) -> Gated:
    """A gated expression, after making sure it compiles (raises ``re.error`` if it does not)."""
    if pattern in _KNOWN:
        known = _KNOWN[pattern]
        return Gated(pattern, wrap, gate=frozenset(known) if known is not None else None)
    re.compile(pattern)
    gated = Gated(pattern, wrap)
    _KNOWN[pattern] = tuple(sorted(gated.gate)) if gated.gate is not None else None
    _KNOWN_ADDED[0] = True
    return gated


def known_expressions() -> tuple[dict[str, tuple[str, ...] | None], bool]:
    """The expressions known to compile with their gates, and whether any were added this run."""
    return dict(_KNOWN), _KNOWN_ADDED[0]


def remember_expressions(known: dict[str, tuple[str, ...] | None]) -> None:
    """Take expressions checked in an earlier run (same Python) as known to compile."""
    for pattern, gate in known.items():
        if isinstance(pattern, str) and (gate is None or isinstance(gate, tuple)):
            _KNOWN.setdefault(pattern, gate)


def _group_end(pattern: str) -> int:
    """The index of the ")" that closes the group opening ``pattern``, or -1."""
    return next((i for i, ch, depth in _parens(pattern) if ch == ")" and depth == 0), -1)


_LOOKAROUND = ("(?<!", "(?<=", "(?!", "(?=")


def scan_source(pattern: str) -> str | None:
    """The expression without the word boundaries and lookarounds it starts with, or None when it
    starts with none. It matches wherever the expression does (it asks less), and ``re`` can
    scan for its first letters, which a leading assertion prevents."""
    head, rest, changed = "", pattern, False
    while True:
        if rest.startswith("\\b"):
            rest, changed = rest[2:], True
        elif rest.startswith(_LOOKAROUND) and (end := _group_end(rest)) > 0:
            rest, changed = rest[end + 1 :], True
        elif rest.startswith("(?:"):
            head, rest = head + "(?:", rest[3:]
        else:
            break
    return head + rest if changed else None


class Gated:
    """One expression, compiled on first use, and the literals that let a text skip it.

    A whole-word expression (``wrap``) is ``\\b(?:...)\\b``. A leading ``\\b`` or lookbehind keeps
    ``re`` from its fast scan for the expression's first letters, so such an expression is also
    compiled without them (``scan_source``): ``matches`` finds where that one matches and tries the
    whole expression only there. The same matches, found two to three times faster."""

    __slots__ = ("_needs", "_regex", "_scan", "gate", "source")

    def __init__(self, pattern: str, wrap: bool = False, gate: Any = _UNKNOWN):
        self.source = r"\b(?:" + pattern + r")\b" if wrap else pattern
        self._regex: re.Pattern[str] | None = None
        self._scan: re.Pattern[str] | None = None
        self._needs: tuple[tuple[str, ...], ...] = ()
        self.gate = (
            (leading_literals(pattern) or required_literals(pattern)) if gate is _UNKNOWN else gate
        )

    @property
    def regex(self) -> re.Pattern[str]:
        if self._regex is None:
            self._regex = re.compile(self.source)
            parsed = _p.parse(self.source)
            if not parsed.state.flags & re.IGNORECASE:
                # Besides the gate, the other literals a match needs: "numb\\w* ... (groin|crotch)"
                # cannot match a text with "numb" and neither of those, so it is not run there.
                gate = self.gate or frozenset()
                self._needs = tuple(
                    tuple(sorted(s)) for s in _all_needed(list(parsed)) if not s <= gate
                )
            scan = scan_source(self.source)
            if scan is not None and parsed.getwidth()[0] > 0:
                try:
                    self._scan = re.compile(scan)
                except re.error:
                    self._scan = None
        return self._regex

    def matches(self, text: str) -> Iterator[re.Match[str]]:
        """Exactly what ``regex.finditer(text)`` gives. With a scan expression: it finds the first
        place the expression can match, the expression is tried there, and so on."""
        regex = self.regex
        if self._needs:
            contains = text.__contains__
            for need in self._needs:
                if not any(map(contains, need)):
                    return
        scan = self._scan
        if scan is None:
            yield from regex.finditer(text)
            return
        pos = 0
        while True:
            found = scan.search(text, pos)
            if found is None:
                return
            m = regex.match(text, found.start())
            if m is not None:
                yield m
                pos = m.end()  # never empty: the expression has a width
            else:
                pos = found.start() + 1

    @property
    def pattern(self) -> str:
        return self.source

    def possible(self, text: str, present: frozenset[str] | None = None) -> bool:
        """Whether the text may match: one of the gate's literals is in it (``present``, when
        given, is the set of every literal of interest that the text contains)."""
        if self.gate is None:
            return True
        if present is not None:
            return not self.gate.isdisjoint(present)
        return any(map(text.__contains__, self.gate))

    def finditer(self, text: str, present: frozenset[str] | None = None) -> Iterator[re.Match[str]]:
        if self.possible(text, present):
            yield from self.matches(text)

    def search(self, text: str, present: frozenset[str] | None = None) -> re.Match[str] | None:
        return next(self.matches(text), None) if self.possible(text, present) else None


class GatedSet:
    """Several gated expressions, indexed by their literals: ``candidates(present)`` gives, in
    order, only those a text can match, with one set intersection instead of a test per expression."""

    __slots__ = ("_always", "_by_literal", "_keys", "parts")

    def __init__(self, parts: Iterable[Gated]):
        self.parts = tuple(parts)
        self._always = tuple(i for i, p in enumerate(self.parts) if p.gate is None)
        self._by_literal: dict[str, list[int]] = {}
        for i, part in enumerate(self.parts):
            for lit in part.gate or ():
                self._by_literal.setdefault(lit, []).append(i)
        self._keys = frozenset(self._by_literal)

    def candidates(self, present: frozenset[str]) -> list[Gated]:
        hit = self._keys & present
        if not hit:
            return [self.parts[i] for i in self._always]
        if len(hit) == 1 and not self._always:  # the usual case, already in order
            return [self.parts[i] for i in self._by_literal[next(iter(hit))]]
        chosen = set(self._always)
        for lit in hit:
            chosen.update(self._by_literal[lit])
        return [self.parts[i] for i in sorted(chosen)]


class Concept:
    """A vocabulary: several expressions, each matched as whole words, each gated on its own."""

    __slots__ = ("_set", "anchored", "name", "parts")

    def __init__(self, name: str, patterns: Iterable[str]):
        self.name = name
        self.parts = tuple(checked(p, wrap=True) for p in patterns)
        self._set = GatedSet(self.parts)
        # one of its expressions holds at the start of a text only ("^61 and my back..."): a
        # reader of several sentences reads each on its own for it
        self.anchored = any(p.startswith("^") for p in patterns)

    def finditer(self, text: str, present: frozenset[str] | None = None) -> Iterator[re.Match[str]]:
        if present is None:
            for part in self.parts:
                yield from part.finditer(text)
            return
        for part in self._set.candidates(present):
            yield from part.matches(text)

    def search(self, text: str, present: frozenset[str] | None = None) -> re.Match[str] | None:
        for part in self.parts:
            m = part.search(text, present)
            if m is not None:
                return m
        return None


class Literals:
    """Every gate literal of a set of expressions, indexed by one of its trigrams, so that finding
    which of them occur in a text costs one pass over the text's trigrams. A literal is filed under
    its trigram that the fewest literals share ("numb" under "umb", not under "num" with "number"):
    a common trigram ("no ", "my ") is in most texts, and everything filed under it is tried."""

    __slots__ = ("_by_trigram", "_keys")

    def __init__(self, gated: Iterable[Gated]):
        literals = {lit for g in gated if g.gate is not None for lit in g.gate}
        n = MIN_LITERAL  # (no container per literal: a big heap makes each one cost a collection)
        shared = Counter(lit[i : i + n] for lit in literals for i in range(len(lit) - n + 1))
        self._by_trigram: dict[str, list[str]] = {}
        for lit in literals:  # (any of its trigrams finds a literal: this one, fewest)
            rarest = min((lit[i : i + n] for i in range(len(lit) - n + 1)), key=shared.__getitem__)
            self._by_trigram.setdefault(rarest, []).append(lit)
        self._keys = frozenset(self._by_trigram)

    def present_in(self, text: str) -> frozenset[str]:
        """The literals that occur in the text, exactly as ``lit in text`` would say."""
        trigrams = _trigrams(text)
        contains = text.__contains__
        by_trigram = self._by_trigram
        return frozenset(
            filter(contains, chain.from_iterable(by_trigram[tg] for tg in self._keys & trigrams))
        )


def _trigrams(text: str) -> set[str]:
    return {text[i : i + MIN_LITERAL] for i in range(len(text) - MIN_LITERAL + 1)}
