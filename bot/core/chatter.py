"""What a question says that it does not ask: the chatter around it (a greeting on its own, "good
morning"; the bot addressed before it, "hey bot, ..."; "quick question"; thanks or "pls help"
after it), and the exercises it says were swapped out. None of it is what the question asks; all
of it moves a short message's words and embedding."""

from __future__ import annotations

import re

# A message that only greets: "good morning", "evening all".
GREETING = re.compile(
    r"((hi|hey|hello|hiya|yo|ok|okay) )?(good )?(morning|afternoon|evening|night|day|mornin)"
    r"( (all|everyone|everybody|guys|folks|team|friends|yall|y all|bot|mate|there))?"
)


# A greeting, the bot addressed or "quick question" before a message, and thanks or "pls help"
# after it: nothing of its meaning, but enough words to move a short message's embedding and its
# word match ("hey bot, quick question: ...", "... thanks in advance!!").
PREAMBLE = re.compile(
    r"^((hey|hi|hello|hiya|yo|oi|ok|okay|dear|sup|morning|evening|good (morning|afternoon|evening)) )?"
    r"((lowback ?bot|lowback|bot|everyone|everybody|all|guys|folks|team|yall|y all|there|doc|mate) )?"
    r"((quick|random|silly|dumb|stupid|serious|genuine|honest|little|small) )?"
    r"((question|q|query)( for you| here)? )?"
)
POSTAMBLE = re.compile(
    r"( (thanks|thank you|thx|ty|tia|cheers|in advance|pls|plz|please|help|any advice|any ideas"
    r"|any tips|advice|appreciated|much appreciated|appreciate it|lol|lmao|haha\w*|xx?))+$"
)


def without_chatter(normalized: str) -> str:
    """A normalised message without the greeting before it and the thanks after it, when at least
    two words are left ("hey bot quick question my back hurts when i sit thanks" is "my back
    hurts when i sit"), or nothing at all ("hi all thanks" is only chatter)."""
    rest = POSTAMBLE.sub("", " " + PREAMBLE.sub("", normalized, count=1)).strip()
    if not PREAMBLE.sub("", rest + " ", count=1).strip():
        return ""  # greetings and thanks, nothing else
    return rest if len(rest.split()) >= 2 else normalized


# An exercise the person has swapped out ("swapped squats for the leg press", "did lunges instead of
# squats") is not what the question is about: its words are left out of the word match.
SET_ASIDE = re.compile(
    r"\b(?:swapp?ed|switched|replaced|traded|subbed)\s+(?:out\s+)?(?:my\s+|the\s+|all\s+)?"
    r"(\w+(?:\s+\w+)?)\s+(?=for\b|with\b)|\binstead\s+of\s+(?:doing\s+)?(?:my\s+|the\s+)?(\w+)"
)


def set_aside(normalized: str) -> str:
    """The normalised question without the exercises it says were swapped out, and without the
    bot addressed before it ("yo bot, can I still train legs?" asks about legs, not the bot) or
    the rest of the chatter around it (``without_chatter``)."""
    normalized = without_chatter(normalized)
    return SET_ASIDE.sub(lambda m: m.group(0).replace(m.group(1) or m.group(2), " "), normalized)
