"""Reminder schedules, deliveries, snoozes and pending notices (tables from 0002_reminders.sql).

The SQL lives here; the decisions (which occurrence comes next, what is too late to send) are made
by the caller and passed in, so every multi-statement change is one transaction:

* :meth:`ReminderStore.claim_due_schedule` reads a due schedule, records the occurrence to send
  as ``claimed`` (and any it decided to skip as ``skipped``) and moves the schedule on, all at once.
  A crash leaves either the old schedule or the claim, never both or neither.
* Every later change to a delivery names the state it expects (``claimed`` by this dispatcher on
  this attempt, or ``pending``), so two dispatchers, or one that outlived its lease, cannot both
  act on the same occurrence. Renewing a claim (``renew_claims``) moves its ``claimed_at`` on and
  leaves it the same claim.

``rows`` holds the row values; ``schedules`` the schedule and snooze tables; ``deliveries`` the
delivery and notice tables. :class:`ReminderStore` is all of them over one database.
"""

from bot.store.db import Database
from bot.store.reminders.deliveries import DeliveryTables
from bot.store.reminders.rows import (
    CLAIMED,
    DONE_STATUSES,
    FAILED,
    PENDING,
    SENT,
    SKIPPED,
    SNOOZED_AWAY,
    DeliveryRow,
    DuePlan,
    ScheduleRow,
    SnoozeRow,
)
from bot.store.reminders.schedules import ScheduleTables


class ReminderStore(ScheduleTables, DeliveryTables):
    """The reminder tables. Instants in and out are aware UTC datetimes."""

    def __init__(self, db: Database):
        self.db = db


__all__ = [
    "CLAIMED",
    "DONE_STATUSES",
    "FAILED",
    "PENDING",
    "SENT",
    "SKIPPED",
    "SNOOZED_AWAY",
    "DeliveryRow",
    "DuePlan",
    "ReminderStore",
    "ScheduleRow",
    "SnoozeRow",
]
