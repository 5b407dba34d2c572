"""Which reminder a snooze is about, and what it did (``ReminderService.snooze`` says the rule)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.errors import ScheduleError
from bot.core.schedule import key_due_utc
from bot.services.reminders.messages import CANNOT_SNOOZE
from bot.store.reminders import (
    SENT,
    SKIPPED,
    SNOOZED_AWAY,
    DeliveryRow,
    ReminderStore,
    ScheduleRow,
    SnoozeRow,
)


@dataclass(frozen=True)
class Snoozed:
    """What a snooze did, in the person's time zone: the reminder due ``of`` comes ``at``;
    ``again`` when it had been sent already, else it was pushed back before being sent."""

    of: datetime
    at: datetime
    again: bool


@dataclass(frozen=True)
class SnoozeTarget:
    """The reminder a snooze is about: its key, when it was due, whether it was sent, and whether
    it is the upcoming one (then the schedule moves on past it)."""

    key: str
    due_at: datetime
    sent: bool
    upcoming: bool = False


async def snooze_target(
    store: ReminderStore, sched: ScheduleRow, key: str | None, now: datetime, recent: timedelta
) -> SnoozeTarget:
    """With ``key`` (a Snooze button), that reminder. Without it: a snoozed one still waiting, else
    the one sent within ``recent``, else the upcoming one."""
    pending = await store.get_snooze(sched.user_id)
    if key is not None:
        delivered = await store.get_delivery(sched.user_id, key)
        if delivered is not None and (delivered.status == SENT or _reached(delivered)):
            return SnoozeTarget(key, delivered.due_at, sent=True)
        if pending is not None and pending.occurrence_key == key:
            return await _snoozed(store, pending, now)
        if key == sched.next_key:
            return _upcoming(sched)
        raise ScheduleError(CANNOT_SNOOZE)
    if pending is not None:
        return await _snoozed(store, pending, now)
    last = await store.last_sent(sched.user_id)
    if last is not None and last.done_at is not None and now - last.done_at <= recent:
        return SnoozeTarget(last.occurrence_key, last.due_at, sent=True)
    return _upcoming(sched)


async def _snoozed(store: ReminderStore, pending: SnoozeRow, now: datetime) -> SnoozeTarget:
    """A snoozed reminder still waiting, as the reminder it repeats (with that one's record gone,
    as one sent now)."""
    base = await store.get_delivery(pending.user_id, pending.occurrence_key.split("+")[0])
    if base is None:
        return SnoozeTarget(pending.occurrence_key, now, sent=True)
    return SnoozeTarget(pending.occurrence_key, base.due_at, sent=base.status == SENT)


def _reached(delivered: DeliveryRow) -> bool:
    """A reminder recorded skipped after a send cut short that may have gone out (say, not sent
    a third time: ``why_not_resend``): a Snooze button pressed under it shows that it did."""
    return delivered.status == SKIPPED and delivered.doubt_last_at is not None


def _upcoming(sched: ScheduleRow) -> SnoozeTarget:
    assert sched.next_due_at is not None and sched.next_key is not None
    return SnoozeTarget(sched.next_key, sched.next_due_at, sent=False, upcoming=True)


async def follow_zone(
    store: ReminderStore, before: ScheduleRow | None, tz: str, counted_in: str, now: datetime
) -> None:
    """A reminder snoozed before it was sent ("it will come at 00:00 instead") keeps its time of
    day when the person sets another zone (``tz``, its times computed in ``counted_in``), as the
    reminder it stands for would have: a traveller who put off their 23:30 reminder to 00:00 and
    then set the zone they landed in gets it at 00:00 there, not hours early or late. A repeat of
    a reminder already sent ("again in 30 min") keeps its instant."""
    if before is None or before.timezone == tz:
        return
    pending = await store.get_snooze(before.user_id)
    if pending is None:
        return
    base_key, _, after = pending.occurrence_key.partition("+")
    base = await store.get_delivery(before.user_id, base_key)
    if base is None or base.status != SKIPPED or base.last_error != SNOOZED_AWAY:
        return
    due = key_due_utc(base_key, counted_in) + timedelta(minutes=int(after.rstrip("m") or 0))
    await store.set_snooze(before.user_id, pending.occurrence_key, max(due, now), now)
