"""Typo correction against a vocabulary: a word the knowledge base does not know is mended to the
closest word it does (``deadlfit`` -> ``deadlift``), cautiously, and remembered."""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterable, Mapping
from itertools import product
from typing import Any

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bot.core.text import STOPWORDS, normalize, stem

TYPO_CACHE = 20000
MIN_TYPO_LENGTH = 6  # shorter words are too often other real words ("movie" is not "move")
_LONG_STOPWORDS = sorted(w for w in STOPWORDS if len(w) >= 4)


class TypoCorrector:
    """``correct(word)``: the known word meant, or None. Compares only words of similar length with
    the same first letter (rapidfuzz's ratio, then one edit with two letters swapped counting as
    one); short words are mended only for a dropped letter or two letters swapped.
    ``mend_text(text)`` puts typos of the knowledge base's written words right before stemming;
    ``is_function_word(word)`` tells a small word typed wrong ("sholud")."""

    def __init__(
        self,
        vocab: Collection[str],
        surface: Mapping[str, str] | None = None,
        words: Collection[str] = frozenset(),
    ):
        """``surface``: the knowledge base's words as written ("sitting", "squeezing"), each with
        the vocabulary word it stands for ("sit", "squeez"): a typo of an inflected word
        ("sititng") is one edit from its written form, however far from its stem. ``words``: real
        words of the language (the embedding model's), which are never read as a typo that way
        ("squads" is not "squats")."""
        self.vocab = vocab
        self.surface = dict(surface or {})
        self.words = words
        self._written_cache: dict[str, str] = {}
        by_form: dict[tuple[str, int], list[str]] = {}  # by first letter and length
        for form in {*self.surface, *(w for w in vocab if w.isalpha())}:
            if len(form) >= MIN_TYPO_LENGTH - 1:
                by_form.setdefault((form[0], len(form)), []).append(form)
        self._by_form = by_form
        by_letter: dict[str, list[str]] = {}
        for w in vocab:
            if len(w) >= MIN_TYPO_LENGTH - 2 and not w.isdigit():
                by_letter.setdefault(w[0], []).append(w)
        self._by_letter = by_letter
        dropped: dict[str, str | None] = {}
        for w in vocab:
            if 4 <= len(w) <= MIN_TYPO_LENGTH and w.isalpha():
                for i in range(len(w)):
                    short = w[:i] + w[i + 1 :]
                    if short in vocab:
                        continue
                    dropped[short] = (
                        w if dropped.get(short, w) == w else None
                    )  # ambiguous: no guess
        self._dropped_letter = {k: v for k, v in dropped.items() if v is not None}
        self._typo_cache: OrderedDict[str, str | None] = OrderedDict()

    def correct(self, word: str) -> str | None:
        if word in self.vocab:
            return word
        if word.isdigit():
            return None
        if len(word) < MIN_TYPO_LENGTH:
            # Short words are only mended when a letter was dropped ("flx" -> "flex"): any other
            # edit too often turns one real word into another ("movie" is not "move").
            return self._dropped_letter.get(word) or self._swapped(word)
        if word.endswith("in") and stem(word + "g") in self.vocab:
            return stem(word + "g")  # chat spelling: "sittin", "liftin", "squattin"
        cache = self._typo_cache
        if word in cache:
            cache.move_to_end(word)
            return cache[word]
        choices = [w for w in self._by_letter.get(word[0], ()) if abs(len(w) - len(word)) <= 2]
        cutoff = 85 if len(word) <= 7 else 84
        best = (
            process.extractOne(word, choices, scorer=fuzz.ratio, score_cutoff=cutoff)
            if choices
            else None
        )
        result = best[0] if best else self._one_edit(word)
        cache[word] = result
        if len(cache) > TYPO_CACHE:
            cache.popitem(last=False)
        return result

    def mend_text(self, normalized: str) -> str:
        """``normalized`` with each word the knowledge base does not write, and no word of the
        language, put right when it is a written word with two letters swapped ("lwoer", "prses")
        or, from six letters, one edit from one ("kliling", "mucsles"): before the words are
        stemmed, where "prses" would become "prse" and be lost."""
        words = normalized.split()
        mended = [self._written(w) for w in words]
        return " ".join(mended) if mended != words else normalized

    def _written(self, word: str) -> str:
        if len(word) < 4 or word in self.surface or word in self.words or not word.isalpha():
            return word
        found = self._written_cache.get(word)
        if found is None:
            near = {w for w in _swaps(word) if w in self.surface}
            if not near and len(word) >= MIN_TYPO_LENGTH:
                near = {w for w in self._one_edit_forms(word) if w in self.surface}
            elif not near and self._dropped_letter.get(word) in self.surface:
                near = {self._dropped_letter[word]}  # "leg pres": "press", not "pre" once stemmed
            found = near.pop() if len(near) == 1 else word
            if len(self._written_cache) < TYPO_CACHE:
                self._written_cache[word] = found
        return found

    def known(self, word: str) -> bool:
        """Whether ``word`` is one the knowledge base writes or knows, or a word of the language."""
        return word in self.words or word in self.surface or word in self.vocab

    def is_function_word(self, word: str) -> bool:
        """Whether ``word`` is a small word of the language typed wrong ("sholud", "becuase",
        "waht"): no word of its own, one edit from a stopword of four letters or more."""
        if len(word) < 4 or word in self.vocab or word in self.words or word in STOPWORDS:
            return False
        hit = process.extractOne(word, _LONG_STOPWORDS, scorer=OSA.distance, score_cutoff=1)
        return hit is not None

    def _swapped(self, word: str) -> str | None:
        """A short word with two letters swapped ("setps", "satrt"), when it is no word of its own
        and the swap gives exactly one of the knowledge base's words."""
        if len(word) < 4 or word in self.words:
            return None
        return self._one_meant(_swaps(word))

    def _one_edit(self, word: str) -> str | None:
        """The vocabulary word that ``word`` is one edit from (a letter dropped, added, changed, or
        two swapped: "stomcah", "sititng"), in its stem or its written form; None when there is
        none, or more than one."""
        if word in self.words:
            return None
        return self._one_meant(self._one_edit_forms(word))

    def _one_edit_forms(self, word: str) -> list[str]:
        """The knowledge base's words and written forms one edit from ``word``, same first letter."""
        n, get = len(word), self._by_form.get
        forms = [*get((word[0], n - 1), ()), *get((word[0], n), ()), *get((word[0], n + 1), ())]
        near = process.extract(word, forms, scorer=OSA.distance, score_cutoff=1, limit=None)
        return [form for form, _, _ in near]

    def _one_meant(self, forms: Iterable[str]) -> str | None:
        """The one vocabulary word the ``forms`` stand for, or None when none or several."""
        meant = {m for form in forms if (m := self.surface.get(form, form)) in self.vocab}
        return meant.pop() if len(meant) == 1 else None


