"""What a question is about: another body part or a goal this bot does not coach (``off_scope``), a
subject the sources do not cover, named outright (``marked_gap``), and, among topics that score
alike, the one the asking sentence names (``asked_first``)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from bot.core.chatter import set_aside, without_chatter
from bot.core.knowledge.model import Gap, KnowledgeBase, Scope
from bot.core.match_result import Candidate
from bot.core.safety import without_denials
from bot.core.semantic import question_text
from bot.core.text import SENTENCE_BREAK, normalize


def off_scope(scope: Scope, normalized: str) -> bool:
    """No word ties the question to the back or the program, and one says it is about something else."""
    if scope.about_back is None or scope.about_back.search(normalized):
        return False
    if scope.goals is not None and scope.goals.search(normalized):
        return True
    if scope.pain_elsewhere is not None and scope.pain_elsewhere.search(normalized):
        return True
    if scope.program is not None and scope.program.search(normalized):
        return False
    return scope.elsewhere is not None and scope.elsewhere.search(normalized) is not None


def off_subject(scope: Scope, normalized: str, words: list[str | None]) -> bool:
    """No word of the bot's subject at all, in the question or in its content words as the matcher
    read them (a typo corrected: "deadlfit" is "deadlift"): a film, the weather, maths homework."""
    if scope.subject is None:
        return False
    if scope.subject.search(normalized):
        return False
    return scope.subject.search(" ".join(w for w in words if w)) is None


def declined(kb: KnowledgeBase, topic: str, normalized: str, words: list[str | None]) -> bool:
    """Whether a question whose best match is ``topic`` is out of the bot's scope: about something
    else (``off_scope``), or about nothing of its subject (``off_subject``; not the help topic, which
    answers questions to the bot itself)."""
    return off_scope(kb.scope, normalized) or (
        topic != "help" and off_subject(kb.scope, normalized, words)
    )


def out_of_scope(
    kb: KnowledgeBase,
    mender: Any,
    topic: str | None,
    raw: str,
    normalized: str,
    words: list[str | None],
) -> tuple[bool, Gap | None]:
    """Whether a question whose best match is ``topic`` is declined as out of scope (another body
    part, looks, nothing of the subject), and else the uncovered subject it names, if any. A
    question with misspelt scope words is read again with them mended by ``mender`` (a
    ``bot.core.mending.Mender``): "how do i get rid of celulite" is declined like "cellulite"."""
    out = topic is not None and declined(kb, topic, normalized, words)
    gap = None if out else marked_gap(kb, raw, normalized)
    if not out and gap is None and (mended := mender.mend_whole(raw)):
        out = topic is not None and declined(kb, topic, normalize(mended), words)
        gap = None if out else marked_gap(kb, mended)
    return out, gap


def asking_sentences(text: str) -> list[str]:
    """The sentences that ask: those with a question mark, else the last one (normalised)."""
    parts = [p for p in SENTENCE_BREAK.split(text.strip()) if p.strip()]
    asking = [p for p in parts if "?" in p] or parts[-1:]
    return [normalize(p) for p in asking]


# A short statement that names no part of the body and no pain is a line of profile before the
# question: "Quick background: 34F, desk job.", "I run a few times a week."
PROFILE_WORDS = 10
_BODY = re.compile(r"\b(back|spine|glutes?|butt|bum|hips?|legs?|psoas|hamstrings?|core|abs)\b")


def without_profile(text: str, pain: Any) -> str | None:
    """The message without its lines of profile (normalised), or None when it has none, or
    nothing else: a curated keyword named only there ("desk job") is not what it asks about.
    ``pain``: the screen's concept of pain, if it has one."""
    if not any(stop in text for stop in ".!?\n"):
        return None  # (one sentence: nothing before the question)
    parts = [p for p in SENTENCE_BREAK.split(text.strip()) if p.strip()]
    if len(parts) < 2:
        return None
    rest = [normalize(p) for p in parts if not _profile(p, pain)]
    return " ".join(rest) if rest and len(rest) < len(parts) else None


