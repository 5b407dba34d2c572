"""What a question too far from every phrasing still gets, before "no curated answer": the flare-up
for a story of a sudden strain, and the person's step for a question of shared words only ("my back
hurts"). Used by ``bot.core.matching.Matcher.match`` when the best score is under
``NO_MATCH_BELOW``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from bot.core.matching import Matcher
    from bot.core.phrasings import Entry

# A question of shared words only that reads like a sudden flare goes to this topic: meaning at
# least this close to one of its phrasings, and closer than to the person's step.
ACUTE_TOPIC = "flare-up"
ACUTE_AT_LEAST = 0.99
# A story of a sudden strain ("threw my back out", "felt a pop", "pulled a muscle": this concept of
# the safety screen) whose nearest topic is the flare-up gets it even under NO_MATCH_BELOW. Five-fold
# by site on the development part: topics 80.1 -> 80.4 %, no_match unchanged.
ACUTE_CONCEPT = "mechanical_onset"


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
    sudden strain (the screen's ``ACUTE_CONCEPT``) that no topic matches well, but whose nearest
    topic is the flare-up, is answered with the flare-up."""
    onset = m.kb.safety.concepts.get(ACUTE_CONCEPT)
    return best.key == ACUTE_TOPIC and onset is not None and onset.search(normalized) is not None


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
        meaning = m.semantic_scores(vector) if acute is not None else None
        if meaning is not None and acute is not None and meaning[acute] >= ACUTE_AT_LEAST:
            start = m._topic_index.get(topic.id) if topic is not None else None
            if start is None or meaning[acute] > meaning[start]:
                return ACUTE_TOPIC
        return topic.id if topic is not None else None
    return None
