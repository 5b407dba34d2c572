"""One live routine: the ordinary channel message that follows a session, edited once per phase."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import aiohttp
import discord

from bot.core.replies import Reply
from bot.core.routine.session import Event, Finished, Paused, PhaseStarted, Stopped
from bot.discord_ui import NO_MENTIONS, SET_ZONE
from bot.discord_ui.render import can_embed, render_embed, respond
from bot.exts.routine.replies import (
    Unseen,
    data_deleted_reply,
    finished_reply,
    moved_reply,
    paused_reply,
    running_reply,
    stopped_reply,
    unreachable_reply,
    unseen_reply,
)
from bot.exts.routine.views import controls
from bot.services.routine_handles import RoutineHandle

if TYPE_CHECKING:
    from bot.exts.routine.cog import Routine

log = logging.getLogger(__name__)


# An interaction's token, and so a follow-up message's edits, last 15 minutes from the command. A
# routine shown in a follow-up moves (or stops) this long after the command, while it still can.
FOLLOWUP_EDITABLE = timedelta(minutes=14)

# Seconds between tries to show the newest state of a routine after Discord failed (a 5xx, a
# network fault) or asked the bot to wait longer than it waits by itself (a 429).
RETRY_AFTER = (2.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0)
PASSING = (discord.RateLimited, OSError, aiohttp.ClientError, asyncio.TimeoutError)
# Discord refuses to edit a message in an archived thread (archived after an hour without a
# message, say during a long pause, or by a moderator).
ARCHIVED_THREAD = 50083


class ThreadLocked(Exception):
    """The message is in a thread a moderator archived and locked: it can't be edited any more."""


def passing(error: Exception) -> bool:
    """The request failed for a reason that passes: trying again later may work."""
    if isinstance(error, discord.HTTPException):
        return error.status >= 500 or error.status == 429
    return isinstance(error, PASSING)


