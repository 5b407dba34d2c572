"""Turning a match into what the bot says, for a person on a given step.

Pure: the knowledge base, the match and the person's step go in; a :class:`Reply` comes out.
Every text comes from the knowledge base except the connecting sentences here.
"""

from __future__ import annotations

from bot.core.knowledge.model import KnowledgeBase, Topic
from bot.core.match_result import MatchResult
from bot.core.replies import FIELD_VALUE_LIMIT, Action, Candidate, Field, Reply

QUESTION_LIMIT = 1000  # questions longer than this (after trimming) are cut before matching


def footer(kb: KnowledgeBase, topic: Topic | None = None) -> str:
    disclaimer = kb.safety.disclaimer
    if topic is None or topic.sources == ("project",):
        return disclaimer
    return f"Source: {kb.source_titles(topic)} · {disclaimer}"


def bullets(items: tuple[str, ...] | list[str]) -> str:
    text = "\n".join(f"• {item}" for item in items)
    return text[:FIELD_VALUE_LIMIT]


def step_line(kb: KnowledgeBase, topic: Topic, person_step: int, *, known: bool) -> str | None:
    """Which step the person should be on and why, for exercise questions."""
    if not topic.is_exercise:
        return None
    current = kb.step_topic(person_step)
    if current is None:
        return None
    name = f"step {person_step}, {current.title.split(':', 1)[-1].strip()}"
    if topic.step is None:
        if not known:
            why = "Everyone starts at step 1 and moves up once a step is easy and pain-free."
        elif person_step >= kb.max_step:
            why = "That is the top of the ladder: keep it up, and go back a step if a move hurts."
        else:
            why = "That is where you are on the ladder; move up once it is easy and pain-free."
        return f"**Your step:** you're on {name}. {why}"
    if topic.step == person_step and person_step >= kb.max_step:
        return f"**Your step:** this is your step right now ({name}), the last one: keep it up."
    if topic.step == person_step:
        return f"**Your step:** this is your step right now ({name}). Stay here until it is easy and pain-free."
    if topic.step > person_step:
        first = (
            f"step {person_step}"
            if topic.step - person_step == 1
            else f"steps {person_step} to {topic.step - 1}"
        )
        return (
            f"**Your step:** you're on {name}. Step {topic.step} comes later: first work through {first}, "
            "moving up only when a step is easy and pain-free."
        )
    return (
        f"**Your step:** you're past this one (you're on {name}). Come back to it whenever a later move "
        "tugs your low back."
    )


def _intent_lead(topic: Topic, match: MatchResult) -> str:
    """The line before an answer to "this is easy now" or "this hurts": where the person goes."""
    if match.intent == "move_up" and topic.step is not None and match.from_step == topic.step:
        return f"You're at the top of the ladder: step {topic.step} is the last step."
    if match.intent == "move_up":
        return (
            f"Sounds like step {match.from_step} is easy for you now, so here's step {topic.step}."
        )
    if topic.step is not None:
        return f"If step {match.from_step} hurts your low back, go back to step {topic.step}."
    return "If a move hurts your low back, stop it and do this instead."


def _move_action(topic: Topic, match: MatchResult | None, person_step: int) -> Action | None:
    """The button that makes the move an "it's easy now" or "it hurts" question leads to, when the
    question is about the person's own step: the answer shows the step, it moves nobody."""
    if match is None or match.from_step != person_step or topic.step is None:
        return None
    if match.intent == "move_up" and topic.step == person_step + 1:
        hint = f"I haven't changed your step: if step {person_step} is easy and pain-free, {{do}}."
        label = f"Move me up to step {topic.step}"
        return Action("move_up", label, str(person_step), hint=hint)
    if match.intent == "go_back" and topic.step == person_step - 1:
        hint = f"I haven't changed your step: to go back to step {topic.step}, {{do}}."
        return Action("go_back", f"Go back to step {topic.step}", str(person_step), hint=hint)
    return None


def topic_reply(
    kb: KnowledgeBase,
    topic: Topic,
    *,
    person_step: int = 1,
    known_person: bool = False,
    match: MatchResult | None = None,
    offer_move: bool = True,
) -> Reply:
    """The answer ``topic`` for a person on ``person_step``. An answer to "it's easy now" or "it
    hurts" about their step offers the move (``offer_move``: the step is the person's own, not
    one they asked as if they were on it)."""
    body_parts = [topic.answer.strip()]
    fields: list[Field] = []
    if match is not None and match.intent is not None:
        rule = kb.progression.move_up if match.intent == "move_up" else kb.progression.go_back
        body_parts.insert(0, f"*{_intent_lead(topic, match)}*")
        fields.append(Field("The rule", rule.strip()[:FIELD_VALUE_LIMIT]))
    if not (match is not None and match.intent):  # (a move says where the person goes instead)
        body_parts.append(step_line(kb, topic, person_step, known=known_person) or "")
    if topic.dose:
        fields.append(Field("Dose", bullets(topic.dose)))
    if topic.cues:
        fields.append(Field("Form cues", bullets(topic.cues)))
    if topic.mistakes:
        fields.append(Field("Common mistakes", bullets(topic.mistakes)))
    if topic.sources_differ:
        fields.append(Field("Where the sources differ", topic.sources_differ[:FIELD_VALUE_LIMIT]))
    move = _move_action(topic, match, person_step) if offer_move else None
    actions: list[Action] = [move] if move is not None else []
    going_back = match is not None and match.intent == "go_back"  # (the next step is what hurts)
    if topic.step is not None and topic.step < kb.max_step and not going_back:
        actions.append(Action("next_step", "Next step", str(topic.step + 1)))
    if topic.routine:
        actions.append(Action("start_routine", "Start this routine", topic.routine))
    candidates: tuple[Candidate, ...] = ()
    if match is not None:
        candidates = tuple(
            Candidate(c.topic, kb.topics[c.topic].title, c.score)
            for c in match.candidates
            if c.topic != topic.id and c.topic in kb.topics
        )[:4]
        if candidates:
            actions.append(Action("not_what_i_asked", "Not what I asked"))
    return Reply(
        kind="help" if topic.kind == "help" else "answer",
        title=topic.title,
        body="\n\n".join(part for part in body_parts if part),
        fields=tuple(fields),
        footer=footer(kb, topic),
        topic=topic.id,
        step=topic.step,
        score=match.score if match else 1.0,
        candidates=candidates,
        actions=tuple(actions),
    )


