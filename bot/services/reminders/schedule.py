"""A person's reminder schedule: turning reminders on and off, changing, pausing, snoozing and
showing them. The dispatcher (``dispatcher.py``) sends what this schedules."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta
from enum import Enum
from typing import Literal

from bot.core.clock import Clock
from bot.core.errors import ScheduleError
from bot.core.replies import Reply
from bot.core.schedule import (
    DEFAULT_TIMES,
    format_time,
    format_weekdays,
    next_occurrence,
    normalize_times,
    normalize_weekdays,
    parse_times,
    parse_weekdays,
    snooze_key,
)
from bot.core.timezones import PersonZone, resolve_timezone, zone
from bot.services.reminders.messages import (
    ASK_TIMEZONE,
    EVENING_FROM,
    NOT_SET_UP,
    SKIPPED_OFF,
    TURNED_OFF,
    describe_past,
    describe_schedule,
    pause_range,
    paused_nothing_to_snooze,
    snooze_range,
    stopped_turn_on_first,
)
from bot.services.reminders.snoozing import Snoozed, follow_zone, snooze_target
from bot.services.reminders.upcoming import upcoming
from bot.services.zones import person_zone, zone_note
from bot.store.db import Database
from bot.store.people import PeopleStore
from bot.store.reminders import SNOOZED_AWAY, ReminderStore, ScheduleRow

MAX_PAUSE_DAYS = 365
MAX_SNOOZE_MINUTES = 12 * 60
CLOSED_NOTICE = "reminders_closed"
RECENT_HISTORY = timedelta(
    days=7
)  # /reminders shows what became of the reminders of the last week...
RECENT_SHOWN = 6  # ...at most this many of them


class _Unset(Enum):
    UNSET = 0


UNSET = _Unset.UNSET

Status = Literal["on", "paused", "off", "stopped"]


@dataclass(frozen=True)
class PastReminder:
    """What became of one reminder: ``sent``, ``skipped`` or ``failed`` with the reason, or still
    ``pending`` (a retry) / ``claimed`` (being sent)."""

    at: datetime  # when it was due, in the person's time zone
    status: str
    reason: str | None

    def describe(self) -> str:
        return describe_past(self)


@dataclass(frozen=True)
class ScheduleView:
    """A person's reminders as data; instants are in their own time zone (``timezone``), or in the
    zone that stands in for it when it is no longer known (``zone`` says which and why)."""

    user_id: int
    status: Status
    timezone: str
    times: tuple[time, ...]
    weekdays: frozenset[int] | None
    next_at: datetime | None  # the next reminder (a snoozed repeat, if that comes first)
    next_key: str | None
    next_is_snooze: bool
    paused_until: datetime | None
    snoozed_until: datetime | None
    closed_reason: str | None
    as_of: datetime
    recent: tuple[
        PastReminder, ...
    ] = ()  # the last few reminders and what became of them, newest first
    snoozed: Snoozed | None = None  # what a snooze just did (only in the view it returns)
    zone: PersonZone | None = None  # the zone ``timezone`` names, and whether it is theirs

    @property
    def days_text(self) -> str:
        return format_weekdays(self.weekdays)

    @property
    def times_text(self) -> str:
        labels = [format_time(t) for t in self.times]
        return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]

    def describe(self, set_zone: str | None = None) -> str:
        """A few plain sentences for either front end (:func:`messages.describe_schedule`), after
        a line saying the person's zone is no longer known, if it is not (``set_zone``: how to set
        it again, in the front end's words; see :func:`bot.services.zones.zone_note`)."""
        note = zone_note(self.zone, set_zone) if self.zone is not None else None
        text = describe_schedule(self)
        return f"{note}\n{text}" if note else text

    def to_reply(self, set_zone: str | None = None) -> Reply:
        return Reply("info", "Your reminders", self.describe(set_zone), private=True)


class RemindersNotSetUp(ScheduleError):
    def __init__(self) -> None:
        super().__init__(NOT_SET_UP)


