"""A database restored from a backup, and the reminders it cannot know were sent.

``lowback backup`` writes into its copy (SQLite) when the copy was taken, in a table of one row,
``backup_taken``. The live database never has that table; a database that has it is a copy put in
place of the live one (a restore). The bot that used the old database may have sent reminders
after the copy was taken, up to when the copy was put back, and the copy does not record them:
one still within grace when the restored bot starts is sent again. The first process of the bot
or of the terminal to open the restored database writes down when (``restored_at``, no later
than the restore itself, since the old bot was stopped for it); a reminder due between the two
instants then says it may be a repeat. A day later (the longest grace) nothing can be in doubt,
and the table is dropped.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta

from bot.store.db import Database, format_utc, parse_utc
from bot.store.errors import DatabaseError

TABLE = "backup_taken"
IN_DOUBT_FOR = timedelta(days=1)  # the longest reminder grace (1440 minutes)


def stamp_copy(copy: sqlite3.Connection, taken_at: datetime) -> None:
    """Write into a backup copy when it was taken (replacing a stamp it may carry already, the
    live database being itself a restored copy)."""
    copy.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} (taken_at TEXT NOT NULL, restored_at TEXT)")
    copy.execute(f"DELETE FROM {TABLE}")
    copy.execute(f"INSERT INTO {TABLE} (taken_at) VALUES (?)", (format_utc(taken_at),))
    copy.commit()


async def restored_window(db: Database, now: datetime) -> tuple[datetime, datetime] | None:
    """For a restored database, when its copy was taken and when it was first opened after: the
    reminders due between the two may have gone out from the old one. None for any other."""
    if db.dialect != "sqlite":
        return None  # a pg_dump carries no stamp
    try:
        return await _window(db, now)
    except DatabaseError:  # a database it may only read: nothing is said of a restore
        return None


async def _window(db: Database, now: datetime) -> tuple[datetime, datetime] | None:
    if TABLE not in await db.tables():
        return None
    async with db.transaction() as conn:
        await conn.execute(
            f"UPDATE {TABLE} SET restored_at = ? WHERE restored_at IS NULL", (format_utc(now),)
        )
    row = await db.fetchone(f"SELECT taken_at, restored_at FROM {TABLE}")
    if row is None:
        return None
    taken, restored = parse_utc(row[0]), parse_utc(row[1])
    if now - restored > IN_DOUBT_FOR:
        async with db.transaction() as conn:
            await conn.execute(f"DROP TABLE {TABLE}")
        return None
    return taken, restored
