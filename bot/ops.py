"""Running the bot for real: the set-up check, backups, the invite link and the heartbeat.

``lowback doctor`` calls :func:`doctor` and prints :func:`format_checks`; ``lowback backup PATH``
calls :func:`backup`; ``lowback invite-url`` prints :func:`invite_url`. The container's health check
is ``python -m bot.ops healthcheck``, which reads the heartbeat file the running bot keeps fresh
with :func:`heartbeat_loop`.

Nothing here prints or logs the token.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import sys
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import aiohttp
import discord

from bot.core.clock import Clock, Sleep, utcnow
from bot.core.errors import KnowledgeError
from bot.core.knowledge.loading import load_knowledge
from bot.invite import PERMISSIONS, SCOPES, client_id_from_token, invite_url, resolve_client_id  # noqa: F401
from bot.settings import DEFAULT_KNOWLEDGE, PostgresURL, Settings, SettingsError, token_looks_valid
from bot.store.db import Database, DatabaseDamaged, DatabaseError, explain, load_migrations

log = logging.getLogger("lowback.ops")


DATABASE_FIX = (
    "Make the database file and its folder writable by the user the bot runs as, or set LOWBACK_DATABASE "
    "to a file in such a folder (Docker: keep it under /data, the volume; systemd: "
    "/var/lib/lowback/lowback.db, the StateDirectory)."
)
TOKEN_FIX = (
    "Open https://discord.com/developers/applications, pick the application, go to Bot, press "
    '"Reset Token" and copy it; put it on one line as DISCORD_TOKEN=<token> in the .env file '
    "(systemd: /etc/lowback/lowback.env), with no spaces and no 'Bot ' in front."
)


# -- checks --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    """One line of the doctor's report. ``ok`` is None when the check could not be made."""

    name: str
    ok: bool | None
    message: str
    fix: str = ""


async def doctor(
    settings: Settings, *, check_commands: bool = True, timeout: float = 10.0
) -> list[Check]:
    """Check everything the bot needs to start and be usable; never raises, never hangs.

    ``check_commands=False`` (``lowback doctor --offline``) skips the one check that talks to
    Discord; otherwise that check gives up after ``timeout`` seconds.
    """
    checks = [
        check_token(settings.token),
        await check_database(settings.database),
        check_knowledge(settings.knowledge),
        check_timezones(),
    ]
    if check_commands:
        checks.append(await check_slash_commands(settings, timeout=timeout))
    else:
        checks.append(Check("slash commands", None, "not checked (offline)"))
    return checks


def doctor_exit_code(checks: Iterable[Check]) -> int:
    """1 if any check failed, else 0 (a check that could not be made is not a failure)."""
    return 1 if any(c.ok is False for c in checks) else 0


def format_checks(checks: Iterable[Check]) -> str:
    """The report as plain text: one line per check, the fix under each failure, a summary."""
    checks = list(checks)
    width = max((len(c.name) for c in checks), default=0)
    lines: list[str] = []
    for c in checks:
        mark = {True: " ok ", False: "FAIL", None: " ?? "}[c.ok]
        head, *rest = c.message.splitlines() or [""]
        lines.append(f"[{mark}] {c.name.ljust(width)}  {head}")
        indent = " " * (width + 9)
        lines.extend(indent + line for line in rest)
        if c.fix and c.ok is not True:
            lines.append(f"{indent}fix: {c.fix}")
    failed = sum(1 for c in checks if c.ok is False)
    unknown = sum(1 for c in checks if c.ok is None)
    lines.append("")
    if failed:
        lines.append(f"{failed} problem{'s' if failed != 1 else ''} to fix.")
    else:
        lines.append("Everything checked is in order.")
    if unknown:
        lines.append(f"{unknown} check{'s' if unknown != 1 else ''} could not be made.")
    return "\n".join(lines)


