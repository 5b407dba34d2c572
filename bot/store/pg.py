"""The PostgreSQL store: the same interface as :class:`bot.store.db.Database`, over an asyncpg pool.

Chosen with ``LOWBACK_DATABASE=postgresql://user@host/dbname``. Several bot processes can share it;
each holds a small connection pool.

* ``async with db.transaction() as conn:`` takes a connection from the pool for the block and runs
  it as one transaction (READ COMMITTED, PostgreSQL's default). ``db.fetchone`` / ``db.fetchall``
  inside the block read through the same connection, so they see the block's own writes; outside a
  block they take any free connection. Where a store reads a row it is about to change, it
  adds ``db.for_update`` (or ``db.skip_locked`` for work that any process may take), which here
  locks the row until the transaction ends: SQLite gets the same effect from its single writer.
* The stores' SQL is written once: ``?`` placeholders become ``$1, $2...``, ``IS ?`` becomes
  ``IS NOT DISTINCT FROM $n`` (and ``IS NOT ?`` ``IS DISTINCT FROM $n``). ``conn.execute`` returns
  an object with ``rowcount`` and, for ``... RETURNING``, ``fetchone`` / ``fetchall``, as an
  aiosqlite cursor does. A broken constraint raises :class:`bot.store.errors.IntegrityError`.
* Migrations are the bundled ones for the ``postgresql`` dialect; each runs in its own transaction
  holding an advisory lock, so processes starting together apply each migration once.
* A server that cannot be reached (down, restarting, a connection it dropped) raises
  :class:`bot.store.errors.DatabaseUnavailable`, one line that says so, never the driver's own
  exception; the pool connects again by itself once the server is back, so the next call works.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import re
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime
from typing import Any, Literal

from bot.settings import PostgresURL
from bot.store.db import format_utc
from bot.store.errors import (
    DatabaseBusy,
    DatabaseConflict,
    DatabaseError,
    DatabaseReadOnly,
    DatabaseUnavailable,
    DiskFull,
    DriverMissing,
    IntegrityError,
    first_line,
)
from bot.store.schema import Migration, apply_migrations, load_migrations

try:
    import asyncpg
except ImportError as missing:  # installed without its dependencies (pip install --no-deps .)
    raise DriverMissing(missing) from missing

MIGRATION_LOCK = 0x10B_AC  # the advisory lock every migrating process takes (any constant will do)
CONNECT_TIMEOUT = 10.0


@functools.lru_cache(maxsize=1024)
def to_postgres(sql: str) -> str:
    """The stores' SQL in PostgreSQL's spelling (placeholders and NULL-safe comparison)."""
    sql = re.sub(r"\bIS\s+NOT\s+\?", "IS DISTINCT FROM ?", sql, flags=re.I)
    sql = re.sub(r"\bIS\s+\?", "IS NOT DISTINCT FROM ?", sql, flags=re.I)
    out: list[str] = []
    number = 0
    quoted = False
    for ch in sql:
        if ch == "'":
            quoted = not quoted
        if ch == "?" and not quoted:
            number += 1
            out.append(f"${number}")
        else:
            out.append(ch)
    return "".join(out)


def _params(params: Sequence[Any] | dict[str, Any]) -> Sequence[Any]:
    if isinstance(params, dict):
        raise TypeError("the PostgreSQL store takes positional ? parameters, not named ones")
    return params


def _rowcount(status: str) -> int:
    """The row count in a command status such as ``UPDATE 3`` or ``INSERT 0 1``."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else -1


_RETURNING = re.compile(r"\bRETURNING\b", re.I)


class Result:
    """What ``conn.execute`` returns: the affected row count and any rows (``RETURNING``)."""

    lastrowid = None  # PostgreSQL has none: use RETURNING

    def __init__(self, rows: list[asyncpg.Record], rowcount: int):
        self._rows = rows
        self.rowcount = rowcount

    async def fetchone(self) -> asyncpg.Record | None:
        return self._rows[0] if self._rows else None

    async def fetchall(self) -> list[asyncpg.Record]:
        return list(self._rows)


