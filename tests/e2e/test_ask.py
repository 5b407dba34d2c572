"""Asking: /ask, a mention in a server, a DM; the buttons under answers; pings, cooldowns, bad input."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import discord
import pytest

from bot.app import create_bot
from bot.settings import Settings
from tests.support.e2e import World, buttons, embed_text, requests_to

# Short, vague questions; at least one of them is ambiguous for any sensible knowledge base.
PROBES = (
    "hip",
    "exercises",
    "glutes",
    "stretch",
    "back",
    "legs",
    "workout",
    "gym",
    "core",
    "pain",
    "muscles",
    "exercise",
    "squeeze or stretch",
)
SYMPTOM_WORDS = re.compile(r"\b(numb|numbness|legs|pee|bladder)\b", re.IGNORECASE)


async def test_ask_answers_in_an_embed_with_its_source_and_buttons(world: World) -> None:
    kb = world.bot.services.kb
    result = await world.alice.slash(world.channel, "ask", question="how do I do the booty flex?")

    assert result.ephemeral is False
    embed = result.response.embeds[0]
    assert embed.title == kb.topics["booty-flex"].title
    assert "Source:" in embed.footer.text and kb.safety.disclaimer in embed.footer.text
    assert "**Your step:**" in embed.description
    assert {"Next step", "Start this routine", "Not what I asked"} <= set(buttons(result.response))


async def test_next_step_button_shows_the_following_step(world: World) -> None:
    kb = world.bot.services.kb
    asked = await world.alice.slash(world.channel, "ask", question="how do I do the booty flex?")

    pressed = await world.alice.click(asked.response, label="Next step")

    assert pressed.response.embeds[0].title == kb.step_topic(2).title


async def test_not_what_i_asked_offers_the_other_answers_and_choosing_one_answers_it(
    world: World,
) -> None:
    kb = world.bot.services.kb
    asked = await world.alice.slash(world.channel, "ask", question="how do I do the booty flex?")

    others = await world.alice.click(asked.response, label="Not what I asked")

    message = others.response
    assert message.id == asked.response.id  # the answer is replaced by the choices
    assert message.embeds[0].title == "Other answers that might fit"
    choices = buttons(message)
    assert choices and kb.topics["booty-flex"].title not in choices
    chosen = await world.alice.click(message, label=choices[0])
    assert chosen.response.embeds[0].title == choices[0] or chosen.response.embeds[
        0
    ].title.startswith(choices[0][:70])
    assert buttons(chosen.response) != choices


async def test_clarify_offers_candidates_as_buttons_and_a_choice_answers(world: World) -> None:
    services = world.bot.services
    question = None
    for probe in PROBES:
        if (await services.ask.ask(999, probe)).kind == "clarify":
            question = probe
            break
    assert question is not None, "no probe question is ambiguous for this knowledge base"

    asked = await world.alice.slash(world.channel, "ask", question=question)

    assert asked.response.embeds[0].title == "Which of these did you mean?"
    choices = buttons(asked.response)
    assert len(choices) >= 2
    chosen = await world.alice.click(asked.response, label=choices[1])
    assert chosen.response.id == asked.response.id
    assert chosen.response.embeds[0].title.startswith(choices[1].rstrip("…"))


async def test_no_match_says_what_the_bot_can_help_with(world: World) -> None:
    result = await world.alice.slash(world.channel, "ask", question="how do I bake sourdough bread")

    embed = result.response.embeds[0]
    assert embed.title == "I don't have a curated answer for that"
    assert "What I can help with" in [f.name for f in embed.fields]


async def test_red_flag_to_ask_is_private(world: World) -> None:
    result = await world.alice.slash(
        world.channel, "ask", question="my legs have gone numb and i can't feel when i pee"
    )

    assert result.ephemeral
    embed = result.response.embeds[0]
    assert embed.colour == discord.Colour.red()
    assert embed.title in {g.title for g in world.bot.services.kb.safety.groups}
    assert world.channel.last_message is None  # nothing was posted in the channel


async def test_red_flag_by_mention_goes_by_dm_and_the_channel_hears_nothing_of_it(
    world: World,
) -> None:
    symptoms = "my legs have gone numb and i can't feel when i pee"
    await world.alice.send(world.channel, f"{world.mention_bot()} {symptoms}")

    note = world.channel.last_message
    assert note.author.id == world.bot.user.id
    text = embed_text(note.embeds[0])
    assert note.embeds[0].title == "I've answered you privately"
    assert not SYMPTOM_WORDS.search(text)
    for group in world.bot.services.kb.safety.groups:
        assert group.title not in text and group.answer.strip()[:60] not in text
    dm = world.alice.user.dm_channel.last_message
    assert dm.embeds[0].title in {g.title for g in world.bot.services.kb.safety.groups}


async def crisis_by_mention(world: World, text: str) -> discord.Embed:
    """Alice says ``text`` to the bot by mention in the channel: the channel gets only the private
    note and her DMs the crisis lines; the DM's embed is returned."""
    await world.alice.send(world.channel, f"{world.mention_bot()} {text}")
    assert world.channel.last_message.embeds[0].title == "I've answered you privately"
    dm = world.alice.user.dm_channel.last_message.embeds[0]
    assert "988" in dm.description and "116 123" in dm.description
    return dm


