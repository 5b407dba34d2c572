"""The terminal front end: ``lowback chat``.

The same services and replies as Discord, for the local person (user id 1) in the same database,
so the whole flow can be tried without a token: ask, move up, ask "what's next?", restart, and
still be on the same step; turn reminders on and see them arrive while the chat is open; run a
routine.

What Discord shows as buttons, the chat shows as numbered choices, some with a command as well:
type ``1``, ``/hurts`` or ``/start`` (or the choice's words) and it is done. Ctrl-C or Ctrl-D at
the prompt leaves at once, with a goodbye, and so does Ctrl-C at /delete's question (deleting
nothing); Ctrl-C during a routine stops the routine.
"""

from __future__ import annotations

import asyncio
import contextlib
import select
import signal
import sys
import threading
from collections.abc import Awaitable, Callable
from typing import Any, TextIO, TypeVar

from bot.core.numbers import whole_number
from bot.core.replies import Action, Reply
from bot.services.container import Services
from bot.services.reminders.holding import with_reminders_held
from bot.store.errors import DatabaseError
from bot.store.people import LOCAL_USER_ID
from bot.terminal.privacy import data_in_the_terminal, privacy_reply
from bot.terminal.reminders import (
    ChatSender,
    reminders,
    set_zone,
    split_words,
    start_chat_reminders,
)
from bot.terminal.render import Choice, Screen, chat_choices

COMMANDS = """\
Type a question in your own words, or one of these:
  /progress          your step, what it involves, what comes next, your streak
  /easy              your step is easy and pain-free: move up (the rule is shown first)
  /hurts             your step hurts: go back one
  /step N            set your step (1-4)
  /routine [NAME]    run a timed routine (default: yours for your step); /start runs the one offered
  /reminders on [ZONE] [TIMES] | off | pause DAYS | snooze | show
  /mydata            what is stored about you      /delete   delete all of it
  /privacy           what is kept, why, for how long
  /help              what I can do                 /quit     leave (Ctrl-D or Ctrl-C work too)
After an answer, type the number of a choice (1, 2...) to take it."""

HELP_TEXT = (
    "Type a question, or /help for the commands. After an answer, type a choice's number. "
    "From the shell: `lowback ask`, `lowback routine`, `lowback progress`, `lowback --help`."
)
GOODBYE = "Bye. Keep squeezing those glutes."

# Discord's forms of the commands (/progress set 3, /mydata delete, /routine start) and the shell's
# (--up, --set 3, --delete), as the chat has them: the person's step or data is what they asked.
SUBCOMMANDS = {
    "progress": {"show": "progress", "set": "step", "up": "easy", "easy": "easy", "hurts": "hurts"},
    "mydata": {"show": "mydata", "delete": "delete"},
    "routine": {"start": "routine"},
}


def as_the_chat_says(command: str, rest: str) -> tuple[str, str]:
    """``command`` and the words after it, a subcommand of Discord's or an option of the shell's
    made the chat's own command (``progress``, ``set 3`` -> ``step``, ``3``). Other words after
    /progress or /mydata, which take none, make a command the chat does not know: passed over,
    they would show the step or the data as if that were what was asked."""
    first, _, after = rest.partition(" ")
    own = SUBCOMMANDS.get(command, {}).get(first.lower().lstrip("-"))
    if own:
        return own, after.strip()
    if rest and command in ("progress", "mydata"):
        return f"{command} {rest}", ""
    return command, rest


T = TypeVar("T")
Confirm = Callable[[str], Awaitable[bool]]  # asks a yes/no question; True for yes
TtySettings = list[Any]  # what termios.tcgetattr returns


