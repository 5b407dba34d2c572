"""One run of a routine: :class:`RoutineSession`, a pure state machine over a plan's phases.

Every method takes the current instant; nothing here reads a clock or sleeps. Phase boundaries are
computed from the start instant and the time spent paused, never by adding up waits, so a late
wake-up does not push the next phase back: each event carries its exact planned instant.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import ClassVar, Literal

from bot.core.routine.plan import Phase, RoutinePlan

State = Literal["running", "paused", "finished", "stopped"]


@dataclass(frozen=True)
class PhaseStarted:
    """A phase began at ``at`` and ends at ``ends_at`` unless paused."""

    kind: ClassVar[str] = "phase_started"
    at: datetime
    index: int
    count: int  # phases in the plan (after any added rounds)
    phase: Phase
    ends_at: datetime


@dataclass(frozen=True)
class Paused:
    kind: ClassVar[str] = "paused"
    at: datetime
    index: int
    phase: Phase
    remaining: timedelta  # left in the phase


@dataclass(frozen=True)
class Resumed:
    kind: ClassVar[str] = "resumed"
    at: datetime
    index: int
    phase: Phase
    ends_at: datetime  # the phase's new end


@dataclass(frozen=True)
class RoundAdded:
    kind: ClassVar[str] = "round_added"
    at: datetime
    rounds: int  # the block's rounds now
    count: int  # phases in the plan now
    remaining: timedelta  # left in the whole routine


@dataclass(frozen=True)
class Finished:
    kind: ClassVar[str] = "finished"
    at: datetime


@dataclass(frozen=True)
class Stopped:
    kind: ClassVar[str] = "stopped"
    at: datetime
    index: int
    phase: Phase


Event = PhaseStarted | Paused | Resumed | RoundAdded | Finished | Stopped


class RoutineSession:
    """One run of a plan. Every method takes ``now``; each returns the events it caused, in order.

    Transitions that make no sense in the current state (pausing a paused session, resuming a
    running one, anything after the end) do nothing and return only the boundary events that
    ``now`` has passed. Call :meth:`advance` at :meth:`next_deadline` (or any time) to get the
    phase boundaries passed; the first call also announces the first phase.
    """

    def __init__(self, plan: RoutinePlan, started_at: datetime):
        if not plan.phases:
            raise ValueError(f"routine {plan.id!r} has no phases")
        if started_at.tzinfo is None:
            raise ValueError("started_at must be an aware datetime")
        self.plan = plan
        self.started_at = started_at
        self.ended_at: datetime | None = None
        self.rounds_added = 0
        self._state: State = "running"
        self._index = 0
        self._ends: list[timedelta] = []
        self._recompute()
        # While running, active time at instant t is _base + (t - _anchor); while paused it is _base.
        self._anchor = started_at
        self._base = timedelta()
        self._announced = False
        self.paused_for = timedelta()  # total time spent paused
        self._paused_at: datetime | None = None

    # --- reading ---

    @property
    def state(self) -> State:
        return self._state

    @property
    def done(self) -> bool:
        return self._state in ("finished", "stopped")

    @property
    def index(self) -> int:
        return self._index

    @property
    def phase(self) -> Phase:
        """The current phase (the last one once finished)."""
        return self.plan.phases[self._index]

    @property
    def count(self) -> int:
        return len(self.plan.phases)

    @property
    def round(self) -> tuple[int, int]:
        """(round n, of N) of the current phase's block."""
        return self.phase.round, self.phase.of

    @property
    def duration(self) -> timedelta:
        return self._ends[-1]

    def elapsed(self, now: datetime) -> timedelta:
        """Time spent doing the routine (pauses excluded), at most its whole length."""
        if self._state == "running":
            active = self._base + max(now - self._anchor, timedelta())
        else:
            active = self._base
        return min(active, self.duration)

    def remaining(self, now: datetime) -> timedelta:
        return self.duration - self.elapsed(now)

    def phase_remaining(self, now: datetime) -> timedelta:
        left = self._ends[self._index] - self.elapsed(now)
        return max(timedelta(), min(left, self.phase.duration))

    def phase_progress(self, now: datetime) -> float:
        """How much of the current phase is done, 0.0 to 1.0."""
        if self._state == "finished":
            return 1.0
        total = self.phase.duration
        return _fraction(total - self.phase_remaining(now), total)

    def progress(self, now: datetime) -> float:
        """How much of the whole routine is done, 0.0 to 1.0."""
        return _fraction(self.elapsed(now), self.duration)

    def next_deadline(self) -> datetime | None:
        """When the current phase ends; ``None`` while paused or once over."""
        if self._state != "running":
            return None
        return self._deadline()

    def ends_at(self) -> datetime | None:
        """When the whole routine ends if not paused again; ``None`` while paused or once over."""
        if self._state != "running":
            return None
        return self._anchor + (self.duration - self._base)

    # --- transitions ---

    def advance(self, now: datetime) -> list[Event]:
        """Every phase boundary passed by ``now``, each at its planned instant."""
        events: list[Event] = []
        if not self._announced:
            self._announced = True
            events.append(self._phase_started(self.started_at))
        while self._state == "running" and now >= self._deadline():
            at = self._deadline()
            if self._index + 1 < len(self.plan.phases):
                self._index += 1
                events.append(self._phase_started(at))
            else:
                self._base = self.duration
                self._anchor = at
                self._state = "finished"
                self.ended_at = at
                events.append(Finished(at))
        return events

    def pause(self, now: datetime) -> list[Event]:
        events = self.advance(now)
        if self._state == "running":
            now = max(now, self._anchor)
            self._base += now - self._anchor
            self._state = "paused"
            self._paused_at = now
            events.append(Paused(now, self._index, self.phase, self.phase_remaining(now)))
        return events

    def resume(self, now: datetime) -> list[Event]:
        events = self.advance(now)
        if self._state == "paused":
            assert self._paused_at is not None
            now = max(now, self._paused_at)
            self.paused_for += now - self._paused_at
            self._paused_at = None
            self._anchor = now
            self._state = "running"
            events.append(Resumed(now, self._index, self.phase, self._deadline()))
        return events

    def stop(self, now: datetime) -> list[Event]:
        events = self.advance(now)
        if self._state in ("running", "paused"):
            if self._state == "running":
                now = max(now, self._anchor)
                self._base += now - self._anchor
            else:
                assert self._paused_at is not None
                now = max(now, self._paused_at)
                self.paused_for += now - self._paused_at
                self._paused_at = None
            self._state = "stopped"
            self.ended_at = now
            events.append(Stopped(now, self._index, self.phase))
        return events

    def can_add_round(self) -> bool:
        """Whether :meth:`add_round` would add one now."""
        if self.done or not self.plan.can_add_round:
            return False
        assert self.plan.extend_block is not None
        return self._index <= self.plan.block_indices(self.plan.extend_block)[-1]

    def add_round(self, now: datetime) -> list[Event]:
        """One more round of the plan's extendable block, if it is not over and not at its limit."""
        events = self.advance(now)
        if self.can_add_round():
            self.plan = self.plan.with_added_round()
            self.rounds_added += 1
            self._recompute()
            block = self.plan.extend_block
            assert block is not None
            rounds = self.plan.phases[self.plan.block_indices(block)[-1]].of
            events.append(RoundAdded(now, rounds, self.count, self.remaining(now)))
        return events

    def clock_stepped(self, by: timedelta) -> None:
        """The clock the instants come from was stepped by ``by`` (back, when negative: NTP
        correcting it, say; forward after the computer slept). Move the session's timeline with
        it, so what was done stays done and what is left stays left, instead of the current phase
        lasting ``-by`` longer, or every phase left passing at once."""
        if self.done:
            return
        self.started_at += by
        self._anchor += by
        if self._paused_at is not None:
            self._paused_at += by

    # --- internals ---

    def _recompute(self) -> None:
        ends: list[timedelta] = []
        total = timedelta()
        for p in self.plan.phases:
            total += p.duration
            ends.append(total)
        self._ends = ends

    def _deadline(self) -> datetime:
        return self._anchor + (self._ends[self._index] - self._base)

    def _phase_started(self, at: datetime) -> PhaseStarted:
        return PhaseStarted(at, self._index, self.count, self.phase, self._deadline())


def _fraction(part: timedelta, whole: timedelta) -> float:
    if whole <= timedelta():
        return 1.0
    return max(0.0, min(1.0, part / whole))
