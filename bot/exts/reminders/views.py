"""The buttons under a reminder DM: "Start routine" and "Snooze 30 min", persistent ``DynamicItem``\\ s
whose custom ids carry what they need, so they keep working on DMs sent before a restart."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord

from bot.core.errors import ScheduleError
from bot.core.replies import Action
from bot.discord_ui import SET_ZONE, bot_of
from bot.discord_ui.actions import Press, answer_press
from bot.discord_ui.buttons import Pressed
from bot.discord_ui.render import error_reply, info_reply, respond
from bot.services.reminders import ReminderMessage

if TYPE_CHECKING:
    pass

SNOOZE_MINUTES = 30


class StartFromReminder(
    Pressed,
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=r"lowback:remind:start:(?P<routine>[a-z0-9-]{1,60})",
):
    """ "Start routine" on a reminder: starts the routine live in the DM."""

    def __init__(self, routine_id: str) -> None:
        super().__init__(
            discord.ui.Button(
                label="Start routine",
                style=discord.ButtonStyle.success,
                custom_id=f"lowback:remind:start:{routine_id}",
            )
        )
        self.routine_id = routine_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> StartFromReminder:
        return cls(match["routine"])

    async def press(self, interaction: discord.Interaction) -> None:
        """The same as a "Start this routine" button on an answer (``bot.discord_ui.actions``)."""
        action = Action("start_routine", "Start routine", self.routine_id)
        press = Press(interaction.user.id, owner_id=interaction.user.id)
        answer = await answer_press(interaction, action, press)
        if answer is not None:
            await respond(interaction, answer.reply, private=True)


class SnoozeReminder(
    Pressed,
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=r"lowback:remind:snooze:(?P<key>[0-9T:+\-m]{1,60})",
):
    """ "Snooze 30 min" on a reminder: the same reminder comes again in 30 minutes."""

    def __init__(self, occurrence_key: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=f"Snooze {SNOOZE_MINUTES} min",
                style=discord.ButtonStyle.secondary,
                custom_id=f"lowback:remind:snooze:{occurrence_key}",
            )
        )
        self.occurrence_key = occurrence_key

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> SnoozeReminder:
        return cls(match["key"])

    async def press(self, interaction: discord.Interaction) -> None:
        reminders = bot_of(interaction).require_services().reminders
        try:
            view = await reminders.snooze(
                interaction.user.id, SNOOZE_MINUTES, key=self.occurrence_key
            )
        except ScheduleError as exc:
            await respond(interaction, error_reply("Can't snooze that", str(exc)), private=True)
            return
        await respond(interaction, info_reply("Snoozed", view.describe(SET_ZONE)), private=True)


def reminder_view(message: ReminderMessage) -> discord.ui.View:
    """The persistent buttons under a reminder DM."""
    view = discord.ui.View(timeout=None)
    if message.routine_id:
        view.add_item(StartFromReminder(message.routine_id))
    view.add_item(SnoozeReminder(message.occurrence_key))
    return view
