"""Which reminder comes next for a person: the first occurrence of their schedule not done yet."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time

from bot.core.schedule import MAX_TIMES_PER_DAY, Occurrence, next_occurrence
from bot.store.reminders import ReminderStore


async def upcoming(
    store: ReminderStore,
    user_id: int,
    after: datetime,
    tz: str,
    times: Sequence[time],
    days: frozenset[int] | None,
) -> Occurrence:
    """The first reminder after ``after`` that is not already sent or settled.

    Each day's reminder comes once (its key names the local day and time). After a move west, or
    a snooze of the upcoming reminder, a time can come round again on a day whose reminder is
    done; the schedule moves past it rather than promise a reminder that is never sent.
    """
    nxt = next_occurrence(after, tz, times, days)
    for _ in range(2 * MAX_TIMES_PER_DAY):  # what the old zone's today and tomorrow can hold
        if await store.get_delivery(user_id, nxt.key) is None:
            break
        nxt = next_occurrence(nxt.due_utc, tz, times, days)
    return nxt
