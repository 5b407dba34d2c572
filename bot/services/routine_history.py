"""What the store keeps of a person's routines, as the routine service reads it: their streaks,
whether they did one lately, and whether a running session's row is still there."""

from __future__ import annotations

from datetime import datetime

from bot.core.clock import Clock
from bot.core.streaks import Streaks, compute_streaks
from bot.services.routine_handles import PersonStreaks
from bot.services.zones import person_zone
from bot.store.people import PeopleStore
from bot.store.routines import RoutineSessionStore


async def row_gone(sessions: RoutineSessionStore, session_id: int) -> bool:
    """Whether a running session's row is gone from the store: the person deleted their data
    through another process of the bot (another shard's, or the terminal's beside the bot), which
    could not stop the routine this process runs. False while the database cannot tell (away,
    or closed as the process stops)."""
    try:
        return await sessions.get(session_id) is None
    except Exception:
        return False


class RoutineHistory:
    """The reading half of :class:`~bot.services.routines.RoutineService`."""

    sessions: RoutineSessionStore
    people: PeopleStore
    clock: Clock

    async def streaks(self, user_id: int, tz: str) -> Streaks:
        """The person's routine streaks in the time zone ``tz`` (an IANA name), as of now: each
        routine on the day it was recorded for where they were, or else its day in ``tz``."""
        finished = await self.sessions.finished_days(user_id)
        return compute_streaks(
            [at for at, day in finished if day is None],
            tz,
            self.clock(),
            days=[day for _, day in finished if day is not None],
        )

    async def person_streaks(self, user_id: int) -> PersonStreaks:
        """The person's routine streaks, their days counted in their own time zone, or where the
        bot does not know it (or no longer does) in the fallback :mod:`bot.services.zones` picks,
        the same for every front end."""
        where = person_zone(user_id, await self.people.timezone(user_id))
        return PersonStreaks(await self.streaks(user_id, where.name), where)

    async def did_routine_between(
        self, user_id: int, start_utc: datetime, end_utc: datetime
    ) -> bool:
        """Whether the person finished a routine at an instant in ``[start_utc, end_utc)``."""
        return await self.sessions.finished_between(user_id, start_utc, end_utc)