class Connection:
    """The connection of one open transaction, with the stores' ``execute``."""

    def __init__(self, raw: asyncpg.Connection):
        self.raw = raw

    async def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Result:
        query = to_postgres(sql)
        args = _params(params)
        with _integrity_errors():
            if _RETURNING.search(sql):
                rows = await self.raw.fetch(query, *args)
                return Result(rows, len(rows))
            status = await self.raw.execute(query, *args)
        return Result([], _rowcount(status))


class _integrity_errors:
    """Turn asyncpg's constraint errors into :class:`IntegrityError` (same message)."""

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: object
    ) -> Literal[False]:
        if exc is not None and isinstance(exc, asyncpg.IntegrityConstraintViolationError):
            raise IntegrityError(str(exc)) from exc
        return False


def describe_connect_error(exc: BaseException) -> str:
    """A one-line reason a connection failed, without a traceback."""
    if isinstance(exc, asyncpg.InvalidCatalogNameError):
        return "that database does not exist (create it first: createdb)"
    if isinstance(
        exc, asyncpg.InvalidAuthorizationSpecificationError | asyncpg.InvalidPasswordError
    ):
        return f"the server refused the login: {exc}"
    if isinstance(exc, ConnectionRefusedError | OSError) and not isinstance(exc, TimeoutError):
        return f"no server answers there ({exc.strerror or exc})"
    if isinstance(exc, asyncio.TimeoutError | TimeoutError):
        return f"no answer within {CONNECT_TIMEOUT:.0f} s"
    return first_line(exc)


def unreachable(exc: BaseException) -> bool:
    """Whether ``exc`` says the server could not be reached or dropped the connection (a passing
    fault), rather than that it refused a statement."""
    if isinstance(
        exc,
        asyncpg.PostgresConnectionError  # the connection broke (or never was)
        | asyncpg.CannotConnectNowError  # starting up or shutting down
        | asyncpg.AdminShutdownError  # stopped by its administrator
        | asyncpg.CrashShutdownError  # another process crashed: every connection is reset
        | asyncpg.TooManyConnectionsError,
    ):
        return True
    if isinstance(exc, asyncpg.InterfaceError):
        text = str(exc).lower()
        return "closed" in text or "closing" in text  # "connection is closed", "pool is closing"
    return isinstance(exc, OSError)  # refused, reset, timed out, a host name that does not resolve


def unavailable(exc: BaseException, where: object = None) -> DatabaseUnavailable:
    """``exc`` (see :func:`unreachable`) as the store's one-line error."""
    if isinstance(exc, ConnectionRefusedError):
        reason = "no server answers there"
    elif isinstance(exc, TimeoutError):
        reason = "it did not answer in time"
    elif isinstance(exc, OSError):
        reason = exc.strerror or str(exc) or type(exc).__name__
    else:
        reason = describe_connect_error(exc)
    at = f" at {where}" if where is not None else ""
    return DatabaseUnavailable(
        f"the PostgreSQL database{at} can't be reached right now ({reason}); try again in a minute"
    )


def refused(exc: BaseException, where: object = None) -> DatabaseError | None:
    """A statement the server refused for a reason of its own set-up or load, not of the bot's SQL,
    as the store's one-line error saying what to do (None for anything else)."""
    at = f" at {where}" if where is not None else ""
    what = f"the PostgreSQL database{at}"
    if isinstance(exc, asyncpg.QueryCanceledError | asyncpg.LockNotAvailableError):
        return DatabaseBusy(
            f"{what} took too long ({first_line(exc)}), so nothing was changed. Try again in a"
            " moment; if it keeps happening, look for a long transaction holding locks, or raise"
            " the statement_timeout or lock_timeout set for this user or database."
        )
    if isinstance(exc, asyncpg.TransactionRollbackError):  # a deadlock, a serialization failure
        return DatabaseConflict(
            f"{what} turned a change away because another one touched the same rows at the same"
            f" moment ({first_line(exc)}), so nothing was changed. Try again."
        )
    if isinstance(exc, asyncpg.ReadOnlySQLTransactionError):
        return DatabaseReadOnly(
            f"{what} only allows reading ({first_line(exc)}): it is a standby (after a failover,"
            " say) or default_transaction_read_only is on. Point LOWBACK_DATABASE at the primary"
            " server, or turn read-only off for this user or database."
        )
    if isinstance(exc, asyncpg.DiskFullError):
        return DiskFull(
            f"the disk of {what} is full ({first_line(exc)}): free some space on the server;"
            " the change that failed was not saved."
        )
    if isinstance(exc, asyncpg.InsufficientResourcesError):  # out of memory, too many files
        return DatabaseUnavailable(
            f"{what} is short of resources right now ({first_line(exc)}); try again in a minute"
        )
    if isinstance(exc, asyncpg.InsufficientPrivilegeError):
        return DatabaseError(
            f"{what} refused a change: {first_line(exc)}. Give the user in LOWBACK_DATABASE"
            " the rights it had (it must own the bot's tables)."
        )
    return None


