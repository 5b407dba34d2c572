"""The rows of the reminder tables as values, and how they are read and written."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time

import aiosqlite

from bot.core.schedule import times_from_text, weekdays_from_text
from bot.store.db import format_utc, parse_utc

PENDING = "pending"
CLAIMED = "claimed"
SENT = "sent"
SKIPPED = "skipped"
FAILED = "failed"
# why a reminder was skipped when it was snoozed before it came: its snooze stands in for it
SNOOZED_AWAY = "snoozed"
DONE_STATUSES = (SENT, SKIPPED, FAILED)


def user_filter(only_user: int | None, skip_user: int | None) -> tuple[str, tuple[int, ...]]:
    """The SQL (`` AND ...``) and parameters that keep a dispatcher to its own people: only
    ``only_user`` (the terminal's local person), or everyone but ``skip_user`` (the Discord bot,
    which must leave the local person to the terminal)."""
    sql = ""
    params: tuple[int, ...] = ()
    if only_user is not None:
        sql, params = " AND user_id = ?", (only_user,)
    if skip_user is not None:
        sql, params = sql + " AND user_id <> ?", (*params, skip_user)
    return sql, params


@dataclass(frozen=True)
class ScheduleRow:
    user_id: int
    timezone: str
    times: tuple[time, ...]
    weekdays: frozenset[int] | None
    enabled: bool
    paused_until: datetime | None
    next_due_at: datetime | None
    next_key: str | None
    closed_reason: str | None
    closed_at: datetime | None
    created_at: datetime
    updated_at: datetime
    dm_channel_id: int | None = (
        None  # the person's DM channel (Discord), once a reminder reached it
    )


@dataclass(frozen=True)
class DeliveryRow:
    id: int
    user_id: int
    occurrence_key: str
    due_at: datetime
    status: str
    claimed_by: str | None
    claimed_at: datetime | None
    retry_at: datetime | None
    done_at: datetime | None
    attempts: int
    routine_id: str | None
    last_error: str | None
    send_started_at: datetime | None = None  # this claim's send, its outcome not yet recorded
    # When the first and the latest send whose outcome was never recorded (its process died
    # mid-send) started: each may have reached the person.
    doubt_first_at: datetime | None = None
    doubt_last_at: datetime | None = None


@dataclass(frozen=True)
class SnoozeRow:
    user_id: int
    occurrence_key: str
    due_at: datetime
    created_at: datetime


@dataclass(frozen=True)
class DuePlan:
    """What to do with a due schedule: the caller's decision, applied by the store in one go.

    ``send`` is the occurrence to claim (key, due instant) or None; ``skipped`` are occurrences
    recorded as skipped with a reason; ``next_key``/``next_due_at`` is where the schedule moves.
    """

    send: tuple[str, datetime] | None
    skipped: Sequence[tuple[str, datetime, str]]
    next_key: str | None
    next_due_at: datetime | None


def opt_format_utc(moment: datetime | None) -> str | None:
    return None if moment is None else format_utc(moment)


def opt_parse_utc(text: str | None) -> datetime | None:
    return None if text is None else parse_utc(text)


def schedule_row(row: aiosqlite.Row) -> ScheduleRow:
    return ScheduleRow(
        user_id=row["user_id"],
        timezone=row["timezone"],
        times=times_from_text(row["times"]),
        weekdays=weekdays_from_text(row["weekdays"]),
        enabled=bool(row["enabled"]),
        paused_until=opt_parse_utc(row["paused_until"]),
        next_due_at=opt_parse_utc(row["next_due_at"]),
        next_key=row["next_key"],
        closed_reason=row["closed_reason"],
        closed_at=opt_parse_utc(row["closed_at"]),
        created_at=parse_utc(row["created_at"]),
        updated_at=parse_utc(row["updated_at"]),
        dm_channel_id=row["dm_channel_id"],
    )


def delivery_row(row: aiosqlite.Row) -> DeliveryRow:
    return DeliveryRow(
        id=row["id"],
        user_id=row["user_id"],
        occurrence_key=row["occurrence_key"],
        due_at=parse_utc(row["due_at"]),
        status=row["status"],
        claimed_by=row["claimed_by"],
        claimed_at=opt_parse_utc(row["claimed_at"]),
        retry_at=opt_parse_utc(row["retry_at"]),
        done_at=opt_parse_utc(row["done_at"]),
        attempts=row["attempts"],
        routine_id=row["routine_id"],
        last_error=row["last_error"],
        send_started_at=opt_parse_utc(row["send_started_at"]),
        doubt_first_at=opt_parse_utc(row["doubt_first_at"]),
        doubt_last_at=opt_parse_utc(row["doubt_last_at"]),
    )


def snooze_row(row: aiosqlite.Row) -> SnoozeRow:
    return SnoozeRow(
        row["user_id"],
        row["occurrence_key"],
        parse_utc(row["due_at"]),
        parse_utc(row["created_at"]),
    )


INSERT_DELIVERY = (
    "INSERT INTO reminder_deliveries"
    " (user_id, occurrence_key, due_at, status, claimed_by, claimed_at, done_at, attempts, last_error)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (user_id, occurrence_key) DO NOTHING"
)


async def insert_claim(
    conn: aiosqlite.Connection,
    user_id: int,
    key: str,
    due: datetime,
    claimed_by: str,
    claimed_at: datetime,
) -> DeliveryRow | None:
    """Inside a transaction: record the occurrence ``key`` as claimed by ``claimed_by`` at
    ``claimed_at`` (on the clock leases are judged by); None if it already has a delivery row."""
    cur = await conn.execute(
        INSERT_DELIVERY + " RETURNING *",
        (user_id, key, format_utc(due), CLAIMED, claimed_by, format_utc(claimed_at), None, 1, None),
    )
    row = await cur.fetchone()
    if row is None:
        return None  # this occurrence was handled before
    return delivery_row(row)
