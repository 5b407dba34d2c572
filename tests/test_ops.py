"""Operating the bot: `lowback doctor`, `lowback backup`, the invite link and the heartbeat."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import sqlite3
import stat
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfoNotFoundError

import discord
import pytest

from bot.core.errors import KnowledgeError
from bot.invite import PERMISSIONS, client_id_from_token, invite_url, resolve_client_id
from bot.ops import doctor as doctor_module
from bot.ops import zones as zones_module
from bot.ops.backup import BackupError, backup
from bot.ops.doctor import Check, doctor, doctor_exit_code, format_checks
from bot.ops.heartbeat import (
    healthcheck_main,
    heartbeat_age,
    heartbeat_loop,
    heartbeat_path,
    touch_heartbeat,
)
from bot.settings import Settings, SettingsError
from bot.store.db import Database
from tests.support.fake_discord import FakeDiscord

# A made-up token of the right shape; its first part is base64 of the id 123456789012345678.
TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GabcDe.abcdefghijklmnopqrstuvwxyz0123456789AB"
BOT_ID = 123456789012345678
REPO_KNOWLEDGE = Path(__file__).resolve().parent.parent / "knowledge"
NOW = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
CHECK_NAMES = [
    "token",
    "database",
    "knowledge base",
    "time zones",
    "unanswered",
    "slash commands",
]


_repo_knowledge: dict[str, object] = {}


@pytest.fixture(autouse=True)
def load_repo_knowledge_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The project's knowledge base is loaded (by the real loader) once for this file, to keep it fast.

    Any other folder, such as a broken copy, is loaded afresh every time.
    """
    real = doctor_module.load_knowledge

    def load(path: Path):
        if Path(path).resolve() != REPO_KNOWLEDGE:
            return real(path)
        if "result" not in _repo_knowledge:
            try:
                _repo_knowledge["result"] = real(path)
            except KnowledgeError as exc:
                _repo_knowledge["result"] = exc
        result = _repo_knowledge["result"]
        if isinstance(result, KnowledgeError):
            raise result
        return result

    monkeypatch.setattr(doctor_module, "load_knowledge", load)


def by_name(checks: list[Check]) -> dict[str, Check]:
    return {c.name: c for c in checks}


@pytest.fixture
async def good(tmp_path: Path) -> Settings:
    """A set-up that works: a well-formed token, a migrated database, the project's knowledge base."""
    path = tmp_path / "data" / "lowback.db"
    db = await Database.open(path)
    await db.close()
    return Settings(token=TOKEN, database=path, knowledge=REPO_KNOWLEDGE)


async def assert_only_failure(settings: Settings, name: str) -> Check:
    """Run the doctor offline; exactly the check ``name`` fails, with a fix; return it."""
    checks = await doctor(settings, check_commands=False)
    results = by_name(checks)
    assert [c.name for c in checks] == CHECK_NAMES
    failed = [c.name for c in checks if c.ok is False]
    assert failed == [name], format_checks(checks)
    assert results[name].fix
    assert doctor_exit_code(checks) == 1
    report = format_checks(checks)
    assert "FAIL" in report and "fix: " + results[name].fix.splitlines()[0] in report
    assert "1 problem to fix." in report
    return results[name]


# -- doctor: the good set-up --------------------------------------------------------------------------


async def test_doctor_passes_a_good_setup(good: Settings) -> None:
    checks = await doctor(good, check_commands=False)
    results = by_name(checks)
    assert [c.name for c in checks] == CHECK_NAMES
    assert all(results[name].ok is True for name in CHECK_NAMES[:5]), format_checks(checks)
    assert results["slash commands"].ok is None and "offline" in results["slash commands"].message
    assert "latest schema version" in results["database"].message
    assert "knowledge base OK" in results["knowledge base"].message
    assert "keep unanswered questions for 30 day(s)" in results["unanswered"].message
    assert doctor_exit_code(checks) == 0
    report = format_checks(checks)
    assert "Everything checked is in order." in report
    assert TOKEN not in report


