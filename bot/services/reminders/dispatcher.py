"""The reminder dispatcher: one long-lived task that sends due reminders through a ``Sender``.

Nothing here imports discord: the Discord front end supplies a sender that DMs
(``bot.exts.reminders.sender.DiscordSender``), the terminal one that prints (``bot.terminal.sender``).

Exactly once
------------
Each occurrence has an identity (its key, e.g. ``2026-03-08T07:30``) that is unique per person in
the store. Sending one goes: **claim** (one transaction: record the occurrence as ``claimed`` by this
dispatcher and move the schedule to the next occurrence), **send**, **mark** (``sent``).

* A crash between claim and send leaves a claim nobody finishes. Once it is older than the lease
  (default 20 s) any other dispatcher takes it over (``ReminderStore.claim_expired``, the one
  place a lease is judged) and sends it, if it is still within the grace period; otherwise it is
  recorded as skipped. A restarted dispatcher sleeps exactly until the lease ends (the expiry of
  a claim counts as something due), so an abandoned reminder goes out again within about 20 s of
  the restart, not minutes later. Crashes do not count as failed attempts. Nothing is lost.
* Once an occurrence is marked ``sent`` it is never sent again: every later change names the state
  it expects, and the key can never be claimed a second time.
* A crash between send and mark is the one case no store can settle on its own: the reminder went
  out but the record does not say so. We choose to send it again (at-least-once) rather than risk
  losing it, and make the repeat harmless instead: every message carries a ``nonce`` derived from
  its identity, and a sender must pass it to a transport that drops repeats (Discord does, for a
  message sent with the same ``nonce`` and ``enforce_nonce`` within a few minutes; discord.py sets
  ``enforce_nonce`` whenever ``nonce`` is given). The lease is kept short so the repeat falls
  inside that window after a quick restart: measured with ``tests/bench/crash.py`` (the process
  killed at random points, over and over), every repeat came well within two minutes of the
  first try. A process that stays down longer than Discord's window and then restarts within the
  grace period could, in this one crash window, deliver a reminder twice; a sender without such a
  transport (the terminal) may too.
* ``Dispatcher.stop()`` lets in-flight sends finish (up to a timeout) and hands back any claim it
  still holds, so a clean shutdown leaves nothing half-claimed.

After downtime, an occurrence missed by at most the grace period (default 1 hour) is sent late;
older ones are recorded as skipped and the schedule moves on. When several fell due, only the latest
is sent: nobody gets a burst of stale reminders. Every occurrence not sent gets a record with the
reason (too late, replaced by a later one, skipped because a routine was already done), which
``/reminders`` shows.

Sends start no faster than ``rate`` a second; the Discord front end also puts every REST call
through one ``RestLimiter`` (``ratelimit.py``). A failure that repeats (a full disk, for every
due person, every second) is logged once, then counted.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.core.schedule import Occurrence, catch_up, next_occurrence
from bot.logging_setup import RepeatedErrors
from bot.services.reminders.delivery import Compose, DeliveryResult, DeliveryStatus, Sender
from bot.services.reminders.messages import ReminderMessage
from bot.services.reminders.ratelimit import TokenBucket
from bot.services.reminders.schedule import CLOSED_NOTICE
from bot.store.db import Database, DatabaseError
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

# Why an occurrence was not sent, as /reminders shows it.
SKIPPED_DONE = "skipped: you had already done a routine this session"
SKIPPED_LATE = (
    "too late: missed by more than the grace period (the bot was not running or could not send)"
)
SKIPPED_REPLACED = "replaced by a later reminder"


def _dead(holder: str, me: str) -> bool:
    """Whether the dispatcher named ``holder`` is certainly gone: it ran on this host in a process
    that no longer exists, or in this very process id (a restarted container is pid 1 again) under
    another name. Anything else (another host, an unknown name) is left to its lease."""
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
    channel_id: int | None = None  # the person's DM channel, if known


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
        lease: timedelta = timedelta(seconds=20),
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
        # host:pid:random, so a restarted process can tell its dead predecessor's claims (see _dead).
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"
        self._looked_for_dead = False
        self.stats = DispatchStats()
        self.max_in_flight = max_in_flight
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
        self._errors = RepeatedErrors(log, clock=lambda: self.clock().timestamp())

    # ------------------------------------------------------------------ lifecycle

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        """Start the dispatching task (in the running event loop)."""
        if self.running:
            return
        self._stopping = False
        self._task = asyncio.get_running_loop().create_task(
            self._run(), name=f"reminders:{self.name}"
        )

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
        return await self._earliest()

    async def _drain(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
        if self._aborted:
            exc = self._aborted.pop(0)
            self._aborted.clear()
            raise exc

    async def _run(self) -> None:
        log.info("reminder dispatcher %s started", self.name)
        failures = 0
        while not self._stopping:
            self._dirty = False
            progress_before = self._progress
            try:
                next_at, more = await self._pass()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._report(exc, "reminder dispatcher: a pass over the store failed")
                failures += 1
                next_at, more = None, False
            else:
                if failures:
                    self._errors.resolve_all()
                failures = 0
            if failures:
                await self._nap(
                    min(2.0**failures, self.max_wait)
                )  # back off while the trouble lasts
                continue
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

        room = max(1, self.max_in_flight - len(self._inflight))
        dead: list[str] = []
        if (
            not self._looked_for_dead
        ):  # once, at start: a crashed predecessor's claims need no lease
            dead = [
                h
                for h in await self.store.claim_holders(only_user=self.only_user)
                if _dead(h, self.name)
            ]
            self._looked_for_dead = not dead
        recover = await self.store.claim_expired(
            now,
            now - self.lease,
            self.name,
            min(self.batch, room),
            only_user=self.only_user,
            dead=dead,
        )
        for row, was in recover:
            if self._stopping:
                await self.store.release_for_retry(row, now, row.last_error)
                continue
            await self._guard(self._recover(row, was), row.user_id)
        if len(recover) >= min(self.batch, room):
            # More to take over: those first. An abandoned claim may have reached Discord already,
            # and its repeat is only harmless while Discord still remembers its nonce.
            return await self._earliest(), True

        due = await self.store.due_schedule_ids(self.clock(), self.batch, only_user=self.only_user)
        more |= len(due) >= self.batch
        for user_id in due:
            if self._stopping:
                return None, False
            await self._guard(self._claim_schedule(user_id), user_id)

        snoozed = await self.store.due_snooze_ids(
            self.clock(), self.batch, only_user=self.only_user
        )
        more |= len(snoozed) >= self.batch
        for user_id in snoozed:
            if self._stopping:
                return None, False
            await self._guard(self._claim_snooze(user_id), user_id)

        return await self._earliest(), more

    async def _earliest(self) -> datetime | None:
        return await self.store.earliest_due(
            only_user=self.only_user, lease=self.lease, claimed_by=self.name
        )

    async def _guard(self, work: Awaitable[None], user_id: int) -> None:
        """One person's trouble (a bad row, a compose error) must not stop everyone's reminders."""
        try:
            await work
        except Exception as exc:
            self._report(exc, f"reminder for user {user_id} could not be dispatched")

    def _report(self, exc: BaseException, what: str) -> None:
        """Log a failure once, then count its repeats (the same fault for every due person, every
        second, is one line). A fault of the database or disk says what to do, without a traceback."""
        plain = isinstance(exc, DatabaseError)
        self._errors.report(
            (type(exc).__name__, str(exc)), f"{what}: {exc}", exc_info=None if plain else exc
        )

    async def _maybe_prune(self, now: datetime) -> None:
        if self._pruned_at is not None and now - self._pruned_at < timedelta(hours=6):
            return
        self._pruned_at = now
        removed = await self.store.prune_deliveries(now - self.keep_history)
        if removed:
            log.info("forgot %d reminder record(s) older than %s", removed, self.keep_history)

    def _plan(self, row: ScheduleRow, now: datetime) -> DuePlan:
        """Pure: what to do with a due schedule row (runs inside the claim transaction)."""
        if (
            not row.enabled
            or row.closed_reason is not None
            or row.next_key is None
            or row.next_due_at is None
        ):
            return DuePlan(None, (), None, None)
        if row.paused_until is not None and row.paused_until > now:
            nxt = next_occurrence(row.paused_until, row.timezone, row.times, row.weekdays)
            return DuePlan(None, (), nxt.key, nxt.due_utc)
        due = Occurrence.from_key(row.next_key, row.next_due_at, row.timezone)
        result = catch_up(due, now, self.grace, row.timezone, row.times, row.weekdays)
        skipped = tuple(
            (o.key, o.due_utc, SKIPPED_LATE if now - o.due_utc > self.grace else SKIPPED_REPLACED)
            for o in result.skipped
        )  # fmt: skip
        send = (result.send.key, result.send.due_utc) if result.send else None
        return DuePlan(send, skipped, result.next.key, result.next.due_utc)

    async def _claim_schedule(self, user_id: int) -> None:
        await self._slots.acquire()
        try:
            now = self.clock()
            seen: list[ScheduleRow] = []

            def decide(row: ScheduleRow) -> DuePlan:
                seen.append(row)
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
        await self._dispatch(_Claim(delivery, seen[0].timezone, seen[0].dm_channel_id))

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
        await self._dispatch(_Claim(delivery, sched.timezone, sched.dm_channel_id))

    async def _recover(self, claimed: DeliveryRow, was: str) -> None:
        """A retry whose time has come, or a claim abandoned by a dispatcher that stopped or died,
        now claimed by this one: send it, or record why not."""
        now = self.clock()
        sched = await self.store.get_schedule(claimed.user_id)
        reason = None
        if sched is None or not sched.enabled:
            reason = "reminders were turned off"
        elif sched.closed_reason is not None:
            reason = f"reminders stopped: {sched.closed_reason}"
        elif sched.paused_until is not None and sched.paused_until > now:
            reason = "reminders were paused"
        elif now - claimed.due_at > self.grace:
            reason = SKIPPED_LATE
        elif was != CLAIMED and claimed.attempts > self.max_attempts:
            # Only failed sends count here: a claim abandoned by a crash is no failure of the
            # reminder, and grace alone bounds how long it is tried.
            reason = f"gave up after {claimed.attempts - 1} attempts"
        self._progress += 1
        if reason is not None:
            if await self.store.finish(claimed, SKIPPED, now, error=reason):
                self.stats.skipped += 1
            return
        assert sched is not None
        await self._slots.acquire()
        if was == CLAIMED:
            self.stats.resent_after_crash += 1
            log.warning(
                "sending reminder %s for user %s again: the dispatcher that claimed it stopped before recording it",
                claimed.occurrence_key,
                claimed.user_id,
            )
        await self._dispatch(_Claim(claimed, sched.timezone, sched.dm_channel_id))

    async def _dispatch(self, claim: _Claim) -> None:
        """Compose and start sending a claimed reminder. Holds one slot, released when done."""
        delivery = claim.delivery
        started = False
        self._inflight.add(delivery.id)
        try:
            occurrence = Occurrence.from_key(
                delivery.occurrence_key, delivery.due_at, claim.timezone
            )
            try:
                message = self.compose(delivery.user_id, occurrence)
                if inspect.isawaitable(message):
                    message = await message
            except Exception as exc:
                log.exception(
                    "composing reminder %s for user %s failed",
                    delivery.occurrence_key,
                    delivery.user_id,
                )
                await self._settle(delivery, DeliveryResult.retry(f"composing failed: {exc}"))
                return
            if message is None:
                if await self.store.finish(delivery, SKIPPED, self.clock(), error=SKIPPED_DONE):
                    self.stats.skipped += 1
                return
            message = replace(
                message,
                user_id=delivery.user_id,
                occurrence_key=delivery.occurrence_key,
                channel_id=claim.channel_id,
            )
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
            self._report(exc, "a reminder send ended abnormally")
        else:
            self._aborted.append(exc)  # the process is going down: run_pending re-raises it

    async def _send(self, delivery: DeliveryRow, message: ReminderMessage) -> None:
        try:
            try:
                result = await self.sender.send(delivery.user_id, message)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning(
                    "sending reminder %s to user %s raised %r",
                    delivery.occurrence_key,
                    delivery.user_id,
                    exc,
                )
                result = DeliveryResult.retry(f"{type(exc).__name__}: {exc}")
            await self._settle(
                delivery, result, routine_id=message.routine_id, known_channel=message.channel_id
            )
        finally:
            self._inflight.discard(delivery.id)
            self._slots.release()

    def _backoff(self, attempts: int, retry_after: float | None) -> timedelta:
        delay = min(self.retry_base * (2 ** max(0, attempts - 1)), self.retry_cap)
        if retry_after is not None:
            delay = max(delay, timedelta(seconds=retry_after))
        return delay

    async def _settle(
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
            else:
                log.warning(
                    "reminder %s for user %s was sent after its claim expired",
                    delivery.occurrence_key,
                    delivery.user_id,
                )
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
