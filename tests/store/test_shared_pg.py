"""What the bot's processes share in PostgreSQL beside the data: one rate budget, and a feed of changes."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from bot.services.container import Services
from bot.settings import Settings
from bot.store.pg import PgDatabase
from bot.store.shared import ChangeFeed, SharedBudget
from tests.support.backends import NO_SERVER, SERVER, fresh_postgres

pytestmark = pytest.mark.skipif(SERVER is None, reason=NO_SERVER)


class Seconds:
    """A clock in seconds that moves only when told to."""

    def __init__(self, start: float = 1_000.0):
        self.now = start

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def two_processes():
    """Two separate connections pools on one fresh database, as two bot processes would have."""
    async with fresh_postgres() as url:
        first = await PgDatabase.open(url)
        second = await PgDatabase.open(url)
        try:
            yield url, first, second
        finally:
            await first.close()
            await second.close()


async def test_two_processes_together_never_take_more_than_the_budget(two_processes) -> None:
    _, first, second = two_processes
    clock = Seconds()
    a = SharedBudget(first.pool, rate=10, burst=2, clock=clock)
    b = SharedBudget(second.pool, rate=10, burst=2, clock=clock)

    async def taken_now() -> int:
        got = 0
        for budget in (a, b, a, b, a, b):
            got += await budget.try_take() == 0.0
        return got

    assert await taken_now() == 2  # the burst, once, for the two of them
    wait = await a.try_take()
    assert wait == pytest.approx(0.1)  # a token every tenth of a second
    in_one_second = 2
    for _ in range(10):
        clock.now += 0.1
        in_one_second += await taken_now()
    assert in_one_second == 12  # rate + burst, whichever process asks
    clock.now += 60  # a long idle spell refills to the burst, no more
    assert await taken_now() == 2
    assert a.taken + b.taken == 14


async def test_a_global_429_in_one_process_pauses_the_other(two_processes) -> None:
    _, first, second = two_processes
    clock = Seconds()
    a = SharedBudget(first.pool, rate=50, burst=5, clock=clock)
    b = SharedBudget(second.pool, rate=50, burst=5, clock=clock)
    assert await b.try_take() == 0.0
    await a.pause(3.0)  # Discord said: global rate limit, retry after 3 s
    assert await b.try_take() == pytest.approx(3.0)
    clock.now += 2.9
    assert await b.try_take() == pytest.approx(0.1)
    clock.now += 0.1
    assert await b.try_take() == 0.0


async def test_acquire_waits_as_long_as_the_budget_says(two_processes) -> None:
    _, first, _ = two_processes
    clock = Seconds()
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock.now += seconds

    budget = SharedBudget(first.pool, rate=4, burst=1, clock=clock, sleep=sleep)
    for _ in range(3):
        await budget.acquire()
    assert slept == [pytest.approx(0.25), pytest.approx(0.25)]


async def test_a_change_published_by_one_process_reaches_the_others_not_itself(
    two_processes,
) -> None:
    url, first, second = two_processes
    heard: dict[str, asyncio.Event] = {"first": asyncio.Event(), "second": asyncio.Event()}
    feeds = []
    for name, db in (("first", first), ("second", second)):
        feed = ChangeFeed(url, db.pool)
        feed.on("knowledge", heard[name].set)
        await feed.start()
        feeds.append(feed)
    try:
        await feeds[0].publish("knowledge")
        await asyncio.wait_for(heard["second"].wait(), timeout=10)
        await feeds[0].publish("reminders")  # nobody handles it: nothing happens
        await feeds[1].publish("knowledge")
        await asyncio.wait_for(heard["first"].wait(), timeout=10)
        # The second process hears "reminders" on its own time: wait for it, not for luck. Its own
        # notifications reach the first before the second's "knowledge" did, so 1 there is final.
        for _ in range(200):
            if feeds[1].received >= 2:
                break
            await asyncio.sleep(0.05)
        assert (feeds[0].received, feeds[1].received) == (1, 2)  # never its own
    finally:
        for feed in feeds:
            await feed.close()


async def test_a_knowledge_reload_in_one_bot_process_reloads_the_others(tmp_path) -> None:
    import shutil

    from bot.settings import DEFAULT_KNOWLEDGE

    knowledge = tmp_path / "knowledge"
    shutil.copytree(DEFAULT_KNOWLEDGE, knowledge)
    async with fresh_postgres() as url:
        settings = replace(
            Settings.from_env(environ={}, dotenv=None), database=url, knowledge=knowledge
        )
        one = await Services.open(settings, peers=True)
        two = await Services.open(settings, peers=True)
        try:
            before = two.kb
            reloaded = asyncio.Event()
            handler = two.peers.handlers["knowledge"]

            async def reload_then_note() -> None:
                await handler()
                reloaded.set()

            two.peers.on("knowledge", reload_then_note)
            assert await one.reload_knowledge() == []
            await asyncio.wait_for(reloaded.wait(), timeout=10)
            assert two.kb is not before  # the second process holds a freshly loaded knowledge base
        finally:
            await one.close()
            await two.close()


async def test_a_global_429_from_discord_pauses_every_process(two_processes, tmp_path) -> None:
    from types import SimpleNamespace

    from bot.app import create_bot

    _, first, second = two_processes
    clock = Seconds()
    here = SharedBudget(first.pool, rate=45, burst=5, clock=clock)
    elsewhere = SharedBudget(second.pool, rate=45, burst=5, clock=clock)
    bot = create_bot(Settings(token=None, database=tmp_path / "unused.db"))
    bot.services = SimpleNamespace(budget=here)
    on_request_end = bot.http.http_trace.on_request_end[0]  # the global-429 hook comes first

    def answer(status: int, **headers: str):
        return SimpleNamespace(response=SimpleNamespace(status=status, headers=headers))

    await on_request_end(
        None, None, answer(429, **{"X-RateLimit-Global": "false", "Retry-After": "9"})
    )
    await on_request_end(None, None, answer(200))
    assert await elsewhere.try_take() == 0.0  # a route's own 429 is no reason to stop everyone
    await on_request_end(
        None, None, answer(429, **{"X-RateLimit-Global": "true", "Retry-After": "2.5"})
    )
    assert await elsewhere.try_take() == pytest.approx(2.5)
    bot.services = None


async def test_processes_starting_together_identify_five_seconds_apart(two_processes) -> None:
    """Discord takes one IDENTIFY every 5 s from the whole bot: processes queue for it in the store."""
    _, first, second = two_processes
    clock = Seconds()
    gates = [
        SharedBudget(db.pool, rate=1 / 5, burst=1, name="identify", clock=clock)
        for db in (first, second)
    ]
    assert await gates[0].try_take() == 0.0  # the first shard of the first process goes at once
    assert await gates[1].try_take() == pytest.approx(5.0)  # the other process waits its turn
    clock.now += 5
    assert await gates[1].try_take() == 0.0
    assert await gates[0].try_take() == pytest.approx(5.0)


async def test_processes_asking_for_their_first_token_at_once_all_get_an_answer(
    two_processes,
) -> None:
    url, first, second = two_processes
    extra = [await PgDatabase.open(url, migrate=False) for _ in range(3)]
    try:
        budgets = [
            SharedBudget(db.pool, rate=45, burst=3, clock=Seconds())
            for db in (first, second, *extra)
        ]
        answers = await asyncio.gather(*(b.try_take() for b in budgets))
        assert sorted(a == 0.0 for a in answers) == [
            False,
            False,
            True,
            True,
            True,
        ]  # the burst of 3
    finally:
        for db in extra:
            await db.close()


class Inbox:
    """A reminder sender that keeps the keys of what it was given, each delivered."""

    def __init__(self) -> None:
        self.keys: list[str] = []

    async def send(self, user_id, message):
        from bot.services.reminders import DELIVERED

        self.keys.append(message.occurrence_key)
        return DELIVERED


async def test_a_bot_process_sends_its_reminders_out_of_the_shared_budget() -> None:
    from tests.support.fakes import FakeClock

    async with fresh_postgres() as url:
        clock = FakeClock("2026-03-02T07:00:00+00:00")
        settings = replace(Settings.from_env(environ={}, dotenv=None), database=url)
        services = await Services.open(settings, clock=clock.now, sleep=clock.sleep, peers=True)
        try:
            await services.reminders.on(42, "Europe/London", "7:30")
            inbox = Inbox()
            dispatcher = services.start_dispatcher(inbox)
            await dispatcher.stop()  # driven step by step below instead
            clock.set("2026-03-02T07:30:00+00:00")
            await dispatcher.run_pending()
            assert inbox.keys == ["2026-03-02T07:30"]
            assert (
                services.budget is not None and services.budget.taken == 1
            )  # one token, from the shared row
        finally:
            await services.close()


async def test_reminders_keep_flowing_after_postgresql_empties_the_budget_in_crash_recovery() -> (
    None
):
    """Crash recovery (and a replica promoted after a failover) leaves an UNLOGGED table empty;
    the table may also be dropped at any time. Either way the budget is made again."""
    from bot.store.shared import BUDGET_TABLE
    from tests.support.fakes import FakeClock

    async with fresh_postgres() as url:
        clock = FakeClock("2026-03-02T07:00:00+00:00")
        settings = replace(Settings.from_env(environ={}, dotenv=None), database=url)
        services = await Services.open(settings, clock=clock.now, sleep=clock.sleep, peers=True)
        try:
            await services.reminders.on(42, "Europe/London", "7:30, 12:00, 21:30")
            inbox = Inbox()
            dispatcher = services.start_dispatcher(inbox)
            await dispatcher.stop()  # driven step by step below instead
            identify = services.identify_budget
            assert identify is not None
            clock.set("2026-03-02T07:30:00+00:00")
            await dispatcher.run_pending()
            assert await identify.try_take() == 0.0
            db = services.db
            assert isinstance(db, PgDatabase)

            await db.pool.execute(f"TRUNCATE {BUDGET_TABLE}")  # what crash recovery leaves
            clock.set("2026-03-02T12:00:00+00:00")
            await dispatcher.run_pending()
            assert await identify.try_take() == 0.0  # the shards can still log in
            await db.pool.execute(f"DROP TABLE {BUDGET_TABLE}")
            assert services.budget is not None
            await services.budget.pause(0.0)  # a global 429 can still be shared
            clock.set("2026-03-02T21:30:00+00:00")
            await dispatcher.run_pending()

            assert inbox.keys == ["2026-03-02T07:30", "2026-03-02T12:00", "2026-03-02T21:30"]
            statuses = await db.fetchall("SELECT status FROM reminder_deliveries")
            assert [r["status"] for r in statuses] == ["sent"] * 3
        finally:
            await services.close()


async def test_the_budget_keeps_flowing_after_the_servers_clock_is_set_back(two_processes) -> None:
    _, first, second = two_processes
    clock = Seconds()
    a = SharedBudget(first.pool, rate=10, burst=2, clock=clock)
    b = SharedBudget(second.pool, rate=10, burst=2, clock=clock)
    await b.pause(3.0)  # a global 429 just now: three seconds
    clock.now += 3
    assert await a.try_take() == 0.0 and await b.try_take() == 0.0  # the burst
    clock.now -= 3600  # NTP sets the database server's clock back an hour
    assert await a.try_take() == pytest.approx(0.1)
    clock.now += 0.1
    assert await b.try_take() == 0.0  # a token a tenth of a second, as before, not in an hour
    clock.now += 1
    assert [await a.try_take() for _ in range(2)] == [0.0, 0.0]
    clock.now -= 600  # set back again, and a global 429 at once: its pause lasts its second
    await b.pause(1.0)
    assert await a.try_take() == pytest.approx(1.0)
