"""A bot that dies between handing a reminder to Discord and recording it: the person sees the
reminder at most twice, a repeat that may be one says so, and a bot that dies whenever it sends
does not DM them again on every restart.

Discord drops a repeat of a message's nonce only for a few minutes; the sender here does the same
(two minutes), so a restart after longer shows the repeat, as Discord would. Against SQLite and
PostgreSQL, each restart a new dispatcher on the database left behind.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.services.reminders import DeliveryResult, ReminderMessage
from bot.store.db import Database
from bot.store.reminders import ReminderStore
from tests.services.test_reminders import ALICE, LONDON, Call, FakeSender, SimulatedCrash, make
from tests.support.fakes import FakeClock

KEY = "2026-03-02T07:30"
FORGETS = timedelta(minutes=2)  # how long Discord keeps a nonce here
MAYBE_SEEN = "You may have had this reminder already"


class ForgetfulDiscord(FakeSender):
    """Like :class:`FakeSender`, but it drops a repeat of a nonce only within ``FORGETS`` of the
    message it repeats, as Discord does with ``enforce_nonce``."""

    async def send(self, user_id: int, message: ReminderMessage) -> DeliveryResult:
        now = self.clock.now()
        kept = [c for c in self.inbox if now - c.at < FORGETS]
        forgotten = [c for c in self.inbox if c not in kept]
        self.inbox[:] = kept
        try:
            return await super().send(user_id, message)
        finally:
            self.inbox[:0] = forgotten


async def crash_while_sending(db: Database, clock: FakeClock, inbox: list[Call]) -> None:
    """A dispatcher on ``db`` sends what is due and dies the moment the message went out."""
    _, dispatcher, sender = make(db, clock, ForgetfulDiscord(clock, inbox))
    sender.script.append("crash-after")
    with pytest.raises(SimulatedCrash):
        await dispatcher.run_pending()


async def crashed_at_half_past_seven(db: Database) -> tuple[FakeClock, list[Call]]:
    """Alice in London with reminders on, and a dispatcher that died as her 7:30 DM went out: the
    clock and what reached her."""
    clock = FakeClock("2026-03-02T07:00:00+00:00")
    service, _, _ = make(db, clock)
    await service.on(ALICE, LONDON)
    inbox: list[Call] = []
    clock.set("2026-03-02T07:30")
    await crash_while_sending(db, clock, inbox)
    return clock, inbox


async def test_a_repeat_after_discord_forgot_the_first_says_it_may_be_one(db: Database) -> None:
    clock, inbox = await crashed_at_half_past_seven(db)

    clock.advance(timedelta(minutes=10))  # the machine reboots: down longer than Discord's window
    _, restarted, _ = make(db, clock, ForgetfulDiscord(clock, inbox))
    await restarted.run_pending()

    assert [c.message.occurrence_key for c in inbox] == [KEY, KEY]
    first, repeat = (c.message.body for c in inbox)
    assert MAYBE_SEEN not in first
    assert repeat.startswith(MAYBE_SEEN) and "Booty flexes" in repeat
    row = await ReminderStore(db).get_delivery(ALICE, KEY)
    assert row is not None and row.status == "sent"


async def test_a_quick_restart_repeats_the_reminder_unseen_and_without_a_word(
    db: Database,
) -> None:
    clock, inbox = await crashed_at_half_past_seven(db)

    clock.advance(timedelta(seconds=5))
    _, restarted, sender = make(db, clock, ForgetfulDiscord(clock, inbox))
    await restarted.run_pending()

    assert len(sender.calls) == 1  # sent again, with the same nonce: Discord drops it
    assert [c.message.body for c in inbox] == [inbox[0].message.body]
    assert MAYBE_SEEN not in sender.calls[0].message.body


async def test_a_bot_that_dies_whenever_it_sends_dms_the_person_at_most_twice(
    db: Database,
) -> None:
    clock, inbox = await crashed_at_half_past_seven(db)
    for _ in range(2):  # restarted every five minutes by its supervisor, and dying again
        clock.advance(timedelta(minutes=5))
        _, restarted, sender = make(db, clock, ForgetfulDiscord(clock, inbox))
        sender.script.append("crash-after")
        try:
            await restarted.run_pending()
        except SimulatedCrash:
            pass

    assert [c.message.occurrence_key for c in inbox] == [KEY, KEY]
    service, _, _ = make(db, clock)
    view = await service.show(ALICE)
    assert view is not None
    [past] = [p for p in view.recent if p.at.strftime("%H:%M") == "07:30"]
    assert past.status == "skipped"
    assert past.reason is not None and "may have reached you already" in past.reason

    # The next reminder is no longer in doubt: it goes out as usual.
    clock.set("2026-03-02T21:30")
    _, healthy, _ = make(db, clock, ForgetfulDiscord(clock, inbox))
    await healthy.run_pending()
    assert [c.message.occurrence_key for c in inbox][-1] == "2026-03-02T21:30"
    assert MAYBE_SEEN not in inbox[-1].message.body


async def test_a_send_that_failed_for_sure_is_retried_without_doubt(db: Database) -> None:
    clock = FakeClock("2026-03-02T07:00:00+00:00")
    service, dispatcher, sender = make(db, clock, ForgetfulDiscord(clock))
    await service.on(ALICE, LONDON)
    clock.set("2026-03-02T07:30")
    sender.script.extend([DeliveryResult.retry("HTTP 503"), DeliveryResult.retry("HTTP 503")])
    await dispatcher.run_pending()
    clock.advance(timedelta(seconds=30))
    await dispatcher.run_pending()
    clock.advance(timedelta(minutes=1))
    await dispatcher.run_pending()

    assert len(sender.calls) == 3
    [seen] = sender.inbox
    assert MAYBE_SEEN not in seen.message.body
    row = await ReminderStore(db).get_delivery(ALICE, KEY)
    assert row is not None and row.status == "sent"


async def test_the_snooze_button_works_on_a_reminder_not_sent_a_third_time(db: Database) -> None:
    clock, inbox = await crashed_at_half_past_seven(db)
    clock.advance(timedelta(minutes=5))
    await crash_while_sending(db, clock, inbox)
    clock.advance(timedelta(minutes=5))
    _, healthy, sender = make(db, clock, ForgetfulDiscord(clock, inbox))
    await healthy.run_pending()
    assert len(inbox) == 2 and sender.calls == []  # not sent a third time

    # The person presses Snooze under one of the two copies they got.
    service, _, _ = make(db, clock)
    view = await service.snooze(ALICE, 30, key=KEY)
    assert view.snoozed is not None and view.snoozed.again
    clock.set("2026-03-02T08:10")
    await healthy.run_pending()
    assert [c.message.occurrence_key for c in inbox][-1] == "2026-03-02T07:30+40m"
