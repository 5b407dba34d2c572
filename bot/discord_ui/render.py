"""Replies as Discord sees them: an embed, and a view with a button for each action.

Everything the bot says goes out through the helpers at the bottom (``respond``, ``edit_response``,
``reply_to_message``), which always send with mentions disabled: a question containing
``@everyone``, a role or a user mention pings nobody.

A press of a button is done by ``bot.discord_ui.actions`` for the person who pressed it: on a
public message, someone else pressing a button gets their own private answer; progress buttons
only work for the person whose progress the message shows.
"""

from __future__ import annotations

from typing import Any

import discord

from bot.core.replies import (
    DESCRIPTION_LIMIT,
    FIELD_NAME_LIMIT,
    FIELD_VALUE_LIMIT,
    FOOTER_LIMIT,
    MAX_FIELDS,
    TITLE_LIMIT,
    TOTAL_LIMIT,
    Action,
    Reply,
    offered_actions,
)
from bot.discord_ui import NO_MENTIONS
from bot.discord_ui.actions import Press, answer_press
from bot.discord_ui.errors import report_error

VIEW_TIMEOUT = (
    600.0  # seconds; under the 15 minutes an interaction token lives, so the expiry edit lands
)
BUTTON_LABEL_LIMIT = 80
MAX_BUTTONS = 25

COLOURS: dict[str, discord.Colour] = {
    "answer": discord.Colour.green(),
    "clarify": discord.Colour.blurple(),
    "no_match": discord.Colour.light_grey(),
    "red_flag": discord.Colour.red(),
    "help": discord.Colour.blurple(),
    "info": discord.Colour.teal(),
    "error": discord.Colour.orange(),
}

STYLES: dict[str, discord.ButtonStyle] = {
    "next_step": discord.ButtonStyle.primary,
    "start_routine": discord.ButtonStyle.success,
    "not_what_i_asked": discord.ButtonStyle.secondary,
    "choose_topic": discord.ButtonStyle.primary,
    "move_up": discord.ButtonStyle.success,
    "go_back": discord.ButtonStyle.danger,
}


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, with an ellipsis when cut."""
    text = text or ""
    return text if len(text) <= limit else text[: max(0, limit - 1)].rstrip() + "…"


def is_private(reply: Reply) -> bool:
    """Shown only to the person: red flags (their symptoms are theirs) and anything marked private."""
    return reply.private or reply.kind == "red_flag"


def press(action: Action) -> str:
    """How to do ``action`` in Discord: its button."""
    return f"press *{action.label}*"


def description_of(reply: Reply) -> str:
    """The reply's text, then each action's hint in Discord's words."""
    hints = [hint for action in reply.actions if (hint := action.hint_with(press(action)))]
    return (
        "\n\n".join([reply.body, *hints])
        if hints and reply.body
        else reply.body or "\n\n".join(hints)
    )


def render_embed(reply: Reply) -> discord.Embed:
    """The reply as one embed, inside Discord's limits whatever the reply holds."""
    embed = discord.Embed(
        title=clip(reply.title, TITLE_LIMIT) or None,
        description=clip(description_of(reply), DESCRIPTION_LIMIT) or None,
        colour=COLOURS.get(reply.kind, discord.Colour.blurple()),
    )
    for item in reply.fields[:MAX_FIELDS]:
        if item.name.strip() and item.value.strip():
            embed.add_field(
                name=clip(item.name, FIELD_NAME_LIMIT),
                value=clip(item.value, FIELD_VALUE_LIMIT),
                inline=item.inline,
            )
    if reply.footer:
        embed.set_footer(text=clip(reply.footer, FOOTER_LIMIT))
    overflow = len(embed) - TOTAL_LIMIT
    if overflow > 0 and embed.description:
        embed.description = clip(embed.description, max(1, len(embed.description) - overflow))
    while len(embed) > TOTAL_LIMIT and embed.fields:
        embed.remove_field(-1)
    return embed


def actions_for(reply: Reply) -> list[Action]:
    """The buttons to show: the reply's actions, or its candidates when it asks which one was meant."""
    return offered_actions(reply)[:MAX_BUTTONS]


class ActionButton(discord.ui.Button["ReplyView"]):
    def __init__(self, action: Action, index: int) -> None:
        super().__init__(
            label=clip(action.label, BUTTON_LABEL_LIMIT),
            style=STYLES.get(action.kind, discord.ButtonStyle.secondary),
            custom_id=f"lowback:{action.kind}:{index}",
        )
        self.action = action

    async def callback(self, interaction: discord.Interaction) -> None:
        assert self.view is not None
        await self.view.run(interaction, self.action)


