"""The red-flag screen: symptoms that need a clinician come before any exercise advice.

The rules are data (``knowledge/safety.yaml``): regular expressions over the normalised question,
grouped by urgency. A match with a negation word shortly before it ("no numbness", "didn't fall")
does not count. The screen runs before topic matching and wins over it.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.knowledge import Safety, SafetyGroup
from bot.core.text import normalize

NEGATION_WINDOW = 3  # words before a match in which a negation cancels it
URGENCY_ORDER = {"emergency": 0, "soon": 1, "ask": 2}


@dataclass(frozen=True)
class RedFlag:
    group: SafetyGroup
    matched: str  # the normalised words that matched (for logs and tests; never echoed in public)


def _negated(text: str, start: int, negations: frozenset[str]) -> bool:
    before = text[:start].split()[-NEGATION_WINDOW:]
    return any(word in negations for word in before)


def screen(safety: Safety, text: str, *, already_normalized: bool = False) -> RedFlag | None:
    """The most urgent red-flag group the text describes, or None."""
    normalized = text if already_normalized else normalize(text)
    if not normalized:
        return None
    best: RedFlag | None = None
    for group in safety.groups:
        if best is not None and URGENCY_ORDER.get(group.urgency, 9) >= URGENCY_ORDER.get(best.group.urgency, 9):
            continue
        for pattern in group.patterns:
            hit = next(
                (m for m in pattern.finditer(normalized) if not _negated(normalized, m.start(), safety.negations)),
                None,
            )
            if hit is not None:
                best = RedFlag(group, hit.group(0))
                break
    return best
