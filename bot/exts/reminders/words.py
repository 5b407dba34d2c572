"""Words replied to a reminder DM, as people answer a text message: 'STOP' turns the reminders off
(as ``/reminders off`` does, times kept), 'snooze' or 'later' snoozes that reminder (as its
button does), instead of either being answered as a question about back pain."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import discord

from bot.core.errors import ScheduleError
from bot.discord_ui import SET_ZONE
from bot.discord_ui.render import error_reply, info_reply, reply_to_message
from bot.exts.reminders.views import SNOOZE_MINUTES

if TYPE_CHECKING:
    from bot.app import LowbackBot

# What people reply to a reminder they want no more of.
STOP_WORDS = frozenset(
    {
        "stop",
        "stop it",
        "stop please",
        "please stop",
        "unsubscribe",
        "opt out",
        "turn off",
        "turn it off",
        "turn them off",
        "off",
        "stop reminders",
        "stop reminding me",
        "stop the reminders",
        "no more reminders",
        "reminders off",
        "cancel",
        "quit",
    }
)
# What people reply to a reminder they want again a little later.
SNOOZE_WORDS = frozenset(
    {"snooze", "snooze it", "snooze please", "later", "remind me later", "not now", "in a bit"}
)
REMINDER_BUTTON = "lowback:remind:snooze:"  # every reminder DM carries its Snooze button
ON_AGAIN = "No more reminder DMs. `/reminders on` turns them on again."


def said(text: str) -> str:
    """``text`` as a word to a reminder: lower case, one space, no closing '.' or '!'."""
    return re.sub(r"[.!]+$", "", " ".join(text.lower().split()))


def says_stop(text: str) -> bool:
    """``text`` is nothing but a wish for no more reminders ('STOP', 'unsubscribe.')."""
    return said(text) in STOP_WORDS


def reminder_key(message: discord.Message, bot_id: int) -> str | None:
    """The occurrence key of the bot's reminder DM that ``message`` replies to (on its Snooze
    button), or None if it replies to no reminder."""
    replied = message.reference.resolved if message.reference is not None else None
    if not isinstance(replied, discord.Message) or replied.author.id != bot_id:
        return None
    for row in replied.components:
        for child in getattr(row, "children", ()):
            custom_id = getattr(child, "custom_id", None) or ""
            if custom_id.startswith(REMINDER_BUTTON):
                return custom_id.removeprefix(REMINDER_BUTTON)
    return None


async def answer_reminder(bot: LowbackBot, message: discord.Message, text: str) -> bool:
    """Turn the reminders off for 'STOP' in reply to a reminder, or snooze it for 'later'; False
    (nothing done) for any other message, or for 'stop' while the person's routine runs (the
    'stop' is for it: see bot/exts/routine/words.py)."""
    me = bot.user
    word = said(text)
    if me is None or (word not in STOP_WORDS and word not in SNOOZE_WORDS):
        return False
    key = reminder_key(message, me.id)
    if key is None:
        return False
    services = bot.require_services()
    if word in SNOOZE_WORDS:
        try:
            view = await services.reminders.snooze(message.author.id, SNOOZE_MINUTES, key=key)
        except ScheduleError as exc:
            reply = error_reply("Can't snooze that", str(exc))
        else:
            reply = info_reply("Snoozed", view.describe(SET_ZONE))
    elif services.routines.active(message.author.id) is not None:
        return False
    elif (off := await services.reminders.off(message.author.id)) is None:
        reply = info_reply(
            "Reminders off", "Your reminders weren't on, so there was nothing to stop."
        )
    else:
        reply = info_reply("Reminders off", f"{off.describe(SET_ZONE)}\n\n{ON_AGAIN}")
    await reply_to_message(message, reply)
    return True
