"""Text that reaches the bot without being typed into the message: a long paste that Discord turned
into a message.txt file, and a forwarded message. Both are read like a typed question."""

from __future__ import annotations

from tests.support.e2e import World, buttons

STORY = "I sit at a desk all day and my lower back has been tight for months. " * 70
RED_FLAG = "Since Tuesday I can't feel my groin and I wet myself."


async def dm_a_file(world: World, name: str, data: bytes) -> None:
    """Alice sends the bot a DM that is only a file."""
    dm = world.env.backend.get_dm_channel(world.alice.id)
    await world.alice.send_dm(
        "", attachments=world.env.backend.store_attachments(dm.id, [(name, data)])
    )


def red_flag_titles(world: World) -> set[str]:
    return {group.title for group in world.bot.services.kb.safety.groups}


async def test_a_long_paste_sent_as_a_text_file_in_a_dm_is_screened_and_answered(
    world: World,
) -> None:
    pasted = (STORY + RED_FLAG).encode()
    assert len(pasted) > 4000  # longer than a message: Discord sends it as message.txt

    await dm_a_file(world, "message.txt", pasted)

    reply = world.alice.user.dm_channel.last_message
    assert reply.author.id == world.bot.user.id
    assert reply.embeds[0].title in red_flag_titles(world)


async def test_a_long_paste_sent_as_a_text_file_with_a_mention_is_answered_privately(
    world: World,
) -> None:
    pasted = (STORY + RED_FLAG).encode()

    await world.alice.send(
        world.channel, f"{world.mention_bot()} please read", attachments=[("message.txt", pasted)]
    )

    assert world.channel.last_message.embeds[0].title == "I've answered you privately"
    dm = world.alice.user.dm_channel.last_message
    assert dm.embeds[0].title in red_flag_titles(world)


async def test_a_question_in_a_text_file_is_answered_like_a_typed_one(world: World) -> None:
    kb = world.bot.services.kb

    await dm_a_file(world, "question.txt", b"how do I do the booty flex?")

    assert world.alice.user.dm_channel.last_message.embeds[0].title == kb.topics["booty-flex"].title


async def test_a_text_file_that_is_not_text_gets_the_only_text_reply(world: World) -> None:
    await dm_a_file(world, "notes.txt", b"\x00\x01\xff\xfe" * 50)

    assert world.alice.user.dm_channel.last_message.embeds[0].title == "I can only read text"


async def test_a_forwarded_message_in_a_dm_is_read_and_answered(world: World) -> None:
    dm = world.env.backend.get_dm_channel(world.alice.id)
    said = await world.alice.send(world.channel, "my wife says her groin is numb and she can't pee")

    await world.alice.send_dm(
        reference={"type": 1, "channel_id": str(world.channel.id), "message_id": str(said.id)}
    )

    reply = world.alice.user.dm_channel.last_message
    assert reply.channel.id == dm.id and reply.author.id == world.bot.user.id
    assert reply.embeds[0].title in red_flag_titles(world)


# A message edited after it was answered is answered again (tests/e2e/test_edited_questions.py):
# what the edit adds is read for a red flag or a crisis too.


async def test_a_red_flag_added_by_editing_a_dm_is_answered(world: World) -> None:
    asked = await world.alice.send_dm("can I still do deadlifts?")

    await world.alice.user.edit(asked, "can I still do deadlifts? Since yesterday my groin is numb")

    mine = [m for m in world.alice.user.dm_channel.history() if m.author.id == world.bot.user.id]
    assert mine[-1].embeds[0].title in red_flag_titles(world)


async def test_a_crisis_added_by_editing_a_mention_is_answered_privately(world: World) -> None:
    asked = await world.alice.send(world.channel, f"{world.mention_bot()} my back hurts all day")

    await world.alice.edit(asked, f"{world.mention_bot()} my back hurts all day, I want to die")

    assert world.channel.last_message.embeds[0].title == "I've answered you privately"
    assert "988" in world.alice.user.dm_channel.last_message.embeds[0].description


async def test_an_edited_message_that_does_not_mention_the_bot_stays_unanswered(
    world: World,
) -> None:
    said = await world.alice.send(world.channel, "my back hurts all day")

    await world.alice.edit(said, "my back hurts all day and my groin is numb")

    assert world.channel.last_message.author.id == world.alice.id


async def test_a_crisis_in_spaced_letters_with_dms_closed_gets_the_button(world: World) -> None:
    from tests.e2e.test_ask import told_by_mention_with_dms_closed

    note = await told_by_mention_with_dms_closed(world, "i want to k.m.s")

    assert buttons(note) == ["Show me my answer"]
    shown = await world.alice.click(note, label="Show me my answer")
    assert "988" in shown.response.embeds[0].description


async def test_a_warning_sign_typed_above_a_file_too_long_to_read_is_still_answered(
    world: World,
) -> None:
    """A message with more text than is answered (its files together) still gets the red-flag
    answer to what it says, not only 'That message is too long'."""
    diary = ("Monday: sat all day, lower back tight, did the stretches. " * 1103).encode()
    assert 63_900 < len(diary) < 64_000  # one file the bot reads whole
    dm = world.env.backend.get_dm_channel(world.alice.id)

    await world.alice.send_dm(
        f"{RED_FLAG} My pain diary is attached.",
        attachments=world.env.backend.store_attachments(dm.id, [("diary.txt", diary)]),
    )

    reply = world.alice.user.dm_channel.last_message
    assert reply.embeds[0].title in red_flag_titles(world)
