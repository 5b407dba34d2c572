"""What a question says that it does not ask: the chatter around it (a greeting on its own, "good
morning"; the bot addressed before it, "hey bot, ..."; "quick question"; thanks or "pls help"
after it), a forum post's words about the post itself ("long time lurker", "sorry for the long
post", "on mobile"), and the exercises it says were swapped out. None of it is what the question
asks; all of it moves a message's words and embedding. A message that is nothing but such chatter
("thanks!", "ok", "👍") asks nothing at all (``only_chatter``)."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from typing import TypeVar

from bot.core.text import SENTENCE_BREAK, normalize

R = TypeVar("R")

# A message that only greets: "good morning", "evening all".
GREETING = re.compile(
    r"((hi|hey|hello|hiya|yo|ok|okay) )?(good )?(morning|afternoon|evening|night|day|mornin)"
    r"( (all|everyone|everybody|guys|folks|team|friends|yall|y all|bot|mate|there))?"
)


# Words about a forum post and its writer, not the body, each written once here and used below:
# before a message, after it, or as a sentence of their own.
_LURKER = (
    r"(long ?time |longtime )?(lurker|reader)( here)?|(first|1st) (time )?(post|poster|posting"
    r"|time posting)( here| on here| in this sub| on this (sub|forum|server))?"
    r"|(ive|i have|i ve) been (lurking|reading)( here| on here| this (sub|server|forum))?( for (a while"
    r"|a bit|ages|a long time|years|months|a few (weeks|months|years)))?( and)?( (i )?((finally|thought"
    r" i d|thought id|figured i d|figured id|decided to|finally decided to) (ask|post|reach out)))?"
    r"|(my )?(physio|physical therapist|pt|doctor|doc|gp|chiro|trainer|coach|friend|mate|partner"
    r"|wife|husband|sister|brother|mum|mom) (suggested|told me|said|recommended)( (i|that i|me))?"
    r"( (to|should|could|might))? (ask|post|try asking)( (here|on here|in here|this bot|you))?"
)
# A question passed on for someone else: "asking for my wife:", "my dad wants to know". (Whose body
# it is stays in what follows: "she's 70", "his back"; the screen reads the message with it first.)
_KIN = (
    r"(friend|mate|buddy|pal|wife|husband|hubby|partner|spouse|mum|mom|mother|dad|father|parent|son"
    r"|daughter|kid|brother|sister|bro|sis|girlfriend|boyfriend|gf|bf|grandma|grandad|grandpa|nan"
    r"|nana|granny|gran|aunt|auntie|uncle|cousin|colleague|coworker|co worker|boss|client|patient"
    r"|neighbour|neighbor|roommate|flatmate|fiance|fiancee|other half)"
)
_RELAY = (
    r"((just|im|i m|i am) )?(asking|posting|writing|here|question|q) (for|on behalf of) (a |my |our )"
    rf"((old|older|elderly|best|younger|little|teenage|\d\d yo|\d\d year old) )?{_KIN}( here)?"
    rf"|(my |our )?{_KIN} (wants|wanted|would like|asked me|is asking|s asking|is wondering"
    r"|s wondering|was wondering) (to know|me to ask|to ask)?( this)?"
)
_BACKGROUND = (
    r"((some|a bit of|bit of|a little|a little bit of|quick) )?(background|context|backstory"
    r"|back story)( info| first| here)?|tl ?dr|(edit|update|eta)( \d)?"
    r"|(fixed (a |the |some )?)?(typo|typos|formatting|format|spelling|grammar)( fixed)?"
)
_SORRY = (
    r"(sorry|apologies|apologi[sz]e) (in advance )?(for|about) (the |my |this )?(long|longer|lengthy"
    r"|rambling)? ?(post|essay|novel|wall of text|rant|read|message|formatting|format|english"
    r"|bad english|grammar|spelling|typos)( in advance)?"
    r"|sorry (if (this|it|that|my question) (is|sounds|seems|s) (like )?(a )?(really |very |bit of a )?"
    r"(dumb|stupid|silly|obvious|basic|weird|noob|newbie|daft)( question| q)?"
    r"|if (this|it) (has been|was|s been|gets|is) asked (before|already|a lot|all the time)"
    r"|if (this is )?(the )?wrong (place|channel|sub|forum|server|group))"
    r"|(not sure|no idea|dunno|idk) (if|whether) (this is|im in) (the )?(right|correct) (place|channel"
    r"|sub|forum|server|group)( (to ask|for this))?|((this is|this might be|might be|maybe|probably)"
    r" (a )?(dumb|stupid|silly|daft|basic|noob|newbie) (question|q))"
    r"|(on|from|posting from|typing on|typing from) (mobile|my phone|a phone|phone)"
    r"|(excuse|forgive) (the |my )?(formatting|format|typos|english|grammar|spelling)"
)
_PRAISE = (
    r"(i )?(love|loving|really like|like) (this|the|your) (server|bot|community|group|sub|forum"
    r"|channel|place)( so much)?|(it s|its|it has|this has|has|you ve|youve|you have) been (a )?"
    r"(big |huge |great |real )?(help|lifesaver|life saver)"
    r"|(this|the) (server|bot|community|group|sub|forum|channel|place) (is|has been|s) (so )?(great"
    r"|awesome|amazing|the best|so helpful|helpful|a lifesaver)"
    r"|(any )?(advice|help|tips|input|thoughts|suggestions|ideas|replies|answers)( (would be|is|are"
    r"|will be))?( (much|greatly|really|very|hugely|so))? ?(appreciated|welcome|welcomed)"
)

# Thanks for the help a post asks for or got: "thanks for all the replies so far". (Not "thanks for
# everything", which may be a goodbye.)
_THANKS = (
    r"(thanks|thank you|thank u|thanx|thnx|thx|ty|tysm|tyvm|cheers)( (so|very) much)?( (all|everyone|guys|yall|folks))?"
    r"( (for|to) (all )?(your|the|everyone|you all"
    r"|all of you|everyone who|those who)( (kind|helpful))? ?(help|work|time|advice|replies|responses"
    r"|comments|answers|input|suggestions|words|replied|responded|commented|answered)?)?"
    r"( (so far|already))?( (all|everyone|guys|in advance))?"
)

# What a post's title or opening names as its subject, not its question: "back pain question".
_SUBJECT = r"(my |the |a |some )?((lower|low|lumbar) )?(back|back pain|backache|lbp|spine)"
_ASKING = r"(question|questions|q|query|help|advice|tips|input|thoughts|issue|problem)"

# Whom a message is addressed to: "hey bot", "thanks guys".
_ADDRESSED = (
    r"(lowback ?bot|lowback|bot|everyone|everybody|all|guys|folks|team|yall|y all|there|doc|mate)"
)

# A greeting, the bot addressed or "quick question" before a message, and thanks or "pls help"
# after it: nothing of its meaning, but enough words to move a short message's embedding and its
# word match ("hey bot, quick question: ...", "... thanks in advance!!").
PREAMBLE = re.compile(
    r"^((hey|hi|hello|hiya|yo|oi|ok|okay|dear|sup|morning|evening|good (morning|afternoon|evening)) )?"
    rf"({_ADDRESSED} )?"
    r"((quick|random|silly|dumb|stupid|serious|genuine|honest|little|small) )?"
    rf"(({_SUBJECT} )?(question|q|query)( for you| here| (about|on|re) {_SUBJECT})? )?"
    rf"(({_LURKER}|{_SORRY}|{_RELAY})( and| but| so)? )*(({_BACKGROUND}) )?((?>{_THANKS})(?! for| to)( |$))?"
)
POSTAMBLE_CHARS = 200  # the longest chatter after a message that is looked for
POSTAMBLE = re.compile(
    r"( (thanks|thank you|thx|ty|tia|cheers|in advance|pls|plz|please|help|any advice|any ideas"
    r"|any tips|advice|appreciated|much appreciated|appreciate it|lol|lmao|haha\w*|xx?|anyway|btw"
    rf"|{_SORRY}|{_PRAISE}|{_RELAY}))+$"
)


# A sentence of a forum post about the post or the poster, not the body: "Long time lurker, first
# post.", "Sorry for the wall of text!", "On mobile so excuse the formatting", "34F here". What a
# post says of the body stays: a sentence is set aside only when all of it is this.
_META_PART = (
    r"(hi|hey|hello|hiya|ok|okay|so|well|alright|all|everyone|guys|folks|yall|y all|here|and|but)"
    rf"|{_LURKER}|{_BACKGROUND}|{_SORRY}|{_PRAISE}|{_RELAY}"
    r"|new (here|to (this|the) (sub|forum|server|group))"
    r"|(throwaway|throw away)( account)?( for (obvious )?(reasons|privacy))?"
    r"|(here goes|bear with me|long (post|story)( ahead| incoming)?|tl ?dr (at|below)( the)?( bottom| end)?)"
    r"|(i am|im|i m)? ?(a )?\d\d ?(m|f|male|female)|(m|f) ?\d\d|\d\d (years? old|yo|y o)( (male|female|man|woman|guy|girl|dude|lady))?"
    r"|(i am|im|i m) (a )?(\d\d|female|male|woman|man|guy|girl|f|m)"
    r"|forgot to (say|mention|add)( that)?|if (that|it) (matters|helps)|(anyway|anyways|btw|also|oh and|ps)"
    r"|(you|u) (guys |all |lot )?(are|r) (awesome|great|the best|amazing|legends|stars)"
    rf"|{_THANKS}"
)
META_SENTENCE = re.compile(rf"((?:{_META_PART})( |$))+")

# A post's title that only names its subject: "Back pain question", "Question about my lower back",
# "Lower back help?", "Need advice" (``without_title``).
TITLE = re.compile(
    rf"(((quick|random|another|new|a|some|need|needing|looking for|seeking) )*{_ASKING}"
    rf"( (about|on|with|for|re|regarding) {_SUBJECT})?|{_SUBJECT}( related| pain)? {_ASKING})"
    r"( (needed|wanted|please|pls|plz))?"
)
TITLE_CHARS = 60  # a title is short
_TITLE_WORD = re.compile(
    r"(?i)\b(q|question|questions|query|help|advice|tips|input|thoughts|issue|problem)\b"
)
_TITLED = re.compile(r"\s*([^:\n.?!]{1,50})(:|\s[-–—]\s)\s*(?=\S)")


def without_meta(raw: str) -> str:
    """A message of two sentences or more without those about the post or the poster
    (``META_SENTENCE``): "" when all of them are, the message itself when none is."""
    if not isinstance(raw, str):
        return raw
    parts = [p for p in SENTENCE_BREAK.split(raw.strip()) if p.strip()]
    if len(parts) < 2:
        return raw
    kept = [p for p in parts if not META_SENTENCE.fullmatch(normalize(p) + " ")]
    return raw if len(kept) == len(parts) else " ".join(kept)


_QUOTED = re.compile(r"^[ \t]*>.*(?:\n|$)", re.MULTILINE)


def without_quotes(raw: str) -> str:
    """A message without the lines it quotes ("> can i deadlift" then "what about squats?" asks
    about squats), when it says something of its own; the message itself otherwise."""
    if not isinstance(raw, str) or ">" not in raw:
        return raw
    own = _QUOTED.sub("", raw)
    return own if own != raw and len(normalize(own).split()) >= 2 else raw


def without_title(raw: str) -> str:
    """A message without a title that only names its subject (``TITLE``), on a line of its own or
    before a colon, when more follows: "Back pain question\n\nwill squats make my butt big?" asks
    what the rest asks, and its "back pain" tells of nobody's pain."""
    if not isinstance(raw, str) or not _TITLE_WORD.search(raw[:TITLE_CHARS]):
        return raw
    titled = _TITLED.match(raw)  # "Back pain question: will squats..."
    if titled is None or not TITLE.fullmatch(normalize(titled.group(1))):
        parts = SENTENCE_BREAK.split(raw.strip(), maxsplit=1)
        if len(parts) < 2 or not TITLE.fullmatch(normalize(parts[0])):
            return raw
        rest = parts[1]
    else:
        rest = raw[titled.end() :]
    return rest if normalize(rest) else raw


