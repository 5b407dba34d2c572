"""``/routine start`` and ``/routine stop``: a timed routine followed live in one message.

The routine service runs the session and hands every event (a phase starting, a pause, an added
round, the end) to a :class:`LiveRoutine`, which keeps ONE ordinary channel message up to date.
The message is edited once per phase, not every second: the countdown is Discord's relative
timestamp (``<t:UNIX:R>``), which the client updates by itself. Because it is an ordinary message
and not the interaction's response, it keeps working after the interaction token's 15 minutes.
Where the bot may not post, the message is the command's follow-up instead; a routine still going
after 14 minutes then carries on in a DM to the person, or stops there and says why.

The buttons under it (Pause/Resume, +1 round, Stop) carry the owner's id and the session id in
their custom ids (:class:`RoutineControl`, a ``DynamicItem``), so they need no state in memory and
answer sensibly even after a restart. Only the person who started the routine can press them.

This cog also provides the ``start_routine`` button action used on answers and reminder DMs.

The package: ``replies`` words what the live message shows, ``views`` holds the buttons, ``live``
keeps one session's message up to date, and ``cog`` has the commands.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.exts.routine.cog import Routine

if TYPE_CHECKING:
    from bot.app import LowbackBot


async def setup(bot: LowbackBot) -> None:
    await bot.add_cog(Routine(bot))
