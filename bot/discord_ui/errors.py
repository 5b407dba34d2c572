"""One way to tell a person that something went wrong, from a command or a button.

The person gets a short, private sentence; the log gets the error with its context (command, user,
server). No traceback ever goes to Discord. The answer works whether the interaction was already
answered (a follow-up instead) or has expired (logged, nothing sent).
"""

from __future__ import annotations

import logging

import discord
from discord import app_commands

from bot.discord_ui import NO_MENTIONS
from bot.discord_ui.cooldown import wait_text
from bot.logging_setup import RepeatedErrors
from bot.store.errors import DatabaseError, DatabaseUnavailable

log = logging.getLogger("bot.exts")
_database_faults = RepeatedErrors(log)

UNKNOWN_INTERACTION = (
    10062  # the interaction expired (not answered within 3 s, or its 15 min are up)
)
ALREADY_ACKNOWLEDGED = 40060

GENERIC = (
    "Something went wrong on my side, sorry. It has been logged; please try again in a moment."
)
DATABASE_AWAY = "I can't reach my database right now, sorry. Please try again in a minute."
# A command as the person's Discord app knew it before an update of the bot: its options changed,
# or the bot no longer has it. The app keeps the list it loaded; trying again sends the same.
STALE_COMMAND = (
    "This command changed in an update of mine, and your Discord app still shows the old one. "
    "Please reload Discord (Ctrl+R on a computer; on a phone, close the app and open it again), "
    "then use the command again. `/help` lists the commands I have now."
)
STALE_ERRORS = (app_commands.CommandSignatureMismatch, app_commands.CommandNotFound)


class SlowDown(app_commands.CheckFailure):
    """The person asked too often; ``retry_after`` seconds until the next question is welcome."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"slow down: {retry_after:.1f}s")
        self.retry_after = retry_after


def slow_down_text(retry_after: float) -> str:
    return f"Slow down a little: you can ask again in {wait_text(retry_after)}."


def describe(interaction: discord.Interaction) -> str:
    """Who, where and what, for the log (no message content)."""
    command = interaction.command.qualified_name if interaction.command else None
    custom_id = (interaction.data or {}).get("custom_id") if interaction.data else None
    if command:
        what = f"/{command}"
    elif custom_id:
        what = f"component {custom_id!r}"
    elif interaction.type is discord.InteractionType.application_command and interaction.data:
        what = f"/{interaction.data.get('name')}"  # one the bot does not have
    else:
        what = f"interaction of type {interaction.type}"
    return f"{what} by user {interaction.user.id} in guild {interaction.guild_id} channel {interaction.channel_id}"


def user_message(error: Exception) -> tuple[str, bool]:
    """What to tell the person, and whether the error is expected (not a bug to log as one)."""
    original = getattr(error, "original", None) or error
    if isinstance(error, STALE_ERRORS):
        return STALE_COMMAND, True
    if isinstance(original, SlowDown):
        return slow_down_text(original.retry_after), True
    if isinstance(error, app_commands.CommandOnCooldown):
        return slow_down_text(error.retry_after), True
    if isinstance(error, app_commands.MissingPermissions):
        perms = ", ".join(
            p.replace("_", " ").replace("guild", "server").title()
            for p in error.missing_permissions
        )
        return f"Only people with the {perms} permission can use this command.", True
    if isinstance(error, app_commands.NoPrivateMessage):
        return "This command only works in a server, not in DMs.", True
    if isinstance(error, app_commands.BotMissingPermissions):
        perms = ", ".join(p.replace("_", " ") for p in error.missing_permissions)
        return f"I need the {perms} permission here to do that.", True
    if isinstance(error, app_commands.CheckFailure):
        return "You can't use this command here.", True
    if isinstance(error, app_commands.TransformerError):
        return f"I couldn't understand {error.value!r} for that option.", True
    if isinstance(original, discord.Forbidden):
        return "Discord didn't let me do that here (missing permissions).", False
    return failure_text(original), False


def failure_text(error: BaseException) -> str:
    """What a person is told when what they asked for failed unexpectedly."""
    return DATABASE_AWAY if isinstance(error, DatabaseUnavailable) else GENERIC


def log_failure(where: str, error: BaseException) -> None:
    """Log an unexpected error: a fault of the database in one line that says what to do (the same
    fault for everyone is logged once, then counted), anything else with its traceback."""
    if isinstance(error, DatabaseError):
        _database_faults.report((type(error).__name__, str(error)), f"Error in {where}: {error}")
    else:
        log.error("Error in %s", where, exc_info=(type(error), error, error.__traceback__))


async def send_private(interaction: discord.Interaction, message: str | discord.Embed) -> bool:
    """Send ``message`` only to the person: as the response, or as a follow-up if already answered.
    A text is shown as a problem (an orange embed); an embed as it is.

    Returns False when the interaction can no longer be answered (expired or unknown).
    """
    embed = (
        message
        if isinstance(message, discord.Embed)
        else discord.Embed(description=message, colour=discord.Colour.orange())
    )
    try:
        if interaction.response.is_done():
            await interaction.followup.send(
                embed=embed, ephemeral=True, allowed_mentions=NO_MENTIONS
            )
        else:
            await interaction.response.send_message(
                embed=embed, ephemeral=True, allowed_mentions=NO_MENTIONS
            )
        return True
    except discord.NotFound as exc:
        if exc.code == UNKNOWN_INTERACTION:
            return False
        raise
    except discord.HTTPException as exc:
        if exc.code != ALREADY_ACKNOWLEDGED:
            raise
    try:  # answered by someone else in the meantime: a follow-up still reaches the person
        await interaction.followup.send(embed=embed, ephemeral=True, allowed_mentions=NO_MENTIONS)
        return True
    except discord.HTTPException:
        return False


async def report_error(interaction: discord.Interaction, error: Exception) -> None:
    """Answer the person and log the error. Never raises."""
    text, expected = user_message(error)
    where = describe(interaction)
    if isinstance(error, STALE_ERRORS):
        log.warning(
            "%s: Discord sent a command that differs from this bot's (%s); the person was told to "
            "reload Discord, and the commands are synced again at the next start",
            where,
            error,
        )
    elif expected:
        log.info("%s refused: %s", where, error)
    else:
        log_failure(where, getattr(error, "original", None) or error)
    try:
        delivered = await send_private(interaction, text)
    except Exception:
        log.warning("Could not tell the person about the error in %s", where, exc_info=True)
        return
    if not delivered:
        log.warning("Interaction expired before the error could be shown (%s)", where)