class LiveRoutine:
    """The message that follows one session. ``on_event`` is the session's callback.

    The message is posted in the channel. Where the bot may not post (or not show embeds), it is the
    command's follow-up instead, which can only be edited for 15 minutes: a routine still going by then carries on in a
    direct message to the person (:meth:`move_to_dm`), or, if the bot cannot DM them, stops there
    and says why, so the message never shows a state the routine is no longer in."""

    def __init__(
        self, cog: Routine, interaction: discord.Interaction, *, private: bool = False
    ) -> None:
        self.cog = cog
        self.interaction = interaction
        self.private = private  # started from an answer only the person sees: shown to them alone
        self.channel = interaction.channel
        self.owner_id = interaction.user.id
        self.owner_name = interaction.user.display_name
        self.handle: RoutineHandle | None = None
        self.message: discord.Message | None = None
        self.gone = False  # the message was deleted or can no longer be edited: the routine stopped
        self.shown: Reply | None = None  # what the message shows while the routine goes on
        self.editable_until = cog.bot.clock() + FOLLOWUP_EDITABLE  # for a follow-up message
        self.unreachable = False  # stopped because no message could follow it any more
        self.no_embeds = False  # followed in the command's follow-up: the channel shows no embeds
        self._mover: asyncio.Task[None] | None = None
        self._wanted: tuple[Reply, discord.ui.View | None] | None = None  # the newest state
        self._retry: asyncio.Task[None] | None = None
        self._putting = asyncio.Lock()

    def channel_ids(self) -> set[int]:
        """The channel the message is in, and the channel that holds it if that is a thread."""
        if self.message is None:
            return set()
        channel = self.message.channel
        return {channel.id} | (
            {parent} if (parent := getattr(channel, "parent_id", None)) else set()
        )

    def running(self) -> bool:
        """Its session is still going (not finished, stopped or cut short)."""
        return self.handle is not None and not self.handle.session.done

    def in_dm(self) -> bool:
        """The message is in a DM (the routine was started there, or moved there)."""
        return self.message is not None and isinstance(self.message.channel, discord.DMChannel)

    async def on_event(self, event: Event) -> None:
        handle = self.handle
        if handle is None:
            return
        plan = handle.session.plan  # grows when a round is added
        if isinstance(event, Finished | Stopped) and self._mover is not None:
            self._mover.cancel()  # nothing left to move
        if isinstance(event, Finished):
            # The session is recorded as finished only after this callback returns; the streak
            # must include it, so the last edit waits for the session's task in a task of its own.
            self.cog.spawn(self.finish(handle))
            return
        if isinstance(event, Stopped):
            ended = stopped_reply
            if handle.data_deleted:
                ended = data_deleted_reply
            elif self.unreachable:
                unreachable = unreachable_reply(
                    plan, event.index, private=self.private, no_embeds=self.no_embeds
                )
                await self.show(unreachable, None)
                return
            await self.show(ended(plan, event.index), None)
            return
        session = handle.session
        if isinstance(event, Paused):
            reply = paused_reply(plan, event.index, event.remaining, self.owner_name)
        elif session.state == "paused" and not isinstance(
            event, PhaseStarted
        ):  # a round added while paused
            reply = paused_reply(
                plan, session.index, session.phase_remaining(self.cog.bot.clock()), self.owner_name
            )
        elif isinstance(event, PhaseStarted):
            reply = running_reply(
                plan, event.index, int(event.ends_at.timestamp()), self.owner_name
            )
        else:  # resumed, or a round added while running: the current phase with its (new) end
            deadline = session.next_deadline()
            if deadline is None:
                return
            reply = running_reply(plan, session.index, int(deadline.timestamp()), self.owner_name)
        await self.show(reply, controls(handle))

    async def finish(self, handle: RoutineHandle) -> None:
        await handle.wait()
        if handle.state != "finished":
            return
        counted = None
        services = self.cog.bot.services
        if services is not None:
            try:
                counted = await services.routines.person_streaks(self.owner_id)
            except Exception:
                log.exception("could not compute the streak of person %s", self.owner_id)
        reply = finished_reply(
            handle.session.plan,
            counted.streaks if counted else None,
            counted.note(SET_ZONE) if counted else None,
        )
        await self.show(reply, None)

    async def show(self, reply: Reply, view: discord.ui.View | None) -> None:
        """Post the live message, or edit it to ``reply``. When Discord fails or asks the bot to
        wait, the newest state is shown a little later (:meth:`keep_trying`): a pause, or the end
        of the routine, is not followed by another edit that would put it right."""
        if self.gone:
            return
        self.shown = reply if view is not None else None
        self._wanted = (reply, view)
        shown = await self.put()
        if shown is False:
            if self._retry is None or self._retry.done():
                self._retry = self.cog.spawn(self.keep_trying())
        elif self._retry is not None:
            self._retry.cancel()
            self._retry = None

    async def put(self) -> bool | None:
        """Show the newest state asked for. True: shown; False: Discord failed or asked the bot to
        wait, worth another try; None: it can't be shown (the message is gone, or refused)."""
        if self._wanted is None or self.gone:
            return None
        reply, view = self._wanted
        embed = render_embed(reply)
        lost: tuple[Unseen, Exception] | None = None
        async with self._putting:  # one request at a time, so an older state never lands last
            try:
                if self.message is None:
                    self.message = await self.post(embed, view)
                else:
                    await self.edit(self.message, embed, view)
                return True
            except discord.NotFound as exc:
                lost = ("deleted", exc)
            except (discord.Forbidden, ThreadLocked) as exc:
                lost = ("forbidden", exc)
            except (discord.HTTPException, *PASSING) as exc:
                again = passing(exc)
                log.warning(
                    "could not update the live routine message of person %s%s: %s",
                    self.owner_id,
                    " (trying again)" if again else "",
                    exc,
                )
                if again:
                    return False
        if lost is not None:
            await self.lose_message(*lost)
        return None

    @staticmethod
    async def edit(
        message: discord.Message, embed: discord.Embed, view: discord.ui.View | None
    ) -> None:
        """Edit ``message``. In a thread archived since, open the thread again first, as anyone
        who may post there can; a thread a moderator locked is left locked (:class:`ThreadLocked`)."""
        try:
            await message.edit(embed=embed, view=view, allowed_mentions=NO_MENTIONS)
            return
        except discord.HTTPException as exc:
            thread = message.channel
            if exc.code != ARCHIVED_THREAD or not isinstance(thread, discord.Thread):
                raise
            if thread.locked:
                raise ThreadLocked(f"thread {thread.id} is locked") from exc
        await thread.edit(archived=False)
        await message.edit(embed=embed, view=view, allowed_mentions=NO_MENTIONS)

    async def keep_trying(self) -> None:
        """Show the newest state again after each of :data:`RETRY_AFTER`, until Discord takes it."""
        for delay in RETRY_AFTER:
            await self.cog.bot.sleep(delay)
            if await self.put() is not False:
                return
        log.warning("gave up updating the live routine message of person %s", self.owner_id)

    async def lose_message(self, why: Unseen, exc: Exception | None = None) -> None:
        """The message is gone: ``"deleted"`` (by the person or a moderator) or ``"forbidden"``
        (the bot may no longer edit it, say it lost access to the channel). Nobody can follow or
        stop a routine without its message, so it stops as if Stop were pressed: recorded as
        stopped, never as finished (it counts for no streak), and the person can start another at
        once. A routine that has already finished stays finished.

        The person is told in a private follow-up to their command while its token lives (the
        first 14 minutes): they may not have deleted it themselves (a moderator may have, or the
        bot lost access) and would otherwise not know why it vanished; to someone who deleted it,
        the note confirms that it stopped and did not count. After that nothing is sent: a direct
        message would go to someone who did not ask for one, mostly about what they did
        themselves."""
        if self.gone:
            return
        self.gone = True
        log.info(
            "live routine message of person %s is gone (%s: %s); stopping the routine",
            self.owner_id,
            why,
            exc,
        )
        handle = self.handle
        services = self.cog.bot.services
        if (
            handle is None
            or services is None
            or services.routines.active(self.owner_id) is not handle
        ):
            return
        if not await services.routines.stop(self.owner_id):
            return  # it ended meanwhile
        if self.cog.bot.clock() >= self.editable_until:
            return
        try:
            await respond(self.interaction, unseen_reply(handle.session.plan, why), private=True)
        except discord.HTTPException as error:
            log.info("could not tell person %s their routine stopped: %s", self.owner_id, error)

    async def post(self, embed: discord.Embed, view: discord.ui.View | None) -> discord.Message:
        kwargs: dict[str, Any] = {"embed": embed, "allowed_mentions": NO_MENTIONS}
        if view is not None:
            kwargs["view"] = view
        # Without Embed Links, Discord refuses the message: the follow-up shows it instead.
        channel = self.channel
        if self.private:
            kwargs["ephemeral"] = True
        elif channel is not None and hasattr(channel, "send") and can_embed(channel):
            try:
                return await channel.send(**kwargs)
            except discord.Forbidden:
                pass  # the bot may not post here (e.g. it was added without that permission)
        else:
            self.no_embeds = channel is not None and hasattr(channel, "send")
        # A follow-up of the interaction: editable only while its token lives (15 min).
        message = await self.interaction.followup.send(wait=True, **kwargs)
        self._mover = self.cog.spawn(self.move_before_the_token_expires())
        return message

    async def move_before_the_token_expires(self) -> None:
        """Wait until the follow-up can almost no longer be edited; then move the routine if it
        still goes on."""
        wait = (self.editable_until - self.cog.bot.clock()).total_seconds()
        await self.cog.bot.sleep(max(0.0, wait))
        handle = self.handle
        if handle is None or handle.session.done or self.gone or self.shown is None:
            return
        self._mover = None  # from here on, the routine's end must not cancel the move
        await self.move_to_dm(handle, self.shown)

    async def move_to_dm(self, handle: RoutineHandle, shown: Reply) -> None:
        """Carry the routine on in a direct message to the person, and say so on the follow-up;
        if the DM cannot be sent, stop the routine, which the follow-up then says."""
        plan = handle.session.plan
        try:
            dm = await self.interaction.user.send(
                embed=render_embed(shown), view=controls(handle), allowed_mentions=NO_MENTIONS
            )
        except discord.HTTPException as exc:  # 50007: they take no DMs from the bot
            log.info("could not move the routine of person %s to a DM: %s", self.owner_id, exc)
            self.unreachable = True
            services = self.cog.bot.services
            if services is not None:
                await services.routines.stop(self.owner_id)
            return
        followup, self.message = self.message, dm
        if followup is not None:
            with contextlib.suppress(discord.HTTPException):
                await followup.edit(
                    embed=render_embed(
                        moved_reply(plan, private=self.private, no_embeds=self.no_embeds)
                    ),
                    view=None,
                    allowed_mentions=NO_MENTIONS,
                )
        if self.shown is not shown and self.shown is not None:  # it changed during the move
            await self.show(self.shown, controls(handle))
