"""Requests within Discord's limits: due reminders sent by the real dispatcher and the Discord front
end's sender, over discord.py's HTTP client, to the Discord stand-in (tests/support/fake_discord.py), which
enforces the global limit of 50 requests a second (429 with ``global: true`` beyond it) and answers
50007 for people whose DMs are closed.

    .venv/bin/python -m tests.bench.rate                  # 10,000 reminders (about five minutes)
    .venv/bin/python -m tests.bench.rate --reminders 1000

90 % of the people have a stored DM channel (one request each), the rest need theirs opened
first (two); 0.5 % have their DMs closed. Targets: every reminder delivered or its person
stopped, at most 50 requests in any one second, invalid responses (401/403/429) at most 1 % of
all requests.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from pathlib import Path

import discord
import discord.http

from bot.core.clock import utcnow
from bot.core.schedule import Occurrence
from bot.exts.reminders.sender import DiscordSender
from bot.services.reminders import Dispatcher, ReminderMessage
from bot.store.db import Database
from tests.support.crash_delivery import fill_due
from tests.support.fake_discord import FakeDiscord

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789AB"


def compose(user_id: int, occ: Occurrence) -> ReminderMessage:
    return ReminderMessage(
        "Your morning routine", "Booty flexes: 10 rounds.", "daily", occ.key, user_id
    )


def client() -> discord.Client:
    try:
        from bot.discord_ui.ratelimit import limiter_trace
        from bot.services.reminders.ratelimit import RestLimiter
    except ImportError:  # an older version of the bot, measured for comparison
        return discord.Client(intents=discord.Intents.none())
    return discord.Client(
        intents=discord.Intents.none(),
        http_trace=limiter_trace(RestLimiter()),
        max_ratelimit_timeout=30.0,
    )


async def bench(folder: Path, count: int) -> bool:
    rng = random.Random(3)
    closed = set(rng.sample(range(1, count + 1), max(1, count // 200)))
    fake = FakeDiscord(token=TOKEN, rate_limit=50, closed_dms=closed)
    db = await Database.open(folder / "rate.db")
    has_channels = "dm_channel_id" in await db.columns("reminder_schedules")
    known = {u: 900_000_000_000_000_000 + u for u in range(1, count + 1) if rng.random() < 0.9}
    async with db.transaction() as conn:
        due = utcnow().replace(second=0, microsecond=0)  # this minute's reminder, for everyone
        await fill_due(conn, range(1, count + 1), due, f"{due:%Y-%m-%dT%H:%M}")
        if has_channels:
            await conn.executemany(
                "UPDATE reminder_schedules SET dm_channel_id = ? WHERE user_id = ?",
                [(c, u) for u, c in known.items()],
            )
    if has_channels:
        for user_id, channel_id in known.items():
            fake.dm_channels[user_id] = channel_id
            fake.channel_users[channel_id] = user_id
    async with fake:
        discord.http.Route.BASE = fake.api_url
        bot = client()
        await bot.login(TOKEN)
        fake.request_times.clear()
        fake.invalid = 0
        dispatcher = Dispatcher(db, DiscordSender(bot), compose, utcnow, asyncio.sleep)
        t0 = time.monotonic()
        dispatcher.start()
        try:
            while True:
                row = await db.fetchone(
                    "SELECT COUNT(*) FROM reminder_deliveries WHERE status IN ('sent', 'failed')"
                )
                if row[0] >= count or time.monotonic() - t0 > count / 5 + 120:
                    break
                await asyncio.sleep(1.0)
        finally:
            await dispatcher.stop()
            await bot.close()
        elapsed = time.monotonic() - t0
    statuses = dict(
        await db.fetchall("SELECT status, COUNT(*) FROM reminder_deliveries GROUP BY status")
    )
    await db.close()
    requests = len(fake.request_times)
    peak = fake.peak_per_second()
    invalid_share = fake.invalid / requests if requests else 0.0
    delivered = len({m["nonce"] for m in fake.delivered()})
    print(
        f"  {count:,} reminders in {elapsed:.1f} s: records {statuses}; {delivered:,} delivered; "
        f"{len(closed)} people with closed DMs"
    )
    print(
        f"  REST requests: {requests:,} ({requests / count:.2f} per reminder); "
        f"peak in any one second: {peak}; average {requests / elapsed:.1f}/s"
    )
    print(
        f"  invalid responses (401/403/429): {fake.invalid:,} = {invalid_share:.2%} of all requests"
    )
    ok = (
        peak <= 50
        and invalid_share <= 0.01
        and statuses.get("sent", 0) == count - len(closed)
        and statuses.get("failed", 0) == len(closed)
    )
    print(
        f"  target peak <= 50/s, invalid <= 1 %, every reminder settled: {'PASS' if ok else 'FAIL'}"
    )
    return ok


async def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reminders", type=int, default=10_000)
    args = parser.parse_args()
    print(f"Sending {args.reminders:,} due reminders to the Discord stand-in (global limit 50/s)")
    with tempfile.TemporaryDirectory() as tmp:
        ok = await bench(Path(tmp), args.reminders)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
