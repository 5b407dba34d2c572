"""``lowback backup PATH``: a consistent copy of the database, safe while the bot runs."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import stat
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from bot.settings import PostgresURL
from bot.store.errors import (
    DatabaseReadOnly,
    NotADatabase,
    explain,
    folder_instead,
    read_only_place,
)
from bot.store.restored import stamp_copy


class BackupError(Exception):
    """The backup was not made; the message says why and what to do."""


async def backup(
    database_path: str | Path | PostgresURL,
    dest_path: str | Path,
    *,
    overwrite: bool = False,
    taken_at: datetime | None = None,
) -> Path:
    """Copy the database to ``dest_path`` with SQLite's online backup; safe while the bot runs.

    For PostgreSQL the copy is made by ``pg_dump`` (custom format; restore it with ``pg_restore``),
    see :func:`bot.ops.postgres.backup_postgres`.

    The copy is one consistent snapshot (taken in a single step, so writes from the running bot
    neither block it nor tear it), is a single self-contained file (rollback journal, not WAL), and
    passes ``PRAGMA integrity_check`` before it is put in place. It is written beside the
    destination and renamed, so a failed backup never leaves a half-written file. An existing
    destination is kept unless ``overwrite``. Returns the absolute path of the copy.

    The copy says when it was taken (``taken_at``, by default now): restored, it tells the bot
    which reminders the old database may have seen sent (:mod:`bot.store.restored`).
    """
    if isinstance(database_path, PostgresURL):
        from bot.ops.postgres import PostgresOpsError, backup_postgres

        try:
            return await asyncio.to_thread(
                backup_postgres, database_path, Path(dest_path), overwrite=overwrite
            )
        except PostgresOpsError as exc:
            raise BackupError(str(exc)) from exc
    taken = taken_at if taken_at is not None else datetime.now(UTC)
    return await asyncio.to_thread(_backup, Path(database_path), Path(dest_path), overwrite, taken)


# The files SQLite keeps beside a database while it is in use: a backup written over one of them
# would replace committed changes that live only there.
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


def check_target(dest: Path, overwrite: bool, *, database: Path | None = None) -> None:
    """Refuse a backup target that is not a plain new or existing file: a folder, a device, a
    pipe or socket (even with ``overwrite``), the database itself or one of its companion files
    (-wal, -shm, -journal), or an existing file without ``overwrite``."""
    if dest.is_dir():
        raise BackupError(
            f"{dest} is a folder; give the backup a file name, e.g. {dest / 'lowback-backup.db'}"
        )
    if database is not None:
        live = database.resolve()
        for own in (live, *(live.with_name(live.name + s) for s in SQLITE_COMPANIONS)):
            if dest.resolve() == own or (
                own.exists() and dest.exists() and os.path.samefile(dest, own)
            ):
                what = (
                    "the database itself" if own == live else f"the database's own {own.name} file"
                )
                raise BackupError(f"the backup would overwrite {what}; choose another file")
    if not dest.exists():
        return
    if not stat.S_ISREG(dest.stat().st_mode):
        raise BackupError(
            f"{dest} is not a regular file (a device, a pipe or a socket); choose a file to write the backup to"
        )
    if not overwrite:
        raise BackupError(
            f"{dest} already exists; choose another name, or use --force to overwrite it"
        )


def _backup(source: Path, dest: Path, overwrite: bool, taken_at: datetime) -> Path:
    if (folder := folder_instead(source)) is not None:
        raise folder
    if not source.is_file():
        raise BackupError(f"there is no database at {source} (check LOWBACK_DATABASE)")
    check_target(dest, overwrite, database=source)
    tmp = partial_file_beside(dest)
    try:
        _copy_database(source, tmp, taken_at)
        os.replace(tmp, dest)
        _fsync_folder(dest.parent)
    except BaseException:
        for leftover in (tmp, tmp.with_name(tmp.name + "-journal")):
            leftover.unlink(missing_ok=True)
        raise
    return dest.resolve()


def partial_file_beside(dest: Path) -> Path:
    """An empty temporary file next to ``dest`` (its folder created), to be renamed onto it when
    complete, so a failed backup never leaves a half-written file. BackupError if it can't be made."""
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".partial")
        os.close(fd)
    except (FileExistsError, NotADirectoryError) as exc:  # a file where a folder goes
        file = next(p for p in (dest.parent, *dest.parent.parents) if p.exists())
        raise BackupError(
            f"cannot write in {dest.parent}: {file} is a file, not a folder; give the backup a "
            "path in a folder"
        ) from exc
    except OSError as exc:
        raise BackupError(f"cannot write in {dest.parent}: {exc.strerror or exc}") from exc
    return Path(tmp_name)


def _copy_database(source: Path, target_path: Path, taken_at: datetime) -> None:
    # mode=rw: never create a database where there was none.
    uri = source.resolve().as_uri() + "?mode=rw"
    try:
        src = sqlite3.connect(uri, uri=True, timeout=30)
    except sqlite3.Error as exc:
        raise unreadable(exc, source) or BackupError(
            f"cannot open the database at {source}: {exc}"
        ) from exc
    try:
        dst = sqlite3.connect(target_path)
        try:
            # pages=-1: every page in one step under one read transaction, so the copy is a single
            # snapshot; in WAL mode the bot keeps writing meanwhile.
            src.backup(dst, pages=-1)
            dst.execute("PRAGMA journal_mode = DELETE")
            stamp_copy(dst, taken_at)
            verdict = [row[0] for row in dst.execute("PRAGMA integrity_check")]
            if verdict != ["ok"]:
                raise BackupError(
                    f"the copy failed its integrity check: {'; '.join(map(str, verdict[:3]))}"
                )
        finally:
            dst.close()
    except sqlite3.Error as exc:
        raise unreadable(exc, source) or no_room(exc, target_path) or BackupError(str(exc)) from exc
    finally:
        src.close()


def no_room(exc: sqlite3.Error, copy: Path) -> BackupError | None:
    """A copy that could not be written where it was going (a full disk, a file size limit or a
    quota, a failing disk), said with that place; None for any other fault. (Reading the database
    writes nothing.)"""
    code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
    if code == sqlite3.SQLITE_FULL or "disk is full" in str(exc):
        return BackupError(
            f"the copy does not fit in {copy.parent} ({exc}): free some space there, or write the "
            "backup somewhere else; nothing was left behind"
        )
    if code == sqlite3.SQLITE_IOERR:
        return BackupError(
            f"the copy could not be written in {copy.parent} ({exc}): check that disk, and that no "
            "file size limit (ulimit -f) or disk quota stops the file growing; nothing was left behind"
        )
    return None


def unreadable(exc: sqlite3.Error, source: Path) -> BackupError | None:
    """A database SQLite cannot read because it may not write beside it (a database in WAL mode
    needs its -wal and -shm files even to be read), said with which file or folder is read-only
    and what to do; or one that is another kind of file, named by mistake; None for any other fault."""
    found = explain(exc, source)
    if isinstance(found, NotADatabase):
        return BackupError(str(found))
    place = read_only_place(source, reading=True)
    if place is None or not isinstance(found, DatabaseReadOnly):
        return None
    return BackupError(
        f"cannot read the database at {source}: {place[0]}. Run the backup as the user the bot "
        f"runs as (or in its container), or stop the bot and copy {source} itself."
    )


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); harmless to skip where folders cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
