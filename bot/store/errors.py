"""The store's errors: faults of the file, the disk or the server, each saying what to do."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path


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


class NotADatabase(DatabaseDamaged):
    """The file is no SQLite database at all: another file named by mistake (a .env, an export),
    not a damaged database, so the advice to put a backup in its place would be wrong."""

    def __init__(self, path: object):
        self.finding = f"{path} is not a SQLite database (it does not begin as one does)"
        self.fix = (
            "Point LOWBACK_DATABASE (or --database) at the bot's database file, or at a new file to "
            "start an empty database; the file named was left as it is."
        )
        super().__init__(f"{self.finding}, so it cannot be the bot's database. {self.fix}")


def folder_instead(path: Path) -> DatabaseError | None:
    """A database setting that names a folder (the one meant to hold the database, say), said with
    the file to name instead; None when ``path`` is no folder."""
    if not path.is_dir():
        return None
    return DatabaseError(
        f"{path} is a folder, not a database file: point LOWBACK_DATABASE (or --database) at a "
        f"file, e.g. {path / 'lowback.db'}"
    )


SQLITE_HEADER = b"SQLite format 3\x00"


def not_sqlite(path: object) -> bool:
    """Whether the file at ``path`` has something in it but does not begin as every SQLite
    database does. One that begins with zeros, as a crash can leave a file, counts as damaged."""
    try:
        with open(str(path), "rb") as file:
            head = file.read(len(SQLITE_HEADER))
    except OSError:
        return False
    return head.strip(b"\0") != b"" and head != SQLITE_HEADER


class DatabaseBusy(DatabaseError):
    """Another program held the database's lock for longer than the busy timeout."""


class DatabaseConflict(DatabaseBusy):
    """PostgreSQL turned a transaction away because another one touched the same rows at the same
    moment (a deadlock, a serialization failure): nothing was changed, and trying again works."""


class DatabaseUnavailable(DatabaseError):
    """The database server cannot be reached right now (PostgreSQL down, restarting, a network
    fault, a connection it dropped): a passing fault, worth trying again in a moment."""


class DriverMissing(DatabaseError):
    """PostgreSQL's driver, asyncpg, cannot be imported: the bot was installed without it."""

    def __init__(self, missing: ImportError):
        self.finding = (
            f"a PostgreSQL database needs the asyncpg package, which cannot be imported here "
            f"({missing})"
        )
        self.fix = (
            "Install it into the bot's environment (pip install asyncpg, or pip install -r "
            "deploy/requirements.txt), or point LOWBACK_DATABASE at a SQLite file."
        )
        super().__init__(f"{self.finding}. {self.fix}")


def first_line(exc: BaseException) -> str:
    """What an error says, in one line: its message's first line, or its kind when it has none."""
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def restore_advice(path: object) -> str:
    return (
        f"Stop the bot, move {path} aside and copy your newest backup in its place (`lowback backup PATH` "
        "makes one while the bot runs); without a backup, `sqlite3 damaged.db .recover | sqlite3 new.db` "
        "saves what it can."
    )


def writable(path: Path) -> bool:
    """Whether this process may write the file ``path``, or create files in the folder ``path``
    (False on a read-only file system too)."""
    mode = os.W_OK | os.X_OK if path.is_dir() else os.W_OK
    return os.access(path, mode, effective_ids=os.access in os.supports_effective_ids)


def on_read_only_file_system(path: Path) -> bool:
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):  # gone, or a system without statvfs
        return False


def read_only_place(path: object, *, reading: bool = False) -> tuple[str, str] | None:
    """What keeps the SQLite database at ``path`` from being written, and what to do about it, in
    words: its file system, or its file, its -wal or -shm file and its folder, where SQLite must
    create the -wal and -shm files even to read a database in WAL mode (``reading``: only what
    keeps it from being read so). None when nothing does, or it cannot be told."""
    database = Path(str(path))
    folder = database.parent
    if str(path) == ":memory:" or not folder.is_dir():
        return None
    elsewhere = "or point LOWBACK_DATABASE (or --database) at a file in a writable folder."
    if on_read_only_file_system(folder):
        return (
            f"it is on a file system mounted read-only ({folder})",
            f"Mount it read-write, {elsewhere}",
        )
    places = []
    if not reading and database.exists() and not writable(database):
        places.append("the file")
    companions = [
        own.name
        for own in (database.with_name(database.name + s) for s in ("-wal", "-shm"))
        if own.exists() and not writable(own)
    ]
    if companions:
        places.append(f"its {' and '.join(companions)} file{'s' if len(companions) > 1 else ''}")
    if not writable(folder):
        places.append(f"its folder {folder}")
    if not places:
        return None
    many = len(places) > 1 or len(companions) > 1
    what = ", ".join(places[:-1]) + " and " + places[-1] if len(places) > 1 else places[0]
    what += " are read-only" if many else " is read-only"
    if not writable(folder):
        what += (
            f" (SQLite must create {database.name}-wal and {database.name}-shm files in the folder)"
        )
    them = "them" if many else "it"
    return what, f"Give the user lowback runs as write access to {them}, {elsewhere}"


def read_only_error(exc: BaseException, path: object) -> DatabaseReadOnly:
    """A refused write (or a database that cannot be opened where it cannot be written), saying
    which file or folder is read-only and what to do."""
    place = read_only_place(path)
    if place is None:
        return DatabaseReadOnly(
            f"the database at {path} is read-only ({exc}): give the user running lowback write access to the "
            "file and its folder (SQLite writes -wal and -shm files beside it), or point LOWBACK_DATABASE at a "
            "writable place."
        )
    what, advice = place
    return DatabaseReadOnly(f"the database at {path} cannot be written: {what}. {advice}")


def explain(exc: BaseException, path: object) -> DatabaseError | None:
    """A fault of the file or the disk as a :class:`DatabaseError` that says what to do (None for
    anything else, such as a constraint a caller handles)."""
    if not isinstance(exc, sqlite3.Error) or isinstance(exc, sqlite3.IntegrityError):
        return None
    text = str(exc).lower()
    code = getattr(exc, "sqlite_errorcode", None)
    code = code & 0xFF if isinstance(code, int) else None  # the primary code of an extended one
    if "readonly" in text or "read-only" in text or code == sqlite3.SQLITE_READONLY:
        return read_only_error(exc, path)
    if "unable to open" in text or code == sqlite3.SQLITE_CANTOPEN:
        # SQLite's words when it cannot create the file, or the -wal and -shm files it needs
        # beside a WAL database even to read it: say so when that is because of a read-only place.
        return read_only_error(exc, path) if read_only_place(path) is not None else None
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
        if not_sqlite(path):
            return NotADatabase(path)
        return DatabaseDamaged(f"the database at {path} is damaged ({exc}). {restore_advice(path)}")
    if "disk i/o error" in text or code == sqlite3.SQLITE_IOERR:
        return DatabaseError(
            f"the disk holding the database at {path} failed ({exc}): check the disk and that it is mounted, "
            "and that no file size limit (ulimit -f) or disk quota keeps the file from growing; "
            "if the file turns out damaged, restore a backup."
        )
    return None
