"""The red-flag screen's second net: what reads like a crisis or a red flag the rules did not name.

Each head ("crisis", "red_flag") is a logistic regression over the message's embedding
(``bot.core.semantic``), which knows what the message is about whatever its words; a head may blend
it (``ngram_share``) with a second regression over the character n-grams of its words (2 to 5
characters, tf-idf weighted), which knows spellings the embedding's word pieces blur ("weeker",
"numbb"). scripts/train_safety_net.py trains them on the development question sets. For red flags,
on development questions from sites left out of training, the two together catch about twice as
many as the embedding's regression alone at the same share of false alarms (the script prints the
figures). numpy only; the file holds the n-gram vocabulary (about 15,000 entries).

Beside them, a crisis phrase head (``PhraseHead``, bot/models/crisis_phrases.npz) reads runs of
words and character n-grams: it knows the plans, means and goodbyes of crisis messages that never
say die, which the embedding reads as one more story of pain.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from bot.core.chatter import without_chatter
from bot.core.knowledge.model import Safety
from bot.core.safety import RedFlag, without_denials
from bot.core.semantic import MODEL_DIR, ModelError, question_text
from bot.core.text import SENTENCE_BREAK, normalize

HEADS_FILE = MODEL_DIR.parent / "safety_heads.npz"
PHRASES_FILE = MODEL_DIR.parent / "crisis_phrases.npz"
PHRASE_WORDS = 3  # the crisis phrase head reads runs of one to this many words
PHRASE_MIN_WORDS = 10  # ...in a message this long ("I've been a runner for 10 years" is too short)
NGRAM_SIZES = (2, 5)  # shortest and longest n-gram
WORD_CACHE = 50_000  # words whose n-gram indices are remembered
NET_MIN_WORDS = 3  # the net does not read a word or two ("pain"): too little to go on


def char_ngrams(text: str) -> list[str]:
    """The character n-grams of each word, padded with a space on both sides ("pee" gives " p",
    "pe", "ee", "e ", " pe", "pee", "ee ", " pee", "pee ", " pee "). Training and run time both use
    this function, so they read a message the same way."""
    return [g for word in text.split() for g in _word_ngrams(word)]


def _word_ngrams(word: str) -> list[str]:
    lo, hi = NGRAM_SIZES
    padded = f" {word} "
    return [
        padded[i : i + n]
        for n in range(lo, min(hi, len(padded)) + 1)
        for i in range(len(padded) - n + 1)
    ]


def tf_idf(found: np.ndarray, idf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The features found (vocabulary indices, repeated as often as they occur) as tf-idf weights:
    (1 + log count) times idf, scaled to length one. (indices, values), both empty for none."""
    if not found.size:
        return found, np.zeros(0)
    idx, counts = np.unique(found, return_counts=True)
    values = (1.0 + np.log(counts)) * idf[idx]
    return idx, values / np.linalg.norm(values)