class ReplyView(discord.ui.View):
    """The buttons under one reply. ``owner_id`` is the person the reply was for."""

    def __init__(
        self,
        reply: Reply,
        *,
        owner_id: int,
        question: str | None = None,
        private: bool = False,
        timeout: float | None = VIEW_TIMEOUT,
    ) -> None:
        super().__init__(timeout=timeout)
        self.reply = reply
        self.owner_id = owner_id
        self.question = question
        self.private = private
        self._message: discord.Message | None = None
        self._interaction: discord.Interaction | None = None
        for index, action in enumerate(actions_for(reply)):
            self.add_item(ActionButton(action, index))

    def bind(
        self,
        *,
        message: discord.Message | None = None,
        interaction: discord.Interaction | None = None,
    ) -> None:
        """Remember where the view is shown, so it can disable itself when it expires."""
        self._message, self._interaction = message, interaction

    async def on_timeout(self) -> None:
        for item in self.children:
            if isinstance(item, discord.ui.Button):
                item.disabled = True
        try:
            if self._message is not None:
                await self._message.edit(view=self, allowed_mentions=NO_MENTIONS)
            elif self._interaction is not None:
                await self._interaction.edit_original_response(
                    view=self, allowed_mentions=NO_MENTIONS
                )
        except discord.HTTPException:
            pass  # deleted, or the token expired: the buttons just stop answering

    async def on_error(
        self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[Any], /
    ) -> None:
        await report_error(interaction, error)

    async def run(self, interaction: discord.Interaction, action: Action) -> None:
        """A button was pressed: do its action (``bot.discord_ui.actions``) and show the answer."""
        press = Press(interaction.user.id, self.owner_id, self.question, self.private)
        answer = await answer_press(interaction, action, press)
        if answer is None:
            return
        if answer.in_place:
            self.stop()  # the message gets new buttons; this view must not touch it again
            await edit_response(
                interaction, answer.reply, question=answer.question, private=answer.private
            )
        else:
            await respond(
                interaction, answer.reply, question=answer.question, private=answer.private
            )


def info_reply(title: str, body: str) -> Reply:
    return Reply(kind="info", title=title, body=body)


def error_reply(title: str, body: str) -> Reply:
    return Reply(kind="error", title=title, body=body)


def build(
    reply: Reply, *, owner_id: int, question: str | None, private: bool
) -> tuple[discord.Embed, ReplyView | None]:
    embed = render_embed(reply)
    view = ReplyView(reply, owner_id=owner_id, question=question, private=private)
    return embed, (view if view.children else None)


async def respond(
    interaction: discord.Interaction,
    reply: Reply,
    *,
    question: str | None = None,
    private: bool | None = None,
    files: list[discord.File] | None = None,
) -> None:
    """Answer an interaction with ``reply`` (a follow-up if it was already answered or deferred).

    ``private``: None follows the reply (private when it says so); True makes it private; False
    shows it in the channel because the person asked to share it, except a red flag, which stays private.
    """
    ephemeral = is_private(reply) if private is None else private or reply.kind == "red_flag"
    embed, view = build(reply, owner_id=interaction.user.id, question=question, private=ephemeral)
    kwargs: dict[str, Any] = {
        "embed": embed,
        "ephemeral": ephemeral,
        "allowed_mentions": NO_MENTIONS,
    }
    if view is not None:
        kwargs["view"] = view
    if files:
        kwargs["files"] = files
    if interaction.response.is_done():
        message = await interaction.followup.send(wait=True, **kwargs)
        if view is not None:
            view.bind(message=message)
    else:
        await interaction.response.send_message(**kwargs)
        if view is not None:
            view.bind(interaction=interaction)


async def edit_response(
    interaction: discord.Interaction,
    reply: Reply,
    *,
    question: str | None = None,
    private: bool = False,
) -> None:
    """Replace the message the pressed button is on with ``reply``."""
    embed, view = build(reply, owner_id=interaction.user.id, question=question, private=private)
    await interaction.response.edit_message(embed=embed, view=view, allowed_mentions=NO_MENTIONS)
    if view is not None:
        if interaction.message is not None and not private:
            view.bind(message=interaction.message)
        else:
            view.bind(interaction=interaction)


async def reply_to_message(
    message: discord.Message, reply: Reply, *, question: str | None = None
) -> discord.Message:
    """Answer a mention or a DM in the same channel, pinging nobody (not even the asker)."""
    embed, view = build(reply, owner_id=message.author.id, question=question, private=False)
    kwargs: dict[str, Any] = {
        "embed": embed,
        "allowed_mentions": NO_MENTIONS,
        "mention_author": False,
    }
    if view is not None:
        kwargs["view"] = view
    try:
        sent = await message.reply(**kwargs)
    except discord.HTTPException:
        # The question was deleted meanwhile (a reply needs it): answer in the channel instead.
        kwargs.pop("mention_author")
        sent = await message.channel.send(**kwargs)
    if view is not None:
        view.bind(message=sent)
    return sent


async def send_dm(user: discord.User | discord.Member, reply: Reply) -> discord.Message:
    """Send ``reply`` to ``user`` by direct message. Raises ``discord.Forbidden`` (50007) if they take no DMs."""
    embed, view = build(reply, owner_id=user.id, question=None, private=False)
    kwargs: dict[str, Any] = {"embed": embed, "allowed_mentions": NO_MENTIONS}
    if view is not None:
        kwargs["view"] = view
    sent = await user.send(**kwargs)
    if view is not None:
        view.bind(message=sent)
    return sent
