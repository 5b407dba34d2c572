"""Time zones: what people type resolved to IANA names, the alias table shipped as data, zone()."""

from __future__ import annotations

from importlib import resources
from zoneinfo import ZoneInfo

import pytest

from bot.core.errors import KnowledgeError, ScheduleError
from bot.core.timezones import (
    ALIASES_FILE,
    PersonZone,
    UnknownTimezone,
    read_aliases,
    resolve_timezone,
    timezone_choices,
    usable_zone,
    zone,
)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Europe/Berlin", "Europe/Berlin"),
        ("europe/berlin", "Europe/Berlin"),
        ("America/New York", "America/New_York"),
        ("berlin", "Europe/Berlin"),
        ("New York", "America/New_York"),
        ("new_york", "America/New_York"),
        ("NYC", "America/New_York"),
        ("london", "Europe/London"),
        ("India", "Asia/Kolkata"),
        ("sydney", "Australia/Sydney"),
        ("Los Angeles", "America/Los_Angeles"),
        ("UTC", "UTC"),
        ("kathmandu", "Asia/Kathmandu"),
        ("buenos aires", "America/Argentina/Buenos_Aires"),
        ("EST", "America/New_York"),  # people mean New York time, not IANA's fixed UTC-5
        ("  Asia/Tokyo ", "Asia/Tokyo"),
    ],
)
def test_resolve_timezone(text: str, expected: str) -> None:
    assert resolve_timezone(text) == expected


def test_a_misspelt_zone_gets_close_suggestions() -> None:
    with pytest.raises(UnknownTimezone) as err:
        resolve_timezone("Europe/Berlim")
    assert err.value.suggestions[0] == "Europe/Berlin"
    assert "Europe/Berlin" in str(err.value)

    with pytest.raises(UnknownTimezone) as err:
        resolve_timezone("new yrok")
    assert "America/New_York" in err.value.suggestions


def test_a_country_with_several_zones_asks_which() -> None:
    with pytest.raises(UnknownTimezone) as err:
        resolve_timezone("usa")
    assert {"America/New_York", "America/Los_Angeles"} <= set(err.value.suggestions)


def test_an_offset_is_refused_because_it_ignores_daylight_saving() -> None:
    with pytest.raises(UnknownTimezone, match="daylight saving"):
        resolve_timezone("UTC+2")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("EST5EDT", "EST5EDT"),  # real zone names with digits
        ("CST6CDT", "CST6CDT"),
        ("São Paulo", "America/Sao_Paulo"),  # accents as people write the city
        ("Zürich", "Europe/Zurich"),
        ("Bogotá", "America/Bogota"),
        ("Montréal", resolve_timezone("Montreal")),
        ("Reykjavík", "Atlantic/Reykjavik"),
        ("Europe/Zürich", "Europe/Zurich"),
        ("Europe/Berlin\u200b", "Europe/Berlin"),  # pasted with a zero-width space
        ("\ufeffAsia/Tokyo", "Asia/Tokyo"),
        ("Paris, France", "Europe/Paris"),  # a city and its country
        ("Zurich, Switzerland", "Europe/Zurich"),
        ("Manaus, Brazil", "America/Manaus"),  # the country's other zone than its alias
        ("Montréal, Canada", resolve_timezone("Montreal")),
        ("Austin, Texas, USA", "America/Chicago"),
        ("Paris, FR", "Europe/Paris"),
        ("UTC+0", "UTC"),  # no offset is UTC, which is accepted by name
        ("Etc/GMT-0", "UTC"),
    ],
)
def test_zone_names_with_digits_accents_or_a_country(text: str, expected: str) -> None:
    assert resolve_timezone(text) == expected


def test_a_city_whose_place_keeps_other_time_is_not_taken_for_its_namesake() -> None:
    with pytest.raises(UnknownTimezone) as err:
        resolve_timezone("Paris, Texas")
    assert err.value.suggestions == ["Europe/Paris"]
    assert str(err.value) == "I don't know the time zone 'Paris, Texas'. Did you mean Europe/Paris?"


@pytest.mark.parametrize("text", ["UTC+2", "utc +2", "GMT+2", "+02:00"])
def test_an_offset_is_refused_with_the_places_on_it(text: str) -> None:
    with pytest.raises(UnknownTimezone) as err:
        resolve_timezone(text)
    message = str(err.value)
    assert message.startswith(
        f"{text!r} is a UTC offset, and offsets don't follow daylight saving. Give your city or "
        "region instead. Places on UTC+2 for all or part of the year: Europe/Berlin, "
    )
    assert err.value.suggestions[0] == "Europe/Berlin"
    assert "Africa/Johannesburg" in err.value.suggestions  # on UTC+2 all year


def test_an_etc_gmt_zone_is_refused_with_its_turned_around_sign() -> None:
    """Etc/GMT+5 is UTC-5: who types it almost surely means UTC+5. Neither follows daylight
    saving, so it is refused like any offset, with the places on what was meant first."""
    with pytest.raises(UnknownTimezone) as err:
        resolve_timezone("Etc/GMT+5")
    message = str(err.value)
    assert message.startswith(
        "'Etc/GMT+5' is UTC-5, not UTC+5: the sign of the Etc/GMT names is turned around. "
        "And a fixed offset doesn't follow daylight saving. Give your city or region instead. "
        "Places on UTC+5 for all or part of the year: Asia/Karachi, "
    )
    assert "Places on UTC-5 for all or part of the year: America/New_York, " in message
    assert (
        err.value.suggestions[0] == "Asia/Karachi" and "America/New_York" in err.value.suggestions
    )
    assert timezone_choices("Etc/GMT+5") == err.value.suggestions


