"""The chat as a person types into it: questions, numbered choices, /commands, and leaving."""

from __future__ import annotations

import io
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bot.services.container import Services
from bot.settings import PostgresURL, Settings
from bot.store.people import LOCAL_USER_ID
from bot.terminal.chat import GOODBYE, Chat, run_chat
from bot.terminal.render import Screen
from tests.support.backends import NO_SERVER, SERVER, fresh_postgres
from tests.support.blackout import Blackout
from tests.support.fakes import FakeClock

pytest.importorskip("termios")
from tests.support.terminal_pty import Terminal

needs_postgres = pytest.mark.skipif(SERVER is None, reason=NO_SERVER)


@pytest.fixture
async def chat(tmp_path):
    clock = FakeClock(datetime(2026, 3, 2, 6, 0, tzinfo=UTC))  # routines finish at once on it
    settings = replace(Settings.from_env(environ={}, dotenv=None), database=tmp_path / "chat.db")
    services = await Services.open(
        settings, clock=clock.now, sleep=clock.sleep, recover_sessions=False
    )
    out = io.StringIO()
    answers: list[str] = []

    async def confirm(prompt: str) -> bool:
        return answers.pop(0) == "yes"

    talk = Chat(services, Screen(out, rich=False), confirm=confirm)
    talk.answers = answers  # type: ignore[attr-defined]
    try:
        yield talk, out
    finally:
        await services.close()


async def say(chat_and_out, line: str) -> str:
    talk, out = chat_and_out
    out.seek(0)
    out.truncate()
    assert await talk.handle(line)
    return out.getvalue()


async def test_a_number_takes_the_choice_an_answer_offered(chat):
    shown = await say(chat, "how do i do the booty flex")
    assert "Type 1 Next step · 2 Start this routine (/start) · 3 Not what I asked (/other)" in shown
    nxt = await say(chat, "1")
    assert "Step 2: the kneeling glute stretch" in nxt
    assert "Step 2 comes later" in nxt  # answered for the person, who is still on step 1


async def test_the_readmes_short_tour_works_as_typed_there(chat):
    """A newcomer types the README's tour line by line: every line is taken as the README says,
    and the choices it quotes are the ones the answer before it ends with."""
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    tour = readme.split("## A short tour", 1)[1].split("```text", 1)[1].split("```", 1)[0]
    before = ""
    for line in re.findall(r"^you> (.*)$", tour, re.MULTILINE):
        typed, _, comment = (part.strip() for part in line.partition("#"))
        for quoted in re.findall(r'"([^"]+)"', comment):
            assert quoted in before, f"{typed!r}: the answer before it does not end with {quoted!r}"
        before = await say(chat, typed)
        assert "There's no choice with that number" not in before, typed
        assert "I don't know the command" not in before, typed


async def test_start_runs_the_routine_the_answer_offered(chat):
    await say(chat, "how do i do the booty flex")
    shown = await say(chat, "/start")
    assert (
        "Booty flexes:" in shown
        and "Done! Booty flexes finished." in shown
        and "Streak: 1 day" in shown
    )


async def test_not_what_i_asked_by_number_command_or_its_words(chat):
    await say(chat, "how do i do the booty flex")
    by_words = await say(chat, "Not what I asked")
    assert "Other answers that might fit" in by_words
    assert "Type 1 " in by_words  # the alternatives are choices in turn
    first_alternative = await say(chat, "1")
    assert "====" in first_alternative and "Other answers" not in first_alternative
    await say(chat, "can i still deadlift")
    assert "Other answers that might fit" in await say(chat, "/other")


async def test_hurts_and_easy_move_the_person_and_say_so_in_typed_words(chat):
    talk, _ = chat
    moved = await say(chat, "/easy")
    assert "Moved up to step 2" in moved
    assert "If the new move tugs your low back, type /hurts and you'll go back a step." in moved
    back = await say(chat, "1")  # "It hurts", offered first
    assert "Back to step 1" in back
    assert (await talk.services.people.get(LOCAL_USER_ID)).step == 1


async def test_a_number_with_nothing_offered_is_not_taken_for_a_question(chat):
    shown = await say(chat, "7")
    assert "There's no choice with that number right now" in shown


