"""Questions: ``/ask``, a message that mentions the bot in a server, and any message in a DM.

The answer comes from the answering service; this cog only checks the input, applies the
per-person cooldown (which never holds back the answer to a red flag or a crisis) and renders
the reply. A message's text is what was typed, what it forwards and its text files (Discord sends
a paste longer than a message as message.txt). A message edited after its answer is read again
for a red flag or a crisis only (an edit never brings a second ordinary answer). A private reply (a red flag) to a question asked in a
server goes to the person by DM; the channel only gets a neutral note that repeats nothing of
what they wrote. When the DM cannot be sent (the person takes no DMs from the server), the note
carries a button that shows the answer to that person alone (:class:`ShowPrivately`).

A red flag also pauses the person's reminders for a day (``bot.services.reminders.holding``), and
its answer says so (but a crisis reply, which stays the crisis lines alone): it tells them to
leave the exercises for now, which a reminder must not undo.
"""

from __future__ import annotations

import codecs
import logging
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Literal

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands

from bot.core.chatter import only_chatter
from bot.core.replies import Reply
from bot.core.safety import RedFlag
from bot.core.text import normalize
from bot.discord_ui import bot_of
from bot.discord_ui.buttons import Pressed
from bot.discord_ui.errors import failure_text, log_failure, slow_down_text
from bot.discord_ui.render import (
    error_reply,
    info_reply,
    is_private,
    reply_to_message,
    respond,
    send_dm,
)
from bot.services.reminders.holding import with_reminders_held

if TYPE_CHECKING:
    from bot.app import LowbackBot

log = logging.getLogger(__name__)

# Characters: the longest message Discord lets anyone send. A long post is still screened whole
# for red flags and matched on its start and its end (see bot.core.text.fitted).
MAX_QUESTION = 4000

PRIVATE_NOTE_TITLE = "I've answered you privately"
PRIVATE_NOTE_SENT = (
    "My answer to that is for you alone, so I've sent it to you in a direct message. "
    "If it feels urgent, call your local emergency number now."
)
PRIVATE_NOTE_NOT_SENT = (
    "My answer to that is for you alone, but I couldn't send you a direct message. "
    "Press **Show me my answer**: only you will see it. "
    "If it feels urgent, call your local emergency number now."
)
SHOW_LABEL = "Show me my answer"
NOT_YOUR_ANSWER = (
    "This answer is for the person who asked. If you want to ask me something, use `/ask`: "
    "an answer that is for you alone is shown only to you."
)
ANSWER_GONE = (
    "I can't show that answer any more. Ask me again with `/ask`: only you will see the answer. "
    "If it feels urgent, call your local emergency number now."
)


# Where a question came from: /ask, a mention, a mention of the bot's role instead of the bot, a DM.
Where = Literal["ask", "mention", "role", "dm"]

# How to ask, in the words of the place the empty question came from.
HOW_TO_ASK: dict[Where, str] = {
    "ask": "Write your question in the *question* option of `/ask`, for example: "
    "*how do I do the booty flex?*",
    "mention": "Write your question after the mention, for example: "
    "*how do I do the booty flex?* Or use `/ask`.",
    "role": "Type @, pick me (not the role with my name), and write your question after it, "
    "for example: *how do I do the booty flex?* Or use `/ask`.",
    "dm": "Write your question here as a message, for example: *how do I do the booty flex?*",
}
# A mention of the bot's role may reach the bot without its text (Discord shows the text only of
# messages that mention the bot itself); its text, when it comes, is answered like a mention's.
ROLE_MENTIONED = "That mentioned my role, not me, so I may not get to read what you wrote."
HELP_HINT = "`/help` shows everything I can do."


