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
