"""Routine ends the database could not take before the process stopped, kept in a file until it can.

A routine finished (or stopped) while the database is away is written once it is back, for as
long as the process runs (``RoutineService._write_end``). A process stopped before then (a
restart during a PostgreSQL outage, an upgrade while another program holds SQLite's lock) writes
how each such session ended to a small JSON file beside its state (``Settings.state_base``), a new
file each time; the next process of the bot or the terminal to start on that folder records
them and removes the file. The person's routine then counts for their streak as if the database
had been there: nothing they were shown as done is lost.

An entry names the session by its id: ``RoutineSessionStore.end`` records it if the row is still
running or was marked interrupted (by the restart), and leaves it alone if it was deleted (the
person deleted their data meanwhile) or already ended.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot.store.errors import DatabaseError
from bot.store.routines import Status

if TYPE_CHECKING:
    from bot.services.routine_handles import RoutineHandle
    from bot.services.routines import RoutineService

log = logging.getLogger("bot.services.routines")


@dataclass(frozen=True)
class UnwrittenEnd:
    session_id: int
    user_id: int
    status: str  # finished or stopped
    ended_at: str  # ISO 8601, UTC
    rounds_added: int

    @property
    def ended(self) -> datetime:
        return datetime.fromisoformat(self.ended_at)


def unwritten_end(handle: RoutineHandle) -> UnwrittenEnd | None:
    """How ``handle``'s session ended, to keep: a recorded session that finished or stopped."""
    session = handle.session
    if not handle.recorded or not session.done or session.ended_at is None:
        return None
    return UnwrittenEnd(
        handle.session_id,
        handle.user_id,
        session.state,
        session.ended_at.isoformat(),
        session.rounds_added,
    )


def spool_file(base: Path) -> Path:
    """A new file for this process to keep its ends in, named after ``base`` (the heartbeat's
    base, beside the database). The process id alone would not do: processes in containers share
    one (1, or whatever the init gives), and a second process stopped during the same outage (a
    shard's, or the next run while the first one's file is not recorded yet) would replace the
    first one's file, and the routines kept in it would be lost."""
    return base.with_name(
        f"{base.name}.unwritten-routines.{os.getpid()}-{secrets.token_hex(6)}.json"
    )


def spool_files(base: Path) -> list[Path]:
    """Every process's file (one left by a process that stopped, or is running beside)."""
    return sorted(base.parent.glob(f"{base.name}.unwritten-routines.*.json"))


def keep(path: Path, ends: list[UnwrittenEnd]) -> bool:
    """Write ``ends`` to ``path`` (atomically); False, logged, if the folder cannot take it."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text(json.dumps([asdict(e) for e in ends]), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        log.error("could not keep %d routine end(s) for later in %s: %s", len(ends), path, exc)
        return False
    log.warning(
        "kept %d routine end(s) the database could not take in %s; the next start records them",
        len(ends),
        path,
    )
    return True


def read(path: Path) -> list[UnwrittenEnd]:
    """The entries of one file; none from a file that is unreadable or garbled (logged)."""
    try:
        return [UnwrittenEnd(**e) for e in json.loads(path.read_text(encoding="utf-8"))]
    except (OSError, ValueError, TypeError) as exc:
        log.error("could not read the routine ends kept in %s: %s", path, exc)
        return []


async def record_kept(service: RoutineService, base: Path) -> int:
    """Record the routine ends kept in the files named after ``base`` (any process's), and
    remove each file once all of its ends are recorded. Returns how many were recorded; a file
    whose ends the database cannot take yet stays for the next start."""
    recorded = 0
    for path in spool_files(base):
        try:
            for end in read(path):
                day = (
                    await service.day_of(end.user_id, end.ended)
                    if end.status == "finished"
                    else None
                )
                status: Status = "stopped" if end.status == "stopped" else "finished"
                if await service.sessions.end(
                    end.session_id, status, end.ended, end.rounds_added, local_day=day
                ):
                    recorded += 1
        except DatabaseError as exc:
            log.warning("the routine ends kept in %s are not recorded yet: %s", path, exc)
            continue
        path.unlink(missing_ok=True)
    if recorded:
        log.info("recorded %d routine end(s) an earlier run could not", recorded)
    return recorded
