"""doctor, backup and migrate-db with PostgreSQL, through the ``lowback`` command."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.ops.doctor import check_database
from bot.settings import PostgresURL
from bot.store.data_rights import export_person
from bot.store.db import Database, open_database
from bot.store.people import LOCAL_USER_ID, PeopleStore
from bot.store.reminders import ReminderStore
from bot.store.routines import RoutineSessionStore
from bot.store.schema import load_migrations
from bot.store.unanswered import UnansweredStore
from tests.support.backends import NO_SERVER, SERVER, fresh_postgres

needs_server = pytest.mark.skipif(SERVER is None, reason=NO_SERVER)
NOW = datetime(2026, 3, 2, 7, 30, tzinfo=UTC)
LOWBACK = [sys.executable, "-m", "bot"]


def lowback(
    args: list[str], database: Path | PostgresURL, cwd: Path
) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"}
    env["LOWBACK_DATABASE"] = database.url if isinstance(database, PostgresURL) else str(database)
    return subprocess.run(
        LOWBACK + args, capture_output=True, text=True, env=env, cwd=cwd, timeout=120
    )


@pytest.fixture
async def pg():
    if SERVER is None:
        pytest.skip(NO_SERVER)
    async with fresh_postgres() as url:
        yield url


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nobody listens once this socket is closed


async def test_doctor_names_an_unreachable_server_in_one_line_and_how_to_fix_it() -> None:
    check = await check_database(
        PostgresURL(f"postgresql://bot:s3cret@127.0.0.1:{closed_port()}/lowback")
    )
    assert check.ok is False
    assert (
        "cannot connect to the PostgreSQL database at postgresql://bot:***@127.0.0.1"
        in check.message
    )
    assert "no server answers there" in check.message
    assert "s3cret" not in check.message + check.fix and "\n" not in check.message
    assert "LOWBACK_DATABASE" in check.fix


@needs_server
async def test_doctor_reports_server_version_and_schema_version(pg: PostgresURL) -> None:
    latest = len(load_migrations("postgresql"))
    before = await check_database(pg)
    assert before.ok is True and f"schema version 0 of {latest}" in before.message
    assert "PostgreSQL 1" in before.message  # the server's version, e.g. "PostgreSQL 15.4 at ..."
    db = await open_database(pg)
    await db.close()
    after = await check_database(pg)
    assert after.ok is True and f"at the latest schema version ({latest})" in after.message
    # The write probe left nothing behind.
    db = await open_database(pg)
    try:
        assert "lowback_doctor_probe" not in await db.tables()
        async with db.transaction() as conn:
            await conn.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, '0999_x.sql', 'x')"
            )
    finally:
        await db.close()
    future = await check_database(pg)
    assert (
        future.ok is False and "newer version of lowback-bot (schema version 999" in future.message
    )


@needs_server
@pytest.mark.skipif(shutil.which("pg_dump") is None, reason="pg_dump is not installed")
async def test_backup_uses_pg_dump_and_says_so(pg: PostgresURL, tmp_path: Path) -> None:
    db = await open_database(pg)
    try:
        await PeopleStore(db).set_step(LOCAL_USER_ID, 3, "kept in the dump", NOW)
    finally:
        await db.close()
    dest = tmp_path / "lowback.pgdump"
    done = lowback(["backup", str(dest)], pg, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "with pg_dump" in done.stdout and "pg_restore" in done.stdout
    listing = subprocess.run(["pg_restore", "--list", str(dest)], capture_output=True, text=True)
    assert "TABLE DATA" in listing.stdout and "people" in listing.stdout
    again = lowback(["backup", str(dest)], pg, tmp_path)
    assert again.returncode == 1 and "already exists" in again.stderr and "--force" in again.stderr
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".partial")]


async def fill_sqlite(path: Path) -> None:
    db = await Database.open(path)
    try:
        people = PeopleStore(db)
        for user in (LOCAL_USER_ID, 555_555_555_555_555_555):
            await people.set_step(user, 2, "easy now", NOW)
            await people.set_timezone(user, "Europe/Berlin", NOW)
        sessions = RoutineSessionStore(db)
        done = await sessions.create(LOCAL_USER_ID, "daily-step-2", NOW)
        await sessions.end(done.id, "finished", NOW)
        gone = await sessions.create(555_555_555_555_555_555, "flare-up", NOW)
        async with db.transaction() as conn:  # the newest session was deleted before the move
            await conn.execute("DELETE FROM routine_sessions WHERE id = ?", (gone.id,))
        await UnansweredStore(db).set_opt_in(42, True, NOW)
        await UnansweredStore(db).record(42, "is ice better than heat?", "heat", 0.31, NOW)
        await ReminderStore(db).add_notice(LOCAL_USER_ID, "hello", "a note", NOW)
    finally:
        await db.close()


@needs_server
async def test_migrate_db_copies_everything_checks_it_and_the_bot_carries_on(
    pg: PostgresURL, tmp_path: Path
) -> None:
    source = tmp_path / "lowback.db"
    await fill_sqlite(source)
    done = lowback(["migrate-db", "--to", pg.url], source, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "checked them row by row" in done.stdout and "LOWBACK_DATABASE=" in done.stdout
    assert "people: 2 row(s)" in done.stdout and "step_history: 2 row(s)" in done.stdout

    old = await Database.open(source)
    new = await open_database(pg)
    try:
        for user in (LOCAL_USER_ID, 555_555_555_555_555_555):
            assert await export_person(new, user) == await export_person(old, user)
        assert await UnansweredStore(new).recent(42) == await UnansweredStore(old).recent(42)
        # New rows get new ids after the copied ones.
        change = await PeopleStore(new).set_step(LOCAL_USER_ID, 3, "after the move", NOW)
        history = await PeopleStore(new).history(LOCAL_USER_ID)
        assert [h.reason for h in history] == ["easy now", "after the move"] and change.to_step == 3
        second = await RoutineSessionStore(new).create(LOCAL_USER_ID, "daily-step-3", NOW)
        assert second.id == 3  # not 2: that id was a session's before, deleted since
    finally:
        await old.close()
        await new.close()

    again = lowback(["migrate-db", "--to", pg.url], source, tmp_path)
    assert again.returncode == 1
    assert (
        again.stderr.startswith("Nothing was moved: ")
        and "already holds lowback-bot data" in again.stderr
    )


def test_migrate_db_wants_a_postgresql_url(tmp_path: Path) -> None:
    done = lowback(
        ["migrate-db", "--to", "mysql://root@localhost/lowback"], tmp_path / "x.db", tmp_path
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "Configuration problem: --to must be a file path (SQLite) or a postgresql://user@host/dbname URL, "
        "not a mysql:// URL"
    ]
    missing = lowback(
        ["migrate-db", "--to", f"postgresql://postgres@127.0.0.1:{closed_port()}/x"],
        tmp_path / "none.db",
        tmp_path,
    )
    assert missing.returncode == 1 and "there is no SQLite database at" in missing.stderr


async def test_migrate_db_while_the_bot_runs_on_the_file_is_refused_before_anything_is_copied(
    tmp_path: Path,
) -> None:
    # The README says to stop the bot first; an operator who forgets would lose what the bot
    # writes to the SQLite file between the copy and the switch to PostgreSQL.
    from dataclasses import replace

    from bot.ops.instance import InstanceLock
    from bot.settings import Settings

    source = tmp_path / "lowback.db"
    await fill_sqlite(source)
    target = f"postgresql://postgres@127.0.0.1:{closed_port()}/lowback"
    with InstanceLock.take(replace(Settings(), database=source)):  # `lowback run` on the file
        refused = lowback(["migrate-db", "--to", target], source, tmp_path)
    assert refused.returncode == 1 and refused.stdout == ""
    assert refused.stderr.strip() == (
        f"Nothing was moved: a lowback bot (process {os.getpid()}) is running on {source}: stop it "
        "first (what it wrote after the copy would stay behind in the SQLite file), then run "
        "migrate-db again."
    )
    stopped = lowback(["migrate-db", "--to", target], source, tmp_path)  # on to the server now
    assert stopped.returncode == 1 and "is running on" not in stopped.stderr


@needs_server
async def test_migrate_db_that_fails_halfway_leaves_the_target_empty_and_can_run_again(
    pg: PostgresURL, tmp_path: Path
) -> None:
    source = tmp_path / "lowback.db"
    await fill_sqlite(source)
    db = await Database.open(source)
    try:  # a row PostgreSQL refuses (text with a NUL byte), in a table copied after the others
        async with db.transaction() as conn:
            await conn.execute(
                "UPDATE unanswered_questions SET question = ?", ("is ice\x00 better?",)
            )
    finally:
        await db.close()
    failed = lowback(["migrate-db", "--to", pg.url], source, tmp_path)
    assert failed.returncode == 1
    assert failed.stderr.startswith("Nothing was moved: table unanswered_questions could not be")

    target = await open_database(pg, migrate=False)
    try:
        assert await target.tables() == []  # not even the tables the move began with
    finally:
        await target.close()

    db = await Database.open(source)
    try:
        async with db.transaction() as conn:
            await conn.execute("UPDATE unanswered_questions SET question = 'is ice better?'")
    finally:
        await db.close()
    again = lowback(["migrate-db", "--to", pg.url], source, tmp_path)
    assert again.returncode == 0, again.stderr
    assert "people: 2 row(s)" in again.stdout and "unanswered_questions: 1 row(s)" in again.stdout
