"""How people write words in chat, and what ``bot.core.text.normalize`` reads them as: chat spellings
of ordinary words ("smth", "ppl", "ur", "w/"), common misspellings of a warning sign's words
("feal", "paralised"), filler words that only colour what is said ("ngl",
"lowkey", "tbh"), and the emoji that stand for a part of the body ("🦵", "🍑") or for the means of
harm ("🔪 myself")."""

from __future__ import annotations

import re

# Chat spellings of ordinary words, written out: "is it smth serious", "how many ppl get this",
# "a deep ache in ur belly".
CHAT_WORDS = {
    "u": "you",
    "ur": "your",
    "r": "are",
    "smth": "something",
    "sth": "something",
    "smthg": "something",
    "ppl": "people",
    "dwn": "down",
    "lbp": "low back pain",
    "abt": "about",
    "b4": "before",
    "rly": "really",
    "thru": "through",
    "cnt": "cant",
    "carnt": "cant",
    "caint": "cant",
    "kant": "cant",
    "btwn": "between",
    "btween": "between",
    "cuz": "because",
    "coz": "because",
    "tmrw": "tomorrow",
    "2moro": "tomorrow",
    "2day": "today",
    "til": "until",
    "till": "until",
    # spans of time, short ("for 3 wks", "10 hrs a day", "2 yrs ago")
    "hr": "hour",
    "hrs": "hours",
    "mins": "minutes",
    "wk": "week",
    "wks": "weeks",
    "mth": "month",
    "mths": "months",
    "mos": "months",
    "yr": "year",
    "yrs": "years",
    # not caring, short ("idc if i die", "idgaf if i wake up tomorrow", "idrc anymore")
    "idc": "i dont care",
    "idrc": "i dont really care",
    "idgaf": "i dont care",
    "idgac": "i dont care",
    "dgaf": "dont care",
}

# Common misspellings of the words a warning sign is told in, written as meant from the first
# reading on ("cant feal my privates", "my legs are paralised"). The menders' second readings
# (``bot.core.mending``) put right any other typo one edit from a word the bot knows.
MISSPELLINGS = {
    "feal": "feel",
    "kil": "kill",
    "controll": "control",
    "paralised": "paralysed",
    "paralized": "paralyzed",
    "paralisis": "paralysis",
    "draging": "dragging",
    "needels": "needles",
    "neddles": "needles",
    "numbe": "numb",
    "numbess": "numbness",
    "numbnes": "numbness",
    "feaver": "fever",
    "fevor": "fever",
    "fevar": "fever",
    "incontinance": "incontinence",
    "incontinant": "incontinent",
    "blader": "bladder",
    "bladdar": "bladder",
    "urin": "urine",
    "tingleing": "tingling",
    "tingeling": "tingling",
    "siatica": "sciatica",
    "groine": "groin",
    "privites": "privates",
    "genitels": "genitals",
    "weekness": "weakness",
    "docter": "doctor",
    "doctur": "doctor",
    "hospitle": "hospital",
    "hospitol": "hospital",
    "ambulence": "ambulance",
    "emergancy": "emergency",
    "osteoperosis": "osteoporosis",
    "ostioporosis": "osteoporosis",
    "steriods": "steroids",
    "weightloss": "weight loss",
    "excrutiating": "excruciating",
}

# Words that only colour what is said ("my legs feel kinda numb ngl"): left out. ("literally"
# stays: "not literally" takes a figure of speech back.)
FILLERS = frozenset(
    {
        "tbh",
        "ngl",
        "lowkey",
        "highkey",
        "fr",
        "honestly",
        "kinda",
        "um",
        "uhm",
        "uh",
        "istg",
        "deadass",
    }
)

# The emoji that stand for a part of the body or what comes out of it ("both my 🦵 feel weak"),
# for a fever ("🤒 and back pain", "🌡 39"), and for the means of harm ("a 🔪", "all my 💊").
EMOJI_WORDS = str.maketrans(
    {
        "🦵": " leg ",
        "🦶": " foot ",
        "🍑": " butt ",
        "💩": " poo ",
        "🚽": " toilet ",
        "🩸": " blood ",
        "🤒": " fever ",  # the face with a thermometer: ill, feverish
        "🌡": " temperature ",
        "🔪": " knife ",
        "🗡": " knife ",
        "🔫": " gun ",
        "💊": " pills ",
        "🪢": " rope ",
        "⚰": " coffin ",
        "🪦": " grave ",
    }
)
# A weapon, a rope or a coffin put where a verb goes before "myself" ("🔪 myself", "gonna 🔫
# myself"): what it says is killing oneself. (Not 💀, which is laughter: "💀 me".)
_HARM_DONE = re.compile("(?:[🔪🗡🔫🪢⚰🪦] *)+(?=(?:my ?self|meself|myslf)\\b)")


def emoji_as_words(folded: str) -> str:
    """A case-folded text with the emoji that stand for words written as the words."""
    if _HARM_DONE.search(folded) is not None:
        folded = _HARM_DONE.sub(" kill ", folded)
    return folded.translate(EMOJI_WORDS)
