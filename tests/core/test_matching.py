"""The matcher as a person meets it: their own words, typos, junk, and the safety screen first."""

from __future__ import annotations

import time

import pytest

from bot.core.compose import reply_for


def topic_of(matcher, question, **kw):
    result = matcher.match(question, **kw)
    return result.kind, result.topic


@pytest.mark.parametrize(
    "question, topic",
    [
        ("how do i do the booty flx", "booty-flex"),
        ("hamstirng curl lying down how do i do it for my glutes", "hamstring-curl-stability"),
        ("deadlfits with a sore lower back ok??", "deadlifts"),
        ("hip thrusts bench or floor", "hip-thrust"),
        ("bench or floor for hip thrusts", "hip-thrust"),
        ("my back went out this morning, what do i do", "flare-up"),
        ("think i did my back in moving the sofa", "flare-up"),
        ("is sititng all day bad for my lower back", "sitting"),
        ("why do i feel hip thrutss in my lower back", "hip-thrust"),
        ("is the leg prses safe for my lower back", "leg-press"),
        ("why does my lwoer back hurt when i sit all day", "sitting"),
    ],
)
def test_typos_and_word_order_still_find_the_topic(matcher, question, topic):
    kind, found = topic_of(matcher, question)
    assert kind in ("answer", "clarify") and found == topic


def test_discord_markup_mentions_and_emoji_do_not_change_the_answer(matcher):
    plain = matcher.match("can i still do rdls")
    noisy = matcher.match(
        "<@1234567890> @everyone can i still do **RDLs** 🤔🤔 <:think:987654321>\u200b"
    )
    assert (plain.kind, plain.topic) == (noisy.kind, noisy.topic) == ("answer", "deadlifts")


@pytest.mark.parametrize(
    "junk", ["", "   ", "😭😭😭", "\u200b\u200b", "!!!???", "<@123> @everyone", "\x00\x01"]
)
def test_empty_or_junk_input_gets_a_clear_reply_not_an_exception(kb, matcher, junk):
    result = matcher.match(junk)
    assert result.kind == "no_match" and result.topic is None
    reply = reply_for(kb, result)
    assert reply.kind == "error" and "question" in reply.body.lower()


def test_huge_input_is_bounded_in_time_and_still_answered(matcher):
    question = ("blah " * 2500) + " can i still deadlift with back pain"
    assert len(question) > 10000
    start = time.perf_counter()
    result = matcher.match(question)
    assert time.perf_counter() - start < 0.5
    assert result.kind in ("answer", "clarify", "no_match")


def test_red_flag_wins_over_exercise_advice(kb, matcher):
    result = matcher.match(
        "i lost control of my bladder and my back hurts, can i still do hip thrusts?"
    )
    assert result.kind == "red_flag"
    reply = reply_for(kb, result)
    assert reply.private and reply.actions == ()
    assert "thrust" not in reply.body.lower()


def test_negated_symptoms_are_not_red_flags(matcher):
    for q in (
        "no numbness or anything, just stiff after sitting all day",
        "i didnt fall or anything, it just started hurting after deadlifts",
    ):
        assert matcher.match(q).kind != "red_flag", q


def test_uncovered_back_subject_is_named_honestly(kb, matcher):
    result = matcher.match("should i put ice or heat on my lower back")
    assert result.kind == "no_match" and result.gap is not None
    reply = reply_for(kb, result)
    assert "don't have a curated answer" in reply.body
    assert "physio" in reply.body.lower() or "doctor" in reply.body.lower()


def test_moving_up_from_the_step_the_question_names(matcher):
    kind, topic = topic_of(matcher, "the booty flex is really easy now, whats next")
    assert (kind, topic) == ("answer", "glute-stretch")


def test_moving_to_a_named_step_goes_to_that_step(matcher):
    """ "when do I move to step 3" names where the person is going, not where they are."""
    result = matcher.match("when do i move to step 3", person_step=2)
    assert result.topic == "hamstring-curl-stability" and result.intent == "move_up"


def test_a_step_that_hurts_goes_back_one(matcher):
    kind, topic = topic_of(matcher, "the kneeling hip flexor stretch tugs on my lower back")
    assert kind == "answer" and topic in ("booty-flex", "stretching")


