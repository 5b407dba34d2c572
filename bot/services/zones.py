"""Which time zone a person's days and times are counted in, the same for every reply.

A person's own zone is the one they gave: with their reminders, or on its own (``/progress show``
in Discord takes one without turning reminders on). It is stored in ``people.timezone`` and beside
their reminder schedule. When the bot does not know it:

* a Discord user's days are counted in UTC, and every reply that shows their days (the streak, the
  week's squares) says so in one line, with how to set their zone (:func:`zone_note`);
* the terminal's local person's days are counted in this computer's zone, in every terminal
  command alike (``lowback routine``, ``lowback progress``, the chat): it is their own computer.

A stored zone this machine no longer knows (a tzdata update dropped the name, a slimmer image lacks
it) is no error: the same fallback is used, reminders keep coming, and every reply that shows days
or times says in one line that the zone is no longer known and that it should be set again.
"""

from __future__ import annotations

import os
import zoneinfo
from functools import lru_cache
from pathlib import Path

from bot.core.timezones import PersonZone, UnknownTimezone, usable_zone, zone
from bot.store.people import LOCAL_USER_ID

FALLBACK_ZONE = "UTC"
LOCALTIME = Path("/etc/localtime")


def machine_zone() -> str:
    """This computer's IANA zone name, found where the C library (and ``date``) finds it: ``TZ``, a
    zone's name or a zone file's path (``TZ=:/usr/share/zoneinfo/Europe/Berlin``), else
    /etc/localtime, a link to a zone file or a copy of one (``cp`` in a Dockerfile, Alpine, a
    bind-mounted /etc/localtime); UTC when it cannot be told."""
    tz = os.environ.get("TZ", "").lstrip(":")
    if tz and not tz.startswith("/"):
        try:
            zone(tz)
            return tz
        except UnknownTimezone:
            pass
    for path in (Path(tz),) if tz.startswith("/") else (LOCALTIME,):
        found = _zone_of_file(path)
        if found is not None:
            return found
    return FALLBACK_ZONE


def _zone_of_file(path: Path) -> str | None:
    """The zone whose compiled file ``path`` is: the one it links to, else the one with the same
    content; None when there is none."""
    try:
        target = os.path.realpath(path)
        if "zoneinfo/" in target:
            name = target.split("zoneinfo/", 1)[1]
            zone(name)
            return name
    except (OSError, UnknownTimezone):
        pass
    try:
        stat = path.stat()
        return _zone_with_content(str(path), stat.st_size, stat.st_mtime_ns)
    except OSError:
        return None


@lru_cache(maxsize=4)
def _zone_with_content(path: str, size: int, changed: int) -> str | None:
    """The zone whose file in the zone folders (``zoneinfo.TZPATH``) holds what ``path`` holds: a
    region's name before an old one like ``EST5EDT`` and the file itself before the links to it."""
    data = Path(path).read_bytes()
    same: list[str] = []
    for folder in zoneinfo.TZPATH:
        for here, dirs, files in os.walk(folder):
            dirs[:] = [d for d in dirs if d not in ("posix", "right")]
            for file in files:
                candidate = Path(here, file)
                try:
                    if candidate.is_symlink() or candidate.stat().st_size != size:
                        continue
                    if candidate.read_bytes() == data:
                        same.append(candidate.relative_to(folder).as_posix())
                except OSError:
                    continue
        for name in sorted(same, key=lambda n: ("/" not in n, n)):
            try:
                zone(name)
                return name
            except UnknownTimezone:
                continue
    return None


def person_zone(user_id: int, stored: str | None) -> PersonZone:
    """The zone to count ``user_id``'s days and times in, given the zone stored as theirs."""
    if user_id == LOCAL_USER_ID:
        return usable_zone(stored, machine_zone(), guessed=True)
    return usable_zone(stored, FALLBACK_ZONE)


def zone_note(where: PersonZone, set_zone: str | None = None) -> str | None:
    """The one line a reply that shows days or times adds when they are not counted in the
    person's own zone; None when they are. ``set_zone`` is how to set one, in the front end's words,
    finishing "set it ..." (e.g. "with `/progress show timezone:`"); without it the line says only
    what is wrong."""
    how = f" {set_zone}" if set_zone else ""
    if where.lost:
        return (
            f"I no longer know your time zone '{where.stored}'; "
            f"days and times are in {where.name} until you set it again{how}."
        )
    if where.unknown:
        why = f"Days are counted in {where.name}, as I don't know your time zone"
        return f"{why}: set it{how} to count them in yours." if how else f"{why}."
    return None
