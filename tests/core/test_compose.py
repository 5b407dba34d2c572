"""What the bot says for a match: red flags, crisis, step-aware exercise answers, clarify, no match.

The matches are built here (a red flag through the real safety screen), so these tests judge the
wording rules of bot/core/compose.py alone, whatever the matcher decides for a given question.
"""

from __future__ import annotations

import pytest

from bot.core.compose import bullets, reply_for, topic_reply
from bot.core.match_result import Candidate, MatchResult
from bot.core.replies import FIELD_VALUE_LIMIT
from bot.core.safety import screen

EXERCISE_WORDS = ("booty", "glute", "stretch", "thrust", "deadlift", "rounds", "your step")


def red_flag(kb, message: str) -> MatchResult:
    flag = screen(kb.safety, message)
    assert flag is not None, message
    return MatchResult("red_flag", None, 1.0, red_flag=flag)


def answer(topic: str, *, others: tuple[str, ...] = (), **kw) -> MatchResult:
    candidates = tuple(Candidate(t, 0.5) for t in (topic, *others))
    return MatchResult("answer", topic, 0.9, candidates=candidates, **kw)


def step_name(kb, step: int) -> str:
    return kb.step_topic(step).title.split(":", 1)[-1].strip()


def everything(reply) -> str:
    return "\n".join([reply.title, reply.body, *(f.name + " " + f.value for f in reply.fields)])


# -- red flags and crisis -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "urgency", "where"),
    [
        ("my groin went numb after deadlifts, can I still train?", "emergency", "emergency"),
        ("lost 8 kilos without trying and my back hurts", "soon", "doctor"),
    ],
)
def test_a_red_flag_reply_names_where_to_seek_care_and_gives_no_exercise_advice(
    kb, message, urgency, where
):
    reply = reply_for(kb, red_flag(kb, message), person_step=3, known_person=True)

    assert reply.kind == "red_flag" and reply.urgency == urgency
    assert where in reply.body.lower()
    assert reply.private, "a red-flag answer is shown to the person alone"
    assert reply.actions == () and reply.candidates == ()
    assert reply.step is None and reply.topic is None
    assert [f.name for f in reply.fields] == ["Warning signs that need a clinician"]
    assert all(sign in reply.fields[0].value for sign in kb.safety.warning_signs)
    for word in EXERCISE_WORDS:
        assert word not in reply.body.lower(), word
    assert reply.footer == kb.safety.disclaimer


def test_a_crisis_reply_has_crisis_lines_and_no_disclaimer_or_sign_list(kb):
    reply = reply_for(kb, red_flag(kb, "honestly I don't want to be alive anymore with this pain"))

    assert reply.kind == "red_flag" and reply.urgency == "crisis" and reply.private
    assert "988" in reply.body and "116 123" in reply.body
    assert "emergency number" in reply.body
    assert reply.footer is None, "no 'not medical advice' line under a crisis answer"
    assert reply.fields == () and reply.actions == ()
    for word in EXERCISE_WORDS:
        assert word not in reply.body.lower(), word


def test_a_crisis_with_a_body_that_needs_care_now_says_so_in_the_crisis_reply(kb):
    alone = reply_for(kb, red_flag(kb, "honestly I don't want to be alive anymore with this pain"))
    both = reply_for(
        kb,
        red_flag(kb, "honestly I don't want to be alive anymore, and my groin has gone numb"),
    )
    assert both.urgency == "crisis" and "988" in both.body
    assert both.body.startswith(alone.body) and len(both.body) > len(alone.body)
    assert "emergency department" in both.body and "emergency department" not in alone.body
    assert both.fields == () and both.footer is None, "still the short crisis reply"


# -- exercise answers and the person's step ------------------------------------------------------


def test_a_later_step_says_which_step_the_person_is_on_and_what_comes_first(kb):
    reply = topic_reply(kb, kb.topics["hip-thrust"], person_step=2, known_person=True)

    assert f"you're on step 2, {step_name(kb, 2)}" in reply.body
    assert "Step 4 comes later: first work through steps 2 to 3" in reply.body
    assert "easy and pain-free" in reply.body


def test_the_next_step_up_names_only_the_current_one(kb):
    reply = topic_reply(kb, kb.topics["glute-stretch"], person_step=1, known_person=True)

    assert "Step 2 comes later: first work through step 1," in reply.body


def test_the_persons_own_step_says_stay_until_it_is_easy(kb):
    reply = topic_reply(kb, kb.topics["booty-flex"], person_step=1, known_person=True)

    assert "this is your step right now" in reply.body
    assert "Stay here until it is easy and pain-free" in reply.body


