"""Reminders held after a red flag.

The answer to a red flag tells the person to get checked and to leave the exercises for now; a
reminder an hour later saying "time for your routine" would say the opposite. So a red flag of
any urgency but ``ask`` (a question about when to worry, not a symptom) pauses the person's
reminders for a day, and the front end says so under the answer, with how to have them back.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta

from bot.core.replies import Field, Reply
from bot.services.reminders.messages import format_when
from bot.services.reminders.schedule import ReminderService

log = logging.getLogger(__name__)

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


REMINDERS_HELD = (
    "I've paused your routine reminders until {until}, so that none of them asks you to exercise "
    "before then. `/reminders on` brings them back sooner."
)


async def with_reminders_held(reminders: ReminderService, user_id: int, reply: Reply) -> Reply:
    """``reply``, and if it is a red flag that holds the person's reminders, the reminders paused
    and a line under the answer saying so (not under a crisis reply, which stays the crisis lines
    alone; ``/reminders show`` says it). The Discord bot and the terminal chat answer questions through this. A
    failure here never holds back the answer itself."""
    if reply.kind != "red_flag":
        return reply
    try:
        until = await hold_after_red_flag(reminders, user_id, reply.urgency)
    except Exception:
        log.exception("could not hold the reminders of person %s after a red flag", user_id)
        return reply
    if until is None or reply.urgency == "crisis":
        return reply
    held = Field("Your reminders", REMINDERS_HELD.format(until=format_when(until)))
    return replace(reply, fields=(*reply.fields, held))
