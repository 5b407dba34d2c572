"""The ``Ask`` cog: ``/ask``, mentions, DMs and their edits (see the package's description)."""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands

from bot.core.chatter import only_chatter
from bot.core.replies import Reply
from bot.discord_ui.errors import failure_text, log_failure, slow_down_text
from bot.discord_ui.render import (
    error_reply,
    info_reply,
    is_private,
    replace_answer,
    reply_to_message,
    respond,
    send_dm,
)
from bot.exts.ask.private import (
    PRIVATE_NOTE_NOT_SENT,
    PRIVATE_NOTE_SENT,
    PRIVATE_NOTE_TITLE,
    ShowPrivately,
    show_privately,
)
from bot.exts.ask.reading import (
    CANT_SEE_REPLIED,
    MAX_QUESTION,
    MAX_TEXT_FILE,
    Where,
    carried,
    input_problem,
    my_roles,
    post_title,
    question_from_message,
    replies_to_me,
    replies_unread,
    unseen_reply,
)
from bot.services.reminders.holding import with_reminders_held

if TYPE_CHECKING:
    from bot.app import LowbackBot

log = logging.getLogger(__name__)

# The line above an answer sent by DM because the bot may not post where it was asked.
CANT_POST_HERE = (
    "I'm not allowed to post in {channel}, so here is my answer to what you asked me there."
)

# A question edited this soon after it was sent is answered again; later edits are left alone.
EDIT_WINDOW = timedelta(minutes=15)
ANSWERS_KEPT = 1000  # questions remembered for their edits, newest first
RECALL_LIMIT = 50  # messages after an edited question searched for the answer to it


@dataclass(frozen=True)
class Answered:
    """A message the bot took as a question: a fingerprint of its text then (not the text: what
    people ask is not kept), and the bot's answer (None until sent)."""

    asked: int
    answer: discord.Message | None


