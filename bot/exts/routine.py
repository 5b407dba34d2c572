"""``/routine start`` and ``/routine stop``: a timed routine followed live in one message.

The routine service runs the session and hands every event (a phase starting, a pause, an added
round, the end) to a :class:`LiveRoutine`, which keeps ONE ordinary channel message up to date.
The message is edited once per phase, not every second: the countdown is Discord's relative
timestamp (``<t:UNIX:R>``), which the client updates by itself. Because it is an ordinary message
and not the interaction's response, it keeps working after the interaction token's 15 minutes.

The buttons under it (Pause/Resume, +1 round, Stop) carry the owner's id and the session id in
their custom ids (:class:`RoutineControl`, a ``DynamicItem``), so they need no state in memory and
answer sensibly even after a restart. Only the person who started the routine can press them.

This cog also provides the ``start_routine`` button action used on answers and reminder DMs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from datetime import timedelta
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.replies import Field, Reply
from bot.core.routine.plan import RoutinePlan
from bot.core.routine.session import Event, Finished, Paused, PhaseStarted, Stopped
from bot.core.streaks import Streaks
from bot.exts._errors import report_error
from bot.exts.render import (
    NO_MENTIONS,
    VIEW_TIMEOUT,
    clip,
    error_reply,
    info_reply,
    render_embed,
    respond,
)
from bot.services.routines import AlreadyRunning, RoutineHandle, UnknownRoutine

if TYPE_CHECKING:
    from bot.app import LowbackBot

log = logging.getLogger(__name__)

BAR_WIDTH = 12
BAR_FULL = "\N{BLACK PARALLELOGRAM}"
BAR_EMPTY = "\N{WHITE PARALLELOGRAM}"
MAX_CHOICES = 25
MAX_ROUTINE_TEXT = 100

ControlAction = Literal["pause", "resume", "round", "stop"]

STARTING_BODY = (
    "Follow along in the message I'm posting here. Its buttons pause, add a round or stop it."
)
NOT_RUNNING = "This routine isn't running any more. Start a new one with `/routine start`."
STOPPED_BODY = "Start it again whenever you like with `/routine start`."
CUT_SHORT_BODY = "The bot is restarting, so this routine stopped here. Start it again in a minute with `/routine start`."
CUT_SHORT_NOTICE_SECONDS = (
    5.0  # at most this long at shut-down to tell people their routine stopped
)
DONE_BODY = "Nicely done. That's one more day your glutes did the work instead of your low back."


# -- rendering ----------------------------------------------------------------------------------


def progress_bar(fraction: float, width: int = BAR_WIDTH) -> str:
    """A bar of ``width`` cells, e.g. ``▰▰▰▱▱▱ 50%``."""
    fraction = max(0.0, min(1.0, fraction))
    filled = round(fraction * width)
    return f"{BAR_FULL * filled}{BAR_EMPTY * (width - filled)} {round(fraction * 100)}%"


def duration_text(span: timedelta) -> str:
    """``"7 s"``, ``"1 min 5 s"``: a short span for a paused phase."""
    seconds = max(0, round(span.total_seconds()))
    minutes, seconds = divmod(seconds, 60)
    if not minutes:
        return f"{seconds} s"
    return f"{minutes} min {seconds} s" if seconds else f"{minutes} min"


def done_fraction(plan: RoutinePlan, index: int) -> float:
    """How much of the routine is behind the person when phase ``index`` begins."""
    total = plan.total_seconds
    if total <= 0:
        return 1.0
    return sum(p.seconds for p in plan.phases[:index]) / total


def streak_text(streaks: Streaks) -> str:
    days = "day" if streaks.current == 1 else "days"
    line = f"{streaks.current} {days} in a row"
    if streaks.longest > streaks.current:
        line += f" (longest: {streaks.longest})"
    return f"{line}\n{streaks.week_squares()}"


def phase_fields(plan: RoutinePlan, index: int) -> list[Field]:
    phase = plan.phases[index]
    fields = []
    if phase.of > 1:
        fields.append(Field("Round", f"{phase.round} of {phase.of}", inline=True))
    fields.append(Field("Phase", f"{index + 1} of {len(plan.phases)}", inline=True))
    fields.append(Field("Progress", progress_bar(done_fraction(plan, index))))
    return fields


def running_reply(plan: RoutinePlan, index: int, ends_at_unix: int, owner_name: str) -> Reply:
    phase = plan.phases[index]
    body = f"## {phase.label}\n{phase.cue}\n\nEnds <t:{ends_at_unix}:R>"
    return Reply(
        "info",
        plan.name,
        body,
        tuple(phase_fields(plan, index)),
        footer=controls_footer(owner_name),
    )


def paused_reply(plan: RoutinePlan, index: int, remaining: timedelta, owner_name: str) -> Reply:
    phase = plan.phases[index]
    body = (
        f"## Paused: {phase.label}\n{phase.cue}\n\n"
        f"{duration_text(remaining)} left in this phase. Press **Resume** when you're ready."
    )
    return Reply(
        "info",
        plan.name,
        body,
        tuple(phase_fields(plan, index)),
        footer=controls_footer(owner_name),
    )


def finished_reply(plan: RoutinePlan, streaks: Streaks | None) -> Reply:
    fields: tuple[Field, ...] = ()
    footer = None
    if streaks is not None:
        fields = (Field("Your streak", streak_text(streaks)),)
        footer = "The last 7 days, today on the right."
    return Reply("answer", f"{plan.name}: done", DONE_BODY, fields, footer=footer)


def stopped_reply(plan: RoutinePlan, index: int) -> Reply:
    phase = plan.phases[min(index, len(plan.phases) - 1)]
    where = f"{phase.label}, {phase.round_text}" if phase.round_text else phase.label
    return Reply("info", f"{plan.name}: stopped", f"Stopped at {where}. {STOPPED_BODY}")


def cut_short_reply(plan: RoutinePlan, index: int) -> Reply:
    phase = plan.phases[min(index, len(plan.phases) - 1)]
    where = f"{phase.label}, {phase.round_text}" if phase.round_text else phase.label
    return Reply("info", f"{plan.name}: cut short", f"Stopped at {where}. {CUT_SHORT_BODY}")


def controls_footer(owner_name: str) -> str:
    return f"Only {owner_name} can use these buttons."


def owner_only_text(owner_id: int) -> str:
    return f"This is <@{owner_id}>'s routine. Start your own with `/routine start`."


# -- the buttons ----------------------------------------------------------------------------------


class RoutineControl(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"lowback:routine:(?P<action>pause|resume|round|stop):(?P<owner>\d+):(?P<session>\d+)",
):
    """A control button of one session: its action, owner and session id live in the custom id."""

    LABELS: ClassVar[dict[str, tuple[str, discord.ButtonStyle]]] = {
        "pause": ("Pause", discord.ButtonStyle.secondary),
        "resume": ("Resume", discord.ButtonStyle.success),
        "round": ("+1 round", discord.ButtonStyle.primary),
        "stop": ("Stop", discord.ButtonStyle.danger),
    }

    def __init__(self, action: ControlAction, owner_id: int, session_id: int) -> None:
        label, style = self.LABELS[action]
        super().__init__(
            discord.ui.Button(
                label=label,
                style=style,
                custom_id=f"lowback:routine:{action}:{owner_id}:{session_id}",
            )
        )
        self.action: ControlAction = action
        self.owner_id = owner_id
        self.session_id = session_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: Any, /
    ) -> RoutineControl:
        return cls(match["action"], int(match["owner"]), int(match["session"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            await self.press(interaction)
        except Exception as exc:
            await report_error(interaction, exc)

    async def press(self, interaction: discord.Interaction) -> None:
        if interaction.user.id != self.owner_id:
            await respond(
                interaction,
                info_reply("Not your routine", owner_only_text(self.owner_id)),
                private=True,
            )
            return
        bot: LowbackBot = interaction.client  # type: ignore[assignment]
        routines = bot.require_services().routines
        handle = routines.active(self.owner_id)
        if handle is None or handle.session_id != self.session_id:
            await respond(interaction, info_reply("Routine over", NOT_RUNNING), private=True)
            if interaction.message is not None:
                with contextlib.suppress(discord.HTTPException):
                    await interaction.message.edit(view=None, allowed_mentions=NO_MENTIONS)
            return
        # Acknowledge without a visible reply; the live message shows the change when the event arrives.
        await interaction.response.defer()
        match self.action:
            case "pause":
                await routines.pause(self.owner_id)
            case "resume":
                await routines.resume(self.owner_id)
            case "round":
                if not await routines.add_round(self.owner_id):
                    await interaction.followup.send(
                        embed=render_embed(
                            info_reply(
                                "No more rounds", "No more rounds can be added to this routine."
                            )
                        ),
                        ephemeral=True,
                        allowed_mentions=NO_MENTIONS,
                    )
            case "stop":
                await routines.stop(self.owner_id)


def controls(handle: RoutineHandle) -> discord.ui.View:
    """The buttons under a running or paused session."""
    view = discord.ui.View(timeout=None)
    owner, session = handle.user_id, handle.session_id
    view.add_item(RoutineControl("resume" if handle.state == "paused" else "pause", owner, session))
    if handle.session.can_add_round():
        view.add_item(RoutineControl("round", owner, session))
    view.add_item(RoutineControl("stop", owner, session))
    return view


# -- one live routine -----------------------------------------------------------------------------


class LiveRoutine:
    """The message that follows one session. ``on_event`` is the session's callback."""

    def __init__(self, cog: Routine, interaction: discord.Interaction) -> None:
        self.cog = cog
        self.interaction = interaction
        self.channel = interaction.channel
        self.owner_id = interaction.user.id
        self.owner_name = interaction.user.display_name
        self.handle: RoutineHandle | None = None
        self.message: discord.Message | None = None
        self.gone = False  # the message was deleted or can no longer be edited

    async def on_event(self, event: Event) -> None:
        handle = self.handle
        if handle is None:
            return
        plan = handle.session.plan  # grows when a round is added
        if isinstance(event, Finished):
            # The session is recorded as finished only after this callback returns; the streak
            # must include it, so the last edit waits for the session's task in a task of its own.
            self.cog.spawn(self.finish(handle))
            return
        if isinstance(event, Stopped):
            await self.show(stopped_reply(plan, event.index), None)
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
        streaks = None
        services = self.cog.bot.services
        if services is not None:
            try:
                streaks = await services.routines.person_streaks(self.owner_id)
            except Exception:
                log.exception("could not compute the streak of person %s", self.owner_id)
        await self.show(finished_reply(handle.session.plan, streaks), None)

    async def show(self, reply: Reply, view: discord.ui.View | None) -> None:
        """Post the live message, or edit it to ``reply``."""
        if self.gone:
            return
        embed = render_embed(reply)
        try:
            if self.message is None:
                self.message = await self.post(embed, view)
            elif view is None:
                await self.message.edit(embed=embed, view=None, allowed_mentions=NO_MENTIONS)
            else:
                await self.message.edit(embed=embed, view=view, allowed_mentions=NO_MENTIONS)
        except (discord.NotFound, discord.Forbidden) as exc:
            log.info(
                "live routine message of person %s is gone (%s); not updating it",
                self.owner_id,
                exc,
            )
            self.gone = True
        except discord.HTTPException as exc:
            log.warning(
                "could not update the live routine message of person %s: %s", self.owner_id, exc
            )

    async def post(self, embed: discord.Embed, view: discord.ui.View | None) -> discord.Message:
        kwargs: dict[str, Any] = {"embed": embed, "allowed_mentions": NO_MENTIONS}
        if view is not None:
            kwargs["view"] = view
        if self.channel is not None and hasattr(self.channel, "send"):
            try:
                return await self.channel.send(**kwargs)  # type: ignore[union-attr]
            except discord.Forbidden:
                pass  # the bot may not post here (e.g. it was added without that permission)
        # Fall back to a follow-up of the interaction: editable only while its token lives (15 min).
        return await self.interaction.followup.send(wait=True, **kwargs)


