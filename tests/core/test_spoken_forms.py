"""A red flag told in the words a phone's dictation or a hurried thumb puts down for a warning
sign's own ("know feeling" for "no feeling", "getting week", "my bowls", "lost wait", "b/w my
legs") is answered with the urgency of the words meant; the same words in their ordinary use
("i know", "this week", "a bowl of soup", "can't wait") change no answer."""

from __future__ import annotations

import pytest


def _urgency(matcher, message: str) -> str | None:
    result = matcher.match(message)
    return result.red_flag.group.urgency if result.kind == "red_flag" and result.red_flag else None


@pytest.mark.parametrize(
    "message",
    [
        "know feeling in my groin since this morning",
        "there is know feeling between my legs",
        "ive got know sensation in my saddle area",
        "i have know control of my bladder and my back hurts",
        "i have know control over my bowels",
        "i lost control of my bowls",
        "lost control of my bowl last night and my back is killing me",
        "my legs are getting week and my back hurts",
        "both my legs feel week and heavy",
        "numbness b/w my legs",
        "numb b/w my legs and my back hurts",
        "numbness btwn my legs",
        "i cant p since yesterday and my back hurts",
        "cant p properly and numb down there",
        "numb frm the waist dwn",  # "dwn" for down
        "cant feel me legs",  # "me" for my, as it is said
        "numb round me bum and me back is killing me",
        "lost control of me bladder",
        "i dont feel me legs",
        "i cant feel my groan",  # dictation: groan for groin, weigh for way
        "numbness in my groan and back pain",
        "my legs keep giving weigh",
        "no cap i cant feel my groin",  # a "no" that swears to what follows
        "no joke i wet myself and my back hurts",
        "not even joking my groin is numb",
        "no kidding my groin went numb",
        "my groin is numb no cap",
        "no i cant feel my groin",  # a "no" answering a question, then what is so
        "nope cant feel my groin",
        "no cant pee since yesterday",
        "dont know why my legs are numb",  # not knowing why denies nothing
        "back pain w/o bladder control",  # "w/o": without, as "no" is
        "lower back pain without any bowel control since yesterday",
        "living w/o control of my bladder since my back went",
    ],
)
def test_a_dictated_or_texted_emergency_is_an_emergency(matcher, message):
    assert _urgency(matcher, message) == "emergency", message


@pytest.mark.parametrize(
    "message",
    [
        "ive lost a lot of wait without trying and my back hurts",
        "my back hurts and ive been losing wait for no reason",
        "unexplained wait loss and back pain",
        "i lost ten pounds with out even trying",
        "70 yo f new lbp",  # lbp: low back pain, as forums write it
        "new lbp, 70yo",
        "fell of a ladder and now my back hurts",
    ],
)
def test_a_dictated_warning_sign_gets_seen_soon(matcher, message):
    assert _urgency(matcher, message) == "soon", message


@pytest.mark.parametrize(
    "message",
    [
        "i know the feeling, how long should my glutes stay sore after bridges",
        "does anyone know control exercises for the core",
        "i didnt know feeling sore after bridges was normal",
        "this is week 3 of the program and my glutes feel great",
        "i do the stretch twice a week and my back feels better",
        "i cant wait to lose weight and get stronger",
        "i eat a bowl of oats before my workout",
        "what is step 2 of the program",
        "can you show me leg exercises for my back",
        "i let out a groan every time i bend over",
        "no numbness, no joke, just a stiff back",
        "idc if it hurts a bit, can i still do bridges",
        "i keep hurting myself again doing squats",  # an injury, told with its activity
        "scared of hurting myself again deadlifting",
    ],
)
def test_the_same_words_in_their_ordinary_use_raise_no_alarm(matcher, message):
    assert _urgency(matcher, message) is None, message


@pytest.mark.parametrize(
    "message",
    [
        "i want to kil myself",  # a letter short
        "i want to kil my self",
        "i wan to die",  # "want" as it is said
        "i wan to kill myself",
        "i cant do this no more",  # "no more" for "anymore"
        "i cant take it no more",
        "i just want to dye",  # "dye" for die
        "i wanna dye tonight",
        "i wish i could just dye",
        "i started hurting myself again",  # self-harm told without its means
        "ive been hurting myself again",
        "idc if i die",  # "i don't care", short, as texts say it
        "honestly idgaf if i die anymore",
        "idrc if i wake up tomorrow",
    ],
)
def test_a_crisis_typed_as_it_is_said_is_a_crisis(matcher, message):
    assert _urgency(matcher, message) == "crisis", message


