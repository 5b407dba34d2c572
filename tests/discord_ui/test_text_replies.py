"""A reply as a message's text (bot/discord_ui/render.py), for channels where the bot may not show
embeds: every answer of the knowledge base fits Discord's 2,000 characters, and one cut says so."""

from __future__ import annotations

from bot.core.compose import topic_reply
from bot.core.knowledge.model import KnowledgeBase
from bot.core.replies import Field, Reply
from bot.discord_ui.render import CONTENT_LIMIT, render_text


def test_every_answer_fits_a_message_and_keeps_its_title_and_source(kb: KnowledgeBase) -> None:
    for topic in kb.topics.values():
        reply = topic_reply(kb, topic, person_step=1, known_person=True)

        text = render_text(reply)

        assert len(text) <= CONTENT_LIMIT, topic.id
        assert text.startswith(f"**{reply.title}**")


def test_a_reply_too_long_for_a_message_is_cut_with_a_line_that_says_where_it_is_whole() -> None:
    reply = Reply(
        "answer",
        "Sitting",
        "Stand up every half hour. " * 150,
        (Field("Why", "Your glutes switch off."),),
        footer="One coach's approach, not medical advice.",
    )

    text = render_text(reply)

    assert len(text) == CONTENT_LIMIT
    assert text.startswith("**Sitting**\n\nStand up every half hour.")
    assert text.endswith("`/ask` shows it whole, to you alone if you like.)*")


def test_a_short_reply_keeps_every_part_with_the_footer_as_small_print() -> None:
    reply = Reply(
        "info", "Done", "All set.", (Field("Next", "Step 2"),), footer="Line one\nLine two"
    )

    assert render_text(reply) == (
        "**Done**\n\nAll set.\n\n**Next**\nStep 2\n\n-# Line one\n-# Line two"
    )
