"""Running timed routines for people: one active session each, recorded in the store.

A front end calls :meth:`RoutineService.start` with a callback; the service runs the session in a
task that sleeps (with the injected sleep) until the next phase boundary and hands every event to
the callback. Pause, resume, add a round and stop come from the front end at any time.

Each phase ends at its planned instant, computed by :class:`~bot.core.routine.session.RoutineSession` from
the start and the pauses; a late wake-up delays the event's delivery, never the plan.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

from bot.core.clock import Clock, Sleep
from bot.core.routine.plan import RoutineBook, RoutinePlan
from bot.core.routine.session import (
    Event,
    Paused,
    Resumed,
    RoundAdded,
    RoutineSession,
    Stopped,
)
from bot.core.timezones import zone
from bot.services.routine_handles import (
    AlreadyRunning,
    EventCallback,
    RoutineHandle,
    StartResult,
    UnknownRoutine,
    folded,
)
from bot.services.routine_history import RoutineHistory, row_gone
from bot.services.routine_spool import UnwrittenEnd, keep, spool_file, unwritten_end
from bot.services.zones import person_zone
from bot.store.db import Database
from bot.store.errors import DatabaseBusy, DatabaseUnavailable
from bot.store.people import PeopleStore
from bot.store.routines import RoutineSessionStore
from bot.store.routines import Status as EndStatus

log = logging.getLogger(__name__)

DAILY = "daily"  # a routine id that means "the daily routine for the person's step"
PAUSED_RECHECK_SECONDS = 60.0  # a paused session's task looks again at least this often
CLOCK_STEP = timedelta(
    seconds=30
)  # a smaller step only makes the phase that much longer or shorter
END_PATIENCE = timedelta(minutes=10)
"""How long the session's task (and whoever waits for it: the front end's last message, the
terminal's command) waits for its end to be recorded while the database is away or busy (a
PostgreSQL restart, another program holding SQLite's lock). The write itself goes on being tried
after that, until the database is back or the process stops."""
GONE_PATIENCE = 1.0
"""How long, at most, a session's task waits at a phase to learn whether the session's row is
still in the store (:func:`row_gone`); an answer later than that (a database away) is taken at the
next phase, so a slow database never holds a routine up for longer."""


def _monotonic() -> float:
    return time.monotonic()


def _settle(future: asyncio.Future[None] | None) -> None:
    if future is not None and not future.done():
        future.set_result(None)


class RoutineService(RoutineHistory):
    def __init__(
        self,
        db: Database,
        book: RoutineBook,
        clock: Clock,
        sleep: Sleep = asyncio.sleep,
        *,
        paused_recheck: float = PAUSED_RECHECK_SECONDS,
        steady: Callable[[], float] | None = None,
    ):
        """``steady``: seconds on a clock that is never stepped (to tell a step of ``clock``);
        by default ``time.monotonic`` as it is when read (a test world that makes time virtual
        replaces it, and the steady clock must move with ``clock``, not with the real one)."""
        self.db = db
        self.steady = steady if steady is not None else _monotonic
        self.book = book
        self.clock = clock
        self.sleep = sleep
        self.paused_recheck = paused_recheck
        self.sessions = RoutineSessionStore(db)
        self.people = PeopleStore(db)
        self._active: dict[int, RoutineHandle] = {}
        self._ending: set[RoutineHandle] = set()  # their end being written, or tried again
        self.spool: Path | None = None  # where to keep ends not recorded at a stop (routine_spool)
        self._unwritten: list[UnwrittenEnd] = []
        self._start_lock = asyncio.Lock()
        self._closing = False

    # --- choosing a plan ---

    async def step_of(self, user_id: int) -> int:
        """The person's step from the store; 1 for someone the bot has not met."""
        person = await self.people.get(user_id)
        return person.step if person else 1

    async def plan_for(
        self, user_id: int, routine_id: str | None = None, *, step: int | None = None
    ) -> RoutinePlan:
        """The plan ``routine_id`` names (by id or name), or the person's daily plan for their step.

        Raises :class:`UnknownRoutine` for an id that matches no routine.
        """
        if routine_id is None or routine_id.strip().lower() == DAILY:
            return self.book.daily_for_step(
                step if step is not None else await self.step_of(user_id)
            )
        plan = self.book.find(routine_id)
        if plan is None:  # typed in part ("glute stretch", "flare up"): the one routine it names
            fits = self.fitting(routine_id) if folded(routine_id) else []
            # "booty flex" is all of booty-flex's id and part of flare-up's name: the whole one
            whole = [f for f in fits if folded(routine_id) in (folded(f[0]), folded(f[1]))]
            fits = whole if len(whole) == 1 else fits
            plan = self.book.find(fits[0][0]) if len(fits) == 1 else None
        if plan is None:
            raise UnknownRoutine(routine_id, self.book.names())
        return plan

    def fitting(self, text: str) -> list[tuple[str, str]]:
        """``(id, name)`` of the routines whose id or name holds ``text``, whatever its case,
        spaces, hyphens or accents; every routine for an empty text."""
        key = folded(text)
        return [
            (rid, name)
            for rid, name in self.book.names()
            if key in folded(rid) or key in folded(name)
        ]

    # --- the session ---

    def active(self, user_id: int) -> RoutineHandle | None:
        """The person's running or paused session in this process, if any."""
        return self._active.get(user_id)

    async def start(
        self,
        user_id: int,
        routine_id: str | None = None,
        *,
        on_event: EventCallback | None = None,
        step: int | None = None,
        channel: str | None = None,
        plan: RoutinePlan | None = None,
        record: bool = True,
    ) -> StartResult:
        """Start a routine for the person: ``routine_id``, or (None) the daily plan for their step.

        ``plan`` runs a plan given directly instead (e.g. a scaled one). ``on_event`` receives
        every event in order, starting with the first phase; it may be sync or async, and an
        error in it is logged, never fatal to the session. Returns the handle, or
        :class:`AlreadyRunning` with the running session if the person has one.

        ``record=False`` runs a trial (say, a plan scaled down to try it quickly): nothing of it is
        stored, so it never counts for the streak or for a reminder's "already done".
        """
        running = self._active.get(user_id)
        if running is not None:
            return AlreadyRunning(running)
        if plan is None:
            plan = await self.plan_for(user_id, routine_id, step=step)
        async with self._start_lock:
            running = self._active.get(user_id)  # another task may have started one meanwhile
            if running is not None:
                return AlreadyRunning(running)
            now = self.clock()
            session_id = 0
            if record:
                await self.people.ensure(user_id, now)
                # No session of this person runs in this process, so a running row in the store
                # is left over from a previous run of the bot: it is marked interrupted.
                row = await self.sessions.create(
                    user_id, plan.id, now, channel=channel, interrupt_stale=True
                )
                session_id = row.id
            handle = RoutineHandle(
                session_id=session_id,
                user_id=user_id,
                session=RoutineSession(plan, now),
                channel=channel,
                on_event=on_event,
                recorded=record,
                _seen=(now, self.steady()),
            )
            self._active[user_id] = handle
        handle.task = asyncio.create_task(self._run(handle), name=f"routine-{user_id}-{session_id}")
        return handle

    async def pause(self, user_id: int) -> bool:
        """Pause the person's session; False if there is none running."""
        return await self._change(user_id, lambda s, now: s.pause(now), Paused)

    async def resume(self, user_id: int) -> bool:
        """Resume the person's paused session; False if there is none paused."""
        return await self._change(user_id, lambda s, now: s.resume(now), Resumed)

    async def toggle_pause(self, user_id: int) -> bool:
        """Pause a running session or resume a paused one; False if there is none."""
        handle = self._active.get(user_id)
        if handle is None:
            return False
        if handle.session.state == "paused":
            return await self.resume(user_id)
        return await self.pause(user_id)

    async def add_round(self, user_id: int) -> bool:
        """Add a round to the person's session; False if none can be added (or there is none)."""
        return await self._change(user_id, lambda s, now: s.add_round(now), RoundAdded)

    async def stop(self, user_id: int) -> bool:
        """Stop the person's session and record it as stopped; False if there is none.

        When this returns, the session is recorded and a new one may be started; or, if the
        database could not take the record, it is being tried again (see :data:`END_PATIENCE`)
        and the person is told their routine stopped without waiting for that.
        """
        handle = self._active.get(user_id)
        if handle is None:
            return False
        events = handle.session.stop(self.now(handle))
        await self._deliver(handle, events)
        self._wake(handle)
        await self._record_end(handle, patient=False)
        return any(isinstance(e, Stopped) for e in events)

    async def stop_for_deletion(self, user_id: int) -> bool:
        """The person is deleting their data: stop their session first (``data_deleted`` tells the
        front end why), so that nothing of it is recorded after the deletion. False if none ran."""
        handle = self._active.get(user_id)
        if handle is None:
            return False
        handle.data_deleted = True
        await self.stop(user_id)
        return True

    async def _change(
        self,
        user_id: int,
        change: Callable[[RoutineSession, datetime], list[Event]],
        expected: type,
    ) -> bool:
        handle = self._active.get(user_id)
        if handle is None:
            return False
        events = change(handle.session, self.now(handle))
        self._wake(handle)  # the next deadline moved (or vanished): the task recomputes it
        await self._deliver(handle, events)
        return any(isinstance(e, expected) for e in events)

    def now(self, handle: RoutineHandle | None = None) -> datetime:
        """The clock's time; with ``handle``, the session's: when the clock moved more than
        :data:`CLOCK_STEP` away from the steady clock since the session last read it, the
        session's timeline moves with it. Back (NTP): its phase neither starts over nor lasts the
        step longer. Forward (NTP, or a computer asleep, whose steady clock stops meanwhile): the
        routine goes on where it was instead of ending at once, counted done. Countdowns read this."""
        now = self.clock()
        if handle is not None:
            handle.read_clock(now, self.steady(), CLOCK_STEP)
        return now

    # --- the task ---

    async def _run(self, handle: RoutineHandle) -> None:
        session = handle.session
        gone: asyncio.Future[bool] | None = None  # whether the session's row is gone (see below)
        try:
            while True:
                await self._deliver(handle, session.advance(self.now(handle)))
                if session.done:
                    break
                deadline = session.next_deadline()
                if deadline is None:
                    delay = self.paused_recheck
                else:
                    delay = max(0.0, (deadline - self.now(handle)).total_seconds())
                asleep = self.steady()
                await self._sleep_or_wake(handle, delay)
                # Stopped meanwhile (SIGSTOP, a frozen container): go on where it was.
                handle.woke(self.steady() - asleep - delay, CLOCK_STEP)
                if handle.recorded and not session.done:
                    gone = gone or asyncio.ensure_future(row_gone(self.sessions, handle.session_id))
                    await asyncio.wait({gone}, timeout=GONE_PATIENCE)
                    if gone.done():
                        if gone.result():  # the person deleted their data in another process
                            handle.data_deleted = True
                            await self._deliver(handle, session.stop(self.now(handle)))
                        gone = None
        except asyncio.CancelledError:
            raise  # shutdown() or the loop closing; the row is marked interrupted by whoever cancels
        except Exception:
            log.exception(
                "routine session %s of person %s failed", handle.session_id, handle.user_id
            )
            await self._record_end(handle, interrupted=True)
            return
        finally:
            if gone is not None:
                gone.cancel()
        await self._record_end(handle)

    async def _sleep_or_wake(self, handle: RoutineHandle, delay: float) -> None:
        """Sleep ``delay`` seconds with the injected sleep; return early if woken by :meth:`_wake`."""
        sleeper = asyncio.ensure_future(self.sleep(delay))
        handle._sleeper = sleeper
        try:
            await asyncio.wait({sleeper})
        finally:
            handle._sleeper = None
            if not sleeper.done():
                sleeper.cancel()
        if not sleeper.cancelled():
            sleeper.result()  # surface an error from the sleep itself

    @staticmethod
    def _wake(handle: RoutineHandle) -> None:
        sleeper = handle._sleeper
        if sleeper is not None and not sleeper.done():
            sleeper.cancel()

    async def _deliver(self, handle: RoutineHandle, events: list[Event]) -> None:
        """Hand events to the callback in order, one at a time, even when several tasks (the
        session's own and a front end's pause or stop) produce events at once."""
        if not events:
            return
        handle._outbox.extend(events)
        if handle._delivering or handle.on_event is None:
            if handle.on_event is None:
                handle._outbox.clear()
            return
        handle._delivering = True
        try:
            while handle._outbox:
                event = handle._outbox.popleft()
                try:
                    result = handle.on_event(event)
                    if inspect.isawaitable(result):
                        await result
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("routine event handler failed on %s", type(event).__name__)
        finally:
            handle._delivering = False

    async def _record_end(
        self, handle: RoutineHandle, *, interrupted: bool = False, patient: bool = True
    ) -> None:
        """Write how the session ended, once, and free the person for a new session.

        Every caller waits for the one write: for its first try only (``patient=False``), or
        until it is done but at most :data:`END_PATIENCE`; a caller being cancelled does not
        cancel it. While the database is away or busy the write is tried again for as long as
        the process runs, so a routine finished during a database outage, however long, still
        counts for the streak once the database is back.
        """
        if handle._recording is None:
            loop = asyncio.get_running_loop()
            handle._first_write, handle._waited = loop.create_future(), loop.create_future()
            handle._recording = asyncio.ensure_future(self._write_end(handle, interrupted))
            self._ending.add(handle)
        waited = handle._waited if patient else handle._first_write
        assert waited is not None
        await asyncio.shield(waited)

    async def _write_end(self, handle: RoutineHandle, interrupted: bool) -> None:
        since = self.clock()
        delay = 1.0
        try:
            while True:
                try:
                    await self._end_once(handle, interrupted)
                    return
                except (DatabaseUnavailable, DatabaseBusy) as exc:
                    if self._closing:
                        log.error(
                            "could not record the end of routine session %s: %s",
                            handle.session_id,
                            exc,
                        )
                        self._keep_for_later(handle, interrupted)
                        return
                    log.warning(
                        "could not record the end of routine session %s yet (%s); trying again"
                        " in %g s",
                        handle.session_id,
                        exc,
                        delay,
                    )
                _settle(handle._first_write)
                if self.clock() - since >= END_PATIENCE:
                    _settle(handle._waited)  # those waiting move on; the person may start again
                    self._free(handle)
                await self._sleep_or_wake(handle, delay)
                delay = min(delay * 2, 30.0)
        except Exception:
            log.exception("could not record the end of routine session %s", handle.session_id)
        finally:
            _settle(handle._first_write)
            _settle(handle._waited)
            self._ending.discard(handle)
            self._free(handle)

    def _keep_for_later(self, handle: RoutineHandle, interrupted: bool) -> None:
        """The process stops before the database took how ``handle`` ended: a routine finished
        or stopped is kept for the next start (:mod:`bot.services.routine_spool`)."""
        end = None if interrupted else unwritten_end(handle)
        if end is not None:
            self._unwritten.append(end)

    def _free(self, handle: RoutineHandle) -> None:
        if self._active.get(handle.user_id) is handle:
            del self._active[handle.user_id]

    async def _end_once(self, handle: RoutineHandle, interrupted: bool) -> None:
        session = handle.session
        if not handle.recorded:
            return  # a trial: nothing was stored, nothing to write
        if interrupted or not session.done:
            await self.sessions.end(handle.session_id, "interrupted", None, session.rounds_added)
        else:
            ended: EndStatus = "stopped" if session.state == "stopped" else "finished"
            day = (
                await self.day_of(handle.user_id, session.ended_at) if ended == "finished" else None
            )
            await self.sessions.end(
                handle.session_id, ended, session.ended_at, session.rounds_added, local_day=day
            )

    async def day_of(self, user_id: int, moment: datetime | None) -> date | None:
        """The person's own date at ``moment``, where the bot knows their zone (or, for the
        terminal's person, this computer's): the day a routine finished then counts for."""
        where = person_zone(user_id, await self.people.timezone(user_id))
        if moment is None or where.lost or where.unknown:
            return None
        return moment.astimezone(zone(where.name)).date()

    # --- start-up and shut-down ---

    async def recover(self, *, skip_user: int | None = None) -> int:
        """Mark sessions left running by a previous run of the bot as interrupted (call at start-up).

        Returns how many there were. Sessions running in this process are left alone, and so are
        ``skip_user``'s: a person whose routines another program runs (the Discord bot passes the
        terminal's local person, who may be doing one in a terminal right now; the terminal marks
        their leftover session interrupted when they start the next one).
        """
        keep = [h.session_id for h in self._active.values() if h.recorded]
        count = await self.sessions.interrupt_running(keep=keep, skip_user=skip_user)
        if count:
            log.info("marked %d routine session(s) left running as interrupted", count)
        return count

    async def shutdown(self) -> None:
        """Cancel every running session and record it as interrupted (an end still being tried
        again is tried once more; a finished or stopped one is then kept for the next start)."""
        self._closing = True
        handles = list(self._active.values())
        ending = [h for h in self._ending if h not in handles]
        for handle in handles + ending:
            if handle.task is not None:
                handle.task.cancel()
            self._wake(handle)
        for handle in handles:
            if handle.task is not None:
                await asyncio.wait({handle.task})
            await self._record_end(handle, interrupted=not handle.session.done)
        for handle in ending:
            await handle.end_written()
        if self._unwritten and self.spool is not None:
            keep(spool_file(self.spool), self._unwritten)

    def set_book(self, book: RoutineBook) -> None:
        """Use a reloaded knowledge base for sessions started from now on."""
        self.book = book