@pytest.mark.parametrize(
    ("question", "back_to"),
    [
        ("my back hurts when i do the kneeling stretch", "booty-flex"),
        ("the kneeling stretch hurts my lower back", "booty-flex"),
        ("lying leg curls hurt my lower back", "glute-stretch"),
        ("my lower back gets sore after hip thrusts", "hamstring-curl-stability"),
    ],
)
def test_a_step_said_to_hurt_in_common_words_goes_back_one(matcher, question, back_to):
    result = matcher.match(question, person_step=4)
    assert (result.kind, result.topic, result.intent) == ("answer", back_to, "go_back")


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("are hip thrusts good for lower back pain", "hip-thrust"),  # what it is for
        ("hip thrusts are great now, my back doesnt hurt anymore", "hip-thrust"),  # pain gone
        ("hip thrusts hurt my lower back, is my form off", "hip-thrust"),  # how it is done
        ("squats hurt my lower back, any tips", "squats"),  # not a step
    ],
)
def test_back_pain_beside_a_step_is_not_always_that_step_hurting(matcher, question, topic):
    result = matcher.match(question, person_step=4)
    assert (result.topic, result.intent) == (topic, None)


def test_whats_next_depends_on_the_persons_step(matcher):
    assert topic_of(matcher, "what's next?", person_step=1) == ("answer", "glute-stretch")
    assert topic_of(matcher, "what's next?", person_step=3) == ("answer", "hip-thrust")


def test_later_step_answer_says_which_step_the_person_is_on(kb, matcher):
    result = matcher.match("how do i do hip thrusts")
    reply = reply_for(kb, result, person_step=1, known_person=True)
    assert reply.topic == "hip-thrust"
    assert "step 1" in reply.body and "Step 4 comes later" in reply.body


def test_answer_names_its_source_and_the_disclaimer(kb, matcher):
    reply = reply_for(kb, matcher.match("can i still deadlift"))
    assert (
        reply.footer and "Source:" in reply.footer and "not medical advice" in reply.footer.lower()
    )


@pytest.mark.parametrize(
    "question",
    ["my back just went out", "My lower back is killing me.", "back went out again"],
)
def test_a_sudden_flare_in_everyday_words_gets_the_flare_up_answer(kb, question):
    # Every word is one most topics share; without the labelled questions, meaning decides.
    from bot.core.matching import Matcher

    assert topic_of(Matcher(kb, examples=None), question) == ("answer", "flare-up")


@pytest.mark.parametrize(
    "complaint", ["my back hurts", "Lower back pain.", "my lower back hurts", "back is so sore"]
)
def test_a_bare_complaint_gets_the_persons_step_not_a_choice_of_topics(matcher, complaint):
    # Words every topic shares, nothing asked: where the person is, whatever the labelled questions
    # nearby lean to; step 3 gets step 3.
    assert topic_of(matcher, complaint) == ("answer", "booty-flex")
    assert topic_of(matcher, complaint, person_step=3) == ("answer", "hamstring-curl-stability")


@pytest.mark.parametrize(
    "flare", ["my back just went out", "my back gave out", "back went out again"]
)
def test_a_bare_complaint_of_a_sudden_flare_gets_the_flare_up_at_any_step(matcher, flare):
    assert topic_of(matcher, flare) == ("answer", "flare-up")
    assert topic_of(matcher, flare, person_step=3) == ("answer", "flare-up")


def test_back_pain_in_general_still_starts_at_the_persons_step(kb):
    from bot.core.matching import Matcher

    words_and_meaning = Matcher(kb, examples=None)
    assert topic_of(words_and_meaning, "my back hurts") == ("answer", "booty-flex")
    assert topic_of(words_and_meaning, "my back hurts", person_step=3)[1] == (
        "hamstring-curl-stability"
    )