class Ask(commands.Cog):
    def __init__(self, bot: LowbackBot) -> None:
        self.bot = bot
        # The newest messages asked by mention or DM, by id: what each said, and the answer.
        self._answers: OrderedDict[int, Answered] = OrderedDict()
        # Questions deleted while their answer was on its way: it is not left in the channel.
        self._deleted: OrderedDict[int, None] = OrderedDict()

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
        self, user_id: int, question: str, problem: Reply | None, *, count: bool = True
    ) -> tuple[float, Reply | None]:
        """``(0, None)`` when the person may ask now (the question counts towards the cooldown,
        unless not ``count``: a question edited, whose answer is replaced, is not a new one).

        Else the seconds to wait, and the answer if the question describes a red flag or a crisis:
        that is given however many questions came just before it; nothing else is.
        """
        wait = self.bot.ask_cooldown.hit(user_id) if count else 0.0
        if not wait or problem is not None:
            return wait, None
        return wait, await self.bot.require_services().ask.urgent(question)

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        await self._take(message)

    @commands.Cog.listener()
    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        """A question edited soon after it was sent (a typo put right, the question written after
        a bare mention, a symptom added) is answered again: in place of the earlier answer when
        there is one, so the channel never shows an answer to words no longer there."""
        message = payload.message
        if message.edited_at is None:
            return  # a link preview or an embed arriving: not an edit by the person
        before = payload.cached_message
        if before is not None and before.content == message.content:
            return  # pinned, or its preview changed: the question is the same
        answered = self._answers.get(message.id)
        if answered is not None and answered.asked == hash(message.content):
            return
        if self.bot.clock() - message.created_at > EDIT_WINDOW:
            return
        await self._take(message, edit=True)

    @commands.Cog.listener()
    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        """A question deleted (by the person, or a moderator) takes the bot's answer to it with
        it, so nothing left in the channel says what was asked. An answer sent by DM stays: it
        is the person's own."""
        await self._drop_answers({payload.message_id})

    @commands.Cog.listener()
    async def on_raw_bulk_message_delete(self, payload: discord.RawBulkMessageDeleteEvent) -> None:
        await self._drop_answers(payload.message_ids)

    async def _drop_answers(self, question_ids: set[int]) -> None:
        for question_id in question_ids & self._answers.keys():
            answer = self._answers.pop(question_id).answer
            if answer is None:  # still being answered (a moderation bot deletes at once)
                self._deleted[question_id] = None
                while len(self._deleted) > ANSWERS_KEPT:
                    self._deleted.popitem(last=False)
                continue
            if isinstance(answer.channel, discord.DMChannel):
                continue
            try:
                await answer.delete()
            except discord.HTTPException as exc:  # gone already, or no longer reachable
                log.info("Could not delete the answer to deleted question %s: %s", question_id, exc)

    async def _take(self, message: discord.Message, *, edit: bool = False) -> None:
        """Answer ``message`` if it asks the bot something: a mention, a DM, a reply to the bot.
        ``edit``: it was edited since it was sent."""
        me = self.bot.user
        if me is None or message.author.bot or message.author.id == me.id:
            return
        if message.type not in (discord.MessageType.default, discord.MessageType.reply):
            return
        roles = my_roles(message, me.id)
        where: Where = "mention" if message.guild is not None else "dm"
        if message.guild is not None and not any(user.id == me.id for user in message.mentions):
            if not any(role.id in roles for role in message.role_mentions):
                return
            where = "role"
        question = question_from_message(message, me.id, roles)
        if title := post_title(message):  # the question is often the title of a forum post
            question = f"{title}\n\n{question}" if question else title
        if await self._taken_by_feature(message, question):
            return  # 'pause' to a live routine: the routine paused, no question asked
        if replies_to_me(message, me.id) and not message.attachments and only_chatter(question):
            return  # "thanks!", "ok", "👍" in reply to an answer: nothing to answer
        if edit and message.id not in self._answers:  # asked before the bot last started
            await self._recall_answer(message, me.id)
        earlier = self._answers.get(message.id)
        edited = earlier is not None and earlier.answer is not None  # its answer is replaced
        self._remember(message, None)
        try:
            # what it forwards and its text files (a long paste) are read after what was typed
            text, attached = await carried(message)
            if text:
                question = f"{question}\n\n{text}" if question else text
            await self._answer_message(
                message, question, where, attached=attached, long=bool(text), edited=edited
            )
        except Exception as exc:
            guild = message.guild.id if message.guild else None
            log_failure(
                f"the answer to a message from user {message.author.id} in guild {guild}"
                f" channel {message.channel.id}",
                exc,
            )
            try:
                await self._say(message, error_reply("Sorry", failure_text(exc)))
            except discord.HTTPException:
                pass

    async def _taken_by_feature(self, message: discord.Message, question: str) -> bool:
        """A feature read ``message`` as said to it (see ``LowbackBot.message_handlers``)."""
        try:
            for handler in self.bot.message_handlers:
                if await handler(message, question):
                    return True
        except Exception as exc:
            log_failure(f"a message of user {message.author.id} to the bot", exc)
            try:
                await self._say(message, error_reply("Sorry", failure_text(exc)))
            except discord.HTTPException:
                pass
            return True
        return False

    async def _recall_answer(self, message: discord.Message, bot_id: int) -> None:
        """Find the bot's answer to ``message`` among the messages after it, for a question asked
        before the bot was last started (so not remembered): its edit then replaces that answer
        instead of adding a second one beside an answer to words no longer there."""
        try:
            async for later in message.channel.history(after=message, limit=RECALL_LIMIT):
                asked = later.reference.message_id if later.reference else None
                if later.author.id == bot_id and asked == message.id:
                    self._answers[message.id] = Answered(0, later)
                    return
        except (discord.HTTPException, aiohttp.ClientError, TimeoutError) as exc:
            log.info("Could not look for the answer to edited question %s: %s", message.id, exc)

    def _remember(self, message: discord.Message, answer: discord.Message | None) -> None:
        """Keep what ``message`` asked and the bot's answer to it, for an edit of it."""
        answers = self._answers
        earlier = answers.pop(message.id, None)
        if answer is None and earlier is not None:
            answer = earlier.answer
        answers[message.id] = Answered(hash(message.content), answer)
        while len(answers) > ANSWERS_KEPT:
            answers.popitem(last=False)

    async def _say(
        self,
        message: discord.Message,
        reply: Reply,
        *,
        view: discord.ui.View | None = None,
        by_dm: bool = True,
    ) -> None:
        """Answer ``message``: in place of the bot's earlier answer to it (it was edited), else as
        a reply to it. Where the bot may not post (the channel forbids it, or the bot is timed
        out), the answer goes to the person by DM, unless ``by_dm`` is False.

        A question deleted in a server before its answer was sent gets none there: nothing is left
        in the channel answering what nobody can see (a DM answer stays, it is the person's own).
        """
        if message.guild is not None and message.id in self._deleted:
            return
        answered = self._answers.get(message.id)
        sent = None
        if answered is not None and answered.answer is not None:
            try:
                sent = await replace_answer(
                    answered.answer, reply, owner_id=message.author.id, view=view
                )
            except discord.NotFound:  # the earlier answer was deleted: answer anew
                sent = None
        if sent is None:
            try:
                sent = await reply_to_message(message, reply, view=view)
            except discord.Forbidden as exc:
                if message.guild is None:  # 50007: they share no server with the bot any more,
                    # or blocked it since they wrote; nothing can reach them, nothing to fix here
                    log.info("Could not answer the DM of user %s: %s", message.author.id, exc)
                    return
                sent = await self._answer_by_dm(message, reply, view, exc, by_dm=by_dm)
                if sent is None:
                    return
        if message.id in self._deleted and not isinstance(sent.channel, discord.DMChannel):
            try:  # the question was deleted while its answer was on its way
                await sent.delete()
            except discord.HTTPException as exc:
                log.info("Could not delete the answer to deleted question %s: %s", message.id, exc)
            return
        self._remember(message, sent)

    async def _answer_by_dm(
        self,
        message: discord.Message,
        reply: Reply,
        view: discord.ui.View | None,
        refused: discord.Forbidden,
        *,
        by_dm: bool,
    ) -> discord.Message | None:
        """The answer to a question asked where the bot may not post, by DM; None if it can't go."""
        where = f"user {message.author.id} in guild {message.guild and message.guild.id}"
        where += f" channel {message.channel.id}"
        if not by_dm:
            log.info("Could not post the answer to %s: %s", where, refused)
            return None
        note = CANT_POST_HERE.format(channel=f"<#{message.channel.id}>")
        try:
            return await send_dm(message.author, reply, note=note, view=view)
        except discord.HTTPException as exc:  # 50007: no DMs from the bot either
            log.info("Could not answer %s there (%s) nor by DM (%s)", where, refused, exc)
            return None

    async def _answer_message(
        self,
        message: discord.Message,
        question: str,
        where: Where,
        *,
        attached: bool,
        long: bool,
        edited: bool = False,
    ) -> None:
        """``attached``: the message carried something the bot cannot read (an image, a sticker);
        ``long``: its text came partly from a file or a forwarded message, which may be longer
        than a typed one; ``edited``: it was answered before and edited since (typos put right
        one after another are not new questions, and never turn the answer into "slow down")."""
        limit = MAX_TEXT_FILE if long else MAX_QUESTION
        problem = input_problem(question, where, attached=attached, limit=limit)
        too_long = problem is not None and len(question.strip()) > limit
        # too long to answer, not to screen: a warning sign in it is answered all the same
        if too_long and await self.bot.require_services().ask.urgent(question) is not None:
            problem = None
        wait, reply = await self._past_cooldown(
            message.author.id, question, problem, count=not edited
        )
        if wait and reply is None:
            if self.bot.ask_cooldown.first_refusal(message.author.id):
                await self._say(message, info_reply("Slow down", slow_down_text(wait)))
            return
        unseen = self.bot.user is not None and replies_unread(message, self.bot.user.id)
        if problem is not None:
            short = len(question) <= MAX_QUESTION
            await self._say(message, CANT_SEE_REPLIED if unseen and short else problem)
            return
        if reply is None:
            guild_id = message.guild.id if message.guild else None
            asked = await self.bot.require_services().ask.ask_full(
                message.author.id, question, guild_id=guild_id
            )
            reply = (unseen and unseen_reply(asked)) or asked.reply
        reply = await with_reminders_held(
            self.bot.require_services().reminders, message.author.id, reply
        )
        if message.guild is not None and is_private(reply):
            await self._answer_privately(message, reply, question)
            return
        await self._say(message, reply)

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
        await self._say(
            message,
            Reply(kind="info", title=PRIVATE_NOTE_TITLE, body=note, footer=reply.footer),
            view=view,
            by_dm=False,  # the answer went by DM, or the person takes none
        )
