"""What a terminal user sees: coloured panels on a terminal, clean text on a pipe, and never a
button to press or a Discord command to type."""

from __future__ import annotations

import io
import os
import re
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bot.core.compose import topic_reply
from bot.core.replies import Action, Field, Reply
from bot.services.container import Services
from bot.settings import Settings
from bot.store.people import LOCAL_USER_ID
from bot.terminal.render import Screen, chat_choices, use_rich
from tests.support.fakes import FakeClock

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
PRESS = re.compile(
    r"(?:^|[.!?:]\s+)Press\b|\bpress \*|\bpress (?:the|a|It|Start|Next|Not)\b"
)  # not "the leg press"
DISCORD_COMMAND = re.compile(r"`/\w|/(?:ask|mydata|progress show|routine start|reminders on)\b")


def rich_text(reply: Reply, *, width: int = 80, chat: bool = True) -> str:
    out = io.StringIO()
    Screen(out, rich=True, width=width).reply(reply, chat=chat)
    return out.getvalue()


def plain_text(reply: Reply, *, chat: bool = True) -> str:
    out = io.StringIO()
    Screen(out, rich=False).reply(reply, chat=chat)
    return out.getvalue()


class FakeTty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_rich_only_on_a_terminal_without_no_color():
    assert use_rich(FakeTty(), {})
    assert not use_rich(io.StringIO(), {})  # a pipe or a file
    assert not use_rich(FakeTty(), {"NO_COLOR": "1"})
    assert use_rich(FakeTty(), {"NO_COLOR": ""})  # the convention: set and not empty
    assert not use_rich(FakeTty(), {"TERM": "dumb"})


def test_plain_text_has_no_escape_codes_and_no_markdown_marks(kb):
    reply = topic_reply(kb, kb.topics["booty-flex"], person_step=1, known_person=True)
    text = plain_text(reply)
    assert "\x1b" not in text
    assert "**" not in text and "`" not in text
    assert "Your step: this is your step right now" in text
    assert text.startswith("\nStep 1: the booty flex\n====")


def test_a_panel_per_answer_coloured_by_kind_wrapped_to_the_window(kb):
    answer = rich_text(topic_reply(kb, kb.topics["booty-flex"]), width=60)
    assert "╭─" in answer and "\x1b[" in answer
    lines = ANSI.sub("", answer).splitlines()
    assert max(len(line) for line in lines) <= 60
    assert "\x1b[1;32m" in answer  # green title for an answer
    assert "**" not in ANSI.sub("", answer)  # the markdown is rendered, not shown
    assert "Your step:" in ANSI.sub("", answer)


@pytest.mark.parametrize(
    ("kind", "title", "width"),
    [
        ("answer", "Your tight psoas and weak glutes: a four-step fix for low back pain", 60),
        ("answer", "How a tight psoas causes low back pain", 40),
        ("red_flag", "Please get medical help now, today", 30),
    ],
)
def test_a_title_wider_than_a_narrow_window_is_shown_whole(kind, title, width):
    """A split pane or a phone: the title is not cut off mid-word on the panel's border."""
    text = ANSI.sub("", rich_text(Reply(kind, title, "Squeeze your glutes."), width=width))  # type: ignore[arg-type]
    assert max(len(line) for line in text.splitlines()) <= width
    words = re.sub(r"[╭╮╰╯│─]", " ", text).split()
    assert " ".join(title.split()) in " ".join(words)


@pytest.mark.parametrize(
    "kind, urgency", [("red_flag", "emergency"), ("crisis", None), ("some_new_safety_kind", "soon")]
)
def test_red_flags_and_any_unknown_safety_kind_stand_out_in_red(kind, urgency):
    reply = Reply(kind, "Please get help now", "Call your local emergency number.", urgency=urgency)  # type: ignore[arg-type]
    text = rich_text(reply)
    assert "\x1b[1;31m" in text  # bold red
    assert "! Please get help now" in ANSI.sub("", text)
    calm = rich_text(Reply("info", "Your progress", "You're on step 1."))
    assert "\x1b[1;31m" not in calm


def test_actions_are_numbered_choices_and_commands_never_buttons(kb):
    reply = topic_reply(kb, kb.topics["booty-flex"])
    choices = chat_choices(reply)
    assert [(c.number, c.command) for c in choices] == [(1, None), (2, "/start")]
    for text in (plain_text(reply), ANSI.sub("", rich_text(reply))):
        assert "Type 1 Next step" in text and "2 Start this routine" in text and "/start" in text
        assert "[" not in text  # no button-like [labels]
    shell = plain_text(reply, chat=False)
    assert "Next: lowback ask --step 2" in shell and "lowback routine booty-flex" in shell


