"""Turning what people type into something comparable.

``normalize`` is the common ground: Unicode NFKC, case-folded, zero-width and control characters
gone, Discord mentions, custom emoji, links and markdown removed, apostrophes dropped ("can't" ->
"cant"), every other non-word character a space, letter runs of three or more cut to two ("sooo" ->
"soo", "booooty" -> "booty"). Letters dressed as other characters (HTML entities, small capitals,
Cyrillic look-alikes, struck-through or spaced-out letters) are read as the letters they show: see
``bot.core.letterforms``. The safety screen reads this form.

``Canonicalizer`` goes further for topic matching: number words become digits, the synonyms of the
knowledge base become their canonical word ("rdl" -> "deadlift", "bum" -> "glute"), words are
lightly stemmed and stop words dropped.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from functools import lru_cache

from bot.core.letterforms import as_latin, undecorated, unescaped, unleet, unmarked, unspaced
from bot.core.number_words import NUMBER_WORDS, WRITTEN_NUMBERS, in_digits
from bot.core.soundalikes import as_meant_words
from bot.core.spellings import CHAT_WORDS, FILLERS, MISSPELLINGS, emoji_as_words

MEMO_LIMIT = 50_000  # phrasings whose content words a Canonicalizer remembers

# Raw input beyond this is cut before any work, so a 100,000-character paste costs what 4,000 do:
# its first RAW_HEAD characters and its end, where a long post usually asks its question. (The
# red-flag screen reads further: see bot.core.safety.SCREEN_LIMIT.)
RAW_LIMIT = 4000
RAW_HEAD = 1000


def fitted(text: str, limit: int = RAW_LIMIT) -> str:
    """``text`` if it fits in ``limit`` characters, else its start and its end joined at a line
    break (a story's opening, then the part that asks)."""
    if len(text) <= limit:
        return text
    head = min(RAW_HEAD, limit // 4)
    return text[:head] + "\n" + text[len(text) - (limit - head - 1) :]


_ZERO_WIDTH = re.compile(
    "[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\u00ad\u034f\u180e\ufe00-\ufe0f]"
)
# Letters that Unicode does not decompose into a base letter and an accent.
_UNDECOMPOSED = str.maketrans(
    {"ß": "ss", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "æ": "ae", "Æ": "Ae",
     "œ": "oe", "Œ": "Oe", "ı": "i", "þ": "th", "Þ": "Th"}
)  # fmt: skip


def without_invisible(text: str) -> str:
    """``text`` without the characters that show as nothing (zero-width spaces and joiners,
    direction marks, soft hyphens, byte-order marks), as a paste from a web page or a chat often
    carries them."""
    return text if text.isascii() else _ZERO_WIDTH.sub("", text)


def plain_letters(text: str) -> str:
    """``text`` without invisible characters and without accents ("São Paulo" -> "Sao Paulo",
    "Zürich" -> "Zurich", "Reykjavík" -> "Reykjavik"); compatibility forms become their plain
    letter (full-width "Ｂ" -> "B")."""
    if text.isascii():
        return text
    text = without_invisible(text).translate(_UNDECOMPOSED)
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


_DISCORD_TOKENS = re.compile(
    r"<a?:\w+:\d+>"  # custom emoji
    r"|<@[!&]?\d+>"  # user and role mentions
    r"|<#\d+>"  # channel mentions
    r"|<t:\d+(?::\w)?>"  # timestamps
    r"|</[\w -]+:\d+>"  # slash command mentions
    r"|@(?:everyone|here)\b"
)
# (and the Hangul fillers, letters that show as nothing, typed on Discord for a blank)
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ufff0-\uffff\ud800-\udfff\u115f\u1160\u3164\uffa0]")
_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_APOSTROPHE = re.compile(r"(?<=\w)['’ʼ`´](?=\w)")
_NON_WORD = re.compile(r"[^\w]+|_+")
_LOST_APOSTROPHE = re.compile(r"(?<!\S)(\w+n) t(?!\S)")
_LETTER_RUN = re.compile(r"([^\W\d_])\1{2,}")
_WRITTEN_AS = CHAT_WORDS | MISSPELLINGS  # (see bot.core.spellings)
_CHAT_WORDS = frozenset(_WRITTEN_AS) | FILLERS
_WITH = re.compile(r"(?<![\w/])w/(o\b|out\b)?(?!\w/)")  # "w/", "w/o", "w/out"
_BETWEEN = re.compile(r"(?<![\w/])b/[wt](?![\w/])")  # "numb b/w my legs"
# Where a raw message's sentences end: after a stop and a space or a line break, and where a
# sentence runs into the next with no space ("...stay strong.I also...", "it went...Now I can't"),
# but not inside "e.g.", "3.5" or "reddit.com".
# Stops that end no sentence: a decimal point ("38.5"), an age's "y.o." ("67 y.o. male, new pain")
INNER_DOTS = re.compile(
    r"(?<=\d)\.(?=\d)|(?:(?<=\d y)|(?<=\dy))\.(?=o\b)|(?:(?<=\d y\.o)|(?<=\dy\.o))\.", re.I
)
SENTENCE_BREAK = re.compile(r"(?<=[.!?])(?:\s+|(?=[A-Z])(?<=[a-z)][.!?]|[.!?]{2}))|\n+")

STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "if",
        "so",
        "as",
        "at",
        "by",
        "for",
        "from",
        "in",
        "into",
        "of",
        "on",
        "onto",
        "to",
        "with",
        "without",
        "about",
        "over",
        "under",
        "up",
        "down",
        "out",
        "off",
        "than",
        "then",
        "there",
        "here",
        "this",
        "that",
        "these",
        "those",
        "it",
        "its",
        "itself",
        "im",
        "ive",
        "id",
        "ill",
        "youre",
        "i",
        "me",
        "my",
        "mine",
        "myself",
        "we",
        "us",
        "our",
        "you",
        "your",
        "yours",
        "he",
        "him",
        "his",
        "she",
        "her",
        "they",
        "them",
        "their",
        "is",
        "am",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "do",
        "does",
        "did",
        "doing",
        "done",
        "have",
        "has",
        "had",
        "having",
        "can",
        "could",
        "would",
        "should",
        "will",
        "shall",
        "may",
        "might",
        "must",
        "what",
        "whats",
        "which",
        "who",
        "whom",
        "whose",
        "when",
        "where",
        "why",
        "how",
        "all",
        "any",
        "some",
        "each",
        "every",
        "few",
        "more",
        "most",
        "other",
        "such",
        "only",
        "own",
        "same",
        "just",
        "very",
        "too",
        "also",
        "really",
        "again",
        "ever",
        "even",
        "still",
        "yet",
        "already",
        "much",
        "many",
        "lot",
        "lots",
        "bit",
        "quite",
        "pretty",
        "kind",
        "sort",
        "get",
        "gets",
        "got",
        "getting",
        "go",
        "goes",
        "going",
        "went",
        "gone",
        "make",
        "makes",
        "made",
        "take",
        "takes",
        "took",
        "know",
        "think",
        "thought",
        "feel",
        "feels",
        "felt",
        "want",
        "wants",
        "wanted",
        "need",
        "needs",
        "try",
        "trying",
        "tried",
        "say",
        "says",
        "said",
        "tell",
        "told",
        "ask",
        "asked",
        "anyone",
        "someone",
        "somebody",
        "anybody",
        "guys",
        "guy",
        "thanks",
        "thank",
        "please",
        "hi",
        "hey",
        "hello",
        "lol",
        "haha",
        "ok",
        "okay",
        "yeah",
        "yes",
        "yep",
        "nope",
        "well",
        "like",
        "thing",
        "things",
        "stuff",
        "way",
        "dont",
        "doesnt",
        "didnt",
        "cant",
        "couldnt",
        "wont",
        "wouldnt",
        "shouldnt",
        "isnt",
        "arent",
        "wasnt",
        "werent",
        "havent",
        "hasnt",
        "u",
        "ur",
        "r",
        "y",
        "pls",
        "plz",
        "tbh",
        "idk",
        "im",
        "rn",
        "btw",
        # Chat spellings of the words above ("wat can u do", "shud i rest it")
        "wat",
        "wut",
        "wot",
        "wats",
        "wen",
        "wer",
        "hw",
        "shud",
        "shld",
        "cud",
        "wud",
        "coz",
        "cuz",
        "bc",
        "cos",
        "abt",
        "bout",
        "tho",
        "thx",
        "ty",
        "ya",
        "yo",
        "sup",
        "yall",
        "dat",
        "dis",
        "da",
        "kinda",
        "sorta",
        "gonna",
        "wanna",
        "gotta",
        "dunno",
        "any1",
        "some1",
        "every1",
        "ne1",
    ]
)

