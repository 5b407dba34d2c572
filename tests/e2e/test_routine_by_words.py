"""Words said about one's own live routine ('pause', 'stop'), in reply to it or by mention, work it
as its buttons do, instead of being answered as a question about back pain."""

from __future__ import annotations

import discord
import pytest

from tests.support.e2e import World, buttons

pytestmark = pytest.mark.virtual_time  # the bot's timers move only with env.advance_time

FLARE_UP = "flare-up"


async def started(world: World) -> discord.Message:
    await world.alice.slash(world.channel, "routine start", routine=FLARE_UP)
    live = world.channel.last_message
    assert live is not None and live.embeds[0].title == "Flare-up booty flexes"
    return live


async def shown(world: World, live: discord.Message) -> discord.Message:
    """The routine's message as people in the channel see it now."""
    return next(m for m in world.channel.history() if m.id == live.id)


async def test_pause_in_reply_to_ones_routine_pauses_it_and_asks_nothing(world: World) -> None:
    live = await started(world)

    said = await world.alice.send(world.channel, "Pause!", reply_to=live)

    assert world.channel.last_message.id == said.id  # no answer about "pause" as a question
    paused = await shown(world, live)
    assert buttons(paused)[0] == "Resume"
    await world.env.advance_time(600)  # it waits where it was
    assert buttons(await shown(world, live))[0] == "Resume"

    await world.alice.send(world.channel, "continue", reply_to=live)
    await world.env.advance_time(600)
    assert (await shown(world, live)).embeds[0].title == "Flare-up booty flexes: done"


async def test_stop_in_reply_to_ones_routine_stops_it(world: World) -> None:
    live = await started(world)

    await world.alice.send(world.channel, "stop", reply_to=live)

    assert buttons(await shown(world, live)) == []
    assert world.bot.services.routines.active(world.alice.id) is None


async def test_stop_in_reply_to_someone_elses_routine_says_whose_it_is(world: World) -> None:
    live = await started(world)

    await world.bob.send(world.channel, "stop", reply_to=live)

    told = world.channel.last_message
    assert told.author.id == world.bot.user.id
    assert told.embeds[0].title == "Not your routine"
    assert world.bot.services.routines.active(world.alice.id) is not None


async def test_someone_saying_stop_again_and_again_is_not_answered_each_time(
    world: World,
) -> None:
    live = await started(world)

    for _ in range(10):
        await world.bob.send(world.channel, "stop", reply_to=live)

    told = [m for m in world.channel.history() if m.author.id == world.bot.user.id]
    assert len(told) <= 1 + world.bot.settings.ask_cooldown_rate  # the routine, and a few notes
    assert world.bot.services.routines.active(world.alice.id) is not None


async def test_a_question_in_reply_to_a_routine_is_still_answered(world: World) -> None:
    kb = world.bot.services.kb
    live = await started(world)

    await world.alice.send(world.channel, "can I still do deadlifts?", reply_to=live)

    answer = world.channel.last_message
    assert answer.author.id == world.bot.user.id
    assert answer.embeds[0].title == kb.topics["deadlifts"].title
    assert buttons(await shown(world, live))[0] == "Pause"


async def test_a_mention_saying_stop_stops_ones_routine_in_that_channel(world: World) -> None:
    live = await started(world)

    said = await world.alice.send(world.channel, f"{world.mention_bot()} stop")

    assert world.channel.last_message.id == said.id
    assert buttons(await shown(world, live)) == []
    assert world.bot.services.routines.active(world.alice.id) is None


async def test_a_mention_saying_stop_without_a_routine_here_says_none_is_theirs(
    world: World,
) -> None:
    await started(world)

    await world.bob.send(world.channel, f"{world.mention_bot()} stop")

    answer = world.channel.last_message
    assert answer.author.id == world.bot.user.id
    assert answer.embeds[0].title == "No routine running"  # bob said nothing of alice's routine
    assert world.bot.services.routines.active(world.alice.id) is not None


async def test_stop_after_ones_routine_has_finished_says_none_is_running(world: World) -> None:
    live = await started(world)
    await world.env.advance_time(600)
    assert (await shown(world, live)).embeds[0].title == "Flare-up booty flexes: done"

    await world.alice.send(world.channel, "stop", reply_to=live)

    told = world.channel.last_message
    assert told.author.id == world.bot.user.id
    assert told.embeds[0].title == "No routine running"  # not "no curated answer" to 'stop'
    assert "`/reminders off`" in told.embeds[0].description
    assert (await shown(world, live)).embeds[0].title == "Flare-up booty flexes: done"


async def test_stop_by_mention_after_ones_routine_was_stopped_says_none_is_running(
    world: World,
) -> None:
    live = await started(world)
    await world.alice.click(live, label="Stop")

    await world.alice.send(world.channel, f"{world.mention_bot()} stop")

    told = world.channel.last_message
    assert told.author.id == world.bot.user.id
    assert told.embeds[0].title == "No routine running"


async def test_pause_said_in_another_channel_names_where_ones_routine_runs(world: World) -> None:
    live = await started(world)
    other = world.guild.create_text_channel("stretching")

    await world.alice.send(other, f"{world.mention_bot()} pause")

    told = other.last_message
    assert told.embeds[0].title == "Your routine is running elsewhere"
    assert f"<#{world.channel.id}>" in told.embeds[0].description
    assert buttons(await shown(world, live))[0] == "Pause"  # still running


async def test_stop_in_reply_to_another_answer_stops_ones_routine_running_there(
    world: World,
) -> None:
    await world.alice.send(world.channel, f"{world.mention_bot()} can I still deadlift?")
    answer = world.channel.last_message
    assert answer.author.id == world.bot.user.id
    live = await started(world)

    said = await world.alice.send(world.channel, "stop", reply_to=answer)

    assert world.channel.last_message.id == said.id  # no answer to 'stop' as a question
    assert buttons(await shown(world, live)) == []
    assert world.bot.services.routines.active(world.alice.id) is None