@pytest.mark.parametrize(
    "question",
    [
        "my heel is sore after running, what should i stretch",
        "i tweaked my hamstring sprinting, how long until i can run again",
        "how do i get a rounder booty for summer",
        "how to make my bum perkier and round",
        "tips for a thicc juicy booty by next summer?",
        "what exercises shape the bum and make it look better in jeans",
        "pinching in the front of my hip at the bottom of a squat",
        "my hip flexors hurt when i squat deep",
        "how long does a sprained wrist take to heal from lifting",
        "roughly how many calories does a set of glute bridges burn",
        "is it safe to squat heavy with an inguinal hernia",
        "best core exercises to get a flat tummy",
        "my biceps ache after heavy deadlifts with a mixed grip",
        "i have arthritis in both hips, are squats still ok",
        "my abs are sore two days after planks",
        "what should i eat after a heavy squat session",
        "how do i push my deadlift max past 200 kg",
        "sumo vs conventional, which one should a beginner learn",
        "why do some people have flat butts",
        "what are the best squat shoes for a wide stance",
        "should my chin be tucked when i deadlift",
        "how much should i be able to deadlift at 80kg bodyweight",
        "squats or lunges, which is better for glutes?",
        "how many squats a day to tone my bum",
        "how deep should i squat for strength",
        "my glutes are so sore after leg day, is that normal?",
        "best pre workout for leg day",
        "I run a few times a week. Simple exercises to reduce thigh dimples?",
        "how do i fix a saggy bum, glute bridges?",
        "what's the best graphics card for gaming",
        "recommend me a movie",
        "how do i bake sourdough bread",
        "what's the weather in paris",
    ],
)
def test_off_topic_questions_get_no_match(matcher, question):
    """Most share the topics' words (squat, glutes, hamstring, stretch) but are about another body
    part or about looks; the last few share nothing at all."""
    assert matcher.match(question).kind == "no_match"


@pytest.mark.parametrize(
    "question, topic",
    [
        ("should i put my heels on plates when i squat to spare my lower back", "squats"),
        ("squats hurt my lower back, does raising my heels help", "squats"),
        (
            "i swapped deadlifts for hip thrusts and my lower back still aches, is my form off",
            "hip-thrust",
        ),
        ("switched squats for the leg press to spare my back but it hurts more now", "leg-press"),
    ],
)
def test_the_exercise_asked_about_gets_the_answer(matcher, question, topic):
    """Heel-raised squats are still squats; an exercise the question says was swapped out does
    not steal the answer from the one it was swapped for."""
    kind, found = topic_of(matcher, question)
    assert kind in ("answer", "clarify") and found == topic


def test_the_asking_sentence_of_a_long_post_is_not_lost_in_the_story(matcher):
    """The story before the question (a desk job, driving, tight hips) is itself a topic's words;
    the last sentence asks about the leg press, and that is what the answer must be about."""
    post = (
        "I sit at a desk nine hours a day and drive an hour each way, so my hips are always tight "
        "and my lower back aches by the evening. I started lifting in spring. On leg day my lower "
        "back hurts on the leg press when I bring the sled down deep, is that my form?"
    )
    kind, topic = topic_of(matcher, post)
    assert kind in ("answer", "clarify") and topic == "leg-press"


@pytest.mark.parametrize(
    "question",
    [
        "why do hip thrusts cause knee pain?",
        "glute bridges hurt my neck, am i doing them wrong",
        "my shoulders ache from the bar on hip thrusts",
        "does the kneeling stretch wreck your knees",
    ],
)
def test_pain_in_another_body_part_is_declined_even_in_the_programs_exercises(matcher, question):
    assert matcher.match(question).kind == "no_match"


def test_pain_elsewhere_beside_the_back_still_gets_an_answer(matcher):
    kind, topic = topic_of(matcher, "hip thrusts hurt my lower back and my knees, is my form off")
    assert kind in ("answer", "clarify") and topic == "hip-thrust"


def test_back_as_an_adverb_does_not_tie_a_knee_question_to_the_back(matcher):
    question = "my knee pain comes back every time i get back to running, what should i do"
    assert matcher.match(question).kind == "no_match"


def test_the_back_knee_of_a_lunge_is_not_the_back(matcher):
    question = (
        "in reverse lunges my back knee aches when it gets near the floor, how do I fix that?"
    )
    assert matcher.match(question).kind == "no_match"


@pytest.mark.parametrize(
    "question",
    [
        "my lower back hurts so much I can barely move this morning",
        "Bent over to pick up the laundry and now I can't straighten back up, what should I do?",
    ],
)
def test_being_stuck_with_sudden_back_pain_reads_as_a_flare_up(matcher, question):
    kind, topic = topic_of(matcher, question)
    assert kind == "answer" and topic == "flare-up"


@pytest.mark.parametrize(
    "question",
    [
        "heard a pop in my lower back when I stood up from the sofa",
        "hurt my back sneezing in the shower",
    ],
)
def test_a_sudden_strain_no_phrasing_foresaw_still_gets_the_flare_up(matcher, question):
    """Too far from every phrasing to answer on words alone, but it tells of a sudden strain and
    the flare-up is the nearest topic: the flare-up answer, not "no curated answer"."""
    assert topic_of(matcher, question) == ("answer", "flare-up")


