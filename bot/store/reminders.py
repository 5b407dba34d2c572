"""Reminder schedules, deliveries, snoozes and pending notices (tables from 0002_reminders.sql).

The SQL lives here; the decisions (which occurrence comes next, what is too late to send) are made
by the caller and passed in, so every multi-statement change is one transaction:

* :meth:`ReminderStore.claim_due_schedule` reads a due schedule, records the occurrence to send
  as ``claimed`` (and any it decided to skip as ``skipped``) and moves the schedule on, all at once.
  A crash leaves either the old schedule or the claim, never both or neither.
* Every later change to a delivery names the state it expects (``claimed`` by this dispatcher,
  ``pending``, or a claim taken at a given instant), so two dispatchers, or one that outlived its
  lease, cannot both act on the same occurrence.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta

import aiosqlite

from bot.core.schedule import times_from_text, times_to_text, weekdays_from_text, weekdays_to_text
from bot.store.db import Database, format_utc, parse_utc
from bot.store.people import adopt_timezone, insert_if_new

PENDING = "pending"
CLAIMED = "claimed"
SENT = "sent"
SKIPPED = "skipped"
FAILED = "failed"
DONE_STATUSES = (SENT, SKIPPED, FAILED)


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


def _ts(moment: datetime | None) -> str | None:
    return None if moment is None else format_utc(moment)


def _dt(text: str | None) -> datetime | None:
    return None if text is None else parse_utc(text)


def _schedule(row: aiosqlite.Row) -> ScheduleRow:
    return ScheduleRow(
        user_id=row["user_id"],
        timezone=row["timezone"],
        times=times_from_text(row["times"]),
        weekdays=weekdays_from_text(row["weekdays"]),
        enabled=bool(row["enabled"]),
        paused_until=_dt(row["paused_until"]),
        next_due_at=_dt(row["next_due_at"]),
        next_key=row["next_key"],
        closed_reason=row["closed_reason"],
        closed_at=_dt(row["closed_at"]),
        created_at=parse_utc(row["created_at"]),
        updated_at=parse_utc(row["updated_at"]),
        dm_channel_id=row["dm_channel_id"],
    )


def _delivery(row: aiosqlite.Row) -> DeliveryRow:
    return DeliveryRow(
        id=row["id"],
        user_id=row["user_id"],
        occurrence_key=row["occurrence_key"],
        due_at=parse_utc(row["due_at"]),
        status=row["status"],
        claimed_by=row["claimed_by"],
        claimed_at=_dt(row["claimed_at"]),
        retry_at=_dt(row["retry_at"]),
        done_at=_dt(row["done_at"]),
        attempts=row["attempts"],
        routine_id=row["routine_id"],
        last_error=row["last_error"],
    )


def _snooze(row: aiosqlite.Row) -> SnoozeRow:
    return SnoozeRow(
        row["user_id"],
        row["occurrence_key"],
        parse_utc(row["due_at"]),
        parse_utc(row["created_at"]),
    )


_INSERT_DELIVERY = (
    "INSERT INTO reminder_deliveries"
    " (user_id, occurrence_key, due_at, status, claimed_by, claimed_at, done_at, attempts, last_error)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (user_id, occurrence_key) DO NOTHING"
)


class ReminderStore:
    """The reminder tables. Instants in and out are aware UTC datetimes."""

    def __init__(self, db: Database):
        self.db = db

    # ------------------------------------------------------------------ schedules

    async def get_schedule(self, user_id: int) -> ScheduleRow | None:
        row = await self.db.fetchone(
            "SELECT * FROM reminder_schedules WHERE user_id = ?", (user_id,)
        )
        return _schedule(row) if row else None

    async def save_schedule(
        self,
        row: ScheduleRow,
        *,
        person_timezone: bool = True,
        drop_snooze: bool = False,
        clear_notice: str | None = None,
        create: bool = False,
    ) -> bool:
        """Insert or replace a person's schedule, in one transaction; False if nothing was written.

        Only ``create`` (the person turning reminders on for the first time) may create the person
        and their schedule. Without it the schedule is changed only if it still exists: a change
        racing the person's deletion never brings them back.

        With ``person_timezone`` the person's own time zone (``people.timezone``) is set to the
        schedule's, so the rest of the bot shows their times in the same zone. ``drop_snooze``
        cancels a snoozed reminder; ``clear_notice`` removes a pending notice of that kind.
        """
        async with self.db.transaction() as conn:
            if not create:
                exists = await self.db.fetchone(
                    "SELECT 1 FROM reminder_schedules WHERE user_id = ?", (row.user_id,)
                )
                if exists is None:
                    return False
            await self._write_schedule(conn, row, person_timezone=person_timezone)
            if drop_snooze:
                await conn.execute("DELETE FROM reminder_snoozes WHERE user_id = ?", (row.user_id,))
            if clear_notice is not None:
                await conn.execute(
                    "DELETE FROM pending_notices WHERE user_id = ? AND kind = ?",
                    (row.user_id, clear_notice),
                )
        return True

    async def _write_schedule(
        self, conn: aiosqlite.Connection, row: ScheduleRow, *, person_timezone: bool
    ) -> None:
        stamp = format_utc(row.updated_at)
        await insert_if_new(conn, row.user_id, format_utc(row.created_at), stamp)
        if person_timezone:
            await adopt_timezone(conn, row.user_id, row.timezone, stamp)
        await conn.execute(
            "INSERT INTO reminder_schedules (user_id, timezone, times, weekdays, enabled, paused_until,"
            " next_due_at, next_key, closed_reason, closed_at, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (user_id) DO UPDATE SET timezone = excluded.timezone, times = excluded.times,"
            " weekdays = excluded.weekdays, enabled = excluded.enabled, paused_until = excluded.paused_until,"
            " next_due_at = excluded.next_due_at, next_key = excluded.next_key,"
            " closed_reason = excluded.closed_reason, closed_at = excluded.closed_at,"
            " updated_at = excluded.updated_at",
            (
                row.user_id,
                row.timezone,
                times_to_text(row.times),
                weekdays_to_text(row.weekdays),
                int(row.enabled),
                _ts(row.paused_until),
                _ts(row.next_due_at),
                row.next_key,
                row.closed_reason,
                _ts(row.closed_at),
                format_utc(row.created_at),
                stamp,
            ),
        )

    async def due_schedule_ids(
        self, now: datetime, limit: int = 100, *, only_user: int | None = None
    ) -> list[int]:
        """People whose next reminder is due at ``now`` or earlier, earliest first (index range scan)."""
        if only_user is not None:
            rows = await self.db.fetchall(
                "SELECT user_id FROM reminder_schedules WHERE user_id = ? AND next_due_at <= ?",
                (only_user, format_utc(now)),
            )
        else:
            rows = await self.db.fetchall(
                "SELECT user_id FROM reminder_schedules WHERE next_due_at <= ? ORDER BY next_due_at LIMIT ?",
                (format_utc(now), limit),
            )
        return [r[0] for r in rows]

    async def claim_due_schedule(
        self,
        user_id: int,
        now: datetime,
        claimed_by: str,
        decide: Callable[[ScheduleRow], DuePlan],
    ) -> DeliveryRow | None:
        """If the person's schedule is due, apply ``decide``'s plan in one transaction.

        Returns the new claimed delivery, or None when nothing is to be sent (not due any more,
        everything skipped, or the occurrence already has a delivery row: it was sent before).
        """
        stamp = format_utc(now)
        async with self.db.transaction() as conn:
            row = await self.db.fetchone(
                "SELECT * FROM reminder_schedules WHERE user_id = ? AND next_due_at <= ?"
                + self.db.skip_locked,
                (user_id, stamp),
            )
            if row is None:
                return None
            plan = decide(_schedule(row))
            for key, due, reason in plan.skipped:
                await conn.execute(
                    _INSERT_DELIVERY,
                    (user_id, key, format_utc(due), SKIPPED, None, None, stamp, 0, reason),
                )
            await conn.execute(
                "UPDATE reminder_schedules SET next_due_at = ?, next_key = ? WHERE user_id = ?",
                (_ts(plan.next_due_at), plan.next_key, user_id),
            )
            if plan.send is None:
                return None
            key, due = plan.send
            return await self._insert_claim(conn, user_id, key, due, claimed_by, stamp)

    async def _insert_claim(
        self,
        conn: aiosqlite.Connection,
        user_id: int,
        key: str,
        due: datetime,
        claimed_by: str,
        stamp: str,
    ) -> DeliveryRow | None:
        cur = await conn.execute(
            _INSERT_DELIVERY + " RETURNING *",
            (user_id, key, format_utc(due), CLAIMED, claimed_by, stamp, None, 1, None),
        )
        row = await cur.fetchone()
        if row is None:
            return None  # this occurrence was handled before
        return _delivery(row)

    async def close_schedule(self, user_id: int, reason: str, now: datetime) -> None:
        """Stop sending to this person (e.g. their DMs are closed) and record why."""
        async with self.db.transaction() as conn:
            await self._close(conn, user_id, reason, now)

    async def _close(
        self, conn: aiosqlite.Connection, user_id: int, reason: str, now: datetime
    ) -> None:
        stamp = format_utc(now)
        await conn.execute(
            "UPDATE reminder_schedules SET next_due_at = NULL, next_key = NULL, closed_reason = ?,"
            " closed_at = ?, updated_at = ? WHERE user_id = ?",
            (reason, stamp, stamp, user_id),
        )
        await conn.execute("DELETE FROM reminder_snoozes WHERE user_id = ?", (user_id,))

    async def earliest_due(
        self,
        *,
        only_user: int | None = None,
        lease: timedelta | None = None,
        claimed_by: str | None = None,
    ) -> datetime | None:
        """The earliest instant anything is due: a schedule, a snooze, a retry or (with ``lease``)
        the expiry of a claim held by anyone but ``claimed_by``, so an abandoned claim is taken
        over as soon as its lease ends, not at the next look around."""
        user_filter = "" if only_user is None else " AND user_id = ?"
        params: tuple = () if only_user is None else (only_user,)
        parts = [
            (
                "SELECT next_due_at FROM reminder_schedules WHERE next_due_at IS NOT NULL{f} ORDER BY next_due_at LIMIT 1",
                (),
            ),
            ("SELECT due_at FROM reminder_snoozes WHERE TRUE{f} ORDER BY due_at LIMIT 1", ()),
            (
                "SELECT retry_at FROM reminder_deliveries WHERE status = 'pending'{f} ORDER BY retry_at LIMIT 1",
                (),
            ),
        ]
        if lease is not None:
            parts.append(
                (
                    "SELECT claimed_at FROM reminder_deliveries WHERE status = 'claimed' AND claimed_by IS NOT ?{f}"
                    " ORDER BY claimed_at LIMIT 1",
                    (claimed_by,),
                )
            )
        # One statement, one round trip: each part is an indexed "first row" look-up.
        sql = "SELECT " + ", ".join(f"({part.format(f=user_filter)})" for part, _ in parts)
        row = await self.db.fetchone(sql, tuple(v for _, first in parts for v in (*first, *params)))
        found: list[datetime] = []
        for i, value in enumerate(row or ()):
            if value is not None:
                found.append(parse_utc(value) + (lease if i == 3 and lease else timedelta(0)))
        return min(found, default=None)

    # ------------------------------------------------------------------ snoozes

    async def get_snooze(self, user_id: int) -> SnoozeRow | None:
        row = await self.db.fetchone("SELECT * FROM reminder_snoozes WHERE user_id = ?", (user_id,))
        return _snooze(row) if row else None

    async def set_snooze(
        self,
        user_id: int,
        key: str,
        due: datetime,
        now: datetime,
        *,
        skip: tuple[str, datetime, str] | None = None,
        next_schedule: tuple[str, datetime] | None = None,
    ) -> None:
        """Snooze: the repeat ``key`` comes at ``due`` (replacing any earlier snooze).

        When the snoozed reminder is the upcoming one, ``skip`` records it as skipped and
        ``next_schedule`` moves the schedule past it, in the same transaction.
        """
        stamp = format_utc(now)
        async with self.db.transaction() as conn:
            if (
                await self.db.fetchone(
                    "SELECT 1 FROM reminder_schedules WHERE user_id = ?", (user_id,)
                )
                is None
            ):
                return  # the person was deleted meanwhile: nothing to snooze, no one to create
            if skip is not None:
                skey, sdue, reason = skip
                await conn.execute(
                    _INSERT_DELIVERY,
                    (user_id, skey, format_utc(sdue), SKIPPED, None, None, stamp, 0, reason),
                )
            if next_schedule is not None:
                nkey, ndue = next_schedule
                await conn.execute(
                    "UPDATE reminder_schedules SET next_due_at = ?, next_key = ?, updated_at = ? WHERE user_id = ?",
                    (format_utc(ndue), nkey, stamp, user_id),
                )
            await conn.execute(
                "INSERT INTO reminder_snoozes (user_id, occurrence_key, due_at, created_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (user_id) DO UPDATE SET occurrence_key = excluded.occurrence_key,"
                " due_at = excluded.due_at, created_at = excluded.created_at",
                (user_id, key, format_utc(due), stamp),
            )

    async def delete_snooze(self, user_id: int) -> None:
        async with self.db.transaction() as conn:
            await conn.execute("DELETE FROM reminder_snoozes WHERE user_id = ?", (user_id,))

    async def due_snooze_ids(
        self, now: datetime, limit: int = 100, *, only_user: int | None = None
    ) -> list[int]:
        if only_user is not None:
            rows = await self.db.fetchall(
                "SELECT user_id FROM reminder_snoozes WHERE user_id = ? AND due_at <= ?",
                (only_user, format_utc(now)),
            )
        else:
            rows = await self.db.fetchall(
                "SELECT user_id FROM reminder_snoozes WHERE due_at <= ? ORDER BY due_at LIMIT ?",
                (format_utc(now), limit),
            )
        return [r[0] for r in rows]

    async def claim_due_snooze(
        self,
        user_id: int,
        now: datetime,
        claimed_by: str,
        decide: Callable[[SnoozeRow], bool],
    ) -> DeliveryRow | None:
        """Take a due snooze off the list and claim its repeat, in one transaction.

        ``decide`` says whether it is still worth sending (False records it as skipped).
        """
        stamp = format_utc(now)
        async with self.db.transaction() as conn:
            row = await self.db.fetchone(
                "SELECT * FROM reminder_snoozes WHERE user_id = ? AND due_at <= ?"
                + self.db.skip_locked,
                (user_id, stamp),
            )
            if row is None:
                return None
            snooze = _snooze(row)
            await conn.execute("DELETE FROM reminder_snoozes WHERE user_id = ?", (user_id,))
            if not decide(snooze):
                await conn.execute(
                    _INSERT_DELIVERY,
                    (
                        user_id,
                        snooze.occurrence_key,
                        row["due_at"],
                        SKIPPED,
                        None,
                        None,
                        stamp,
                        0,
                        "too late",
                    ),
                )
                return None
            return await self._insert_claim(
                conn, user_id, snooze.occurrence_key, snooze.due_at, claimed_by, stamp
            )

    # ------------------------------------------------------------------ deliveries

    async def get_delivery(self, user_id: int, key: str) -> DeliveryRow | None:
        row = await self.db.fetchone(
            "SELECT * FROM reminder_deliveries WHERE user_id = ? AND occurrence_key = ?",
            (user_id, key),
        )
        return _delivery(row) if row else None

    async def deliveries(self, user_id: int) -> list[DeliveryRow]:
        """Every delivery record of the person, by due time."""
        rows = await self.db.fetchall(
            "SELECT * FROM reminder_deliveries WHERE user_id = ? ORDER BY due_at, id", (user_id,)
        )
        return [_delivery(r) for r in rows]

    async def recent_deliveries(
        self, user_id: int, since: datetime, limit: int
    ) -> list[DeliveryRow]:
        """The person's deliveries due from ``since`` on, newest first, at most ``limit``."""
        rows = await self.db.fetchall(
            "SELECT * FROM reminder_deliveries WHERE user_id = ? AND due_at >= ? ORDER BY due_at DESC, id DESC LIMIT ?",
            (user_id, format_utc(since), limit),
        )
        return [_delivery(r) for r in rows]

    async def last_sent(self, user_id: int) -> DeliveryRow | None:
        row = await self.db.fetchone(
            "SELECT * FROM reminder_deliveries WHERE user_id = ? AND status = 'sent'"
            " ORDER BY done_at DESC, id DESC LIMIT 1",
            (user_id,),
        )
        return _delivery(row) if row else None

    async def claim_expired(
        self,
        now: datetime,
        lease_cutoff: datetime,
        claimed_by: str,
        limit: int = 100,
        *,
        only_user: int | None = None,
        dead: Sequence[str] = (),
    ) -> list[tuple[DeliveryRow, str]]:
        """The one place a lease is judged: claim, in one transaction, the deliveries that are
        due to be looked at again, and return each with the status it had (``pending`` or
        ``claimed``).

        Those are retries whose time has come (``pending``, ``retry_at <= now``) and claims taken
        at or before ``lease_cutoff`` by another dispatcher, which stopped or died between
        claiming and marking; claims held by the dispatchers named in ``dead`` (known to be gone)
        are taken whatever their age. A dispatcher's own claims are never taken from it (they may still
        be in flight). Each comes back claimed by ``claimed_by`` with one more attempt; the caller
        sends it or records why not (``finish``). On PostgreSQL this is one
        ``UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED) RETURNING``.
        """
        user_filter = "" if only_user is None else " AND user_id = ?"
        extra: tuple = () if only_user is None else (only_user,)
        stamp = format_utc(now)
        async with self.db.transaction() as conn:
            rows = await self.db.fetchall(
                f"SELECT id, status FROM reminder_deliveries WHERE status = 'pending' AND retry_at <= ?{user_filter}"
                " ORDER BY retry_at LIMIT ?" + self.db.skip_locked,
                (stamp, *extra, limit),
            )
            gone = ", ".join("?" * len(dead))
            rows += await self.db.fetchall(
                "SELECT id, status FROM reminder_deliveries WHERE status = 'claimed'"
                f" AND (claimed_at <= ?{f' OR claimed_by IN ({gone})' if dead else ''})"
                f" AND claimed_by IS NOT ?{user_filter} ORDER BY claimed_at LIMIT ?"
                + self.db.skip_locked,
                (format_utc(lease_cutoff), *dead, claimed_by, *extra, max(0, limit - len(rows))),
            )
            taken: list[tuple[DeliveryRow, str]] = []
            for row in rows:
                await conn.execute(
                    "UPDATE reminder_deliveries SET status = 'claimed', claimed_by = ?, claimed_at = ?,"
                    " retry_at = NULL, attempts = attempts + 1 WHERE id = ?",
                    (claimed_by, stamp, row["id"]),
                )
                fresh = await self.db.fetchone(
                    "SELECT * FROM reminder_deliveries WHERE id = ?", (row["id"],)
                )
                assert fresh is not None
                taken.append((_delivery(fresh), row["status"]))
        return taken

    async def claim_holders(self, *, only_user: int | None = None) -> list[str]:
        """The names of the dispatchers holding claims."""
        user_filter = "" if only_user is None else " AND user_id = ?"
        rows = await self.db.fetchall(
            f"SELECT DISTINCT claimed_by FROM reminder_deliveries WHERE status = 'claimed'{user_filter}",
            () if only_user is None else (only_user,),
        )
        return [r[0] for r in rows if r[0]]

    async def finish(
        self,
        delivery: DeliveryRow,
        status: str,
        now: datetime,
        *,
        error: str | None = None,
        routine_id: str | None = None,
        dm_channel_id: int | None = None,
    ) -> bool:
        """Mark a claimed delivery sent, skipped or failed, if the claim is still as ``delivery``
        shows it. Returns False if someone else changed it meanwhile (e.g. took over an expired
        claim). ``dm_channel_id`` records the person's DM channel, if their schedule still exists.
        """
        assert status in DONE_STATUSES
        async with self.db.transaction() as conn:
            if dm_channel_id is not None:
                await conn.execute(
                    "UPDATE reminder_schedules SET dm_channel_id = ? WHERE user_id = ?",
                    (dm_channel_id, delivery.user_id),
                )
            return await self._finish(
                conn, delivery, status, now, error=error, routine_id=routine_id
            )

    async def _finish(
        self,
        conn: aiosqlite.Connection,
        delivery: DeliveryRow,
        status: str,
        now: datetime,
        *,
        error: str | None,
        routine_id: str | None,
    ) -> bool:
        cur = await conn.execute(
            "UPDATE reminder_deliveries SET status = ?, done_at = ?, retry_at = NULL, last_error = ?,"
            " routine_id = COALESCE(?, routine_id)"
            " WHERE id = ? AND status = 'claimed' AND claimed_by IS ? AND claimed_at IS ?",
            (
                status,
                format_utc(now),
                error,
                routine_id,
                delivery.id,
                delivery.claimed_by,
                _ts(delivery.claimed_at),
            ),
        )
        return cur.rowcount == 1

    async def fail_and_close(
        self,
        delivery: DeliveryRow,
        reason: str,
        now: datetime,
        *,
        notice: tuple[str, str] | None = None,
    ) -> bool:
        """A delivery that can never succeed: mark it failed, stop the person's reminders, and
        leave them a notice (kind, text), all at once."""
        async with self.db.transaction() as conn:
            ok = await self._finish(conn, delivery, FAILED, now, error=reason, routine_id=None)
            await self._close(conn, delivery.user_id, reason, now)
            if notice is not None:
                await self._add_notice(conn, delivery.user_id, notice[0], notice[1], now)
        return ok

    async def release_for_retry(
        self, delivery: DeliveryRow, retry_at: datetime, error: str | None
    ) -> bool:
        """Give up a claim so the occurrence is tried again at ``retry_at``."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE reminder_deliveries SET status = 'pending', claimed_by = NULL, claimed_at = NULL,"
                " retry_at = ?, last_error = ? WHERE id = ? AND status = 'claimed' AND claimed_by IS ?"
                " AND claimed_at IS ?",
                (
                    format_utc(retry_at),
                    error,
                    delivery.id,
                    delivery.claimed_by,
                    _ts(delivery.claimed_at),
                ),
            )
            return cur.rowcount == 1

    async def release_claims(self, claimed_by: str, now: datetime) -> int:
        """Hand back every claim ``claimed_by`` still holds, to be sent again from ``now``."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE reminder_deliveries SET status = 'pending', claimed_by = NULL, claimed_at = NULL,"
                " retry_at = ? WHERE status = 'claimed' AND claimed_by = ?",
                (format_utc(now), claimed_by),
            )
            return cur.rowcount

    async def prune_deliveries(self, before: datetime) -> int:
        """Forget finished deliveries older than ``before`` (their keys can never come due again)."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "DELETE FROM reminder_deliveries WHERE done_at IS NOT NULL AND done_at < ?"
                " AND status IN ('sent', 'skipped', 'failed')",
                (format_utc(before),),
            )
            return cur.rowcount

    # ------------------------------------------------------------------ notices

    async def add_notice(self, user_id: int, kind: str, text: str, now: datetime) -> None:
        """Leave a notice for the person (replacing one of the same kind)."""
        async with self.db.transaction() as conn:
            await self._add_notice(conn, user_id, kind, text, now)

    async def _add_notice(
        self, conn: aiosqlite.Connection, user_id: int, kind: str, text: str, now: datetime
    ) -> None:
        """Only for a person who still exists: a notice never creates anyone (a delivery that failed
        after the person deleted their data leaves nothing behind)."""
        stamp = format_utc(now)
        await conn.execute(
            "INSERT INTO pending_notices (user_id, kind, text, created_at)"
            " SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM people WHERE user_id = ?)"
            " ON CONFLICT (user_id, kind) DO UPDATE SET text = excluded.text, created_at = excluded.created_at",
            (user_id, kind, text, stamp, user_id),
        )

    async def pop_notices(self, user_id: int) -> list[str]:
        """The person's pending notices, oldest first, removed as they are read."""
        if (
            await self.db.fetchone(
                "SELECT 1 FROM pending_notices WHERE user_id = ? LIMIT 1", (user_id,)
            )
            is None
        ):
            return []  # the usual case, without taking the write lock
        async with self.db.transaction() as conn:
            rows = await self.db.fetchall(
                "SELECT id, text FROM pending_notices WHERE user_id = ? ORDER BY created_at, id"
                + self.db.for_update,
                (user_id,),
            )
            if rows:
                await conn.execute("DELETE FROM pending_notices WHERE user_id = ?", (user_id,))
        return [r["text"] for r in rows]

    async def clear_notice(self, user_id: int, kind: str) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "DELETE FROM pending_notices WHERE user_id = ? AND kind = ?", (user_id, kind)
            )
