"""``/progress show`` and ``/progress set``: the person's step, its streak, and the buttons to move.

Private by default. The buttons "It's easy now" and "It hurts" come from the reply's actions and
move the person with the knowledge base's rules (see bot/discord_ui/actions.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

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
    @app_commands.describe(public="Show it in the channel instead of only to you")
    async def show(self, interaction: discord.Interaction, public: bool = False) -> None:
        reply = await self.bot.require_services().progress.show(interaction.user.id)
        await respond(interaction, reply, private=not public)

    @app_commands.command(name="set", description="Put yourself on a step of the program")
    @app_commands.describe(step="The step number")
    async def set_step(
        self, interaction: discord.Interaction, step: app_commands.Range[int, 1, 99]
    ) -> None:
        reply = await self.bot.require_services().progress.set_step(interaction.user.id, step)
        await respond(interaction, reply, private=True)


async def setup(bot: LowbackBot) -> None:
    await bot.add_cog(Progress(bot))
