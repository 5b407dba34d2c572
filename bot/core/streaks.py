"""Streaks: the days on which a person finished at least one routine, in their own time zone.

A day is a calendar day where the person lives, so a routine finished at 23:30 local time counts
for that evening even when it is already tomorrow in UTC, and a day that is 23 or 25 hours long
(a daylight-saving change) is still one day. A routine whose day was recorded where the person was
when they finished it keeps that day after they move: a streak made in one zone is not broken, nor
two days made one, by setting another.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.core.timezones import zone

DONE_SQUARE = "\N{LARGE GREEN SQUARE}"
MISSED_SQUARE = "\N{WHITE LARGE SQUARE}"
WEEK_DAYS = 7


@dataclass(frozen=True)
class Streaks:
    current: int  # days in a row up to today, or up to yesterday while today is still open
    longest: int
    week: tuple[bool, ...]  # the last 7 local days, oldest first; the last one is today
    today: date  # the person's local date
    done_today: bool

    def week_squares(self, done: str = DONE_SQUARE, missed: str = MISSED_SQUARE) -> str:
        """The week as a row of squares, oldest first, e.g. "🟩🟩⬜🟩🟩🟩⬜"."""
        return "".join(done if d else missed for d in self.week)

    @property
    def week_dates(self) -> tuple[date, ...]:
        return tuple(self.today - timedelta(days=WEEK_DAYS - 1 - i) for i in range(WEEK_DAYS))


def local_days(finished_at_utc: Iterable[datetime], tz: str) -> set[date]:
    """The local calendar dates of aware instants."""
    where = zone(tz)
    days: set[date] = set()
    for instant in finished_at_utc:
        if instant.tzinfo is None:
            raise ValueError("finished_at_utc must hold aware datetimes")
        days.add(instant.astimezone(where).date())
    return days


def compute_streaks(
    finished_at_utc: Iterable[datetime],
    tz: str,
    today_utc: datetime,
    *,
    days: Iterable[date] = (),
) -> Streaks:
    """Current and longest streak and the week view, for routines finished at ``finished_at_utc``
    (counted on their days in ``tz``) and on the recorded ``days`` (counted as they are).

    A streak that ended yesterday is still current until today ends: the person can keep it.
    Instants after ``today_utc``'s local day are ignored. A recorded day later than today (a
    routine done just before a move west, where the date is still the day before) counts as today.
    """
    if today_utc.tzinfo is None:
        raise ValueError("today_utc must be an aware datetime")
    today = today_utc.astimezone(zone(tz)).date()
    done = {d for d in local_days(finished_at_utc, tz) if d <= today}
    done |= {min(d, today) for d in days}

    one = timedelta(days=1)
    start = today if today in done else today - one
    current = 0
    while start - current * one in done:
        current += 1

    longest = 0
    run = 0
    previous: date | None = None
    for d in sorted(done):
        run = run + 1 if previous is not None and d - previous == one else 1
        longest = max(longest, run)
        previous = d

    week = tuple((today - timedelta(days=WEEK_DAYS - 1 - i)) in done for i in range(WEEK_DAYS))
    return Streaks(
        current=current, longest=longest, week=week, today=today, done_today=today in done
    )
