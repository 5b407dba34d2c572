"""The red-flag screen: symptoms that need a clinician come before any exercise advice.

The rules are data (``knowledge/safety.yaml``), grouped by urgency, most urgent first (crisis,
emergency, soon, ask). A group fires on either of two kinds of evidence:

* **rules over concepts.** A concept is a vocabulary (numbness: "numb", "tingling", "pins and
  needles", "fell asleep"...; the saddle area: "groin", "genitals", "between my legs", "down
  there"...). A rule names the concepts that together make a red flag ("numbness" with "saddle
  area") and fires when each of them is present, not negated, in one sentence (or anywhere in the
  message for rules scoped to it), whatever words lie between. This is what lets the screen catch
  wordings nobody wrote down.
* **patterns**: regular expressions over the whole normalised message, for the fixed expressions
  that are red flags on their own ("cauda equina", "foot drop").

Negation: a word from ``negations`` ("no", "not", "never", "didn't"...) negates the concept hits
that start within ``NEGATION_SCOPE`` words after it (the small words of a list not counted), up to
a scope breaker ("but", "just",
"except"...): "no numbness or tingling in my groin, just tight hips" raises nothing. For a pattern,
as before, a negation in the three words before the match cancels it. "can't" and "won't" are not
negations: they describe symptoms ("can't feel when I pee").
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, replace

from bot.core.gate import Concept, GatedSet, Literals
from bot.core.knowledge.model import Safety, SafetyGroup, SafetyRule
from bot.core.number_words import counts_in_digits
from bot.core.text import INNER_DOTS, RAW_LIMIT, fitted, normalize

# A long message is screened whole, window by window (overlapping, so a sentence cut at one
# window's edge is whole in the next), up to this many characters; beyond it, its start and its end.
SCREEN_LIMIT = 40_000
_WINDOW_OVERLAP = 400
NEGATION_WINDOW = 3  # words before a pattern match in which a negation cancels it
NEGATION_SCOPE = 3  # words after a negation word that it negates, for concept hits...
# ...not counting the small words of a list ("no numbness, tingling or weakness in my legs")
# What one can no longer do, said of the body: "no longer feel my feet", "no longer hold it"
# (but "no longer feel any numbness" is over, and denied).
_ABLE = frozenset({"feel", "sense", "control", "hold", "walk", "stand", "lift", "move", "use"})
_WHAT = frozenset({"my", "the", "it", "them", "anything", "when", "if", "his", "her", "a"})
_LIST_JOINS = frozenset({"or", "nor", "and"})
_LIST_WORDS = frozenset({"or", "and", "nor", "any", "of", "my", "the", "a", "in", "some", "real"})
URGENCY_ORDER = {"crisis": 0, "emergency": 1, "soon": 2, "ask": 3}
# Concepts whose expressions may read across sentences: a crisis is often told in short ones ("I'm
# done. Not with squats. With everything.").
ACROSS_SENTENCES = frozenset({"self_harm"})

# Sentence ends in the raw text; normalising turns punctuation into spaces, so split first.
_SENTENCE_END = re.compile(
    r"[.!?;\n\r]+|\s[-–—]\s|\s*,\s*(?:but|though|although|however|whereas)\b", re.IGNORECASE
)
_SENTENCE_ENDS = re.compile(f"({_SENTENCE_END.pattern})", re.IGNORECASE)  # ...kept in the split


@dataclass(frozen=True)
class RedFlag:
    group: SafetyGroup
    matched: str  # the normalised words that matched (for logs and tests; never echoed in public)
    kind: str = "pattern"  # the rule's kind (saddle_numbness, trauma...), or "pattern"
    # For a crisis: the most urgent other group the message also meets (numb legs with despair),
    # whose ``with_crisis`` line the crisis reply carries.
    also: SafetyGroup | None = None


def sentences(text: str) -> list[str]:
    """The message cut into sentences, each normalised; empty ones dropped."""
    return [part for part, _ in sentence_clauses(text)]


def sentence_clauses(text: str) -> list[tuple[str, frozenset[int]]]:
    """The message's sentences, each normalised, with the indices of its words that open a clause
    after a comma ("no fever, fell down the stairs": "fell")."""
    raw = INNER_DOTS.sub(" ", text[:RAW_LIMIT] if isinstance(text, str) else "")
    out = []
    for part in _SENTENCE_END.split(raw):
        words: list[str] = []
        opens = set()
        for chunk in part.split(","):
            norm = counts_in_digits(normalize(chunk))
            if norm:
                if words:
                    opens.add(len(words))
                words.extend(norm.split(" "))
        if words:
            out.append((" ".join(words), frozenset(opens)))
    return out


class _Message:
    """The message's sentences joined, with each word's sentence, the words inside a negation's
    scope, and each concept's (non-negated) hits computed once and shared by every rule."""

    def __init__(
        self,
        parts: list[str],
        negations: frozenset[str],
        breakers: frozenset[str],
        clauses: list[frozenset[int]] | None = None,
    ):
        self.present: frozenset[str] | None = None
        self.possible: frozenset[str] | None = None  # the concepts whose literals are present
        words: list[str] = []
        self.sentence_of: list[int] = []
        self.negated: set[int] = set()
        for si, part in enumerate(parts):
            ws = part.split(" ")
            base = len(words)
            opens = clauses[si] if clauses is not None else frozenset()
            self.negated.update(base + j for j in negated_words(ws, negations, breakers, opens))
            words.extend(ws)
            self.sentence_of.extend([si] * len(ws))
        self.text = " ".join(words)
        self.starts: list[int] = []
        pos = 0
        for w in words:
            self.starts.append(pos)
            pos += len(w) + 1
        self._hits: dict[str, list[tuple[int, str]]] = {}

    def word_at(self, offset: int) -> int:
        return bisect_right(self.starts, offset) - 1

    def hits(self, name: str, pattern: Concept) -> list[tuple[int, str]]:
        """(word index, matched text) of each hit of a concept that is not negated and lies
        within one sentence ("its fine. by five it hurts" is not "fine by"), but for the crisis
        vocabulary (``ACROSS_SENTENCES``)."""
        found = self._hits.get(name)
        if found is None:
            matches = [(0, m) for m in pattern.finditer(self.text, self.present)]
            if name not in ACROSS_SENTENCES and (
                pattern.anchored or any(self._crosses(at, m) for at, m in matches)
            ):
                # a match ran into the next sentence, or an expression holds at a sentence's
                # start only: read each sentence on its own instead
                matches = [
                    (start, m)
                    for start, sentence in self._sentences()
                    for m in pattern.finditer(sentence, self.present)
                ]
            found = [
                (w, m.group(0))
                for at, m in matches
                if (w := self.word_at(at + m.start())) not in self.negated
            ]
            self._hits[name] = found
        return found

    def _crosses(self, at: int, m: re.Match[str]) -> bool:
        first, last = self.word_at(at + m.start()), self.word_at(at + max(m.start(), m.end() - 1))
        return self.sentence_of[first] != self.sentence_of[last]

    def _sentences(self) -> list[tuple[int, str]]:
        """Each sentence's offset in ``text`` and its words."""
        out: list[tuple[int, str]] = []
        for w, si in enumerate(self.sentence_of):
            if w == 0 or self.sentence_of[w - 1] != si:
                out.append((self.starts[w], ""))
        ends = [start - 1 for start, _ in out[1:]] + [len(self.text)]
        return [(start, self.text[start:end]) for (start, _), end in zip(out, ends, strict=True)]


