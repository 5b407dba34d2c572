"""The SQLite database: one file, WAL mode, foreign keys on, numbered migrations.

This is the default store. :func:`open_database` opens it for a path, or the PostgreSQL store
(:mod:`bot.store.pg`) for a ``postgresql://`` URL; both offer the same methods (``transaction``,
``fetchone``, ``fetchall``, ``schema_version``, ``tables``...), and the stores write one SQL
text for both: ``?`` placeholders and ``IS ?`` (a comparison that treats NULL as a value) are
turned into PostgreSQL's ``$1`` and ``IS NOT DISTINCT FROM $1`` by the PostgreSQL store, and the two
row-locking clauses SQLite lacks come from ``db.for_update`` / ``db.skip_locked`` (empty here:
SQLite's ``BEGIN IMMEDIATE`` already serialises every writer).

Migrations are the files ``bot/store/migrations/NNNN_name.sql``; each is applied once, in one
transaction, and recorded in ``schema_migrations``. Where PostgreSQL needs different SQL, the file
``NNNN_name.postgresql.sql`` beside it is used there instead (same number, same name recorded).
A migration library (Alembic, yoyo) was weighed and not used: Alembic brings SQLAlchemy and a
synchronous engine to a bot whose drivers are asyncio, yoyo brings a second set of drivers, and
what is needed here (numbered files, applied once at start, a database from a newer version
refused, one migrator at a time) is the sixty lines below. A database written by a newer version of the
bot (one that records a migration this version does not have) is refused with a clear message.

One connection is shared by every task. Write inside ``async with db.transaction() as conn:``;
read with ``db.fetchone`` / ``db.fetchall``. Both wait for any other task's open transaction, so a
reader never sees another task's half-finished work, and writes from two tasks never interleave.
Instants are stored as ISO-8601 UTC text written by :func:`format_utc` (fixed width, so text order
is time order) and read back with :func:`parse_utc`.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import aiosqlite

if TYPE_CHECKING:
    from bot.settings import PostgresURL

MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
DIALECT_MIGRATION_NAME = re.compile(r"^((\d{4})_[a-z0-9_]+)\.(postgresql)\.sql$")
DIALECTS = ("sqlite", "postgresql")


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


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


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


def load_migrations(dialect: str = "sqlite") -> list[Migration]:
    """The bundled migrations for ``dialect`` (``sqlite`` or ``postgresql``), in order."""
    if dialect not in DIALECTS:
        raise ValueError(f"dialect must be one of {DIALECTS}, not {dialect!r}")
    found: list[Migration] = []
    overrides: dict[str, str] = {}
    folder = resources.files("bot.store") / "migrations"
    entries = sorted(folder.iterdir(), key=lambda e: e.name)
    for entry in entries:
        special = DIALECT_MIGRATION_NAME.match(entry.name)
        if special and special.group(3) == dialect:
            overrides[special.group(1) + ".sql"] = entry.read_text(encoding="utf-8")
    for entry in entries:
        m = MIGRATION_NAME.match(entry.name)
        if not m:
            continue
        sql = overrides.pop(entry.name, None) or entry.read_text(encoding="utf-8")
        found.append(Migration(int(m.group(1)), entry.name, sql))
    if overrides:
        raise DatabaseError(
            f"{dialect} migration(s) without a shared file of the same name: {sorted(overrides)}"
        )
    found.sort(key=lambda mig: mig.version)
    versions = [mig.version for mig in found]
    if versions != list(range(1, len(found) + 1)):
        raise DatabaseError(
            f"migrations must be numbered 0001, 0002, ... without gaps; found {versions}"
        )
    return found


async def apply_migrations(
    db, migrations: Sequence[Migration], upto: int | None, *, instead: str
) -> list[int]:
    """Refuse a database from a newer version, then apply (``db._apply``) each migration not yet
    applied, in order, up to ``upto``; the versions applied. Shared by both stores."""
    known = {m.version for m in migrations}
    applied = await db.applied_versions()
    if [v for v in applied if v not in known]:
        raise DatabaseTooNew(
            f"the database at {db.location} was written by a newer version of lowback-bot "
            f"(schema version {max(applied)}; this version knows up to {max(known, default=0)}). "
            f"Upgrade lowback-bot, or point LOWBACK_DATABASE at {instead}."
        )
    done: list[int] = []
    for mig in migrations:
        if mig.version in applied or (upto is not None and mig.version > upto):
            continue
        if await db._apply(mig):
            done.append(mig.version)
    return done


async def open_database(location: Path | str | PostgresURL, *, migrate: bool = True):
    """The store at ``location``: a SQLite file for a path, PostgreSQL for a :class:`PostgresURL`."""
    from bot.settings import PostgresURL

    if isinstance(location, PostgresURL):
        from bot.store.pg import PgDatabase

        return await PgDatabase.open(location, migrate=migrate)
    return await Database.open(location, migrate=migrate)


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
        self._owner: asyncio.Task | None = None
        self._closed = False

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
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise DatabaseError(
                    f"cannot create the folder for the database at {path}: {exc}"
                ) from exc
        connecting = aiosqlite.connect(str(path), isolation_level=None)
        try:
            conn = await connecting
        except Exception as exc:  # sqlite3.OperationalError: unable to open database file
            # aiosqlite stops its worker thread on a failed connect; let it finish while the event
            # loop is still open, or it reports to a closed loop with a traceback at exit.
            worker = getattr(connecting, "_thread", None)
            if worker is not None:
                worker.join(timeout=1.0)
            raise DatabaseError(f"cannot open the database at {path}: {exc}") from exc
        conn.row_factory = aiosqlite.Row
        db = cls(conn, path)
        try:
            # Close each PRAGMA's cursor at once: one left open keeps a statement active and makes
            # the first migration's COMMIT fail with "SQL statements in progress".
            # secure_delete: deleted rows are overwritten with zeros, so a person's deleted data does
            # not linger in free pages (see Database.forget_deleted for the write-ahead log).
            pragmas = (
                "foreign_keys = ON",
                "busy_timeout = 5000",
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

    async def fetchone(self, sql: str, params: tuple | dict = ()) -> aiosqlite.Row | None:
        async with self._reading():
            return await self._fetchone(sql, params)

    async def fetchall(self, sql: str, params: tuple | dict = ()) -> list[aiosqlite.Row]:
        async with self._reading():
            return await self._fetchall(sql, params)

    async def _fetchone(self, sql: str, params: tuple | dict = ()) -> aiosqlite.Row | None:
        try:
            async with self.conn.execute(sql, params) as cur:
                return await cur.fetchone()
        except sqlite3.Error as exc:
            self._raise_explained(exc)
            raise

    async def _fetchall(self, sql: str, params: tuple | dict = ()) -> list[aiosqlite.Row]:
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

    async def parent_tables(self, table: str) -> set[str]:
        """The tables that ``table``'s foreign keys point at."""
        rows = await self.fetchall(f"PRAGMA foreign_key_list({quote_identifier(table)})")
        return {r["table"] for r in rows}


