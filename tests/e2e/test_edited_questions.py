"""A question edited soon after it was sent: answered again, in place of the earlier answer."""

from __future__ import annotations

import discord
import pytest

from bot.app import create_bot
from bot.settings import Settings
from tests.support.e2e import World, buttons, embed_text, requests_to

NUMB = "my legs have gone numb and i can't feel when i pee"


def bot_messages(world: World, channel: object = None) -> list[discord.Message]:
    channel = channel or world.channel
    return [m for m in channel.history() if m.author.id == world.bot.user.id]  # type: ignore[attr-defined]


async def test_a_bare_mention_edited_into_a_question_gets_its_answer_in_place(
    world: World,
) -> None:
    kb = world.bot.services.kb
    question = await world.alice.send(world.channel, world.mention_bot())
    [how_to_ask] = bot_messages(world)
    assert how_to_ask.embeds[0].title == "Ask me a question"  # "write it after the mention"

    await world.alice.edit(question, f"{world.mention_bot()} can I still do deadlifts?")

    [answer] = bot_messages(world)  # the same message, now the answer: no second one
    assert answer.id == how_to_ask.id
    assert answer.embeds[0].title == kb.topics["deadlifts"].title
    assert "Not what I asked" in buttons(answer)


async def test_a_typo_put_right_replaces_the_answer_with_the_one_to_the_new_question(
    world: World,
) -> None:
    kb = world.bot.services.kb
    question = await world.alice.send(
        world.channel, f"{world.mention_bot()} how do I do the booty flex?"
    )

    await world.alice.edit(question, f"{world.mention_bot()} can I still do deadlifts?")

    [answer] = bot_messages(world)
    assert answer.embeds[0].title == kb.topics["deadlifts"].title
    assert kb.topics["booty-flex"].title not in embed_text(answer.embeds[0])


async def test_a_symptom_added_by_an_edit_is_answered_privately_and_the_public_answer_goes(
    world: World,
) -> None:
    kb = world.bot.services.kb
    question = await world.alice.send(
        world.channel, f"{world.mention_bot()} can I still do deadlifts?"
    )

    await world.alice.edit(question, f"{world.mention_bot()} can I still do deadlifts? {NUMB}")

    [note] = bot_messages(world)
    assert note.embeds[0].title == "I've answered you privately"
    assert kb.topics["deadlifts"].title not in embed_text(note.embeds[0])
    assert buttons(note) == []  # no "Next step" left over from the deadlift answer
    dm = world.alice.user.dm_channel.last_message
    assert dm.embeds[0].title in {g.title for g in kb.safety.groups}


async def test_a_mention_added_by_an_edit_is_answered(world: World) -> None:
    kb = world.bot.services.kb
    question = await world.alice.send(world.channel, "can I still do deadlifts?")
    assert bot_messages(world) == []

    await world.alice.edit(question, f"{world.mention_bot()} can I still do deadlifts?")

    [answer] = bot_messages(world)
    assert answer.reference is not None and answer.reference.message_id == question.id
    assert answer.embeds[0].title == kb.topics["deadlifts"].title


async def test_a_question_edited_in_a_dm_gets_its_answer_in_place(world: World) -> None:
    kb = world.bot.services.kb
    question = await world.alice.send_dm("how do I do the booty flex?")
    dm = world.alice.user.dm_channel

    await world.alice.user.edit(question, "can I still do deadlifts?")

    [answer] = bot_messages(world, dm)
    assert answer.embeds[0].title == kb.topics["deadlifts"].title


@pytest.mark.parametrize("where", ["channel", "dm"])
async def test_a_question_asked_before_a_restart_and_edited_after_it_gets_its_answer_in_place(
    world: World, settings: Settings, where: str
) -> None:
    kb = world.bot.services.kb
    if where == "dm":
        channel = world.alice.user.dm_channel
        question = await world.alice.send_dm("how do I do the booty flex?")
    else:
        channel = world.channel
        question = await world.alice.send(
            channel, f"{world.mention_bot()} how do I do the booty flex?"
        )
    await world.bot.close()  # the bot is updated and started again a minute later
    again = create_bot(settings)
    await world.env.restart_bot(again)
    try:
        edited = "can I still do deadlifts?"
        if where == "dm":
            await world.alice.user.edit(question, edited)
        else:
            await world.alice.edit(question, f"{world.mention_bot()} {edited}")

        [answer] = [m for m in channel.history() if m.author.id == again.user.id]
        assert answer.embeds[0].title == kb.topics["deadlifts"].title
    finally:
        await again.close()