def _lost(after: list[str]) -> bool:
    """ "no longer able to feel": what is lost, not denied; so is Spanish "no" before a verb of
    feeling, control or ability ("no siento las piernas", "no controlo la orina")."""
    if after and after[0] in _LOST_VERBS:  # ...but "no siento dolor": no pain felt, denied
        return len(after) < 2 or after[1] not in _FELT
    return len(after) == 3 and after[0] == "longer" and after[1] in _ABLE and after[2] in _WHAT


_LOST_VERBS = frozenset(
    ["siento", "sentimos", "puedo", "podemos", "controlo", "aguanto", "consigo", "logro", "noto"]
)  # (Spanish only: "no" is a negation word of English and Spanish alike)
_FELT = frozenset(
    [
        "dolor",
        "dolores",
        "molestia",
        "molestias",
        "hormigueo",
        "hormigueos",
        "adormecimiento",
        "pinchazos",
        "calambres",
        "ningun",
        "ninguna",
        "fiebre",
    ]
)


def negated_words(
    words: list[str],
    negations: frozenset[str],
    breakers: frozenset[str],
    opens: frozenset[int] = frozenset(),
) -> set[int]:
    """The indices of the words a negation word's scope covers: the ``NEGATION_SCOPE`` words after
    it, the small words of a list not counted ("no numbness, tingling or weakness"), up to a
    scope breaker ("no numbness but my legs are weak") or, where the commas are known
    (``opens``: the words that open a clause after one), a clause that is no item of a list ("no
    fever, fell down the stairs")."""
    out: set[int] = set()
    for i, w in enumerate(words):
        if w in negations and _lost(words[i + 1 : i + 4]):
            continue  # "i can no longer feel my feet" tells what is lost, it denies nothing
        if w in negations:
            counted = 0
            for j in range(i + 1, len(words)):
                if words[j] in breakers or counted >= NEGATION_SCOPE:
                    break
                if j in opens and not _list_item(words, j, opens):
                    break
                out.add(j)
                counted += words[j] not in _LIST_WORDS
    return out


