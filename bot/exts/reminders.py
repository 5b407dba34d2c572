"""``/reminders on|show|pause|off`` and the reminder DMs.

Every answer here is private. The schedule lives in the reminder service; this cog turns what the
person typed into calls to it and renders the result.

Reminders go out through :class:`DiscordSender`, which the reminder dispatcher calls: a DM with
the routine for the person's step and two buttons, "Start routine" and "Snooze 30 min". The
buttons are ``DynamicItem``\\ s whose custom ids carry what they need (the routine id, the
reminder's occurrence key), registered when the cog loads, so they keep working on DMs sent before
a restart. A person whose DMs are closed (Discord error 50007) has their reminders stopped by the
dispatcher and is told, privately, after the next command they use.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import time
from typing import TYPE_CHECKING, Any

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands

from bot.core.errors import ScheduleError
from bot.core.replies import Reply
from bot.core.schedule import DEFAULT_TIMES, parse_time
from bot.core.timezones import UnknownTimezone, timezone_choices
from bot.exts._errors import report_error
from bot.exts.render import NO_MENTIONS, error_reply, info_reply, render_embed, respond
from bot.services.reminders import DeliveryResult, ReminderMessage, ScheduleView
from bot.services.reminders.messages import START_HINT
from bot.services.reminders.ratelimit import background

if TYPE_CHECKING:
    from bot.app import LowbackBot

log = logging.getLogger(__name__)

CANNOT_DM = 50007  # Discord: cannot send messages to this user
UNKNOWN_USER = 10013
UNKNOWN_CHANNEL = 10003
SNOOZE_MINUTES = 30
MAX_CHOICES = 25

DM_HINT = "I'll send them to you by direct message, so keep DMs from this server's members open."
NOT_SET_UP = "You haven't turned reminders on yet. Use `/reminders on` with your time zone."


# -- the reminder DM ----------------------------------------------------------------------------


class StartFromReminder(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"lowback:remind:start:(?P<routine>[a-z0-9-]{1,60})",
):
    """ "Start routine" on a reminder: starts the routine live in the DM."""

    def __init__(self, routine_id: str) -> None:
        super().__init__(
            discord.ui.Button(
                label="Start routine",
                style=discord.ButtonStyle.success,
                custom_id=f"lowback:remind:start:{routine_id}",
            )
        )
        self.routine_id = routine_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: Any, /
    ) -> StartFromReminder:
        return cls(match["routine"])

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            bot: LowbackBot = interaction.client  # type: ignore[assignment]
            handler = bot.action_handlers.get("start_routine")
            if handler is None:
                reply = info_reply(
                    "Start your routine", "Use `/routine start` to do it with a timer."
                )
                await respond(interaction, reply, private=True)
                return
            await handler(interaction, self.routine_id)
        except Exception as exc:
            await report_error(interaction, exc)


class SnoozeReminder(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"lowback:remind:snooze:(?P<key>[0-9T:+\-m]{1,60})",
):
    """ "Snooze 30 min" on a reminder: the same reminder comes again in 30 minutes."""

    def __init__(self, occurrence_key: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=f"Snooze {SNOOZE_MINUTES} min",
                style=discord.ButtonStyle.secondary,
                custom_id=f"lowback:remind:snooze:{occurrence_key}",
            )
        )
        self.occurrence_key = occurrence_key

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: Any, /
    ) -> SnoozeReminder:
        return cls(match["key"])

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            bot: LowbackBot = interaction.client  # type: ignore[assignment]
            reminders = bot.require_services().reminders
            try:
                view = await reminders.snooze(
                    interaction.user.id, SNOOZE_MINUTES, key=self.occurrence_key
                )
            except ScheduleError as exc:
                await respond(interaction, error_reply("Can't snooze that", str(exc)), private=True)
                return
            body = f"I'll remind you again in {SNOOZE_MINUTES} minutes.\n\n{view.describe()}"
            await respond(interaction, info_reply("Snoozed", body), private=True)
        except Exception as exc:
            await report_error(interaction, exc)


def reminder_view(message: ReminderMessage) -> discord.ui.View:
    """The persistent buttons under a reminder DM."""
    view = discord.ui.View(timeout=None)
    if message.routine_id:
        view.add_item(StartFromReminder(message.routine_id))
    view.add_item(SnoozeReminder(message.occurrence_key))
    return view


def reminder_reply(message: ReminderMessage) -> Reply:
    """The reminder as a reply whose start action says how to start it (its button)."""
    reply = message.to_reply()
    actions = tuple(
        replace(a, hint=START_HINT) if a.kind == "start_routine" else a for a in reply.actions
    )
    return replace(reply, actions=actions)


class DiscordSender:
    """Delivers reminders by DM (the reminder dispatcher's ``Sender``).

    One request per reminder when the person's DM channel is known (the dispatcher passes the
    stored id in ``message.channel_id``): post the message. Otherwise two: open the DM channel (its
    id is returned for the dispatcher to store), then post. The user is never fetched. Every
    request is a background one for the rate limiter (see ``bot/exts/_ratelimit.py``).
    """

    def __init__(self, bot: discord.Client) -> None:
        self.bot = bot

    async def send(self, user_id: int, message: ReminderMessage) -> DeliveryResult:
        token = background.set(True)
        try:
            return await self._send(user_id, message)
        finally:
            background.reset(token)

    async def _send(self, user_id: int, message: ReminderMessage) -> DeliveryResult:
        embed = render_embed(reminder_reply(message))
        channel_id = message.channel_id
        try:
            if channel_id is None:
                channel_id = (await self.bot.create_dm(discord.Object(id=user_id))).id
            channel = self.bot.get_partial_messageable(channel_id, type=discord.ChannelType.private)
            # The nonce makes Discord drop a repeat of the same reminder (see bot/services/reminders/dispatcher.py).
            await channel.send(
                embed=embed,
                view=reminder_view(message),
                allowed_mentions=NO_MENTIONS,
                nonce=message.nonce,
            )
        except discord.Forbidden as exc:
            if exc.code == CANNOT_DM:
                return DeliveryResult.cannot("dms closed")
            return DeliveryResult.retry(f"forbidden ({exc.code}): {exc.text}")
        except discord.NotFound as exc:
            if exc.code == UNKNOWN_USER:
                return DeliveryResult.cannot("unknown user")
            if exc.code == UNKNOWN_CHANNEL and message.channel_id is not None:
                return await self._send(
                    user_id, replace(message, channel_id=None)
                )  # open the DM again
            return DeliveryResult.retry(f"not found ({exc.code}): {exc.text}")
        except discord.RateLimited as exc:
            return DeliveryResult.retry("rate limited", after=exc.retry_after)
        except discord.HTTPException as exc:
            after = _retry_after(exc) if exc.status == 429 else None
            return DeliveryResult.retry(f"HTTP {exc.status} ({exc.code}): {exc.text}", after=after)
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            return DeliveryResult.retry(f"network: {type(exc).__name__}: {exc}")
        return DeliveryResult.delivered(channel_id)


def _retry_after(exc: discord.HTTPException) -> float | None:
    try:
        return float(exc.response.headers.get("Retry-After", ""))
    except (AttributeError, TypeError, ValueError):
        return None


# -- the commands --------------------------------------------------------------------------------


def schedule_reply(view: ScheduleView, *, title: str = "Your reminders", extra: str = "") -> Reply:
    body = view.describe() + (f"\n\n{extra}" if extra else "")
    return Reply("info", title, body, private=True)


def problem_reply(exc: ScheduleError) -> Reply:
    if isinstance(exc, UnknownTimezone):
        body = str(exc)
        if exc.suggestions:
            body += "\n\nPick one from the list as you type the time zone."
        return error_reply("Unknown time zone", body)
    return error_reply("That didn't work", str(exc))


def times_from(morning: str | None, evening: str | None) -> tuple[time, ...] | None:
    """The two times asked for; None when neither was given (the service keeps the earlier ones)."""
    if morning is None and evening is None:
        return None
    return (
        parse_time(morning) if morning is not None else DEFAULT_TIMES[0],
        parse_time(evening) if evening is not None else DEFAULT_TIMES[1],
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
        self.bot.add_dynamic_items(StartFromReminder, SnoozeReminder)
        self.bot.require_services().start_dispatcher(self.sender)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(StartFromReminder, SnoozeReminder)
        services = self.bot.services
        if services is not None:
            # In-flight DMs finish (or their claims are handed back): nothing is left half-claimed.
            await services.stop_dispatcher()

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
            if interaction.response.is_done():
                await interaction.followup.send(
                    embed=embed, ephemeral=True, allowed_mentions=NO_MENTIONS
                )
            else:
                await interaction.response.send_message(
                    embed=embed, ephemeral=True, allowed_mentions=NO_MENTIONS
                )
        except discord.HTTPException as exc:
            log.warning("could not show a notice to person %s: %s", interaction.user.id, exc)

    # -- commands ------------------------------------------------------------------------------

    @app_commands.command(name="on", description="Get your routine by DM every morning and evening")
    @app_commands.describe(
        timezone="Where you live, e.g. Europe/Berlin or a city (needed the first time)",
        morning="Morning reminder, e.g. 07:30 or 7:30am (default 07:30)",
        evening="Evening reminder, e.g. 21:30 or 9:30pm (default 21:30)",
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
            view = await reminders.on(interaction.user.id, timezone, times_from(morning, evening))
        except ScheduleError as exc:
            await respond(interaction, problem_reply(exc), private=True)
            return
        await respond(
            interaction, schedule_reply(view, title="Reminders on", extra=DM_HINT), private=True
        )

    @turn_on.autocomplete("timezone")
    async def timezone_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [
            app_commands.Choice(name=name, value=name)
            for name in timezone_choices(current, MAX_CHOICES)
        ]

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


async def setup(bot: LowbackBot) -> None:
    await bot.add_cog(Reminders(bot))
