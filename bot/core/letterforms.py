"""Letters dressed as other characters, read as the letters they show.

What people send is not always the letters they mean: a web page or an email pastes "can&#39;t"
and "&amp;", a search box's address "numb%20groin"; a Spanish or Portuguese keyboard's apostrophe
is the accent "´", a phone's is sometimes the opening quote "‘"; "fancy text" generators write in
small capitals ("ᴋɪʟʟ"), letters in squares ("🅺🅸🅻🅻") or struck through with combining marks
("k̶i̶l̶l̶", zalgo); a Cyrillic or Greek letter that looks Latin slips into a word ("kіll" with a
Cyrillic і) from a second keyboard layout or on purpose, past a server's word filter; and letters
are spaced out for the same reason ("s u i c i d e", "k.i.l.l"), or a spoiler hides the end of
a word ("d||ie||"). ``bot.core.text.normalize`` reads each of these as the plain word, so the
red-flag screen and the topics see what the person wrote.

Text in its own script is left alone: Cyrillic and Greek letters become Latin ones only in a
message whose letters are mostly Latin, and accents that are spelling ("café") stay.
"""

from __future__ import annotations

import html
import re
import unicodedata
from urllib.parse import unquote, unquote_plus

from bot.core.checklists import answered_no

# -- escapes: before anything else, on every message -----------------------------------------------

_ENTITY = re.compile(r"&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{1,9});")
_URL_ESCAPE = re.compile(r"%[0-9a-fA-F]{2}")


# Discord's names for the emoji that stand for words, typed out as text where the emoji picker is
# not at hand (":knife: myself", "both my :leg: are numb"): written as the emoji.
_SHORTCODES = {
    "knife": "🔪",
    "dagger": "🗡",
    "dagger_knife": "🗡",
    "gun": "🔫",
    "pistol": "🔫",
    "pill": "💊",
    "pills": "💊",
    "knot": "🪢",
    "coffin": "⚰",
    "headstone": "🪦",
    "leg": "🦵",
    "foot": "🦶",
    "peach": "🍑",
    "poop": "💩",
    "poo": "💩",
    "hankey": "💩",
    "toilet": "🚽",
    "drop_of_blood": "🩸",
}
_SHORTCODE = re.compile(r"(?<![\w:]):(" + "|".join(_SHORTCODES) + r"):(?![\w:])", re.I)


def unescaped(text: str) -> str:
    """``text`` with its HTML character references ("&#39;", "&amp;", "&rsquo;"), its emoji typed
    by name (":knife:") and, in a text that is not a link, its URL escapes ("%20", two or more of
    them) written as the characters."""
    if ":" in text:
        text = _SHORTCODE.sub(lambda m: f" {_SHORTCODES[m.group(1).lower()]} ", text)
    if "&" in text and ";" in text:
        text = _ENTITY.sub(lambda m: html.unescape(m.group(0)), text)
    if "%" not in text or "://" in text or "www." in text.lower():
        return text
    if len(_URL_ESCAPE.findall(text)) >= 2:
        spaced = any(ch.isspace() for ch in text)
        text = unquote(text) if spaced else unquote_plus(text)  # "numb+groin" is a query
    return text


# -- before Unicode normalisation -------------------------------------------------------------------

# Characters typed for an apostrophe. "´" must be read before NFKC, which makes it a space and an
# accent; the others are read here too, so one rule in bot.core.text drops them all.
_APOSTROPHE_LIKE = str.maketrans(dict.fromkeys("´‘‛′ʹʻ＇", "'"))
_MARK = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
_MARKS = re.compile(f"[{_MARK}]")
# Marks no language spells with: a stroke or slash through a letter, or two or more on one letter
# (a "strikethrough" or "zalgo" generator; accents that are spelling come one to a letter).
_DECORATION = re.compile(
    f"[\u0334-\u0338\u20d2\u20d3\u20d8-\u20da\u20e5\u20e6\u20ea\u20eb]|[{_MARK}]{{2}}"
)