def test_a_parent_who_strained_lifting_their_child_is_not_a_child_in_pain(matcher):
    question = (
        "was lifting my daughter out of the car seat and felt a twinge, now I can hardly bend"
    )
    assert matcher.match(question).kind != "red_flag"


def test_no_phrasing_of_a_topic_is_declined_as_out_of_scope(matcher):
    """The scope rule, the subject's words and the uncovered subjects' marks must never turn away
    the way the knowledge base itself says a question (feet on the leg press, heels up, one glute
    bigger than the other, "give me the full plan")."""
    from bot.core.subjects import marked_gap, off_scope, off_subject
    from bot.core.text import normalize

    kb = matcher.kb

    def declined(pattern: str, topic: str) -> bool:
        text = normalize(pattern)
        words = [matcher.typos.correct(w) for w in matcher.question_words(text)]
        return (
            off_scope(kb.scope, text)
            or marked_gap(kb, pattern) is not None
            or (topic != "help" and off_subject(kb.scope, text, words))
        )

    assert [p for t in kb.topics.values() for p in t.patterns if declined(p, t.id)] == []


@pytest.mark.parametrize(
    "question",
    [
        "what should I binge on netflix this weekend",
        "can you help me with my chemistry homework",
        "what's 20 percent of 150",
        "how do I get rid of ants in my kitchen",
        "any good films to watch tonight",
    ],
)
def test_a_question_off_the_whole_subject_is_declined(matcher, question):
    """No word of the body, pain, training or the day: however one word matches a phrasing
    ("netflix" on the couch, the routine as "homework"), it is not a near miss to dress up."""
    assert matcher.match(question).kind == "no_match"


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("deadlfit ok?", "deadlifts"),
        ("lbp from sittin all day", "sitting"),
        ("who made you", "help"),
        ("yo whats up, what do u help with", "help"),
    ],
)
def test_the_subject_is_read_through_typos_and_questions_to_the_bot(matcher, question, expected):
    kind, topic = topic_of(matcher, question)
    assert kind in ("answer", "clarify") and topic == expected


@pytest.mark.parametrize(
    "question",
    [
        "my physio found a bulging disc at L5, which exercises are still ok for me",
        "what can i do about sciatica in my right leg, it has been weeks",
        "doc says i've got mild scoliosis, what should i be doing in the gym",
    ],
)
def test_a_diagnosed_spine_condition_gets_an_honest_no_curated_answer(matcher, question):
    """The articles do not cover discs, sciatica or scoliosis: no nearby topic is stretched to fit."""
    assert matcher.match(question).kind == "no_match"


def test_a_disc_question_is_told_what_the_bot_does_not_cover(matcher):
    gap = matcher.match("my physio found a bulging disc at L5, which exercises are still ok").gap
    assert gap is not None and gap.id == "spine-diagnoses" and gap.back_related


@pytest.mark.parametrize(
    "question, gap_id",
    [
        ("can I keep doing hip thrusts now that I'm 20 weeks pregnant?", "pregnancy"),
        ("is the booty flex ok six weeks postpartum", "pregnancy"),
        ("do I need a lifting belt for heavy hip thrusts?", "lifting-belt"),
        ("would a posture corrector help my lower back while I sit at work?", "posture-braces"),
        ("what's the best office chair for a bad back", "posture-braces"),
        ("what muscle relaxer is best for back spasms", "medication"),
        ("do back stretchers work for a sore lower back", "hands-on-treatment"),
        ("best shoes for lower back pain", "footwear"),
        ("can anxiety cause lower back pain", "other-causes"),
        ("can period cramps cause lower back pain", "other-causes"),
        ("does smoking make back pain worse", "other-causes"),
        ("is sitting on an exercise ball better than a chair for my back", "posture-braces"),
        ("my glutes never switch on. Does a sports massage help with that?", "hands-on-treatment"),
        ("pain between my shoulder blades after bench press", "upper-back-neck"),
        ("would a few lengths of breaststroke help my lower back or make it worse?", "swimming"),
    ],
)
def test_a_question_that_names_an_uncovered_subject_is_declined(matcher, question, gap_id):
    """A short question that names a subject the sources do not cover gets the honest "no curated
    answer" about that subject, even when it also names one of the program's exercises."""
    result = matcher.match(question)
    assert result.kind == "no_match" and result.gap is not None and result.gap.id == gap_id


