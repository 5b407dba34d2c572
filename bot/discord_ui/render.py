"""Replies as Discord sees them: an embed, and a view with a button for each action.

Everything the bot says goes out through the helpers at the bottom (``respond``, ``edit_response``,
``reply_to_message``), which always send with mentions disabled: a question containing
``@everyone``, a role or a user mention pings nobody.

A press of a button is done by ``bot.discord_ui.actions`` for the person who pressed it: on a
public message, someone else pressing a button gets their own private answer; progress buttons
only work for the person whose progress the message shows. The buttons keep nothing in memory:
each one's custom id says what it does (:class:`ReplyButton`), so they work after a restart too.
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace
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
from bot.discord_ui.buttons import Pressed
from bot.discord_ui.errors import send_private

log = logging.getLogger(__name__)

# Seconds a confirmation (/mydata delete) stays valid; under the 15 minutes an interaction token
# lives, so the edit that says it expired lands.
VIEW_TIMEOUT = 600.0
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


CONTENT_LIMIT = 2000  # characters of a message's text
CANNOT_MESSAGE_USER = 50007  # Discord: the person takes no messages from the bot
CUT_SHORT = (
    "\n\n*(Cut short: I need the Embed Links permission here to show all of it. "
    "`/ask` shows it whole, to you alone if you like.)*"
)


def render_text(reply: Reply) -> str:
    """The reply as a message's text, for a channel where the bot may not show embeds: the same
    parts in the same order, cut to Discord's 2,000 characters with a line saying so."""
    parts = [f"**{reply.title}**"] if reply.title.strip() else []
    if description := description_of(reply):
        parts.append(description)
    for item in reply.fields[:MAX_FIELDS]:
        if item.name.strip() and item.value.strip():
            parts.append(f"**{item.name}**\n{item.value}")
    if reply.footer:
        parts.append("\n".join(f"-# {line}" for line in reply.footer.splitlines() if line.strip()))
    text = "\n\n".join(parts)
    if len(text) <= CONTENT_LIMIT:
        return text
    return clip(text, CONTENT_LIMIT - len(CUT_SHORT)) + CUT_SHORT


def can_embed(channel: Any) -> bool:
    """Whether the bot may show embeds in ``channel``: without Embed Links, Discord refuses a
    message that is only an embed. Always in a DM; assumed where the channel's permissions are not
    known."""
    guild = getattr(channel, "guild", None)
    permissions_for = getattr(channel, "permissions_for", None)
    if guild is None or permissions_for is None:
        return True
    return bool(permissions_for(guild.me).embed_links)


def actions_for(reply: Reply) -> list[Action]:
    """The buttons to show: the reply's actions, or its candidates when it asks which one was meant."""
    return offered_actions(reply)[:MAX_BUTTONS]


# A button's custom id carries what a press needs, so it answers the same after a restart:
# lowback:do:<action>:<index>:<the person the reply was for>:<private 0/1>:<the action's value>.
KIND_CODES: dict[str, str] = {
    "next_step": "n",
    "start_routine": "r",
    "not_what_i_asked": "o",
    "choose_topic": "c",
    "move_up": "u",
    "go_back": "b",
}
KINDS = {code: kind for kind, code in KIND_CODES.items()}
VALUE_LIMIT = 60  # what is left of Discord's 100 characters for a custom id
VALUE_CHARS = re.compile(r"[a-z0-9.-]*")  # topic and routine ids, step numbers
OTHERS_SHOWN = 3  # "Not what I asked" offers at most this many other answers


def button_value(reply: Reply, action: Action) -> str | None:
    """What the custom id of ``action``'s button carries, or None when it cannot carry it.

    "Not what I asked" carries the other answers the reply had in mind (their topic ids, as many as
    fit), so that it needs neither the question (never stored) nor anything kept in memory."""
    if action.kind == "not_what_i_asked":
        value = ""
        for candidate in reply.candidates[:OTHERS_SHOWN]:
            joined = f"{value}.{candidate.topic}" if value else candidate.topic
            if len(joined) > VALUE_LIMIT or not VALUE_CHARS.fullmatch(joined):
                break
            value = joined
        return value or None
    value = action.value or ""
    return value if len(value) <= VALUE_LIMIT and VALUE_CHARS.fullmatch(value) else None


