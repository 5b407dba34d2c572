"""Everything a front end needs, opened and closed together.

    services = await Services.open(settings, clock=clock, sleep=sleep)
    reply = await services.ask.ask(user_id, "can i still deadlift?")
    ...
    await services.close()

No discord import here: the Discord front end and the terminal share this.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timezone
from typing import Awaitable, Callable

from bot.core.errors import KBIssue
from bot.core.knowledge import load_knowledge
from bot.core.replies import Action, Field, Reply
from bot.services.ask import AskService, KnowledgeHolder, ProgressService
from bot.settings import Settings
from bot.store.data_rights import delete_person, export_person, summarize
from bot.store.db import Database
from bot.store.people import PeopleRepo
from bot.store.unanswered import UnansweredRepo

Clock = Callable[[], datetime]
Sleep = Callable[[float], Awaitable[None]]


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class DataService:
    """A person's data rights: see everything stored about them, and delete it all."""

    def __init__(self, db: Database, knowledge: KnowledgeHolder):
        self.db = db
        self.knowledge = knowledge

    async def export(self, user_id: int) -> dict:
        return await export_person(self.db, user_id)

    async def export_json(self, user_id: int) -> str:
        return json.dumps({"user_id": user_id, "tables": await self.export(user_id)}, indent=2, sort_keys=True)

    async def show(self, user_id: int) -> Reply:
        data = await self.export(user_id)
        text = summarize(data)
        return Reply(
            "info", "What I store about you", text[:4000],
            (Field("Delete it", "Use the delete option to remove all of it at once. Nothing is kept afterwards."),),
            footer="No message text is stored. See PRIVACY.md for details.", private=True,
        )

    async def delete(self, user_id: int) -> Reply:
        counts = await delete_person(self.db, user_id)
        total = sum(counts.values())
        body = (
            f"Deleted {total} record(s) about you. I no longer know your step, schedule or routines; "
            "if you use me again, you start fresh at step 1."
            if total
            else "I had nothing stored about you."
        )
        return Reply("info", "Your data is deleted", body, private=True)


class Services:
    def __init__(self, settings: Settings, db: Database, knowledge: KnowledgeHolder, clock: Clock, sleep: Sleep):
        self.settings = settings
        self.db = db
        self.knowledge = knowledge
        self.clock = clock
        self.sleep = sleep
        self.people = PeopleRepo(db)
        self.unanswered = UnansweredRepo(db)
        self.ask = AskService(knowledge, self.people, self.unanswered, clock)
        self.data = DataService(db, knowledge)
        from bot.services.routines import RoutineService

        self.routines = RoutineService(db, knowledge.kb.routines, clock, sleep)
        self.progress = ProgressService(knowledge, self.people, clock, streaks=self._streaks)
        self.reminders = None  # set in open(); see bot.services.reminders
        self.dispatcher = None

    @property
    def kb(self):
        return self.knowledge.kb

    async def _streaks(self, user_id: int):
        person = await self.people.get(user_id)
        tz = (person.timezone if person else None) or "UTC"
        return await self.routines.streaks(user_id, tz)

    @classmethod
    async def open(cls, settings: Settings, *, clock: Clock | None = None, sleep: Sleep | None = None) -> "Services":
        """Load the knowledge base (raises KnowledgeError) and open the database (raises DatabaseError)."""
        kb = load_knowledge(settings.knowledge)
        db = await Database.open(settings.database)
        try:
            services = cls(settings, db, KnowledgeHolder(kb), clock or utcnow, sleep or asyncio.sleep)
            await services.routines.recover()
            _attach_reminders(services)
        except BaseException:
            await db.close()
            raise
        return services

    def reload_knowledge(self) -> list[KBIssue]:
        """Reload from disk; a broken knowledge base is refused and the old one kept."""
        problems = self.knowledge.reload(self.settings.knowledge)
        if not problems:
            self.routines.book = self.knowledge.kb.routines
        return problems

    def routine_choices(self) -> list[tuple[str, str]]:
        book = self.kb.routines
        return [(rid, plan.name) for rid, plan in book.routines.items()]

    async def close(self) -> None:
        if self.dispatcher is not None:
            await self.dispatcher.stop()
        await self.routines.shutdown()
        await self.db.close()


def _attach_reminders(services: Services) -> None:
    """Wire the reminder engine, if present, to the knowledge base and routine history."""
    try:
        from bot.services import reminders as reminders_mod
    except ImportError:  # pragma: no cover - the engine is part of the package
        return
    make = getattr(reminders_mod, "attach", None)
    if make is not None:
        make(services)


def start_routine_action(routine_id: str | None) -> Action:
    return Action("start_routine", "Start routine", routine_id)
