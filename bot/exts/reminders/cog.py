"""The reminders cog: ``/reminders on|show|pause|off``, every answer private; it starts the reminder
dispatcher with :class:`DiscordSender` and, after any command, tells the person what happened to
their reminders while they were away."""

from __future__ import annotations

import logging
from datetime import time
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.errors import ScheduleError
from bot.core.replies import Reply
from bot.core.schedule import parse_time
from bot.core.timezones import UnknownTimezone
from bot.discord_ui import SET_ZONE
from bot.discord_ui.choices import zone_choices
from bot.discord_ui.errors import send_private
from bot.discord_ui.render import error_reply, info_reply, render_embed, respond
from bot.exts.reminders.sender import DiscordSender
from bot.exts.reminders.views import SnoozeReminder, StartFromReminder
from bot.exts.reminders.words import answer_reminder
from bot.services.reminders import ScheduleView

if TYPE_CHECKING:
    from bot.app import LowbackBot

log = logging.getLogger(__name__)


DM_HINT = "I'll send them to you by direct message, so keep DMs from this server's members open."
DM_HINT_HERE = "I'll send them to you here, in our direct messages."  # the command used in a DM
NOT_SET_UP = "You haven't turned reminders on yet. Use `/reminders on` with your time zone."


def schedule_reply(view: ScheduleView, *, title: str = "Your reminders", extra: str = "") -> Reply:
    body = view.describe(SET_ZONE) + (f"\n\n{extra}" if extra else "")
    return Reply("info", title, body, private=True)


def problem_reply(exc: ScheduleError) -> Reply:
    if isinstance(exc, UnknownTimezone):
        body = str(exc)
        if exc.suggestions:
            body += "\n\nPick one from the list as you type the time zone."
        return error_reply("Unknown time zone", body)
    return error_reply("That didn't work", str(exc))


def times_from(morning: str | None, evening: str | None) -> tuple[time | None, time | None]:
    """The morning and evening times asked for; None for one not given, which the service keeps
    (see ``ReminderService.on``). A bare hour is read as the option names it: morning 7 is 07:00,
    evening 9 is 21:00."""
    return (
        parse_time(morning, "am") if morning is not None else None,
        parse_time(evening, "pm") if evening is not None else None,
    )


class Reminders(
    commands.GroupCog,
    group_name="reminders",
    group_description="Your daily routine reminders by DM",
):
    def __init__(self, bot: LowbackBot) -> None:
        self.bot = bot
        self.sender = DiscordSender(bot)
        super().__init__()

    async def cog_load(self) -> None:
        self.bot.add_buttons(StartFromReminder, SnoozeReminder)
        # First: 'stop' in reply to a reminder is for the reminders, whatever else reads 'stop'.
        self.bot.message_handlers.insert(0, self.answer_reminder)
        self.bot.require_services().start_dispatcher(self.sender, set_zone=SET_ZONE)

    async def cog_unload(self) -> None:
        self.bot.remove_buttons(StartFromReminder, SnoozeReminder)
        if self.answer_reminder in self.bot.message_handlers:
            self.bot.message_handlers.remove(self.answer_reminder)
        services = self.bot.services
        if services is not None:
            # In-flight DMs finish (or their claims are handed back): nothing is left half-claimed.
            await services.stop_dispatcher()

    async def answer_reminder(self, message: discord.Message, text: str) -> bool:
        """'STOP' or 'later' in reply to a reminder DM (see words.py)."""
        return await answer_reminder(self.bot, message, text)

    # -- telling people what happened while they were away ----------------------------------

    @commands.Cog.listener()
    async def on_app_command_completion(
        self, interaction: discord.Interaction, command: Any
    ) -> None:
        """After any command: tell the person, privately, anything they have not been told yet
        (for example that their reminders stopped because their DMs are closed)."""
        services = self.bot.services
        if services is None:
            return
        notice = await services.reminders.pop_notice(interaction.user.id)
        if not notice:
            return
        embed = render_embed(info_reply("About your reminders", notice))
        try:
            shown = await send_private(interaction, embed)
        except discord.HTTPException as exc:
            log.warning("could not show a notice to person %s: %s", interaction.user.id, exc)
            return
        if not shown:
            log.warning(
                "could not show a notice to person %s: the interaction expired", interaction.user.id
            )

    # -- commands ------------------------------------------------------------------------------

    @app_commands.command(name="on", description="Get your routine by DM every morning and evening")
    @app_commands.describe(
        timezone="Where you live, e.g. Europe/Berlin or a city (needed the first time)",
        morning="Morning reminder, e.g. 07:30 or 7:30am (left out: kept; 07:30 the first time)",
        evening="Evening reminder, e.g. 21:30 or 9:30pm (left out: kept; 21:30 the first time)",
    )
    async def turn_on(
        self,
        interaction: discord.Interaction,
        timezone: app_commands.Range[str, 1, 100] | None = None,
        morning: app_commands.Range[str, 1, 20] | None = None,
        evening: app_commands.Range[str, 1, 20] | None = None,
    ) -> None:
        reminders = self.bot.require_services().reminders
        try:
            early, late = times_from(morning, evening)
            view = await reminders.on(interaction.user.id, timezone, morning=early, evening=late)
        except ScheduleError as exc:
            await respond(interaction, problem_reply(exc), private=True)
            return
        hint = DM_HINT if interaction.guild_id is not None else DM_HINT_HERE
        await respond(
            interaction, schedule_reply(view, title="Reminders on", extra=hint), private=True
        )

    @turn_on.autocomplete("timezone")
    async def timezone_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return zone_choices(current)

    @app_commands.command(
        name="show", description="Your reminder times and when the next one comes"
    )
    async def show(self, interaction: discord.Interaction) -> None:
        view = await self.bot.require_services().reminders.show(interaction.user.id)
        reply = (
            schedule_reply(view) if view is not None else info_reply("Your reminders", NOT_SET_UP)
        )
        await respond(interaction, reply, private=True)

    @app_commands.command(name="pause", description="No reminders for a few days")
    @app_commands.describe(days="How many days (1 to 365)")
    async def pause(
        self, interaction: discord.Interaction, days: app_commands.Range[int, 1, 365]
    ) -> None:
        try:
            view = await self.bot.require_services().reminders.pause(interaction.user.id, days)
        except ScheduleError as exc:
            await respond(interaction, problem_reply(exc), private=True)
            return
        extra = "Use `/reminders on` to have them back sooner."
        await respond(
            interaction, schedule_reply(view, title="Reminders paused", extra=extra), private=True
        )

    @app_commands.command(name="off", description="Stop the reminders (your times are kept)")
    async def off(self, interaction: discord.Interaction) -> None:
        view = await self.bot.require_services().reminders.off(interaction.user.id)
        if view is None:
            reply = info_reply(
                "Reminders off", "Your reminders weren't on, so there was nothing to stop."
            )
        else:
            reply = schedule_reply(
                view,
                title="Reminders off",
                extra="No more DMs. `/reminders on` turns them on again.",
            )
        await respond(interaction, reply, private=True)
