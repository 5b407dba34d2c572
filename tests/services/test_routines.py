"""The routine service: sessions run on a fake clock, recorded in a real SQLite file."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from bot.core.routine.parsing import parse_routines
from bot.core.routine.plan import RoutineBook
from bot.core.routine.session import (
    Event,
    Finished,
    Paused,
    PhaseStarted,
    Resumed,
    RoundAdded,
    Stopped,
)
from bot.services.routine_handles import AlreadyRunning, RoutineHandle, UnknownRoutine
from bot.services.routines import RoutineService
from bot.store.db import Database
from bot.store.people import PeopleStore
from bot.store.routines import RoutineSessionStore
from tests.support.fakes import FakeClock

ROUTINES_FILE = Path(__file__).resolve().parents[2] / "knowledge" / "routines.yaml"
T0 = datetime(2025, 3, 10, 7, 30, tzinfo=UTC)
BOOTY_FLEX_SECONDS = 5 + 10 * (7 + 3)
STEP2_SECONDS = 5 + 30 + 5 + 30 + BOOTY_FLEX_SECONDS


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


class LateClock(FakeClock):
    """Every sleep ends ``late`` seconds after it should, as on a busy machine."""

    def __init__(self, start: datetime, late: float):
        super().__init__(start)
        self.late = late
        self.asked: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.asked.append(seconds)
        await super().sleep(seconds + self.late)


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def run_for(clock: FakeClock, seconds: float) -> None:
    """Let the session's own sleeps carry virtual time ``seconds`` further, and stop it there."""
    clock.release(clock.now() + timedelta(seconds=seconds))
    await settle()
    await clock.until_parked()


async def run_to_end(clock: FakeClock, handle: RoutineHandle) -> str:
    """Let the session run to its end with no limit; then hold time where it ended."""
    clock.release(None)
    state = await handle.wait()
    clock.horizon = clock.now()
    return state


@pytest.fixture(scope="module")
def book() -> RoutineBook:
    book, issues = parse_routines(
        yaml.safe_load(ROUTINES_FILE.read_text(encoding="utf-8")), "routines.yaml"
    )
    assert issues == []
    return book


@pytest.fixture
def clock() -> FakeClock:
    clock = FakeClock(T0)
    clock.horizon = T0  # time moves only when a test lets it
    return clock


@pytest.fixture
async def service(db: Database, book: RoutineBook, clock: FakeClock):
    svc = RoutineService(db, book, clock, clock.sleep, steady=clock.steady)
    yield svc
    await svc.shutdown()


class Recorder:
    def __init__(self) -> None:
        self.events: list[Event] = []

    def __call__(self, event: Event) -> None:
        self.events.append(event)

    def started(self) -> list[tuple[str, datetime]]:
        return [(e.phase.label, e.at) for e in self.events if isinstance(e, PhaseStarted)]

    def kinds(self) -> list[str]:
        return [e.kind for e in self.events]


async def started(
    service: RoutineService, user_id: int = 7, routine_id: str | None = "booty-flex", **kw
) -> tuple[RoutineHandle, Recorder]:
    rec = Recorder()
    handle = await service.start(user_id, routine_id, on_event=rec, **kw)
    assert isinstance(handle, RoutineHandle)
    await settle()
    return handle, rec


async def status_of(db: Database, handle: RoutineHandle):
    return await RoutineSessionStore(db).get(handle.session_id)


# --- running to the end ------------------------------------------------------------------------


async def test_a_trial_runs_like_any_routine_but_nothing_of_it_is_stored(service, clock, db):
    handle, rec = await started(service, record=False)
    assert await run_to_end(clock, handle) == "finished"
    assert rec.events[-1] == Finished(at(BOOTY_FLEX_SECONDS))
    assert await db.fetchall("SELECT * FROM routine_sessions") == []
    assert (await service.streaks(7, "UTC")).longest == 0
    assert not await service.did_routine_between(7, T0, at(BOOTY_FLEX_SECONDS + 1))
    await started(service, record=False)  # and the person is free for the next one
    assert await service.stop(7)
    assert await db.fetchall("SELECT * FROM routine_sessions") == []


