"""Reminders in the terminal: ``lowback reminders ...`` in the shell and ``/reminders ...`` in the chat.

Both take the same words (``on Europe/Berlin 7:30 21:30``, ``pause 3``, ``snooze 30``, ``off``,
``show``); only the hints differ, each in the words of where they are read. While the chat is open,
a dispatcher limited to the local person prints their reminders as they come due (the Discord bot,
if it shares the database, keeps sending everyone else's).
"""

from __future__ import annotations

import shlex
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Literal

from bot.core.errors import ScheduleError
from bot.core.numbers import looks_like_a_number, whole_number
from bot.core.schedule import split_zone_and_times
from bot.services.container import Services
from bot.services.reminders import (
    DELIVERED,
    MAX_PAUSE_DAYS,
    MAX_SNOOZE_MINUTES,
    DeliveryResult,
    ReminderMessage,
    ScheduleView,
)
from bot.services.reminders.messages import START_HINT, pause_range, snooze_range
from bot.terminal.render import Choice, Screen, chat_choices
from bot.terminal.sender import TerminalSender

Where = Literal["chat", "shell"]
EXAMPLE = "on Europe/Berlin 7:30 21:30"


def command(where: Where, words: str) -> str:
    return f"/reminders {words}" if where == "chat" else f"lowback reminders {words}"


def set_zone(where: Where) -> str:
    """How the local person sets their time zone again, finishing "set it ..." in a line saying the
    one stored is no longer known (bot.services.zones.zone_note). Until they give one, the terminal
    counts their days in this computer's zone, which needs no line."""
    return f"with {command(where, 'on ZONE')}"


def usage(where: Where) -> str:
    def c(words: str) -> str:
        return command(where, words)

    return "\n".join(
        [
            f"{c(EXAMPLE):<44} on, with your time zone and times",
            f"{c('show'):<44} your schedule and the next reminder, in your local time",
            f"{c('pause DAYS'):<44} no reminders for that many days",
            f"{c('snooze [MINUTES]'):<44} the last (or next) reminder again later, default 30 min",
            f"{c('off'):<44} no more reminders",
        ]
    )


@dataclass(frozen=True)
class Outcome:
    text: str
    ok: bool = True


