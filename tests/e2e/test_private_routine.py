"""A routine started from an answer shown only to the person (``/ask private: True``) stays theirs:
it follows in a message only they see, never in the channel."""

from __future__ import annotations

import pytest

from tests.support.e2e import World, buttons, requests_to

pytestmark = pytest.mark.virtual_time  # the bot's timers move only with env.advance_time


async def test_a_routine_started_from_a_private_answer_is_shown_only_to_the_person(
    world: World,
) -> None:
    asked = await world.alice.slash(
        world.channel, "ask", question="how do I do the booty flex?", private=True
    )
    assert asked.ephemeral

    pressed = await world.alice.click(asked.response, label="Start this routine")

    assert pressed.ephemeral and pressed.response.embeds[0].title == "Starting Booty flexes"
    assert "only you can see" in pressed.response.embeds[0].description
    [message] = pressed.followups
    assert message.ephemeral and message.embeds[0].title == "Booty flexes"
    assert buttons(message) == ["Pause", "+1 round", "Stop"]
    await world.alice.click(message, label="Pause")
    await world.alice.click(message, label="Resume")
    await world.env.advance_time(10 * 60)
    [shown] = pressed.followups
    assert shown.embeds[0].title == "Booty flexes: done"
    # Nothing of it was posted where others could see it.
    assert not requests_to(world.env, "POST", f"/channels/{world.channel.id}/messages")
    assert world.alice.user.dm_channel is None or world.alice.user.dm_channel.last_message is None


async def test_a_routine_started_from_an_answer_everyone_sees_is_live_in_the_channel(
    world: World,
) -> None:
    asked = await world.alice.slash(world.channel, "ask", question="how do I do the booty flex?")

    pressed = await world.alice.click(asked.response, label="Start this routine")

    assert not pressed.followups
    assert world.channel.last_message.embeds[0].title == "Booty flexes"


async def test_a_private_routine_still_going_after_14_minutes_carries_on_in_a_dm(
    world: World,
) -> None:
    asked = await world.alice.slash(
        world.channel, "ask", question="how do I do the booty flex?", private=True
    )
    pressed = await world.alice.click(asked.response, label="Start this routine")
    [message] = pressed.followups
    await world.alice.click(message, label="Pause")

    for _ in range(20):  # a long pause: past the 15 minutes the message can be edited
        await world.env.advance_time(60)

    [moved] = pressed.followups
    assert moved.embeds[0].title == "Booty flexes: continued in your DMs"
    assert "can't post" not in moved.embeds[0].description  # it could; it was private
    assert "only for you" in moved.embeds[0].description
    dm = world.alice.user.dm_channel.last_message
    assert dm.embeds[0].title == "Booty flexes" and buttons(dm) == ["Resume", "+1 round", "Stop"]


async def test_stop_it_and_start_this_one_keeps_a_routine_from_a_private_answer_private(
    world: World,
) -> None:
    await world.alice.slash(world.channel, "routine start", routine="flare-up")
    posted = len(requests_to(world.env, "POST", f"/channels/{world.channel.id}/messages"))
    asked = await world.alice.slash(
        world.channel, "ask", question="how do I do the booty flex?", private=True
    )
    pressed = await world.alice.click(asked.response, label="Start this routine")
    assert pressed.response.embeds[0].title == "A routine is already running"

    replaced = await world.alice.click(pressed.response, label="Stop it and start this one")

    [message] = replaced.followups
    assert message.ephemeral and message.embeds[0].title == "Booty flexes"
    assert len(requests_to(world.env, "POST", f"/channels/{world.channel.id}/messages")) == posted


async def test_in_a_dm_a_routine_from_a_private_answer_is_an_ordinary_message_there(
    world: World,
) -> None:
    asked = await world.alice.user.slash(
        "ask", question="how do I do the booty flex?", private=True
    )

    pressed = await world.alice.user.click(asked.response, label="Start this routine")

    assert not pressed.followups  # a message in the DM, which lasts longer than 15 minutes
    assert world.alice.user.dm_channel.last_message.embeds[0].title == "Booty flexes"
