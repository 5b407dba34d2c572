"""The terminal runner, tried the way a person would: in a pseudo-terminal, pressing keys."""

from __future__ import annotations

import asyncio
import io
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from bot.core.knowledge.loading import load_knowledge
from bot.services.container import Services
from bot.services.data import DataService
from bot.services.routines import RoutineService
from bot.settings import DEFAULT_KNOWLEDGE, Settings
from bot.store.db import Database
from bot.store.people import PeopleStore
from bot.terminal.cli import main
from bot.terminal.render import Screen
from bot.terminal.routine import bar, clock_text, run_routine, run_routine_in_chat
from tests.support.fakes import FakeClock

pytest.importorskip("termios")

from tests.support.terminal_pty import REPO, Terminal


@pytest.fixture
def terminal(tmp_path: Path):
    opened: list[Terminal] = []

    def run(*args: str) -> Terminal:
        t = Terminal(["--database", str(tmp_path / "lowback.db"), "routine", *args], tmp_path)
        opened.append(t)
        return t

    yield run
    for t in opened:
        t.close()


def sessions(tmp_path: Path) -> list[tuple]:
    with sqlite3.connect(tmp_path / "lowback.db") as conn:
        return conn.execute(
            "SELECT user_id, routine_id, status, rounds_added, ended_at IS NOT NULL FROM routine_sessions ORDER BY id"
        ).fetchall()


def test_a_whole_routine_runs_in_the_terminal_and_sped_up_it_is_a_trial_not_recorded(
    terminal, tmp_path
):
    t = terminal("--seconds-scale", "0.01", "flare-up")
    t.read_until("Done! Flare-up booty flexes finished.")
    assert t.wait() == 0
    out = t.output
    assert "space: pause/resume" in out and "q: quit" in out
    assert "Squeeze (round 1 of 3): Squeeze, tighter every second" in out
    assert "Relax (round 3 of 3): Relax" in out
    assert "Done! Flare-up booty flexes finished." in out
    trial = "A trial at 100 times the speed: not recorded, and it does not count for your streak."
    assert out.count(trial) == 2  # said before it starts and after it ends
    assert "Streak:" not in out
    # A live panel is redrawn in place, with a bar for the phase and one for the whole routine.
    assert "\x1b[" in out and "phase" in out and "all" in out and "━" in out and "╭─" in out
    assert t.settings_restored()
    assert sessions(tmp_path) == []


@pytest.mark.parametrize("scale", ["inf", "1e308", "nan", "0", "-1", "11"])
def test_a_seconds_scale_that_makes_no_sense_is_one_line_and_nothing_is_recorded(tmp_path, scale):
    env = dict(os.environ, PYTHONPATH=str(REPO))
    done = subprocess.run(
        [sys.executable, "-m", "bot", "--database", str(tmp_path / "lowback.db")]
        + ["routine", "flare-up", "--seconds-scale", scale],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=30,
    )
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert "--seconds-scale must be more than 0 and at most 10" in done.stderr
    assert not (tmp_path / "lowback.db").exists()


def test_keys_pause_resume_add_a_round_and_quit(terminal, tmp_path):
    t = terminal("booty-flex")  # at its own pace, so that it counts: keys while it gets ready
    t.read_until("▶ Get ready")
    t.press(" ")
    t.read_until("Paused (")
    t.read_until("PAUSED")  # the live panel says so too
    t.press("+")
    t.read_until("Round added: 11 rounds now.")
    t.press(" ")
    t.read_until("Resumed.")
    t.press("q")
    t.read_until("Stopped after")
    assert t.wait() == 0
    assert "Finish a routine to start a streak." in t.output
    assert t.settings_restored()
    assert sessions(tmp_path) == [(1, "booty-flex", "stopped", 1, 1)]