async def test_a_routine_runs_phase_by_phase_on_time_and_is_recorded_finished(service, clock, db):
    handle, rec = await started(service)
    assert rec.started() == [("Get ready", T0)]
    assert (await status_of(db, handle)).status == "running"
    await run_for(clock, 5)
    assert rec.started()[-1] == ("Squeeze", at(5))
    assert rec.events[-1].ends_at == at(12)
    assert await run_to_end(clock, handle) == "finished"
    assert rec.events[-1] == Finished(at(BOOTY_FLEX_SECONDS))
    assert len(rec.started()) == 21
    record = await status_of(db, handle)
    assert (record.status, record.routine_id, record.started_at, record.ended_at) == (
        "finished",
        "booty-flex",
        T0,
        at(BOOTY_FLEX_SECONDS),
    )
    assert service.active(7) is None
    # It slept until each phase's end, not in small steps.
    assert clock.slept[:3] == [5.0, 7.0, 3.0]
    assert sum(clock.slept) == BOOTY_FLEX_SECONDS


async def test_late_wake_ups_do_not_accumulate(db, book):
    clock = LateClock(T0, late=0.4)
    service = RoutineService(db, book, clock, clock.sleep, steady=clock.steady)
    handle, rec = await started(service)
    assert await handle.wait() == "finished"
    planned = [T0]
    for p in handle.plan.phases[:-1]:
        planned.append(planned[-1] + p.duration)
    assert [when for _, when in rec.started()] == planned
    assert rec.events[-1] == Finished(at(BOOTY_FLEX_SECONDS))
    # Each sleep asked for was shortened by the lateness of the one before it.
    assert clock.asked[:3] == pytest.approx([5, 7 - 0.4, 3 - 0.4])


class SteppedClock:
    """The system clock as NTP may leave it: ``FakeClock`` time plus ``offset``, which a test
    steps; ``steady`` is the clock that is never stepped (seconds of ``FakeClock`` time)."""

    def __init__(self, clock: FakeClock):
        self.clock = clock
        self.offset = timedelta()

    def now(self) -> datetime:
        return self.clock.now() + self.offset

    def steady(self) -> float:
        return (self.clock.now() - T0).total_seconds()


async def test_a_routine_keeps_its_length_when_the_clock_is_stepped_back(db, book, clock):
    wall = SteppedClock(clock)
    service = RoutineService(db, book, wall.now, clock.sleep, steady=wall.steady)
    handle, rec = await started(service)
    await run_for(clock, 20)  # Get ready (5 s), then the second round's Squeeze started at 15 s
    assert await service.pause(7)
    wall.offset = -timedelta(hours=1)  # NTP sets the clock back an hour
    await run_for(clock, 10)
    assert await service.resume(7)
    # The Squeeze paused 5 s in has its 2 s left, on the clock as it is now.
    assert rec.events[-1].ends_at == at(32) - timedelta(hours=1)
    assert await run_to_end(clock, handle) == "finished"
    # 115 s of routine and 10 s of pause: not an hour longer, nor started over.
    assert clock.now() == at(BOOTY_FLEX_SECONDS + 10)
    assert len(rec.started()) == 21
    record = await status_of(db, handle)
    assert (record.status, record.ended_at) == ("finished", wall.now())
    await service.shutdown()


async def test_a_routine_keeps_its_length_when_the_clock_jumps_forward(db, book, clock):
    wall = SteppedClock(clock)
    service = RoutineService(db, book, wall.now, clock.sleep, steady=wall.steady)
    handle, rec = await started(service)
    await run_for(clock, 20)
    # The laptop slept an hour with its lid closed (the steady clock stops meanwhile), or NTP set
    # the clock forward: 20 s of the routine done, 95 s still to do.
    wall.offset = timedelta(hours=1)
    assert await service.pause(7)  # still going, where it was: not "Done!" at once
    assert "finished" not in rec.kinds()
    assert await service.resume(7)
    assert await run_to_end(clock, handle) == "finished"
    assert clock.now() == at(BOOTY_FLEX_SECONDS)  # all 115 s of it
    assert len(rec.started()) == 21
    record = await status_of(db, handle)
    assert (record.status, record.ended_at) == ("finished", wall.now())
    await service.shutdown()


async def test_the_daily_routine_follows_the_step_in_the_store(service, clock, db):
    await PeopleStore(db).set_step(7, 2, "test", T0)
    handle, rec = await started(service, routine_id=None)
    assert handle.plan.id == "daily-step-2"
    await run_for(clock, 5)
    assert rec.started()[1] == ("Left side", at(5))
    assert await run_to_end(clock, handle) == "finished"
    assert rec.events[-1] == Finished(at(STEP2_SECONDS))
    assert (await status_of(db, handle)).routine_id == "daily-step-2"


