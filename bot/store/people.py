"""People: where each person is on the four-step ladder, how they got there, and their time zone.

A person is created the first time the bot needs to remember something about them. Every step
change, including one that keeps the same step (a deliberate "stay here"), is recorded with its
reason, so a person can see why the bot moved them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import aiosqlite

from bot.store.db import Database, format_utc, parse_utc

LOCAL_USER_ID = 1
"""The user id of the person using the terminal front end (Discord ids are far larger)."""

FIRST_STEP = 1
LAST_STEP = 4


@dataclass(frozen=True)
class Person:
    user_id: int
    step: int
    timezone: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class StepChange:
    user_id: int
    from_step: int
    to_step: int
    reason: str
    at: datetime


def validate_step(step: object) -> int:
    if isinstance(step, bool) or not isinstance(step, int) or not FIRST_STEP <= step <= LAST_STEP:
        raise ValueError(
            f"step must be a whole number from {FIRST_STEP} to {LAST_STEP}, not {step!r}"
        )
    return step


def validate_timezone(name: str) -> str:
    """``name`` if it is an IANA time zone name (``Europe/Berlin``), else ValueError."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ValueError(
            f"{name!r} is not a time zone name like Europe/Berlin or America/New_York"
        ) from None
    return name


def _person(row: aiosqlite.Row) -> Person:
    return Person(
        user_id=row["user_id"],
        step=row["step"],
        timezone=row["timezone"],
        created_at=parse_utc(row["created_at"]),
        updated_at=parse_utc(row["updated_at"]),
    )


def _change(row: aiosqlite.Row) -> StepChange:
    return StepChange(
        user_id=row["user_id"],
        from_step=row["from_step"],
        to_step=row["to_step"],
        reason=row["reason"],
        at=parse_utc(row["at"]),
    )


_INSERT_IF_NEW = (
    "INSERT INTO people (user_id, step, timezone, created_at, updated_at) VALUES (?, 1, NULL, ?, ?)"
    " ON CONFLICT (user_id) DO NOTHING"
)


async def insert_if_new(
    conn: aiosqlite.Connection, user_id: int, created_at: str, updated_at: str
) -> None:
    """Inside another store's transaction: create the person at step 1 unless they exist."""
    await conn.execute(_INSERT_IF_NEW, (user_id, created_at, updated_at))


async def adopt_timezone(conn: aiosqlite.Connection, user_id: int, tz: str, stamp: str) -> None:
    """Inside another store's transaction: make ``tz`` the person's own time zone, if it is not."""
    await conn.execute(
        "UPDATE people SET timezone = ?, updated_at = ? WHERE user_id = ? AND timezone IS NOT ?",
        (tz, stamp, user_id, tz),
    )


_SELECT_PERSON = (
    "SELECT user_id, step, timezone, created_at, updated_at FROM people WHERE user_id = ?"
)


class PeopleStore:
    def __init__(self, db: Database):
        self.db = db

    async def get(self, user_id: int) -> Person | None:
        row = await self.db.fetchone(_SELECT_PERSON, (user_id,))
        return _person(row) if row else None

    async def timezone(self, user_id: int) -> str | None:
        """The person's own time zone (an IANA name), if the bot knows it."""
        row = await self.db.fetchone("SELECT timezone FROM people WHERE user_id = ?", (user_id,))
        return row["timezone"] if row is not None else None

    async def ensure(self, user_id: int, now: datetime) -> Person:
        """The person, created at step 1 if the bot has not met them before."""
        stamp = format_utc(now)
        async with self.db.transaction() as conn:
            await conn.execute(_INSERT_IF_NEW, (user_id, stamp, stamp))
            row = await self.db.fetchone(_SELECT_PERSON, (user_id,))
        assert row is not None
        return _person(row)

    async def set_step(
        self, user_id: int, to_step: int, reason: str, now: datetime, *, create: bool = True
    ) -> StepChange | None:
        """Move the person to ``to_step`` and record why, both or neither.

        ``create`` (a person the caller did not find: their first step change) creates the person
        if new. Without it the change applies only to a person who still exists, and None means
        they were deleted meanwhile: a step change racing a deletion never brings them back.
        """
        validate_step(to_step)
        if not isinstance(reason, str):
            raise TypeError(f"reason must be text, not {type(reason).__name__}")
        stamp = format_utc(now)
        async with self.db.transaction() as conn:
            if create:
                await conn.execute(_INSERT_IF_NEW, (user_id, stamp, stamp))
            row = await self.db.fetchone(
                "SELECT step FROM people WHERE user_id = ?" + self.db.for_update, (user_id,)
            )
            if row is None:
                return None
            from_step = row["step"]
            await conn.execute(
                "UPDATE people SET step = ?, updated_at = ? WHERE user_id = ?",
                (to_step, stamp, user_id),
            )
            await conn.execute(
                "INSERT INTO step_history (user_id, from_step, to_step, reason, at) VALUES (?, ?, ?, ?, ?)",
                (user_id, from_step, to_step, reason, stamp),
            )
        return StepChange(user_id, from_step, to_step, reason, parse_utc(stamp))

    async def history(self, user_id: int) -> list[StepChange]:
        """Every step change of the person, oldest first."""
        rows = await self.db.fetchall(
            "SELECT user_id, from_step, to_step, reason, at FROM step_history WHERE user_id = ? ORDER BY id",
            (user_id,),
        )
        return [_change(r) for r in rows]

    async def set_timezone(self, user_id: int, tz: str | None, now: datetime) -> Person:
        """Set (or with ``None`` clear) the person's IANA time zone; ValueError for an unknown name."""
        if tz is not None:
            validate_timezone(tz)
        stamp = format_utc(now)
        async with self.db.transaction() as conn:
            await conn.execute(_INSERT_IF_NEW, (user_id, stamp, stamp))
            await conn.execute(
                "UPDATE people SET timezone = ?, updated_at = ? WHERE user_id = ?",
                (tz, stamp, user_id),
            )
            row = await self.db.fetchone(_SELECT_PERSON, (user_id,))
        assert row is not None
        return _person(row)
