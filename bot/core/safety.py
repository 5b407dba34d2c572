"""The red-flag screen: symptoms that need a clinician come before any exercise advice.

The rules are data (``knowledge/safety.yaml``), grouped by urgency, most urgent first (crisis,
emergency, soon, ask). A group fires on either of two kinds of evidence:

* **rules over concepts.** A concept is a vocabulary (numbness: "numb", "tingling", "pins and
  needles", "fell asleep"...; the saddle area: "groin", "genitals", "between my legs", "down
  there"...). A rule names the concepts that together make a red flag ("numbness" with "saddle
  area") and fires when each of them is present, not negated, in one sentence (or anywhere in the
  message for rules scoped to it), whatever words lie between. This is what lets the screen catch
  wordings nobody wrote down.
* **patterns**: regular expressions over the whole normalised message, for the fixed expressions
  that are red flags on their own ("cauda equina", "foot drop").

Negation: a word from ``negations`` ("no", "not", "never", "didn't"...) negates the concept hits
that start within ``NEGATION_SCOPE`` words after it (the small words of a list not counted), up to
a scope breaker ("but", "just",
"except"...): "no numbness or tingling in my groin, just tight hips" raises nothing. For a pattern,
as before, a negation in the three words before the match cancels it. "can't" and "won't" are not
negations: they describe symptoms ("can't feel when I pee").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.knowledge import Safety, SafetyGroup, SafetyRule
from bot.core.text import RAW_LIMIT, normalize

NEGATION_WINDOW = 3  # words before a pattern match in which a negation cancels it
NEGATION_SCOPE = 3  # words after a negation word that it negates, for concept hits...
# ...not counting the small words of a list ("no numbness, tingling or weakness in my legs")
_LIST_WORDS = frozenset({"or", "and", "nor", "any", "of", "my", "the", "a", "in", "some", "real"})
URGENCY_ORDER = {"crisis": 0, "emergency": 1, "soon": 2, "ask": 3}

# Sentence ends in the raw text; normalising turns punctuation into spaces, so split first.
_SENTENCE_END = re.compile(r"[.!?;\n\r]+|\s[-–—]\s|\s*,\s*(?:but|though|although|however|whereas)\b", re.IGNORECASE)
_DECIMAL = re.compile(r"(?<=\d)\.(?=\d)")


@dataclass(frozen=True)
class RedFlag:
    group: SafetyGroup
    matched: str  # the normalised words that matched (for logs and tests; never echoed in public)
    kind: str = "pattern"  # the rule's kind (saddle_numbness, trauma...), or "pattern"


def sentences(text: str) -> list[str]:
    """The message cut into sentences, each normalised; empty ones dropped."""
    raw = _DECIMAL.sub("", text[:RAW_LIMIT] if isinstance(text, str) else "")
    out = []
    for part in _SENTENCE_END.split(raw):
        norm = normalize(part)
        if norm:
            out.append(norm)
    return out


@dataclass
class _Sentence:
    text: str
    starts: list[int]  # character offset of each word
    negated: set[int]  # word indexes inside a negation's scope

    @classmethod
    def of(cls, text: str, negations: frozenset[str], breakers: frozenset[str]) -> _Sentence:
        words = text.split(" ")
        starts, pos = [], 0
        for w in words:
            starts.append(pos)
            pos += len(w) + 1
        negated: set[int] = set()
        for i, w in enumerate(words):
            if w in negations:
                counted = 0
                for j in range(i + 1, len(words)):
                    if words[j] in breakers or counted >= NEGATION_SCOPE:
                        break
                    negated.add(j)
                    counted += words[j] not in _LIST_WORDS
        return cls(text, starts, negated)

    def word_at(self, offset: int) -> int:
        lo, hi = 0, len(self.starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.starts[mid] <= offset:
                lo = mid
            else:
                hi = mid - 1
        return lo

    def hits(self, pattern: re.Pattern[str]) -> list[tuple[int, str]]:
        """(word index, matched text) of each hit that is not negated."""
        out = []
        for m in pattern.finditer(self.text):
            w = self.word_at(m.start())
            if w not in self.negated:
                out.append((w, m.group(0)))
        return out


def _rule_hit(safety: Safety, rule: SafetyRule, units: list[_Sentence]) -> str | None:
    for unit in units:
        if any(unit.hits(safety.concepts[n]) for n in rule.unless):
            continue
        found: list[list[tuple[int, str]]] = []
        for names in rule.concepts:
            hits = [h for n in names for h in unit.hits(safety.concepts[n])]
            if not hits:
                break
            found.append(hits)
        else:
            if rule.within is None or _close(found, rule.within):
                return " + ".join(hits[0][1] for hits in found)
    return None


def _close(found: list[list[tuple[int, str]]], within: int) -> bool:
    """Whether one hit of each concept can be picked so that all lie within ``within`` words."""
    anchors = [w for w, _ in found[0]]
    for a in anchors:
        if all(any(abs(w - a) <= within for w, _ in hits) for hits in found[1:]):
            return True
    return False


def _negated(text: str, start: int, negations: frozenset[str]) -> bool:
    before = text[:start].split()[-NEGATION_WINDOW:]
    return any(word in negations for word in before)


def screen(safety: Safety, text: str, *, already_normalized: bool = False) -> RedFlag | None:
    """The most urgent red-flag group the text describes, or None.

    Pass the raw message where there is one: sentence boundaries come from its punctuation. An
    already normalised text is read as one sentence.
    """
    if already_normalized:
        normalized, parts = text, [text] if text else []
    else:
        normalized, parts = normalize(text), sentences(text)
    if not normalized:
        return None
    units = [_Sentence.of(p, safety.negations, safety.scope_breakers) for p in parts]
    whole = [_Sentence.of(normalized, safety.negations, safety.scope_breakers)]
    best: RedFlag | None = None
    for group in sorted(safety.groups, key=lambda g: URGENCY_ORDER.get(g.urgency, 9)):
        if best is not None:
            break
        for rule in group.rules:
            matched = _rule_hit(safety, rule, whole if rule.scope == "message" else units)
            if matched is not None:
                best = RedFlag(group, matched, rule.kind)
                break
        if best is not None:
            break
        for pattern in group.patterns:
            hit = next(
                (m for m in pattern.finditer(normalized) if not _negated(normalized, m.start(), safety.negations)),
                None,
            )
            if hit is not None:
                best = RedFlag(group, hit.group(0))
                break
    return best


def is_crisis(flag: RedFlag | None) -> bool:
    return flag is not None and flag.group.urgency == "crisis"
