"""One bot process's reminder dispatcher, run as a subprocess by the tests and benchmarks that kill
processes or run several of them. Run it from the repository root as a module::

    python -m tests.support.reminder_worker discord --db PATH --api URL --clock FILE
    python -m tests.support.reminder_worker postgres URL NAME [--lease S] [--max-wait S] [--rate R]
                                   [--burst B] [--latency S | MIN-MAX] [--shared-budget]

Either way the process starts the bot's own ``Dispatcher``, prints ``ready`` once dispatching, and
stops cleanly on SIGTERM (a test kills it with SIGKILL to crash it).

``discord`` (tests/support/crash_delivery.py starts it): the real SQLite store at ``--db``, the
Discord front end's ``DiscordSender`` over discord.py's HTTP client pointed at the stand-in at
``--api``, and the scaled clock saved in ``--clock`` for the dispatcher and the request limiter.

``postgres`` (the multi-process test and tests/bench/postgres.py): a shared PostgreSQL, and a
"Discord" that is two tables in the same database, written on a separate connection the moment a
send happens (before the dispatcher records it): ``test_attempts`` gets a row for every send
attempt; ``test_delivered`` keeps one row per nonce, which is what Discord does with
``enforce_nonce`` (a repeat of a nonce within minutes shows the person nothing new). Prints
``sent N`` after every 50 sends and ``stopped`` with its figures after a SIGTERM.
``--shared-budget`` draws every send from the bot-wide budget in PostgreSQL (the bot's default,
bot/store/shared.py), as the bot does with a PostgreSQL store; otherwise ``--rate``/``--burst``
make a budget for this process alone.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import signal
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg

from bot.core.schedule import Occurrence
from bot.services.reminders import DELIVERED, DeliveryResult, Dispatcher, ReminderMessage


def fixed_message(title: str, body: str, kind: str) -> Callable[[int, Occurrence], ReminderMessage]:
    """A ``compose`` for the dispatcher that words every reminder the same way."""

    def compose(user_id: int, occurrence: Occurrence) -> ReminderMessage:
        return ReminderMessage(title, body, kind, occurrence.key, user_id)

    return compose


async def serve(dispatcher: Dispatcher, *, then_close: list[Callable[[], Awaitable[Any]]]) -> None:
    """Dispatch until SIGTERM: start, say ``ready``, wait, stop, then close ``then_close`` in order."""
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    dispatcher.start()
    print("ready", flush=True)
    await stop.wait()
    await dispatcher.stop()
    for close in then_close:
        await close()


# -- discord: SQLite and discord.py against the stand-in, on the scaled clock ------------------------


async def discord_worker(args: argparse.Namespace) -> int:
    import discord
    import discord.http

    from bot.exts.reminders.sender import DiscordSender
    from bot.store.db import Database
    from tests.support.crash_delivery import TOKEN, ScaledClock

    discord.http.Route.BASE = args.api
    clock = ScaledClock.load(Path(args.clock))
    try:
        from bot.discord_ui.ratelimit import limiter_trace
        from bot.services.reminders.ratelimit import RestLimiter
    except ImportError:  # an older version of the bot, measured for comparison
        client = discord.Client(intents=discord.Intents.none())
    else:
        # The limiter on the scaled clock too: 35 requests a second of virtual time, as for real.
        limiter = RestLimiter(clock=clock.seconds, sleep=clock.sleep)
        client = discord.Client(
            intents=discord.Intents.none(),
            http_trace=limiter_trace(limiter),
            max_ratelimit_timeout=30.0,
        )
    await client.login(TOKEN)
    db = await Database.open(args.db)
    compose = fixed_message("Your morning routine", "Booty flexes: 10 rounds.", "daily")
    dispatcher = Dispatcher(
        db, DiscordSender(client), compose, clock.now, clock.sleep, grace=timedelta(hours=12)
    )
    await serve(dispatcher, then_close=[db.close, client.close])
    return 0


# -- postgres: a shared PostgreSQL, "Discord" as two tables in it -----------------------------------

INBOX_SQL = """
CREATE TABLE IF NOT EXISTS test_attempts (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, nonce TEXT NOT NULL, user_id BIGINT NOT NULL,
    occurrence_key TEXT NOT NULL, worker TEXT NOT NULL, at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp());
