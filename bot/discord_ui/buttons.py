"""What the bot's buttons share. Each is a ``discord.ui.DynamicItem`` whose custom id carries what a
press needs, so it answers after a restart too; a press runs its ``press``, and an error there gets
the short error reply (``bot.discord_ui.errors.report_error``) instead of "This interaction failed"."""

from __future__ import annotations

from collections.abc import Mapping

import discord

from bot.discord_ui.errors import report_error


class Pressed:
    """Mixin for a button: ``callback`` runs ``press`` and answers any error it raises."""

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            await self.press(interaction)
        except Exception as exc:
            await report_error(interaction, exc)

    async def press(self, interaction: discord.Interaction) -> None:
        raise NotImplementedError


def labelled(
    labels: Mapping[str, tuple[str, discord.ButtonStyle]], key: str, custom_id: str
) -> discord.ui.Button[discord.ui.View]:
    """The button for ``key`` of a button family's (label, style) table, with its custom id."""
    label, style = labels[key]
    return discord.ui.Button(label=label, style=style, custom_id=custom_id)
