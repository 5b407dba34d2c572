"""A person's data rights as a use-case: see everything stored about them, and delete it all.

The rows are found and deleted by :mod:`bot.store.data_rights`; this turns them into replies.
"""

from __future__ import annotations

import json

from bot.core.replies import Field, Reply
from bot.services.knowledge import KnowledgeHolder
from bot.store.db import Database


class DataService:
    """A person's data rights: see everything stored about them, and delete it all."""

    def __init__(self, db: Database, knowledge: KnowledgeHolder):
        self.db = db
        self.knowledge = knowledge

    async def export(self, user_id: int) -> dict:
        from bot.store.data_rights import export_person

        return await export_person(self.db, user_id)

    async def export_json(self, user_id: int) -> str:
        return json.dumps(
            {"user_id": user_id, "tables": await self.export(user_id)}, indent=2, sort_keys=True
        )

    async def show(self, user_id: int) -> Reply:
        from bot.store.data_rights import summarize

        data = await self.export(user_id)
        text = summarize(data)
        return Reply(
            "info",
            "What I store about you",
            text[:4000],
            (
                Field(
                    "Delete it",
                    "Use the delete option to remove all of it at once. Nothing is kept afterwards.",
                ),
            ),
            footer="No message text is stored. See PRIVACY.md for details.",
            private=True,
        )

    async def delete(self, user_id: int) -> Reply:
        from bot.store.data_rights import delete_person

        counts = await delete_person(self.db, user_id)
        total = sum(counts.values())
        body = (
            f"Deleted {total} record(s) about you. I no longer know your step, schedule or routines; "
            "if you use me again, you start fresh at step 1."
            if total
            else "I had nothing stored about you."
        )
        return Reply("info", "Your data is deleted", body, private=True)
