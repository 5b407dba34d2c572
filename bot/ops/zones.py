"""The doctor's look at the time zones: the time-zone database itself, and the zones people
chose, kept in the database.

Each must be a zone this machine's time-zone database knows: a tzdata release can drop a zone
(or fold it into another), and an older tzdata lacks the zones added since. The zones are read,
never changed: ``people.timezone`` and ``reminder_schedules.timezone``, both IANA names.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core.timezones import UnknownTimezone, zone
from bot.ops.doctor import Check
from bot.settings import PostgresURL
from bot.store.db import Database
from bot.store.errors import first_line

ZONES_FIX = (
    "Update the time-zone database (pip install -U tzdata, or the system's tzdata package): an "
    "older one does not know the zones added since. A zone that was removed stays unknown: ask "
    "those people to choose theirs again with /progress show timezone: or /reminders on (in the "
    "terminal: lowback reminders on ZONE). Until then their days and times are in UTC."
)
# Where a person's zone is kept (a database of schema version 1 has only the first).
_ZONE_TABLES = ("people", "reminder_schedules")


def zone_is_known(name: str) -> bool:
    try:
        zone(name)
    except (UnknownTimezone, OSError):
        return False
    return True


async def check_stored_zones(location: Path | PostgresURL, available: Check) -> Check:
    """``available`` (the check that the time-zone database is there) when every zone stored
    for someone is known; else a warning with how many people have a zone it does not know, and
    which zones. A database not created yet has no zones to check."""
    if isinstance(location, Path) and not location.is_file():  # noqa: ASYNC240 (one stat)
        return available
    try:
        found = await unknown_zones(location)
    except Exception as exc:  # the database check above has said what is wrong with it
        reason = first_line(exc)
        return Check(
            available.name,
            None,
            f"the time-zone database is available; the zones people chose could not be read ({reason}).",
        )
    if found is None:
        return available
    people, zones = found
    listed = ", ".join(
        f"{zone} ({count} {'person' if count == 1 else 'people'})"
        for zone, count in sorted(zones.items(), key=lambda item: (-item[1], item[0]))
    )
    who = "1 person has" if people == 1 else f"{people} people have"
    return Check(
        available.name,
        True,
        f"the time-zone database is available, but {who} a time zone it does not know: {listed}.",
        ZONES_FIX,
        warning=True,
    )


async def unknown_zones(location: Path | PostgresURL) -> tuple[int, dict[str, int]] | None:
    """How many people have a stored zone this machine does not know, and how many have each such
    zone (someone can have two: their own and their reminders'); None when there are none."""
    if isinstance(location, PostgresURL):
        from bot.store.pg import PgDatabase

        # PgDatabase offers Database's interface (bot/store/pg.py).
        db = cast(Database, await PgDatabase.open(location, migrate=False, min_size=1, max_size=1))
    else:
        db = await Database.open(location, migrate=False, check=False)
    try:
        tables = [t for t in _ZONE_TABLES if t in await db.tables()]
        if not tables:
            return None
        every = " UNION ".join(
            f"SELECT timezone FROM {t} WHERE timezone IS NOT NULL" for t in tables
        )
        unknown = sorted(
            str(row[0]) for row in await db.fetchall(every) if not zone_is_known(str(row[0]))
        )
        if not unknown:
            return None
        marks = ", ".join("?" * len(unknown))
        pairs = " UNION ".join(
            f"SELECT user_id, timezone FROM {t} WHERE timezone IN ({marks})" for t in tables
        )
        params = tuple(unknown * len(tables))
        rows = await db.fetchall(
            f"SELECT timezone, COUNT(*) FROM ({pairs}) AS pairs GROUP BY timezone", params
        )
        total = await db.fetchone(f"SELECT COUNT(DISTINCT user_id) FROM ({pairs}) AS pairs", params)
    finally:
        await db.close()
    return (int(total[0]) if total else 0), {str(row[0]): int(row[1]) for row in rows}


# Zones and instants whose offsets every correct time-zone database agrees on: one north, one south,
# one that never changes, so both a missing and an empty or broken database are noticed.
_ZONE_PROBES = (
    ("America/New_York", datetime(2026, 1, 15, 12, tzinfo=UTC), timedelta(hours=-5)),
    ("Europe/Berlin", datetime(2026, 7, 15, 12, tzinfo=UTC), timedelta(hours=2)),
    ("Australia/Sydney", datetime(2026, 1, 15, 12, tzinfo=UTC), timedelta(hours=11)),
    (
        "Asia/Kolkata",
        datetime(2026, 7, 15, 12, tzinfo=UTC),
        timedelta(hours=5, minutes=30),
    ),
)


def check_timezones() -> Check:
    """Reminders are scheduled in each person's own zone, so the zone database must be there."""
    name = "time zones"
    fix = (
        "Install the tzdata Python package (`pip install tzdata`; it comes with lowback-bot, so a "
        "reinstall also works) or the operating system's tzdata package."
    )
    for zone_name, instant, expected in _ZONE_PROBES:
        try:
            offset = instant.astimezone(ZoneInfo(zone_name)).utcoffset()
        except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
            return Check(
                name,
                False,
                f"the time-zone database is not available ({zone_name}: {str(exc) or type(exc).__name__}).",
                fix,
            )
        if offset != expected:
            return Check(
                name,
                False,
                f"the time-zone database gives {zone_name} the wrong offset ({offset}, expected {expected}).",
                fix,
            )
    return Check(name, True, "the time-zone database is available.")
