"""Questions the knowledge base could not answer, kept only for servers that opted in.

The list helps a server's admins see what their members ask that the curated content does not
cover. It never holds who asked: there is no user id column, and user and role mentions are
taken out of the text before it is stored. Entries are purged after a retention period
(``LOWBACK_UNANSWERED_RETENTION_DAYS``, default 30), and turning the option off deletes the
server's list at once. Direct messages belong to no server, so they are never kept; nor is a
question asked privately (``/ask`` with *private*).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import aiosqlite

from bot.store.db import Database, format_utc, parse_utc, storable_text

MAX_QUESTION_CHARS = 300

_MENTION = re.compile(r"<@[!&]?\d+>")


@dataclass(frozen=True)
class UnansweredQuestion:
    id: int
    guild_id: int
    question: str
    best_topic: str | None
    score: float
    asked_at: datetime


def clean_question(text: str) -> str:
    """The question as stored: mentions removed, whitespace collapsed, at most 300 characters,
    and nothing a database cannot hold (a NUL; see :func:`storable_text`)."""
    text = _MENTION.sub("@someone", storable_text(text))
    text = " ".join(text.split())
    if len(text) > MAX_QUESTION_CHARS:
        text = text[: MAX_QUESTION_CHARS - 1].rstrip() + "…"
    return text


def _question(row: aiosqlite.Row) -> UnansweredQuestion:
    return UnansweredQuestion(
        id=row["id"],
        guild_id=row["guild_id"],
        question=row["question"],
        best_topic=row["best_topic"],
        score=row["score"],
        asked_at=parse_utc(row["asked_at"]),
    )


class UnansweredStore:
    def __init__(self, db: Database):
        self.db = db

    async def set_opt_in(self, guild_id: int, on: bool, now: datetime) -> int:
        """Turn keeping unanswered questions on or off for a server.

        Turning it off also deletes what the server had kept; returns how many were deleted.
        """
        stamp = format_utc(now)
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO guild_settings (guild_id, keep_unanswered, updated_at) VALUES (?, ?, ?)"
                " ON CONFLICT (guild_id) DO UPDATE SET keep_unanswered = excluded.keep_unanswered,"
                " updated_at = excluded.updated_at",
                (guild_id, 1 if on else 0, stamp),
            )
            if on:
                return 0
            cur = await conn.execute(
                "DELETE FROM unanswered_questions WHERE guild_id = ?", (guild_id,)
            )
            return cur.rowcount

    async def is_opted_in(self, guild_id: int | None) -> bool:
        if guild_id is None:
            return False
        row = await self.db.fetchone(
            "SELECT keep_unanswered FROM guild_settings WHERE guild_id = ?", (guild_id,)
        )
        return bool(row and row["keep_unanswered"])

    async def record(
        self,
        guild_id: int | None,
        question: str,
        best_topic: str | None,
        score: float,
        now: datetime,
    ) -> bool:
        """Keep the question if the server opted in; True if it was kept.

        ``best_topic`` and ``score`` are the closest topic the matcher found and its score.
        """
        if guild_id is None:
            return False
        text = clean_question(question)
        if not text:
            return False
        stamp = format_utc(now)
        async with self.db.transaction() as conn:
            row = await self.db.fetchone(
                "SELECT keep_unanswered FROM guild_settings WHERE guild_id = ?", (guild_id,)
            )
            if not (row and row["keep_unanswered"]):
                return False
            await conn.execute(
                "INSERT INTO unanswered_questions (guild_id, question, best_topic, score, asked_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (guild_id, text, best_topic, float(score), stamp),
            )
        return True

    async def recent(self, guild_id: int, limit: int = 20) -> list[UnansweredQuestion]:
        """The server's kept questions, newest first."""
        rows = await self.db.fetchall(
            "SELECT id, guild_id, question, best_topic, score, asked_at FROM unanswered_questions"
            " WHERE guild_id = ? ORDER BY asked_at DESC, id DESC LIMIT ?",
            (guild_id, max(0, int(limit))),
        )
        return [_question(r) for r in rows]

    async def purge(self, now: datetime, retention_days: int) -> int:
        """Delete every kept question older than ``retention_days``; returns how many went."""
        if retention_days < 0:
            raise ValueError(f"retention_days must not be negative, not {retention_days}")
        cutoff = format_utc(now - timedelta(days=retention_days))
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "DELETE FROM unanswered_questions WHERE asked_at < ?", (cutoff,)
            )
            return cur.rowcount
