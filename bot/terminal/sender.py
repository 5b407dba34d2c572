"""Reminders in the terminal: ``lowback chat`` prints them as they come due."""

from __future__ import annotations

from typing import TextIO

from bot.core.replies import render_text
from bot.services.reminders.delivery import DELIVERED, DeliveryResult
from bot.services.reminders.messages import ReminderMessage


class TerminalSender:
    """Prints reminders to a text stream: ``lowback chat`` shows them as they come due."""

    def __init__(
        self, stream: TextIO, *, start_hint: str | None = "Type /routine {routine_id} to start it."
    ):
        self.stream = stream
        self.start_hint = start_hint

    async def send(self, user_id: int, message: ReminderMessage) -> DeliveryResult:
        text = "\n" + render_text(message.to_reply())
        if self.start_hint and message.routine_id:
            text += self.start_hint.format(routine_id=message.routine_id) + "\n"
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError) as exc:  # ValueError: the stream was closed
            return DeliveryResult.retry(f"the terminal could not be written to: {exc}")
        return DELIVERED
