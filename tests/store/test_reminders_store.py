"""The reminder tables: schedules, deliveries (one per occurrence), snoozes and notices."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from bot.store.db import Database
from bot.store.people import PeopleStore
from bot.store.reminders import CLAIMED, SENT, SKIPPED, DuePlan, ReminderStore, ScheduleRow
from tests.support.fakes import utc

T0 = utc("2026-03-02T06:00")


def schedule(
    user_id: int, due: datetime | None, key: str | None = "2026-03-02T07:30", **changes
) -> ScheduleRow:
    row = ScheduleRow(
        user_id=user_id,
        timezone="Europe/London",
        times=(time(7, 30), time(21, 30)),
        weekdays=None,
        enabled=True,
        paused_until=None,
        next_due_at=due,
        next_key=key if due else None,
        closed_reason=None,
        closed_at=None,
        created_at=T0,
        updated_at=T0,
    )
    return row.__class__(**{**row.__dict__, **changes})


def send_it(row: ScheduleRow) -> DuePlan:
    assert row.next_key and row.next_due_at
    return DuePlan((row.next_key, row.next_due_at), (), "2026-03-02T21:30", utc("2026-03-02T21:30"))


async def test_every_reminder_table_has_a_user_id_and_goes_with_the_person(db: Database) -> None:
    for table in (
        "reminder_schedules",
        "reminder_deliveries",
        "reminder_snoozes",
        "pending_notices",
    ):
        assert "user_id" in await db.columns(table)
    store = ReminderStore(db)
    await store.save_schedule(schedule(5, utc("2026-03-02T07:30")), create=True)
    await store.claim_due_schedule(5, utc("2026-03-02T07:30"), "d1", send_it)
    await store.set_snooze(5, "2026-03-02T07:30+30m", utc("2026-03-02T08:00"), T0)
    await store.add_notice(5, "reminders_closed", "hello", T0)
    async with db.transaction() as conn:
        await conn.execute("DELETE FROM people WHERE user_id = 5")
    for table in (
        "reminder_schedules",
        "reminder_deliveries",
        "reminder_snoozes",
        "pending_notices",
    ):
        assert await db.fetchall(f"SELECT * FROM {table}") == []


async def test_saving_a_schedule_creates_the_person_and_records_their_zone(db: Database) -> None:
    store = ReminderStore(db)
    row = schedule(7, utc("2026-03-02T07:30"), weekdays=frozenset({0, 2, 4}))
    await store.save_schedule(row, create=True)
    assert await store.get_schedule(7) == row
    person = await db.fetchone("SELECT step, timezone FROM people WHERE user_id = 7")
    assert person is not None and (person["step"], person["timezone"]) == (1, "Europe/London")


async def test_due_schedules_come_earliest_first_through_the_index(db: Database) -> None:
    store = ReminderStore(db)
    for user_id, hhmm in [(1, "07:45"), (2, "07:30"), (3, "09:00"), (4, None)]:
        due = utc(f"2026-03-02T{hhmm}") if hhmm else None
        await store.save_schedule(schedule(user_id, due), create=True)
    assert await store.due_schedule_ids(utc("2026-03-02T08:00")) == [2, 1]
    assert await store.due_schedule_ids(utc("2026-03-02T08:00"), limit=1) == [2]
    assert await store.due_schedule_ids(utc("2026-03-02T07:29:59.999")) == []
    assert await store.due_schedule_ids(utc("2026-03-02T08:00"), only_user=1) == [1]
    assert await store.due_schedule_ids(utc("2026-03-02T08:00"), skip_user=2) == [1]
    assert await store.earliest_due() == utc("2026-03-02T07:30")
    assert await store.earliest_due(skip_user=2) == utc("2026-03-02T07:45")
    due_query = (
        "SELECT user_id FROM reminder_schedules WHERE next_due_at <= ? ORDER BY next_due_at LIMIT ?"
    )
    params = ("2026-03-02T08:00:00.000000+00:00", 100)
    if db.dialect == "postgresql":
        # Four rows fit in one page, so the planner would rightly read it whole; forbid that to see
        # that the index serves this query at all (tests/bench/postgres.py times it at a million).
        async with db.transaction() as conn:
            await conn.execute("SET LOCAL enable_seqscan = off")
            plan = [row[0] for row in await db.fetchall("EXPLAIN " + due_query, params)]
    else:
        plan = [
            row["detail"] for row in await db.fetchall("EXPLAIN QUERY PLAN " + due_query, params)
        ]
    assert any("reminder_schedules_next_due" in line for line in plan), plan


async def test_a_claim_moves_the_schedule_on_and_an_occurrence_is_claimed_once(
    db: Database,
) -> None:
    store = ReminderStore(db)
    await store.save_schedule(schedule(1, utc("2026-03-02T07:30")), create=True)
    now = utc("2026-03-02T07:30")
    claim = await store.claim_due_schedule(1, now, "d1", send_it)
    assert claim is not None and (claim.status, claim.claimed_by, claim.attempts) == (
        CLAIMED,
        "d1",
        1,
    )
    moved = await store.get_schedule(1)
    assert moved is not None and moved.next_key == "2026-03-02T21:30"
    # Not due any more: nothing to claim.
    assert await store.claim_due_schedule(1, now, "d2", send_it) is None
    # Even if the schedule were set back to the same occurrence, its identity is taken.
    await store.save_schedule(schedule(1, utc("2026-03-02T07:30")), create=True)
    assert await store.claim_due_schedule(1, now, "d2", send_it) is None
    assert [d.occurrence_key for d in await store.deliveries(1)] == ["2026-03-02T07:30"]


async def test_marking_needs_the_claim_still_held(db: Database) -> None:
    store = ReminderStore(db)
    await store.save_schedule(schedule(1, utc("2026-03-02T07:30")), create=True)
    claim = await store.claim_due_schedule(1, utc("2026-03-02T07:30"), "d1", send_it)
    assert claim is not None
    later = utc("2026-03-02T07:35")
    assert (
        await store.claim_expired(later, later - timedelta(minutes=10), "d2") == []
    )  # within the lease
    # Not even its own holder takes it back while it is still sending it (``keep``).
    assert await store.claim_expired(later, later, "d1", keep=[claim.id]) == []
    [(taken, was)] = await store.claim_expired(later, later - timedelta(seconds=30), "d2")
    assert was == "claimed" and taken.attempts == 2 and taken.claimed_by == "d2"
    assert (
        await store.claim_expired(later, later - timedelta(seconds=30), "d3") == []
    )  # d2 holds it now
    assert not await store.finish(claim, SENT, later)  # d1 lost its claim
    assert await store.finish(taken, SENT, later)
    final = await store.get_delivery(1, "2026-03-02T07:30")
    assert final is not None and final.status == SENT and final.claimed_by == "d2"
    assert (
        await store.claim_expired(later + timedelta(hours=1), later + timedelta(hours=1), "d4")
        == []
    )  # never again
    assert await store.earliest_due(lease=timedelta(seconds=30)) == utc("2026-03-02T21:30")


async def test_an_abandoned_claim_is_due_when_its_lease_ends(db: Database) -> None:
    store = ReminderStore(db)
    await store.save_schedule(schedule(1, utc("2026-03-02T07:30")), create=True)
    claim = await store.claim_due_schedule(1, utc("2026-03-02T07:30"), "d1", send_it)
    assert claim is not None
    lease = timedelta(seconds=30)
    assert await store.earliest_due(lease=lease) == utc("2026-03-02T07:30:30")
    # Its holder, still sending it, has nothing to wait for but the next reminder.
    assert await store.earliest_due(lease=lease, keep=[claim.id]) == utc("2026-03-02T21:30")
    # Stamped by a clock five minutes ahead of the caller's: it runs out at 07:25:30 here.
    ahead = timedelta(minutes=5)
    assert await store.earliest_due(lease=lease, lease_ahead=ahead) == utc("2026-03-02T07:25:30")


async def test_released_claims_come_back_as_retries(db: Database) -> None:
    store = ReminderStore(db)
    await store.save_schedule(schedule(1, utc("2026-03-02T07:30")), create=True)
    claim = await store.claim_due_schedule(1, utc("2026-03-02T07:30"), "d1", send_it)
    assert claim is not None
    assert await store.release_claims("someone-else", utc("2026-03-02T07:31")) == 0
    assert await store.release_claims("d1", utc("2026-03-02T07:31")) == 1
    now = utc("2026-03-02T07:31")
    assert await store.earliest_due() == now
    [(retry, was)] = await store.claim_expired(now, now - timedelta(minutes=2), "d2")
    assert was == "pending" and retry.claimed_by == "d2"


async def test_skipped_occurrences_are_recorded_with_why(db: Database) -> None:
    store = ReminderStore(db)
    await store.save_schedule(schedule(1, utc("2026-03-02T07:30")), create=True)

    def skip(row: ScheduleRow) -> DuePlan:
        assert row.next_key and row.next_due_at
        return DuePlan(
            None,
            [(row.next_key, row.next_due_at, "too late")],
            "2026-03-02T21:30",
            utc("2026-03-02T21:30"),
        )

    assert await store.claim_due_schedule(1, utc("2026-03-02T10:00"), "d1", skip) is None
    [row] = await store.deliveries(1)
    assert (row.status, row.last_error) == (SKIPPED, "too late")


async def test_a_snooze_replaces_the_last_one_and_is_claimed_once(db: Database) -> None:
    store = ReminderStore(db)
    await store.save_schedule(
        schedule(1, utc("2026-03-02T21:30"), key="2026-03-02T21:30"), create=True
    )
    await store.set_snooze(1, "2026-03-02T07:30+30m", utc("2026-03-02T08:00"), T0)
    await store.set_snooze(1, "2026-03-02T07:30+40m", utc("2026-03-02T08:10"), T0)
    assert await store.due_snooze_ids(utc("2026-03-02T08:05")) == []
    assert await store.earliest_due() == utc("2026-03-02T08:10")
    claim = await store.claim_due_snooze(1, utc("2026-03-02T08:10"), "d1", lambda s: True)
    assert claim is not None and claim.occurrence_key == "2026-03-02T07:30+40m"
    assert await store.get_snooze(1) is None
    assert await store.claim_due_snooze(1, utc("2026-03-02T08:10"), "d1", lambda s: True) is None


async def test_notices_are_fetched_once(db: Database) -> None:
    store = ReminderStore(db)
    assert await store.pop_notices(3) == []
    await store.add_notice(
        3, "reminders_closed", "for nobody", T0
    )  # a notice never creates a person
    assert await db.fetchone("SELECT 1 FROM people WHERE user_id = 3") is None
    await PeopleStore(db).ensure(3, T0)
    await store.add_notice(3, "reminders_closed", "first", T0)
    await store.add_notice(3, "reminders_closed", "replaced", T0)
    await store.add_notice(3, "other", "second", T0 + timedelta(seconds=1))
    assert await store.pop_notices(3) == ["replaced", "second"]
    assert await store.pop_notices(3) == []


async def test_old_finished_deliveries_are_pruned_but_unfinished_ones_stay(db: Database) -> None:
    store = ReminderStore(db)
    await store.save_schedule(schedule(1, utc("2026-03-02T07:30")), create=True)
    claim = await store.claim_due_schedule(1, utc("2026-03-02T07:30"), "d1", send_it)
    assert claim is not None and await store.finish(claim, SENT, utc("2026-03-02T07:30"))
    await store.save_schedule(
        schedule(1, utc("2026-03-02T21:30"), key="2026-03-02T21:30"), create=True
    )
    assert (
        await store.claim_due_schedule(1, utc("2026-03-02T21:30"), "d1", send_it) is not None
    )  # left claimed
    assert await store.prune_deliveries(utc("2026-03-01T00:00")) == 0
    assert await store.prune_deliveries(utc("2026-04-01T00:00")) == 1
    assert [d.status for d in await store.deliveries(1)] == [CLAIMED]