@functools.lru_cache(maxsize=256)  # (one message is read so by the net, the model and the topics)
def without_chatter(normalized: str) -> str:
    """A normalised message without the greeting before it and the thanks after it, when at least
    two words are left ("hey bot quick question my back hurts when i sit thanks" is "my back
    hurts when i sit"), or nothing at all ("hi all thanks" is only chatter)."""
    rest = " " + PREAMBLE.sub("", normalized, count=1)
    # (the thanks after a message are short: only its end is searched, not every word of it)
    after = POSTAMBLE.search(rest, max(0, len(rest) - POSTAMBLE_CHARS))
    rest = (rest[: after.start()] if after else rest).strip()
    if not PREAMBLE.sub("", rest + " ", count=1).strip():
        return ""  # greetings and thanks, nothing else
    return rest if len(rest.split()) >= 2 else normalized


# An answer acknowledged: "got it", "makes sense", "that helped", "perfect"; with thanks, a greeting
# or the bot addressed ("ok cool, thanks bot"), a whole message with nothing to answer in it.
_ACKNOWLEDGED = (
    r"got it|gotcha|noted|understood|makes sense|will do|will try( (it|that|them|this))?"
    r"|sounds good|good to know|((that|this|it|that s|thats|it s|its) )?(really )?(helped|helps"
    r"|helpful|is helpful|was helpful)( (a lot|loads))?|cool|nice|great|perfect|awesome|amazing"
    r"|brilliant|lovely|excellent|lol|lmao|haha\w*"
)
ACKNOWLEDGEMENT = re.compile(rf"{_META_PART}|{_ACKNOWLEDGED}|{_ADDRESSED}|{GREETING.pattern}")
ACKNOWLEDGEMENT_CHARS = 100  # an acknowledgement is short (and a long message is not read so)