async def test_doctor_says_when_no_unanswered_question_is_kept(good: Settings) -> None:
    checks = by_name(await doctor(replace(good, unanswered_retention_days=0), check_commands=False))
    assert checks["unanswered"].ok is True
    assert "no unanswered questions are kept" in checks["unanswered"].message


async def test_doctor_accepts_a_database_not_created_yet(good: Settings, tmp_path: Path) -> None:
    settings = replace(good, database=tmp_path / "new" / "folder" / "lowback.db")
    checks = by_name(await doctor(settings, check_commands=False))
    assert checks["database"].ok is True
    assert "creates it when it starts" in checks["database"].message
    assert not (tmp_path / "new").exists()  # the check itself creates nothing


async def test_doctor_says_an_older_schema_is_upgraded_at_start(
    tmp_path: Path, good: Settings
) -> None:
    path = tmp_path / "old.db"
    db = await Database.open(path, migrate=False)
    await db.migrate(upto=1)
    await db.close()
    checks = by_name(await doctor(replace(good, database=path), check_commands=False))
    assert checks["database"].ok is True
    assert "schema version 1 of" in checks["database"].message
    assert "applies the newer migrations when it starts" in checks["database"].message


# -- doctor: each broken set-up -----------------------------------------------------------------------


async def test_doctor_no_token(good: Settings) -> None:
    check = await assert_only_failure(replace(good, token=None), "token")
    assert check.message == "DISCORD_TOKEN is not set."
    assert "Reset Token" in check.fix and "DISCORD_TOKEN=" in check.fix


@pytest.mark.parametrize(
    ("token", "says"),
    [
        ("not-a-token-at-all", "does not look like a bot token"),
        (TOKEN.rsplit(".", 1)[0], "does not look like a bot token"),  # the secret part is missing
        ("1187355092318449704", "application id"),
        ("Bot " + TOKEN, "starts with 'Bot '"),
    ],
)
async def test_doctor_malformed_token_is_named_but_never_printed(
    good: Settings, token: str, says: str
) -> None:
    check = await assert_only_failure(replace(good, token=token), "token")
    assert says in check.message
    report = format_checks(await doctor(replace(good, token=token), check_commands=False))
    assert token not in report and TOKEN not in report


