"""'STOP' in reply to a reminder DM: people answer a reminder they want no more of as they answer a
text message, so the reply turns the reminders off (as ``/reminders off`` does, times kept)
instead of being answered as a question about back pain."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import discord

from bot.discord_ui import SET_ZONE
from bot.discord_ui.render import info_reply, reply_to_message

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
REMINDER_BUTTON = "lowback:remind:snooze:"  # every reminder DM carries its Snooze button
ON_AGAIN = "No more reminder DMs. `/reminders on` turns them on again."


def says_stop(text: str) -> bool:
    """``text`` is nothing but a wish for no more reminders ('STOP', 'unsubscribe.')."""
    said = re.sub(r"[.!]+$", "", " ".join(text.lower().split()))
    return said in STOP_WORDS


def replies_to_reminder(message: discord.Message, bot_id: int) -> bool:
    """``message`` replies to one of the bot's reminder DMs."""
    replied = message.reference.resolved if message.reference is not None else None
    if not isinstance(replied, discord.Message) or replied.author.id != bot_id:
        return False
    return any(
        (getattr(child, "custom_id", None) or "").startswith(REMINDER_BUTTON)
        for row in replied.components
        for child in getattr(row, "children", ())
    )


async def stop_by_reply(bot: LowbackBot, message: discord.Message, text: str) -> bool:
    """Turn the reminders off for 'STOP' in reply to a reminder; False (nothing done) for any
    other message, or while the person's routine runs (the 'stop' is for it: see
    bot/exts/routine/words.py)."""
    me = bot.user
    if me is None or not says_stop(text) or not replies_to_reminder(message, me.id):
        return False
    services = bot.require_services()
    if services.routines.active(message.author.id) is not None:
        return False
    view = await services.reminders.off(message.author.id)
    if view is None:
        reply = info_reply(
            "Reminders off", "Your reminders weren't on, so there was nothing to stop."
        )
    else:
        reply = info_reply("Reminders off", f"{view.describe(SET_ZONE)}\n\n{ON_AGAIN}")
    await reply_to_message(message, reply)
    return True