# UTF-8 read as Windows-1252 ("canâ€™t"): an old forum, an email or a file opened in the wrong
# encoding. The punctuation, for a text that is not all such (the rest read as it is).
_MISREAD = re.compile("\u00e2\u20ac[\u2122\u02dc\u203a\u0153\u009d\ufffd\u00a6\u201c\u201d]")
_MISREAD_AS = {
    "\u2122": "'",
    "\u02dc": "'",
    "\u203a": "'",
    "\u00a6": "...",
    "\u201c": "-",
    "\u201d": "-",
}


def _read_again(text: str) -> str:
    """``text`` as the UTF-8 it was if it was read as Windows-1252, else as it is."""
    if "\u00e2\u20ac" not in text and "\u00c3" not in text:
        return text
    try:
        return text.encode("cp1252").decode("utf-8")
    except UnicodeError:
        return _MISREAD.sub(lambda m: _MISREAD_AS.get(m.group(0)[2], '"'), text)


# Vulgar fractions, which NFKC writes as "1⁄2" (so "38½" would read as 381): their decimals.
_FRACTIONS = {"½": "5", "¼": "25", "¾": "75", "⅓": "33", "⅔": "67", "⅛": "125"}
_FRACTION = re.compile("(\\d?)([" + "".join(_FRACTIONS) + "])")


def _decimal(m: re.Match[str]) -> str:
    return f"{m.group(1) or ' 0'}.{_FRACTIONS[m.group(2)]}"


def undecorated(text: str) -> str:
    """``text`` with its apostrophe-like characters as apostrophes, its fractions as decimals and,
    when it is decorated with combining marks (struck through, zalgo), without any of its marks;
    UTF-8 misread as Windows-1252 read again. For a text that is not all ASCII, before NFKC."""
    text = _read_again(text).translate(_APOSTROPHE_LIKE)
    if _FRACTION.search(text) is not None:
        text = _FRACTION.sub(_decimal, text)  # "38½" is 38.5, "½ a minute" 0.5
    if _DECORATION.search(text) is not None:
        text = _MARKS.sub("", unicodedata.normalize("NFD", text))
    return text


# -- after NFKC and case folding --------------------------------------------------------------------

# Small capitals, as "fancy text" writes them; "ғ" (Cyrillic) stands in for the small capital F.
_SMALL_CAPITALS = "ᴀʙᴄᴅᴇꜰɢʜɪᴊᴋʟᴍɴᴏᴘʀꜱᴛᴜᴠᴡʏᴢғ"
_SMALL_AS = "abcdefghijklmnoprstuvwyzf"
_LETTER_LIKE = str.maketrans(
    {
        **dict(zip(_SMALL_CAPITALS, _SMALL_AS, strict=True)),
        # letters in squares and circles that NFKC leaves alone, and Discord's letter emoji
        **{chr(0x1F170 + i): chr(0x61 + i) for i in range(26)},  # negative squared 🅰
        **{chr(0x1F150 + i): chr(0x61 + i) for i in range(26)},  # negative circled 🅐
        **{chr(0x1F1E6 + i): chr(0x61 + i) for i in range(26)},  # regional indicator 🇦
    }
)
_LETTER_LIKE_CHARS = re.compile(
    "[" + _SMALL_CAPITALS + "\U0001f150-\U0001f189\U0001f1e6-\U0001f1ff]"
)
# Cyrillic and Greek letters that look like Latin ones (lower case: read after case folding, so
# "В", "Н", "М" and "Т", which look like B, H, M and T, are here as в, н, м and т).
_LOOKALIKE = str.maketrans(
    dict(
        zip(
            "аеорсхуіјѕԁԛԝһӏвнкмтүёαβεικμνορτυχζ",
            "aeopcxyijsdqwhlbhkmtyeabeikmvoptuxz",
            strict=True,
        )
    )
)
_OTHER_SCRIPT = re.compile("[\u0370-\u03ff\u0400-\u052f]")
_LATIN = re.compile("[a-z]")
# The look-alikes themselves: a Cyrillic or Greek letter not among them ("п", "ч", "ж", "λ") tells
# that the text holds words of that script, whose look-alike letters are its own ("не хочу").
_LOOKALIKE_LETTERS = frozenset("аеорсхуіјѕԁԛԝһӏвнкмтүёαβεικμνορτυχζ")
_WORD = re.compile(r"\w+")