def check_token(token: str | None) -> Check:
    """Is DISCORD_TOKEN present and shaped like a bot token? The token itself is never shown."""
    name = "token"
    value = (token or "").strip()
    if not value:
        return Check(name, False, "DISCORD_TOKEN is not set.", TOKEN_FIX)
    if value.lower().startswith("bot "):
        return Check(
            name,
            False,
            "DISCORD_TOKEN starts with 'Bot '.",
            "Remove the 'Bot ' in front of the token.",
        )
    if value.isdigit():
        return Check(
            name,
            False,
            "DISCORD_TOKEN is a number: that is the application id, not the token.",
            TOKEN_FIX,
        )
    if not token_looks_valid(value):
        return Check(
            name,
            False,
            "DISCORD_TOKEN does not look like a bot token (three parts separated by dots, about 70 characters).",
            "A client secret or public key is not the token. " + TOKEN_FIX,
        )
    bot_id = client_id_from_token(value)
    which = f" (bot user id {bot_id})" if bot_id else ""
    return Check(name, True, f"DISCORD_TOKEN is set and well formed{which}.")


async def check_database(path: Path | PostgresURL) -> Check:
    """Does the database open, take a write lock, pass a quick check and have a schema we know?

    A database that does not exist yet is fine if its folder can be created: the bot creates it.
    Nothing is kept: the write test creates a table and rolls back. For PostgreSQL see
    :func:`bot.pg_ops.check_postgres` (connection, server version, write, schema version).
    """
    if isinstance(path, PostgresURL):
        from bot.pg_ops import check_postgres

        return await check_postgres(path)
    name = "database"
    if str(path) == ":memory:":
        return Check(
            name,
            False,
            "LOWBACK_DATABASE is :memory:, so everything is lost when the bot stops.",
            DATABASE_FIX,
        )
    try:
        known = {m.version for m in load_migrations()}
    except DatabaseError as exc:
        return Check(
            name,
            False,
            f"this installation's migrations are broken: {exc}",
            "Reinstall lowback-bot.",
        )
    if not path.exists():  # noqa: ASYNC240 (one stat of a local file)
        problem = _unwritable_folder(path.parent)
        if problem:
            return Check(
                name, False, f"cannot create the database at {path}: {problem}.", DATABASE_FIX
            )
        return Check(name, True, f"no database yet at {path}; the bot creates it when it starts.")
    if path.is_dir():  # noqa: ASYNC240 (one stat of a local file)
        return Check(
            name,
            False,
            f"{path} is a folder, not a database file.",
            f"Point LOWBACK_DATABASE at a file, e.g. {path / 'lowback.db'}.",
        )

    try:
        db = await Database.open(
            path, migrate=False, check=False
        )  # the quick check is below, with its own advice
    except (DatabaseError, sqlite3.Error, OSError) as exc:
        return Check(
            name, False, f"cannot open the database at {path}: {_reason(exc)}", DATABASE_FIX
        )
    try:
        conn = db.conn
        async with conn.execute("PRAGMA quick_check") as cur:
            verdict = [row[0] for row in await cur.fetchall()]
        if verdict != ["ok"]:
            return Check(
                name,
                False,
                f"the database at {path} is damaged: {'; '.join(map(str, verdict[:3]))}",
                "Stop the bot and restore the latest backup (README: Backups).",
            )
        # A real write, rolled back: BEGIN IMMEDIATE alone succeeds even on a read-only file.
        await conn.execute("BEGIN IMMEDIATE")
        try:
            await conn.execute("CREATE TABLE lowback_doctor_probe (x)")
        finally:
            await conn.execute("ROLLBACK")
        async with conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
        ) as cur:
            has_table = await cur.fetchone() is not None
        applied: list[int] = []
        if has_table:
            async with conn.execute(
                "SELECT version FROM schema_migrations ORDER BY version"
            ) as cur:
                applied = [int(row[0]) for row in await cur.fetchall()]
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            return Check(
                name, None, f"the database at {path} is busy; could not test writing. Try again."
            )
        return Check(
            name, False, f"the database at {path} cannot be written: {_reason(exc)}", DATABASE_FIX
        )
    except sqlite3.Error as exc:
        if isinstance(explain(exc, path), DatabaseDamaged):
            return Check(
                name,
                False,
                f"the database at {path} is damaged: {_reason(exc)}",
                "Stop the bot and restore the latest backup (README: Backups).",
            )
        return Check(
            name, False, f"the database at {path} cannot be used: {_reason(exc)}", DATABASE_FIX
        )
    finally:
        await db.close()

    latest = max(known, default=0)
    newer = [v for v in applied if v not in known]
    version = max(applied, default=0)
    if newer:
        return Check(
            name,
            False,
            f"the database at {path} was written by a newer version of lowback-bot "
            f"(schema version {version}; this version knows up to {latest}).",
            "Upgrade lowback-bot, restore a backup made by this version, or point LOWBACK_DATABASE at another file.",
        )
    if version < latest:
        return Check(
            name,
            True,
            f"{path} opens and is writable; schema version {version} of {latest}: "
            "the bot applies the newer migrations when it starts.",
        )
    return Check(
        name, True, f"{path} opens, is writable and is at the latest schema version ({latest})."
    )


