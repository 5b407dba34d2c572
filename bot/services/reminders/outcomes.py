"""What the dispatcher decides about a claimed or due reminder, and how it records the outcome.

The decisions are pure (a due schedule row and the clock in, a plan out); :class:`Settler` writes
what became of a send: sent, retried later with back-off, given up, or the person's reminders
stopped when they can never be delivered.
"""

from __future__ import annotations

import functools
import logging
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.clock import Clock
from bot.core.schedule import Occurrence, catch_up, key_due_utc, next_occurrence
from bot.services.reminders.delivery import DeliveryResult, DeliveryStatus
from bot.services.reminders.messages import (
    NONCE_KEPT,
    SKIPPED_LATE,
    SKIPPED_REPLACED,
    SKIPPED_UNSURE,
    stopped_notice,
)
from bot.services.reminders.schedule import CLOSED_NOTICE
from bot.store.reminders import (
    CLAIMED,
    FAILED,
    PENDING,
    SENT,
    DeliveryRow,
    DuePlan,
    ReminderStore,
    ScheduleRow,
)

log = logging.getLogger("lowback.reminders")


@dataclass
class DispatchStats:
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    retried: int = 0
    resent_after_crash: int = 0


def machine() -> str:
    """Where process ids mean the same: the host name and, where there is one, the process-id
    namespace. Two containers on the host's network share its name, and each may be pid 1."""
    try:
        return f"{socket.gethostname()}/{os.stat('/proc/self/ns/pid').st_ino}"
    except OSError:  # no /proc (not Linux)
        return socket.gethostname()


def dispatcher_name() -> str:
    """machine:pid:random, so a restarted process can tell its dead predecessor's claims
    (:func:`holder_is_dead`)."""
    return f"{machine()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def holder_is_dead(holder: str, me: str) -> bool:
    """Whether the dispatcher named ``holder`` is certainly gone: it ran on this machine (see
    :func:`machine`) in a process that no longer exists, or in this very process id under another
    name. Anything else (another machine or container, an unknown name) is left to its lease."""
    try:
        host, pid_text, _ = holder.split(":", 2)
        my_host, my_pid, _ = me.split(":", 2)
        pid = int(pid_text)
    except ValueError:
        return False
    if host != my_host or holder == me:
        return False
    if str(pid) == my_pid:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False  # it exists (another user's process, perhaps): not ours to judge
    return False


def is_active(sched: ScheduleRow | None, now: datetime) -> bool:
    """Whether the schedule sends reminders at ``now``: on, not stopped and not paused."""
    return (
        sched is not None
        and sched.enabled
        and sched.closed_reason is None
        and not (sched.paused_until is not None and sched.paused_until > now)
    )


async def follow_zone_rules(
    store: ReminderStore, only_user: int | None, skip_user: int | None
) -> bool:
    """Each schedule's next reminder at the instant its local time names under the zone rules this
    process has: a tzdata update since it was worked out (Kazakhstan's +06 becoming +05 in 2024)
    would otherwise bring it an hour off, once. The dispatcher does this at its first pass."""

    @functools.cache  # many people share a zone and a key
    def due_of(key: str, tz: str) -> datetime | None:
        try:
            return key_due_utc(key, tz)
        except ValueError:  # a zone this machine no longer knows (UnknownTimezone), a bad key
            return None

    moved = await store.follow_zone_rules(due_of, only_user=only_user, skip_user=skip_user)
    if moved:
        log.info("moved %d next reminder(s) to the time their zone's rules now give", moved)
    return True


def plan_due(row: ScheduleRow, now: datetime, grace: timedelta, tz: str | None = None) -> DuePlan:
    """Pure: what to do with a due schedule row (runs inside the claim transaction). ``tz`` is the
    zone to count its times in, when the row's own is no longer known (default: the row's)."""
    tz = tz or row.timezone
    if (
        not row.enabled
        or row.closed_reason is not None
        or row.next_key is None
        or row.next_due_at is None
    ):
        return DuePlan(None, (), None, None)
    if row.paused_until is not None and row.paused_until > now:
        nxt = next_occurrence(row.paused_until, tz, row.times, row.weekdays)
        return DuePlan(None, (), nxt.key, nxt.due_utc)
    due = Occurrence.from_key(row.next_key, row.next_due_at, tz)
    result = catch_up(due, now, grace, tz, row.times, row.weekdays)
    skipped = tuple(
        (o.key, o.due_utc, SKIPPED_LATE if now - o.due_utc > grace else SKIPPED_REPLACED)
        for o in result.skipped
    )  # fmt: skip
    send = (result.send.key, result.send.due_utc) if result.send else None
    return DuePlan(send, skipped, result.next.key, result.next.due_utc)


def why_not_resend(
    sched: ScheduleRow | None,
    claimed: DeliveryRow,
    was: str,
    now: datetime,
    grace: timedelta,
    max_attempts: int,
) -> str | None:
    """Pure: why a retry or an abandoned claim should not be sent after all (None: send it)."""
    if sched is None or not sched.enabled:
        return "reminders were turned off"
    if sched.closed_reason is not None:
        return f"reminders stopped: {sched.closed_reason}"
    if sched.paused_until is not None and sched.paused_until > now:
        return "reminders were paused"
    if now - claimed.due_at > grace:
        return SKIPPED_LATE
    if may_show_again(claimed.doubt_first_at, claimed.doubt_last_at):
        # A send cut short that may have gone out, and later one, too late for Discord to drop it
        # by its nonce, cut short as well: the person may have had it twice already, and a
        # process that keeps dying while it sends must not DM them every time it starts again.
        return SKIPPED_UNSURE
    if was != CLAIMED and claimed.attempts > max_attempts:
        # Only failed sends count here: a claim abandoned by a crash is no failure of the
        # reminder, and grace alone bounds how long it is tried.
        return f"gave up after {claimed.attempts - 1} attempts"
    return None