def _list_item(words: list[str], start: int, opens: frozenset[int]) -> bool:
    """Whether the clause opening at ``start`` goes on a list ("..., tingling or weakness", "...,
    tingling, ..."), rather than saying something of its own ("..., fell down the stairs")."""
    end = min((k for k in opens if k > start), default=len(words))
    clause = words[start:end]
    if len(clause) == 1 and end < len(words):
        return clause[0].isalpha()  # "no fever, 55, new pain": an age is no item of the list
    counted = sum(w not in _LIST_WORDS for w in clause)
    if "or" in clause or "nor" in clause:
        return counted <= 4
    return "and" in clause and counted <= 2


def without_advice(safety: Safety, text: str, normalized: str | None = None) -> str:
    """``text`` without its sentences that report advice on what to watch for (``read_past``: "my
    physio said if I ever get numbness between my legs, go to A&E"), unless they tell that it is
    happening all the same (``read_past_unless``: "...and now my groin is numb"): "" when all of
    them go, the text itself when none does."""
    concepts = [safety.concepts[n] for n in safety.read_past]
    if not concepts or not isinstance(text, str):
        return text
    whole = normalize(text) if normalized is None else normalized
    if not any(c.search(whole) for c in concepts):  # the usual case: one look at the whole
        return text
    unless = [safety.concepts[n] for n in safety.read_past_unless]
    split = _SENTENCE_ENDS.split(text)  # sentences, each followed by what ended it
    parts = [(p, end or "") for p, end in zip(split[::2], [*split[1::2], ""], strict=True)]
    parts = [(p, end) for p, end in parts if p.strip()]
    # (a question is no advice reported: "my wife asks what it means if you can't pee?")
    kept = [p for p, end in parts if "?" in end or not _advice(normalize(p), concepts, unless)]
    return text if len(kept) == len(parts) else ". ".join(p.strip() for p in kept)


def _advice(sentence: str, concepts: list[Concept], unless: list[Concept]) -> bool:
    return any(c.search(sentence) for c in concepts) and not any(c.search(sentence) for c in unless)


def without_denials(safety: Safety, normalized: str) -> str:
    """``normalized`` without the warning signs it denies (``net_denials``: "can i deadlift no
    numbness or tingling" is "can i deadlift") or says are fine (``net_all_clear``: "legs are
    fine"), for readers that do not know negation (the second net's red-flag head, the topics).
    Only a negation's scope that holds such a sign goes, with its negation word: "haven't slept
    through the night" stays, since the want of sleep is the complaint."""
    words = normalized.split(" ")
    gone = {  # what is said to be fine: "my legs are fine" (a few expressions, each gated alone)
        normalized.count(" ", 0, m.start()) + i
        for name in safety.net_all_clear
        for m in safety.concepts[name].finditer(normalized)
        for i in range(len(m.group(0).split()))
    }
    negated = negated_words(words, safety.negations, safety.scope_breakers)
    if not negated:
        return " ".join(w for i, w in enumerate(words) if i not in gone) if gone else normalized
    present = _index(safety)[0].present_in(normalized)
    signs = {  # the word each sign starts at
        normalized.count(" ", 0, m.start())
        for name in safety.net_denials
        for m in safety.concepts[name].finditer(normalized, present)
    }
    for i, w in enumerate(words):
        if w not in safety.negations or i in gone:
            continue
        end = i + 1  # the scope runs on through the negations listed after it...
        while end < len(words) and end in negated:
            end += 1
        # ...and goes from the first negation in it whose own words hold a sign, with those after
        # it ("not strong enough, no fever, didn't fall": "not strong enough" stays)
        first = next((j for j in range(i + 1, end) if j in signs), None)
        if first is not None:
            start = max(j for j in range(i, first) if words[j] in safety.negations)
            gone |= set(range(start, end))
    return " ".join(w for i, w in enumerate(words) if i not in gone) if gone else normalized