@pytest.mark.parametrize(
    ("question", "gap_id"),
    [
        ("how do i get rid of celulite on my butt", None),
        ("my sholder hurts when i do hip thrusts", None),
        ("which matress is best for lower back pain", "sleep"),
        ("is the booty flex ok while pregnent", "pregnancy"),
        ("should i see a chiropracter for my lower back", "hands-on-treatment"),
    ],
)
def test_a_misspelt_subject_is_declined_as_it_would_be_spelt_right(matcher, question, gap_id):
    result = matcher.match(question)
    assert result.kind == "no_match", result
    assert (result.gap.id if result.gap else None) == gap_id


@pytest.mark.parametrize(
    "question",
    [
        "DROP TABLE users;",
        "how long do i boil an egg for",
        "is it worth learning python in 2024",
        "my phone battery dies by lunchtime, any tips",
    ],
)
def test_a_decline_names_no_subject_the_question_only_shares_a_word_with(matcher, question):
    """A question that only shares a word or two with an uncovered subject gets the plain decline:
    "I don't have a curated answer about massage, chiropractic and other hands-on treatments" for
    "DROP TABLE users" would tell people they asked about something they did not."""
    result = matcher.match(question)
    assert result.kind == "no_match" and result.gap is None, result


def test_a_diagnosed_condition_or_an_operation_in_the_story_is_declined(matcher):
    """A fused spine or a named diagnosis asks for a clinician's plan, not the program's nearest
    topic: "is it ok to stoop like a squat yet?" ten weeks after a fusion is about the fusion."""
    post_op = (
        "I am 10 weeks post-op from a fusion at L4/5. I'm wondering what I should and shouldn't "
        "be doing. Is it okay to stoop down into my cupboard yet?"
    )
    result = matcher.match(post_op)
    assert result.kind == "no_match" and result.gap is not None and result.gap.id == "surgery"
    diagnosed = matcher.match("I have grade 2 spondylolisthesis, what can I do for lower body?")
    assert diagnosed.kind == "no_match" and diagnosed.gap.id == "spine-diagnoses"


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("can a tight psoas actually give you a herniated disc?", "psoas-and-back-pain"),
        ("is the leg press bad for a herniated disc?", "leg-press"),
    ],
)
def test_a_disc_named_beside_the_programs_subject_keeps_the_topic(matcher, question, expected):
    assert topic_of(matcher, question)[1] == expected


def test_which_exercises_to_avoid_is_not_whether_to_rest(matcher):
    question = "what exercises should I avoid with back pain"
    assert topic_of(matcher, question) == ("answer", "exercises-to-avoid")


@pytest.mark.parametrize(
    "question",
    ["what can I do for a flare", "how do i handle a flare", "my back is flaring again, help"],
)
def test_a_flare_without_up_is_the_flare_up(matcher, question):
    """People in a flare say "a flare" as often as "a flare-up"."""
    assert topic_of(matcher, question) == ("answer", "flare-up")


def test_knees_or_elbows_that_flare_are_not_a_flare_up(matcher):
    """In gym talk knees and elbows flare out; that is form, not the back flaring."""
    assert topic_of(matcher, "my knees flare out when I squat")[1] != "flare-up"


def test_a_back_killing_someone_after_a_day_of_work_is_a_flare(matcher):
    assert topic_of(matcher, "my back is killing me after moving house") == ("answer", "flare-up")


def test_a_back_that_cracked_is_a_flare_not_a_chiropractor(matcher):
    assert topic_of(matcher, "my back cracked when I bent down and now it's sore") == (
        "answer",
        "flare-up",
    )
    assert matcher.match("had my back cracked by a chiro, is that safe?").gap.id == (
        "hands-on-treatment"
    )


def test_an_uncovered_subject_mentioned_in_passing_does_not_decide(matcher):
    story = (
        "I tried yoga for a while and it did nothing for me. "
        "How long should I hold each squeeze in the booty flex?"
    )
    assert topic_of(matcher, story) == ("answer", "booty-flex")


def test_a_swimmer_asking_about_the_program_gets_the_program(matcher):
    assert topic_of(matcher, "I swim a lot, so how many rounds of the booty flex a day?") == (
        "answer",
        "booty-flex",
    )


