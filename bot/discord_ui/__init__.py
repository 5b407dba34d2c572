"""What the Discord front end shares and that is not a feature: how a reply looks and is sent
(``render``), what its buttons do (``actions``), how an error reaches the person (``errors``), the
per-person cooldown on questions (``cooldown``), the one budget every REST call goes through
(``ratelimit``) and syncing the slash commands only when they changed (``sync``). Here: the
mentions every message is sent with, the bot behind an interaction, and a word typed to the bot
as the features read it.

The features live in ``bot/exts/``, one extension each; they and ``bot/app.py`` import from here.
Nothing here is an extension and nothing here imports ``bot.exts``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, cast

import discord

if TYPE_CHECKING:
    from bot.app import LowbackBot

# Every message and every edit: a question containing @everyone, a role or a user pings nobody.
NO_MENTIONS = discord.AllowedMentions.none()

# How a person sets their own time zone, finishing "set it ..." in a line that says their days or
# times are not counted in it (bot.services.zones.zone_note). /progress show takes one without
# turning reminders on.
SET_ZONE = "with `/progress show timezone:`"


def word_said(text: str) -> str:
    """``text`` typed as a word to the bot ('Pause!', 'STOP.'): lower case, one space between
    words, no closing '.' or '!'."""
    return re.sub(r"[.!]+$", "", " ".join(text.lower().split()))


def bot_of(interaction: discord.Interaction) -> LowbackBot:
    """The bot handling ``interaction``. discord.py types ``interaction.client`` as any client;
    here it is always a ``LowbackBot``, the only client that registers these commands and views."""
    return cast("LowbackBot", interaction.client)
