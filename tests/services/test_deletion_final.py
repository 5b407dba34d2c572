"""Deleting one's data is final: nothing in flight brings the person back, and the bytes leave the
disk (the database file and its write-ahead log)."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from bot.core.knowledge.loading import load_knowledge
from bot.services.data import DataService
from bot.services.knowledge import KnowledgeHolder
from bot.services.progress import ProgressService
from bot.services.reminders import DeliveryResult, Dispatcher, ReminderMessage, ReminderService
from bot.store.data_rights import export_person
from bot.store.db import Database
from bot.store.people import PeopleStore
from tests.support.fakes import FakeClock

ALICE = 101
KNOWLEDGE = Path(__file__).resolve().parents[2] / "knowledge"


def compose(user_id, occ):
    return ReminderMessage("Morning routine", "Booty flexes.", "booty-flex", occ.key, user_id)


class DeletingSender:
    """The person deletes their data while their reminder DM is in flight; then the DM ends as
    ``result`` says (for example Discord's 50007, DMs closed)."""

    def __init__(self, data: DataService, result: DeliveryResult):
        self.data, self.result = data, result

    async def send(self, user_id: int, message: ReminderMessage) -> DeliveryResult:
        await self.data.delete(user_id)
        return self.result


async def rows_about(db: Database, user_id: int) -> dict[str, int]:
    return {table: len(rows) for table, rows in (await export_person(db, user_id)).items() if rows}


async def _due_reminder(db: Database, clock: FakeClock) -> None:
    await ReminderService(db, clock.now).on(ALICE, "Europe/London", "12:30")
    clock.set("2026-03-02T12:30:00+00:00")


async def test_a_reminder_that_fails_with_dms_closed_after_a_delete_recreates_nobody(
    db: Database,
) -> None:
    clock = FakeClock("2026-03-02T12:00:00+00:00")
    await _due_reminder(db, clock)
    sender = DeletingSender(DataService(db), DeliveryResult.cannot("dms closed"))
    await Dispatcher(db, sender, compose, clock.now, clock.sleep).run_pending()
    assert await rows_about(db, ALICE) == {}


async def test_a_reminder_delivered_after_a_delete_recreates_nobody(db: Database) -> None:
    clock = FakeClock("2026-03-02T12:00:00+00:00")
    await _due_reminder(db, clock)
    for result in (DeliveryResult.delivered(), DeliveryResult.retry("HTTP 503")):
        sender = DeletingSender(DataService(db), result)
        await Dispatcher(db, sender, compose, clock.now, clock.sleep).run_pending()
        assert await rows_about(db, ALICE) == {}


async def test_a_reminder_delivered_after_a_delete_is_logged_as_what_happened(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="lowback.reminders")
    clock = FakeClock("2026-03-02T12:00:00+00:00")
    await _due_reminder(db, clock)
    sender = DeletingSender(DataService(db), DeliveryResult.delivered())
    await Dispatcher(db, sender, compose, clock.now, clock.sleep).run_pending()
    said = [r.getMessage() for r in caplog.records if r.name == "lowback.reminders"]
    assert (
        "reminder 2026-03-02T12:30 for user 101 was sent, but the person deleted their data"
        " meanwhile: nothing of it is kept"
    ) in said
    assert not [line for line in said if "expired" in line or "ran out" in line]
    assert all(r.levelno < logging.WARNING for r in caplog.records if r.name == "lowback.reminders")


class HeldPace:
    """A rate budget that keeps the first send waiting until the test lets it go (a global rate
    limit seen by one of the bot's processes holds every process's sends like this)."""

    def __init__(self) -> None:
        self.waiting, self.go = asyncio.Event(), asyncio.Event()

    async def acquire(self) -> None:
        self.waiting.set()
        await self.go.wait()


class CountingSender:
    def __init__(self) -> None:
        self.sent: list[int] = []

    async def send(self, user_id: int, message: ReminderMessage) -> DeliveryResult:
        self.sent.append(user_id)
        return DeliveryResult.delivered()


async def sent_while_held(db: Database, clock: FakeClock, meanwhile) -> list[int]:
    """Whom a due reminder is sent to when ``meanwhile()`` happens after it was claimed, while it
    waits for its turn in the rate budget."""
    await _due_reminder(db, clock)
    sender, pace = CountingSender(), HeldPace()
    dispatcher = Dispatcher(db, sender, compose, clock.now, clock.sleep)
    dispatcher.bucket = pace
    run = asyncio.create_task(dispatcher.run_pending())
    await asyncio.wait_for(pace.waiting.wait(), 10)  # claimed, waiting for the budget
    await meanwhile()
    pace.go.set()
    await asyncio.wait_for(run, 10)
    await Dispatcher(db, sender, compose, clock.now, clock.sleep).run_pending()  # and later
    return sender.sent


async def test_a_reminder_waiting_for_its_turn_is_not_sent_to_a_person_who_deleted_their_data(
    db: Database,
) -> None:
    clock = FakeClock("2026-03-02T12:00:00+00:00")
    assert await sent_while_held(db, clock, lambda: DataService(db).delete(ALICE)) == []
    assert await rows_about(db, ALICE) == {}


async def test_a_reminder_waiting_for_its_turn_is_not_sent_once_reminders_are_turned_off(
    db: Database,
) -> None:
    clock = FakeClock("2026-03-02T12:00:00+00:00")
    service = ReminderService(db, clock.now)

    assert await sent_while_held(db, clock, lambda: service.off(ALICE)) == []
    view = await service.show(ALICE)
    assert view is not None and view.status == "off"
    assert [p.reason for p in view.recent] == ["skipped: reminders were turned off"]


async def test_schedule_changes_racing_a_delete_recreate_nobody(db: Database) -> None:
    clock = FakeClock("2026-03-02T12:00:00+00:00")
    service = ReminderService(db, clock.now)
    await service.on(ALICE, "Europe/London", "7:30")
    existing = await service.store.get_schedule(ALICE)
    await DataService(db).delete(ALICE)
    # What update, pause and off write, after they read the schedule that has just been deleted:
    assert await service.store.save_schedule(existing) is False
    await service.store.set_snooze(ALICE, "2026-03-03T07:30+30m", clock.now(), clock.now())
    assert await rows_about(db, ALICE) == {}


async def test_a_step_change_racing_a_delete_recreates_nobody(db: Database) -> None:
    clock = FakeClock("2026-03-02T12:00:00+00:00")
    people = PeopleStore(db)
    await people.set_step(ALICE, 2, "set by the person", clock.now())
    data = DataService(db)

    class DeleteAfterReading(PeopleStore):
        async def get(self, user_id):
            person = await super().get(user_id)
            await data.delete(user_id)  # the delete lands between the read and the write
            return person

    progress = ProgressService(
        KnowledgeHolder(load_knowledge(KNOWLEDGE)), DeleteAfterReading(db), clock.now
    )
    await progress.move_up(ALICE)
    assert await rows_about(db, ALICE) == {}


async def test_deleted_data_is_gone_from_the_database_file_and_its_log(tmp_path: Path) -> None:
    path = tmp_path / "lowback.db"
    db = await Database.open(path)
    try:
        clock = FakeClock()
        marker = "Zanzibar-marker-7f3a"
        await PeopleStore(db).set_step(ALICE, 2, marker, clock.now())
        await DataService(db).delete(ALICE)
        leftovers = {
            p.name: marker.encode() in p.read_bytes() for p in tmp_path.iterdir() if p.is_file()
        }
        assert leftovers and not any(leftovers.values()), leftovers
    finally:
        await db.close()


async def test_a_delete_meeting_the_first_reminder_being_recorded_goes_through(db: Database):
    """On PostgreSQL, recording a delivered reminder (with the DM channel Discord gave it) and
    deleting the person lock the same rows; neither may leave the other failing."""
    if db.dialect != "postgresql":
        pytest.skip("SQLite runs one writer at a time: no two transactions hold rows at once")
    from datetime import timedelta

    from bot.services.reminders.outcomes import plan_due
    from bot.store.data_rights import delete_person
    from bot.store.reminders import SENT, ReminderStore

    clock = FakeClock("2026-03-02T12:00:00+00:00")
    await _due_reminder(db, clock)
    store = ReminderStore(db)
    claim = await store.claim_due_schedule(
        ALICE, clock.now(), "me", lambda r: plan_due(r, clock.now(), timedelta(hours=1))
    )
    assert claim is not None
    # Recording the DM channel takes a moment, so the deletion starts while it is under way.
    async with db.transaction() as conn:
        await conn.execute(
            "CREATE FUNCTION slow_channel() RETURNS trigger LANGUAGE plpgsql AS $$"
            " BEGIN PERFORM pg_sleep(0.5); RETURN NEW; END $$"
        )
        await conn.execute(
            "CREATE TRIGGER slow_channel AFTER UPDATE OF dm_channel_id ON reminder_schedules"
            " FOR EACH ROW EXECUTE FUNCTION slow_channel()"
        )

    async def delete_meanwhile() -> dict[str, int]:
        await asyncio.sleep(0.2)
        return await delete_person(db, ALICE)

    recorded, counts = await asyncio.gather(
        store.finish(claim, SENT, clock.now(), dm_channel_id=555), delete_meanwhile()
    )
    assert recorded and counts["people"] == 1
    assert await rows_about(db, ALICE) == {}
