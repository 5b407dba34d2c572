"""A red flag and the person's reminders: the answer tells them to get checked and to leave the
exercises for now, so no reminder asks them to exercise the same day; they are told, under the
answer, until when, and how to have the reminders back (all but a person in crisis, whose reply
stays the crisis lines alone: their reminders are held all the same).

SimCord's clock starts at 2026-01-01 00:00 UTC, 07:00 in Bangkok: a 07:20 reminder there is 20
minutes away.
"""

from __future__ import annotations

import discord
import pytest
import simcord

from tests.support.e2e import World, embed_text

pytestmark = pytest.mark.virtual_time  # the bot's timers move only with env.advance_time

BANGKOK = "Asia/Bangkok"
EMERGENCY = "numb between my legs and my leg is getting weaker, can I still do hip thrusts?"
SOON = "I fell off a ladder yesterday and now my low back hurts, which exercise should I do?"
CRISIS = "my groin has gone numb and honestly I don't want to be alive anymore"
WHEN_TO_WORRY = "when should I see a doctor about my back?"
HELD = "I've paused your routine reminders until Fri 2 Jan, 07:00 +07"


def dms(world: World) -> list[discord.Message]:
    channel = world.alice.user.dm_channel
    return channel.history() if channel is not None else []


def reminder_dms(world: World) -> list[discord.Message]:
    return [m for m in dms(world) if m.embeds and "routine" in (m.embeds[0].title or "")]


def text(result: simcord.InteractionResult) -> str:
    assert result.response is not None
    return embed_text(result.response.embeds[0])


async def with_reminders_at_0720(world: World) -> None:
    await world.alice.slash(world.channel, "reminders on", timezone=BANGKOK, morning="7:20")


@pytest.mark.parametrize("question", [EMERGENCY, SOON, CRISIS])
async def test_after_a_red_flag_to_ask_no_reminder_asks_for_exercise_that_day(
    world: World, question: str
) -> None:
    await with_reminders_at_0720(world)

    answer = await world.alice.slash(world.channel, "ask", question=question)

    assert answer.ephemeral and answer.response.embeds[0].colour == discord.Colour.red()
    if question == CRISIS:  # the crisis lines and nothing else, but the reminders held all the same
        assert HELD not in text(answer) and "988" in text(answer)
    else:
        assert text(answer).index("emergency") < text(answer).index(HELD)  # the answer first
        assert "`/reminders on` brings them back sooner" in text(answer)
    await world.env.advance_time(30 * 60)  # past 07:20
    assert reminder_dms(world) == []
    shown = await world.alice.slash(world.channel, "reminders show")
    assert "Reminders are paused until Fri 2 Jan, 07:00 +07" in text(shown)


async def test_a_red_flag_by_mention_holds_the_reminders_and_the_dm_says_so(world: World) -> None:
    await with_reminders_at_0720(world)

    await world.alice.send(world.channel, f"{world.mention_bot()} {EMERGENCY}")

    [answer] = dms(world)
    assert answer.embeds[0].title == "Please get medical help now"
    assert HELD in embed_text(answer.embeds[0])
    assert "reminders" not in embed_text(world.channel.last_message.embeds[0])  # nothing public
    await world.env.advance_time(30 * 60)
    assert reminder_dms(world) == []


async def test_asking_when_to_see_a_doctor_leaves_the_reminders_alone(world: World) -> None:
    await with_reminders_at_0720(world)

    answer = await world.alice.slash(world.channel, "ask", question=WHEN_TO_WORRY)

    assert answer.response.embeds[0].title == "When back pain needs a doctor"
    assert "paused your routine reminders" not in text(answer)
    await world.env.advance_time(30 * 60)
    [reminder] = reminder_dms(world)
    assert reminder.embeds[0].title == "Your morning routine"


async def test_without_reminders_a_red_flag_says_nothing_about_them(world: World) -> None:
    answer = await world.alice.slash(world.channel, "ask", question=EMERGENCY)

    assert answer.response.embeds[0].title == "Please get medical help now"
    assert "reminders" not in text(answer)
    shown = await world.alice.slash(world.channel, "reminders show")
    assert "You haven't turned reminders on yet" in text(shown)


async def test_a_longer_pause_is_kept(world: World) -> None:
    await with_reminders_at_0720(world)
    await world.alice.slash(world.channel, "reminders pause", days=5)

    answer = await world.alice.slash(world.channel, "ask", question=EMERGENCY)

    assert "until Tue 6 Jan, 07:00 +07" in text(answer)
    shown = await world.alice.slash(world.channel, "reminders show")
    assert "Reminders are paused until Tue 6 Jan, 07:00 +07" in text(shown)