async def test_a_crisis_by_mention_gets_crisis_lines_by_dm_and_nothing_in_the_channel(
    world: World,
) -> None:
    dm = await crisis_by_mention(world, "my back pain is so bad I want to kill myself")

    assert "kill" not in embed_text(world.channel.last_message.embeds[0]).lower()
    assert not dm.fields  # the crisis lines and nothing else: no warning-sign list, no exercise
    assert "booty" not in embed_text(dm).lower()


async def test_a_crisis_with_numb_legs_gets_the_crisis_lines_and_the_emergency_by_dm(
    world: World,
) -> None:
    dm = await crisis_by_mention(
        world, "my groin has gone numb and honestly I don't want to be alive anymore"
    )

    assert "emergency department" in dm.description  # the body is not forgotten
    assert not dm.fields and "booty" not in embed_text(dm).lower()


async def test_a_red_flag_at_the_end_of_a_long_post_is_still_answered_privately(
    world: World,
) -> None:
    story = "I sit at a desk all day and my lower back has been tight for months. " * 26
    post = f"{world.mention_bot()} {story}Since Tuesday I can't feel my groin and I wet myself."
    assert 1800 < len(post) <= 2000  # as long as Discord lets a message be

    await world.alice.send(world.channel, post)

    assert world.channel.last_message.embeds[0].title == "I've answered you privately"
    dm = world.alice.user.dm_channel.last_message
    assert dm.embeds[0].title in {g.title for g in world.bot.services.kb.safety.groups}


def test_a_message_longer_than_discord_allows_is_turned_away_clearly() -> None:
    from bot.exts.ask import input_problem

    reply = input_problem("why " * 1100)
    assert reply is not None and reply.title == "That message is too long"
    assert input_problem("why does my back hurt " * 150) is None  # 3,300 characters: answered


def dms_closed(world: World) -> None:
    """Alice takes no DMs from the server: the next message the bot posts anywhere is refused."""
    world.env.inject_error(
        "POST",
        "/channels/*/messages",
        status=403,
        code=50007,
        message="Cannot send messages to this user",
    )


NUMB_AND_CANT_FEEL = "my legs have gone numb and i can't feel when i pee"


async def told_by_mention_with_dms_closed(world: World, words: str) -> discord.Message:
    """Alice, whose DMs are closed, tells the bot ``words`` by mention: the note in the channel."""
    dms_closed(world)
    await world.alice.send(world.channel, f"{world.mention_bot()} {words}")
    return world.channel.last_message


async def test_red_flag_by_mention_with_dms_closed_still_says_nothing_in_the_channel(
    world: World,
) -> None:
    note = await told_by_mention_with_dms_closed(world, NUMB_AND_CANT_FEEL)
    assert note.author.id == world.bot.user.id
    assert "Show me my answer" in note.embeds[0].description
    assert not SYMPTOM_WORDS.search(embed_text(note.embeds[0]))
    assert buttons(note) == ["Show me my answer"]


