"""What the bot's processes share besides the data, when they share a PostgreSQL store.

**One rate budget for the bot.** Discord's global limit (50 requests a second) belongs to the bot
token, whatever the number of processes. :class:`SharedBudget` is a token bucket kept in one
PostgreSQL row: taking a token is one ``UPDATE`` (a round trip, well under a millisecond on a
local network), so every process together starts at most ``rate`` requests a second on average and
never more than ``rate + burst`` in any one second: 46 and 3 by default, 49 at most, which keeps
46 reminders a second flowing and leaves room under Discord's 50 for the jitter between a request
leaving and arriving. A global 429 seen by any process is written to
the same row (:meth:`SharedBudget.pause`) and every process waits it out before its next request.

The other way, a fixed share each (``rate / processes``), costs no round trip but wastes what an
idle process does not use: reminders are claimed by whichever process is free, so one busy process
would be held to a third of the budget while two idle ones keep theirs, and the bot as a whole could
not reach 45 reminders a second under a 50 limit. Time here is the database server's clock, so the
processes need not agree on theirs; tests pass their own clock instead. When that clock is set back
(NTP correcting the server's), the row's instants go back with it: tokens keep coming at the rate
and a pause lasts its seconds, instead of every process waiting out the step.

The table is ``UNLOGGED`` runtime state, created on first use and safe to drop at any time; it is not
part of the numbered migrations because SQLite (one process) never needs it. PostgreSQL empties an
unlogged table when it recovers from a crash (and a replica promoted after a failover has it empty):
a process that finds its row (or the table) gone creates it again, with a full burst, and goes on.

**Changes reach the other processes.** :class:`ChangeFeed` uses LISTEN/NOTIFY on one channel:
a process publishes a topic (``reminders`` after a schedule changes, ``knowledge`` after a reload)
and every other process runs its handler for that topic. PostgreSQL delivers a notification when
the publishing transaction commits, typically within milliseconds on a local network. If the
listening connection drops, the feed reconnects (2 s, doubling to a minute) and runs every handler
once, since notifications sent meanwhile are lost. The reminder dispatcher also looks at the store
at least once a minute on its own, so a lost ``reminders`` notification delays nothing by more than
that.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable

import asyncpg

from bot.core.clock import Sleep
from bot.settings import PostgresURL
from bot.store.errors import DatabaseError
from bot.store.pg import reachable

log = logging.getLogger("lowback.shared")

BUDGET_TABLE = "lowback_rate_budget"
_CREATE_LOCK = 0x10B_AD  # the advisory lock held while the table is created (any constant will do)
CHANNEL = "lowback_changes"

_CREATE_BUDGET = f"""
CREATE UNLOGGED TABLE IF NOT EXISTS {BUDGET_TABLE} (
    name         TEXT PRIMARY KEY,
    tokens       DOUBLE PRECISION NOT NULL,
    stamp        DOUBLE PRECISION NOT NULL,
    paused_until DOUBLE PRECISION NOT NULL DEFAULT 0
)"""

# A clock set back by more than this (seconds) is a step of the clock (NTP correcting the server's),
# not two processes' readings crossing: the row's instants move back with it (see _STEPPED).
CLOCK_STEP = 1.0

# How far the clock was set back since the row was written (0 when it was not), from ``b.stamp``
# and ``now.t``: the stamp and any pause move back by that much, so that tokens keep coming at the
# rate and a 429's pause lasts its seconds, not the step's hour besides.
_STEPPED = f"CASE WHEN now.t < b.stamp - {CLOCK_STEP} THEN b.stamp - now.t ELSE 0 END"

# One statement: refill by the time elapsed, take a token if there is one and no pause is on,
# and report what was there. ``$2`` is the caller's clock in seconds, or NULL for the server's.
_TAKE = f"""
WITH now AS (SELECT COALESCE($2::float8, extract(epoch FROM clock_timestamp())::float8) AS t),
was AS (
    SELECT b.name, b.tokens, b.stamp - {_STEPPED} AS stamp, b.paused_until - {_STEPPED} AS paused_until,
           now.t AS t
    FROM {BUDGET_TABLE} b, now WHERE b.name = $1 FOR UPDATE OF b
),
cur AS (
    SELECT name, least($3::float8, tokens + greatest(0, t - stamp) * $4::float8) AS avail,
           paused_until, greatest(stamp, t) AS stamp, t
    FROM was
)
UPDATE {BUDGET_TABLE} b
SET tokens = cur.avail - CASE WHEN cur.avail >= 1 - 1e-9 AND cur.paused_until <= cur.t THEN 1 ELSE 0 END,
    stamp = cur.stamp, paused_until = cur.paused_until