def only_chatter(text: str) -> bool:
    """True when a message holds nothing to answer: only emoji, or thanks, an acknowledgement, a
    greeting ("thanks!", "ok", "lol", "👍", "thank you so much, that helped"). A plea for help
    ("pls help", "any advice?") is not chatter here."""
    normalized = normalize(text) if isinstance(text, str) else ""
    if len(normalized) > ACKNOWLEDGEMENT_CHARS:
        return False
    words = normalized.split()
    # Word by word, which of its beginnings are all chatter: each phrase is read once, where one
    # pattern repeated over the message would try every way of cutting it into phrases.
    chatter = [True] + [False] * len(words)
    for end in range(1, len(words) + 1):
        chatter[end] = any(
            chatter[start] and ACKNOWLEDGEMENT.fullmatch(" ".join(words[start:end]))
            for start in range(end)
        )
    return chatter[-1]


# Thanks said: a message of only chatter with one of these in it gets "you're welcome".
_THANKED = re.compile(
    r"\b(thanks|thank you|thank u|thankyou|thanx|thnx|thx|ty|tysm|tyvm|cheers|ta|appreciate it"
    r"|(much )?appreciated|helped|helps|helpful)\b"
)
# A greeting alone ("hi", "hey bot", "good morning all"): that gets the bot's introduction.
GREETING_ONLY = re.compile(
    rf"((hi|hey|hello|hiya|heya|howdy|yo|oi|sup|{GREETING.pattern}|{_ADDRESSED})( |$))+"
)


