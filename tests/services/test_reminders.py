"""Reminders end to end through the service and the dispatcher, with a fake clock and a real
SQLite file: weeks of reminders across daylight-saving changes, exactly once across crashes,
pause, snooze, closed DMs, retries, the rate limit, and the running task."""

from __future__ import annotations

import asyncio
import io
import zoneinfo
from collections import deque
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.core.errors import ScheduleError
from bot.core.schedule import Occurrence
from bot.core.timezones import UnknownTimezone
from bot.services.reminders import (
    DELIVERED,
    DeliveryResult,
    Dispatcher,
    ReminderMessage,
    ReminderService,
)
from bot.services.reminders.outcomes import machine
from bot.store.db import Database, open_database
from bot.store.reminders import ReminderStore
from bot.terminal.sender import TerminalSender
from tests.support.fakes import FakeClock, utc
from tests.support.tzif import fixed_zone

ALICE = 101
BOB = 202
NY = "America/New_York"
LONDON = "Europe/London"


class SimulatedCrash(BaseException):
    """The process dies here (not an Exception: nothing may catch and tidy up after it)."""


@dataclass
class Call:
    at: datetime
    user_id: int
    message: ReminderMessage


class FakeSender:
    """Records every send. Like Discord with ``enforce_nonce``, a repeat of a nonce it has already
    delivered shows the person nothing new. ``script`` holds what the next sends do: a
    DeliveryResult, an exception to raise, or "crash-before" / "crash-after" (the send itself)."""

    def __init__(self, clock: FakeClock, inbox: list[Call] | None = None):
        self.clock = clock
        self.calls: list[Call] = []
        self.inbox: list[Call] = [] if inbox is None else inbox
        self.script: deque[object] = deque()
        self.arrived = asyncio.Event()

    def seen(self, user_id: int | None = None) -> list[Call]:
        return [c for c in self.inbox if user_id is None or c.user_id == user_id]

    async def send(self, user_id: int, message: ReminderMessage) -> DeliveryResult:
        call = Call(self.clock.now(), user_id, message)
        self.calls.append(call)
        step = self.script.popleft() if self.script else None
        if step == "crash-before":
            raise SimulatedCrash()
        if isinstance(step, Exception):
            raise step
        if isinstance(step, DeliveryResult):
            return step
        if message.nonce not in {c.message.nonce for c in self.inbox}:
            self.inbox.append(call)
        self.arrived.set()
        if step == "crash-after":
            raise SimulatedCrash()
        return DELIVERED


def compose_for(done: set[str] | None = None):
    """A stand-in for the real composer: the step-1 routine, skipped if that session is done."""

    def compose(user_id: int, occ: Occurrence) -> ReminderMessage | None:
        if done is not None and occ.base_key in done:
            return None
        session = "Morning" if occ.local_time < time(12) else "Evening"
        return ReminderMessage(
            f"{session} routine", "Booty flexes: 10 rounds.", "booty-flex", occ.key, user_id
        )

    return compose


def make(
    db: Database, clock: FakeClock, sender: FakeSender | None = None, **kwargs
) -> tuple[ReminderService, Dispatcher, FakeSender]:
    sender = sender or FakeSender(clock)
    kwargs.setdefault("compose", compose_for())
    dispatcher = Dispatcher(db, sender, kwargs.pop("compose"), clock.now, clock.sleep, **kwargs)
    return ReminderService(db, clock.now, wake=dispatcher.wake), dispatcher, sender


async def run_until(dispatcher: Dispatcher, clock: FakeClock, end: datetime | str) -> None:
    """Drive the dispatcher through virtual time: run what is due, jump to the next due instant."""
    end = utc(end) if isinstance(end, str) else end
    for _ in range(100_000):
        nxt = await dispatcher.run_pending()
        if nxt is None or nxt > end:
            clock.set(max(end, clock.now()))
            return
        clock.set(max(nxt, clock.now()))
    raise AssertionError("the dispatcher never ran out of due work")


def wall(call: Call, tz: str) -> str:
    return call.at.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M")


# --------------------------------------------------------------------------- the schedule service


async def test_turning_reminders_on_defaults_to_morning_and_bedtime_in_local_time(
    db: Database,
) -> None:
    clock = FakeClock("2026-03-02T12:00:00+00:00")  # 07:00 in New York
    service, _, _ = make(db, clock)
    assert await service.show(ALICE) is None
    view = await service.on(ALICE, "new york")
    assert view.status == "on" and view.timezone == NY
    assert view.times == (time(7, 30), time(21, 30)) and view.weekdays is None
    assert (
        view.next_at is not None
        and view.next_at.strftime("%Y-%m-%d %H:%M %Z") == "2026-03-02 07:30 EST"
    )
    text = view.describe()
    assert "07:30 and 21:30, every day (America/New_York time)" in text
    assert "Next: Mon 2 Mar, 07:30 EST, in 30 min." in text