class ReminderService:
    """Turn reminders on and off, change, pause and snooze them, and show them.

    Errors a person can fix raise :class:`ScheduleError` (an unknown time zone raises its subclass
    ``UnknownTimezone`` with ``suggestions``); its message is written to be shown as is. Every
    change calls ``wake`` (the dispatcher's ``wake``), so a sooner reminder is not slept through.
    """

    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        wake: Callable[[], None] | None = None,
        recent: timedelta = timedelta(hours=2),
    ):
        self.db = db
        self.store = ReminderStore(db)
        self.people = PeopleStore(db)
        self.clock = clock
        self.wake = wake
        self.recent = recent  # how long after a reminder a plain "snooze" means that reminder

    def _changed(self) -> None:
        if self.wake is not None:
            self.wake()

    async def on(
        self,
        user_id: int,
        timezone: str | None = None,
        times: str | Sequence[time] | None = None,
        weekdays: str | Iterable[int] | _Unset | None = UNSET,
        *,
        morning: time | None = None,
        evening: time | None = None,
    ) -> ScheduleView:
        """Turn reminders on (again). Without ``times``/``weekdays`` the person's earlier choice is
        kept, or 07:30 and 21:30 every day; without ``timezone`` the one the bot already knows.
        ``morning`` and ``evening`` then change one time each (:func:`_with_morning_evening`)."""
        now = self.clock()
        existing = await self.store.get_schedule(user_id)
        tz = await self._timezone(user_id, timezone, existing)
        new_times = _times(times, existing.times if existing else DEFAULT_TIMES)
        new_times = _with_morning_evening(new_times, morning, evening)
        new_days = _weekdays(weekdays, existing.weekdays if existing else None)
        nxt = await upcoming(
            self.store, user_id, now, _counted_in(user_id, tz), new_times, new_days
        )
        row = ScheduleRow(
            user_id=user_id,
            timezone=tz,
            times=new_times,
            weekdays=new_days,
            enabled=True,
            paused_until=None,
            next_due_at=nxt.due_utc,
            next_key=nxt.key,
            closed_reason=None,
            closed_at=None,
            created_at=existing.created_at if existing else now,
            updated_at=now,
        )
        await self._save(row, clear_notice=CLOSED_NOTICE, create=existing is None)
        await follow_zone(self.store, existing, tz, _counted_in(user_id, tz), now)
        self._changed()
        return await self._changed_view(user_id, now)

    async def update(
        self,
        user_id: int,
        *,
        timezone: str | None = None,
        times: str | Sequence[time] | None = None,
        weekdays: str | Iterable[int] | _Unset | None = UNSET,
    ) -> ScheduleView:
        """Change the zone, times or days; what is not given stays. Reminders stay on, off or
        paused as they were."""
        now = self.clock()
        existing = await self._require(user_id)
        tz = resolve_timezone(timezone) if timezone is not None else existing.timezone
        new_times = _times(times, existing.times)
        new_days = _weekdays(weekdays, existing.weekdays)
        paused = (
            existing.paused_until if existing.paused_until and existing.paused_until > now else None
        )
        active = existing.enabled and existing.closed_reason is None
        counted_in = _counted_in(user_id, tz)
        nxt = (
            await upcoming(self.store, user_id, paused or now, counted_in, new_times, new_days)
            if active
            else None
        )
        row = replace(
            existing,
            timezone=tz,
            times=new_times,
            weekdays=new_days,
            paused_until=paused,
            next_due_at=nxt.due_utc if nxt else None,
            next_key=nxt.key if nxt else None,
            updated_at=now,
        )
        await self._save(row)
        await follow_zone(self.store, existing, tz, counted_in, now)
        self._changed()
        return await self._changed_view(user_id, now)

    async def pause(self, user_id: int, days: int) -> ScheduleView:
        """No reminders for ``days`` whole days from now, until this time of day on the person's
        own clock, an hour changed for daylight saving or not (a snoozed one is dropped too)."""
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_PAUSE_DAYS:
            raise ScheduleError(pause_range(MAX_PAUSE_DAYS))
        now = self.clock()
        existing = await self._require_active(user_id)
        local = now.astimezone(zone(_zone_of(existing))) + timedelta(days=days)  # wall clock
        until = local.replace(fold=0).astimezone(UTC)
        nxt = await upcoming(
            self.store, user_id, until, _zone_of(existing), existing.times, existing.weekdays
        )
        row = replace(
            existing, paused_until=until, next_due_at=nxt.due_utc, next_key=nxt.key, updated_at=now
        )
        await self._save(row, drop_snooze=True)
        self._changed()
        return await self._changed_view(user_id, now)

    async def resume(self, user_id: int) -> ScheduleView:
        """End a pause early."""
        now = self.clock()
        existing = await self._require_active(user_id)
        nxt = await upcoming(
            self.store, user_id, now, _zone_of(existing), existing.times, existing.weekdays
        )
        row = replace(
            existing, paused_until=None, next_due_at=nxt.due_utc, next_key=nxt.key, updated_at=now
        )
        await self._save(row)
        self._changed()
        return await self._changed_view(user_id, now)

    async def snooze(self, user_id: int, minutes: int = 30, key: str | None = None) -> ScheduleView:
        """Have one reminder come ``minutes`` after the later of now and its own time: one already
        sent comes again ``minutes`` from now; one not sent yet is pushed back ``minutes`` past its
        time. The view's ``snoozed`` says which reminder and when.

        Which reminder: with ``key`` (the Snooze button under a delivered reminder) that one.
        Without it (the terminal): a snoozed one still waiting, else the one sent in the last two
        hours, else the upcoming one. Snoozing a snoozed reminder again sets its time by the same
        rule instead of adding to it, so ``snooze 30`` twice gives one time, as two presses on the
        button do, and ``snooze 60`` then makes it an hour. One snooze at a time per person.
        """
        if (
            isinstance(minutes, bool)
            or not isinstance(minutes, int)
            or not 1 <= minutes <= MAX_SNOOZE_MINUTES
        ):
            raise ScheduleError(snooze_range(MAX_SNOOZE_MINUTES))
        now = self.clock()
        sched = await self._require_active(user_id)
        zi = zone(_zone_of(sched))
        if sched.paused_until is not None and sched.paused_until > now:
            raise ScheduleError(paused_nothing_to_snooze(sched.paused_until.astimezone(zi)))
        target = await snooze_target(self.store, sched, key, now, self.recent)
        due = max(target.due_at, now) + timedelta(minutes=minutes)
        if target.upcoming:
            await self._postpone_upcoming(sched, due, now)
        else:
            repeat = snooze_key(target.key, due, zi)
            await self.store.set_snooze(user_id, repeat, due, now)
        self._changed()
        view = await self._changed_view(user_id, now)
        done = Snoozed(target.due_at.astimezone(zi), due.astimezone(zi), again=target.sent)
        return replace(view, snoozed=done)

    async def _postpone_upcoming(self, sched: ScheduleRow, due: datetime, now: datetime) -> None:
        """The upcoming reminder comes at ``due`` instead; the schedule moves on past it."""
        assert sched.next_due_at is not None and sched.next_key is not None
        tz = _zone_of(sched)
        following = next_occurrence(sched.next_due_at, tz, sched.times, sched.weekdays)
        await self.store.set_snooze(
            sched.user_id,
            snooze_key(sched.next_key, due, tz),
            due,
            now,
            skip=(sched.next_key, sched.next_due_at, SNOOZED_AWAY),
            next_schedule=(following.key, following.due_utc),
        )

    async def set_timezone(self, user_id: int, text: str) -> str:
        """Make the zone ``text`` names (UnknownTimezone if none) the person's own, without turning
        reminders on; a reminder schedule they have moves to it, staying on, off or paused as it
        was. Returns the zone's name."""
        tz = resolve_timezone(text)
        if await self.store.get_schedule(user_id) is not None:
            await self.update(user_id, timezone=tz)
        else:
            await self.people.set_timezone(user_id, tz, self.clock())
        return tz

    async def off(self, user_id: int) -> ScheduleView | None:
        """Turn reminders off (the times are kept for next time). None if they were never on."""
        now = self.clock()
        existing = await self.store.get_schedule(user_id)
        if existing is None:
            return None
        row = replace(
            existing,
            enabled=False,
            paused_until=None,
            next_due_at=None,
            next_key=None,
            closed_reason=None,
            closed_at=None,
            updated_at=now,
        )
        await self.store.save_schedule(
            row, drop_snooze=True, clear_notice=CLOSED_NOTICE, skip_unsent=SKIPPED_OFF
        )
        self._changed()
        return await self._view(user_id, now)

    async def show(self, user_id: int) -> ScheduleView | None:
        """The person's reminders with the next one in their local time; None if never turned on."""
        return await self._view(user_id, self.clock())

    async def pop_notice(self, user_id: int) -> str | None:
        """Anything the person should be told (e.g. reminders stopped), cleared once fetched."""
        texts = await self.store.pop_notices(user_id)
        return "\n\n".join(texts) if texts else None

    # ------------------------------------------------------------------ helpers

    async def _view(self, user_id: int, now: datetime) -> ScheduleView | None:
        sched = await self.store.get_schedule(user_id)
        if sched is None:
            return None
        where = person_zone(user_id, sched.timezone)
        zi = zone(where.name)
        snooze = await self.store.get_snooze(user_id)
        status: Status
        if sched.closed_reason is not None:
            status = "stopped"
        elif not sched.enabled:
            status = "off"
        elif sched.paused_until is not None and sched.paused_until > now:
            status = "paused"
        else:
            status = "on"
        next_at, next_key, is_snooze = sched.next_due_at, sched.next_key, False
        if snooze is not None and (next_at is None or snooze.due_at < next_at):
            next_at, next_key, is_snooze = snooze.due_at, snooze.occurrence_key, True
        return ScheduleView(
            user_id=user_id,
            status=status,
            timezone=where.name,
            times=sched.times,
            weekdays=sched.weekdays,
            next_at=next_at.astimezone(zi) if next_at else None,
            next_key=next_key,
            next_is_snooze=is_snooze,
            paused_until=sched.paused_until.astimezone(zi)
            if status == "paused" and sched.paused_until
            else None,
            snoozed_until=snooze.due_at.astimezone(zi) if snooze else None,
            closed_reason=sched.closed_reason,
            as_of=now.astimezone(zi),
            recent=tuple(
                PastReminder(d.due_at.astimezone(zi), d.status, d.last_error)
                for d in await self.store.recent_deliveries(
                    user_id, now - RECENT_HISTORY, RECENT_SHOWN, until=now
                )
            ),
            zone=where,
        )

    async def _timezone(self, user_id: int, text: str | None, existing: ScheduleRow | None) -> str:
        if text is not None and text.strip():
            return resolve_timezone(text)
        if existing is not None:
            return existing.timezone
        known = await self.people.timezone(user_id)
        if known:
            return known
        raise ScheduleError(ASK_TIMEZONE)

    async def _save(
        self,
        row: ScheduleRow,
        *,
        drop_snooze: bool = False,
        clear_notice: str | None = None,
        create: bool = False,
    ) -> None:
        """Save a changed schedule; one deleted meanwhile (the person deleted their data) stays
        deleted and the change is refused as if reminders had never been set up."""
        saved = await self.store.save_schedule(
            row, drop_snooze=drop_snooze, clear_notice=clear_notice, create=create
        )
        if not saved:
            raise RemindersNotSetUp()

    async def _changed_view(self, user_id: int, now: datetime) -> ScheduleView:
        """The view after a change; a schedule deleted since is refused like :meth:`_save` does."""
        view = await self._view(user_id, now)
        if view is None:
            raise RemindersNotSetUp()
        return view

    async def _require(self, user_id: int) -> ScheduleRow:
        existing = await self.store.get_schedule(user_id)
        if existing is None:
            raise RemindersNotSetUp()
        return existing

    async def _require_active(self, user_id: int) -> ScheduleRow:
        existing = await self._require(user_id)
        if not existing.enabled:
            raise ScheduleError(TURNED_OFF)
        if existing.closed_reason is not None:
            raise ScheduleError(stopped_turn_on_first(existing.closed_reason))
        return existing