def test_a_hint_about_an_action_is_worded_for_typing():
    reply = Reply(
        "info",
        "Moved up",
        "You're on step 2.",
        actions=(
            Action("go_back", "It hurts", hint="If it tugs your back, {do} and you'll go back."),
        ),
    )
    assert "If it tugs your back, type /hurts and you'll go back." in plain_text(reply)
    assert "If it tugs your back, lowback progress --hurts" not in plain_text(reply, chat=False)
    assert "type lowback progress --hurts" in plain_text(reply, chat=False)


def test_the_help_answer_keeps_its_text_but_not_discord_commands(kb):
    reply = topic_reply(kb, kb.topics["help"])
    assert DISCORD_COMMAND.search(reply.body)  # what the knowledge base says for Discord...
    out = io.StringIO()
    Screen(out, rich=False).reply(reply, chat=True, help_text="Type /help for the commands.")
    text = out.getvalue()
    assert not DISCORD_COMMAND.search(text)  # ...is not shown in the terminal
    assert "curated" in text and "Type /help for the commands." in text


async def test_no_reply_tells_a_terminal_user_to_press_something_or_use_a_discord_command(
    tmp_path, kb
):
    clock = FakeClock(datetime(2026, 3, 2, 6, 0, tzinfo=UTC))
    settings = replace(Settings.from_env(environ={}, dotenv=None), database=tmp_path / "t.db")
    services = await Services.open(
        settings, clock=clock.now, sleep=clock.sleep, recover_sessions=False
    )
    try:
        user = LOCAL_USER_ID
        replies = [topic_reply(kb, t, person_step=2) for t in kb.topics.values()]
        replies += [
            await services.ask.ask(user, q)
            for q in (
                "what can you do",
                "my knee hurts",
                "can i still deadlift",
                "i cant feel my legs and peed myself",
                "",
                "should i squat or leg press",
            )
        ]
        replies += [
            await services.progress.show(user),
            await services.progress.move_up(user),
            await services.progress.go_back(user),
            await services.progress.go_back(user),
            await services.progress.set_step(user, 4),
            await services.progress.move_up(user),
            await services.data.show(user),
            await services.ask.alternatives(user, "squats"),
        ]
        await services.reminders.on(user, "Europe/Berlin", "7:30")
        from bot.core.schedule import next_occurrence, parse_times
        from bot.terminal.reminders import ChatSender

        out = io.StringIO()
        message = await services.composer.compose(
            user, next_occurrence(clock.now(), "Europe/Berlin", parse_times("7:30"))
        )
        await ChatSender(Screen(out, rich=False)).send(user, message)
        shown = [out.getvalue()]
        for reply in replies:
            shown += [
                plain_text(reply),
                ANSI.sub("", rich_text(reply)),
                plain_text(reply, chat=False),
            ]
    finally:
        await services.close()
    for text in shown:
        assert not PRESS.search(text), text
        assert not DISCORD_COMMAND.search(text), text
        assert "button" not in text.lower(), text


def test_fields_and_footer_are_shown():
    reply = Reply(
        "info",
        "T",
        "Body.",
        fields=(Field("The rule", "Easy and pain-free."),),
        footer="Not medical advice.",
    )
    text = plain_text(reply)
    assert "The rule:\nEasy and pain-free." in text and "-- Not medical advice." in text
    assert "Not medical advice." in ANSI.sub("", rich_text(reply))


@pytest.mark.parametrize("columns", ["0", "3"])
def test_a_window_said_to_be_a_few_columns_wide_still_shows_the_answer(kb, monkeypatch, columns):
    """COLUMNS=0 (or a sliver of a split window): the panel is drawn 20 columns wide rather than
    vanish."""
    monkeypatch.setenv("COLUMNS", columns)
    out = FakeTty()
    Screen(out).reply(topic_reply(kb, kb.topics["booty-flex"], person_step=1, known_person=True))
    text = ANSI.sub("", out.getvalue())
    assert "booty" in text and "Squeeze" in text
    assert max(len(line) for line in text.splitlines()) == 20


def test_plain_text_on_a_terminal_that_reports_no_width_keeps_whole_lines():
    pty = pytest.importorskip("pty")
    master, slave = pty.openpty()  # a new pseudo-terminal has no size yet: 0 columns
    try:
        with open(slave, "w", closefd=False) as out:
            assert Screen(out, rich=False).columns() is None  # not a 20-column strip
    finally:
        os.close(master)
        os.close(slave)


def test_plain_text_is_wrapped_to_the_terminal_only_when_it_goes_to_one():
    from bot.terminal.render import wrap

    body = (
        "A long sentence that goes on " * 6
        + "\n• a bullet that is also quite long and needs to wrap onto the next line"
    )
    assert wrap(body, 40).splitlines()[-1].startswith("  ")  # the bullet's text keeps its indent
    assert all(len(line) < 40 for line in wrap(body, 40).splitlines())
    piped = plain_text(Reply("info", "T", body))
    assert any(len(line) > 100 for line in piped.splitlines())  # a pipe or a log gets whole lines
