"""Daily routine reminders: the schedule a person sets, the dispatcher that sends them, and a
delivery for the terminal.

``ReminderService`` is what the front ends call (on, update, pause, resume, snooze, off, show,
pop_notice). ``Dispatcher`` is one long-lived task that sends due reminders through a ``Sender``.
Nothing here imports discord: the Discord front end supplies a sender that DMs, the terminal uses
:class:`TerminalSender`.

Exactly once
------------
Each occurrence has an identity (its key, e.g. ``2026-03-08T07:30``) that is unique per person in
the store. Sending one goes: **claim** (one transaction: record the occurrence as ``claimed`` by this
dispatcher and move the schedule to the next occurrence), **send**, **mark** (``sent``).

* A crash between claim and send leaves a claim nobody finishes. Once it is older than the lease
  (default 2 minutes) any dispatcher takes it over and sends it, if it is still within the grace
  period; otherwise it is recorded as skipped. Nothing is lost.
* Once an occurrence is marked ``sent`` it is never sent again: every later change names the state
  it expects, and the key can never be claimed a second time.
* A crash between send and mark is the one case no store can settle on its own: the reminder went
  out but the record does not say so. We choose to send it again (at-least-once) rather than risk
  losing it, and make the repeat harmless instead: every message carries a ``nonce`` derived from
  its identity, and a sender must pass it to a transport that drops repeats (Discord does, for a
  message sent with the same ``nonce`` and ``enforce_nonce`` within a few minutes; discord.py sets
  ``enforce_nonce`` whenever ``nonce`` is given). The lease is kept short so the repeat falls
  inside that window after a quick restart. A sender without such a transport may, in this one
  crash window, deliver a reminder twice.
* ``Dispatcher.stop()`` lets in-flight sends finish (up to a timeout) and hands back any claim it
  still holds, so a clean shutdown leaves nothing half-claimed.

After downtime, an occurrence missed by at most the grace period (default 1 hour) is sent late;
older ones are recorded as skipped and the schedule moves on. When several fell due, only the latest
is sent: nobody gets a burst of stale reminders.
"""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import logging
import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from enum import Enum
from typing import Literal, Protocol, TextIO, Union

from bot.core.replies import Action, Reply, render_text
from bot.core.schedule import (
    DEFAULT_TIMES,
    Occurrence,
    ScheduleError,
    catch_up,
    format_time,
    format_weekdays,
    next_occurrence,
    normalize_times,
    normalize_weekdays,
    parse_times,
    parse_weekdays,
    resolve_timezone,
    snooze_key,
    zone,
)
from bot.store.db import Database
from bot.store.reminders import (
    CLAIMED,
    FAILED,
    SENT,
    SKIPPED,
    DeliveryRow,
    DuePlan,
    ReminderStore,
    ScheduleRow,
    SnoozeRow,
)

log = logging.getLogger("lowback.reminders")

Clock = Callable[[], datetime]
Sleep = Callable[[float], Awaitable[None]]

MIN_GRACE = timedelta(minutes=1)
MAX_PAUSE_DAYS = 365
MAX_SNOOZE_MINUTES = 12 * 60
CLOSED_NOTICE = "reminders_closed"


# --------------------------------------------------------------------------- messages and senders


@dataclass(frozen=True)
class ReminderMessage:
    """One reminder as a front end shows it: the routine for the person's step and a way to start it."""

    title: str
    body: str
    routine_id: str | None
    occurrence_key: str
    user_id: int

    @property
    def nonce(self) -> str:
        """A stable token for this occurrence (25 characters, Discord's limit). Sending the same
        reminder again carries the same nonce, so a transport that drops repeats sends it once."""
        digest = hashlib.sha256(f"{self.user_id}:{self.occurrence_key}".encode()).hexdigest()
        return digest[:25]

    def to_reply(self) -> Reply:
        actions = (Action("start_routine", "Start routine", self.routine_id),) if self.routine_id else ()
        return Reply("info", self.title, self.body, actions=actions, private=True)


