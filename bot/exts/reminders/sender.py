"""Reminder DMs: :class:`DiscordSender` is the reminder dispatcher's ``Sender`` for Discord."""

from __future__ import annotations

from dataclasses import replace

import aiohttp
import discord

from bot.core.replies import Reply
from bot.discord_ui import NO_MENTIONS
from bot.discord_ui.render import render_embed
from bot.exts.reminders.views import reminder_view
from bot.services.reminders import DeliveryResult, ReminderMessage
from bot.services.reminders.messages import START_HINT
from bot.services.reminders.ratelimit import background

CANNOT_DM = 50007  # Discord: cannot send messages to this user
UNKNOWN_USER = 10013
UNKNOWN_CHANNEL = 10003


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
    request is a background one for the rate limiter (see ``bot/discord_ui/ratelimit.py``).
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
