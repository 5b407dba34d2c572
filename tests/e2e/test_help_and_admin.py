"""/help, and the server managers' /admin commands (refused to everyone else)."""

from __future__ import annotations

import re
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from discord import app_commands

from bot.exts.admin import SHOWN_QUESTIONS
from bot.settings import DEFAULT_KNOWLEDGE, Settings
from tests.support.e2e import World


@pytest.mark.parametrize(
    ("typed", "named", "by_dm"),
    [
        ("/reminders off", "/reminders off", True),
        ("/Progress show", "/progress show", False),
        ("/routine", "/routine stop", True),  # one of its subcommands
        ("/mydata delete everything", "/mydata delete", False),
    ],
)
async def test_a_command_typed_out_as_a_message_says_it_did_nothing_and_how_to_send_it(
    world: World, typed: str, named: str, by_dm: bool
) -> None:
    await world.alice.slash(world.channel, "reminders on", timezone="Europe/Berlin")
    if by_dm:
        await world.alice.send_dm(typed)
        told = world.alice.user.dm_channel.last_message
    else:
        await world.alice.send(world.channel, f"{world.mention_bot()} {typed}")
        told = world.channel.last_message

    assert told.author.id == world.bot.user.id
    assert told.embeds[0].title == "That was sent as a message"  # not an answer to its words
    assert f"**{named}**" in told.embeds[0].description
    shown = await world.alice.slash(world.channel, "reminders show")
    assert "Reminders are on" in str(shown.response.embeds[0].description)  # nothing was done


async def test_a_server_command_typed_out_in_a_dm_says_to_use_it_in_a_server(world: World) -> None:
    await world.manager.send_dm("/admin reload")

    told = world.manager.user.dm_channel.last_message
    assert told.embeds[0].title == "That was sent as a message"
    assert "It works in a server, not here" in told.embeds[0].description


async def test_ask_typed_out_as_a_message_is_still_answered(world: World) -> None:
    await world.alice.send_dm("/ask can I still do deadlifts?")

    told = world.alice.user.dm_channel.last_message
    assert told.embeds[0].title == world.bot.services.kb.topics["deadlifts"].title


async def test_help_explains_the_bot_lists_the_commands_and_carries_the_safety_note(
    world: World,
) -> None:
    kb = world.bot.services.kb
    result = await world.alice.slash(world.channel, "help")

    assert result.ephemeral
    embed = result.response.embeds[0]
    assert embed.title == kb.topics["help"].title
    commands = next(f.value for f in embed.fields if f.name == "Commands")
    for name in (
        "/ask",
        "/progress show",
        "/progress set",
        "/mydata show",
        "/mydata delete",
        "/help",
    ):
        assert f"`{name}`" in commands
    assert "/admin" not in commands
    assert kb.safety.disclaimer in embed.footer.text


async def test_help_shows_the_manager_commands_to_managers(world: World) -> None:
    result = await world.manager.slash(world.channel, "help")

    commands = next(f.value for f in result.response.embeds[0].fields if f.name == "Commands")
    assert "`/admin reload`" in commands and "`/admin unanswered`" in commands


async def test_manager_commands_are_hidden_from_members(world: World) -> None:
    assert "admin reload" not in world.alice.available_commands(world.channel)
    assert "admin reload" in world.manager.available_commands(world.channel)


async def test_a_member_granted_the_command_by_the_server_is_still_refused(world: World) -> None:
    admin = next(c for c in await world.bot.tree.fetch_commands() if c.name == "admin")
    world.guild.set_command_permissions(admin, {world.alice: True})

    result = await world.alice.slash(world.channel, "admin unanswered", action="on")

    assert result.ephemeral
    assert "Manage Server" in result.response.embeds[0].description
    assert any(isinstance(e, app_commands.MissingPermissions) for e in world.env.errors)
    assert not await world.bot.services.unanswered.is_opted_in(world.guild.id)


# Building the knowledge base again takes seconds, more on a machine running other tests beside.
@pytest.mark.simcord(settle_timeout=20.0)
async def test_admin_reload_reloads_the_knowledge_base(world: World) -> None:
    result = await world.manager.slash(world.channel, "admin reload")

    assert result.ephemeral
    message = result.followups[0] if result.followups else result.response
    assert message.embeds[0].title == "Knowledge base reloaded"
    assert "topics" in message.embeds[0].description


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """This module's bot reads a copy of the knowledge base that a test may break."""
    knowledge = tmp_path / "knowledge"
    shutil.copytree(DEFAULT_KNOWLEDGE, knowledge)
    return Settings(token=None, database=tmp_path / "lowback.db", knowledge=knowledge)