@contextmanager
def reachable(where: object = None) -> Iterator[None]:
    """Turn the driver's connection errors raised in the block into :class:`DatabaseUnavailable`,
    and a statement the server refused for a reason of its own (:func:`refused`) into the
    store's error for it."""
    try:
        yield
    except DatabaseError:
        raise
    except Exception as exc:
        if unreachable(exc):
            raise unavailable(exc, where) from exc
        explained = refused(exc, where)
        if explained is not None:
            raise explained from exc
        raise


async def apply_migration(conn: asyncpg.Connection, mig: Migration) -> bool:
    """Apply one migration on ``conn``, in the transaction it is in (the caller's: a failure
    leaves nothing behind); False if it was applied already. Processes starting together take
    turns (an advisory lock held to the end of the transaction)."""
    await conn.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
    await conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    if await conn.fetchval("SELECT 1 FROM schema_migrations WHERE version = $1", mig.version):
        return False
    try:
        await conn.execute(mig.sql)  # no parameters: the whole file in one go
    except asyncpg.PostgresError as exc:
        raise DatabaseError(
            f"migration {mig.name} failed on PostgreSQL: {exc}; nothing was changed"
        ) from exc
    await conn.execute(
        "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
        mig.version,
        mig.name,
        format_utc(datetime.now(UTC)),
    )
    return True


