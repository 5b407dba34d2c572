"""The database file: migrations, refusing a newer schema, atomic writes, concurrency."""

from __future__ import annotations

import asyncio
import itertools
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.store.db import Database, open_database
from bot.store.errors import INTEGRITY_ERRORS, DatabaseError, DatabaseTooNew
from bot.store.people import PeopleStore
from bot.store.schema import Migration, load_migrations, split_sql

NOW = datetime(2025, 3, 1, 7, 30, tzinfo=UTC)


async def versions_in(db: Database) -> list[int]:
    return [
        r[0] for r in await db.fetchall("SELECT version FROM schema_migrations ORDER BY version")
    ]


async def test_fresh_database_has_every_migration_applied_and_recorded(db: Database) -> None:
    bundled = load_migrations()
    assert await versions_in(db) == [m.version for m in bundled]
    names = [r[0] for r in await db.fetchall("SELECT name FROM schema_migrations ORDER BY version")]
    assert names == [m.name for m in bundled]
    assert {"people", "step_history", "guild_settings", "unanswered_questions"} <= set(
        await db.tables()
    )
    assert await db.schema_version() == len(bundled)


async def test_reopening_applies_nothing_and_keeps_data(database_location) -> None:
    path = database_location
    db = await open_database(path)
    await PeopleStore(db).set_step(42, 2, "easy and pain-free", NOW)
    recorded = await db.fetchall(
        "SELECT version, applied_at FROM schema_migrations ORDER BY version"
    )
    await db.close()

    db = await open_database(path)
    try:
        assert await db.migrate() == []
        again = await db.fetchall(
            "SELECT version, applied_at FROM schema_migrations ORDER BY version"
        )
        assert [tuple(r) for r in again] == [tuple(r) for r in recorded]
        person = await PeopleStore(db).get(42)
        assert person is not None and person.step == 2
    finally:
        await db.close()


async def test_upgrade_from_the_first_migration_keeps_rows_and_applies_the_rest(
    database_location,
) -> None:
    path = database_location
    old = await open_database(path, migrate=False)
    assert await old.migrate(upto=1) == [1]
    assert await versions_in(old) == [1]
    people = PeopleStore(old)
    await people.set_step(7, 2, "glute squeeze easy", NOW)
    await people.set_timezone(7, "Europe/Berlin", NOW)
    await old.close()

    new = await open_database(path)
    try:
        bundled = [m.version for m in load_migrations()]
        assert await versions_in(new) == bundled
        person = await PeopleStore(new).get(7)
        assert person is not None and (person.step, person.timezone) == (2, "Europe/Berlin")
        history = await PeopleStore(new).history(7)
        assert [(h.from_step, h.to_step, h.reason) for h in history] == [
            (1, 2, "glute squeeze easy")
        ]
    finally:
        await new.close()


async def test_database_from_a_newer_version_is_refused_with_advice(database_location) -> None:
    path = database_location
    db = await open_database(path)
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, '0999_future.sql', '2030-01-01')"
        )
    await db.close()

    with pytest.raises(DatabaseTooNew) as caught:
        await open_database(path)
    message = str(caught.value)
    assert "newer version" in message
    assert "999" in message
    assert "Upgrade lowback-bot" in message and "LOWBACK_DATABASE" in message
    assert isinstance(caught.value, DatabaseError)


async def test_a_file_that_is_not_a_database_gives_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("this is not SQLite " * 100)
    with pytest.raises(DatabaseError, match=r"notes\.txt"):
        await Database.open(path)


@pytest.mark.parametrize("how", ["deleted", "replaced"])
async def test_a_file_deleted_or_replaced_while_running_is_not_written_to_in_vain(
    tmp_path: Path, how: str
) -> None:
    import os

    path = tmp_path / "lowback.db"
    database = await Database.open(path)
    try:
        people = PeopleStore(database)
        await people.set_step(7, 2, "set by the person", NOW)
        if how == "deleted":  # a clean-up job, a mistaken rm
            os.remove(path)
        else:  # a backup copied over it the wrong way, while the bot runs
            other = await Database.open(tmp_path / "other.db")
            await other.close()
            os.replace(tmp_path / "other.db", path)
        with pytest.raises(DatabaseError) as refused:
            await people.set_step(7, 3, "moved up", NOW)
        message = str(refused.value)
        assert f"{path} was deleted or replaced while lowback was running" in message
        assert "Restart lowback" in message and "backup" in message
        assert (await people.get(7)).step == 2  # type: ignore[union-attr]  # nothing half-done
    finally:
        await database.close()


