"""A forum post that mentions the bot: its title is part of what it asks."""

from __future__ import annotations

import simcord

from tests.support.e2e import World


async def forum_post(world: World, title: str, text: str) -> simcord.ChannelHandle:
    """Alice opens a post titled ``title`` in a forum, ``text`` under the title."""
    backend = world.env.backend
    forum = world.guild.create_forum_channel("back-help")
    await world.env.settle()
    post = backend.create_thread(forum.id, title, world.alice.id, broadcast=False)
    opening = backend.prepare_message(post.id, world.alice.id, text)
    opening.id = post.id  # as on Discord, a post's opening message has the post's id
    backend.commit_message(opening, broadcast=False)
    backend.announce_thread_create(post)
    backend.announce_message_create(opening)
    await world.env.settle()
    [handle] = forum.threads
    return handle


def bot_titles(world: World, post: simcord.ChannelHandle) -> list[str]:
    return [str(m.embeds[0].title) for m in post.history() if m.author.id == world.bot.user.id]


async def test_a_question_asked_in_the_title_of_a_post_is_answered(world: World) -> None:
    post = await forum_post(world, "Can I still do deadlifts?", world.mention_bot())

    assert bot_titles(world, post) == [world.bot.services.kb.topics["deadlifts"].title]


async def test_the_title_is_read_with_what_the_post_says_under_it(world: World) -> None:
    post = await forum_post(
        world, "Deadlifts with a bad back?", f"{world.mention_bot()} been lifting for years"
    )

    assert bot_titles(world, post) == [world.bot.services.kb.topics["deadlifts"].title]


async def test_a_warning_sign_in_the_title_gets_the_private_answer(world: World) -> None:
    kb = world.bot.services.kb
    post = await forum_post(
        world, "Numb between my legs since this morning", f"{world.mention_bot()} what do I do?"
    )

    assert bot_titles(world, post) == ["I've answered you privately"]
    dm = world.alice.user.dm_channel.last_message
    assert dm.embeds[0].title in {g.title for g in kb.safety.groups}
