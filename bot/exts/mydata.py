"""``/mydata show`` and ``/mydata delete``: everything stored about the person, and erasing it.

Both are private. ``show`` attaches the full record as JSON; ``delete`` asks for a confirmation
button first, and only the person who asked can press it.
"""

from __future__ import annotations

import io
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_ui import NO_MENTIONS, bot_of
from bot.discord_ui.errors import report_error
from bot.discord_ui.render import VIEW_TIMEOUT, info_reply, render_embed, respond

if TYPE_CHECKING:
    from bot.app import LowbackBot

EXPORT_NAME = "lowback-my-data.json"
DELETE_HINT = "`/mydata delete` removes all of it."

CONFIRM_TEXT = (
    "This deletes everything I have stored about you (`/mydata show` lists it). "
    "It cannot be undone. Press **Delete everything** to go ahead."
)


class ConfirmDelete(discord.ui.View):
    """Two buttons under the confirmation. Expires after a while, deleting nothing."""

    def __init__(self, owner_id: int) -> None:
        super().__init__(timeout=VIEW_TIMEOUT)
        self.owner_id = owner_id
        self.interaction: discord.Interaction | None = None

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        return interaction.user.id == self.owner_id

    @discord.ui.button(
        label="Delete everything",
        style=discord.ButtonStyle.danger,
        custom_id="lowback:mydata:delete",
    )
    async def confirm(
        self, interaction: discord.Interaction, button: discord.ui.Button[Any]
    ) -> None:
        bot = bot_of(interaction)
        reply = await bot.require_services().data.delete(interaction.user.id)
        self.stop()
        await interaction.response.edit_message(
            embed=render_embed(reply), view=None, allowed_mentions=NO_MENTIONS
        )

    @discord.ui.button(
        label="Cancel", style=discord.ButtonStyle.secondary, custom_id="lowback:mydata:cancel"
    )
    async def cancel(
        self, interaction: discord.Interaction, button: discord.ui.Button[Any]
    ) -> None:
        self.stop()
        reply = info_reply("Nothing deleted", "Your data is as it was.")
        await interaction.response.edit_message(
            embed=render_embed(reply), view=None, allowed_mentions=NO_MENTIONS
        )

    async def on_timeout(self) -> None:
        if self.interaction is None:
            return
        reply = info_reply("Nothing deleted", "The confirmation expired; your data is as it was.")
        try:
            await self.interaction.edit_original_response(
                embed=render_embed(reply), view=None, allowed_mentions=NO_MENTIONS
            )
        except discord.HTTPException:
            pass

    async def on_error(
        self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[Any], /
    ) -> None:
        await report_error(interaction, error)


class MyData(
    commands.GroupCog,
    group_name="mydata",
    group_description="See or delete what the bot stores about you",
):
    def __init__(self, bot: LowbackBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(name="show", description="Everything stored about you (only you see it)")
    async def show(self, interaction: discord.Interaction) -> None:
        services = self.bot.require_services()
        reply = await services.data.show(interaction.user.id)
        reply = replace(reply, body=f"{reply.body}\n{DELETE_HINT}")
        export = await services.data.export_json(interaction.user.id)
        file = discord.File(io.BytesIO(export.encode("utf-8")), filename=EXPORT_NAME)
        await respond(interaction, reply, private=True, files=[file])

    @app_commands.command(name="delete", description="Delete everything stored about you")
    async def delete(self, interaction: discord.Interaction) -> None:
        view = ConfirmDelete(interaction.user.id)
        embed = render_embed(info_reply("Delete all your data?", CONFIRM_TEXT))
        await interaction.response.send_message(
            embed=embed, view=view, ephemeral=True, allowed_mentions=NO_MENTIONS
        )
        view.interaction = interaction


async def setup(bot: LowbackBot) -> None:
    await bot.add_cog(MyData(bot))
