"""An answer that is the person's alone (a red flag) to a question asked in a server: the neutral
note left in the channel, and the button under it that shows the answer when no DM could be sent."""

from __future__ import annotations

import logging
import re
from typing import Any

import discord

from bot.core.safety import RedFlag
from bot.discord_ui import bot_of
from bot.discord_ui.buttons import Pressed
from bot.discord_ui.render import info_reply, respond
from bot.services.reminders.holding import with_reminders_held

log = logging.getLogger(__name__)

PRIVATE_NOTE_TITLE = "I've answered you privately"
PRIVATE_NOTE_SENT = (
    "My answer to that is for you alone, so I've sent it to you in a direct message. "
    "If it feels urgent, call your local emergency number now."
)
PRIVATE_NOTE_NOT_SENT = (
    "My answer to that is for you alone, but I couldn't send you a direct message. "
    "Press **Show me my answer**: only you will see it. "
    "If it feels urgent, call your local emergency number now."
)
SHOW_LABEL = "Show me my answer"
NOT_YOUR_ANSWER = (
    "This answer is for the person who asked. If you want to ask me something, use `/ask`: "
    "an answer that is for you alone is shown only to you."
)
ANSWER_GONE = (
    "I can't show that answer any more. Ask me again with `/ask`: only you will see the answer. "
    "If it feels urgent, call your local emergency number now."
)


class ShowPrivately(
    Pressed,
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=r"lowback:private:(?P<owner>\d{1,20}):(?P<group>[a-z0-9_-]{1,30}):(?P<also>[a-z0-9_-]{0,30})",
):
    """Under the note in the channel when a private answer could not be sent by DM: shows the person
    who asked their answer, privately. The custom id carries only the person and the safety groups
    the answer is made of (never what they wrote), so it works after a restart too."""

    def __init__(self, owner_id: int, group: str, also: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=SHOW_LABEL,
                style=discord.ButtonStyle.danger,
                custom_id=f"lowback:private:{owner_id}:{group}:{also}",
            )
        )
        self.owner_id = owner_id
        self.group = group
        self.also = also

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ShowPrivately:
        return cls(int(match["owner"]), match["group"], match["also"])

    async def press(self, interaction: discord.Interaction) -> None:
        if interaction.user.id != self.owner_id:
            reply = info_reply("This answer is not for you", NOT_YOUR_ANSWER)
        else:
            services = bot_of(interaction).require_services()
            again = services.ask.red_flag_again(self.group, self.also)
            if again is None:  # gone in a reload of the knowledge base since
                reply = info_reply("Ask me again", ANSWER_GONE)
            else:
                reply = await with_reminders_held(services.reminders, self.owner_id, again)
        await respond(interaction, reply, private=True)


def show_privately(owner_id: int, flag: RedFlag | None) -> discord.ui.View | None:
    """The button that shows a private answer to ``owner_id`` (None without a red flag)."""
    if flag is None:
        return None
    also = flag.also.id if flag.also is not None else ""
    button = ShowPrivately(owner_id, flag.group.id, also)
    if not button.__discord_ui_compiled_template__.fullmatch(button.custom_id):
        log.warning("no button for the private answer: group id %r", flag.group.id)
        return None
    view = discord.ui.View(timeout=None)
    view.add_item(button)
    return view
