"""The safety screen's second readings of a message (``screened``): without the chatter around it,
with its misspelt warning signs mended, and told in the first person when it speaks of someone
else. The screen reads each only when the message as written showed no red flag, so a second
reading can add an alarm but never hide one.

Mending: the screen's concepts are written words ("weaker", "weight", "groin"); a person in pain types
"my legs r getting weeker" or "lost alot of wieght". A word that no vocabulary here knows (the
embedding model's words, the knowledge base's, the screen's own), that is one edit away from a word
the screen's concepts use (two for long words), with the same first letter, is read as that word.
Known words are never changed: "week" stays "week", never "weak", and "dived" never "died". A near
miss is read as the English word one edit away that is used most (pyspellchecker's dictionary and
word counts, read the first time one turns up), and mended only when that word is the concept's.

Respelling (``Respeller``): a typo of any word the bot speaks of, the topics' and the scope's as
well as the screen's, short words too ("dotor", "nght", "recomended"), is put right for the
readings after the first: the screen's again, the second net's and the topics'. Its choice leans
to the bot's own words ("knes" is "knees" here, not "knew"), so a near miss reads as the word a
person asking this bot most likely meant."""

from __future__ import annotations

import functools
import gzip
import json
import re
from collections.abc import Callable, Iterable
from typing import Any

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.core.chatter import without_chatter
from bot.core.knowledge.model import Safety
from bot.core.number_words import WRITTEN_NUMBERS
from bot.core.safety import URGENCY_ORDER, RedFlag, screen, sentences
from bot.core.segmenting import apart, unwrapped
from bot.core.text import SENTENCE_BREAK, stem

WORD = re.compile(r"[A-Za-z]+")
MIN_LENGTH = 5  # shorter words are too often other words or chat ("perd", "crit", "nada")
LONG = 10  # from this length a word may be two edits away ("spraigned" may not)
MAX_FRESH = 40  # words never seen before that a message may bring for the menders to read
RESPELL_LENGTH = 4  # a shorter word is put right by no one ("nite" and "pls" are chat, not typos)
STEMMED = 8  # from this length a word is also read against the screen's stems ("osteopor\\w*")
LETTERS = "abcdefghijklmnopqrstuvwxyz"
# The longest word of the dictionary ("pneumonoultramicroscopicsilicovolcanoconiosis") and a letter:
# a longer run of letters ("hahaha..." for a line, a mashed keyboard) is one edit from no word, and
# its edits alone would be hundreds of megabytes.
LONGEST = 46


def decoded_words(data: bytes) -> Any:
    """pyspellchecker's word list file (gzip'd JSON) as its dict of words and counts."""
    return json.loads(gzip.decompress(data))


# How the word list file's bytes become its dict. The services put a disk cache in front of it
# (``bot.services.caches.WordCounts``) that reads it back in a third of the time.
read_words: Callable[[bytes], Any] = decoded_words


@functools.cache
def _english() -> dict[str, int] | None:
    """pyspellchecker's English words with how often each is used (read once, on first need);
    None when the dictionary cannot be read (then nothing is mended: the screen reads as written).
    Its word list is read straight from the package's file: a third of the time its
    ``SpellChecker`` takes to build the same dictionary, which a first question with a typo pays."""
    try:
        from importlib.resources import files

        words = read_words(files("spellchecker").joinpath("resources", "en.json.gz").read_bytes())
    except (ImportError, OSError, ValueError, EOFError):
        return None
    return words if isinstance(words, dict) else None


def _edits(word: str) -> set[str]:
    """Every string one edit from ``word`` (a letter dropped, swapped, changed or added) that
    keeps its first letter. pyspellchecker's own ``edit_distance_1`` gives these and more (every
    letter of its language, the first one changed too) at four times the cost, which the matcher's
    2 ms budget cannot carry."""
    out: set[str] = set()
    for i in range(1, len(word) + 1):
        left, right = word[:i], word[i:]
        if right:
            out.add(left + right[1:])
            out.update(left + c + right[1:] for c in LETTERS)
        if len(right) > 1:
            out.add(left + right[1] + right[0] + right[2:])
        out.update(left + c + right for c in LETTERS)
    out.discard(word)
    return out