async def test_a_wrong_zone_is_a_clear_error_with_suggestions(db: Database) -> None:
    service, _, _ = make(db, FakeClock())
    with pytest.raises(UnknownTimezone) as err:
        await service.on(ALICE, "Europe/Berlim")
    assert "Europe/Berlin" in err.value.suggestions
    with pytest.raises(ScheduleError, match="time zone"):
        await service.on(ALICE)  # the bot does not know their zone yet
    assert await service.show(ALICE) is None


async def test_change_times_and_days_and_keep_them_across_off_and_on(db: Database) -> None:
    clock = FakeClock("2026-03-02T12:00:00+00:00")
    service, _, _ = make(db, clock)
    await service.on(ALICE, "London", "6:45am, 10pm", "weekdays")
    view = await service.update(ALICE, times="7am")
    assert view.times == (time(7, 0),) and view.weekdays == frozenset(range(5))
    assert view.next_at is not None and view.next_at.strftime("%a %H:%M") == "Tue 07:00"
    off = await service.off(ALICE)
    assert off is not None and off.status == "off" and off.next_at is None
    again = await service.on(ALICE)
    assert again.status == "on" and again.times == (time(7, 0),) and again.timezone == LONDON
    with pytest.raises(ScheduleError):
        await service.update(BOB, times="7am")  # never set up


async def test_weeks_of_reminders_across_spring_forward_arrive_on_local_time_exactly_once(
    db: Database,
) -> None:
    clock = FakeClock("2026-03-01T12:00:00+00:00")  # Sunday 07:00 EST; DST starts Sunday 8 March
    service, dispatcher, sender = make(db, clock)
    await service.on(ALICE, NY)
    await run_until(
        dispatcher, clock, "2026-03-22T11:00"
    )  # 07:00 EDT, before that morning's reminder
    calls = sender.calls
    assert len(calls) == len(sender.inbox) == 21 * 2
    assert len({c.message.occurrence_key for c in calls}) == 42
    for call in calls:
        # on time: sent at the due instant itself, which is 07:30 or 21:30 on the person's clock
        assert wall(call, NY)[11:] in ("07:30", "21:30")
        key_day, key_time = call.message.occurrence_key.split("T")
        assert wall(call, NY) == f"{key_day} {key_time}"
    by_key = {c.message.occurrence_key: c.at for c in calls}
    assert by_key["2026-03-07T07:30"] == utc("2026-03-07T12:30")  # EST
    assert by_key["2026-03-08T07:30"] == utc(
        "2026-03-08T11:30"
    )  # EDT: same wall time, an hour earlier in UTC
    assert [c.message.title for c in calls[:2]] == ["Morning routine", "Evening routine"]


async def test_a_skipped_and_a_repeated_hour_each_give_one_reminder(db: Database) -> None:
    clock = FakeClock("2026-03-07T12:00:00+00:00")
    service, dispatcher, sender = make(db, clock)
    await service.on(ALICE, NY, "1:30am, 2:30am")
    await run_until(dispatcher, clock, "2026-03-09T12:00")
    assert (
        [wall(c, NY) for c in sender.calls]
        == [
            "2026-03-08 01:30",
            "2026-03-08 03:30",  # 02:30 does not exist that night: it comes when the clock has jumped past it
            "2026-03-09 01:30",
            "2026-03-09 02:30",
        ]
    )
    await service.update(ALICE, times="1:30am")
    clock.set("2026-10-31T12:00")
    await service.on(ALICE)
    await run_until(dispatcher, clock, "2026-11-02T12:00")
    autumn = [c for c in sender.calls if c.at > utc("2026-10-31T00:00")]
    assert [c.at for c in autumn] == [
        utc("2026-11-01T05:30"),
        utc("2026-11-02T06:30"),
    ]  # 01:30 EDT once, then EST


@pytest.mark.parametrize(
    "tz, start",
    [
        (LONDON, "2026-10-20T12:00"),
        ("Asia/Kathmandu", "2026-03-01T00:00"),
        ("Australia/Adelaide", "2026-03-30T00:00"),
    ],
)
async def test_local_times_hold_across_a_fortnight_in_other_zones(
    db: Database, tz: str, start: str
) -> None:
    clock = FakeClock(start)
    service, dispatcher, sender = make(db, clock)
    await service.on(ALICE, tz)
    await run_until(dispatcher, clock, utc(start) + timedelta(days=14))
    assert len(sender.calls) == 28
    assert all(wall(c, tz)[11:] in ("07:30", "21:30") for c in sender.calls)


