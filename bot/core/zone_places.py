"""Facts about time zones that :mod:`bot.core.timezones` checks what people type against: the UTC
offsets a zone keeps through the year, and the zones of each country.

The countries come from the tz database's own tables (``zone.tab`` and ``iso3166.tab``), read
from the ``tzdata`` package, or from the system's zone directory where that package is absent;
without either, no country is known and "Paris, France" is refused with Europe/Paris suggested.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType

# Far enough ahead that every zone is on its current rules (those the tz database keeps for the
# future), so a zone that dropped daylight saving long ago does not count as keeping it.
_SEASONS = (datetime(2100, 1, 15, 12, tzinfo=UTC), datetime(2100, 7, 15, 12, tzinfo=UTC))


@cache
def zone_offsets(name: str) -> tuple[timedelta, ...]:
    """The zone's UTC offsets in January and in July (the same twice where clocks never change)."""
    tz = zoneinfo.ZoneInfo(name)
    return tuple(at.astimezone(tz).utcoffset() or timedelta(0) for at in _SEASONS)


def _table_text(name: str) -> str:
    """One of the tz database's tables, from the tzdata package or the system's zone directory."""
    try:
        return resources.files("tzdata.zoneinfo").joinpath(name).read_text(encoding="utf-8")
    except (ModuleNotFoundError, OSError):
        pass
    for folder in zoneinfo.TZPATH:
        try:
            return (Path(folder) / name).read_text(encoding="utf-8")
        except OSError:
            continue
    return ""


def _rows(text: str) -> list[list[str]]:
    return [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]


@lru_cache(maxsize=1)
def _zone_tab() -> dict[str, frozenset[str]]:
    """``{country code: its zones}`` from ``zone.tab``, which lists each zone by its current name
    (never an old one kept as a link, such as Asia/Calcutta for Asia/Kolkata)."""
    zones: dict[str, set[str]] = {}
    for row in _rows(_table_text("zone.tab")):
        if len(row) >= 3:
            zones.setdefault(row[0], set()).add(row[2])
    return {code: frozenset(names) for code, names in zones.items()}


@lru_cache(maxsize=1)
def current_zones() -> frozenset[str]:
    """Every zone some country uses, by its current name; empty when the table is not there."""
    return frozenset().union(*_zone_tab().values())


@lru_cache(maxsize=4)
def _countries(norm: Callable[[str], str]) -> Mapping[str, frozenset[str]]:
    """``{name as norm() makes it: the country's zones}``, by country name ("Switzerland", "Britain"
    for "Britain (UK)", "Bosnia and Herzegovina" for "Bosnia & Herzegovina") and by code ("ch")."""
    zones = _zone_tab()
    table: dict[str, frozenset[str]] = {}
    for row in _rows(_table_text("iso3166.tab")):
        if len(row) < 2 or row[0] not in zones:
            continue
        code, name = row[0], row[1]
        found = zones[code]
        plain = re.sub(r"\s*\(.*?\)", "", name)
        for key in {code, name, plain, plain.replace("&", "and")}:
            table.setdefault(norm(key), found)
    return MappingProxyType(table)


def country_zones(key: str, norm: Callable[[str], str]) -> frozenset[str]:
    """The zones of the country ``key`` names (already passed through ``norm``); empty if none."""
    return _countries(norm).get(key, frozenset())
