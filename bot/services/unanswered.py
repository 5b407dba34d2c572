"""A server's list of the questions the bot had no curated answer for, as its managers use it:
turn it on, turn it off (which deletes it), and read it. The store keeps the list
(``bot.store.unanswered``); the answering service adds to it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.core.clock import Clock

if TYPE_CHECKING:
    from bot.store.unanswered import UnansweredQuestion, UnansweredStore


class UnansweredService:
    """Every call is a coroutine: each reads or writes the store."""

    def __init__(self, store: UnansweredStore, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    async def keep(self, guild_id: int) -> None:
        """Start keeping the server's unanswered questions."""
        await self.store.set_opt_in(guild_id, True, self.clock())

    async def stop_keeping(self, guild_id: int) -> int:
        """Stop keeping them and delete the server's list; how many questions were deleted."""
        return await self.store.set_opt_in(guild_id, False, self.clock())

    async def recent(self, guild_id: int, limit: int) -> list[UnansweredQuestion] | None:
        """The server's kept questions, newest first; None when the server does not keep them."""
        if not await self.store.is_opted_in(guild_id):
            return None
        return await self.store.recent(guild_id, limit=limit)