class DeliveryStatus(str, Enum):
    DELIVERED = "delivered"
    RETRY = "retry"  # a passing problem (rate limit, network, Discord down): try again later
    CANNOT = "cannot"  # will never work as things are (Discord 50007: the person's DMs are closed)


@dataclass(frozen=True)
class DeliveryResult:
    status: DeliveryStatus
    reason: str | None = None
    retry_after: float | None = None  # seconds, when the transport says (HTTP 429)

    @classmethod
    def delivered(cls) -> "DeliveryResult":
        return cls(DeliveryStatus.DELIVERED)

    @classmethod
    def retry(cls, reason: str | None = None, after: float | None = None) -> "DeliveryResult":
        return cls(DeliveryStatus.RETRY, reason, after)

    @classmethod
    def cannot(cls, reason: str) -> "DeliveryResult":
        return cls(DeliveryStatus.CANNOT, reason)


DELIVERED = DeliveryResult.delivered()


class Sender(Protocol):
    async def send(self, user_id: int, message: ReminderMessage) -> DeliveryResult:
        """Deliver ``message`` to the person. Pass ``message.nonce`` to the transport if it can
        drop repeats. Report a passing failure as RETRY and a permanent one as CANNOT; an
        exception counts as RETRY."""
        ...


Compose = Callable[[int, Occurrence], Union[ReminderMessage, None, Awaitable[Union[ReminderMessage, None]]]]
"""``compose(user_id, occurrence)``: the reminder to send, or None to skip this one (for example
the person already did this session's routine). May be a plain or an async function."""


class TerminalSender:
    """Prints reminders to a text stream: ``lowback chat`` shows them as they come due."""

    def __init__(self, stream: TextIO, *, start_hint: str | None = "Type /routine {routine_id} to start it."):
        self.stream = stream
        self.start_hint = start_hint

    async def send(self, user_id: int, message: ReminderMessage) -> DeliveryResult:
        text = "\n" + render_text(message.to_reply())
        if self.start_hint and message.routine_id:
            text += self.start_hint.format(routine_id=message.routine_id) + "\n"
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError) as exc:  # ValueError: the stream was closed
            return DeliveryResult.retry(f"the terminal could not be written to: {exc}")
        return DELIVERED


# --------------------------------------------------------------------------- the schedule service


class _Unset(Enum):
    UNSET = 0


UNSET = _Unset.UNSET

Status = Literal["on", "paused", "off", "stopped"]


@dataclass(frozen=True)
class ScheduleView:
    """A person's reminders as data; instants are in their own time zone."""

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

    @property
    def days_text(self) -> str:
        return format_weekdays(self.weekdays)

    @property
    def times_text(self) -> str:
        labels = [format_time(t) for t in self.times]
        return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]

    def describe(self) -> str:
        """A few plain sentences for either front end."""
        what = f"{self.times_text}, {self.days_text} ({self.timezone} time)"
        lines: list[str] = []
        if self.status == "on":
            lines.append(f"Reminders are on: {what}.")
        elif self.status == "paused":
            assert self.paused_until is not None
            lines.append(f"Reminders are paused until {_when(self.paused_until)}. Your times: {what}.")
        elif self.status == "off":
            lines.append(f"Reminders are off. Your times are kept for when you turn them on: {what}.")
        else:
            lines.append(
                f"Reminders stopped because I couldn't deliver them ({self.closed_reason}). "
                f"Turn them on again once that's fixed. Your times: {what}."
            )
        if self.next_at is not None:
            label = "Next (snoozed)" if self.next_is_snooze else "Next"
            lines.append(f"{label}: {_when(self.next_at)}, {_until(self.next_at - self.as_of)}.")
        return "\n".join(lines)

    def to_reply(self) -> Reply:
        return Reply("info", "Your reminders", self.describe(), private=True)


def _when(moment: datetime) -> str:
    return f"{moment:%a} {moment.day} {moment:%b}, {moment:%H:%M} {moment.tzname() or ''}".rstrip()


def _until(delta: timedelta) -> str:
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