@functools.lru_cache(maxsize=20_000)  # the screen's mender and the scope's ask about the same words
def likeliest(word: str) -> tuple[bool, str | None]:
    """Whether ``word`` is an English word (pyspellchecker's dictionary), and if not, the word
    one edit away that keeps its first letter and is used most often (None when there is none)."""
    counts = _english()
    if counts is None or word in counts:
        return True, None  # (without a dictionary, every word counts as a real one)
    if len(word) > LONGEST:
        return False, None
    near = sorted(w for w in _edits(word) if w in counts)
    return False, (max(near, key=counts.__getitem__) if near else None)


# A run of letters in an expression, with the letters or the space it may leave out: "leuka?emia",
# "gall ?bladder", "tumou?rs?".
_SPELLED = re.compile(r"[a-z](?:[a-z]| ?\?|[a-z]\?)*")
_OPTIONAL = re.compile(r"([a-z ])\?")


def concept_words(patterns: Iterable[str]) -> frozenset[str]:
    """The plain words written in the screen's expressions: "numb\\w* (\\w+ ){0,3}groin" gives
    "numb" and "groin" (escapes such as ``\\w`` are not words); a letter or a space that may be
    left out gives both words: "leuka?emia" is "leukemia" and "leukaemia", "gall ?bladder" is
    "gallbladder" and "gall bladder"."""
    words: set[str] = set()
    for pattern in patterns:
        plain = re.sub(r"\\[A-Za-z]", " ", pattern)
        for run in _SPELLED.findall(plain):
            for spelled in _spellings(run):
                words.update(w for w in spelled.split() if len(w) >= 4)
    return frozenset(words)


def _spellings(run: str, most: int = 8) -> list[str]:
    """The ways of writing ``run`` with each optional letter or space in it, or left out."""
    found = _OPTIONAL.search(run)
    if found is None:
        return [run]
    head, tail = run[: found.start()], run[found.end() :]
    out = []
    for spelled in (head + found.group(1) + tail, head + tail):
        out += _spellings(spelled, most)
    return out[:most]


class Mender:
    """``mend_whole(text)``: the text with each unknown word near a concept word replaced by it;
    "" when no word was mended."""

    def __init__(
        self, targets: Iterable[str], known: Iterable[str], topic_typo: Any = None
    ) -> None:
        """``topic_typo(word)``: the knowledge base's word a typo means, or None (the matcher's
        typo corrector); a typo of a topic's word that is not the screen's is left to the topics."""
        self.targets = frozenset(targets)
        self.topic_typo = topic_typo
        self.known = frozenset(known) | self.targets
        by_letter: dict[str, list[str]] = {}
        for w in sorted(self.targets):
            by_letter.setdefault(w[0], []).append(w)
        self._by_letter = by_letter
        self._memo: dict[str, str | None] = {}

    def word(self, word: str) -> str | None:
        """The concept word meant by ``word`` (lower case), or None."""
        if word in self._memo:
            return self._memo[word]
        if len(word) < MIN_LENGTH or word in self.known or stem(word) in self.known:
            self._remember(word, None)
            return None
        limit = 2 if len(word) >= LONG else 1
        choices = [w for w in self._by_letter.get(word[0], ()) if abs(len(w) - len(word)) <= limit]
        near = process.extractOne(word, choices, scorer=OSA.distance, score_cutoff=limit)
        meant = self.topic_typo(word) if near is not None and self.topic_typo else None
        if meant is not None and meant not in self.targets:
            near = None  # "excercise": the topics' "exercise", nothing of the screen's
        result = None
        if near is not None or len(word) >= STEMMED:
            # (a long word may be a misspelt form of one of the screen's stems: "osteoperosis")
            real, best = likeliest(word)
            # a real word is never mended ("sacrum" is not "scrum"); a near miss means the word it
            # most likely is ("artic" is "arctic" before "aortic"); a long word with no English word
            # one edit away means the screen's ("incontinance")
            fallback = near[0] if near is not None and len(word) >= LONG else None
            result = None if real else fallback if best is None else best
        if result is not None and result not in self.targets and not self._grows_from(result):
            result = None
        self._remember(word, result)
        return result

    def reads(self, word: str) -> bool:
        """Whether the screen's expressions read ``word``: one of its words, one grown from them, or
        a number in words (read in digits: an age)."""
        return word in self.targets or word in WRITTEN_NUMBERS or self._grows_from(word)

    def _grows_from(self, word: str) -> bool:
        """Whether ``word`` is one of the screen's stems grown ("osteoporosis" from "osteopor...")."""
        return any(word[:n] in self.targets for n in range(5, len(word)))

    def _remember(self, word: str, result: str | None) -> None:
        if len(self._memo) < 10_000:
            self._memo[word] = result

    def mend_whole(self, text: str) -> str:
        """The whole of ``text`` with its misspelt words mended, or "" when none was."""
        fixes = self._fixes(text)
        return _apply(fixes, text) if fixes else ""

    def _fixes(self, text: str) -> dict[str, str]:
        unknown = {w.lower() for w in WORD.findall(text) if len(w) >= MIN_LENGTH} - self.known
        fresh = [w for w in unknown if w not in self._memo][MAX_FRESH:]  # (junk: read no more)
        return {w: m for w in unknown.difference(fresh) if (m := self.word(w)) is not None}


