"""Red flags and crises typed the way keyboards, phones, text generators and pastes dress them are
answered as red flags, with the same urgency as the plain wording; the ordinary questions dressed
the same way keep their answers."""

from __future__ import annotations

import pytest

from bot.core.text import normalize

CRISIS = "i want to kill myself"
EMERGENCY = "I can't control my bladder and my back hurts"


def _urgency(matcher, message: str) -> str | None:
    result = matcher.match(message)
    return result.red_flag.group.urgency if result.kind == "red_flag" and result.red_flag else None


def test_the_plain_wordings_are_red_flags(matcher):
    assert _urgency(matcher, CRISIS) == "crisis"
    assert _urgency(matcher, EMERGENCY) == "emergency"


@pytest.mark.parametrize(
    "message",
    [
        "I can\u00b4t control my bladder and my back hurts",  # a Spanish or Portuguese keyboard's ´
        "I can\u2018t control my bladder and my back hurts",  # the opening quote for the closing
        "I can\u2032t control my bladder and my back hurts",  # a prime
        "I can\u02bbt control my bladder and my back hurts",
        "I can&#39;t control my bladder and my back hurts",  # pasted from a web page or an email
        "I can&#x27;t control my bladder and my back hurts",
        "I can&rsquo;t control my bladder and my back hurts",
        "I can&apos;t control my bladder &amp; my back hurts",
        "I can t control my bladder and my back hurts",  # an apostrophe lost to a space
        "I can\u00e2\u20ac\u2122t control my bladder and my back hurts",  # UTF-8 read as Windows-1252
        "I can\u00e2\u20ac\u2122t control my bladder\u00e2\u20ac\u00a6 \u00e2\u20ac\u0153help\u00e2\u20ac\u009d",
    ],
)
def test_an_apostrophe_of_any_kind_keeps_the_emergency(matcher, message):
    assert _urgency(matcher, message) == "emergency", message


@pytest.mark.parametrize(
    "message",
    [
        "i want to k\u0456ll myself",  # a Cyrillic і inside a word
        "i w\u0430nt t\u043e k\u0456ll m\u0443s\u0435lf",  # several Cyrillic letters
        "\u0406 WANT TO KILL MY\u0405ELF",  # Cyrillic capitals
        "i want to \u03baill myself",  # a Greek kappa
        "\u026a \u1d21\u1d00\u0274\u1d1b \u1d1b\u1d0f \u1d0b\u026a\u029f\u029f \u1d0d\u028f\ua731\u1d07\u029f\ua730",  # small capitals
        "\U0001f178 \U0001f186\U0001f170\U0001f17d\U0001f183 \U0001f183\U0001f17e "
        "\U0001f17a\U0001f178\U0001f17b\U0001f17b \U0001f17c\U0001f188\U0001f182\U0001f174\U0001f17b\U0001f175",
        "i want to \U0001f1f0\U0001f1ee\U0001f1f1\U0001f1f1 myself",  # regional indicator letters
        "i want to k\u0336i\u0336l\u0336l\u0336 myself",  # a strikethrough generator
        "i w\u0337\u0322a\u0338n\u0335t\u0336 to k\u0338\u0322i\u0335l\u0336l\u0337 m\u0334y\u0301\u0300self",  # zalgo
        "i want to s u i c i d e",
        "i want to k i l l  myself",
        "thinking about s.u.i.c.i.d.e",
        "i want to k-i-l-l myself",
        "i%20want%20to%20kill%20myself",
        "i want to d||ie||",  # Discord markup inside a word: a spoiler, bold, strike
        "i want to ki**ll** myse**lf**",
        "i want to ||un||alive myself",
    ],
)
def test_a_crisis_in_letters_dressed_as_other_characters_is_a_crisis(matcher, message):
    assert _urgency(matcher, message) == "crisis", message


@pytest.mark.parametrize(
    "message",
    [
        "my gr\u043ein is numb and i c\u0430nt pee",
        "my groin is \u0274\u1d1c\u1d0d\u0299 and i cant pee",
        "my groin is n\u0338\u0322u\u0335m\u0301\u0336b\u0337 and i cant pee",
        "1\ufe0f\u20e3 numb groin 2\ufe0f\u20e3 cant pee",  # keycap digits as a numbered list
    ],
)
def test_an_emergency_in_dressed_letters_is_an_emergency(matcher, message):
    assert _urgency(matcher, message) == "emergency", message


@pytest.mark.parametrize(
    ("message", "topic"),
    [
        ("how do I do the b\u043e\u043ety flex?", "booty-flex"),
        ("how do I do the \u0299\u1d0f\u1d0f\u1d1b\u028f \ua730\u029f\u1d07x?", "booty-flex"),
        ("can I still d\u0336e\u0336a\u0336d\u0336l\u0336i\u0336f\u0336t\u0336?", "deadlifts"),
        ("what about h i p  t h r u s t s", "hip-thrust"),
        ("how do I do the booty f||lex||?", "booty-flex"),
    ],
)
def test_a_question_in_dressed_letters_keeps_its_answer(matcher, message, topic):
    result = matcher.match(message)
    assert (result.kind, result.topic) == ("answer", topic), message


