"""The red-flag screen on wordings nobody wrote into a pattern: concepts, negation, crisis, hyperbole."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.core.compose import reply_for
from bot.core.safety import screen, sentences
from bot.core.text import normalize
from tests.dressings import dresses_for


@pytest.mark.parametrize(
    ("message", "urgency"),
    [
        # a symptom word and a place word in one sentence, whatever lies between
        ("after power cleans my genitals fell asleep for a couple of minutes", "emergency"),
        ("bent over and now theres very slight numbness around my buttock and groin", "emergency"),
        ("kinda tingly feeling in my private parts since my back went", "emergency"),
        ("I keep leaking a little pee since the back pain started", "emergency"),
        ("it's getting harder to start peeing and my back is killing me", "emergency"),
        ("my left leg has been getting weaker every day this week", "emergency"),
        ("chest pain that goes through to my back", "emergency"),
        ("there's a pulsing feeling in my belly and my lower back aches", "emergency"),
        ("got knocked onto cement playing ball and my back hurts since", "soon"),
        ("lower back pain and I noticed blood in my urine", "soon"),
        ("new severe pain in my lower back and it wakes me up in the night", "soon"),
        ("I'm 63 and my leg burns after a short walk", "soon"),
        ("had breast cancer a few years ago. Now my lower back aches.", "soon"),
        ("lost 8 kilos without trying and my back hurts", "soon"),
        ("back pain plus chills and I feel awful", "soon"),
        ("been on prednisone for years and suddenly my back hurts", "soon"),
        ("which doctor should I see for back pain", "ask"),
        ("how long is too long for back pain to last", "ask"),
    ],
)
def test_concepts_catch_wordings_no_pattern_names(kb, message, urgency):
    flag = screen(kb.safety, message)
    assert flag is not None, message
    assert flag.group.urgency == urgency, (flag.group.id, flag.kind, flag.matched)


@pytest.mark.parametrize(
    "message",
    [
        "my back pain is so bad I want to kill myself",
        "honestly I don't want to be alive anymore with this pain",
        "some days I think everyone would be better off without me",
        "I've been having thoughts of hurting myself since the pain started",
        "what's the point anymore, nothing ever fixes my back",
        "I wish I could just fall asleep and never wake up again",
        "nobody would miss me if I wasn't around",
        "looked up how many pills it would take",
        # the words people use where a word is filtered, and despair said as a question or a date
        "thinking about sewerslide tbh, three years of this back pain",
        "i just want to self delete at this point",
        "what's the point of anything anymore with this pain",
        "can't see myself still being here by christmas",
        "i won't be around much longer, my back is ruined",
        # in the other languages the screen reads
        "quiero morir, el dolor de espalda no para",
        "je veux mourir tellement j'ai mal au dos",
        "non voglio più vivere con questo mal di schiena",
    ],
)
def test_self_harm_is_a_crisis_above_every_other_group(kb, message):
    flag = screen(kb.safety, message + ". Also numbness in my groin.")
    assert flag is not None and flag.group.urgency == "crisis"
    # ...and the numbness is not forgotten: the crisis reply carries the emergency's line too
    assert flag.also is not None and flag.also.urgency == "emergency"
    assert screen(kb.safety, message).also is None


def test_a_crisis_in_a_very_long_post_keeps_the_emergency_told_in_another_part(kb):
    filler = " ".join(["My physio appointment went fine and we talked about hip thrusts."] * 70)
    post = f"My groin has gone numb since Sunday. {filler} Honestly I want to kill myself."
    flag = screen(kb.safety, post)
    assert flag is not None and flag.group.urgency == "crisis"
    assert flag.also is not None and flag.also.urgency == "emergency"


@pytest.mark.parametrize(
    "message",
    [
        "these deadlifts are killing me",
        "suicide squats destroyed my legs yesterday",
        "leg day killed me, I could die lol my glutes are dead",
        "no numbness or tingling in my groin, just tight hips",
        "I didn't fall, I just bent over wrong",
        "my legs feel weak after leg day, is that normal",
        "my glutes are asleep, how do I wake them up",
        "does the lying leg curl feel weak at first?",
        "is the leg press ok",
        "in the fall I started doing hip thrusts",
        "what's the best exercise for my glutes",
        "what's the point of doing the booty flex if my back still hurts",
        "I self delete my old reddit posts about my back",
        "I can't see myself being here at the gym next year, my back needs a break",
        "I won't be around next week, what should I do for my back while travelling",
    ],
)
def test_everyday_gym_talk_is_not_a_red_flag(kb, message):
    flag = screen(kb.safety, message)
    assert flag is None, (message, flag and (flag.group.id, flag.kind, flag.matched))


PROBES = yaml.safe_load((Path(__file__).parent / "safety_probes.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("message", PROBES["red_flags"])
def test_red_flags_in_other_words(kb, message):
    assert screen(kb.safety, message) is not None, message


@pytest.mark.parametrize("message", PROBES["not_red_flags"])
def test_other_words_that_are_not_red_flags(kb, message):
    flag = screen(kb.safety, message)
    assert flag is None, (message, flag and (flag.group.id, flag.kind, flag.matched))


def test_a_negation_reaches_only_its_own_clause(kb):
    assert screen(kb.safety, "no pain in my hips but my groin went numb") is not None
    assert screen(kb.safety, "no pain in my hips. My groin went numb.") is not None


def test_sentences_split_on_punctuation_not_on_decimals():
    # a decimal reads as normalize reads it ("38 5"), so "38.5 degrees" is still a temperature
    assert sentences("I lift 2.5 kg. It hurts!\nWhy?") == ["i lift 2 5 kg", "it hurts", "why"]
    assert sentences("I have 38.5 degrees.") == [normalize("I have 38.5 degrees")]


def test_crisis_reply_is_warm_short_and_has_crisis_lines_without_exercise(kb, matcher):
    reply = reply_for(kb, matcher.match("my back pain is so bad I want to kill myself"))
    text = reply.body
    assert reply.kind == "red_flag" and reply.urgency == "crisis" and reply.private
    assert "988" in text and "116 123" in text and "emergency number" in text
    assert not reply.fields, "no warning-sign list or anything else after the crisis lines"
    assert len(text) < 1000
    for exercise in ("booty", "squeeze", "glute", "stretch", "step"):
        assert exercise not in text.lower()


def test_red_flag_reply_lists_warning_signs_and_no_exercise(kb, matcher):
    reply = reply_for(kb, matcher.match("my genitals fell asleep after cleans"))
    assert reply.kind == "red_flag" and reply.urgency == "emergency"
    assert reply.fields and "Warning signs" in reply.fields[0].name
    assert "booty flex" not in reply.body.lower()


@pytest.mark.parametrize(
    "message",
    [
        "my lower back wakes me at 3am most nights and nothing I do eases it",
        "it only hurts when I lie down in bed, during the day I'm fine",
        "fell off my bike onto the kerb yesterday and my back is killing me",
        "finished radiotherapy last year and my back has started aching",
    ],
)
def test_soon_red_flags_get_see_a_doctor_and_no_exercise(kb, matcher, message):
    reply = reply_for(kb, matcher.match(message))
    assert reply.kind == "red_flag" and reply.urgency == "soon", message
    assert "doctor" in reply.body.lower()
    for exercise in ("booty flex", "hip thrust", "squeeze your glutes", "routine"):
        assert exercise not in reply.body.lower()


@pytest.mark.parametrize(
    "message",
    [
        "no fever, just sore",
        "no fever or chills, my back is just sore after deadlifts",
        "I didn't fall or anything, it's just tight after squats",
        "never had cancer, my back just aches after sitting all day",
        # everyday stories that use the screen's words: an early session, an age, a first time,
        # a braced breath, a sore chest from the bench, a figure of speech
        "I wake up at 5 to train and my back is a bit stiff, should I warm up longer?",
        "I do yoga at 5 in the morning and my back feels great afterwards.",
        "I'm 55 and new to the gym. Which exercises are safe for my back?",
        "My 70 year old mum wants to strengthen her glutes, where should she start?",
        "First time doing deadlifts yesterday and my lower back is sore today.",
        "I tweaked my back picking up my kid, it's better today than yesterday.",
        "When I take a deep breath and brace, my belly pushes out. Is that right?",
        "Breathing exercises for back pain: do they help?",
        "My chest is sore after bench day and my back is tight from rows.",
        "Should I just walk it off? My back is a bit sore after the hike.",
        "I slipped into bad habits and stopped stretching, now my back is tight.",
        "I've been losing weight on purpose and my back aches after cardio.",
        "My back has been getting better every day since I strained it.",
    ],
)
def test_a_denied_symptom_gets_the_ordinary_answer_not_the_warning(matcher, message):
    """The whole matcher, second net included: a symptom named only to say it is absent, or the
    screen's words in an everyday story."""
    assert matcher.match(message).kind != "red_flag", message


