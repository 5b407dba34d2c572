"""Faults of the database file and the disk: every command and the bot say in one line what is
wrong and how to fix it, exit non-zero, and never print a traceback; repeated identical errors
are logged once, with a count."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from pathlib import Path

import pytest

from bot.app import run_bot
from bot.services.reminders import Dispatcher, ReminderMessage, ReminderService
from bot.settings import Settings
from bot.store.db import Database
from bot.store.errors import DatabaseError, DiskFull
from bot.store.people import PeopleStore
from bot.store.reminders import ReminderStore
from bot.terminal import cli
from tests.support.fakes import FakeClock
from tests.support.read_only import SUPERUSER, permissions_bind, read_only

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789AB"
COMMANDS = (
    ["progress", "--up"],
    ["reminders", "show"],
    ["mydata"],
    ["mydata", "--delete", "--yes"],
)


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A database with a person who has a step and reminders; LOWBACK_DATABASE points at it."""
    path = tmp_path / "lowback.db"
    monkeypatch.setenv("LOWBACK_DATABASE", str(path))
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    assert cli.main(["progress", "--set", "2"]) == 0
    assert cli.main(["reminders", "on", "--timezone", "Europe/Berlin", "--times", "7:30"]) == 0
    return path


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    capsys.readouterr()
    code = cli.main(argv)  # an exception escaping here is a traceback for the person
    return code, [line for line in capsys.readouterr().err.splitlines() if line.strip()]


