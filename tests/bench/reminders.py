"""Reminder engine figures: finding due reminders, sustained delivery rate, peak memory.

    .venv/bin/python -m tests.bench.reminders            # full run (about 20 s)
    .venv/bin/python -m tests.bench.reminders --quick    # smaller delivery run

1. Finding due reminders with 100,000 schedules in the database (people spread over 16 time
   zones, 07:30 and 21:30 each): the dispatcher's due query and its "when is the next one" query,
   each run 500 times through the real Database. Target: under 5 ms.
2. Sustained delivery: reminders all due at once, sent by the real Dispatcher on the real clock
   through a fake sender that behaves like Discord's global limit: more than 50 requests in any
   one-second window gets a 429. Each send takes 20-120 ms. Target: at least 40 a second, and no
   request over the limit.
3. Peak memory of the whole run (Python allocations by tracemalloc, and the process's max RSS).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import statistics
import tempfile
import time
import tracemalloc
from collections import deque
from datetime import datetime, timedelta
from pathlib import Path

from bot.core.clock import utcnow
from bot.core.schedule import DEFAULT_TIMES, Occurrence, next_occurrence, times_to_text
from bot.services.reminders import (
    DELIVERED,
    DeliveryResult,
    Dispatcher,
    ReminderMessage,
)
from bot.store.db import Database, format_utc
from bot.store.reminders import ReminderStore

ZONES = [
    "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles", "America/Sao_Paulo",
    "Europe/London", "Europe/Berlin", "Europe/Moscow", "Africa/Lagos", "Asia/Dubai", "Asia/Kolkata",
    "Asia/Kathmandu", "Asia/Shanghai", "Asia/Tokyo", "Australia/Adelaide", "Pacific/Auckland",
]  # fmt: skip


async def fill(db: Database, count: int, now: datetime, rng: random.Random) -> None:
    """``count`` people with schedules, their next reminders over the coming day."""
    stamp = format_utc(now)
    people, schedules = [], []
    cache: dict[str, Occurrence] = {}
    for user_id in range(1, count + 1):
        tz = rng.choice(ZONES)
        if tz not in cache:
            cache[tz] = next_occurrence(now, tz, DEFAULT_TIMES)
        occ = cache[tz]
        jitter = timedelta(minutes=rng.randrange(0, 24 * 60))  # spread the due instants over a day
        people.append((user_id, stamp, stamp))
        schedules.append(
            (
                user_id,
                tz,
                times_to_text(DEFAULT_TIMES),
                format_utc(occ.due_utc + jitter),
                occ.key,
                stamp,
                stamp,
            )
        )
    async with db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO people (user_id, created_at, updated_at) VALUES (?, ?, ?)", people
        )
        await conn.executemany(
            "INSERT INTO reminder_schedules (user_id, timezone, times, next_due_at, next_key, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            schedules,
        )


def summary(samples_ms: list[float]) -> str:
    ordered = sorted(samples_ms)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"median {statistics.median(ordered):.3f} ms, p99 {p99:.3f} ms, max {ordered[-1]:.3f} ms"


async def bench_find_due(folder: Path, count: int) -> bool:
    db = await Database.open(folder / "find.db")
    try:
        now = utcnow()
        t0 = time.perf_counter()
        await fill(db, count, now, random.Random(1))
        print(f"  filled {count:,} schedules in {time.perf_counter() - t0:.1f} s")
        store = ReminderStore(db)
        probe = now + timedelta(hours=12)  # a good share of them due: the query must still be quick
        due_ms, next_ms = [], []
        found = 0
        for _ in range(500):
            t = time.perf_counter()
            found = len(await store.due_schedule_ids(probe, 100))
            due_ms.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            await store.earliest_due()
            next_ms.append((time.perf_counter() - t) * 1000)
        plan = await db.fetchall(
            "EXPLAIN QUERY PLAN SELECT user_id FROM reminder_schedules WHERE next_due_at <= ? ORDER BY next_due_at LIMIT ?",
            (format_utc(probe), 100),
        )
        due_count = await db.fetchone(
            "SELECT COUNT(*) FROM reminder_schedules WHERE next_due_at <= ?", (format_utc(probe),)
        )
        print(f"  {due_count[0]:,} due at the probe instant; one batch = {found}")
        print(f"  query plan: {' / '.join(r['detail'] for r in plan)}")
        print(f"  find due batch:     {summary(due_ms)}")
        print(f"  next due instant:   {summary(next_ms)}")
        ok = statistics.median(due_ms) < 5 and statistics.median(next_ms) < 5
        print(f"  target < 5 ms: {'PASS' if ok else 'FAIL'}")
        return ok
    finally:
        await db.close()


class LimitedSender:
    """Like Discord's global limit: a request that would be the 51st within one second gets a 429."""

    def __init__(self, limit: int = 50, rng: random.Random | None = None):
        self.limit = limit
        self.rng = rng or random.Random(2)
        self.window: deque[float] = deque()
        self.accepted: list[float] = []
        self.over_limit = 0
        self.busiest = 0
        self.done = asyncio.Event()
        self.expected = 0

    async def send(self, user_id: int, message: ReminderMessage) -> DeliveryResult:
        now = time.monotonic()
        while self.window and now - self.window[0] >= 1.0:
            self.window.popleft()
        if len(self.window) >= self.limit:
            self.over_limit += 1
            return DeliveryResult.retry("429 Too Many Requests", after=1.0)
        self.window.append(now)
        self.busiest = max(self.busiest, len(self.window))
        await asyncio.sleep(self.rng.uniform(0.02, 0.12))  # the round trip
        self.accepted.append(now)
        if len(self.accepted) >= self.expected:
            self.done.set()
        return DELIVERED