async def test_mydata_says_how_to_delete_in_the_chat_and_delete_asks_first(chat):
    talk, _ = chat
    await say(chat, "/step 3")
    shown = await say(chat, "/mydata")
    assert "Type /delete to remove all of it at once; nothing is kept afterwards." in shown
    assert "/mydata delete" not in shown and "option" not in shown
    assert "The privacy notice says what is kept, why, and for how long: type /privacy." in shown
    notice = await say(chat, "/privacy")
    assert "What is stored about you" in notice and "Your messages are not stored." in notice
    talk.answers.append("no")
    assert "Nothing deleted." in await say(chat, "/delete")
    talk.answers.append("yes")
    assert "Your data is deleted" in await say(chat, "/delete")
    assert await talk.services.people.get(LOCAL_USER_ID) is None


async def test_discords_and_the_shells_forms_of_a_command_do_what_they_say(chat):
    # Someone who knows the bot from Discord (/progress set, /mydata delete, /routine start) or
    # from the shell (lowback progress --up) types those words in the chat.
    talk, _ = chat

    async def step() -> int:
        return (await talk.services.people.get(LOCAL_USER_ID)).step

    assert "You're on step 3" in await say(chat, "/progress set 3") and await step() == 3
    assert "Moved up to step 4" in await say(chat, "/progress --up") and await step() == 4
    assert "Back to step 3" in await say(chat, "/progress hurts") and await step() == 3
    assert "You're on step 3 of 4" in await say(chat, "/progress show")
    shown = await say(chat, "/progress banana")
    assert (
        "I don't know the command /progress banana." in shown
        and "/step N" in shown
        and await step() == 3
    )
    assert "Done! Flare-up booty flexes finished." in await say(chat, "/routine start flare-up")
    assert "What I store about you" in await say(chat, "/mydata show")
    talk.answers.append("yes")
    assert "Your data is deleted" in await say(chat, "/mydata delete")
    assert await talk.services.people.get(LOCAL_USER_ID) is None


async def test_odd_numbers_after_step_and_reminders_get_a_clear_answer(chat):
    assert "Usage: /step N" in await say(chat, "/step ²")
    assert "You're on step 3" in await say(chat, "/step ３")  # a full-width digit is a digit
    assert "Steps run from 1 to 4." in await say(chat, "/step " + "9" * 5000)
    await say(chat, "/reminders on Europe/Berlin 7:30")
    for typed in ("/reminders pause ²", "/reminders pause 0.0001", "/reminders pause 0"):
        assert "Pause for a whole number of days, 1 to 365." in await say(chat, typed), typed
    assert "Snooze for a whole number of minutes, 1 to 720." in await say(
        chat, "/reminders snooze ¹"
    )
    assert "/reminders pause takes a whole number of days, not 'soon'" in await say(
        chat, "/reminders pause soon"
    )
    assert "Reminders are on" in await say(chat, "/reminders")  # none of that paused them
    assert "paused until" in await say(chat, "/reminders pause 3 days")


async def test_reminders_in_the_chat_use_chat_words(chat):
    assert "Turn them on with: /reminders on Europe/Berlin 7:30 21:30" in await say(
        chat, "/reminders"
    )
    assert "Reminders are on: 07:30" in await say(chat, "/reminders on Europe/Berlin 7:30")
    assert "I don't know the time zone 'Mars/Olympus'" in await say(
        chat, "/reminders on Mars/Olympus 7:30"
    )


async def test_reminders_in_the_chat_read_zones_with_digits_and_24_hour_hours(chat):
    assert "'UTC+2' is a UTC offset, and offsets don't follow daylight saving" in await say(
        chat, "/reminders on UTC+2 7:30"
    )
    assert "'Etc/GMT+5' is UTC-5, not UTC+5" in await say(chat, "/reminders on Etc/GMT+5 7:30")
    assert "Reminders are on: 19:00, every day (Europe/Zurich time)" in await say(
        chat, "/reminders on Zürich 19h"
    )
    assert "Reminders are on: 07:30 and 21:00, every day (EST5EDT time)" in await say(
        chat, "/reminders on EST5EDT 730 and 21"
    )
    assert "'GMT-5' is a UTC offset" in await say(chat, "/reminders on GMT-5 7:30")