async def test_with_dms_closed_the_asker_sees_the_red_flag_answer_privately_at_one_press(
    world: World,
) -> None:
    note = await told_by_mention_with_dms_closed(world, NUMB_AND_CANT_FEEL)

    shown = await world.alice.click(note, label="Show me my answer")
    other = await world.bob.click(note, label="Show me my answer")

    assert shown.ephemeral
    assert shown.response.embeds[0].colour == discord.Colour.red()
    assert shown.response.embeds[0].title in {g.title for g in world.bot.services.kb.safety.groups}
    assert other.ephemeral and other.response.embeds[0].title == "This answer is not for you"
    assert world.channel.last_message.id == note.id  # nothing more in the channel


async def test_with_dms_closed_a_crisis_gets_its_lines_at_one_press_after_a_restart_too(
    world: World, settings: Settings
) -> None:
    note = await told_by_mention_with_dms_closed(
        world, "my groin has gone numb and honestly I don't want to be alive anymore"
    )
    assert "kill" not in embed_text(note.embeds[0]).lower()
    await world.bot.close()
    again = create_bot(settings)
    await world.env.restart_bot(again)
    try:
        shown = await world.alice.click(note, label="Show me my answer")
    finally:
        await again.close()

    assert shown.ephemeral
    text = shown.response.embeds[0].description
    assert "988" in text and "116 123" in text
    assert "emergency department" in text  # the body is not forgotten


async def test_mention_in_a_server_is_answered_in_the_channel(world: World) -> None:
    kb = world.bot.services.kb
    question = await world.alice.send(
        world.channel, f"{world.mention_bot()} can I still do deadlifts?"
    )

    reply = world.channel.last_message
    assert reply.author.id == world.bot.user.id
    assert reply.reference is not None and reply.reference.message_id == question.id
    assert reply.embeds[0].title == kb.topics["deadlifts"].title


def bot_role(world: World) -> discord.Role:
    """The role Discord made for the bot in the server, named like it."""
    me = world.bot.get_guild(world.guild.id).me
    return next(role for role in me.roles if role.managed)


async def test_a_mention_of_the_bots_role_says_how_to_mention_the_bot(world: World) -> None:
    # Typing @ and the bot's name offers its role too; Discord then withholds the text.
    question = await world.alice.send(
        world.channel, f"{bot_role(world).mention} can I still do deadlifts?"
    )

    reply = world.channel.last_message
    assert reply.author.id == world.bot.user.id
    assert reply.reference is not None and reply.reference.message_id == question.id
    assert reply.embeds[0].title == "Mention me, not my role"
    assert "pick me (not the role with my name)" in reply.embeds[0].description
    assert not reply.role_mentions and not reply.mentions


async def test_a_mention_of_the_bots_role_with_its_text_is_answered(
    world: World, settings: Settings
) -> None:
    kb = world.bot.services.kb
    await world.bot.close()
    again = create_bot(settings)
    again._connection._intents.message_content = True  # the text reaches the bot
    await world.env.restart_bot(again)
    try:
        await world.alice.send(
            world.channel, f"{bot_role(world).mention} can I still do deadlifts?"
        )
        reply = world.channel.last_message
    finally:
        await again.close()

    assert reply.author.id == again.user.id
    assert reply.embeds[0].title == kb.topics["deadlifts"].title


async def test_a_mention_of_another_role_is_left_alone(world: World) -> None:
    role = world.guild.create_role("Back Club", mentionable=True)
    await world.alice.send(world.channel, f"{role.mention} can I still do deadlifts?")

    assert world.channel.last_message.author.id == world.alice.id


async def test_where_the_bot_may_not_show_embeds_a_mention_is_answered_in_text(
    world: World,
) -> None:
    kb = world.bot.services.kb
    plain = world.guild.create_text_channel(
        "plain", overwrites={world.guild.me: discord.PermissionOverwrite(embed_links=False)}
    )

    await world.alice.send(plain, f"{world.mention_bot()} @everyone can I still do deadlifts?")

    reply = plain.last_message
    assert reply.author.id == world.bot.user.id
    assert not reply.embeds  # Discord refuses a message that is only an embed here
    topic = kb.topics["deadlifts"]
    assert reply.content.startswith(f"**{topic.title}**")
    assert "Source:" in reply.content
    assert "Not what I asked" in buttons(reply)
    assert not reply.mention_everyone and not reply.mentions


