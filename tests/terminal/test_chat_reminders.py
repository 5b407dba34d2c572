"""Reminders end to end on the real services, as `lowback chat` uses them: a fake clock carries the day."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from bot.core.schedule import next_occurrence, parse_times
from bot.services.container import Services
from bot.settings import Settings
from bot.store.people import LOCAL_USER_ID
from bot.terminal.reminders import ChatSender, reminders
from bot.terminal.render import Screen
from tests.support.fakes import FakeClock


@pytest.fixture
async def world(database_location, tmp_path):
    clock = FakeClock("2026-03-02T05:00:00+00:00")  # 06:00 in Berlin
    settings = replace(Settings.from_env(environ={}, dotenv=None), database=database_location)
    services = await Services.open(
        settings, clock=clock.now, sleep=clock.sleep, recover_sessions=False
    )
    try:
        yield services, clock
    finally:
        await services.close()


async def run_until(dispatcher, clock: FakeClock, end: str) -> None:
    """Drive the dispatcher through virtual time: run what is due, jump to the next due instant."""
    end_at = datetime.fromisoformat(end)
    while True:
        nxt = await dispatcher.run_pending()
        if nxt is None or nxt > end_at:
            clock.set(max(end_at, clock.now()))
            return
        clock.set(max(nxt, clock.now()))


async def test_morning_reminder_prints_in_the_chat_with_the_routine_for_the_step(world):
    services, clock = world
    out = io.StringIO()
    outcome = await reminders(
        services, LOCAL_USER_ID, ["on", "Berlin", "7:30", "21:30"], where="chat"
    )
    assert outcome.ok and "07:30" in outcome.text and "Europe/Berlin" in outcome.text
    await services.progress.set_step(LOCAL_USER_ID, 2)
    # The chat's own dispatcher, driven step by step here instead of by its background task.
    offered = []
    dispatcher = services.start_dispatcher(
        ChatSender(Screen(out, rich=False), offered.append), only_user=LOCAL_USER_ID
    )
    await dispatcher.stop()
    await run_until(dispatcher, clock, "2026-03-02T06:29:00+00:00")
    assert "routine" not in out.getvalue().lower()  # not before 07:30 Berlin time
    await run_until(dispatcher, clock, "2026-03-02T06:31:00+00:00")
    shown = out.getvalue()
    assert "Your morning routine" in shown
    assert "Your step 2 routine" in shown
    assert (
        "Type /start and I'll time it with you." in shown
        and "Type 1 Start routine (/start)" in shown
    )
    assert "press" not in shown.lower() and "**" not in shown
    assert [c.action.value for c in offered[0]] == [
        "daily"
    ]  # what /start or 1 then runs: the routine for the step
    await run_until(dispatcher, clock, "2026-03-02T20:00:00+00:00")
    assert out.getvalue().count("Your morning routine\n====") == 1  # exactly once
    await run_until(dispatcher, clock, "2026-03-02T20:31:00+00:00")
    assert "Your evening routine" in out.getvalue()


async def test_a_routine_already_done_this_session_skips_the_reminder(world):
    services, clock = world
    await services.reminders.on(LOCAL_USER_ID, "Europe/Berlin", "7:30")
    occurrence = next_occurrence(clock.now(), "Europe/Berlin", parse_times("7:30"))
    assert (await services.composer.compose(LOCAL_USER_ID, occurrence)) is not None
    handle = await services.routines.start(LOCAL_USER_ID, "booty-flex", on_event=lambda e: None)
    await handle.wait()
    assert await services.composer.compose(LOCAL_USER_ID, occurrence) is None
    evening = next_occurrence(
        clock.now() + timedelta(hours=10), "Europe/Berlin", parse_times("21:30")
    )
    assert evening.due_utc - clock.now() > timedelta(hours=6)
    assert await services.composer.compose(LOCAL_USER_ID, evening) is not None


async def test_bad_time_zone_is_explained_with_suggestions(world):
    services, _ = world
    outcome = await reminders(
        services, LOCAL_USER_ID, ["on", "Europe/Berlinn", "7:30"], where="chat"
    )
    assert not outcome.ok and "Europe/Berlin" in outcome.text
    assert await services.reminders.show(LOCAL_USER_ID) is None


async def test_snooze_with_nothing_just_sent_pushes_back_the_next_reminder_and_says_so(world):
    services, clock = world
    clock.set("2026-03-02T14:00:00+00:00")  # 15:00 in Berlin: 21:30 is the next reminder

    async def say(*words: str) -> str:
        outcome = await reminders(services, LOCAL_USER_ID, list(words), where="shell")
        assert outcome.ok
        return outcome.text

    await say("on", "Europe/Berlin", "7:30", "21:30")
    first = await say("snooze", "30")
    assert "Your 21:30 reminder has not been sent yet; it will come at 22:00 instead." in first
    assert "Next (snoozed): Mon 2 Mar, 22:00 CET, in 7 h." in first
    assert "Lately" not in first and "not sent, snoozed" not in first  # 21:30 is still to come
    again = await say("snooze", "30")
    assert again == first  # the same snooze twice is one snooze, as two presses on the button are
    longer = await say("snooze", "60")
    assert "it will come at 22:30 instead" in longer


async def test_snoozing_the_reminder_just_sent_twice_brings_it_back_once(world):
    services, clock = world  # 06:00 in Berlin
    await reminders(
        services, LOCAL_USER_ID, ["on", "Europe/Berlin", "7:30", "21:30"], where="shell"
    )
    dispatcher = services.start_dispatcher(
        ChatSender(Screen(io.StringIO(), rich=False)), only_user=LOCAL_USER_ID
    )
    await dispatcher.stop()
    await run_until(dispatcher, clock, "2026-03-02T06:35:00+00:00")  # 07:35: 07:30 was shown

    first = await reminders(services, LOCAL_USER_ID, ["snooze", "30"], where="shell")
    second = await reminders(services, LOCAL_USER_ID, ["snooze", "30"], where="shell")

    for outcome in (first, second):
        assert "Your 07:30 reminder will come again in 30 min, at 08:05." in outcome.text
        assert "Next (snoozed): Mon 2 Mar, 08:05 CET, in 30 min." in outcome.text
        assert "Lately:\n- Mon 2 Mar, 07:30 CET: sent" in outcome.text
