"""What a reminder says: the message a front end shows, and its stable nonce."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.core.replies import Action, Reply
from bot.core.schedule import Occurrence

if TYPE_CHECKING:
    from bot.services.knowledge import KnowledgeHolder
    from bot.services.reminders.schedule import PastReminder, ScheduleView
    from bot.services.reminders.snoozing import Snoozed
    from bot.services.routines import RoutineService
    from bot.store.people import PeopleStore

# What a reminder says about its start action; each front end puts in how ("press *Start routine*").
START_HINT = "{do} and I'll time it with you."
# Why an occurrence was not sent, as /reminders shows it.
SKIPPED_DONE = "skipped: you had already done a routine this session"
SKIPPED_DOING = "skipped: you were doing a routine right then"
SKIPPED_OFF = "skipped: reminders were turned off"
SKIPPED_LATE = (
    "too late: missed by more than the grace period (the bot was not running or could not send)"
)
SKIPPED_REPLACED = "replaced by a later reminder"
SKIPPED_UNSURE = (
    "not sent again: the bot stopped while sending it, twice, so it may have reached you already"
)
# A reminder sent again after a send that may have gone out (the bot stopped mid-send) and later
# than Discord drops a repeat of its nonce ("a few minutes": two is the least that can mean).
NONCE_KEPT = timedelta(minutes=2)
MAYBE_TWICE = "You may have had this reminder already: I was restarting while I sent it."
RESTORED_TWICE = "You may have had this reminder already: my records were restored from a backup taken before it."


def stopped_notice(reason: str) -> str:
    """What a person is told, next time they use the bot, when their reminders could not be sent."""
    return (
        f"I couldn't send you your routine reminder ({reason}), so I've stopped your reminders. "
        "Turn them on again whenever you want them back."
    )


EVENING_FROM = time(15)  # a reminder from this time of day on is the evening one

STILL_DOING = timedelta(hours=1)  # a routine's pauses: see ReminderComposer.doing_a_routine
SESSION_WINDOW = timedelta(
    hours=6
)  # a routine done this long before a reminder makes it unnecessary


@dataclass(frozen=True)
class ReminderMessage:
    """One reminder as a front end shows it: the routine for the person's step and a way to start it."""

    title: str
    body: str
    routine_id: str | None
    occurrence_key: str
    user_id: int
    channel_id: int | None = (
        None  # the person's DM channel, when the store knows it (saves a request)
    )

    @property
    def nonce(self) -> str:
        """A stable token for this occurrence (25 characters, Discord's limit). Sending the same
        reminder again carries the same nonce, so a transport that drops repeats sends it once."""
        digest = hashlib.sha256(f"{self.user_id}:{self.occurrence_key}".encode()).hexdigest()
        return digest[:25]

    def to_reply(self) -> Reply:
        actions = (
            (Action("start_routine", "Start routine", self.routine_id),) if self.routine_id else ()
        )
        return Reply("info", self.title, self.body, actions=actions, private=True)


@dataclass(frozen=True)
class Skip:
    """A reminder not to send, and why (the reason /reminders shows under "Lately")."""

    reason: str


class ReminderComposer:
    """Composes the reminder for an occurrence (the dispatcher's ``compose``).

    ``knowledge`` holds the current knowledge base (``.kb``), ``people`` finds a person's step,
    ``routines`` says whether they already did a routine (``did_routine_between``) or are doing
    one now (its store's running session, which any process of the bot may have started).
    """

    def __init__(
        self,
        knowledge: KnowledgeHolder,
        people: PeopleStore,
        routines: RoutineService,
        clock: Callable[[], datetime],
        restored: tuple[datetime, datetime] | None = None,
    ):
        self.knowledge = knowledge
        self.people = people
        self.routines = routines
        self.clock = clock
        # A restored database: when its backup was taken and when it was put back (see
        # bot/store/restored.py); a reminder due in between may have gone out from the old one.
        self.restored = restored

    async def compose(self, user_id: int, occurrence: Occurrence) -> ReminderMessage | Skip | None:
        """The reminder for this occurrence: the routine for the person's step, or None (skip) when
        they already did a routine this session, i.e. since the later of their local midnight and
        ``SESSION_WINDOW`` before the reminder, or :class:`Skip` when they are doing one now."""
        if await self.doing_a_routine(user_id, occurrence.due_utc):
            return Skip(SKIPPED_DOING)
        person = await self.people.get(user_id)
        step = person.step if person else 1
        tz = ZoneInfo(occurrence.timezone)
        local_midnight = datetime.combine(
            occurrence.local_date, datetime.min.time(), tz
        ).astimezone(UTC)
        since = max(local_midnight, occurrence.due_utc - SESSION_WINDOW)
        if await self.routines.did_routine_between(
            user_id, since, max(self.clock(), occurrence.due_utc)
        ):
            return None
        plan = self.knowledge.kb.routines.daily_for_step(step)
        minutes = max(1, round(plan.total_seconds / 60))
        part = "morning" if occurrence.local_time < EVENING_FROM else "evening"
        body = f"Time for your {part} routine: **{plan.name}** (about {minutes} min).\n{plan.description}"  # each front end adds how to start it (START_HINT)
        if self.restored is not None and self.restored[0] < occurrence.due_utc <= self.restored[1]:
            body = f"{RESTORED_TWICE}\n\n{body}"
        return ReminderMessage(f"Your {part} routine", body, "daily", occurrence.key, user_id)

    async def doing_a_routine(self, user_id: int, due_utc: datetime) -> bool:
        """Whether the person has a routine running, started in this process or another one.

        A running session started before the reminder by more than the longest routine takes, plus
        :data:`STILL_DOING` for pauses, does not count: a process that died left it behind (the
        processes of a sharded bot do not tidy up after each other), nobody is doing it."""
        running = await self.routines.sessions.running(user_id)
        if running is None:
            return False
        book = self.knowledge.kb.routines
        plans = [*book.routines.values(), *(book.daily_for_step(s) for s in book.daily)]
        longest = timedelta(seconds=max((p.total_seconds for p in plans), default=0))
        return running.started_at >= due_utc - longest - STILL_DOING


