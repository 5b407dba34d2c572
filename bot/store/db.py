"""The SQLite database: one file, WAL mode, foreign keys on, numbered migrations.

Migrations are the files ``bot/store/migrations/NNNN_name.sql``; each is applied once, in one
transaction, and recorded in ``schema_migrations``. A database written by a newer version of the
bot (one that records a migration this version does not have) is refused with a clear message.
"""

from __future__ import annotations

import asyncio
import re
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import AsyncIterator

import aiosqlite

MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


class DatabaseError(Exception):
    """A problem with the database that the person running the bot can fix."""


class DatabaseTooNew(DatabaseError):
    pass


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def load_migrations() -> list[Migration]:
    found: list[Migration] = []
    folder = resources.files("bot.store") / "migrations"
    for entry in folder.iterdir():
        m = MIGRATION_NAME.match(entry.name)
        if not m:
            continue
        found.append(Migration(int(m.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort(key=lambda mig: mig.version)
    versions = [mig.version for mig in found]
    if versions != list(range(1, len(found) + 1)):
        raise DatabaseError(f"migrations must be numbered 0001, 0002, ... without gaps; found {versions}")
    return found


class Database:
    """An open database. Use ``await Database.open(path)``; close with ``await db.close()``."""

    def __init__(self, conn: aiosqlite.Connection, path: Path):
        self.conn = conn
        self.path = path
        # One connection is shared by every task; the lock keeps two tasks' transactions apart.
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: str | Path, *, migrate: bool = True) -> "Database":
        path = Path(path)
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = await aiosqlite.connect(str(path), isolation_level=None)
        except Exception as exc:  # sqlite3.OperationalError: unable to open database file
            raise DatabaseError(f"cannot open the database at {path}: {exc}") from exc
        conn.row_factory = aiosqlite.Row
        db = cls(conn, path)
        try:
            await conn.execute("PRAGMA foreign_keys = ON")
            await conn.execute("PRAGMA busy_timeout = 5000")
            await conn.execute("PRAGMA journal_mode = WAL")
            await conn.execute("PRAGMA synchronous = NORMAL")
            if migrate:
                await db.migrate()
        except BaseException:
            await conn.close()
            raise
        return db

    async def close(self) -> None:
        await self.conn.close()

    async def applied_versions(self) -> list[int]:
        await self.conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
        async with self.conn.execute("SELECT version FROM schema_migrations ORDER BY version") as cur:
            return [row[0] for row in await cur.fetchall()]

    async def migrate(self, *, upto: int | None = None) -> list[int]:
        """Apply every migration not yet applied (or up to ``upto``); return the versions applied."""
        migrations = load_migrations()
        known = {m.version for m in migrations}
        applied = await self.applied_versions()
        newer = [v for v in applied if v not in known]
        if newer:
            raise DatabaseTooNew(
                f"the database at {self.path} was written by a newer version of lowback-bot "
                f"(schema version {max(applied)}; this version knows up to {max(known, default=0)}). "
                "Upgrade lowback-bot, or point LOWBACK_DATABASE at another file."
            )
        done: list[int] = []
        for mig in migrations:
            if mig.version in applied or (upto is not None and mig.version > upto):
                continue
            async with self.transaction():
                for statement in split_sql(mig.sql):
                    await self.conn.execute(statement)
                await self.conn.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, datetime('now'))",
                    (mig.version, mig.name),
                )
            done.append(mig.version)
        return done

    async def schema_version(self) -> int:
        applied = await self.applied_versions()
        return max(applied, default=0)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """One transaction: everything inside commits together or not at all.

        ``BEGIN IMMEDIATE`` takes the write lock up front, so two writers queue instead of
        failing half way with "database is locked".
        """
        async with self._write_lock:
            await self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                await self.conn.execute("ROLLBACK")
                raise
            else:
                await self.conn.execute("COMMIT")

    async def fetchone(self, sql: str, params: tuple | dict = ()) -> aiosqlite.Row | None:
        async with self.conn.execute(sql, params) as cur:
            return await cur.fetchone()

    async def fetchall(self, sql: str, params: tuple | dict = ()) -> list[aiosqlite.Row]:
        async with self.conn.execute(sql, params) as cur:
            return list(await cur.fetchall())

    async def tables(self) -> list[str]:
        rows = await self.fetchall(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
        return [r[0] for r in rows]

    async def columns(self, table: str) -> list[str]:
        rows = await self.fetchall(f'PRAGMA table_info("{table}")')
        return [r[1] for r in rows]


def split_sql(script: str) -> list[str]:
    """Split a migration into statements (migrations hold no triggers with inner semicolons)."""
    lines = [ln for ln in script.splitlines() if not ln.strip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]
