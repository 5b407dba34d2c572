"""The bot as a whole: intents, command syncing, shutdown, the error handler, embed limits, logging."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import discord
import pytest
import simcord
from discord import app_commands

from bot.app import LowbackBot, create_bot, run_bot
from bot.core.replies import DESCRIPTION_LIMIT, FIELD_VALUE_LIMIT, TITLE_LIMIT, TOTAL_LIMIT
from bot.discord_ui.errors import GENERIC
from bot.discord_ui.render import description_of, render_embed
from bot.discord_ui.sync import sync_state_path
from bot.logging_setup import setup_logging
from bot.settings import Settings
from tests.support.e2e import World, embed_text, requests_to

FAKE_TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GhIjKl.abcdefghijklmnopqrstuvwxyz0123456789AB"


def test_the_bot_asks_for_no_privileged_intent() -> None:
    bot = create_bot(Settings(token=None))
    intents = bot.intents

    assert not intents.message_content and not intents.members and not intents.presences
    assert intents.guilds and intents.guild_messages and intents.dm_messages
    assert bot.allowed_mentions is not None and bot.allowed_mentions.to_dict() == {"parse": []}


@pytest.mark.simcord(approved_intents=discord.Intents.default())
async def test_mentions_and_dms_work_without_the_message_content_intent(world: World) -> None:
    await world.alice.send(world.channel, f"{world.mention_bot()} can I still do deadlifts?")
    await world.alice.send_dm("can I still do deadlifts?")

    title = world.bot.services.kb.topics["deadlifts"].title
    assert world.channel.last_message.embeds[0].title == title
    assert world.alice.user.dm_channel.last_message.embeds[0].title == title


async def test_commands_are_synced_once_and_not_again_when_nothing_changed(
    simcord_env: simcord.Env, simcord_bot, settings: Settings
) -> None:
    assert simcord_bot.synced is True
    assert len(requests_to(simcord_env, "PUT", "/applications/")) == 1
    assert sync_state_path(settings.database).exists()

    await simcord_bot.close()
    again = create_bot(settings)
    await simcord_env.restart_bot(again)
    try:
        assert again.synced is False
        assert len(requests_to(simcord_env, "PUT", "/applications/")) == 1
    finally:
        await again.close()


async def test_a_dev_guild_gets_the_commands_directly(
    simcord_env: simcord.Env, simcord_bot, settings: Settings
) -> None:
    guild = simcord_env.create_guild("Dev")
    await simcord_bot.close()
    dev = create_bot(
        Settings(
            token=None, database=settings.database, knowledge=settings.knowledge, dev_guild=guild.id
        )
    )
    await simcord_env.restart_bot(dev)
    try:
        assert dev.synced is True
        assert requests_to(
            simcord_env, "PUT", f"/applications/{dev.application_id}/guilds/{guild.id}/commands"
        )
        channel = guild.create_text_channel("general")
        member = guild.add_member(simcord_env.create_user("dana"))
        result = await member.slash(channel, "ask", question="can I still do deadlifts?")
        assert result.response.embeds[0].title == dev.services.kb.topics["deadlifts"].title
    finally:
        await dev.close()


async def test_commands_a_dev_guild_had_are_taken_out_of_it_once_they_go_global(
    simcord_env: simcord.Env, simcord_bot, settings: Settings
) -> None:
    guild = simcord_env.create_guild("Dev")
    channel = guild.create_text_channel("general")
    member = guild.add_member(simcord_env.create_user("dana"))

    def start(dev_guild: int | None) -> LowbackBot:
        return create_bot(
            Settings(
                token=None,
                database=settings.database,
                knowledge=settings.knowledge,
                dev_guild=dev_guild,
            )
        )

    await simcord_bot.close()
    dev = start(guild.id)  # developed with LOWBACK_DEV_GUILD, then run without it
    await simcord_env.restart_bot(dev)
    await dev.close()
    live = start(None)
    await simcord_env.restart_bot(live)
    try:
        # What Discord's command picker lists in the dev server: each command once, not twice.
        picker = [
            command["name"]
            for command in simcord_env.backend.visible_commands(
                user_id=member.id, channel_id=channel.id
            )
        ]
        assert sorted(picker) == sorted(set(picker)) and "ask" in picker
        result = await member.slash(channel, "ask", question="can I still do deadlifts?")
        assert result.response.embeds[0].title == live.services.kb.topics["deadlifts"].title
    finally:
        await live.close()
    sent = len(requests_to(simcord_env, "PUT", "/applications/"))
    again = start(None)
    await simcord_env.restart_bot(again)
    try:
        assert len(requests_to(simcord_env, "PUT", "/applications/")) == sent  # done once
    finally:
        await again.close()


async def test_a_server_no_longer_the_dev_guild_loses_the_commands_put_there(
    simcord_env: simcord.Env, simcord_bot, settings: Settings
) -> None:
    first, second = simcord_env.create_guild("Old dev"), simcord_env.create_guild("New dev")
    channel = first.create_text_channel("general")
    member = first.add_member(simcord_env.create_user("dana"))
    await simcord_bot.close()
    for dev_guild in (first.id, second.id):
        bot = create_bot(
            Settings(
                token=None,
                database=settings.database,
                knowledge=settings.knowledge,
                dev_guild=dev_guild,
            )
        )
        await simcord_env.restart_bot(bot)
        await bot.close()

    picker = [
        command["name"]
        for command in simcord_env.backend.visible_commands(
            user_id=member.id, channel_id=channel.id
        )
    ]
    assert sorted(picker) == sorted(set(picker))  # the global ones, once each


async def test_close_closes_the_services_and_the_database(
    simcord_env: simcord.Env, simcord_bot
) -> None:
    services = simcord_bot.services
    await services.ask.ask(1, "can I still do deadlifts?")

    await simcord_bot.close()

    assert simcord_bot.services is None
    with pytest.raises(Exception):  # noqa: B017 (any error will do: the database is closed)
        await services.db.fetchone("SELECT 1")


async def test_the_bot_keeps_its_heartbeat_for_the_health_check(
    simcord_env: simcord.Env, simcord_bot, settings: Settings
) -> None:
    from bot.ops.heartbeat import check_heartbeat, heartbeat_path

    path = heartbeat_path(settings.database)
    await simcord_env.advance_time(65)
    assert path.exists()
    assert check_heartbeat(path, simcord_bot.clock()).ok is True
    await simcord_bot.close()
    assert simcord_bot._heartbeat is None  # stopped with the bot


async def test_the_heartbeat_pauses_while_the_gateway_connection_is_down(
    simcord_env: simcord.Env, simcord_bot, settings: Settings
) -> None:
    from bot.ops.heartbeat import check_heartbeat, heartbeat_age, heartbeat_path

    path = heartbeat_path(settings.database)
    assert heartbeat_age(path, simcord_bot.clock()) is not None  # touched when the bot got ready
    simcord_bot.ws.open = False  # dropped, and discord.py is still reconnecting
    await simcord_env.advance_time(150)
    assert check_heartbeat(path, simcord_bot.clock()).ok is False  # Docker would call it unhealthy
    simcord_bot.ws.open = True  # back
    await simcord_env.advance_time(31)
    assert check_heartbeat(path, simcord_bot.clock()).ok is True


# -- the error handler -----------------------------------------------------------------------


@pytest.fixture
async def failing(world: World) -> World:
    """Two commands that fail, one before answering and one after; synced like the real ones."""

    @app_commands.command(name="boom", description="fails before answering")
    async def boom(interaction: discord.Interaction) -> None:
        raise RuntimeError(f"database on fire with {FAKE_TOKEN}")

    @app_commands.command(name="boom-after", description="fails after answering")
    async def boom_after(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("Working on it")
        raise RuntimeError("fell over half way")

    world.bot.tree.add_command(boom)
    world.bot.tree.add_command(boom_after)
    await world.bot.tree.sync()
    return world


@pytest.fixture
def log_output():
    stream = io.StringIO()
    handler = setup_logging("INFO", FAKE_TOKEN, stream=stream)
    try:
        yield stream
    finally:
        logging.getLogger().removeHandler(handler)
        logging.captureWarnings(False)


async def test_an_error_before_answering_gets_a_private_sentence_and_a_logged_traceback(
    failing: World, log_output: io.StringIO
) -> None:
    result = await failing.alice.slash(failing.channel, "boom")

    assert result.ephemeral
    text = embed_text(result.response.embeds[0])
    assert text.strip() == GENERIC
    assert "Traceback" not in text and "RuntimeError" not in text
    assert [type(e) for e in failing.env.errors] == [app_commands.CommandInvokeError]
    logged = log_output.getvalue()
    assert "/boom by user" in logged and str(failing.alice.id) in logged
    assert "RuntimeError" in logged and "database on fire" in logged
    assert FAKE_TOKEN not in logged and "[token]" in logged


async def test_an_error_after_answering_gets_a_private_follow_up(failing: World) -> None:
    result = await failing.alice.slash(failing.channel, "boom-after")

    assert result.response.content == "Working on it"
    assert len(result.followups) == 1
    assert result.followups[0].ephemeral
    assert result.followups[0].embeds[0].description == GENERIC
    assert len(failing.env.errors) == 1


async def test_an_error_on_an_expired_interaction_is_only_logged(
    failing: World, log_output: io.StringIO
) -> None:
    failing.env.inject_error(
        "POST", "/interactions/*", status=404, code=10062, message="Unknown interaction"
    )

    result = await failing.alice.slash(failing.channel, "boom")

    assert not result.acknowledged
    assert [type(e) for e in failing.env.errors] == [
        app_commands.CommandInvokeError
    ]  # the handler itself did not fail
    assert "expired" in log_output.getvalue()


# -- Discord's embed limits over the whole knowledge base ------------------------------------


def assert_fits(embed: discord.Embed, where: str) -> None:
    assert len(embed) <= TOTAL_LIMIT, where
    assert len(embed.title or "") <= TITLE_LIMIT, where
    assert len(embed.description or "") <= DESCRIPTION_LIMIT, where
    assert all(0 < len(f.value) <= FIELD_VALUE_LIMIT for f in embed.fields), where


async def test_every_reply_of_the_knowledge_base_fits_in_an_embed_and_is_sent(world: World) -> None:
    services = world.bot.services
    kb = services.kb
    channel = world.bot.get_channel(world.channel.id)
    for step in range(1, kb.max_step + 1):
        await services.progress.set_step(world.alice.id, step)
        replies = [await services.ask.topic(world.alice.id, topic_id) for topic_id in kb.topics]
        replies.append(await services.progress.show(world.alice.id))
        replies.append(await services.progress.move_up(world.alice.id))
        await services.progress.set_step(world.alice.id, step)
        replies.append(await services.progress.go_back(world.alice.id))
        for reply in replies:
            where = f"{reply.topic or reply.title} at step {step}"
            assert reply.limit_problems() == [], where
            embed = render_embed(reply)
            assert_fits(embed, where)
            assert embed.title == reply.title and embed.description == description_of(reply), (
                f"{where} was cut"
            )
            if step == 1:
                await channel.send(
                    embed=embed
                )  # SimCord applies Discord's own checks to what is sent
    for question in (
        "my legs have gone numb and i can't feel when i pee",
        "how do I bake sourdough bread",
        "hip",
    ):
        assert_fits(render_embed(await services.ask.ask(world.alice.id, question)), question)


# -- running it ------------------------------------------------------------------------------


@pytest.mark.parametrize("token", [None, "not-a-token"])
async def test_run_bot_refuses_a_missing_or_malformed_token(
    tmp_path: Path, token: str | None
) -> None:
    try:
        code = await run_bot(Settings(token=token, database=tmp_path / "x.db"))
    finally:
        for handler in list(logging.getLogger().handlers):
            if type(handler).__name__ == "_LowbackHandler":
                logging.getLogger().removeHandler(handler)
        logging.captureWarnings(False)
    assert code == 2
    assert not (tmp_path / "x.db").exists()


async def test_a_button_the_bot_no_longer_knows_is_answered_not_left_to_fail(
    world: World, settings: Settings
) -> None:
    # A message with a button from an earlier version of the bot, which named its buttons by position.
    old = discord.ui.View(timeout=None)
    old.add_item(discord.ui.Button(label="Next step", custom_id="lowback:next_step:0"))
    channel = world.bot.get_channel(world.channel.id)
    assert isinstance(channel, discord.TextChannel)
    sent = await channel.send("an old answer", view=old)
    await world.bot.close()
    again = create_bot(settings)
    await world.env.restart_bot(again)
    try:
        message = next(m for m in world.channel.history() if m.id == sent.id)

        pressed = await world.alice.click(message, label="Next step")

        assert pressed.acknowledged and pressed.ephemeral
        assert pressed.response.embeds[0].title == "That button no longer works"
        assert "/help" in pressed.response.embeds[0].description
    finally:
        await again.close()
