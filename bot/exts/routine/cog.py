"""The routine cog: ``/routine start`` (with autocomplete) and ``/routine stop``, starting a session
live in the channel, and telling running sessions at shut-down that they were cut short."""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.replies import Reply
from bot.core.routine.plan import RoutinePlan
from bot.discord_ui import NO_MENTIONS
from bot.discord_ui.choices import MAX_CHOICES
from bot.discord_ui.render import clip, error_reply, info_reply, render_embed, respond
from bot.exts.routine.live import LiveRoutine
from bot.exts.routine.replies import (
    STARTING_BODY,
    STARTING_PRIVATE_BODY,
    STOPPED_BODY,
    Unseen,
    cut_short_reply,
)
from bot.exts.routine.views import ReplaceChoice, RoutineControl, replace_choices
from bot.exts.routine.words import control_by_words
from bot.services.routine_handles import AlreadyRunning, RoutineHandle, UnknownRoutine
from bot.services.routines import RoutineService

if TYPE_CHECKING:
    from bot.app import LowbackBot

log = logging.getLogger(__name__)

MAX_ROUTINE_TEXT = 100
CUT_SHORT_NOTICE_SECONDS = (
    5.0  # at most this long at shut-down to tell people their routine stopped
)


def again_id(routines: RoutineService, plan: RoutinePlan) -> str:
    """What starts ``plan`` again: its id, or "" for a person's daily plan (made for their step)."""
    return plan.id if routines.book.find(plan.id) is plan else ""