FROM cur WHERE b.name = cur.name
RETURNING cur.avail >= 1 - 1e-9 AND cur.paused_until <= cur.t AS took, cur.avail, cur.paused_until, cur.t
"""

_PAUSE = f"""
WITH now AS (SELECT COALESCE($2::float8, extract(epoch FROM clock_timestamp())::float8) AS t)
UPDATE {BUDGET_TABLE} b
SET paused_until = greatest(b.paused_until - {_STEPPED}, now.t + $3::float8),
    stamp = b.stamp - {_STEPPED}
FROM now WHERE b.name = $1
"""


class SharedBudget:
    """A token bucket in PostgreSQL shared by every process of the bot (see the module docstring).

    ``pool`` is an asyncpg pool (``PgDatabase.pool``). ``clock`` (seconds) and ``sleep`` are for
    tests; by default the server's clock and ``asyncio.sleep``.
    """

    def __init__(
        self,
        pool: asyncpg.Pool,
        *,
        rate: float = 46.0,
        burst: int = 3,
        name: str = "discord",
        clock: Callable[[], float] | None = None,
        sleep: Sleep = asyncio.sleep,
    ):
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self.pool = pool
        self.rate, self.burst, self.name = float(rate), int(burst), name
        self.clock, self.sleep = clock, sleep
        self.taken = 0
        self._ready = False

    async def _ensure(self, conn: asyncpg.Connection) -> None:
        """Create the table and this budget's row unless this process already did (see
        :meth:`_lost` for when it must look again)."""
        if self._ready:
            return
        now = self.clock() if self.clock else None
        async with conn.transaction():
            # One process at a time: "IF NOT EXISTS" alone fails when two create it at the same moment.
            await conn.execute("SELECT pg_advisory_xact_lock($1)", _CREATE_LOCK)
            await conn.execute(_CREATE_BUDGET)
            await conn.execute(
                f"INSERT INTO {BUDGET_TABLE} (name, tokens, stamp) VALUES ($1, $2,"
                " COALESCE($3::float8, extract(epoch FROM clock_timestamp())::float8)) ON CONFLICT (name) DO NOTHING",
                self.name,
                float(self.burst),
                now,
            )
        self._ready = True

    def _lost(self) -> None:
        """The row or the table is gone (crash recovery empties an UNLOGGED table): create it again."""
        if self._ready:
            log.warning(
                "the shared rate budget %r was gone (PostgreSQL restarted after a crash, or the"
                " table was dropped): created it again",
                self.name,
            )
        self._ready = False

    async def _once_ready(self, conn: asyncpg.Connection, query: str, *args: object) -> object:
        """Run ``query`` (an UPDATE of this budget's row), creating the row first if it is gone.
        Returns the row it returned, or the command status."""
        for _ in range(2):
            await self._ensure(conn)
            try:
                if "RETURNING" in query:
                    result: object = await conn.fetchrow(query, *args)
                else:
                    result = await conn.execute(query, *args)
            except asyncpg.UndefinedTableError:
                result = None
            if result is not None and result != "UPDATE 0":
                return result
            self._lost()
        raise DatabaseError(f"the shared rate budget {self.name!r} could not be created again")

    async def try_take(self) -> float:
        """Take a token if one is free: 0.0. Otherwise how many seconds to wait before asking again."""
        now = self.clock() if self.clock else None
        with reachable():
            async with self.pool.acquire() as conn:
                row = await self._once_ready(
                    conn, _TAKE, self.name, now, float(self.burst), self.rate
                )
        assert isinstance(row, asyncpg.Record)
        if row["took"]:
            self.taken += 1
            return 0.0
        wait: float = max(row["paused_until"] - row["t"], (1.0 - row["avail"]) / self.rate)
        return max(wait, 0.001)

    async def acquire(self) -> None:
        """Wait until the bot as a whole may start one more request."""
        while True:
            wait = await self.try_take()
            if wait <= 0:
                return
            await self.sleep(wait)

    async def pause(self, seconds: float) -> None:
        """A global 429: no process starts a request for ``seconds``."""
        now = self.clock() if self.clock else None
        with reachable():
            async with self.pool.acquire() as conn:
                await self._once_ready(conn, _PAUSE, self.name, now, float(max(0.0, seconds)))


Handler = Callable[[], object]


class ChangeFeed:
    """LISTEN/NOTIFY between the bot's processes (see the module docstring)."""

    def __init__(self, url: PostgresURL, pool: asyncpg.Pool, *, channel: str = CHANNEL):
        self.url = url
        self.pool = pool
        self.channel = channel
        self.origin = uuid.uuid4().hex[:12]
        self.handlers: dict[str, Handler] = {}
        self.received = 0
        self._conn: asyncpg.Connection | None = None
        self._reconnect: asyncio.Task[None] | None = None
        self._closed = False

    def on(self, topic: str, handler: Handler) -> None:
        if ":" in topic:
            raise ValueError("a topic may not contain ':'")
        self.handlers[topic] = handler

    async def start(self) -> None:
        self._conn = await asyncpg.connect(self.url.url, timeout=10)
        await self._conn.add_listener(self.channel, self._on_notify)
        self._conn.add_termination_listener(self._on_lost)

    async def publish(self, topic: str) -> None:
        """Tell the other processes that ``topic`` changed (after the change is committed)."""
        with reachable():
            async with self.pool.acquire() as conn:
                await conn.execute(
                    "SELECT pg_notify($1, $2)", self.channel, f"{topic}:{self.origin}"
                )

    def _on_notify(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        topic, _, origin = payload.partition(":")
        if origin == self.origin:
            return
        self.received += 1
        self._run(topic)

    def _run(self, topic: str) -> None:
        handler = self.handlers.get(topic)
        if handler is None:
            return
        try:
            result = handler()
            if asyncio.iscoroutine(result):
                asyncio.get_running_loop().create_task(result, name=f"change:{topic}")
        except Exception:
            log.exception("handling a '%s' change from another process failed", topic)

    def _on_lost(self, _conn: object) -> None:
        if self._closed or self._reconnect is not None:
            return
        log.warning("lost the connection that hears other processes' changes; reconnecting")
        self._reconnect = asyncio.get_running_loop().create_task(
            self._reconnect_loop(), name="change-feed"
        )

    async def _reconnect_loop(self) -> None:
        delay = 2.0
        try:
            while not self._closed:
                try:
                    await self.start()
                except (TimeoutError, OSError, asyncpg.PostgresError) as exc:
                    log.warning(
                        "could not reconnect the change feed (%s); trying again in %g s", exc, delay
                    )
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 60.0)
                    continue
                for topic in list(self.handlers):  # what was published meanwhile is lost: catch up
                    self._run(topic)
                return
        finally:
            self._reconnect = None

    async def close(self) -> None:
        self._closed = True
        if self._reconnect is not None:
            self._reconnect.cancel()
            await asyncio.gather(self._reconnect, return_exceptions=True)
        if self._conn is not None and not self._conn.is_closed():
            await self._conn.close(timeout=5)
