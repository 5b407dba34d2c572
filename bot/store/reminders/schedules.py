"""The schedule and snooze tables: when each person's next reminder is due, and its repeat."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

import aiosqlite

from bot.core.schedule import times_to_text, weekdays_to_text
from bot.store.db import Database, format_utc, parse_utc
from bot.store.people import adopt_timezone, insert_if_new
from bot.store.reminders.rows import (
    INSERT_DELIVERY,
    SKIPPED,
    SNOOZED_AWAY,
    DeliveryRow,
    DuePlan,
    ScheduleRow,
    SnoozeRow,
    insert_claim,
    opt_format_utc,
    schedule_row,
    snooze_row,
    user_filter,
)


async def close_in(conn: aiosqlite.Connection, user_id: int, reason: str, now: datetime) -> None:
    """Inside a transaction: stop the person's schedule, recording ``reason``, and drop a snooze."""
    stamp = format_utc(now)
    await conn.execute(
        "UPDATE reminder_schedules SET next_due_at = NULL, next_key = NULL, closed_reason = ?,"
        " closed_at = ?, updated_at = ? WHERE user_id = ?",
        (reason, stamp, stamp, user_id),
    )
    await conn.execute("DELETE FROM reminder_snoozes WHERE user_id = ?", (user_id,))


