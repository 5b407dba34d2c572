"""Time zones: what people type ("new york", "nyc", "Europe/Berlin") resolved to IANA names.

The names people type that are not IANA names (cities, countries, abbreviations such as "EST") are
data, in ``bot/core/data/zone_aliases.yaml`` (shipped inside the package), read once on first use
and checked like the knowledge base. :func:`zone` is the one way from a stored name to a
:class:`~zoneinfo.ZoneInfo`; every unknown zone raises :class:`UnknownTimezone`. A name stored
earlier can stop resolving (a tzdata update drops it, a slimmer image lacks it): :func:`usable_zone`
says which zone to count a person's days and times in instead, and why (:class:`PersonZone`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from importlib import resources
from types import MappingProxyType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from rapidfuzz import fuzz, process

from bot.core.errors import KBIssue, KnowledgeError, ScheduleError
from bot.core.text import plain_letters, without_invisible
from bot.core.validation import Checker, read_yaml, type_name
from bot.core.zone_places import country_zones, current_zones, zone_offsets

ALIASES_FILE = "zone_aliases.yaml"


class UnknownTimezone(ScheduleError):
    """A time zone name that does not resolve. ``suggestions`` holds close IANA names, best first."""

    def __init__(self, text: str, suggestions: Sequence[str] = (), message: str | None = None):
        self.text = text
        self.suggestions: list[str] = list(suggestions)
        if message is None:
            message = f"I don't know the time zone {text.strip()!r}."
            if self.suggestions:
                message += " Did you mean " + ", ".join(self.suggestions) + "?"
            else:
                message += " Try a city, e.g. Europe/Berlin or America/New_York."
        super().__init__(message)


@dataclass(frozen=True)
class ZoneAliases:
    """The names people type that are not IANA names, as read from the alias file."""

    aliases: Mapping[str, str]  # typed name -> zone
    ambiguous: Mapping[str, tuple[str, ...]]  # a country with several zones -> its main zones
    popular: tuple[str, ...]  # shown when an autocomplete box is still empty


@lru_cache(maxsize=1)
def _table() -> ZoneAliases:
    """The alias table shipped with the package (see :func:`read_aliases`)."""
    text = resources.files("bot.core").joinpath("data", ALIASES_FILE).read_text(encoding="utf-8")
    return read_aliases(text)


def read_aliases(text: str, file: str = ALIASES_FILE) -> ZoneAliases:
    """The alias table from the YAML ``text``; raises KnowledgeError naming every problem."""
    issues: list[KBIssue] = []
    c = Checker(file, issues)
    doc = read_yaml(file, text, issues)
    data = c.mapping(doc, None, None) if not issues else None
    aliases: dict[str, str] = {}
    ambiguous: dict[str, tuple[str, ...]] = {}
    popular: tuple[str, ...] = ()
    if data is not None:
        c.keys(data, {"aliases", "ambiguous", "popular"}, {"aliases", "ambiguous", "popular"}, None)
        for name, value in (c.mapping(data.get("aliases", {}), None, "aliases") or {}).items():
            if _typed_name(c, name, "aliases") and _zones(c, [value], f"aliases.{name}"):
                aliases[name] = value
        for name, value in (c.mapping(data.get("ambiguous", {}), None, "ambiguous") or {}).items():
            if not isinstance(value, list) or not value:
                c.add(None, f"ambiguous.{name}", "expected a non-empty list of zone names")
            elif _typed_name(c, name, "ambiguous") and _zones(c, value, f"ambiguous.{name}"):
                ambiguous[name] = tuple(value)
        raw_popular = data.get("popular", [])
        if not isinstance(raw_popular, list):
            c.add(None, "popular", f"expected a list of zone names, got {type_name(raw_popular)}")
        elif _zones(c, raw_popular, "popular"):
            popular = tuple(raw_popular)
    if issues:
        raise KnowledgeError(issues)
    return ZoneAliases(MappingProxyType(aliases), MappingProxyType(ambiguous), popular)


def _typed_name(c: Checker, name: object, section: str) -> bool:
    """Whether ``name`` is a key as :func:`resolve_timezone` compares it (see :func:`_norm`)."""
    if not isinstance(name, str) or name != _norm(name) or not name:
        c.add(
            None,
            f"{section}.{name}",
            "expected lowercase text without accents, with single spaces, in quotes",
        )
        return False
    return True


def _zones(c: Checker, names: list[object], where: str) -> bool:
    """Whether every entry of ``names`` is an IANA zone name."""
    bad = [n for n in names if not isinstance(n, str) or not is_valid_timezone(n)]
    for name in bad:
        c.add(None, where, f"{name!r} is not an IANA time zone name")
    return not bad


_REGIONS = (
    "Africa",
    "America",
    "Antarctica",
    "Arctic",
    "Asia",
    "Atlantic",
    "Australia",
    "Europe",
    "Indian",
    "Pacific",
)
_NOT_ZONES = {"localtime", "Factory"}
ASK_CITY = "Give your city or region instead, e.g. Europe/Berlin or America/New_York."
MAX_OFFSET = timedelta(hours=14)
# "UTC+2", "gmt -5", "+05:30": an offset from UTC, as people write it (east of Greenwich is +).
_OFFSET_RE = re.compile(
    r"^(?:utc|gmt)?\s*(?P<sign>[+-])\s*(?P<hours>\d{1,2})(?::?(?P<minutes>\d{2}))?$"
)
# "Etc/GMT+5": IANA's fixed-offset zones, whose sign is the POSIX one: Etc/GMT+5 is UTC-5.
_ETC_GMT_RE = re.compile(r"^etc/gmt\s*(?P<sign>[+-])\s*(?P<hours>\d{1,2})$")


def _norm(text: str) -> str:
    """Lowercase, without accents or invisible characters; underscores and runs of spaces become
    one space; dots dropped."""
    text = plain_letters(text).strip().lower().replace(".", "")
    return re.sub(r"[\s_]+", " ", text).strip(" ,;")


@dataclass(frozen=True)
class _ZoneIndex:
    by_name: dict[str, str]  # normalised full name -> zone
    by_city: dict[str, str]  # normalised last component -> preferred zone
    search_keys: list[str]  # everything fuzzy search looks at
    key_to_zone: dict[str, str]
    canonical: tuple[str, ...]  # region/city zones plus UTC, sorted


@lru_cache(maxsize=1)
def _index() -> _ZoneIndex:
    zones = sorted(z for z in available_timezones() if z not in _NOT_ZONES)
    by_name = {_norm(z): z for z in zones}
    canonical = tuple(z for z in zones if z == "UTC" or z.split("/", 1)[0] in _REGIONS)
    by_city: dict[str, str] = {}
    for z in canonical:
        if "/" not in z:
            continue
        city = _norm(z.rsplit("/", 1)[1])
        current = by_city.get(city)
        # "America/Argentina/Buenos_Aires" (canonical) beats "America/Buenos_Aires" (old link).
        if current is None or z.count("/") > current.count("/"):
            by_city[city] = z
    key_to_zone: dict[str, str] = {}
    for z in canonical:
        key_to_zone.setdefault(_norm(z), z)
    for city, z in by_city.items():
        key_to_zone.setdefault(city, z)
    for alias, z in _table().aliases.items():
        key_to_zone.setdefault(alias, z)
    return _ZoneIndex(by_name, by_city, list(key_to_zone), key_to_zone, canonical)


def is_valid_timezone(name: str) -> bool:
    if name in _NOT_ZONES:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def resolve_timezone(text: str) -> str:
    """The IANA zone name for what someone typed: "Europe/Berlin", "europe/berlin", "new york",
    "New_York", "nyc", "india", "UTC", "São Paulo", "Paris, France". Raises :class:`UnknownTimezone`
    with close suggestions; for an offset ("UTC+2", "Etc/GMT+5"), with why it won't do and the
    zones that have it."""
    text = without_invisible(text or "")
    key = _norm(text)
    if not key:
        raise UnknownTimezone(
            text, message="Tell me your time zone, e.g. Europe/Berlin or America/New_York."
        )
    found = _exact(key)
    if found is not None:
        return found
    table = _table()
    if key in table.ambiguous:
        options = table.ambiguous[key]
        raise UnknownTimezone(
            text,
            options,
            message=f"{text.strip()} has several time zones. Which one: {', '.join(options)}?",
        )
    if _is_offset(key):
        return _offset_zone(key, text)
    if "," in key:
        return _city_in_place(key, text)
    raise UnknownTimezone(text, suggest_timezones(text))


def _exact(key: str) -> str | None:
    """The zone a normalised name stands for, without guessing: a zone name, an alias, a city.
    None for a country with several zones, and for an offset (see :func:`_offset_zone`)."""
    if _is_offset(key):
        return None
    idx = _index()
    table = _table()
    if "/" in key and key in idx.by_name:
        return idx.by_name[key]
    if key in table.aliases:
        return table.aliases[key]
    if key in table.ambiguous:
        return None
    if key in idx.by_city:
        return idx.by_city[key]
    return idx.by_name.get(key)


def _is_offset(key: str) -> bool:
    return bool(_OFFSET_RE.match(key) or _ETC_GMT_RE.match(key))


def _offset(key: str) -> timedelta:
    """The offset from UTC that ``key`` (an offset, see :func:`_is_offset`) stands for, east
    positive; for an Etc/GMT name its real meaning (Etc/GMT+5 is UTC-5)."""
    m = _ETC_GMT_RE.match(key)
    flip = -1 if m else 1
    m = m or _OFFSET_RE.match(key)
    assert m is not None
    sign = -1 if m["sign"] == "-" else 1
    minutes = int(m.groupdict().get("minutes") or 0)
    return flip * sign * timedelta(hours=int(m["hours"]), minutes=minutes)


def zones_at(offset: timedelta, limit: int = 5) -> list[str]:
    """Zones on UTC ``offset`` for all or part of the year: popular and often-named ones first,
    then the others by their current names, Antarctica's research stations last."""
    table = _table()
    current = current_zones()
    others = sorted(
        (z for z in _index().canonical if not current or z in current),
        key=lambda z: (z.startswith("Antarctica/"), z),
    )
    out: list[str] = []
    for name in (*table.popular, *table.aliases.values(), *others):
        if name not in out and offset in zone_offsets(name):
            out.append(name)
            if len(out) == limit:
                break
    return out