def test_autocomplete_finds_accented_names_offsets_and_a_city_with_its_country() -> None:
    assert timezone_choices("São")[0] == "America/Sao_Paulo"
    assert timezone_choices("Zür") == ["Europe/Zurich"]
    assert timezone_choices("Paris, France") == ["Europe/Paris"]
    assert timezone_choices("Europe/Berlin\u200b")[0] == "Europe/Berlin"
    assert timezone_choices("UTC+2")[0] == "Europe/Berlin"
    assert "Etc/GMT+5" not in timezone_choices("Etc/GMT+5")


def test_timezone_choices_for_autocomplete() -> None:
    assert timezone_choices("ber")[0] == "Europe/Berlin"
    assert timezone_choices("new")[0] == "America/New_York"
    assert timezone_choices("kolk") == ["Asia/Kolkata"]
    assert "Europe/Berlin" in timezone_choices("berln")  # a typo still finds it
    empty = timezone_choices("")
    assert 0 < len(empty) <= 25 and "UTC" in empty
    many = timezone_choices("america/")
    assert len(many) == 25 and all(z.startswith("America/") for z in many)
    for name in many + empty:
        ZoneInfo(name)  # every choice is a real zone


# --------------------------------------------------------------------------- zone()


@pytest.mark.parametrize("name", ["Mars/Olympus_Mons", "", "../../etc/passwd", None])
def test_an_unknown_zone_raises_the_one_exception(name: object) -> None:
    with pytest.raises(UnknownTimezone) as err:
        zone(name)  # type: ignore[arg-type]  # a stored value that is not text must fail the same way
    assert isinstance(err.value, ScheduleError) and isinstance(err.value, ValueError)
    assert "I don't know the time zone" in str(err.value)


def test_zone_gives_the_zoneinfo() -> None:
    assert zone("Europe/Berlin").key == "Europe/Berlin"


# --------------------------------------------------------------------------- the alias table


def test_a_stored_zone_is_used_while_it_resolves_and_else_the_fallback_says_why() -> None:
    assert usable_zone("Asia/Tokyo") == PersonZone("Asia/Tokyo", "Asia/Tokyo")
    own = usable_zone("Asia/Tokyo", "Europe/Berlin")
    assert (own.name, own.lost, own.unknown) == ("Asia/Tokyo", False, False)
    unknown = usable_zone(None)
    assert (unknown.name, unknown.lost, unknown.unknown) == ("UTC", False, True)
    guessed = usable_zone("", "Europe/Berlin", guessed=True)
    assert (guessed.name, guessed.stored, guessed.unknown) == ("Europe/Berlin", None, False)
    lost = usable_zone("Mars/Olympus")  # a name tzdata no longer has
    assert (lost.name, lost.stored, lost.lost, lost.unknown) == ("UTC", "Mars/Olympus", True, False)
    with pytest.raises(UnknownTimezone):
        usable_zone("Mars/Olympus", "Mars/Elysium")  # a fallback must resolve


def test_the_shipped_alias_table_is_valid_and_found_as_package_data() -> None:
    text = resources.files("bot.core").joinpath("data", ALIASES_FILE).read_text(encoding="utf-8")
    table = read_aliases(text)
    assert table.aliases["nyc"] == "America/New_York"
    assert table.ambiguous["us"] == table.ambiguous["usa"]
    assert table.popular[0] == "UTC"


def test_a_broken_alias_file_names_the_line() -> None:
    with pytest.raises(KnowledgeError) as err:
        read_aliases('aliases:\n  "nyc": [America/New_York\nambiguous: {}\n')
    assert "zone_aliases.yaml: not valid YAML at line" in str(err.value)


def test_an_alias_table_with_wrong_entries_lists_every_problem() -> None:
    text = (
        "aliases:\n"
        '  "nyc": America/New_Yrok\n'
        "  no: Europe/Oslo\n"  # a bare no is read as false
        '  "New York": America/New_York\n'
        "ambiguous:\n"
        '  "usa": []\n'
        "popular: [UTC, Mars/Base]\n"
        "extra: 1\n"
    )
    with pytest.raises(KnowledgeError) as err:
        read_aliases(text)
    problems = [str(issue) for issue in err.value.issues]
    assert problems == [
        "zone_aliases.yaml extra: unknown key (allowed: aliases, ambiguous, popular)",
        "zone_aliases.yaml aliases.nyc: 'America/New_Yrok' is not an IANA time zone name",
        "zone_aliases.yaml aliases.False: expected lowercase text without accents, with single spaces, in quotes",
        "zone_aliases.yaml aliases.New York: expected lowercase text without accents, with single spaces, in quotes",
        "zone_aliases.yaml ambiguous.usa: expected a non-empty list of zone names",
        "zone_aliases.yaml popular: 'Mars/Base' is not an IANA time zone name",
    ]