class ReplyButton(
    Pressed,
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=r"lowback:do:(?P<kind>[nrocub]):(?P<index>\d{1,2}):(?P<owner>\d{1,20}):(?P<private>[01]):(?P<value>[a-z0-9.-]{0,60})",
):
    """A button under a reply. Everything a press needs lives in its custom id (the action and its
    value, the person the reply was for, whether it is private), so the buttons keep working on
    messages sent before a restart, as long as Discord shows them."""

    def __init__(self, action: Action, index: int, owner_id: int, private: bool) -> None:
        value = action.value or ""
        super().__init__(
            discord.ui.Button(
                label=clip(action.label, BUTTON_LABEL_LIMIT),
                style=STYLES.get(action.kind, discord.ButtonStyle.secondary),
                custom_id=(
                    f"lowback:do:{KIND_CODES[action.kind]}:{index}:{owner_id}:{int(private)}:{value}"
                ),
            )
        )
        self.action = action
        self.owner_id = owner_id
        self.private = private

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ReplyButton:
        label = getattr(item, "label", None) or ""
        kind = KINDS[match["kind"]]  # the template matches only these codes
        action = Action(kind, label, match["value"] or None)  # type: ignore[arg-type]
        return cls(action, int(match["index"]), int(match["owner"]), match["private"] == "1")

    async def press(self, interaction: discord.Interaction) -> None:
        """Do the action (``bot.discord_ui.actions``) for whoever pressed, and show the answer."""
        press = Press(interaction.user.id, self.owner_id, self.private)
        answer = await answer_press(interaction, self.action, press)
        if answer is None:
            return
        if answer.in_place:
            await edit_response(interaction, answer.reply, private=answer.private)
        else:
            await respond(interaction, answer.reply, private=answer.private)


def reply_view(reply: Reply, *, owner_id: int, private: bool) -> discord.ui.View | None:
    """The buttons under ``reply`` (None when it has none). The view never times out: its buttons
    answer from their custom ids (:class:`ReplyButton`)."""
    view = discord.ui.View(timeout=None)
    for index, action in enumerate(actions_for(reply)):
        value = button_value(reply, action)
        if value is None and (action.value or action.kind == "not_what_i_asked"):
            log.warning("no button for %r: what it needs does not fit a custom id", action.kind)
            continue
        view.add_item(ReplyButton(replace(action, value=value), index, owner_id, private))
    return view if view.children else None


STALE_BUTTON = (
    "I was restarted since that message was sent, and I can no longer tell what this button was "
    "for. Use the command again (`/help` lists them) or ask your question again with `/ask`."
)


async def answer_unknown_button(interaction: discord.Interaction) -> None:
    """A press of a button the bot does not know (made by an older version of the bot): say so,
    privately, instead of leaving Discord to show "This interaction failed"."""
    reply = Reply(kind="info", title="That button no longer works", body=STALE_BUTTON)
    await send_private(interaction, render_embed(reply))


def info_reply(title: str, body: str) -> Reply:
    return Reply(kind="info", title=title, body=body)


def error_reply(title: str, body: str) -> Reply:
    return Reply(kind="error", title=title, body=body)


def build(
    reply: Reply, *, owner_id: int, private: bool
) -> tuple[discord.Embed, discord.ui.View | None]:
    return render_embed(reply), reply_view(reply, owner_id=owner_id, private=private)