def split_words(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


async def reminders(
    services: Services,
    user_id: int,
    words: list[str],
    *,
    where: Where,
    timezone: str | None = None,
    times: str | None = None,
    days: int | None = None,
) -> Outcome:
    """One reminders command: ``words`` as typed after ``reminders`` (the shell's ``--timezone``,
    ``--times`` and ``--days`` fill in what the words leave out). Errors a person can fix come back
    as an Outcome that is not ok, with its one-line explanation."""
    rem = services.reminders
    action = words[0].lower() if words else "show"
    args = words[1:]
    clash = _options_clash(action, args, timezone=timezone, times=times, days=days)
    if clash is not None:
        return Outcome(clash, ok=False)
    view: ScheduleView
    try:
        if action == "on":
            zone_words, time_words = split_zone_and_times(args)
            view = await rem.on(user_id, zone_words or timezone, time_words or times)
        elif action == "off":
            stopped = await rem.off(user_id)
            if stopped is None:
                return Outcome("Reminders were not on.")
            view = stopped
        elif action in ("pause", "snooze"):
            amount = _amount(where, action, args)
            if isinstance(amount, Outcome):
                return amount
            if action == "pause":
                view = await rem.pause(
                    user_id, amount if amount is not None else days if days is not None else 1
                )
            else:
                view = await rem.snooze(user_id, amount if amount is not None else 30)
        elif action == "show":
            shown = await rem.show(user_id)
            if shown is None:
                return Outcome(f"Reminders are off. Turn them on with: {command(where, EXAMPLE)}")
            view = shown
        else:
            return Outcome(f"I don't know reminders {action!r}. Try:\n{usage(where)}", ok=False)
    except ScheduleError as exc:  # UnknownTimezone's message already lists its suggestions
        return Outcome(str(exc), ok=False)
    return Outcome(view.describe(set_zone(where)))


def _options_clash(
    action: str, args: list[str], *, timezone: str | None, times: str | None, days: int | None
) -> str | None:
    """Why the shell's options cannot be taken with these words (one going with another action,
    or saying again, otherwise, what the words already say), or None when nothing clashes: an
    option left unused, or one word of two taken over the other, would change another schedule
    than the one the person typed."""
    shell = "lowback reminders"
    if action != "on" and (timezone is not None or times is not None):
        option = "--timezone" if timezone is not None else "--times"
        return f"{option} goes with `{shell} on`, e.g. `{shell} on --timezone Europe/Berlin --times 7:30`."
    if action != "pause" and days is not None:
        return f"--days goes with `{shell} pause`, e.g. `{shell} pause --days 3`."
    if action == "on":
        zone_words, time_words = split_zone_and_times(args)
        for what, option, typed, given in (
            ("Two time zones", "--timezone", zone_words, timezone),
            ("Two sets of times", "--times", time_words, times),
        ):
            if typed and given is not None and typed.casefold() != given.strip().casefold():
                return f"{what} given, {typed!r} and {option} {given!r}: give one."
    if action == "pause" and args and days is not None and _amount("shell", action, args) != days:
        return f"Two pauses given, {' '.join(args)!r} and --days {days}: give one."
    return None


UNITS = {"pause": ("day", "days", "d"), "snooze": ("minute", "minutes", "min", "mins", "m")}


def _amount(where: Where, action: str, args: list[str]) -> int | Outcome | None:
    """The whole number of days (pause) or minutes (snooze) typed after ``action`` ("3", or
    "3 days"), None if none was typed, or the Outcome that says what was wrong with it."""
    if not args:
        return None
    if len(args) == 2 and args[1].lower() in UNITS[action]:
        args = args[:1]
    amount = whole_number(args[0]) if len(args) == 1 else None
    if amount is not None:
        return amount
    if len(args) == 1 and looks_like_a_number(args[0]):  # 0.5, -1, ²: a number, but not one we take
        return Outcome(
            pause_range(MAX_PAUSE_DAYS) if action == "pause" else snooze_range(MAX_SNOOZE_MINUTES),
            ok=False,
        )
    unit = "days" if action == "pause" else "minutes"
    return Outcome(
        f"{command(where, action)} takes a whole number of {unit}, not {' '.join(args)!r}.",
        ok=False,
    )


# -- reminders arriving in the chat --------------------------------------------------------------


class ChatSender(TerminalSender):
    """Shows the local person's reminders in the open chat, drawn like every other reply, with
    the routine as a choice (``/start``) that ``on_shown`` hands to the chat."""

    def __init__(self, screen: Screen, on_shown: Callable[[list[Choice]], None] | None = None):
        super().__init__(screen.out, start_hint=None)
        self.screen = screen
        self.on_shown = on_shown

    async def send(self, user_id: int, message: ReminderMessage) -> DeliveryResult:
        reply = message.to_reply()
        reply = replace(
            reply,
            actions=tuple(
                replace(a, hint=START_HINT) if a.kind == "start_routine" else a
                for a in reply.actions
            ),
        )
        choices = chat_choices(reply)
        try:
            self.screen.write("\n")  # off the prompt line, if the person is typing
            self.screen.reply(reply, choices, chat=True)
        except (OSError, ValueError) as exc:  # ValueError: the stream was closed
            return DeliveryResult.retry(f"the terminal could not be written to: {exc}")
        if self.on_shown is not None:
            self.on_shown(choices)
        return DELIVERED


async def start_chat_reminders(
    services: Services, sender: ChatSender
) -> Callable[[], Awaitable[None]]:
    """Print the local person's reminders in the chat as they come due; returns the stop function."""
    from bot.store.people import LOCAL_USER_ID

    services.start_dispatcher(sender, only_user=LOCAL_USER_ID, set_zone=set_zone("chat"))
    return services.stop_dispatcher
