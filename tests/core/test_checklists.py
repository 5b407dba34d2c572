"""Warning signs checked off one by one as absent ("Fever? No.", "fever: no", "numbness ❌", a
table's row "| fever | no |") are read as denied, as "no fever" is: the question gets its answer,
not an alarm the person has just ruled out. A sign checked off as present, a "no" that tells of
something lost ("able to pee: no", "bladder control: none") and an answer taken back stay red
flags. A clinician's question told with its answer reads the same way: "the doctor asked if I had
numbness, I said no" denies it; "she asked if I could pee, I said no" tells of trouble."""

from __future__ import annotations

import pytest


def _urgency(matcher, message: str) -> str | None:
    result = matcher.match(message)
    return result.red_flag.group.urgency if result.kind == "red_flag" and result.red_flag else None


@pytest.mark.parametrize(
    "message",
    [
        "Fever? No. Numbness? No. Just sore after deadlifts, what now?",
        "fever: no\nnumbness: no\npain: lower back after squats",
        "- fever - none\n- weight loss: nope\n- numb groin? no\nwhich step should I be on?",
        "fever \u274c numbness \u274c just sore after deadlifts",
        "| sign | yes/no |\n|---|---|\n| fever | no |\n| numb groin | no |\n| sore back | yes |",
        "Fever: no\nFalls: no\nWeight loss: no\nNumbness between legs: no\nso what step am I on?",
    ],
)
def test_signs_checked_off_as_absent_raise_no_alarm(matcher, message):
    assert _urgency(matcher, message) is None, message


@pytest.mark.parametrize(
    ("message", "urgency"),
    [
        ("fever: no, numb groin: yes", "emergency"),
        ("- fever: no\n- numb groin: yes", "emergency"),
        ("numb groin \u2705 cant pee \u2705", "emergency"),
        ("fever? no. cant pee since yesterday though", "emergency"),
        ("numbness? no... actually a bit between my legs", "emergency"),
        ("numb groin? nope, just kidding, yes it is numb", "emergency"),
    ],
)
def test_a_sign_checked_off_as_present_is_still_a_red_flag(matcher, message, urgency):
    assert _urgency(matcher, message) == urgency, message


@pytest.mark.parametrize(
    "message",
    [
        "able to pee: no",
        "bladder control: no",
        "feeling down there? none",
        "pee? no, not since yesterday",
        "can you pee? no",  # a question whether one can, answered no: one cannot
        "can u pee? nope",
        "can you feel your groin? no",
    ],
)
def test_a_no_that_tells_of_something_lost_is_not_read_as_a_denial(matcher, message):
    assert _urgency(matcher, message) is not None, message


@pytest.mark.parametrize(
    "message",
    [
        "my doctor asked if i had numbness in my groin, i said no. what stretches help?",
        "the physio asked about fever and bladder problems, i have neither. which step?",
        'doc asked "any numbness between your legs?" and i said no',
        "the nurse asked me if i had any fever and i told her no, so can i keep training?",
    ],
)
def test_a_clinicians_question_answered_no_raises_no_alarm(matcher, message):
    assert _urgency(matcher, message) is None, message


@pytest.mark.parametrize(
    "message",
    [
        "she asked if i could pee, i said no",  # a "no" that tells of something lost
        "the nurse asked if i could feel my groin, i said no",
        "the nurse asked if i had any feeling in my groin, i said no",
        "the doctor asked if i had numbness in my groin, i said no but actually i do",
        "the doctor asked about numbness, i said no, but now my groin is numb",
    ],
)
def test_a_clinicians_question_answered_with_trouble_is_still_a_red_flag(matcher, message):
    assert _urgency(matcher, message) is not None, message
