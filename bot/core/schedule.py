"""Reminder times in a person's own time zone.

Pure functions: parsing what people type ("7:30am", "mon-fri"), and computing the next
reminder occurrence with :mod:`zoneinfo`, so that a 07:30 reminder stays 07:30 local time across
daylight-saving changes. What people type as a time zone is resolved by :mod:`bot.core.timezones`.

Daylight-saving edges are handled on purpose:

* A local time that does not exist that day (the clock springs forward over it) fires shifted
  forward by the gap: 02:30 in New York on the spring-forward Sunday fires at 03:30 EDT, the same
  instant 02:30 EST would have been. Nobody misses their reminder because of the change.
* A local time that happens twice (the clock falls back over it) fires once, at its first
  occurrence (``fold=0``).

Every occurrence has a stable identity, its ``key``: the local date and the scheduled wall-clock
time, e.g. ``"2026-03-08T07:30"``. The key names "Sunday's 07:30 reminder", whatever instant it
lands on, so the store can make sure each one is delivered at most once.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from bot.core.errors import ScheduleError
from bot.core.text import without_invisible
from bot.core.timezones import zone

DEFAULT_TIMES: tuple[time, ...] = (time(7, 30), time(21, 30))
"""Once in the morning and once before bed."""

MAX_TIMES_PER_DAY = 6

WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


# --------------------------------------------------------------------------- times of day

_AMPM = r"a\.?m\.?|p\.?m\.?|a\b|p\b"
_TIME_RE = re.compile(
    rf"""^
    (?P<hour>\d{{1,2}})
    (?:\s*[:.h]\s*(?P<minute>\d{{2}})(?:\s*:\s*(?P<second>\d{{2}}))?  # 7:30, 7.30, 7h30, 07:30:00
      |(?P<h>h))?                                                   # 19h
    \s*(?P<ampm>{_AMPM})?
    $""",
    re.VERBOSE,
)
_COMPACT_RE = re.compile(
    rf"^(?P<hour>\d{{1,2}})(?P<minute>\d{{2}})\s*(?P<ampm>{_AMPM})?$"
)  # 730, 0730
_NAMED_TIMES = {"noon": time(12, 0), "midday": time(12, 0), "midnight": time(0, 0)}
Half = Literal["am", "pm"]


def parse_time(text: str, half: Half | None = None) -> time:
    """One time of day: "7:30", "07:30", "7.30", "7:30am", "7am", "9 pm", "21:30", "0730", "730",
    "19h", "7h30", "07:30:00", "19", "0", "noon".

    Without am or pm a time is read as 24-hour time, except a bare hour from 1 to 12 ("7"), which
    could be morning or evening: ``half`` says which where the question does (an evening reminder
    at 9 is at 21:00); without it the person is asked.
    """
    raw = without_invisible(text).strip()
    text = _plain(raw).lower()
    named = text.removeprefix("12 ").removesuffix(" 12")  # "12 noon", "12 midnight"
    if named in _NAMED_TIMES:
        return _NAMED_TIMES[named]
    m = _COMPACT_RE.match(text) or _TIME_RE.match(text)
    if not m:
        raise ScheduleError(f"{raw!r} is not a time of day. Try 7:30, 7:30am or 21:30.")
    hour, word = int(m["hour"]), m["hour"]
    minute = int(m["minute"] or 0)
    if minute > 59 or int(m.groupdict().get("second") or 0) > 59:
        raise ScheduleError(f"{raw!r}: minutes go up to 59.")
    ampm = m["ampm"][0] if m["ampm"] else None
    bare = not (m["minute"] or m.groupdict().get("h") or word.startswith("0"))
    if ampm is None and bare and 1 <= hour <= 12:
        if hour == 12 or half is None:
            raise ScheduleError(_which_half(raw, hour))
        ampm = half[0]
    if ampm:
        if not 1 <= hour <= 12:
            raise ScheduleError(f"{raw!r}: with am/pm the hour goes from 1 to 12.")
        hour = hour % 12 + (12 if ampm == "p" else 0)
    elif hour > 23:
        raise ScheduleError(f"{raw!r}: hours go from 0 to 23.")
    return time(hour, minute)


def _plain(text: str) -> str:
    """Full-width digits and colons as a Japanese or Chinese keyboard types them ("７：３０") as
    plain ones."""
    return text if text.isascii() else unicodedata.normalize("NFKC", text).replace("\u3001", ",")


def _which_half(raw: str, hour: int) -> str:
    """What to say about a bare hour from 1 to 12."""
    if hour == 12:
        return f"{raw!r} could be noon or midnight. Say noon or midnight, or 12:00 or 00:00."
    return (
        f"{raw!r} could be morning or evening. Say {hour}am or {hour}pm, or use 24-hour time: "
        f"{hour:02d}:00 or {hour + 12}:00."
    )


_TIME_SEPARATORS = re.compile(r"\s*(?:,|;|/|&|\band\b|\+)\s*")
_TIME_TOKEN = re.compile(
    rf"(?:\d{{3,4}}(?!\d)|\d{{1,2}}(?:\s*[:.h]\s*\d{{2}}(?:\s*:\s*\d{{2}})?|h\b|(?!\d)))"
    rf"(?:\s*(?:{_AMPM}))?|noon|midday|midnight",
    re.IGNORECASE,
)


_AT = re.compile(r"\bat\s+(?=\d|noon\b|midday\b|midnight\b)", re.IGNORECASE)


def parse_times(text: str) -> tuple[time, ...]:
    """Several times of day: "7:30, 21:30", "7am and 9:30pm", "07:30 21:30", "at 7:30". Sorted,
    without repeats."""
    if not text or not text.strip():
        raise ScheduleError("Give at least one time, e.g. 7:30, 21:30.")
    found: list[time] = []
    for chunk in _TIME_SEPARATORS.split(_AT.sub("", _plain(without_invisible(text))).strip()):
        if not chunk:
            continue
        try:
            found.append(parse_time(chunk))
            continue
        except ScheduleError:
            pass
        # "07:30 21:30": several times separated only by spaces.
        pos = 0
        pieces = []
        for m in _TIME_TOKEN.finditer(chunk):
            if chunk[pos : m.start()].strip():
                break
            pieces.append(m.group(0))
            pos = m.end()
        if len(pieces) < 2 or chunk[pos:].strip():
            parse_time(chunk)  # raises the error for the whole chunk
        found.extend(parse_time(p) for p in pieces)
    return normalize_times(found)


_AMPM_WORDS = {"am", "pm", "a.m.", "p.m."}
_JOINERS = {",", ";", "&", "+", "/", "and"}


def split_zone_and_times(words: Sequence[str]) -> tuple[str, str]:
    """What follows "reminders on", as typed: the words of the time zone and the words of the
    times, each joined by spaces ("" when absent). A time starts with a digit or is noon or
    midnight; "am" after a time, "at" before one and "and" between two belong to the times.
    Everything else names the zone, digits and all ("UTC+2", "Etc/GMT+5", "EST5EDT"), so that
    :func:`~bot.core.timezones.resolve_timezone` judges it whole."""
    cleaned = [without_invisible(w).strip() for w in words]
    times = [w[:1].isdigit() or w.lower().rstrip(",;") in _NAMED_TIMES for w in cleaned]

    def beside(i: int, step: int) -> bool | None:
        """Whether the nearest word that is not a joiner, before (-1) or after (+1), is a time."""
        j = i + step
        while 0 <= j < len(cleaned) and cleaned[j].lower() in _JOINERS | _AMPM_WORDS | {"at"}:
            j += step
        return times[j] if 0 <= j < len(cleaned) else None

    for i, word in enumerate(cleaned):
        w = word.lower()
        if w in _AMPM_WORDS:
            times[i] = beside(i, -1) is True
        elif w == "at":
            times[i] = beside(i, +1) is True
        elif w in _JOINERS:
            times[i] = beside(i, -1) is True and beside(i, +1) is not False
    zone = " ".join(w for w, t in zip(cleaned, times, strict=True) if w and not t)
    return zone, " ".join(w for w, t in zip(cleaned, times, strict=True) if w and t)


def normalize_times(times: Iterable[time]) -> tuple[time, ...]:
    """Sorted, unique, whole minutes; between 1 and MAX_TIMES_PER_DAY of them."""
    unique = sorted({time(t.hour, t.minute) for t in times})
    if not unique:
        raise ScheduleError("Give at least one time, e.g. 7:30, 21:30.")
    if len(unique) > MAX_TIMES_PER_DAY:
        raise ScheduleError(f"At most {MAX_TIMES_PER_DAY} reminders a day, please.")
    return tuple(unique)


def format_time(t: time) -> str:
    return f"{t.hour:02d}:{t.minute:02d}"


def format_times(times: Iterable[time]) -> str:
    return ", ".join(format_time(t) for t in times)


# --------------------------------------------------------------------------- weekdays

_DAY_WORDS = {
    "mo": 0, "mon": 0, "monday": 0, "mondays": 0,
    "tu": 1, "tue": 1, "tues": 1, "tuesday": 1, "tuesdays": 1,
    "we": 2, "wed": 2, "weds": 2, "wednesday": 2, "wednesdays": 2,
    "th": 3, "thu": 3, "thur": 3, "thurs": 3, "thursday": 3, "thursdays": 3,
    "fr": 4, "fri": 4, "friday": 4, "fridays": 4,
    "sa": 5, "sat": 5, "saturday": 5, "saturdays": 5,
    "su": 6, "sun": 6, "sunday": 6, "sundays": 6,
}  # fmt: skip
_EVERY_DAY = {
    "",
    "daily",
    "every day",
    "everyday",
    "all",
    "all days",
    "any",
    "*",
    "always",
    "mon-sun",
}
_DAY_GROUPS = {
    "weekdays": frozenset(range(5)), "weekday": frozenset(range(5)), "workdays": frozenset(range(5)),
    "work days": frozenset(range(5)), "working days": frozenset(range(5)),
    "weekends": frozenset({5, 6}), "weekend": frozenset({5, 6}),
}  # fmt: skip


def parse_weekdays(text: str | None) -> frozenset[int] | None:
    """Days of the week as a set of 0..6 (Monday is 0); ``None`` means every day.

    Accepts "mon-fri", "weekdays", "weekends", "mon,wed,fri", "monday and thursday", "fri-mon"
    (a range may wrap past Sunday), "every day".
    """
    if text is None:
        return None
    norm = re.sub(r"\s+", " ", text.strip().lower())
    if norm in _EVERY_DAY:
        return None
    days: set[int] = set()
    norm = re.sub(r"\s*(?:-|–|\bto\b|\bthrough\b|\bthru\b)\s*", "-", norm)
    for part in re.split(r"\s*(?:,|;|/|&|\band\b|\+|\s)\s*", norm):
        if not part:
            continue
        if part in _DAY_GROUPS:
            days |= _DAY_GROUPS[part]
            continue
        if "-" in part:
            start_word, _, end_word = part.partition("-")
            start, end = _day(start_word, text), _day(end_word, text)
            d = start
            while True:
                days.add(d)
                if d == end:
                    break
                d = (d + 1) % 7
            continue
        days.add(_day(part, text))
    return normalize_weekdays(days)


def _day(word: str, original: str) -> int:
    word = word.strip(". ")
    if word in _DAY_WORDS:
        return _DAY_WORDS[word]
    raise ScheduleError(
        f"I can't read the days {original.strip()!r}. Try mon-fri, weekdays, weekends or mon,wed,fri."
    )


def normalize_weekdays(days: Iterable[int] | None) -> frozenset[int] | None:
    """A set of weekday numbers, or ``None`` for every day (all seven days also become ``None``)."""
    if days is None:
        return None
    result = frozenset(int(d) for d in days)
    if not result:
        raise ScheduleError("Pick at least one day.")
    if not result <= set(range(7)):
        raise ScheduleError("Weekdays are numbered 0 (Monday) to 6 (Sunday).")
    return None if len(result) == 7 else result


def format_weekdays(days: frozenset[int] | None) -> str:
    if days is None:
        return "every day"
    if days == frozenset(range(5)):
        return "weekdays (Mon-Fri)"
    if days == frozenset({5, 6}):
        return "weekends"
    return ", ".join(WEEKDAY_NAMES[d] for d in sorted(days))


def weekdays_to_text(days: frozenset[int] | None) -> str | None:
    """Storage form: "0,2,4", or ``None`` for every day."""
    return None if days is None else ",".join(str(d) for d in sorted(days))


def weekdays_from_text(text: str | None) -> frozenset[int] | None:
    if text is None or not text.strip():
        return None
    return normalize_weekdays(int(p) for p in text.split(","))


def times_to_text(times: Iterable[time]) -> str:
    """Storage form: "07:30,21:30"."""
    return ",".join(format_time(t) for t in times)


def times_from_text(text: str) -> tuple[time, ...]:
    return normalize_times(time.fromisoformat(p) for p in text.split(","))


# --------------------------------------------------------------------------- occurrences


@dataclass(frozen=True)
class Occurrence:
    """One reminder: when it is due, which local day and scheduled time it stands for, its identity.

    ``local_time`` is the time on the schedule (07:30), even when the instant had to move (a time
    in the spring-forward gap). ``key`` is ``"YYYY-MM-DDTHH:MM"``; a snoozed reminder carries the
    key of the reminder it repeats plus ``+Nm`` (minutes after that reminder's scheduled time).
    """

    due_utc: datetime
    local_date: date
    local_time: time
    key: str
    timezone: str = "UTC"

    @property
    def base_key(self) -> str:
        return self.key.split("+", 1)[0]

    def local_due(self) -> datetime:
        """The due instant on the person's own clock (03:30 for a 02:30 reminder pushed by the gap)."""
        return self.due_utc.astimezone(zone(self.timezone))

    @classmethod
    def from_key(cls, key: str, due_utc: datetime, timezone: str = "UTC") -> Occurrence:
        base = key.split("+", 1)[0]
        day, _, hhmm = base.partition("T")
        return cls(
            due_utc.astimezone(UTC),
            date.fromisoformat(day),
            time.fromisoformat(hhmm),
            key,
            timezone,
        )


def occurrence_key(local_date: date, local_time: time) -> str:
    return f"{local_date.isoformat()}T{format_time(local_time)}"


def local_to_utc(local_date: date, local_time: time, tz: ZoneInfo) -> datetime:
    """The instant a wall-clock time names. A time in a spring-forward gap is read with the offset
    from before the change, which moves it forward by the gap (02:30 -> 03:30 in New York); a time
    that happens twice is read as its first occurrence (fold=0)."""
    local = datetime.combine(local_date, time(local_time.hour, local_time.minute), tzinfo=tz)
    return local.replace(fold=0).astimezone(UTC)


def key_due_utc(key: str, tz: str | ZoneInfo) -> datetime:
    """The instant the occurrence ``key`` names in zone ``tz`` under the zone's rules as this
    process knows them (a tzdata update can move it; see :func:`local_to_utc`)."""
    day, _, hhmm = key.split("+", 1)[0].partition("T")
    return local_to_utc(date.fromisoformat(day), time.fromisoformat(hhmm), _as_zone(tz)[0])


def _as_zone(tz: str | ZoneInfo) -> tuple[ZoneInfo, str]:
    if isinstance(tz, ZoneInfo):
        return tz, tz.key
    return zone(tz), tz


def next_occurrence(
    after_utc: datetime,
    tz: str | ZoneInfo,
    times: Sequence[time],
    weekdays: Iterable[int] | None = None,
) -> Occurrence:
    """The first reminder strictly after ``after_utc`` for a person in zone ``tz``.

    ``times`` are local wall-clock times; ``weekdays`` a set of 0..6 (Monday is 0) or ``None``
    for every day; the weekday is that of the local date. If a skipped time, moved forward by the
    gap, lands on the same instant as another of the times (01:30 and 02:30 in London on the
    spring-forward day), that instant is one reminder, the earlier-scheduled one, not two at once.
    """
    if after_utc.tzinfo is None:
        raise ValueError("after_utc must be an aware datetime")
    zi, name = _as_zone(tz)
    days = normalize_weekdays(weekdays)
    wanted = normalize_times(times)
    start = after_utc.astimezone(zi).date() - timedelta(days=1)
    best: Occurrence | None = None
    # Nine local days always hold a match. A reminder on the next local day can land earlier than
    # one on the day before (a time pushed forward by a gap at midnight, or a date-line jump), so
    # the search looks one day past the first match before settling.
    for offset in range(9):
        day = start + timedelta(days=offset)
        if best is not None and day >= best.local_date + timedelta(days=2):
            break
        if days is not None and day.weekday() not in days:
            continue
        for t in wanted:
            due = local_to_utc(day, t, zi)
            if due <= after_utc:
                continue
            if best is None or (due, day) < (best.due_utc, best.local_date):
                best = Occurrence(due, day, t, occurrence_key(day, t), name)
    assert best is not None  # at least one weekday and one time, so nine days always hold one
    return best


def occurrences(
    after_utc: datetime,
    tz: str | ZoneInfo,
    times: Sequence[time],
    weekdays: Iterable[int] | None = None,
) -> Iterator[Occurrence]:
    """Every reminder after ``after_utc``, in order (an endless iterator)."""
    zi, _ = _as_zone(tz)
    current = after_utc
    while True:
        occ = next_occurrence(current, zi, times, weekdays)
        yield occ
        current = occ.due_utc


@dataclass(frozen=True)
class CatchUp:
    """What to do with a due occurrence at ``now``: send one (or none), skip some, and what follows."""

    send: Occurrence | None
    skipped: tuple[Occurrence, ...]
    next: Occurrence


def catch_up(
    due: Occurrence,
    now: datetime,
    grace: timedelta,
    tz: str | ZoneInfo,
    times: Sequence[time],
    weekdays: Iterable[int] | None = None,
    *,
    listed: timedelta = timedelta(days=30),
) -> CatchUp:
    """Decide about an occurrence whose time has come (``due.due_utc <= now``).

    An occurrence missed by at most ``grace`` is still sent, late. Older ones are skipped. When
    several occurrences fell due while nobody was looking (the bot was down), only the latest one
    still within grace is sent, so a person never gets a burst of stale reminders; every other one
    is reported as skipped, so each missed occurrence gets a record of why. After a downtime longer
    than ``listed`` only ``due`` and the occurrences of the last ``listed`` are reported (older
    records would be forgotten anyway). ``next`` is the first occurrence after ``now``.
    """
    if due.due_utc > now:
        raise ValueError("catch_up() is for occurrences that are due")
    oldest_ok = now - grace
    skipped: list[Occurrence] = []
    candidate: Occurrence | None
    if due.due_utc >= oldest_ok:
        candidate = due
    else:
        skipped.append(due)
        for missed in occurrences(max(due.due_utc, now - listed), tz, times, weekdays):
            if missed.due_utc >= oldest_ok:
                break
            if missed.key != due.key:
                skipped.append(missed)
        first = next_occurrence(oldest_ok - timedelta(microseconds=1), tz, times, weekdays)
        candidate = first if first.due_utc <= now else None
    if candidate is None:
        return CatchUp(None, tuple(skipped), next_occurrence(now, tz, times, weekdays))
    for following in occurrences(candidate.due_utc, tz, times, weekdays):
        if following.due_utc > now:
            return CatchUp(candidate, tuple(skipped), following)
        skipped.append(candidate)
        candidate = following
    raise AssertionError("unreachable: occurrences() never ends")


def snooze_key(base_key: str, due_utc: datetime, tz: str | ZoneInfo) -> str:
    """The identity of a snoozed repeat: the original's key plus how many minutes after the
    original's scheduled time it comes ("2026-03-08T07:30+30m"). Pressing snooze twice within the
    same minute gives the same key, so the repeat still comes once."""
    zi, _ = _as_zone(tz)
    base = base_key.split("+", 1)[0]
    day, _, hhmm = base.partition("T")
    scheduled = local_to_utc(date.fromisoformat(day), time.fromisoformat(hhmm), zi)
    minutes = round((due_utc - scheduled).total_seconds() / 60)
    return f"{base}+{minutes}m"
