"""One bot process per database and shards on a machine: a second ``lowback run`` is refused.

Two bots on one SQLite file (or two processes running the same shards of a PostgreSQL bot) would
both be connected to Discord, answer every question twice, and remove each other's heartbeat. The
running bot holds an exclusive ``flock`` on ``<database>.lock`` beside the SQLite file, whatever
its shards (SQLite serves one bot process), or on ``<state base>.lock`` in the state folder of a
PostgreSQL bot, named after the shards like the heartbeat (``Settings.state_base``), for as long
as it runs; the system lets go of it when the process ends however it ends (a crash, SIGKILL), so
nothing stale is ever left to clean up. The terminal (``lowback chat``, ``lowback routine``) takes
no lock: it is meant to run beside the bot. Processes on other machines are not seen here.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import IO

from bot.settings import PostgresURL, Settings

try:
    import fcntl
except ImportError:  # Windows: no flock; the bot runs without the guard
    fcntl = None  # type: ignore[assignment]


class AnotherBotRunning(Exception):
    """Another bot process holds the database's lock; the message says what to do."""


def lock_path(settings: Settings) -> Path | None:
    """The bot process's lock file (None for a database in memory)."""
    if str(settings.database) == ":memory:":
        return None
    if not isinstance(settings.database, PostgresURL):
        # One per file, whatever the shards: processes on one SQLite file share no claims on
        # reminders, no queue for IDENTIFY and no word of a reload (those live in PostgreSQL).
        base = settings.database
        return base.with_name(base.name + ".lock")
    base = settings.state_base
    return base.with_name(base.name + ".lock")


def already_running(settings: Settings, holder: str) -> str:
    """Why the bot is not starting, in one line that says what to do."""
    both = "so this one is not starting: two would both answer every question. Stop the other first"
    if not isinstance(settings.database, PostgresURL):
        running = f"another lowback bot (process {holder}) is already running on the database"
        if settings.shard_ids is not None:
            return (
                f"{running} {settings.database}, so this one is not starting: a SQLite file serves"
                " one bot process. Leave LOWBACK_SHARDS out to run every shard in one process, or"
                " move the data to PostgreSQL (lowback migrate-db) to split the shards."
            )
        return f"{running} {settings.database}, {both}, or give this one a LOWBACK_DATABASE of its own."
    return (
        f"another lowback bot (process {holder}) is already running shards {settings.shards_text()}"
        f" of the database {settings.database} from {settings.state_base.parent}, {both}, or give"
        " each process its own LOWBACK_SHARDS (another bot: its own LOWBACK_STATE_DIR)."
    )


class InstanceLock:
    """Held while the bot runs (``with InstanceLock.take(settings):``)."""

    def __init__(self, file: IO[str] | None):
        self._file = file

    @classmethod
    def take(cls, settings: Settings) -> InstanceLock:
        """Take the lock, or raise :class:`AnotherBotRunning` naming the process that has it."""
        return cls._take(lock_path(settings), lambda holder: already_running(settings, holder))

    @classmethod
    def for_moving(cls, settings: Settings) -> InstanceLock:
        """The bot's lock on its SQLite file, held while ``lowback migrate-db`` copies it: a bot
        running on it would go on writing there, and what it wrote after the copy would be left
        behind once the bots use PostgreSQL. AnotherBotRunning says to stop it first."""

        def refusal(holder: str) -> str:
            return (
                f"a lowback bot (process {holder}) is running on {settings.database}: stop it first"
                " (what it wrote after the copy would stay behind in the SQLite file), then run"
                " migrate-db again."
            )

        if isinstance(settings.database, PostgresURL) or not settings.database.is_file():
            return cls(None)  # nothing to move: migrate-db says so, and no lock file is left
        return cls._take(lock_path(settings), refusal)

    @classmethod
    def _take(cls, path: Path | None, refusal: Callable[[str], str]) -> InstanceLock:
        if path is None or fcntl is None:
            return cls(None)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            file = path.open("a+", encoding="utf-8")
        except OSError:
            return cls(None)  # a folder the bot may not write to: opening the database says why
        try:
            fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            file.seek(0)
            holder = file.read().strip() or "unknown"
            file.close()
            raise AnotherBotRunning(refusal(holder)) from None
        file.seek(0)
        file.truncate()
        file.write(f"{os.getpid()}\n")
        file.flush()
        return cls(file)

    def __enter__(self) -> InstanceLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def release(self) -> None:
        if self._file is not None:
            with contextlib.suppress(OSError):
                self._file.close()  # closing the file lets go of the lock
            self._file = None