async def test_where_the_bot_may_not_show_embeds_not_what_i_asked_replaces_the_answers_text(
    world: World,
) -> None:
    kb = world.bot.services.kb
    plain = world.guild.create_text_channel(
        "plain", overwrites={world.guild.me: discord.PermissionOverwrite(embed_links=False)}
    )
    await world.alice.send(plain, f"{world.mention_bot()} can I still do deadlifts?")

    await world.alice.click(plain.last_message, label="Not what I asked")

    reply = plain.last_message
    assert reply.content.startswith("**Other answers that might fit**")
    assert kb.topics["deadlifts"].title not in reply.content  # nothing left of the first answer
    assert not reply.embeds
    assert "Not what I asked" not in buttons(reply)


async def test_messages_without_a_mention_are_left_alone(world: World) -> None:
    await world.alice.send(world.channel, "can I still do deadlifts?")

    assert world.channel.last_message.author.id == world.alice.id


async def test_a_dm_is_answered(world: World) -> None:
    kb = world.bot.services.kb
    await world.alice.send_dm("why does sitting all day hurt my back")

    reply = world.alice.user.dm_channel.last_message
    assert reply.author.id == world.bot.user.id
    assert reply.embeds[0].title == kb.topics["sitting"].title


async def test_a_question_forwarded_to_the_bot_is_answered(world: World) -> None:
    kb = world.bot.services.kb
    asked_elsewhere = await world.alice.send(world.channel, "can I still do deadlifts?")
    dm = world.alice.user.dm_channel

    await world.alice.forward(asked_elsewhere, dm)  # a forward carries no text of its own

    reply = dm.last_message
    assert reply.author.id == world.bot.user.id
    assert reply.embeds[0].title == kb.topics["deadlifts"].title


async def test_an_image_forwarded_to_the_bot_is_told_that_only_text_is_read(world: World) -> None:
    picture = await world.alice.send(world.channel, attachments=[("back.png", b"\x89PNG")])
    dm = world.alice.user.dm_channel

    await world.alice.forward(picture, dm)

    assert dm.last_message.embeds[0].title == "I can only read text"


async def test_everyone_role_and_user_mentions_in_a_question_ping_nobody(world: World) -> None:
    role = world.guild.create_role("Everyone Else", mentionable=True)
    pings = f"@everyone @here {role.mention} {world.bob.mention}"
    await world.alice.send(
        world.channel, f"{world.mention_bot()} {pings} how do I do the booty flex?"
    )
    slash = await world.alice.slash(
        world.channel, "ask", question=f"{pings} what's the best graphics card"
    )

    for message in (world.channel.last_message, slash.response.message):
        assert message.author.id == world.bot.user.id
        assert not message.mention_everyone
        assert message.mentions == [] and message.role_mentions == []
    sends = requests_to(world.env, "POST", "/channels/") + requests_to(
        world.env, "POST", "/interactions/"
    )
    assert sends
    for request in sends:
        body = request.json.get("data", request.json) if isinstance(request.json, dict) else {}
        assert body.get("allowed_mentions", {}).get("parse") == []
        assert not body.get("allowed_mentions", {}).get("users") and not body.get(
            "allowed_mentions", {}
        ).get("roles")


async def test_ask_cooldown_says_slow_down_with_the_wait_and_lifts_after_it(world: World) -> None:
    for _ in range(world.bot.settings.ask_cooldown_rate):
        ok = await world.alice.slash(world.channel, "ask", question="can I still do deadlifts?")
        assert not ok.ephemeral

    refused = await world.alice.slash(world.channel, "ask", question="can I still do deadlifts?")
    other = await world.bob.slash(world.channel, "ask", question="can I still do deadlifts?")

    assert refused.ephemeral
    assert refused.response.embeds[0].title == "Slow down"
    assert "10 seconds" in refused.response.embeds[0].description
    assert other.response.embeds[0].title != "Slow down"  # per person
    await world.env.advance_time(world.bot.settings.ask_cooldown_seconds)
    again = await world.alice.slash(world.channel, "ask", question="can I still do deadlifts?")
    assert again.response.embeds[0].title != "Slow down"


