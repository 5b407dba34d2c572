"""The buttons under replies carry what a press needs in their custom ids (bot/discord_ui/render.py),
within Discord's 100 characters, for every reply the knowledge base can give."""

from __future__ import annotations

from dataclasses import replace

import discord

from bot.core.compose import topic_reply
from bot.core.knowledge.model import KnowledgeBase
from bot.core.replies import Action, Candidate, Reply
from bot.discord_ui.render import ReplyButton, actions_for, reply_view

OWNER = 987654321098765432  # a Discord id of the usual length


def custom_ids(view: discord.ui.View | None) -> list[str]:
    if view is None:  # a reply with no actions
        return []
    return [item.item.custom_id for item in view.children if isinstance(item, ReplyButton)]


async def test_every_answers_buttons_fit_a_custom_id_and_say_what_they_do(
    kb: KnowledgeBase,
) -> None:
    longest = sorted(kb.topics, key=len)[-4:]  # "Not what I asked" with the longest other answers
    template = ReplyButton.__discord_ui_compiled_template__
    for topic in kb.topics.values():
        reply = topic_reply(kb, topic, person_step=1, known_person=True)
        others = tuple(Candidate(t, kb.topics[t].title, 0.5) for t in longest if t != topic.id)
        asked_other = (*reply.actions, Action("not_what_i_asked", "Not what I asked"))
        for shown in (reply, replace(reply, candidates=others, actions=asked_other)):
            for private in (False, True):
                ids = custom_ids(reply_view(shown, owner_id=OWNER, private=private))
                assert len(ids) == len(actions_for(shown)), topic.id  # no button left out
                for custom_id in ids:
                    assert len(custom_id) <= 100 and template.fullmatch(custom_id), custom_id


async def test_not_what_i_asked_carries_as_many_other_answers_as_fit() -> None:
    short = tuple(Candidate(t, t, 0.5) for t in ("bridges", "hip-thrust", "squats", "lunges"))
    long = tuple(Candidate(t * 3, t, 0.5) for t in ("a-long-topic-name", "another-long-one"))
    other = Action("not_what_i_asked", "Not what I asked")

    def carried(candidates: tuple[Candidate, ...]) -> str:
        reply = Reply("answer", "An answer", "", candidates=candidates, actions=(other,))
        [custom_id] = custom_ids(reply_view(reply, owner_id=OWNER, private=False))
        return custom_id.rsplit(":", 1)[1]

    assert (
        carried(short) == "bridges.hip-thrust.squats"
    )  # three at most, as "Not what I asked" shows
    assert (
        carried(long) == "a-long-topic-namea-long-topic-namea-long-topic-name"
    )  # the one that fits
    assert (
        reply_view(
            Reply("answer", "An answer", "", actions=(other,)), owner_id=OWNER, private=False
        )
        is None
    )


async def test_progress_buttons_carry_the_step_and_older_ones_without_it_still_match(
    kb: KnowledgeBase,
) -> None:
    from bot.services.messages import progress_reply

    reply = progress_reply(kb, 3, known=True, streak=None)
    ids = custom_ids(reply_view(reply, owner_id=OWNER, private=True))
    assert ids[:2] == [f"lowback:do:u:0:{OWNER}:1:3", f"lowback:do:b:1:{OWNER}:1:3"]
    template = ReplyButton.__discord_ui_compiled_template__
    older = template.fullmatch(f"lowback:do:b:1:{OWNER}:1:")  # sent before a restart
    assert older is not None and older["value"] == ""