_KEYS = {
    c: (row, i)
    for row, keys in enumerate(("qwertyuiop", "asdfghjkl", "zxcvbnm"))
    for i, c in enumerate(keys)
}


def _next_to(a: str, b: str) -> bool:
    (row_a, i_a), (row_b, i_b) = _KEYS.get(a, (9, 99)), _KEYS.get(b, (-9, -99))
    return a != b and abs(row_a - row_b) <= 1 and abs(i_a - i_b) <= 1


def slip(typed: str, meant: str) -> int:
    """How likely a thumb is to type ``typed`` for ``meant``, one edit apart: 0 for a letter left
    out, typed twice or two swapped, 1 for the key next to the right one or a letter too many next
    to it, 2 otherwise."""
    if len(meant) == len(typed) + 1:
        return 0
    if len(meant) == len(typed) - 1 and any(
        typed[:i] + typed[i + 1 :] == meant
        for i in range(1, len(typed))
        if typed[i] == typed[i - 1]
    ):
        return 0  # a letter typed twice
    if len(meant) == len(typed):
        diff = [i for i, (a, b) in enumerate(zip(typed, meant, strict=True)) if a != b]
        return 0 if len(diff) == 2 else 1 if _next_to(typed[diff[0]], meant[diff[0]]) else 2
    i = next((i for i, (a, b) in enumerate(zip(typed, meant, strict=False)) if a != b), len(meant))
    around = typed[max(i - 1, 0) : i] + typed[i + 1 : i + 2]  # (a letter too many at ``i``)
    return 1 if any(_next_to(c, typed[i]) for c in around) else 2


class Respeller:
    """``fixes(text)``: each misspelt word of the text with the word meant, for the readings after
    the screen's first (``respelled`` puts them right): "dotor" is "doctor", "nght" "night", "uine"
    "urine", "knes" "knees". A word is put right when no vocabulary here knows it (the embedding
    model's words, the knowledge base's, the screen's), it is no English word, and an English word
    one edit away (first letter kept) is one this bot speaks of (``domain``: the words of the
    screen, of the scope and of the topics); of several such, the likeliest slip (``slip``), then
    the one used most. Anything else is left as written: slang or a word of another language
    ("howzit", "eish") is no typo of an English word the bot knows, and a typo that the topics'
    corrector reads as one of their words, which no English word one edit away is ("soas" for
    "psoas"), is left to that corrector.
    """

    def __init__(
        self,
        known: frozenset[str],
        domain: Iterable[str],
        topic_typo: Any = None,
        canonical: Any = None,
    ) -> None:
        """``topic_typo(word)``: the knowledge base's word a typo means, or None (the matcher's
        typo corrector); a word it reads as one of the topics' is put right only when a word one
        edit away has that form in ``canonical`` (the topics' ``Canonicalizer``)."""
        self.known = known
        self.domain = frozenset(domain)
        self.topic_typo = topic_typo
        self.canon = canonical
        self._memo: dict[str, str | None] = {}

    def word(self, word: str) -> str | None:
        """The word meant by ``word`` (lower case), or None."""
        if word in self._memo:
            return self._memo[word]
        result = None
        if (
            RESPELL_LENGTH <= len(word) <= LONGEST
            and word not in self.known
            and (counts := _english()) is not None
            and word not in counts
        ):
            near = _edits(word)
            ours = [w for w in near if w in counts and self._ours(w)]
            if not ours and len(word) >= MIN_LENGTH:
                # then a word of the bot's own that no dictionary holds, from five letters: "gkute"
                # is "glute" ("nada" is no "nana"; "frver" is "fever" before a "forver" of a rule)
                ours = [w for w in near if w in self.domain]
            if stem(word) in self.domain:  # "spasmed" is "spasm" said another way, but
                ours = [w for w in ours if stem(w) == stem(word)]  # "keepping" is "keeping"
            meant = self.topic_typo(word) if ours and self.topic_typo else None
            agreed = {w for w in ours if self._canonical(w) == meant}
            if meant is not None and not agreed and OSA.distance(word, meant) <= 1:
                ours = []  # the topics' corrector reads it as a word of theirs: "soas" is no
                # "sofas" (but a word of theirs two edits away is a guess: "stregth", "stretch")
            # the likeliest slip first ("knes" is "knees", a letter left out, before "knew"), then
            # the one the topics' corrector reads too ("psas": "psoas", not "pass"), then the word
            # used most
            result = (
                min(ours, key=lambda w: (slip(word, w), w not in agreed, -counts.get(w, 0)))
                if ours
                else None
            )
        if len(self._memo) < 10_000:
            self._memo[word] = result
        return result

    def _canonical(self, word: str) -> str:
        """A word as the topics read it: its stem, or the synonym it stands for."""
        if self.canon is None:
            return stem(word)
        return next(iter(self.canon.canonical_words(word)), word)

    def _ours(self, word: str) -> bool:
        """Whether this bot speaks of ``word``: itself, its stem, or the word the topics read it
        as ("strengthen" is their "strong")."""
        return (
            word in self.domain
            or stem(word) in self.domain
            or (self.canon is not None and self._canonical(word) in self.domain)
        )

    def knows(self, word: str) -> bool:
        """Whether ``word`` (lower case) is a word: one this bot knows or an English one."""
        return word in self.known or self._ours(word) or word in (_english() or ())

    def fixes(self, text: str) -> dict[str, str]:
        """Each misspelt word of ``text`` (lower case) with the word meant; {} when none is."""
        out = {}
        fresh = 0  # words not seen before: a message of junk or of another language stops early
        for word in {w.lower() for w in WORD.findall(text)}:
            if word not in self._memo:
                fresh += 1
                if fresh > MAX_FRESH:
                    break
            if (meant := self.word(word)) is not None:
                out[word] = meant
        return out