async def test_mention_cooldown_warns_once_per_burst(world: World) -> None:
    for _ in range(world.bot.settings.ask_cooldown_rate):
        await world.alice.send(world.channel, f"{world.mention_bot()} can I still do deadlifts?")
    await world.alice.send(world.channel, f"{world.mention_bot()} can I still do deadlifts?")
    warning = world.channel.last_message
    await world.alice.send(world.channel, f"{world.mention_bot()} can I still do deadlifts?")

    assert warning.author.id == world.bot.user.id and warning.embeds[0].title == "Slow down"
    bot_messages = [m for m in world.channel.history() if m.author.id == world.bot.user.id]
    assert len(bot_messages) == world.bot.settings.ask_cooldown_rate + 1


async def test_bots_are_ignored(world: World) -> None:
    other_bot = world.guild.add_member(world.env.create_user("otherbot", bot=True))

    await other_bot.send(world.channel, f"{world.mention_bot()} can I still do deadlifts?")

    assert world.channel.last_message.author.id == other_bot.id


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("?!?! ... 😀😀 !!!", "I couldn't find a question in that"),
        ("", "Ask me a question"),
    ],
)
async def test_bad_input_by_mention_gets_a_clear_reply(world: World, text: str, title: str) -> None:
    await world.alice.send(world.channel, f"{world.mention_bot()} {text}")

    assert world.channel.last_message.embeds[0].title == title


async def test_an_empty_ask_says_how_to_use_ask_not_a_mention(world: World) -> None:
    result = await world.alice.slash(world.channel, "ask", question="   ")

    assert result.ephemeral
    embed = result.response.embeds[0]
    assert embed.title == "Ask me a question"
    assert "*question* option of `/ask`" in embed.description
    assert "mention" not in embed.description


async def test_an_image_alone_in_a_dm_is_told_that_only_text_is_read(world: World) -> None:
    backend = world.env.backend
    dm = backend.get_dm_channel(world.alice.id)
    image = backend.store_attachments(dm.id, [("back.png", b"\x89PNG....")])

    await world.alice.send_dm("", attachments=image)

    reply = world.alice.user.dm_channel.last_message
    assert reply.author.id == world.bot.user.id
    embed = reply.embeds[0]
    assert embed.title == "I can only read text"
    assert "images" in embed.description and "here as a message" in embed.description
    assert "mention" not in embed.description


async def test_an_image_alone_with_a_mention_is_told_that_only_text_is_read(world: World) -> None:
    await world.alice.send(
        world.channel, world.mention_bot(), attachments=[("xray.png", b"\x89PNG....")]
    )

    embed = world.channel.last_message.embeds[0]
    assert embed.title == "I can only read text"
    assert "images" in embed.description and "after the mention" in embed.description


async def test_junk_to_ask_gets_a_private_clear_reply(world: World) -> None:
    result = await world.alice.slash(world.channel, "ask", question="???!!!")

    assert result.ephemeral
    assert result.response.embeds[0].title == "I couldn't find a question in that"


async def test_someone_else_pressing_a_button_gets_their_own_private_answer(world: World) -> None:
    kb = world.bot.services.kb
    asked = await world.alice.slash(world.channel, "ask", question="how do I do the booty flex?")

    pressed = await world.bob.click(asked.response, label="Not what I asked")

    assert pressed.ephemeral
    assert (
        world.channel.history()[-1].embeds[0].title == kb.topics["booty-flex"].title
    )  # alice's answer untouched


