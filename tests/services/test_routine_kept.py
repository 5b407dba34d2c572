"""A routine finished while the database is away, and the bot stopped before it is back (a
restart during a PostgreSQL outage, an upgrade while another program holds SQLite's lock): how it
ended is kept beside the database and recorded at the next start, so it counts for the streak."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

from bot.services.container import Services
from bot.services.routine_handles import RoutineHandle
from bot.settings import Settings
from bot.store.routines import RoutineSessionStore
from tests.services.test_routines import BOOTY_FLEX_SECONDS, T0, at
from tests.support.fakes import FakeClock

PERSON = 7


async def test_a_routine_finished_while_the_database_is_away_counts_after_a_restart(
    tmp_path: Path,
) -> None:
    settings = replace(Settings.from_env(environ={}, dotenv=None), database=tmp_path / "bot.db")
    clock = FakeClock(T0)
    clock.horizon = at(BOOTY_FLEX_SECONDS - 1)
    services = await Services.open(settings, clock=clock.now, sleep=clock.sleep)
    await services.db.conn.execute("PRAGMA busy_timeout = 50")  # give up on the lock at once
    handle = await services.routines.start(PERSON, "booty-flex")
    assert isinstance(handle, RoutineHandle)
    await clock.until_parked()
    other = sqlite3.connect(settings.database, isolation_level=None)  # a sqlite3 shell, say
    other.execute("BEGIN EXCLUSIVE")
    try:
        clock.release(at(BOOTY_FLEX_SECONDS + 60))  # done, and the end cannot be written
        await clock.until_parked()
        assert handle.state == "finished"
        await services.close()  # the bot is restarted before the lock goes
    finally:
        other.execute("ROLLBACK")
        other.close()

    again = await Services.open(settings, clock=clock.now, sleep=clock.sleep)
    try:
        record = await RoutineSessionStore(again.db).get(handle.session_id)
        assert record is not None and record.status == "finished"
        assert record.ended_at == at(BOOTY_FLEX_SECONDS)
        assert (await again.routines.person_streaks(PERSON)).streaks.done_today
    finally:
        await again.close()
    assert list(tmp_path.glob("*unwritten*")) == []  # recorded, nothing left to keep


async def test_two_runs_with_the_same_process_id_both_keep_their_routines(tmp_path: Path) -> None:
    """Processes in containers all have the same process id (1, or whatever the init gives): two
    of them on one folder (the shards of a split bot, each in its own container) stopped during
    the same outage each keep how their person's routine ended, and neither replaces the other's."""
    settings = replace(Settings.from_env(environ={}, dotenv=None), database=tmp_path / "bot.db")
    clocks = [FakeClock(T0), FakeClock(T0)]  # one each: the processes run side by side
    runs: list[tuple[Services, RoutineHandle, FakeClock]] = []
    for person, clock in zip((PERSON, PERSON + 1), clocks, strict=True):
        clock.horizon = at(BOOTY_FLEX_SECONDS - 1)
        services = await Services.open(settings, clock=clock.now, sleep=clock.sleep)
        await services.db.conn.execute("PRAGMA busy_timeout = 50")
        handle = await services.routines.start(person, "booty-flex")
        assert isinstance(handle, RoutineHandle)
        await clock.until_parked()
        runs.append((services, handle, clock))
    other = sqlite3.connect(settings.database, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        for _, handle, clock in runs:  # both done, and neither end can be written
            clock.release(at(BOOTY_FLEX_SECONDS + 60))
            await clock.until_parked()
            assert handle.state == "finished"
        for services, _, _ in runs:  # both stopped (an upgrade) before the lock goes
            await services.close()
    finally:
        other.execute("ROLLBACK")
        other.close()

    again = await Services.open(settings, clock=clocks[0].now, sleep=clocks[0].sleep)
    try:
        for _, handle, _ in runs:
            record = await RoutineSessionStore(again.db).get(handle.session_id)
            assert record is not None and record.status == "finished"
            assert (await again.routines.person_streaks(handle.user_id)).streaks.done_today
    finally:
        await again.close()
    assert list(tmp_path.glob("*unwritten*")) == []
