"""A person's data rights as a use-case: see everything stored about them, and delete it all.

The rows are found and deleted by :mod:`bot.store.data_rights`; this turns them into replies.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

from bot.core.replies import Reply
from bot.services.messages import data_reply, data_summary, deleted_reply
from bot.store.data_rights import Export
from bot.store.db import Database


class DataService:
    """A person's data rights: see everything stored about them, and delete it all.

    ``stop_routine`` stops the person's running routine before their data goes (True if one ran),
    so the deletion wins: nothing of that routine is recorded afterwards."""

    def __init__(self, db: Database, stop_routine: Callable[[int], Awaitable[bool]] | None = None):
        self.db = db
        self.stop_routine = stop_routine

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

        stopped = self.stop_routine is not None and await self.stop_routine(user_id)
        counts = await delete_person(self.db, user_id)
        return deleted_reply(sum(counts.values()), routine_stopped=stopped)
