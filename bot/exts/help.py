"""``/help``: what the bot does (the knowledge base's help topic) and the commands it has right now."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.replies import FIELD_VALUE_LIMIT, Field, Reply
from bot.discord_ui.render import clip, respond

if TYPE_CHECKING:
    from bot.app import LowbackBot

HELP_TOPIC = "help"
MANAGER_GROUPS = frozenset({"admin"})

FALLBACK = (
    "I answer low back questions from a small, curated knowledge base and help you follow a step-by-step "
    "glute program. Ask with `/ask`, by mentioning me, or in a DM. This is not medical advice: if something "
    "feels serious, see a clinician."
)


def command_lines(tree: app_commands.CommandTree, *, managers: bool) -> list[str]:
    """One line per command the person can use: ``/progress show``: what it does."""
    lines: list[str] = []
    for command in sorted(
        tree.get_commands(type=discord.AppCommandType.chat_input), key=lambda c: c.name
    ):
        if command.name in MANAGER_GROUPS and not managers:
            continue
        if isinstance(command, app_commands.Group):
            for sub in command.walk_commands():
                if isinstance(sub, app_commands.Command):
                    lines.append(f"`/{sub.qualified_name}`: {sub.description}")
        else:
            lines.append(f"`/{command.name}`: {command.description}")
    return lines


def with_commands(reply: Reply, lines: list[str]) -> Reply:
    """``reply`` with the command list added as fields (split so each fits Discord's field limit)."""
    chunks: list[list[str]] = []
    current: list[str] = []
    for line in lines:
        line = clip(line, FIELD_VALUE_LIMIT)
        if current and len("\n".join([*current, line])) > FIELD_VALUE_LIMIT:
            chunks.append(current)
            current = []
        current.append(line)
    if current:
        chunks.append(current)
    added = tuple(
        Field("Commands" if i == 0 else "More commands", "\n".join(c)) for i, c in enumerate(chunks)
    )
    return dataclasses.replace(reply, fields=reply.fields + added)


class Help(commands.Cog):
    def __init__(self, bot: LowbackBot) -> None:
        self.bot = bot

    @app_commands.command(name="help", description="What this bot does and how to use it")
    async def help(self, interaction: discord.Interaction) -> None:
        reply = await self.bot.require_services().ask.topic(interaction.user.id, HELP_TOPIC)
        if reply.kind == "error":  # the knowledge base has no help topic
            reply = Reply(kind="help", title="What I can do", body=FALLBACK)
        managers = bool(interaction.guild_id and interaction.permissions.manage_guild)
        reply = with_commands(reply, command_lines(self.bot.tree, managers=managers))
        await respond(interaction, reply, private=True)


async def setup(bot: LowbackBot) -> None:
    await bot.add_cog(Help(bot))
