"""``/progress show`` and ``/progress set``: the person's step, its streak, and the buttons to move.

Private by default. The buttons "It's easy now" and "It hurts" come from the reply's actions and
move the person with the knowledge base's rules (see bot/discord_ui/actions.py).

``/progress show timezone:`` also sets the person's own time zone, so that their streak counts
their own days without their having to turn reminders on (the other way to give a zone); a
reminder schedule they have moves to it. Until the bot knows it, the streak says its days are in
UTC and points here. Its answer is always private: it names the zone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_ui import SET_ZONE
from bot.discord_ui.choices import zone_choices
from bot.discord_ui.render import respond

if TYPE_CHECKING:
    from bot.app import LowbackBot


class Progress(
    commands.GroupCog, group_name="progress", group_description="Your step in the glute program"
):
    def __init__(self, bot: LowbackBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(
        name="show", description="Your step, what it involves, what comes next, and your streak"
    )
    @app_commands.describe(
        public="Show it in the channel instead of only to you",
        timezone="Where you live, e.g. Europe/Berlin or a city: your days are counted there",
    )
    async def show(
        self,
        interaction: discord.Interaction,
        public: bool = False,
        timezone: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        progress = self.bot.require_services().progress
        reply = await progress.show(interaction.user.id, timezone, set_zone=SET_ZONE)
        await respond(interaction, reply, private=not public or timezone is not None)

    @show.autocomplete("timezone")
    async def timezone_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return zone_choices(current)

    @app_commands.command(name="set", description="Put yourself on a step of the program")
    @app_commands.describe(step="The step number")
    async def set_step(
        self, interaction: discord.Interaction, step: app_commands.Range[int, 1, 99]
    ) -> None:
        reply = await self.bot.require_services().progress.set_step(interaction.user.id, step)
        await respond(interaction, reply, private=True)


async def setup(bot: LowbackBot) -> None:
    await bot.add_cog(Progress(bot))