# A story of several sentences in which the worrying detail is one clause, said the way people
# write: times of night in words and digits, ages in words or said of a parent, "for the first
# time", fainting, pain on breathing, legs that give way.
@pytest.mark.parametrize(
    ("message", "urgency"),
    [
        (
            "Been lifting a couple of years without trouble. Did light rows on Tuesday, nothing "
            "crazy. Went to bed fine but woke around three with a deep grinding ache in my lower "
            "back and was pacing the kitchen until sunrise.",
            "soon",
        ),
        ("Every night about 2am the throbbing in my spine jolts me awake.", "soon"),
        ("I'm seventy-one and for the first time in my life my lower back hurts.", "soon"),
        ("My dad is 78. He has never had back trouble, but this week it started aching.", "soon"),
        ("At 66 I never expected back pain, but it came on last week out of the blue.", "soon"),
        ("It hurts in my back whenever I take a deep breath.", "emergency"),
        ("When I breathe in I get a stabbing pain under my shoulder blade.", "emergency"),
        ("Sharp pain between my shoulder blades and right across my chest.", "emergency"),
        ("Burning pain in my upper abdomen that goes straight through to my back.", "emergency"),
        ("The spasm was so bad I blacked out and came to on the kitchen floor.", "soon"),
        ("Out walking the dog yesterday and my legs just went out from under me.", "soon"),
        ("Since my back went my wife says I walk funny, like I've had a few drinks.", "soon"),
        ("My lower back pain keeps getting worse and worse, now it's there day and night.", "soon"),
        ("Is this something I should get checked out, or will my back settle by itself?", "ask"),
        ("It's been two months. Is that something a doctor should look at?", "ask"),
        ("I've gone numb from the waist down since lifting that sofa.", "emergency"),
        ("Since yesterday I've had to push to get my pee out and my back is agony.", "emergency"),
    ],
)
def test_a_worrying_clause_in_a_longer_story_gets_the_seek_care_reply(
    kb, matcher, message, urgency
):
    reply = reply_for(kb, matcher.match(message))
    assert reply.kind == "red_flag", message
    assert reply.urgency == urgency, (message, reply.urgency)
    body = reply.body.lower()
    assert "doctor" in body or "medical help" in body or "emergency" in body
    for exercise in ("booty flex", "hip thrust", "squeeze your glutes", "sets of", "reps"):
        assert exercise not in body, (message, exercise)


