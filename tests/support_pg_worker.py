"""One bot process's reminder dispatcher against a shared PostgreSQL, for the multi-process test
and the delivery benchmark (not collected by pytest: run as a script).

    python tests/support_pg_worker.py URL NAME [--lease S] [--max-wait S] [--rate R] [--burst B]
                                      [--latency S | MIN-MAX] [--shared-budget]

``--shared-budget`` draws every send from the bot-wide budget in PostgreSQL (the bot's default,
bot/store/shared.py), as the bot does with a PostgreSQL store; otherwise ``--rate``/``--burst``
make a budget for this process alone.

The "Discord" it sends to is two tables in the same database, written on a separate connection
the moment a send happens (before the dispatcher records it): ``test_attempts`` gets a row for
every send attempt; ``test_delivered`` keeps one row per nonce, which is what Discord does with
``enforce_nonce`` (a repeat of a nonce within minutes shows the person nothing new). Prints
``sent N`` after every 50 sends, ``ready`` once dispatching, and ``stopped`` after a SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import signal
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import asyncpg

from bot.core.clock import utcnow
from bot.services.reminders import DELIVERED, DeliveryResult, Dispatcher, ReminderMessage
from bot.settings import PostgresURL
from bot.store.pg import PgDatabase
from bot.store.shared import SharedBudget

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


def compose(user_id: int, occurrence) -> ReminderMessage:
    return ReminderMessage(
        "Time for your routine", "Step 1", "daily-step-1", occurrence.key, user_id
    )


async def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("url")
    p.add_argument("name")
    p.add_argument("--lease", type=float, default=120.0)
    p.add_argument("--max-wait", type=float, default=60.0)
    p.add_argument("--rate", type=float, default=40.0)
    p.add_argument("--burst", type=int, default=5)
    p.add_argument("--latency", default="0", help="seconds, or a range MIN-MAX")
    p.add_argument("--shared-budget", action="store_true")
    args = p.parse_args(argv)

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
        compose,
        utcnow,
        asyncio.sleep,
        rate=args.rate,
        burst=args.burst,
        lease=timedelta(seconds=args.lease),
        max_wait=args.max_wait,
        name=args.name,
    )
    if args.shared_budget:
        dispatcher.bucket = SharedBudget(db.pool)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    dispatcher.start()
    print("ready", flush=True)
    await stop.wait()
    await dispatcher.stop()
    await inbox.close()
    await db.close()
    print(
        f"stopped sent={sender.count} resent_after_crash={dispatcher.stats.resent_after_crash}",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
