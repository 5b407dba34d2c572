"""Streaks count the person's own calendar days, across midnight and daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.streaks import compute_streaks
from bot.core.timezones import UnknownTimezone

UTC = UTC
BERLIN = "Europe/Berlin"
NEW_YORK = "America/New_York"


def local(tz: str, *args: int) -> datetime:
    """A local wall-clock time in ``tz`` as a UTC instant."""
    return datetime(*args, tzinfo=ZoneInfo(tz)).astimezone(UTC)


def test_no_routines_no_streak():
    s = compute_streaks([], BERLIN, datetime(2025, 6, 1, 12, tzinfo=UTC))
    assert (s.current, s.longest, s.done_today) == (0, 0, False)
    assert s.week_squares() == "⬜" * 7


def test_consecutive_days_make_a_streak_and_several_routines_a_day_count_once():
    done = [local(BERLIN, 2025, 6, d, 7, 30) for d in (1, 2, 3)] + [
        local(BERLIN, 2025, 6, 3, 21, 0)
    ]
    s = compute_streaks(done, BERLIN, local(BERLIN, 2025, 6, 3, 22, 0))
    assert (s.current, s.longest, s.done_today) == (3, 3, True)
    assert s.week == (False, False, False, False, True, True, True)
    assert s.week_squares() == "⬜⬜⬜⬜🟩🟩🟩"


def test_a_streak_ending_yesterday_is_still_current_until_today_ends():
    done = [local(BERLIN, 2025, 6, d, 7, 30) for d in (1, 2, 3)]
    morning = compute_streaks(done, BERLIN, local(BERLIN, 2025, 6, 4, 6, 0))
    assert (morning.current, morning.done_today) == (3, False)
    late_evening = compute_streaks(done, BERLIN, local(BERLIN, 2025, 6, 4, 23, 59))
    assert late_evening.current == 3
    next_day = compute_streaks(done, BERLIN, local(BERLIN, 2025, 6, 5, 0, 1))
    assert next_day.current == 0
    assert next_day.longest == 3


def test_a_gap_breaks_the_streak_and_the_longest_one_is_kept():
    days = (1, 2, 3, 4, 5, 8, 9)
    done = [local(BERLIN, 2025, 6, d, 20, 0) for d in days]
    s = compute_streaks(done, BERLIN, local(BERLIN, 2025, 6, 9, 21, 0))
    assert (s.current, s.longest) == (2, 5)
    assert s.week_squares() == "🟩🟩🟩⬜⬜🟩🟩"  # June 3 .. June 9
    assert s.week_dates[0].isoformat() == "2025-06-03"


def test_days_are_the_persons_own_not_utc():
    # 23:30 in New York on June 1 is 03:30 UTC on June 2: it counts for June 1 where the person is.
    june1_late = local(NEW_YORK, 2025, 6, 1, 23, 30)
    june2_morning = local(NEW_YORK, 2025, 6, 2, 10, 0)
    assert june1_late.date().isoformat() == "2025-06-02"
    s = compute_streaks([june1_late, june2_morning], NEW_YORK, local(NEW_YORK, 2025, 6, 2, 21, 0))
    assert s.current == 2
    # The same instants, seen from UTC, fall on a single day.
    assert (
        compute_streaks(
            [june1_late, june2_morning], "UTC", local(NEW_YORK, 2025, 6, 2, 21, 0)
        ).current
        == 1
    )


def test_just_before_and_just_after_local_midnight_are_two_days():
    before = local(BERLIN, 2025, 6, 1, 23, 59)
    after = local(BERLIN, 2025, 6, 2, 0, 1)
    s = compute_streaks([before, after], BERLIN, after)
    assert (s.current, s.longest) == (2, 2)


@pytest.mark.parametrize(
    "tz,short_day,long_day",
    [
        (BERLIN, (2025, 3, 30), (2025, 10, 26)),  # 23-hour and 25-hour days in Europe
        (NEW_YORK, (2025, 3, 9), (2025, 11, 2)),
    ],
)
def test_streaks_survive_daylight_saving_changes(tz: str, short_day: tuple, long_day: tuple):
    for y, m, d in (short_day, long_day):
        # Late evening routines on the day before, the day of, and the day after the change.
        done = [
            local(tz, y, m, d - 1, 23, 30),
            local(tz, y, m, d, 23, 30),
            local(tz, y, m, d + 1, 23, 30),
        ]
        s = compute_streaks(done, tz, local(tz, y, m, d + 1, 23, 45))
        assert (s.current, s.longest) == (3, 3), (tz, y, m, d)
        # An early-morning routine right after the clocks change still lands on its own day.
        early = [
            local(tz, y, m, d - 1, 0, 30),
            local(tz, y, m, d, 3, 30),
            local(tz, y, m, d + 1, 0, 30),
        ]
        s = compute_streaks(early, tz, local(tz, y, m, d + 1, 1, 0))
        assert s.current == 3, (tz, y, m, d)


def test_the_repeated_hour_counts_for_its_own_day():
    # 02:30 happens twice in Berlin on 2025-10-26; both are that day.
    first = datetime(2025, 10, 26, 2, 30, fold=0, tzinfo=ZoneInfo(BERLIN)).astimezone(UTC)
    second = datetime(2025, 10, 26, 2, 30, fold=1, tzinfo=ZoneInfo(BERLIN)).astimezone(UTC)
    assert second - first == timedelta(hours=1)
    s = compute_streaks([first, second], BERLIN, second)
    assert (s.current, s.longest, s.week[-1]) == (1, 1, True)


def test_routines_after_today_are_ignored():
    future = local(BERLIN, 2025, 6, 10, 8, 0)
    s = compute_streaks([future], BERLIN, local(BERLIN, 2025, 6, 9, 8, 0))
    assert (s.current, s.longest) == (0, 0)


def test_bad_input_is_refused_clearly():
    with pytest.raises(UnknownTimezone, match="time zone"):  # the one unknown-zone error
        compute_streaks([], "Mars/Olympus", datetime(2025, 6, 1, tzinfo=UTC))
    with pytest.raises(ValueError):
        compute_streaks([datetime(2025, 6, 1)], "UTC", datetime(2025, 6, 1, tzinfo=UTC))
    with pytest.raises(ValueError):
        compute_streaks([], "UTC", datetime(2025, 6, 1))


def test_custom_squares_for_plain_terminals():
    s = compute_streaks(
        [datetime(2025, 6, 1, 12, tzinfo=UTC)], "UTC", datetime(2025, 6, 1, 13, tzinfo=UTC)
    )
    assert s.week_squares("#", ".") == "......#"


def test_recorded_days_count_as_they_are_beside_the_ones_counted_in_the_zone():
    # Two mornings recorded in Tokyo, then one evening in New York with no day recorded.
    tokyo_days = [date(2025, 6, 1), date(2025, 6, 2)]
    s = compute_streaks(
        [local(NEW_YORK, 2025, 6, 3, 20, 0)], NEW_YORK, local(NEW_YORK, 2025, 6, 3, 21, 0),
        days=tokyo_days,
    )  # fmt: skip
    assert (s.current, s.longest, s.done_today) == (3, 3, True)


def test_a_day_recorded_just_before_a_move_west_counts_as_today_not_never():
    # Done at 00:30 on June 2 in Tokyo; an hour later the person is in Honolulu, where it is
    # still June 1: the routine is in their past, so it counts for today.
    s = compute_streaks([], "Pacific/Honolulu", local("Asia/Tokyo", 2025, 6, 2, 1, 30),
                        days=[date(2025, 6, 2)])  # fmt: skip
    assert (s.current, s.done_today, s.today) == (1, True, date(2025, 6, 1))
