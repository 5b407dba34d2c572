"""``/reminders on|show|pause|off`` and the reminder DMs.

Every answer here is private. The schedule lives in the reminder service; this cog turns what the
person typed into calls to it and renders the result.

Reminders go out through :class:`DiscordSender`, which the reminder dispatcher calls: a DM with
the routine for the person's step and two buttons, "Start routine" and "Snooze 30 min". The
buttons are ``DynamicItem``\\ s whose custom ids carry what they need (the routine id, the
reminder's occurrence key), registered when the cog loads, so they keep working on DMs sent before
a restart. A person whose DMs are closed (Discord error 50007) has their reminders stopped by the
dispatcher and is told, privately, after the next command they use.

'STOP' in reply to a reminder DM turns the reminders off, as ``/reminders off`` does.

The package: ``sender`` delivers the DMs, ``views`` holds their buttons, ``words`` reads a 'STOP'
replied to one, ``cog`` has the commands.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.exts.reminders.cog import Reminders

if TYPE_CHECKING:
    from bot.app import LowbackBot


async def setup(bot: LowbackBot) -> None:
    await bot.add_cog(Reminders(bot))
