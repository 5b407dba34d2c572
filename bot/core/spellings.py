"""How people write words in chat, and what ``bot.core.text.normalize`` reads them as: chat spellings
of ordinary words ("smth", "ppl", "ur", "w/"), filler words that only colour what is said ("ngl",
"lowkey", "tbh"), and the emoji that stand for a part of the body ("🦵", "🍑")."""

from __future__ import annotations

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
    "abt": "about",
    "b4": "before",
    "rly": "really",
    "thru": "through",
    "cuz": "because",
    "coz": "because",
    "tmrw": "tomorrow",
    "2moro": "tomorrow",
    "2day": "today",
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

# The emoji that stand for a part of the body or what comes out of it ("both my 🦵 feel weak").
EMOJI_WORDS = str.maketrans(
    {
        "🦵": " leg ",
        "🦶": " foot ",
        "🍑": " butt ",
        "💩": " poo ",
        "🚽": " toilet ",
        "🩸": " blood ",
    }
)