async def test_answer_buttons_keep_working_after_ten_minutes_and_after_a_restart(
    world: World, settings: Settings
) -> None:
    kb = world.bot.services.kb
    asked = await world.alice.slash(world.channel, "ask", question="how do I do the booty flex?")
    await world.env.advance_time(601)
    assert {"Next step", "Start this routine", "Not what I asked"} <= set(buttons(asked.response))

    await world.bot.close()
    again = create_bot(settings)
    await world.env.restart_bot(again)
    try:
        step = await world.alice.click(asked.response, label="Next step")
        assert step.acknowledged and step.response.embeds[0].title == kb.step_topic(2).title

        routine = await world.bob.click(asked.response, label="Start this routine")
        assert routine.ephemeral and routine.response.embeds[0].title == "Starting Booty flexes"
        assert world.channel.last_message.embeds[0].title == "Booty flexes"
        await world.bob.click(world.channel.last_message, label="Stop")
        assert again.require_services().routines.active(world.bob.id) is None

        others = await world.alice.click(asked.response, label="Not what I asked")
        assert others.response.id == asked.response.id  # replaced in place, as before the restart
        assert others.response.embeds[0].title == "Other answers that might fit"
        choices = buttons(others.response)
        assert choices and kb.topics["booty-flex"].title not in choices
        chosen = await world.alice.click(others.response, label=choices[0])
        assert chosen.response.embeds[0].title.startswith(choices[0].rstrip("…"))
    finally:
        await again.close()


async def ask_until_refused(world: World, ask: str) -> None:
    """Alice asks ordinary questions by ``ask`` (mention, dm or slash) until the cooldown refuses one."""
    for _ in range(world.bot.settings.ask_cooldown_rate + 1):
        if ask == "slash":
            await world.alice.slash(world.channel, "ask", question="can I still do deadlifts?")
        elif ask == "dm":
            await world.alice.send_dm("can I still do deadlifts?")
        else:
            await world.alice.send(
                world.channel, f"{world.mention_bot()} can I still do deadlifts?"
            )


async def test_a_crisis_by_mention_during_the_cooldown_is_still_answered_by_dm(
    world: World,
) -> None:
    await ask_until_refused(world, "mention")
    assert world.channel.last_message.embeds[0].title == "Slow down"

    await crisis_by_mention(world, "I can't take this pain anymore, I want to kill myself")
    await world.alice.send(world.channel, f"{world.mention_bot()} can I still do deadlifts?")
    assert world.channel.last_message.author.id == world.alice.id  # still slowed down


async def test_a_crisis_in_a_dm_during_the_cooldown_is_still_answered(world: World) -> None:
    await ask_until_refused(world, "dm")

    await world.alice.send_dm("i want to end it all")

    reply = world.alice.user.dm_channel.last_message
    assert reply.author.id == world.bot.user.id
    assert "988" in reply.embeds[0].description


async def test_a_red_flag_to_ask_during_the_cooldown_is_answered_not_slowed_down(
    world: World,
) -> None:
    await ask_until_refused(world, "slash")

    flagged = await world.alice.slash(
        world.channel, "ask", question="my legs have gone numb and i can't feel when i pee"
    )
    ordinary = await world.alice.slash(world.channel, "ask", question="how do I do the booty flex?")

    assert flagged.ephemeral
    assert flagged.response.embeds[0].colour == discord.Colour.red()
    assert flagged.response.embeds[0].title in {
        g.title for g in world.bot.services.kb.safety.groups
    }
    assert ordinary.response.embeds[0].title == "Slow down"  # the cooldown holds for the rest


@pytest.mark.parametrize(
    "text", ["thanks!", "👍", "ok", "lol", "thank you so much, that helped", "great, thanks 🙏"]
)
async def test_a_thanks_in_reply_to_an_answer_gets_no_message(world: World, text: str) -> None:
    await world.alice.send(world.channel, f"{world.mention_bot()} can I still do deadlifts?")
    answer = world.channel.last_message

    thanks = await world.alice.send(world.channel, text, reply_to=answer)

    assert world.bot.user in thanks.mentions  # a reply pings the bot...
    assert world.channel.last_message.id == thanks.id  # ...and the bot says nothing more


