"""Time zones: what people type ("new york", "nyc", "Europe/Berlin") resolved to IANA names.

The names people type that are not IANA names (cities, countries, abbreviations such as "EST") are
data, in ``bot/core/data/zone_aliases.yaml`` (shipped inside the package), read once on first use
and checked like the knowledge base. :func:`zone` is the one way from a stored name to a
:class:`~zoneinfo.ZoneInfo`; every unknown zone raises :class:`UnknownTimezone`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from types import MappingProxyType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from rapidfuzz import fuzz, process

from bot.core.errors import KBIssue, KnowledgeError, ScheduleError
from bot.core.validation import Checker, read_yaml, type_name

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
        c.add(None, f"{section}.{name}", "expected lowercase text with single spaces, in quotes")
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
_OFFSET_RE = re.compile(r"^(?:utc|gmt)?\s*[+-]\s*\d{1,2}(?::?\d{2})?$")


def _norm(text: str) -> str:
    """Lowercase; underscores and runs of spaces become one space; dots dropped."""
    text = text.strip().lower().replace(".", "")
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
    "New_York", "nyc", "india", "UTC". Raises :class:`UnknownTimezone` with close suggestions."""
    if not text or not text.strip():
        raise UnknownTimezone(
            text or "", message="Tell me your time zone, e.g. Europe/Berlin or America/New_York."
        )
    key = _norm(text)
    idx = _index()
    if "/" in key and key in idx.by_name:
        return idx.by_name[key]
    table = _table()
    if key in table.aliases:
        return table.aliases[key]
    if key in table.ambiguous:
        options = table.ambiguous[key]
        raise UnknownTimezone(
            text,
            options,
            message=f"{text.strip()} has several time zones. Which one: {', '.join(options)}?",
        )
    if key in idx.by_city:
        return idx.by_city[key]
    if key in idx.by_name:
        return idx.by_name[key]
    if _OFFSET_RE.match(key):
        raise UnknownTimezone(
            text,
            message=(
                f"{text.strip()!r} is a UTC offset, and offsets don't follow daylight saving. "
                "Give your city or region instead, e.g. Europe/Berlin or America/New_York."
            ),
        )
    raise UnknownTimezone(text, suggest_timezones(text))


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
    """Zone names for an autocomplete box (at most ``limit``; Discord shows 25), best first: an
    exact alias or city, then what starts with what was typed (zone, city or alias; popular zones
    first), then what contains it; fuzzy matches only when nothing does (a typo). Empty input
    gives the popular zones."""
    key = _norm(prefix or "")
    table = _table()
    if not key:
        return list(table.popular[:limit])
    idx = _index()
    out: list[str] = []

    def add(zone: str) -> None:
        if zone not in out:
            out.append(zone)

    if key in table.aliases:
        add(table.aliases[key])
    for zone in table.ambiguous.get(key, ()):
        add(zone)
    if key in idx.by_city:
        add(idx.by_city[key])
    if key in idx.by_name:
        add(idx.by_name[key])
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