def damage(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    with path.open("r+b") as f:
        f.seek(4096 * 2)  # the third page: a table's rows
        f.write(b"\xde\xad\xbe\xef" * 1024)


def writes_refused(monkeypatch: pytest.MonkeyPatch, pragma: str) -> None:
    """Open every database with ``pragma`` applied (query_only: SQLite answers writes exactly as
    for a read-only file; the superuser running tests ignores file permissions)."""
    real = Database.open.__func__

    async def open_(cls, path, **kwargs):
        database = await real(cls, path, **kwargs)
        await database.conn.execute(f"PRAGMA {pragma}")
        return database

    monkeypatch.setattr(Database, "open", classmethod(open_))


@pytest.mark.parametrize("argv", COMMANDS, ids=" ".join)
def test_a_damaged_file_is_refused_by_every_command_in_one_line(
    database: Path, argv, capsys
) -> None:
    damage(database)
    code, err = run(argv, capsys)
    assert code == 1 and len(err) == 1, err
    assert "is damaged" in err[0] and "lowback backup" in err[0]


@pytest.mark.parametrize("argv", COMMANDS, ids=" ".join)
def test_a_newer_schema_is_refused_by_every_command_in_one_line(
    database: Path, argv, capsys
) -> None:
    conn = sqlite3.connect(database)
    conn.execute("INSERT INTO schema_migrations VALUES (99, '0099_future.sql', '2030-01-01')")
    conn.commit()
    conn.close()
    code, err = run(argv, capsys)
    assert code == 1 and len(err) == 1 and "newer version" in err[0], err


@pytest.mark.parametrize("argv", [a for a in COMMANDS if a != ["reminders", "show"]], ids=" ".join)
def test_a_read_only_database_gets_one_line_saying_how_to_fix_it(
    database: Path, argv, capsys, monkeypatch
) -> None:
    writes_refused(monkeypatch, "query_only = ON")
    code, err = run(argv, capsys)
    assert code == 1 and len(err) == 1, err
    assert "read-only" in err[0] and "write access" in err[0]


@pytest.mark.parametrize(
    "argv", (["progress"], ["ask", "can I still deadlift?"], ["backup"]), ids=" ".join
)
def test_a_database_in_a_read_only_folder_is_named_with_what_to_do(
    database: Path, argv, capsys, tmp_path_factory
) -> None:
    if not permissions_bind(database.parent):
        pytest.skip(SUPERUSER)
    if argv == ["backup"]:
        argv = ["backup", str(tmp_path_factory.mktemp("backups") / "copy.db")]
    with read_only(database.parent):
        code, err = run(argv, capsys)
    assert code == 1 and len(err) == 1, err
    assert f"its folder {database.parent} is read-only" in err[0]
    assert "unable to open" not in err[0]
    if argv[0] == "backup":
        assert "Run the backup as the user the bot runs as" in err[0]
    else:
        assert "write access" in err[0] and "point LOWBACK_DATABASE (or --database)" in err[0]


@pytest.mark.parametrize(
    "argv",
    (
        ["progress"],
        ["progress", "--up"],
        ["reminders", "pause", "2"],
        ["mydata", "--delete", "--yes"],
    ),
    ids=" ".join,
)
def test_a_database_another_program_keeps_locked_gets_one_line_and_loses_nothing(
    database: Path, argv, capsys, monkeypatch
) -> None:
    monkeypatch.setattr("bot.store.db.BUSY_TIMEOUT_MS", 50)  # instead of waiting 5 s
    other = sqlite3.connect(database, isolation_level=None)  # e.g. a sqlite3 shell mid-transaction
    other.execute("BEGIN EXCLUSIVE")
    try:
        code, err = run(argv, capsys)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert code == 1 and len(err) == 1, err
    assert "is locked: another program kept it locked" in err[0] and "Try again" in err[0]
    conn = sqlite3.connect(database)
    try:
        assert conn.execute("SELECT step FROM people").fetchall() == [(2,)]
        assert conn.execute("SELECT enabled, paused_until FROM reminder_schedules").fetchall() == [
            (1, None)
        ]
    finally:
        conn.close()


async def test_a_full_disk_is_named_with_what_to_do(tmp_path: Path) -> None:
    database = await Database.open(tmp_path / "lowback.db")
    try:
        row = await database.fetchone("PRAGMA page_count")
        await database.conn.execute(
            f"PRAGMA max_page_count = {row[0]}"
        )  # the file may not grow: a full disk
        people = PeopleStore(database)
        with pytest.raises(DiskFull, match=r"is full .*free some space"):
            for n in range(5000):
                await people.set_step(7, 1 + n % 4, "x" * 200, FakeClock().now())
    finally:
        await database.close()


async def test_the_bot_refuses_a_damaged_file_before_anything_else(database: Path, caplog) -> None:
    damage(database)
    settings = Settings(token=TOKEN, database=database)
    code = await asyncio.wait_for(run_bot(settings), 10)  # no wait for Discord first
    assert code == 1
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert (
        len(errors) == 1 and "is damaged" in errors[0].getMessage() and errors[0].exc_info is None
    )


async def test_quick_check_at_open_refuses_a_damaged_file(tmp_path: Path) -> None:
    path = tmp_path / "lowback.db"
    database = await Database.open(path)
    await PeopleStore(database).set_step(3, 2, "set by the person", FakeClock().now())
    await database.close()
    damage(path)
    with pytest.raises(DatabaseError, match=r"damaged.*lowback backup"):
        await Database.open(path)


async def test_the_same_store_failure_for_every_due_person_is_logged_once_with_a_count(
    db: Database, caplog, monkeypatch
) -> None:
    clock = FakeClock("2026-03-02T06:00:00+00:00")
    service = ReminderService(db, clock.now)
    for user_id in range(1, 51):
        await service.on(user_id, "Europe/London", "7:30")
    clock.set("2026-03-02T07:30:00+00:00")

    async def full(*args, **kwargs):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(ReminderStore, "claim_due_schedule", full)

    def compose(user_id, occ):
        return ReminderMessage("Morning routine", "Booty flexes.", "daily", occ.key, user_id)

    dispatcher = Dispatcher(db, None, compose, clock.now, clock.sleep)
    with caplog.at_level(logging.INFO, logger="lowback.reminders"):
        await dispatcher.run_pending()
        clock.advance(1)
        await dispatcher.run_pending()
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1, [r.getMessage() for r in errors]
    assert "database or disk is full" in errors[0].getMessage()


@pytest.mark.parametrize(
    ("name", "words"), [("HEADS_FILE", "safety heads"), ("PHRASES_FILE", "crisis phrases")]
)
def test_a_damaged_model_file_is_one_short_message_saying_to_reinstall(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys, name: str, words: str
) -> None:
    from bot.core import safety_net

    broken = tmp_path / "model.npz"
    broken.write_text("not a model", encoding="utf-8")
    monkeypatch.setattr(safety_net, name, broken)
    monkeypatch.setattr(safety_net, "_HEADS", None)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # no matcher built before
    monkeypatch.setenv("LOWBACK_DATABASE", str(tmp_path / "lowback.db"))
    code, err = run(["ask", "my back hurts after deadlifts"], capsys)
    assert code == 1, err
    assert f"cannot read the {words}" in err[0] and "reinstall" in " ".join(err)
    assert not any("Traceback" in line for line in err)


def test_a_file_size_limit_is_named_among_the_causes(database: Path) -> None:
    import resource
    import subprocess
    import sys

    def limited() -> None:  # as `ulimit -f 6` in the shell that starts it
        resource.setrlimit(resource.RLIMIT_FSIZE, (6 * 1024, 6 * 1024))

    done = subprocess.run(
        [sys.executable, "-m", "bot", "progress", "--up"],
        capture_output=True,
        text=True,
        preexec_fn=limited,
        timeout=60,
        check=False,
    )
    err = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == 1 and len(err) == 1, done.stderr
    assert "ulimit -f" in err[0] and "quota" in err[0]
    conn = sqlite3.connect(database)
    try:
        assert conn.execute("SELECT step FROM people").fetchall() == [(2,)]
    finally:
        conn.close()
