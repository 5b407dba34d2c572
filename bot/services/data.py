"""A person's data rights as a use-case: see everything stored about them, and delete it all.

The rows are found and deleted by :mod:`bot.store.data_rights`; this turns them into replies.
"""

from __future__ import annotations

import json

from bot.core.replies import Reply
from bot.services.messages import data_reply, data_summary, deleted_reply
from bot.store.data_rights import Export
from bot.store.db import Database


class DataService:
    """A person's data rights: see everything stored about them, and delete it all."""

    def __init__(self, db: Database):
        self.db = db

    async def export(self, user_id: int) -> Export:
        from bot.store.data_rights import export_person

        return await export_person(self.db, user_id)

    async def export_json(self, user_id: int) -> str:
        return json.dumps(
            {"user_id": user_id, "tables": await self.export(user_id)}, indent=2, sort_keys=True
        )

    async def show(self, user_id: int) -> Reply:
        return data_reply(data_summary(await self.export(user_id)))

    async def delete(self, user_id: int) -> Reply:
        from bot.store.data_rights import delete_person

        counts = await delete_person(self.db, user_id)
        return deleted_reply(sum(counts.values()))