CREATE TABLE IF NOT EXISTS test_delivered (
    nonce TEXT PRIMARY KEY, user_id BIGINT NOT NULL, occurrence_key TEXT NOT NULL, worker TEXT NOT NULL,
    at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp());
"""


class TableSender:
    def __init__(self, pool: asyncpg.Pool, name: str, latency: tuple[float, float]):
        self.pool = pool
        self.name = name
        self.latency = latency
        self.rng = random.Random(name)
        self.count = 0

    async def send(self, user_id: int, message: ReminderMessage) -> DeliveryResult:
        async with self.pool.acquire() as conn:  # the request reaches "Discord"...
            await conn.execute(
                "WITH a AS (INSERT INTO test_attempts (nonce, user_id, occurrence_key, worker) VALUES ($1, $2, $3, $4))"
                " INSERT INTO test_delivered (nonce, user_id, occurrence_key, worker) VALUES ($1, $2, $3, $4)"
                " ON CONFLICT (nonce) DO NOTHING",
                message.nonce,
                user_id,
                message.occurrence_key,
                self.name,
            )
        low, high = self.latency
        if high:
            await asyncio.sleep(
                self.rng.uniform(low, high)
            )  # ...and its answer takes a while to come back
        self.count += 1
        if self.count % 50 == 0:
            print(f"sent {self.count}", flush=True)
        return DELIVERED


async def postgres_worker(args: argparse.Namespace) -> int:
    from bot.core.clock import utcnow
    from bot.settings import PostgresURL
    from bot.store.pg import PgDatabase
    from bot.store.shared import SharedBudget

    db = await PgDatabase.open(PostgresURL(args.url), max_size=5)
    inbox = await asyncpg.create_pool(args.url, min_size=1, max_size=5)
    async with inbox.acquire() as conn:
        await conn.execute("SELECT pg_advisory_lock(42)")
        await conn.execute(INBOX_SQL)
        await conn.execute("SELECT pg_advisory_unlock(42)")
    low, _, high = args.latency.partition("-")
    sender = TableSender(inbox, args.name, (float(low), float(high or low)))
    dispatcher = Dispatcher(
        db,
        sender,
        fixed_message("Time for your routine", "Step 1", "daily-step-1"),
        utcnow,
        asyncio.sleep,
        rate=args.rate,
        burst=args.burst,
        lease=timedelta(seconds=args.lease),
        max_wait=args.max_wait,
        name=args.name,
        database_clock=True,  # as the bot does: leases go by the server's clock
    )
    if args.shared_budget:
        dispatcher.bucket = SharedBudget(db.pool)
    await serve(dispatcher, then_close=[inbox.close, db.close])
    print(
        f"stopped sent={sender.count} resent_after_crash={dispatcher.stats.resent_after_crash}",
        flush=True,
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="store", required=True)
    d = sub.add_parser("discord", help="SQLite, and discord.py against the Discord stand-in")
    d.add_argument("--db", required=True)
    d.add_argument("--api", required=True)
    d.add_argument("--clock", required=True)
    p = sub.add_parser("postgres", help="a shared PostgreSQL, sending into two of its tables")
    p.add_argument("url")
    p.add_argument("name")
    p.add_argument("--lease", type=float, default=120.0)
    p.add_argument("--max-wait", type=float, default=60.0)
    p.add_argument("--rate", type=float, default=40.0)
    p.add_argument("--burst", type=int, default=5)
    p.add_argument("--latency", default="0", help="seconds, or a range MIN-MAX")
    p.add_argument("--shared-budget", action="store_true")
    args = parser.parse_args(argv)
    worker = discord_worker if args.store == "discord" else postgres_worker
    return asyncio.run(worker(args))


if __name__ == "__main__":
    raise SystemExit(main())
