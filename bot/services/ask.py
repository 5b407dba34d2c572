"""Answering questions: the use-case both front ends call with what a person typed.

The knowledge base comes from a :class:`~bot.services.knowledge.KnowledgeHolder`, so a reload
reaches this service at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.chatter import acknowledged
from bot.core.clock import Clock
from bot.core.compose import (
    acknowledged_reply,
    empty_reply,
    red_flag_reply,
    reply_for,
    topic_reply,
)
from bot.core.match_result import MatchResult
from bot.core.replies import Candidate, Reply
from bot.core.safety import RedFlag
from bot.services.knowledge import KnowledgeHolder
from bot.services.messages import alternatives_reply, answer_gone_reply, no_such_step_reply
from bot.store.people import PeopleStore
from bot.store.unanswered import UnansweredStore


@dataclass(frozen=True)
class Asked:
    reply: Reply
    match: MatchResult | None


class AskService:
    def __init__(
        self,
        knowledge: KnowledgeHolder,
        people: PeopleStore,
        unanswered: UnansweredStore,
        clock: Clock,
        *,
        retention_days: int = 30,
    ):
        self.knowledge = knowledge
        self.people = people
        self.unanswered = unanswered
        self.clock = clock
        self.retention_days = retention_days

    async def _step(self, user_id: int) -> tuple[int, bool]:
        person = await self.people.get(user_id)
        return (person.step, True) if person else (1, False)

    async def ask_full(
        self, user_id: int, text: str, *, guild_id: int | None = None, step: int | None = None
    ) -> Asked:
        """The answer for this person; ``step`` answers as for someone on that step instead of their own.

        A question the sources do not cover is kept for the server ``guild_id`` if it opted in;
        with no ``guild_id`` (a direct message, a question asked privately) nothing is kept."""
        kb, matcher = self.knowledge.kb, self.knowledge.matcher
        own = step is None  # a move it offers is made from the person's stored step
        step, known = (step, True) if step is not None else await self._step(user_id)
        result = matcher.match(text, person_step=step)
        said = acknowledged(text) if result.kind != "red_flag" else None
        if said is not None:  # "thanks!", "ok", "👍": nothing asked, nothing kept
            return Asked(acknowledged_reply(said), result)
        if result.kind == "no_match" and not result.words and result.gap is None:
            return Asked(empty_reply(kb), result)
        if result.kind == "no_match" and guild_id is not None and self.retention_days > 0:
            best = result.candidates[0] if result.candidates else None
            now = self.clock()
            if await self.unanswered.record(
                guild_id, text, best.topic if best else None, result.score, now
            ):
                await self.unanswered.purge(
                    now, self.retention_days
                )  # nothing outlives the retention period
        reply = reply_for(kb, result, person_step=step, known_person=known, offer_move=own)
        return Asked(reply, result)

    async def ask(self, user_id: int, text: str, *, guild_id: int | None = None) -> Reply:
        return (await self.ask_full(user_id, text, guild_id=guild_id)).reply

    async def urgent(self, text: str) -> Reply | None:
        """The answer to a message that describes a red flag or a crisis, else None; for a
        question that is otherwise turned away (asked too fast), so nothing of it is kept."""
        result = self.knowledge.matcher.match(text)
        return red_flag_reply(self.knowledge.kb, result) if result.kind == "red_flag" else None

    def red_flag(self, text: str) -> RedFlag | None:
        """The red flag or crisis a message describes, else None (what "Show me my answer" shows)."""
        return self.knowledge.matcher.match(text).red_flag

    def red_flag_again(self, group_id: str, also_id: str = "") -> Reply | None:
        """The red-flag answer made of the safety groups ``group_id`` (and ``also_id``, the most
        urgent other group a crisis came with), as it was given; None when the group is gone (a
        reload of the knowledge base since). Nothing of what the person wrote is needed."""
        kb = self.knowledge.kb
        groups = {group.id: group for group in kb.safety.groups}
        group = groups.get(group_id)
        if group is None:
            return None
        flag = RedFlag(group, "", also=groups.get(also_id))
        return red_flag_reply(kb, MatchResult("red_flag", None, 1.0, red_flag=flag))

    async def topic(self, user_id: int, topic_id: str) -> Reply:
        kb = self.knowledge.kb
        topic = kb.topics.get(topic_id)
        if topic is None:
            return answer_gone_reply()
        step, known = await self._step(user_id)
        return topic_reply(kb, topic, person_step=step, known_person=known)

    async def step(self, user_id: int, number: int) -> Reply:
        topic = self.knowledge.kb.step_topic(number)
        if topic is None:
            return no_such_step_reply(self.knowledge.kb)
        return await self.topic(user_id, topic.id)

    async def others(self, topic_ids: tuple[str, ...]) -> Reply:
        """The other answers an answer had in mind, by topic id ("Not what I asked" on a message:
        the question itself is never kept). Topics gone since a reload are left out."""
        kb = self.knowledge.kb
        known = tuple(
            Candidate(t, kb.topics[t].title, 0.0)
            for t in dict.fromkeys(topic_ids)
            if t in kb.topics
        )
        return alternatives_reply(kb, known)

    async def alternatives(self, user_id: int, text: str) -> Reply:
        """The other candidates for a question ("Not what I asked")."""
        kb = self.knowledge.kb
        step, _ = await self._step(user_id)
        result = self.knowledge.matcher.match(text, person_step=step)
        cands = tuple(
            Candidate(c.topic, kb.topics[c.topic].title, c.score)
            for c in result.candidates
            if c.topic in kb.topics
        )
        others = cands[1:4] if result.kind == "answer" else cands[:3]
        return alternatives_reply(kb, others)
