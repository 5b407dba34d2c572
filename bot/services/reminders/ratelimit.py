"""Keeping requests within Discord's limits."""

from __future__ import annotations

import asyncio
import contextvars
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.core.clock import Clock, Sleep

log = logging.getLogger("lowback.ratelimit")


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


# --------------------------------------------------------------------------- every REST call

background = contextvars.ContextVar("lowback_background_request", default=False)
"""Set (``background.set(True)``) around work nobody is waiting for, such as a reminder DM: such
requests yield to interactive ones and are the first to back off."""

INVALID_STATUSES = (401, 403, 429)


@dataclass
class RestStats:
    requests: int = 0
    invalid: int = 0
    rate_limited: int = 0
    global_pauses: int = 0


class _Bucket:
    def __init__(self, rate: float, burst: float, now: float):
        self.rate, self.capacity, self.tokens, self.stamp = rate, burst, burst, now

    def wait_for(self, now: float) -> float:
        """Seconds until a token is free (0: one is free now)."""
        self.tokens = min(self.capacity, self.tokens + max(0.0, now - self.stamp) * self.rate)
        self.stamp = now
        return 0.0 if self.tokens >= 1.0 - 1e-9 else (1.0 - self.tokens) / self.rate


class RestLimiter:
    """One budget for every REST call the bot makes (the Discord front end calls :meth:`acquire`
    before each request and :meth:`record` after each response).

    * A token bucket of ``rate`` a second, bursts of ``burst``: in any one-second window at most
      ``rate + burst`` requests start (40 + 5 by default, under Discord's global 50).
    * Background requests (see :data:`background`) also take a token from a smaller bucket
      (``background_rate``), so interactive requests always find room.
    * A global 429 pauses every request for its ``retry_after``; any 429 pauses background
      requests for its ``retry_after``.
    * Invalid responses (401, 403, 429 other than a shared-resource 429) are counted over
      ``invalid_window`` seconds; from ``invalid_limit`` on (by default 500, a twentieth of the
      10,000 in ten minutes that gets an IP banned) background requests wait until the count falls.

    ``clock`` is a monotonic clock in seconds and ``sleep`` an async sleep (both injectable).
    """

    def __init__(
        self,
        *,
        rate: float = 40.0,
        burst: int = 5,
        background_rate: float = 35.0,
        invalid_limit: int = 500,
        invalid_window: float = 600.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ):
        self.clock, self.sleep = clock, sleep
        now = clock()
        self._all = _Bucket(rate, burst, now)
        self._background = _Bucket(background_rate, burst, now)
        self.invalid_limit, self.invalid_window = invalid_limit, invalid_window
        self._invalid: deque[float] = deque()
        self._paused_until = 0.0  # every request (global 429)
        self._background_until = 0.0  # background requests (any 429)
        self.stats = RestStats()
        self.backing_off = False  # background requests held back by the invalid-request count

    def invalid_recently(self, now: float | None = None) -> int:
        now = self.clock() if now is None else now
        while self._invalid and now - self._invalid[0] >= self.invalid_window:
            self._invalid.popleft()
        return len(self._invalid)

    def _hold(self, now: float, is_background: bool) -> float:
        wait = self._paused_until - now
        if is_background:
            wait = max(wait, self._background_until - now)
            if self.invalid_recently(now) >= self.invalid_limit:
                if not self.backing_off:
                    self.backing_off = True
                    log.warning(
                        "%d invalid requests to Discord in the last %d minutes: holding reminders back until that "
                        "falls (Discord bans at 10,000)",
                        len(self._invalid),
                        round(self.invalid_window / 60),
                    )
                wait = max(wait, self._invalid[0] + self.invalid_window - now)
            elif self.backing_off:
                self.backing_off = False
                log.info("invalid requests to Discord are down again; reminders go out again")
        return wait

    async def acquire(self, is_background: bool | None = None) -> None:
        """Wait until a request may start."""
        is_background = background.get() if is_background is None else is_background
        while True:
            now = self.clock()
            wait = self._hold(now, is_background)
            if wait <= 0 and is_background:
                wait = self._background.wait_for(now)
            if wait <= 0:
                wait = self._all.wait_for(now)
                if wait <= 0:
                    self._all.tokens -= 1.0
                    if is_background:
                        self._background.tokens -= 1.0
                    self.stats.requests += 1
                    return
            await self.sleep(wait)

    def record(
        self,
        status: int,
        *,
        retry_after: float | None = None,
        is_global: bool = False,
        scope: str | None = None,
    ) -> None:
        """What a response said: counts invalid ones and applies a 429's pause."""
        now = self.clock()
        if status in INVALID_STATUSES and not (status == 429 and scope == "shared"):
            self._invalid.append(now)
            self.stats.invalid += 1
        if status == 429:
            self.stats.rate_limited += 1
            pause = now + max(0.0, retry_after if retry_after is not None else 1.0)
            self._background_until = max(self._background_until, pause)
            if is_global:
                self.stats.global_pauses += 1
                self._paused_until = max(self._paused_until, pause)