class Chat:
    def __init__(
        self, services: Services, screen: Screen, *, confirm: Confirm | None = None
    ) -> None:
        self.services = services
        self.screen = screen
        self.user = LOCAL_USER_ID
        self.choices: list[Choice] = []
        self.last_question: str | None = None
        self.confirm = confirm or _confirm
        self.prompt: str | None = None  # the prompt while the person is typing at it
        # Ctrl-C came while a question of ours (/delete's "Type yes") waited for its answer: the
        # line being read would go nowhere, so the chat ends rather than show a dead prompt.
        self.left_a_question = False

    # -- showing --

    def show(self, reply: Reply | str) -> None:
        if isinstance(reply, str):
            self.screen.block(reply)
            return
        self.choices = chat_choices(reply)
        self.screen.reply(reply, self.choices, chat=True, help_text=HELP_TEXT)

    def offer(self, choices: list[Choice]) -> None:
        """Choices shown by something else (a reminder, arriving while the person types) become the
        ones a number picks; the prompt and what was typed so far are drawn again below it."""
        self.choices = choices
        readline = sys.modules.get("readline")
        if self.prompt is not None and readline is not None:
            with contextlib.suppress(Exception):
                self.screen.write(
                    self.prompt.replace("\001", "").replace("\002", "") + readline.get_line_buffer()
                )

    # -- input --

    async def handle(self, line: str) -> bool:
        """Handle one line; False means the person wants to leave."""
        line = line.strip()
        if not line:
            return True
        choice = self._choice(line)
        if choice is not None:
            await self.act(choice.action)
            return True
        if not line.startswith("/"):
            if line.isdigit():
                self.show("There's no choice with that number right now. Ask a question, or /help.")
                return True
            notice = await self.services.reminders.pop_notice(self.user)
            if notice:
                self.show(notice)
            self.last_question = line
            reply = await self.services.ask.ask(self.user, line)
            self.show(await with_reminders_held(self.services.reminders, self.user, reply))
            return True
        command, _, rest = line[1:].partition(" ")
        command, rest = as_the_chat_says(command.lower(), rest.strip())
        s = self.services
        if command in ("quit", "exit", "q", "bye"):
            return False
        if command == "help":
            self.show(COMMANDS)
        elif command == "progress":
            self.show(await s.progress.show(self.user, set_zone=set_zone("chat")))
        elif command in ("easy", "up", "next"):
            self.show(await s.progress.move_up(self.user))
        elif command in ("hurts", "hurt", "back"):
            self.show(await s.progress.go_back(self.user))
        elif command == "step":
            number = whole_number(rest)
            if number is not None:
                self.show(await s.progress.set_step(self.user, number))
            else:
                self.show("Usage: /step N   (N from 1 to 4)")
        elif command in ("routine", "start"):
            offered = next(
                (c.action for c in self.choices if c.action.kind == "start_routine"), None
            )
            await self.routine(rest or (offered.value if offered and command == "start" else None))
        elif command == "other":
            await self.act(Action("not_what_i_asked", "Not what I asked"))
        elif command in ("reminders", "reminder"):
            outcome = await reminders(s, self.user, split_words(rest), where="chat")
            self.show(outcome.text)
        elif command == "mydata":
            self.show(data_in_the_terminal(await s.data.show(self.user), chat=True))
        elif command == "privacy":
            self.show(privacy_reply())
        elif command == "delete":
            await self.delete()
        else:
            self.show(f"I don't know the command /{command}.\n\n{COMMANDS}")
        return True

    async def delete(self) -> None:
        """/delete: everything stored about the person, once they type yes."""
        try:
            sure = await self.yes("Delete everything stored about you? Type yes to confirm: ")
        except asyncio.CancelledError:  # Ctrl-C at the question
            self.show("Nothing deleted.")
            raise
        self.show(await self.services.data.delete(self.user) if sure else "Nothing deleted.")

    async def yes(self, prompt: str) -> bool:
        """Whether the person answers yes to ``prompt``. Ctrl-C at it is a no, and leaves the chat:
        the line it was reading cannot be taken back from the terminal, so a prompt after it would
        lose the next line typed."""
        try:
            return await self.confirm(prompt)
        except asyncio.CancelledError:
            self.left_a_question = True
            raise

    def _choice(self, line: str) -> Choice | None:
        wanted = line.strip().casefold()
        for choice in self.choices:
            if wanted in (
                str(choice.number),
                (choice.command or "").casefold(),
                choice.action.label.casefold(),
            ):
                return choice
        return None

    async def act(self, action: Action) -> None:
        """Do what a choice says: the terminal's side of Discord's buttons."""
        s, user = self.services, self.user
        if action.kind == "start_routine":
            await self.routine(action.value)
        elif action.kind == "choose_topic":
            self.show(await s.ask.topic(user, action.value or ""))
        elif action.kind == "next_step":
            value = action.value or ""
            number = whole_number(value)
            self.show(
                await s.ask.step(user, number)
                if number is not None
                else await s.ask.topic(user, value)
            )
        elif action.kind == "not_what_i_asked":
            if self.last_question is None:
                self.show(
                    "Ask a question first; then /other shows the other answers that might fit."
                )
            else:
                self.show(await s.ask.alternatives(user, self.last_question))
        elif action.kind == "move_up":
            self.show(await s.progress.move_up(user))
        elif action.kind == "go_back":
            self.show(await s.progress.go_back(user))
        else:
            self.show(f"I can't do {action.label!r} here.")

    async def routine(self, name: str | None) -> None:
        from bot.terminal.routine import run_routine_in_chat

        self.choices = []
        await run_routine_in_chat(self.services, self.user, name, screen=self.screen)


