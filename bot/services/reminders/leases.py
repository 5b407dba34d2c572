"""How long a claim on a reminder lasts, by whose clock, and how it is kept while a send takes long.

A dispatcher claims an occurrence before it sends it (see ``dispatcher.py``). A claim that nobody
has renewed for the lease (default 2 minutes) is taken to be abandoned, and any dispatcher takes
it over. A send can take far longer than that without anything being wrong: discord.py retries a
5xx five times, sleeping 1 + 3 + 5 + 7 + 9 s, and the ``RestLimiter`` holds a reminder up to ten
minutes after a spell of invalid requests. So while its task runs, a dispatcher renews the claims
of its sends in progress every quarter of the lease, and no other process takes over a reminder
that is still on its way; a process that stops renewing (it died, hangs, or lost track of a claim)
has its claims taken over once the lease runs out, its own dispatcher included.

On PostgreSQL the claims are stamped and judged by the database server's clock, so processes on
machines whose clocks disagree (a host without NTP) still agree on when a lease ends. Each pass
reads the server's clock once and keeps how far it is from the dispatcher's own, so a claim costs
no extra round trip. With SQLite every process runs on the one machine that holds the file, and
the dispatcher's own clock serves.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Collection
from datetime import datetime, timedelta

from bot.core.clock import Clock, Sleep
from bot.store.reminders import ReminderStore

log = logging.getLogger("lowback.reminders")

LEASE = timedelta(minutes=2)


class Leases:
    """The lease clock of one dispatcher, and the task that renews its claims.

    ``held()`` names the deliveries whose sends are in progress; ``report`` logs a failure the way
    the dispatcher does. Renewing is on only while ``renewing`` is set (the dispatcher's own task
    runs): a caller that drives time itself (``run_pending``) sends with nothing else running.
    """

    def __init__(
        self,
        store: ReminderStore,
        name: str,
        clock: Clock,
        sleep: Sleep,
        lease: timedelta,
        database_clock: bool,
        held: Callable[[], Collection[int]],
        report: Callable[[BaseException, str], None],
    ):
        if lease <= timedelta(0):
            raise ValueError("the lease must be longer than no time at all")
        self.store = store
        self.name = name
        self.clock = clock
        self.sleep = sleep
        self.lease = lease
        self.every = lease / 4
        self.database_clock = database_clock
        self.held = held
        self.report = report
        self.ahead = timedelta(0)  # how far the lease clock is ahead of the dispatcher's clock
        self.renewing = False
        self._task: asyncio.Task[None] | None = None

    async def now(self) -> datetime:
        """The time on the lease clock, read afresh (one round trip to PostgreSQL)."""
        if self.database_clock:
            local = self.clock()
            self.ahead = await self.store.database_now() - local
        return self.stamp()

    def stamp(self) -> datetime:
        """The time on the lease clock, from its last reading (no round trip)."""
        return self.clock() + self.ahead

    def keep(self) -> None:
        """A send has started: while renewing is on, renew the claims in progress until none is left."""
        if self.renewing and self._task is None:
            self._task = asyncio.get_running_loop().create_task(
                self._keep(), name=f"leases:{self.name}"
            )

    async def _keep(self) -> None:
        try:
            while self.renewing:
                await self.sleep(self.every.total_seconds())
                ids = sorted(self.held())
                if not ids:
                    return
                try:
                    kept = await self.store.renew_claims(self.name, ids, await self.now())
                except Exception as exc:  # the database is away: the lease gives it time to return
                    self.report(exc, "renewing the claims of the reminders being sent failed")
                    continue
                if kept < len(ids):
                    log.info(
                        "%d of %d reminder(s) being sent are no longer claimed by this process",
                        len(ids) - kept,
                        len(ids),
                    )
        finally:
            self._task = None

    async def stop(self) -> None:
        self.renewing = False
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
