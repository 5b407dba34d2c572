"""The terminal runner for timed routines: ``lowback routine [NAME]``.

On an interactive terminal it redraws one status line in place: the phase and its cue, a
countdown, a progress bar for the phase and one for the whole routine. Keys (no Enter needed):
space pauses and resumes, ``+`` adds a round, ``q`` quits. The terminal's settings are restored
on the way out, also after Ctrl-C.

Piped (stdin or stdout not a terminal) it still runs: no keys, and one plain line per event
instead of a redrawn line.

For trying a routine quickly: ``python -m bot.routine_tui --seconds-scale 0.05 booty-flex``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import sys
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterator, TextIO

import yaml

from bot.core.routine import (
    Event,
    Finished,
    Paused,
    PhaseStarted,
    Resumed,
    RoundAdded,
    RoutineBook,
    RoutinePlan,
    State,
    Stopped,
    parse_routines,
)
from bot.core.streaks import Streaks, zone
from bot.services.routines import AlreadyRunning, RoutineHandle, RoutineService, UnknownRoutine
from bot.settings import Settings, SettingsError, parse_database
from bot.store.db import DatabaseError, open_database
from bot.store.people import LOCAL_USER_ID

KEYS_HELP = "space: pause/resume   +: add a round   q: quit"
QUIT_KEYS = {"q", "Q", "\x03", "\x04"}  # q, Ctrl-C and Ctrl-D (the terminal may pass them through)
PAUSE_KEYS = {" ", "p", "P"}
ROUND_KEYS = {"+", "="}


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


# --- formatting --------------------------------------------------------------------------------


def clock_text(span: timedelta) -> str:
    """A duration as m:ss, rounded up (a countdown shows 0:01 until the very end)."""
    seconds = max(0, math.ceil(span.total_seconds() - 1e-6))
    return f"{seconds // 60}:{seconds % 60:02d}"


def can_encode(stream: TextIO, text: str) -> bool:
    try:
        text.encode(getattr(stream, "encoding", None) or "ascii")
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def bar(fraction: float, width: int, full: str = "█", empty: str = "░") -> str:
    width = max(0, width)
    filled = int(round(max(0.0, min(1.0, fraction)) * width))
    return full * filled + empty * (width - filled)


def _cut(text: str, width: int) -> str:
    if width <= 0:
        return ""
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


def phase_title(label: str, round_text: str) -> str:
    """"Squeeze (round 3 of 10)", or just the label for a phase done once."""
    return f"{label} ({round_text})" if round_text else label


class TerminalDisplay:
    """Draws a routine session on a text stream: a redrawn line on a terminal, plain lines otherwise."""

    def __init__(self, out: TextIO, plan: RoutinePlan, *, interactive: bool, keys: bool, bell: bool = True):
        self.out = out
        self.plan = plan
        self.interactive = interactive
        self.keys = keys
        self.bell = bell and interactive
        self.unicode = can_encode(out, "█░…🟩⬜")
        self.handle: RoutineHandle | None = None
        self._line_open = False
        self._phases_seen = 0

    # --- output helpers ---

    def _write(self, text: str) -> None:
        try:
            self.out.write(text)
            self.out.flush()
        except (BrokenPipeError, ValueError):  # the reader went away, or the stream is closed
            pass

    def say(self, text: str) -> None:
        """A permanent line (above the status line on a terminal)."""
        if not self.unicode:
            text = text.encode("ascii", "replace").decode("ascii")
        if self.interactive and self._line_open:
            self._write("\r\x1b[K")
            self._line_open = False
        self._write(text + "\n")

    def width(self) -> int:
        try:
            columns = os.get_terminal_size(self.out.fileno()).columns
        except (OSError, ValueError, AttributeError):
            columns = 0
        return columns if columns >= 20 else 80  # 0 when the terminal does not say

    # --- what the person sees ---

    def intro(self) -> None:
        self.say(f"{self.plan.name}: {self.plan.description}")
        length = clock_text(self.plan.duration)
        if self.keys:
            self.say(f"{length} in all.   {KEYS_HELP}")
        else:
            self.say(f"{length} in all.   (keys need an interactive terminal)")

    def event(self, ev: Event) -> None:
        if isinstance(ev, PhaseStarted):
            self._phases_seen += 1
            if self.bell and self._phases_seen > 1:
                self._write("\a")
            title = phase_title(ev.phase.label, ev.phase.round_text)
            self.say(f"{'>' if not self.unicode else '▶'} {title}: {ev.phase.cue}")
        elif isinstance(ev, Paused):
            self.say(f"Paused ({clock_text(ev.remaining)} left in this phase)." + ("  Space to resume." if self.keys else ""))
        elif isinstance(ev, Resumed):
            self.say("Resumed.")
        elif isinstance(ev, RoundAdded):
            self.say(f"Round added: {ev.rounds} rounds now.")
        elif isinstance(ev, Stopped):
            session = self.handle.session if self.handle else None
            done = clock_text(session.elapsed(ev.at)) if session else ""
            self.say(f"Stopped after {done}." if done else "Stopped.")
        elif isinstance(ev, Finished):
            self.say(f"Done! {self.plan.name} finished.")
        if self.interactive:
            self.redraw(ev.at)

    def status_line(self, now: datetime) -> str:
        """The live line: phase, cue, countdown, phase bar, whole-routine bar and time left."""
        handle = self.handle
        if handle is None or handle.session.done:
            return ""
        s = handle.session
        phase = s.phase
        full, empty = ("█", "░") if self.unicode else ("#", "-")
        width = self.width() - 1
        paused = s.state == "paused"
        count = clock_text(s.phase_remaining(now))
        total_left = clock_text(s.remaining(now))
        head = "PAUSED " if paused else ""
        head += phase.label + (f" {phase.round}/{phase.of}" if phase.of > 1 else "")
        bars_width = max(6, min(20, (width - 40) // 3))
        tail = (
            f" {count} {bar(s.phase_progress(now), bars_width, full, empty)}"
            f"  all {bar(s.progress(now), bars_width, full, empty)} {total_left}"
        )
        if paused:
            cue = "space to resume" if self.keys else "paused"
        else:
            cue = phase.cue
        cue_room = width - len(head) - len(tail) - 2
        line = f"{head}  {_cut(cue, cue_room)}{tail}" if cue_room >= 8 else head + tail
        return line[:width]

    def redraw(self, now: datetime) -> None:
        if not self.interactive:
            return
        line = self.status_line(now)
        if not line:
            return
        self._write("\r" + line + "\x1b[K")
        self._line_open = True

    def close(self) -> None:
        if self.interactive and self._line_open:
            self._write("\r\x1b[K")
            self._line_open = False

    def streak(self, streaks: Streaks) -> None:
        if streaks.longest == 0:
            self.say("Finish a routine to start a streak.")
            return
        days = "day" if streaks.current == 1 else "days"
        squares = streaks.week_squares() if self.unicode else streaks.week_squares("#", ".")
        self.say(f"Streak: {streaks.current} {days} (longest {streaks.longest}).  Last 7 days: {squares}")


# --- keys --------------------------------------------------------------------------------------


@contextlib.contextmanager
def keys_mode(fd: int) -> Iterator[None]:
    """Single key presses without Enter and without echo; the old settings come back on exit.

    Ctrl-C still interrupts (ISIG stays on), and the settings are restored on that path too.
    """
    import termios

    saved = termios.tcgetattr(fd)
    new = termios.tcgetattr(fd)
    new[3] &= ~(termios.ICANON | termios.ECHO)  # lflags
    new[6][termios.VMIN] = 1
    new[6][termios.VTIME] = 0
    termios.tcsetattr(fd, termios.TCSANOW, new)
    try:
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


def _is_tty(stream: TextIO) -> bool:
    try:
        return os.isatty(stream.fileno())
    except (AttributeError, ValueError, OSError):
        return False


async def run_routine_terminal(
    plan: RoutinePlan,
    *,
    service: RoutineService,
    user_id: int = LOCAL_USER_ID,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    refresh: float = 0.1,
    bell: bool = True,
) -> State | AlreadyRunning:
    """Run ``plan`` for ``user_id`` through ``service``, drawn on ``stdout``, keys from ``stdin``.

    Returns the final state ("finished" or "stopped"), or :class:`AlreadyRunning` if the person
    already has a session in this process. The session is recorded by the service; Ctrl-C (a
    cancellation) stops and records it before passing the cancellation on.
    """
    stdin = sys.stdin if stdin is None else stdin
    stdout = sys.stdout if stdout is None else stdout
    keys = _is_tty(stdin)
    interactive = _is_tty(stdout)
    display = TerminalDisplay(stdout, plan, interactive=interactive, keys=keys, bell=bell)

    result = await service.start(user_id, plan=plan, on_event=display.event)
    if isinstance(result, AlreadyRunning):
        display.say(result.message)
        return result
    handle = result
    display.handle = handle
    display.intro()

    loop = asyncio.get_running_loop()
    pressed: asyncio.Queue[str] = asyncio.Queue()
    fd = stdin.fileno() if keys else -1

    def on_readable() -> None:
        try:
            data = os.read(fd, 64)
        except OSError:
            data = b""
        if not data:  # end of input: no more keys
            loop.remove_reader(fd)
            return
        for ch in data.decode("utf-8", "replace"):
            pressed.put_nowait(ch)

    async def handle_keys() -> None:
        while True:
            ch = await pressed.get()
            if ch in QUIT_KEYS:
                await service.stop(user_id)
                return
            if ch in PAUSE_KEYS:
                await service.toggle_pause(user_id)
            elif ch in ROUND_KEYS:
                if not await service.add_round(user_id):
                    display.say("No round can be added now.")
            display.redraw(service.clock())

    async def tick() -> None:
        while True:
            display.redraw(service.clock())
            await service.sleep(refresh)

    helpers: list[asyncio.Task] = []
    with contextlib.ExitStack() as stack:
        if keys:
            stack.enter_context(keys_mode(fd))
            loop.add_reader(fd, on_readable)
            stack.callback(lambda: loop.remove_reader(fd))
            helpers.append(asyncio.create_task(handle_keys()))
        if interactive:
            display._write("\x1b[?25l")  # hide the cursor while the line is redrawn
            stack.callback(lambda: display._write("\x1b[?25h"))
            helpers.append(asyncio.create_task(tick()))
        try:
            state = await handle.wait()
        except asyncio.CancelledError:
            # Ctrl-C: record the session as stopped, then let the cancellation through.
            await asyncio.shield(service.stop(user_id))
            raise
        finally:
            for task in helpers:
                task.cancel()
            for task in helpers:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
            display.close()
    return state


# --- the command -------------------------------------------------------------------------------


def load_routine_book(knowledge: Path) -> tuple[RoutineBook | None, list[str]]:
    """The routines in ``knowledge/routines.yaml``, or None and the problems found."""
    path = Path(knowledge) / "routines.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None, [f"{path}: file not found"]
    except (OSError, yaml.YAMLError) as exc:
        return None, [f"{path}: {exc}"]
    book, issues = parse_routines(data, "routines.yaml")
    if issues:
        return None, [str(i) for i in issues]
    return book, []


def local_zone_name() -> str:
    """This machine's IANA zone name, or UTC when it cannot be told."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    try:
        target = os.path.realpath("/etc/localtime")
        if "zoneinfo/" in target:
            candidates.append(target.split("zoneinfo/", 1)[1])
    except OSError:
        pass
    for name in candidates:
        if name:
            try:
                zone(name)
                return name
            except ValueError:
                continue
    return "UTC"


