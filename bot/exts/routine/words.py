"""Words said to the bot about a live routine ('pause', 'stop'), in reply to its message or by
mention (or DM) where it runs: they work the routine as its buttons do, instead of being answered
as a question about back pain."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord

from bot.core.replies import Reply
from bot.discord_ui import word_said
from bot.discord_ui.render import info_reply, reply_to_message
from bot.exts.routine.replies import owner_only_text
from bot.exts.routine.views import ControlAction

if TYPE_CHECKING:
    from bot.exts.routine.cog import Routine
    from bot.exts.routine.live import LiveRoutine

# What people type to a timer, by the button it stands for.
WORDS: dict[str, ControlAction] = {
    **dict.fromkeys(("pause", "wait", "hold", "hold on", "pause it", "pause please"), "pause"),
    **dict.fromkeys(("resume", "continue", "go", "go on", "unpause"), "resume"),
    **dict.fromkeys(("stop", "end", "cancel", "quit", "stop it", "stop please"), "stop"),
    **dict.fromkeys(("+1", "+1 round", "one more round", "another round", "1 more round"), "round"),
}


def control_word(text: str) -> ControlAction | None:
    """The routine button ``text`` names, if it is nothing but that ('Pause!', 'stop.')."""
    return WORDS.get(word_said(text))


def meant(cog: Routine, message: discord.Message) -> LiveRoutine | None:
    """The live routine ``message`` is about: the one whose message it replies to, else the
    author's own in the channel it was sent in (a reply to a routine that has ended, or to another
    of the bot's messages, is about the one still running there)."""
    replied = message.reference.message_id if message.reference is not None else None
    own = None
    for live in cog.live():
        shown = live.message
        if shown is None:
            continue
        if replied is not None and shown.id == replied and live.running():
            return live
        if (
            live.owner_id == message.author.id
            and shown.channel.id == message.channel.id
            and live.running()
        ):
            own = live
    return own


def nothing_to_control(cog: Routine, message: discord.Message, action: ControlAction) -> Reply:
    """What 'stop' or 'pause' gets when no routine of the person's runs where they said it: that
    none does (one that has ended, or one elsewhere), not an answer to 'stop' as a question."""
    elsewhere = next(
        (
            live
            for live in cog.live()
            if live.owner_id == message.author.id and live.running() and live.message is not None
        ),
        None,
    )
    verb = {"pause": "pause", "resume": "continue", "stop": "stop", "round": "add a round to"}
    if elsewhere is not None and elsewhere.message is not None:
        where = f"<#{elsewhere.message.channel.id}>"
        if isinstance(elsewhere.message.channel, discord.DMChannel):
            where = "our direct messages"
        return info_reply(
            "Your routine is running elsewhere",
            f"Your routine is running in {where}. Use its buttons there, or `/routine stop`.",
        )
    body = f"You have no routine running here, so there's nothing to {verb[action]}."
    body += " `/routine start` starts one."
    if action == "stop":
        body += " To stop your reminders, use `/reminders off`."
    return info_reply("No routine running", body)


async def control_by_words(cog: Routine, message: discord.Message, text: str) -> bool:
    """Work the live routine ``message`` is about with the word it says; with no routine of the
    person's running there, say so. False (nothing done) if it says more than a control word, or
    '+1' with no routine to add a round to, or its session is no longer this process's."""
    action = control_word(text)
    if action is None:
        return False
    live = meant(cog, message)
    if live is None or live.handle is None:
        if action == "round":
            return False  # '+1' to an answer is agreement, not a word to a timer
        if cog.bot.ask_cooldown.hit(message.author.id):
            return True  # said again and again: told a few times, not once per message
        await reply_to_message(message, nothing_to_control(cog, message, action))
        return True
    if message.author.id != live.owner_id:
        if cog.bot.ask_cooldown.hit(message.author.id):
            return True  # told already: 'stop' said again and again gets no message each time
        await reply_to_message(
            message, info_reply("Not your routine", owner_only_text(live.owner_id))
        )
        return True
    routines = cog.bot.require_services().routines
    handle = routines.active(live.owner_id)
    if handle is None or handle is not live.handle:
        return False
    match action:  # the live message shows the change, as after a press of its button
        case "pause":
            await routines.pause(live.owner_id)
        case "resume":
            await routines.resume(live.owner_id)
        case "stop":
            await routines.stop(live.owner_id)
        case "round":
            if not await routines.add_round(live.owner_id):
                reply = info_reply("No more rounds", "No more rounds can be added to this routine.")
                await reply_to_message(message, reply)
    return True