def _counted_in(user_id: int, tz: str) -> str:
    """The zone to compute ``user_id``'s reminder times in: ``tz``, their zone, or what stands in
    for it when this machine no longer knows it (the stored name is kept, for when it does again)."""
    return person_zone(user_id, tz).name


def _zone_of(row: ScheduleRow) -> str:
    return _counted_in(row.user_id, row.timezone)


def _times(value: str | Sequence[time] | None, default: tuple[time, ...]) -> tuple[time, ...]:
    if value is None:
        return default
    if isinstance(value, str):
        return parse_times(value)
    return normalize_times(value)


def _with_morning_evening(
    times: tuple[time, ...], morning: time | None, evening: time | None
) -> tuple[time, ...]:
    """``times`` with a new morning and/or evening reminder; a time not given is kept.

    ``morning`` replaces the earliest time and ``evening`` the latest, so times set in between
    (from the terminal, which takes up to six) stay. A single time is the morning one before
    15:00 and the evening one from then on; the option for the other half adds a second time.
    """
    single = len(times) == 1
    morning_at = None if single and times[0] >= EVENING_FROM else 0
    evening_at = None if single and times[0] < EVENING_FROM else len(times) - 1
    new = list(times)
    for given, at in ((morning, morning_at), (evening, evening_at)):
        if given is None:
            continue
        if at is None:
            new.append(given)
        else:
            new[at] = given
    return normalize_times(new)


def _weekdays(
    value: str | Iterable[int] | _Unset | None, default: frozenset[int] | None
) -> frozenset[int] | None:
    if value is UNSET:
        return default
    if value is None or isinstance(value, str):
        return parse_weekdays(value)
    return normalize_weekdays(value)
