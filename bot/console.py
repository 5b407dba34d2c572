"""The terminal front end: ``lowback chat``.

The same services and replies as Discord, for the local person (user id 1) in the same database,
so the whole flow can be tried without a token: ask, move up, ask "what's next?", restart, and
still be on the same step; turn reminders on and see them arrive while the chat is open; run a
routine.
"""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

from bot.core.errors import KnowledgeError
from bot.core.replies import Reply, render_text
from bot.services.container import Services
from bot.settings import Settings
from bot.store.db import DatabaseError
from bot.store.people import LOCAL_USER_ID

COMMANDS = """\
Type a question in your own words, or one of these:
  /progress          your step, what it involves, what comes next, your streak
  /easy              your step is easy and pain-free: move up (the rule is shown first)
  /hurts             your step hurts: go back one
  /step N            set your step (1-4)
  /routine [NAME]    run a timed routine (default: yours for your step)
  /reminders on [ZONE] [TIMES] | off | pause DAYS | snooze | show
  /mydata            what is stored about you      /delete   delete all of it
  /help              what I can do                 /quit     leave (Ctrl-D works too)
"""


class Chat:
    def __init__(self, services: Services, out: TextIO = sys.stdout):
        self.services = services
        self.out = out
        self.user = LOCAL_USER_ID

    def show(self, reply: Reply | str) -> None:
        text = reply if isinstance(reply, str) else render_text(reply)
        self.out.write("\n" + text.rstrip() + "\n\n")
        self.out.flush()

    async def handle(self, line: str) -> bool:
        """Handle one line; False means the person wants to leave."""
        line = line.strip()
        if not line:
            return True
        if not line.startswith("/"):
            notice = await self._notice()
            if notice:
                self.show(notice)
            self.show(await self.services.ask.ask(self.user, line))
            return True
        command, _, rest = line[1:].partition(" ")
        command, rest = command.lower(), rest.strip()
        s = self.services
        if command in ("quit", "exit", "q"):
            return False
        if command == "help":
            self.show(COMMANDS)
            reply = await s.ask.topic(self.user, "help") if "help" in s.kb.topics else None
            if reply:
                self.show(reply)
        elif command == "progress":
            self.show(await s.progress.show(self.user))
        elif command in ("easy", "up", "next"):
            self.show(await s.progress.move_up(self.user))
        elif command in ("hurts", "hurt", "back"):
            self.show(await s.progress.go_back(self.user))
        elif command == "step":
            if rest.isdigit():
                self.show(await s.progress.set_step(self.user, int(rest)))
            else:
                self.show("Usage: /step N   (N from 1 to 4)")
        elif command == "routine":
            await self.routine(rest or None)
        elif command in ("reminders", "reminder"):
            await self.reminders(rest)
        elif command == "mydata":
            self.show(await s.data.show(self.user))
        elif command == "delete":
            answer = await asyncio.to_thread(_ask_line, "Delete everything stored about you? Type yes to confirm: ")
            if answer.strip().lower() in ("y", "yes"):
                self.show(await s.data.delete(self.user))
            else:
                self.show("Nothing deleted.")
        else:
            self.show(f"I don't know the command /{command}.\n\n{COMMANDS}")
        return True

    async def _notice(self) -> str | None:
        return await self.services.reminders.pop_notice(self.user)

    async def routine(self, name: str | None) -> None:
        from bot.routine_tui import run_routine_in_chat

        await run_routine_in_chat(self.services, self.user, name, out=self.out)

    async def reminders(self, rest: str) -> None:
        from bot.console_reminders import handle_reminders_command

        self.show(await handle_reminders_command(self.services, self.user, rest))


def _ask_line(prompt: str) -> str:
    try:
        return input(prompt)
    except EOFError:
        return ""


async def open_services(settings: Settings) -> Services | None:
    """The services for a terminal command, or None after saying in a sentence what is wrong."""
    try:
        return await Services.open(settings, recover_sessions=False)
    except KnowledgeError as exc:
        print(f"The knowledge base has {len(exc.issues)} problem(s); run `lowback kb check`.", file=sys.stderr)
    except DatabaseError as exc:
        print(str(exc), file=sys.stderr)
    return None


async def run_chat(settings: Settings, *, stdin: TextIO | None = None, out: TextIO = sys.stdout) -> int:
    services = await open_services(settings)
    if services is None:
        return 1
    chat = Chat(services, out)
    stop_reminders = await _start_terminal_reminders(services, out)
    try:
        person = await services.people.get(LOCAL_USER_ID)
        step = person.step if person else 1
        chat.show(
            "lowback chat: ask me about your low back. "
            f"You're on step {step} of {services.kb.max_step}. Type /help for commands, /quit to leave.\n"
            f"({services.kb.safety.disclaimer})"
        )
        reader = stdin or sys.stdin
        while True:
            try:
                if reader is sys.stdin:
                    line = await asyncio.to_thread(input, "you> ")
                else:
                    line = await asyncio.to_thread(reader.readline)
                    if not line:
                        break
            except EOFError:
                break
            try:
                if not await chat.handle(line):
                    break
            except DatabaseError as exc:  # e.g. the disk filled up: say so, keep the chat open
                chat.show(f"That didn't work: {exc}")
    finally:
        await stop_reminders()
        await services.close()
    out.write("Bye. Keep squeezing those glutes.\n")
    return 0


async def _start_terminal_reminders(services: Services, out: TextIO):
    """Reminders print in the chat while it is open."""
    from bot.console_reminders import start_terminal_dispatcher

    return await start_terminal_dispatcher(services, out)