def test_a_red_flag_anywhere_in_a_long_post_is_found(kb):
    """A story longer than the matcher reads at once is screened whole: the symptom may come at
    its end, or in its middle, where neither the start nor the end the matcher keeps would show it."""
    story = "I sit at a desk all day and my lower back has been tight for months. " * 90
    assert len(story) > 6000
    for post in (
        story + "Since Tuesday I can't feel my groin and I wet myself.",
        story[:3000] + " Since Tuesday I can't feel my groin and I wet myself. " + story,
    ):
        flag = screen(kb.safety, post)
        assert flag is not None and flag.group.urgency == "emergency"
    assert screen(kb.safety, story) is None


def test_chatter_around_a_red_flag_does_not_hide_it_nor_make_one(matcher):
    """A greeting before a message, thanks, "pls help" or "lol" after it, or a sentence about the
    post itself ("long time lurker, first post"), change no verdict. Each probe is dressed five
    ways, the dresses taken in turn, so every dress meets over two hundred probes of every kind."""
    changed = []
    for label in ("red_flags", "not_red_flags"):
        for index, message in enumerate(PROBES[label]):
            plain = matcher.match(message).kind == "red_flag"
            for dress in dresses_for(index):
                if (matcher.match(dress(message)).kind == "red_flag") != plain:
                    changed.append((label, dress(message)))
    assert not changed, changed


@pytest.mark.parametrize(
    "context",
    ["34M, desk job, I lift 3x a week. ", "Some background: I'm a nurse and on my feet all day. "],
)
def test_a_line_of_context_before_a_red_flag_does_not_hide_it(matcher, context):
    """Who the person is, said first, moves the meaning of the whole message: neither the rules
    (an age that opens a sentence) nor the net (it reads the message without its first sentence
    too) lose the red flag that follows."""
    hidden = [
        message
        for message in PROBES["red_flags"]
        if matcher.match(message).kind == "red_flag"
        and matcher.match(context + message).kind != "red_flag"
    ]
    assert not hidden, hidden


def test_a_negation_reaches_down_a_list_but_not_into_the_next_clause(kb):
    from bot.core.safety import negated_words, sentence_clauses

    def denied(text: str) -> list[str]:
        ((words, opens),) = sentence_clauses(text)
        ws = words.split(" ")
        return [ws[i] for i in sorted(negated_words(ws, kb.safety.negations, frozenset(), opens))]

    assert "weakness" in denied("no numbness, tingling or weakness in my legs")
    assert "tingling" in denied("no numbness, tingling, or weakness")
    assert "fell" not in denied("no fever, fell down the stairs")
    assert "legs" not in denied("no fever, legs weak and numb")
