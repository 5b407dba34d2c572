"""The store's errors: faults of the file, the disk or the server, each saying what to do."""

from __future__ import annotations

import sqlite3


class DatabaseError(Exception):
    """A problem with the database that the person running the bot can fix."""


class DatabaseTooNew(DatabaseError):
    """The database was written by a newer version of lowback-bot."""


class IntegrityError(Exception):
    """PostgreSQL refused a write that breaks a constraint (SQLite raises ``sqlite3.IntegrityError``).

    Catch ``INTEGRITY_ERRORS`` to handle both."""


INTEGRITY_ERRORS: tuple[type[Exception], ...] = (sqlite3.IntegrityError, IntegrityError)


class DatabaseReadOnly(DatabaseError):
    """The database file (or its folder) cannot be written."""


class DiskFull(DatabaseError):
    """The disk holding the database is full."""


class DatabaseDamaged(DatabaseError):
    """The database file is corrupt."""


class DatabaseBusy(DatabaseError):
    """Another program held the database's lock for longer than the busy timeout."""


class DatabaseUnavailable(DatabaseError):
    """The database server cannot be reached right now (PostgreSQL down, restarting, a network
    fault, a connection it dropped): a passing fault, worth trying again in a moment."""


def restore_advice(path: object) -> str:
    return (
        f"Stop the bot, move {path} aside and copy your newest backup in its place (`lowback backup PATH` "
        "makes one while the bot runs); without a backup, `sqlite3 damaged.db .recover | sqlite3 new.db` "
        "saves what it can."
    )


def explain(exc: BaseException, path: object) -> DatabaseError | None:
    """A fault of the file or the disk as a :class:`DatabaseError` that says what to do (None for
    anything else, such as a constraint a caller handles)."""
    if not isinstance(exc, sqlite3.Error) or isinstance(exc, sqlite3.IntegrityError):
        return None
    text = str(exc).lower()
    code = getattr(exc, "sqlite_errorcode", None)
    code = code & 0xFF if isinstance(code, int) else None  # the primary code of an extended one
    if "readonly" in text or "read-only" in text or code == sqlite3.SQLITE_READONLY:
        return DatabaseReadOnly(
            f"the database at {path} is read-only ({exc}): give the user running lowback write access to the "
            "file and its folder (SQLite writes -wal and -shm files beside it), or point LOWBACK_DATABASE at a "
            "writable place."
        )
    if "locked" in text or code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        return DatabaseBusy(
            f"the database at {path} is locked: another program kept it locked for longer than lowback "
            f"waits ({exc}), so nothing was changed. Try again in a moment; if it stays locked, find the "
            "program holding it (a sqlite3 shell left in a transaction, a copy or sync tool)."
        )
    if "disk is full" in text or code == sqlite3.SQLITE_FULL:
        return DiskFull(
            f"the disk holding the database at {path} is full ({exc}): free some space; "
            "the change that failed was not saved."
        )
    if (
        "malformed" in text
        or "not a database" in text
        or code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)
    ):
        return DatabaseDamaged(f"the database at {path} is damaged ({exc}). {restore_advice(path)}")
    if "disk i/o error" in text or code == sqlite3.SQLITE_IOERR:
        return DatabaseError(
            f"the disk holding the database at {path} failed ({exc}): check the disk and that it is mounted; "
            "if the file turns out damaged, restore a backup."
        )
    return None
