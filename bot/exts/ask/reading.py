"""What a message asks the bot: its question without the mentions, where it came from, whether
it replies to the bot or to a message the bot cannot read, and why a text cannot be answered."""

from __future__ import annotations

import codecs
import logging
import re
from collections.abc import Iterable
from dataclasses import replace
from typing import Literal

import aiohttp
import discord

from bot.core.replies import Reply
from bot.core.text import normalize
from bot.discord_ui.render import error_reply, info_reply
from bot.exts.help import HELP_TOPIC
from bot.services.ask import Asked

log = logging.getLogger(__name__)

# Characters: the longest message Discord lets anyone send. A long post is still screened whole
# for red flags and matched on its start and its end (see bot.core.text.fitted).
MAX_QUESTION = 4000

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

# A mention in reply to someone else's message, asking nothing by itself ("can you answer this?").
CANT_SEE_REPLIED = info_reply(
    "I can't see the message you replied to",
    "Discord only shows me messages that mention me, so I can't read the one you replied to. "
    "Write the question after the mention (copy it in if it's someone else's), or ask with `/ask`.",
)


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


def post_title(message: discord.Message) -> str:
    """The title of the forum post that ``message`` opens, or "" if it opens none. People often
    write the question in the title ("Can I still deadlift?") and only mention the bot below it;
    the opening message of a post has the post's own id."""
    post = message.channel
    if not isinstance(post, discord.Thread) or message.id != post.id:
        return ""
    return post.name.strip() if isinstance(post.parent, discord.ForumChannel) else ""


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


async def carried(message: discord.Message) -> tuple[str, bool]:
    """What a message carries besides its typed text: the text of the messages it forwards and
    of its text files (Discord sends a paste longer than a message as message.txt); and whether
    it carries anything else, which the bot does not read (an image, a sticker, a file that is not
    text)."""
    snapshots = message.message_snapshots
    files = [*message.attachments, *(a for shot in snapshots for a in shot.attachments)]
    forwarded = [shot.content.strip() for shot in snapshots if shot.content.strip()]
    filed = await attached_text(files) if files else ""
    unread = any(not _is_text_file(a) for a in files) or (bool(files) and not filed)
    stickers = bool(message.stickers) or any(shot.stickers for shot in snapshots)
    return "\n\n".join([*forwarded, filed] if filed else forwarded), unread or stickers


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


def replies_unread(message: discord.Message, bot_id: int) -> bool:
    """The message replies to someone else's message whose text the bot is not given (Discord
    shows a bot only the messages that mention it, unless it has the message content intent)."""
    if message.type != discord.MessageType.reply or message.reference is None:
        return False
    replied = message.reference.resolved
    return (
        isinstance(replied, discord.Message)
        and replied.author.id != bot_id
        and not replied.content.strip()
    )


def unseen_reply(asked: Asked) -> Reply | None:
    """What to say instead of ``asked``'s reply to a mention in reply to a message the bot can't
    read, or None to say the reply as it is (it answers what the mention itself asks).

    A greeting or "this?" (answered with what the bot does) gets the note alone; a text nothing
    curated fits ("can you answer this?") gets the note, then the honest "no curated answer", as
    the text may ask something of its own. A subject the sources do not cover is said as it is."""
    match = asked.match
    if match is None:
        return None
    if match.kind == "answer" and match.topic == HELP_TOPIC:
        return CANT_SEE_REPLIED
    if match.kind == "no_match" and match.gap is None:
        body = f"{CANT_SEE_REPLIED.body}\n\n{asked.reply.body}"
        return replace(asked.reply, title=CANT_SEE_REPLIED.title, body=body)
    return None
