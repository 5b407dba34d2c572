"""Feeling that is gone, told with the negatives people use for it, written as "cant feel".

"I don't feel my legs", "I don't feel anything down there", "I feel nothing in my groin", "can't
feel nothing below my waist", "I ain't got no feeling in my legs", "I don't have any feeling in my
groin": each tells that feeling is lost. The red-flag screen reads "cant feel" and "have no
feeling" as that loss ("cant" is deliberately no negation word: see knowledge/safety.yaml), but
"dont", "aint" and "nothing" as words that deny what follows them, so the groin or the legs after
them were read as denied and the bot answered with what it can do. ``as_said`` writes these as
the words the screen reads as the loss. And a "no" that only swears to what follows ("no cap",
"no joke", "not even joking") is left out, so it denies nothing after it; and so is a "no" that
answers a question before telling what is so ("no i cant feel my groin"), and "dont know" before
"why" ("dont know why my legs are numb"). What stays a denial stays as it is: "I don't feel any
pain", "I don't feel it in my legs" (the pain stays in the back), "I don't feel anything unusual",
"I feel nothing but a dull ache", "I don't feel my age".

It reads ``bot.core.text.normalize``'s form: lower case, apostrophes gone, one space between words.
"""

from __future__ import annotations

import re

_DO_NOT = r"(?:dont|didnt|doesnt|do not|did not|does not|aint)"
_NOT = (
    r"(?:dont|didnt|doesnt|do not|did not|does not|aint|cant|cannot|can not|couldnt|could not"
    r"|never)"
)
_NOTHING = r"(?:nothing|nothin|nuthin|nuffin|nowt)"
_HOW = r"(?:(?:really|even|actually|just|literally|properly|hardly|barely) )?"
_FEEL = r"(?:feel|feels|felt|feeling|sense)"
# What makes "nothing" or "anything" a denial of something felt, not a loss of feeling:
# "anything unusual", "nothing wrong", "nothing but a dull ache", "nothing like it".
_DENIED_AFTER = (
    r"(?! (?:unusual|wrong|weird|strange|different|bad|odd|off|abnormal|funny|else|serious|special"
    r"|new|worse|better|but|except|apart|besides|other|like|more|of|out of|in particular)\b)"
)
# "my pain", "my best", "my age": nothing lost ("i dont feel my back pain when i walk").
_NOT_A_PART = (
    r"(?!(?:\w+ )?(?:pain|pains|ache|aches|aching|hurt|hurting|sciatica|best|age|self|usual|normal"
    r"|old|worst)\b)"
)

# "cant feel nothing", "dont feel nothin": one negative said twice ("anything" meant).
_TWICE = re.compile(rf"\b{_NOT} {_HOW}{_FEEL} {_NOTHING}\b{_DENIED_AFTER}")
# "i feel nothing in my groin", "i can feel nothing below the waist"
_FEEL_NOTHING = re.compile(rf"\b(?:can )?{_FEEL} {_NOTHING}\b{_DENIED_AFTER}")
# "i dont feel my legs", "i dont feel anything down there", "didnt feel a thing when i wiped"
_DO_NOT_FEEL = re.compile(
    rf"\b{_DO_NOT} {_HOW}{_FEEL} (?=(?:anything|anythin|a thing)\b{_DENIED_AFTER}"
    rf"|(?:my|his|her|their|your|our|both) {_NOT_A_PART})"
)
# "dont have any feeling", "aint got no feeling", "dont have no control of my bladder",
# "aint got nothing to live for": "have no", "have nothing"
_HAVE_NONE = re.compile(
    rf"\b{_DO_NOT} (?:have|got|have got) (?:(no|{_NOTHING}|none)\b"
    r"|any(?= (?:\w+ )?(?:feeling|sensation|control|strength|power|movement)s?\b))"
)
# "no cap", "no joke", "not even joking": a "no" or "not" that swears to what follows, denying
# nothing ("no cap i cant feel my groin", "no joke i wet myself", "my groin is numb no cap"): left
# out, as "ngl" is, before what someone tells or at the end ("no cap on the rounds?" stays).
_SWORN = re.compile(
    r"\b(?:no (?:cap|lie|lies|joke|jokes|kidding|exaggeration|bs|word of a lie)"
    r"|(?:im |i am )?not (?:even )?(?:joking|kidding|exaggerating))"
    r"(?: (?=(?:i|im|ive|id|ill|my|me|its|it|this|the|both|bro|dude|u|you|he|hes|she|shes|his|her"
    r"|we|our)\b)|$)"
)
# "no i cant feel my groin", "nope cant pee since yesterday": a "no" that answers a question, then
# what is so; the clause after it carries its own negative when it denies ("no i have no numbness").
_ANSWERED_NO = re.compile(
    r"^(?:(?:no|nope) )+(?=(?:i|im|ive|id|ill|my|me|cant|cannot|couldnt|still)\b)"
)
# "dont know why my legs are numb": not knowing why denies nothing of what follows.
_NOT_KNOWING = re.compile(
    r"\b(?:i )?(?:dont|do not|didnt|did not) know (?=(?:why|how|what|if|whether|when|where)\b)"
)
_TRIGGERS = ("feel", "felt", "sense", "not", "nt ", "aint", "noth", "nuth", "nuff", "nowt", "no ")


def as_said(text: str) -> str:
    """``text`` (normalised) with a loss of feeling told through negatives written as "cant feel
    anything", "cant feel my ..." or "have no ..." (see the module's description)."""
    if not any(t in text for t in _TRIGGERS):
        return text
    if "no" in text:
        text = _ANSWERED_NO.sub("", _SWORN.sub("", text).rstrip())
        text = _NOT_KNOWING.sub("idk ", text)
    text = _TWICE.sub("cant feel anything", text)
    text = _FEEL_NOTHING.sub("cant feel anything", text)
    text = _DO_NOT_FEEL.sub("cant feel ", text)
    return _HAVE_NONE.sub(lambda m: f"have {_none(m.group(1))}", text)


def _none(word: str | None) -> str:
    if word is None:
        return "no"
    return "nothing" if word.startswith(("noth", "nuth", "nuff", "nowt")) else word