class Routine(
    commands.GroupCog, group_name="routine", group_description="Timed routines, step by step"
):
    def __init__(self, bot: LowbackBot) -> None:
        self.bot = bot
        self._tasks: set[asyncio.Task[None]] = set()
        self._live: weakref.WeakSet[LiveRoutine] = weakref.WeakSet()  # kept alive by their sessions
        super().__init__()

    async def cog_load(self) -> None:
        self.bot.add_buttons(RoutineControl, ReplaceChoice)
        self.bot.action_handlers["start_routine"] = self.start_from_button
        self.bot.message_handlers.append(self.control_by_words)

    async def cog_unload(self) -> None:
        await self.tell_running_they_are_cut_short()
        self.bot.remove_buttons(RoutineControl, ReplaceChoice)
        if self.bot.action_handlers.get("start_routine") == self.start_from_button:
            del self.bot.action_handlers["start_routine"]
        if self.control_by_words in self.bot.message_handlers:
            self.bot.message_handlers.remove(self.control_by_words)
        for task in list(self._tasks):
            task.cancel()

    async def tell_running_they_are_cut_short(self) -> None:
        """At shut-down: end the running sessions (recorded as interrupted) and say so on their messages,
        instead of leaving a countdown that never moves again. Bounded, so a slow Discord can't hold up
        the shut-down."""
        running = [
            live for live in self._live if live.handle is not None and not live.handle.session.done
        ]
        services = self.bot.services
        if not running or services is None:
            return
        await services.routines.shutdown()
        notices = [
            asyncio.create_task(
                live.show(
                    cut_short_reply(live.handle.session.plan, live.handle.session.index), None
                )
            )
            for live in running
            if live.handle is not None
        ]
        _, late = await asyncio.wait(notices, timeout=CUT_SHORT_NOTICE_SECONDS)
        for task in late:
            task.cancel()
        log.info(
            "told %d person(s) their routine was cut short by the shut-down",
            len(notices) - len(late),
        )

    def live(self) -> list[LiveRoutine]:
        """The routines shown in this process."""
        return list(self._live)

    async def control_by_words(self, message: discord.Message, text: str) -> bool:
        """'pause', 'stop' and the like said about a live routine (see words.py)."""
        return await control_by_words(self, message, text)

    def spawn(self, coro: Any) -> asyncio.Task[None]:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("a live routine update failed", exc_info=task.exception())

    # -- the live message deleted --------------------------------------------------------------

    @commands.Cog.listener()
    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        """A live routine's message was deleted: stop the routine now, even a paused one whose
        message would not be edited again (:meth:`LiveRoutine.lose_message` says why and what the
        person is told)."""
        await self.lose_deleted({payload.message_id})

    @commands.Cog.listener()
    async def on_raw_bulk_message_delete(self, payload: discord.RawBulkMessageDeleteEvent) -> None:
        await self.lose_deleted(payload.message_ids)

    async def lose_deleted(self, message_ids: set[int]) -> None:
        for live in list(self._live):
            if live.message is not None and live.message.id in message_ids:
                await live.lose_message("deleted")

    # A deleted channel or thread takes its messages with it, and a server the bot leaves takes its
    # channels, without a message-delete event for any of them: a paused routine there would
    # otherwise wait forever, holding the person's next /routine start.

    @commands.Cog.listener()
    async def on_guild_channel_delete(self, channel: discord.abc.GuildChannel) -> None:
        await self.lose_where(lambda live: channel.id in live.channel_ids())

    @commands.Cog.listener()
    async def on_raw_thread_delete(self, payload: discord.RawThreadDeleteEvent) -> None:
        await self.lose_where(lambda live: payload.thread_id in live.channel_ids())

    @commands.Cog.listener()
    async def on_guild_remove(self, guild: discord.Guild) -> None:
        await self.lose_where(
            lambda live: live.interaction.guild_id == guild.id and not live.in_dm(), "forbidden"
        )

    async def lose_where(
        self, gone: Callable[[LiveRoutine], bool], why: Unseen = "deleted"
    ) -> None:
        for live in list(self._live):
            if live.message is not None and gone(live):
                await live.lose_message(why)

    # -- commands ----------------------------------------------------------------------------

    @app_commands.command(
        name="start", description="Start a timed routine (yours for your step if you pick none)"
    )
    @app_commands.describe(
        routine="Which routine; leave empty for your own morning and evening routine"
    )
    async def start(self, interaction: discord.Interaction, routine: str | None = None) -> None:
        await self.begin(interaction, routine)

    @start.autocomplete("routine")
    async def routine_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        fitting = self.bot.require_services().routines.fitting(current)
        return [app_commands.Choice(name=name, value=rid) for rid, name in fitting][:MAX_CHOICES]

    @app_commands.command(name="stop", description="Stop your running routine")
    async def stop(self, interaction: discord.Interaction) -> None:
        stopped = await self.bot.require_services().routines.stop(interaction.user.id)
        if stopped:
            reply = info_reply("Routine stopped", STOPPED_BODY)
        else:
            reply = info_reply("Nothing to stop", "You have no routine running.")
        await respond(interaction, reply, private=True)

    # -- starting ------------------------------------------------------------------------------

    async def start_from_button(
        self, interaction: discord.Interaction, routine_id: str | None
    ) -> None:
        """The ``start_routine`` action of a button on an answer or a reminder. From an answer
        only the person sees (``/ask private: True``) in a server, the routine is shown to them
        alone (in a DM everything is, and an ordinary message there lasts longer)."""
        pressed_on = interaction.message
        private = bool(interaction.guild_id and pressed_on and pressed_on.flags.ephemeral)
        await self.begin(interaction, routine_id, private=private)

    async def begin(
        self,
        interaction: discord.Interaction,
        routine_id: str | None,
        *,
        edit: bool = False,
        private: bool = False,
    ) -> None:
        """Start ``routine_id`` (None: the person's own) for the person, live in this channel.

        ``edit``: answer by replacing the (private) message the pressed button is on;
        ``private``: follow it in a message only the person sees, not in the channel.
        """
        routines = self.bot.require_services().routines
        user_id = interaction.user.id
        if routine_id is not None and not routine_id.strip():
            routine_id = None
        try:
            plan = await routines.plan_for(user_id, routine_id)
        except UnknownRoutine as exc:
            names = ", ".join(f"**{name}**" for _, name in exc.names)
            # Shown as typed: a stray ``` or ** would otherwise swallow the names after it.
            asked = discord.utils.escape_markdown(clip(routine_id or "", MAX_ROUTINE_TEXT))
            await self.say(
                interaction,
                error_reply(
                    "No such routine", f"I don't know a routine called “{asked}”. Try {names}."
                ),
                edit=edit,
            )
            return
        running = routines.active(user_id)
        if running is not None:
            again = again_id(routines, plan)
            await self.offer_replace(interaction, running, again, edit=edit, private=private)
            return
        live = LiveRoutine(self, interaction, private=private)
        self._live.add(live)
        starting = STARTING_PRIVATE_BODY if private else STARTING_BODY
        await self.say(interaction, info_reply(f"Starting {plan.name}", starting), edit=edit)
        result = await routines.start(
            user_id, plan=plan, on_event=live.on_event, channel=str(interaction.channel_id)
        )
        if isinstance(result, AlreadyRunning):  # started elsewhere in the meantime
            again = again_id(routines, plan)
            await self.offer_replace(
                interaction, result.running, again, edit=False, private=private
            )
            return
        live.handle = result

    async def offer_replace(
        self,
        interaction: discord.Interaction,
        running: RoutineHandle,
        routine_id: str,
        *,
        edit: bool,
        private: bool = False,
    ) -> None:
        """Offer to stop the running routine and start ``routine_id`` ("" for the person's own);
        ``private``: the new one is to be shown to the person alone."""
        reply = info_reply(
            "A routine is already running",
            f"You already have **{running.plan.name}** running. Stop it and start this one instead?",
        )
        view = replace_choices(interaction.user.id, routine_id, private=private)
        embed = render_embed(reply)
        if edit and not interaction.response.is_done():
            await interaction.response.edit_message(
                embed=embed, view=view, allowed_mentions=NO_MENTIONS
            )
        elif interaction.response.is_done():
            await interaction.followup.send(
                embed=embed, view=view, ephemeral=True, allowed_mentions=NO_MENTIONS
            )
        else:
            await interaction.response.send_message(
                embed=embed, view=view, ephemeral=True, allowed_mentions=NO_MENTIONS
            )

    async def say(self, interaction: discord.Interaction, reply: Reply, *, edit: bool) -> None:
        """A private answer, or (``edit``) the private message the button was on, replaced."""
        if edit and not interaction.response.is_done():
            await interaction.response.edit_message(
                embed=render_embed(reply), view=None, allowed_mentions=NO_MENTIONS
            )
        else:
            await respond(interaction, reply, private=True)