async def respond(
    interaction: discord.Interaction,
    reply: Reply,
    *,
    private: bool | None = None,
    files: list[discord.File] | None = None,
) -> None:
    """Answer an interaction with ``reply`` (a follow-up if it was already answered or deferred).

    ``private``: None follows the reply (private when it says so); True makes it private; False
    shows it in the channel because the person asked to share it, except a red flag, which stays private.
    """
    ephemeral = is_private(reply) if private is None else private or reply.kind == "red_flag"
    embed, view = build(reply, owner_id=interaction.user.id, private=ephemeral)
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
        await interaction.followup.send(**kwargs)
    else:
        await interaction.response.send_message(**kwargs)


async def edit_response(
    interaction: discord.Interaction, reply: Reply, *, private: bool = False
) -> None:
    """Replace the message the pressed button is on with ``reply``: as its text when that message
    is text in a channel where the bot may not show embeds, so nothing of the old reply is left."""
    embed, view = build(reply, owner_id=interaction.user.id, private=private)
    pressed_on = interaction.message
    as_text = pressed_on is not None and pressed_on.content and not pressed_on.embeds
    if as_text and not can_embed(interaction.channel):
        await interaction.response.edit_message(
            content=render_text(reply), view=view, allowed_mentions=NO_MENTIONS
        )
        return
    await interaction.response.edit_message(embed=embed, view=view, allowed_mentions=NO_MENTIONS)


def message_parts(
    channel: Any, reply: Reply, *, owner_id: int, view: discord.ui.View | None = None
) -> dict[str, Any]:
    """What a message answering ``owner_id`` in ``channel`` is made of: the reply as an embed, or
    as text where the bot may not show embeds; its buttons (``view`` instead of the reply's own);
    no pings."""
    embed, own_view = build(reply, owner_id=owner_id, private=False)
    kwargs: dict[str, Any] = {"allowed_mentions": NO_MENTIONS, "view": view or own_view}
    if can_embed(channel):
        kwargs["embed"] = embed
    else:
        kwargs["content"] = render_text(reply)
    return kwargs


async def reply_to_message(
    message: discord.Message, reply: Reply, *, view: discord.ui.View | None = None
) -> discord.Message:
    """Answer a mention or a DM in the same channel, pinging nobody (not even the asker). In a
    channel where the bot may not show embeds, the reply is the message's text instead.

    ``view``: buttons to show instead of the reply's own."""
    kwargs = message_parts(message.channel, reply, owner_id=message.author.id, view=view)
    if kwargs["view"] is None:
        del kwargs["view"]
    try:
        return await message.reply(mention_author=False, **kwargs)
    except discord.HTTPException as exc:
        if exc.code == CANNOT_MESSAGE_USER:
            raise  # a DM to someone who takes none from the bot: a message would be refused too
        # The question was deleted meanwhile (a reply needs it), or the bot may not read the
        # channel's history (a reply needs that too): answer in the channel instead.
        return await message.channel.send(**kwargs)


async def replace_answer(
    answer: discord.Message,
    reply: Reply,
    *,
    owner_id: int,
    view: discord.ui.View | None = None,
) -> discord.Message:
    """Make the bot's message ``answer`` say ``reply`` instead (to ``owner_id``), whole: its
    embed or text and its buttons replaced, nothing of the old answer left."""
    kwargs = message_parts(answer.channel, reply, owner_id=owner_id, view=view)
    kwargs.setdefault("embed", None)
    kwargs.setdefault("content", None)
    return await answer.edit(**kwargs)


async def send_dm(
    user: discord.User | discord.Member,
    reply: Reply,
    *,
    note: str | None = None,
    view: discord.ui.View | None = None,
) -> discord.Message:
    """Send ``reply`` to ``user`` by direct message, ``note`` above it, ``view`` as its buttons
    instead of the reply's own. Raises ``discord.Forbidden`` (50007) if they take no DMs."""
    embed, own_view = build(reply, owner_id=user.id, private=False)
    kwargs: dict[str, Any] = {"embed": embed, "allowed_mentions": NO_MENTIONS}
    if note:
        kwargs["content"] = note
    if view or own_view:
        kwargs["view"] = view or own_view
    return await user.send(**kwargs)
