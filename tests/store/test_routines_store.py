"""The routine_sessions table: one running session per person, how sessions end, what counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.store.db import Database, format_utc
from bot.store.errors import INTEGRITY_ERRORS
from bot.store.people import PeopleStore
from bot.store.routines import RoutineSessionStore, SessionAlreadyRunning

T0 = datetime(2025, 3, 10, 7, 30, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


@pytest.fixture
async def repo(db: Database) -> RoutineSessionStore:
    people = PeopleStore(db)
    for user_id in (1, 2):
        await people.ensure(user_id, T0)
    return RoutineSessionStore(db)


async def test_a_session_is_recorded_running_then_finished(repo: RoutineSessionStore):
    record = await repo.create(1, "booty-flex", T0, channel="dm")
    assert (
        record.user_id,
        record.routine_id,
        record.status,
        record.started_at,
        record.ended_at,
    ) == (
        1,
        "booty-flex",
        "running",
        T0,
        None,
    )
    assert record.channel == "dm"
    assert (await repo.running(1)) == record
    assert await repo.end(record.id, "finished", at(2), rounds_added=1)
    done = await repo.get(record.id)
    assert done is not None
    assert (done.status, done.ended_at, done.rounds_added) == ("finished", at(2), 1)
    assert await repo.running(1) is None


async def test_a_session_ends_only_once(repo: RoutineSessionStore):
    record = await repo.create(1, "booty-flex", T0)
    assert await repo.end(record.id, "stopped", at(1))
    assert not await repo.end(record.id, "finished", at(2))
    again = await repo.get(record.id)
    assert again is not None and again.status == "stopped"
    with pytest.raises(ValueError):
        await repo.end(record.id, "running", at(3))  # type: ignore[arg-type]


async def test_the_store_keeps_one_running_session_per_person(repo: RoutineSessionStore):
    first = await repo.create(1, "booty-flex", T0)
    with pytest.raises(SessionAlreadyRunning):
        await repo.create(1, "flare-up", at(1))
    other_person = await repo.create(2, "flare-up", at(1))
    assert other_person.status == "running"
    # A leftover running session can be replaced on purpose: it becomes interrupted.
    second = await repo.create(1, "flare-up", at(2), interrupt_stale=True)
    old = await repo.get(first.id)
    assert old is not None and old.status == "interrupted"
    assert (await repo.running(1)) == second


async def test_interrupting_leftovers_spares_the_sessions_still_running(repo: RoutineSessionStore):
    a = await repo.create(1, "booty-flex", T0)
    b = await repo.create(2, "booty-flex", T0)
    assert await repo.interrupt_running(keep=[b.id]) == 1
    assert (await repo.get(a.id)).status == "interrupted"  # type: ignore[union-attr]
    assert (await repo.get(b.id)).status == "running"  # type: ignore[union-attr]
    assert await repo.interrupt_running() == 1
    assert await repo.interrupt_running() == 0


async def test_only_finished_sessions_count_as_done(repo: RoutineSessionStore):
    for minutes, status in ((0, "finished"), (60, "stopped"), (120, "finished")):
        record = await repo.create(1, "booty-flex", at(minutes))
        await repo.end(record.id, status, at(minutes + 2))
    interrupted = await repo.create(1, "booty-flex", at(200))
    await repo.end(interrupted.id, "interrupted", None)
    assert await repo.finished_days(1) == [(at(2), None), (at(122), None)]
    assert await repo.finished_between(1, at(0), at(10))
    assert not await repo.finished_between(1, at(10), at(100))  # only a stopped one in there
    assert not await repo.finished_between(1, at(2), at(2))  # an empty window
    assert not await repo.finished_between(2, at(0), at(500))  # someone else's
    history = await repo.history(1)
    assert [h.status for h in history] == ["interrupted", "finished", "stopped", "finished"]


async def test_sessions_belong_to_a_person_and_go_with_them(
    db: Database, repo: RoutineSessionStore
):
    with pytest.raises(INTEGRITY_ERRORS):
        await repo.create(99, "booty-flex", T0)  # nobody with that id
    await repo.create(1, "booty-flex", T0)
    async with db.transaction() as conn:
        await conn.execute("DELETE FROM people WHERE user_id = 1")
    assert await repo.history(1) == []
    assert "user_id" in await db.columns("routine_sessions")


async def test_times_are_stored_as_utc_text(db: Database, repo: RoutineSessionStore):
    berlin_morning = datetime(2025, 3, 10, 8, 30, tzinfo=timezone(timedelta(hours=1)))
    record = await repo.create(1, "booty-flex", berlin_morning)
    row = await db.fetchone("SELECT started_at FROM routine_sessions WHERE id = ?", (record.id,))
    assert row is not None and row["started_at"] == "2025-03-10T07:30:00.000000+00:00"
    assert record.started_at == T0


async def test_a_session_id_is_never_given_out_again_after_the_newest_sessions_are_deleted(
    db: Database, repo: RoutineSessionStore
):
    first = await repo.create(1, "flare-up", T0)
    async with db.transaction() as conn:  # /mydata delete: the person and all their sessions go
        await conn.execute("DELETE FROM people WHERE user_id = 1")
    await PeopleStore(db).ensure(1, at(1))

    again = await repo.create(1, "booty-flex", at(1))

    assert again.id > first.id  # a button made for the first session cannot reach this one


async def test_upgrading_keeps_the_sessions_and_their_ids_are_never_reused(tmp_path) -> None:
    from bot.store.db import open_database

    path = tmp_path / "lowback.db"
    old = await open_database(path, migrate=False)
    await old.migrate(upto=4)
    await PeopleStore(old).ensure(1, T0)
    sessions = RoutineSessionStore(old)
    kept = await sessions.create(1, "booty-flex", T0, channel="dm")
    async with old.transaction() as conn:  # as the bot of schema version 4 recorded its end
        await conn.execute(
            "UPDATE routine_sessions SET status = 'finished', ended_at = ? WHERE id = ?",
            (format_utc(at(5)), kept.id),
        )
    newest = await sessions.create(1, "flare-up", at(10))
    await old.close()

    new = await open_database(path)
    try:
        sessions = RoutineSessionStore(new)
        assert [(h.id, h.routine_id, h.status) for h in await sessions.history(1)] == [
            (newest.id, "flare-up", "running"),
            (kept.id, "booty-flex", "finished"),
        ]
        async with new.transaction() as conn:
            await conn.execute("DELETE FROM routine_sessions WHERE id = ?", (newest.id,))
        later = await sessions.create(1, "glute-stretch", at(20))
        assert later.id > newest.id
        with pytest.raises(SessionAlreadyRunning):  # the indexes came through the rebuild
            await sessions.create(1, "flare-up", at(21))
    finally:
        await new.close()