def compose(user_id: int, occ: Occurrence) -> ReminderMessage:
    return ReminderMessage(
        "Evening routine", "Booty flexes: 10 rounds.", "booty-flex", occ.key, user_id
    )


async def bench_delivery(folder: Path, count: int) -> bool:
    db = await Database.open(folder / "deliver.db")
    try:
        now = utcnow().replace(second=0, microsecond=0)  # this minute's reminder, for everyone
        stamp, key = format_utc(now), f"{now:%Y-%m-%dT%H:%M}"
        async with db.transaction() as conn:
            await conn.executemany(
                "INSERT INTO people (user_id, created_at, updated_at) VALUES (?, ?, ?)",
                [(u, stamp, stamp) for u in range(1, count + 1)],
            )
            await conn.executemany(
                "INSERT INTO reminder_schedules (user_id, timezone, times, next_due_at, next_key, created_at, updated_at)"
                " VALUES (?, 'UTC', '07:30,21:30', ?, ?, ?, ?)",
                [(u, stamp, key, stamp, stamp) for u in range(1, count + 1)],
            )
        sender = LimitedSender()
        sender.expected = count
        dispatcher = Dispatcher(
            db, sender, compose, utcnow, asyncio.sleep, rate=40, burst=5, max_in_flight=20
        )
        t0 = time.monotonic()
        dispatcher.start()
        try:
            await asyncio.wait_for(sender.done.wait(), timeout=count / 20 + 30)
        finally:
            await dispatcher.stop()
        elapsed = time.monotonic() - t0
        first, last = sender.accepted[0], sender.accepted[-1]
        sustained = (len(sender.accepted) - 1) / (last - first) if last > first else float("inf")
        sent = await db.fetchone("SELECT COUNT(*) FROM reminder_deliveries WHERE status = 'sent'")
        print(
            f"  {len(sender.accepted):,} reminders in {elapsed:.1f} s; {sent[0]:,} recorded as sent"
        )
        print(f"  sustained rate: {sustained:.1f} per second (first to last request)")
        print(
            f"  busiest one-second window: {sender.busiest} requests; over the limit: {sender.over_limit}"
        )
        ok = (
            sustained >= 40 * 0.98
            and sender.over_limit == 0
            and sender.busiest <= 50
            and sent[0] == count
        )
        print(f"  target >= 40/s, none over 50/s: {'PASS' if ok else 'FAIL'}")
        return ok
    finally:
        await db.close()


async def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="a shorter delivery run")
    parser.add_argument("--schedules", type=int, default=100_000)
    args = parser.parse_args()
    tracemalloc.start()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        print(f"1. Finding due reminders among {args.schedules:,} schedules")
        ok1 = await bench_find_due(folder, args.schedules)
        deliveries = 200 if args.quick else 600
        print(f"\n2. Delivering {deliveries} reminders due at once")
        ok2 = await bench_delivery(folder, deliveries)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print("\n3. Peak memory")
    print(f"  Python allocations: {peak / 2**20:.1f} MiB; process max RSS: {rss:.1f} MiB")
    return 0 if ok1 and ok2 else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