async def test_a_question_in_reply_to_an_answer_is_answered(world: World) -> None:
    kb = world.bot.services.kb
    await world.alice.send(world.channel, f"{world.mention_bot()} how do I do the booty flex?")
    answer = world.channel.last_message

    question = await world.alice.send(
        world.channel, "thanks! can I still do deadlifts?", reply_to=answer
    )

    reply = world.channel.last_message
    assert reply.author.id == world.bot.user.id
    assert reply.reference is not None and reply.reference.message_id == question.id
    assert reply.embeds[0].title == kb.topics["deadlifts"].title


async def test_a_reply_that_mentions_the_bot_by_name_is_answered_as_a_mention(
    world: World,
) -> None:
    await world.alice.send(world.channel, f"{world.mention_bot()} can I still do deadlifts?")
    answer = world.channel.last_message

    await world.alice.send(world.channel, f"{world.mention_bot()} 👍", reply_to=answer)

    reply = world.channel.last_message
    assert reply.author.id == world.bot.user.id
    assert reply.embeds[0].title == "I couldn't find a question in that"


async def test_a_thanks_in_reply_to_an_answer_in_a_dm_gets_no_message(world: World) -> None:
    await world.alice.send_dm("can I still do deadlifts?")
    dm = world.alice.user.dm_channel
    answer = dm.last_message
    assert answer.author.id == world.bot.user.id
    reference = {"channel_id": str(dm.id), "message_id": str(answer.id)}

    thanks = await world.alice.send_dm("thanks, that helps!", reference=reference)
    assert dm.last_message.id == thanks.id

    await world.alice.send_dm("and squats?", reference=reference)
    assert dm.last_message.author.id == world.bot.user.id  # a question is still answered


async def test_thanks_on_its_own_gets_a_short_welcome_not_the_help_page(world: World) -> None:
    await world.alice.send_dm("thank you so much!")
    welcome = world.alice.user.dm_channel.last_message
    assert welcome.author.id == world.bot.user.id
    assert welcome.embeds[0].title == "You're welcome"
    assert not welcome.embeds[0].fields and welcome.embeds[0].footer.text is None

    await world.bob.send(world.channel, f"{world.mention_bot()} got it, cheers")
    assert world.channel.last_message.embeds[0].title == "You're welcome"
    await world.env.advance_time(world.bot.settings.ask_cooldown_seconds)
    await world.bob.send(world.channel, f"{world.mention_bot()} ok")
    assert world.channel.last_message.embeds[0].title == "Here when you need me"

    await world.env.advance_time(world.bot.settings.ask_cooldown_seconds)
    await world.alice.send_dm("hi")  # a greeting still gets what the bot does
    assert world.alice.user.dm_channel.last_message.embeds[0].title == "What I can do"


# -- "this is easy now": the answer shows the next step and offers the move -----------------------


async def test_easy_now_shows_the_next_step_and_offers_to_move_up_without_moving(
    world: World,
) -> None:
    kb = world.bot.services.kb
    await world.alice.slash(world.channel, "progress set", step=3)

    asked = await world.alice.slash(world.channel, "ask", question="this is easy now, what's next?")

    embed = asked.response.embeds[0]
    assert embed.title == kb.step_topic(4).title
    assert "Sounds like step 3 is easy for you now, so here's step 4." in embed.description
    assert (
        "I haven't changed your step: if step 3 is easy and pain-free, press *Move me up to step 4*."
        in embed.description
    )
    assert "Move me up to step 4" in buttons(asked.response)
    assert "step 3" in await world.progress_text()  # nobody is moved by a question

    up = await world.alice.click(asked.response, label="Move me up to step 4")

    assert up.response.embeds[0].title == "Moved up to step 4"
    assert "step 4" in await world.progress_text()


async def test_move_up_under_an_answer_does_nothing_once_the_step_changed(world: World) -> None:
    await world.alice.slash(world.channel, "progress set", step=3)
    asked = await world.alice.slash(world.channel, "ask", question="this is easy now, what's next?")
    await world.alice.slash(world.channel, "progress set", step=1)

    pressed = await world.alice.click(asked.response, label="Move me up to step 4")

    assert pressed.response.embeds[0].title == "You're on step 1 now"
    assert "step 1" in await world.progress_text()