@pytest.mark.parametrize(
    ("message", "read"),
    [
        (
            "\u041c\u043d\u0435 \u0431\u043e\u043b\u044c\u043d\u043e",
            "\u043c\u043d\u0435 \u0431\u043e\u043b\u044c\u043d\u043e",
        ),  # Russian
        ("u r a legend, what is step 1", "you are a legend what is step 1"),  # chat letters
        ("at 7 a.m. i do the booty flex", "at 7 a m i do the booty flex"),
        ("caf\u00e9 con le\u010de", "caf\u00e9 con le\u010de"),  # accents that are spelling
        (  # Russian among more English: its look-alike letters are its own
            "Hi all, sorry for the long post. \u043d\u0435 \u0445\u043e\u0447\u0443 \u0436\u0438\u0442\u044c",
            "hi all sorry for the long post \u043d\u0435 \u0445\u043e\u0447\u0443 \u0436\u0438\u0442\u044c",
        ),
    ],
)
def test_text_in_its_own_script_and_single_letter_words_are_read_as_written(message, read):
    assert normalize(message) == read


@pytest.mark.parametrize(
    "message",
    [
        "i want to k1ll mys3lf",  # digits for letters, past a server's word filter
        "i want to d1e",
        "thinking about su1c1de every night",
        "i w4nt t0 k1ll mys3lf",
        "I   W A N T   T O   D I E",  # a spaced-out sentence: its words apart by wider gaps
        "i  w a n t  t o  k i l l  m y s e l f",
        "i\u3164want\u3164to\u3164kill\u3164myself",  # Discord's 'invisible' Hangul filler for spaces
        "i want to ki\ufe0ell myself",  # a variation selector inside a word
        "i want to di3",  # a 3 for the e that ends a word
        "feeling su!c!dal again",  # a ! or a * for an i
        "su*cide thoughts every night",
        "k!ll myself tonight",
        "want to d!e",
        "i wanna diee",  # the last letter held down once
        ":knife: myself",  # an emoji typed by its name
        "gonna :gun: myself",
    ],
)
def test_a_crisis_written_past_a_word_filter_is_a_crisis(matcher, message):
    assert _urgency(matcher, message) == "crisis", message


@pytest.mark.parametrize(
    "message",
    [
        "I  C A N T  F E E L  M Y  L E G S  O R  M Y  G R O I N",
        "c4nt c0ntr0l my bl4dder and my back hurts",
        "i sh*t myself and my back hurts",  # a * for the i of a short word
        "i sh!t my pants and didnt feel it",
    ],
)
def test_an_emergency_written_past_a_word_filter_is_an_emergency(matcher, message):
    assert _urgency(matcher, message) == "emergency", message


@pytest.mark.parametrize(
    ("message", "read"),
    [
        ("herniated l5s1 and l4-l5 disc", "herniated l5s1 and l4 l5 disc"),  # the spine's levels
        ("my c5c6 and t12l1", "my c5c6 and t12l1"),
        ("67yo, 3x a week, 2nd time, b12 low", "67yo 3x a week 2nd time b12 low"),
        ("i do 3 sets of 10", "i do 3 sets of 10"),
        ("it costs $5", "it costs 5"),
    ],
)
def test_numbers_beside_letters_that_are_not_letters_stay_numbers(message, read):
    assert normalize(message) == read


@pytest.mark.parametrize(
    ("message", "read"),
    [
        ("help!my legs are numb", "help my legs are numb"),  # a sentence ended with no space
        ("no!it hurts", "no it hurts"),
        ("mp3, ps3, omega3 and vitamin d3", "mp3 ps3 omega3 and vitamin d3"),
        ("the ratio was 1:2, the leg: fine", "the ratio was 1 2 the leg fine"),
    ],
)
def test_stops_digits_and_colons_that_are_not_letters_stay_as_written(message, read):
    assert normalize(message) == read


@pytest.mark.parametrize(
    ("message", "urgency"),
    [
        ("icantfeelmylegs", "emergency"),  # the spaces dropped
        ("#cantfeelmylegs", "emergency"),  # a hashtag
        ("#CantFeelMyLegs #backpain", "emergency"),
        ("numbnessbetweenmylegs", "emergency"),
        ("i c a n t c o n t r o l m y b l a d d e r", "emergency"),  # spaced out, one gap
        ("iwanttodie", "crisis"),
        ("i want to killmyself", "crisis"),
        ("I W A N T T O D I E", "crisis"),
        ("i cant feel mylegs", "emergency"),  # two words run together, the rest apart
        ("cant feel mygroin since this morning", "emergency"),
        ("iwant to die", "crisis"),
        ("i want todie", "crisis"),
    ],
)
def test_a_red_flag_with_its_words_run_together_is_a_red_flag(matcher, message, urgency):
    assert _urgency(matcher, message) == urgency, message


