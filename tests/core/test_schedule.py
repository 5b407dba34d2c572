"""Reminder times in a person's own zone: parsing times and days, the next occurrence across DST."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.errors import ScheduleError
from bot.core.schedule import (
    Occurrence,
    catch_up,
    format_weekdays,
    next_occurrence,
    occurrences,
    parse_time,
    parse_times,
    parse_weekdays,
    snooze_key,
    split_zone_and_times,
)

UTC = UTC
MORNING_EVENING = (time(7, 30), time(21, 30))


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def local(occ: Occurrence, tz: str) -> str:
    return occ.due_utc.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M %Z")


# --------------------------------------------------------------------------- parsing times


@pytest.mark.parametrize(
    "text, expected",
    [
        ("7:30", time(7, 30)),
        ("07:30", time(7, 30)),
        ("7.30", time(7, 30)),
        ("7:30am", time(7, 30)),
        ("7:30 AM", time(7, 30)),
        ("7am", time(7, 0)),
        ("9 pm", time(21, 0)),
        ("9:15 p.m.", time(21, 15)),
        ("21:30", time(21, 30)),
        ("0730", time(7, 30)),
        ("noon", time(12, 0)),
        ("midnight", time(0, 0)),
        ("12am", time(0, 0)),
        ("12pm", time(12, 0)),
        ("0:05", time(0, 5)),
    ],
)
def test_parse_time_reads_the_ways_people_write_a_time(text: str, expected: time) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["7", "25:00", "13pm", "0am", "7:75", "seven", "", "7:3"])
def test_parse_time_refuses_what_is_not_a_clear_time(text: str) -> None:
    with pytest.raises(ScheduleError):
        parse_time(text)


def test_a_bare_hour_is_refused_with_a_hint_instead_of_guessing_morning_or_evening() -> None:
    with pytest.raises(ScheduleError, match="7am or 7pm"):
        parse_time("7")


@pytest.mark.parametrize(
    "text",
    [
        "7:30, 21:30",
        "21:30, 7:30",
        "7:30am and 9:30pm",
        "07:30 21:30",
        "7:30; 21:30",
        "7:30, 21:30, 7:30",
        "at 7:30 and at 21:30",
        "At 7:30am, at 9:30pm",
    ],
)
def test_parse_times_gives_sorted_unique_times(text: str) -> None:
    assert parse_times(text) == MORNING_EVENING


@pytest.mark.parametrize(
    "text, expected",
    [
        ("19", time(19, 0)),  # 13 to 23 and 0 can only be 24-hour time
        ("13", time(13, 0)),
        ("0", time(0, 0)),
        ("00", time(0, 0)),
        ("07", time(7, 0)),  # a leading zero is 24-hour time too
        ("730", time(7, 30)),  # as 7:30 and 0730 are
        ("930pm", time(21, 30)),
        ("19h", time(19, 0)),
        ("7h30", time(7, 30)),
        ("07:30:00", time(7, 30)),
        ("7:30\u200b", time(7, 30)),  # pasted with a zero-width space
    ],
)
def test_24_hour_times_are_read_without_asking(text: str, expected: time) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize(
    "text, says",
    [
        (
            "7",
            "'7' could be morning or evening. Say 7am or 7pm, or use 24-hour time: 07:00 or 19:00.",
        ),
        ("12", "'12' could be noon or midnight. Say noon or midnight, or 12:00 or 00:00."),
        ("24", "'24': hours go from 0 to 23."),
        ("2400", "'2400': hours go from 0 to 23."),
        ("07:30:75", "'07:30:75': minutes go up to 59."),
    ],
)
def test_only_an_hour_from_1_to_12_is_asked_about_and_the_advice_fits(text: str, says: str) -> None:
    with pytest.raises(ScheduleError) as err:
        parse_time(text)
    assert str(err.value) == says


def test_a_bare_hour_takes_the_half_of_the_day_it_is_asked_for() -> None:
    assert parse_time("7", "am") == time(7, 0)
    assert parse_time("9", "pm") == time(21, 0)
    assert parse_time("19", "pm") == parse_time("19", "am") == time(19, 0)
    assert parse_time("9:30", "pm") == time(9, 30)  # with minutes it is 24-hour time, as always
    with pytest.raises(ScheduleError, match="noon or midnight"):
        parse_time("12", "pm")


def test_several_times_in_the_new_forms() -> None:
    assert parse_times("730 2130") == MORNING_EVENING
    assert parse_times("7h30, 21h30") == MORNING_EVENING
    assert parse_times("0 13") == (time(0, 0), time(13, 0))
    with pytest.raises(ScheduleError, match="'12345' is not a time of day"):
        parse_times("12345")


@pytest.mark.parametrize(
    "words, zone, times",
    [
        (["Europe/Berlin", "7:30", "21:30"], "Europe/Berlin", "7:30 21:30"),
        (["UTC+2", "7:30"], "UTC+2", "7:30"),
        (["GMT-5", "7pm"], "GMT-5", "7pm"),
        (["Etc/GMT+5", "7:30"], "Etc/GMT+5", "7:30"),
        (["EST5EDT", "7:30"], "EST5EDT", "7:30"),
        (["+2", "7:30"], "+2", "7:30"),
        (["São", "Paulo", "7", "am", "and", "9", "pm"], "São Paulo", "7 am and 9 pm"),
        (["Trinidad", "and", "Tobago", "7:30"], "Trinidad and Tobago", "7:30"),
        (["Paris,", "France", "at", "7:30,", "21:30"], "Paris, France", "at 7:30, 21:30"),
        (["7:30", "Europe/Berlin"], "Europe/Berlin", "7:30"),
        (["Europe/Berlin", "at", "7am", "and", "at", "9pm"], "Europe/Berlin", "at 7am and at 9pm"),
        (["Europe/Berlin\u200b", "noon"], "Europe/Berlin", "noon"),
        (["19"], "", "19"),
        ([], "", ""),
    ],
)
def test_the_words_after_on_are_split_into_zone_and_times(
    words: list[str], zone: str, times: str
) -> None:
    assert split_zone_and_times(words) == (zone, times)


def test_parse_times_names_the_bad_part_and_limits_the_count() -> None:
    with pytest.raises(ScheduleError, match="banana"):
        parse_times("7:30, banana")
    with pytest.raises(ScheduleError, match="At most"):
        parse_times("1am, 2am, 3am, 4am, 5am, 6am, 7am")


# --------------------------------------------------------------------------- weekdays


@pytest.mark.parametrize(
    "text, expected",
    [
        ("mon-fri", {0, 1, 2, 3, 4}),
        ("weekdays", {0, 1, 2, 3, 4}),
        ("Weekends", {5, 6}),
        ("mon,wed,fri", {0, 2, 4}),
        ("Monday and Thursday", {0, 3}),
        ("tue to thu", {1, 2, 3}),
        ("fri-mon", {4, 5, 6, 0}),
        ("sat, sun", {5, 6}),
    ],
)
def test_parse_weekdays(text: str, expected: set[int]) -> None:
    assert parse_weekdays(text) == frozenset(expected)


@pytest.mark.parametrize("text", ["every day", "daily", "mon-sun", "mon,tue,wed,thu,fri,sat,sun"])
def test_every_day_is_none(text: str) -> None:
    assert parse_weekdays(text) is None


def test_unknown_day_is_an_error() -> None:
    with pytest.raises(ScheduleError, match="mon-fri"):
        parse_weekdays("funday")


def test_format_weekdays() -> None:
    assert format_weekdays(None) == "every day"
    assert format_weekdays(frozenset(range(5))) == "weekdays (Mon-Fri)"
    assert format_weekdays(frozenset({0, 2, 4})) == "Mon, Wed, Fri"


# --------------------------------------------------------------------------- next occurrence


def test_next_occurrence_is_strictly_after_and_carries_a_stable_key() -> None:
    first = next_occurrence(at("2026-06-01T05:00"), "Europe/Berlin", MORNING_EVENING)
    assert first.due_utc == at("2026-06-01T05:30")  # 07:30 CEST
    assert first.key == "2026-06-01T07:30"
    again = next_occurrence(first.due_utc, "Europe/Berlin", MORNING_EVENING)
    assert again.key == "2026-06-01T21:30"
    assert next_occurrence(at("2026-06-01T05:00"), "Europe/Berlin", MORNING_EVENING) == first


def test_0730_stays_0730_across_spring_forward_in_new_york() -> None:
    tz = "America/New_York"  # DST starts Sunday 2026-03-08 at 02:00
    sat = next_occurrence(at("2026-03-07T00:00"), tz, [time(7, 30)])
    sun = next_occurrence(sat.due_utc, tz, [time(7, 30)])
    assert sat.due_utc == at("2026-03-07T12:30") and local(sat, tz) == "2026-03-07 07:30 EST"
    assert sun.due_utc == at("2026-03-08T11:30") and local(sun, tz) == "2026-03-08 07:30 EDT"


def test_a_time_in_the_skipped_hour_fires_shifted_forward_by_the_gap() -> None:
    tz = "America/New_York"
    occ = next_occurrence(at("2026-03-08T00:00"), tz, [time(2, 30)])
    assert occ.key == "2026-03-08T02:30"  # still "Sunday's 02:30 reminder"
    assert local(occ, tz) == "2026-03-08 03:30 EDT"
    following = next_occurrence(occ.due_utc, tz, [time(2, 30)])
    assert local(following, tz) == "2026-03-09 02:30 EDT"


def test_a_repeated_local_time_fires_once_at_its_first_occurrence() -> None:
    tz = "America/New_York"  # DST ends Sunday 2026-11-01: 01:00-02:00 happens twice
    occ = next_occurrence(at("2026-11-01T00:00"), tz, [time(1, 30)])
    assert occ.due_utc == at("2026-11-01T05:30") and local(occ, tz) == "2026-11-01 01:30 EDT"
    following = next_occurrence(occ.due_utc, tz, [time(1, 30)])
    assert following.key == "2026-11-02T01:30"  # not 01:30 EST an hour later
    assert local(following, tz) == "2026-11-02 01:30 EST"


def test_london_transition_days() -> None:
    tz = "Europe/London"
    spring = next_occurrence(at("2026-03-29T00:00"), tz, [time(1, 30)])  # 01:00 -> 02:00
    assert local(spring, tz) == "2026-03-29 02:30 BST" and spring.key == "2026-03-29T01:30"
    autumn = next_occurrence(at("2026-10-24T23:00"), tz, [time(1, 30)])  # 02:00 -> 01:00
    assert autumn.due_utc == at("2026-10-25T00:30") and local(autumn, tz) == "2026-10-25 01:30 BST"
    assert next_occurrence(autumn.due_utc, tz, [time(1, 30)]).key == "2026-10-26T01:30"
    morning = next_occurrence(at("2026-10-25T01:00"), tz, [time(7, 30)])
    assert local(morning, tz) == "2026-10-25 07:30 GMT"


@pytest.mark.parametrize(
    "tz, due",
    [
        ("Asia/Kolkata", "2026-03-02T02:00"),
        ("Asia/Kathmandu", "2026-03-02T01:45"),
        ("Australia/Adelaide", "2026-03-01T21:00"),
    ],
)
def test_zones_with_half_and_quarter_hour_offsets(tz: str, due: str) -> None:
    occ = next_occurrence(at("2026-03-01T20:00"), tz, [time(7, 30)])
    assert occ.due_utc == at(due)
    assert occ.due_utc.astimezone(ZoneInfo(tz)).time() == time(7, 30)


def test_adelaide_transitions() -> None:
    tz = (
        "Australia/Adelaide"  # DST ends 2026-04-05 03:00 -> 02:00, starts 2026-10-04 02:00 -> 03:00
    )
    repeated = next_occurrence(at("2026-04-04T12:00"), tz, [time(2, 30)])
    assert local(repeated, tz) == "2026-04-05 02:30 ACDT"
    assert next_occurrence(repeated.due_utc, tz, [time(2, 30)]).key == "2026-04-06T02:30"
    skipped = next_occurrence(at("2026-10-03T12:00"), tz, [time(2, 30)])
    assert local(skipped, tz) == "2026-10-04 03:30 ACDT"


def test_lord_howe_half_hour_gap_shifts_by_half_an_hour() -> None:
    tz = "Australia/Lord_Howe"  # 2026-10-04 02:00 -> 02:30
    occ = next_occurrence(at("2026-10-03T00:00"), tz, [time(2, 15)])
    assert occ.due_utc.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M") == "2026-10-04 02:45"


def test_weekdays_only() -> None:
    tz = "Europe/Berlin"
    fri_evening = at("2026-03-06T21:00")  # Friday 22:00 local, after the morning reminder
    occ = next_occurrence(fri_evening, tz, [time(7, 30)], {0, 1, 2, 3, 4})
    assert occ.local_date == date(2026, 3, 9) and occ.local_date.weekday() == 0


@pytest.mark.parametrize(
    "tz", ["America/New_York", "Europe/London", "Australia/Adelaide", "Asia/Kathmandu"]
)
def test_a_year_of_occurrences_has_each_time_once_a_day_in_order(tz: str) -> None:
    times = (time(1, 30), time(2, 30), time(7, 30), time(21, 30))
    start = at("2026-01-01T00:00")
    seen: list[Occurrence] = []
    for occ in occurrences(start, tz, times):
        if occ.due_utc >= at("2027-01-01T00:00"):
            break
        seen.append(occ)
    keys = [o.key for o in seen]
    assert len(keys) == len(set(keys))
    assert all(a.due_utc < b.due_utc for a, b in itertools.pairwise(seen))
    per_day: dict[date, list[time]] = {}
    for o in seen:
        per_day.setdefault(o.local_date, []).append(o.local_time)
    whole_days = sorted(per_day)[1:-1]  # the first and last local day are cut by the UTC window
    assert len(whole_days) >= 363
    zi = ZoneInfo(tz)
    short = [d for d in whole_days if sorted(per_day[d]) != list(times)]
    for d in short:
        # Only on a spring-forward day, where a skipped time moved onto another of the times:
        # one reminder at that instant, not two at once.
        noon = datetime.combine(d, time(12), tzinfo=zi)
        assert noon.utcoffset() > (noon - timedelta(days=1)).utcoffset()
        assert len(per_day[d]) == len(times) - 1
    for o in seen:
        wall = o.due_utc.astimezone(zi)
        shift = datetime.combine(wall.date(), wall.time()) - datetime.combine(
            o.local_date, o.local_time
        )
        assert shift in (timedelta(0), timedelta(hours=1)), (
            o,
            wall,
        )  # only a skipped time moves, by the gap


# --------------------------------------------------------------------------- catching up after downtime


def test_catch_up_sends_a_reminder_missed_by_less_than_the_grace_period() -> None:
    tz = "Europe/London"
    due = next_occurrence(at("2026-03-02T07:00"), tz, MORNING_EVENING)
    result = catch_up(
        due, due.due_utc + timedelta(minutes=40), timedelta(hours=1), tz, MORNING_EVENING
    )
    assert result.send == due and result.skipped == ()
    assert result.next.key == "2026-03-02T21:30"


def test_catch_up_skips_a_stale_reminder_and_moves_on() -> None:
    tz = "Europe/London"
    due = next_occurrence(at("2026-03-02T07:00"), tz, MORNING_EVENING)
    result = catch_up(
        due, due.due_utc + timedelta(hours=3), timedelta(hours=1), tz, MORNING_EVENING
    )
    assert result.send is None and result.skipped == (due,)
    assert result.next.key == "2026-03-02T21:30"


def test_catch_up_after_days_of_downtime_sends_at_most_the_latest_one() -> None:
    tz = "Europe/London"
    times = (time(7, 30), time(7, 45), time(21, 30))
    due = next_occurrence(at("2026-03-02T00:00"), tz, times)
    now = at("2026-03-05T08:00")  # three days later, 15 minutes after the 07:45 reminder
    result = catch_up(due, now, timedelta(hours=1), tz, times)
    assert result.send is not None and result.send.key == "2026-03-05T07:45"
    # Every missed occurrence is reported, so each gets a record of why it was not sent.
    missed = [f"2026-03-0{d}T{t}" for d in (2, 3, 4) for t in ("07:30", "07:45", "21:30")] + [
        "2026-03-05T07:30"
    ]
    assert [o.key for o in result.skipped] == missed
    assert result.next.key == "2026-03-05T21:30"


def test_catch_up_after_months_of_downtime_reports_the_first_and_the_last_month() -> None:
    tz = "Europe/London"
    due = next_occurrence(at("2026-01-01T00:00"), tz, MORNING_EVENING)
    now = at("2026-04-01T12:00")
    result = catch_up(due, now, timedelta(hours=1), tz, MORNING_EVENING, listed=timedelta(days=30))
    assert result.send is None
    assert result.skipped[0] == due
    assert [o.key for o in result.skipped[1:3]] == ["2026-03-02T21:30", "2026-03-03T07:30"]
    assert result.skipped[-1].key == "2026-04-01T07:30" and len(result.skipped) == 1 + 60


def test_snooze_key_counts_minutes_from_the_scheduled_time() -> None:
    tz = "Europe/London"
    assert snooze_key("2026-03-02T07:30", at("2026-03-02T08:00"), tz) == "2026-03-02T07:30+30m"
    assert snooze_key("2026-03-02T07:30+30m", at("2026-03-02T08:45"), tz) == "2026-03-02T07:30+75m"
    occ = Occurrence.from_key("2026-03-02T07:30+30m", at("2026-03-02T08:00"), tz)
    assert occ.base_key == "2026-03-02T07:30" and occ.local_time == time(7, 30)


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("７：３０", time(7, 30)),  # a Japanese or Chinese keyboard's full-width digits and colon
        ("7：30", time(7, 30)),
        ("２１：３０", time(21, 30)),
        ("12 noon", time(12, 0)),
        ("12 midnight", time(0, 0)),
    ],
)
def test_times_as_other_keyboards_and_habits_write_them(typed: str, meant: time) -> None:
    assert parse_time(typed) == meant


def test_several_full_width_times_with_an_ideographic_comma() -> None:
    assert parse_times("７：３０、２１：３０") == (time(7, 30), time(21, 30))
    assert parse_times("7:30，21:30") == (time(7, 30), time(21, 30))
