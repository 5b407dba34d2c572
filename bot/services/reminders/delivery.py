"""Delivering one reminder: what a sender reports, and the protocol a front end implements."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from bot.core.schedule import Occurrence
from bot.services.reminders.messages import ReminderMessage, Skip


class DeliveryStatus(StrEnum):
    DELIVERED = "delivered"
    RETRY = "retry"  # a passing problem (rate limit, network, Discord down): try again later
    CANNOT = "cannot"  # will never work as things are (Discord 50007: the person's DMs are closed)


@dataclass(frozen=True)
class DeliveryResult:
    status: DeliveryStatus
    reason: str | None = None
    retry_after: float | None = None  # seconds, when the transport says (HTTP 429)
    channel_id: int | None = None  # the DM channel the message went to, for next time

    @classmethod
    def delivered(cls, channel_id: int | None = None) -> DeliveryResult:
        return cls(DeliveryStatus.DELIVERED, channel_id=channel_id)

    @classmethod
    def retry(cls, reason: str | None = None, after: float | None = None) -> DeliveryResult:
        return cls(DeliveryStatus.RETRY, reason, after)

    @classmethod
    def cannot(cls, reason: str) -> DeliveryResult:
        return cls(DeliveryStatus.CANNOT, reason)


DELIVERED = DeliveryResult.delivered()


class Sender(Protocol):
    async def send(self, user_id: int, message: ReminderMessage) -> DeliveryResult:
        """Deliver ``message`` to the person. Pass ``message.nonce`` to the transport if it can
        drop repeats. Report a passing failure as RETRY and a permanent one as CANNOT; an
        exception counts as RETRY."""
        ...


Composed = ReminderMessage | Skip | None
Compose = Callable[[int, Occurrence], Composed | Awaitable[Composed]]
"""``compose(user_id, occurrence)``: the reminder to send, or None to skip this one because the
person already did this session's routine, or a :class:`Skip` that says why it is skipped (the
person is doing their routine right now). May be a plain or an async function."""