class PgDatabase:
    """An open PostgreSQL store. ``await PgDatabase.open(url)``; close with ``await db.close()``."""

    dialect = "postgresql"
    for_update = " FOR UPDATE"
    skip_locked = " FOR UPDATE SKIP LOCKED"

    def __init__(self, pool: asyncpg.Pool, url: PostgresURL):
        self.pool = pool
        self.url = url
        # The transaction the current task has open (its connection), if any.
        self._current: contextvars.ContextVar[
            tuple[asyncio.Task[Any] | None, asyncpg.Connection] | None
        ] = contextvars.ContextVar(f"lowback-pg-{id(self)}", default=None)
        self._closed = False

    @property
    def location(self) -> PostgresURL:
        return self.url

    @property
    def path(self) -> PostgresURL:  # what SQLite callers print as "where the database is"
        return self.url

    @classmethod
    async def open(
        cls, url: PostgresURL, *, migrate: bool = True, min_size: int = 1, max_size: int = 10
    ) -> PgDatabase:
        try:
            pool = await asyncpg.create_pool(
                url.url,
                min_size=min_size,
                max_size=max_size,
                timeout=CONNECT_TIMEOUT,
                command_timeout=60,
            )
        except (
            Exception
        ) as exc:  # OSError, asyncpg.PostgresError, TimeoutError, bad URL (ValueError)
            kind = DatabaseUnavailable if unreachable(exc) else DatabaseError
            raise kind(
                f"cannot connect to the PostgreSQL database at {url}: {url.hide(describe_connect_error(exc))}"
            ) from exc
        db = cls(pool, url)
        try:
            if migrate:
                await db.migrate()
        except BaseException:
            await db.close()
            raise
        return db

    async def close(self) -> None:
        if not self._closed:
            self._closed = True
            try:
                await asyncio.wait_for(self.pool.close(), timeout=10)
            except TimeoutError:
                self.pool.terminate()

    # ------------------------------------------------------------------ migrations

    async def applied_versions(self) -> list[int]:
        async with self._connection() as conn:
            exists = await conn.fetchval("SELECT to_regclass('schema_migrations') IS NOT NULL")
            if not exists:
                return []
            return [
                r[0]
                for r in await conn.fetch("SELECT version FROM schema_migrations ORDER BY version")
            ]

    async def migrate(
        self, *, upto: int | None = None, migrations: Sequence[Migration] | None = None
    ) -> list[int]:
        """Apply every migration not yet applied (or up to ``upto``); return the versions applied."""
        migrations = list(load_migrations("postgresql") if migrations is None else migrations)
        return await apply_migrations(self, migrations, upto, instead="another database")

    async def _apply(self, mig: Migration) -> bool:
        """Apply one migration; False if another process applied it first."""
        with reachable(self.url):
            return await self._apply_here(mig)

    async def _apply_here(self, mig: Migration) -> bool:
        async with self.pool.acquire() as conn, conn.transaction():
            return await apply_migration(conn, mig)

    async def forget_deleted(self) -> bool:
        """SQLite empties its write-ahead log after a person's data is deleted. PostgreSQL removes
        deleted rows' old versions itself (autovacuum, within minutes on a busy table) and recycles
        its log; nothing to do here."""
        return True

    async def schema_version(self) -> int:
        return max(await self.applied_versions(), default=0)

    async def server_version(self) -> str:
        """The server's version, e.g. ``15.4``."""
        async with self._connection() as conn:
            return str(await conn.fetchval("SHOW server_version")).split(" ", 1)[0]

    # ------------------------------------------------------------------ transactions and reads

    @asynccontextmanager
    async def transaction(self, *, snapshot: bool = False) -> AsyncIterator[Connection]:
        """One transaction on one pooled connection; see the module docstring. Not re-entrant.

        ``snapshot``: a read-only REPEATABLE READ transaction, whose reads all see the database as
        of its first one (READ COMMITTED, the default, lets each statement see newer commits)."""
        task = asyncio.current_task()
        held = self._current.get()
        if held is not None and held[0] is task:
            raise RuntimeError(
                "transaction() is already open in this task; do all the work in the one block"
            )
        with reachable(self.url):
            async with self.pool.acquire() as raw:
                token = self._current.set((task, raw))
                try:
                    isolation = "repeatable_read" if snapshot else None
                    async with raw.transaction(isolation=isolation, readonly=snapshot):
                        yield Connection(raw)
                finally:
                    self._current.reset(token)

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[asyncpg.Connection]:
        """This task's transaction connection if it has one open, else a pooled one."""
        held = self._current.get()
        if held is not None and held[0] is asyncio.current_task():
            yield held[1]
            return
        with reachable(self.url):
            async with self.pool.acquire() as raw:
                yield raw

    async def fetchone(
        self, sql: str, params: Sequence[Any] | dict[str, Any] = ()
    ) -> asyncpg.Record | None:
        async with self._connection() as conn:
            return await conn.fetchrow(to_postgres(sql), *_params(params))

    async def fetchall(
        self, sql: str, params: Sequence[Any] | dict[str, Any] = ()
    ) -> list[asyncpg.Record]:
        async with self._connection() as conn:
            return list(await conn.fetch(to_postgres(sql), *_params(params)))

    # ------------------------------------------------------------------ the schema, for data rights

    async def tables(self) -> list[str]:
        rows = await self.fetchall(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name"
        )
        return [r[0] for r in rows]

    async def columns(self, table: str) -> list[str]:
        rows = await self.fetchall(
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position",
            (table,),
        )
        return [r[0] for r in rows]

    async def primary_key(self, table: str) -> list[str]:
        rows = await self.fetchall(
            "SELECT a.attname FROM pg_index i"
            " JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n) ON TRUE"
            " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum"
            " WHERE i.indrelid = to_regclass(?) AND i.indisprimary ORDER BY k.n",
            (table,),
        )
        return [r[0] for r in rows]

    async def parent_tables(self, table: str) -> set[str]:
        rows = await self.fetchall(
            "SELECT confrelid::regclass::text FROM pg_constraint WHERE conrelid = to_regclass(?) AND contype = 'f'",
            (table,),
        )
        return {r[0].strip('"') for r in rows}