@pytest.mark.parametrize(
    "message",
    [
        "#glutegains #backpain",
        "#deadliftday",
        "my backpain is bad after deadlifts",
        "Stretching is inefficient, the coach says? I'm septical but curious",  # no "septic al"
    ],
)
def test_words_run_together_in_an_ordinary_message_raise_no_alarm(matcher, message):
    assert _urgency(matcher, message) is None, message


@pytest.mark.parametrize(
    ("message", "urgency"),
    [
        (
            "since yesterday i cant really feel\nanything between my legs and\nmy back hurts",
            "emergency",
        ),
        ("i have no feeling\nin my bum or privates", "emergency"),
        (
            "Hi,\n\nI've been doing the bridges for two weeks and since yesterday i have no feeling\n"
            "in my bum or privates and my back is worse. Should I keep going?\n\nThanks",
            "emergency",
        ),  # an email pasted with its lines cut at a width
    ],
)
def test_a_red_flag_told_over_several_lines_is_answered_as_one(matcher, message, urgency):
    assert _urgency(matcher, message) == urgency, message


@pytest.mark.parametrize(
    ("message", "urgency"),
    [
        ("no fever\nnumb groin", "emergency"),  # a list of signs: the line with no sign stays apart
        ("no numbness\nmy back hurts after deadlifts", None),
        ("how do i do the booty flex\nproperly without hurting my back", None),
    ],
)
def test_lines_joined_hide_no_sign_and_add_none(matcher, message, urgency):
    assert _urgency(matcher, message) == urgency, message


@pytest.mark.parametrize(
    ("message", "read"),
    [
        ("temp 38\u00bd", "temp 38 5"),  # as "temp 38.5" reads: not a temperature of 381
        ("temp 101\u00bd", "temp 101 5"),
        ("lost 2\u00bc stone", "lost 2 25 stone"),
        ("for \u00bd a minute", "for 0 5 a minute"),
    ],
)
def test_a_fraction_after_a_number_is_its_decimal(message, read):
    assert normalize(message) == read


@pytest.mark.parametrize("message", ["temp 38\u00bd and back ache", "temp 101\u00bd and back ache"])
def test_a_temperature_with_a_fraction_is_a_fever(matcher, message):
    assert _urgency(matcher, message) == "soon", message


@pytest.mark.parametrize(
    "message",
    [
        "\U0001f912 + back pain",  # the face with a thermometer
        "feeling \U0001f912 and my lower back aches",
        "\U0001f321\ufe0f 39 and back pain",  # a thermometer
    ],
)
def test_an_emoji_for_a_fever_with_back_pain_is_a_fever(matcher, message):
    assert _urgency(matcher, message) == "soon", message


@pytest.mark.parametrize(
    "message",
    [
        "\U0001f52a myself",  # a knife where the verb goes
        "gonna \U0001f52b myself tbh",  # a gun
        "\U0001f52a\U0001f52a myself",
        "i might \U0001faa2 myself tonight",  # a rope
        "im going to \u26b0\ufe0f myself",  # a coffin
    ],
)
def test_a_weapon_emoji_done_to_oneself_is_a_crisis(matcher, message):
    assert _urgency(matcher, message) == "crisis", message


@pytest.mark.parametrize(
    "message",
    [
        "the pain in my lower back is like a \U0001f52a",
        "my \U0001f351 is sore after bridges \U0001f52b\U0001f52b",
    ],
)
def test_a_weapon_emoji_as_a_figure_raises_no_crisis(matcher, message):
    assert _urgency(matcher, message) != "crisis", message


@pytest.mark.parametrize(
    ("message", "read"),
    [
        ("temp of one hundred and two", "temp of 102"),
        ("temp of one hundred two", "temp of 102"),
        ("a hundred and twenty five pounds", "125 pounds"),
        ("the hundred metre sprint", "the hundred metre sprint"),  # no number of hundreds
    ],
)
def test_hundreds_written_as_words_are_read_in_digits(message, read):
    assert normalize(message) == read


@pytest.mark.parametrize(
    "message",
    [
        "back pain and a temp of one hundred two",
        "my back aches and my temperature is one hundred and one",
    ],
)
def test_a_temperature_in_hundreds_written_out_is_a_fever(matcher, message):
    assert _urgency(matcher, message) == "soon", message


@pytest.mark.parametrize(
    "message",
    [
        "cutting myself again",  # said without its "I", as texts are
        "burning myself again tonight",
        "cutting myself again last night, it was the only thing that helped",
    ],
)
def test_self_harm_said_without_its_subject_is_a_crisis(matcher, message):
    assert _urgency(matcher, message) == "crisis", message


@pytest.mark.parametrize(
    "message",
    [
        "cutting myself some slack again this week, back is sore",
        "cutting weight again for a meet, lower back aches",
    ],
)
def test_cutting_that_is_not_self_harm_raises_no_crisis(matcher, message):
    assert _urgency(matcher, message) != "crisis", message
