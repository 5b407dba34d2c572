"""From a question to ranked topics, and the decision: answer, clarify, no_match or red_flag.

How a question is scored
------------------------
1. It is normalised (``bot.core.text``), cut to a bound, and put in canonical form: synonyms
   ("rdl" -> "deadlift", "bum" -> "glute"), light stems, stop words dropped.
2. Words the knowledge base does not know are corrected to the closest known word with rapidfuzz
   (a typo like "deadlfit" or "hamstirng"), comparing only words of similar length and the same
   first letter, and remembering corrections.
3. Every phrasing of every topic is scored at once, with numpy over an inverted index:
   *coverage* is the share of the phrasing's information (words weighted by how few topics use
   them) that the question contains; *specificity* discounts phrasings that carry little
   information; *focus* rewards phrasings that explain much of the question. For short questions
   rapidfuzz's ``token_sort_ratio`` over the whole prepared choice list (``process.cdist``) adds
   tolerance for word order and spelling at the phrase level.
4. A topic scores its best phrasing, nudged by how much of the question its whole vocabulary
   explains, so a long post that talks about leg presses lands on the leg press topic. A question
   in exactly the words of one phrasing (three or more) leads with that phrasing's topic.
5. Meaning: the question's embedding (``bot.core.semantic``, the topics' model) is compared with
   every phrasing and blended into each topic's score (``SEMANTIC_SHARE``); each of a long message's
   last sentences too, so the sentence that asks is not lost in the whole (``SENTENCE_*``).
6. Labelled questions: the real questions of the development part (``bot/models/topic_examples.npz``,
   built by ``scripts/train_topic_examples.py``) that are nearest in meaning vote for the topics
   that answered them (``EXAMPLE_*``), with a softmax regression over the same questions. This is
   how wordings no phrasing foresaw ("my back went out picking up my kid") reach their topic; a
   question whose neighbours were out of scope gets little vote; the last sentences of a long
   message vote too. The constants were chosen from five-fold figures with folds split by site.

The decision rule (thresholds below, tuned on the development question sets, never on single
questions; the held-out ``knowledge/eval/real-test.yaml`` is only reported):

* the red-flag screen runs first and wins: its rules, then a second net over the question's
  meaning and spelling (``bot.core.safety_net``) for a crisis or a red flag the rules did not name;
* a question with no word that ties it to the back or the program and a word that puts it
  elsewhere (a knee, a shoulder; bigger glutes, a six-pack: ``knowledge/scope.yaml``) is
  ``no_match``, however well its words match a topic; so is one whose asking sentence names an
  uncovered subject (``gaps.yaml``), unless it is a story of a flare that asks nothing and whose
  nearest topic is the flare-up ("...took two ibuprofen"): then the flare-up;
* best score under ``NO_MATCH_BELOW``: ``no_match``, unless every word is one most topics share
  ("my back hurts"): then the person's step, or the flare-up topic when the question says what one
  of its phrasings says ("my back just went out"); or unless the nearest topic is the flare-up and
  the message tells of a sudden strain ("I coughed and hurt my lower back"): then the flare-up; a
  best match that is a known uncovered subject (``gaps.yaml``) is ``no_match`` too, naming that
  subject if the question names it or resembles it closely (``subjects.resembled_gap``);
* otherwise, topics within ``CLARIFY_MARGIN``: ``clarify`` (the one the asking sentence names first);
* otherwise ``answer``.

Progression phrasings ("this is easy now, what's next", "the stretch hurts my back") move from the
step the question names (or the person's own step) up or down one, using the knowledge base's
rule, when the question is about a progression step or about nothing more specific.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from rapidfuzz import fuzz, process

from bot.core import chatter, semantic, subjects
from bot.core.chatter import GREETING, set_aside, without_meta, without_quotes, without_title
from bot.core.fallback import ACUTE_TOPIC, acute_story, bare_complaint, fallback_topic
from bot.core.intents import apply_intent, progression_intent
from bot.core.knowledge.model import KnowledgeBase
from bot.core.letterforms import as_meant
from bot.core.match_result import Candidate, MatchResult
from bot.core.mending import Respeller, mender_for, respelled, scope_mender_for, screened
from bot.core.number_words import WRITTEN_NUMBERS
from bot.core.phrasings import Entry, collect_phrasings, exact_index, inverted
from bot.core.safety import without_advice
from bot.core.safety_net import default_heads, read_without_opening, second_net
from bot.core.semantic import question_text
from bot.core.subjects import asked_first, out_of_scope, resembled_gap, told_words, topic_reading
from bot.core.text import SENTENCE_BREAK, normalize
from bot.core.typos import TypoCorrector, unstretched, written_forms

# --- the decision rule -------------------------------------------------------------------------
NO_MATCH_BELOW = 0.47  # best topic score below this: nothing curated fits
CLARIFY_MARGIN = 0.04  # other topics this close to the best: offer them
CLARIFY_MAX = 3
# --- scoring -----------------------------------------------------------------------------------
MAX_WORDS = 120  # content words kept: the first 40 and the last 80 (questions often end a post)
FUZZY_MAX_WORDS = 12  # phrase-level fuzzy similarity only for short questions
SPECIFIC_WEIGHT = 3.0  # information (sum of word weights) at which a phrasing counts as specific
FOCUS_SHARE = 0.6  # how much "explains the question" counts against "covers the phrasing"
FUZZY_SHARE = 0.15  # how much phrase-level similarity counts, for short questions
VOCAB_SHARE = 0.1  # how much the topic's whole vocabulary explaining the question counts
UNKNOWN_WEIGHT = 1.5  # information of a word the knowledge base never uses (off-topic evidence)
KEYWORD_BONUS = 0.2  # added to a topic whose curated keyword the question contains
EXACT_LEAD = 0.05  # a question in exactly one phrasing's words leads the next topic by this...
EXACT_MIN_WORDS = 3  # ...when the phrasing has this many content words ("tight psoas" says little)
GENERIC_SHARE = 0.35  # a word used by at least this share of topics says nothing about which one
# Meaning (semantic similarity of the question to each phrasing, from the static embedding model).
SEMANTIC_SHARE = 0.2  # how much meaning counts against words in a topic's score
SEMANTIC_FLOOR = 0.5  # cosine at or below which a phrasing is unrelated (scaled to 0)
SEMANTIC_CEILING = 0.85  # cosine at which a phrasing says the same thing (scaled to 1)
# Sentences: a long message's last few sentences are embedded too; a topic's meaning score and its
# example vote are the best over the whole message and them (a sentence's times SENTENCE_DISCOUNT).
SENTENCE_MEANING = True
SENTENCE_VOTES = True
SENTENCE_DISCOUNT = 0.8
SENTENCES_KEPT = 6
MAX_SENTENCE_TEXT = 4000  # characters of a message split into sentences
# Labelled questions (``bot.core.semantic.TopicExamples``): the nearest ones vote for what answered them.
EXAMPLE_K = 7  # nearest labelled questions that vote
EXAMPLE_FLOOR = 0.5  # cosine at or below which a labelled question is unrelated
EXAMPLE_SHARE = 0.5  # added to a topic's score: this times its vote (0..1)

DEFAULT_MODEL = object()  # Matcher(kb): the bundled embedding model


class Matcher:
    """Built once per knowledge base; ``match`` is then pure and fast."""

    def __init__(
        self,
        kb: KnowledgeBase,
        embedder: Any = DEFAULT_MODEL,
        heads: Any = DEFAULT_MODEL,
        examples: Any = DEFAULT_MODEL,
    ):
        """``embedder``: a sentence embedder (``bot.core.semantic``) for the meaning signal, or None
        for words alone; by default the bundled topics' model, and the safety heads' own model in
        ``safety_embedder``. ``heads``: the red-flag screen's second net; ``examples``: labelled
        questions whose nearest neighbours vote (each the bundled one by default; None for none)."""
        self.kb = kb
        default = embedder is DEFAULT_MODEL  # (the topics' model reads the safety model too)
        self.safety_embedder = semantic.default_embedder() if default else embedder
        self.embedder = embedder = semantic.default_topic_embedder() if default else embedder
        if heads is DEFAULT_MODEL:
            heads = default_heads() if embedder is not None else None
            if heads is not None and heads.dim != getattr(self.safety_embedder, "dim", None):
                heads = None  # trained on another model's vectors
        self.heads = heads
        if examples is DEFAULT_MODEL:
            examples = semantic.default_examples() if embedder is not None else None
            if examples is not None and examples.dim != getattr(embedder, "dim", None):
                examples = None  # made with another model: its vectors cannot be compared
        self.examples = examples
        self.canon = kb.canonicalizer
        entries: list[Entry] = []
        texts: list[list[str]] = []
        self._named = subjects.topic_keywords(kb)
        self._keywords = {k for ks in self._named.values() for k in ks}
        for topic in kb.topics.values():
            entries.append(Entry(topic.id, "topic"))
            texts.append([*topic.patterns, *topic.keywords, topic.title])
        for gap in kb.gaps.values():
            entries.append(Entry("gap:" + gap.id, "gap"))
            texts.append(list(gap.patterns))
        entries.append(Entry("intent:move_up", "intent"))
        texts.append(list(kb.progression.move_up_patterns))
        entries.append(Entry("intent:go_back", "intent"))
        texts.append(list(kb.progression.go_back_patterns))
        self._build(entries, texts)
        self.mender = mender_for(kb.safety, embedder, self.vocab, self.typos.correct)
        self.scope_mender = scope_mender_for(kb, embedder, self.vocab, self.typos.correct)
        domain = self.mender.targets | self.scope_mender.targets | set(self.vocab)
        domain |= WRITTEN_NUMBERS  # "foutteen years old" is a child's age
        self.respeller = Respeller(self.mender.known, domain, self.typos.correct, self.canon)

    # -- index ----------------------------------------------------------------------------------
    def _build(self, entries: list[Entry], texts: list[list[str]]) -> None:
        self.entries = entries
        found = collect_phrasings(entries, texts, self.canon.content_words, self._keywords)
        vocab, pattern_words, entry_words = found.vocab, found.words, found.entry_words
        pattern_entry, pattern_strings = found.entry, found.strings
        pattern_is_keyword, raw_phrasings = found.is_keyword, found.raw
        self.vocab = vocab
        self.words_by_id = [""] * len(vocab)
        for w, i in vocab.items():
            self.words_by_id[i] = w
        n_entries = max(1, sum(1 for e in entries if e.kind != "intent"))
        df = np.zeros(len(vocab), dtype=np.float64)
        for e, ws in enumerate(entry_words):
            if entries[e].kind == "intent":
                continue
            for wid in ws:
                df[wid] += 1
        # Words used by few topics carry more information; words no topic uses (intent-only words)
        # get the weight of a word used by one topic.
        self.weight = np.log((n_entries + 1) / (np.maximum(df, 1.0) + 0.5))
        self.pattern_entry = np.asarray(pattern_entry, dtype=np.int64)
        self.pattern_strings = pattern_strings
        self.pattern_ids = pattern_words
        self.pattern_is_keyword = np.asarray(pattern_is_keyword, dtype=bool)
        self.pattern_total = np.array(
            [self.weight[ids].sum() for ids in pattern_words], dtype=np.float64
        )
        self.postings = inverted(pattern_words, len(vocab))
        self.entry_postings = inverted(entry_words, len(vocab))
        self.n_patterns = len(pattern_strings)
        self.specificity = np.minimum(1.0, self.pattern_total / SPECIFIC_WEIGHT)
        self.generic_words = {w for w in range(len(vocab)) if df[w] >= GENERIC_SHARE * n_entries}
        tokenizer = getattr(self.embedder, "tokenizer", None)
        words = frozenset(t for t in tokenizer.get_vocab() if t.isalpha()) if tokenizer else ()
        self.typos = TypoCorrector(vocab, written_forms(self.canon, texts, vocab), words)
        self.topic_entries = np.array(
            [i for i, e in enumerate(entries) if e.kind != "intent"], dtype=np.int64
        )
        self.intent_index = {e.key: i for i, e in enumerate(entries) if e.kind == "intent"}
        self._exact = exact_index(pattern_words, pattern_entry, entries, EXACT_MIN_WORDS)
        self._topic_index = {e.key: i for i, e in enumerate(entries) if e.kind == "topic"}
        self._intent_words = np.array([len(ids) for ids in pattern_words], dtype=np.float64)
        self.intent_rows = {
            key: np.flatnonzero(self.pattern_entry == i) for key, i in self.intent_index.items()
        }
        # Phrasings are stored entry by entry, so a per-entry maximum is one reduceat.
        counts = np.bincount(self.pattern_entry, minlength=len(entries))
        self._has_patterns = counts > 0
        self._starts = np.concatenate(([0], np.cumsum(counts)[:-1]))[self._has_patterns]
        # Meaning: every phrasing embedded once; a question is then one matrix-vector product.
        self.phrasing_vectors = (
            self.embedder.encode_many(raw_phrasings) if self.embedder is not None else None
        )
        # (features, phrasings): the product with the question and its sentences is faster so
        self._phrasings_t = (
            None if self.phrasing_vectors is None else np.ascontiguousarray(self.phrasing_vectors.T)
        )
        self.set_examples(self.examples)

    def set_examples(self, examples: Any) -> None:
        """Use these labelled questions (``TopicExamples`` or None) for the example votes."""
        self.examples = examples
        entry_of = {e.key: i for i, e in enumerate(self.entries) if e.kind == "topic"}
        names = list(examples.names) if examples is not None else []
        self._example_cols = np.array(
            [j for j, n in enumerate(names) if n in entry_of], dtype=np.int64
        )
        self._example_rows = np.array([entry_of[n] for n in names if n in entry_of], dtype=np.int64)

    def example_votes(
        self, q: np.ndarray | None, sentences: np.ndarray | None = None
    ) -> np.ndarray | None:
        """Per entry, the vote of the nearest labelled questions (0..1), or None without them. A
        question whose neighbours were labelled no_match gets little vote for any topic. With
        ``sentences`` (rows), one sentence's vote counts too, discounted."""
        if self.examples is None or q is None or not q.any():
            return None
        if sentences is None or not len(sentences) or not SENTENCE_VOTES:
            votes = self.examples.votes(q, EXAMPLE_K, EXAMPLE_FLOOR)
        else:
            rows = self.examples.votes_many(np.vstack([q, sentences]), EXAMPLE_K, EXAMPLE_FLOOR)
            votes = np.maximum(rows[0], SENTENCE_DISCOUNT * rows[1:].max(axis=0))
        out = np.zeros(len(self.entries), dtype=np.float64)
        out[self._example_rows] = votes[self._example_cols]
        return out

    # -- words ----------------------------------------------------------------------------------
    def question_words(self, text: str, *, already_normalized: bool = False) -> list[str]:
        if GREETING.fullmatch(text if already_normalized else normalize(text)):
            return []  # "good morning" greets: it does not ask about the morning routine
        normalized = self.typos.mend_text(text if already_normalized else normalize(text))
        words = self.canon.content_words(normalized, already_normalized=True)
        words = [w for w in words if not self.typos.is_function_word(w)]  # "sholud", "waht"
        if len(words) > MAX_WORDS:
            words = words[:40] + words[-(MAX_WORDS - 40) :]
        return words

    # -- scoring --------------------------------------------------------------------------------
    def _per_entry_max(self, values: np.ndarray) -> np.ndarray:
        out = np.zeros(len(self.entries), dtype=np.float64)
        if self.n_patterns:
            out[self._has_patterns] = np.maximum.reduceat(values, self._starts)
        return out

    def _hits(self, ids: Any) -> np.ndarray:
        """Per phrasing, the weight of its words among ``ids``."""
        hits = np.zeros(self.n_patterns, dtype=np.float64)
        for w in ids:
            hits[self.postings[w]] += self.weight[w]
        return hits

    def _score(
        self, words: list[str], corrected: list[str | None], told: list[str] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Per entry, the words' score; and each phrasing's coverage. ``told``: the words of the
        message without its lines of profile, where a curated keyword must be (``KEYWORD_BONUS``)."""
        known = [c for c in corrected if c is not None]
        ids = sorted({self.vocab[w] for w in known})
        if not ids or self.n_patterns == 0:
            return np.zeros(len(self.entries)), np.zeros(self.n_patterns)
        hits = self._hits(ids)
        entry_hits = np.zeros(len(self.entries), dtype=np.float64)
        for w in ids:
            entry_hits[self.entry_postings[w]] += self.weight[w]
        # Information in the question: known words by their weight, unknown ones as ordinary words.
        unknown = len({w for w, c in zip(words, corrected, strict=False) if c is None})
        question_total = float(self.weight[ids].sum()) + UNKNOWN_WEIGHT * unknown
        coverage = hits / np.maximum(self.pattern_total, 1e-9)
        focus = np.minimum(1.0, hits / max(question_total, 1e-9))
        pattern_scores = coverage * self.specificity * ((1 - FOCUS_SHARE) + FOCUS_SHARE * focus)
        if len(words) <= FUZZY_MAX_WORDS:
            query = " ".join(sorted(known or words))
            fz = process.cdist(
                [query],
                self.pattern_strings,
                scorer=fuzz.ratio,
                processor=None,
                dtype=np.uint8,
                workers=1,
            )[0]
            pattern_scores = (1 - FUZZY_SHARE) * pattern_scores + FUZZY_SHARE * (
                fz / 100.0
            ) * self.specificity
        scores = self._per_entry_max(pattern_scores)
        vocab_share = np.minimum(1.0, entry_hits / max(question_total, 1e-9))
        scores = (1 - VOCAB_SHARE) * scores + VOCAB_SHARE * vocab_share * (scores > 0)
        # A curated keyword present in full ("leg press", "psoas") is strong evidence for its topic.
        named = coverage
        if told is not None:
            said = {self.vocab[c] for c in map(self.typos.correct, told) if c is not None}
            named = self._hits(said) / np.maximum(self.pattern_total, 1e-9)
        keyword_hit = self._per_entry_max(
            ((named >= 0.999) & self.pattern_is_keyword).astype(np.float64)
        )
        return scores + KEYWORD_BONUS * keyword_hit, coverage

    def sentence_texts(self, text: str) -> list[str]:
        """A message's last few sentences (normalised), when it has more than one: in a long post
        the sentence that asks the question is diluted in the whole message's mean."""
        tail = text[-MAX_SENTENCE_TEXT:] if isinstance(text, str) else ""
        parts = [p for p in SENTENCE_BREAK.split(tail) if len(p.split()) >= 3]
        return [normalize(p) for p in parts[-SENTENCES_KEPT:]] if len(parts) >= 2 else []

    def embed_one(self, normalized: str) -> np.ndarray:
        """The embedding of one normalized text as the safety heads read it (``safety_embedder``;
        the topics' model, ``message_vectors``, where the matcher was given one model)."""
        assert self.safety_embedder is not None
        vector: np.ndarray = self.safety_embedder.encode(
            [question_text(normalized, already_normalized=True)]
        )[0]
        return vector

    def message_vectors(
        self, text: str, normalized: str
    ) -> tuple[np.ndarray | None, np.ndarray | None]:
        """The question's embedding and its sentences' (rows), in one call; (None, None) without."""
        if self.embedder is None or not normalized:
            return None, None
        whole = question_text(normalized, already_normalized=True)
        vectors: np.ndarray = self.embedder.encode([whole, *self.sentence_texts(text)])
        return vectors[0], vectors[1:]

    def semantic_scores(
        self, q: np.ndarray | None, sentences: np.ndarray | None = None
    ) -> np.ndarray | None:
        """Per entry, how close in meaning its closest phrasing is to the question (0..1), or None.
        With ``sentences`` (rows), a phrasing close to one sentence counts too, discounted."""
        if q is None or self.phrasing_vectors is None or not self.n_patterns or not q.any():
            return None
        span = SEMANTIC_CEILING - SEMANTIC_FLOOR
        rows = q[None, :]
        if sentences is not None and len(sentences) and SENTENCE_MEANING:
            rows = np.vstack([q, sentences])
        assert self._phrasings_t is not None
        sims = rows.astype(np.float32) @ self._phrasings_t  # one product for all rows
        scaled = np.clip((sims[0] - SEMANTIC_FLOOR) / span, 0.0, 1.0)
        if len(rows) > 1:
            closest = sims[1:].max(axis=0)
            scaled = np.maximum(
                scaled, SENTENCE_DISCOUNT * np.clip((closest - SEMANTIC_FLOOR) / span, 0, 1)
            )
        return self._per_entry_max(scaled.astype(np.float64))

    # -- the decision ---------------------------------------------------------------------------
    def _a_word(self, word: str) -> bool:
        return self.typos.known(word) or self.respeller.knows(word)  # ("myeeeeloma": "myeloma")

    def match(self, text: str, *, person_step: int = 1) -> MatchResult:
        text = as_meant(text) if isinstance(text, str) else ""  # "k.m.s", "can&#39;t": cut right
        found: MatchResult = chatter.past_profile(self._decide, text, person_step)
        return found  # ("34F, desk job. <the question>": see ``chatter.past_profile``)

    def _decide(self, text: str, person_step: int, screen: bool = True, topics: bool = True) -> Any:
        """The decision (``screen`` False: no red-flag screen; ``topics`` False: the screen alone).
        Long: the decision rule (the module's docstring) reads best in one piece."""
        text = unstretched(without_title(text), self._a_word)  # "my legs are sooo weeeeak"
        normalized = normalize(text)
        raw = text if isinstance(text, str) else normalized
        flag, read = self._screen(text, raw, normalized, screen)
        if flag is not None or not topics:
            return None if flag is None else MatchResult("red_flag", None, 1.0, red_flag=flag)
        said, (raw, normalized, vector, sentences) = normalized, read
        words = self.question_words(set_aside(normalized), already_normalized=True)
        if not set(words) - {"help"}:
            # Only function words ("what can you do", "hi", "what do u help with"), or only words
            # about the post ("first post, long time lurker"): about the bot.
            if "help" in self.kb.topics and any(w.isalpha() for w in said.split()):
                return MatchResult("answer", "help", 1.0, words=("help",))
            return MatchResult("no_match", None, 0.0)
        corrected = [self.typos.correct(w) for w in words]
        ranked, cands, coverage = self._candidates(words, corrected, vector, sentences, raw)
        best_score, best = (min(ranked[0][0], 1.0), ranked[0][1]) if ranked else (0.0, None)
        topic = cands[0].topic if cands else None  # (what a leading gap is declined as, too)
        out, gap = out_of_scope(self.kb, self.scope_mender, topic, raw, normalized, corrected)
        if out and best is not None and best.kind == "gap":
            gap = resembled_gap(self.kb, best.key, best_score, normalized) or gap
        if gap is not None and not gap.anywhere and acute_story(self, cands, raw, normalized):
            return MatchResult("answer", ACUTE_TOPIC, best_score, cands, words=tuple(words))
        if out or gap is not None:
            near = cands[0].topic if cands and gap is None else None
            return MatchResult("no_match", near, best_score, cands, gap=gap, words=tuple(words))

        start = bare_complaint(self, raw, corrected, person_step, vector)  # "my back hurts."
        if start is not None:
            return MatchResult("answer", start, best_score, cands, words=tuple(words))
        intent, intent_score = progression_intent(self, coverage, len(set(words)), ranked, said)
        if intent is not None:
            moved = apply_intent(self, intent, ranked, best_score, person_step, normalized)
            if moved is not None:
                topic_id, from_step = moved
                return MatchResult(
                    "answer",
                    topic_id,
                    max(best_score, intent_score),
                    cands,
                    intent=intent,
                    from_step=from_step,
                    words=tuple(words),
                )

        if best is None or best_score < NO_MATCH_BELOW:
            start = fallback_topic(self, best, normalized, corrected, person_step, vector)
            if start is not None:
                return MatchResult("answer", start, best_score, cands, words=tuple(words))
            return MatchResult(
                "no_match", cands[0].topic if cands else None, best_score, cands, words=tuple(words)
            )
        if best.kind == "gap":
            gap = resembled_gap(self.kb, best.key, best_score, normalized)
            return MatchResult("no_match", None, best_score, cands, gap=gap, words=tuple(words))
        close = [c for c in cands if best_score - c.score <= CLARIFY_MARGIN][:CLARIFY_MAX]
        if len(close) >= 2:
            close = asked_first(close, raw, self._named)
            return MatchResult(
                "clarify", close[0].topic, best_score, tuple(close), words=tuple(words)
            )
        return MatchResult("answer", best.key, best_score, cands, words=tuple(words))

    def _screen(
        self, text: str, raw: str, normalized: str, screen: bool = True
    ) -> tuple[Any, tuple[str, str, Any, Any]]:
        """The screen's verdict (rules, then second net; None unless ``screen``), and the message
        as net and topics read it: without talk of the post (``chatter.without_meta``) and without
        the warning signs it says are absent (``topic_reading``; the red-flag head reads so too)."""
        fixes = self.respeller.fixes(raw)  # (read again only when a word it reads was put right)
        spelt = respelled(fixes, raw) if any(map(self.mender.reads, fixes.values())) else raw
        flag = screened(self.kb.safety, self.mender, raw, normalized, spelt) if screen else None
        kept = respelled(fixes, without_meta(without_quotes(raw)))  # the topics read its own words
        kept = without_advice(self.kb.safety, kept, normalized if kept is raw else None)
        normalized = normalize(kept) if kept is not raw else normalized
        vector, sentences = self.message_vectors(kept, normalized)
        read = topic_reading(self, kept, normalized, vector, sentences)
        if not screen:  # (the part of a message whose whole was screened: ``past_profile``)
            return None, (kept, *read)
        heard = semantic.as_read_by(self.safety_embedder, self.embedder, read[1])
        seen = semantic.as_read_by(self.safety_embedder, self.embedder, vector)
        seen = self.embed_one(normalized) if seen is None and vector is not None else seen
        denied = (read[0], heard, None)  # (the message without the signs it says are absent)
        net = second_net(self.heads, self.kb.safety, flag, seen, normalized, self.embed_one, denied)
        if net is None and self.embedder is not None:
            net = read_without_opening(self.heads, self.kb.safety, kept, self.embed_one)
        return net, (kept, *read)

    def _candidates(
        self,
        words: list[str],
        corrected: list[str | None],
        vector: np.ndarray | None,
        sentences: np.ndarray | None,
        raw: str = "",
    ) -> tuple[list[tuple[float, Entry]], tuple[Candidate, ...], np.ndarray]:
        """Topics and gaps ranked by words blended with meaning and the labelled questions' votes;
        the best topics as candidates; and each phrasing's coverage. (The keywords of a line of
        profile in ``raw``, "34F, desk job.", are not what the message asks about.)"""
        scores, coverage = self._score(words, corrected, told_words(self, raw) if raw else None)
        meaning = self.semantic_scores(vector, sentences)
        if meaning is not None:
            scores = (1 - SEMANTIC_SHARE) * scores + SEMANTIC_SHARE * meaning
        voted = self.example_votes(vector, sentences)
        if voted is not None:
            scores = scores + EXAMPLE_SHARE * voted * (scores > 0)
        if None not in corrected:  # asked in exactly one phrasing's words: the curated choice leads
            exact = self._exact.get(frozenset(self.vocab[w] for w in corrected if w is not None))
            if exact is not None:
                scores[exact] = max(scores[exact], scores.max() + EXACT_LEAD)
        ranked = self._ranked(scores)
        cands = tuple(Candidate(e.key, min(s, 1.0)) for s, e in ranked if e.kind == "topic")[:5]
        return ranked, cands, coverage

    def _ranked(self, scores: np.ndarray, keep: int = 64) -> list[tuple[float, Entry]]:
        """Topics and gaps with a score, best first (ties in knowledge-base order); the best ``keep``."""
        sub = scores[self.topic_entries]
        idx = np.flatnonzero(sub > 0)
        if len(idx) > keep:
            idx = idx[np.argpartition(-sub[idx], keep - 1)[:keep]]
        idx = idx[np.lexsort((idx, -sub[idx]))]
        return [(float(sub[j]), self.entries[int(self.topic_entries[j])]) for j in idx]