def test_flattening_the_lower_abs_is_a_looks_goal(matcher):
    assert (
        matcher.match("best moves to flatten my lower abs and lose the pooch?").kind == "no_match"
    )


def test_the_upper_back_gap_stands_aside_when_the_low_back_is_named(matcher):
    result = matcher.match("my neck and lower back both ache after sitting all day, what helps?")
    assert result.gap is None or result.gap.id != "upper-back-neck"


def test_where_the_pain_is_said_in_the_story_decides_the_upper_back_gap(matcher):
    """Where it hurts is told once, often before the question: the upper-back gap is settled by a
    mark in any sentence, while a cue for where the shoulder blades go in an exercise is not one."""
    story = (
        "Since the weekend there's a knot between my shoulder blades. It hurts to turn my head. "
        "Any ideas?"
    )
    result = matcher.match(story)
    assert result.kind == "no_match" and result.gap is not None
    assert result.gap.id == "upper-back-neck"
    cue = (
        "I can barely get my shoulder blades off the floor doing crunches. "
        "They kill my back, what can I do instead?"
    )
    assert matcher.match(cue).kind != "no_match"


def test_warming_compiles_every_expression_before_the_first_question(kb):
    kb.compile_expressions()
    expressions = list(kb.expressions())
    assert len(expressions) > 500
    assert all(gated._regex is not None for gated in expressions)


@pytest.mark.parametrize("word", ["pain", "my pain", "back"])
def test_a_word_or_two_is_not_read_as_a_red_flag_by_meaning_alone(matcher, word):
    """The learned net needs a few words of meaning; a bare "pain" gets a curated answer or a
    question back, not the "when back pain needs a doctor" reply."""
    assert matcher.match(word).kind != "red_flag"


@pytest.mark.parametrize(
    "question",
    [
        "reached for my coffee and next thing I knew I couldn't move my lower back",
        "I coughed and the next thing I know I can't move without my back hurting",
    ],
)
def test_a_sudden_story_is_not_a_request_to_move_up(matcher, question):
    """A story told with "next thing I knew" is about a back that went suddenly; its "next" must not
    read as "what's next", which would send someone in a flare to a harder step."""
    result = matcher.match(question)
    assert result.intent != "move_up"
    assert result.kind == "red_flag" or result.topic == "flare-up"


def test_choosing_a_chair_is_declined_but_sitting_in_one_is_the_sitting_topic(matcher):
    kind, topic = topic_of(matcher, "my office chair hurts my back after 8 hours at work")
    assert kind in ("answer", "clarify") and topic == "sitting"
    assert matcher.match("which chair should i buy for working from home with back pain").kind == (
        "no_match"
    )


def test_lifting_technique_asked_about_the_back_still_gets_the_topic(matcher):
    kind, topic = topic_of(matcher, "sumo or conventional deadlift with lower back pain")
    assert kind in ("answer", "clarify") and topic == "deadlifts"


def test_flat_butt_syndrome_is_glutes_that_do_not_switch_on_not_looks(matcher):
    kind, topic = topic_of(matcher, "do i have flat butt syndrome? my glutes never seem to work")
    assert kind in ("answer", "clarify") and topic in (
        "mind-muscle-connection",
        "booty-flex",
        "glutes-vs-psoas",
        "imbalances",
    )


def test_shoes_in_a_story_or_for_squats_do_not_make_it_a_footwear_question(matcher):
    story = "my back went out this morning and it hurt to even put my shoes on, what do i do"
    assert matcher.match(story).gap is None
    kind, topic = topic_of(matcher, "do squat shoes help if my lower back hurts when i squat")
    assert kind in ("answer", "clarify") and topic == "squats"


def test_sitting_for_long_periods_is_the_sitting_topic_not_a_period(matcher):
    kind, topic = topic_of(matcher, "why does sitting for long periods cause lower back pain")
    assert kind in ("answer", "clarify") and topic == "sitting"


@pytest.mark.parametrize(
    "question, topic",
    [
        ("wat can u do", "help"),
        ("shud i just rest my back til it stops hurtin", "rest"),
        ("wat exercises shud i avoid w back pain", "exercises-to-avoid"),
    ],
)
def test_chat_spellings_of_small_words_are_small_words(matcher, question, topic):
    """ "wat", "shud" and "u" carry no subject: corrected to a topic's words they pulled questions
    about the bot itself to the rest topic."""
    kind, found = topic_of(matcher, question)
    assert kind in ("answer", "clarify") and found == topic


