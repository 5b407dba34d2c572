"""Keeping requests within Discord's limits."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime

Clock = Callable[[], datetime]
Sleep = Callable[[float], Awaitable[None]]


class TokenBucket:
    """At most ``rate`` acquisitions a second on average, bursts of up to ``burst``.

    Driven by the injected clock and sleep. In any one-second window at most ``burst + rate``
    acquisitions succeed, so ``rate=40, burst=5`` stays under Discord's 50 requests a second
    with room left for interactive traffic.
    """

    def __init__(self, rate: float, burst: int, clock: Clock, sleep: Sleep):
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self.rate = float(rate)
        self.capacity = float(burst)
        self._clock = clock
        self._sleep = sleep
        self._tokens = float(burst)
        self._stamp: datetime | None = None
        self._lock = asyncio.Lock()

    def _refill(self) -> None:
        now = self._clock()
        if self._stamp is not None:
            elapsed = max(0.0, (now - self._stamp).total_seconds())
            self._tokens = min(self.capacity, self._tokens + elapsed * self.rate)
        self._stamp = now

    async def acquire(self) -> None:
        async with self._lock:
            while True:
                self._refill()
                if self._tokens >= 1.0 - 1e-9:
                    self._tokens -= 1.0
                    return
                await self._sleep((1.0 - self._tokens) / self.rate)

