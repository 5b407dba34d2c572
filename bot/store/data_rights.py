"""A person's right to see and to delete what the bot keeps about them.

Tables are found by introspection: every table with a ``user_id`` column holds data about a
person, so a table added by a later migration is covered without touching this module. The rule
for anyone adding a table: if a row is about a person, give it a ``user_id`` column.
"""

from __future__ import annotations

import base64

from bot.store.db import Database, quote_identifier
from bot.store.errors import DatabaseConflict

PERSON_TABLE = "people"
DELETE_ATTEMPTS = 3
"""How often a deletion is tried when PostgreSQL turns it away for meeting another change of the
person's rows at the same moment (:class:`DatabaseConflict`)."""


Export = dict[str, list[dict[str, object]]]
"""Every row about a person, by table (:func:`export_person`)."""


async def person_tables(db: Database) -> list[str]:
    """Every table with a ``user_id`` column, the ``people`` table first if present."""
    found = [t for t in await db.tables() if "user_id" in await db.columns(t)]
    return sorted(found, key=lambda t: (t != PERSON_TABLE, t))


async def _order_by(db: Database, table: str) -> str:
    keys = await db.primary_key(table)
    if not keys:
        return ""
    return " ORDER BY " + ", ".join(quote_identifier(name) for name in keys)


def _jsonable(value: object) -> object:
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return value


async def export_person(db: Database, user_id: int) -> Export:
    """Every row about the person, by table; tables holding nothing about them map to ``[]``.

    Read in one transaction, so the copy is consistent even while the bot is writing.
    The result holds only text, numbers and None: ``json.dumps`` takes it as it is.
    """
    tables = await person_tables(db)
    orders = {t: await _order_by(db, t) for t in tables}
    export: Export = {}
    async with db.transaction(snapshot=True):
        for table in tables:
            rows = await db.fetchall(
                f"SELECT * FROM {quote_identifier(table)} WHERE user_id = ?{orders[table]}",
                (user_id,),
            )
            export[table] = [{k: _jsonable(row[k]) for k in row.keys()} for row in rows]  # noqa: SIM118 (a Row iterates over its values)
    return export


async def _deletion_order(db: Database, tables: list[str]) -> list[str]:
    """Tables ordered so that a table is emptied before any table its foreign keys point at."""
    parents: dict[str, set[str]] = {}
    for table in tables:
        parents[table] = {t for t in await db.parent_tables(table) if t in tables and t != table}
    ordered: list[str] = []
    remaining = list(tables)
    while remaining:
        # A table nobody remaining points at can go now.
        ready = [t for t in remaining if not any(t in parents[o] for o in remaining if o != t)]
        nxt = ready[0] if ready else remaining[0]  # a cycle: let cascades sort it out
        ordered.append(nxt)
        remaining.remove(nxt)
    return ordered


async def delete_person(db: Database, user_id: int) -> dict[str, int]:
    """Delete every row about the person from every table, in one transaction.

    Returns how many rows each table held about them (0 for tables that held nothing). Rows are
    counted before deleting, so rows removed by an ``ON DELETE CASCADE`` are counted in their own
    table. If anything fails, nothing is deleted. A deletion that meets another change of the
    person's rows at the same moment (their reminder being recorded, say) and is turned away for
    it is tried again.
    """
    tables = await person_tables(db)
    order = await _deletion_order(db, tables)
    for attempt in range(1, DELETE_ATTEMPTS + 1):
        try:
            counts = await _delete_rows(db, user_id, tables, order)
            break
        except DatabaseConflict:  # a reminder or a change of theirs at that very moment
            if attempt == DELETE_ATTEMPTS:
                raise
    await db.forget_deleted()  # the deleted rows' old versions leave the write-ahead log too
    return counts


async def _delete_rows(
    db: Database, user_id: int, tables: list[str], order: list[str]
) -> dict[str, int]:
    counts: dict[str, int] = {}
    async with db.transaction() as conn:
        for table in tables:
            row = await db.fetchone(
                f"SELECT COUNT(*) FROM {quote_identifier(table)} WHERE user_id = ?", (user_id,)
            )
            counts[table] = row[0] if row else 0
        for table in order:
            await conn.execute(
                f"DELETE FROM {quote_identifier(table)} WHERE user_id = ?", (user_id,)
            )
    return counts