async def _confirm(prompt: str) -> bool:
    answer = await read_line(prompt, sys.stdin)
    return (answer or "").strip().lower() in ("y", "yes")


def read_line(prompt: str, stream: TextIO) -> asyncio.Future[str | None]:
    """The next line typed (None at end of input), read in a daemon thread so that Ctrl-C does not
    have to wait for Enter: the chat stops waiting at once, and the thread dies with the process."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[str | None] = loop.create_future()
    interactive = stream is sys.stdin and _isatty(stream)

    def settle(value: str | None = None, error: BaseException | None = None) -> None:
        if future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(value)

    def work() -> None:
        try:
            if interactive:
                line: str | None = _pasted(input(prompt), stream)
            else:
                line = stream.readline()
                line = line if line else None
        except EOFError:
            line = None
        except BaseException as exc:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(settle, None, exc)
            return
        with contextlib.suppress(RuntimeError):  # the loop is gone: nobody is waiting any more
            loop.call_soon_threadsafe(settle, line)

    threading.Thread(target=work, name="chat-input", daemon=True).start()
    return future


def _pasted(line: str, stream: TextIO) -> str:
    """``line`` and the lines that came with it: a paragraph pasted at the prompt arrives all at
    once, and is one question, not one per line ("since yesterday i have no feeling" / "in my bum
    or privates" told apart would be two questions that say nothing alarming). Lines typed one by
    one are each waited for, so each is read alone, and so is a command or a choice typed ahead."""
    if line.lstrip().startswith("/") or line.strip().isdigit():
        return line  # a command or a choice: typed ahead, each is its own
    lines = [line]
    while _waiting(stream):
        try:
            lines.append(input())
        except EOFError:
            break
    return "\n".join(lines)


def _waiting(stream: TextIO) -> bool:
    """Whether more of what was typed or pasted is there to read already."""
    try:
        return bool(select.select([stream], [], [], 0)[0])
    except (OSError, ValueError, TypeError):  # (Windows: select() takes only sockets)
        return False


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _prompt(screen: Screen) -> str:
    if screen.rich:
        return "\001\x1b[1;36m\002you>\001\x1b[0m\002 "  # \001 \002: readline does not count the colour codes
    return "you> "


async def run_chat(
    services: Services, *, screen: Screen | None = None, stdin: TextIO | None = None
) -> int:
    """The chat on ``services`` until /quit, Ctrl-D, Ctrl-C or the end of input. Returns 0."""
    screen = screen or Screen()
    reader = stdin or sys.stdin
    chat = Chat(services, screen)
    stop_reminders = await start_chat_reminders(services, ChatSender(screen, chat.offer))
    loop = asyncio.get_running_loop()
    waiting: list[asyncio.Future[Any]] = []

    def interrupt() -> None:  # Ctrl-C: leave the prompt, or stop the routine that is running
        for future in waiting:
            future.cancel()

    handler = _install_sigint(loop, interrupt)
    saved_tty = _save_tty(reader)
    if saved_tty is not None and reader is sys.stdin:
        with contextlib.suppress(ImportError):
            import readline  # noqa: F401 - line editing and history for the prompt
    try:
        await _greet(services, screen)
        while True:
            chat.prompt = _prompt(screen)
            try:
                typed, line = await _until_interrupted(read_line(chat.prompt, reader), waiting)
            finally:
                chat.prompt = None
            if not typed:  # Ctrl-C at the prompt
                screen.write("\n")
                break
            if line is None:  # Ctrl-D, or the end of the input
                if _isatty(reader):
                    screen.write("\n")
                break
            try:
                done, keep_going = await _until_interrupted(chat.handle(line), waiting)
            except DatabaseError as exc:  # e.g. a full disk: say so in one line, keep chatting
                screen.note(f"That didn't work: {exc}")
                continue
            if not done and chat.left_a_question:  # Ctrl-C at "Type yes to confirm"
                break
            if not done:  # Ctrl-C during a routine or an answer: back to the prompt
                screen.note("Stopped.")
                continue
            if not keep_going:
                break
    finally:
        _restore_tty(reader, saved_tty)
        if handler:
            loop.remove_signal_handler(signal.SIGINT)
        await stop_reminders()
    screen.note(GOODBYE)
    return 0


async def _greet(services: Services, screen: Screen) -> None:
    """The chat's first lines: the person's step, how to get help and leave, the disclaimer."""
    person = await services.people.get(LOCAL_USER_ID)
    step = person.step if person else 1
    screen.line(
        f"lowback chat: ask me about your low back. You're on step {step} of {services.kb.max_step}.",
        style="bold",
    )
    screen.note("Type /help for commands; /quit, Ctrl-D or Ctrl-C to leave.")
    screen.note(services.kb.safety.disclaimer)
    if not screen.rich:
        screen.write("\n")


async def _until_interrupted(
    awaitable: Awaitable[T], waiting: list[asyncio.Future[Any]]
) -> tuple[bool, T | None]:
    """``(True, result)``; or ``(False, None)`` when Ctrl-C cancelled it (listed in ``waiting`` for
    that meanwhile) rather than the chat itself being cancelled."""
    future = asyncio.ensure_future(awaitable)
    waiting[:] = [future]
    try:
        return True, await future
    except asyncio.CancelledError:
        if future.cancelled() and not _task_cancelled():
            return False, None
        raise
    finally:
        waiting.clear()


def _task_cancelled() -> bool:
    """Whether the chat itself is being cancelled (not just what it was waiting for)."""
    task = asyncio.current_task()
    return bool(task and task.cancelling())


def _install_sigint(loop: asyncio.AbstractEventLoop, callback: Callable[[], None]) -> bool:
    if threading.current_thread() is not threading.main_thread():
        return False
    try:
        loop.add_signal_handler(signal.SIGINT, callback)
    except (NotImplementedError, RuntimeError, ValueError):  # not on this platform or loop
        return False
    return True


def _save_tty(stream: TextIO) -> TtySettings | None:
    """The terminal's settings, to put back on the way out (an abandoned prompt may have changed them)."""
    try:
        import termios

        return termios.tcgetattr(stream.fileno())
    except Exception:
        return None


def _restore_tty(stream: TextIO, saved: TtySettings | None) -> None:
    if saved is None:
        return
    try:
        import termios

        termios.tcsetattr(stream.fileno(), termios.TCSADRAIN, saved)
    except Exception:
        pass
