"""Three bot processes share one PostgreSQL: every due reminder is sent once, even when one of them
is killed (SIGKILL) half way, and the dead process's claims are taken over when their lease ends.

Real processes on the real clock (a process cannot share a fake clock), so the lease is 3 s here
instead of 2 minutes; the test waits on the processes' own output, never on a timer.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest

from bot.store.db import format_utc
from bot.store.pg import PgDatabase
from tests.support.backends import NO_SERVER, SERVER, fresh_postgres

pytestmark = pytest.mark.skipif(SERVER is None, reason=NO_SERVER)

ROOT = Path(__file__).resolve().parents[2]
WORKER = ["-m", "tests.support.reminder_worker", "postgres"]  # run from the repository root
REMINDERS = 10_000
LEASE = 3.0
MAX_WAIT = 0.5
IN_FLIGHT = 20  # the dispatcher's default max_in_flight: the most sends one process has open
NOTIFY_SENT = """
CREATE FUNCTION test_notify_sent() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status = 'sent' THEN PERFORM pg_notify('test_sent', ''); END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER test_notify_sent AFTER UPDATE ON reminder_deliveries FOR EACH ROW EXECUTE FUNCTION test_notify_sent();
"""


async def schedule_everyone_due(url: str, due: datetime, count: int) -> None:
    """``count`` people whose daily reminder is due at ``due`` (bulk insert, as a busy bot would hold)."""
    local = due.astimezone(UTC)
    hhmm = local.strftime("%H:%M")
    key = local.strftime("%Y-%m-%dT%H:%M")
    stamp = format_utc(due - timedelta(days=1))
    conn = await asyncpg.connect(url)
    try:
        await conn.copy_records_to_table(
            "people",
            records=[(uid, 1, "UTC", stamp, stamp) for uid in range(1, count + 1)],
            columns=["user_id", "step", "timezone", "created_at", "updated_at"],
        )
        await conn.copy_records_to_table(
            "reminder_schedules",
            records=[
                (uid, "UTC", hhmm, 1, format_utc(due), key, stamp, stamp)
                for uid in range(1, count + 1)
            ],
            columns=[
                "user_id",
                "timezone",
                "times",
                "enabled",
                "next_due_at",
                "next_key",
                "created_at",
                "updated_at",
            ],
        )
    finally:
        await conn.close()


def start_worker(url: str, name: str, latency: str) -> subprocess.Popen:
    """A bot process; each of its sends waits ``latency`` seconds (MIN-MAX) for "Discord" to answer."""
    return subprocess.Popen(
        [
            sys.executable,
            *WORKER,
            url,
            name,
            "--lease",
            str(LEASE),
            "--max-wait",
            str(MAX_WAIT),
            "--rate",
            "100000",
            "--burst",
            "1000",
            "--latency",
            latency,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
        cwd=ROOT,
    )


async def test_three_processes_send_each_reminder_once_with_one_killed_half_way() -> None:
    async with fresh_postgres() as location:
        url = location.url
        db = await PgDatabase.open(location)
        await db.close()
        conn = await asyncpg.connect(url)
        try:  # tells the test each time a reminder is recorded as sent
            await conn.execute(NOTIFY_SENT)
        finally:
            await conn.close()
        now = datetime.now(UTC).replace(second=0, microsecond=0)
        await schedule_everyone_due(url, now - timedelta(minutes=1), REMINDERS)

        # The victim's answers are slow, so it always has sends in flight: it dies holding claims,
        # some of them already sent but not yet recorded.
        workers = {
            "alpha": start_worker(url, "alpha", "0.02-0.05"),
            "bravo": start_worker(url, "bravo", "0.2-0.4"),
            "charlie": start_worker(url, "charlie", "0.02-0.05"),
        }
        victim = workers["bravo"]
        try:
            # Half way: kill the victim once half of everything has been delivered (checked each
            # time the victim reports progress, so it is surely busy sending when it dies).
            watch = await asyncpg.connect(url)
            try:
                delivered_so_far = 0
                for line in victim.stdout:
                    if line.startswith("sent "):
                        delivered_so_far = await watch.fetchval(
                            "SELECT count(*) FROM test_delivered"
                        )
                        if delivered_so_far >= REMINDERS // 2:
                            break
            finally:
                await watch.close()
            assert delivered_so_far >= REMINDERS // 2, victim.stderr.read()
            victim.send_signal(signal.SIGKILL)
            victim.wait(timeout=30)
            killed_at = datetime.now(UTC)

            conn = await asyncpg.connect(url)
            try:
                delivered_at_kill = await conn.fetchval("SELECT count(*) FROM test_delivered")
                # Wait for the survivors to finish everything, woken by each delivery they record.
                progress: asyncio.Queue[str] = asyncio.Queue()
                await conn.add_listener("test_sent", lambda *_: progress.put_nowait("sent"))
                while (
                    await conn.fetchval(
                        "SELECT count(*) FROM reminder_deliveries WHERE status = 'sent'"
                    )
                    < REMINDERS
                ):
                    try:
                        await asyncio.wait_for(progress.get(), timeout=LEASE + 30)
                    except TimeoutError:
                        pytest.fail(
                            "nothing was delivered for 30 s after the lease: the dead process's claims were not taken over"
                        )
                statuses = dict(
                    await conn.fetch(
                        "SELECT status, count(*) FROM reminder_deliveries GROUP BY status"
                    )
                )
                delivered = await conn.fetchval("SELECT count(*) FROM test_delivered")
                people_reached = await conn.fetchval(
                    "SELECT count(DISTINCT user_id) FROM test_delivered"
                )
                repeats = await conn.fetch(
                    "SELECT nonce, array_agg(worker ORDER BY id) AS workers FROM test_attempts"
                    " GROUP BY nonce HAVING count(*) > 1"
                )
                taken_over = await conn.fetch(
                    "SELECT claimed_by, claimed_at FROM reminder_deliveries WHERE attempts > 1"
                )
                by_victim = await conn.fetchval(
                    "SELECT count(*) FROM test_attempts WHERE worker = 'bravo'"
                )
            finally:
                await conn.close()
        finally:
            for w in workers.values():
                if w.poll() is None:
                    w.send_signal(signal.SIGTERM)
            for w in workers.values():
                try:
                    w.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    w.kill()

        last_takeover = max(
            (datetime.fromisoformat(r["claimed_at"]) for r in taken_over), default=killed_at
        )
        print(
            f"\n{REMINDERS} due, 3 processes, one SIGKILLed after {delivered_at_kill} deliveries: "
            f"{delivered} delivered to {people_reached} people, {len(repeats)} repeat attempt(s) absorbed by the nonce, "
            f"{len(taken_over)} claim(s) taken over, the last {(last_takeover - killed_at).total_seconds():.1f} s "
            f"after the kill (lease {LEASE:g} s)"
        )
        # 0 lost: every person got their reminder, and the store says each was sent.
        assert statuses == {"sent": REMINDERS}
        assert delivered == people_reached == REMINDERS
        # 0 shown twice: one message per occurrence reached "Discord" (one row per nonce).
        # A repeat attempt can only be a claim the killed process held (it may have sent before it
        # could record it); Discord's nonce check turns that repeat into nothing.
        assert len(repeats) <= IN_FLIGHT
        assert all(r["workers"][0] == "bravo" and "bravo" not in r["workers"][1:] for r in repeats)
        # The dead process's claims were taken over by the others within its lease.
        assert 0 < by_victim < REMINDERS and delivered_at_kill < REMINDERS
        assert taken_over and all(row["claimed_by"] in ("alpha", "charlie") for row in taken_over)
        limit = killed_at + timedelta(seconds=LEASE + MAX_WAIT + 2)
        late = [row for row in taken_over if datetime.fromisoformat(row["claimed_at"]) > limit]
        assert late == []
