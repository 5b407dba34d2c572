"""LOWBACK_UNANSWERED_RETENTION_DAYS=0: the bot keeps no unanswered question, even for a server
that turned the list on, and tells the manager so."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.settings import Settings
from tests.support.e2e import World


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return replace(settings, unanswered_retention_days=0)


async def test_zero_days_keeps_no_unanswered_question(world: World) -> None:
    on = await world.manager.slash(world.channel, "admin unanswered", action="on")
    assert on.ephemeral and on.response.embeds[0].title == "Not keeping unanswered questions"
    assert "LOWBACK_UNANSWERED_RETENTION_DAYS=0" in on.response.embeds[0].description

    await world.alice.slash(world.channel, "ask", question="how do I bake sourdough bread")

    assert await world.bot.require_services().unanswered.recent(world.guild.id) == []
    shown = await world.manager.slash(world.channel, "admin unanswered", action="show")
    assert "sourdough" not in (shown.response.embeds[0].description or "")