async def test_doctor_database_under_a_regular_file_cannot_be_created(
    good: Settings, tmp_path: Path
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("just a file\n")
    check = await assert_only_failure(replace(good, database=blocker / "lowback.db"), "database")
    assert f"cannot create the database at {blocker / 'lowback.db'}" in check.message
    assert "is a file, not a folder" in check.message
    assert "LOWBACK_DATABASE" in check.fix


@pytest.mark.parametrize("device", ["/dev/null", "/dev/zero"])
async def test_doctor_database_that_is_a_device(good: Settings, device: str) -> None:
    """LOWBACK_DATABASE=/dev/null, to keep nothing: the doctor said it "opens and is writable"
    while every command failed ("the disk holding the database failed")."""
    from bot.store.errors import DatabaseError

    path = Path(device)
    check = await assert_only_failure(replace(good, database=path), "database")
    assert check.message == f"{path} is a device, not a database file."
    assert check.fix == "Point LOWBACK_DATABASE at a file, e.g. /var/lib/lowback/lowback.db."
    with pytest.raises(DatabaseError):  # as every command finds it
        db = await Database.open(path)
        await db.close()


async def test_doctor_database_file_that_is_not_a_database(good: Settings, tmp_path: Path) -> None:
    path = tmp_path / "garbage.db"
    path.write_bytes(b"this is not an SQLite file, whatever its name says" * 100)
    check = await assert_only_failure(replace(good, database=path), "database")
    assert check.message == f"{path} is not a SQLite database (it does not begin as one does)."
    assert check.fix.startswith("Point LOWBACK_DATABASE (or --database) at the bot's database file")
    assert "backup" not in check.fix and "writable" not in check.fix


async def test_doctor_database_file_a_crash_left_full_of_zeros(
    good: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "lowback.db"
    path.write_bytes(bytes(4096 * 3))
    check = await assert_only_failure(replace(good, database=path), "database")
    assert (
        check.message
        == f"{path} is not a SQLite database, or it is damaged (file is not a database)."
    )
    assert check.fix.startswith(
        "Stop the bot and restore the latest backup (README: Backups), or move the file aside"
    )
    assert "writable" not in check.fix


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's /proc")
async def test_doctor_database_in_a_folder_nobody_can_create(good: Settings) -> None:
    """Where even root cannot make a folder, the doctor says so, as `lowback run` does."""
    path = Path("/proc/lowback-nope/x.db")
    check = await assert_only_failure(replace(good, database=path), "database")
    assert check.message.startswith(f"cannot create the database at {path}: ")
    assert "/proc" in check.message
    assert "LOWBACK_DATABASE" in check.fix


async def test_doctor_database_linked_to_a_disk_that_is_not_mounted(
    good: Settings, tmp_path: Path
) -> None:
    """/var/lib/lowback/lowback.db a link to /mnt/data/lowback.db, and that disk not mounted: the
    doctor said "no database yet; the bot creates it" while the bot and every command failed to
    open it. It says where the link points, and that its folder is missing."""
    from bot.store.errors import DatabaseError

    mount = tmp_path / "mnt"
    mount.mkdir()
    target = mount / "data" / "lowback.db"
    link = tmp_path / "state" / "lowback.db"
    link.parent.mkdir()
    link.symlink_to(target)
    check = await assert_only_failure(replace(good, database=link), "database")
    assert check.message == (
        f"{link} is a link to {target}, and the folder {target.parent} is not there (a disk not "
        "mounted?)."
    )
    assert "LOWBACK_DATABASE" in check.fix
    with pytest.raises(DatabaseError):  # as the bot finds it
        await Database.open(link)
    (mount / "data").mkdir()  # the disk is mounted again
    checks = await doctor(replace(good, database=link), check_commands=False)
    assert by_name(checks)["database"].ok is True
    assert "the bot creates it" in by_name(checks)["database"].message
    db = await Database.open(link)  # and so it does
    await db.close()
    assert target.is_file()


async def test_doctor_damaged_database_says_to_restore_a_backup(good: Settings) -> None:
    from bot.store.people import PeopleStore

    db = await Database.open(good.database)
    await PeopleStore(db).set_step(5, 2, "set by the person", datetime(2026, 3, 2, tzinfo=UTC))
    await db.forget_deleted()  # everything into the file itself
    await db.close()
    with good.database.open("r+b") as f:
        f.seek(4096 * 2)
        f.write(b"\xde\xad\xbe\xef" * 1024)
    check = await assert_only_failure(good, "database")
    assert "damaged" in check.message and "backup" in check.fix


async def test_doctor_database_that_is_a_folder(good: Settings, tmp_path: Path) -> None:
    check = await assert_only_failure(replace(good, database=tmp_path), "database")
    assert "is a folder" in check.message


async def test_doctor_database_too_new(good: Settings) -> None:
    db = await Database.open(good.database)
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, '9999_future.sql', '2030-01-01')"
        )
    await db.close()
    check = await assert_only_failure(good, "database")
    assert "written by a newer version of lowback-bot" in check.message
    assert "schema version 9999" in check.message
    assert "Upgrade lowback-bot" in check.fix


async def test_doctor_broken_knowledge_names_the_file(good: Settings, tmp_path: Path) -> None:
    knowledge = tmp_path / "knowledge"
    shutil.copytree(REPO_KNOWLEDGE, knowledge)
    (knowledge / "topics" / "zz-broken.yaml").write_text(
        "topics:\n  - id: broken\n    title: [unclosed\n"
    )
    check = await assert_only_failure(replace(good, knowledge=knowledge), "knowledge base")
    assert "zz-broken.yaml" in check.message
    assert "lowback kb check" in check.fix


