"""The terminal runner for timed routines: ``lowback routine [NAME]`` and ``/routine`` in the chat.

On a terminal it is a rich live display: the phase and its cue, a countdown with a progress bar
for the phase and one for the whole routine, and the keys. Keys (no Enter needed): space pauses
and resumes, ``+`` adds a round, ``q`` (or Ctrl-C) stops; Ctrl-Z pauses it and hands the terminal
back to the shell until ``fg``. The terminal's settings are restored on the way out, also after
Ctrl-C.

Piped, or with ``NO_COLOR`` set, it still runs: one plain line per event instead of the live
display, no escape codes; keys work whenever standard input is a terminal. A reader that goes
away (``lowback routine | head``) stops it: a routine nobody follows is recorded as stopped, not
done.

For trying a routine quickly: ``lowback routine --seconds-scale 0.05 booty-flex``; a run sped up so
is a trial, not recorded and not counted for the streak.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, TextIO

from bot.core.routine.plan import RoutinePlan
from bot.core.routine.session import (
    Event,
    Finished,
    Paused,
    PhaseStarted,
    Resumed,
    RoundAdded,
    State,
    Stopped,
)
from bot.core.streaks import Streaks
from bot.services.routine_handles import AlreadyRunning, RoutineHandle, UnknownRoutine
from bot.services.routines import RoutineService
from bot.store.people import LOCAL_USER_ID
from bot.terminal.keys import is_tty, key_presses
from bot.terminal.reminders import Where, set_zone
from bot.terminal.render import Screen

if TYPE_CHECKING:  # rich is imported only for a live display
    from rich.console import RenderableType
    from rich.live import Live

    from bot.services.container import Services

KEYS_HELP = "space: pause/resume   +: add a round   q: quit"
QUIT_KEYS = {"q", "Q", "\x03", "\x04"}  # q, Ctrl-C and Ctrl-D (the terminal may pass them through)
PAUSE_KEYS = {" ", "p", "P"}
ROUND_KEYS = {"+", "="}
DATA_DELETED_TEXT = "You deleted your data, so this routine stopped here and nothing of it is kept."


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
    filled = round(max(0.0, min(1.0, fraction)) * width)
    return full * filled + empty * (width - filled)


def phase_title(label: str, round_text: str) -> str:
    """ "Squeeze (round 3 of 10)", or just the label for a phase done once."""
    return f"{label} ({round_text})" if round_text else label


class PlainDisplay:
    """A routine session as plain lines, one per event: for pipes, logs and ``NO_COLOR``."""

    def __init__(self, screen: Screen, plan: RoutinePlan, *, keys: bool):
        self.screen = screen
        self.plan = plan
        self.keys = keys
        self.unicode = can_encode(screen.out, "█░…🟩⬜▶")
        self.handle: RoutineHandle | None = None

    def say(self, text: str, style: str | None = None) -> None:
        """A permanent line."""
        if not self.unicode:
            text = text.encode("ascii", "replace").decode("ascii")
        self.screen.line(text, style=style)

    def start(self) -> None:
        pass

    def close(self) -> None:
        pass

    def redraw(self, now: datetime) -> None:
        pass

    def suspend(self) -> None:
        """Ctrl-Z: the terminal is the shell's until ``resume``."""

    def resume(self, now: datetime) -> None:
        pass

    def intro(self) -> None:
        self.say(f"{self.plan.name}: {self.plan.description}", style="bold")
        length = clock_text(self.plan.duration)
        self.say(
            f"{length} in all.   "
            + (KEYS_HELP if self.keys else "(keys need an interactive terminal)"),
            style="dim",
        )

    def event(self, ev: Event) -> None:
        if isinstance(ev, PhaseStarted):
            self.phase_started(ev)
        elif isinstance(ev, Paused):
            self.say(
                f"Paused ({clock_text(ev.remaining)} left in this phase)."
                + ("  Space to resume." if self.keys else ""),
                style="yellow",
            )
        elif isinstance(ev, Resumed):
            self.say("Resumed.", style="green")
        elif isinstance(ev, RoundAdded):
            self.say(f"Round added: {ev.rounds} rounds now.", style="cyan")
        elif isinstance(ev, Stopped):
            session = self.handle.session if self.handle else None
            done = clock_text(session.elapsed(ev.at)) if session else ""
            self.say(f"Stopped after {done}." if done else "Stopped.", style="yellow")
            if self.handle is not None and self.handle.data_deleted:
                self.say(DATA_DELETED_TEXT)
        elif isinstance(ev, Finished):
            self.say(f"Done! {self.plan.name} finished.", style="bold green")
        self.redraw(ev.at)

    def phase_started(self, ev: PhaseStarted) -> None:
        title = phase_title(ev.phase.label, ev.phase.round_text)
        self.say(f"{'▶' if self.unicode else '>'} {title}: {ev.phase.cue}")

    def streak(self, streaks: Streaks, zone_note: str | None = None) -> None:
        """The streak after a routine; ``zone_note`` after it when its days are not counted in
        the person's own time zone."""
        if streaks.longest == 0:
            self.say("Finish a routine to start a streak.")
        else:
            days = "day" if streaks.current == 1 else "days"
            squares = streaks.week_squares() if self.unicode else streaks.week_squares("#", ".")
            self.say(
                f"Streak: {streaks.current} {days} (longest {streaks.longest}).  "
                f"Last 7 days: {squares}"
            )
        if zone_note:
            self.say(zone_note)