async def test_one_reminder_per_occurrence_even_with_two_dispatchers_on_one_database(
    db: Database,
) -> None:
    clock = FakeClock("2026-03-02T00:00:00+00:00")
    inbox: list[Call] = []
    service, first, sender1 = make(db, clock, FakeSender(clock, inbox), name="one")
    other = await open_database(db.location)
    try:
        _, second, sender2 = make(other, clock, FakeSender(clock, inbox), name="two")
        for user_id in range(1, 21):
            await service.on(user_id, LONDON)
        # Five occurrences; a pass may also wake when the other dispatcher's claim would expire.
        while clock.now() < utc("2026-03-04T08:00"):
            results = await asyncio.gather(first.run_pending(), second.run_pending())
            clock.set(max(clock.now(), min(r for r in results if r is not None)))
        keys = [(c.user_id, c.message.occurrence_key) for c in sender1.calls + sender2.calls]
        assert len(keys) == len(set(keys)) == 20 * 5
    finally:
        await other.close()


# --------------------------------------------------------------------------- exactly once across crashes


async def test_a_crash_between_claim_and_send_loses_nothing(db: Database) -> None:
    clock = FakeClock("2026-03-02T07:00:00+00:00")
    # On another machine: nothing here can tell whether it is gone, so its lease decides.
    service, dispatcher, sender = make(db, clock, name="another-host:4242:d1")
    await service.on(ALICE, LONDON)
    clock.set("2026-03-02T07:30")
    sender.script.append("crash-before")
    with pytest.raises(SimulatedCrash):
        await dispatcher.run_pending()
    assert sender.inbox == []
    await db.close()  # the process is gone; its claim stays in the file

    reopened = await open_database(db.location)
    try:
        _, restarted, sender2 = make(reopened, clock)
        clock.advance(timedelta(seconds=10))
        next_at = await restarted.run_pending()
        assert (
            sender2.calls == []
        )  # the claim is younger than the lease: maybe its owner is still sending
        # The restarted dispatcher wakes when the lease ends (2 minutes after the claim), not later.
        assert next_at == utc("2026-03-02T07:32")
        clock.set(next_at)
        await restarted.run_pending()
        assert [c.message.occurrence_key for c in sender2.inbox] == ["2026-03-02T07:30"]
        row = await ReminderStore(reopened).get_delivery(ALICE, "2026-03-02T07:30")
        assert row is not None and row.status == "sent" and row.attempts == 2
        await run_until(restarted, clock, "2026-03-03T12:00")
        assert [c.message.occurrence_key for c in sender2.calls] == [
            "2026-03-02T07:30", "2026-03-02T21:30", "2026-03-03T07:30"
        ]  # fmt: skip
    finally:
        await reopened.close()


async def test_a_restart_on_the_same_host_takes_over_a_dead_process_claims_at_once(
    db: Database,
) -> None:
    clock = FakeClock("2026-03-02T07:00:00+00:00")
    dead = f"{machine()}:999999999:d1"  # no such process
    service, dispatcher, sender = make(db, clock, name=dead)
    await service.on(ALICE, LONDON)
    clock.set("2026-03-02T07:30")
    sender.script.append("crash-after")  # it reached the person; the record never said so
    with pytest.raises(SimulatedCrash):
        await dispatcher.run_pending()
    _, restarted, sender2 = make(db, clock, FakeSender(clock, sender.inbox))
    clock.advance(timedelta(seconds=3))  # the restart: well within the lease
    await restarted.run_pending()
    assert [c.at for c in sender2.calls] == [
        utc("2026-03-02T07:30:03")
    ]  # at once, not after the lease
    assert [c.message.occurrence_key for c in sender2.inbox] == [
        "2026-03-02T07:30"
    ]  # seen once (nonce)


async def test_a_crash_between_send_and_mark_is_resent_with_the_same_nonce_and_seen_once(
    db: Database,
) -> None:
    clock = FakeClock("2026-03-02T07:00:00+00:00")
    service, dispatcher, sender = make(db, clock)
    await service.on(ALICE, LONDON)
    clock.set("2026-03-02T07:30")
    sender.script.append("crash-after")
    with pytest.raises(SimulatedCrash):
        await dispatcher.run_pending()
    assert len(sender.inbox) == 1
    await db.close()

    reopened = await open_database(db.location)
    try:
        _, restarted, sender2 = make(reopened, clock, FakeSender(clock, sender.inbox))
        clock.advance(timedelta(minutes=3))
        await restarted.run_pending()
        assert len(sender2.calls) == 1  # at-least-once: the send is repeated...
        assert sender2.calls[0].message.nonce == sender.calls[0].message.nonce
        assert len(sender2.inbox) == 1  # ...and the person sees the reminder once
        assert restarted.stats.resent_after_crash == 1
        row = await ReminderStore(reopened).get_delivery(ALICE, "2026-03-02T07:30")
        assert row is not None and row.status == "sent"
        clock.advance(timedelta(minutes=10))
        await restarted.run_pending()
        assert len(sender2.calls) == 1  # once marked sent, never again
    finally:
        await reopened.close()