def input_problem(
    text: str, where: Where = "ask", *, attached: bool = False, limit: int = MAX_QUESTION
) -> Reply | None:
    """A reply explaining why ``text`` cannot be answered as a question, or None if it can.

    ``where`` words the reply for where the question came from; ``attached``: the message carried
    an image, a file or a sticker (which the bot does not read); ``limit``: the longest text taken
    (more than a message holds when the text came in a file)."""
    stripped = text.strip()
    if not stripped:
        if where == "role":
            return info_reply("Mention me, not my role", f"{ROLE_MENTIONED} {HOW_TO_ASK[where]}")
        if attached:
            return info_reply(
                "I can only read text",
                f"I can't look at images, files or stickers. {HOW_TO_ASK[where]} {HELP_HINT}",
            )
        return info_reply("Ask me a question", f"{HOW_TO_ASK[where]} {HELP_HINT}")
    if len(stripped) > limit:
        return error_reply(
            "That message is too long",
            f"Your message is {len(stripped):,} characters. Ask in a sentence or two "
            f"(up to {MAX_QUESTION:,} characters) and I'll answer.",
        )
    if not any(ch.isalpha() for ch in normalize(stripped)):
        return error_reply(
            "I couldn't find a question in that",
            "Ask in words, for example: *why does sitting make my back hurt?* `/help` shows what I can do.",
        )
    return None


def question_from_message(
    message: discord.Message, bot_id: int, roles: frozenset[int] = frozenset()
) -> str:
    """The message text without the mentions of the bot itself, or of its ``roles`` (other text is
    left as it is)."""
    text = re.sub(rf"<@!?{bot_id}>", " ", message.content)
    for role in roles:
        text = text.replace(f"<@&{role}>", " ")
    return text.strip()


# Bytes of a text file read as a question: Discord sends a paste longer than a message as a file,
# message.txt, and the red-flag screen reads 40,000 characters of a post (bot.core.safety).
MAX_TEXT_FILE = 64_000
_TEXT_TYPES = ("text/plain", "text/markdown")


def _is_text_file(attachment: discord.Attachment) -> bool:
    kind = (attachment.content_type or "").split(";")[0].strip().lower()
    if not kind:
        return attachment.filename.lower().endswith((".txt", ".md"))
    return kind in _TEXT_TYPES


def file_text(data: bytes) -> str:
    """The text of a file (UTF-8, or UTF-16 with its byte-order mark), or "" if it is not text."""
    try:
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            text = data.decode("utf-16")
        else:
            text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return ""
    return "" if "\x00" in text else text


async def attached_text(attachments: Iterable[discord.Attachment]) -> str:
    """The text of the plain-text files among ``attachments``, one after another; a file that is
    too big, is not text or cannot be fetched is left out."""
    found: list[str] = []
    for attachment in attachments:
        if not _is_text_file(attachment) or attachment.size > MAX_TEXT_FILE:
            continue
        try:
            data = await attachment.read()
        except (discord.HTTPException, aiohttp.ClientError, TimeoutError) as exc:
            log.info("Could not read the attached file %s: %s", attachment.id, exc)
            continue
        if text := file_text(data).strip():
            found.append(text)
    return "\n\n".join(found)


async def carried_text(message: discord.Message) -> tuple[str, bool]:
    """What a message carries besides the text typed into it: the messages it forwards and its
    text files (a long paste). Also whether it carries anything else (an image, a sticker)."""
    snapshots = message.message_snapshots
    files = [*message.attachments, *(a for shot in snapshots for a in shot.attachments)]
    forwarded = [shot.content.strip() for shot in snapshots if shot.content.strip()]
    filed = await attached_text(files) if files else ""
    unread = any(not _is_text_file(a) for a in files) or (bool(files) and not filed)
    carried = "\n\n".join([*forwarded, filed] if filed else forwarded)
    return carried, unread or bool(message.stickers)


def my_roles(message: discord.Message, bot_id: int) -> frozenset[int]:
    """The bot's own role in the server of ``message``: the one Discord made for it, named like it,
    which people often pick instead of the bot when they type @ and its name."""
    me = message.guild.me if message.guild is not None else None
    if me is None:
        return frozenset()
    return frozenset(
        role.id
        for role in me.roles
        if role.managed and (role.tags is None or role.tags.bot_id == bot_id)
    )


def replies_to_me(message: discord.Message, bot_id: int) -> bool:
    """The message is a reply to one of the bot's messages and does not name the bot in its text.

    (A reply pings the author of the message it replies to unless the person turns that off, so
    in a server the bot hears of it as of a mention.)"""
    if message.type != discord.MessageType.reply or bot_id in message.raw_mentions:
        return False
    replied = message.reference.resolved if message.reference else None
    if isinstance(replied, discord.Message):
        return replied.author.id == bot_id
    return message.guild is not None  # in a server the bot heard of it only by the reply's ping


