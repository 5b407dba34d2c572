"""The buttons of a live routine: Pause/Resume, +1 round and Stop (:class:`RoutineControl`), and the
choice offered when a routine is already running (:class:`ReplaceChoice`). Both are persistent:
their custom ids say what they do, so they answer on messages sent before a restart."""

from __future__ import annotations

import contextlib
import re
from typing import TYPE_CHECKING, Any, ClassVar, Literal, cast

import discord

from bot.discord_ui import NO_MENTIONS, bot_of
from bot.discord_ui.buttons import Pressed, labelled
from bot.discord_ui.render import info_reply, render_embed, respond
from bot.exts.routine.replies import NOT_RUNNING, owner_only_text
from bot.services.routine_handles import RoutineHandle

if TYPE_CHECKING:
    from bot.exts.routine.cog import Routine

ControlAction = Literal["pause", "resume", "round", "stop"]


class RoutineControl(
    Pressed,
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
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
        super().__init__(
            labelled(self.LABELS, action, f"lowback:routine:{action}:{owner_id}:{session_id}")
        )
        self.action: ControlAction = action
        self.owner_id = owner_id
        self.session_id = session_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> RoutineControl:
        action = cast(ControlAction, match["action"])  # the template matches only these four
        return cls(action, int(match["owner"]), int(match["session"]))

    async def press(self, interaction: discord.Interaction) -> None:
        if interaction.user.id != self.owner_id:
            await respond(
                interaction,
                info_reply("Not your routine", owner_only_text(self.owner_id)),
                private=True,
            )
            return
        bot = bot_of(interaction)
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


ReplaceAction = Literal["go", "keep"]


class ReplaceChoice(
    Pressed,
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=r"lowback:replace:(?P<choice>go|keep):(?P<owner>\d{1,20}):(?P<routine>[a-z0-9-]{0,58})(?P<private>:p)?",
):
    """Under "you already have a routine running": stop it and start the one asked for (its id in
    the custom id; empty for the person's own), or keep it. Answers after a restart too. A ``:p``
    at the end: the new one was asked for from an answer only the person sees, and stays theirs."""

    LABELS: ClassVar[dict[str, tuple[str, discord.ButtonStyle]]] = {
        "go": ("Stop it and start this one", discord.ButtonStyle.danger),
        "keep": ("Keep it", discord.ButtonStyle.secondary),
    }

    def __init__(
        self, choice: ReplaceAction, owner_id: int, routine_id: str, private: bool = False
    ) -> None:
        custom_id = f"lowback:replace:{choice}:{owner_id}:{routine_id}" + (":p" if private else "")
        super().__init__(labelled(self.LABELS, choice, custom_id))
        self.choice: ReplaceAction = choice
        self.owner_id = owner_id
        self.routine_id = routine_id
        self.private = private

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ReplaceChoice:
        choice = cast(ReplaceAction, match["choice"])  # the template matches only these two
        return cls(choice, int(match["owner"]), match["routine"], bool(match["private"]))

    async def press(self, interaction: discord.Interaction) -> None:
        if interaction.user.id != self.owner_id:  # the offer is private: not expected
            await respond(
                interaction,
                info_reply("Not your routine", owner_only_text(self.owner_id)),
                private=True,
            )
            return
        bot = bot_of(interaction)
        routines = bot.require_services().routines
        if self.choice == "go":
            cog = cast("Routine | None", bot.get_cog("Routine"))
            if cog is None:
                raise RuntimeError("the routine feature is not loaded")
            await routines.stop(self.owner_id)
            await cog.begin(interaction, self.routine_id or None, edit=True, private=self.private)
            return
        if routines.active(self.owner_id) is None:  # it ended meanwhile (or the bot restarted)
            reply = info_reply("Nothing running", NOT_RUNNING)
        else:
            reply = info_reply("Still running", "Your routine carries on.")
        await interaction.response.edit_message(
            embed=render_embed(reply), view=None, allowed_mentions=NO_MENTIONS
        )


def replace_choices(owner_id: int, routine_id: str, *, private: bool = False) -> discord.ui.View:
    """The two buttons offered when a routine is already running."""
    view = discord.ui.View(timeout=None)
    view.add_item(ReplaceChoice("go", owner_id, routine_id, private))
    view.add_item(ReplaceChoice("keep", owner_id, routine_id, private))
    return view
