"""What a question too far from every phrasing still gets, before "no curated answer": the flare-up
for a story of a sudden strain, and the person's step for a question of shared words only ("my back
hurts"). Used by ``bot.core.matching.Matcher.match`` when the best score is under
``NO_MATCH_BELOW``."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np

from bot.core.chatter import set_aside
from bot.core.text import normalize

if TYPE_CHECKING:
    from collections.abc import Sequence

    from bot.core.match_result import Candidate
    from bot.core.matching import Matcher
    from bot.core.phrasings import Entry

# A question of shared words only that reads like a sudden flare goes to this topic: a cosine of at
# least ACUTE_AT_LEAST to one of its phrasings, and ACUTE_MARGIN more than to the first step's, whose
# phrasings are how people say their back hurts ("my back just went out", "my lower back is killing
# me": 0.24 to 0.35 more; "my back hurts", "lower back pain", "my back is sore": 0.02 to 0.17 more).
ACUTE_TOPIC = "flare-up"
ACUTE_AT_LEAST = 0.8
ACUTE_MARGIN = 0.2
# A story of a sudden strain ("threw my back out", "felt a pop", "pulled a muscle": this concept of
# the safety screen) whose nearest topic is the flare-up gets it even under NO_MATCH_BELOW. Five-fold
# by site on the development part: topics 80.1 -> 80.4 %, no_match unchanged.
ACUTE_CONCEPTS = ("mechanical_onset", "acute_episode")


def fallback_topic(
    m: Matcher,
    best: Entry | None,
    normalized: str,
    corrected: list[str | None],
    person_step: int,
    vector: np.ndarray | None = None,
) -> str | None:
    """The topic that answers a weakly matched question, or None for no_match."""
    if best is not None and sudden_strain(m, best, normalized):
        return ACUTE_TOPIC
    return generic_back_pain(m, corrected, person_step, vector)


def sudden_strain(m: Matcher, best: Entry, normalized: str) -> bool:
    """ "I coughed and hurt my lower back", "something popped when I set the bar down": a story of a
    sudden strain (``tells_of_a_flare``) that no topic matches well, but whose nearest topic is the
    flare-up, is answered with the flare-up."""
    return best.key == ACUTE_TOPIC and tells_of_a_flare(m, normalized)


def tells_of_a_flare(m: Matcher, normalized: str) -> bool:
    """Whether the message tells of a sudden strain or a back acting up now (the screen's
    ``ACUTE_CONCEPTS``: "threw my back out", "felt a pop", "my back seized")."""
    concepts = (m.kb.safety.concepts.get(name) for name in ACUTE_CONCEPTS)
    return any(c is not None and c.search(normalized) is not None for c in concepts)


def generic_back_pain(
    m: Matcher, corrected: list[str | None], person_step: int, vector: np.ndarray | None = None
) -> str | None:
    """ "My back hurts, what do I do?": every word is one most topics share. The answer is where the
    person starts (the source: the booty flex is the first move for anyone whose back hurts), or,
    when the question reads like a sudden flare ("my back just went out", "my back is killing
    me"), what to do in a flare-up."""
    if not corrected or any(c is None for c in corrected):
        return None
    if all(c is not None and m.vocab[c] in m.generic_words for c in corrected):
        topic = m.kb.step_topic(person_step)
        acute = m._topic_index.get(ACUTE_TOPIC)
        near = closeness(m, vector) if acute is not None else None
        if near is not None and acute is not None and near[acute] >= ACUTE_AT_LEAST:
            first = m.kb.step_topic(1)
            start = m._topic_index.get(first.id) if first is not None else None
            if start is None or near[acute] - near[start] >= ACUTE_MARGIN:
                return ACUTE_TOPIC
        return topic.id if topic is not None else None
    return None


def bare_complaint(
    m: Matcher, raw: str, corrected: list[str | None], person_step: int, vector: np.ndarray | None
) -> str | None:
    """ "My back hurts.", "lower back pain": a complaint in words most topics share that asks
    nothing (``asks``) gets what ``generic_back_pain`` gives, however the topics score it: the
    person's step (or the flare-up, for one that reads as a sudden flare), not a choice of topics
    that share its words. A question in the same words ("why does my lower back hurt?", "hey bot
    how does this work") is matched."""
    if asks(raw) or asks(set_aside(normalize(raw))):
        return None
    return generic_back_pain(m, corrected, person_step, vector)


def closeness(m: Matcher, vector: np.ndarray | None) -> np.ndarray | None:
    """Per entry, the cosine of its closest phrasing to ``vector`` (None without meaning)."""
    if vector is None or m._phrasings_t is None or not vector.any():
        return None
    sims = vector.astype(np.float32) @ m._phrasings_t
    near: np.ndarray = m._per_entry_max(sims.astype(np.float64))
    return near


# A question typed without its question mark: a clause that opens with a question word.
_QUESTION = re.compile(
    r"(?:^|[.!,;:]\s*|\b(?:and|so|but)\s+)(?:do|does|did|can|could|should|would|will|is|are|am|"
    r"how|what|why|when|which|where|any ?one|anybody|any)\b",
    re.IGNORECASE,
)


def asks(raw: str) -> bool:
    """Whether a message asks something: a question mark, or a clause opening with a question word
    ("my doc gave me muscle relaxants, do they actually help")."""
    return "?" in raw or _QUESTION.search(raw) is not None


def acute_story(m: Matcher, cands: Sequence[Candidate], raw: str, normalized: str) -> bool:
    """A story of a back acting up now ("my back seized", "threw my back out"), that asks nothing
    (``asks``) and whose nearest topic is the flare-up: what to do in a flare is what it
    needs, whatever it mentions on the way (the painkillers taken, the ice, the massage booked)."""
    if asks(raw) or not cands or cands[0].topic != ACUTE_TOPIC:
        return False
    return tells_of_a_flare(m, normalized)