def respelled(fixes: dict[str, str], text: str) -> str:
    """``text`` with the words of ``fixes`` (a ``Respeller``'s) put right."""
    return _apply(fixes, text) if fixes else text


def _apply(fixes: dict[str, str], text: str) -> str:
    return WORD.sub(lambda m: fixes.get(m.group(0).lower(), m.group(0)), text)


def mender_for(safety: Any, embedder: Any, vocab: Iterable[str], topic_typo: Any = None) -> Mender:
    """The mender of a knowledge base's screen: the words of its concepts and of its groups'
    patterns are the targets; the embedding model's whole words (when there is one) and the
    matcher's ``vocab`` are known words too."""
    patterns = [part.source for concept in safety.concepts.values() for part in concept.parts]
    patterns += [p.source for group in safety.groups for p in group.patterns]
    return Mender(concept_words(patterns), _known(embedder, vocab), topic_typo)


def _known(embedder: Any, vocab: Iterable[str]) -> set[str]:
    known = set(vocab)
    tokenizer = getattr(embedder, "tokenizer", None)
    if tokenizer is not None:
        known.update(t for t in tokenizer.get_vocab() if t.isalpha())
    return known


def scope_mender_for(
    kb: Any, embedder: Any, vocab: Iterable[str], topic_typo: Any = None
) -> Mender:
    """The mender of the scope's and the gaps' words: "celulite" is "cellulite" and "matress" a
    "mattress", so the question is declined as it would be spelt right. Its targets are the words
    of the scope's vocabularies (the back and the program, other body parts, looks) and of the
    gaps' marks; known words are the same as the screen's mender's."""
    scope = kb.scope
    concepts = [scope.about_back, scope.program, scope.elsewhere, scope.goals, scope.pain_elsewhere]
    concepts += [gap.marks for gap in kb.gaps.values()]
    patterns = [part.source for c in concepts if c is not None for part in c.parts]
    return Mender(concept_words(patterns), _known(embedder, vocab), topic_typo)


# Someone else's body told in the third person, read again as the screen's concepts are written,
# in the first: "his legs keep giving out on him" is "my legs keep giving out on me". ("they",
# "them" and "their" are left alone: they are as often the doctors as the person.)
_PERSONS = {
    "he": "i",
    "she": "i",
    "his": "my",
    "her": "my",
    "him": "me",
    "himself": "myself",
    "herself": "myself",
    "hes": "im",
    "shes": "im",
}
_THIRD = re.compile(r"\b(he|she)( i|’|')s\b|\b(" + "|".join(_PERSONS) + r")\b", re.IGNORECASE)