async def test_someone_new_gets_the_step_one_routine_and_is_remembered(service, db):
    handle, _ = await started(service, user_id=42, routine_id=None)
    assert handle.plan.id == "daily-step-1"
    person = await PeopleStore(db).get(42)
    assert person is not None and person.step == 1


async def test_an_explicit_step_wins(service):
    handle, _ = await started(service, routine_id="daily", step=3)
    assert handle.plan.id == "daily-step-3"


async def test_an_unknown_routine_is_refused_with_the_names_that_exist(service):
    with pytest.raises(UnknownRoutine) as caught:
        await service.start(7, "planks")
    assert ("booty-flex", "Booty flexes") in caught.value.names
    assert service.active(7) is None


async def test_a_routine_named_in_part_is_the_one_it_fits_and_several_fits_are_refused(service):
    assert (await service.plan_for(7, "flare up")).id == "flare-up"
    assert (await service.plan_for(7, "GLUTE STRETCH")).id == "glute-stretch"
    with pytest.raises(UnknownRoutine):
        await service.plan_for(7, "flexes")  # Booty flexes and Flare-up booty flexes
    # All of booty-flex's id, and only part of Flare-up booty flexes: the one it names whole.
    assert (await service.plan_for(7, "booty flex")).id == "booty-flex"


# --- one session per person --------------------------------------------------------------------


async def test_starting_a_second_routine_asks_to_stop_the_first(service, clock, db):
    first, _ = await started(service)
    second = await service.start(7, "flare-up")
    assert isinstance(second, AlreadyRunning)
    assert second.running is first
    assert second.offer == ("stop", "start")
    assert "Booty flexes" in second.message
    # Someone else can start theirs.
    other, _ = await started(service, user_id=8)
    assert other.state == "running"
    # Stop, then start: the first is recorded as stopped.
    await run_for(clock, 3)
    assert await service.stop(7)
    assert (await status_of(db, first)).status == "stopped"
    assert (await status_of(db, first)).ended_at == at(3)
    third, _ = await started(service, routine_id="flare-up")
    assert third.plan.id == "flare-up"
    assert await first.wait() == "stopped"


async def test_two_starts_at_once_give_one_session(service):
    results = await asyncio.gather(service.start(7, "booty-flex"), service.start(7, "flare-up"))
    handles = [r for r in results if isinstance(r, RoutineHandle)]
    refused = [r for r in results if isinstance(r, AlreadyRunning)]
    assert len(handles) == 1 and len(refused) == 1
    assert refused[0].running is handles[0]


# --- pause, resume, add a round, stop ----------------------------------------------------------


async def test_pause_and_resume_move_the_rest_of_the_routine_by_the_pause(service, clock, db):
    handle, rec = await started(service)
    await run_for(clock, 8)  # 3 s into the first squeeze (5 .. 12)
    assert await service.pause(7)
    assert isinstance(rec.events[-1], Paused) and rec.events[-1].remaining == timedelta(seconds=4)
    assert not await service.pause(7)
    await run_for(clock, 600)  # a long pause: nothing happens, the task only looks in now and then
    assert isinstance(rec.events[-1], Paused)
    assert handle.state == "paused"
    assert max(clock.slept) <= service.paused_recheck
    assert await service.resume(7)
    assert not await service.resume(7)
    assert rec.events[-1] == Resumed(at(608), 1, handle.plan.phases[1], at(612))
    await run_for(clock, 4)
    assert rec.started()[-1] == ("Relax", at(612))
    assert await run_to_end(clock, handle) == "finished"
    assert (await status_of(db, handle)).ended_at == at(BOOTY_FLEX_SECONDS + 600)


async def test_toggle_pause_flips_between_paused_and_running(service, clock):
    handle, rec = await started(service)
    assert await service.toggle_pause(7)
    assert handle.state == "paused"
    assert await service.toggle_pause(7)
    assert handle.state == "running"
    assert rec.kinds()[-2:] == ["paused", "resumed"]