async def test_a_claim_abandoned_for_longer_than_the_grace_period_is_skipped(db: Database) -> None:
    clock = FakeClock("2026-03-02T07:00:00+00:00")
    service, dispatcher, sender = make(db, clock)
    await service.on(ALICE, LONDON)
    clock.set("2026-03-02T07:30")
    sender.script.append("crash-before")
    with pytest.raises(SimulatedCrash):
        await dispatcher.run_pending()
    clock.set("2026-03-02T09:00")  # down for 90 minutes
    _, restarted, sender2 = make(db, clock)
    await restarted.run_pending()
    assert sender2.calls == []
    row = await ReminderStore(db).get_delivery(ALICE, "2026-03-02T07:30")
    assert row is not None and row.status == "skipped" and "too late" in (row.last_error or "")
    await run_until(restarted, clock, "2026-03-02T22:00")
    assert [c.message.occurrence_key for c in sender2.calls] == ["2026-03-02T21:30"]


async def test_after_downtime_a_recent_reminder_is_sent_late_and_stale_ones_are_not(
    db: Database,
) -> None:
    clock = FakeClock("2026-03-02T07:00:00+00:00")
    service, dispatcher, sender = make(db, clock)
    await service.on(ALICE, LONDON, "7:30, 7:45, 21:30")
    await service.on(BOB, LONDON, "6:00, 21:30")
    clock.set("2026-03-02T08:00")  # the bot was down from 07:00 to 08:00
    await dispatcher.run_pending()
    assert [(c.user_id, c.message.occurrence_key, c.at) for c in sender.calls] == [
        (
            ALICE,
            "2026-03-02T07:45",
            utc("2026-03-02T08:00"),
        ),  # the latest, 15 minutes late; 07:30 not as well
    ]
    # Down for three days: on restart, no burst of old reminders.
    clock.set("2026-03-05T21:00")
    await dispatcher.run_pending()
    assert len(sender.calls) == 1
    await run_until(dispatcher, clock, "2026-03-05T22:00")
    assert sorted(c.user_id for c in sender.calls[1:]) == [ALICE, BOB]


# --------------------------------------------------------------------------- pause, snooze, off


async def test_pause_skips_days_then_reminders_resume(db: Database) -> None:
    clock = FakeClock("2026-03-02T07:00:00+00:00")  # Monday
    service, dispatcher, sender = make(db, clock)
    await service.on(ALICE, LONDON)
    view = await service.pause(ALICE, 2)
    assert view.status == "paused" and view.paused_until is not None
    assert "paused until Wed 4 Mar, 07:00 GMT" in view.describe()
    await run_until(dispatcher, clock, "2026-03-05T12:00")
    assert [c.message.occurrence_key for c in sender.calls] == [
        "2026-03-04T07:30", "2026-03-04T21:30", "2026-03-05T07:30"
    ]  # fmt: skip
    await service.pause(ALICE, 7)
    clock.set("2026-03-06T12:00")
    view = await service.resume(ALICE)
    assert view.status == "on"
    await run_until(dispatcher, clock, "2026-03-06T22:00")
    assert sender.calls[-1].message.occurrence_key == "2026-03-06T21:30"
    for not_whole_days in (0, 0.0001, 1.5, 366):
        with pytest.raises(ScheduleError, match="Pause for a whole number of days, 1 to 365"):
            await service.pause(ALICE, not_whole_days)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("asked", "until", "sent"),
    [
        # 07:00 on the Saturday before the clocks go forward: Sunday's 07:30 comes again
        ("2026-03-07T12:00", "Sun 8 Mar, 07:00 EDT", ["2026-03-08T07:30", "2026-03-08T21:30"]),
        # 07:40 on the Saturday before they go back, after that morning's 07:30: Sunday's is paused
        ("2026-10-31T11:40", "Sun 1 Nov, 07:40 EST", ["2026-11-01T21:30"]),
    ],
)
async def test_a_pause_over_a_clock_change_ends_at_the_time_of_day_it_was_asked(
    db: Database, asked: str, until: str, sent: list[str]
) -> None:
    clock = FakeClock(f"{asked}:00+00:00")
    service, dispatcher, sender = make(db, clock)
    await service.on(ALICE, NY)
    view = await service.pause(ALICE, 1)
    assert f"paused until {until}" in view.describe()
    await run_until(dispatcher, clock, clock.now() + timedelta(days=1, hours=16))
    assert [c.message.occurrence_key for c in sender.calls] == sent