class NgramVectorizer:
    """A message as tf-idf weights over a fixed n-gram vocabulary: (1 + log count) times the
    n-gram's idf, scaled to length one (what scikit-learn's ``TfidfVectorizer`` computes with
    ``sublinear_tf=True``). N-grams outside the vocabulary are ignored."""

    def __init__(self, vocabulary: list[str], idf: np.ndarray):
        if len(vocabulary) != len(idf):
            raise ModelError("safety heads: the n-gram vocabulary and its idf do not agree")
        self.index = {g: i for i, g in enumerate(vocabulary)}
        self.idf = np.asarray(idf, dtype=np.float64)
        self._known: dict[str, np.ndarray] = {}  # word -> the indices of its known n-grams

    def transform(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """The message's nonzero features: (indices, values)."""
        if len(self._known) > WORD_CACHE:
            self._known.clear()
        parts = [self._indices(w) for w in text.split()]
        return tf_idf(np.concatenate(parts) if parts else np.zeros(0, np.int64), self.idf)

    def _indices(self, word: str) -> np.ndarray:
        known = self._known.get(word)
        if known is None:
            grams = (self.index.get(g) for g in _word_ngrams(word))
            known = self._known[word] = np.array([i for i in grams if i is not None], np.int64)
        return known


def word_grams(text: str) -> list[str]:
    """Every run of one to ``PHRASE_WORDS`` words ("not be here", "pills saved up"): what the
    crisis phrase head reads beside the character n-grams. Training and run time both use it."""
    words = text.split()
    return [
        " ".join(words[i : i + n])
        for n in range(1, PHRASE_WORDS + 1)
        for i in range(len(words) - n + 1)
    ]


class PhraseHead:
    """A second crisis head that reads words, not meaning: a logistic regression over the tf-idf of
    a message's runs of words (``word_grams``) and of its words' character n-grams, each block
    scaled to length one. Written by scripts/train_crisis_phrases.py from the crisis messages of
    the development and written tuning sets: it knows how people talk of plans, means and goodbyes
    whichever words they use around them, where the embedding blurs them into talk of pain."""

    def __init__(
        self,
        phrases: list[str],
        phrase_idf: np.ndarray,
        chars: NgramVectorizer,
        weights: np.ndarray,
        bias: float,
        threshold: float,
    ):
        if len(phrases) != len(phrase_idf) or weights.shape != (len(phrases) + len(chars.idf),):
            raise ModelError("crisis phrases: the weights do not fit the vocabularies")
        self.index = {g: i for i, g in enumerate(phrases)}
        self.idf = np.asarray(phrase_idf, dtype=np.float64)
        self.chars = chars
        self.weights = weights.astype(np.float64)
        self.bias = float(bias)
        self.threshold = float(threshold)

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> PhraseHead:
        try:
            with np.load(path, allow_pickle=False) as data:
                return cls(
                    data["phrases"].tolist(),
                    data["phrase_idf"],
                    NgramVectorizer(data["chars"].tolist(), data["char_idf"]),
                    data["weights"],
                    float(data["bias"]),
                    float(data["threshold"]),
                )
        except (OSError, ValueError, KeyError) as exc:
            raise ModelError(f"cannot read the crisis phrases in {path}: {exc}") from exc

    def probability(self, text: str) -> float:
        grams = (self.index.get(g) for g in word_grams(text))
        idx, values = tf_idf(np.array([i for i in grams if i is not None], np.int64), self.idf)
        cidx, cvalues = self.chars.transform(text)
        z = self.weights[idx] @ values + self.weights[len(self.idf) + cidx] @ cvalues + self.bias
        return float(1 / (1 + np.exp(-z)))

    def fires(self, text: str) -> bool:
        return self.probability(text) > self.threshold


class SafetyHeads:
    """``fired(vector, text)`` names the heads whose probability passes their threshold; ``vector``
    is the message's embedding and ``text`` what was embedded (``semantic.question_text``)."""

    def __init__(
        self,
        names: list[str],
        thresholds: np.ndarray,
        embedding: tuple[np.ndarray, np.ndarray],
        ngrams: tuple[np.ndarray, np.ndarray],
        vectorizer: NgramVectorizer,
        ngram_share: np.ndarray,
    ):
        n = len(names)
        if (
            thresholds.shape != (n,)
            or embedding[0].ndim != 2
            or embedding[0].shape[0] != n
            or embedding[1].shape != (n,)
            or ngrams[0].shape != (n, len(vectorizer.idf))
            or ngrams[1].shape != (n,)
            or ngram_share.shape != (n,)
        ):
            raise ModelError("safety heads: the weights do not fit the heads")
        self.names = list(names)
        self.thresholds = thresholds.astype(np.float64)
        self.embedding = (embedding[0].astype(np.float32), embedding[1].astype(np.float64))
        self.ngrams = (ngrams[0].astype(np.float32), ngrams[1].astype(np.float64))
        self.vectorizer = vectorizer
        self.ngram_share = ngram_share.astype(np.float64)
        self.dim = int(embedding[0].shape[1])
        self.phrases: PhraseHead | None = None  # the crisis phrase head, when there is one

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> SafetyHeads:
        try:
            with np.load(path, allow_pickle=False) as data:
                return cls(
                    [str(n) for n in data["names"]],
                    data["thresholds"],
                    (data["embedding_weights"], data["embedding_bias"]),
                    (data["ngram_weights"], data["ngram_bias"]),
                    NgramVectorizer(data["vocabulary"].tolist(), data["idf"]),
                    data["ngram_share"],
                )
        except (OSError, ValueError, KeyError) as exc:
            raise ModelError(f"cannot read the safety heads in {path}: {exc}") from exc

    def probabilities(self, vector: np.ndarray, text: str) -> dict[str, float]:
        w, b = self.embedding
        by_meaning = 1 / (1 + np.exp(-(w @ vector.astype(np.float32) + b)))
        idx, values = self.vectorizer.transform(text)
        nw, nb = self.ngrams
        by_spelling = 1 / (1 + np.exp(-(nw[:, idx] @ values + nb)))
        blended = (1 - self.ngram_share) * by_meaning + self.ngram_share * by_spelling
        return {n: float(p) for n, p in zip(self.names, blended, strict=True)}

    def fired(self, vector: np.ndarray, text: str) -> set[str]:
        if not vector.any():
            return set()
        probs = self.probabilities(vector, text)
        return {n for n, t in zip(self.names, self.thresholds, strict=True) if probs[n] > t}


_HEADS: SafetyHeads | None = None


def default_heads() -> SafetyHeads | None:
    """The trained heads shipped with the package, read once per process; None when there are none."""
    global _HEADS
    if _HEADS is None and Path(HEADS_FILE).exists():
        heads = SafetyHeads.from_file(HEADS_FILE)
        if Path(PHRASES_FILE).exists():
            heads.phrases = PhraseHead.from_file(PHRASES_FILE)
        _HEADS = heads
    return _HEADS


def second_net(
    heads: SafetyHeads | None,
    safety: Safety,
    flag: RedFlag | None,
    vector: np.ndarray | None,
    normalized: str,
    embed: Callable[[str], np.ndarray] | None = None,
    denied: tuple[str, Any, Any] | None = None,
) -> RedFlag | None:
    """What the rules' ``flag`` becomes once the net has read the message (``vector``: its
    embedding). One that reads like a crisis message gets the crisis reply whatever the rules found;
    one that reads like a red flag the rules missed gets the "when back pain needs a doctor" answer,
    if it names the body or a symptom at all (``net_needs`` in safety.yaml: "I had pizza last night"
    is not a red flag, however much "last night" reads like one). A message that reads like a
    crisis only with its figures of speech (``net_skips``: "this spreadsheet will be the death of
    me") is not one: the crisis heads read it again without them (re-embedded with ``embed``)."""
    if (
        heads is None
        or vector is None
        or len(normalized.split()) < NET_MIN_WORDS
        or (flag is not None and flag.group.urgency == "crisis")
    ):
        return flag
    fired = heads.fired(vector, question_text(normalized, already_normalized=True))
    # The phrase head reads the whole message; it does not turn the rules' emergency into a crisis.
    phrases = heads.phrases if flag is None or flag.group.urgency != "emergency" else None
    plain = without_chatter(normalized)  # "thanks in advance" adds words, not a crisis
    if len(plain.split()) < PHRASE_MIN_WORDS:
        phrases = None
    by_meaning = "crisis" in fired
    by_words = phrases is not None and phrases.fires(plain)
    read = without_figures(safety, normalized) if by_meaning or by_words else normalized
    if read != normalized:  # a head that fired must fire again without the figures of speech
        by_words = by_words and phrases is not None and phrases.fires(without_chatter(read))
        by_meaning = by_meaning and (
            embed is None
            or "crisis" in heads.fired(embed(read), question_text(read, already_normalized=True))
        )
    if by_meaning or by_words:
        fired.add("crisis")
    else:
        fired.discard("crisis")
    by_urgency = {g.urgency: g for g in safety.groups}
    if "crisis" in fired and "crisis" in by_urgency:
        also = flag.group if flag is not None else None  # what the rules found the body shows
        return RedFlag(by_urgency["crisis"], "reads like a crisis message", "net:crisis", also)
    if (
        flag is None
        and "red_flag" in fired
        and "ask" in by_urgency
        and names_the_body(safety, normalized)
        and not textbook(safety, normalized)
        and still_reads_red(heads, safety, normalized, embed, denied)
    ):
        return RedFlag(by_urgency["ask"], "reads like a red-flag message", "net:red_flag")
    return flag


def read_without_opening(
    heads: SafetyHeads | None, safety: Safety, raw: str, embed: Callable[[str], np.ndarray]
) -> RedFlag | None:
    """The red-flag head's verdict on a message of two sentences or more read without its first,
    when it reads the whole message as no red flag: a line of context before the complaint ("34M,
    desk job, I lift 3x a week.") moves the meaning of the whole, and can hide what follows it
    from the head. Only the red-flag head reads it so, not the crisis head. (Read without its last
    sentence too, the development parts gained 4 red flags for 36 false alarms: not done.)"""
    parts = [p for p in SENTENCE_BREAK.split(raw.strip()) if p.strip()] if raw else []
    ask = next((g for g in safety.groups if g.urgency == "ask"), None)
    if heads is None or ask is None or len(parts) < 2:
        return None
    rest = normalize(" ".join(parts[1:]))
    if len(rest.split()) > NET_MIN_WORDS and _reads_red(heads, safety, rest, embed):
        return RedFlag(ask, "reads like a red-flag message", "net:red_flag")
    return None


def _reads_red(
    heads: SafetyHeads, safety: Safety, text: str, embed: Callable[[str], np.ndarray]
) -> bool:
    return (
        "red_flag" in heads.fired(embed(text), question_text(text, already_normalized=True))
        and names_the_body(safety, text)
        and not textbook(safety, text)
        and still_reads_red(heads, safety, text, embed)
    )


def still_reads_red(
    heads: SafetyHeads,
    safety: Safety,
    normalized: str,
    embed: Callable[[str], np.ndarray] | None,
    denied: tuple[str, Any, Any] | None = None,
) -> bool:
    """Whether the red-flag head still fires on the message without what it denies ("can i
    deadlift? no numbness or tingling, no bladder problems"): the head reads symptoms, not the
    negation before them, and a list of signs that are absent is no red flag. ``denied``: that
    reading, its embedding and its sentences', when the caller has them already
    (``subjects.topic_reading``: the topics read the message so too)."""
    plain, vector = (
        denied[:2] if denied is not None else (without_denials(safety, normalized), None)
    )
    if plain == normalized:
        return True
    if len(plain.split()) < NET_MIN_WORDS or not names_the_body(safety, plain):
        return False  # (a body named only among the signs denied is no body told of)
    if vector is None:
        if embed is None:
            return True
        vector = embed(plain)
    return "red_flag" in heads.fired(vector, question_text(plain, already_normalized=True))


def textbook(safety: Safety, normalized: str) -> bool:
    """Whether the whole message is a general question the topics answer (``net_quiet``: "what
    causes low back pain?"): it tells of nobody's body, so the red-flag head does not read it."""
    for name in safety.net_quiet:
        m = safety.concepts[name].search(normalized)
        if m is not None and m.group(0) == normalized:
            return True
    return False


def without_figures(safety: Safety, normalized: str) -> str:
    """``normalized`` without the words of the ``net_skips`` concepts' expressions."""
    spans = [
        m.span() for name in safety.net_skips for m in safety.concepts[name].finditer(normalized)
    ]
    if not spans:
        return normalized
    out, at = [], 0
    for start, end in sorted(spans):
        if start >= at:
            out.append(normalized[at:start])
        at = max(at, end)
    out.append(normalized[at:])
    return " ".join(" ".join(out).split())


def names_the_body(safety: Safety, normalized: str) -> bool:
    needs = [safety.concepts[n] for n in safety.net_needs]  # the loader keeps known names only
    return not needs or any(c.search(normalized) for c in needs)