def check_knowledge(path: Path) -> Check:
    name = "knowledge base"
    fix = "Fix the files named above and run `lowback kb check` until it passes."
    if Path(path).resolve() != DEFAULT_KNOWLEDGE.resolve():
        fix += (
            " To use the knowledge base that ships with the bot instead, unset LOWBACK_KNOWLEDGE "
            "(or drop --knowledge; Docker: remove the knowledge mount)."
        )
    try:
        kb = load_knowledge(path)
    except KnowledgeError as exc:
        shown = [f"- {issue}" for issue in exc.issues[:10]]
        if len(exc.issues) > 10:
            shown.append(f"- ... and {len(exc.issues) - 10} more")
        return Check(
            name, False, f"{len(exc.issues)} problem(s) in {path}:\n" + "\n".join(shown), fix
        )
    except Exception as exc:  # a bug in the loader must not stop the other checks
        return Check(name, False, f"could not load {path}: {type(exc).__name__}: {exc}", fix)
    return Check(name, True, f"{path}: {kb.summary()}")


# Zones and instants whose offsets every correct time-zone database agrees on: one north, one south,
# one that never changes, so both a missing and an empty or broken database are noticed.
_ZONE_PROBES = (
    ("America/New_York", datetime(2026, 1, 15, 12, tzinfo=UTC), timedelta(hours=-5)),
    ("Europe/Berlin", datetime(2026, 7, 15, 12, tzinfo=UTC), timedelta(hours=2)),
    ("Australia/Sydney", datetime(2026, 1, 15, 12, tzinfo=UTC), timedelta(hours=11)),
    (
        "Asia/Kolkata",
        datetime(2026, 7, 15, 12, tzinfo=UTC),
        timedelta(hours=5, minutes=30),
    ),
)


def check_timezones() -> Check:
    """Reminders are scheduled in each person's own zone, so the zone database must be there."""
    name = "time zones"
    fix = (
        "Install the tzdata Python package (`pip install tzdata`; it comes with lowback-bot, so a "
        "reinstall also works) or the operating system's tzdata package."
    )
    for zone_name, instant, expected in _ZONE_PROBES:
        try:
            offset = instant.astimezone(ZoneInfo(zone_name)).utcoffset()
        except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
            return Check(
                name,
                False,
                f"the time-zone database is not available ({zone_name}: {_reason(exc)}).",
                fix,
            )
        if offset != expected:
            return Check(
                name,
                False,
                f"the time-zone database gives {zone_name} the wrong offset ({offset}, expected {expected}).",
                fix,
            )
    return Check(name, True, "the time-zone database is available.")


async def check_slash_commands(settings: Settings, *, timeout: float = 10.0) -> Check:
    """Ask Discord which slash commands the application has (in LOWBACK_DEV_GUILD if set, else global).

    Read-only: logs in over HTTP (no gateway connection, so a running bot is not disturbed) and lists
    the commands. Any network trouble gives ``ok=None``; it gives up after ``timeout`` seconds.
    """
    name = "slash commands"
    token = (settings.token or "").strip()
    if not token or not token_looks_valid(token):
        return Check(name, None, "not checked: no well-formed token.")
    guild = settings.dev_guild
    scope = f"in server {guild} (LOWBACK_DEV_GUILD)" if guild else "globally"
    try:
        names = await asyncio.wait_for(_registered_commands(token, guild), timeout)
    except discord.LoginFailure:
        return Check(
            name, False, "Discord refused DISCORD_TOKEN: it was reset or revoked.", TOKEN_FIX
        )
    except discord.Forbidden:
        if guild:
            return Check(
                name,
                False,
                f"the bot cannot see server {guild} (LOWBACK_DEV_GUILD).",
                "Invite the bot to that server (`lowback invite-url`), or unset LOWBACK_DEV_GUILD.",
            )
        return Check(name, None, "could not check (Discord answered 403 Forbidden).")
    except discord.HTTPException as exc:
        return Check(name, None, f"could not check (Discord answered {exc.status}).")
    except TimeoutError:
        return Check(name, None, f"could not check (no network: no answer within {timeout:g} s).")
    except (aiohttp.ClientError, OSError):
        return Check(name, None, "could not check (no network).")
    if not names:
        return Check(
            name,
            False,
            f"no slash commands are registered {scope}.",
            "Start the bot: it registers its commands when it starts (look for 'Synced' or "
            "'Could not sync the slash commands' in its log). Delete the *.commands.json file beside "
            "the database to force it. Global commands can take a few minutes to appear in Discord.",
        )
    return Check(
        name, True, f"{len(names)} registered {scope}: " + ", ".join(f"/{n}" for n in names)
    )