def test_on_the_last_step_no_answer_tells_the_person_to_move_up(kb):
    top = kb.max_step
    for topic in kb.topics.values():
        reply = topic_reply(kb, topic, person_step=top, known_person=True)
        line = reply.body.partition("**Your step:**")[2]
        assert "move up" not in line.lower(), topic.id
        assert "Stay here until" not in reply.body, topic.id
    overview = topic_reply(
        kb, kb.topics["progression-overview"], person_step=top, known_person=True
    )
    assert "top of the ladder" in overview.body
    own = topic_reply(kb, kb.step_topic(top), person_step=top, known_person=True)
    assert "the last one: keep it up" in own.body


def test_an_earlier_step_says_the_person_is_past_it(kb):
    reply = topic_reply(kb, kb.topics["booty-flex"], person_step=3, known_person=True)

    assert f"you're past this one (you're on step 3, {step_name(kb, 3)})" in reply.body


def test_a_gym_exercise_tells_a_newcomer_everyone_starts_at_step_1(kb):
    new = topic_reply(kb, kb.topics["deadlifts"], person_step=1, known_person=False)
    known = topic_reply(kb, kb.topics["deadlifts"], person_step=2, known_person=True)

    assert f"you're on step 1, {step_name(kb, 1)}" in new.body
    assert "Everyone starts at step 1" in new.body
    assert f"you're on step 2, {step_name(kb, 2)}" in known.body
    assert "That is where you are on the ladder" in known.body


def test_asking_which_step_to_be_on_answers_with_the_persons_own_step(kb, matcher):
    match = matcher.match("which step should I be on?", person_step=3)
    reply = reply_for(kb, match, person_step=3, known_person=True)

    assert match.topic == "progression-overview"
    assert f"you're on step 3, {step_name(kb, 3)}" in reply.body


def test_an_information_topic_has_no_step_line(kb):
    reply = topic_reply(kb, kb.topics["sitting"], person_step=2, known_person=True)

    assert "Your step" not in reply.body


def test_moving_up_says_why_and_shows_the_rule_instead_of_the_step_line(kb):
    match = answer("glute-stretch", intent="move_up", from_step=1)
    reply = reply_for(kb, match, person_step=1, known_person=True)

    assert reply.body.startswith("*Sounds like step 1 is easy for you now, so here's step 2.*")
    assert "Your step" not in reply.body
    assert ("The rule", kb.progression.move_up.strip()) in [(f.name, f.value) for f in reply.fields]


def test_moving_up_from_the_last_step_says_it_is_the_top(kb):
    top = kb.max_step
    match = answer(kb.step_topic(top).id, intent="move_up", from_step=top)
    reply = reply_for(kb, match, person_step=top, known_person=True)

    assert reply.body.startswith(f"*You're at the top of the ladder: step {top} is the last step.*")


def test_a_step_that_hurts_goes_back_with_the_go_back_rule(kb):
    match = answer("booty-flex", intent="go_back", from_step=2)
    reply = reply_for(kb, match, person_step=2, known_person=True)

    assert reply.body.startswith("*If step 2 hurts your low back, go back to step 1.*")
    assert ("The rule", kb.progression.go_back.strip()) in [(f.name, f.value) for f in reply.fields]
    assert "next_step" not in [a.kind for a in reply.actions]  # no button back to what hurts


def test_easy_now_about_the_persons_own_step_offers_the_move_carrying_that_step(kb):
    match = answer(kb.step_topic(2).id, intent="move_up", from_step=1)
    reply = reply_for(kb, match, person_step=1, known_person=True)

    move = reply.actions[0]
    assert (move.kind, move.label, move.value) == ("move_up", "Move me up to step 2", "1")
    assert move.hint_with("press it") == (
        "I haven't changed your step: if step 1 is easy and pain-free, press it."
    )


def test_it_hurts_about_the_persons_own_step_offers_to_go_back(kb):
    match = answer(kb.step_topic(1).id, intent="go_back", from_step=2)
    reply = reply_for(kb, match, person_step=2, known_person=True)

    assert [(a.kind, a.label, a.value) for a in reply.actions if a.kind == "go_back"] == [
        ("go_back", "Go back to step 1", "2")
    ]


def test_no_move_is_offered_for_another_step_the_top_or_a_step_asked_as_if(kb):
    top = kb.max_step
    moves = ("move_up", "go_back")
    others = reply_for(
        kb, answer(kb.step_topic(3).id, intent="move_up", from_step=2), person_step=1
    )
    at_top = reply_for(
        kb, answer(kb.step_topic(top).id, intent="move_up", from_step=top), person_step=top
    )
    as_if = reply_for(
        kb,
        answer(kb.step_topic(2).id, intent="move_up", from_step=1),
        person_step=1,
        offer_move=False,
    )

    for reply in (others, at_top, as_if):
        assert not [a for a in reply.actions if a.kind in moves]