async def test_adding_a_round_makes_the_routine_longer_and_is_recorded(service, clock, db):
    handle, rec = await started(service)
    await run_for(clock, 20)
    assert await service.add_round(7)
    added = rec.events[-1]
    assert isinstance(added, RoundAdded) and added.rounds == 11
    for _ in range(2):
        assert await service.add_round(7)
    assert not await service.add_round(7)  # booty-flex allows three
    await run_for(clock, BOOTY_FLEX_SECONDS)
    assert handle.state == "running"  # the three extra rounds take another 30 s
    assert await run_to_end(clock, handle) == "finished"
    assert rec.events[-1] == Finished(at(BOOTY_FLEX_SECONDS + 30))
    assert [e.phase.of for e in rec.events if isinstance(e, PhaseStarted)][-1] == 13
    record = await status_of(db, handle)
    assert record.rounds_added == 3


async def test_stopping_while_paused_records_it_stopped(service, clock, db):
    handle, rec = await started(service)
    await run_for(clock, 2)
    await service.pause(7)
    await run_for(clock, 10)
    assert await service.stop(7)
    assert isinstance(rec.events[-1], Stopped) and rec.events[-1].at == at(12)
    assert await handle.wait() == "stopped"
    assert (await status_of(db, handle)).status == "stopped"
    assert not await service.stop(7)


async def test_controls_without_a_session_say_so(service):
    assert not await service.pause(7)
    assert not await service.resume(7)
    assert not await service.add_round(7)
    assert not await service.stop(7)
    assert not await service.toggle_pause(7)


# --- front ends that misbehave -----------------------------------------------------------------


async def test_a_failing_event_handler_does_not_stop_the_routine(service, clock, db):
    seen: list[str] = []

    async def flaky(event: Event) -> None:
        seen.append(event.kind)
        if len(seen) == 2:
            raise RuntimeError("the message could not be edited")

    handle = await service.start(7, "flare-up", on_event=flaky)
    assert isinstance(handle, RoutineHandle)
    assert await run_to_end(clock, handle) == "finished"
    assert seen[-1] == "finished" and len(seen) == 8
    assert (await status_of(db, handle)).status == "finished"


async def test_a_handler_may_stop_the_session_itself(service, clock, db):
    events: list[Event] = []

    async def stop_on_second_phase(event: Event) -> None:
        events.append(event)
        if isinstance(event, PhaseStarted) and event.index == 1:
            await service.stop(7)

    handle = await service.start(7, "booty-flex", on_event=stop_on_second_phase)
    assert isinstance(handle, RoutineHandle)
    assert await run_to_end(clock, handle) == "stopped"
    assert [e.kind for e in events] == ["phase_started", "phase_started", "stopped"]
    assert (await status_of(db, handle)).status == "stopped"


# --- restarts ----------------------------------------------------------------------------------


async def test_sessions_left_running_by_a_previous_run_are_marked_interrupted(db, book, clock):
    repo = RoutineSessionStore(db)
    await PeopleStore(db).ensure(7, T0)
    await PeopleStore(db).ensure(8, T0)
    left_7 = await repo.create(7, "booty-flex", T0)
    left_8 = await repo.create(8, "booty-flex", T0)
    # The bot starts again.
    service = RoutineService(db, book, clock, clock.sleep, steady=clock.steady)
    assert await service.recover() == 2
    assert (await repo.get(left_7.id)).status == "interrupted"
    assert (await repo.get(left_8.id)).status == "interrupted"
    assert await repo.running(7) is None
    await service.shutdown()


async def test_starting_over_a_leftover_session_interrupts_it(service, db):
    repo = RoutineSessionStore(db)
    await PeopleStore(db).ensure(7, T0)
    leftover = await repo.create(7, "booty-flex", T0 - timedelta(days=1))
    handle, _ = await started(service)
    assert (await repo.get(leftover.id)).status == "interrupted"
    assert (await repo.running(7)).id == handle.session_id


async def test_recover_leaves_sessions_of_this_run_alone(service, db):
    handle, _ = await started(service)
    assert await service.recover() == 0
    assert (await status_of(db, handle)).status == "running"


async def test_shutting_down_marks_running_sessions_interrupted(service, clock, db):
    handle, _ = await started(service)
    await run_for(clock, 10)
    await service.shutdown()
    assert (await status_of(db, handle)).status == "interrupted"
    assert handle.task is not None and handle.task.done()
    assert service.active(7) is None


# --- history -----------------------------------------------------------------------------------


