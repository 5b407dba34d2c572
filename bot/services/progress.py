"""Where a person is on the four-step ladder, and moving them up or back with the knowledge
base's rules: the use-case behind /progress, "It's easy now" and "It hurts". The replies are
worded in :mod:`bot.services.messages`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from bot.core.clock import Clock
from bot.core.replies import Reply
from bot.core.timezones import UnknownTimezone
from bot.services.knowledge import KnowledgeHolder
from bot.services.messages import (
    last_step_reply,
    moved_back_reply,
    moved_up_reply,
    no_such_step_to_set,
    pain_at_step_one_reply,
    progress_reply,
    step_changed_reply,
    step_set_reply,
    unknown_zone_reply,
    zone_set_line,
)
from bot.store.people import PeopleStore

if TYPE_CHECKING:
    from bot.services.routine_handles import PersonStreaks


class ProgressService:
    """Where a person is on the ladder, and moving them up or back with the knowledge base's rules."""

    def __init__(
        self,
        knowledge: KnowledgeHolder,
        people: PeopleStore,
        clock: Clock,
        streaks: Callable[[int], Awaitable[PersonStreaks | None]] | None = None,
        set_timezone: Callable[[int, str], Awaitable[str]] | None = None,
    ):
        self.knowledge = knowledge
        self.people = people
        self.clock = clock
        self.streaks = streaks  # the person's streaks, shown with their progress
        # Sets the person's own zone from what they typed and returns it (raises UnknownTimezone).
        self.set_timezone = set_timezone

    async def show(
        self, user_id: int, timezone: str | None = None, *, set_zone: str | None = None
    ) -> Reply:
        """The person's step and streak. With ``timezone`` (what they typed) that zone becomes
        theirs first, without turning reminders on: their days are counted in it from now on.

        Without a zone the bot knows, the streak comes with a line saying its days are counted in
        UTC (``set_zone``: how to set one, in the front end's words; see
        :func:`bot.services.zones.zone_note`). The option to set a zone here exists because the
        only other way, turning reminders on, is one a person who wants no reminders should not
        need."""
        first = ""
        if timezone is not None and self.set_timezone is not None:
            try:
                first = zone_set_line(await self.set_timezone(user_id, timezone))
            except UnknownTimezone as exc:
                return unknown_zone_reply(exc)
        kb = self.knowledge.kb
        person = await self.people.get(user_id)
        step = person.step if person else 1
        counted = await self.streaks(user_id) if self.streaks is not None else None
        reply = progress_reply(
            kb,
            step,
            known=person is not None,
            streak=counted.streaks if counted else None,
            zone_note=counted.note(set_zone) if counted else None,
        )
        return replace(reply, body=f"{first}\n\n{reply.body}") if first else reply

    async def move_up(self, user_id: int, shown: int | None = None) -> Reply:
        """The person's step is easy and pain-free: up to the next one. ``shown`` is the step the
        message they pressed "It's easy now" on was about (None: their current step); once they are
        on another step, nothing changes and they are told so."""
        kb = self.knowledge.kb
        person = await self.people.get(user_id)
        step = person.step if person else 1
        if shown is not None and shown != step:
            return step_changed_reply(kb, step, shown)
        if step >= kb.max_step:
            return last_step_reply(kb, step)
        await self.people.set_step(
            user_id, step + 1, "easy and pain-free", self.clock(), create=person is None
        )
        return moved_up_reply(kb, step + 1)

    async def go_back(self, user_id: int, shown: int | None = None) -> Reply:
        """The person's step hurts: back to the one before. ``shown`` as for :meth:`move_up`."""
        kb = self.knowledge.kb
        person = await self.people.get(user_id)
        step = person.step if person else 1
        if shown is not None and shown != step:
            return step_changed_reply(kb, step, shown)
        if step <= 1:
            return pain_at_step_one_reply(kb)
        await self.people.set_step(
            user_id, step - 1, "it hurt", self.clock(), create=person is None
        )
        return moved_back_reply(kb, step - 1)

    async def set_step(self, user_id: int, step: int) -> Reply:
        kb = self.knowledge.kb
        if not 1 <= step <= kb.max_step:
            return no_such_step_to_set(kb)
        await self.people.set_step(user_id, step, "set by the person", self.clock())
        return step_set_reply(kb, step)