async def test_wal_mode_and_foreign_keys_are_on(db: Database) -> None:
    if db.dialect == "sqlite":
        mode = await db.fetchone("PRAGMA journal_mode")
        assert mode is not None and mode[0] == "wal"
        fk = await db.fetchone("PRAGMA foreign_keys")
        assert fk is not None and fk[0] == 1
    # A step change for someone the bot never met is rejected, not silently stored.
    with pytest.raises(INTEGRITY_ERRORS):
        async with db.transaction() as conn:
            await conn.execute(
                "INSERT INTO step_history (user_id, from_step, to_step, reason, at) VALUES (5, 1, 2, 'x', 'now')"
            )


async def test_exception_half_way_leaves_nothing_written(db: Database) -> None:
    with pytest.raises(RuntimeError, match="boom"):
        async with db.transaction() as conn:
            await conn.execute(
                "INSERT INTO people (user_id, step, created_at, updated_at) VALUES (9, 1, 'a', 'a')"
            )
            raise RuntimeError("boom")
    assert await db.fetchall("SELECT * FROM people") == []
    # The connection is usable afterwards.
    await PeopleStore(db).set_step(9, 3, "after the failure", NOW)
    assert (await PeopleStore(db).get(9)).step == 3


async def test_task_cancelled_inside_a_transaction_leaves_nothing_written(db: Database) -> None:
    wrote = asyncio.Event()
    never = asyncio.Event()

    async def writer() -> None:
        async with db.transaction() as conn:
            await conn.execute(
                "INSERT INTO people (user_id, step, created_at, updated_at) VALUES (11, 1, 'a', 'a')"
            )
            wrote.set()
            await never.wait()
            await conn.execute(
                "INSERT INTO step_history (user_id, from_step, to_step, reason, at) VALUES (11, 1, 2, 'x', 'a')"
            )

    task = asyncio.create_task(writer())
    await wrote.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await db.fetchall("SELECT * FROM people") == []
    assert await db.fetchall("SELECT * FROM step_history") == []
    change = await PeopleStore(db).set_step(11, 2, "after the cancel", NOW)
    assert (change.from_step, change.to_step) == (1, 2)


async def test_cancelling_a_step_change_at_any_point_is_all_or_nothing(db: Database) -> None:
    people = PeopleStore(db)
    for yields_before_cancel in range(12):
        user = 1000 + yields_before_cancel
        task = asyncio.create_task(people.set_step(user, 3, "cancelled?", NOW))
        for _ in range(yields_before_cancel):
            await asyncio.sleep(0)
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass
        person = await people.get(user)
        history = await people.history(user)
        if person is None:
            assert history == []
        else:
            assert person.step == 3
            assert [(h.from_step, h.to_step) for h in history] == [(1, 3)]
    # After all that, the shared connection still works and is not stuck in a transaction.
    await people.set_step(1, 4, "still fine", NOW)
    assert (await people.get(1)).step == 4


async def test_reader_never_sees_another_tasks_unfinished_transaction(db: Database) -> None:
    inserted = asyncio.Event()
    finish = asyncio.Event()

    async def writer() -> None:
        async with db.transaction() as conn:
            await conn.execute(
                "INSERT INTO people (user_id, step, created_at, updated_at) VALUES (21, 1, 'a', 'a')"
            )
            inserted.set()
            await finish.wait()
            raise RuntimeError("changed my mind")

    write = asyncio.create_task(writer())
    await inserted.wait()
    read = asyncio.create_task(PeopleStore(db).get(21))
    for _ in range(5):
        await asyncio.sleep(0)
    finish.set()
    with pytest.raises(RuntimeError):
        await write
    assert await read is None


async def test_nested_transaction_in_one_task_is_an_error_not_a_hang(db: Database) -> None:
    with pytest.raises(RuntimeError, match="already open"):
        async with db.transaction(), db.transaction():
            pass


async def test_fifty_concurrent_step_changes_all_land_with_a_consistent_history(
    db: Database,
) -> None:
    people = PeopleStore(db)
    targets = [(i % 4) + 1 for i in range(50)]
    changes = await asyncio.gather(
        *(people.set_step(77, step, f"change {i}", NOW) for i, step in enumerate(targets))
    )
    history = await people.history(77)
    assert len(history) == 50
    assert sorted(h.reason for h in history) == sorted(f"change {i}" for i in range(50))
    assert history[0].from_step == 1
    for before, after in itertools.pairwise(history):
        assert after.from_step == before.to_step
    assert (await people.get(77)).step == history[-1].to_step
    assert set(changes) == set(history)