async def finish_one(
    service: RoutineService, clock: FakeClock, routine_id: str = "flare-up"
) -> RoutineHandle:
    handle, _ = await started(service, routine_id=routine_id)
    assert await run_to_end(clock, handle) == "finished"
    return handle


async def test_streaks_count_finished_routines_in_the_persons_time_zone(db, book):
    new_york = ZoneInfo("America/New_York")
    clock = FakeClock(datetime(2025, 3, 1, tzinfo=UTC))
    clock.horizon = clock.now()
    service = RoutineService(db, book, clock, clock.sleep, steady=clock.steady)
    # 22:00 in New York on three evenings in a row, across the start of daylight saving (March 9).
    for day in (7, 8, 9):
        clock.set(datetime(2025, 3, day, 22, 0, tzinfo=new_york))
        await finish_one(service, clock)
    # A stopped one does not count.
    await started(service)
    await service.stop(7)
    clock.set(datetime(2025, 3, 10, 8, 0, tzinfo=new_york))
    s = await service.streaks(7, "America/New_York")
    assert (s.current, s.longest, s.done_today) == (3, 3, False)
    assert s.week_squares() == "⬜⬜⬜🟩🟩🟩⬜"
    # In Tokyo those evenings are the next mornings: March 8, 9 and 10, and it is the 10th there.
    tokyo = await service.streaks(7, "Asia/Tokyo")
    assert (tokyo.current, tokyo.done_today) == (3, True)
    assert tokyo.week_squares() == "⬜⬜⬜⬜🟩🟩🟩"
    # Their own zone when the bot knows it, else UTC, with a line that says so.
    unknown = await service.person_streaks(7)
    assert unknown.streaks == await service.streaks(7, "UTC")
    assert unknown.note().startswith("Days are counted in UTC, as I don't know your time zone")
    await PeopleStore(db).set_timezone(7, "America/New_York", clock.now())
    own = await service.person_streaks(7)
    assert own.streaks == s and own.note() is None
    await service.shutdown()


async def test_did_routine_between_sees_only_finished_routines(service, clock):
    handle = await finish_one(service, clock)
    end = handle.session.ended_at
    assert end is not None
    assert await service.did_routine_between(
        7, end - timedelta(hours=1), end + timedelta(seconds=1)
    )
    assert not await service.did_routine_between(
        7, end + timedelta(seconds=1), end + timedelta(hours=1)
    )
    await started(service)
    await run_for(clock, 2)
    await service.stop(7)
    assert not await service.did_routine_between(
        7, end + timedelta(seconds=1), clock.now() + timedelta(hours=1)
    )
    assert not await service.did_routine_between(
        8, end - timedelta(hours=1), end + timedelta(hours=1)
    )


async def test_a_routine_whose_person_deleted_their_data_elsewhere_stops_and_recreates_nobody(
    db, book, clock
) -> None:
    # /mydata delete answered by another process of the bot (another shard's, or the terminal's
    # `lowback mydata --delete` beside `lowback routine`), which does not run this routine
    from bot.services.data import DataService
    from bot.store.data_rights import export_person

    service = RoutineService(db, book, clock, clock.sleep, steady=clock.steady)
    events: list[Event] = []
    handle = await service.start(42, "booty-flex", on_event=events.append)
    assert isinstance(handle, RoutineHandle)
    await run_for(clock, 20)
    await DataService(db).delete(42)  # mid-routine, in round 2 of 10
    assert await run_to_end(clock, handle) == "stopped"
    assert handle.data_deleted and isinstance(events[-1], Stopped)
    assert events[-1].at <= at(20 + 10)  # at its next phase or the one after, not at the end
    assert not any(isinstance(e, Finished) for e in events)
    await service.shutdown()
    assert {t: rows for t, rows in (await export_person(db, 42)).items() if rows} == {}


async def test_deleting_ones_data_mid_routine_stops_the_routine_first_and_keeps_nothing(
    db, book, clock
) -> None:
    from bot.services.data import DataService
    from bot.store.data_rights import export_person

    service = RoutineService(db, book, clock, clock.sleep, steady=clock.steady)
    events: list[Event] = []
    handle = await service.start(42, "booty-flex", on_event=events.append)
    assert isinstance(handle, RoutineHandle)
    await run_for(clock, 20)

    reply = await DataService(db, stop_routine=service.stop_for_deletion).delete(42)

    assert handle.state == "stopped" and handle.data_deleted
    assert isinstance(events[-1], Stopped)
    assert service.active(42) is None
    assert reply.body.startswith("Your running routine stopped, and nothing of it is kept.")
    assert await handle.wait() == "stopped"  # the session's task ended: nothing more comes
    assert not any(isinstance(e, Finished) for e in events)
    assert {t: rows for t, rows in (await export_person(db, 42)).items() if rows} == {}