@pytest.mark.parametrize(
    "question",
    ["what exercises help lower back pain", "good exercises for a bad back?"],
)
def test_asking_for_good_exercises_is_not_answered_with_the_ones_to_avoid(matcher, question):
    kind, topic = topic_of(matcher, question)
    assert kind in ("answer", "clarify") and topic != "exercises-to-avoid"
    assert topic in ("progression-overview", "booty-flex", "daily-routine")


@pytest.mark.parametrize(
    "question",
    [
        "total beginner here, weak butt and a sore back, which exercise comes first?",
        "no gym, no equipment, how do i start strengthening my glutes for my back",
    ],
)
def test_where_to_start_is_the_first_step(matcher, question):
    kind, topic = topic_of(matcher, question)
    assert kind in ("answer", "clarify") and topic in ("booty-flex", "progression-overview")


@pytest.mark.parametrize(
    "question",
    [
        "whats my streak?",
        "how many days in a row have i done the routine",
        "can I move my evening reminder to 8pm",
        "I moved to Tokyo, how do I change my timezone",
    ],
)
def test_a_question_about_the_bots_own_features_gets_the_help(matcher, question):
    """Streaks, reminder times and time zones are the bot's, not the articles': the help says
    which command does it, where "no curated answer" would leave the person stuck."""
    kind, topic = topic_of(matcher, question)
    assert kind in ("answer", "clarify") and topic == "help"


def test_the_bot_addressed_first_is_not_what_is_asked(matcher):
    assert topic_of(matcher, "yo bot, can i still hit legs with a tweaked back??")[1] != "help"
    assert topic_of(matcher, "hey bot what can you do")[1] == "help"


@pytest.mark.parametrize("greeting", ["good morning", "Morning all!", "good evening everyone"])
def test_a_greeting_is_not_a_question_about_the_routine(matcher, greeting):
    result = matcher.match(greeting)
    assert result.kind == "answer" and result.topic == "help"
    assert matcher.match("what should i do in the morning for my back").topic != "help"


def test_a_flare_told_as_a_story_gets_the_flare_up_whatever_it_mentions_on_the_way(matcher):
    story = (
        "Bent down to tie my shoes this morning and my lower back seized up completely. "
        "Crawled to the sofa. "
    )
    told = matcher.match(story + "Took two ibuprofen and I'm lying here feeling sorry for myself.")
    assert (told.kind, told.topic) == ("answer", "flare-up")
    # Asking about the painkillers, with or without a question mark, is asking what no source says.
    for question in ("Is ibuprofen or naproxen better for this?", "should I take ibuprofen for it"):
        asked = matcher.match(story + question)
        assert asked.kind == "no_match" and asked.gap is not None, question


@pytest.mark.parametrize(
    "message",
    [
        "What causes back pain when you have to pee?",
        "my daughter is 11 and has been complaining about her back for a couple of months now",
    ],
)
def test_a_greeting_before_a_red_flag_does_not_hide_it(matcher, message):
    for opening in ("", "hey bot, quick question: ", "hi all, ", "Morning everyone! Quick q: "):
        result = matcher.match(opening + message)
        assert result.kind == "red_flag", (opening, result)


def test_a_word_typed_with_a_letter_held_down_is_read_as_the_word(matcher):
    flag = matcher.match("my legs are sooo weeeeak and i cant feel my bottooom when i wiiipe")
    assert flag.kind == "red_flag"
    assert flag.red_flag is not None and flag.red_flag.group.urgency == "emergency"
    assert matcher.match(
        "nooo numbness, just tight. pleeeease what does the booty flex do"
    ).topic == ("booty-flex")
    assert matcher.match("goood morning").kind != "red_flag"
    # words the knowledge base does not hold are read as the English word too
    assert matcher.match("im being treated for myeeeeloma and this back pain is new").kind == (
        "red_flag"
    )
    assert matcher.match("been on steeeeroids for years and my back aches").kind == "red_flag"


def test_a_real_word_is_not_read_as_a_typo_of_the_knowledge_bases(matcher):
    assert matcher.typos.correct("sititng") == "sit"  # "sitting", two letters swapped
    assert matcher.typos.correct("squads") is None  # a word of its own, not "squats"
    assert matcher.typos.correct("setps") == "step"  # a short word, two letters swapped
    assert matcher.typos.correct("form") == "form"  # never "from"
    assert matcher.typos.is_function_word("sholud")  # "should": not a word about the subject
    assert not matcher.typos.is_function_word("whey")