def may_show_again(first: datetime | None, moment: datetime | None) -> bool:
    """Pure: whether a send of a reminder at ``moment`` may show the person a second copy, when a
    send cut short (its process died mid-send) started at ``first``: it may, once Discord no
    longer drops a repeat of the nonce (``NONCE_KEPT``, on the clock leases are judged by)."""
    return first is not None and moment is not None and moment - first > NONCE_KEPT


def lost_claim(sent: DeliveryRow, now_row: DeliveryRow | None) -> tuple[int, str] | None:
    """Pure: what to log when a reminder was sent but its claim could not be marked sent, judged
    by the row as it is now (None: gone). None when the row already says what we wanted (a record
    that went through although its answer was lost, then tried again)."""
    what = f"reminder {sent.occurrence_key} for user {sent.user_id} was sent"
    if now_row is None:
        return (
            logging.INFO,
            f"{what}, but the person deleted their data meanwhile: nothing of it is kept",
        )
    ours = now_row.claimed_by == sent.claimed_by and now_row.attempts == sent.attempts
    if ours and now_row.status == SENT:
        return None
    if now_row.status == CLAIMED:
        return logging.WARNING, (
            f"{what}, but its claim had run out and {now_row.claimed_by} took it over meanwhile: it"
            " may be sent again, with the same nonce (Discord drops a repeat within a few minutes)"
        )
    if now_row.status == PENDING:
        return logging.WARNING, (
            f"{what}, but its claim had been handed back meanwhile: it may be sent again, with the same nonce"
        )
    return logging.WARNING, f"{what}, but it had been recorded as {now_row.status} meanwhile"


def attempts_within(grace: timedelta, retry_base: timedelta, retry_cap: timedelta) -> int:
    """Pure: how many tries of one reminder the back-off (``retry_base``, doubling up to
    ``retry_cap``) fits into ``grace``: the first and every retry that starts within it. A
    passing fault (Discord answering 5xx for a quarter of an hour) is then tried until the grace
    period ends, as a reminder missed during a restart is, and no longer."""
    tries, waited = 1, timedelta()
    while True:
        waited += backoff_delay(tries, retry_base, retry_cap)
        if waited > grace or retry_base <= timedelta():
            return tries
        tries += 1


def backoff_delay(attempts: int, retry_base: timedelta, retry_cap: timedelta) -> timedelta:
    """Pure: the wait after the ``attempts``-th try: ``retry_base`` doubled for each try before,
    at most ``retry_cap``."""
    doublings = min(max(0, attempts - 1), 40)  # beyond any cap, and no overflow on a long run
    delay: timedelta = min(retry_base * 2**doublings, retry_cap)
    return delay


class Settler:
    """Records what became of a claimed delivery; owned by the :class:`Dispatcher`, which passes
    its store, clock, statistics, limits and ``wake`` (a retry is something new to wait for)."""

    def __init__(
        self,
        store: ReminderStore,
        clock: Clock,
        stats: DispatchStats,
        grace: timedelta,
        retry_base: timedelta,
        retry_cap: timedelta,
        max_attempts: int,
        wake: Callable[[], None],
    ):
        self.store = store
        self.clock = clock
        self.stats = stats
        self.grace = grace
        self.retry_base = retry_base
        self.retry_cap = retry_cap
        self.max_attempts = max_attempts
        self.wake = wake

    def backoff(self, attempts: int, retry_after: float | None) -> timedelta:
        delay = backoff_delay(attempts, self.retry_base, self.retry_cap)
        if retry_after is not None:
            delay = max(delay, timedelta(seconds=retry_after))
        return delay

    async def settle(
        self,
        delivery: DeliveryRow,
        result: DeliveryResult,
        *,
        routine_id: str | None = None,
        known_channel: int | None = None,
    ) -> None:
        """Record what became of a claimed delivery (and a DM channel the sender learned)."""
        now = self.clock()
        channel = result.channel_id if result.channel_id != known_channel else None
        if result.status is DeliveryStatus.DELIVERED:
            if await self.store.finish(
                delivery, SENT, now, routine_id=routine_id, dm_channel_id=channel
            ):
                self.stats.sent += 1
                return
            lost = lost_claim(delivery, await self.store.delivery_by_id(delivery.id))
            if lost is None:
                self.stats.sent += 1
            else:
                log.log(lost[0], "%s", lost[1])
            return
        reason = result.reason or "unknown error"
        if result.status is DeliveryStatus.CANNOT:
            log.info("stopping reminders for user %s: %s", delivery.user_id, reason)
            notice = (CLOSED_NOTICE, stopped_notice(reason))
            await self.store.fail_and_close(delivery, reason, now, notice=notice)
            self.stats.failed += 1
            return
        retry_at = now + self.backoff(delivery.attempts, result.retry_after)
        if delivery.attempts >= self.max_attempts or retry_at - delivery.due_at > self.grace:
            await self.store.finish(
                delivery,
                FAILED,
                now,
                error=f"gave up after {delivery.attempts} attempt(s): {reason}",
            )
            self.stats.failed += 1
            return
        if await self.store.release_for_retry(delivery, retry_at, reason):
            self.stats.retried += 1
            self.wake()