async def test_quit_and_the_end_of_input_leave_with_a_goodbye(tmp_path):
    settings = replace(Settings.from_env(environ={}, dotenv=None), database=tmp_path / "chat.db")
    for typed in ("can i still deadlift\n/quit\nwhat about squats\n", "can i still deadlift\n"):
        services = await Services.open(settings, recover_sessions=False)
        out = io.StringIO()
        try:
            assert (
                await run_chat(services, screen=Screen(out, rich=False), stdin=io.StringIO(typed))
                == 0
            )
        finally:
            await services.close()
        text = out.getvalue()
        assert "Deadlifts" in text and "Squats" not in text
        assert text.rstrip().endswith(GOODBYE)


class LockedDuring(io.StringIO):
    """Typed lines; while the first ``locked`` line is handled, another program holds the database."""

    def __init__(self, text: str, database, locked: str | None):
        super().__init__(text)
        self.database, self.locked = database, locked
        self.other: sqlite3.Connection | None = None

    def let_go(self) -> None:
        if self.other is not None:
            self.other.execute("ROLLBACK")
            self.other.close()
            self.other = None

    def readline(self, size: int | None = -1) -> str:
        self.let_go()  # the chat has handled the line: the other program lets go
        line = super().readline()
        if line.strip() == self.locked:
            self.locked = None
            self.other = sqlite3.connect(
                self.database, isolation_level=None, check_same_thread=False
            )
            self.other.execute("BEGIN EXCLUSIVE")
        return line


async def test_a_database_locked_by_another_program_is_said_and_the_chat_goes_on(
    tmp_path, monkeypatch
):
    monkeypatch.setattr("bot.store.db.BUSY_TIMEOUT_MS", 50)  # instead of waiting 5 s
    settings = replace(Settings.from_env(environ={}, dotenv=None), database=tmp_path / "chat.db")
    services = await Services.open(settings, recover_sessions=False)
    out = io.StringIO()
    typed = LockedDuring("/easy\n/easy\n", tmp_path / "chat.db", locked="/easy")
    try:
        assert await run_chat(services, screen=Screen(out, rich=False), stdin=typed) == 0
    finally:
        typed.let_go()
        await services.close()
    text = out.getvalue()
    assert "That didn't work: the database at" in text and "is locked" in text
    assert "Traceback" not in text
    assert "Moved up to step 2" in text  # the second /easy, once the lock was gone
    assert text.rstrip().endswith(GOODBYE)


class ServerAwayDuring(io.StringIO):
    """Typed lines; while the first ``away`` line is handled, the PostgreSQL server is gone."""

    def __init__(self, text: str, relay: Blackout, away: str):
        super().__init__(text)
        self.relay: Blackout = relay
        self.away: str | None = away

    def readline(self, size: int | None = -1) -> str:
        if self.relay.refused:
            self.relay.restore()  # the chat has handled the line: the server is back
        line = super().readline()
        if line.strip() == self.away:
            self.away = None
            self.relay.cut()
        return line


@needs_postgres
async def test_postgresql_away_for_a_moment_is_said_in_one_line_and_the_chat_goes_on(tmp_path):
    async with fresh_postgres() as url:
        relay = Blackout(url.url)
        settings = replace(
            Settings.from_env(environ={}, dotenv=None), database=PostgresURL(relay.url)
        )
        services = await Services.open(settings, recover_sessions=False)
        out = io.StringIO()
        typed = ServerAwayDuring("/easy\n/easy\n", relay, away="/easy")
        try:
            assert await run_chat(services, screen=Screen(out, rich=False), stdin=typed) == 0
        finally:
            await services.close()
            relay.close()
    text = out.getvalue()
    assert "That didn't work: the PostgreSQL database at" in text
    assert "can't be reached right now" in text and "try again in a minute" in text
    assert "Traceback" not in text and "ConnectionRefusedError" not in text
    assert "Moved up to step 2" in text  # the second /easy, once the server was back
    assert text.rstrip().endswith(GOODBYE)


@pytest.fixture
def chat_terminal(tmp_path):
    opened: list[Terminal] = []

    def start(**env: str) -> Terminal:
        t = Terminal(["--database", str(tmp_path / "chat.db"), "chat"], tmp_path, extra_env=env)
        opened.append(t)
        t.read_until("you>")
        return t

    yield start
    for t in opened:
        t.close()


