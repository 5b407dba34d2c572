"""Migrations: the numbered SQL files under ``bot/store/migrations/``, read and applied once each.

Each file ``NNNN_name.sql`` is applied once, in one transaction, and recorded in
``schema_migrations``. Where PostgreSQL needs different SQL, the file ``NNNN_name.postgresql.sql``
beside it is used there instead (same number, same name recorded). A database written by a newer
version of the bot (one that records a migration this version does not have) is refused.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Protocol

from bot.store.errors import DatabaseError, DatabaseTooNew

MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
DIALECT_MIGRATION_NAME = re.compile(r"^((\d{4})_[a-z0-9_]+)\.(postgresql)\.sql$")
DIALECTS = ("sqlite", "postgresql")


class Migrating(Protocol):
    """What :func:`apply_migrations` needs of a store (both stores have it)."""

    @property
    def location(self) -> object: ...

    async def applied_versions(self) -> list[int]: ...

    async def _apply(self, mig: Migration) -> bool: ...


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


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
    db: Migrating, migrations: Sequence[Migration], upto: int | None, *, instead: str
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
