"""``/mydata show`` and ``/mydata delete``: everything stored about the person, and erasing it.

Both are private. ``show`` attaches the full record as JSON, and the privacy notice; ``delete`` asks for a confirmation
button first, and only the person who asked can press it. The confirmation is valid for 10
minutes; its buttons carry who and until when in their custom ids, so they answer after a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import re
from dataclasses import replace
from importlib import resources
from typing import TYPE_CHECKING, Any, ClassVar, Literal, cast

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_ui import NO_MENTIONS, bot_of
from bot.discord_ui.buttons import Pressed, labelled
from bot.discord_ui.render import VIEW_TIMEOUT, info_reply, render_embed, respond

if TYPE_CHECKING:
    from bot.app import LowbackBot

EXPORT_NAME = "lowback-my-data.json"
DELETE_HINT = "`/mydata delete` removes all of it. Nothing is kept afterwards."
# The privacy notice ships with the bot (bot/PRIVACY.md); a person in Discord gets it attached.
PRIVACY_NAME = "lowback-privacy.md"
PRIVACY_HINT = (
    f"The privacy notice ({PRIVACY_NAME}, attached) says what is kept, why, and for how long."
)


def privacy_notice() -> str:
    return resources.files("bot").joinpath("PRIVACY.md").read_text(encoding="utf-8")


NOT_YOURS = "This confirmation belongs to someone else. `/mydata delete` deletes your own data."
CONFIRM_TEXT = (
    "This deletes everything I have stored about you (`/mydata show` lists it). "
    "It cannot be undone. Press **Delete everything** to go ahead."
)


EXPIRED_TEXT = (
    "The confirmation expired; your data is as it was. Use `/mydata delete` to start again."
)

Choice = Literal["delete", "cancel"]


class DeleteChoice(
    Pressed,
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=r"lowback:mydata:(?P<choice>delete|cancel):(?P<owner>\d{1,20}):(?P<until>\d{1,12})",
):
    """ "Delete everything" or "Cancel" under the confirmation. The custom id carries the person and
    the instant the confirmation expires, so a press after a restart is still answered: it deletes
    only while the confirmation is valid."""

    LABELS: ClassVar[dict[str, tuple[str, discord.ButtonStyle]]] = {
        "delete": ("Delete everything", discord.ButtonStyle.danger),
        "cancel": ("Cancel", discord.ButtonStyle.secondary),
    }

    def __init__(self, choice: Choice, owner_id: int, until: int) -> None:
        super().__init__(
            labelled(self.LABELS, choice, f"lowback:mydata:{choice}:{owner_id}:{until}")
        )
        self.choice: Choice = choice
        self.owner_id = owner_id
        self.until = until

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> DeleteChoice:
        choice = cast(Choice, match["choice"])  # the template matches only these two
        return cls(choice, int(match["owner"]), int(match["until"]))

    async def press(self, interaction: discord.Interaction) -> None:
        bot = bot_of(interaction)
        if interaction.user.id != self.owner_id:  # the confirmation is private: not expected
            await respond(interaction, info_reply("Not yours", NOT_YOURS), private=True)
            return
        cog = bot.get_cog(MyData.__cog_name__)
        if isinstance(cog, MyData):
            cog.settled(self.owner_id, self.until)
        if self.choice == "cancel":
            reply = info_reply("Nothing deleted", "Your data is as it was.")
        elif bot.clock().timestamp() > self.until:
            reply = info_reply("Nothing deleted", EXPIRED_TEXT)
        else:
            reply = await bot.require_services().data.delete(interaction.user.id)
        await interaction.response.edit_message(
            embed=render_embed(reply), view=None, allowed_mentions=NO_MENTIONS
        )


class MyData(
    commands.GroupCog,
    group_name="mydata",
    group_description="See or delete what the bot stores about you",
):
    def __init__(self, bot: LowbackBot) -> None:
        self.bot = bot
        # The confirmations waiting for a press, by (person, expiry): each one's expiry edit.
        self._expiries: dict[tuple[int, int], asyncio.Task[None]] = {}
        super().__init__()

    async def cog_load(self) -> None:
        self.bot.add_buttons(DeleteChoice)

    async def cog_unload(self) -> None:
        self.bot.remove_buttons(DeleteChoice)
        for task in self._expiries.values():
            task.cancel()
        self._expiries.clear()

    def settled(self, owner_id: int, until: int) -> None:
        """A confirmation was answered: it no longer needs to say it expired."""
        task = self._expiries.pop((owner_id, until), None)
        if task is not None:
            task.cancel()

    async def expire(self, interaction: discord.Interaction, key: tuple[int, int]) -> None:
        """Once the confirmation expires unanswered, say so and take its buttons away."""
        await self.bot.sleep(VIEW_TIMEOUT)
        if self._expiries.get(key) is not asyncio.current_task():
            return
        del self._expiries[key]
        reply = info_reply("Nothing deleted", EXPIRED_TEXT)
        with contextlib.suppress(discord.HTTPException):
            await interaction.edit_original_response(
                embed=render_embed(reply), view=None, allowed_mentions=NO_MENTIONS
            )

    @app_commands.command(name="show", description="Everything stored about you (only you see it)")
    async def show(self, interaction: discord.Interaction) -> None:
        services = self.bot.require_services()
        reply = await services.data.show(interaction.user.id)
        reply = replace(
            reply, body=f"{reply.body}\n{DELETE_HINT}", footer=f"{reply.footer} {PRIVACY_HINT}"
        )
        export = await services.data.export_json(interaction.user.id)
        files = [
            discord.File(io.BytesIO(export.encode("utf-8")), filename=EXPORT_NAME),
            discord.File(io.BytesIO(privacy_notice().encode("utf-8")), filename=PRIVACY_NAME),
        ]
        await respond(interaction, reply, private=True, files=files)

    @app_commands.command(name="delete", description="Delete everything stored about you")
    async def delete(self, interaction: discord.Interaction) -> None:
        owner = interaction.user.id
        until = int(self.bot.clock().timestamp() + VIEW_TIMEOUT)
        view = discord.ui.View(timeout=None)
        view.add_item(DeleteChoice("delete", owner, until))
        view.add_item(DeleteChoice("cancel", owner, until))
        embed = render_embed(info_reply("Delete all your data?", CONFIRM_TEXT))
        await interaction.response.send_message(
            embed=embed, view=view, ephemeral=True, allowed_mentions=NO_MENTIONS
        )
        self.settled(owner, until)  # an earlier confirmation in the same second keeps its buttons
        self._expiries[(owner, until)] = asyncio.create_task(
            self.expire(interaction, (owner, until)), name=f"mydata-expiry-{owner}"
        )


async def setup(bot: LowbackBot) -> None:
    await bot.add_cog(MyData(bot))
