"""For the SimCord tests (tests/e2e): the bot closed after a test, the world it meets, and what the
tests look at: buttons on a message, an embed's text, the REST calls the bot made."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import discord
import simcord

from bot.app import LowbackBot


@contextlib.asynccontextmanager
async def services_closed_after(bot: LowbackBot) -> AsyncIterator[LowbackBot]:
    """The bot for one test. SimCord detaches it without closing it, so close its services (and the
    database) here."""
    try:
        yield bot
    finally:
        if bot.services is not None:
            await bot.services.close()
            bot.services = None


@dataclass
class World:
    env: simcord.Env
    bot: LowbackBot
    guild: simcord.GuildHandle
    channel: simcord.ChannelHandle
    alice: simcord.MemberActor
    bob: simcord.MemberActor
    manager: simcord.MemberActor

    def mention_bot(self) -> str:
        assert self.bot.user is not None
        return self.bot.user.mention

    async def progress_text(self, who: simcord.MemberActor | None = None) -> str:
        """What ``/progress show`` tells ``who`` (Alice by default) in the channel."""
        shown = await (who or self.alice).slash(self.channel, "progress show")
        return str(shown.response.embeds[0].description)


def buttons(message: Any) -> list[str]:
    """The labels of the enabled buttons on a message (a discord.Message or a SimCord response)."""
    rows = message.components
    labels = []
    for row in rows:
        children = row["components"] if isinstance(row, dict) else row.children
        for child in children:
            label = child.get("label") if isinstance(child, dict) else child.label
            disabled = child.get("disabled") if isinstance(child, dict) else child.disabled
            if label and not disabled:
                labels.append(label)
    return labels


def embed_text(embed: discord.Embed) -> str:
    """Everything a person can read in an embed."""
    parts = [embed.title or "", embed.description or "", embed.footer.text or ""]
    for field in embed.fields:
        parts += [field.name or "", field.value or ""]
    return "\n".join(parts)


def requests_to(env: simcord.Env, method: str, path_start: str) -> list[simcord.HttpLogEntry]:
    return [r for r in env.http_requests if r.method == method and r.path.startswith(path_start)]
