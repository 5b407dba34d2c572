"""A list of signs answered one by one, read as the sentences it stands for.

People answer the warning signs they were asked about, or that they read in the bot's own answer,
as a checklist: "Fever? No. Numbness? No.", "fever: no", "- weight loss - none", "numbness ❌", or a
table with a row per sign ("| fever | no |"). Each of those says the sign is absent, as "no fever"
does; and so does a clinician's question told with its answer ("the doctor asked if I had
numbness in my groin, I said no"). Read as written, the screen sees "fever" in a sentence of its
own and raises an alarm the person has just denied. ``answered_no`` writes each such answer as "no fever", the form the
screen already reads as a denial; an answer of yes ("numb groin? yes", "fever ✅") stays as it is.

Only the name of a sign is rewritten: "pee? no" and "bladder control: none" say that something
the body does is lost, so an item that asks, or that names such a thing, is left alone, and "can
you pee? no" is written as what it says, "i cant pee"; and so is an answer that goes on to take itself back ("numbness? no... actually a bit").
"""

from __future__ import annotations

import re

_NO_WORD = r"(?:no|nope|none|nah|negative|not really|never)"
_CROSS = "(?:\u274c|\u2716\ufe0f?|\u2717|\u2718|\U0001f6ab|\u274e)"
# A list item's start: the message's, a line's, a bullet's, a table cell's, a sentence's, or the
# cross that answered the item before ("fever ❌ numbness ❌").
_AFTER_CROSS = "(?<=[\u274c\u2716\u2717\u2718\U0001f6ab\u274e\ufe0f])[ \t]"
_LEAD = r"(?P<lead>^|\n|[|•·*]|(?:^|\n)\s*(?:[-–—]|\d{1,2}[.)])|[.?!;,] |" + _AFTER_CROSS + ")"
# What is answered: a few words (forty characters at most), with no punctuation in them.
_ITEM = r"[ \t]*(?P<item>[^\W\d_][\w'’ ]{0,40}?)"
# Said absent: a word after a question mark, a colon, a dash, an equals sign or a table's bar,
# which ends there (the line, the message, a stop, a comma or a bar comes next, and no word that
# takes the answer back); or a cross, with or without one.
_SEPARATOR = r"[ \t]*(?:\?+|:|=|[-–—]|\|)[ \t]*"
_BACK = (
    r"[.,;!]*[ \t]*(?:actually|well\b|kind|kinda|a bit|sort|maybe|idk|not sure|sometimes|just kidding"
    r"|jk\b|kidding|wait\b|hmm|yes\b|yeah|yep\b)"
)
_END = rf"(?=[ \t]*(?:$|\n|\|)|[ \t]*[.,;!](?!{_BACK}))"
_ANSWER = rf"(?:{_SEPARATOR}{_NO_WORD}\b{_END}|(?:{_SEPARATOR}|[ \t]*){_CROSS})"
_ANSWERED = re.compile(_LEAD + _ITEM + _ANSWER, re.IGNORECASE)
# An item that asks whether the person can, is or has ("can you pee", "able to walk", "is it
# numb"), or names what the body does or should ("pee?", "bladder control: no", "feeling down
# there: none", "walking ok?"), is one whose "no" tells of trouble: it is left as written.
_QUESTION = (
    r"\b(?:can|cant|could|do|does|did|is|are|am|was|were|will|would|should|able|have|has|had"
    r"|i|you|it|its|he|she|they|how|what|why|when|where|who)\b"
)
_BODY_DOES = (
    r"\b(?:ok|okay|fine|normal|good|alright|working|works|control|feeling|feel|sensation"
    r"|strength|movement|function|pee|peeing|wee|weeing|urinat\w*|poo|poop|pooping|walk"
    r"|walking|stand|standing|move|moving)\b"
)
_ASKS = re.compile(f"{_QUESTION}|{_BODY_DOES}", re.IGNORECASE)
_TRIGGER = re.compile(rf"\b{_NO_WORD}\b|{_CROSS}", re.IGNORECASE)

# A clinician's question told with the person's answer: "the doctor asked if I had numbness in my
# groin, I said no", "the physio asked about fever and bladder problems, I have neither"; and
# "the nurse asked if I could feel my groin, I said no", which says that the person cannot.
_ASKED = re.compile(
    r"\b(?P<who>asked|checked|wanted to know|questioned)(?: me| us)?(?: (?:if|whether|about|for)|[:,]? ?[\"“])"
    r"(?: i (?:had|have|ve had|was|am|felt|feel|get|got|noticed))?(?: ?any)? ?"
    r"(?P<item>[^.?!;\"“”\n]{1,80}?)[?\"“”'’]*[ \t]*(?:[,.;]+[ \t]*)?(?:and |but |to which )?"
    r"(?:i (?:said|told \w+|answered|replied)[ ,:]*[\"“']?(?:no|nope|nah)\b(?![ ,.]*(?:but )?actually)"
    r"|i (?:have|had|ve got|got) (?:neither|none(?: of (?:them|those|these|that|it))?)\b)",
    re.IGNORECASE,
)
_ASKING = re.compile(r"\b(?:asked|checked|wanted to know|questioned)\b", re.IGNORECASE)


# "asked if I could feel my legs, I said no": I cannot.
_COULD = re.compile(r"i (?:could|can|was able to|am able to|m able to) (?P<rest>.+)", re.IGNORECASE)
_QUESTIONS = re.compile(_QUESTION, re.IGNORECASE)


# "can you pee? no", "could u feel your groin? nope": a question whether one can, answered no, says
# that one cannot.
_CAN_YOU = re.compile(
    r"(?:(?:can|could) (?:you|u|ya|i)|(?:are|r) (?:you|u) able to) (?P<rest>[^\W\d_].*)",
    re.IGNORECASE,
)
_YOUR = re.compile(r"\b(?:your|ur|yr)\b", re.IGNORECASE)


def _denied_when_asked(m: re.Match[str]) -> str:
    """The question and its answer as what they say: "no numbness", "i cant feel my legs"."""
    item = m.group("item").strip()
    if (could := _COULD.fullmatch(item)) is not None:
        return f"checked. i cant {could.group('rest')}."
    return m.group(0) if _QUESTIONS.search(item) is not None else f"checked. no {item}."


def answered_no(text: str) -> str:
    """``text`` with each sign answered as absent ("fever? no", "fever: none", "fever ❌", "she
    asked about fever, I said no") written as its denial ("no fever")."""
    if _ASKING.search(text) is not None:
        text = _ASKED.sub(_denied_when_asked, text)
    if _TRIGGER.search(text) is None:
        return text

    def denied(m: re.Match[str]) -> str:
        item = m.group("item").strip()
        if (can := _CAN_YOU.fullmatch(item)) is not None:  # "can you pee? no": I cannot
            return f"{m.group('lead')} i cant {_YOUR.sub('my', can.group('rest'))}"
        if _ASKS.search(item) is not None:
            return m.group(0)
        return f"{m.group('lead')} no {item}"

    return _ANSWERED.sub(denied, text)
