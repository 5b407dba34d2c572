"""Logging for the running bot: one line per event on standard output, the token never shown.

A line looks like::

    2026-11-21T10:00:00Z INFO lowback.reminders: sent 3 reminders

Times are UTC. A message that spans several lines (a traceback, or user text with a newline in it)
is written on one line with the line breaks shown as ``\\n``, so that journald, ``docker logs`` and
any log shipper keep each event whole and nobody can forge a log line by typing one.

The Discord token is replaced by ``[token]`` wherever it could appear: in the message, in its
arguments, in exception text and in stack information; so is the PostgreSQL password, by ``***``.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TextIO

from bot.settings import LOG_LEVELS, MIN_PASSWORD_TO_HIDE

LEVELS = LOG_LEVELS
REDACTED = "[token]"
PASSWORD_REDACTED = "***"

# discord.py is chatty at INFO (gateway connects, resumes); its warnings and errors still show.
LIBRARY_LOGGERS = ("discord", "aiohttp", "asyncio")


def secrets_of(token: str | None) -> list[str]:
    """The strings to hide for a token: the whole token and, for a bot token, its secret last part.

    The first part of a bot token is only the bot's id; the last part is what makes it a secret,
    so a truncated or re-joined token is still hidden. Longest first, so the whole token is
    replaced as one.
    """
    if not token or not token.strip():
        return []
    token = token.strip()
    found = {token}
    parts = token.split(".")
    if len(parts) == 3 and len(parts[2]) >= 20:
        found.add(parts[2])
    return sorted(found, key=len, reverse=True)


def redact_text(text: str, secrets: list[str], replacement: str = REDACTED) -> str:
    for secret in secrets:
        text = text.replace(secret, replacement)
    return text


def password_forms(password: str | None) -> list[str]:
    """The forms a database password may take in a log line: as it is and percent-encoded."""
    if not password or len(password) < MIN_PASSWORD_TO_HIDE:
        return []
    from urllib.parse import quote

    return sorted({password, quote(password, safe="")}, key=len, reverse=True)


class RedactTokenFilter(logging.Filter):
    """Replace the token (and the database password) in a record's message, arguments, exception
    and stack text.

    The record is rewritten in place (message formatted with its arguments, then redacted), so
    every handler after this filter sees only the redacted text.
    """

    def __init__(self, token: str | None, password: str | None = None):
        super().__init__()
        self.secrets = secrets_of(token)
        self.passwords = password_forms(password)
        self._exc_formatter = logging.Formatter()

    def _redact(self, text: str) -> str:
        return redact_text(
            redact_text(text, self.secrets), self.passwords, replacement=PASSWORD_REDACTED
        )

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets and not self.passwords:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: show what there is rather than drop the event
            message = f"{record.msg!r} {record.args!r}"
        record.msg = self._redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._exc_formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self._redact(record.stack_info)
        return True


class OneLineFormatter(logging.Formatter):
    """``<UTC time> <LEVEL> <logger>: <message>`` with line breaks escaped."""

    converter = staticmethod(time.gmtime)

    def __init__(self) -> None:
        super().__init__(
            fmt="%(asctime)s %(levelname)s %(name)s: %(message)s", datefmt="%Y-%m-%dT%H:%M:%SZ"
        )

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")


class _LowbackHandler(logging.StreamHandler[TextIO]):
    """Marks the handler this module installed, so a second call replaces it instead of doubling lines."""


# The database driver's own lines: asyncpg's pool logs each failed attempt to reconnect, with a
# traceback. The bot's log keeps them; the terminal commands say in one line what failed instead.
DRIVER_LOGGERS = ("asyncpg",)


@contextmanager
def quiet_driver_logs() -> Iterator[None]:
    """For the terminal front end: while the block runs, the database driver's log lines never
    reach the person's terminal (with no logging set up, Python would print them there)."""
    saved = []
    for name in DRIVER_LOGGERS:
        logger = logging.getLogger(name)
        handler = logging.NullHandler()
        saved.append((logger, handler, logger.propagate))
        logger.addHandler(handler)
        logger.propagate = False
    try:
        yield
    finally:
        for logger, handler, propagate in saved:
            logger.removeHandler(handler)
            logger.propagate = propagate


def parse_level(level: str) -> int:
    name = (level or "").strip().upper()
    if name not in LEVELS:
        raise ValueError(f"LOWBACK_LOG_LEVEL must be one of {', '.join(LEVELS)}, not {level!r}")
    level_number: int = logging.getLevelName(name)
    return level_number


def setup_logging(
    level: str, token: str | None, *, stream: TextIO | None = None, password: str | None = None
) -> logging.Handler:
    """Send every log record to standard output (or ``stream``), one line each, token (and the
    database ``password``) redacted.

    ``level`` is a level name (``LOWBACK_LOG_LEVEL``); an unknown name raises ``ValueError`` with
    the allowed ones. Library loggers (discord.py, aiohttp, asyncio) are held at WARNING unless the
    level is DEBUG. Calling this again replaces the handler it installed before.

    Run discord.py with ``bot.start(token)`` or ``bot.run(token, log_handler=None)`` so it does not
    add a handler of its own.
    """
    numeric = parse_level(level)
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _LowbackHandler)]:
        root.removeHandler(old)
        old.close()

    handler = _LowbackHandler(stream if stream is not None else sys.stdout)
    handler.setFormatter(OneLineFormatter())
    handler.addFilter(RedactTokenFilter(token, password))
    root.addHandler(handler)
    root.setLevel(numeric)

    library_level = logging.DEBUG if numeric <= logging.DEBUG else max(numeric, logging.WARNING)
    for name in LIBRARY_LOGGERS:
        logging.getLogger(name).setLevel(library_level)
    logging.captureWarnings(True)
    return handler


class RepeatedErrors:
    """Log an error once, then count its repeats instead of logging each.

    ``report(key, message)`` logs ``message`` the first time ``key`` is seen; repeats within
    ``every`` seconds are counted, and the next report after that (or :meth:`resolved`) says how
    many there were. A full disk therefore gives one line, then one line a few minutes, not one
    per person per second. ``clock`` is a monotonic clock in seconds.
    """

    def __init__(
        self,
        logger: logging.Logger,
        *,
        every: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.log = logger
        self.every = every
        self.clock = clock
        self._seen: dict[object, list[Any]] = {}  # key -> [first logged at, repeats since, message]

    def report(
        self,
        key: object,
        message: str,
        *,
        level: int = logging.ERROR,
        exc_info: BaseException | None = None,
    ) -> bool:
        """Log ``message`` unless ``key`` was logged less than ``every`` seconds ago; True if logged."""
        now = self.clock()
        entry = self._seen.get(key)
        if entry is not None and now - entry[0] < self.every:
            entry[1] += 1
            return False
        repeats = entry[1] if entry is not None else 0
        suffix = (
            f" (repeated {repeats} more time{'s' if repeats != 1 else ''} since it was last logged)"
            if repeats
            else ""
        )
        self.log.log(level, "%s%s", message, suffix, exc_info=exc_info)
        self._seen[key] = [now, 0, message]
        return True

    def resolved(self, key: object) -> None:
        """The trouble is over: say how often it repeated since last logged, and forget it."""
        entry = self._seen.pop(key, None)
        if entry is not None and entry[1]:
            self.log.info(
                "%s (repeated %d more time%s, now over)",
                entry[2],
                entry[1],
                "s" if entry[1] != 1 else "",
            )

    def resolve_all(self) -> None:
        for key in list(self._seen):
            self.resolved(key)
