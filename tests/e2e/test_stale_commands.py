"""Slash commands as a person's Discord app still knows them from before an update of the bot: a
command whose options changed, or one the bot no longer has. Discord apps keep the list they
loaded, so for a while after an update people send the old shape."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import discord
import pytest
from discord import app_commands

from bot.app import create_bot
from bot.discord_ui.errors import GENERIC
from bot.logging_setup import setup_logging
from bot.settings import Settings
from tests.support.e2e import World, embed_text, requests_to


@pytest.fixture
def log_output() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = setup_logging("INFO", None, stream=stream)
    try:
        yield stream
    finally:
        logging.getLogger().removeHandler(handler)
        logging.captureWarnings(False)


async def discord_knows_the_old_commands(world: World) -> None:
    """Discord holds the commands of an earlier version of the bot: /ask took its question as
    ``text``, and there was a /stretch; the running bot has neither."""
    tree = world.bot.tree
    ask = tree.get_command("ask")
    assert ask is not None
    tree.remove_command("ask")

    @app_commands.command(name="ask", description="Ask about low back pain")
    async def old_ask(interaction: discord.Interaction, text: str) -> None:
        raise AssertionError("the old /ask is never run")

    @app_commands.command(name="stretch", description="A stretch")
    async def stretch(interaction: discord.Interaction) -> None:
        raise AssertionError("the old /stretch is never run")

    tree.add_command(old_ask)
    tree.add_command(stretch)
    await tree.sync()
    tree.remove_command("ask")
    tree.remove_command("stretch")
    tree.add_command(ask)


@pytest.mark.parametrize(
    ("command", "options"), [("ask", {"text": "can I deadlift?"}), ("stretch", {})]
)
async def test_a_command_from_before_an_update_says_to_reload_discord_not_to_try_again(
    world: World, log_output: io.StringIO, command: str, options: dict[str, str]
) -> None:
    await discord_knows_the_old_commands(world)

    result = await world.alice.slash(world.channel, command, **options)

    assert result.ephemeral
    text = embed_text(result.response.embeds[0])
    assert GENERIC not in text
    assert "changed" in text and "reload Discord" in text
    logged = log_output.getvalue()
    assert "Traceback" not in logged
    assert f"/{command}" in logged and "sync" in logged  # the operator learns what to do
    world.env.errors.clear()  # seen: discord.py's own error for the mismatch


async def test_after_a_command_from_before_an_update_the_next_start_syncs_the_commands(
    world: World, settings: Settings
) -> None:
    await discord_knows_the_old_commands(world)
    await world.alice.slash(world.channel, "stretch")
    world.env.errors.clear()
    synced = len(requests_to(world.env, "PUT", "/applications/"))

    await world.bot.close()
    again = create_bot(settings)
    await world.env.restart_bot(again)
    try:
        assert len(requests_to(world.env, "PUT", "/applications/")) == synced + 1
        result = await world.alice.slash(world.channel, "ask", question="can I still deadlift?")
        assert (
            result.response.embeds[0].title == again.require_services().kb.topics["deadlifts"].title
        )
        assert "stretch" not in world.alice.available_commands(world.channel)
    finally:
        await again.close()
