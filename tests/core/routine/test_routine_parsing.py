"""routines.yaml read into plans: the bundled routines, and every problem reported."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from bot.core.routine.parsing import parse_routines
from bot.core.routine.plan import RoutineBook
from bot.core.routine.session import (
    RoundAdded,
    RoutineSession,
)

T0 = datetime(2025, 3, 10, 7, 30, tzinfo=UTC)
ROUTINES_FILE = Path(__file__).resolve().parents[3] / "knowledge" / "routines.yaml"


@pytest.fixture(scope="module")
def raw() -> dict:
    return yaml.safe_load(ROUTINES_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def book(raw: dict) -> RoutineBook:
    book, issues = parse_routines(raw, "routines.yaml")
    assert issues == []
    return book


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
