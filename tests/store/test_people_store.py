"""People: their step, the history of step changes with reasons, and their time zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.store.db import Database
from bot.store.people import LOCAL_USER_ID, PeopleStore, StepChange

NOW = datetime(2025, 3, 1, 7, 30, tzinfo=UTC)


async def test_unknown_person_is_none_until_ensured_at_step_one(db: Database) -> None:
    people = PeopleStore(db)
    assert await people.get(123) is None
    person = await people.ensure(123, NOW)
    assert (person.user_id, person.step, person.timezone) == (123, 1, None)
    assert person.created_at == NOW and person.created_at.tzinfo is not None
    # Ensuring again changes nothing.
    again = await people.ensure(123, NOW + timedelta(days=3))
    assert again == person
    assert await people.history(123) == []


async def test_set_step_records_from_to_and_reason(db: Database) -> None:
    people = PeopleStore(db)
    first = await people.set_step(LOCAL_USER_ID, 2, "booty flex easy and pain-free", NOW)
    later = NOW + timedelta(days=5)
    second = await people.set_step(LOCAL_USER_ID, 1, "kneeling stretch tugged the low back", later)

    assert first == StepChange(LOCAL_USER_ID, 1, 2, "booty flex easy and pain-free", NOW)
    assert second == StepChange(LOCAL_USER_ID, 2, 1, "kneeling stretch tugged the low back", later)
    assert await people.history(LOCAL_USER_ID) == [first, second]
    person = await people.get(LOCAL_USER_ID)
    assert person is not None
    assert person.step == 1
    assert person.created_at == NOW and person.updated_at == later


async def test_staying_on_a_step_is_recorded_too(db: Database) -> None:
    people = PeopleStore(db)
    await people.set_step(5, 3, "up", NOW)
    stay = await people.set_step(5, 3, "not easy yet, staying", NOW + timedelta(days=1))
    assert (stay.from_step, stay.to_step) == (3, 3)
    assert [h.reason for h in await people.history(5)] == ["up", "not easy yet, staying"]


@pytest.mark.parametrize("bad", [0, 5, -1, 2.5, "2", True, None])
async def test_set_step_outside_one_to_four_is_refused_and_nothing_changes(
    db: Database, bad: object
) -> None:
    people = PeopleStore(db)
    await people.set_step(8, 2, "up", NOW)
    with pytest.raises(ValueError, match="1 to 4"):
        await people.set_step(8, bad, "bad", NOW)  # type: ignore[arg-type]
    assert (await people.get(8)).step == 2
    assert len(await people.history(8)) == 1


async def test_history_belongs_to_one_person(db: Database) -> None:
    people = PeopleStore(db)
    await people.set_step(1, 2, "mine", NOW)
    await people.set_step(2, 3, "theirs", NOW)
    assert [h.reason for h in await people.history(1)] == ["mine"]
    assert [h.reason for h in await people.history(2)] == ["theirs"]


async def test_timezone_is_set_validated_and_cleared(db: Database) -> None:
    people = PeopleStore(db)
    assert await people.timezone(9) is None  # nobody yet
    person = await people.set_timezone(9, "America/New_York", NOW)
    assert (person.step, person.timezone) == (1, "America/New_York")
    assert await people.timezone(9) == "America/New_York"
    with pytest.raises(ValueError, match="time zone"):
        await people.set_timezone(9, "Mars/Olympus_Mons", NOW)
    with pytest.raises(ValueError, match="time zone"):
        await people.set_timezone(9, "../../etc/passwd", NOW)
    assert (await people.get(9)).timezone == "America/New_York"
    cleared = await people.set_timezone(9, None, NOW + timedelta(hours=1))
    assert cleared.timezone is None and cleared.updated_at == NOW + timedelta(hours=1)
    assert await people.timezone(9) is None


async def test_naive_times_are_refused(db: Database) -> None:
    with pytest.raises(ValueError, match="aware"):
        await PeopleStore(db).ensure(3, datetime(2025, 3, 1, 7, 30))


async def test_times_come_back_in_utc_whatever_zone_they_were_given_in(db: Database) -> None:
    berlin = timezone(timedelta(hours=1))
    change = await PeopleStore(db).set_step(4, 2, "up", datetime(2025, 3, 1, 8, 30, tzinfo=berlin))
    (stored,) = await PeopleStore(db).history(4)
    assert stored.at == NOW and stored.at.utcoffset() == timedelta(0)
    assert change.at == stored.at
