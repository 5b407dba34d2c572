"""Where a person is on the four-step ladder, and moving them up or back with the knowledge
base's rules: the use-case behind /progress, "It's easy now" and "It hurts"."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from bot.core.compose import bullets
from bot.core.replies import Action, Field, Reply
from bot.core.streaks import Streaks
from bot.services.knowledge import KnowledgeHolder
from bot.store.people import PeopleStore

Clock = Callable[[], datetime]


class ProgressService:
    """Where a person is on the ladder, and moving them up or back with the knowledge base's rules."""

    def __init__(
        self,
        knowledge: KnowledgeHolder,
        people: PeopleStore,
        clock: Clock,
        streaks: Callable[[int], Awaitable[Streaks | None]] | None = None,
    ):
        self.knowledge = knowledge
        self.people = people
        self.clock = clock
        self.streaks = streaks  # the person's streaks, shown with their progress

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