async def test_snoozing_a_delivered_reminder_brings_it_back_once(db: Database) -> None:
    clock = FakeClock("2026-03-02T07:00:00+00:00")
    service, dispatcher, sender = make(db, clock)
    await service.on(ALICE, LONDON)
    await run_until(dispatcher, clock, "2026-03-02T07:35")
    view = await service.snooze(ALICE)  # "not now": again in 30 minutes
    assert (
        view.next_is_snooze
        and view.next_at is not None
        and view.next_at.strftime("%H:%M") == "08:05"
    )
    await service.snooze(
        ALICE, 30, key="2026-03-02T07:30"
    )  # a double press on the button: still one repeat
    await run_until(dispatcher, clock, "2026-03-02T12:00")
    assert [(c.message.occurrence_key, c.at) for c in sender.calls] == [
        ("2026-03-02T07:30", utc("2026-03-02T07:30")),
        ("2026-03-02T07:30+35m", utc("2026-03-02T08:05")),
    ]
    assert sender.calls[1].message.routine_id == "booty-flex"


async def test_snoozing_before_the_reminder_postpones_it(db: Database) -> None:
    clock = FakeClock("2026-03-02T07:00:00+00:00")
    service, dispatcher, sender = make(db, clock)
    await service.on(ALICE, LONDON)
    view = await service.snooze(ALICE, 45)
    assert view.next_at is not None and view.next_at.strftime("%H:%M") == "08:15"
    assert view.recent == ()  # 07:30 has not come yet, so it is not among what became of them
    await run_until(dispatcher, clock, "2026-03-02T22:00")
    assert [wall(c, LONDON) for c in sender.calls] == ["2026-03-02 08:15", "2026-03-02 21:30"]


@pytest.mark.parametrize("change", ["on", "update"])
async def test_a_postponed_reminder_keeps_its_time_of_day_in_the_zone_the_person_moves_to(
    db: Database, change: str
) -> None:
    # In London at 07:00 the 21:30 reminder is put off to 22:00; then the person, flying to
    # New York, sets that zone: it comes at 22:00 there, once, not at 17:00 New York time
    clock = FakeClock("2026-03-02T07:00:00+00:00")
    service, dispatcher, sender = make(db, clock)
    await service.on(ALICE, LONDON, "7:30 21:30")
    await run_until(dispatcher, clock, "2026-03-02T12:00")
    await service.snooze(ALICE, 30, key="2026-03-02T21:30")
    if change == "on":
        view = await service.on(ALICE, NY)
    else:
        view = await service.update(ALICE, timezone=NY)
    assert view.next_is_snooze and view.next_at is not None
    assert view.next_at.strftime("%a %H:%M") == "Mon 22:00"
    await run_until(dispatcher, clock, "2026-03-03T13:00")
    assert [wall(c, NY) for c in sender.calls] == [
        "2026-03-02 02:30",  # London's 07:30, before the move
        "2026-03-02 22:00",
        "2026-03-03 07:30",
    ]


async def test_a_reminder_snoozed_after_it_came_keeps_its_instant_when_the_zone_changes(
    db: Database,
) -> None:
    # "again in 30 minutes" means 30 minutes from now wherever the person is
    clock = FakeClock("2026-03-02T07:00:00+00:00")
    service, dispatcher, sender = make(db, clock)
    await service.on(ALICE, LONDON)
    await run_until(dispatcher, clock, "2026-03-02T07:35")
    await service.snooze(ALICE, 30)
    await service.update(ALICE, timezone=NY)
    await run_until(dispatcher, clock, "2026-03-02T09:00")
    assert [c.at for c in sender.calls] == [utc("2026-03-02T07:30"), utc("2026-03-02T08:05")]


async def test_off_means_nothing_is_sent(db: Database) -> None:
    clock = FakeClock("2026-03-02T07:00:00+00:00")
    service, dispatcher, sender = make(db, clock)
    await service.on(ALICE, LONDON)
    await service.snooze(ALICE, 10)
    await service.off(ALICE)
    await run_until(dispatcher, clock, "2026-03-09T00:00")
    assert sender.calls == []
    with pytest.raises(ScheduleError):
        await service.snooze(ALICE)


async def test_a_snooze_cancelled_by_turning_reminders_off_gives_the_reminder_back(
    db: Database,
) -> None:
    # 07:30 snoozed to 08:15 at 07:00; then off and on again before 07:30: the morning's
    # reminder comes at its own time, not lost with the snooze
    clock = FakeClock("2026-03-02T07:00:00+00:00")
    service, dispatcher, sender = make(db, clock)
    await service.on(ALICE, LONDON)
    await service.snooze(ALICE, 45)
    await service.off(ALICE)
    view = await service.on(ALICE)
    assert view.next_at is not None and view.next_at.strftime("%H:%M") == "07:30"
    await run_until(dispatcher, clock, "2026-03-02T22:00")
    assert [wall(c, LONDON) for c in sender.calls] == ["2026-03-02 07:30", "2026-03-02 21:30"]


async def test_a_snooze_cancelled_by_a_pause_stays_within_the_pause(db: Database) -> None:
    clock = FakeClock("2026-03-02T07:00:00+00:00")
    service, dispatcher, sender = make(db, clock)
    await service.on(ALICE, LONDON)
    await service.snooze(ALICE, 45)
    await service.pause(ALICE, 1)
    await run_until(dispatcher, clock, "2026-03-03T22:00")
    assert [wall(c, LONDON) for c in sender.calls] == ["2026-03-03 07:30", "2026-03-03 21:30"]