@pytest.mark.parametrize(
    ("message", "topic"),
    [
        ("hey bot, quick question: can i still do deadlifts? thanks in advance!!", "deadlifts"),
        ("how to wake up sleepy glutes thanks in advance!!", "mind-muscle-connection"),
        ("should i still exercise if i have back pain? pls help", "rest"),
    ],
)
def test_chatter_around_a_question_does_not_change_its_answer(matcher, message, topic):
    result = matcher.match(message)
    assert result.kind in ("answer", "clarify") and result.topic == topic, result


def test_an_off_topic_question_is_declined_even_when_an_uncovered_subject_leads(matcher):
    result = matcher.match("how long do you ice a sprained ankle")
    assert result.kind == "no_match"


@pytest.mark.parametrize(
    "dress", [" no numbness or tingling, no bladder problems.", " (no fever, didn't fall)"]
)
def test_warning_signs_said_to_be_absent_do_not_change_the_answer(matcher, dress):
    for question in ("should i still exercise if i have back pain?", "can i still do deadlifts?"):
        plain, dressed = matcher.match(question), matcher.match(question + dress)
        assert (dressed.kind, dressed.topic) == (plain.kind, plain.topic), question + dress


def test_a_line_of_profile_before_the_question_does_not_name_its_topic(matcher):
    """ "Quick background: 34F, desk job." tells who asks; the desk job is not what is asked."""
    for question in [
        "What happens when the psoas muscle is tight?",
        "Can Glute Exercises Help With Back Pain?",
        "Do you know your Psoas?",
        "Help, my back just went out!",
    ]:
        plain = matcher.match(question)
        dressed = matcher.match("Quick background: 34F, desk job. " + question)
        assert dressed.topic == plain.topic != "sitting", question
    # told with the pain, the desk job is what the message is about
    told = matcher.match("I have a desk job and my lower back aches by mid afternoon. Any tips?")
    assert told.topic == "sitting"


@pytest.mark.parametrize(
    "message, kind, topic",
    [
        # the question after the line about the writer is answered on its own...
        (
            "22M, college student, sit in lectures all day. When do I move to the hamstring curl?",
            "answer",
            "hamstring-curl-stability",
        ),
        (
            "35M, software engineer. Which exercise should I start with for my back?",
            "answer",
            "booty-flex",
        ),
        # ...a question that asks nothing more keeps the line's clue...
        ("28F, office job. Lower back aches by the afternoon, what can I do?", "answer", "sitting"),
        # ...and the screen reads the line too: a first back pain at 72
        ("72 year old bloke here. Back has ached for three weeks for no reason.", "red_flag", None),
    ],
)
def test_a_post_opening_with_its_writer_is_answered_by_what_it_asks(matcher, message, kind, topic):
    result = matcher.match(message)
    assert (result.kind, result.topic) == (kind, topic)


def test_a_short_word_missing_one_of_its_doubled_letters_is_read_before_it_is_stemmed(matcher):
    """ "leg pres" is the leg press: stemmed first, "pres" would be "pre" and the question lost."""
    assert matcher.match("is leg pres bad for my back").topic == "leg-press"


def test_what_to_do_today_is_the_days_routine_unless_the_back_has_just_gone(matcher):
    assert matcher.match("what should I do today").topic == "daily-routine"
    assert matcher.match("pulled my back today, what do i do").topic == "flare-up"


def test_a_story_with_its_own_summary_is_answered_by_the_summary(matcher):
    story = (
        "So last year I started lifting and got up to a 140kg squat. Then work got busy, I started"
        " sitting ten hours a day and my back started aching. My physio gave me some stretches."
    )
    assert topic_of(matcher, f"{story} TL;DR: can I still deadlift?") == ("answer", "deadlifts")
    assert topic_of(matcher, f"{story} tldr - how long do I hold the kneeling stretch?") == (
        "answer",
        "glute-stretch",
    )
    # ...while the whole story is still screened: a warning sign before the summary counts
    told = "Carried boxes all day, then I couldn't feel my groin when I wiped. TL;DR: booty flex?"
    assert matcher.match(told).kind == "red_flag"