async def test_a_broken_knowledge_base_is_refused_and_the_old_one_kept(world: World) -> None:
    kb = world.bot.services.kb
    topic_file = next(iter(sorted((world.bot.settings.knowledge / "topics").glob("*.yaml"))))
    topic_file.write_text(
        topic_file.read_text(encoding="utf-8") + "\n  - id: Not A Valid Id\n", encoding="utf-8"
    )

    result = await world.manager.slash(world.channel, "admin reload")

    message = result.followups[0] if result.followups else result.response
    embed = message.embeds[0]
    assert embed.title == "Reload refused"
    assert topic_file.name in embed.description
    asked = await world.alice.slash(world.channel, "ask", question="can I still do deadlifts?")
    assert asked.response.embeds[0].title == kb.topics["deadlifts"].title


async def test_unanswered_questions_list_is_opt_in_and_off_deletes_it(world: World) -> None:
    off = await world.manager.slash(world.channel, "admin unanswered", action="show")
    assert off.response.embeds[0].title == "Unanswered questions are off"

    on = await world.manager.slash(world.channel, "admin unanswered", action="on")
    assert on.ephemeral and on.response.embeds[0].title == "Keeping unanswered questions"
    await world.alice.slash(
        world.channel, "ask", question=f"how do I bake sourdough bread {world.bob.mention}"
    )
    await world.alice.slash(world.channel, "ask", question="can I still do deadlifts?")

    shown = await world.manager.slash(world.channel, "admin unanswered", action="show")
    listing = shown.response.embeds[0].description
    assert "sourdough" in listing
    assert "deadlifts" not in listing  # answered questions are not kept
    assert str(world.bob.id) not in listing and str(world.alice.id) not in listing

    stopped = await world.manager.slash(world.channel, "admin unanswered", action="off")
    assert "deleted the 1 question" in stopped.response.embeds[0].description
    assert await world.bot.services.unanswered.recent(world.guild.id) == []


async def test_a_question_asked_privately_is_not_kept_in_the_unanswered_list(world: World) -> None:
    await world.manager.slash(world.channel, "admin unanswered", action="on")

    private = await world.alice.slash(
        world.channel, "ask", question="how do I bake sourdough bread", private=True
    )
    await world.alice.slash(world.channel, "ask", question="what's the best graphics card")

    assert private.ephemeral
    assert private.response.embeds[0].title == "I don't have a curated answer for that"
    shown = await world.manager.slash(world.channel, "admin unanswered", action="show")
    listing = shown.response.embeds[0].description
    assert "graphics card" in listing  # asked openly: kept, as the server chose
    assert "sourdough" not in listing


async def test_help_says_not_medical_advice_once_and_names_no_terminal_command(
    world: World,
) -> None:
    result = await world.manager.slash(world.channel, "help")

    embed = result.response.embeds[0]
    shown = "\n".join(
        [embed.description or "", *(f.value for f in embed.fields), embed.footer.text or ""]
    )
    assert shown.lower().count("not medical advice") == 1
    assert "lowback " not in shown  # a shell command a Discord user has no shell for


async def test_a_long_unanswered_list_shows_whole_questions_and_says_how_many_more(
    world: World,
) -> None:
    await world.manager.slash(world.channel, "admin unanswered", action="on")
    kept = world.bot.require_services().unanswered
    for i in range(SHOWN_QUESTIONS):  # long questions: not all of them fit in one message
        question = f"question {i:02}: " + "how do I bake *sourdough* bread_with_rye " * 10
        asked = world.env.now() - timedelta(minutes=SHOWN_QUESTIONS - i)
        await kept.record(world.guild.id, question, None, 0.1, asked)

    shown = await world.manager.slash(world.channel, "admin unanswered", action="show")

    embed = shown.response.embeds[0]
    lines = embed.description.split("\n")
    listed = [line for line in lines if line.startswith("• ")]
    assert embed.title == f"The last {len(listed)} unanswered question(s)"
    assert all(re.fullmatch(r"• <t:\d+:R>: question \d\d: how do I .*…", line) for line in listed)
    assert listed[0].split(": ")[1] == "question 19"  # newest first
    left = SHOWN_QUESTIONS - len(listed)
    assert left > 0 and lines[-1] == f"… and {left} older one(s) that don't fit in one message."
