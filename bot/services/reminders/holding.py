"""Reminders held after a red flag.

The answer to a red flag tells the person to get checked and to leave the exercises for now; a
reminder an hour later saying "time for your routine" would say the opposite. So a red flag of
any urgency but ``ask`` (a question about when to worry, not a symptom) pauses the person's
reminders for a day, and the front end says so under the answer, with how to have them back.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.services.reminders.schedule import ReminderService

HOLD_DAYS = 1
# The red flags whose answers send the person to a doctor (or a crisis line) today.
HOLDING_URGENCIES = frozenset({"crisis", "emergency", "soon"})


async def hold_after_red_flag(
    reminders: ReminderService, user_id: int, urgency: str | None
) -> datetime | None:
    """Pause the person's reminders for :data:`HOLD_DAYS` after a red flag of ``urgency``.

    Returns the instant they are paused until (in the person's zone), or None when nothing is
    held: the red flag does not hold them, or the person has no reminders on. A pause that
    already lasts longer is kept as it is."""
    if urgency not in HOLDING_URGENCIES:
        return None
    view = await reminders.show(user_id)
    if view is None or view.status not in ("on", "paused"):
        return None
    held_until = view.as_of + timedelta(days=HOLD_DAYS)
    if view.paused_until is not None and view.paused_until >= held_until:
        return view.paused_until
    paused = await reminders.pause(user_id, HOLD_DAYS)
    return paused.paused_until
