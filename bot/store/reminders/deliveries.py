"""The delivery table (what became of each occurrence, and who holds its claim) and the notices
left for a person (e.g. that their reminders stopped)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import aiosqlite

from bot.store.db import Database, format_utc
from bot.store.reminders.rows import (
    DONE_STATUSES,
    FAILED,
    DeliveryRow,
    delivery_row,
    user_filter,
)
from bot.store.reminders.schedules import close_in


class DeliveryTables:
    """``reminder_deliveries`` and ``pending_notices``; part of :class:`ReminderStore`."""

    db: Database

    # ------------------------------------------------------------------ deliveries

    async def get_delivery(self, user_id: int, key: str) -> DeliveryRow | None:
        row = await self.db.fetchone(
            "SELECT * FROM reminder_deliveries WHERE user_id = ? AND occurrence_key = ?",
            (user_id, key),
        )
        return delivery_row(row) if row else None

    async def deliveries(self, user_id: int) -> list[DeliveryRow]:
        """Every delivery record of the person, by due time."""
        rows = await self.db.fetchall(
            "SELECT * FROM reminder_deliveries WHERE user_id = ? ORDER BY due_at, id", (user_id,)
        )
        return [delivery_row(r) for r in rows]

    async def recent_deliveries(
        self, user_id: int, since: datetime, limit: int, *, until: datetime
    ) -> list[DeliveryRow]:
        """The person's deliveries due from ``since`` to ``until``, newest first, at most
        ``limit``. One due later (an upcoming reminder snoozed before its time) is left out."""
        rows = await self.db.fetchall(
            "SELECT * FROM reminder_deliveries WHERE user_id = ? AND due_at >= ? AND due_at <= ?"
            " ORDER BY due_at DESC, id DESC LIMIT ?",
            (user_id, format_utc(since), format_utc(until), limit),
        )
        return [delivery_row(r) for r in rows]

    async def last_sent(self, user_id: int) -> DeliveryRow | None:
        row = await self.db.fetchone(
            "SELECT * FROM reminder_deliveries WHERE user_id = ? AND status = 'sent'"
            " ORDER BY done_at DESC, id DESC LIMIT 1",
            (user_id,),
        )
        return delivery_row(row) if row else None

    async def claim_expired(
        self,
        now: datetime,
        lease_cutoff: datetime,
        claimed_by: str,
        limit: int = 100,
        *,
        only_user: int | None = None,
        skip_user: int | None = None,
        dead: Sequence[str] = (),
        keep: Sequence[int] = (),
        claimed_at: datetime | None = None,
    ) -> list[tuple[DeliveryRow, str]]:
        """The one place a lease is judged: claim, in one transaction, the deliveries that are
        due to be looked at again, and return each with the status it had (``pending`` or
        ``claimed``).

        Those are retries whose time has come (``pending``, ``retry_at <= now``) and claims whose
        lease has run out: taken (or last renewed) at or before ``lease_cutoff``, by whichever
        dispatcher, which stopped, died, or lost track of it between claiming and recording what
        became of it. Claims held by the dispatchers named in ``dead`` (known to be gone) are
        taken whatever their age; those in ``keep`` (the caller's own sends in progress) never.
        ``lease_cutoff`` and ``claimed_at`` (the new claims' time, default ``now``) are on the
        clock leases are judged by, ``now`` on the caller's. Each comes back claimed by
        ``claimed_by`` with one more attempt; the caller sends it or records why not
        (``finish``); a send started and never recorded (``begin_send``) may have reached the
        person, and its start becomes ``doubt_last_at`` (``doubt_first_at`` too, if the first).
        On PostgreSQL the rows are picked with ``FOR UPDATE SKIP LOCKED``."""
        where, extra = user_filter(only_user, skip_user)
        stamp = format_utc(claimed_at or now)
        async with self.db.transaction() as conn:
            rows = await self.db.fetchall(
                f"SELECT id, status FROM reminder_deliveries WHERE status = 'pending' AND retry_at <= ?{where}"
                " ORDER BY retry_at LIMIT ?" + self.db.skip_locked,
                (format_utc(now), *extra, limit),
            )
            gone = ", ".join("?" * len(dead))
            mine = ", ".join("?" * len(keep))
            rows += await self.db.fetchall(
                "SELECT id, status FROM reminder_deliveries WHERE status = 'claimed'"
                f" AND (claimed_at <= ?{f' OR claimed_by IN ({gone})' if dead else ''})"
                f"{f' AND id NOT IN ({mine})' if keep else ''}{where} ORDER BY claimed_at LIMIT ?"
                + self.db.skip_locked,
                (format_utc(lease_cutoff), *dead, *keep, *extra, max(0, limit - len(rows))),
            )
            taken: list[tuple[DeliveryRow, str]] = []
            for row in rows:
                await conn.execute(
                    "UPDATE reminder_deliveries SET status = 'claimed', claimed_by = ?, claimed_at = ?,"
                    " retry_at = NULL, attempts = attempts + 1, doubt_first_at = COALESCE(doubt_first_at,"
                    " send_started_at), doubt_last_at = COALESCE(send_started_at, doubt_last_at),"
                    " send_started_at = NULL WHERE id = ?",
                    (claimed_by, stamp, row["id"]),
                )
                fresh = await self.db.fetchone(
                    "SELECT * FROM reminder_deliveries WHERE id = ?", (row["id"],)
                )
                assert fresh is not None
                taken.append((delivery_row(fresh), row["status"]))
        return taken

    async def renew_claims(self, claimed_by: str, ids: Sequence[int], claimed_at: datetime) -> int:
        """Keep the claims ``claimed_by`` holds on ``ids`` (sends in progress): their lease starts
        again at ``claimed_at`` (on the clock leases are judged by). Returns how many it still held."""
        if not ids:
            return 0
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE reminder_deliveries SET claimed_at = ? WHERE status = 'claimed'"
                f" AND claimed_by = ? AND id IN ({', '.join('?' * len(ids))})",
                (format_utc(claimed_at), claimed_by, *ids),
            )
            return cur.rowcount

    async def begin_send(self, delivery: DeliveryRow, at: datetime) -> bool:
        """Just before the reminder is handed to the transport: whether the claim ``delivery``
        shows is still held (the same holder and attempt: not taken over, and not gone with the
        person's data), and if so, write down that its send starts ``at`` (on the clock leases
        are judged by), so that whoever takes the claim over knows it may have gone out."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE reminder_deliveries SET send_started_at = ? WHERE id = ?"
                " AND status = 'claimed' AND claimed_by IS ? AND attempts = ?",
                (format_utc(at), delivery.id, delivery.claimed_by, delivery.attempts),
            )
            return cur.rowcount == 1

    async def database_now(self) -> datetime:
        """The PostgreSQL server's clock (``clock_timestamp()``), which every process sharing the
        database reads alike."""
        row = await self.db.fetchone("SELECT clock_timestamp()")
        assert row is not None
        moment: datetime = row[0]
        return moment.astimezone(UTC)

    async def delivery_by_id(self, delivery_id: int) -> DeliveryRow | None:
        row = await self.db.fetchone(
            "SELECT * FROM reminder_deliveries WHERE id = ?", (delivery_id,)
        )
        return delivery_row(row) if row else None

    async def claim_holders(
        self, *, only_user: int | None = None, skip_user: int | None = None
    ) -> list[str]:
        """The names of the dispatchers holding claims."""
        where, params = user_filter(only_user, skip_user)
        rows = await self.db.fetchall(
            f"SELECT DISTINCT claimed_by FROM reminder_deliveries WHERE status = 'claimed'{where}",
            params,
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
        """Mark a claimed delivery sent, skipped or failed, if the claim is still the one
        ``delivery`` shows (the same holder and attempt: a renewal does not change it). Returns
        False if it changed meanwhile (another dispatcher took over an expired claim, or the person
        deleted their data). ``dm_channel_id`` records the person's DM channel, if their schedule
        still exists.
        """
        assert status in DONE_STATUSES
        async with self.db.transaction() as conn:
            # The delivery row first, then the schedule's: the order a deletion of the person
            # takes them in, so the two never wait for each other (a deadlock, on PostgreSQL).
            done = await self._finish(
                conn, delivery, status, now, error=error, routine_id=routine_id
            )
            if dm_channel_id is not None:
                await conn.execute(
                    "UPDATE reminder_schedules SET dm_channel_id = ? WHERE user_id = ?",
                    (dm_channel_id, delivery.user_id),
                )
            return done

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
            " WHERE id = ? AND status = 'claimed' AND claimed_by IS ? AND attempts = ?",
            (
                status,
                format_utc(now),
                error,
                routine_id,
                delivery.id,
                delivery.claimed_by,
                delivery.attempts,
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
            await close_in(conn, delivery.user_id, reason, now)
            if notice is not None:
                await self._add_notice(conn, delivery.user_id, notice[0], notice[1], now)
        return ok

    async def release_for_retry(
        self, delivery: DeliveryRow, retry_at: datetime, error: str | None
    ) -> bool:
        """Give up a claim so the occurrence is tried again at ``retry_at``: it was not sent (a
        send started in this claim failed, or none started)."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE reminder_deliveries SET status = 'pending', claimed_by = NULL, claimed_at = NULL,"
                " retry_at = ?, last_error = ?, send_started_at = NULL WHERE id = ?"
                " AND status = 'claimed' AND claimed_by IS ? AND attempts = ?",
                (
                    format_utc(retry_at),
                    error,
                    delivery.id,
                    delivery.claimed_by,
                    delivery.attempts,
                ),
            )
            return cur.rowcount == 1

    async def release_claims(self, claimed_by: str, now: datetime) -> int:
        """Hand back every claim ``claimed_by`` still holds, to be sent again from ``now`` (a send
        cut short may have gone out: its start stays written down)."""
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