async def _registered_commands(token: str, guild: int | None) -> list[str]:
    http = discord.http.HTTPClient(asyncio.get_running_loop())
    try:
        await http.static_login(token)
        app = await http.application_info()
        application_id = int(app["id"])
        if guild:
            commands = await http.get_guild_commands(application_id, guild)
        else:
            commands = await http.get_global_commands(application_id)
    finally:
        await http.close()
    return sorted(str(c["name"]) for c in commands)


def _unwritable_folder(folder: Path) -> str | None:
    """Why a database could not be created in ``folder`` (created as needed), or None if it could."""
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        return f"{existing} is a file, not a folder"
    if not os.access(existing, os.W_OK | os.X_OK):
        return f"{existing} is not writable by this user"
    return None


def _reason(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


# -- backup --------------------------------------------------------------------------------------


class BackupError(Exception):
    """The backup was not made; the message says why and what to do."""


async def backup(
    database_path: str | Path | PostgresURL, dest_path: str | Path, *, overwrite: bool = False
) -> Path:
    """Copy the database to ``dest_path`` with SQLite's online backup; safe while the bot runs.

    For PostgreSQL the copy is made by ``pg_dump`` (custom format; restore it with ``pg_restore``),
    see :func:`bot.pg_ops.backup_postgres`.

    The copy is one consistent snapshot (taken in a single step, so writes from the running bot
    neither block it nor tear it), is a single self-contained file (rollback journal, not WAL), and
    passes ``PRAGMA integrity_check`` before it is put in place. It is written beside the
    destination and renamed, so a failed backup never leaves a half-written file. An existing
    destination is kept unless ``overwrite``. Returns the absolute path of the copy.
    """
    if isinstance(database_path, PostgresURL):
        from bot.pg_ops import PostgresOpsError, backup_postgres

        try:
            return await asyncio.to_thread(
                backup_postgres, database_path, Path(dest_path), overwrite=overwrite
            )
        except PostgresOpsError as exc:
            raise BackupError(str(exc)) from exc
    return await asyncio.to_thread(_backup, Path(database_path), Path(dest_path), overwrite)


def _backup(source: Path, dest: Path, overwrite: bool) -> Path:
    if not source.is_file():
        raise BackupError(f"there is no database at {source} (check LOWBACK_DATABASE)")
    if dest.is_dir():
        raise BackupError(
            f"{dest} is a folder; give the backup a file name, e.g. {dest / 'lowback-backup.db'}"
        )
    if dest.exists():
        if dest.resolve() == source.resolve():
            raise BackupError("the backup would overwrite the database itself; choose another file")
        if not overwrite:
            raise BackupError(
                f"{dest} already exists; choose another name, or use --force to overwrite it"
            )
    tmp = partial_file_beside(dest)
    try:
        _copy_database(source, tmp)
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
    except OSError as exc:
        raise BackupError(f"cannot write in {dest.parent}: {exc.strerror or exc}") from exc
    return Path(tmp_name)


def _copy_database(source: Path, target_path: Path) -> None:
    # mode=rw: never create a database where there was none.
    uri = source.resolve().as_uri() + "?mode=rw"
    try:
        src = sqlite3.connect(uri, uri=True, timeout=30)
    except sqlite3.Error as exc:
        raise BackupError(f"cannot open the database at {source}: {exc}") from exc
    try:
        dst = sqlite3.connect(target_path)
        try:
            # pages=-1: every page in one step under one read transaction, so the copy is a single
            # snapshot; in WAL mode the bot keeps writing meanwhile.
            src.backup(dst, pages=-1)
            dst.execute("PRAGMA journal_mode = DELETE")
            verdict = [row[0] for row in dst.execute("PRAGMA integrity_check")]
            if verdict != ["ok"]:
                raise BackupError(
                    f"the copy failed its integrity check: {'; '.join(map(str, verdict[:3]))}"
                )
        finally:
            dst.close()
    except sqlite3.Error as exc:
        raise BackupError(f"the backup failed: {exc}") from exc
    finally:
        src.close()


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


# -- invite link ---------------------------------------------------------------------------------

# The invite link lives in bot.invite (no discord import, so `lowback invite-url` is quick).
BOT_PERMISSIONS = discord.Permissions(**dict.fromkeys(PERMISSIONS, True))


# -- heartbeat -----------------------------------------------------------------------------------

HEARTBEAT_INTERVAL = 30.0  # seconds between touches while the bot is connected
HEARTBEAT_MAX_AGE = 120.0  # older than this and the container is reported unhealthy


def heartbeat_path(database: Path) -> Path:
    """The heartbeat file lives beside the database, on the same volume / StateDirectory."""
    return database.with_name(database.name + ".heartbeat")


def touch_heartbeat(path: Path, now: datetime) -> None:
    """Record ``now`` (aware) in the heartbeat file, atomically."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(now.astimezone(UTC).isoformat() + "\n", encoding="utf-8")
    os.replace(tmp, path)


def heartbeat_age(path: Path, now: datetime) -> float | None:
    """Seconds since the last heartbeat, or None if there is none (missing, unreadable, garbled)."""
    try:
        stamp = datetime.fromisoformat(path.read_text(encoding="utf-8").strip())
    except (OSError, ValueError):
        return None
    if stamp.tzinfo is None:
        return None
    return max(0.0, (now - stamp).total_seconds())


async def heartbeat_loop(
    path: Path,
    *,
    alive: Callable[[], bool],
    clock: Clock,
    sleep: Sleep,
    interval: float = HEARTBEAT_INTERVAL,
) -> None:
    """Touch the heartbeat every ``interval`` seconds while ``alive()``; runs until cancelled.

    Start it as a task once the bot is set up, e.g. with
    ``alive=lambda: bot.is_ready() and not bot.is_closed()``, ``clock=bot.clock``, ``sleep=bot.sleep``,
    and cancel it in ``close()``. A frozen event loop or a bot that never got ready stops the touches,
    and the health check notices.
    """
    failing = False
    while True:
        if alive():
            try:
                touch_heartbeat(path, clock())
            except OSError as exc:
                if not failing:
                    log.warning("Cannot write the heartbeat file %s: %s", path, exc)
                failing = True
            else:
                failing = False
        await sleep(interval)


def check_heartbeat(path: Path, now: datetime, *, max_age: float = HEARTBEAT_MAX_AGE) -> Check:
    age = heartbeat_age(path, now)
    if age is None:
        return Check(
            "heartbeat",
            False,
            f"no heartbeat at {path}: the bot is not running or never got ready.",
        )
    if age > max_age:
        return Check(
            "heartbeat",
            False,
            f"last heartbeat {age:.0f} s ago (more than {max_age:g} s): the bot is stuck.",
        )
    return Check("heartbeat", True, f"last heartbeat {age:.0f} s ago.")


def healthcheck_main(
    argv: list[str] | None = None,
    *,
    environ: dict[str, str] | None = None,
    clock: Clock | None = None,
) -> int:
    """``python -m bot.ops healthcheck``: exit 0 if the heartbeat is fresh, 1 if not (Docker HEALTHCHECK)."""
    args = sys.argv[1:] if argv is None else argv
    if args != ["healthcheck"]:
        print("usage: python -m bot.ops healthcheck", file=sys.stderr)
        return 2
    try:
        settings = Settings.from_env(environ)
    except SettingsError as exc:
        print(f"unhealthy: configuration problem: {exc}")
        return 1
    now = (clock or utcnow)()
    result = check_heartbeat(heartbeat_path(settings.state_base), now)
    print(("healthy: " if result.ok else "unhealthy: ") + result.message)
    return 0 if result.ok else 1


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(healthcheck_main())