def _swaps(word: str) -> set[str]:
    """``word`` with two neighbouring letters swapped, every way but the first letter."""
    return {word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(1, len(word) - 1)}


def written_forms(
    canon: Any, texts: Iterable[Iterable[str]], vocab: Collection[str]
) -> dict[str, str]:
    """The knowledge base's longer words as written in ``texts`` ("sitting"), each with the
    vocabulary word it is once ``canon`` (a ``text.Canonicalizer``) has read it ("sit")."""
    forms: dict[str, str] = {}
    for text in {t for group in texts for t in group}:
        for w in normalize(text).split():
            if len(w) >= 4 and w.isalpha() and w not in forms:
                words = canon.content_words(w, already_normalized=True)
                if len(words) == 1 and words[0] in vocab:
                    forms[w] = words[0]
    return forms


_STRETCHED = re.compile(r"([^\W\d_])\1\1")
_STRETCHED_WORD = re.compile(r"\b\w*([^\W\d_])\1\1\w*\b")
_RUN = re.compile(r"([^\W\d_])\1{2,}")


# A short word's last letter held down only once ("i wanna diee", "helpp", "noo"): the word meant
# is the one without it, where the word as typed is not one and that one is. (Not a longer word,
# nor "ss": "exerciss", "leg perss" and "mattess" are other slips of other words.)
_DOUBLED_END = re.compile(r"\b[^\W\d_]{1,4}([^\W\d_s])\1\b", re.I)


def _held_at_end(word: str, known: Callable[[str], bool]) -> str:
    lower = word.lower()
    return word[:-1] if not known(lower) and known(lower[:-1]) else word


def unstretched(text: str, known: Callable[[str], bool]) -> str:
    """``text`` with each word typed with a letter held down ("weeeeak", "nuuumb", "legsss",
    "pleeease", "diee") written as the word meant: each run of three or more letters kept as two or
    cut to one, whichever gives a ``known`` word (two first, then fewer letters: "goood" is
    "good", "nooo" is "no"); as two where none does, as ``normalize`` would."""
    if not isinstance(text, str):
        return text
    if _DOUBLED_END.search(text) is not None:
        text = _DOUBLED_END.sub(lambda m: _held_at_end(m.group(0), known), text)
    if _STRETCHED.search(text) is None:
        return text

    def meant(m: re.Match[str]) -> str:
        word = m.group(0)
        runs = [(r.start(), r.end()) for r in _RUN.finditer(word.lower())][:3]
        for keep in product((2, 1), repeat=len(runs)):
            out, at = [], 0
            for (start, end), n in zip(runs, keep, strict=True):
                out.append(word[at:start] + word[start] * n)
                at = end
            candidate = "".join(out) + word[at:]
            if known(candidate.lower()):
                return candidate
        return word

    return _STRETCHED_WORD.sub(meant, text)