_SUFFIXES = ("ing", "ed", "es", "s")
_STOP_STEMS: frozenset[str] = frozenset()  # filled below, once stem() exists


def normalize(text: object, *, limit: int = RAW_LIMIT) -> str:
    """The common normal form (see the module docstring). Never raises; junk becomes ""."""
    if not isinstance(text, str):
        if isinstance(text, bytes):
            text = text.decode("utf-8", errors="replace")
        else:
            return ""
    return _normalized(text, limit)


@lru_cache(maxsize=2048)  # one message's sentences are read by the screen, the net and the topics
def _normalized(text: str, limit: int) -> str:
    text = unescaped(fitted(text, limit))  # "can&#39;t", "numb%20groin"
    if text.isascii():  # most messages: skip the steps that can only change other characters
        text = _CONTROL.sub(" ", text)
        if "<" in text or "@" in text:
            text = _DISCORD_TOKENS.sub(" ", text)
        text = text.lower()
        if "://" in text or "www." in text:
            text = _URL.sub(" ", text)
        if "'" in text or "`" in text:
            text = _APOSTROPHE.sub("", text)
    else:
        text = unicodedata.normalize("NFKC", undecorated(text))  # "can´t", "k̶i̶l̶l̶"
        text = _ZERO_WIDTH.sub("", text)
        text = _CONTROL.sub(" ", text)
        text = _DISCORD_TOKENS.sub(" ", text)
        text = _URL.sub(" ", text)
        text = as_latin(text.casefold())  # "ᴋɪʟʟ", "🅺🅸🅻🅻", a Cyrillic і in "kіll"
        text = emoji_as_words(_APOSTROPHE.sub("", text))
    text = unleet(unspaced(unmarked(text)))  # "d||ie||", "s u i c i d e", "k.i.l.l", "k1ll"
    if "w/" in text:
        text = _WITH.sub(lambda m: " without " if m.group(1) else " with ", text)
    if "b/" in text:
        text = _BETWEEN.sub(" between ", text)
    text = _NON_WORD.sub(" ", text)
    text = _LETTER_RUN.sub(r"\1\1", text)
    if " t " in text or text.endswith(" t"):
        text = _LOST_APOSTROPHE.sub(r"\1t", text)  # "can t", "don t": an apostrophe lost
    words = text.split()
    if not _CHAT_WORDS.isdisjoint(words):
        words = [_WRITTEN_AS.get(w, w) for w in words if w not in FILLERS]
    if not WRITTEN_NUMBERS.isdisjoint(words):
        words = in_digits(words)
    return as_meant_words(" ".join(words))  # "know feeling", "getting week", "my bowls"


