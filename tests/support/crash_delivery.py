"""Crash injection for reminder delivery: the real delivery path in a subprocess, killed (SIGKILL) at
random points, against the Discord stand-in (``fake_discord.py``), which records every send.

The parent fills a database with ``reminders`` people whose reminders are all due, serves the
stand-in, and runs the child again and again: each run is killed either after a random delay or
the moment the stand-in receives the k-th message of that run (before answering it: the message
went out, but the child never learns so, the one window no store can settle alone). After
``kills`` kills (or once everything is sent) one last run finishes the work and is stopped cleanly.

The child is the bot's own code: ``Dispatcher`` with the Discord front end's ``DiscordSender``
over discord.py's HTTP client, the ``RestLimiter`` and the real SQLite store. Time is scaled:
both sides read one clock that runs ``scale`` times faster than the wall clock (the dispatcher's
clock and sleeps, the request limiter, the stand-in's nonce window and timestamps), so the 2-minute
lease passes in 12 s and the limiter's 35 requests a second are 35 per virtual second.

Figures (virtual seconds): reminders delivered once, lost (never delivered, or recorded as
anything but sent), delivered twice (a repeat the stand-in did not drop, i.e. one that came
after its nonce window), repeated requests (dropped by the nonce), and the longest time between
the first and the last request of one reminder.

Each run is ``python -m tests.support.reminder_worker discord ...`` (tests/support/reminder_worker.py).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import random
import signal
import sqlite3
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

T0 = datetime(2026, 3, 2, 7, 30, tzinfo=UTC)  # when every reminder is due (virtual time)
KEY = "2026-03-02T07:30"
TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789AB"
NONCE_WINDOW = 120.0  # virtual seconds; Discord keeps a nonce for "a few minutes": two is the least that can mean
RECOVERY_TARGET = (
    60.0  # an abandoned claim is sent again within this many seconds of its last attempt
)


# -- the shared, scaled clock -------------------------------------------------------------------


@dataclass(frozen=True)
class ScaledClock:
    started: float  # wall-clock time.time() at virtual T0
    scale: float

    def seconds(self) -> float:
        """Virtual seconds since T0."""
        return (time.time() - self.started) * self.scale

    def now(self) -> datetime:
        return T0 + timedelta(seconds=self.seconds())

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds) / self.scale)

    def save(self, path: Path) -> None:
        path.write_text(json.dumps({"started": self.started, "scale": self.scale}))

    @classmethod
    def load(cls, path: Path) -> ScaledClock:
        data = json.loads(path.read_text())
        return cls(float(data["started"]), float(data["scale"]))


# -- the parent ------------------------------------------------------------------------------------


@dataclass
class Figures:
    reminders: int
    kills: int = 0
    kills_at_a_message: int = 0
    runs: int = 0
    delivered_once: int = 0
    lost: int = 0
    delivered_twice: int = 0
    repeated_requests: int = 0
    longest_repeat_gap: float = 0.0  # virtual seconds between a reminder's first and last request
    longest_recovery: float = 0.0  # virtual seconds between one request of a reminder and its next
    requests: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    real_seconds: float = 0.0

    def lines(self) -> list[str]:
        return [
            f"reminders due: {self.reminders}; runs: {self.runs}; kills while work was left: {self.kills} "
            f"({self.kills_at_a_message} the moment a message arrived, before it was answered)",
            f"delivered once: {self.delivered_once}; lost: {self.lost}; delivered twice: {self.delivered_twice}",
            f"repeated requests (dropped by their nonce): {self.repeated_requests}; longest gap between a "
            f"reminder's first and last request: {self.longest_repeat_gap:.1f} s (nonce window {NONCE_WINDOW:g} s)",
            f"longest time from a kill to the next attempt of a reminder it abandoned (restarted process up): "
            f"{self.longest_recovery:.1f} s (target {RECOVERY_TARGET:g} s)",
            f"REST requests: {self.requests}; delivery records: {self.statuses}; wall time {self.real_seconds:.1f} s",
        ]


async def fill_due(conn, users, due: datetime, key: str) -> None:
    """People ``users``, each with a reminder (UTC, 07:30) due at ``due``, inside a transaction."""
    from bot.store.db import format_utc

    stamp = format_utc(due - timedelta(days=1))
    await conn.executemany(
        "INSERT INTO people (user_id, created_at, updated_at) VALUES (?, ?, ?)",
        [(u, stamp, stamp) for u in users],
    )
    await conn.executemany(
        "INSERT INTO reminder_schedules (user_id, timezone, times, next_due_at, next_key, created_at,"
        " updated_at) VALUES (?, 'UTC', '07:30', ?, ?, ?, ?)",
        [(u, format_utc(due), key, stamp, stamp) for u in users],
    )


def _statuses(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    try:
        rows = conn.execute(
            "SELECT status, COUNT(*) FROM reminder_deliveries GROUP BY status"
        ).fetchall()
    finally:
        conn.close()
    return dict(rows)


async def run(
    folder: Path, *, reminders: int, kills: int, seed: int = 1, scale: float = 10.0, out=None
) -> Figures:
    """Deliver ``reminders`` through runs of the child killed ``kills`` times; return the figures."""
    from bot.store.db import Database
    from tests.support.fake_discord import FakeDiscord

    rng = random.Random(seed)
    path = folder / "crash.db"
    db = await Database.open(path)
    async with db.transaction() as conn:
        await fill_due(conn, range(1, reminders + 1), T0, KEY)
    await db.close()

    clock = ScaledClock(time.time(), scale)
    clock_file = folder / "clock.json"
    clock.save(clock_file)
    figures = Figures(reminders)
    state: dict = {"proc": None, "kill_at": None, "seen": 0}
    killed_at: list[float] = []  # virtual instants of the kills

    def on_message(entry: dict) -> None:
        state["seen"] += 1
        proc = state["proc"]
        if state["kill_at"] is not None and state["seen"] >= state["kill_at"] and proc is not None:
            state["kill_at"] = None
            figures.kills_at_a_message += 1
            killed_at.append(clock.seconds())
            os.kill(
                proc.pid, signal.SIGKILL
            )  # before the answer: sent, but the child never hears so

    def done() -> bool:
        counts = _statuses(path)
        return sum(counts.get(s, 0) for s in ("sent", "failed", "skipped")) >= reminders

    started = time.monotonic()
    log = (folder / "children.log").open(
        "ab"
    )  # what the children logged, for a look after a failure
    fake = FakeDiscord(
        token=TOKEN, clock=clock.seconds, nonce_window=NONCE_WINDOW, on_message=on_message
    )
    async with fake:
        api = fake.api_url
        while True:
            last = figures.kills >= kills or done()
            proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "tests.support.reminder_worker",
                "discord",
                "--db",
                str(path),
                "--api",
                api,
                "--clock",
                str(clock_file),
                stdout=asyncio.subprocess.PIPE,
                stderr=log,
                cwd=ROOT,
            )
            state.update(proc=proc, seen=0, kill_at=None)
            figures.runs += 1
            line = await asyncio.wait_for(proc.stdout.readline(), 60)
            if line.strip() != b"ready":
                await proc.wait()
                raise RuntimeError(f"the child did not start (exit {proc.returncode})")
            if last:
                await _until(lambda: done(), timeout=120 + reminders / 10)
                proc.send_signal(signal.SIGTERM)
                await asyncio.wait_for(proc.wait(), 60)
                break
            if rng.random() < 0.5:
                state["kill_at"] = rng.randint(1, 6)
                await _until(lambda p=proc: p.returncode is not None or done(), timeout=30)
            else:
                await _until(lambda: done(), timeout=rng.uniform(0.0, 0.3), quiet=True)
            if proc.returncode is None:
                work_left = not done()
                killed_at.append(clock.seconds())
                proc.kill()
                if work_left:
                    figures.kills += 1
            elif proc.returncode == -signal.SIGKILL:
                figures.kills += 1
            await proc.wait()
    log.close()
    figures.real_seconds = time.monotonic() - started
    figures.statuses = _statuses(path)
    firsts: dict[str, list[float]] = {}
    for m in fake.messages:
        firsts.setdefault(m["nonce"], []).append(m["at"])
    delivered = [m["nonce"] for m in fake.delivered()]
    figures.delivered_once = len(set(delivered))
    figures.delivered_twice = len(delivered) - len(set(delivered))
    figures.repeated_requests = len(fake.messages) - len(delivered)
    figures.longest_repeat_gap = max((max(ts) - min(ts) for ts in firsts.values()), default=0.0)
    # Recovery: from the kill that abandoned an attempt to the next attempt of the same reminder,
    # when the process started after that kill stayed up until then (a process killed again before
    # the lease ends cannot recover anything; the nonce-window figure above covers that case).
    recoveries = []
    for ts in firsts.values():
        ts = sorted(ts)
        for a, b in itertools.pairwise(ts):
            kill = next((k for k in killed_at if k >= a), a)
            if not any(kill < k < b for k in killed_at):
                recoveries.append(b - kill)
    figures.longest_recovery = max(recoveries, default=0.0)
    figures.lost = reminders - min(figures.delivered_once, figures.statuses.get("sent", 0))
    figures.requests = len(fake.request_times)
    if out is not None:
        for line in figures.lines():
            print("  " + line, file=out)
    return figures


async def _until(condition, *, timeout: float, quiet: bool = False) -> None:
    """Poll ``condition`` every 20 ms until it holds or ``timeout`` seconds pass (then raise,
    unless ``quiet``)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() >= deadline:
            if quiet:
                return
            raise TimeoutError(f"not within {timeout:g} s")
        await asyncio.sleep(0.02)