def quote_identifier(name: str) -> str:
    """A table or column name quoted for SQL (names come from sqlite_master, never from users)."""
    return '"' + name.replace('"', '""') + '"'


def split_sql(script: str) -> list[str]:
    """Split a migration into complete statements.

    Uses SQLite's own notion of a complete statement, so semicolons inside string literals,
    comments and trigger bodies do not split a statement.
    """
    statements: list[str] = []
    pieces = script.split(";")
    buffer = ""
    for i, piece in enumerate(pieces):
        buffer += piece
        if i < len(pieces) - 1:
            buffer += ";"
            if sqlite3.complete_statement(buffer):
                if _has_code(buffer):
                    statements.append(buffer.strip())
                buffer = ""
    if _has_code(buffer):
        if not sqlite3.complete_statement(buffer + ";"):
            raise DatabaseError(
                f"migration ends with an unfinished statement: {buffer.strip()[:80]!r}"
            )
        statements.append(buffer.strip())  # the last statement may omit its semicolon
    return statements


def _has_code(sql: str) -> bool:
    """True if ``sql`` holds more than whitespace, comments and semicolons."""
    text = re.sub(r"/\*.*?\*/", " ", sql, flags=re.S)
    text = re.sub(r"--[^\n]*", " ", text)
    return bool(text.replace(";", " ").strip())
