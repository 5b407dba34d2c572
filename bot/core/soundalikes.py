"""Words written for others that sound or look like them, read as meant where the words around
them say so.

A phone's dictation writes what it hears: "know feeling in my groin" for "no feeling", "lost a lot
of wait", "my legs are getting week", "I lost control of my bowls", "numb groan", "giving weigh",
"with out trying"; a hurried thumb writes "fell of a ladder", "cant p" and "numb b/w my legs";
people write as they speak: "i wan to die", "i cant do this no more", "cant feel me legs"; and "i
just want to dye" is written for die. Each of these is a warning sign told in words the red-flag
screen does not read as one. ``as_meant_words`` reads such a word as the one meant only in the
company that makes it that word ("know" before "feeling" when no one is said to know; "wait" after
"lost"), so "I know", "this week", "a bowl of oats", "can't wait" and "dye my hair" stay as they
are.

It reads ``bot.core.text.normalize``'s form: lower case, apostrophes gone, one space between words,
numbers in digits.
"""

from __future__ import annotations

import re

from bot.core.negatives import as_said

# Someone who knows: "i know feeling sore is normal" is knowing, not "no feeling".
_KNOWER = (
    r"(?<!\bi )(?<!\bu )(?<!\bwe )(?<!\bto )(?<!\bdo )(?<!\byou )(?<!\bthey )(?<!\bdont )"
    r"(?<!\bdidnt )(?<!\bdoesnt )(?<!\bnever )(?<!\bwho )(?<!\bwould )(?<!\bll )"
)
# "know feeling", "know sensation", "know control": "no" before what is lost.
_KNOW = re.compile(
    _KNOWER + r"\bknow (?=(?:\w+ )?(?:feeling|sensation|control|strength|power|movement)s?\b)"
)
# "lost a lot of wait", "losing wait", "wait loss": the body's weight.
_WAIT = re.compile(
    r"\b((?:lost|lose|loses|losing|dropped|dropping|gained|gaining|put on)"
    r"(?: (?:a|lot|lots|alot|of|so|much|some|loads|load|tons|too|way|heaps|all|the|that|my|this"
    r"|\d+|kg|kgs|kilos?|lbs?|pounds?|stone)){0,4}) wait\b"
    r"|\bwait(?= loss\b)"
)
# "getting week", "feel week", "so week": weak, after what a body becomes or feels like (not a
# week of the program: "this week", "week 3", "a week ago").
_WEEK = re.compile(
    r"\b(getting|get|gets|got|gotten|feel|feels|feeling|felt|become|becoming|became|went"
    r"|going|gone|grown|growing|so|very|really|too|more|are|r|seem|seems|seemed|look|looks) "
    r"week\b(?! (?:\d|of|ago|later|long|or|end|ends)\b)"
)
# "my bowls", "bowl movements", "bowl control": the bowels (a kitchen's bowl is "a bowl").
_BOWL = re.compile(
    r"\bbowl(s?)(?= (?:movements?|control|accidents?|habits?|incontinence|function|problems?"
    r"|issues?|trouble)\b)"
    r"|\b((?:my|his|her|your|their|our) )bowl(s?)\b"
)
# "fell of a ladder": off.
_OF = re.compile(
    r"\b(fell|fallen|falling|fall|falls|slipped|tumbled|tripped) of (?=(?:a|the|my|his|her|some) )"
)
# "cant p", "need to p", "i p myself": pee (not the letter in "step p" or "p value").
_P = re.compile(r"\b(cant|cannot|couldnt|to|i|and|dont|barely|can) p(?= |$)")

# "i wan to die": want, as it is said.
_WAN = re.compile(r"\bwan (?=to |2 )")
# "i cant do this no more": anymore, at the end of what cannot go on.
_NO_MORE = re.compile(r"\b((?:cant|cannot|couldnt|dont|wont|not|never)\b.*) no more$")

# "i just want to dye": die, when nothing is dyed ("dye my hair", "dye it blue" stay).
_DYE = re.compile(
    r"\b(to|2|wanna|gonna|just|could|would|should|might|ill|let me|hope i|wish i) dye\b(?! (?:my"
    r"|it|the|her|his|them|their|a|an|some|this|that|these|those|your|our|hair|beard|brows"
    r"|eyebrows|roots|clothes|shirts?|jeans|fabric|wool|yarn|eggs|(?:\w+ )?(?:hair|blue|red|black"
    r"|pink|purple|green|blonde|brown|grey|gray|white|blond|colou?r)))\b"
)

# "cant feel me legs", "numb round me bum", "lost control of me bladder": "my", as it is said in
# Britain, Ireland and Australia, before a part of the body ("show me leg exercises" reads the same
# to the topics either way: both are stop words).
_ME = re.compile(
    r"\bme (?=(?:(?:left|right|lower|upper|whole|poor|own|both|two) )?(?:back|legs?|feet|foot|toes"
    r"|knees?|hips?|thighs?|bum|butt|arse|ass|bottom|bits|privates|groin|crotch|balls|willy|fanny"
    r"|bladder|bowels?|spine|glutes?|hamstrings?|waist|body|lower half)\b)"
)

# "numbness in my groan": the groin ("let out a groan" stays).
_GROAN = re.compile(r"\b(my|the|his|her|in|numb|numbness|tingling|around|round) groan(s?)\b")
# "my legs keep giving weigh": way.
_WEIGH = re.compile(r"\b(giving|give|gives|gave|given|gone|goes|go|went) weigh\b")
# "lost ten pounds with out trying": without.
_WITH_OUT = re.compile(r"\bwith out\b")

_TRIGGERS = (
    "know", "wait", "week", "bowl", " of ", " p", "wan ", "no more", "dye", "me ", "groan",
    "weigh", "with out",
)  # fmt: skip


def as_meant_words(text: str) -> str:
    """``text`` (normalised) with the sound-alike words that stand for a warning sign's words
    written as meant."""
    if any(t in text for t in _TRIGGERS):
        text = _sounded(text)
    return as_said(text)  # "i dont feel my legs", "cant feel nothing": "cant feel"


def _sounded(text: str) -> str:
    text = _KNOW.sub("no ", text)
    text = _WAIT.sub(lambda m: f"{m.group(1)} weight" if m.group(1) else "weight", text)
    text = _WEEK.sub(r"\1 weak", text)
    text = _BOWL.sub(lambda m: f"{m.group(2) or ''}bowel{m.group(1) or m.group(3) or ''}", text)
    text = _OF.sub(r"\1 off ", text)
    text = _WAN.sub("want ", text)
    text = _NO_MORE.sub(r"\1 anymore", text)
    text = _DYE.sub(r"\1 die", text)
    text = _ME.sub("my ", text)
    text = _GROAN.sub(r"\1 groin\2", text)
    text = _WEIGH.sub(r"\1 way", text)
    text = _WITH_OUT.sub("without", text)
    return _P.sub(r"\1 pee", text)
