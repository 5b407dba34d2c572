"""Progression phrasings ("this is easy now, what's next", "the stretch hurts my back"): whether a
question asks to move up or go back a step, and which step topic that leads to, using the knowledge
base's rule. Used by ``bot.core.matching.Matcher.match``."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from bot.core.knowledge.model import KnowledgeBase
    from bot.core.matching import Matcher
    from bot.core.phrasings import Entry

INTENT_AT_LEAST = 0.80  # a progression phrasing must be this well covered to move a step
INTENT_SHARE_OF_QUESTION = 0.2  # ...and hold at least this share of the question's words
INTENT_OVERRIDES_BELOW = 0.62  # ...and a non-step topic must score below this for the move to win
STEP_TIE = 0.02  # a step topic this close to the best topic is the step the question names
# "when do I move to step 3" names where the person is going, not where they are
TARGET_STEP = re.compile(
    r"\b(to|onto|into|start|starting|begin|beginning|ready for) (step|stage) ([1-9])\b"
)


def progression_intent(
    m: Matcher,
    coverage: np.ndarray,
    n_words: int,
    ranked: list[tuple[float, Entry]] | None = None,
    normalized: str = "",
) -> tuple[str | None, float]:
    """How fully the question contains a move-up or go-back phrasing (other words don't count
    against it, as long as the phrasing is a fair part of the question: "what's next" asks to
    move up, "next thing I knew my back went" does not). A go-back phrasing of common words
    ("it hurts my back") counts in full beside a step's exercise the question names (``ranked``):
    "the kneeling stretch hurts my back" is that step hurting, where "squats hurt my back" is not a
    step, and "hip thrusts hurt my back, is my form off?" asks about the form."""
    best, whole = {}, {}
    for name in ("move_up", "go_back"):
        rows = m.intent_rows["intent:" + name]
        share = m._intent_words[rows] / max(n_words, 1)
        fair = share >= INTENT_SHARE_OF_QUESTION
        values = (
            coverage[rows] * (0.5 + 0.5 * m.specificity[rows]) * fair
            if len(rows) and len(coverage)
            else [0.0]
        )
        best[name] = float(np.max(values))
        whole[name] = bool(len(rows) and len(coverage) and np.any((coverage[rows] >= 1.0) & fair))
    up, down = best["move_up"], best["go_back"]
    if max(up, down) < INTENT_AT_LEAST:
        if whole["go_back"] and up < down and _names_a_step(m, ranked, normalized):
            return "go_back", INTENT_AT_LEAST
        return None, 0.0
    return ("move_up", up) if up >= down else ("go_back", down)


# A question about how the move is done, which its own answer serves; or pain said to be gone.
NOT_THE_MOVE_HURTING = re.compile(
    r"\b(form|technique|doing (it|this|something|them) wrong|wrong form|cues?|set ?up"
    r"|how (do|should|can) i (do|set|position|hold|keep)|is (this|that|it) normal)\b"
    r"|\b(doesnt|does not|dont|do not|didnt|did not|no longer|not|never|isnt|wont|without|no)"
    r" (\w+ )?(hurt|hurts|hurting|tug|tugs|tugging|pull|pulls|ache|aches|sore|pain|painful)\b"
    r"|\bpain ?free\b|\bwhy\b"
)
# The move hurting, said with a verb ("hurts my back", "my back aches after it"), not "back pain"
# named as what an exercise is for ("are hip thrusts good for back pain").
HURTS = re.compile(
    r"\b(hurts|hurt|hurting|tugs|tug|tugging|aches|aching|aggravates|aggravated|tweaks|tweaked)\b"
    r"|\b(is|gets|got|feels|felt|goes|went) (\w+ )?(sore|painful)\b|\bsore (after|from|during)\b"
)


def _names_a_step(m: Matcher, ranked: list[tuple[float, Entry]] | None, normalized: str) -> bool:
    """Whether the question's best topic is a step of the progression, clearly named, said to hurt,
    and the question does not ask how the move is done or why."""
    from bot.core import matching

    if (
        not ranked
        or ranked[0][0] < matching.NO_MATCH_BELOW
        or NOT_THE_MOVE_HURTING.search(normalized)
        or not HURTS.search(normalized)
    ):
        return False
    entry = named_step(m.kb, ranked) or ranked[0][1]
    topic = m.kb.topics.get(entry.key) if entry.kind == "topic" else None
    return (
        topic is not None and topic.step is not None and topic.step > 1
    )  # (1: nowhere back to go)


def apply_intent(
    m: Matcher,
    intent: str,
    ranked: list[tuple[float, Entry]],
    best_score: float,
    person_step: int,
    normalized: str = "",
) -> tuple[str, int] | None:
    """The step topic a progression phrasing leads to, or None when the question is about something else."""
    from bot.core import matching  # the decision threshold lives there (and is tuned there)

    kb = m.kb
    named = TARGET_STEP.search(normalized) if intent == "move_up" else None
    if named is not None and (goal := kb.step_topic(int(named.group(3)))) is not None:
        return goal.id, max(1, int(named.group(3)) - 1)
    best = named_step(kb, ranked) or (ranked[0][1] if ranked else None)
    best_topic = kb.topics.get(best.key) if best is not None and best.kind == "topic" else None
    if (
        best_topic is not None
        and best_topic.step is not None
        and best_score >= matching.NO_MATCH_BELOW
    ):
        from_step = best_topic.step
    elif (
        best is None
        or best_score < INTENT_OVERRIDES_BELOW
        or (best_topic is not None and best_topic.kind == "help")
    ):
        from_step = person_step
    else:
        return None
    if intent == "move_up":
        target = kb.step_topic(min(from_step + 1, kb.max_step))
        return (target.id, from_step) if target is not None else None
    if from_step <= 1:
        return ("flare-up", from_step) if "flare-up" in kb.topics else None
    target = kb.step_topic(from_step - 1)
    return (target.id, from_step) if target is not None else None


def named_step(kb: KnowledgeBase, ranked: list[tuple[float, Entry]]) -> Entry | None:
    """A step topic tied with the best topic ("the kneeling stretch tugs on my back" scores the
    stretch step and general stretching alike): the question names that step."""
    for score, entry in ranked:
        if min(score, 1.0) < min(ranked[0][0], 1.0) - STEP_TIE:  # scores are shown capped at 1
            return None
        topic = kb.topics.get(entry.key) if entry.kind == "topic" else None
        if topic is not None and topic.step is not None:
            return entry
    return None
