"""The real bot, built by ``create_bot()``, against a fresh database file and the repo's knowledge.

SimCord runs it: ``simcord_env`` (from SimCord's pytest plugin) starts the bot, which opens its
services and syncs its commands in ``setup_hook``. ``world`` adds a server with a channel, two
members and a manager.

A module marked ``pytestmark = pytest.mark.virtual_time`` gets a bot whose own waits (the reminder
dispatcher, routine timers) move only with ``env.advance_time``: see tests/support/virtual_time.py.
``sleep`` is that bot's sleep, for a test that builds the bot again after a restart.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import discord
import pytest
import simcord

from bot.app import LowbackBot, create_bot
from bot.settings import DEFAULT_KNOWLEDGE, Settings
from tests.support.e2e import World, services_closed_after
from tests.support.virtual_time import VirtualSleep


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        token=None,
        database=tmp_path / "lowback.db",
        knowledge=DEFAULT_KNOWLEDGE,
        dev_guild=None,
        ask_cooldown_seconds=10.0,
        ask_cooldown_rate=3,
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "virtual_time: the bot sleeps only as far as env.advance_time moves the clock"
    )


def _virtual(request: pytest.FixtureRequest) -> bool:
    return request.node.get_closest_marker("virtual_time") is not None


@pytest.fixture
def sleep(request: pytest.FixtureRequest) -> VirtualSleep | None:
    """The bot's sleep: a :class:`VirtualSleep` under ``virtual_time``, else the bot's default."""
    return VirtualSleep() if _virtual(request) else None


@pytest.fixture(autouse=True)
def virtual_timers(request: pytest.FixtureRequest, sleep: VirtualSleep | None) -> None:
    """Bind the virtual sleep to the test's SimCord environment (which starts the bot)."""
    if sleep is not None:
        sleep.env = request.getfixturevalue("simcord_env")


@pytest.fixture
async def simcord_bot(settings: Settings, sleep: VirtualSleep | None) -> AsyncIterator[LowbackBot]:
    async with services_closed_after(create_bot(settings, sleep=sleep)) as bot:
        yield bot


@pytest.fixture
def world(simcord_env: simcord.Env, simcord_bot: LowbackBot) -> World:
    guild = simcord_env.create_guild("Back Club")
    channel = guild.create_text_channel("general")
    managers = guild.create_role("Managers", permissions=discord.Permissions(manage_guild=True))
    return World(
        env=simcord_env,
        bot=simcord_bot,
        guild=guild,
        channel=channel,
        alice=guild.add_member(simcord_env.create_user("alice")),
        bob=guild.add_member(simcord_env.create_user("bob")),
        manager=guild.add_member(simcord_env.create_user("mia"), roles=[managers]),
    )
