"""The matcher's raw material: every phrasing of every entry (topic, uncovered subject, progression
intent) as content-word ids, and the inverted lists that find the phrasings holding a word."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from bot.core.text import normalize


@dataclass(frozen=True)
class Entry:
    key: str  # topic id, "gap:<id>" or "intent:<name>"
    kind: str  # topic | gap | intent


@dataclass
class Phrasings:
    """Phrasings in entry order; ``words[i]`` are the sorted word ids of phrasing ``i``."""

    vocab: dict[str, int] = field(default_factory=dict)
    words: list[list[int]] = field(default_factory=list)
    entry: list[int] = field(default_factory=list)  # the entry each phrasing belongs to
    strings: list[str] = field(default_factory=list)  # its content words, token-sorted
    is_keyword: list[bool] = field(default_factory=list)  # a topic's curated keyword
    raw: list[str] = field(default_factory=list)  # as written, for the embedder
    entry_words: list[set[int]] = field(default_factory=list)  # every word id of each entry


def collect_phrasings(
    entries: list[Entry],
    texts: list[list[str]],
    content_words: Callable[[str], list[str]],
    keywords: set[str],
) -> Phrasings:
    """Each entry's phrasings (``texts[e]``) as word ids; phrasings with no content word are left out."""
    out = Phrasings(entry_words=[set() for _ in entries])
    vocab = out.vocab
    for e, phrasings in enumerate(texts):
        for phrasing in phrasings:
            words = content_words(phrasing)
            if not words:
                continue
            ids = sorted({vocab.setdefault(w, len(vocab)) for w in words})
            out.words.append(ids)
            out.entry.append(e)
            out.is_keyword.append(entries[e].kind == "topic" and normalize(phrasing) in keywords)
            out.strings.append(" ".join(sorted(words)))  # token-sorted once, here
            out.raw.append(phrasing)
            out.entry_words[e].update(ids)
    return out


def inverted(rows: Iterable[Iterable[int]], size: int) -> list[np.ndarray]:
    """For each of ``size`` word ids, the indexes of the rows that hold it."""
    lists: list[list[int]] = [[] for _ in range(size)]
    for r, ids in enumerate(rows):
        for wid in ids:
            lists[wid].append(r)
    return [np.asarray(rs, dtype=np.int64) for rs in lists]


def exact_index(
    pattern_words: list[list[int]], pattern_entry: list[int], entries: list[Entry], min_words: int
) -> dict[frozenset[int], int | None]:
    """Each phrasing's content words, as a set, to the one topic or gap that has them (None when
    several do), for phrasings of at least ``min_words`` words."""
    index: dict[frozenset[int], int | None] = {}
    for ids, e in zip(pattern_words, pattern_entry, strict=True):
        if entries[e].kind != "intent" and len(set(ids)) >= min_words:
            key = frozenset(ids)
            index[key] = e if index.get(key, e) == e else None
    return index