class LiveDisplay(PlainDisplay):
    """A routine session on a terminal: events scroll by above a rich live panel with the phase,
    its cue, a countdown and progress bars for the phase and the whole routine."""

    def __init__(self, screen: Screen, plan: RoutinePlan, *, keys: bool, bell: bool = True):
        super().__init__(screen, plan, keys=keys)
        self.bell = bell
        self._phases_seen = 0
        self._live: Live | None = None

    def start(self) -> None:
        from rich.live import Live

        live = Live(
            console=self.screen.console,
            auto_refresh=False,
            transient=True,
            redirect_stdout=False,
            redirect_stderr=False,
        )
        live.start()
        self._live = live

    def close(self) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None

    def say(self, text: str, style: str | None = None) -> None:
        self.screen.console.print(text, style=style, markup=False, highlight=False)

    def suspend(self) -> None:
        self.close()  # the panel put away and the cursor shown again

    def resume(self, now: datetime) -> None:
        self.start()
        self.redraw(now)

    def phase_started(self, ev: PhaseStarted) -> None:
        self._phases_seen += 1
        if self.bell and self._phases_seen > 1:
            self.screen.console.bell()
        title = phase_title(ev.phase.label, ev.phase.round_text)
        self.say(f"▶ {title}: {ev.phase.cue}", style="bold")

    def view(self, now: datetime) -> RenderableType:
        """What the live panel shows at ``now``."""
        from rich.panel import Panel
        from rich.progress_bar import ProgressBar
        from rich.table import Table
        from rich.text import Text

        handle = self.handle
        if handle is None or handle.session.done:
            return Text("")
        s = handle.session
        phase = s.phase
        paused = s.state == "paused"
        grid = Table.grid(padding=(0, 1), expand=True)
        grid.add_column(width=6)
        grid.add_column(ratio=1)
        grid.add_column(width=6, justify="right")
        head = Text()
        if paused:
            head.append("PAUSED ", style="bold yellow")
        head.append(phase.label, style="bold")
        if phase.of > 1:
            head.append(f"  round {phase.round} of {phase.of}", style="dim")
        cue = Text(
            "space to resume" if paused and self.keys else phase.cue,
            style="yellow" if paused else "",
        )
        grid.add_row(
            Text("phase", style="dim"),
            ProgressBar(
                total=1.0,
                completed=s.phase_progress(now),
                complete_style="yellow" if paused else "green",
            ),
            Text(clock_text(s.phase_remaining(now)), style="bold"),
        )
        grid.add_row(
            Text("all", style="dim"),
            ProgressBar(total=1.0, completed=s.progress(now), complete_style="cyan"),
            Text(clock_text(s.remaining(now))),
        )
        body = Table.grid()
        body.add_row(head)
        body.add_row(cue)
        body.add_row(grid)
        width = min(self.screen.console.width, 80)
        keys = Text(KEYS_HELP if self.keys else "", style="dim")
        if keys.cell_len > width - 6:  # the bottom border would cut off "q: quit": inside, wrapped
            body.add_row(keys)
            keys = Text("")
        return Panel(
            body,
            title=Text(self.plan.name, style="bold"),
            title_align="left",
            subtitle=keys,
            subtitle_align="left",
            border_style="yellow" if paused else "green",
            width=width,
            padding=(0, 1),
        )

    def redraw(self, now: datetime) -> None:
        if self._live is not None:
            self._live.update(self.view(now), refresh=True)