@pytest.mark.parametrize(
    "message",
    [
        "i cnt feel my legs",
        "i cnt pee since last night",
        "i carnt feel my legs",  # as it is said
        "i caint pee since last night and my back hurts",
        "i kant feel my legs",
    ],
)
def test_cnt_for_cant_keeps_the_emergency(matcher, message):
    assert _urgency(matcher, message) == "emergency", message


@pytest.mark.parametrize(
    "message",
    ["back pain w/out fever, what stretch helps", "sore back w/out any numbness, ok to squat?"],
)
def test_a_sign_texted_as_absent_raises_no_alarm(matcher, message):
    assert _urgency(matcher, message) is None, message


@pytest.mark.parametrize(
    "message",
    [
        "no more pain after the booty flex, what is next",
        "i want no more flare ups, what should i do",
        "is mp3 music ok during the routine",
        "i want to dye my hair, can i still do the stretches",
        "is it ok to dye it pink before the routine",
    ],
)
def test_no_more_and_numbers_in_names_raise_no_alarm(matcher, message):
    assert _urgency(matcher, message) is None, message


@pytest.mark.parametrize(
    "message",
    [
        "i don't feel my legs",
        "i dont feel my groin since this morning",
        "i don't feel anything down there",
        "i feel nothing in my groin",
        "i can feel nothing between my legs",
        "cant feel nothing below my waist",  # one negative said twice
        "i dont feel nothing in my groin",
        "i can't feel nothing down there",
        "i don't have no feeling in my groin",
        "i aint got no feelin down there",
        "i dont have any feeling in my groin",
        "aint got no control of my bladder",
        "i dont have any control of my bladder",
    ],
)
def test_feeling_lost_told_with_dont_or_two_negatives_is_an_emergency(matcher, message):
    assert _urgency(matcher, message) == "emergency", message


@pytest.mark.parametrize(
    "message", ["i aint got nothing to live for", "i dont got nothing to live for"]
)
def test_nothing_to_live_for_with_two_negatives_is_a_crisis(matcher, message):
    assert _urgency(matcher, message) == "crisis", message


@pytest.mark.parametrize(
    ("message", "urgency"),
    [
        ("i don't feel any numbness in my groin", None),
        ("i dont have no numbness", None),
        ("i don't have any pain in my legs", None),
        ("i feel nothing but a dull ache in my lower back", None),
        ("i dont feel nothing wrong down there", None),
        ("the pain stays in my back, i dont feel it in my legs", None),
        ("i dont feel my age but my back hurts", None),
        ("no i have no numbness, which stretch helps", None),
        ("no my legs are fine, just a stiff back", None),
        ("i feel nothing when i do the booty flex", None),
    ],
)
def test_a_feeling_denied_stays_denied(matcher, message, urgency):
    assert _urgency(matcher, message) == urgency, message


@pytest.mark.parametrize(
    "message",
    [
        "i shit myself last night",
        "i shat myself at work today",
        "i pissed myself in my sleep",
        "crapped myself on the way to the loo",
        "peed my pants this morning without noticing",
    ],
)
def test_wetting_or_soiling_oneself_is_the_bladder_or_bowel_not_self_harm(matcher, message):
    """Saying "... myself" is how self-harm is told too; said of the bladder or the bowel it is the
    emergency about them, not the crisis line."""
    assert _urgency(matcher, message) == "emergency", message


@pytest.mark.parametrize(
    "message",
    [
        "i shit myself last night and honestly i want to die",
        "i peed myself again, i cant do this anymore, i want to end it all",
    ],
)
def test_despair_beside_wetting_oneself_is_still_a_crisis(matcher, message):
    assert _urgency(matcher, message) == "crisis", message


def test_every_expression_that_reads_dont_know_also_reads_idk(kb):
    """The text path writes "dont know" before why, how, what, if... as "idk" (so "dont" denies
    nothing after it): an expression of knowledge/safety.yaml that reads "dont know" must read
    "idk" too, or what it names is lost ("i dont know how to stop hurting myself")."""
    expressions = [p.source for c in kb.safety.concepts.values() for p in c.parts] + [
        p.source for g in kb.safety.groups for p in g.patterns
    ]
    blind = [e for e in expressions if "dont know" in e and "idk" not in e]
    assert not blind, blind


@pytest.mark.parametrize(
    "message",
    [
        "i dont know how to stop hurting myself",
        "i don't know how much longer i can go on",
        "i dont know if i want to be here anymore",
    ],
)
def test_not_knowing_how_to_go_on_is_a_crisis(matcher, message):
    assert _urgency(matcher, message) == "crisis", message
