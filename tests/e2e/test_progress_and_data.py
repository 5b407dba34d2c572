"""/progress, /mydata: private by default, buttons that move the person, deleting everything."""

from __future__ import annotations

import json

import discord

from bot.app import create_bot
from bot.core.streaks import MISSED_SQUARE
from bot.settings import Settings
from tests.support.e2e import World, buttons, embed_text


async def test_progress_is_private_and_shows_the_step_and_what_comes_next(world: World) -> None:
    kb = world.bot.services.kb
    result = await world.alice.slash(world.channel, "progress show")

    assert result.ephemeral
    embed = result.response.embeds[0]
    assert embed.title == "Your progress"
    assert "step 1" in embed.description
    names = [f.name for f in embed.fields]
    assert "What comes next" in names and "Your streak" in names
    streak = next(f.value for f in embed.fields if f.name == "Your streak")
    assert streak.startswith(MISSED_SQUARE * 7)  # a week of squares, none done yet
    assert {"It's easy now", "It hurts"} <= set(buttons(result.response))
    assert kb.step_topic(2).title.split(":", 1)[-1].strip() in next(
        f.value for f in embed.fields if f.name == "What comes next"
    )


async def test_its_easy_now_moves_up_and_it_hurts_moves_back(world: World) -> None:
    shown = await world.alice.slash(world.channel, "progress show")

    up = await world.alice.click(shown.response, label="It's easy now")
    assert up.response.embeds[0].title == "Moved up to step 2"
    assert "press *It hurts* and you'll go back a step." in up.response.embeds[0].description
    again = await world.alice.slash(world.channel, "progress show")
    assert "step 2" in again.response.embeds[0].description

    back = await world.alice.click(again.response, label="It hurts")
    assert back.response.embeds[0].title == "Back to step 1"
    assert (
        "step 1"
        in (await world.alice.slash(world.channel, "progress show")).response.embeds[0].description
    )


async def test_it_hurts_on_an_old_message_about_step_1_does_not_move_someone_now_on_step_4(
    world: World,
) -> None:
    old = await world.alice.slash(world.channel, "progress show")  # about step 1
    await world.alice.slash(world.channel, "progress set", step=4)

    pressed = await world.alice.click(old.response, label="It hurts")

    embed = pressed.response.embeds[0]
    assert embed.title == "You're on step 4 now"
    assert "This message was about step 1, so I've left your step as it is" in embed.description
    assert "step 4" in await world.progress_text()


async def test_its_easy_now_on_an_old_message_about_step_3_does_not_move_someone_on_step_1(
    world: World,
) -> None:
    await world.alice.slash(world.channel, "progress set", step=3)
    old = await world.alice.slash(world.channel, "progress show")  # about step 3
    await world.alice.slash(world.channel, "progress set", step=1)

    pressed = await world.alice.click(old.response, label="It's easy now")

    assert pressed.response.embeds[0].title == "You're on step 1 now"
    assert "This message was about step 3" in pressed.response.embeds[0].description
    assert "step 1" in await world.progress_text()
    # the answer's own buttons are about step 1, where the person is
    assert buttons(pressed.response) == ["It's easy now", "It hurts", "Start my routine"]
    up = await world.alice.click(pressed.response, label="It's easy now")
    assert up.response.embeds[0].title == "Moved up to step 2"


async def test_it_hurts_under_moved_up_is_about_the_step_moved_up_to(world: World) -> None:
    shown = await world.alice.slash(world.channel, "progress show")
    up = await world.alice.click(shown.response, label="It's easy now")
    assert up.response.embeds[0].title == "Moved up to step 2"
    await world.alice.slash(world.channel, "progress set", step=4)

    back = await world.alice.click(up.response, label="It hurts")

    assert back.response.embeds[0].title == "You're on step 4 now"
    assert "This message was about step 2" in back.response.embeds[0].description
    assert "step 4" in await world.progress_text()


async def test_a_progress_button_from_before_buttons_carried_a_step_moves_from_the_current_one(
    world: World, settings: Settings
) -> None:
    """Messages an older version of the bot sent have "It's easy now" without a step in its custom
    id: after the upgrade it still works, from whatever step the person is on."""
    await world.alice.slash(world.channel, "progress set", step=3)
    view = discord.ui.View(timeout=None)
    view.add_item(
        discord.ui.Button(label="It's easy now", custom_id=f"lowback:do:u:0:{world.alice.id}:0:")
    )
    channel = world.bot.get_channel(world.channel.id)
    assert isinstance(channel, discord.TextChannel)
    old = await channel.send("Your progress", view=view)
    await world.bot.close()
    again = create_bot(settings)
    await world.env.restart_bot(again)
    try:
        up = await world.alice.click(old, label="It's easy now")

        assert up.response.embeds[0].title == "Moved up to step 4"
    finally:
        await again.close()


async def test_progress_set_puts_the_person_on_a_step(world: World) -> None:
    kb = world.bot.services.kb
    result = await world.alice.slash(world.channel, "progress set", step=3)

    assert result.ephemeral
    assert result.response.embeds[0].title == "You're on step 3"
    shown = await world.alice.slash(world.channel, "progress show")
    assert kb.step_topic(3).title.split(":", 1)[-1].strip() in shown.response.embeds[0].description
    beyond = await world.alice.slash(world.channel, "progress set", step=kb.max_step + 1)
    assert beyond.response.embeds[0].title == "No such step"