def _label(offset: timedelta) -> str:
    """ "UTC+2", "UTC-3:30"."""
    minutes = int(offset.total_seconds()) // 60
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{'-' if minutes < 0 else '+'}{hours}" + (f":{rest:02d}" if rest else "")


def _places_on(offset: timedelta, names: list[str]) -> str:
    if not names:
        return ""
    return f" Places on {_label(offset)} for all or part of the year: {', '.join(names)}."


def _offset_zone(key: str, text: str) -> str:
    """ "UTC" for a zero offset; for any other, :class:`UnknownTimezone` saying why an offset won't
    do (it doesn't follow daylight saving, and an Etc/GMT name has its sign turned around) with
    the zones that have it. A person typing Etc/GMT+5 almost surely means UTC+5, which it is not:
    both are offered, what they meant first."""
    offset = _offset(key)
    if not offset:
        return "UTC"
    typed = text.strip()
    if abs(offset) > MAX_OFFSET:
        raise UnknownTimezone(
            text, message=f"{typed!r} is not an offset any place uses. {ASK_CITY}"
        )
    if _ETC_GMT_RE.match(key):
        meant, actual = zones_at(-offset, 3), zones_at(offset, 3)
        why = (
            f"{typed!r} is {_label(offset)}, not {_label(-offset)}: the sign of the Etc/GMT names "
            "is turned around. And a fixed offset doesn't follow daylight saving."
        )
        places = _places_on(-offset, meant) + _places_on(offset, actual)
        suggestions = [*meant, *actual]
    else:
        suggestions = zones_at(offset)
        why = f"{typed!r} is a UTC offset, and offsets don't follow daylight saving."
        places = _places_on(offset, suggestions)
    ask = "Give your city or region instead." if places else ASK_CITY
    raise UnknownTimezone(text, suggestions, f"{why} {ask}{places}")