# -- a person's schedule, as /reminders shows it ------------------------------------------------


def format_when(moment: datetime) -> str:
    return f"{moment:%a} {moment.day} {moment:%b}, {moment:%H:%M} {moment.tzname() or ''}".rstrip()


def format_until(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 1:
        return "in under a minute"
    if minutes < 60:
        return f"in {minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"in {hours} h {minutes} min" if minutes else f"in {hours} h"
    days = round(hours / 24)
    return f"in about {days} day{'s' if days != 1 else ''}"


REASON_SHOWN = 120  # characters of why a reminder was not sent, as /reminders shows it


def short_reason(reason: str) -> str:
    """``reason`` on one line and cut to :data:`REASON_SHOWN` characters: what Discord answered to
    a failed send can be a whole error page, and the list of recent reminders shows it as a hint."""
    text = " ".join(reason.split())
    return text if len(text) <= REASON_SHOWN else text[: REASON_SHOWN - 1].rstrip() + "…"


def describe_past(item: PastReminder) -> str:
    """What became of one reminder, in a line."""
    at = format_when(item.at)
    reason = short_reason(item.reason) if item.reason else None
    if item.status == "sent":
        return f"{at}: sent"
    if item.status in ("pending", "claimed"):
        return f"{at}: being sent" + (f" (last try: {reason})" if reason else "")
    return f"{at}: not sent, {reason or item.status}"


def describe_snooze(done: Snoozed, now: datetime) -> str:
    """What a snooze did, in a sentence; ``now`` in the person's zone."""
    of, at = f"{done.of:%H:%M}", f"{done.at:%H:%M}"
    if done.again:
        return f"Your {of} reminder will come again {format_until(done.at - now)}, at {at}."
    return f"Your {of} reminder has not been sent yet; it will come at {at} instead."


def describe_schedule(view: ScheduleView) -> str:
    """A person's reminders in a few plain sentences, for either front end."""
    what = f"{view.times_text}, {view.days_text} ({view.timezone} time)"
    lines: list[str] = []
    if view.snoozed is not None:
        lines.append(describe_snooze(view.snoozed, view.as_of))
    if view.status == "on":
        lines.append(f"Reminders are on: {what}.")
    elif view.status == "paused":
        assert view.paused_until is not None
        lines.append(
            f"Reminders are paused until {format_when(view.paused_until)}. Your times: {what}."
        )
    elif view.status == "off":
        lines.append(f"Reminders are off. Your times are kept for when you turn them on: {what}.")
    else:
        lines.append(
            f"Reminders stopped because I couldn't deliver them ({short_reason(view.closed_reason or '')}). "
            f"Turn them on again once that's fixed. Your times: {what}."
        )
    if view.next_at is not None:
        label = "Next (snoozed)" if view.next_is_snooze else "Next"
        lines.append(
            f"{label}: {format_when(view.next_at)}, {format_until(view.next_at - view.as_of)}."
        )
    if view.recent:
        lines.append("Lately:")
        lines.extend(f"- {describe_past(item)}" for item in view.recent)
    return "\n".join(lines)


# -- what a person is told when a change cannot be made (ScheduleError) ------------------------

NOT_SET_UP = "You haven't turned reminders on yet."
TURNED_OFF = "Your reminders are off. Turn them on first."
CANNOT_SNOOZE = "That reminder can't be snoozed any more."
ASK_TIMEZONE = "Tell me your time zone, e.g. Europe/Berlin, America/New_York or a city like London."


def pause_range(max_days: int) -> str:
    return f"Pause for a whole number of days, 1 to {max_days}."


def snooze_range(max_minutes: int) -> str:
    return f"Snooze for a whole number of minutes, 1 to {max_minutes}."


def paused_nothing_to_snooze(paused_until: datetime) -> str:
    """``paused_until`` in the person's own zone."""
    return (
        f"Your reminders are paused until {format_when(paused_until)}; there is nothing to snooze."
    )


def stopped_turn_on_first(reason: str) -> str:
    return (
        f"Your reminders stopped because I couldn't deliver them ({reason}). "
        "Turn them on again first."
    )
