"""Server managers' commands: ``/admin reload`` and ``/admin unanswered``.

Hidden from members without Manage Server (default permissions) and checked again when run, since
a server can grant the commands to anyone in its integration settings.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.replies import DESCRIPTION_LIMIT, Reply
from bot.discord_ui.render import clip, error_reply, info_reply, respond

if TYPE_CHECKING:
    from bot.app import LowbackBot

MANAGERS = discord.Permissions(manage_guild=True)
SHOWN_PROBLEMS = 20
SHOWN_QUESTIONS = 20
MORE_QUESTIONS = "… and {left} older one(s) that don't fit in one message."


def problems_reply(problems: Sequence[object]) -> Reply:
    lines = [f"• {clip(str(p), 300)}" for p in problems[:SHOWN_PROBLEMS]]
    if len(problems) > SHOWN_PROBLEMS:
        lines.append(f"… and {len(problems) - SHOWN_PROBLEMS} more.")
    body = (
        f"The knowledge base on disk has {len(problems)} problem(s), so I kept the one already loaded.\n\n"
        + "\n".join(lines)
    )
    return error_reply("Reload refused", clip(body, DESCRIPTION_LIMIT))


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class Admin(commands.GroupCog, group_name="admin", group_description="For server managers"):
    def __init__(self, bot: LowbackBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(name="reload", description="Reload the knowledge base from disk")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def reload(self, interaction: discord.Interaction) -> None:
        services = self.bot.require_services()
        await interaction.response.defer(ephemeral=True, thinking=True)
        problems = await services.reload_knowledge()
        if problems:
            reply = problems_reply(problems)
        else:
            reply = info_reply("Knowledge base reloaded", services.kb.summary())
        await respond(interaction, reply, private=True)

    @app_commands.command(
        name="unanswered", description="Keep a list of questions I could not answer here"
    )
    @app_commands.describe(
        action="on: start keeping them; off: stop and delete the list; show: see it"
    )
    @app_commands.checks.has_permissions(manage_guild=True)
    async def unanswered(
        self, interaction: discord.Interaction, action: Literal["on", "off", "show"]
    ) -> None:
        assert interaction.guild_id is not None  # guild_only
        kept = self.bot.require_services().unanswered_questions
        guild_id = interaction.guild_id
        retention = self.bot.settings.unanswered_retention_days
        if action == "on" and retention == 0:
            await kept.keep(guild_id)  # remembered, should whoever runs the bot allow keeping some
            reply = info_reply(
                "Not keeping unanswered questions",
                "Turned on for this server, but whoever runs this bot has set it to keep no "
                "unanswered questions at all (LOWBACK_UNANSWERED_RETENTION_DAYS=0), so none are kept.",
            )
        elif action == "on":
            await kept.keep(guild_id)
            reply = info_reply(
                "Keeping unanswered questions",
                "From now on I keep the questions asked here that I have no curated answer for, without "
                f"who asked, for {retention} days. `/admin unanswered show` lists them; "
                "`/admin unanswered off` stops and deletes the list.",
            )
        elif action == "off":
            deleted = await kept.stop_keeping(guild_id)
            reply = info_reply(
                "Not keeping unanswered questions",
                f"Stopped, and deleted the {deleted} question(s) kept for this server.",
            )
        else:
            reply = await self._list(guild_id)
        await respond(interaction, reply, private=True)

    async def _list(self, guild_id: int) -> Reply:
        kept = self.bot.require_services().unanswered_questions
        questions = await kept.recent(guild_id, limit=SHOWN_QUESTIONS)
        if questions is None:
            return info_reply(
                "Unanswered questions are off",
                "This server does not keep them. `/admin unanswered on` starts the list.",
            )
        if not questions:
            return info_reply(
                "No unanswered questions",
                "Every question asked here since the list was turned on had an answer.",
            )
        lines: list[str] = []
        for q in questions:
            when = discord.utils.format_dt(q.asked_at, "R")
            closest = f" (closest: `{q.best_topic}`)" if q.best_topic else ""
            line = f"• {when}: {discord.utils.escape_markdown(q.question)}{closest}"
            # Whole questions only, newest first, with room for the line that says what is left.
            if len("\n".join([*lines, line])) > DESCRIPTION_LIMIT - len(MORE_QUESTIONS) - 10:
                break
            lines.append(line)
        if left := len(questions) - len(lines):
            lines.append(MORE_QUESTIONS.format(left=left))
        return info_reply(
            f"The last {len(questions) - left} unanswered question(s)", "\n".join(lines)
        )


async def setup(bot: LowbackBot) -> None:
    await bot.add_cog(Admin(bot))
