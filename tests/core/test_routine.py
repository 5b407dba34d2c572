"""Routine plans from the knowledge base, their validation, and the session state machine."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from bot.core.routine import (
    Finished,
    Paused,
    PhaseStarted,
    Resumed,
    RoundAdded,
    RoutineBook,
    RoutinePlan,
    RoutineSession,
    Stopped,
    parse_routines,
)

ROUTINES_FILE = Path(__file__).resolve().parents[2] / "knowledge" / "routines.yaml"
T0 = datetime(2025, 3, 10, 7, 30, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


@pytest.fixture(scope="module")
def raw() -> dict:
    return yaml.safe_load(ROUTINES_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def book(raw: dict) -> RoutineBook:
    book, issues = parse_routines(raw, "routines.yaml")
    assert issues == []
    return book


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


# --- the bundled routines ----------------------------------------------------------------------


def test_booty_flex_is_ten_rounds_of_a_seven_second_squeeze_with_a_short_relax(book: RoutineBook):
    plan = book.get("booty-flex")
    assert plan is not None
    squeezes = [p for p in plan.phases if p.label == "Squeeze"]
    relaxes = [p for p in plan.phases if p.label == "Relax"]
    assert len(squeezes) == 10 and len(relaxes) == 10
    assert {p.seconds for p in squeezes} == {7}
    assert all(0 < p.seconds <= 5 for p in relaxes)
    assert squeezes[0].cue == "Squeeze, tighter every second"
    assert relaxes[0].cue == "Relax"
    assert [(p.round, p.of) for p in squeezes] == [(n, 10) for n in range(1, 11)]
    assert squeezes[2].round_text == "round 3 of 10"
    assert plan.can_add_round


def test_glute_stretch_is_thirty_seconds_each_side_with_a_switch(book: RoutineBook):
    plan = book.get("glute-stretch")
    assert plan is not None
    sides = [(p.side, p.seconds) for p in plan.phases if p.side]
    assert sides == [("left", 30), ("right", 30)]
    assert any(p.cue == "Switch sides" for p in plan.phases)


def test_flare_up_lets_the_person_add_a_round_or_two(book: RoutineBook):
    plan = book.get("flare-up")
    assert plan is not None
    assert any(p.cue == "Squeeze, tighter every second" for p in plan.phases)
    assert plan.max_extra_rounds == 2
    session = RoutineSession(plan, T0)
    added = [session.add_round(T0) for _ in range(3)]
    assert [any(isinstance(e, RoundAdded) for e in evs) for evs in added] == [True, True, False]


def test_the_daily_routine_follows_the_step(book: RoutineBook):
    step1 = book.daily_for_step(1)
    assert step1.parts == ("booty-flex",)
    assert step1.name == "Your step 1 routine"
    for step in (2, 3, 4):
        plan = book.daily_for_step(step)
        assert plan.parts == ("glute-stretch", "booty-flex")
        assert plan.name == f"Your step {step} routine"
        assert plan.description.startswith("Kneeling glute stretch, then booty flexes")
        # The stretch comes first, the flexes after it, and a round can still be added to the flexes.
        labels = [p.routine for p in plan.phases]
        assert labels.index("booty-flex") > max(
            i for i, r in enumerate(labels) if r == "glute-stretch"
        )
        with_round = plan.with_added_round()
        assert with_round.phases[-1].routine == "booty-flex"
        assert with_round.phases[-1].of == 11
        assert with_round.total_seconds == plan.total_seconds + 10


def test_a_step_outside_the_ladder_gets_the_nearest_daily_routine(book: RoutineBook):
    assert book.daily_for_step(0).parts == ("booty-flex",)
    assert book.daily_for_step(9).parts == ("glute-stretch", "booty-flex")


def test_routines_can_be_found_by_id_or_name_and_listed_for_autocomplete(book: RoutineBook):
    assert book.find("Booty Flexes") is book.get("booty-flex")
    assert book.find(" flare-up ") is book.get("flare-up")
    assert book.find("nope") is None
    assert [rid for rid, _ in book.names()] == ["booty-flex", "glute-stretch", "flare-up"]


# --- validation --------------------------------------------------------------------------------


def issues_of(data: object) -> list[tuple[str | None, str | None]]:
    _, issues = parse_routines(data, "routines.yaml")
    assert all(i.file == "routines.yaml" for i in issues)
    return [(i.topic, i.field) for i in issues]


@pytest.mark.parametrize(
    "data",
    [
        None,
        [],
        "text",
        3,
        {"routines": None},
        {"routines": "x", "daily": 5},
        {"routines": [None, 1, "x", []]},
        {"routines": [{"id": 5, "blocks": [None, {"phases": [None, 3]}]}], "daily": {"one": "x"}},
    ],
)
def test_garbage_is_reported_never_raised(data: object):
    book, issues = parse_routines(data, "routines.yaml")
    assert issues
    assert book.routines == {}


def test_every_problem_is_reported_with_the_routine_and_the_field(raw: dict):
    data = copy.deepcopy(raw)
    flex = data["routines"][0]
    flex["blocks"][1]["phases"][0]["seconds"] = 0
    flex["blocks"][1]["phases"][1]["seconds"] = -3
    flex["blocks"][1]["rounds"] = 500
    flex["colour"] = "red"
    stretch = data["routines"][1]
    stretch["blocks"][0]["phases"][1]["seconds"] = 601
    stretch["blocks"][0]["phases"][1]["side"] = "middle"
    stretch["name"] = "Booty flexes"  # same name as another routine
    data["routines"][2]["id"] = "booty-flex"  # same id as another routine
    found = issues_of(data)
    assert ("booty-flex", "blocks[1].phases[0].seconds") in found
    assert ("booty-flex", "blocks[1].phases[1].seconds") in found
    assert ("booty-flex", "blocks[1].rounds") in found
    assert ("booty-flex", "colour") in found
    assert ("glute-stretch", "blocks[0].phases[1].seconds") in found
    assert ("glute-stretch", "blocks[0].phases[1].side") in found
    assert ("glute-stretch", "name") in found
    assert ("booty-flex", "id") in found


@pytest.mark.parametrize("seconds", [0, -1, 601, "7", True, None, float("nan"), [7]])
def test_a_phase_duration_must_be_a_positive_bounded_number(raw: dict, seconds: object):
    data = copy.deepcopy(raw)
    data["routines"][0]["blocks"][1]["phases"][0]["seconds"] = seconds
    assert ("booty-flex", "blocks[1].phases[0].seconds") in issues_of(data)


@pytest.mark.parametrize(
    "field,value",
    [("rounds", 0), ("rounds", 51), ("rounds", 2.5), ("extra_rounds", -1), ("extra_rounds", 11)],
)
def test_rounds_are_bounded(raw: dict, field: str, value: object):
    data = copy.deepcopy(raw)
    data["routines"][0]["blocks"][1][field] = value
    assert ("booty-flex", f"blocks[1].{field}") in issues_of(data)


def test_a_routine_longer_than_an_hour_is_refused(raw: dict):
    data = copy.deepcopy(raw)
    data["routines"][0]["blocks"][1]["rounds"] = 50
    data["routines"][0]["blocks"][1]["phases"][0]["seconds"] = 600
    assert ("booty-flex", "blocks") in issues_of(data)


def test_only_one_block_may_take_extra_rounds(raw: dict):
    data = copy.deepcopy(raw)
    data["routines"][0]["blocks"][0]["extra_rounds"] = 1
    assert ("booty-flex", "blocks[1].extra_rounds") in issues_of(data)


def test_missing_and_empty_fields(raw: dict):
    data = copy.deepcopy(raw)
    del data["routines"][0]["description"]
    data["routines"][1]["blocks"][0]["phases"][0]["cue"] = "  "
    data["routines"][2]["blocks"] = []
    found = issues_of(data)
    assert ("booty-flex", "description") in found
    assert ("glute-stretch", "blocks[0].phases[0].cue") in found
    assert ("flare-up", "blocks") in found


def test_overlong_texts_are_refused(raw: dict):
    data = copy.deepcopy(raw)
    data["routines"][0]["name"] = "x" * 101
    data["routines"][0]["blocks"][1]["phases"][0]["cue"] = "y" * 201
    found = issues_of(data)
    assert ("booty-flex", "name") in found
    assert ("booty-flex", "blocks[1].phases[0].cue") in found


def test_the_daily_section_must_cover_every_step_with_known_routines(raw: dict):
    data = copy.deepcopy(raw)
    data["daily"] = {
        1: ["booty-flex"],
        2: ["glute-stretch", "no-such-routine"],
        5: ["booty-flex"],
        3: [],
    }
    found = issues_of(data)
    assert (None, "daily.2") in found
    assert (None, "daily.5") in found
    assert (None, "daily.3") in found
    assert (None, "daily.4") in found


def test_bad_ids_are_refused(raw: dict):
    data = copy.deepcopy(raw)
    data["routines"][0]["id"] = "Booty Flex"
    found = issues_of(data)
    assert (None, "routines[0].id") in found


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