# --- keys --------------------------------------------------------------------------------------


async def follow_keys(
    pressed: asyncio.Queue[str], service: RoutineService, user_id: int, display: PlainDisplay
) -> None:
    """Do what each key asks until a quit key stops the routine."""
    while True:
        ch = await pressed.get()
        if ch in QUIT_KEYS:
            await service.stop(user_id)
            return
        if ch in PAUSE_KEYS:
            await service.toggle_pause(user_id)
        elif ch in ROUND_KEYS and not await service.add_round(user_id):
            display.say("No round can be added now.")
        display.redraw(service.now(display.handle))


def _keys(
    stdin: TextIO, service: RoutineService, user_id: int, display: PlainDisplay
) -> contextlib.AbstractContextManager[asyncio.Queue[str]]:
    """The keys pressed during the routine; Ctrl-Z pauses it while the shell has the terminal."""
    return key_presses(
        stdin,
        suspend=lambda: pause_for_ctrl_z(service, user_id, display),
        resume=lambda: display.resume(service.now(display.handle)),
    )


async def pause_for_ctrl_z(service: RoutineService, user_id: int, display: PlainDisplay) -> None:
    """Ctrl-Z: the routine waits, paused, while the shell has the terminal."""
    handle = display.handle
    if handle is not None and handle.state == "running":
        await service.pause(user_id)
    display.suspend()


async def tick(display: PlainDisplay, service: RoutineService, refresh: float) -> None:
    """Redraw the live display every ``refresh`` seconds (its countdowns move)."""
    while True:
        display.redraw(service.now(display.handle))
        await service.sleep(refresh)


def _shown_while_read(
    display: PlainDisplay, service: RoutineService, user_id: int, stopping: list[asyncio.Task[bool]]
) -> Callable[[Event], None]:
    """Each event shown on ``display``; once its reader is gone (``lowback routine | head``), the
    routine is stopped (the task put in ``stopping``): one nobody follows is not done."""

    def on_event(ev: Event) -> None:
        display.event(ev)
        if display.screen.reader_gone and not stopping:
            stopping.append(asyncio.create_task(service.stop(user_id)))

    return on_event


async def run_routine_terminal(
    plan: RoutinePlan,
    *,
    service: RoutineService,
    screen: Screen,
    user_id: int = LOCAL_USER_ID,
    stdin: TextIO | None = None,
    refresh: float = 0.1,
    bell: bool = True,
    record: bool = True,
) -> State | AlreadyRunning:
    """Run ``plan`` for ``user_id`` through ``service``, drawn on ``screen``, keys from ``stdin``.

    Returns the final state ("finished" or "stopped"), or :class:`AlreadyRunning` if the person
    already has a session in this process. The session is recorded by the service; Ctrl-C (a
    cancellation) stops and records it before passing the cancellation on.
    """
    stdin = sys.stdin if stdin is None else stdin
    keys = is_tty(stdin)
    display: PlainDisplay = (
        LiveDisplay(screen, plan, keys=keys, bell=bell)
        if screen.rich
        else PlainDisplay(screen, plan, keys=keys)
    )

    stopping: list[asyncio.Task[bool]] = []
    on_event = _shown_while_read(display, service, user_id, stopping)
    result = await service.start(user_id, plan=plan, on_event=on_event, record=record)
    if isinstance(result, AlreadyRunning):
        display.say(result.message)
        return result
    handle = result
    display.handle = handle
    display.intro()

    helpers: list[asyncio.Task[None]] = []
    with contextlib.ExitStack() as stack:
        if keys:
            pressed = stack.enter_context(_keys(stdin, service, user_id, display))
            helpers.append(asyncio.create_task(follow_keys(pressed, service, user_id, display)))
        display.start()
        stack.callback(display.close)
        if screen.rich:
            helpers.append(asyncio.create_task(tick(display, service, refresh)))
        try:
            state = await handle.wait()
        except asyncio.CancelledError:
            # Ctrl-C: record the session as stopped, then let the cancellation through.
            await asyncio.shield(service.stop(user_id))
            raise
        finally:
            for task in helpers:
                task.cancel()
            for waited in [*helpers, *stopping]:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await waited
    return state


