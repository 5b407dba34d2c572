"""What the services say, worded once: the bot's replies for asking, progress and a person's data.

The services decide (which step, what was stored, what was deleted) and call these to word it;
the reminders' wording is in :mod:`bot.services.reminders.messages`. Each front end adds only how
to do things (its buttons or commands).
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.core.compose import bullets
from bot.core.knowledge.model import KnowledgeBase, Topic
from bot.core.replies import Action, Candidate, Field, Reply
from bot.core.streaks import Streaks
from bot.core.timezones import UnknownTimezone
from bot.store.data_rights import PERSON_TABLE, Export
from bot.store.db import parse_utc

# -- answers ------------------------------------------------------------------------------------


def answer_gone_reply() -> Reply:
    """An answer offered earlier whose topic the knowledge base no longer has."""
    return Reply(
        "error",
        "That answer is gone",
        "The knowledge base changed since I offered this answer. Ask again.",
    )


def no_such_step_reply(kb: KnowledgeBase) -> Reply:
    return Reply("error", "No such step", f"The progression has steps 1 to {kb.max_step}.")


def alternatives_reply(kb: KnowledgeBase, others: tuple[Candidate, ...]) -> Reply:
    """The other answers that might fit a question ("Not what I asked"), or that there are none."""
    if not others:
        return Reply(
            "no_match",
            "Nothing else fits",
            "I have no other curated answer close to that question.",
            footer=kb.safety.disclaimer,
        )
    lines = [f"• **{c.title}**: {kb.topics[c.topic].summary}" for c in others]
    return Reply(
        "clarify",
        "Other answers that might fit",
        "\n".join(lines),
        footer=kb.safety.disclaimer,
        candidates=others,
        actions=tuple(Action("choose_topic", c.title[:80], c.topic) for c in others),
    )


# -- routines -----------------------------------------------------------------------------------


def already_running(plan_name: str) -> str:
    """Asked to start a routine while ``plan_name`` runs (the front end offers stop, then start)."""
    return (
        f"You already have a routine running: {plan_name}. Stop it first, then start the new one."
    )


# -- a person's data ----------------------------------------------------------------------------

# Friendly names for the tables we know; any other table is named after itself.
_TABLE_NAMES: dict[str, tuple[str, str]] = {
    "step_history": ("step change", "step changes"),
    "reminder_schedules": ("reminder schedule", "reminder schedules"),
    "reminder_deliveries": ("reminder delivery record", "reminder delivery records"),
    "reminder_snoozes": ("snoozed reminder", "snoozed reminders"),
    "pending_notices": ("note waiting to be shown to you", "notes waiting to be shown to you"),
    "routine_sessions": ("routine session", "routine sessions"),
}


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _day(text: object) -> str:
    try:
        return parse_utc(str(text)).strftime("%d %b %Y")
    except ValueError:
        return str(text)


def _table_label(table: str) -> tuple[str, str]:
    if table in _TABLE_NAMES:
        return _TABLE_NAMES[table]
    words = table.replace("_", " ")
    return (f"record in {words}", f"records in {words}")


def data_summary(export: Export) -> str:
    """A short plain-English account of an export, for the terminal and for Discord."""
    if not any(export.values()):
        return "lowback-bot keeps nothing about you."
    lines = ["Here is what lowback-bot keeps about you:"]
    people = export.get(PERSON_TABLE) or []
    if people:
        person = people[0]
        tz = person.get("timezone") or "not set"
        lines.append(
            f"- You are on step {person.get('step')} of 4. Time zone: {tz}. "
            f"First seen {_day(person.get('created_at'))}."
        )
    history = export.get("step_history") or []
    if history:
        last = history[-1]
        reason = str(last.get("reason") or "").strip()
        because = f' ("{reason[:120]}")' if reason else ""
        lines.append(
            f"- {_plural(len(history), 'step change', 'step changes')}; the latest on {_day(last.get('at'))}, "
            f"from step {last.get('from_step')} to step {last.get('to_step')}{because}."
        )
    for table in _other_tables(export):
        rows = export[table]
        if rows:
            one, many = _table_label(table)
            lines.append(f"- {_plural(len(rows), one, many)}.")
    lines.append(
        "Nothing you typed is kept with your user id."
    )  # how to delete it is each front end's to say
    return "\n".join(lines)


def _other_tables(export: Export) -> Iterable[str]:
    return sorted(t for t in export if t not in (PERSON_TABLE, "step_history"))


def data_reply(summary: str) -> Reply:
    """Everything stored about a person (``summary``: :func:`data_summary`). How to delete it, and
    where to read the privacy notice, each front end says in its own words."""
    return Reply(
        "info", "What I store about you", summary[:4000], footer=NO_TEXT_STORED, private=True
    )


NO_TEXT_STORED = "No message text is stored."


def deleted_reply(total: int, *, routine_stopped: bool = False) -> Reply:
    """What a person is told after ``total`` records about them were deleted (``routine_stopped``:
    their running routine was stopped first)."""
    body = (
        f"Deleted {total} record(s) about you. I no longer know your step, schedule or routines; "
        "if you use me again, you start fresh at step 1."
        if total
        else "I had nothing stored about you."
    )
    if routine_stopped:
        body = f"Your running routine stopped, and nothing of it is kept. {body}"
    return Reply("info", "Your data is deleted", body, private=True)


# -- progress on the ladder ---------------------------------------------------------------------


def step_topic(kb: KnowledgeBase, step: int) -> Topic:
    """The topic of step ``step`` (a step the knowledge base has: the store only holds those)."""
    topic = kb.step_topic(step)
    if topic is None:
        raise LookupError(f"the knowledge base has no topic for step {step}")
    return topic


def _step_name(topic: Topic) -> str:
    return topic.title.split(":", 1)[-1].strip()


def step_fields(kb: KnowledgeBase, step: int) -> list[Field]:
    """What step ``step`` involves and what comes after it."""
    topic = kb.step_topic(step)
    fields = []
    if topic is not None and topic.dose:
        fields.append(Field("What it involves", bullets(topic.dose)))
    nxt = kb.step_topic(step + 1)
    fields.append(
        Field(
            "What comes next",
            f"Step {step + 1}: {_step_name(nxt)}. {nxt.summary}"
            if nxt
            else "This is the last step: keep it up, and drop back a step whenever something hurts.",
        )
    )
    return fields


def progress_reply(
    kb: KnowledgeBase,
    step: int,
    *,
    known: bool,
    streak: Streaks | None,
    zone_note: str | None = None,
) -> Reply:
    """A person's place on the ladder (``known``: the bot has met them), with their streak and,
    under it, ``zone_note`` when its days are not counted in their own zone."""
    topic = step_topic(kb, step)
    body = f"You're on **step {step} of {kb.max_step}: {_step_name(topic)}**.\n{topic.summary}"
    if not known:
        body += "\n\nEveryone starts at step 1. Tell me when it's easy and pain-free and I'll move you up."
    fields = step_fields(kb, step)
    if streak is not None:
        fields.append(
            Field(
                "Your streak",
                f"{streak.week_squares()}  current {streak.current} day(s), "
                f"longest {streak.longest}" + (f"\n{zone_note}" if zone_note else ""),
            )
        )
    return Reply(
        "info",
        "Your progress",
        body,
        tuple(fields),
        footer=kb.safety.disclaimer,
        step=step,
        actions=progress_actions(topic, step),
        private=True,
    )


def progress_actions(topic: Topic, step: int) -> tuple[Action, ...]:
    """The buttons "It's easy now" and "It hurts" about ``step`` (they carry it: pressed once the
    person is on another step, they change nothing), and the routine for it."""
    actions = [
        Action("move_up", "It's easy now", str(step)),
        Action("go_back", "It hurts", str(step)),
    ]
    if topic.routine:
        actions.append(Action("start_routine", "Start my routine"))
    return tuple(actions)


def step_changed_reply(kb: KnowledgeBase, step: int, shown: int) -> Reply:
    """A progress button pressed on a message about step ``shown``; the person is on ``step`` now,
    and nothing was changed."""
    topic = step_topic(kb, step)
    body = (
        f"This message was about step {shown}, so I've left your step as it is: you're on "
        f"**step {step} of {kb.max_step}: {_step_name(topic)}**.\n{topic.summary}"
    )
    return Reply(
        "info",
        f"You're on step {step} now",
        body,
        tuple(step_fields(kb, step)),
        footer=kb.safety.disclaimer,
        step=step,
        topic=topic.id,
        private=True,
        actions=progress_actions(topic, step),
    )


def zone_set_line(zone_name: str) -> str:
    """What a person is told after setting their own time zone to ``zone_name``."""
    return f"Your time zone is now {zone_name}: your days, and your reminders if you have them, go by it."


def unknown_zone_reply(exc: UnknownTimezone) -> Reply:
    """A time zone the person typed that resolves to none (the message names close ones)."""
    return Reply("error", "Unknown time zone", str(exc), private=True)


def _move_up_rule(kb: KnowledgeBase) -> Field:
    return Field("The rule for moving up", kb.progression.move_up.strip()[:1024])


def _go_back_rule(kb: KnowledgeBase) -> Field:
    return Field("The rule for going back", kb.progression.go_back.strip()[:1024])


def last_step_reply(kb: KnowledgeBase, step: int) -> Reply:
    """Asked to move up from the last step."""
    return Reply(
        "info",
        "You're on the last step",
        "Step 4 is the top of the ladder. Keep your routine going.",
        (_move_up_rule(kb),),
        footer=kb.safety.disclaimer,
        step=step,
        private=True,
    )


def moved_up_reply(kb: KnowledgeBase, step: int) -> Reply:
    """The person moved up to ``step``."""
    new = step_topic(kb, step)
    body = (
        f"You're now on **step {step}: {_step_name(new)}**. The rule below says when a move up "
        f"is right; if it doesn't hold for you yet, go back a step.\n{new.summary}"
    )
    hurts = Action(
        "go_back",
        "It hurts",
        str(step),
        hint="If the new move tugs your low back, {do} and you'll go back a step.",
    )
    return Reply(
        "info",
        f"Moved up to step {step}",
        body,
        (_move_up_rule(kb), *step_fields(kb, step)),
        footer=kb.safety.disclaimer,
        step=step,
        topic=new.id,
        private=True,
        actions=(hurts,) + ((Action("start_routine", "Start my routine"),) if new.routine else ()),
    )


def pain_at_step_one_reply(kb: KnowledgeBase) -> Reply:
    """It hurts, and there is no step to go back to."""
    flare = kb.topics.get("flare-up")
    body = "You're already on step 1, so there's no step to go back to."
    if flare is not None:  # what to do now, said once: the go-back rule would say it again
        body += " Here's what to do when your back acts up:\n\n" + flare.answer.strip()
        fields: tuple[Field, ...] = ()
    else:
        body += " Do a few booty-flex rounds now; if the pain is intense, add a round or two."
        fields = (_go_back_rule(kb),)
    fields += (Field("See a clinician if", bullets(kb.safety.warning_signs)),)
    return Reply(
        "info",
        "Pain at step 1",
        body,
        fields,
        footer=kb.safety.disclaimer,
        step=1,
        private=True,
        actions=(Action("start_routine", "Start flare-up routine", "flare-up"),),
    )


def moved_back_reply(kb: KnowledgeBase, step: int) -> Reply:
    """The person went back to ``step``."""
    back = step_topic(kb, step)
    body = (
        f"You're back on **step {step}: {_step_name(back)}**. Going back is part of the plan, "
        f"not a failure.\n{back.summary}"
    )
    return Reply(
        "info",
        f"Back to step {step}",
        body,
        (_go_back_rule(kb), *step_fields(kb, step)),
        footer=kb.safety.disclaimer,
        step=step,
        topic=back.id,
        private=True,
    )


def no_such_step_to_set(kb: KnowledgeBase) -> Reply:
    return Reply("error", "No such step", f"Steps run from 1 to {kb.max_step}.", private=True)


def step_set_reply(kb: KnowledgeBase, step: int) -> Reply:
    """The person put themselves on ``step``."""
    topic = step_topic(kb, step)
    return Reply(
        "info",
        f"You're on step {step}",
        f"**{topic.title}**\n{topic.summary}",
        tuple(step_fields(kb, step)),
        footer=kb.safety.disclaimer,
        step=step,
        topic=topic.id,
        private=True,
    )
