"""``lowback doctor``: checks that everything the bot needs to start and be usable is in place.

:func:`doctor` runs every check and :func:`format_checks` prints them; each check says what is
wrong and how to fix it. Nothing here prints or logs the token.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import discord

from bot.core.errors import KnowledgeError
from bot.core.knowledge.loading import load_knowledge
from bot.invite import client_id_from_token
from bot.settings import DEFAULT_KNOWLEDGE, PostgresURL, Settings, token_looks_valid
from bot.store.db import Database
from bot.store.errors import DatabaseDamaged, DatabaseError, DatabaseReadOnly, NotADatabase, explain
from bot.store.schema import load_migrations

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


@dataclass(frozen=True)
class Check:
    """One line of the doctor's report. ``ok`` is None when the check could not be made; a
    ``warning`` does not stop the bot (``ok`` is True) but comes with its fix."""

    name: str
    ok: bool | None
    message: str
    fix: str = ""
    warning: bool = False


async def doctor(
    settings: Settings, *, check_commands: bool = True, timeout: float = 10.0
) -> list[Check]:
    """Check everything the bot needs to start and be usable; never raises, never hangs.

    ``check_commands=False`` (``lowback doctor --offline``) skips the one check that talks to
    Discord; otherwise that check gives up after ``timeout`` seconds.
    """
    from bot.ops.names import check_setting_names
    from bot.ops.zones import check_stored_zones, check_timezones

    database = await check_database(settings.database)
    zones = check_timezones()
    if zones.ok and database.ok:
        zones = await check_stored_zones(settings.database, zones)
    checks = [
        check_token(settings.token),
        database,
        check_knowledge(settings.knowledge),
        zones,
        check_retention(settings.unanswered_retention_days),
    ]
    if (names := check_setting_names(settings.misspelt)) is not None:
        checks.append(names)
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
        mark = "warn" if c.warning else {True: " ok ", False: "FAIL", None: " ?? "}[c.ok]
        head, *rest = c.message.splitlines() or [""]
        lines.append(f"[{mark}] {c.name.ljust(width)}  {head}")
        indent = " " * (width + 9)
        lines.extend(indent + line for line in rest)
        if c.fix and (c.ok is not True or c.warning):
            lines.append(f"{indent}fix: {c.fix}")
    failed = sum(1 for c in checks if c.ok is False)
    warned = sum(1 for c in checks if c.warning)
    unknown = sum(1 for c in checks if c.ok is None)
    lines.append("")
    if failed:
        lines.append(f"{failed} problem{'s' if failed != 1 else ''} to fix.")
    if warned:
        lines.append(f"{warned} warning{'s' if warned != 1 else ''} to look at.")
    if not failed and not warned:
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
    if '"' in value or "'" in value:  # a token has none: they came from the line it was written on
        return _quoted_token(value)
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


def _quoted_token(value: str) -> Check:
    """What a quote in DISCORD_TOKEN means: one left open, or quotes kept as part of the value."""
    quote = next(q for q in value if q in "\"'")
    fix = "Remove the quotes: a token has none, and some tools (docker run --env-file) keep them."
    if value[0] != quote:
        said = f"has a quote ({quote}) in it"
    elif len(value) > 1 and value.endswith(quote):
        said = f"is in quotes ({quote}) that became part of it"
    else:
        said = f"starts with a quote ({quote}) that is not closed"
        fix = f"Close the quote at the end of the token, on the same line (DISCORD_TOKEN={quote}<token>{quote}), or remove it."
    return Check("token", False, f"DISCORD_TOKEN {said}.", fix)


DAMAGED_FIX = "Stop the bot and restore the latest backup (README: Backups)."
NOT_A_DATABASE_FIX = (
    "Stop the bot and restore the latest backup (README: Backups), or move the file aside so that "
    "the bot starts a new, empty database; if LOWBACK_DATABASE names the wrong file, point it at the "
    "right one."
)


async def check_database(path: Path | PostgresURL) -> Check:
    """Does the database open, take a write lock, pass a quick check and have a schema we know?

    A database that does not exist yet is fine if its folder can be created: the bot creates it.
    Nothing is kept: the write test creates a table and rolls back. For PostgreSQL see
    :func:`bot.ops.postgres.check_postgres` (connection, server version, write, schema version).
    """
    if isinstance(path, PostgresURL):
        from bot.ops.postgres import check_postgres

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
        return _no_database_yet(path)
    if (not_a_file := _not_a_file(path)) is not None:
        return not_a_file
    probed = await _probe_sqlite(path)
    if isinstance(probed, Check):
        return probed
    return schema_check(
        probed,
        known,
        subject=str(path),
        verb="opens",
        newer=(
            f"the database at {path}",
            "Upgrade lowback-bot, restore a backup made by this version, or point LOWBACK_DATABASE"
            " at another file.",
        ),
    )


def _not_a_file(path: Path) -> Check | None:
    """The failed check for a ``path`` that is there but is no file a database can be (a folder, a
    device such as /dev/null, a pipe); None for a regular file."""
    if path.is_file():
        return None
    if path.is_dir():
        finding, example = "a folder", path / "lowback.db"
    else:
        kind = "a pipe" if path.is_fifo() else "a socket" if path.is_socket() else "a device"
        finding, example = kind, Path("/var/lib/lowback/lowback.db")
    return Check(
        "database",
        False,
        f"{path} is {finding}, not a database file.",
        f"Point LOWBACK_DATABASE at a file, e.g. {example}.",
    )


def _no_database_yet(path: Path) -> Check:
    """Can the bot create the database at ``path``, which is not there? SQLite creates the file a
    link points at, and the bot makes the folder of the link, not the folder of its target."""
    name = "database"
    where = path
    if path.is_symlink():
        target = path.resolve()
        if not target.parent.is_dir():
            return Check(
                name,
                False,
                f"{path} is a link to {target}, and the folder {target.parent} is not there "
                "(a disk not mounted?).",
                f"Mount the disk that holds {target.parent} (or make that folder), or point "
                "LOWBACK_DATABASE at the database file itself.",
            )
        where = target
    problem = _unwritable_folder(where.parent)
    if problem:
        return Check(
            name, False, f"cannot create the database at {where}: {problem}.", DATABASE_FIX
        )
    return Check(name, True, f"no database yet at {where}; the bot creates it when it starts.")


async def _open_for_probe(path: Path) -> Database | Check:
    """The database at ``path``, opened without migrating; or the failed check saying why not."""
    name = "database"
    try:
        # The quick check comes after, with its own advice.
        return await Database.open(path, migrate=False, check=False)
    except NotADatabase as exc:  # another kind of file, named by mistake
        return Check(name, False, f"{exc.finding}.", exc.fix)
    except DatabaseDamaged as exc:  # too damaged to open
        said = _reason(exc.__cause__ or exc)
        return Check(
            name,
            False,
            f"{path} is not a SQLite database, or it is damaged ({said}).",
            NOT_A_DATABASE_FIX,
        )
    except (DatabaseError, sqlite3.Error, OSError) as exc:
        said = _reason(exc)  # a read-only database names the file or folder at fault itself
        if not isinstance(exc, DatabaseReadOnly):
            said = f"cannot open the database at {path}: {said}"
        return Check(name, False, said, DATABASE_FIX)


async def _probe_sqlite(path: Path) -> Check | list[int]:
    """Open the file, run the quick check and a real write (rolled back): the schema versions it
    records, or the failed check saying why it cannot be used."""
    name = "database"
    db = await _open_for_probe(path)
    if isinstance(db, Check):
        return db
    try:
        conn = db.conn
        async with conn.execute("PRAGMA quick_check") as cur:
            verdict = [row[0] for row in await cur.fetchall()]
        if verdict != ["ok"]:
            return Check(
                name,
                False,
                f"the database at {path} is damaged: {'; '.join(map(str, verdict[:3]))}",
                DAMAGED_FIX,
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
        return applied
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
                name, False, f"the database at {path} is damaged: {_reason(exc)}", DAMAGED_FIX
            )
        return Check(
            name, False, f"the database at {path} cannot be used: {_reason(exc)}", DATABASE_FIX
        )
    finally:
        await db.close()


def schema_check(
    applied: list[int], known: set[int], *, subject: str, verb: str, newer: tuple[str, str]
) -> Check:
    """The verdict on the schema versions a database records, against those this version knows.
    ``subject`` names the database and ``verb`` says it was reached ("opens", "answers");
    ``newer`` is how to name it and what to do when a newer version of the bot wrote it."""
    name = "database"
    latest = max(known, default=0)
    version = max(applied, default=0)
    if any(v not in known for v in applied):
        named, fix = newer
        return Check(
            name,
            False,
            f"{named} was written by a newer version of lowback-bot "
            f"(schema version {version}; this version knows up to {latest}).",
            fix,
        )
    if version < latest:
        return Check(
            name,
            True,
            f"{subject} {verb} and is writable; schema version {version} of {latest}: "
            "the bot applies the newer migrations when it starts.",
        )
    return Check(
        name, True, f"{subject} {verb}, is writable and is at the latest schema version ({latest})."
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


def check_retention(days: int) -> Check:
    """What LOWBACK_UNANSWERED_RETENTION_DAYS makes of the servers' unanswered questions."""
    if days == 0:
        return Check(
            "unanswered",
            True,
            "no unanswered questions are kept, even where a server turned the list on "
            "(LOWBACK_UNANSWERED_RETENTION_DAYS=0).",
        )
    return Check(
        "unanswered",
        True,
        f"servers that turn the list on keep unanswered questions for {days} day(s), then they are "
        "deleted (LOWBACK_UNANSWERED_RETENTION_DAYS).",
    )


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
    """Why a database could not be created in ``folder`` (created as needed), or None if it could.

    The nearest folder that exists is tried for real, with a folder made and removed at once:
    permissions alone do not tell (root may write anywhere, yet not under /proc; a file system
    may be mounted read-only), and the bot makes what is missing the same way when it starts."""
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        return f"{existing} is a file, not a folder"
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".lowback-doctor-", dir=existing))
    except OSError as exc:
        return f"nothing can be created in {existing} ({exc.strerror or exc})"
    return None


def _reason(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__