async def test_only_the_asker_can_press_move_me_up(world: World) -> None:
    await world.alice.slash(world.channel, "progress set", step=3)
    asked = await world.alice.slash(world.channel, "ask", question="this is easy now, what's next?")

    pressed = await world.bob.click(asked.response, label="Move me up to step 4")

    assert pressed.ephemeral and pressed.response.embeds[0].title == "Not your buttons"
    assert "step 1" in await world.progress_text(world.bob)


def timed_out(world: World) -> None:
    """A moderator times the bot out: it may not post in the server for an hour."""
    until = (world.env.now() + timedelta(hours=1)).isoformat()
    world.env.backend.edit_member(world.guild.id, world.bot.user.id, {"timed_out_until": until})


@pytest.mark.parametrize("refused", ["no send messages", "timed out"])
async def test_where_the_bot_may_not_post_a_mention_is_answered_by_dm(
    world: World, refused: str, caplog: pytest.LogCaptureFixture
) -> None:
    kb = world.bot.services.kb
    channel = world.channel
    if refused == "timed out":
        timed_out(world)
        await world.env.settle()
    else:
        channel = world.guild.create_text_channel(
            "read-only",
            overwrites={world.guild.me: discord.PermissionOverwrite(send_messages=False)},
        )

    await world.alice.send(channel, f"{world.mention_bot()} can I still do deadlifts?")

    assert channel.last_message.author.id == world.alice.id  # nothing could be posted there
    dm = world.alice.user.dm_channel.last_message
    assert dm.author.id == world.bot.user.id
    assert f"I'm not allowed to post in {channel.mention}" in dm.content
    assert dm.embeds[0].title == kb.topics["deadlifts"].title
    assert "Not what I asked" in buttons(dm)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]  # not a fault of the bot


async def test_where_the_bot_may_neither_post_nor_dm_the_person_nothing_is_logged_as_a_fault(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    world.env.inject_error("POST", "/channels/*/messages", status=403, code=50007, times=None)
    timed_out(world)
    await world.env.settle()

    await world.alice.send(world.channel, f"{world.mention_bot()} can I still do deadlifts?")

    assert world.channel.last_message.author.id == world.alice.id
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize("text", ["can you answer this?", "see above", "this?", ""])
async def test_a_mention_in_reply_to_someone_elses_question_says_the_bot_cannot_read_it(
    world: World, text: str
) -> None:
    theirs = await world.bob.send(world.channel, "is it ok to deadlift with my back pain?")

    await world.alice.send(world.channel, f"{world.mention_bot()} {text}", reply_to=theirs)

    reply = world.channel.last_message
    assert reply.author.id == world.bot.user.id
    assert reply.embeds[0].title == "I can't see the message you replied to"
    assert reply.embeds[0].description.startswith("Discord only shows me messages that mention me")
    assert "after the mention" in reply.embeds[0].description


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("can I still do deadlifts?", "deadlifts"),
        ("is ice or heat better?", None),  # a subject the sources don't cover, said as it is
    ],
)
async def test_a_question_in_reply_to_someone_elses_message_is_answered(
    world: World, question: str, topic: str | None
) -> None:
    kb = world.bot.services.kb
    title = kb.topics[topic].title if topic else "I don't have a curated answer for that"
    theirs = await world.bob.send(world.channel, "my back hurts after the gym")

    await world.alice.send(world.channel, f"{world.mention_bot()} {question}", reply_to=theirs)

    assert world.channel.last_message.embeds[0].title == title


async def test_a_dm_the_bot_may_not_answer_is_not_logged_as_a_fault_nor_tried_again(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    # Someone who shares no server with the bot any more (or blocked it since) writes to it:
    # Discord refuses every message to them.
    carol = world.env.create_user("carol")
    await carol.send_dm("hello")
    dm = carol.dm_channel
    refused = f"/channels/{dm.id}/messages"
    world.env.inject_error("POST", refused, status=403, code=50007, times=None)
    before = len(requests_to(world.env, "POST", refused))

    await carol.send_dm("can I still do deadlifts?")

    assert dm.last_message.author.id == carol.id
    assert len(requests_to(world.env, "POST", refused)) == before + 1  # asked once, not four times
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
