"""A reminder that falls due while the person is doing a routine is not sent, whichever process of
the bot runs the routine: the composer reads the running session from the store they share."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

import pytest

from bot.core.schedule import next_occurrence, parse_times
from bot.services.container import Services
from bot.services.reminders.messages import SKIPPED_DOING, ReminderMessage, Skip
from bot.settings import Settings
from bot.store.people import PeopleStore
from bot.store.routines import RoutineSessionStore
from tests.support.fakes import FakeClock

ALICE = 111111111111111111
BERLIN = "Europe/Berlin"


async def never(_seconds: float) -> None:
    """A sleep that lasts until cancelled: a routine started with it stays mid-way."""
    await asyncio.get_running_loop().create_future()


@pytest.fixture
async def two_processes(database_location):
    """Two bot processes on one database, on one (fake) clock: 07:25 in Berlin."""
    clock = FakeClock("2026-03-02T06:25:00+00:00")
    settings = replace(Settings.from_env(environ={}, dotenv=None), database=database_location)
    first = await Services.open(settings, clock=clock.now, sleep=never, recover_sessions=False)
    second = await Services.open(settings, clock=clock.now, sleep=never, recover_sessions=False)
    try:
        yield first, second, clock
    finally:
        await first.close()
        await second.close()


async def test_a_routine_running_in_another_process_skips_the_reminder(two_processes) -> None:
    first, second, clock = two_processes
    occurrence = next_occurrence(clock.now(), BERLIN, parse_times("7:30"))
    await first.routines.start(ALICE, on_event=lambda e: None)
    clock.advance(timedelta(minutes=1))  # of about two

    composed = await second.composer.compose(ALICE, occurrence)

    assert composed == Skip(SKIPPED_DOING)
    await first.routines.stop(ALICE)
    assert isinstance(await second.composer.compose(ALICE, occurrence), ReminderMessage)


async def test_a_session_a_dead_process_left_running_long_ago_does_not_hold_reminders(
    two_processes,
) -> None:
    _, second, clock = two_processes
    long_ago = clock.now() - timedelta(days=2)
    await PeopleStore(second.db).ensure(ALICE, long_ago)
    await RoutineSessionStore(second.db).create(ALICE, "daily", long_ago)
    occurrence = next_occurrence(clock.now(), BERLIN, parse_times("7:30"))

    assert isinstance(await second.composer.compose(ALICE, occurrence), ReminderMessage)


async def test_a_session_a_crashed_process_left_this_morning_does_not_hold_the_reminder(
    two_processes,
) -> None:
    # A sharded process died (OOM, SIGKILL) two hours into the day, mid-routine; the others never
    # take its sessions for leftovers, so the store still says the routine is running.
    _, second, clock = two_processes
    crashed = clock.now() - timedelta(hours=2)
    await PeopleStore(second.db).ensure(ALICE, crashed)
    await RoutineSessionStore(second.db).create(ALICE, "daily-step-1", crashed)
    occurrence = next_occurrence(clock.now(), BERLIN, parse_times("7:30"))

    assert isinstance(await second.composer.compose(ALICE, occurrence), ReminderMessage)