class RemindersNotSetUp(ScheduleError):
    def __init__(self) -> None:
        super().__init__("You haven't turned reminders on yet.")


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
        weekdays: str | Iterable[int] | None | _Unset = UNSET,
    ) -> ScheduleView:
        """Turn reminders on (again). Without ``times``/``weekdays`` the person's earlier choice is
        kept, or 07:30 and 21:30 every day; without ``timezone`` the one the bot already knows."""
        now = self.clock()
        existing = await self.store.get_schedule(user_id)
        tz = await self._timezone(user_id, timezone, existing)
        new_times = _times(times, existing.times if existing else DEFAULT_TIMES)
        new_days = _weekdays(weekdays, existing.weekdays if existing else None)
        nxt = next_occurrence(now, tz, new_times, new_days)
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
        await self.store.save_schedule(row, clear_notice=CLOSED_NOTICE)
        self._changed()
        return await self._view(user_id, now)

    async def update(
        self,
        user_id: int,
        *,
        timezone: str | None = None,
        times: str | Sequence[time] | None = None,
        weekdays: str | Iterable[int] | None | _Unset = UNSET,
    ) -> ScheduleView:
        """Change the zone, times or days; what is not given stays. Reminders stay on, off or
        paused as they were."""
        now = self.clock()
        existing = await self._require(user_id)
        tz = resolve_timezone(timezone) if timezone is not None else existing.timezone
        new_times = _times(times, existing.times)
        new_days = _weekdays(weekdays, existing.weekdays)
        paused = existing.paused_until if existing.paused_until and existing.paused_until > now else None
        active = existing.enabled and existing.closed_reason is None
        nxt = next_occurrence(paused or now, tz, new_times, new_days) if active else None
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
        await self.store.save_schedule(row)
        self._changed()
        return await self._view(user_id, now)

    async def pause(self, user_id: int, days: float) -> ScheduleView:
        """No reminders for ``days`` days from now (a snoozed one is dropped too)."""
        if isinstance(days, bool) or not isinstance(days, (int, float)) or not 0 < days <= MAX_PAUSE_DAYS:
            raise ScheduleError(f"Pause for 1 to {MAX_PAUSE_DAYS} days.")
        now = self.clock()
        existing = await self._require_active(user_id)
        until = now + timedelta(days=days)
        nxt = next_occurrence(until, existing.timezone, existing.times, existing.weekdays)
        row = replace(existing, paused_until=until, next_due_at=nxt.due_utc, next_key=nxt.key, updated_at=now)
        await self.store.save_schedule(row, drop_snooze=True)
        self._changed()
        return await self._view(user_id, now)

    async def resume(self, user_id: int) -> ScheduleView:
        """End a pause early."""
        now = self.clock()
        existing = await self._require_active(user_id)
        nxt = next_occurrence(now, existing.timezone, existing.times, existing.weekdays)
        row = replace(existing, paused_until=None, next_due_at=nxt.due_utc, next_key=nxt.key, updated_at=now)
        await self.store.save_schedule(row)
        self._changed()
        return await self._view(user_id, now)

    async def snooze(self, user_id: int, minutes: int = 30, key: str | None = None) -> ScheduleView:
        """Have a reminder come (again) ``minutes`` later.

        With ``key`` (a Snooze button on a delivered reminder) that reminder comes again
        ``minutes`` from now. Without it: a snoozed reminder still waiting moves ``minutes`` later;
        else the reminder delivered in the last two hours comes again ``minutes`` from now; else the
        upcoming reminder is postponed by ``minutes``. One snooze at a time per person.
        """
        if isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= MAX_SNOOZE_MINUTES:
            raise ScheduleError(f"Snooze for 1 to {MAX_SNOOZE_MINUTES} minutes.")
        now = self.clock()
        sched = await self._require_active(user_id)
        if sched.paused_until is not None and sched.paused_until > now:
            raise ScheduleError(
                f"Your reminders are paused until {_when(sched.paused_until.astimezone(zone(sched.timezone)))}; "
                "there is nothing to snooze."
            )
        pending = await self.store.get_snooze(user_id)
        delay = timedelta(minutes=minutes)
        tz = sched.timezone
        if key is not None:
            delivered = await self.store.get_delivery(user_id, key)
            if delivered is not None and delivered.status == SENT:
                due = now + delay
                await self.store.set_snooze(user_id, snooze_key(key, due, tz), due, now)
            elif pending is not None and pending.occurrence_key == key:
                await self._push_snooze(pending, delay, now, tz)
            elif key == sched.next_key:
                await self._postpone_upcoming(sched, delay, now)
            else:
                raise ScheduleError("That reminder can't be snoozed any more.")
        elif pending is not None:
            await self._push_snooze(pending, delay, now, tz)
        else:
            last = await self.store.last_sent(user_id)
            if last is not None and last.done_at is not None and now - last.done_at <= self.recent:
                due = now + delay
                await self.store.set_snooze(user_id, snooze_key(last.occurrence_key, due, tz), due, now)
            else:
                await self._postpone_upcoming(sched, delay, now)
        self._changed()
        return await self._view(user_id, now)

    async def _push_snooze(self, pending: SnoozeRow, delay: timedelta, now: datetime, tz: str) -> None:
        due = max(pending.due_at, now) + delay
        await self.store.set_snooze(pending.user_id, snooze_key(pending.occurrence_key, due, tz), due, now)

    async def _postpone_upcoming(self, sched: ScheduleRow, delay: timedelta, now: datetime) -> None:
        assert sched.next_due_at is not None and sched.next_key is not None
        due = max(sched.next_due_at, now) + delay
        following = next_occurrence(sched.next_due_at, sched.timezone, sched.times, sched.weekdays)
        await self.store.set_snooze(
            sched.user_id,
            snooze_key(sched.next_key, due, sched.timezone),
            due,
            now,
            skip=(sched.next_key, sched.next_due_at, "snoozed"),
            next_schedule=(following.key, following.due_utc),
        )

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
        await self.store.save_schedule(row, drop_snooze=True, clear_notice=CLOSED_NOTICE)
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
        zi = zone(sched.timezone)
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
            timezone=sched.timezone,
            times=sched.times,
            weekdays=sched.weekdays,
            next_at=next_at.astimezone(zi) if next_at else None,
            next_key=next_key,
            next_is_snooze=is_snooze,
            paused_until=sched.paused_until.astimezone(zi) if status == "paused" and sched.paused_until else None,
            snoozed_until=snooze.due_at.astimezone(zi) if snooze else None,
            closed_reason=sched.closed_reason,
            as_of=now.astimezone(zi),
        )

    async def _timezone(self, user_id: int, text: str | None, existing: ScheduleRow | None) -> str:
        if text is not None and text.strip():
            return resolve_timezone(text)
        if existing is not None:
            return existing.timezone
        row = await self.db.fetchone("SELECT timezone FROM people WHERE user_id = ?", (user_id,))
        if row is not None and row["timezone"]:
            return row["timezone"]
        raise ScheduleError("Tell me your time zone, e.g. Europe/Berlin, America/New_York or a city like London.")

    async def _require(self, user_id: int) -> ScheduleRow:
        existing = await self.store.get_schedule(user_id)
        if existing is None:
            raise RemindersNotSetUp()
        return existing

    async def _require_active(self, user_id: int) -> ScheduleRow:
        existing = await self._require(user_id)
        if not existing.enabled:
            raise ScheduleError("Your reminders are off. Turn them on first.")
        if existing.closed_reason is not None:
            raise ScheduleError(
                f"Your reminders stopped because I couldn't deliver them ({existing.closed_reason}). "
                "Turn them on again first."
            )
        return existing