async def test_doctor_missing_knowledge_folder(good: Settings, tmp_path: Path) -> None:
    check = await assert_only_failure(
        replace(good, knowledge=tmp_path / "nowhere"), "knowledge base"
    )
    assert "nowhere" in check.message


async def test_doctor_time_zones_unavailable(
    good: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_zones(name: str):
        raise ZoneInfoNotFoundError(f"No time zone found with key {name}")

    monkeypatch.setattr(zones_module, "ZoneInfo", no_zones)
    check = await assert_only_failure(good, "time zones")
    assert "not available" in check.message
    assert "tzdata" in check.fix


async def test_doctor_time_zone_data_that_is_wrong(
    good: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(zones_module, "ZoneInfo", lambda name: UTC)  # every zone collapsed to UTC
    check = await assert_only_failure(good, "time zones")
    assert "wrong offset" in check.message


async def test_doctor_warns_of_stored_time_zones_this_machine_does_not_know(good: Settings) -> None:
    """A tzdata release can drop a zone that people chose; the doctor names it and counts them."""
    db = await Database.open(good.database)
    stamp = "2026-11-01T00:00:00Z"
    people = [(10, "Europe/Berlin"), (11, "Mars/Olympus"), (12, None), (13, "Asia/Atlantis")]
    people.append((14, "Europe/Berlin"))
    schedules = [(11, "Mars/Olympus"), (12, "Mars/Olympus"), (14, "Asia/Atlantis")]
    async with db.transaction() as conn:
        for user_id, zone in people:
            await conn.execute(
                "INSERT INTO people (user_id, step, timezone, created_at, updated_at) "
                "VALUES (?, 1, ?, ?, ?)",
                (user_id, zone, stamp, stamp),
            )
        for user_id, zone in schedules:
            await conn.execute(
                "INSERT INTO reminder_schedules (user_id, timezone, times, created_at, updated_at) "
                "VALUES (?, ?, '07:30', ?, ?)",
                (user_id, zone, stamp, stamp),
            )
    await db.close()
    checks = await doctor(good, check_commands=False)
    zones = by_name(checks)["time zones"]
    assert zones.ok is True and zones.warning
    assert zones.message == (
        "the time-zone database is available, but 4 people have a time zone it does not know: "
        "Asia/Atlantis (2 people), Mars/Olympus (2 people)."
    )
    report = format_checks(checks)
    assert "[warn] time zones" in report
    assert "fix: Update the time-zone database (pip install -U tzdata" in report
    assert "/reminders on" in report
    assert report.endswith("1 warning to look at.\n1 check could not be made.")
    assert doctor_exit_code(checks) == 0  # the bot still runs


async def test_doctor_reports_every_problem_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(zones_module, "ZoneInfo", lambda name: UTC)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    settings = Settings(token=None, database=blocker / "x.db", knowledge=tmp_path / "none")
    checks = await doctor(settings, check_commands=False)
    assert [c.name for c in checks if c.ok is False] == CHECK_NAMES[:4]
    assert "4 problems to fix." in format_checks(checks)


# -- doctor: the slash-commands check against a stand-in for Discord's API ------------------------------


REGISTERED = [
    {"name": "ask", "description": "Ask a question"},
    {"name": "routine", "description": "Run a routine"},
]


@pytest.fixture
async def fake_discord(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    """The stand-in for Discord (tests/support/fake_discord.py), knowing the bot's token and two global commands."""
    async with FakeDiscord(token=TOKEN) as fake:
        fake.patch(monkeypatch)
        fake.set_commands(REGISTERED)
        yield fake


async def test_slash_commands_listed_when_registered(
    good: Settings, fake_discord: FakeDiscord
) -> None:
    check = by_name(await doctor(good))["slash commands"]
    assert check.ok is True
    assert check.message == "2 registered globally: /ask, /routine"
    assert ("GET", f"/api/v10/applications/{BOT_ID}/commands") in fake_discord.rest


async def test_slash_commands_checked_in_the_dev_guild_when_set(
    good: Settings, fake_discord: FakeDiscord
) -> None:
    fake_discord.guilds.add(555)  # the bot is in that server, and its commands are there
    fake_discord.set_commands(REGISTERED, guild=555)
    check = by_name(await doctor(replace(good, dev_guild=555)))["slash commands"]
    assert check.ok is True and "in server 555" in check.message
    assert ("GET", f"/api/v10/applications/{BOT_ID}/guilds/555/commands") in fake_discord.rest


async def test_no_slash_commands_registered_is_a_failure_with_a_fix(
    good: Settings, fake_discord: FakeDiscord
) -> None:
    fake_discord.set_commands([])
    checks = await doctor(good)
    check = by_name(checks)["slash commands"]
    assert check.ok is False and "no slash commands are registered globally" in check.message
    assert "Start the bot" in check.fix
    assert doctor_exit_code(checks) == 1


async def test_a_revoked_token_is_reported(good: Settings, fake_discord: FakeDiscord) -> None:
    fake_discord.token = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GnewOn.ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zz"  # reset in the portal
    check = by_name(await doctor(good))["slash commands"]
    assert check.ok is False and "Discord refused DISCORD_TOKEN" in check.message
    assert TOKEN not in format_checks([check])


async def test_a_dev_guild_the_bot_is_not_in_is_reported(
    good: Settings, fake_discord: FakeDiscord
) -> None:
    assert (
        555 not in fake_discord.guilds
    )  # Discord answers 403 Missing Access for a server the bot is not in
    check = by_name(await doctor(replace(good, dev_guild=555)))["slash commands"]
    assert check.ok is False and "cannot see server 555" in check.message


async def test_slash_commands_offline_is_could_not_check(
    good: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as s:  # a port on which nothing listens
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setattr(discord.http.Route, "BASE", f"http://127.0.0.1:{port}/api/v10")
    checks = await doctor(good)
    check = by_name(checks)["slash commands"]
    assert check.ok is None and check.message == "could not check (no network)."
    assert doctor_exit_code(checks) == 0


async def test_slash_commands_check_never_hangs(
    good: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(3600)  # accept the connection, never answer

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    monkeypatch.setattr(discord.http.Route, "BASE", f"http://127.0.0.1:{port}/api/v10")
    started = time.monotonic()
    try:
        checks = await doctor(good, timeout=0.3)
    finally:
        server.close()
    assert time.monotonic() - started < 3
    check = by_name(checks)["slash commands"]
    assert check.ok is None and "no network" in check.message


async def test_slash_commands_not_checked_without_a_usable_token(good: Settings) -> None:
    check = by_name(await doctor(replace(good, token="nope")))["slash commands"]
    assert check.ok is None and "no well-formed token" in check.message


# -- backup ---------------------------------------------------------------------------------------------


async def make_live_database(path: Path, rows: int) -> Database:
    db = await Database.open(path)
    async with db.transaction() as conn:
        await conn.execute("CREATE TABLE ticks (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)")
        await conn.executemany("INSERT INTO ticks (payload) VALUES (?)", [("x" * 400,)] * rows)
    return db


def read_copy(path: Path) -> tuple[str, list[int]]:
    conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        verdict = conn.execute("PRAGMA integrity_check").fetchone()[0]
        ids = [row[0] for row in conn.execute("SELECT id FROM ticks ORDER BY id")]
    finally:
        conn.close()
    return verdict, ids


async def test_backup_while_the_bot_keeps_writing(tmp_path: Path) -> None:
    live = tmp_path / "lowback.db"
    db = await make_live_database(live, rows=5000)  # a couple of MB, so the copy takes a moment
    written = 5000
    stop = asyncio.Event()

    async def keep_writing() -> None:
        nonlocal written
        while not stop.is_set():
            async with db.transaction() as conn:
                await conn.execute("INSERT INTO ticks (payload) VALUES (?)", ("y" * 400,))
            written += 1

    writer = asyncio.create_task(keep_writing())
    try:
        while written < 5050:
            await asyncio.sleep(0)
        before = written
        copy = await backup(live, tmp_path / "backups" / "copy.db")
        during = written - before
    finally:
        stop.set()
        await writer
    await db.close()

    assert during > 0, "the writer should have kept writing while the backup ran"
    assert copy == (tmp_path / "backups" / "copy.db").resolve()
    verdict, ids = read_copy(copy)
    assert verdict == "ok"
    assert before <= len(ids) <= written
    assert ids == list(range(1, len(ids) + 1))  # one snapshot: no row missing in the middle


async def test_backup_leaves_out_a_transaction_still_open(tmp_path: Path) -> None:
    live = tmp_path / "lowback.db"
    db = await make_live_database(live, rows=10)
    await db.conn.execute("BEGIN IMMEDIATE")  # another connection holds the write lock...
    await db.conn.execute("INSERT INTO ticks (payload) VALUES ('uncommitted')")
    copy = await asyncio.wait_for(
        backup(live, tmp_path / "copy.db"), 10
    )  # ...and the backup is not blocked
    await db.conn.execute("COMMIT")
    await db.close()
    verdict, ids = read_copy(copy)
    assert verdict == "ok" and ids == list(range(1, 11))


async def test_backup_is_one_self_contained_file(tmp_path: Path) -> None:
    live = tmp_path / "lowback.db"
    db = await make_live_database(live, rows=3)
    copy = await backup(live, tmp_path / "copy.db")
    await db.close()
    assert not Path(str(copy) + "-wal").exists()
    assert (
        copy.read_bytes()[18:20] == b"\x01\x01"
    )  # rollback journal, not WAL: one file to move around
    reopened = await Database.open(copy)  # and the bot opens it as its database
    try:
        row = await reopened.fetchone("SELECT COUNT(*) FROM ticks")
        assert row is not None and row[0] == 3
        assert "people" in await reopened.tables()
    finally:
        await reopened.close()


async def test_backup_refuses_to_overwrite_unless_asked(tmp_path: Path) -> None:
    live = tmp_path / "lowback.db"
    db = await make_live_database(live, rows=4)
    dest = tmp_path / "copy.db"
    dest.write_text("an earlier, precious backup")
    try:
        with pytest.raises(BackupError, match="already exists"):
            await backup(live, dest)
        assert dest.read_text() == "an earlier, precious backup"
        await backup(live, dest, overwrite=True)
    finally:
        await db.close()
    assert read_copy(dest) == ("ok", [1, 2, 3, 4])
    assert (
        sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
    )  # no partial files left


async def test_backup_of_a_missing_database_creates_nothing(tmp_path: Path) -> None:
    with pytest.raises(BackupError, match="there is no database at"):
        await backup(tmp_path / "missing.db", tmp_path / "copy.db")
    assert list(tmp_path.iterdir()) == []


async def test_backup_onto_the_database_itself_is_refused(tmp_path: Path) -> None:
    live = tmp_path / "lowback.db"
    db = await make_live_database(live, rows=2)
    try:
        with pytest.raises(BackupError, match="overwrite the database itself"):
            await backup(live, tmp_path / "." / "lowback.db", overwrite=True)
        with pytest.raises(BackupError, match="is a folder"):
            await backup(live, tmp_path)
    finally:
        await db.close()
    assert read_copy(live) == ("ok", [1, 2])


@pytest.mark.parametrize("suffix", ["-wal", "-shm", "-journal"])
async def test_backup_onto_the_databases_own_files_is_refused_and_loses_nothing(
    tmp_path: Path, suffix: str
) -> None:
    live = tmp_path / "lowback.db"
    await (await make_live_database(live, rows=2)).close()
    writer = sqlite3.connect(live, isolation_level=None)  # the running bot, say
    try:
        writer.execute("PRAGMA wal_autocheckpoint = 0")
        writer.execute("INSERT INTO ticks (payload) VALUES ('committed, only in the -wal file')")
        wal = (tmp_path / "lowback.db-wal").read_bytes()
        own = tmp_path / f"lowback.db{suffix}"
        link = tmp_path / "link-to-own-file"
        link.symlink_to(own)
        for target in (own, link):
            with pytest.raises(BackupError, match=f"the database's own lowback.db{suffix} file"):
                await backup(live, target, overwrite=True)
        assert (tmp_path / "lowback.db-wal").read_bytes() == wal
    finally:
        writer.close()
    assert read_copy(live) == ("ok", [1, 2, 3])


async def test_backup_onto_a_pipe_or_other_special_file_is_refused(tmp_path: Path) -> None:
    live = tmp_path / "lowback.db"
    await (await make_live_database(live, rows=2)).close()
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)  # stands for any special file: a device node, a socket
    with pytest.raises(BackupError, match="is not a regular file"):
        await backup(live, pipe, overwrite=True)
    assert stat.S_ISFIFO(pipe.stat().st_mode)  # still the pipe, not replaced by a copy
    assert sorted(p.name for p in tmp_path.iterdir() if "partial" in p.name) == []


async def test_backup_that_does_not_fit_where_it_goes_says_where_and_leaves_nothing(
    tmp_path: Path,
) -> None:
    """Here a file size limit (ulimit -f) stands for a full disk or a quota on the backup's side."""
    import resource
    import subprocess
    import sys

    live = tmp_path / "lowback.db"
    await (await make_live_database(live, rows=2000)).close()  # about 800 kB
    dest = tmp_path / "copies" / "lowback-backup.db"

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, 100_000))

    env = {**os.environ, "LOWBACK_DATABASE": str(live)}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "backup", str(dest)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
        preexec_fn=small_files,
    )
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.splitlines() == [
        f"Backup failed: the copy could not be written in {dest.parent} (disk I/O error): check "
        "that disk, and that no file size limit (ulimit -f) or disk quota stops the file growing; "
        "nothing was left behind"
    ]
    assert list(dest.parent.iterdir()) == []
    assert read_copy(live)[0] == "ok"


# -- invite link and client id -------------------------------------------------------------------------


def test_invite_url_has_exactly_the_scopes_and_permissions() -> None:
    url = urlsplit(invite_url(BOT_ID))
    assert (url.scheme, url.netloc, url.path) == ("https", "discord.com", "/oauth2/authorize")
    query = parse_qs(url.query)
    assert query["client_id"] == [str(BOT_ID)]
    assert sorted(query["scope"][0].split()) == ["applications.commands", "bot"]
    view_channel, send_messages, embed_links, read_history, send_in_threads = (
        1 << 10,
        1 << 11,
        1 << 14,
        1 << 16,
        1 << 38,
    )
    assert (
        int(query["permissions"][0])
        == view_channel | send_messages | embed_links | read_history | send_in_threads
    )


def test_the_permissions_asked_for_are_discords_own() -> None:
    asked = discord.Permissions(**dict.fromkeys(PERMISSIONS, True))  # an unknown name raises
    assert asked.value == sum(PERMISSIONS.values())


def test_client_id_comes_from_the_token() -> None:
    assert client_id_from_token(TOKEN) == BOT_ID
    assert client_id_from_token("bm90IGFuIGlk.abc.def") is None  # base64 of "not an id"
    assert client_id_from_token("***.abc.def") is None
    assert client_id_from_token("") is None and client_id_from_token(None) is None


def test_client_id_setting_wins_over_the_token() -> None:
    assert resolve_client_id(Settings(token=TOKEN)) == BOT_ID
    assert resolve_client_id(Settings(token=TOKEN, client_id=42)) == 42
    assert resolve_client_id(Settings(token=None)) is None


def test_client_id_setting_is_read_from_the_environment() -> None:
    assert Settings.from_env({"LOWBACK_CLIENT_ID": "987654321"}, dotenv=None).client_id == 987654321
    assert Settings.from_env({}, dotenv=None).client_id is None
    with pytest.raises(SettingsError, match="LOWBACK_CLIENT_ID"):
        Settings.from_env({"LOWBACK_CLIENT_ID": "my-bot"}, dotenv=None)


# -- heartbeat and the container health check -----------------------------------------------------------


def test_heartbeat_age(tmp_path: Path) -> None:
    path = tmp_path / "lowback.db.heartbeat"
    assert heartbeat_age(path, NOW) is None
    touch_heartbeat(path, NOW)
    assert heartbeat_age(path, NOW + timedelta(seconds=45)) == 45.0
    path.write_text("garbled")
    assert heartbeat_age(path, NOW) is None


async def test_heartbeat_loop_touches_only_while_alive(tmp_path: Path) -> None:
    path = tmp_path / "hb"
    now = [NOW]
    alive = [False, True, True, False, False]
    stamps: list[float | None] = []

    class Done(Exception):
        pass

    async def fake_sleep(seconds: float) -> None:
        stamps.append(heartbeat_age(path, now[0]))
        now[0] += timedelta(seconds=seconds)
        if len(stamps) == len(alive):
            raise Done

    ticks = iter(alive)
    with pytest.raises(Done):
        await heartbeat_loop(
            path, alive=lambda: next(ticks), clock=lambda: now[0], sleep=fake_sleep, interval=30
        )
    # Not ready yet: no file; then fresh twice; then it ages once the bot stops being alive.
    assert stamps == [None, 0.0, 0.0, 30.0, 60.0]


def run_healthcheck(database: Path, at: datetime) -> int:
    return healthcheck_main(
        ["healthcheck"], environ={"LOWBACK_DATABASE": str(database)}, clock=lambda: at
    )


def test_healthcheck_passes_only_with_a_fresh_heartbeat(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = tmp_path / "lowback.db"
    assert run_healthcheck(database, NOW) == 1
    assert "unhealthy: no heartbeat" in capsys.readouterr().out
    touch_heartbeat(heartbeat_path(database), NOW)
    assert run_healthcheck(database, NOW + timedelta(seconds=90)) == 0
    assert "healthy: last heartbeat 90 s ago" in capsys.readouterr().out
    assert run_healthcheck(database, NOW + timedelta(minutes=5)) == 1
    assert "the bot is stuck" in capsys.readouterr().out


def test_format_checks_shows_fixes_only_for_what_is_wrong() -> None:
    text = format_checks(
        [
            Check("token", True, "fine", "unused fix"),
            Check("database", False, "broken\nsecond line", "do this"),
            Check("slash commands", None, "could not check (no network)."),
        ]
    )
    assert text.splitlines() == [
        "[ ok ] token           fine",
        "[FAIL] database        broken",
        "                       second line",
        "                       fix: do this",
        "[ ?? ] slash commands  could not check (no network).",
        "",
        "1 problem to fix.",
        "1 check could not be made.",
    ]


def test_format_checks_shows_a_warning_with_its_fix() -> None:
    text = format_checks(
        [
            Check("token", True, "fine"),
            Check("time zones", True, "2 people have a zone it does not know", "do that", True),
        ]
    )
    assert text.splitlines() == [
        "[ ok ] token       fine",
        "[warn] time zones  2 people have a zone it does not know",
        "                   fix: do that",
        "",
        "1 warning to look at.",
    ]