def _latin_word(m: re.Match[str]) -> str:
    """A word that mixes Latin letters with look-alikes ("kіll"), written in Latin letters."""
    word = m.group(0)
    if _LATIN.search(word) is None or _OTHER_SCRIPT.search(word) is None:
        return word
    return word.translate(_LOOKALIKE)


def as_latin(folded: str) -> str:
    """A case-folded, NFKC text with its letter-like symbols as the Latin letters they show; with
    Cyrillic and Greek look-alikes as Latin letters if most of its letters are Latin (only inside
    words of Latin letters, when it also holds words of those scripts: "hi all. не хочу жить");
    without the combining marks that found no letter to join (they would split a word in two)."""
    if _LETTER_LIKE_CHARS.search(folded) is not None:
        folded = folded.translate(_LETTER_LIKE)
    if _OTHER_SCRIPT.search(folded) is not None:
        others = len(_OTHER_SCRIPT.findall(folded))
        if len(_LATIN.findall(folded)) > others:
            own = not _LOOKALIKE_LETTERS.issuperset(_OTHER_SCRIPT.findall(folded))
            folded = _WORD.sub(_latin_word, folded) if own else folded.translate(_LOOKALIKE)
    return _MARKS.sub("", folded)


# -- Discord markup inside a word ------------------------------------------------------------------

_INNER_MARKUP = re.compile(r"(?<=[^\W\d_])(?:\|\||\*\*\*?|~~|__)(?=[^\W\d_])")


def unmarked(text: str) -> str:
    """``text`` without the spoiler, bold, underline and strike markers that open or close inside a
    word ("d||ie||", "ki**ll**"): the word is one word, not two."""
    if "||" in text or "**" in text or "~~" in text or "__" in text:
        return _INNER_MARKUP.sub("", text)
    return text


# -- letters spaced out ---------------------------------------------------------------------------

_SPACED = re.compile(r"(?<!\w)[^\W\d_](?P<sep>[ .*\-~|])[^\W\d_](?:(?P=sep)[^\W\d_])+(?!\w)")


def _joined(m: re.Match[str]) -> str:
    letters = m.group(0)[::2]
    if m.group("sep") == " " and len(letters) < 4:
        return m.group(0)  # "u r a legend", "i m a nurse": words of one letter
    return letters


# Two letters alone in a row, what every spaced-out word starts with: rare, and cheap to look for.
_TWO_ALONE = re.compile(r"[ .*\-~|][^\W\d_][ .*\-~|][^\W\d_][ .*\-~|]")


# A sentence spaced out letter by letter, its words apart by wider gaps ("I   W A N T   T O"): a
# letter alone, a gap of two spaces or more, and two letters one space apart.
_WIDE_GAP = re.compile(r"(?<!\S)[^\W\d_] {2,}[^\W\d_] [^\W\d_](?!\S)")
_LETTERS_APART = re.compile(r"(?<!\S)[^\W\d_](?: [^\W\d_])+(?!\S)")


def unspaced(text: str) -> str:
    """``text`` with letters spaced out one by one written as a word: "s u i c i d e" (four letters
    or more, since "u r a" are words), "k.i.l.l", "k-i-l-l" (three or more: "a.m." is two); in a
    sentence spaced out whole, whose words are apart by wider gaps, every word ("t o", "d i e")."""
    if _TWO_ALONE.search(" " + text) is None:
        return text
    if _WIDE_GAP.search(text) is not None:
        text = _LETTERS_APART.sub(lambda m: m.group(0).replace(" ", ""), text)
    return _SPACED.sub(_joined, text)


