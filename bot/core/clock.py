"""Time as a parameter: the one ``Clock`` and ``Sleep`` every layer passes in, and the real clock.

Code that depends on "now" takes a ``Clock`` (a callable returning an aware UTC datetime) and,
if it waits, a ``Sleep`` (an awaitable pause of some seconds). Production passes :func:`utcnow`
(or ``discord.utils.utcnow``) and ``asyncio.sleep``; tests pass a fake clock and a fake sleep, so a
week of reminders or a ten-minute routine runs in milliseconds.
"""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    """Returns the current instant as an aware UTC datetime."""

    def __call__(self) -> datetime: ...


class Sleep(Protocol):
    """Waits ``seconds`` (``asyncio.sleep`` or a test's fake)."""

    def __call__(self, seconds: float, /) -> Awaitable[None]: ...


def utcnow() -> datetime:
    """The real clock: now, as an aware UTC datetime."""
    return datetime.now(UTC)