class ReplaceRunning(discord.ui.View):
    """Under "you already have a routine running": stop it and start the one asked for."""

    def __init__(self, cog: Routine, owner_id: int, routine_id: str | None) -> None:
        super().__init__(timeout=VIEW_TIMEOUT)
        self.cog = cog
        self.owner_id = owner_id
        self.routine_id = routine_id
        self.interaction: discord.Interaction | None = None

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        return interaction.user.id == self.owner_id

    @discord.ui.button(label="Stop it and start this one", style=discord.ButtonStyle.danger)
    async def replace(
        self, interaction: discord.Interaction, button: discord.ui.Button[Any]
    ) -> None:
        self.stop()
        await self.cog.bot.require_services().routines.stop(self.owner_id)
        await self.cog.begin(interaction, self.routine_id, edit=True)

    @discord.ui.button(label="Keep it", style=discord.ButtonStyle.secondary)
    async def keep(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        self.stop()
        reply = info_reply("Still running", "Your routine carries on.")
        await interaction.response.edit_message(
            embed=render_embed(reply), view=None, allowed_mentions=NO_MENTIONS
        )

    async def on_timeout(self) -> None:
        if self.interaction is None:
            return
        with contextlib.suppress(discord.HTTPException):
            await self.interaction.edit_original_response(view=None, allowed_mentions=NO_MENTIONS)

    async def on_error(
        self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[Any], /
    ) -> None:
        await report_error(interaction, error)


# -- the cog -----------------------------------------------------------------------------------------


class Routine(
    commands.GroupCog, group_name="routine", group_description="Timed routines, step by step"
):
    def __init__(self, bot: LowbackBot) -> None:
        self.bot = bot
        self._tasks: set[asyncio.Task[None]] = set()
        self._live: weakref.WeakSet[LiveRoutine] = weakref.WeakSet()  # kept alive by their sessions
        super().__init__()

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(RoutineControl)
        self.bot.action_handlers["start_routine"] = self.start_from_button

    async def cog_unload(self) -> None:
        await self.tell_running_they_are_cut_short()
        self.bot.remove_dynamic_items(RoutineControl)
        if self.bot.action_handlers.get("start_routine") == self.start_from_button:
            del self.bot.action_handlers["start_routine"]
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

    def spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("a live routine update failed", exc_info=task.exception())

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
        key = current.strip().lower()
        choices = self.bot.require_services().routine_choices()
        return [
            app_commands.Choice(name=name, value=rid)
            for rid, name in choices
            if key in name.lower() or key in rid.lower()
        ][:MAX_CHOICES]

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
        """The ``start_routine`` action of a button on an answer or a reminder."""
        await self.begin(interaction, routine_id)

    async def begin(
        self, interaction: discord.Interaction, routine_id: str | None, *, edit: bool = False
    ) -> None:
        """Start ``routine_id`` (None: the person's own) for the person, live in this channel.

        ``edit``: answer by replacing the (private) message the pressed button is on.
        """
        routines = self.bot.require_services().routines
        user_id = interaction.user.id
        if routine_id is not None and not routine_id.strip():
            routine_id = None
        running = routines.active(user_id)
        if running is not None:
            await self.offer_replace(interaction, running, routine_id, edit=edit)
            return
        try:
            plan = await routines.plan_for(user_id, routine_id)
        except UnknownRoutine as exc:
            names = ", ".join(f"**{name}**" for _, name in exc.names)
            asked = clip(routine_id or "", MAX_ROUTINE_TEXT)
            await self.say(
                interaction,
                error_reply(
                    "No such routine", f"I don't know a routine called “{asked}”. Try {names}."
                ),
                edit=edit,
            )
            return
        live = LiveRoutine(self, interaction)
        self._live.add(live)
        await self.say(interaction, info_reply(f"Starting {plan.name}", STARTING_BODY), edit=edit)
        result = await routines.start(
            user_id, plan=plan, on_event=live.on_event, channel=str(interaction.channel_id)
        )
        if isinstance(result, AlreadyRunning):  # started elsewhere in the meantime
            await self.offer_replace(interaction, result.running, routine_id, edit=False)
            return
        live.handle = result

    async def offer_replace(
        self,
        interaction: discord.Interaction,
        running: RoutineHandle,
        routine_id: str | None,
        *,
        edit: bool,
    ) -> None:
        reply = info_reply(
            "A routine is already running",
            f"You already have **{running.plan.name}** running. Stop it and start this one instead?",
        )
        view = ReplaceRunning(self, interaction.user.id, routine_id)
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
        view.interaction = interaction

    async def say(self, interaction: discord.Interaction, reply: Reply, *, edit: bool) -> None:
        """A private answer, or (``edit``) the private message the button was on, replaced."""
        if edit and not interaction.response.is_done():
            await interaction.response.edit_message(
                embed=render_embed(reply), view=None, allowed_mentions=NO_MENTIONS
            )
        else:
            await respond(interaction, reply, private=True)


async def setup(bot: LowbackBot) -> None:
    await bot.add_cog(Routine(bot))
