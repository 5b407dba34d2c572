"""Log output: one line per event, UTC time and level, the token never shown, a level setting."""

from __future__ import annotations

import io
import logging
import re
from calendar import timegm
from collections.abc import Iterator

import pytest

from bot.logging_setup import LIBRARY_LOGGERS, setup_logging

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GabcDe.abcdefghijklmnopqrstuvwxyz0123456789AB"
SECRET_PART = TOKEN.split(".")[2]
LINE = re.compile(
    r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ (DEBUG|INFO|WARNING|ERROR|CRITICAL) [\w.]+: .*$"
)


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """Put the root and library loggers back as they were, so other tests see pytest's set-up."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    library = {name: logging.getLogger(name).level for name in LIBRARY_LOGGERS}
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)
    for name, lib_level in library.items():
        logging.getLogger(name).setLevel(lib_level)
    logging.captureWarnings(False)


@pytest.fixture
def output(restore_logging: None) -> io.StringIO:
    stream = io.StringIO()
    setup_logging("INFO", TOKEN, stream=stream)
    return stream


def lines(stream: io.StringIO) -> list[str]:
    return stream.getvalue().splitlines()


def test_a_line_has_utc_time_level_logger_and_message(restore_logging: None) -> None:
    handler = setup_logging("INFO", None, stream=io.StringIO())
    record = logging.LogRecord(
        "lowback.reminders", logging.INFO, __file__, 1, "sent %d reminders", (3,), None
    )
    record.created = timegm((2026, 11, 21, 10, 0, 0, 0, 0, 0))
    assert handler.format(record) == "2026-11-21T10:00:00Z INFO lowback.reminders: sent 3 reminders"


def test_the_token_is_redacted_in_the_message(output: io.StringIO) -> None:
    logging.getLogger("lowback.test").info(f"logging in with {TOKEN}")
    text = output.getvalue()
    assert TOKEN not in text and SECRET_PART not in text
    assert "logging in with [token]" in text


def test_the_token_is_redacted_in_the_arguments(output: io.StringIO) -> None:
    logging.getLogger("lowback.test").warning(
        "request headers: %s", {"Authorization": f"Bot {TOKEN}"}
    )
    text = output.getvalue()
    assert TOKEN not in text and SECRET_PART not in text
    assert "Bot [token]" in text


def test_the_token_is_redacted_in_an_exception_and_the_traceback_stays_on_one_line(
    output: io.StringIO,
) -> None:
    log = logging.getLogger("lowback.test")
    try:
        raise RuntimeError(f"login failed for {TOKEN}")
    except RuntimeError:
        log.exception("could not start")
    text = output.getvalue()
    assert TOKEN not in text and SECRET_PART not in text
    [line] = lines(output)
    assert LINE.match(line)
    assert "could not start\\nTraceback (most recent call last):" in line
    assert "RuntimeError: login failed for [token]" in line


def test_the_secret_part_of_the_token_alone_is_redacted(output: io.StringIO) -> None:
    logging.getLogger("lowback.test").info("signature %s", SECRET_PART)
    assert SECRET_PART not in output.getvalue()


def test_the_database_password_is_redacted_as_typed_and_percent_encoded(
    restore_logging: None,
) -> None:
    stream = io.StringIO()
    setup_logging("INFO", TOKEN, stream=stream, password="Qw7/Zk9+=")
    try:
        raise ConnectionError("login as lowback:Qw7%2FZk9%2B%3D refused")
    except ConnectionError:
        logging.getLogger("lowback.store").exception("password %s did not work", "Qw7/Zk9+=")
    [line] = lines(stream)
    assert "Qw7" not in line and "Zk9" not in line
    assert "password *** did not work" in line and "lowback:*** refused" in line


def test_a_short_database_password_does_not_blot_out_ordinary_words(
    restore_logging: None,
) -> None:
    stream = io.StringIO()
    setup_logging("INFO", None, stream=stream, password="bot")
    logging.getLogger("lowback.bot").info("the bot is ready")
    assert lines(stream)[0].endswith("INFO lowback.bot: the bot is ready")


def test_a_newline_in_a_message_cannot_forge_a_second_line(output: io.StringIO) -> None:
    logging.getLogger("lowback.ask").info(
        "question: %s", "hi\n2026-11-21T10:00:00Z ERROR lowback.fake: forged"
    )
    [line] = lines(output)
    assert line.endswith("question: hi\\n2026-11-21T10:00:00Z ERROR lowback.fake: forged")


def test_level_setting_filters_and_discord_is_quiet_below_warning(output: io.StringIO) -> None:
    logging.getLogger("lowback.test").debug("not shown at INFO")
    logging.getLogger("lowback.test").info("shown")
    logging.getLogger("discord.gateway").info("Shard ID None has connected to Gateway")
    logging.getLogger("discord.gateway").warning("Can't keep up, websocket is 12.0s behind")
    got = lines(output)
    assert [line.split(" ", 1)[1] for line in got] == [
        "INFO lowback.test: shown",
        "WARNING discord.gateway: Can't keep up, websocket is 12.0s behind",
    ]


def test_debug_shows_discord_debug_too(restore_logging: None) -> None:
    stream = io.StringIO()
    setup_logging("debug", TOKEN, stream=stream)
    logging.getLogger("discord.http").debug("GET /users/@me with Bot %s", TOKEN)
    assert lines(stream) and lines(stream)[0].endswith(
        "DEBUG discord.http: GET /users/@me with Bot [token]"
    )


def test_warning_level_hides_info(restore_logging: None) -> None:
    stream = io.StringIO()
    setup_logging("WARNING", None, stream=stream)
    logging.getLogger("lowback.test").info("hidden")
    logging.getLogger("lowback.test").error("shown")
    assert [line.split(" ", 1)[1] for line in lines(stream)] == ["ERROR lowback.test: shown"]


def test_an_unknown_level_is_refused_with_the_allowed_ones(restore_logging: None) -> None:
    with pytest.raises(
        ValueError, match="LOWBACK_LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL"
    ):
        setup_logging("LOUD", None, stream=io.StringIO())


def test_setting_up_twice_does_not_double_the_lines(restore_logging: None) -> None:
    first, second = io.StringIO(), io.StringIO()
    setup_logging("INFO", TOKEN, stream=first)
    setup_logging("INFO", TOKEN, stream=second)
    logging.getLogger("lowback.test").info("once")
    assert first.getvalue() == ""
    assert len(lines(second)) == 1


def test_starting_the_bot_logs_nothing_about_voice_libraries(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import discord

    from bot.app import create_bot
    from bot.settings import DEFAULT_KNOWLEDGE, Settings

    # As in a fresh process: discord.py warns once per process about voice support it can't offer.
    monkeypatch.setattr(discord.VoiceClient, "warn_nacl", True)
    monkeypatch.setattr(discord.VoiceClient, "warn_dave", True)
    caplog.set_level(logging.WARNING)
    create_bot(Settings(token=None, knowledge=DEFAULT_KNOWLEDGE))
    assert not [r for r in caplog.records if "voice" in r.getMessage().lower()]