# "my husband's back", "our son's legs": whose body it is, said as "my" (only before a part of
# the body: "my mum's chemo" is not the writer's).
_WHOSE = re.compile(
    r"\b(my|our) (husband|hubby|wife|partner|boyfriend|girlfriend|fiance|fiancee|son|daughter|kid"
    r"|child|boy|girl|dad|mum|mom|father|mother|brother|sister|friend|grandma|grandpa|grandad"
    r"|granddad|grandmother|grandfather|nan|nana|gran|granny|uncle|aunt|auntie|cousin|neighbou?r"
    r"|colleague|client|patient)(\u2019|')?s (?=(lower |low |right |left |whole )?(back|legs?|feet|foot"
    r"|bits|groin|privates|bladder|bowels?|spine|hips?|bum|butt|bottom|stream|pee|wee|urine|poo))",
    re.IGNORECASE,
)


def first_person(raw: str) -> str:
    """The sentences of ``raw`` that speak of he, she, his, her, him and their kin, or of "my
    husband's" back, put in the first person ("" when none do): the screen has read the whole
    message already, and reads these again."""
    told = []
    for sentence in SENTENCE_BREAK.split(raw):
        new = _THIRD.sub(
            lambda m: "i am" if m.group(1) else _PERSONS[m.group(3).lower()],
            _WHOSE.sub("my ", sentence),
        )
        if new != sentence:
            told.append(new)
    return " ".join(told)


def without_chatter_sentences(raw: str) -> str:
    """The message's sentences, the first without a greeting before it and the last without the
    thanks after it, joined again; "" when there was no chatter to take away."""
    parts = sentences(raw)
    if not parts:
        return ""
    cleaned = list(parts)
    cleaned[0] = without_chatter(cleaned[0])
    cleaned[-1] = without_chatter(cleaned[-1])
    if cleaned == parts or not any(cleaned):
        return ""
    return ". ".join(p for p in cleaned if p)


def _more_urgent(one: RedFlag, other: RedFlag) -> bool:
    order = URGENCY_ORDER.get
    return order(one.group.urgency, 9) < order(other.group.urgency, 9)


def screened(
    safety: Safety,
    mender: Mender,
    raw: str,
    normalized: str,
    spelt: str | None = None,
) -> RedFlag | None:
    """The screen's verdict on a message as written; or else without the chatter around it
    (``chatter.without_chatter``); or else with its misspelt words put right (``spelt``, the
    message as a ``Respeller`` puts it right: "why does my back hurt at nght") and its misspelt
    warning signs mended ("my legs r getting weeker"); or else on the message told in the first
    person when it speaks of someone else (unless one of the ``first_person_unless`` concepts is
    in it: a toddler wetting herself is no sign of the nerves)."""
    flag = screen(safety, raw, normalized=normalized)
    if flag is None and without_chatter(normalized) != normalized:
        plain = without_chatter_sentences(raw)  # "hey bot, 61 and my back..."
        flag = screen(safety, plain) if plain else None
    if flag is None:
        # every misspelt word put right at once: the words the bot knows, then the warning signs
        spelt = raw if spelt is None else spelt
        if (mended := mender.mend_whole(spelt) or spelt) != raw:
            flag = screen(safety, mended)
    if flag is None:  # "icantfeelmylegs", "#CantFeelMyLegs", "i c a n t f e e l m y l e g s"
        words = _english, mender.known, mender.targets
        if split := apart(raw, *words) or apart(normalized, *words):
            flag = screen(safety, split)
    if (flag is None or flag.group.urgency != "crisis") and (whole := unwrapped(raw)):
        joined = screen(safety, whole)  # "i cant really feel\nanything between my legs"
        if joined is not None and (flag is None or _more_urgent(joined, flag)):
            flag = joined
    if flag is None and (told := first_person(raw)):
        others = [safety.concepts[n] for n in safety.first_person_unless]
        if not any(c.search(normalized) for c in others):
            told_flag = screen(safety, told)
            # (someone else's despair has rules of its own; "he's killing himself" with fast food
            # is not the writer's crisis)
            if told_flag is not None and told_flag.group.urgency != "crisis":
                flag = told_flag
    return flag