def _city_in_place(key: str, text: str) -> str:
    """ "Paris, France", "Montréal, Canada", "Austin, Texas, USA": the city, when a later part names
    a place that keeps the city's time (so that Paris, Texas is not taken for Paris, France)."""
    head, *rest = [part.strip() for part in key.split(",") if part.strip()]
    city = _exact(head)
    if city is None:
        raise UnknownTimezone(text, suggest_timezones(head))
    for part in rest:
        places = set(_table().ambiguous.get(part, ())) | country_zones(part, _norm)
        named = _exact(part)
        if named is not None:
            places.add(named)
        if city in places or any(zone_offsets(z) == zone_offsets(city) for z in places):
            return city
    raise UnknownTimezone(text, [city])


def suggest_timezones(text: str, limit: int = 5) -> list[str]:
    """Zone names close to ``text``, best first (fuzzy match on zone, city and alias names)."""
    key = _norm(text)
    if not key:
        return []
    idx = _index()
    matches = process.extract(
        key, idx.search_keys, scorer=fuzz.WRatio, limit=limit * 4, score_cutoff=70
    )
    out: list[str] = []
    for found, _score, _pos in matches:
        zone = idx.key_to_zone[found]
        if zone not in out:
            out.append(zone)
        if len(out) == limit:
            break
    return out