async def test_a_reminder_is_skipped_when_the_routine_is_already_done(db: Database) -> None:
    clock = FakeClock("2026-03-02T07:00:00+00:00")
    done = {"2026-03-02T07:30"}
    service, dispatcher, sender = make(db, clock, compose=compose_for(done))
    await service.on(ALICE, LONDON)
    await run_until(dispatcher, clock, "2026-03-02T22:00")
    assert [c.message.occurrence_key for c in sender.calls] == ["2026-03-02T21:30"]
    row = await ReminderStore(db).get_delivery(ALICE, "2026-03-02T07:30")
    assert row is not None and row.status == "skipped"


# --------------------------------------------------------------------------- delivery failures


async def test_closed_dms_stop_reminders_and_the_person_is_told_once(db: Database) -> None:
    clock = FakeClock("2026-03-02T07:00:00+00:00")
    service, dispatcher, sender = make(db, clock)
    await service.on(ALICE, LONDON)
    await service.on(BOB, LONDON)
    sender.script.append(DeliveryResult.cannot("your direct messages are closed"))
    await run_until(dispatcher, clock, "2026-03-16T00:00")
    alice_calls = [c for c in sender.calls if c.user_id == ALICE]
    assert len(alice_calls) == 1  # no knocking on a closed door for two weeks
    assert len([c for c in sender.calls if c.user_id == BOB]) == 28
    view = await service.show(ALICE)
    assert view is not None and view.status == "stopped" and view.next_at is None
    assert "direct messages are closed" in view.describe()
    notice = await service.pop_notice(ALICE)
    assert (
        notice is not None
        and "stopped your reminders" in notice
        and "direct messages are closed" in notice
    )
    assert await service.pop_notice(ALICE) is None
    assert await service.pop_notice(BOB) is None
    # Opting in again starts them again.
    await service.on(ALICE)
    await run_until(dispatcher, clock, "2026-03-16T12:00")
    assert len([c for c in sender.calls if c.user_id == ALICE]) == 2


async def test_transient_failures_are_retried_with_back_off(db: Database) -> None:
    clock = FakeClock("2026-03-02T07:00:00+00:00")
    service, dispatcher, sender = make(db, clock)
    await service.on(ALICE, LONDON)
    sender.script.extend(
        [DeliveryResult.retry("Discord is having trouble"), ConnectionResetError("reset")]
    )
    await run_until(dispatcher, clock, "2026-03-02T12:00")
    assert [c.at for c in sender.calls] == [
        utc("2026-03-02T07:30:00"),
        utc("2026-03-02T07:30:30"),  # 30 s
        utc("2026-03-02T07:31:30"),  # then 60 s
    ]
    assert len(sender.inbox) == 1
    assert dispatcher.stats.retried == 2 and dispatcher.stats.sent == 1


async def test_retries_stop_at_the_grace_period(db: Database) -> None:
    clock = FakeClock("2026-03-02T07:00:00+00:00")
    service, dispatcher, sender = make(db, clock, grace=timedelta(minutes=5))
    await service.on(ALICE, LONDON)
    sender.script.extend([DeliveryResult.retry("down")] * 10)
    await run_until(dispatcher, clock, "2026-03-02T08:00")
    # Tried after 30 s, 60 s, 120 s; the next wait (240 s) would end past the five minutes of grace.
    assert [c.at for c in sender.calls] == [
        utc("2026-03-02T07:30:00"), utc("2026-03-02T07:30:30"), utc("2026-03-02T07:31:30"), utc("2026-03-02T07:33:30")
    ]  # fmt: skip
    row = await ReminderStore(db).get_delivery(ALICE, "2026-03-02T07:30")
    assert row is not None and row.status == "failed" and "down" in (row.last_error or "")
    view = await service.show(ALICE)
    assert view is not None and view.status == "on"  # a passing failure does not stop reminders


async def test_delivery_stays_under_the_rate_limit(db: Database) -> None:
    clock = FakeClock("2026-03-02T07:00:00+00:00")
    service, dispatcher, sender = make(db, clock, rate=40, burst=5)
    for user_id in range(1, 201):
        await service.on(user_id, LONDON, "7:30")
    await run_until(dispatcher, clock, "2026-03-02T07:40")
    times = sorted(c.at for c in sender.calls)
    assert len(times) == 200
    busiest = max(
        sum(1 for t in times[i:] if t - start < timedelta(seconds=1))
        for i, start in enumerate(times)
    )
    assert busiest <= 45  # 40 a second plus the burst: under Discord's 50 with room to spare
    assert times[-1] - times[0] <= timedelta(seconds=(200 - 5) / 40 + 0.1)


