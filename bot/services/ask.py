"""Answering questions and moving people along the ladder: the use-cases both front ends call.

The knowledge base lives in a :class:`KnowledgeHolder` so that a reload swaps it for every service
at once, and a failed reload keeps the old one.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from bot.core.clock import Clock
from bot.core.compose import bullets, empty_reply, reply_for, topic_reply
from bot.core.errors import KBIssue, KnowledgeError
from bot.core.knowledge.loading import load_knowledge
from bot.core.knowledge.model import KnowledgeBase
from bot.core.matching import Matcher, MatchResult
from bot.core.replies import Action, Candidate, Field, Reply
from bot.store.people import PeopleRepo
from bot.store.unanswered import UnansweredRepo


class KnowledgeHolder:
    """The current knowledge base and its matcher."""

    def __init__(self, kb: KnowledgeBase):
        self.kb = kb
        self.matcher = Matcher(kb)

    async def reload(self, directory: Path) -> list[KBIssue]:
        """Load again from ``directory``; on any problem keep the current one and return the problems.

        Reading, parsing, validating and building the matcher run in a worker thread, so the bot
        keeps answering everyone else meanwhile; the new knowledge base replaces the old one at
        once, when it is complete.
        """
        try:
            kb, matcher = await asyncio.to_thread(_build, directory)
        except KnowledgeError as exc:
            return exc.issues
        self.kb = kb
        self.matcher = matcher
        return []


def _build(directory: Path) -> tuple[KnowledgeBase, Matcher]:
    kb = load_knowledge(directory)
    return kb, Matcher(kb)


@dataclass(frozen=True)
class Asked:
    reply: Reply
    match: MatchResult | None


class AskService:
    def __init__(
        self,
        knowledge: KnowledgeHolder,
        people: PeopleRepo,
        unanswered: UnansweredRepo,
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
        """The answer for this person; ``step`` answers as for someone on that step instead of their own."""
        kb, matcher = self.knowledge.kb, self.knowledge.matcher
        step, known = (step, True) if step is not None else await self._step(user_id)
        result = matcher.match(text if isinstance(text, str) else "", person_step=step)
        if result.kind == "no_match" and not result.words and result.gap is None:
            return Asked(empty_reply(kb), result)
        if result.kind == "no_match" and guild_id is not None:
            best = result.candidates[0] if result.candidates else None
            now = self.clock()
            if await self.unanswered.record(
                guild_id, text, best.topic if best else None, result.score, now
            ):
                await self.unanswered.purge(
                    now, self.retention_days
                )  # nothing outlives the retention period
        return Asked(reply_for(kb, result, person_step=step, known_person=known), result)

    async def ask(self, user_id: int, text: str, *, guild_id: int | None = None) -> Reply:
        return (await self.ask_full(user_id, text, guild_id=guild_id)).reply

    async def topic(self, user_id: int, topic_id: str) -> Reply:
        kb = self.knowledge.kb
        topic = kb.topics.get(topic_id)
        if topic is None:
            return Reply(
                "error",
                "That answer is gone",
                "The knowledge base changed since I offered this answer. Ask again.",
            )
        step, known = await self._step(user_id)
        return topic_reply(kb, topic, person_step=step, known_person=known)

    async def step(self, user_id: int, number: int) -> Reply:
        topic = self.knowledge.kb.step_topic(number)
        if topic is None:
            return Reply(
                "error",
                "No such step",
                f"The progression has steps 1 to {self.knowledge.kb.max_step}.",
            )
        return await self.topic(user_id, topic.id)

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
        if not others:
            return Reply(
                "no_match",
                "Nothing else fits",
                "I have no other curated answer close to that question.",
                footer=kb.safety.disclaimer,
            )
        lines = [f"• **{c.title}**: {kb.topics[c.topic].summary}" for c in others]
        return Reply(
            "clarify",
            "Other answers that might fit",
            "\n".join(lines),
            footer=kb.safety.disclaimer,
            candidates=others,
            actions=tuple(Action("choose_topic", c.title[:80], c.topic) for c in others),
        )


class ProgressService:
    """Where a person is on the ladder, and moving them up or back with the knowledge base's rules."""

    def __init__(self, knowledge: KnowledgeHolder, people: PeopleRepo, clock: Clock, streaks=None):
        self.knowledge = knowledge
        self.people = people
        self.clock = clock
        self.streaks = streaks  # async (user_id) -> Streaks | None

    def _step_fields(self, step: int) -> list[Field]:
        kb = self.knowledge.kb
        topic = kb.step_topic(step)
        fields = []
        if topic is not None and topic.dose:
            fields.append(Field("What it involves", bullets(topic.dose)))
        nxt = kb.step_topic(step + 1)
        fields.append(
            Field(
                "What comes next",
                f"Step {step + 1}: {nxt.title.split(':', 1)[-1].strip()}. {nxt.summary}"
                if nxt
                else "This is the last step: keep it up, and drop back a step whenever something hurts.",
            )
        )
        return fields

    async def show(self, user_id: int) -> Reply:
        kb = self.knowledge.kb
        person = await self.people.get(user_id)
        step = person.step if person else 1
        topic = kb.step_topic(step)
        body = f"You're on **step {step} of {kb.max_step}: {topic.title.split(':', 1)[-1].strip()}**.\n{topic.summary}"
        if person is None:
            body += "\n\nEveryone starts at step 1. Tell me when it's easy and pain-free and I'll move you up."
        fields = self._step_fields(step)
        if self.streaks is not None:
            streak = await self.streaks(user_id)
            if streak is not None:
                fields.append(
                    Field(
                        "Your streak",
                        f"{streak.week_squares()}  current {streak.current} day(s), "
                        f"longest {streak.longest}",
                    )
                )
        actions = [Action("move_up", "It's easy now"), Action("go_back", "It hurts")]
        if topic.routine:
            actions.append(Action("start_routine", "Start my routine"))
        return Reply(
            "info",
            "Your progress",
            body,
            tuple(fields),
            footer=kb.safety.disclaimer,
            step=step,
            actions=tuple(actions),
            private=True,
        )

    async def move_up(self, user_id: int) -> Reply:
        kb = self.knowledge.kb
        person = await self.people.get(user_id)
        step = person.step if person else 1
        rule = Field("The rule for moving up", kb.progression.move_up.strip()[:1024])
        if step >= kb.max_step:
            return Reply(
                "info",
                "You're on the last step",
                "Step 4 is the top of the ladder. Keep your routine going.",
                (rule,),
                footer=kb.safety.disclaimer,
                step=step,
                private=True,
            )
        await self.people.set_step(
            user_id, step + 1, "easy and pain-free", self.clock(), create=person is None
        )
        new = kb.step_topic(step + 1)
        body = (
            f"Check the rule first (below). If it holds, you're now on **step {step + 1}: "
            f"{new.title.split(':', 1)[-1].strip()}**.\n{new.summary}"
        )
        hurts = Action(
            "go_back",
            "It hurts",
            hint="If the new move tugs your low back, {do} and you'll go back a step.",
        )
        return Reply(
            "info",
            f"Moved up to step {step + 1}",
            body,
            (rule, *self._step_fields(step + 1)),
            footer=kb.safety.disclaimer,
            step=step + 1,
            topic=new.id,
            private=True,
            actions=(hurts,)
            + ((Action("start_routine", "Start my routine"),) if new.routine else ()),
        )

    async def go_back(self, user_id: int) -> Reply:
        kb = self.knowledge.kb
        person = await self.people.get(user_id)
        step = person.step if person else 1
        rule = Field("The rule for going back", kb.progression.go_back.strip()[:1024])
        if step <= 1:
            flare = kb.topics.get("flare-up")
            body = (
                "You're already on step 1, so there's no step to go back to. Do a few booty-flex rounds now; "
                "if the pain is intense, add a round or two."
            )
            if flare is not None:
                body += "\n\n" + flare.answer.strip()
            fields = (rule, Field("See a clinician if", bullets(kb.safety.warning_signs)))
            return Reply(
                "info",
                "Pain at step 1",
                body,
                fields,
                footer=kb.safety.disclaimer,
                step=1,
                private=True,
                actions=(Action("start_routine", "Start flare-up routine", "flare-up"),),
            )
        await self.people.set_step(
            user_id, step - 1, "it hurt", self.clock(), create=person is None
        )
        back = kb.step_topic(step - 1)
        body = (
            f"You're back on **step {step - 1}: {back.title.split(':', 1)[-1].strip()}**. Going back is part of the plan, "
            f"not a failure.\n{back.summary}"
        )
        return Reply(
            "info",
            f"Back to step {step - 1}",
            body,
            (rule, *self._step_fields(step - 1)),
            footer=kb.safety.disclaimer,
            step=step - 1,
            topic=back.id,
            private=True,
        )

    async def set_step(self, user_id: int, step: int) -> Reply:
        kb = self.knowledge.kb
        if not 1 <= step <= kb.max_step:
            return Reply(
                "error", "No such step", f"Steps run from 1 to {kb.max_step}.", private=True
            )
        await self.people.set_step(user_id, step, "set by the person", self.clock())
        topic = kb.step_topic(step)
        return Reply(
            "info",
            f"You're on step {step}",
            f"**{topic.title}**\n{topic.summary}",
            tuple(self._step_fields(step)),
            footer=kb.safety.disclaimer,
            step=step,
            topic=topic.id,
            private=True,
        )
