"""A sleep for the bot that only ``env.advance_time`` moves.

SimCord gives a plain ``asyncio.sleep`` in a bot task a wall-clock fallback: a wait that would end
within the settle timeout (5 s) is waited out in real time during the next action, so a 3-second
routine phase could end "by itself" in the middle of a test. The bot takes its sleep as a
parameter (``create_bot(settings, sleep=...)``); :class:`VirtualSleep` declares each wait to SimCord
as an external one, whose timer then fires only through ``env.advance_time``. Tests stay exact and
never wait in real time.

Bind it to the environment once it exists (``sleep.env = simcord_env``); until then, and outside
bot-owned work, it is a plain ``asyncio.sleep``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import simcord

from bot.app import LowbackBot, create_bot
from bot.settings import Settings
from tests.support.e2e import services_closed_after


class VirtualSleep:
    def __init__(self) -> None:
        self.env: simcord.Env | None = None

    async def __call__(self, seconds: float) -> None:
        env = self.env
        if env is None or seconds <= 0:
            await asyncio.sleep(max(0.0, seconds))
            return
        waiting = asyncio.sleep(seconds)
        try:
            await env.external_wait(waiting, reason=f"the bot's sleep of {seconds:g} s")
        except simcord.SetupError:  # not bot-owned work (or already declared): sleep plainly
            await asyncio.sleep(seconds)


# -- fixtures: test modules that need virtual timers import these three by name ----------------


@pytest.fixture
def sleep() -> VirtualSleep:
    return VirtualSleep()


@pytest.fixture
async def simcord_bot(settings: Settings, sleep: VirtualSleep) -> AsyncIterator[LowbackBot]:
    """The real bot, whose dispatcher and routine timers move only with ``env.advance_time``."""
    async with services_closed_after(create_bot(settings, sleep=sleep)) as bot:
        yield bot


@pytest.fixture(autouse=True)
def virtual_timers(simcord_env: simcord.Env, sleep: VirtualSleep) -> None:
    sleep.env = simcord_env
