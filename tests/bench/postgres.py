"""PostgreSQL beside SQLite: the due query, the cost of a claim, and delivery across three processes.

    LOWBACK_TEST_POSTGRES=postgresql://postgres@127.0.0.1:5432/postgres .venv/bin/python -m tests.bench.postgres
    ... -m tests.bench.postgres --quick        # 100,000 schedules only, a shorter delivery run
    ... -m tests.bench.postgres --part delivery   # only one part (due, claim, delivery; repeatable)

No server at hand: `. .ci/postgres.sh && start_throwaway_postgres` in a bash shell starts a
throw-away one and sets LOWBACK_TEST_POSTGRES (it is stopped when that shell exits).

1. The dispatcher's due query (a batch of 100) and its "when is the next one" query with 100,000
   and 1,000,000 schedules (people over 16 time zones, due instants over a day, a good share due at
   the probe), each run 500 times through the real store. Target: p99 under 5 ms.
2. The cost of a claim: ``claim_due_schedule`` (read the due row, decide, record the claim, move
   the schedule on: one transaction), 2,000 times.
3. Delivery across three processes (tests/support/reminder_worker.py, the real Dispatcher on the real
   clock) against a Discord stand-in: each request is recorded in the database with the server's
   time as it arrives, and its answer comes back 20-120 ms later; the processes share one rate budget (bot/store/shared.py, 46 a second, bursts
   of 3). Target: at least 45 reminders a second sustained, never more than 50 requests in any
   one-second window, all processes together.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg

from bot.core.schedule import DEFAULT_TIMES, next_occurrence, times_to_text
from bot.store.db import Database, format_utc
from bot.store.pg import PgDatabase
from bot.store.reminders import DuePlan, ReminderStore
from tests.support.backends import fresh_postgres

ROOT = Path(__file__).resolve().parents[2]

ZONES = [
    "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles", "America/Sao_Paulo",
    "Europe/London", "Europe/Berlin", "Europe/Moscow", "Africa/Lagos", "Asia/Dubai", "Asia/Kolkata",
    "Asia/Kathmandu", "Asia/Shanghai", "Asia/Tokyo", "Australia/Adelaide", "Pacific/Auckland",
]  # fmt: skip
WORKER = ["-m", "tests.support.reminder_worker", "postgres"]  # run from the repository root


def rows(count: int, now: datetime, rng: random.Random):
    stamp = format_utc(now)
    cache = {}
    people, schedules = [], []
    for user_id in range(1, count + 1):
        tz = rng.choice(ZONES)
        if tz not in cache:
            cache[tz] = next_occurrence(now, tz, DEFAULT_TIMES)
        occ = cache[tz]
        due = occ.due_utc + timedelta(minutes=rng.randrange(0, 24 * 60))
        people.append((user_id, 1, stamp, stamp))
        schedules.append(
            (user_id, tz, times_to_text(DEFAULT_TIMES), 1, format_utc(due), occ.key, stamp, stamp)
        )
    return people, schedules


PEOPLE_COLS = ["user_id", "step", "created_at", "updated_at"]
SCHED_COLS = [
    "user_id",
    "timezone",
    "times",
    "enabled",
    "next_due_at",
    "next_key",
    "created_at",
    "updated_at",
]


async def fill(db, people, schedules) -> None:
    if db.dialect == "postgresql":
        async with db.pool.acquire() as conn:
            await conn.copy_records_to_table("people", records=people, columns=PEOPLE_COLS)
            await conn.copy_records_to_table(
                "reminder_schedules", records=schedules, columns=SCHED_COLS
            )
            for table in ("people", "reminder_schedules"):  # as autovacuum would after a bulk load
                await conn.execute(f"VACUUM ANALYZE {table}")
        return
    async with db.transaction() as conn:
        await conn.executemany(
            f"INSERT INTO people ({', '.join(PEOPLE_COLS)}) VALUES (?, ?, ?, ?)", people
        )
        await conn.executemany(
            f"INSERT INTO reminder_schedules ({', '.join(SCHED_COLS)}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            schedules,
        )
        await conn.execute("ANALYZE")


def summary(samples_ms: list[float]) -> tuple[str, float]:
    ordered = sorted(samples_ms)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (
        f"median {statistics.median(ordered):.3f} ms, p99 {p99:.3f} ms, max {ordered[-1]:.3f} ms",
        p99,
    )


async def open_both(folder: Path, url):
    sqlite = await Database.open(folder / f"bench-{time.monotonic_ns()}.db")
    return [("SQLite", sqlite), ("PostgreSQL", await PgDatabase.open(url))]


async def bench_due(url, count: int) -> bool:
    now = datetime.now(UTC)
    people, schedules = rows(count, now, random.Random(1))
    probe = now + timedelta(hours=12)
    ok = True
    with tempfile.TemporaryDirectory() as folder:
        for name, db in await open_both(Path(folder), url):
            try:
                t0 = time.perf_counter()
                await fill(db, people, schedules)
                store = ReminderStore(db)
                due_ms, next_ms = [], []
                for _ in range(500):
                    t = time.perf_counter()
                    found = await store.due_schedule_ids(probe, 100)
                    due_ms.append((time.perf_counter() - t) * 1000)
                    t = time.perf_counter()
                    await store.earliest_due()
                    next_ms.append((time.perf_counter() - t) * 1000)
                due_text, due_p99 = summary(due_ms)
                next_text, next_p99 = summary(next_ms)
                print(
                    f"  {name:<10} filled in {time.perf_counter() - t0:5.1f} s; batch of {len(found)}"
                )
                print(f"  {name:<10} due batch:  {due_text}")
                print(f"  {name:<10} next due:   {next_text}")
                ok &= due_p99 < 5 and next_p99 < 5
            finally:
                await db.close()
    print(f"  target p99 < 5 ms: {'PASS' if ok else 'FAIL'}")
    return ok


async def bench_claim(url, count: int = 2_000) -> None:
    now = datetime.now(UTC)
    people, schedules = rows(count, now - timedelta(days=1), random.Random(2))
    with tempfile.TemporaryDirectory() as folder:
        for name, db in await open_both(Path(folder), url):
            try:
                due = now - timedelta(minutes=1)
                schedules_due = [
                    s[:4] + (format_utc(due), due.strftime("%Y-%m-%dT%H:%M")) + s[6:]
                    for s in schedules
                ]
                await fill(db, people, schedules_due)
                store = ReminderStore(db)
                nxt = due + timedelta(days=1)

                def decide(row, nxt=nxt):
                    return DuePlan((row.next_key, row.next_due_at), (), row.next_key + "+1", nxt)

                samples = []
                for user_id in range(1, count + 1):
                    t = time.perf_counter()
                    claim = await store.claim_due_schedule(user_id, now, "bench", decide)
                    samples.append((time.perf_counter() - t) * 1000)
                    assert claim is not None
                text, _ = summary(samples)
                print(f"  {name:<10} one claim:  {text}")
            finally:
                await db.close()


async def bench_delivery(reminders: int) -> bool:
    async with fresh_postgres() as location:
        db = await PgDatabase.open(location)
        await db.close()
        now = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=1)
        stamp = format_utc(now - timedelta(days=1))
        conn = await asyncpg.connect(location.url)
        await conn.copy_records_to_table(
            "people",
            records=[(u, 1, stamp, stamp) for u in range(1, reminders + 1)],
            columns=PEOPLE_COLS,
        )
        await conn.copy_records_to_table(
            "reminder_schedules",
            records=[
                (
                    u,
                    "UTC",
                    now.strftime("%H:%M"),
                    1,
                    format_utc(now),
                    now.strftime("%Y-%m-%dT%H:%M"),
                    stamp,
                    stamp,
                )
                for u in range(1, reminders + 1)
            ],
            columns=SCHED_COLS,
        )
        workers = [
            subprocess.Popen(
                [
                    sys.executable,
                    *WORKER,
                    location.url,
                    f"worker-{i}",
                    "--shared-budget",
                    "--latency",
                    "0.02-0.12",
                    "--max-wait",
                    "1",
                ],
                stdout=subprocess.DEVNULL,
                env=dict(os.environ),
                cwd=ROOT,
            )
            for i in range(3)
        ]
        try:
            started = time.perf_counter()
            while (
                await conn.fetchval(
                    "SELECT count(*) FROM reminder_deliveries WHERE status = 'sent'"
                )
                < reminders
            ):
                await asyncio.sleep(0.5)
                if time.perf_counter() - started > reminders / 10 + 60:
                    print("  delivery did not finish in time")
                    return False
            times = [
                r[0]
                for r in await conn.fetch(
                    "SELECT extract(epoch FROM at)::float8 FROM test_attempts ORDER BY at"
                )
            ]
            per_worker = await conn.fetch(
                "SELECT worker, count(*) FROM test_attempts GROUP BY worker ORDER BY worker"
            )
        finally:
            for w in workers:
                w.send_signal(signal.SIGTERM)
            for w in workers:
                w.wait(timeout=30)
            await conn.close()
    busiest, j = 0, 0
    for i, t in enumerate(times):
        while times[j] <= t - 1.0:
            j += 1
        busiest = max(busiest, i - j + 1)
    span = times[-1] - times[0]
    # Sustained: leave out the opening burst and the tail, where fewer than three processes are busy.
    body = [t for t in times if times[0] + 2 <= t <= times[-1] - 2]
    sustained = (len(body) - 1) / (body[-1] - body[0]) if len(body) > 1 else 0.0
    print(
        f"  {len(times):,} sends in {span:.1f} s by {', '.join(f'{w}: {n}' for w, n in per_worker)}"
    )
    print(f"  sustained {sustained:.1f} a second; busiest one-second window {busiest} requests")
    ok = sustained >= 45 and busiest <= 50
    print(f"  target >= 45/s and <= 50 in any second: {'PASS' if ok else 'FAIL'}")
    return ok


async def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--quick", action="store_true")
    p.add_argument(
        "--part", choices=["due", "claim", "delivery"], action="append", help="only these parts"
    )
    args = p.parse_args()
    parts = set(args.part or ["due", "claim", "delivery"])
    server = os.environ.get("LOWBACK_TEST_POSTGRES")
    if not server:
        print(
            "Set LOWBACK_TEST_POSTGRES to a postgresql:// URL (see the top of this file).",
            file=sys.stderr,
        )
        return 2
    ok = True
    for count in () if "due" not in parts else (100_000,) if args.quick else (100_000, 1_000_000):
        print(f"Due query, {count:,} schedules")
        async with fresh_postgres() as url:
            ok &= await bench_due(url, count)
    if "claim" in parts:
        print("Claim cost")
        async with fresh_postgres() as url:
            await bench_claim(url)
    if "delivery" in parts:
        delivered = 900 if args.quick else 2_700
        print(f"Delivery, three processes, {delivered:,} reminders due at once")
        ok &= await bench_delivery(delivered)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