# --------------------------------------------------------------------------- the running task


async def test_the_running_dispatcher_is_woken_when_a_sooner_reminder_is_set(db: Database) -> None:
    clock = FakeClock("2026-03-02T07:29:30+00:00")
    service, dispatcher, sender = make(db, clock, max_wait=60)
    clock.horizon = clock.now()
    dispatcher.start()
    try:
        await clock.until_parked()  # nothing to do: it sleeps (up to a minute)
        await service.on(ALICE, LONDON, "7:30")
        clock.release(utc("2026-03-02T08:00"))
        await asyncio.wait_for(sender.arrived.wait(), 5)
        # Without the wake-up it would have slept on until 07:30:30.
        assert [c.at for c in sender.calls] == [utc("2026-03-02T07:30")]
        assert max(clock.slept) <= 60
    finally:
        await dispatcher.stop()
    assert not dispatcher.running


async def test_stop_hands_back_a_send_in_progress_and_the_next_start_sends_it_once(
    db: Database,
) -> None:
    clock = FakeClock("2026-03-02T07:29:30+00:00")
    started = asyncio.Event()

    class Hanging(FakeSender):
        async def send(self, user_id: int, message: ReminderMessage) -> DeliveryResult:
            self.calls.append(Call(self.clock.now(), user_id, message))
            started.set()
            await asyncio.Event().wait()  # Discord never answers
            raise AssertionError("unreachable")

    service, dispatcher, _ = make(db, clock, Hanging(clock))
    await service.on(ALICE, LONDON, "7:30")
    clock.horizon = utc("2026-03-02T07:31")
    dispatcher.start()
    await asyncio.wait_for(started.wait(), 5)
    await dispatcher.stop(timeout=0)
    row = await ReminderStore(db).get_delivery(ALICE, "2026-03-02T07:30")
    assert (
        row is not None and row.status == "pending" and row.claimed_by is None
    )  # nothing half-claimed

    clock.release(None)
    _, restarted, sender = make(db, clock)
    await restarted.run_pending()
    assert [c.message.occurrence_key for c in sender.inbox] == ["2026-03-02T07:30"]
    assert (await ReminderStore(db).get_delivery(ALICE, "2026-03-02T07:30")).status == "sent"  # type: ignore[union-attr]


async def test_a_terminal_dispatcher_only_delivers_its_own_person(db: Database) -> None:
    clock = FakeClock("2026-03-02T07:00:00+00:00")
    service, _, _ = make(db, clock)
    await service.on(1, LONDON)
    await service.on(BOB, LONDON)
    out = io.StringIO()
    terminal = Dispatcher(
        db, TerminalSender(out), compose_for(), clock.now, clock.sleep, only_user=1
    )
    await run_until(terminal, clock, "2026-03-02T08:00")
    text = out.getvalue()
    assert "Morning routine" in text and "Booty flexes: 10 rounds." in text
    assert "Type /routine booty-flex to start it." in text
    assert text.count("Morning routine") == 1  # Bob's reminder is not printed here
    bob = await ReminderStore(db).get_schedule(BOB)
    assert bob is not None and bob.next_key == "2026-03-02T07:30"  # still waiting for the real bot


def test_reminder_message_reply_offers_to_start_the_routine() -> None:
    msg = ReminderMessage(
        "Morning routine", "Booty flexes.", "booty-flex", "2026-03-02T07:30", ALICE
    )
    reply = msg.to_reply()
    assert reply.actions[0].kind == "start_routine" and reply.actions[0].value == "booty-flex"
    assert len(msg.nonce) <= 25
    assert msg.nonce != ReminderMessage("x", "y", None, "2026-03-02T21:30", ALICE).nonce
    assert msg.nonce == ReminderMessage("x", "y", None, "2026-03-02T07:30", ALICE).nonce


def test_dates_used_here_are_what_the_tests_assume() -> None:
    assert date(2026, 3, 2).weekday() == 0 and date(2026, 3, 8).weekday() == 6


# --------------------------------------------------------------------------- what became of each reminder


async def test_every_occurrence_missed_during_downtime_gets_a_record_with_its_reason(
    db: Database,
) -> None:
    clock = FakeClock("2026-03-02T06:00:00+00:00")
    service, dispatcher, sender = make(db, clock)
    await service.on(ALICE, LONDON, "7:30 21:30")
    clock.set(
        "2026-03-04T21:40:00+00:00"
    )  # the bot was down from Monday morning to Wednesday night
    await dispatcher.run_pending()
    assert [wall(c, LONDON) for c in sender.seen(ALICE)] == ["2026-03-04 21:40"]
    records = {
        d.occurrence_key: (d.status, d.last_error) for d in await dispatcher.store.deliveries(ALICE)
    }
    missed = [f"2026-03-0{d}T{t}" for d in (2, 3, 4) for t in ("07:30", "21:30")][:-1]
    assert {k: status for k, (status, _) in records.items()} == {
        **dict.fromkeys(missed, "skipped"),
        "2026-03-04T21:30": "sent",
    }
    assert all("too late" in (records[k][1] or "") for k in missed)
    text = (await service.show(ALICE)).describe()
    assert "Wed 4 Mar, 21:30 GMT: sent" in text
    assert "Wed 4 Mar, 07:30 GMT: not sent, too late" in text


