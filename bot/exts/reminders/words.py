"""Words replied to a reminder DM (or said after it), as people answer a text message: 'STOP' turns the reminders off
(as ``/reminders off`` does, times kept), 'snooze' or 'later' snoozes that reminder (as its
button does), 'done' is thanked and 'start' is shown the way to start, instead of any of them being
answered as a question about back pain."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

import aiohttp
import discord

from bot.core.errors import ScheduleError
from bot.discord_ui import SET_ZONE, word_said
from bot.discord_ui.render import error_reply, info_reply, reply_to_message
from bot.exts.reminders.views import SNOOZE_MINUTES

if TYPE_CHECKING:
    from bot.app import LowbackBot

log = logging.getLogger(__name__)

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
# What people reply to a reminder once they have done their exercises without the bot.
DONE_WORDS = frozenset(
    {"done", "did it", "i did it", "done it", "all done", "finished", "completed", "done already"}
)
# What people reply to a reminder when they mean to begin now.
START_WORDS = frozenset(
    {"start", "start it", "start routine", "start the routine", "begin", "go", "lets go", "ready"}
)
DONE = info_reply(
    "Well done",
    "Thanks for telling me. Your streak counts the routines I take you through, so next time "
    "start it with me (**Start routine** on the reminder, or `/routine start`) and it will count.",
)
START = info_reply(
    "Press Start routine",
    "Press **Start routine** on the reminder you replied to, and I'll take you through it here.",
)
START_NO_BUTTON = info_reply(
    "Start with /routine start",
    "`/routine start` takes you through your routine here, timing each exercise.",
)
REMINDER_BUTTON = "lowback:remind:snooze:"  # every reminder DM carries its Snooze button
START_BUTTON = "lowback:remind:start:"  # and one for its routine, if it names one
LOOK_BACK = 10  # messages of a DM looked through for the bot's last one
ON_AGAIN = "No more reminder DMs. `/reminders on` turns them on again."


def says_stop(text: str) -> bool:
    """``text`` is nothing but a wish for no more reminders ('STOP', 'unsubscribe.')."""
    return word_said(text) in STOP_WORDS


def plain(text: str) -> str:
    """``text`` as a short answer to a reminder: lower case, letters, digits and spaces only
    ('Done ✅' and 'done!!' are 'done', "let's go" is 'lets go')."""
    return " ".join(re.sub(r"[^\w\s]+", "", text.lower()).split())


def buttons_of(sent: object, bot_id: int) -> list[str]:
    """The custom ids of the buttons on ``sent`` if the bot sent it, else none."""
    if not isinstance(sent, discord.Message) or sent.author.id != bot_id:
        return []
    return [
        getattr(child, "custom_id", None) or ""
        for row in sent.components
        for child in getattr(row, "children", ())
    ]


async def reminder_buttons(
    message: discord.Message, bot_id: int, *, unreplied: bool = True
) -> list[str]:
    """The custom ids of the buttons on the reminder DM that ``message`` answers, or none if it
    answers no reminder: the one it replies to, or (``unreplied``) in a DM where the bot's last
    message is a reminder, that one: people answer a text message without quoting it."""
    if message.reference is not None:
        buttons = buttons_of(message.reference.resolved, bot_id)
    elif unreplied and message.guild is None:
        buttons = []
        try:
            async for earlier in message.channel.history(limit=LOOK_BACK, before=message):
                if earlier.author.id == bot_id:
                    buttons = buttons_of(earlier, bot_id)
                    break
        except (discord.HTTPException, aiohttp.ClientError, TimeoutError) as exc:
            log.info("Could not read the DM of user %s: %s", message.author.id, exc)
    else:
        buttons = []
    return buttons if any(b.startswith(REMINDER_BUTTON) for b in buttons) else []


async def answer_done_or_start(bot: LowbackBot, message: discord.Message, text: str) -> bool:
    """Thank 'done' said to a reminder, and show 'start' the button that starts the routine;
    False (nothing said) for any other message, or while the person's routine runs."""
    me = bot.user
    word = plain(text)
    if me is None or (word not in DONE_WORDS and word not in START_WORDS):
        return False
    buttons = await reminder_buttons(message, me.id)
    if not buttons or bot.require_services().routines.active(message.author.id) is not None:
        return False
    if word in DONE_WORDS:
        reply = DONE
    elif any(custom_id.startswith(START_BUTTON) for custom_id in buttons):
        reply = START
    else:
        reply = START_NO_BUTTON
    await reply_to_message(message, reply)
    return True


async def answer_reminder(bot: LowbackBot, message: discord.Message, text: str) -> bool:
    """Turn the reminders off for 'STOP' in reply to a reminder, or snooze it for 'later' (in reply
    to it, or said in the DM after it); False
    (nothing done) for any other message, or for 'stop' while the person's routine runs (the
    'stop' is for it: see bot/exts/routine/words.py)."""
    me = bot.user
    word = word_said(text)
    if me is None or (word not in STOP_WORDS and word not in SNOOZE_WORDS):
        return await answer_done_or_start(bot, message, text)
    # 'stop' alone may be for a routine or the reminders: only a reply to a reminder says which
    buttons = await reminder_buttons(message, me.id, unreplied=word in SNOOZE_WORDS)
    if not buttons:
        return False
    key = next(b for b in buttons if b.startswith(REMINDER_BUTTON)).removeprefix(REMINDER_BUTTON)
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
