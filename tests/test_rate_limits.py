"""Requests within Discord's limits: one request per reminder once the DM channel is known, one
budget for every REST call, a 429 handled once with its retry_after, a global pause on a global
429, and a back-off long before the invalid-request ban."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import discord
import discord.http
import pytest

from bot.discord_ui.ratelimit import limiter_trace
from bot.exts.reminders.sender import DiscordSender
from bot.services.reminders import Dispatcher, ReminderMessage, ReminderService
from bot.services.reminders.ratelimit import RestLimiter
from bot.store.db import Database
from bot.store.reminders import ReminderStore
from tests.support.fake_discord import FakeDiscord
from tests.support.fakes import FakeClock

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789AB"
PEOPLE = range(1001, 1011)


class Monotonic:
    """A monotonic clock that moves only when something sleeps on it."""

    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.t += max(0.0, seconds)
        await asyncio.sleep(0)


def compose(user_id, occ):
    return ReminderMessage("Morning routine", "Booty flexes.", "daily", occ.key, user_id)


@pytest.fixture
async def fake(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord(token=TOKEN) as server:
        monkeypatch.setattr(discord.http.Route, "BASE", server.api_url)
        yield server


async def client(limiter: RestLimiter) -> discord.Client:
    bot = discord.Client(
        intents=discord.Intents.none(),
        http_trace=limiter_trace(limiter),
        max_ratelimit_timeout=30.0,
    )
    await bot.login(TOKEN)
    return bot


async def due(db: Database, clock: FakeClock) -> None:
    service = ReminderService(db, clock.now)
    for user_id in PEOPLE:
        await service.on(user_id, "Europe/London", "7:30")


async def test_one_request_per_reminder_once_the_dm_channel_is_known(
    db: Database, fake: FakeDiscord
) -> None:
    clock = FakeClock("2026-03-02T06:00:00+00:00")
    await due(db, clock)
    mono = Monotonic()
    bot = await client(RestLimiter(clock=mono, sleep=mono.sleep))
    try:
        dispatcher = Dispatcher(db, DiscordSender(bot), compose, clock.now, clock.sleep)
        fake.rest.clear()
        clock.set("2026-03-02T07:30:00+00:00")
        await dispatcher.run_pending()
        first_day = list(fake.rest)
        fake.rest.clear()
        clock.set("2026-03-03T07:30:00+00:00")
        await dispatcher.run_pending()
        second_day = list(fake.rest)
    finally:
        await bot.close()
    assert not [p for m, p in first_day + second_day if m == "GET"]  # nobody is fetched
    assert len(first_day) == 2 * len(PEOPLE)  # open the DM, post
    assert [m for m, p in second_day] == ["POST"] * len(PEOPLE) and all(
        p.endswith("/messages") for _, p in second_day
    )
    assert len(fake.delivered()) == 2 * len(PEOPLE)
    schedule = await ReminderStore(db).get_schedule(PEOPLE[0])
    assert schedule is not None and schedule.dm_channel_id == fake.dm_channels[PEOPLE[0]]


async def test_a_global_429_is_handled_once_with_its_retry_after(
    db: Database, fake: FakeDiscord
) -> None:
    clock = FakeClock("2026-03-02T06:00:00+00:00")
    await due(db, clock)
    mono = Monotonic()
    limiter = RestLimiter(clock=mono, sleep=mono.sleep)
    bot = await client(limiter)
    try:
        dispatcher = Dispatcher(db, DiscordSender(bot), compose, clock.now, clock.sleep)
        fake.rest.clear()
        fake.force_429 = 45.0
        clock.set("2026-03-02T07:30:00+00:00")
        await asyncio.wait_for(dispatcher.run_pending(), 10)
    finally:
        await bot.close()
    # One request per reminder, not five tries inside discord.py and more on top.
    assert len(fake.rest) == len(PEOPLE) and fake.invalid == len(PEOPLE)
    assert limiter.stats.global_pauses == len(PEOPLE)
    assert mono.t >= 45.0  # every request after the first waited for the global pause
    for user_id in PEOPLE:
        [row] = await ReminderStore(db).deliveries(user_id)
        assert row.status == "pending" and row.retry_at is not None
        assert (
            row.retry_at - row.due_at
        ).total_seconds() >= 45.0  # tried again after retry_after, not sooner


async def test_the_limiter_keeps_every_second_under_discords_global_limit() -> None:
    mono = Monotonic()
    limiter = RestLimiter(clock=mono, sleep=mono.sleep)
    starts: list[float] = []

    async def request(background: bool) -> None:
        await limiter.acquire(background)
        starts.append(mono.t)

    await asyncio.gather(*(request(i % 3 != 0) for i in range(600)))
    busiest = max(sum(1 for t in starts if s <= t < s + 1.0) for s in starts)
    assert busiest <= 45 and len(starts) == 600


async def test_background_requests_back_off_long_before_the_invalid_request_ban() -> None:
    mono = Monotonic()
    limiter = RestLimiter(clock=mono, sleep=mono.sleep, invalid_limit=500, invalid_window=600)
    for _ in range(500):
        limiter.record(403)
    await limiter.acquire(False)
    assert mono.t < 1.0  # a person waiting for an answer still gets one
    await limiter.acquire(True)
    assert (
        mono.t >= 600.0 and limiter.invalid_recently() == 0
    )  # reminders waited for the count to fall