def told_words(matcher: Any, text: str) -> list[str] | None:
    """The question's words (``matcher.question_words``) without its lines of profile, or None
    when it has none."""
    told = without_profile(text, matcher.kb.safety.concepts.get("pain"))
    if told is None:
        return None
    return list(matcher.question_words(set_aside(told), already_normalized=True))


def _profile(sentence: str, pain: Any) -> bool:
    said = without_chatter(normalize(sentence))  # ("hey bot, quick question: 34F, desk job.")
    return (
        "?" not in sentence
        and 0 < len(said.split()) <= PROFILE_WORDS
        and not _BODY.search(said)
        and (pain is None or not pain.search(said))
    )


def marked_gap(kb: KnowledgeBase, text: str, normalized: str | None = None) -> Gap | None:
    """The uncovered subject a question names by one of its marks ("can I do glute bridges while
    pregnant?"), or None. Only the sentences that ask count: a story mentions many things in
    passing, and what it asks is what it is about. A gap marked ``anywhere`` (where the pain is)
    is settled by a mark in any sentence."""
    whole = normalize(text) if normalized is None else normalized
    named = [
        (g, g.marks) for g in kb.gaps.values() if g.marks is not None and g.marks.search(whole)
    ]
    if not named:
        return None
    asking = [s for s in asking_sentences(text) if s]
    for gap, marks in named:
        if (gap.anywhere or any(marks.search(s) for s in asking)) and (
            gap.unless is None or gap.unless.search(whole) is None
        ):
            return gap
    return None


GAP_NAMED_FROM = 0.45  # a gap the question only resembles, scored below this, is not named


def resembled_gap(kb: KnowledgeBase, key: str, score: float, normalized: str) -> Gap | None:
    """The uncovered subject a question resembles most (``key`` is "gap:ID"), if the reply may name
    it: the question names it by a mark, or resembles it closely. Below ``GAP_NAMED_FROM`` the
    likeness is a word or two in common ("DROP TABLE users" and "inversion table", "shin splints"
    and "sets and reps"), and "I don't have a curated answer about back braces" would tell people
    they asked about something they did not; they get the plain "no curated answer" instead."""
    gap = kb.gaps[key.split(":", 1)[1]]
    if score >= GAP_NAMED_FROM or (gap.marks is not None and gap.marks.search(normalized)):
        return gap
    return None


def topic_keywords(kb: KnowledgeBase) -> dict[str, list[str]]:
    """Each topic's curated keywords, normalised."""
    return {t.id: [n for n in map(normalize, t.keywords) if n] for t in kb.topics.values()}


def asked_first(
    close: Sequence[Candidate], text: str, keywords: Mapping[str, Sequence[str]]
) -> list[Candidate]:
    """Candidates that score alike, the one whose curated keyword the asking sentence of a longer
    message names put first when it is the only one: "(a story about a desk job...) the leg press
    hurts my back, is that my form?" offers the leg press before sitting. A message of one sentence
    is all asking, and its words have already had their say; so is one whose other sentences are
    chatter ("... do i do more rounds? pls help")."""
    asking = " ".join(asking_sentences(text))
    if asking in (normalize(text), without_chatter(normalize(text))):
        return list(close)
    named = [
        c
        for c in close
        if any(re.search(rf"\b{re.escape(k)}\b", asking) for k in keywords[c.topic])
    ]
    if len(named) != 1:
        return list(close)
    return named + [c for c in close if c is not named[0]]


def topic_reading(
    matcher: Any, text: str, normalized: str, vector: Any, sentences: Any
) -> tuple[str, Any, Any]:
    """The question as the topics read it (its words, and its embedding and its sentences' from
    ``matcher``): without the warning signs it says are absent ("can i still deadlift? no
    numbness, no bladder problems"), which tell nothing of what it asks."""
    safety = matcher.kb.safety
    plain = without_denials(safety, normalized)
    if plain == normalized or matcher.embedder is None:
        return plain, vector, sentences
    kept = [
        s
        for p in matcher.sentence_texts(text)
        if len((s := without_denials(safety, p)).split()) >= 3
    ]
    vectors = matcher.embedder.encode([question_text(plain, already_normalized=True), *kept])
    return plain, vectors[0], (vectors[1:] if len(kept) >= 2 else vectors[:0])
