"""Test doubles shared by the test suite."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta


def utc(text: str) -> datetime:
    """``utc("2026-03-08T07:30")``: an aware UTC datetime."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


class FakeClock:
    """A clock whose time moves only when a test moves it, or when code sleeps on it.

    ``clock.now`` (or ``clock()``) is the injected clock; ``clock.sleep`` the injected async sleep:
    it moves virtual time forward by the amount slept and yields to the event loop, so a week of
    waiting takes microseconds.

    ``horizon``, when set, is a point virtual time may not pass by sleeping: a sleep that would end
    later waits (parked) until the test raises the horizon with :meth:`release`. That lets a test
    freeze a long-running task mid-sleep, change something, and check what the task does next.
    """

    def __init__(self, start: datetime | str = "2026-03-02T12:00:00+00:00"):
        self._now = utc(start) if isinstance(start, str) else start.astimezone(UTC)
        self.slept: list[float] = []
        self.horizon: datetime | None = None
        self._parked: list[asyncio.Future[None]] = []
        self._park_event: asyncio.Event | None = None

    def now(self) -> datetime:
        return self._now

    __call__ = now

    def steady(self) -> float:
        """Seconds on a clock that is never stepped: this one's, which moves only forward."""
        return self._now.timestamp()

    def advance(self, delta: timedelta | float) -> datetime:
        if not isinstance(delta, timedelta):
            delta = timedelta(seconds=delta)
        if delta < timedelta(0):
            raise ValueError("time does not go backwards")
        self._now += delta
        return self._now

    def set(self, moment: datetime | str) -> datetime:
        moment = utc(moment) if isinstance(moment, str) else moment.astimezone(UTC)
        if moment < self._now:
            raise ValueError(f"time does not go backwards ({moment} < {self._now})")
        self._now = moment
        return self._now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        target = self._now + timedelta(seconds=max(0.0, seconds))
        while self.horizon is not None and target > self.horizon:
            if self._now < self.horizon:
                self._now = self.horizon
            future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._parked.append(future)
            self._parked_event().set()
            try:
                await future
            finally:
                self._parked.remove(future)
        if target > self._now:
            self._now = target
        await asyncio.sleep(0)

    def _parked_event(self) -> asyncio.Event:
        if self._park_event is None:
            self._park_event = asyncio.Event()
        return self._park_event

    async def until_parked(self, timeout: float = 5.0, *, sleepers: int = 1) -> None:
        """Wait until ``sleepers`` tasks are parked at the horizon, so everything they did before
        sleeping again is done (a real-time timeout guards a hang)."""

        async def parked() -> None:
            event = self._parked_event()
            while sum(not f.done() for f in self._parked) < sleepers:
                event.clear()
                await event.wait()

        await asyncio.wait_for(parked(), timeout)

    def release(self, horizon: datetime | None) -> None:
        """Move the horizon (None: no limit) and let parked sleepers continue."""
        self.horizon = horizon
        self._parked_event().clear()
        for future in list(self._parked):
            if not future.done():
                future.set_result(None)