def _print_unknown(exc: UnknownRoutine, stream: TextIO) -> None:
    print(f"There is no routine called {exc.routine_id!r}. Try one of:", file=stream)
    for rid, title in exc.names:
        print(f"  {rid:<16} {title}", file=stream)
    print("or leave the name out for your daily routine.", file=stream)


async def _run_and_report(
    service: RoutineService, plan: RoutinePlan, user_id: int, stdin: TextIO | None, stdout: TextIO
) -> bool:
    """Run the plan in the terminal, then print the person's streak. False if one was already running."""
    result = await run_routine_terminal(plan, service=service, user_id=user_id, stdin=stdin, stdout=stdout)
    if isinstance(result, AlreadyRunning):
        return False
    person = await service.people.get(user_id)
    tz = person.timezone if person and person.timezone else local_zone_name()
    TerminalDisplay(stdout, plan, interactive=False, keys=False).streak(await service.streaks(user_id, tz))
    return True


async def run_routine_command(
    settings: Settings,
    name: str | None,
    *,
    seconds_scale: float = 1.0,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """``lowback routine [NAME]``: run a routine for the local person and record it.

    NAME is a routine id or name; without it, the daily routine for the person's step. Prints the
    streak at the end. Returns the exit status: 0 when the routine ran (finished or quit), 1 when
    the knowledge base or database cannot be used, 2 for an unknown routine name.

    Only the routines file is read, so a problem elsewhere in the knowledge base does not keep a
    person from their routine; and only the local person's leftover session is marked
    interrupted, so a Discord bot using the same database keeps its running sessions.
    """
    stdout = sys.stdout if stdout is None else stdout
    stderr = sys.stderr if stderr is None else stderr
    book, problems = load_routine_book(settings.knowledge)
    if book is None:
        print("The routines can't be loaded:", file=stderr)
        for line in problems:
            print(f"  {line}", file=stderr)
        return 1
    try:
        db = await open_database(settings.database)
    except DatabaseError as exc:
        print(f"Can't use the database: {exc}", file=stderr)
        return 1
    try:
        service = RoutineService(db, book, utcnow, asyncio.sleep)
        try:
            plan = await service.plan_for(LOCAL_USER_ID, name)
        except UnknownRoutine as exc:
            _print_unknown(exc, stderr)
            return 2
        if seconds_scale != 1.0:
            plan = plan.scaled(seconds_scale)
        return 0 if await _run_and_report(service, plan, LOCAL_USER_ID, stdin, stdout) else 1
    finally:
        await db.close()


async def run_routine_in_chat(
    services: object, user_id: int, name: str | None, *, out: TextIO, stdin: TextIO | None = None
) -> bool:
    """``/routine [NAME]`` inside ``lowback chat``: the same runner, on the chat's services.

    ``services`` is the front ends' container (``services.routines`` is the RoutineService).
    Keys work when ``stdin`` (default: the process's) is a terminal. Returns whether it ran.
    """
    service: RoutineService = services.routines  # type: ignore[attr-defined]
    try:
        plan = await service.plan_for(user_id, name)
    except UnknownRoutine as exc:
        _print_unknown(exc, out)
        return False
    return await _run_and_report(service, plan, user_id, stdin, out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.routine_tui", description="Run a timed routine in the terminal.")
    parser.add_argument("name", nargs="?", help="routine id or name (default: the daily routine for your step)")
    parser.add_argument("--seconds-scale", type=float, default=1.0, help="multiply every duration (e.g. 0.05 to try it fast)")
    parser.add_argument("--database", help="database file or postgresql:// URL (default: LOWBACK_DATABASE)")
    parser.add_argument("--knowledge", type=Path, help="knowledge directory (default: the bundled one)")
    args = parser.parse_args(argv)
    if not args.seconds_scale > 0:
        parser.error("--seconds-scale must be more than 0")
    try:
        settings = Settings.from_env()
        if args.database:
            settings = replace(settings, database=parse_database(args.database, name="--database"))
    except SettingsError as exc:
        print(f"Configuration problem: {exc}", file=sys.stderr)
        return 2
    if args.knowledge:
        settings = replace(settings, knowledge=args.knowledge)
    try:
        return asyncio.run(run_routine_command(settings, args.name, seconds_scale=args.seconds_scale))
    except KeyboardInterrupt:
        print()
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
