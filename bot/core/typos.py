"""Typo correction against a vocabulary: a word the knowledge base does not know is mended to the
closest word it does (``deadlfit`` -> ``deadlift``), cautiously, and remembered."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Collection

from rapidfuzz import fuzz, process

from bot.core.text import stem

TYPO_CACHE = 20000
MIN_TYPO_LENGTH = 6  # shorter words are too often other real words ("movie" is not "move")


class TypoCorrector:
    """``correct(word)``: the known word meant, or None. Compares only words of similar length with
    the same first letter (rapidfuzz's ratio); short words are mended only for a dropped letter."""

    def __init__(self, vocab: Collection[str]):
        self.vocab = vocab
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
            return self._dropped_letter.get(word)
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
        result = best[0] if best else None
        cache[word] = result
        if len(cache) > TYPO_CACHE:
            cache.popitem(last=False)
        return result
