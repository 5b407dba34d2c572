"""``/help``: what the bot does (the knowledge base's help topic) and the commands it has right now;
and a command typed out as a message ("/reminders off" sent before Discord's list offered it) is
told it did nothing and how to send it, instead of being answered as a question."""

from __future__ import annotations

import dataclasses
import re
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.replies import FIELD_VALUE_LIMIT, Field, Reply
from bot.discord_ui.render import clip, info_reply, reply_to_message, respond

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


# Commands whose text, sent as a message, is answered as they would be: '/ask can I deadlift?' asks.
ANSWERED_AS_TYPED = frozenset({"ask", "help"})
TYPED = re.compile(r"\s*/([\w-]{1,32})(?:\s+([\w-]{1,32}))?")


def typed_command(tree: app_commands.CommandTree, text: str) -> list[str]:
    """The command ``text`` starts with, typed out as a message ('/reminders off'): its full name,
    or its group's subcommands when the one typed is missing or unknown; [] if it names none of
    the bot's commands, or one whose text is answered as it is (``/ask``, ``/help``)."""
    typed = TYPED.match(text)
    if typed is None:
        return []
    command = tree.get_command(typed[1].lower(), type=discord.AppCommandType.chat_input)
    if command is None or command.name in ANSWERED_AS_TYPED:
        return []
    if not isinstance(command, app_commands.Group):
        return [command.name]
    sub = command.get_command(typed[2].lower()) if typed[2] else None
    if sub is not None:
        return [sub.qualified_name]
    return [
        c.qualified_name for c in command.walk_commands() if isinstance(c, app_commands.Command)
    ]


def sent_as_message_reply(names: list[str], *, server_only: bool = False) -> Reply:
    """What a command typed out as a message gets: that it did nothing, and how to send it;
    ``server_only``: typed in a DM, where the command is not offered."""
    typed = f"`/{names[0]}`" if len(names) == 1 else f"`/{names[0].split()[0]}`"
    pick = " or ".join(f"**/{name}**" for name in names)
    body = f"{typed} reached me as an ordinary message, so it did nothing. "
    if server_only:
        body += f"It works in a server, not here: type `/` there and pick {pick}."
    else:
        body += (
            f"Type `/` and pick {pick} from the list that opens above the message box, then send "
            "that. If my commands aren't in the list, reload Discord (Ctrl+R on a computer; on a "
            "phone, close the app and open it again)."
        )
    return info_reply("That was sent as a message", body)


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

    async def cog_load(self) -> None:
        self.bot.message_handlers.append(self.command_as_message)

    async def cog_unload(self) -> None:
        if self.command_as_message in self.bot.message_handlers:
            self.bot.message_handlers.remove(self.command_as_message)

    async def command_as_message(self, message: discord.Message, text: str) -> bool:
        """A command typed out as a message ('/reminders off'): say it did nothing, and how to
        send it, instead of answering its words as a question."""
        names = typed_command(self.bot.tree, text)
        if not names:
            return False
        root = self.bot.tree.get_command(names[0].split()[0])
        server_only = message.guild is None and bool(getattr(root, "guild_only", False))
        if not self.bot.ask_cooldown.hit(message.author.id):
            await reply_to_message(message, sent_as_message_reply(names, server_only=server_only))
        return True

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
