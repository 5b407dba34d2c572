"""Whose days, in the terminal: the local person's days are counted in this computer's zone (or the
one stored as theirs) by every command alike, and a stored zone that no longer resolves is said
plainly instead of breaking the command."""

from __future__ import annotations

import asyncio
import io
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.core.replies import Reply
from bot.services.container import Services
from bot.settings import Settings
from bot.store.people import LOCAL_USER_ID
from bot.terminal.cli import main
from bot.terminal.render import Screen
from bot.terminal.routine import run_routine
from tests.support.fakes import FakeClock

NEW_YORK = "America/New_York"


@pytest.fixture(autouse=True)
def in_new_york(monkeypatch: pytest.MonkeyPatch) -> None:
    """This computer's time zone."""
    monkeypatch.setenv("TZ", NEW_YORK)


def settings(tmp_path: Path) -> Settings:
    return replace(Settings(), database=tmp_path / "lowback.db")


async def finished(services: Services, *moments: datetime) -> None:
    """Routines the local person finished at these instants."""
    await services.people.ensure(LOCAL_USER_ID, moments[0] - timedelta(days=1))
    for ended in moments:
        record = await services.routines.sessions.create(
            LOCAL_USER_ID, "flare-up", ended - timedelta(seconds=35)
        )
        await services.routines.sessions.end(record.id, "finished", ended)


def shown(reply: Reply) -> str:
    out = io.StringIO()
    Screen(out, rich=False).reply(reply)
    return out.getvalue()


async def test_the_routines_end_and_progress_count_the_same_days(tmp_path: Path) -> None:
    # 20:00 on 2 March in New York, 01:00 on 3 March in UTC; a routine done there at 08:00.
    clock = FakeClock(datetime(2026, 3, 3, 1, 0, tzinfo=UTC))
    services = await Services.open(
        settings(tmp_path), clock=clock.now, sleep=clock.sleep, recover_sessions=False
    )
    try:
        await finished(services, datetime(2026, 3, 2, 8, 0, tzinfo=ZoneInfo(NEW_YORK)))
        out = io.StringIO()
        code = await run_routine(
            services, "flare-up", screen=Screen(out, rich=False), stdin=io.StringIO()
        )
        progress = shown(await services.progress.show(LOCAL_USER_ID))
    finally:
        await services.close()

    assert code == 0
    assert "Streak: 1 day (longest 1)." in out.getvalue()  # twice on 2 March: one day
    assert "current 1 day(s), longest 1" in progress
    assert "UTC" not in out.getvalue() + progress  # their own computer's days: nothing to say


def zone_file(name: str) -> Path:
    """This machine's compiled file for the zone ``name``, as libc reads it."""
    import zoneinfo

    for folder in zoneinfo.TZPATH:
        if (Path(folder) / name).is_file():
            return Path(folder) / name
    pytest.skip(f"no compiled zone file for {name} on this machine")


@pytest.mark.parametrize("told_by", ["TZ", "TZ as a file", "a copied /etc/localtime"])
def test_lowback_progress_counts_days_where_the_computer_is(
    tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch, told_by: str
) -> None:
    """However the computer is told its zone, as `date` reads it: TZ=America/New_York,
    TZ=:/usr/share/zoneinfo/America/New_York, or /etc/localtime a copy of the zone's file rather
    than a link to it (``cp`` in a Dockerfile, Alpine, a bind-mounted /etc/localtime)."""
    import bot.services.zones

    if told_by == "TZ as a file":
        monkeypatch.setenv("TZ", f":{zone_file(NEW_YORK)}")
    elif told_by == "a copied /etc/localtime":
        monkeypatch.delenv("TZ")
        (tmp_path / "localtime").write_bytes(zone_file(NEW_YORK).read_bytes())
        monkeypatch.setattr(bot.services.zones, "LOCALTIME", tmp_path / "localtime")
    # 08:00 and 20:30 yesterday in New York: one day there, but two in UTC.
    yesterday = datetime.now(ZoneInfo(NEW_YORK)).date() - timedelta(days=1)

    async def prepare() -> None:
        services = await Services.open(settings(tmp_path), recover_sessions=False)
        try:
            await finished(
                services,
                *(
                    datetime.combine(yesterday, datetime.min.time(), ZoneInfo(NEW_YORK)) + t
                    for t in (timedelta(hours=8), timedelta(hours=20, minutes=30))
                ),
            )
        finally:
            await services.close()

    asyncio.run(prepare())
    assert main(["--database", str(tmp_path / "lowback.db"), "progress"]) == 0
    out = capsys.readouterr().out
    assert "current 1 day(s), longest 1" in out
    assert "UTC" not in out


def test_a_stored_zone_no_longer_known_is_said_and_the_computers_zone_used(
    tmp_path: Path, capsys
) -> None:
    async def prepare() -> None:
        services = await Services.open(settings(tmp_path), recover_sessions=False)
        try:
            await services.reminders.on(LOCAL_USER_ID, "Asia/Bangkok", "7:30")
        finally:
            await services.close()

    asyncio.run(prepare())
    with sqlite3.connect(tmp_path / "lowback.db") as conn:
        for table in ("people", "reminder_schedules"):
            conn.execute(f"UPDATE {table} SET timezone = 'Mars/Olympus'")
    database = ["--database", str(tmp_path / "lowback.db")]
    lost = (
        "I no longer know your time zone 'Mars/Olympus'; days and times are in "
        f"{NEW_YORK} until you set it again"
    )

    assert main([*database, "reminders", "show"]) == 0
    reminders = capsys.readouterr().out
    assert reminders.startswith(f"{lost} with lowback reminders on ZONE.\n")
    assert f"Reminders are on: 07:30, every day ({NEW_YORK} time)." in reminders
    assert main([*database, "progress"]) == 0
    assert f"{lost}." in capsys.readouterr().out
    assert main([*database, "reminders", "off"]) == 0
    assert "Reminders are off. Your times are kept" in capsys.readouterr().out