def test_ctrl_c_stops_the_routine_records_it_and_restores_the_terminal(terminal, tmp_path):
    t = terminal("booty-flex")
    t.read_until("▶ Get ready")
    t.press("\x03")
    assert t.wait() == 130
    assert "Stopped after" in t.output
    assert t.settings_restored()
    assert sessions(tmp_path) == [(1, "booty-flex", "stopped", 0, 1)]


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash for job control")
def test_ctrl_z_pauses_the_routine_hands_the_terminal_back_and_fg_carries_on(tmp_path):
    shell = Terminal(
        ["--norc", "--noprofile", "-i"],
        tmp_path,
        extra_env={"PS1": "shell$ "},
        program=[shutil.which("bash") or "bash"],
    )
    try:
        shell.read_until("shell$ ")
        database = tmp_path / "lowback.db"
        shell.press(f"'{sys.executable}' -m bot --database '{database}' routine booty-flex\r")
        shell.read_until("▶ Get ready")
        shell.press("\x1a")  # Ctrl-Z
        shell.read_until("Stopped")  # the shell's job control has it
        suspended = shell.output
        assert "Paused (" in suspended
        assert suspended.rfind("\x1b[?25h") > suspended.rfind("\x1b[?25l")  # the cursor is back
        shell.output = ""
        shell.press("fg\r")
        shell.read_until("PAUSED")  # drawn again, still paused
        shell.press(" ")  # a key alone, no Enter: keys mode is back
        shell.read_until("Resumed.")
        shell.press("q")
        shell.read_until("Stopped after")
        shell.read_until("Finish a routine to start a streak.")
        shell.read_until("shell$ ")  # the routine is over and the shell has the terminal again
    finally:
        shell.close()
    assert sessions(tmp_path) == [(1, "booty-flex", "stopped", 0, 1)]


def test_it_runs_piped_without_keys_or_escape_codes(tmp_path):
    env = dict(os.environ, TZ="UTC", PYTHONPATH=str(REPO))
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "--database",
            str(tmp_path / "lowback.db"),
            "routine",
            "--seconds-scale",
            "0.005",
            "glute-stretch",
        ],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    assert "(keys need an interactive terminal)" in done.stdout
    assert "Switch sides" in done.stdout and "Right side" in done.stdout
    assert "Done!" in done.stdout
    assert "\x1b" not in done.stdout and "\r" not in done.stdout


@pytest.mark.parametrize("signum", [signal.SIGHUP, signal.SIGTERM])
def test_a_routine_ended_by_a_closed_terminal_or_a_kill_is_recorded_as_stopped(tmp_path, signum):
    # SIGHUP: the terminal window closed or the ssh connection lost; SIGTERM: `kill`, a shutdown.
    env = dict(os.environ, TZ="UTC", PYTHONPATH=str(REPO))
    with subprocess.Popen(
        [sys.executable, "-m", "bot", "--database", str(tmp_path / "lowback.db"), "routine"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env=env,
    ) as routine:
        assert routine.stdout is not None
        for line in routine.stdout:
            if line.startswith("▶ Get ready"):  # under way, at its own pace
                break
        routine.send_signal(signum)
        out, err = routine.communicate(timeout=30)
    assert routine.returncode == 128 + signum, err
    assert "Stopped after" in out and "Traceback" not in err
    assert sessions(tmp_path) == [(1, "daily-step-1", "stopped", 0, 1)]


@pytest.mark.parametrize(
    ("typed", "runs"),
    [
        (["glute", "stretch"], "Kneeling glute stretch:"),  # unquoted, as people type it
        (["booty", "flex"], "Booty flexes:"),  # all of one id, part of another's name
        (["Booty flexes"], "Booty flexes:"),  # its name, as the list shows it
    ],
)
def test_a_routine_named_in_words_as_typed_is_the_one_it_names(tmp_path, typed, runs):
    env = dict(os.environ, PYTHONPATH=str(REPO))
    done = subprocess.run(
        [sys.executable, "-m", "bot", "--database", str(tmp_path / "lowback.db"), "routine"]
        + ["--seconds-scale", "0.001", *typed],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[1].startswith(runs) and "Done!" in done.stdout


def test_an_unknown_routine_lists_the_ones_that_exist(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(REPO))
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "--database",
            str(tmp_path / "lowback.db"),
            "routine",
            "planks",
        ],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=30,
    )
    assert done.returncode == 2
    assert "no routine called 'planks'" in done.stderr
    assert "booty-flex" in done.stderr and "flare-up" in done.stderr