class ScheduleTables:
    """``reminder_schedules`` and ``reminder_snoozes``; part of :class:`ReminderStore`."""

    db: Database

    # ------------------------------------------------------------------ schedules

    async def get_schedule(self, user_id: int) -> ScheduleRow | None:
        row = await self.db.fetchone(
            "SELECT * FROM reminder_schedules WHERE user_id = ?", (user_id,)
        )
        return schedule_row(row) if row else None

    async def save_schedule(
        self,
        row: ScheduleRow,
        *,
        person_timezone: bool = True,
        drop_snooze: bool = False,
        clear_notice: str | None = None,
        create: bool = False,
        skip_unsent: str | None = None,
    ) -> bool:
        """Insert or replace a person's schedule, in one transaction; False if nothing was written.

        Only ``create`` (the person turning reminders on for the first time) may create the person
        and their schedule. Without it the schedule is changed only if it still exists: a change
        racing the person's deletion never brings them back.

        With ``person_timezone`` the person's own time zone (``people.timezone``) is set to the
        schedule's, so the rest of the bot shows their times in the same zone. ``drop_snooze``
        cancels a snoozed reminder (one snoozed before its time, and that time still to come, is
        due again); ``clear_notice`` removes a pending notice of that kind.
        ``skip_unsent`` (a reason) marks every reminder not yet sent, one being sent or waiting for
        a retry, as skipped for that reason: a sender that claimed one finds its claim ended.
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
                # a reminder snoozed before it came, and not yet due, comes at its own time again
                await conn.execute(
                    "DELETE FROM reminder_deliveries WHERE user_id = ? AND status = ?"
                    " AND last_error = ? AND due_at > ?",
                    (row.user_id, SKIPPED, SNOOZED_AWAY, format_utc(row.updated_at)),
                )
            if clear_notice is not None:
                await conn.execute(
                    "DELETE FROM pending_notices WHERE user_id = ? AND kind = ?",
                    (row.user_id, clear_notice),
                )
            if skip_unsent is not None:
                await conn.execute(
                    "UPDATE reminder_deliveries SET status = 'skipped', done_at = ?,"
                    " retry_at = NULL, last_error = ?"
                    " WHERE user_id = ? AND status IN ('claimed', 'pending')",
                    (format_utc(row.updated_at), skip_unsent, row.user_id),
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
                opt_format_utc(row.paused_until),
                opt_format_utc(row.next_due_at),
                row.next_key,
                row.closed_reason,
                opt_format_utc(row.closed_at),
                format_utc(row.created_at),
                stamp,
            ),
        )

    async def follow_zone_rules(
        self,
        due_of: Callable[[str, str], datetime | None],
        *,
        only_user: int | None = None,
        skip_user: int | None = None,
        batch: int = 1000,
    ) -> int:
        """Move each schedule's next reminder to the instant ``due_of(key, timezone)`` says its
        key names now (None: leave it), where that differs from the stored one; how many moved.
        Each row is changed only if it is still as read: a claim or a change meanwhile wins."""
        where, params = user_filter(only_user, skip_user)
        moved, after = 0, None
        while True:
            rows = await self.db.fetchall(
                "SELECT user_id, timezone, next_key, next_due_at FROM reminder_schedules"
                " WHERE next_key IS NOT NULL AND next_due_at IS NOT NULL"
                + ("" if after is None else " AND user_id > ?")
                + f"{where} ORDER BY user_id LIMIT ?",
                (*(() if after is None else (after,)), *params, batch),
            )
            changes = []
            for user_id, tz, key, stored in rows:
                due = due_of(key, tz)
                if due is not None and due != parse_utc(stored):
                    changes.append((format_utc(due), user_id, key, stored))
            if changes:
                async with self.db.transaction() as conn:
                    for change in changes:
                        cur = await conn.execute(
                            "UPDATE reminder_schedules SET next_due_at = ?"
                            " WHERE user_id = ? AND next_key = ? AND next_due_at = ?",
                            change,
                        )
                        moved += cur.rowcount
            if len(rows) < batch:
                return moved
            after = rows[-1][0]

    async def due_schedule_ids(
        self,
        now: datetime,
        limit: int = 100,
        *,
        only_user: int | None = None,
        skip_user: int | None = None,
    ) -> list[int]:
        """People whose next reminder is due at ``now`` or earlier, earliest first (index range scan)."""
        where, params = user_filter(only_user, skip_user)
        rows = await self.db.fetchall(
            f"SELECT user_id FROM reminder_schedules WHERE next_due_at <= ?{where} ORDER BY next_due_at LIMIT ?",
            (format_utc(now), *params, limit),
        )
        return [r[0] for r in rows]

    async def claim_due_schedule(
        self,
        user_id: int,
        now: datetime,
        claimed_by: str,
        decide: Callable[[ScheduleRow], DuePlan],
        *,
        claimed_at: datetime | None = None,
    ) -> DeliveryRow | None:
        """If the person's schedule is due, apply ``decide``'s plan in one transaction.

        Returns the new claimed delivery, or None when nothing is to be sent (not due any more,
        everything skipped, or the occurrence already has a delivery row: it was sent before).
        ``claimed_at`` is the claim's time on the clock leases are judged by (default ``now``).
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
            plan = decide(schedule_row(row))
            for key, due, reason in plan.skipped:
                await conn.execute(
                    INSERT_DELIVERY,
                    (user_id, key, format_utc(due), SKIPPED, None, None, stamp, 0, reason),
                )
            await conn.execute(
                "UPDATE reminder_schedules SET next_due_at = ?, next_key = ? WHERE user_id = ?",
                (opt_format_utc(plan.next_due_at), plan.next_key, user_id),
            )
            if plan.send is None:
                return None
            key, due = plan.send
            return await insert_claim(conn, user_id, key, due, claimed_by, claimed_at or now)

    async def close_schedule(self, user_id: int, reason: str, now: datetime) -> None:
        """Stop sending to this person (e.g. their DMs are closed) and record why."""
        async with self.db.transaction() as conn:
            await close_in(conn, user_id, reason, now)

    async def earliest_due(
        self,
        *,
        only_user: int | None = None,
        skip_user: int | None = None,
        lease: timedelta | None = None,
        keep: Sequence[int] = (),
        lease_ahead: timedelta = timedelta(0),
    ) -> datetime | None:
        """The earliest instant anything is due: a schedule, a snooze, a retry or (with ``lease``)
        the expiry of a claim (but those in ``keep``: the caller's own sends in progress), so an
        abandoned claim is taken over as soon as its lease ends, not at the next look around.
        ``lease_ahead`` is how far the clock claims are stamped by runs ahead of the caller's."""
        where, params = user_filter(only_user, skip_user)
        parts: list[tuple[str, tuple[object, ...]]] = [
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
            mine = f" AND id NOT IN ({', '.join('?' * len(keep))})" if keep else ""
            parts.append(
                (
                    f"SELECT claimed_at FROM reminder_deliveries WHERE status = 'claimed'{mine}{{f}}"
                    " ORDER BY claimed_at LIMIT 1",
                    tuple(keep),
                )
            )
        # One statement, one round trip: each part is an indexed "first row" look-up.
        sql = "SELECT " + ", ".join(f"({part.format(f=where)})" for part, _ in parts)
        row = await self.db.fetchone(sql, tuple(v for _, first in parts for v in (*first, *params)))
        found: list[datetime] = []
        for i, value in enumerate(row or ()):
            if value is not None:
                if i == 3 and lease is not None:
                    found.append(parse_utc(value) + lease - lease_ahead)
                else:
                    found.append(parse_utc(value))
        return min(found, default=None)

    # ------------------------------------------------------------------ snoozes

    async def get_snooze(self, user_id: int) -> SnoozeRow | None:
        row = await self.db.fetchone("SELECT * FROM reminder_snoozes WHERE user_id = ?", (user_id,))
        return snooze_row(row) if row else None

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
                    INSERT_DELIVERY,
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
        self,
        now: datetime,
        limit: int = 100,
        *,
        only_user: int | None = None,
        skip_user: int | None = None,
    ) -> list[int]:
        where, params = user_filter(only_user, skip_user)
        rows = await self.db.fetchall(
            f"SELECT user_id FROM reminder_snoozes WHERE due_at <= ?{where} ORDER BY due_at LIMIT ?",
            (format_utc(now), *params, limit),
        )
        return [r[0] for r in rows]

    async def claim_due_snooze(
        self,
        user_id: int,
        now: datetime,
        claimed_by: str,
        decide: Callable[[SnoozeRow], bool],
        *,
        claimed_at: datetime | None = None,
    ) -> DeliveryRow | None:
        """Take a due snooze off the list and claim its repeat, in one transaction.

        ``decide`` says whether it is still worth sending (False records it as skipped);
        ``claimed_at`` as for :meth:`claim_due_schedule`.
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
            snooze = snooze_row(row)
            await conn.execute("DELETE FROM reminder_snoozes WHERE user_id = ?", (user_id,))
            if not decide(snooze):
                await conn.execute(
                    INSERT_DELIVERY,
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
            return await insert_claim(
                conn, user_id, snooze.occurrence_key, snooze.due_at, claimed_by, claimed_at or now
            )
