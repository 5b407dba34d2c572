"""A per-person rate limit on questions, driven by an injected clock.

discord.py's own cooldowns read ``time.time()``; this one reads the bot's clock, so tests move it
with the simulated time and production uses ``discord.utils.utcnow``.
"""

from __future__ import annotations

import math
from collections import deque
from datetime import datetime

from bot.core.clock import Clock


class Cooldown:
    """At most ``rate`` questions per ``per`` seconds for each person (a sliding window)."""

    def __init__(self, rate: int, per: float, clock: Clock) -> None:
        self.rate = max(1, int(rate))
        self.per = max(0.0, float(per))
        self._clock = clock
        self._seen: dict[int, deque[datetime]] = {}
        self._warned: dict[int, datetime] = {}

    def hit(self, user_id: int) -> float:
        """Count one question from ``user_id``; return 0 when allowed, else the seconds to wait.

        A refused question is not counted, so waiting the given time is always enough.
        """
        if self.per <= 0:
            return 0.0
        now = self._clock()
        window = self._seen.setdefault(user_id, deque())
        while window and (now - window[0]).total_seconds() >= self.per:
            window.popleft()
        if len(window) >= self.rate:
            return max(0.0, self.per - (now - window[0]).total_seconds())
        window.append(now)
        self._forget_idle(now)
        return 0.0

    def first_refusal(self, user_id: int) -> bool:
        """True the first time ``user_id`` is refused in the current window, then False until it moves.

        Lets a channel get one "slow down" per burst instead of one per message.
        """
        window = self._seen.get(user_id)
        if not window:
            return True
        if self._warned.get(user_id) == window[0]:
            return False
        self._warned[user_id] = window[0]
        return True

    def _forget_idle(self, now: datetime) -> None:
        if len(self._seen) < 1024:
            return
        for user_id in [
            u for u, w in self._seen.items() if not w or (now - w[-1]).total_seconds() >= self.per
        ]:
            del self._seen[user_id]
            self._warned.pop(user_id, None)


def wait_text(seconds: float) -> str:
    """``"3 seconds"``, ``"1 second"``: a wait, rounded up to whole seconds."""
    whole = max(1, math.ceil(seconds))
    return f"{whole} second{'s' if whole != 1 else ''}"