async def test_without_a_name_the_local_person_gets_the_routine_for_their_step(tmp_path):
    settings = replace(Settings(), database=tmp_path / "lowback.db")
    clock = FakeClock(datetime(2026, 3, 2, 6, 0, tzinfo=UTC))  # the routine's minutes pass at once
    services = await Services.open(
        settings, clock=clock.now, sleep=clock.sleep, recover_sessions=False
    )
    try:
        await services.people.set_step(1, 2, "test", clock.now())
        await services.people.set_timezone(1, "Asia/Tokyo", clock.now())
        out = io.StringIO()
        code = await run_routine(
            services, None, screen=Screen(out, rich=False), stdin=io.StringIO()
        )
    finally:
        await services.close()
    assert code == 0
    text = out.getvalue()
    assert text.startswith("Your step 2 routine: Kneeling glute stretch, then booty flexes")
    assert text.index("Left side") < text.index("Squeeze (round 1 of 10)")
    assert "Streak: 1 day" in text
    assert sessions(tmp_path) == [(1, "daily-step-2", "finished", 0, 1)]


class ReaderGoneAfter(io.StringIO):
    """Standard output into `head -n LINES`: once it has its lines, the pipe is closed."""

    def __init__(self, lines: int) -> None:
        super().__init__()
        self.lines = lines

    def write(self, text: str) -> int:
        if self.getvalue().count("\n") >= self.lines:
            raise BrokenPipeError(32, "Broken pipe")
        return super().write(text)


async def test_a_routine_whose_reader_went_away_is_stopped_not_counted_as_done(tmp_path):
    # `lowback routine | head -3`: head leaves after three lines, and nobody sees the rest.
    settings = replace(Settings(), database=tmp_path / "lowback.db")
    clock = FakeClock(datetime(2026, 3, 2, 6, 0, tzinfo=UTC))
    services = await Services.open(
        settings, clock=clock.now, sleep=clock.sleep, recover_sessions=False
    )
    try:
        out = ReaderGoneAfter(3)
        code = await run_routine(
            services, None, screen=Screen(out, rich=False), stdin=io.StringIO()
        )
        streaks = (await services.routines.person_streaks(1)).streaks
    finally:
        await services.close()
    assert code == 0 and out.getvalue().count("\n") == 3
    assert sessions(tmp_path) == [(1, "daily-step-1", "stopped", 0, 1)]
    assert streaks.current == 0 and streaks.longest == 0


def test_a_broken_routines_file_is_explained(tmp_path, capsys):
    (tmp_path / "routines.yaml").write_text("routines:\n  - id: x\n    name: X\n", encoding="utf-8")
    assert (
        main(
            [
                "--knowledge",
                str(tmp_path),
                "--database",
                str(tmp_path / "lowback.db"),
                "routine",
                "x",
            ]
        )
        == 1
    )
    assert "routines.yaml [x] description: is missing" in capsys.readouterr().err


@pytest.mark.parametrize("width", [40, 80])
def test_the_live_panel_says_how_to_quit_in_a_narrow_window_too(width):
    """A split pane or a phone: the keys are not cut off at '+: add a roun', losing 'q: quit'."""
    from bot.core.routine.session import RoutineSession
    from bot.terminal.routine import LiveDisplay

    plan = load_knowledge(DEFAULT_KNOWLEDGE).routines.get("flare-up")
    now = datetime(2026, 1, 1, tzinfo=UTC)
    out = io.StringIO()
    screen = Screen(out, rich=True, width=width)
    display = LiveDisplay(screen, plan, keys=True, bell=False)
    display.handle = SimpleNamespace(session=RoutineSession(plan, now))
    screen.console.print(display.view(now))
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", out.getvalue())
    assert max(len(line) for line in text.splitlines()) <= width
    words = " ".join(re.sub(r"[╭╮╰╯│─]", " ", text).split())
    assert "space: pause/resume +: add a round q: quit" in words


def test_countdown_and_bars():
    assert clock_text(timedelta(seconds=65)) == "1:05"
    assert clock_text(timedelta(seconds=0.2)) == "0:01"  # a countdown shows 0:01 until the end
    assert clock_text(timedelta(0)) == "0:00"
    assert bar(0.5, 10, "#", "-") == "#####-----"
    assert bar(2.0, 4, "#", "-") == "####"


