"""What a reply's buttons do in Discord.

A reply's actions (``bot.core.replies.Action``) become buttons under it (``bot.discord_ui.render``),
and a press comes here. Moving up or back a step changes the person's own record, so only the
person the reply was for may press those; they carry the step the reply was about, so a press on
an old message after the person's step changed moves nothing. A feature may provide an action
itself: the routine cog starts ``start_routine`` live, registered in
``LowbackBot.action_handlers``. Every other action is answered by the services, and the
:class:`Answer` says where the answer goes: in place of the message the button is on (the
person's own reply), or as a new message, private when it was someone else who pressed.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import discord

from bot.core.numbers import whole_number
from bot.core.replies import Action, Reply
from bot.discord_ui import bot_of

log = logging.getLogger(__name__)

ActionHandler = Callable[[discord.Interaction, str | None], Awaitable[None]]
"""A feature's own way to do an action: called with the interaction and the action's value."""

MessageHandler = Callable[[discord.Message, str], Awaitable[bool]]
"""A feature's own reading of a message to the bot (a mention, a DM, a reply to the bot; called
with its text without the bot's mention): True if the feature took it ('pause' to a live
routine), so it is no question to answer."""

# Actions that change the person's own record: only that person may press them.
OWNER_ONLY = frozenset({"move_up", "go_back"})

ROUTINE_HINT = "To start this routine, use `/routine start`{which}: it walks you through each hold with a timer."
NOT_YOURS = (
    "These buttons belong to the person who asked. Use `/progress show` to see your own step."
)


@dataclass(frozen=True)
class Press:
    """One press of a reply's button: who pressed it, and about whose reply."""

    user_id: int
    owner_id: int  # the person the reply was for
    private: bool = False  # the reply is shown only to its owner

    @property
    def by_owner(self) -> bool:
        return self.user_id == self.owner_id


@dataclass(frozen=True)
class Answer:
    """What to show after a press: ``reply``, private or not; ``in_place`` replaces the message the
    pressed button is on instead of sending a new one."""

    reply: Reply
    private: bool = True
    in_place: bool = False


async def answer_press(
    interaction: discord.Interaction, action: Action, press: Press
) -> Answer | None:
    """Do ``action`` for the person who pressed its button; None when there is nothing more to show
    (a feature's handler answered itself, or no one handles the action)."""
    if action.kind in OWNER_ONLY and not press.by_owner:
        return Answer(Reply(kind="info", title="Not your buttons", body=NOT_YOURS))
    bot = bot_of(interaction)
    handler = bot.action_handlers.get(action.kind)
    if handler is not None:
        await handler(interaction, action.value)
        return None
    services = bot.require_services()
    user_id = press.user_id
    match action.kind:
        case "choose_topic":
            reply = await services.ask.topic(user_id, action.value or "")
        case "not_what_i_asked":  # the value: the other answers' topic ids, joined by "."
            reply = await services.ask.others(tuple(filter(None, (action.value or "").split("."))))
        case "next_step":
            value = action.value or ""
            number = whole_number(value)
            if number is not None:
                reply = await services.ask.step(user_id, number)
            else:
                reply = await services.ask.topic(user_id, value)
            return Answer(reply, private=press.private or not press.by_owner)
        case "move_up":  # the value: the step the message was about (none on older buttons)
            reply = await services.progress.move_up(user_id, whole_number(action.value or ""))
        case "go_back":
            reply = await services.progress.go_back(user_id, whole_number(action.value or ""))
        case "start_routine":
            which = f" (`{action.value}`)" if action.value else ""
            body = ROUTINE_HINT.format(which=which)
            return Answer(Reply(kind="info", title="Start this routine", body=body))
        case _:
            log.warning("No handler for button %r", action.kind)
            return None
    if press.by_owner:
        return Answer(reply, private=press.private, in_place=True)
    return Answer(reply, private=True)