@pytest.mark.parametrize("key", ["\x03", "\x04"], ids=["ctrl-c", "ctrl-d"])
def test_ctrl_c_and_ctrl_d_at_the_prompt_leave_at_once(chat_terminal, key):
    t = chat_terminal()
    t.press(key)  # no Enter
    t.read_until(GOODBYE, timeout=5)
    assert t.wait(timeout=5) == 0
    assert t.settings_restored()


def test_ctrl_c_at_the_delete_question_deletes_nothing_and_leaves_no_dead_prompt(
    chat_terminal, tmp_path
):
    t = chat_terminal(NO_COLOR="1")
    t.press("/step 3\r")
    t.read_until("You're on step 3")
    t.press("/delete\r")
    t.read_until("Type yes to confirm")
    t.press("\x03")
    t.read_until(GOODBYE, timeout=5)  # not a prompt that swallows the next line typed
    assert t.wait(timeout=5) == 0
    assert "Nothing deleted." in t.output and "Traceback" not in t.output
    assert t.settings_restored()
    step = sqlite3.connect(tmp_path / "chat.db").execute("SELECT step FROM people").fetchall()
    assert step == [(3,)]


def test_the_chat_in_a_terminal_draws_panels_and_choices(chat_terminal):
    t = chat_terminal()
    t.press("how do i do the booty flex\r")
    t.read_until("/start")
    assert "╭─" in t.output and "Step 1: the booty flex" in t.output
    t.press("/quit\r")
    t.read_until(GOODBYE)
    assert t.wait() == 0


def test_no_color_in_a_terminal_gives_plain_text(chat_terminal):
    t = chat_terminal(NO_COLOR="1")
    t.press("how do i do the booty flex\r")
    t.read_until("Type 1 Next step")
    t.press("/quit\r")
    t.read_until(GOODBYE)
    assert t.wait() == 0
    assert "╭─" not in t.output and "\x1b[1;32m" not in t.output


def test_ctrl_c_in_a_routine_stops_it_and_the_chat_goes_on(chat_terminal):
    t = chat_terminal()
    t.press("/routine booty-flex\r")
    t.read_until("Get ready")
    t.press("\x03")
    t.read_until("Stopped after")
    t.output = t.output[t.output.index("Stopped after") :]  # (the prompt may come in that read)
    t.read_until("you>")  # back at the prompt, not out of the chat
    t.press("/quit\r")
    t.read_until(GOODBYE)
    assert t.wait() == 0
    assert t.settings_restored()


@needs_postgres
async def test_postgresql_away_in_a_terminal_chat_shows_no_driver_noise(tmp_path):
    """In a real terminal: no traceback, and not the driver's own log lines (asyncpg's pool logs
    each attempt to reconnect, with a traceback) in the middle of the chat."""
    async with fresh_postgres() as url:
        relay = Blackout(url.url)
        t = Terminal(["--database", relay.url, "chat"], tmp_path, extra_env={"NO_COLOR": "1"})
        transcript = ""
        try:
            t.read_until("you>")
            t.press("/step 2\r")
            t.read_until("You're on step 2")
            relay.cut()
            for _ in range(2):  # the server stays away for two commands
                transcript, t.output = transcript + t.output, ""
                t.press("/step 3\r")
                t.read_until("That didn't work")
                t.read_until("you>")
            relay.restore()
            t.press("/step 3\r")
            t.read_until("You're on step 3")
            t.press("/quit\r")
            t.read_until(GOODBYE)
            assert t.wait() == 0
        finally:
            t.close()
            relay.close()
    everything = transcript + t.output
    assert "Traceback" not in everything and "Failed to restore" not in everything


def test_a_paragraph_pasted_at_the_prompt_is_one_question(chat_terminal):
    """Lines pasted together are answered as the one message they are: a warning sign told over
    two lines gets the emergency answer, not an answer for each line."""
    t = chat_terminal(NO_COLOR="1")
    t.press("since yesterday i have no feeling\rin my bum or privates\rand my back hurts\r")
    t.read_until("Please get medical help now")
    t.read_until("you>")
    t.press("/quit\r")
    t.read_until(GOODBYE)
    assert t.wait() == 0
    assert "curated answer" not in t.output and "booty flex" not in t.output


def test_commands_typed_ahead_are_each_done(chat_terminal):
    t = chat_terminal(NO_COLOR="1")
    t.press("/step 3\r/quit\r")
    t.read_until(GOODBYE)
    assert t.wait() == 0
    assert "You're on step 3" in t.output
