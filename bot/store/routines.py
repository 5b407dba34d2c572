"""Routine sessions: which routine a person started, when, and how it ended.

A session is 'running' until it is 'finished' (done to the end), 'stopped' (the person quit) or
'interrupted' (the bot stopped while it was running; set at the next start). The database keeps at
most one running session per person.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

import aiosqlite

from bot.store.db import Database, format_utc, parse_utc
from bot.store.errors import INTEGRITY_ERRORS

Status = Literal["running", "finished", "stopped", "interrupted"]
END_STATUSES: tuple[str, ...] = ("finished", "stopped", "interrupted")


class SessionAlreadyRunning(Exception):
    """The person already has a running session in the store."""


@dataclass(frozen=True)
class SessionRecord:
    id: int
    user_id: int
    routine_id: str
    status: Status
    started_at: datetime
    ended_at: datetime | None
    rounds_added: int
    channel: str | None


_COLUMNS = "id, user_id, routine_id, status, started_at, ended_at, rounds_added, channel"


def _record(row: aiosqlite.Row) -> SessionRecord:
    return SessionRecord(
        id=row["id"],
        user_id=row["user_id"],
        routine_id=row["routine_id"],
        status=row["status"],
        started_at=parse_utc(row["started_at"]),
        ended_at=parse_utc(row["ended_at"]) if row["ended_at"] else None,
        rounds_added=row["rounds_added"],
        channel=row["channel"],
    )


class RoutineSessionStore:
    """The ``routine_sessions`` table. The person must exist in ``people`` first."""

    def __init__(self, db: Database):
        self.db = db

    async def create(
        self,
        user_id: int,
        routine_id: str,
        started_at: datetime,
        *,
        channel: str | None = None,
        interrupt_stale: bool = False,
    ) -> SessionRecord:
        """Record a new running session.

        With ``interrupt_stale`` a session the store still holds as running (left over from a
        previous run of the bot) is marked interrupted first, in the same transaction; without it
        such a session makes this raise :class:`SessionAlreadyRunning`.
        """
        try:
            async with self.db.transaction() as conn:
                if interrupt_stale:
                    await conn.execute(
                        "UPDATE routine_sessions SET status = 'interrupted' WHERE user_id = ? AND status = 'running'",
                        (user_id,),
                    )
                cur = await conn.execute(
                    "INSERT INTO routine_sessions (user_id, routine_id, status, started_at, channel)"
                    f" VALUES (?, ?, 'running', ?, ?) RETURNING {_COLUMNS}",
                    (user_id, routine_id, format_utc(started_at), channel),
                )
                row = await cur.fetchone()
        except INTEGRITY_ERRORS as exc:
            if "routine_sessions.user_id" in str(exc) or "UNIQUE" in str(exc).upper():
                raise SessionAlreadyRunning(
                    f"person {user_id} already has a running routine session"
                ) from exc
            raise
        assert row is not None
        return _record(row)

    async def end(
        self,
        session_id: int,
        status: Status,
        ended_at: datetime | None,
        rounds_added: int = 0,
        *,
        local_day: date | None = None,
    ) -> bool:
        """Record how a running session ended. False if it had ended already.

        ``local_day``: the day a finished session counts for where the person was (None when
        their zone is not known: it is then counted in the zone that is theirs when asked).
        A session another process marked interrupted (taking it for one a stopped bot left behind,
        or making way for the person's next one) can still be recorded finished or stopped by the
        process that runs it: the person did it, and was shown so."""
        if status not in END_STATUSES:
            raise ValueError(f"a session ends as one of {', '.join(END_STATUSES)}, not {status!r}")
        was = "'running'" if status == "interrupted" else "'running', 'interrupted'"
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE routine_sessions SET status = ?, ended_at = ?, rounds_added = ?, local_day = ?"
                f" WHERE id = ? AND status IN ({was})",
                (
                    status,
                    format_utc(ended_at) if ended_at else None,
                    rounds_added,
                    local_day.isoformat() if local_day else None,
                    session_id,
                ),
            )
            return cur.rowcount == 1

    async def get(self, session_id: int) -> SessionRecord | None:
        row = await self.db.fetchone(
            f"SELECT {_COLUMNS} FROM routine_sessions WHERE id = ?", (session_id,)
        )
        return _record(row) if row else None

    async def running(self, user_id: int) -> SessionRecord | None:
        row = await self.db.fetchone(
            f"SELECT {_COLUMNS} FROM routine_sessions WHERE user_id = ? AND status = 'running'",
            (user_id,),
        )
        return _record(row) if row else None

    async def interrupt_running(
        self, *, keep: Iterable[int] = (), skip_user: int | None = None
    ) -> int:
        """Mark every running session interrupted, except the session ids in ``keep`` and the
        sessions of ``skip_user``; how many."""
        params: list[int] = list(keep)
        sql = "UPDATE routine_sessions SET status = 'interrupted' WHERE status = 'running'"
        if params:
            sql += f" AND id NOT IN ({', '.join('?' for _ in params)})"
        if skip_user is not None:
            sql += " AND user_id <> ?"
            params.append(skip_user)
        async with self.db.transaction() as conn:
            cur = await conn.execute(sql, params)
            return cur.rowcount

    async def finished_days(self, user_id: int) -> list[tuple[datetime, date | None]]:
        """When each of the person's finished sessions ended, oldest first, with the day it counts
        for where they were (None where that was not known)."""
        rows = await self.db.fetchall(
            "SELECT ended_at, local_day FROM routine_sessions WHERE user_id = ?"
            " AND status = 'finished' AND ended_at IS NOT NULL ORDER BY ended_at",
            (user_id,),
        )
        return [
            (
                parse_utc(r["ended_at"]),
                date.fromisoformat(r["local_day"]) if r["local_day"] else None,
            )
            for r in rows
        ]

    async def finished_between(self, user_id: int, start: datetime, end: datetime) -> bool:
        """Whether the person finished a routine at an instant in ``[start, end)``."""
        row = await self.db.fetchone(
            "SELECT 1 FROM routine_sessions WHERE user_id = ? AND status = 'finished'"
            " AND ended_at >= ? AND ended_at < ? LIMIT 1",
            (user_id, format_utc(start), format_utc(end)),
        )
        return row is not None

    async def history(self, user_id: int, limit: int = 50) -> list[SessionRecord]:
        """The person's sessions, newest first."""
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM routine_sessions WHERE user_id = ? ORDER BY started_at DESC, id DESC LIMIT ?",
            (user_id, limit),
        )
        return [_record(r) for r in rows]