def timezone_choices(prefix: str, limit: int = 25) -> list[str]:
    """Zone names for an autocomplete box (at most ``limit``; Discord shows 25), best first: what
    the text names exactly (an alias, a city, "Paris, France"; for an offset, the zones on it),
    then what starts with what was typed (zone, city or alias; popular zones first), then what
    contains it; fuzzy matches only when nothing does (a typo). Empty input gives the popular
    zones."""
    key = _norm(prefix or "")
    table = _table()
    if not key:
        return list(table.popular[:limit])
    idx = _index()
    out: list[str] = []

    def add(zone: str) -> None:
        if zone not in out:
            out.append(zone)

    if _is_offset(key) or "," in key:
        try:
            return [resolve_timezone(prefix)]
        except UnknownTimezone as exc:
            return exc.suggestions[:limit]
    found = _exact(key)
    if found is not None:
        add(found)
    for zone in table.ambiguous.get(key, ()):
        add(zone)
    popular = set(table.popular)

    def rank(zone: str) -> tuple[bool, str]:
        return (zone not in popular, zone)

    starts = {idx.by_city[c] for c in idx.by_city if c.startswith(key)}
    if len(key) >= 2:
        starts |= {z for a, z in table.aliases.items() if a.startswith(key)}
    starts |= {z for z in idx.canonical if _norm(z).startswith(key)}
    for zone in sorted(starts, key=rank):
        add(zone)
    for zone in sorted((z for z in idx.canonical if key in _norm(z)), key=rank):
        add(zone)
    if not out:  # nothing contains it: probably a typo
        for zone in suggest_timezones(key, limit=limit):
            add(zone)
    return out[:limit]


def zone(name: str) -> ZoneInfo:
    """The :class:`ZoneInfo` for a stored IANA name (already resolved). Raises
    :class:`UnknownTimezone` (a ``ValueError``) for a name that is not one, whatever its type."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise UnknownTimezone(str(name)) from None


@dataclass(frozen=True)
class PersonZone:
    """The zone a person's days and times are counted in, and why.

    ``name`` always resolves. ``stored`` is the zone stored as theirs: the same as ``name``, None
    when the bot does not know their zone, or a name that no longer resolves (:attr:`lost`). In
    both of the last two cases ``name`` is a fallback; ``guessed`` marks one that is a fair guess
    of the person's own zone (the terminal's person: the computer's zone), worth no note."""

    name: str
    stored: str | None = None
    guessed: bool = False

    @property
    def lost(self) -> bool:
        """A zone was stored as theirs, but it no longer resolves: ``name`` stands in for it."""
        return self.stored is not None and self.stored != self.name

    @property
    def unknown(self) -> bool:
        """No zone is stored as theirs and ``name`` is no guess of it (UTC, say)."""
        return self.stored is None and not self.guessed


def usable_zone(stored: str | None, fallback: str = "UTC", *, guessed: bool = False) -> PersonZone:
    """The zone to count in for a person whose stored zone is ``stored``: that one when it still
    resolves, else ``fallback`` (which must resolve; ``guessed``: see :class:`PersonZone`)."""
    if stored:
        try:
            zone(stored)
        except UnknownTimezone:
            pass
        else:
            return PersonZone(stored, stored)
    zone(fallback)  # raises for a fallback that does not resolve either
    return PersonZone(fallback, stored or None, guessed)