def acknowledged(text: str) -> str | None:
    """What a message with nothing to answer in it says back (``only_chatter``): "thanks" for
    thanks ("thanks!", "ty, that helped"), "ok" for another acknowledgement ("ok", "got it", "lol",
    "👍"); None for a greeting alone (answered with what the bot does) or a message that asks."""
    if not isinstance(text, str) or not only_chatter(text):
        return None
    normalized = normalize(text)
    if not normalized:  # emoji or punctuation alone: a thumbs-up is an acknowledgement, "?" is not
        return "ok" if any(unicodedata.category(ch) == "So" for ch in text) else None
    if _THANKED.search(normalized):
        return "thanks"
    return None if GREETING_ONLY.fullmatch(normalized) else "ok"


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


# A post that opens with a line about its writer: "34F, desk job.", "28M, 6'1, lifting 3 years.",
# "Quick background: 45, teacher." The line tells who asks, not what (``past_profile``).
_AGE = (
    r"(\d\d ?(m|f|male|female|yo|y o|yr old|yrs old|year old|years old)|(m|f) ?\d\d"
    r"|(i am|im|i m) (a )?\d\d)"
)
_OPENER = (
    r"((quick|some|a bit of|bit of|a little) )?(background|context|about me|backstory)( info)?"
)
PROFILE = re.compile(
    rf"(\w+ ){{0,3}}?({_AGE}|{_OPENER})\b(?! (\w+ )?(son|daughter|kid|child|boy|girl|baby|mum|mom"
    r"|dad|father|mother|wife|husband|partner|friend|client|patient)s?\b)"
)
# ...that says nothing of the body or of a diagnosis: "I'm 68, arthritis in my back." is the story.
_OF_THE_BODY = re.compile(
    r"\b(back|backs|spine|spinal|pain\w*|hurt\w*|ach\w*|sore\w*|stiff\w*|glutes?|butt|bum|hips?"
    r"|legs?|knees?|hamstrings?|psoas|core|abs|injur\w*|strain\w*|tweak\w*|pulled|numb\w*|tingl\w*"
    r"|weak\w*|sciatica|discs?|disks?|pregnan\w*|weeks|diagnos\w*|scoliosis|arthritis|surger\w*"
    r"|fractur\w*|condition|mri|x ?rays?|cancer|steroids?)\b"
)


