"""Reminders in the terminal: ``/reminders ...`` in ``lowback chat`` and ``lowback reminders``.

While the chat is open, a dispatcher limited to the local person prints their reminders as they
come due (the Discord bot, if it shares the database, keeps sending everyone else's).
"""

from __future__ import annotations

import shlex
from typing import Awaitable, Callable, TextIO

from bot.core.schedule import ScheduleError
from bot.services.container import Services
from bot.terminal.sender import TerminalSender

USAGE = """\
/reminders on [TIME ZONE] [TIMES]   e.g. /reminders on Europe/Berlin 7:30 21:30
/reminders show                      your schedule and the next reminder, in your local time
/reminders pause DAYS                no reminders for that many days
/reminders snooze [MINUTES]          the last (or next) reminder again later, default 30 min
/reminders off                       no more reminders"""


def _looks_like_time(word: str) -> bool:
    w = word.lower().rstrip(",").replace(".", "")
    return any(ch.isdigit() for ch in w) or w in ("noon", "midnight", "am", "pm")


async def reminders_action(services: Services, user_id: int, action: str, *, timezone: str | None = None,
                           times: str | None = None, days: float | None = None, minutes: int | None = None) -> str:
    """One reminders action as text for the terminal; errors a person can fix come back as text."""
    rem = services.reminders
    try:
        if action == "on":
            view = await rem.on(user_id, timezone, times)
        elif action == "off":
            view = await rem.off(user_id)
            if view is None:
                return "Reminders were not on."
        elif action == "pause":
            view = await rem.pause(user_id, days if days is not None else 1)
        elif action == "snooze":
            view = await rem.snooze(user_id, minutes or 30)
        elif action == "show":
            view = await rem.show(user_id)
            if view is None:
                return "Reminders are off. Turn them on with: /reminders on Europe/Berlin 7:30 21:30"
        else:
            return USAGE
    except ScheduleError as exc:  # UnknownTimezone's message already lists its suggestions
        return str(exc)
    return view.describe()


async def handle_reminders_command(services: Services, user_id: int, rest: str) -> str:
    """``/reminders ...`` typed in the chat."""
    try:
        words = shlex.split(rest)
    except ValueError:
        words = rest.split()
    if not words:
        return await reminders_action(services, user_id, "show")
    action, args = words[0].lower(), words[1:]
    if action == "on":
        zone_words = [w for w in args if not _looks_like_time(w)]
        time_words = [w for w in args if _looks_like_time(w)]
        return await reminders_action(services, user_id, "on", timezone=" ".join(zone_words) or None,
                                      times=" ".join(time_words) or None)
    if action in ("pause", "snooze"):
        number = next((w for w in args if w.replace(".", "", 1).isdigit()), None)
        if action == "pause":
            return await reminders_action(services, user_id, "pause", days=float(number) if number else 1)
        return await reminders_action(services, user_id, "snooze", minutes=int(float(number)) if number else 30)
    return await reminders_action(services, user_id, action)


async def start_terminal_dispatcher(services: Services, out: TextIO) -> Callable[[], Awaitable[None]]:
    """Print the local person's reminders in the chat as they come due; returns the stop function."""
    from bot.store.people import LOCAL_USER_ID

    services.start_dispatcher(TerminalSender(out), only_user=LOCAL_USER_ID)
    return services.stop_dispatcher