def _times(value: str | Sequence[time] | None, default: tuple[time, ...]) -> tuple[time, ...]:
    if value is None:
        return default
    if isinstance(value, str):
        return parse_times(value)
    return normalize_times(value)


def _weekdays(
    value: str | Iterable[int] | None | _Unset, default: frozenset[int] | None
) -> frozenset[int] | None:
    if value is UNSET:
        return default
    if value is None or isinstance(value, str):
        return parse_weekdays(value)
    return normalize_weekdays(value)


# --------------------------------------------------------------------------- rate limiting


class TokenBucket:
    """At most ``rate`` acquisitions a second on average, bursts of up to ``burst``.

    Driven by the injected clock and sleep. In any one-second window at most ``burst + rate``
    acquisitions succeed, so ``rate=40, burst=5`` stays under Discord's 50 requests a second
    with room left for interactive traffic.
    """

    def __init__(self, rate: float, burst: int, clock: Clock, sleep: Sleep):
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self.rate = float(rate)
        self.capacity = float(burst)
        self._clock = clock
        self._sleep = sleep
        self._tokens = float(burst)
        self._stamp: datetime | None = None
        self._lock = asyncio.Lock()

    def _refill(self) -> None:
        now = self._clock()
        if self._stamp is not None:
            elapsed = max(0.0, (now - self._stamp).total_seconds())
            self._tokens = min(self.capacity, self._tokens + elapsed * self.rate)
        self._stamp = now

    async def acquire(self) -> None:
        async with self._lock:
            while True:
                self._refill()
                if self._tokens >= 1.0 - 1e-9:
                    self._tokens -= 1.0
                    return
                await self._sleep((1.0 - self._tokens) / self.rate)


