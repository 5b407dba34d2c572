"""A sleep for the bot that only ``env.advance_time`` moves.

SimCord gives a plain ``asyncio.sleep`` in a bot task a wall-clock fallback: a wait that would end
within the settle timeout (5 s) is waited out in real time during the next action, so a 3-second
routine phase could end "by itself" in the middle of a test. The bot takes its sleep as a
parameter (``create_bot(settings, sleep=...)``); :class:`VirtualSleep` declares each wait to SimCord
as an external one, whose timer then fires only through ``env.advance_time``. Tests stay exact and
never wait in real time.

Bind it to the environment once it exists (``sleep.env = simcord_env``); until then, and outside
bot-owned work, it is a plain ``asyncio.sleep``. The e2e conftest does both for a module marked
``pytest.mark.virtual_time``.
"""

from __future__ import annotations

import asyncio

import simcord


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