def _rule_hit(safety: Safety, rule: SafetyRule, msg: _Message) -> str | None:
    groups: list[list[tuple[int, str]]] = []
    candidates: list[list[list[tuple[int, str]]]]
    possible = msg.possible  # a rule with a concept whose literals are absent cannot hold
    if possible is not None and any(possible.isdisjoint(names) for names in rule.concepts):
        return None
    for names in rule.concepts:  # the first concept with no hit ends the rule: most rules stop here
        found = [h for n in names for h in msg.hits(n, safety.concepts[n])]
        if not found:
            return None
        groups.append(found)
    if any(msg.hits(n, safety.concepts[n]) for n in rule.unless_anywhere):
        return None
    blocked = {msg.sentence_of[w] for n in rule.unless for w, _ in msg.hits(n, safety.concepts[n])}
    if rule.scope == "message":
        if blocked:
            return None
        candidates = [groups]
    else:
        sentences_with_all = (
            set.intersection(*({msg.sentence_of[w] for w, _ in g} for g in groups)) - blocked
        )
        candidates = [
            [[h for h in g if msg.sentence_of[h[0]] == si] for g in groups]
            for si in sorted(sentences_with_all)
        ]
    for chosen in candidates:
        if rule.within is None or _close(chosen, rule.within):
            return " + ".join(hits[0][1] for hits in chosen)
    return None


def _close(found: list[list[tuple[int, str]]], within: int) -> bool:
    """Whether one hit of each concept can be picked so that all lie within ``within`` words."""
    for a, _ in found[0]:
        if all(any(abs(w - a) <= within for w, _ in hits) for hits in found[1:]):
            return True
    return False


def _negated(text: str, start: int, negations: frozenset[str]) -> bool:
    before = text[:start].split()[-NEGATION_WINDOW:]
    words = before + text[start:].split()[:3]
    return any(
        word in negations and not _lost(words[i + 1 : i + 4]) for i, word in enumerate(before)
    )


def screen(
    safety: Safety, text: str, *, already_normalized: bool = False, normalized: str | None = None
) -> RedFlag | None:
    """The most urgent red-flag group the text describes, or None.

    Pass the raw message where there is one: sentence boundaries come from its punctuation. An
    already normalised text is read as one sentence.
    """
    if not already_normalized and isinstance(text, str) and len(text) > RAW_LIMIT:
        return _screen_windows(safety, fitted(text, SCREEN_LIMIT))
    if not already_normalized and (told := without_advice(safety, text, normalized)) is not text:
        text, normalized = told, None  # what someone advised to watch for is not happening
    clauses: list[frozenset[int]] | None = None  # (where the commas are, when the text has them)
    if already_normalized:
        normalized, parts = text, [text] if text else []
    else:
        normalized = normalize(text) if normalized is None else normalized
        read = sentence_clauses(text)
        parts, clauses = [p for p, _ in read], [c for _, c in read]
    if not normalized:
        return None
    literals, pattern_sets, dropped_g, by_literal = _index(safety)
    if not dropped_g.keys().isdisjoint(normalized.split()):  # an -ing word without its g
        normalized = _restore_g(normalized, dropped_g)
        parts = [_restore_g(p, dropped_g) for p in parts]
    msg = _Message(parts, safety.negations, safety.scope_breakers, clauses)
    # A match lies within one text, and so does the literal it needs: read each text once.
    present = literals.present_in(
        msg.text if msg.text == normalized else msg.text + " " + normalized
    )
    msg.present = present
    msg.possible = by_literal.possible(present)
    best: RedFlag | None = None
    for group in sorted(safety.groups, key=lambda g: URGENCY_ORDER.get(g.urgency, 9)):
        found = _group_hit(safety, group, msg, normalized, pattern_sets[id(group)], present)
        if found is None:
            continue
        if best is None:
            best = found
            if group.urgency != "crisis":
                break
        else:  # a crisis, and the most urgent of what the body shows besides
            return replace(best, also=group)
    return best