# --- the database away when a routine ends -----------------------------------------------------


@pytest.fixture
async def flaky(database_location):
    """A database that a test can take away and bring back: PostgreSQL behind a relay the test
    cuts (a server restart), or SQLite that another program keeps locked."""
    import sqlite3

    from bot.settings import PostgresURL
    from bot.store.db import open_database
    from tests.support.blackout import Blackout

    if isinstance(database_location, PostgresURL):
        relay = Blackout(database_location.url)
        database = await open_database(PostgresURL(relay.url))
        try:
            yield database, relay.cut, relay.restore
        finally:
            await database.close()
            relay.close()
        return
    database = await open_database(database_location)
    await database.conn.execute("PRAGMA busy_timeout = 50")  # give up on the lock at once
    other = sqlite3.connect(database_location, isolation_level=None)  # a sqlite3 shell, say

    try:
        yield database, lambda: other.execute("BEGIN EXCLUSIVE"), lambda: other.execute("ROLLBACK")
    finally:
        other.close()
        await database.close()


async def test_a_routine_finished_while_the_database_is_away_still_counts(flaky, book, clock):
    db, away, back = flaky
    service = RoutineService(db, book, clock, clock.sleep, steady=clock.steady)
    handle, _ = await started(service)
    away()
    try:
        clock.release(at(BOOTY_FLEX_SECONDS))  # the routine ends while the database is away
        await settle()
        await clock.until_parked()
        assert handle.state == "finished"
    finally:
        back()
    assert await run_to_end(clock, handle) == "finished"
    record = await status_of(db, handle)
    assert record is not None and record.status == "finished"
    assert record.ended_at == at(BOOTY_FLEX_SECONDS)
    assert (await service.streaks(7, "UTC")).done_today
    assert service.active(7) is None


async def test_a_routine_finished_during_a_quarter_hour_outage_counts_once_it_is_back(
    flaky, book, clock
):
    db, away, back = flaky
    service = RoutineService(db, book, clock, clock.sleep, steady=clock.steady)
    handle, rec = await started(service)
    away()
    try:
        clock.release(at(BOOTY_FLEX_SECONDS + 15 * 60))  # done, then 15 minutes without a database
        assert await asyncio.wait_for(handle.wait(), 5) == "finished"  # the front end moves on
        assert rec.kinds()[-1] == "finished"
    finally:
        back()
    clock.release(None)
    await asyncio.wait_for(handle.end_written(), 5)
    record = await status_of(db, handle)
    assert record is not None and record.status == "finished"
    assert record.ended_at == at(BOOTY_FLEX_SECONDS)
    assert (await service.streaks(7, "UTC")).done_today
    again, _ = await started(service)  # and the person can start the next one
    assert again.session_id != handle.session_id


async def test_the_bot_stops_at_once_while_a_routine_end_waits_for_the_database(flaky, book, clock):
    db, away, back = flaky
    service = RoutineService(db, book, clock, clock.sleep, steady=clock.steady)
    handle, _ = await started(service)
    away()
    try:
        clock.release(at(BOOTY_FLEX_SECONDS + 15 * 60))
        assert await asyncio.wait_for(handle.wait(), 5) == "finished"
        await asyncio.wait_for(service.shutdown(), 5)  # tried once more, then left
        await asyncio.wait_for(handle.end_written(), 5)
        assert service.active(7) is None
    finally:
        back()


async def test_stopping_while_the_database_is_away_answers_at_once_and_is_recorded_later(
    flaky, book, clock
):
    db, away, back = flaky
    service = RoutineService(db, book, clock, clock.sleep, steady=clock.steady)
    handle, rec = await started(service)
    await run_for(clock, 20)
    away()
    try:
        assert await asyncio.wait_for(service.stop(7), 5)  # not held until the database is back
        assert rec.kinds()[-1] == "stopped"
    finally:
        back()
    clock.release(None)
    await handle.wait()
    record = await status_of(db, handle)
    assert record is not None and record.status == "stopped"
    assert service.active(7) is None