# -- digits for letters -------------------------------------------------------------------------

_LEET = str.maketrans("013457$", "oieasts")
# A word with a digit or "$" standing for a letter between two letters ("k1ll", "mys3lf",
# "su1c1de", "bl4dder"), or a "$" for its first letter ("$uicide"). (Not a digit at a word's end:
# "mp3", "omega3".)
_LEET_WORD = re.compile(r"[a-z0-9$]*(?:[a-z][013457$][a-z]|(?<![\w$])\$[a-z])[a-z0-9$]*")
# The spine's levels ("l5s1", "c5c6", "t12l1") are letters and digits as they are.
_LEVELS = re.compile(r"(?:[lcts]\d{1,2})+")


# "!" or "*" for an "i" near a word's start ("su!c!dal", "k!ll", "su*cide", "d!e"): one or two
# letters before it and two or more after, or one on each side, or two before and one after
# ("sh*t myself"). ("help!my legs" is two sentences run together, and so is "no!it hurts": a "!"
# is a letter only twice in a word or in one with no vowel without it.)
_STARRED_WORD = re.compile(
    r"(?<![\w!*])(?:[a-z]{1,2}[!*][a-z][a-z!*]*[a-z]|[a-z]{1,2}[!*][a-z])(?![\w!*])", re.I
)
_STARRED = str.maketrans("!*", "ii")
_VOWEL = re.compile("[aeiouy]", re.I)


def _unstarred(m: re.Match[str]) -> str:
    word = m.group(0)
    if "*" in word or word.count("!") > 1 or len(word) == 3 or _VOWEL.search(word) is None:
        return word.translate(_STARRED)
    return word


# A "3" for the "e" that ends a short word ("di3"): a word of a vowel and one or two letters more.
# ("mp3", "ps3" and "omega3" stay.)
_LAST_E = re.compile(r"(?<![\w$])((?=[a-z]{0,2}[aeiouy])[a-z]{2,3})3(?!\w)")


def unleet(text: str) -> str:
    """``text`` (lower case) with the digits and signs typed for letters inside a word written as
    the letters ("k1ll mys3lf", "d1e", "di3", "$uicide", "su!c!dal", "su*cide"), as people write a
    word past a server's filter; numbers beside letters that are not letters ("l5s1", "67yo", "3x",
    "b12", "2nd") stay."""
    if "!" in text or "*" in text:
        text = _STARRED_WORD.sub(_unstarred, text)
    if not any(c.isdigit() or c == "$" for c in text):
        return text
    if "3" in text:
        text = _LAST_E.sub(r"\1e", text)
    return _LEET_WORD.sub(
        lambda m: m.group(0) if _LEVELS.fullmatch(m.group(0)) else m.group(0).translate(_LEET),
        text,
    )


# -- the raw message, before it is cut into sentences ----------------------------------------------

_DOTTED = re.compile(r"(?<![^\W\d_.])[^\W\d_](?:\.[^\W\d_]){2,}(?![^\W\d_])")


def as_meant(text: str) -> str:
    """A message as it should be cut into sentences: its HTML entities and URL escapes decoded
    ("can&#39;t" has no ";" to end a sentence at), a "!" typed for an "i" ("su!c!dal"), letters spaced out with stops written as
    one word ("k.m.s", "s.u.i.c.i.d.e": no sentence ends inside them; "a.m." and "e.g." stay),
    and signs checked off as absent written as denied ("fever? no" is "no fever": see
    ``bot.core.checklists``)."""
    text = answered_no(unescaped(text))
    if "!" in text:  # "su!c!dal", "k!ll": no sentence ends inside them
        text = _STARRED_WORD.sub(_unstarred, text)
    return _DOTTED.sub(lambda m: m.group(0).replace(".", ""), text) if "." in text else text
