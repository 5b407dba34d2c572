"""A database restored from a backup does not know of the reminders the bot sent after the copy
was taken: one due since then, still within grace when the restored bot starts, goes out again.
It says so, as a reminder repeated after a crash mid-send does."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from bot.core.schedule import next_occurrence, parse_times
from bot.ops.backup import backup
from bot.services.container import Services
from bot.services.reminders.messages import RESTORED_TWICE, ReminderMessage
from bot.settings import Settings
from tests.support.fakes import FakeClock

ALICE = 111111111111111111
LONDON = "Europe/London"


async def open_services(database: Path, clock: FakeClock) -> Services:
    settings = replace(Settings.from_env(environ={}, dotenv=None), database=database)
    return await Services.open(settings, clock=clock.now, sleep=clock.sleep, recover_sessions=False)


async def test_a_reminder_the_bot_may_have_sent_after_the_backup_says_so_once_restored(
    tmp_path: Path,
) -> None:
    clock = FakeClock("2026-03-02T07:00:00+00:00")
    live = await open_services(tmp_path / "lowback.db", clock)
    await live.reminders.on(ALICE, LONDON, "7:30, 21:30")
    await backup(tmp_path / "lowback.db", tmp_path / "copy.db", taken_at=clock.now())
    await live.close()  # it sent the 07:30 reminder, then its disk failed
    clock.set("2026-03-02T07:45:00+00:00")
    restored = await open_services(tmp_path / "copy.db", clock)
    try:
        times = parse_times("7:30, 21:30")
        morning = next_occurrence(clock.now().replace(hour=7, minute=0), LONDON, times)
        evening = next_occurrence(clock.now(), LONDON, times)
        sent_before = await restored.composer.compose(ALICE, morning)
        after = await restored.composer.compose(ALICE, evening)
    finally:
        await restored.close()
    assert isinstance(sent_before, ReminderMessage) and isinstance(after, ReminderMessage)
    assert sent_before.body.startswith(RESTORED_TWICE)
    assert RESTORED_TWICE not in after.body


async def test_a_database_never_restored_says_nothing_of_backups(tmp_path: Path) -> None:
    clock = FakeClock("2026-03-02T07:00:00+00:00")
    live = await open_services(tmp_path / "lowback.db", clock)
    try:
        await live.reminders.on(ALICE, LONDON, "7:30")
        await backup(tmp_path / "lowback.db", tmp_path / "copy.db", taken_at=clock.now())
        clock.set("2026-03-02T07:30:00+00:00")
        due = next_occurrence(clock.now().replace(minute=0), LONDON, parse_times("7:30"))
        message = await live.composer.compose(ALICE, due)
    finally:
        await live.close()
    assert isinstance(message, ReminderMessage) and RESTORED_TWICE not in message.body