async def test_the_chat_runs_a_routine_on_its_own_services(db: Database):
    book = load_knowledge(DEFAULT_KNOWLEDGE).routines
    clock = FakeClock(datetime(2025, 6, 2, 6, 30, tzinfo=UTC))  # its sleep returns at once
    services = SimpleNamespace(
        routines=RoutineService(db, book, clock, clock.sleep, steady=clock.steady)
    )
    await PeopleStore(db).set_timezone(1, "Europe/Berlin", clock.now())
    out = io.StringIO()

    assert not await run_routine_in_chat(
        services, 1, "planks", screen=Screen(out, rich=False), stdin=io.StringIO()
    )
    assert "There is no routine called 'planks'" in out.getvalue()

    out = io.StringIO()
    assert await run_routine_in_chat(
        services, 1, None, screen=Screen(out, rich=False), stdin=io.StringIO()
    )
    text = out.getvalue()
    assert "Your step 1 routine" in text and "Squeeze (round 10 of 10)" in text
    assert "Done!" in text and "Streak: 1 day" in text
    assert clock.now() == datetime(2025, 6, 2, 6, 30, tzinfo=UTC) + timedelta(seconds=105)

    # Someone already in a routine (say, started from Discord) is told so, not given a second one.
    running = await services.routines.start(1, "flare-up")
    out = io.StringIO()
    assert not await run_routine_in_chat(
        services, 1, "booty-flex", screen=Screen(out, rich=False), stdin=io.StringIO()
    )
    assert "already have a routine running: Flare-up booty flexes" in out.getvalue()
    await services.routines.stop(1)
    assert running.state == "stopped"


@asynccontextmanager
async def routine_waiting_mid_way(tmp_path):
    """``lowback routine flare-up`` in a terminal, parked ten seconds in; yields (its services,
    the clock, its output, the routine's task). Release the clock to let it go on."""
    settings = replace(Settings(), database=tmp_path / "lowback.db")
    clock = FakeClock(datetime(2026, 3, 2, 6, 0, tzinfo=UTC))
    clock.horizon = clock.now() + timedelta(seconds=10)  # the routine waits here, mid-way
    terminal = await Services.open(
        settings, clock=clock.now, sleep=clock.sleep, recover_sessions=False
    )
    out = io.StringIO()
    try:
        routine = asyncio.create_task(
            run_routine(terminal, "flare-up", screen=Screen(out, rich=False), stdin=io.StringIO())
        )
        await clock.until_parked()
        yield terminal, clock, out, routine
    finally:
        await terminal.close()


async def test_a_routine_in_the_terminal_still_counts_when_the_bot_starts_beside_it(tmp_path):
    """The Discord bot and the terminal share the database: the bot (re)starting while the local
    person does a routine in the terminal must not mark that routine interrupted."""
    async with routine_waiting_mid_way(tmp_path) as (terminal, clock, out, routine):
        bot = await Services.open(terminal.settings, clock=clock.now, sleep=clock.sleep)
        await bot.close()  # as `lowback run` starting and stopping beside it
        clock.release(None)
        assert await routine == 0
    assert "Streak: 1 day" in out.getvalue()
    assert sessions(tmp_path) == [(1, "flare-up", "finished", 0, 1)]


async def test_a_routine_stops_saying_why_when_another_terminal_deletes_ones_data(tmp_path):
    # `lowback mydata --delete` typed in a second terminal while `lowback routine` runs in the first
    async with routine_waiting_mid_way(tmp_path) as (terminal, clock, out, routine):
        await DataService(terminal.db).delete(1)  # as the other terminal's process does
        clock.release(None)
        assert await routine == 0
    assert "You deleted your data, so this routine stopped here" in out.getvalue()
    assert "Done!" not in out.getvalue()
    assert sessions(tmp_path) == []


async def test_a_routine_finished_in_one_terminal_counts_after_another_terminal_started_one(
    tmp_path,
):
    """Two terminals on one database: the routine started in the second makes the first look like
    a leftover in the store, but the first one is done to the end, and the person is told so."""
    settings = replace(Settings(), database=tmp_path / "lowback.db")
    clock = FakeClock(datetime(2026, 3, 2, 6, 0, tzinfo=UTC))
    clock.horizon = clock.now() + timedelta(seconds=10)
    first, second = [
        await Services.open(settings, clock=clock.now, sleep=clock.sleep, recover_sessions=False)
        for _ in range(2)
    ]
    outs = [io.StringIO(), io.StringIO()]
    try:
        runs = [
            asyncio.create_task(
                run_routine(
                    services, "flare-up", screen=Screen(out, rich=False), stdin=io.StringIO()
                )
            )
            for services, out in zip((first, second), outs, strict=True)
        ]
        await clock.until_parked(sleepers=2)
        clock.release(None)
        assert [await run for run in runs] == [0, 0]
    finally:
        for services in (first, second):
            await services.close()
    assert "Streak: 1 day" in outs[0].getvalue()
    assert sessions(tmp_path) == [(1, "flare-up", "finished", 0, 1)] * 2