def without_profile(raw: str) -> str:
    """The message without an opening sentence about its writer and nothing else (``PROFILE``),
    when at least two words follow; the message itself otherwise."""
    if not isinstance(raw, str):
        return raw
    parts = [p for p in SENTENCE_BREAK.split(raw.strip()) if p and p.strip()]
    if len(parts) < 2:
        return raw
    opening = normalize(parts[0])
    if not PROFILE.match(opening) or _OF_THE_BODY.search(opening):
        return raw
    rest = " ".join(parts[1:])
    return rest if len(normalize(rest).split()) >= 2 else raw


# "TL;DR: can I still deadlift?" after a long story: the writer's own summary of what they ask.
TLDR = re.compile(r"(?i)\btl\s*[;:,.]?\s*dr\b\s*(?:[:;,.=>\-\u2013\u2014]+\s*)?")
TLDR_AFTER = 5  # words of story before the summary, for it to be one


def after_tldr(raw: str) -> str:
    """What follows the last "TL;DR" of a message that tells a story before it, when that is at
    least two words (not "TL;DR at the bottom"); the message itself otherwise."""
    if not isinstance(raw, str):
        return raw
    found = list(TLDR.finditer(raw))
    if not found or len(normalize(raw[: found[-1].start()]).split()) < TLDR_AFTER:
        return raw
    summary = raw[found[-1].end() :]
    words = normalize(summary).split()
    if len(words) < 2 or words[0] in ("at", "below", "above", "in", "is", "version"):
        return raw
    return summary


def past_profile(decide: Callable[..., R], text: str, person_step: int) -> R:
    """``decide(text, step)``, unless the message opens with a line about its writer and what
    follows it is answered on its own: then that answer. "34F, desk job. How long do I hold the
    kneeling stretch?" asks about the stretch, not about sitting; "34F, desk job. My back aches by
    3pm, what can I do?" asks nothing the rest answers alone, and the desk job is the clue. The
    red-flag screen reads the whole message once (an age in that line counts); the readings of
    the topics do without it (``decide(..., screen=False)``; ``topics=False``: the screen alone).
    A story with its own summary after "TL;DR" is answered so too, by the summary."""
    rest = without_profile(text)
    rest = after_tldr(text) if rest is text else rest
    if rest is text:
        return decide(text, person_step)
    flag = decide(text, person_step, topics=False)
    if flag is not None:
        return flag
    asked = decide(rest, person_step, screen=False)
    if getattr(asked, "kind", None) in ("answer", "clarify"):
        return asked
    return decide(text, person_step, screen=False)