async def test_reminders_show_says_which_were_skipped_after_a_routine_and_which_replaced(
    db: Database,
) -> None:
    clock = FakeClock("2026-03-02T06:00:00+00:00")
    service, dispatcher, _ = make(db, clock, compose=compose_for(done={"2026-03-02T07:30"}))
    await service.on(ALICE, LONDON, "7:30 7:45")
    await run_until(dispatcher, clock, "2026-03-02T07:46:00+00:00")
    clock.set("2026-03-03T07:50:00+00:00")  # the dispatcher slept through 07:30 and 07:45
    await dispatcher.run_pending()
    text = (await service.show(ALICE)).describe()
    assert "Mon 2 Mar, 07:30 GMT: not sent, skipped: you had already done a routine" in text
    assert "Mon 2 Mar, 07:45 GMT: sent" in text
    assert "Tue 3 Mar, 07:30 GMT: not sent, replaced by a later reminder" in text
    assert "Tue 3 Mar, 07:45 GMT: sent" in text


async def test_after_moving_west_the_next_reminder_shown_is_the_one_that_comes(
    db: Database,
) -> None:
    clock = FakeClock("2026-03-10T06:00:00+00:00")
    service, dispatcher, sender = make(db, clock)
    await service.on(ALICE, LONDON, "7:30")
    await run_until(dispatcher, clock, "2026-03-10T08:00")  # Tuesday's 07:30 came, in London
    # Flown to New York, where it is 04:00: Tuesday's 07:30 has come round again there.
    view = await service.update(ALICE, timezone=NY)
    assert view.next_at is not None
    promised = view.next_at
    assert promised.strftime("%a %H:%M") == "Wed 07:30"
    await run_until(dispatcher, clock, "2026-03-12T00:00")
    assert [wall(c, NY) for c in sender.calls] == ["2026-03-10 03:30", "2026-03-11 07:30"]
    assert sender.calls[1].at == promised


@pytest.fixture
def tzdata(tmp_path):
    """Point zoneinfo at a time zone database of the test's own (``tzdata(folder)``), as if the
    machine's tzdata were replaced; the real one is back afterwards."""

    def use(folder: Path) -> None:
        zoneinfo.reset_tzpath([str(folder)])
        ZoneInfo.clear_cache()

    yield use
    zoneinfo.reset_tzpath()
    ZoneInfo.clear_cache()


async def test_after_a_tzdata_update_the_next_reminder_comes_at_its_local_time(
    db: Database, tmp_path: Path, tzdata
) -> None:
    # Kazakhstan moved from UTC+6 to UTC+5 in 2024; the bot learns it from a tzdata update.
    tzdata(fixed_zone(tmp_path / "old", "Asia/Almaty", 6))
    clock = FakeClock("2024-03-04T12:00:00+00:00")
    service, dispatcher, sender = make(db, clock)
    await service.on(ALICE, "Asia/Almaty", "7:30")
    tzdata(fixed_zone(tmp_path / "new", "Asia/Almaty", 5))  # updated, and the bot restarted
    service, dispatcher, sender = make(db, clock)
    await dispatcher.run_pending()
    view = await service.show(ALICE)
    assert view is not None and view.next_at is not None
    assert view.next_at.strftime("%a %H:%M %Z") == "Tue 07:30 +05"
    await run_until(dispatcher, clock, "2024-03-06T12:00")
    assert [wall(c, "Asia/Almaty") for c in sender.calls] == [
        "2024-03-05 07:30",
        "2024-03-06 07:30",
    ]


async def test_a_discord_outage_shorter_than_the_grace_period_delays_the_reminder_but_loses_nothing(
    db: Database,
) -> None:
    clock = FakeClock("2026-03-02T07:00:00+00:00")
    service, dispatcher, sender = make(db, clock)  # the bot's grace: an hour
    await service.on(ALICE, LONDON)
    sender.script.extend([DeliveryResult.retry("HTTP 503 (0): Service Unavailable")] * 5)
    await run_until(dispatcher, clock, "2026-03-02T12:00")
    # Discord answered 503 from 07:30 to past 07:37 (tries after 30 s, 60 s, 120 s, 240 s); the
    # next try, 480 s later, found it back.
    assert [c.at for c in sender.seen(ALICE)] == [utc("2026-03-02T07:45:30")]
    row = await ReminderStore(db).get_delivery(ALICE, "2026-03-02T07:30")
    assert row is not None and row.status == "sent"