async def test_an_edit_long_after_or_that_keeps_the_question_gets_no_new_answer(
    world: World,
) -> None:
    kb = world.bot.services.kb
    asked = f"{world.mention_bot()} can I still do deadlifts?"
    question = await world.alice.send(world.channel, asked)
    sent = len(requests_to(world.env, "POST", "/channels/"))

    await world.alice.edit(question, asked)  # saved again unchanged
    await world.env.advance_time(16 * 60)
    await world.alice.edit(question, f"{world.mention_bot()} how do I do the booty flex?")

    [answer] = bot_messages(world)
    assert answer.embeds[0].title == kb.topics["deadlifts"].title
    assert len(requests_to(world.env, "POST", "/channels/")) == sent
    assert requests_to(world.env, "PATCH", "/channels/") == []


async def test_typos_put_right_one_after_another_keep_the_answer_instead_of_slow_down(
    world: World,
) -> None:
    kb = world.bot.services.kb
    question = await world.alice.send(
        world.channel, f"{world.mention_bot()} can I stil do dedlifts"
    )

    for text in (
        "can I still do dedlifts",
        "can I still do deadlifts",
        "can I still do deadlifts?",
    ):
        await world.alice.edit(question, f"{world.mention_bot()} {text}")  # all within seconds

    [answer] = bot_messages(world)
    assert answer.embeds[0].title == kb.topics["deadlifts"].title
    # Edits are not new questions: a new one right after still gets its answer.
    await world.alice.send(world.channel, f"{world.mention_bot()} how do I do the booty flex?")
    assert world.channel.last_message.embeds[0].title == kb.topics["booty-flex"].title


async def test_a_question_deleted_takes_the_bots_answer_with_it(world: World) -> None:
    question = await world.alice.send(
        world.channel, f"{world.mention_bot()} my back hurts after my c-section, can I do bridges?"
    )
    assert len(bot_messages(world)) == 1

    await world.alice.delete(question)

    assert bot_messages(world) == []  # nothing left in the channel that says what was asked


async def test_a_question_deleted_leaves_the_answers_to_other_questions(world: World) -> None:
    first = await world.alice.send(world.channel, f"{world.mention_bot()} can I still deadlift?")
    await world.bob.send(world.channel, f"{world.mention_bot()} how do I do the booty flex?")

    await world.alice.delete(first)

    [left] = bot_messages(world)
    assert left.embeds[0].title == world.bot.services.kb.topics["booty-flex"].title


async def deleted_at_once(world: World, text: str) -> None:
    """Alice asks, and a moderation bot deletes her message (a link, a word on its list) as soon
    as it is posted: the deletion reaches the bot while it is still answering."""
    backend = world.env.backend
    question = backend.create_message(
        world.channel.id, world.alice.id, f"{world.mention_bot()} {text}"
    )
    backend.delete_message(world.channel.id, question.id)
    await world.env.settle()


async def test_a_question_deleted_at_once_gets_no_answer_left_in_the_channel(
    world: World,
) -> None:
    await deleted_at_once(world, "can I still deadlift?")

    assert bot_messages(world) == []  # no answer to a question nobody can see
    # The next question is answered as usual.
    await world.alice.send(world.channel, f"{world.mention_bot()} how do I do the booty flex?")
    [answer] = bot_messages(world)
    assert answer.embeds[0].title == world.bot.services.kb.topics["booty-flex"].title


async def test_a_warning_sign_deleted_at_once_is_still_answered_by_dm_with_no_note_left(
    world: World,
) -> None:
    kb = world.bot.services.kb
    await deleted_at_once(world, NUMB)

    assert bot_messages(world) == []  # no "I've answered you privately" under nothing
    dm = world.alice.user.dm_channel.last_message
    assert dm.embeds[0].title in {g.title for g in kb.safety.groups}
