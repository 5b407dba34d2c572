"""No reminder is left claimed and forgotten, and none is sent twice because a send took long or
two machines' clocks disagree: every occurrence ends sent once or recorded with why not.

Against SQLite and PostgreSQL. The database "goes away" for real: PostgreSQL behind a relay that is
cut (tests/support/blackout.py), SQLite locked by another program for longer than the store waits.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.services.container import Services
from bot.services.reminders import DELIVERED, DeliveryResult, Dispatcher, ReminderMessage
from bot.settings import PostgresURL, Settings
from bot.store.db import Database, format_utc, open_database
from bot.store.errors import DatabaseError, DatabaseUnavailable
from bot.store.reminders import ReminderStore
from tests.services.test_reminders import (
    ALICE,
    BOB,
    LONDON,
    Call,
    FakeSender,
    SimulatedCrash,
    compose_for,
    make,
    run_until,
)
from tests.support.backends import NO_SERVER, SERVER, fresh_postgres
from tests.support.blackout import Blackout
from tests.support.fakes import FakeClock, utc

KEY = "2026-03-02T07:30"
needs_postgres = pytest.mark.skipif(SERVER is None, reason=NO_SERVER)


@dataclass
class Outage:
    """Takes the database away (``begin``) and brings it back (``end``)."""

    begin: Callable[[], None]
    end: Callable[[], None]


class SqliteLock:
    """Another program holding the SQLite file's write lock."""

    def __init__(self, path: Path):
        self.path = path
        self.conn: sqlite3.Connection | None = None

    def take(self) -> None:
        self.conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self.conn.execute("BEGIN EXCLUSIVE")

    def release(self) -> None:
        if self.conn is not None:
            self.conn.execute("ROLLBACK")
            self.conn.close()
            self.conn = None


@contextlib.asynccontextmanager
async def breakable(
    location: Path | PostgresURL, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[Database, Outage]]:
    """The database at ``location``, opened so that a test can take it away and bring it back."""
    if isinstance(location, PostgresURL):
        relay = Blackout(location.url)
        db = await open_database(PostgresURL(relay.url))
        try:
            yield db, Outage(relay.cut, relay.restore)
        finally:
            if relay.refused:
                relay.restore()
            await db.close()
            relay.close()
        return
    monkeypatch.setattr("bot.store.db.BUSY_TIMEOUT_MS", 50)  # instead of waiting 5 s
    lock = SqliteLock(location)
    db = await open_database(location)
    try:
        yield db, Outage(lock.take, lock.release)
    finally:
        lock.release()
        await db.close()


class FailsOnce:
    """A pace whose first request fails as the shared budget's does when PostgreSQL drops the
    connection; ``then`` runs first (e.g. the database goes away for good)."""

    def __init__(self, then: Callable[[], None] = lambda: None):
        self.calls = 0
        self.then = then

    async def acquire(self) -> None:
        self.calls += 1
        if self.calls == 1:
            self.then()
            raise DatabaseUnavailable("the PostgreSQL database can't be reached right now")


async def until(check: Callable[[], Awaitable[bool]], what: str, *, fail: bool = True) -> bool:
    """Wait (5 s at most) until ``check`` holds; a database still away counts as not yet. Without
    ``fail``, say whether it came to hold instead of failing the test."""
    for _ in range(500):
        with contextlib.suppress(DatabaseError):
            if await check():
                return True
        await asyncio.sleep(0.01)
    if fail:
        raise AssertionError(f"never: {what}")
    return False


def keys(calls: list[Call]) -> list[str]:
    return [c.message.occurrence_key for c in calls]


async def test_a_reminder_whose_pacing_failed_is_sent_a_little_later(db: Database) -> None:
    clock = FakeClock("2026-03-02T07:00:00+00:00")
    service, dispatcher, sender = make(db, clock)
    dispatcher.bucket = FailsOnce()
    await service.on(ALICE, LONDON, "7:30, 7:45")
    await run_until(dispatcher, clock, "2026-03-02T09:00")
    assert keys(sender.inbox) == [KEY, "2026-03-02T07:45"]
    assert sender.calls[0].at == utc("2026-03-02T07:30:30")  # the first retry
    text = (await service.show(ALICE)).describe()
    assert "Mon 2 Mar, 07:30 GMT: sent" in text and "being sent" not in text