def _group_hit(
    safety: Safety,
    group: SafetyGroup,
    msg: _Message,
    normalized: str,
    patterns: GatedSet,
    present: frozenset[str],
) -> RedFlag | None:
    """The first of ``group``'s rules or patterns that the message meets, as a red flag."""
    for rule in group.rules:
        matched = _rule_hit(safety, rule, msg)
        if matched is not None:
            return RedFlag(group, matched, rule.kind)
    # Where the commas are known (the message read as its sentences), a negation's scope is the
    # rules' own, and ends at a clause after a comma: "no fever, my dad wet the bed" denies only
    # the fever. Otherwise a negation just before the match, or one reaching down a list.
    clauses_known = msg.text == normalized
    listed: set[int] | None = msg.negated if clauses_known else None
    for pattern in patterns.candidates(present):
        for m in pattern.finditer(normalized, present):
            if not clauses_known and _negated(normalized, m.start(), safety.negations):
                continue
            if listed is None:
                listed = negated_words(
                    normalized.split(" "), safety.negations, safety.scope_breakers
                )
            # "no numbness, tingling or bladder problems": the negation reaches down the list
            if normalized.count(" ", 0, m.start()) in listed:
                continue
            return RedFlag(group, m.group(0))
    return None


_INDEX: dict[
    int, tuple[Safety, Literals, dict[int, GatedSet], dict[str, str], _ConceptsByLiteral]
] = {}
_ING = re.compile(r"[a-z]{3,}ing\b")


def _restore_g(text: str, dropped_g: dict[str, str]) -> str:
    """ "legs keep givin out", "shootin pain": the screen's own -ing words, written without the g,
    read as the screen writes them."""
    return " ".join(dropped_g.get(w, w) for w in text.split(" "))


def _index(
    safety: Safety,
) -> tuple[Literals, dict[int, GatedSet], dict[str, str], _ConceptsByLiteral]:
    """Every gate literal of a screen's expressions, each group's patterns indexed by them, the
    screen's -ing words by their spelling without the g, and the concepts by their literals: worked
    out once per loaded knowledge base."""
    entry = _INDEX.get(id(safety))
    if entry is None or entry[0] is not safety:
        gated = [p for c in safety.concepts.values() for p in c.parts] + [
            p for g in safety.groups for p in g.patterns
        ]
        words = {w for g in gated for w in _ING.findall(g.source)}
        dropped_g = {w[:-1]: w for w in words}
        entry = (
            safety,
            Literals(gated),
            {id(g): GatedSet(g.patterns) for g in safety.groups},
            dropped_g,
            _ConceptsByLiteral(safety),
        )
        if len(_INDEX) > 8:  # reloads replace the knowledge base; keep only recent ones
            _INDEX.clear()
        _INDEX[id(safety)] = entry
    return entry[1], entry[2], entry[3], entry[4]


class _ConceptsByLiteral:
    """Which concepts a text may hit, from the gate literals it contains: a rule whose concept
    cannot hit is passed over without looking for it."""

    __slots__ = ("_always", "_by_literal")

    def __init__(self, safety: Safety):
        self._by_literal: dict[str, set[str]] = {}
        always = set()
        for name, concept in safety.concepts.items():
            for part in concept.parts:
                if part.gate is None:
                    always.add(name)
                for lit in part.gate or ():
                    self._by_literal.setdefault(lit, set()).add(name)
        self._always = frozenset(always)

    def possible(self, present: frozenset[str]) -> frozenset[str]:
        by_literal = self._by_literal
        return self._always.union(*(by_literal[lit] for lit in present if lit in by_literal))


def _screen_windows(safety: Safety, text: str) -> RedFlag | None:
    """The most urgent red flag in any window of a message too long to read at once."""
    step = RAW_LIMIT - _WINDOW_OVERLAP
    found = [
        f
        for start in range(0, max(1, len(text) - _WINDOW_OVERLAP), step)
        if (f := screen(safety, text[start : start + RAW_LIMIT])) is not None
    ]
    if not found:
        return None
    found.sort(key=lambda f: URGENCY_ORDER.get(f.group.urgency, 9))  # stable: the first window
    best = found[0]
    if best.group.urgency == "crisis" and best.also is None:
        others = [f.also or f.group for f in found if f.also or f.group.urgency != "crisis"]
        if others:
            best = replace(best, also=min(others, key=lambda g: URGENCY_ORDER.get(g.urgency, 9)))
    return best
