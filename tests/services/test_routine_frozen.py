"""A routine whose process was stopped and continued (``kill -STOP`` / ``-CONT``, a frozen
container, a virtual machine paused by its host): nothing ran meanwhile, no cue came, and the
screen stood still; the clock and the steady clock both went on. The routine goes on where it
was, as after the computer slept, instead of saying "Done!" the moment it runs again."""

from __future__ import annotations

from datetime import timedelta

from bot.core.routine.session import Finished
from bot.services.routines import RoutineService
from tests.services.test_routines import (
    BOOTY_FLEX_SECONDS,
    T0,
    at,
    started,
    status_of,
)
from tests.services.test_routines import book as book  # the fixture
from tests.support.fakes import FakeClock

STOPPED = 5 * 60


class StoppedOnce(FakeClock):
    """The process is stopped during its ``nth`` sleep and continued ``STOPPED`` seconds after
    that sleep should have ended: wall and steady clock alike are that much further on."""

    def __init__(self, nth: int):
        super().__init__(T0)
        self.nth = nth
        self.sleeps = 0

    async def sleep(self, seconds: float) -> None:
        self.sleeps += 1
        await super().sleep(seconds + (STOPPED if self.sleeps == self.nth else 0))


async def test_a_routine_stopped_and_continued_goes_on_where_it_was(db, book) -> None:
    clock = StoppedOnce(nth=2)  # during the first round's squeeze (after the 5 s get-ready)
    service = RoutineService(db, book, clock, clock.sleep, steady=clock.steady)
    handle, rec = await started(service)
    assert await handle.wait() == "finished"

    started_at = [when for _, when in rec.started()]
    assert started_at[:2] == [T0, at(5)]  # before the stop, on time
    assert started_at[2] == at(5 + 7 + STOPPED)  # the squeeze it was in when stopped, then rest
    assert len(started_at) == len(handle.plan.phases)  # every phase shown, none skipped
    assert rec.events[-1] == Finished(at(BOOTY_FLEX_SECONDS + STOPPED))
    record = await status_of(db, handle)
    assert record is not None and record.ended_at == at(BOOTY_FLEX_SECONDS + STOPPED)


async def test_a_wake_a_little_late_keeps_the_plan(db, book) -> None:
    class Late(FakeClock):
        async def sleep(self, seconds: float) -> None:
            await super().sleep(seconds + 2)

    clock = Late(T0)
    service = RoutineService(db, book, clock, clock.sleep, steady=clock.steady)
    handle, rec = await started(service)
    assert await handle.wait() == "finished"
    assert rec.events[-1] == Finished(at(BOOTY_FLEX_SECONDS))
    assert handle.session.ended_at - T0 == timedelta(seconds=BOOTY_FLEX_SECONDS)