async def test_a_reminder_sent_while_the_database_is_away_is_recorded_once_it_is_back(
    database_location: Path | PostgresURL, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with breakable(database_location, monkeypatch) as (db, outage):
        clock = FakeClock("2026-03-02T07:00:00+00:00")

        class AwayWhileSending(FakeSender):
            async def send(self, user_id: int, message: ReminderMessage) -> DeliveryResult:
                result = await super().send(user_id, message)
                if len(self.calls) == 1:
                    outage.begin()  # the DM went out; the database is gone before it hears so
                return result

        waits: list[float] = []

        async def sleep(seconds: float) -> None:
            waits.append(seconds)
            if len(waits) == 2:
                outage.end()  # back a few seconds later
            await clock.sleep(seconds)

        sender = AwayWhileSending(clock)
        dispatcher = Dispatcher(db, sender, compose_for(), clock.now, sleep)
        service, _, _ = make(db, clock)
        await service.on(ALICE, LONDON, "7:30")
        clock.set("2026-03-02T07:30")
        store = ReminderStore(db)
        with contextlib.suppress(DatabaseError):  # the rest of that pass may fail too
            await dispatcher.run_pending()

        async def recorded() -> bool:
            row = await store.get_delivery(ALICE, KEY)
            return row is not None and row.status == "sent"

        await until(recorded, "the reminder was recorded as sent")
        assert waits[:2] == [1.0, 2.0]  # recorded on the third try, once it was back
        row = await store.get_delivery(ALICE, KEY)
        assert row is not None and row.attempts == 1
        await run_until(dispatcher, clock, "2026-03-02T12:00")  # never sent again
        assert keys(sender.calls) == [KEY]
        assert "Mon 2 Mar, 07:30 GMT: sent" in (await service.show(ALICE)).describe()


async def test_a_claim_its_own_dispatcher_could_not_hand_back_is_taken_back_when_it_runs_out(
    database_location: Path | PostgresURL, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with breakable(database_location, monkeypatch) as (db, outage):
        clock = FakeClock("2026-03-02T07:00:00+00:00")
        service, dispatcher, sender = make(db, clock)
        # The pace fails because the database went away, and stays away while the dispatcher
        # tries to hand the claim back: the claim is left in the store, held by a live process.
        dispatcher.bucket = FailsOnce(then=outage.begin)
        await service.on(ALICE, LONDON, "7:30")
        clock.set("2026-03-02T07:30")
        with contextlib.suppress(DatabaseError):  # the rest of that pass may fail too
            await dispatcher.run_pending()
        outage.end()
        row = await ReminderStore(db).get_delivery(ALICE, KEY)
        assert row is not None and (row.status, row.claimed_by) == ("claimed", dispatcher.name)
        await run_until(dispatcher, clock, "2026-03-02T09:00")
        assert [(c.message.occurrence_key, c.at) for c in sender.inbox] == [
            (KEY, utc("2026-03-02T07:32"))  # when its two-minute lease ran out
        ]
        row = await ReminderStore(db).get_delivery(ALICE, KEY)
        assert row is not None and row.status == "sent"


class Hanging(FakeSender):
    """Discord takes its time (retries, a held rate limit): the DM arrives when ``answer`` is set."""

    def __init__(self, clock: FakeClock, inbox: list[Call]):
        super().__init__(clock, inbox)
        self.answer = asyncio.Event()

    async def send(self, user_id: int, message: ReminderMessage) -> DeliveryResult:
        self.calls.append(Call(self.clock.now(), user_id, message))
        await self.answer.wait()
        self.inbox.append(self.calls[-1])
        return DELIVERED


async def test_a_send_that_takes_ten_minutes_is_not_sent_again_by_another_process(
    db: Database,
) -> None:
    clock = FakeClock("2026-03-02T07:29:30+00:00")
    inbox: list[Call] = []
    service, first, slow = make(db, clock, Hanging(clock, inbox), name="host-a:1:a")
    other = await open_database(db.location)
    try:
        _, second, quick = make(other, clock, FakeSender(clock, inbox), name="host-b:1:b")
        await service.on(ALICE, LONDON, "7:30")
        store = ReminderStore(db)

        async def claimed_at() -> datetime | None:
            row = await store.get_delivery(ALICE, KEY)
            return None if row is None else row.claimed_at

        start = utc("2026-03-02T07:30")
        clock.horizon = start
        first.start()
        await clock.until_parked(sleepers=2)  # its task, and the one that renews its claims
        assert await claimed_at() == start
        # Ten minutes pass, thirty seconds at a time, while the first still waits for Discord.
        renewals = []
        for step in range(1, 21):
            clock.release(start + timedelta(seconds=30 * step))
            await clock.until_parked(sleepers=2)
            renewals.append(await claimed_at())
        assert renewals == [start + timedelta(seconds=30 * step) for step in range(1, 21)]
        await second.run_pending()  # ten minutes after the claim
        assert quick.calls == []
        slow.answer.set()

        async def recorded() -> bool:
            row = await store.get_delivery(ALICE, KEY)
            return row is not None and row.status == "sent"

        await until(recorded, "the send was recorded")
        await first.stop()
        assert keys(inbox) == [KEY]
        row = await store.get_delivery(ALICE, KEY)
        assert row is not None and (row.claimed_by, row.attempts) == ("host-a:1:a", 1)
    finally:
        await first.stop(timeout=0)
        clock.release(None)
        await other.close()


@needs_postgres
async def test_two_processes_whose_clocks_are_five_minutes_apart_send_a_reminder_once() -> None:
    """On PostgreSQL a claim is stamped and judged by the database server's clock: a process whose
    own clock runs ahead by more than the lease does not take over a claim made a moment ago."""
    async with fresh_postgres() as url:
        db_a, db_b = await open_database(url), await open_database(url)
        try:
            clock_a = FakeClock("2026-03-02T07:00:00+00:00")
            clock_b = FakeClock("2026-03-02T07:05:00+00:00")  # five minutes fast
            inbox: list[Call] = []
            slow = Hanging(clock_a, inbox)
            _, a, _ = make(db_a, clock_a, slow, name="host-a:1:a", database_clock=True)
            service, b, quick = make(
                db_b, clock_b, FakeSender(clock_b, inbox), name="host-b:1:b", database_clock=True
            )
            await service.on(ALICE, LONDON, "7:30")
            clock_a.set("2026-03-02T07:30")
            clock_b.set("2026-03-02T07:35")
            store = ReminderStore(db_a)
            sending = asyncio.create_task(a.run_pending())  # claimed, waiting for Discord

            async def claimed() -> bool:
                return await store.get_delivery(ALICE, KEY) is not None

            await until(claimed, "the first process claimed it")
            await b.run_pending()  # by its own clock the claim is five minutes old
            assert quick.calls == []
            slow.answer.set()
            await sending
            assert keys(inbox) == [KEY]
            row = await store.get_delivery(ALICE, KEY)
            assert row is not None and (row.status, row.claimed_by) == ("sent", "host-a:1:a")

            # A claim nobody renewed for longer than the lease, by the server's clock, is still
            # taken over, whatever the process's own clock says.
            await service.on(BOB, LONDON, "7:40")
            crashing = FakeSender(clock_a)
            crashing.script.append("crash-before")
            _, c, _ = make(db_a, clock_a, crashing, name="host-c:1:c", database_clock=True)
            clock_a.set("2026-03-02T07:40")
            with pytest.raises(SimulatedCrash):
                await c.run_pending()
            server_now = await store.database_now()
            await db_a.fetchall(
                "UPDATE reminder_deliveries SET claimed_at = ? WHERE user_id = ? RETURNING id",
                (format_utc(server_now - timedelta(minutes=3)), BOB),
            )
            await b.run_pending()
            assert [c.user_id for c in quick.calls] == [BOB]
        finally:
            await db_a.close()
            await db_b.close()


@needs_postgres
async def test_the_bot_stamps_its_claims_with_the_database_servers_clock() -> None:
    async with fresh_postgres() as url:
        clock = FakeClock("2026-03-02T07:00:00+00:00")  # the bot's clock: far from the server's
        settings = replace(Settings.from_env(environ={}, dotenv=None), database=url)
        services = await Services.open(settings, clock=clock.now, sleep=clock.sleep)
        try:
            await services.reminders.on(ALICE, LONDON, "7:30")
            slow = Hanging(clock, [])
            dispatcher = services.start_dispatcher(slow)
            await dispatcher.stop()  # driven step by step below instead
            clock.set("2026-03-02T07:30")
            sending = asyncio.create_task(dispatcher.run_pending())
            store = ReminderStore(services.db)

            async def claimed() -> bool:
                return await store.get_delivery(ALICE, KEY) is not None

            await until(claimed, "the bot claimed it")
            row = await store.get_delivery(ALICE, KEY)
            server_now = await store.database_now()
            assert row is not None and row.claimed_at is not None
            assert abs(row.claimed_at - server_now) < timedelta(minutes=1)
            slow.answer.set()
            await sending
        finally:
            await services.close()
