"""Daily routine reminders, in ten parts.

* ``schedule``: :class:`ReminderService`, what the front ends call (on, update, pause, resume,
  snooze, off, show, pop_notice) and :class:`ScheduleView`, a person's reminders as data.
* ``upcoming``: which reminder comes next, past any already done (after a move west, say).
* ``snoozing``: which reminder a snooze is about, and :class:`Snoozed`, what it did.
* ``dispatcher``: :class:`Dispatcher`, the one task that sends due reminders, exactly once (its
  module docstring says what is guaranteed across crashes).
* ``sending``: :class:`Sends`, the dispatcher's sends in flight, paced and recorded.
* ``outcomes``: the dispatcher's pure decisions (what to send, skip or give up) and
  :class:`Settler`, which records what became of each send.
* ``delivery``: what a :class:`Sender` reports (:class:`DeliveryResult`); the Discord front end
  supplies a sender that DMs, the terminal one that prints (``bot.terminal.sender``).
* ``ratelimit``: token buckets and the request limiter that keep the bot within Discord's limits.
* ``holding``: the reminders paused for a day after a red flag, whose answer says to leave the
  exercises for now.
* ``messages``: :class:`ReminderMessage`, what a reminder says, how it is composed, and the
  reminders' other wording (why one was not sent, why they stopped).

Nothing here imports discord.
"""

from bot.services.reminders.delivery import (
    DELIVERED,
    Compose,
    DeliveryResult,
    DeliveryStatus,
    Sender,
)
from bot.services.reminders.dispatcher import MIN_GRACE, Dispatcher
from bot.services.reminders.messages import ReminderMessage
from bot.services.reminders.outcomes import DispatchStats
from bot.services.reminders.ratelimit import TokenBucket
from bot.services.reminders.schedule import (
    CLOSED_NOTICE,
    MAX_PAUSE_DAYS,
    MAX_SNOOZE_MINUTES,
    UNSET,
    ReminderService,
    RemindersNotSetUp,
    ScheduleView,
)

__all__ = [
    "CLOSED_NOTICE",
    "DELIVERED",
    "MAX_PAUSE_DAYS",
    "MAX_SNOOZE_MINUTES",
    "MIN_GRACE",
    "UNSET",
    "Compose",
    "DeliveryResult",
    "DeliveryStatus",
    "DispatchStats",
    "Dispatcher",
    "ReminderMessage",
    "ReminderService",
    "RemindersNotSetUp",
    "ScheduleView",
    "Sender",
    "TokenBucket",
]
