"""The bot on PostgreSQL while the database is away for a moment (a restart, a failover): people
are told, in one short sentence, that the database can't be reached and to try again in a minute,
not that something went wrong; once it is back, everything works again without a restart."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from discord import app_commands

from bot.discord_ui.errors import DATABASE_AWAY
from bot.settings import DEFAULT_KNOWLEDGE, PostgresURL, Settings
from tests.support.backends import NO_SERVER, SERVER, fresh_postgres
from tests.support.blackout import Blackout
from tests.support.e2e import World, embed_text

pytestmark = pytest.mark.skipif(SERVER is None, reason=NO_SERVER)


@pytest.fixture
async def relay() -> Iterator[Blackout]:
    async with fresh_postgres() as url:
        relay = Blackout(url.url)
        try:
            yield relay
        finally:
            relay.close()


@pytest.fixture
def settings(relay: Blackout, tmp_path: Path) -> Settings:
    return Settings(
        token=None,
        database=PostgresURL(relay.url),
        state_dir=tmp_path,  # the command-sync and heartbeat files
        knowledge=DEFAULT_KNOWLEDGE,
        dev_guild=None,
        ask_cooldown_seconds=10.0,
        ask_cooldown_rate=3,
    )


async def test_while_the_database_is_away_people_are_told_so_and_it_all_works_once_it_is_back(
    world: World, relay: Blackout
) -> None:
    assert "step 1" in await world.progress_text()

    relay.cut()
    away = await world.alice.slash(world.channel, "progress show")
    assert away.ephemeral
    text = embed_text(away.response.embeds[0])
    assert DATABASE_AWAY in text
    assert "can't reach my database right now" in text and "try again in a minute" in text
    assert "went wrong" not in text and "Traceback" not in text
    # The command's error reached the tree's one handler, which answered as above.
    assert [type(e) for e in world.env.errors] == [app_commands.CommandInvokeError]

    await world.bob.send(world.channel, f"{world.mention_bot()} can I still do deadlifts?")
    reply = world.channel.last_message
    assert reply is not None and reply.author.id == world.bot.user.id
    assert DATABASE_AWAY in embed_text(reply.embeds[0])

    relay.restore()
    again = await world.alice.slash(world.channel, "progress set", step=2)
    assert again.response.embeds[0].title == "You're on step 2"
    await world.bob.send(world.channel, f"{world.mention_bot()} can I still do deadlifts?")
    assert DATABASE_AWAY not in embed_text(world.channel.last_message.embeds[0])