# --------------------------------------------------------------------------- the dispatcher


@dataclass
class DispatchStats:
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    retried: int = 0
    resent_after_crash: int = 0


@dataclass
class _Claim:
    delivery: DeliveryRow
    timezone: str


class Dispatcher:
    """Sends due reminders: one task for everyone, not one per reminder.

    The task looks at the store, sends what is due, then sleeps until the earliest due instant,
    never longer than ``max_wait`` seconds (then it looks again: a stuck task shows, and a change
    made by another process is picked up). ``wake()`` ends the sleep early; the service calls it
    whenever a schedule changes. This is the pattern of RoboDanny's reminder cog, except that only
    the sleep is cancelled, never a send in progress.

    Sends run concurrently (up to ``max_in_flight``) and start no faster than ``rate`` a second
    (token bucket, ``burst`` at once). A send that reports RETRY (or raises) is tried again with
    exponential back-off while still within grace, at most ``max_attempts`` times; CANNOT stops
    the person's reminders, records why, and leaves them a notice. See the module docstring for
    what is guaranteed across crashes. ``only_user`` limits the dispatcher to one person (the
    terminal chat, which must never deliver other people's reminders).
    """

    def __init__(
        self,
        db: Database,
        sender: Sender,
        compose: Compose,
        clock: Clock,
        sleep: Sleep,
        *,
        grace: timedelta = timedelta(hours=1),
        rate: float = 40.0,
        burst: int = 5,
        lease: timedelta = timedelta(minutes=2),
        max_wait: float = 60.0,
        max_in_flight: int = 20,
        batch: int = 100,
        retry_base: timedelta = timedelta(seconds=30),
        retry_cap: timedelta = timedelta(minutes=10),
        max_attempts: int = 5,
        only_user: int | None = None,
        keep_history: timedelta = timedelta(days=30),
        name: str | None = None,
    ):
        self.store = ReminderStore(db)
        self.sender = sender
        self.compose = compose
        self.clock = clock
        self._sleep = sleep
        self.grace = max(grace, MIN_GRACE)
        self.bucket = TokenBucket(rate, burst, clock, sleep)
        self.lease = lease
        self.max_wait = max_wait
        self.batch = batch
        self.retry_base = retry_base
        self.retry_cap = retry_cap
        self.max_attempts = max_attempts
        self.only_user = only_user
        self.keep_history = keep_history
        self.name = name or f"dispatcher-{uuid.uuid4().hex[:12]}"
        self.stats = DispatchStats()
        self._slots = asyncio.Semaphore(max_in_flight)
        self._tasks: set[asyncio.Task] = set()
        self._inflight: set[int] = set()
        self._task: asyncio.Task | None = None
        self._sleeper: asyncio.Future | None = None
        self._stopping = False
        self._dirty = False
        self._progress = 0
        self._pruned_at: datetime | None = None
        self._aborted: list[BaseException] = []

    # ------------------------------------------------------------------ lifecycle

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        """Start the dispatching task (in the running event loop)."""
        if self.running:
            return
        self._stopping = False
        self._task = asyncio.get_running_loop().create_task(self._run(), name=f"reminders:{self.name}")

    def wake(self) -> None:
        """Look at the store again now (a schedule changed), instead of at the end of the sleep."""
        self._dirty = True
        if self._sleeper is not None and not self._sleeper.done():
            self._sleeper.cancel()

    async def stop(self, timeout: float = 10.0) -> None:
        """Stop dispatching. In-flight sends get up to ``timeout`` seconds to finish; any claim
        still held afterwards is handed back, to be sent again (within grace) on the next start."""
        self._stopping = True
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        if self._tasks:
            _done, pending = await asyncio.wait(set(self._tasks), timeout=timeout)
            for t in pending:
                t.cancel()
            if pending:
                await asyncio.gather(*pending, return_exceptions=True)
        released = await self.store.release_claims(self.name, self.clock())
        if released:
            log.info("handed back %d unfinished reminder(s) on stop", released)

    async def run_pending(self) -> datetime | None:
        """Dispatch everything due now, wait for those sends to finish, and return when the next
        thing is due (None: nothing scheduled). The running task does the same in its loop; this is
        for tests and tools that drive time themselves."""
        self._stopping = False
        while True:
            _next_at, more = await self._pass()
            if not more:
                break
        await self._drain()
        return await self.store.earliest_due(only_user=self.only_user)

    async def _drain(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
        if self._aborted:
            exc = self._aborted.pop(0)
            self._aborted.clear()
            raise exc

    async def _run(self) -> None:
        log.info("reminder dispatcher %s started", self.name)
        while not self._stopping:
            self._dirty = False
            progress_before = self._progress
            try:
                next_at, more = await self._pass()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("reminder dispatcher: a pass over the store failed")
                next_at, more = None, False
            if self._stopping:
                break
            if more or self._dirty:
                await asyncio.sleep(0)
                continue
            if next_at is None:
                delay = self.max_wait
            else:
                delay = (next_at - self.clock()).total_seconds()
                if delay <= 0 and self._progress == progress_before:
                    delay = 1.0  # due but not handled (an error, logged): do not spin on it
            await self._nap(min(max(delay, 0.0), self.max_wait))

    async def _nap(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        self._sleeper = asyncio.ensure_future(self._sleep(seconds))
        try:
            await asyncio.wait({self._sleeper})  # returns when slept or woken (cancelled)
        finally:
            if not self._sleeper.done():
                self._sleeper.cancel()
            self._sleeper = None

    # ------------------------------------------------------------------ one pass

    async def _pass(self) -> tuple[datetime | None, bool]:
        """Send everything due now. Returns the next instant anything is due, and whether more
        was due than one batch holds."""
        now = self.clock()
        await self._maybe_prune(now)
        more = False

        recover = await self.store.recoverable(now, now - self.lease, self.batch, only_user=self.only_user)
        todo = [row for row in recover if row.id not in self._inflight]
        more |= len(todo) >= self.batch
        for row in todo:
            if self._stopping:
                return None, False
            await self._guard(self._recover(row), row.user_id)

        due = await self.store.due_schedule_ids(self.clock(), self.batch, only_user=self.only_user)
        more |= len(due) >= self.batch
        for user_id in due:
            if self._stopping:
                return None, False
            await self._guard(self._claim_schedule(user_id), user_id)

        snoozed = await self.store.due_snooze_ids(self.clock(), self.batch, only_user=self.only_user)
        more |= len(snoozed) >= self.batch
        for user_id in snoozed:
            if self._stopping:
                return None, False
            await self._guard(self._claim_snooze(user_id), user_id)

        return await self.store.earliest_due(only_user=self.only_user), more

    async def _guard(self, work: Awaitable[None], user_id: int) -> None:
        """One person's trouble (a bad row, a compose error) must not stop everyone's reminders."""
        try:
            await work
        except Exception:
            log.exception("reminder for user %s could not be dispatched", user_id)

    async def _maybe_prune(self, now: datetime) -> None:
        if self._pruned_at is not None and now - self._pruned_at < timedelta(hours=6):
            return
        self._pruned_at = now
        removed = await self.store.prune_deliveries(now - self.keep_history)
        if removed:
            log.info("forgot %d reminder record(s) older than %s", removed, self.keep_history)

    def _plan(self, row: ScheduleRow, now: datetime) -> DuePlan:
        """Pure: what to do with a due schedule row (runs inside the claim transaction)."""
        if not row.enabled or row.closed_reason is not None or row.next_key is None or row.next_due_at is None:
            return DuePlan(None, (), None, None)
        if row.paused_until is not None and row.paused_until > now:
            nxt = next_occurrence(row.paused_until, row.timezone, row.times, row.weekdays)
            return DuePlan(None, (), nxt.key, nxt.due_utc)
        due = Occurrence.from_key(row.next_key, row.next_due_at, row.timezone)
        result = catch_up(due, now, self.grace, row.timezone, row.times, row.weekdays)
        skipped = tuple(
            (o.key, o.due_utc, "too late: missed by more than the grace period" if now - o.due_utc > self.grace
             else "replaced by a later reminder")
            for o in result.skipped
        )  # fmt: skip
        send = (result.send.key, result.send.due_utc) if result.send else None
        return DuePlan(send, skipped, result.next.key, result.next.due_utc)

    async def _claim_schedule(self, user_id: int) -> None:
        await self._slots.acquire()
        try:
            now = self.clock()
            seen: list[str] = []

            def decide(row: ScheduleRow) -> DuePlan:
                seen.append(row.timezone)
                plan = self._plan(row, now)
                self.stats.skipped += len(plan.skipped)
                return plan

            delivery = await self.store.claim_due_schedule(user_id, now, self.name, decide)
        except BaseException:
            self._slots.release()
            raise
        self._progress += 1
        if delivery is None:
            self._slots.release()
            return
        await self._dispatch(_Claim(delivery, seen[0]))

    async def _claim_snooze(self, user_id: int) -> None:
        await self._slots.acquire()
        try:
            now = self.clock()
            sched = await self.store.get_schedule(user_id)
            active = (
                sched is not None
                and sched.enabled
                and sched.closed_reason is None
                and not (sched.paused_until is not None and sched.paused_until > now)
            )

            def decide(snooze: SnoozeRow) -> bool:
                ok = active and now - snooze.due_at <= self.grace
                if not ok:
                    self.stats.skipped += 1
                return ok

            delivery = await self.store.claim_due_snooze(user_id, now, self.name, decide)
        except BaseException:
            self._slots.release()
            raise
        self._progress += 1
        if delivery is None or sched is None:
            self._slots.release()
            return
        await self._dispatch(_Claim(delivery, sched.timezone))

    async def _recover(self, row: DeliveryRow) -> None:
        """A retry whose time has come, or a claim abandoned by a dispatcher that stopped or died."""
        now = self.clock()
        sched = await self.store.get_schedule(row.user_id)
        reason = None
        if sched is None or not sched.enabled:
            reason = "reminders were turned off"
        elif sched.closed_reason is not None:
            reason = f"reminders stopped: {sched.closed_reason}"
        elif sched.paused_until is not None and sched.paused_until > now:
            reason = "reminders were paused"
        elif now - row.due_at > self.grace:
            reason = "too late: missed by more than the grace period"
        elif row.attempts >= self.max_attempts:
            reason = f"gave up after {row.attempts} attempts"
        if reason is not None:
            if await self.store.skip_delivery(row, reason, now):
                self.stats.skipped += 1
                self._progress += 1
            return
        assert sched is not None
        await self._slots.acquire()
        try:
            claimed = await self.store.reclaim(row, now, self.name)
        except BaseException:
            self._slots.release()
            raise
        self._progress += 1
        if claimed is None:
            self._slots.release()
            return
        if row.status == CLAIMED:
            self.stats.resent_after_crash += 1
            log.warning(
                "sending reminder %s for user %s again: the dispatcher that claimed it stopped before recording it",
                row.occurrence_key,
                row.user_id,
            )
        await self._dispatch(_Claim(claimed, sched.timezone))

    async def _dispatch(self, claim: _Claim) -> None:
        """Compose and start sending a claimed reminder. Holds one slot, released when done."""
        delivery = claim.delivery
        started = False
        self._inflight.add(delivery.id)
        try:
            occurrence = Occurrence.from_key(delivery.occurrence_key, delivery.due_at, claim.timezone)
            try:
                message = self.compose(delivery.user_id, occurrence)
                if inspect.isawaitable(message):
                    message = await message
            except Exception as exc:
                log.exception("composing reminder %s for user %s failed", delivery.occurrence_key, delivery.user_id)
                await self._settle(delivery, DeliveryResult.retry(f"composing failed: {exc}"))
                return
            if message is None:
                if await self.store.finish(delivery, SKIPPED, self.clock(), error="nothing to remind of: already done"):
                    self.stats.skipped += 1
                return
            if message.user_id != delivery.user_id or message.occurrence_key != delivery.occurrence_key:
                message = replace(message, user_id=delivery.user_id, occurrence_key=delivery.occurrence_key)
            await self.bucket.acquire()
            task = asyncio.get_running_loop().create_task(self._send(delivery, message))
            started = True
            self._tasks.add(task)
            task.add_done_callback(self._sent_done)
        finally:
            if not started:
                self._inflight.discard(delivery.id)
                self._slots.release()

    def _sent_done(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is None:
            return
        if isinstance(exc, Exception):
            log.error("a reminder send ended abnormally", exc_info=exc)
        else:
            self._aborted.append(exc)  # the process is going down: run_pending re-raises it

    async def _send(self, delivery: DeliveryRow, message: ReminderMessage) -> None:
        try:
            try:
                result = await self.sender.send(delivery.user_id, message)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("sending reminder %s to user %s raised %r", delivery.occurrence_key, delivery.user_id, exc)
                result = DeliveryResult.retry(f"{type(exc).__name__}: {exc}")
            await self._settle(delivery, result, routine_id=message.routine_id)
        finally:
            self._inflight.discard(delivery.id)
            self._slots.release()

    def _backoff(self, attempts: int, retry_after: float | None) -> timedelta:
        delay = min(self.retry_base * (2 ** max(0, attempts - 1)), self.retry_cap)
        if retry_after is not None:
            delay = max(delay, timedelta(seconds=retry_after))
        return delay

    async def _settle(self, delivery: DeliveryRow, result: DeliveryResult, *, routine_id: str | None = None) -> None:
        """Record what became of a claimed delivery."""
        now = self.clock()
        if result.status is DeliveryStatus.DELIVERED:
            if await self.store.finish(delivery, SENT, now, routine_id=routine_id):
                self.stats.sent += 1
            else:
                log.warning("reminder %s for user %s was sent after its claim expired", delivery.occurrence_key, delivery.user_id)
            return
        reason = result.reason or "unknown error"
        if result.status is DeliveryStatus.CANNOT:
            log.info("stopping reminders for user %s: %s", delivery.user_id, reason)
            text = (
                f"I couldn't send you your routine reminder ({reason}), so I've stopped your reminders. "
                "Turn them on again whenever you want them back."
            )
            await self.store.fail_and_close(delivery, reason, now, notice=(CLOSED_NOTICE, text))
            self.stats.failed += 1
            return
        retry_at = now + self._backoff(delivery.attempts, result.retry_after)
        if delivery.attempts >= self.max_attempts or retry_at - delivery.due_at > self.grace:
            await self.store.finish(delivery, FAILED, now, error=f"gave up after {delivery.attempts} attempt(s): {reason}")
            self.stats.failed += 1
            return
        if await self.store.release_for_retry(delivery, retry_at, reason):
            self.stats.retried += 1
            self.wake()