class ShowPrivately(
    Pressed,
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=r"lowback:private:(?P<owner>\d{1,20}):(?P<group>[a-z0-9_-]{1,30}):(?P<also>[a-z0-9_-]{0,30})",
):
    """Under the note in the channel when a private answer could not be sent by DM: shows the person
    who asked their answer, privately. The custom id carries only the person and the safety groups
    the answer is made of (never what they wrote), so it works after a restart too."""

    def __init__(self, owner_id: int, group: str, also: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=SHOW_LABEL,
                style=discord.ButtonStyle.danger,
                custom_id=f"lowback:private:{owner_id}:{group}:{also}",
            )
        )
        self.owner_id = owner_id
        self.group = group
        self.also = also

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ShowPrivately:
        return cls(int(match["owner"]), match["group"], match["also"])

    async def press(self, interaction: discord.Interaction) -> None:
        if interaction.user.id != self.owner_id:
            reply = info_reply("This answer is not for you", NOT_YOUR_ANSWER)
        else:
            services = bot_of(interaction).require_services()
            again = services.ask.red_flag_again(self.group, self.also)
            if again is None:  # gone in a reload of the knowledge base since
                reply = info_reply("Ask me again", ANSWER_GONE)
            else:
                reply = await with_reminders_held(services.reminders, self.owner_id, again)
        await respond(interaction, reply, private=True)


def show_privately(owner_id: int, flag: RedFlag | None) -> discord.ui.View | None:
    """The button that shows a private answer to ``owner_id`` (None without a red flag)."""
    if flag is None:
        return None
    also = flag.also.id if flag.also is not None else ""
    button = ShowPrivately(owner_id, flag.group.id, also)
    if not button.__discord_ui_compiled_template__.fullmatch(button.custom_id):
        log.warning("no button for the private answer: group id %r", flag.group.id)
        return None
    view = discord.ui.View(timeout=None)
    view.add_item(button)
    return view