def stem(word: str) -> str:
    """A light, consistent suffix strip: the same on both sides of a comparison is what matters."""
    if len(word) <= 3 or word.isdigit():
        return word
    for suffix in _SUFFIXES:
        if word.endswith(suffix):
            if suffix == "s" and (word.endswith(("ss", "us", "is"))):
                return word
            if suffix == "es" and not word[:-2].endswith(("ss", "sh", "ch", "x")):
                suffix = "s"  # glutes -> glute, squeezes -> squeeze; presses -> press
            base = word[: -len(suffix)]
            if len(base) < 3 or base in STOPWORDS:
                return word  # "evening" is not "even"
            if (
                suffix in ("ing", "ed")
                and len(base) >= 4
                and base[-1] == base[-2]
                and base[-1] not in "lsz"
            ):
                base = base[:-1]  # squatting -> squat, tugged -> tug
            return base
    return word


_STOP_STEMS = STOPWORDS | frozenset(stem(w) for w in STOPWORDS)


class Canonicalizer:
    """Number words, synonyms, stems and stop words: the form topics are matched in."""

    def __init__(self, synonyms: Mapping[str, Iterable[str]] | None = None):
        self.variant_to_canonical: dict[str, str] = {}
        for canonical, variants in (synonyms or {}).items():
            canon = normalize(canonical).replace(" ", "")
            for variant in [canonical, *variants]:
                v = self._stemmed(normalize(variant))
                if v:
                    self.variant_to_canonical[v] = canon
        self._memo: dict[str, tuple[str, ...]] = {}
        # Each variant under its first word, longest first: at each word of a text the longest
        # variant that starts there wins, and the scan goes on after it.
        self._variants: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for variant in sorted(self.variant_to_canonical, key=len, reverse=True):
            words = tuple(variant.split())
            self._variants.setdefault(words[0], []).append(
                (words, self.variant_to_canonical[variant])
            )

    def canonical_words(self, normalized: str) -> list[str]:
        """All words of a normalised text in canonical form, stop words included."""
        words = self._stemmed(normalized).split()
        if not self._variants:
            return words
        found: list[str] = []
        i, n = 0, len(words)
        while i < n:
            for variant, canonical in self._variants.get(words[i], ()):
                size = len(variant)
                if size == 1 or tuple(words[i : i + size]) == variant:
                    if canonical:
                        found.append(canonical)
                    i += size
                    break
            else:
                found.append(words[i])
                i += 1
        return found

    @staticmethod
    def _stemmed(normalized: str) -> str:
        return " ".join(stem(NUMBER_WORDS.get(w, w)) for w in normalized.split())

    def content_words(self, text: str, *, already_normalized: bool = False) -> list[str]:
        """The words that carry meaning, in canonical form, in order (duplicates kept)."""
        if already_normalized:  # a person's question: worked out afresh
            return [w for w in self.canonical_words(text) if w not in _STOP_STEMS]
        cached = self._memo.get(text)
        if cached is None:
            cached = tuple(w for w in self.canonical_words(normalize(text)) if w not in _STOP_STEMS)
            if len(self._memo) < MEMO_LIMIT:  # the knowledge base's own phrasings, read by the
                self._memo[text] = cached  # loader's checks and again by the matcher's index
        return list(cached)

    def key(self, text: str) -> str:
        """A comparison key for a pattern: its content words, sorted (used to find duplicates)."""
        return " ".join(sorted(set(self.content_words(text))))