async def test_migration_that_rebuilds_a_table_keeps_child_rows(tmp_path: Path) -> None:
    """Future migrations may rebuild a parent table; its children must not be cascade-deleted."""
    path = tmp_path / "rebuild.db"
    db = await Database.open(path)
    await PeopleStore(db).set_step(5, 2, "kept through the rebuild", NOW)
    bundled = load_migrations()
    rebuild = Migration(
        len(bundled) + 1,
        f"{len(bundled) + 1:04d}_rebuild_people.sql",
        """
        CREATE TABLE people_new (
            user_id INTEGER PRIMARY KEY,
            step INTEGER NOT NULL DEFAULT 1 CHECK (step BETWEEN 1 AND 4),
            timezone TEXT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT 'a; b'   -- a semicolon in a literal; and one here
        );
        INSERT INTO people_new (user_id, step, timezone, created_at, updated_at)
            SELECT user_id, step, timezone, created_at, updated_at FROM people;
        DROP TABLE people;
        ALTER TABLE people_new RENAME TO people;
        """,
    )
    try:
        assert await db.migrate(migrations=[*bundled, rebuild]) == [rebuild.version]
        history = await PeopleStore(db).history(5)
        assert [h.reason for h in history] == ["kept through the rebuild"]
        note = await db.fetchone("SELECT note FROM people WHERE user_id = 5")
        assert note[0] == "a; b"
        assert (await db.fetchone("PRAGMA foreign_keys"))[0] == 1
    finally:
        await db.close()


async def test_failed_migration_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "broken.db"
    db = await Database.open(path)
    bundled = load_migrations()
    broken = Migration(
        len(bundled) + 1,
        f"{len(bundled) + 1:04d}_broken.sql",
        "CREATE TABLE half_done (id INTEGER PRIMARY KEY); INSERT INTO no_such_table VALUES (1);",
    )
    try:
        with pytest.raises(sqlite3.OperationalError):
            await db.migrate(migrations=[*bundled, broken])
        assert "half_done" not in await db.tables()
        assert await versions_in(db) == [m.version for m in bundled]
    finally:
        await db.close()


def test_split_sql_respects_literals_comments_and_triggers() -> None:
    script = """
    -- a comment; with a semicolon
    CREATE TABLE t (x TEXT DEFAULT ';');
    /* block; comment */
    CREATE TRIGGER t_touch AFTER INSERT ON t BEGIN
        UPDATE t SET x = 'y;z' WHERE rowid = new.rowid;
    END;
    INSERT INTO t (x) VALUES ('last')
    ;
    """
    statements = split_sql(script)
    assert len(statements) == 3
    assert "CREATE TRIGGER" in statements[1]
    assert statements[1].rstrip().endswith("END;")
    assert split_sql("CREATE TABLE a (x); CREATE TABLE b (y)") == [
        "CREATE TABLE a (x);",
        "CREATE TABLE b (y)",
    ]
    with pytest.raises(DatabaseError, match="unfinished"):
        split_sql("CREATE TABLE a (x TEXT DEFAULT 'no end);")


async def test_every_id_column_holds_a_discord_id(db: Database) -> None:
    """Discord ids are 64-bit: on PostgreSQL an INTEGER column (32-bit) would refuse them. A shared
    migration that adds one needs a NNNN_name.postgresql.sql beside it with BIGINT."""
    if db.dialect != "postgresql":
        pytest.skip("SQLite's INTEGER is 64-bit")
    rows = await db.fetchall(
        "SELECT table_name, column_name, data_type FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND (column_name = 'id' OR column_name LIKE '%\\_id')"
        " AND data_type IN ('integer', 'smallint')"
    )
    assert [tuple(r) for r in rows] == []
    big = 987_654_321_987_654_321
    await PeopleStore(db).set_step(big, 2, "a real Discord id", NOW)
    assert (await PeopleStore(db).get(big)).step == 2


async def test_a_snapshot_transaction_reads_one_moment_while_others_write(db: Database) -> None:
    """What an export reads is one consistent picture, even with another process writing meanwhile."""
    if db.dialect != "postgresql":
        pytest.skip("SQLite's write lock keeps every other writer out for the whole block")
    other = await open_database(db.location)
    people = PeopleStore(db)
    try:
        await people.set_step(1, 2, "before", NOW)
        async with db.transaction(snapshot=True):
            before = await db.fetchall("SELECT user_id FROM people")
            await PeopleStore(other).set_step(2, 3, "meanwhile, elsewhere", NOW)
            assert await db.fetchall("SELECT user_id FROM people") == before
        async with db.transaction():
            assert len(await db.fetchall("SELECT user_id FROM people")) == 2
    finally:
        await other.close()
