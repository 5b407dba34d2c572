"""What the routine service hands out: a person's running session (:class:`RoutineHandle`), the
answer when one already runs, an unknown routine, and a person's streaks; and how a routine's name
is matched whatever its case, spaces, hyphens or accents."""

from __future__ import annotations

import asyncio
import logging
import unicodedata
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.core.routine.plan import RoutinePlan
from bot.core.routine.session import Event, RoutineSession, State
from bot.core.streaks import Streaks
from bot.core.timezones import PersonZone
from bot.services.messages import already_running
from bot.services.zones import zone_note

EventCallback = Callable[[Event], Awaitable[None] | None]

log = logging.getLogger("bot.services.routines")


def folded(text: str) -> str:
    """Only the letters and digits of ``text``, in lower case and without accents: "Flare-up" and
    "flare up" are both "flareup"."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", text.casefold()) if ch.isalnum())


class UnknownRoutine(LookupError):
    """No routine has the id asked for; ``names`` lists the (id, name) of those that exist."""

    def __init__(self, routine_id: str, names: list[tuple[str, str]]):
        self.routine_id = routine_id
        self.names = names
        known = ", ".join(rid for rid, _ in names)
        super().__init__(f"no routine called {routine_id!r} (known: {known})")


@dataclass(eq=False)
class RoutineHandle:
    """A running (or just ended) session of one person. Read it; change it through the service."""

    session_id: int  # 0 for a trial, which is not recorded
    user_id: int
    session: RoutineSession
    channel: str | None = None
    recorded: bool = True
    on_event: EventCallback | None = None
    task: asyncio.Task[None] | None = field(default=None, repr=False)
    _sleeper: asyncio.Future[None] | None = field(default=None, repr=False)
    _outbox: deque[Event] = field(default_factory=deque, repr=False)
    _delivering: bool = field(default=False, repr=False)
    _recording: asyncio.Future[None] | None = field(default=None, repr=False)
    _first_write: asyncio.Future[None] | None = field(default=None, repr=False)
    _waited: asyncio.Future[None] | None = field(default=None, repr=False)  # recorded, or patience
    # The person deleted their data: the session was stopped for that, and nothing of it is kept.
    data_deleted: bool = False
    # When the clock was last read for the session, and the steady clock's seconds then.
    _seen: tuple[datetime, float] | None = field(default=None, repr=False)

    @property
    def plan(self) -> RoutinePlan:
        return self.session.plan

    @property
    def state(self) -> State:
        return self.session.state

    def read_clock(self, now: datetime, steady: float, step: timedelta) -> None:
        """The clock read ``now`` for the session, the steady clock (never stepped) ``steady``
        seconds: when the clock moved more than ``step`` away from the steady clock since the
        session last read it, the session's timeline moves with it (see ``RoutineService.now``)."""
        if self._seen is not None:
            seen, seen_steady = self._seen
            moved = now - (seen + timedelta(seconds=steady - seen_steady))
            if abs(moved) > step:
                way = "forward" if moved > timedelta() else "back"
                log.warning(
                    "the clock went %s %s during routine %s", way, abs(moved), self.session_id
                )
                self.session.clock_stepped(moved)
        self._seen = (now, steady)

    def woke(self, late: float, step: timedelta) -> None:
        """The session's task woke ``late`` seconds (steady clock) after it meant to. More than
        ``step`` late, nothing ran meanwhile: the process was stopped and continued (SIGSTOP,
        a frozen container or virtual machine), no cue came and a terminal's screen stood still.
        The routine goes on where it was, as after the computer slept, instead of every phase left
        passing at once; a wake-up a little late (a busy machine) keeps the plan."""
        if late > step.total_seconds():
            log.warning(
                "routine %s went on %.0f s late (its process was stopped); it goes on where it was",
                self.session_id,
                late,
            )
            self.session.clock_stepped(timedelta(seconds=late))

    async def wait(self) -> State:
        """Wait until the session has ended and been recorded (while the database is away, at
        most ``END_PATIENCE`` for the record); its final state."""
        if self.task is not None:
            await asyncio.wait({self.task})
        return self.session.state

    async def end_written(self) -> None:
        """Wait until the session's end is recorded, however long the database is away (or the
        process stops: then it was tried once more)."""
        await self.wait()
        if self._recording is not None:
            await asyncio.wait({self._recording})


@dataclass(frozen=True)
class AlreadyRunning:
    """The person already has a routine running. Offer to ``stop`` it, then ``start`` again."""

    running: RoutineHandle
    offer: tuple[str, ...] = ("stop", "start")

    @property
    def message(self) -> str:
        return already_running(self.running.plan.name)


StartResult = RoutineHandle | AlreadyRunning


@dataclass(frozen=True)
class PersonStreaks:
    """A person's streaks and the zone their days were counted in."""

    streaks: Streaks
    zone: PersonZone

    def note(self, set_zone: str | None = None) -> str | None:
        """The line to show beside the streak when the days are not counted in the person's own
        zone (:func:`bot.services.zones.zone_note`); None when they are."""
        return zone_note(self.zone, set_zone)
