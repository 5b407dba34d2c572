"""The SQLite database: one file, WAL mode, foreign keys on, numbered migrations.

This is the default store. :func:`open_database` opens it for a path, or the PostgreSQL store
(:mod:`bot.store.pg`) for a ``postgresql://`` URL; both offer the same methods (``transaction``,
``fetchone``, ``fetchall``, ``schema_version``, ``tables``...), and the stores write one SQL
text for both: ``?`` placeholders and ``IS ?`` (a comparison that treats NULL as a value) are
turned into PostgreSQL's ``$1`` and ``IS NOT DISTINCT FROM $1`` by the PostgreSQL store, and the two
row-locking clauses SQLite lacks come from ``db.for_update`` / ``db.skip_locked`` (empty here:
SQLite's ``BEGIN IMMEDIATE`` already serialises every writer).

Migrations (:mod:`bot.store.schema`) are applied when the database opens; the store's errors
(:mod:`bot.store.errors`) say what to do about a fault of the file or the disk.

One connection is shared by every task. Write inside ``async with db.transaction() as conn:``;
read with ``db.fetchone`` / ``db.fetchall``. Both wait for any other task's open transaction, so a
reader never sees another task's half-finished work, and writes from two tasks never interleave.
Instants are stored as ISO-8601 UTC text written by :func:`format_utc` (fixed width, so text order
is time order) and read back with :func:`parse_utc`.
"""

from __future__ import annotations

import asyncio
import os
import re
import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import aiosqlite

from bot.store.errors import (
    DatabaseDamaged,
    DatabaseError,
    explain,
    folder_instead,
    restore_advice,
)
from bot.store.schema import Migration, apply_migrations, load_migrations, split_sql

if TYPE_CHECKING:
    from bot.settings import PostgresURL

Params = tuple[Any, ...] | dict[str, Any]  # a statement's ? (or :name) parameters

BUSY_TIMEOUT_MS = 5000
"""How long a statement waits for another process's lock before failing with DatabaseBusy."""