# --- the command -------------------------------------------------------------------------------


def trial_note(seconds_scale: float) -> str:
    speed = 1 / seconds_scale
    times = f"{speed:,.0f}" if speed >= 10 else f"{speed:.2g}"
    return (
        f"A trial at {times} times the speed: not recorded, and it does not count for your streak."
    )


def unknown_text(exc: UnknownRoutine) -> str:
    lines = [f"There is no routine called {exc.routine_id!r}. Try one of:"]
    lines += [f"  {rid:<16} {title}" for rid, title in exc.names]
    lines.append("or leave the name out for your daily routine.")
    return "\n".join(lines)


async def run_routine(
    services: Services,
    name: str | None,
    *,
    screen: Screen,
    user_id: int = LOCAL_USER_ID,
    stdin: TextIO | None = None,
    seconds_scale: float = 1.0,
    errors: Screen | None = None,
    where: Where = "shell",
) -> int:
    """A routine for ``user_id`` on the front ends' services (``services.routines``), then their
    streak. NAME is a routine id or name; without it, the daily routine for the person's step.
    Returns the exit status: 0 when the routine ran (finished or stopped), 1 when another was
    already running, 2 for an unknown routine name (listed on ``errors``). ``where`` words its
    hints for the shell or the chat."""
    service: RoutineService = services.routines
    try:
        plan = await service.plan_for(user_id, name)
    except UnknownRoutine as exc:
        if errors is None:
            screen.block(unknown_text(exc))
        else:
            _lines(errors, unknown_text(exc))
        return 2
    trial = seconds_scale < 1.0  # shortened: a try-out, not the routine done
    if seconds_scale != 1.0:
        plan = plan.scaled(seconds_scale)
    if trial:
        screen.line(trial_note(seconds_scale), style="dim")
    result = await run_routine_terminal(
        plan, service=service, screen=screen, user_id=user_id, stdin=stdin, record=not trial
    )
    if isinstance(result, AlreadyRunning):
        return 1
    if trial:
        screen.line(trial_note(seconds_scale), style="dim")
        return 0
    if result == "stopped" and not await service.people.get(user_id):
        return 0  # their data deleted meanwhile (by another terminal): no streak to show
    # Counted in the same zone as every other terminal command (bot.services.zones).
    counted = await service.person_streaks(user_id)
    PlainDisplay(screen, plan, keys=False).streak(counted.streaks, counted.note(set_zone(where)))
    return 0


def _lines(screen: Screen, text: str) -> None:
    for line in text.splitlines():
        screen.line(line)


async def run_routine_in_chat(
    services: Services,
    user_id: int,
    name: str | None,
    *,
    screen: Screen,
    stdin: TextIO | None = None,
) -> bool:
    """``/routine [NAME]`` inside ``lowback chat``: the same runner, on the chat's services.
    Keys work when ``stdin`` (default: the process's) is a terminal. Returns whether it ran."""
    ran = await run_routine(
        services, name, screen=screen, user_id=user_id, stdin=stdin, where="chat"
    )
    return ran == 0