class Ask(commands.Cog):
    def __init__(self, bot: LowbackBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.add_buttons(ShowPrivately)

    async def cog_unload(self) -> None:
        self.bot.remove_buttons(ShowPrivately)

    @app_commands.command(name="ask", description="Ask about low back pain and the glute program")
    @app_commands.describe(
        question="Your question, in your own words", private="Show the answer only to you"
    )
    async def ask(
        self,
        interaction: discord.Interaction,
        question: app_commands.Range[str, 1, MAX_QUESTION],
        private: bool = False,
    ) -> None:
        problem = input_problem(question, "ask")
        wait, reply = await self._past_cooldown(interaction.user.id, question, problem)
        if wait and reply is None:
            await respond(interaction, info_reply("Slow down", slow_down_text(wait)), private=True)
            return
        if problem is not None:
            await respond(interaction, problem, private=True)
            return
        if reply is None:
            # A question asked privately is not kept in the server's list of unanswered ones.
            guild_id = None if private else interaction.guild_id
            reply = await self.bot.require_services().ask.ask(
                interaction.user.id, question, guild_id=guild_id
            )
        reply = await with_reminders_held(
            self.bot.require_services().reminders, interaction.user.id, reply
        )
        await respond(interaction, reply, private=private or None)

    async def _past_cooldown(
        self, user_id: int, question: str, problem: Reply | None
    ) -> tuple[float, Reply | None]:
        """``(0, None)`` when the person may ask now (the question counts towards the cooldown).

        Else the seconds to wait, and the answer if the question describes a red flag or a crisis:
        that is given however many questions came just before it; nothing else is.
        """
        wait = self.bot.ask_cooldown.hit(user_id)
        if not wait or problem is not None:
            return wait, None
        return wait, await self.bot.require_services().ask.urgent(question)

    def _addressed(self, message: discord.Message) -> tuple[str, Where] | None:
        """The typed question of a message addressed to the bot, and where it was asked; None for a
        message the bot is not asked (its own, a bot's, a server message that does not mention it)."""
        me = self.bot.user
        if me is None or message.author.bot or message.author.id == me.id:
            return None
        if message.type not in (discord.MessageType.default, discord.MessageType.reply):
            return None
        roles = my_roles(message, me.id)
        where: Where = "mention" if message.guild is not None else "dm"
        if message.guild is not None and not any(user.id == me.id for user in message.mentions):
            if not any(role.id in roles for role in message.role_mentions):
                return None
            where = "role"
        return question_from_message(message, me.id, roles), where

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        addressed = self._addressed(message)
        if addressed is None:
            return
        question, where = addressed
        me_id = self.bot.user.id if self.bot.user is not None else 0
        if replies_to_me(message, me_id) and not message.attachments and only_chatter(question):
            return  # "thanks!", "ok", "👍" in reply to an answer: nothing to answer
        try:
            carried, unread = await carried_text(message)
            if carried:
                question = f"{question}\n\n{carried}" if question else carried
            await self._answer_message(message, question, where, unread, long=bool(carried))
        except Exception as exc:
            await self._failed(message, exc)

    @commands.Cog.listener()
    async def on_message_edit(self, before: discord.Message, after: discord.Message) -> None:
        """An answered message edited to add a red flag or a crisis ("...since yesterday my groin
        is numb") gets that answer, as a new message would. Other edits get nothing: the question
        was answered, and an edit that fixes a typo must not bring a second answer."""
        if before.content == after.content:
            return  # an embed unfurled, a pin: not a new text
        addressed, was = self._addressed(after), self._addressed(before)
        if addressed is None:
            return
        try:
            ask = self.bot.require_services().ask
            reply = await ask.urgent(addressed[0])
            if reply is None or (was is not None and await ask.urgent(was[0]) is not None):
                return
            reply = await with_reminders_held(
                self.bot.require_services().reminders, after.author.id, reply
            )
            if after.guild is not None:
                await self._answer_privately(after, reply, addressed[0])
            else:
                await reply_to_message(after, reply)
        except Exception as exc:
            await self._failed(after, exc)

    async def _failed(self, message: discord.Message, exc: Exception) -> None:
        guild = message.guild.id if message.guild else None
        log_failure(
            f"the answer to a message from user {message.author.id} in guild {guild}"
            f" channel {message.channel.id}",
            exc,
        )
        try:
            await reply_to_message(message, error_reply("Sorry", failure_text(exc)))
        except discord.HTTPException:
            pass

    async def _answer_message(
        self, message: discord.Message, question: str, where: Where, unread: bool, *, long: bool
    ) -> None:
        """``unread``: the message carried something the bot cannot read (an image, a sticker);
        ``long``: its text came partly from a file or a forwarded message, which may be longer
        than a typed one."""
        limit = MAX_TEXT_FILE if long else MAX_QUESTION
        problem = input_problem(question, where, attached=unread, limit=limit)
        wait, reply = await self._past_cooldown(message.author.id, question, problem)
        if wait and reply is None:
            if self.bot.ask_cooldown.first_refusal(message.author.id):
                await reply_to_message(message, info_reply("Slow down", slow_down_text(wait)))
            return
        if problem is not None:
            await reply_to_message(message, problem)
            return
        if reply is None:
            guild_id = message.guild.id if message.guild else None
            reply = await self.bot.require_services().ask.ask(
                message.author.id, question, guild_id=guild_id
            )
        reply = await with_reminders_held(
            self.bot.require_services().reminders, message.author.id, reply
        )
        if message.guild is not None and is_private(reply):
            await self._answer_privately(message, reply, question)
            return
        await reply_to_message(message, reply)

    async def _answer_privately(
        self, message: discord.Message, reply: Reply, question: str
    ) -> None:
        """A private answer (a red flag) to a question asked in a server: by DM, with a neutral note in the channel.

        The note says nothing about what the person described. When the DM can't be sent, the note
        carries a button that shows the answer to the person alone.
        """
        try:
            await send_dm(message.author, reply)
            delivered = True
        except (
            discord.HTTPException
        ) as exc:  # 50007: the person does not accept DMs from this server
            log.info("Could not DM user %s a private answer: %s", message.author.id, exc)
            delivered = False
        note = PRIVATE_NOTE_SENT if delivered else PRIVATE_NOTE_NOT_SENT
        view = None
        if not delivered:
            flag = self.bot.require_services().ask.red_flag(question)
            view = show_privately(message.author.id, flag)
        await reply_to_message(
            message,
            Reply(kind="info", title=PRIVATE_NOTE_TITLE, body=note, footer=reply.footer),
            view=view,
        )


async def setup(bot: LowbackBot) -> None:
    await bot.add_cog(Ask(bot))
