"""The routine session state machine, and plans that take an extra round or a scale."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.core.routine.parsing import parse_routines
from bot.core.routine.plan import RoutinePlan
from bot.core.routine.session import (
    Finished,
    Paused,
    PhaseStarted,
    Resumed,
    RoundAdded,
    RoutineSession,
    Stopped,
)

T0 = datetime(2025, 3, 10, 7, 30, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def small_plan(rounds: int = 2, extra: int = 1) -> RoutinePlan:
    """get ready 5 s, then ``rounds`` x (squeeze 7 s, relax 3 s), then a 4 s cool-down."""
    data = {
        "routines": [
            {
                "id": "t",
                "name": "Test",
                "description": "A test routine.",
                "blocks": [
                    {
                        "phases": [
                            {"label": "Get ready", "cue": "Ready", "seconds": 5, "kind": "prepare"}
                        ]
                    },
                    {
                        "rounds": rounds,
                        "extra_rounds": extra,
                        "phases": [
                            {
                                "label": "Squeeze",
                                "cue": "Squeeze, tighter every second",
                                "seconds": 7,
                            },
                            {"label": "Relax", "cue": "Relax", "seconds": 3, "kind": "rest"},
                        ],
                    },
                    {
                        "phases": [
                            {"label": "Cool down", "cue": "Breathe", "seconds": 4, "kind": "rest"}
                        ]
                    },
                ],
            }
        ],
        "daily": {1: ["t"], 2: ["t"], 3: ["t"], 4: ["t"]},
    }
    book, issues = parse_routines(data, "routines.yaml")
    assert issues == []
    return book.routines["t"]


# --- the session -------------------------------------------------------------------------------


def phases_started(events: list) -> list[tuple[str, datetime]]:
    return [(e.phase.label, e.at) for e in events if isinstance(e, PhaseStarted)]


def test_the_first_advance_announces_the_first_phase_with_its_end():
    session = RoutineSession(small_plan(), T0)
    events = session.advance(T0)
    assert len(events) == 1
    first = events[0]
    assert isinstance(first, PhaseStarted)
    assert (first.phase.label, first.at, first.ends_at, first.index, first.count) == (
        "Get ready",
        T0,
        at(5),
        0,
        6,
    )
    assert session.advance(at(1)) == []
    assert session.next_deadline() == at(5)


def test_advance_emits_every_boundary_passed_at_its_planned_instant_then_finishes():
    session = RoutineSession(small_plan(), T0)
    session.advance(T0)
    late = session.advance(at(16.9))  # a wake-up long after several boundaries
    assert phases_started(late) == [("Squeeze", at(5)), ("Relax", at(12)), ("Squeeze", at(15))]
    assert session.round == (2, 2)
    assert session.next_deadline() == at(22)
    rest = session.advance(at(100))
    assert phases_started(rest) == [("Relax", at(22)), ("Cool down", at(25))]
    assert isinstance(rest[-1], Finished) and rest[-1].at == at(29)
    assert session.state == "finished" and session.ended_at == at(29)
    assert session.next_deadline() is None
    assert session.progress(at(200)) == 1.0 and session.phase_progress(at(200)) == 1.0


def test_a_late_wake_up_does_not_push_later_phases_back():
    session = RoutineSession(small_plan(), T0)
    session.advance(T0)
    ends = []
    for deadline_late_by in (0.3, 0.7, 0.05, 0.9):
        deadline = session.next_deadline()
        assert deadline is not None
        events = session.advance(deadline + timedelta(seconds=deadline_late_by))
        ends.append(events[-1].at)
    assert ends == [at(5), at(12), at(15), at(22)]


def test_progress_and_time_left_mid_phase():
    session = RoutineSession(small_plan(), T0)
    session.advance(at(8.5))  # half way through the first squeeze (5 .. 12)
    now = at(8.5)
    assert session.phase.label == "Squeeze"
    assert session.phase_remaining(now) == timedelta(seconds=3.5)
    assert session.phase_progress(now) == pytest.approx(0.5)
    assert session.elapsed(now) == timedelta(seconds=8.5)
    assert session.remaining(now) == timedelta(seconds=29 - 8.5)
    assert session.progress(now) == pytest.approx(8.5 / 29)


def test_pause_holds_the_clock_and_resume_shifts_every_later_boundary_by_the_pause():
    session = RoutineSession(small_plan(), T0)
    session.advance(T0)
    events = session.pause(at(3))
    assert isinstance(events[-1], Paused) and events[-1].remaining == timedelta(seconds=2)
    assert session.state == "paused"
    assert session.next_deadline() is None
    # Nothing moves while paused, however long it lasts.
    assert session.advance(at(500)) == []
    assert session.phase_remaining(at(500)) == timedelta(seconds=2)
    assert session.elapsed(at(500)) == timedelta(seconds=3)
    resumed = session.resume(at(63))
    assert isinstance(resumed[-1], Resumed) and resumed[-1].ends_at == at(65)
    assert session.next_deadline() == at(65)
    assert session.paused_for == timedelta(seconds=60)
    finish = session.advance(at(1000))
    assert phases_started(finish)[0] == ("Squeeze", at(65))
    assert finish[-1] == Finished(at(89))


def test_pausing_after_boundaries_reports_them_first():
    session = RoutineSession(small_plan(), T0)
    session.advance(T0)
    events = session.pause(at(13))
    assert phases_started(events) == [("Squeeze", at(5)), ("Relax", at(12))]
    assert isinstance(events[-1], Paused) and events[-1].phase.label == "Relax"
    assert events[-1].remaining == timedelta(seconds=2)


def test_transitions_that_make_no_sense_do_nothing():
    session = RoutineSession(small_plan(), T0)
    session.advance(T0)
    assert session.resume(at(1)) == []  # not paused
    session.pause(at(2))
    assert session.pause(at(3)) == []  # already paused
    session.resume(at(4))
    session.stop(at(6))
    for change in (session.pause, session.resume, session.stop, session.add_round, session.advance):
        assert change(at(7)) == []
    assert session.state == "stopped"


def test_stop_while_running_records_where_it_stopped():
    session = RoutineSession(small_plan(), T0)
    session.advance(T0)
    events = session.stop(at(6))
    assert phases_started(events) == [("Squeeze", at(5))]
    assert events[-1] == Stopped(at(6), 1, session.phase)
    assert session.state == "stopped" and session.ended_at == at(6)
    assert session.elapsed(at(50)) == timedelta(seconds=6)
    assert session.next_deadline() is None


def test_stop_while_paused_counts_the_pause_and_keeps_the_elapsed_time():
    session = RoutineSession(small_plan(), T0)
    session.advance(T0)
    session.pause(at(2))
    events = session.stop(at(40))
    assert isinstance(events[-1], Stopped) and events[-1].at == at(40)
    assert session.elapsed(at(40)) == timedelta(seconds=2)
    assert session.paused_for == timedelta(seconds=38)


def test_stop_after_the_end_is_the_end():
    session = RoutineSession(small_plan(), T0)
    events = session.stop(at(30))
    assert isinstance(events[-1], Finished) and events[-1].at == at(29)
    assert session.state == "finished"


def test_add_round_extends_the_block_and_the_routine():
    session = RoutineSession(small_plan(rounds=2, extra=2), T0)
    session.advance(at(6))
    events = session.add_round(at(6))
    assert isinstance(events[-1], RoundAdded)
    assert events[-1].rounds == 3 and events[-1].count == 8
    assert events[-1].remaining == timedelta(seconds=39 - 6)
    assert session.round == (1, 3)
    assert session.rounds_added == 1
    assert session.duration == timedelta(seconds=39)
    # The new round comes after the last round of the block, before the cool-down.
    later = session.advance(at(1000))
    assert phases_started(later) == [
        ("Relax", at(12)),
        ("Squeeze", at(15)),
        ("Relax", at(22)),
        ("Squeeze", at(25)),
        ("Relax", at(32)),
        ("Cool down", at(35)),
    ]
    squeeze3 = [e for e in later if isinstance(e, PhaseStarted)][3]
    assert (squeeze3.phase.round, squeeze3.phase.of) == (3, 3)
    assert later[-1] == Finished(at(39))


def test_add_round_is_limited_and_only_while_the_block_is_not_over():
    session = RoutineSession(small_plan(rounds=2, extra=1), T0)
    assert any(isinstance(e, RoundAdded) for e in session.add_round(at(1)))
    assert not any(isinstance(e, RoundAdded) for e in session.add_round(at(2)))  # limit reached
    late = RoutineSession(small_plan(rounds=2, extra=1), T0)
    late.advance(at(26))  # in the cool-down: the rounds are over
    assert not late.can_add_round()
    assert late.add_round(at(26)) == []


def test_add_round_while_paused_keeps_the_pause():
    session = RoutineSession(small_plan(), T0)
    session.pause(at(8))
    events = session.add_round(at(9))
    assert isinstance(events[-1], RoundAdded)
    assert session.state == "paused"
    resumed = session.resume(at(10))
    assert resumed[-1].ends_at == at(14)  # the squeeze (5 .. 12) had 4 s left when paused at 8
    assert session.advance(at(1000))[-1] == Finished(at(29 + 10 + 2))


def test_a_plan_without_extra_rounds_cannot_take_one():
    session = RoutineSession(small_plan(extra=0), T0)
    assert not session.can_add_round()
    assert session.add_round(at(1)) == [
        PhaseStarted(T0, 0, 6, small_plan(extra=0).phases[0], at(5))
    ]


def test_a_session_needs_an_aware_start_and_some_phases():
    with pytest.raises(ValueError):
        RoutineSession(small_plan(), datetime(2025, 1, 1))
    with pytest.raises(ValueError):
        RoutineSession(RoutinePlan("e", "Empty", "", ()), T0)


def test_scaled_plans_keep_their_shape():
    plan = small_plan().scaled(0.01)
    assert plan.total_seconds == pytest.approx(0.29)
    assert plan.with_added_round().total_seconds == pytest.approx(0.39)