async def test_only_the_owner_can_move_their_step_from_a_public_progress_message(
    world: World,
) -> None:
    shown = await world.alice.slash(world.channel, "progress show", public=True)
    assert not shown.ephemeral

    pressed = await world.bob.click(shown.response, label="It's easy now")

    assert pressed.ephemeral
    assert pressed.response.embeds[0].title == "Not your buttons"
    assert "step 1" in await world.progress_text()
    assert "step 1" in await world.progress_text(world.bob)


async def test_mydata_show_lists_everything_privately_with_a_json_export(world: World) -> None:
    await world.alice.slash(world.channel, "progress set", step=2)

    result = await world.alice.slash(world.channel, "mydata show")

    assert result.ephemeral
    assert result.response.embeds[0].title == "What I store about you"
    description = result.response.embeds[0].description
    assert "`/mydata delete` removes all of it." in description
    assert "lowback mydata" not in description  # a terminal command acts on the terminal's person
    attachment = result.response.attachments[0]
    assert attachment.filename.endswith(".json")
    export = json.loads(await attachment.read())
    assert export["user_id"] == world.alice.id
    assert str(world.bob.id) not in json.dumps(export)


async def test_mydata_show_attaches_the_privacy_notice_it_points_to(world: World) -> None:
    """It used to send people to "PRIVACY.md", a file in the bot's own folder that nobody in
    Discord can open, and to "the delete option", which no command has."""
    result = await world.alice.slash(world.channel, "mydata show")

    embed = result.response.embeds[0]
    everything = embed_text(embed)
    assert "PRIVACY.md" not in everything and "option" not in everything
    assert "The privacy notice (lowback-privacy.md, attached)" in embed.footer.text
    notice = next(a for a in result.response.attachments if a.filename == "lowback-privacy.md")
    text = (await notice.read()).decode("utf-8")
    assert text.startswith("# Privacy") and "/mydata delete" in text


async def test_mydata_delete_asks_first_then_deletes_everything(world: World) -> None:
    await world.alice.slash(world.channel, "progress set", step=3)
    await world.bob.slash(world.channel, "progress set", step=2)

    asked = await world.alice.slash(world.channel, "mydata delete")
    assert asked.ephemeral
    assert buttons(asked.response) == ["Delete everything", "Cancel"]
    done = await world.alice.click(asked.response, label="Delete everything")

    assert done.response.embeds[0].title == "Your data is deleted"
    assert buttons(done.response) == []
    assert "step 1" in await world.progress_text()
    assert "step 2" in await world.progress_text(world.bob)  # only alice's data went


async def test_mydata_delete_cancel_keeps_everything(world: World) -> None:
    await world.alice.slash(world.channel, "progress set", step=3)
    asked = await world.alice.slash(world.channel, "mydata delete")

    cancelled = await world.alice.click(asked.response, label="Cancel")

    assert cancelled.response.embeds[0].title == "Nothing deleted"
    assert "step 3" in await world.progress_text()


async def test_mydata_delete_confirmation_expires_without_deleting(world: World) -> None:
    await world.alice.slash(world.channel, "progress set", step=3)
    asked = await world.alice.slash(world.channel, "mydata delete")

    await world.env.advance_time(601)

    assert asked.response.embeds[0].title == "Nothing deleted"
    assert buttons(asked.response) == []
    assert "step 3" in await world.progress_text()


async def test_progress_buttons_work_after_a_restart(world: World, settings: Settings) -> None:
    shown = await world.alice.slash(world.channel, "progress show")
    await world.bot.close()
    again = create_bot(settings)
    await world.env.restart_bot(again)
    try:
        up = await world.alice.click(shown.response, label="It's easy now")

        assert up.response.embeds[0].title == "Moved up to step 2"
        assert "step 2" in await world.progress_text()
    finally:
        await again.close()


async def test_mydata_delete_confirmed_after_a_restart_deletes(
    world: World, settings: Settings
) -> None:
    await world.alice.slash(world.channel, "progress set", step=3)
    asked = await world.alice.slash(world.channel, "mydata delete")
    await world.bot.close()
    again = create_bot(settings)
    await world.env.restart_bot(again)
    try:
        done = await world.alice.click(asked.response, label="Delete everything")

        assert done.response.embeds[0].title == "Your data is deleted"
        assert buttons(done.response) == []
        assert "step 1" in await world.progress_text()
    finally:
        await again.close()


async def test_mydata_delete_pressed_after_the_confirmation_expired_deletes_nothing(
    world: World, settings: Settings
) -> None:
    await world.alice.slash(world.channel, "progress set", step=3)
    asked = await world.alice.slash(world.channel, "mydata delete")
    await world.bot.close()  # the bot that would have said "expired" is gone
    again = create_bot(settings)
    await world.env.restart_bot(again)
    try:
        await world.env.advance_time(601)
        late = await world.alice.click(asked.response, label="Delete everything")

        assert late.response.embeds[0].title == "Nothing deleted"
        assert "expired" in late.response.embeds[0].description
        assert "step 3" in await world.progress_text()
    finally:
        await again.close()


async def test_it_hurts_at_step_1_says_what_to_do_once(world: World) -> None:
    shown = await world.alice.slash(world.channel, "progress show")

    pressed = await world.alice.click(shown.response, label="It hurts")

    embed = pressed.response.embeds[0]
    assert embed.title == "Pain at step 1"
    assert "no step to go back to" in embed.description
    said = embed_text(embed).lower()
    assert said.count("round or two") == 1  # the flare-up advice, not three times over
    assert "See a clinician if" in [f.name for f in embed.fields]