def format_utc(moment: datetime) -> str:
    """An aware datetime as fixed-width ISO-8601 UTC text, e.g. ``2025-03-30T06:30:00.000000+00:00``."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"expected an aware datetime, got naive {moment!r}")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def parse_utc(text: str) -> datetime:
    """Text written by :func:`format_utc` (or SQLite's ``datetime('now')``) as an aware UTC datetime."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable_text(text: str) -> str:
    """``text`` as both stores keep it alike: without NUL characters (PostgreSQL's text refuses
    them; SQLite would keep them), and with any lone surrogate (which no UTF-8 database can
    hold: Python decodes one from a JSON escape such as ``\\ud800``) shown as U+FFFD."""
    return _UNSTORABLE.sub(lambda m: "" if m.group() == "\x00" else "\ufffd", text)


async def open_database(location: Path | str | PostgresURL, *, migrate: bool = True) -> Database:
    """The store at ``location``: a SQLite file for a path, PostgreSQL for a :class:`PostgresURL`."""
    from bot.settings import PostgresURL

    if isinstance(location, PostgresURL):
        from bot.store.pg import PgDatabase

        # PgDatabase offers Database's interface (bot/store/pg.py); the stores are typed against it.
        return cast(Database, await PgDatabase.open(location, migrate=migrate))
    return await Database.open(location, migrate=migrate)


async def _connect(path: Path) -> aiosqlite.Connection:
    """aiosqlite's connection to the file at ``path``; DatabaseError saying why it cannot be had."""
    connecting = aiosqlite.connect(str(path), isolation_level=None)
    try:
        return await connecting
    except BaseException as exc:  # unable to open database file; or cancelled, as by Ctrl-C
        # aiosqlite stops its worker thread on a failed or cancelled connect; let it finish while
        # the event loop is still open, or it reports to a closed loop with a traceback at exit
        # (after Ctrl-C, asyncio.run closes the loop as soon as the cancelled task ends).
        worker = getattr(connecting, "_thread", None)
        if worker is not None:
            worker.join(timeout=5.0)
        if not isinstance(exc, Exception):
            raise
        raise explain(exc, path) or DatabaseError(
            f"cannot open the database at {path}: {exc}"
        ) from exc


def _make_folder(path: Path) -> None:
    """Make the folder of the database at ``path``, or say in a DatabaseError why it cannot be."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError) as exc:  # a file where a folder goes
        file = next(p for p in (path.parent, *path.parent.parents) if p.exists())
        raise DatabaseError(
            f"cannot create the folder {path.parent} for the database: {file} is a file, "
            "not a folder: point LOWBACK_DATABASE (or --database) at a file in a folder "
            "this user may write, or move that file away"
        ) from exc
    except OSError as exc:  # the default folder of a user whose home is /nonexistent
        at = f" at {exc.filename}" if exc.filename not in (None, str(path.parent)) else ""
        raise DatabaseError(
            f"cannot create the folder {path.parent} for the database "
            f"({exc.strerror or exc}{at}): point LOWBACK_DATABASE (or --database) at a "
            "file in a folder this user may write, or let it write there"
        ) from exc


class Database:
    """An open SQLite database. Use ``await Database.open(path)``; close with ``await db.close()``."""

    dialect = "sqlite"
    # Row-locking clauses PostgreSQL needs and SQLite has no use for (see the module docstring).
    for_update = ""
    skip_locked = ""

    def __init__(self, conn: aiosqlite.Connection, path: Path):
        self.conn = conn
        self.path = path
        # One connection is shared by every task. The lock keeps one task's transaction apart from
        # every other task's reads and writes; ``_owner`` lets the task holding it read freely.
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task[Any] | None = None
        self._closed = False
        self._file = _identity(path)  # which file was opened, to notice it deleted or replaced

    @property
    def location(self) -> Path:
        """What :func:`open_database` takes to open this database again (from another task or process)."""
        return self.path

    @classmethod
    async def open(cls, path: str | Path, *, migrate: bool = True, check: bool = True) -> Database:
        """Open (creating if need be) and migrate the database at ``path``.

        With ``check`` (the default) ``PRAGMA quick_check`` runs first and a damaged file is
        refused (:class:`DatabaseDamaged`) rather than used. Faults of the file or the disk are
        raised as :class:`DatabaseError` subclasses whose message says what to do.
        """
        path = Path(path)
        if str(path) != ":memory:":
            _make_folder(path)
            if (folder := folder_instead(path)) is not None:
                raise folder
        conn = await _connect(path)
        conn.row_factory = aiosqlite.Row
        db = cls(conn, path)
        try:
            # Close each PRAGMA's cursor at once: one left open keeps a statement active and makes
            # the first migration's COMMIT fail with "SQL statements in progress".
            # secure_delete: deleted rows are overwritten with zeros, so a person's deleted data does
            # not linger in free pages (see Database.forget_deleted for the write-ahead log).
            pragmas = (
                "foreign_keys = ON",
                f"busy_timeout = {BUSY_TIMEOUT_MS}",
                "journal_mode = WAL",
                "synchronous = NORMAL",
                "secure_delete = ON",
            )
            for pragma in pragmas:
                async with conn.execute(f"PRAGMA {pragma}"):
                    pass
            if check:
                await db.check_integrity()
            if migrate:
                await db.migrate()
        except sqlite3.DatabaseError as exc:  # e.g. "file is not a database"
            await conn.close()
            raise explain(exc, path) or DatabaseError(
                f"cannot use the database at {path}: {exc}"
            ) from exc
        except DatabaseError:
            await conn.close()
            raise
        except BaseException:
            await conn.close()
            raise
        return db

    async def close(self) -> None:
        if not self._closed:
            self._closed = True
            await self.conn.close()

    async def check_integrity(self) -> None:
        """``PRAGMA quick_check``: raise :class:`DatabaseDamaged` if the file is damaged."""
        if str(self.path) == ":memory:":
            return
        try:
            async with self.conn.execute("PRAGMA quick_check(5)") as cur:
                rows = [r[0] for r in await cur.fetchall()]
        except sqlite3.DatabaseError as exc:
            raise explain(exc, self.path) or DatabaseDamaged(
                f"the database at {self.path} is damaged ({exc}). {restore_advice(self.path)}"
            ) from exc
        if rows != ["ok"]:
            raise DatabaseDamaged(
                f"the database at {self.path} is damaged (integrity check: {'; '.join(rows)[:300]}). "
                f"{restore_advice(self.path)}"
            )

    async def forget_deleted(self) -> bool:
        """Copy the write-ahead log into the database file and truncate it, so deleted rows are
        gone from disk (with ``secure_delete`` they are zeroed in the file). False if another
        connection (a terminal command reading) kept the log from being emptied completely."""
        if str(self.path) == ":memory:":
            return True
        async with self._lock:
            row = await self._fetchone("PRAGMA wal_checkpoint(TRUNCATE)")
        return row is not None and row[0] == 0

    async def applied_versions(self) -> list[int]:
        await self.conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
        async with self.conn.execute(
            "SELECT version FROM schema_migrations ORDER BY version"
        ) as cur:
            return [row[0] for row in await cur.fetchall()]

    async def migrate(
        self, *, upto: int | None = None, migrations: Sequence[Migration] | None = None
    ) -> list[int]:
        """Apply every migration not yet applied (or up to ``upto``); return the versions applied.

        ``migrations`` defaults to the bundled ones. Each migration runs in its own transaction
        with foreign-key enforcement paused, the way SQLite recommends for rebuilding a table
        (otherwise dropping a parent table during a rebuild would cascade-delete its children);
        the foreign keys are checked before the migration commits.
        """
        migrations = list(load_migrations() if migrations is None else migrations)
        async with self._lock:
            return await apply_migrations(self, migrations, upto, instead="another file")

    async def _apply(self, mig: Migration) -> bool:
        """Apply one migration (the lock is held); False if another process applied it first."""
        await self.conn.execute("PRAGMA foreign_keys = OFF")
        try:
            async with self._atomic():
                row = await self._fetchone(
                    "SELECT 1 FROM schema_migrations WHERE version = ?", (mig.version,)
                )
                if row is not None:
                    return False
                for statement in split_sql(mig.sql):
                    await self.conn.execute(statement)
                broken = await self._fetchall("PRAGMA foreign_key_check")
                if broken:
                    raise DatabaseError(
                        f"migration {mig.name} leaves {len(broken)} row(s) pointing at missing rows "
                        f"(first in table {broken[0][0]!r}); nothing was changed"
                    )
                await self.conn.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                    (mig.version, mig.name, format_utc(datetime.now(UTC))),
                )
            return True
        finally:
            await self.conn.execute("PRAGMA foreign_keys = ON")

    async def schema_version(self) -> int:
        applied = await self.applied_versions()
        return max(applied, default=0)

    @asynccontextmanager
    async def transaction(self, *, snapshot: bool = False) -> AsyncIterator[aiosqlite.Connection]:
        """One transaction: everything inside commits together or not at all.

        ``snapshot`` asks that every read in the block sees the database as of one moment; SQLite's
        write lock already gives that, PostgreSQL needs it said (see bot/store/pg.py).

        ``BEGIN IMMEDIATE`` takes SQLite's write lock up front, so a second process queues (up to
        the busy timeout) instead of failing half way with "database is locked"; the asyncio lock
        queues other tasks on this connection. An exception or a cancellation inside the block
        rolls everything back. Not re-entrant: calling it again inside the block is an error, and
        so is waiting inside the block for another task that uses the database (it would wait for
        this block to end).
        """
        task = asyncio.current_task()
        if self._owner is not None and self._owner is task:
            raise RuntimeError(
                "transaction() is already open in this task; do all the work in the one block"
            )
        async with self._lock:
            self._still_there()
            self._owner = task
            try:
                async with self._atomic():
                    yield self.conn
            finally:
                self._owner = None

    @asynccontextmanager
    async def _atomic(self) -> AsyncIterator[None]:
        """BEGIN IMMEDIATE ... COMMIT, rolling back on any failure (the caller holds the lock).

        aiosqlite runs statements in order on one thread, and a statement already handed to it
        still runs if the awaiting task is cancelled; so the ROLLBACK issued here always follows
        whatever the cancelled task had started, and the connection is never left in a transaction.
        """
        try:
            await self.conn.execute("BEGIN IMMEDIATE")
        except BaseException as exc:
            await self._rollback_quietly()
            self._raise_explained(exc)
            raise
        try:
            yield
        except BaseException as exc:
            await self._rollback_quietly()
            self._raise_explained(exc)
            raise
        try:
            await self.conn.execute("COMMIT")
        except BaseException as exc:
            await self._rollback_quietly()
            self._raise_explained(exc)
            raise

    def _still_there(self) -> None:
        """Refuse to write once the file was deleted or replaced under the running bot: SQLite
        would go on writing to the deleted file, and everything written would be lost at the next
        start, silently."""
        if self._file is None or _identity(self.path) == self._file:
            return
        raise DatabaseError(
            f"the database file at {self.path} was deleted or replaced while lowback was running, so"
            " nothing more is written to the old one (it would be lost). Restart lowback: it then"
            " uses the file now at that path, or a new empty one; to get the data back, restore your"
            " newest backup there first (see `lowback backup`)."
        )

    def _raise_explained(self, exc: BaseException) -> None:
        explained = explain(exc, self.path)
        if explained is not None:
            raise explained from exc

    async def _rollback_quietly(self) -> None:
        try:
            await self.conn.execute("ROLLBACK")
        except sqlite3.OperationalError:
            pass  # no transaction was active (BEGIN failed, or COMMIT had already gone through)

    @asynccontextmanager
    async def _reading(self) -> AsyncIterator[None]:
        task = asyncio.current_task()
        if self._owner is not None and self._owner is task:
            yield  # inside this task's own transaction: it sees its own writes
        else:
            async with self._lock:
                yield

    async def fetchone(self, sql: str, params: Params = ()) -> aiosqlite.Row | None:
        async with self._reading():
            return await self._fetchone(sql, params)

    async def fetchall(self, sql: str, params: Params = ()) -> list[aiosqlite.Row]:
        async with self._reading():
            return await self._fetchall(sql, params)

    async def _fetchone(self, sql: str, params: Params = ()) -> aiosqlite.Row | None:
        try:
            async with self.conn.execute(sql, params) as cur:
                return await cur.fetchone()
        except sqlite3.Error as exc:
            self._raise_explained(exc)
            raise

    async def _fetchall(self, sql: str, params: Params = ()) -> list[aiosqlite.Row]:
        try:
            async with self.conn.execute(sql, params) as cur:
                return list(await cur.fetchall())
        except sqlite3.Error as exc:
            self._raise_explained(exc)
            raise

    async def tables(self) -> list[str]:
        rows = await self.fetchall(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
        return [r[0] for r in rows]

    async def columns(self, table: str) -> list[str]:
        rows = await self.fetchall(f"PRAGMA table_info({quote_identifier(table)})")
        return [r[1] for r in rows]

    async def primary_key(self, table: str) -> list[str]:
        """The table's primary-key columns, in key order ([] if it has none)."""
        rows = await self.fetchall(f"PRAGMA table_info({quote_identifier(table)})")
        return [name for _, name in sorted((r["pk"], r["name"]) for r in rows if r["pk"])]

    async def issued_ids(self, table: str) -> int:
        """The highest id ever given out in ``table`` by AUTOINCREMENT (0 when it keeps no such count):
        rows deleted since may have held ids above the largest one left."""
        if not await self.fetchone("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'"):
            return 0
        row = await self.fetchone("SELECT seq FROM sqlite_sequence WHERE name = ?", (table,))
        return int(row[0]) if row is not None else 0

    async def parent_tables(self, table: str) -> set[str]:
        """The tables that ``table``'s foreign keys point at."""
        rows = await self.fetchall(f"PRAGMA foreign_key_list({quote_identifier(table)})")
        return {r["table"] for r in rows}


def _identity(path: Path) -> tuple[int, int] | None:
    """The file at ``path`` (device and inode); None for an in-memory database or no file."""
    if str(path) == ":memory:":
        return None
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_dev, found.st_ino


def quote_identifier(name: str) -> str:
    """A table or column name quoted for SQL (names come from sqlite_master, never from users)."""
    return '"' + name.replace('"', '""') + '"'
