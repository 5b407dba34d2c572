"""The reminder dispatcher: one long-lived task that sends due reminders through a ``Sender``.

Nothing here imports discord: the Discord front end supplies a sender that DMs
(``bot.exts.reminders.sender.DiscordSender``), the terminal one that prints (``bot.terminal.sender``).

Exactly once
------------
Each occurrence has an identity (its key, e.g. ``2026-03-08T07:30``) that is unique per person in
the store. Sending one goes: **claim** (one transaction: record the occurrence as ``claimed`` by this
dispatcher and move the schedule to the next occurrence), **send**, **mark** (``sent``).

* A crash between claim and send leaves a claim nobody finishes. A claim lasts the lease
  (default 2 minutes) and the dispatcher renews the claims of its sends in progress every quarter
  lease, however long Discord takes (``leases.py``; on PostgreSQL judged by the database server's
  clock, so processes whose clocks disagree still agree). A claim nobody renewed for a lease is
  taken over by any dispatcher, its own included (``ReminderStore.claim_expired``, the one place a
  lease is judged), and sent if it is still within the grace period; otherwise it is recorded as
  skipped. A restarted process on the same machine takes over its dead predecessor's claims at
  once (the dispatcher looks for dead holders at start and every minute); elsewhere it sleeps
  exactly until the lease ends (the expiry of a claim counts as something due). Crashes do not
  count as failed attempts. Nothing is lost.
* A failure between claim and send (the pace, the database, composing) hands the claim back for
  a retry at once; a reminder sent while the database is away has its outcome recorded once the
  database is back (``sending.py``). Every occurrence ends either sent once or recorded with why
  not.
* Once an occurrence is marked ``sent`` it is never sent again: every later change names the state
  it expects, and the key can never be claimed a second time.
* A crash between send and mark is the one case no store can settle on its own: the reminder went
  out but the record does not say so. We choose to send it again (at-least-once) rather than risk
  losing it, and make the repeat harmless instead: every message carries a ``nonce`` derived from
  its identity, and a sender must pass it to a transport that drops repeats (Discord does, for a
  message sent with the same ``nonce`` and ``enforce_nonce`` within a few minutes; discord.py sets
  ``enforce_nonce`` whenever ``nonce`` is given). A restart on the same machine repeats it at
  once, inside that window: measured with ``tests/bench/crash.py`` (the process killed at random
  points, over and over), every repeat came well within two minutes of the first try. A process
  on another machine repeats it when the lease runs out, about two minutes after the last renewal.
  The start of each send is written down first, so a repeat later than Discord's window (the
  process stayed down longer) says it may be one; if that one is cut short too (a process dying
  whenever it sends) the reminder is skipped, saying why: nobody sees one reminder three times.
* ``Dispatcher.stop()`` lets in-flight sends finish (up to a timeout) and hands back any claim it
  still holds, so a clean shutdown leaves nothing half-claimed.

After downtime, an occurrence missed by at most the grace period (default 1 hour) is sent late;
older ones are recorded as skipped and the schedule moves on. When several fell due, only the latest
is sent: nobody gets a burst of stale reminders. Every occurrence not sent gets a record with the
reason (too late, replaced by a later one, skipped because a routine was already done or was being
done right then), which ``/reminders`` shows.

Sends start no faster than ``rate`` a second; the Discord front end also puts every REST call
through one ``RestLimiter`` (``ratelimit.py``). A failure that repeats (a full disk, for every
due person, every second) is logged once, then counted.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from bot.core.clock import Clock, Sleep
from bot.logging_setup import RepeatedErrors
from bot.services.reminders.delivery import Compose, Sender
from bot.services.reminders.leases import LEASE, Leases
from bot.services.reminders.outcomes import (
    DispatchStats,
    Settler,
    attempts_within,
    dispatcher_name,
    follow_zone_rules,
    holder_is_dead,
    is_active,
    plan_due,
    why_not_resend,
)
from bot.services.reminders.ratelimit import TokenBucket
from bot.services.reminders.sending import Claim, Pace, Sends
from bot.services.zones import person_zone
from bot.store.db import Database
from bot.store.errors import DatabaseError
from bot.store.reminders import (
    CLAIMED,
    SKIPPED,
    DeliveryRow,
    DuePlan,
    ReminderStore,
    ScheduleRow,
    SnoozeRow,
)

log = logging.getLogger("lowback.reminders")


MIN_GRACE = timedelta(minutes=1)


class Dispatcher:
    """Sends due reminders: one task for everyone, not one per reminder.

    The task looks at the store, sends what is due, then sleeps until the earliest due instant,
    never longer than ``max_wait`` seconds (then it looks again: a stuck task shows, and a change
    made by another process is picked up). ``wake()`` ends the sleep early; the service calls it
    whenever a schedule changes. This is the pattern of RoboDanny's reminder cog, except that only
    the sleep is cancelled, never a send in progress.

    Sends run concurrently (up to ``max_in_flight``) and start no faster than ``rate`` a second
    (token bucket, ``burst`` at once). A send that reports RETRY (or raises) is tried again with
    exponential back-off while still within grace, at most ``max_attempts`` times (by default as
    many as the back-off fits into the grace period); CANNOT stops
    the person's reminders, records why, and leaves them a notice. See the module docstring for
    what is guaranteed across crashes. ``only_user`` limits the dispatcher to one person (the
    terminal chat, which must never deliver other people's reminders); ``skip_user`` leaves one
    person out (the Discord bot leaves the terminal's local person to the terminal).
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
        lease: timedelta = LEASE,
        max_wait: float = 60.0,
        max_in_flight: int = 20,
        batch: int = 100,
        retry_base: timedelta = timedelta(seconds=30),
        retry_cap: timedelta = timedelta(minutes=10),
        max_attempts: int | None = None,
        only_user: int | None = None,
        skip_user: int | None = None,
        keep_history: timedelta = timedelta(days=30),
        name: str | None = None,
        database_clock: bool = False,
    ):
        self.store = ReminderStore(db)
        self.clock = clock
        self._sleep = sleep
        self.grace = max(grace, MIN_GRACE)
        self.lease = lease
        self.max_wait = max_wait
        self.batch = batch
        self.max_attempts = max_attempts or attempts_within(self.grace, retry_base, retry_cap)
        self.only_user = only_user
        self.skip_user = skip_user
        self.keep_history = keep_history
        self.name = name or dispatcher_name()
        self._dead_looked_at: datetime | None = None
        self.stats = DispatchStats()
        self._task: asyncio.Task[None] | None = None
        self._sleeper: asyncio.Future[None] | None = None
        self._stopping = self._dirty = False
        self._progress = 0
        self._pruned_at: datetime | None = None
        self._rules_followed = False  # follow_zone_rules() done
        self._errors = RepeatedErrors(log, clock=lambda: self.clock().timestamp())
        settler = Settler(
            self.store,
            clock,
            self.stats,
            self.grace,
            retry_base,
            retry_cap,
            self.max_attempts,
            self.wake,
        )
        bucket = TokenBucket(rate, burst, clock, sleep)
        self._sends = Sends(
            self.store, sender, compose, clock, settler, bucket, max_in_flight, self._report, sleep
        )
        self.leases = self._leases(lease, database_clock and db.dialect == "postgresql")

    def _leases(self, lease: timedelta, on_server: bool) -> Leases:
        """``on_server``: judge leases by the PostgreSQL server's clock (the bot does; tests that
        drive a fake clock leave it off). SQLite's processes share one machine and its clock."""
        leases = Leases(
            self.store,
            self.name,
            self.clock,
            self._sleep,
            lease,
            on_server,
            self._sends.held,
            self._report,
        )
        self._sends.on_send, self._sends.stamp = leases.keep, leases.stamp
        return leases

    @property
    def bucket(self) -> Pace:
        """What paces the sends (a :class:`SharedBudget` when processes share one budget)."""
        return self._sends.bucket

    @bucket.setter
    def bucket(self, bucket: Pace) -> None:
        self._sends.bucket = bucket

    @property
    def set_zone(self) -> str | None:
        """How to set one's time zone, in the front end's words, for a reminder that says the
        person's zone is no longer known (see :func:`bot.services.zones.zone_note`)."""
        return self._sends.set_zone

    @set_zone.setter
    def set_zone(self, how: str | None) -> None:
        self._sends.set_zone = how

    # ------------------------------------------------------------------ lifecycle

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        """Start the dispatching task (in the running event loop)."""
        if self.running:
            return
        self._stopping = False
        self.leases.renewing = True
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
        await self._sends.finish(timeout)
        await self.leases.stop()
        try:
            released = await self.store.release_claims(self.name, self.clock())
        except DatabaseError as exc:
            log.warning(
                "could not hand back this dispatcher's unfinished reminders on stop (%s); they are"
                " taken over when their claims run out",
                exc,
            )
            return
        if released:
            log.info("handed back %d unfinished reminder(s) on stop", released)

    async def run_pending(self) -> datetime | None:
        """Dispatch everything due now, wait for those sends to finish, and return when the next
        thing is due (None: nothing scheduled). The running task does the same in its loop; this is
        for tests and tools that drive time themselves (nothing renews claims meanwhile: time
        moves only as they move it)."""
        self._stopping = False
        while True:
            _next_at, more = await self._pass()
            if not more:
                break
        await self._sends.drain()
        return await self._earliest()

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
        if not self._rules_followed:
            self._rules_followed = await follow_zone_rules(
                self.store, self.only_user, self.skip_user
            )
        more = False

        room = max(1, self._sends.room)
        lease_now = await self.leases.now()
        recover = await self.store.claim_expired(
            now,
            lease_now - self.lease,
            self.name,
            min(self.batch, room),
            only_user=self.only_user,
            skip_user=self.skip_user,
            dead=await self._dead_holders(now),
            keep=sorted(self._sends.held()),
            claimed_at=lease_now,
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

        due = await self.store.due_schedule_ids(
            self.clock(), self.batch, only_user=self.only_user, skip_user=self.skip_user
        )
        more |= len(due) >= self.batch
        for user_id in due:
            if self._stopping:
                return None, False
            await self._guard(self._claim_schedule(user_id), user_id)

        snoozed = await self.store.due_snooze_ids(
            self.clock(), self.batch, only_user=self.only_user, skip_user=self.skip_user
        )
        more |= len(snoozed) >= self.batch
        for user_id in snoozed:
            if self._stopping:
                return None, False
            await self._guard(self._claim_snooze(user_id), user_id)

        return await self._earliest(), more

    async def _dead_holders(self, now: datetime) -> list[str]:
        """Holders of claims that are certainly gone (a process on this machine that no longer
        exists): their claims need no lease. Looked for at start and then every ``max_wait``."""
        looked = self._dead_looked_at
        if looked is not None and now - looked < timedelta(seconds=self.max_wait):
            return []
        holders = await self.store.claim_holders(only_user=self.only_user, skip_user=self.skip_user)
        dead = [h for h in holders if holder_is_dead(h, self.name)]
        self._dead_looked_at = None if dead else now  # more than one batch: look again next pass
        return dead

    async def _earliest(self) -> datetime | None:
        return await self.store.earliest_due(
            only_user=self.only_user,
            skip_user=self.skip_user,
            lease=self.lease,
            keep=sorted(self._sends.held()),
            lease_ahead=self.leases.ahead,
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

    async def _claimed(self, take: Callable[[datetime], Awaitable[Claim | None]]) -> None:
        """Take a send slot, claim with ``take`` and dispatch what it claimed (the slot goes back
        at once if nothing was)."""
        await self._sends.slots.acquire()
        try:
            claim = await take(self.clock())
        except BaseException:
            self._sends.slots.release()
            raise
        self._progress += 1
        if claim is None:
            self._sends.slots.release()
            return
        await self._sends.dispatch(claim)

    async def _claim_schedule(self, user_id: int) -> None:
        async def take(now: datetime) -> Claim | None:
            seen: list[ScheduleRow] = []

            def decide(row: ScheduleRow) -> DuePlan:
                seen.append(row)
                plan = plan_due(row, now, self.grace, person_zone(user_id, row.timezone).name)
                self.stats.skipped += len(plan.skipped)
                return plan

            delivery = await self.store.claim_due_schedule(
                user_id, now, self.name, decide, claimed_at=self.leases.stamp()
            )
            if delivery is None:
                return None
            return Claim(delivery, seen[0].timezone, seen[0].dm_channel_id)

        await self._claimed(take)

    async def _claim_snooze(self, user_id: int) -> None:
        async def take(now: datetime) -> Claim | None:
            sched = await self.store.get_schedule(user_id)
            active = is_active(sched, now)

            def decide(snooze: SnoozeRow) -> bool:
                ok = active and now - snooze.due_at <= self.grace
                if not ok:
                    self.stats.skipped += 1
                return ok

            delivery = await self.store.claim_due_snooze(
                user_id, now, self.name, decide, claimed_at=self.leases.stamp()
            )
            if delivery is None or sched is None:
                return None
            return Claim(delivery, sched.timezone, sched.dm_channel_id)

        await self._claimed(take)

    async def _recover(self, claimed: DeliveryRow, was: str) -> None:
        """A retry whose time has come, or a claim abandoned by a dispatcher that stopped, died or
        lost track of it, now claimed by this one: send it, or record why not."""
        now = self.clock()
        self._progress += 1
        try:
            sched = await self.store.get_schedule(claimed.user_id)
            reason = why_not_resend(sched, claimed, was, now, self.grace, self.max_attempts)
            if reason is not None:
                if await self.store.finish(claimed, SKIPPED, now, error=reason):
                    self.stats.skipped += 1
                return
        except Exception as exc:
            self._report(exc, f"reminder for user {claimed.user_id} could not be looked at again")
            await self._sends.give_back(claimed, exc)
            return
        assert sched is not None
        await self._sends.slots.acquire()
        if was == CLAIMED:
            self.stats.resent_after_crash += 1
            log.warning(
                "sending reminder %s for user %s again: its claim ran out before what became of it"
                " was recorded (the process holding it stopped, or lost track of it)",
                claimed.occurrence_key,
                claimed.user_id,
            )
        await self._sends.dispatch(Claim(claimed, sched.timezone, sched.dm_channel_id))