def test_a_step_answer_offers_the_next_step_and_its_routine(kb):
    reply = topic_reply(kb, kb.topics["booty-flex"])
    last = topic_reply(kb, kb.step_topic(kb.max_step))

    assert [(a.kind, a.value) for a in reply.actions] == [
        ("next_step", "2"),
        ("start_routine", "booty-flex"),
    ]
    assert "next_step" not in [a.kind for a in last.actions], "no step after the last one"


def test_dose_cues_and_mistakes_are_listed_in_fields(kb):
    topic = kb.topics["booty-flex"]
    fields = {f.name: f.value for f in topic_reply(kb, topic).fields}

    assert fields["Dose"] == "\n".join(f"• {line}" for line in topic.dose)
    assert topic.cues[0] in fields["Form cues"] and topic.mistakes[0] in fields["Common mistakes"]


def test_a_list_too_long_for_a_discord_field_is_cut_to_fit():
    assert len(bullets(["x" * 700, "y" * 700])) == FIELD_VALUE_LIMIT


def test_not_what_i_asked_is_offered_only_when_there_are_other_candidates(kb):
    alone = reply_for(kb, answer("deadlifts"))
    with_others = reply_for(kb, answer("deadlifts", others=("squats", "no-such-topic")))

    assert "not_what_i_asked" not in [a.kind for a in alone.actions]
    assert "not_what_i_asked" in [a.kind for a in with_others.actions]
    assert [c.topic for c in with_others.candidates] == ["squats"]


def test_an_answer_names_its_source_and_the_disclaimer(kb):
    reply = topic_reply(kb, kb.topics["deadlifts"])
    project = topic_reply(kb, kb.topics["help"])

    assert (
        reply.footer
        == f"Source: {kb.source_titles(kb.topics['deadlifts'])} · {kb.safety.disclaimer}"
    )
    assert project.footer == kb.safety.disclaimer, "the bot's own help cites no article"
    assert project.kind == "help"


# -- clarify, no match, nothing asked -------------------------------------------------------------


def test_clarify_offers_each_candidate_with_its_summary_and_a_choice(kb):
    match = MatchResult(
        "clarify",
        "deadlifts",
        0.5,
        candidates=(Candidate("deadlifts", 0.5), Candidate("squats", 0.49)),
    )
    reply = reply_for(kb, match)

    assert reply.kind == "clarify"
    assert f"**1.** {kb.topics['deadlifts'].title}: {kb.topics['deadlifts'].summary}" in reply.body
    assert f"**2.** {kb.topics['squats'].title}: {kb.topics['squats'].summary}" in reply.body
    assert [(a.kind, a.value) for a in reply.actions] == [
        ("choose_topic", "deadlifts"),
        ("choose_topic", "squats"),
    ]


def test_an_uncovered_back_subject_is_named_and_sent_to_a_professional(kb):
    gap = kb.gaps["ice-heat"]
    reply = reply_for(kb, MatchResult("no_match", None, 0.2, gap=gap, words=("ice",)))

    assert reply.kind == "no_match"
    assert f"I don't have a curated answer about {gap.subject}" in reply.body
    assert "physiotherapist or your doctor" in reply.body
    assert reply.candidates == ()


def test_an_uncovered_subject_away_from_the_back_is_not_sent_to_a_doctor(kb):
    gap = kb.gaps["nutrition"]
    reply = reply_for(kb, MatchResult("no_match", None, 0.2, gap=gap, words=("protein",)))

    assert gap.subject in reply.body
    assert "doctor" not in reply.body and "physiotherapist" not in reply.body


def test_no_match_says_so_and_lists_what_the_bot_can_help_with(kb):
    match = MatchResult(
        "no_match",
        None,
        0.1,
        candidates=tuple(Candidate(t, 0.1) for t in ("squats", "deadlifts", "sitting", "rest")),
        words=("juggling",),
    )
    reply = reply_for(kb, match)

    assert reply.kind == "no_match"
    assert "I'd rather say so than guess" in reply.body
    [helps] = reply.fields
    steps = " → ".join(step_name(kb, s) for s in range(1, kb.max_step + 1))
    assert helps.name == "What I can help with" and steps in helps.value
    assert [c.topic for c in reply.candidates] == ["squats", "deadlifts", "sitting"]


def test_a_message_with_no_question_in_it_asks_for_one(kb):
    reply = reply_for(kb, MatchResult("no_match", None, 0.0))

    assert reply.kind == "error" and reply.title == "Ask me a question"
    assert "in your own words" in reply.body