def clarify_reply(kb: KnowledgeBase, match: MatchResult) -> Reply:
    cands = tuple(
        Candidate(c.topic, kb.topics[c.topic].title, c.score)
        for c in match.candidates
        if c.topic in kb.topics
    )
    lines = [f"**{i}.** {c.title}: {kb.topics[c.topic].summary}" for i, c in enumerate(cands, 1)]
    return Reply(
        kind="clarify",
        title="Which of these did you mean?",
        body="Your question fits more than one answer:\n\n" + "\n".join(lines),
        footer=kb.safety.disclaimer,
        topic=match.topic,
        score=match.score,
        candidates=cands,
        actions=tuple(Action("choose_topic", c.title[:80], c.topic) for c in cands),
    )


def can_help_with(kb: KnowledgeBase) -> str:
    steps = " → ".join(
        topic.title.split(":", 1)[-1].strip()
        for s in range(1, kb.max_step + 1)
        if (topic := kb.step_topic(s))
    )
    return (
        "• why low back pain often starts at the hips (tight psoas, sleepy glutes, sitting)\n"
        f"• the four-step glute progression: {steps}\n"
        "• which gym exercises to drop or change while you recover (deadlifts, leg press, squats…)\n"
        "• what to do when your back tweaks, and a daily routine with reminders and a timer"
    )


def no_match_reply(kb: KnowledgeBase, match: MatchResult | None = None) -> Reply:
    gap = match.gap if match is not None else None
    if gap is not None:
        opening = f"I don't have a curated answer about {gap.subject}. My answers come from two coaching articles, and they don't cover it."
        if gap.back_related:
            opening += " A physiotherapist or your doctor can advise you on that for your back."
    else:
        opening = (
            "I don't have a curated answer for that. I only answer from two coaching articles about low back pain, "
            "so I'd rather say so than guess. For anything about your own back that I can't answer, a "
            "physiotherapist or doctor is the right person to ask."
        )
    cands: tuple[Candidate, ...] = ()
    if match is not None and gap is None:
        cands = tuple(
            Candidate(c.topic, kb.topics[c.topic].title, c.score)
            for c in match.candidates[:3]
            if c.topic in kb.topics
        )
    return Reply(
        kind="no_match",
        title="I don't have a curated answer for that",
        body=opening,
        fields=(Field("What I can help with", can_help_with(kb)),),
        footer=kb.safety.disclaimer,
        score=match.score if match else 0.0,
        candidates=cands,
    )


def red_flag_reply(kb: KnowledgeBase, match: MatchResult) -> Reply:
    assert match.red_flag is not None
    group, also = match.red_flag.group, match.red_flag.also
    body = group.answer.strip()
    if also is not None and also.with_crisis:  # a crisis, and a body that needs a doctor too
        body = f"{body}\n\n{also.with_crisis.strip()}"
    return Reply(
        kind="red_flag",
        title=group.title,
        body=body,
        fields=(Field("Warning signs that need a clinician", bullets(kb.safety.warning_signs)),)
        if group.show_signs
        else (),
        footer=kb.safety.disclaimer if group.show_signs else None,
        score=1.0,
        private=True,
        urgency=group.urgency,
    )


def empty_reply(kb: KnowledgeBase) -> Reply:
    return Reply(
        kind="error",
        title="Ask me a question",
        body=(
            "I didn't find a question in that. Ask me about your low back in your own words, for example "
            '*"how do I do the booty flex?"* or *"can I still deadlift?"*.'
        ),
        fields=(Field("What I can help with", can_help_with(kb)),),
        footer=kb.safety.disclaimer,
    )


def acknowledged_reply(said: str) -> Reply:
    """The answer to thanks (``said`` "thanks") or another acknowledgement ("ok", "got it", "👍"):
    short, and without the disclaimer (nothing was advised)."""
    return Reply(
        kind="info",
        title="You're welcome" if said == "thanks" else "Here when you need me",
        body=(
            "Ask me anything else about your low back whenever you like, or run your routine for "
            "today."
        ),
    )


def reply_for(
    kb: KnowledgeBase,
    match: MatchResult,
    *,
    person_step: int = 1,
    known_person: bool = False,
    offer_move: bool = True,
) -> Reply:
    if match.kind == "red_flag":
        return red_flag_reply(kb, match)
    if match.kind == "answer" and match.topic is not None and match.topic in kb.topics:
        return topic_reply(
            kb,
            kb.topics[match.topic],
            person_step=person_step,
            known_person=known_person,
            match=match,
            offer_move=offer_move,
        )
    if match.kind == "clarify":
        return clarify_reply(kb, match)
    if match.kind == "no_match" and not match.words and match.gap is None:
        return empty_reply(kb)
    return no_match_reply(kb, match)
