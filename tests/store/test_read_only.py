"""A database that cannot be written says which of its file, its folder or its file system is
read-only, and what to do, instead of SQLite's own "unable to open database file"."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest

from bot.ops.backup import unreadable
from bot.store import errors
from bot.store.db import Database
from bot.store.errors import DatabaseReadOnly, explain
from tests.support.read_only import SUPERUSER, permissions_bind, read_only


def driver_error(text: str, code: int) -> sqlite3.OperationalError:
    """The error the sqlite3 module raises, with its result code."""
    exc = sqlite3.OperationalError(text)
    exc.sqlite_errorcode = code
    return exc


CANT_OPEN = driver_error("unable to open database file", sqlite3.SQLITE_CANTOPEN)
REFUSED = driver_error("attempt to write a readonly database", sqlite3.SQLITE_READONLY)


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A database file in a folder of its own. Where the tests run as the superuser, who may
    write anything, files and folders are judged by their permission bits, as for anyone else."""
    if not permissions_bind(tmp_path):
        monkeypatch.setattr(errors, "writable", lambda p: bool(p.stat().st_mode & stat.S_IWUSR))
    folder = tmp_path / "data"
    folder.mkdir()
    path = folder / "lowback.db"
    sqlite3.connect(path).close()
    return path


def test_a_read_only_folder_is_named_with_what_to_do(database: Path) -> None:
    with read_only(database.parent):
        said = explain(CANT_OPEN, database)

    assert isinstance(said, DatabaseReadOnly)
    text = str(said)
    assert f"its folder {database.parent} is read-only" in text
    assert "lowback.db-wal and lowback.db-shm" in text
    assert "write access" in text and "point LOWBACK_DATABASE (or --database)" in text
    assert "unable to open" not in text


def test_a_read_only_file_is_named_with_what_to_do(database: Path) -> None:
    with read_only(database):
        said = explain(REFUSED, database)

    assert isinstance(said, DatabaseReadOnly)
    assert f"the database at {database} cannot be written: the file is read-only" in str(said)
    assert "write access to it" in str(said) and "LOWBACK_DATABASE" in str(said)


def test_a_read_only_file_and_folder_are_both_named(database: Path) -> None:
    with read_only(database, database.parent):
        said = str(explain(CANT_OPEN, database))

    assert f"the file and its folder {database.parent} are read-only" in said


def test_a_read_only_file_system_says_to_mount_it_read_write(
    database: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(errors, "on_read_only_file_system", lambda path: True)  # needs root to make

    said = explain(CANT_OPEN, database)

    assert isinstance(said, DatabaseReadOnly)
    assert f"file system mounted read-only ({database.parent})" in str(said)
    assert "Mount it read-write" in str(said) and "LOWBACK_DATABASE" in str(said)


def test_a_database_that_cannot_be_opened_for_another_reason_is_not_called_read_only(
    tmp_path: Path,
) -> None:
    folder_named_like_a_file = tmp_path / "lowback.db"
    folder_named_like_a_file.mkdir()

    assert explain(CANT_OPEN, folder_named_like_a_file) is None  # the caller's own words


async def test_opening_a_database_in_a_read_only_folder_says_so(tmp_path: Path) -> None:
    if not permissions_bind(tmp_path):
        pytest.skip(SUPERUSER)
    for name in ("new.db", "old.db"):  # one to create, one that exists (in WAL mode)
        if name == "old.db":
            await (await Database.open(tmp_path / name)).close()
        with read_only(tmp_path), pytest.raises(DatabaseReadOnly) as refused:
            await Database.open(tmp_path / name)
        assert f"its folder {tmp_path} is read-only" in str(refused.value)


def test_a_backup_names_the_read_only_folder_that_keeps_it_from_reading(database: Path) -> None:
    with read_only(database.parent):
        said = unreadable(CANT_OPEN, database)
    with read_only(database):
        file_only = unreadable(REFUSED, database)

    assert said is not None and f"its folder {database.parent} is read-only" in str(said)
    assert "Run the backup as the user the bot runs as" in str(said)
    assert file_only is None  # a read-only file alone can be read: that fault is something else
