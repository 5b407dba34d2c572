"""Operating the bot on PostgreSQL: the doctor's database check, backups through ``pg_dump``, and
``lowback migrate-db``, which moves a SQLite database into an empty PostgreSQL one.

Nothing here prints a password: URLs are shown through :class:`PostgresURL`'s ``str``, and the
PostgreSQL tools get the password in their environment (``PGPASSWORD``), not on a command line
that ``ps`` would show.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from bot.settings import PostgresURL
from bot.store.db import Database, quote_identifier
from bot.store.errors import DatabaseError, DriverMissing, first_line
from bot.store.restored import TABLE as RESTORE_STAMP
from bot.store.schema import load_migrations

if TYPE_CHECKING:
    from bot.ops.doctor import Check
    from bot.store.pg import PgDatabase

POSTGRES_FIX = (
    "Check LOWBACK_DATABASE (postgresql://user:password@host:5432/dbname, with / ? # @ and % in the "
    "password percent-encoded, or the password in LOWBACK_DATABASE_PASSWORD), that the server is "
    "running and reachable from here, and that the user may connect to that database and create "
    "tables in it."
)


class PostgresOpsError(Exception):
    """A backup or a move to PostgreSQL that could not be done; the message says why, in one line."""


# -- talking to libpq tools ----------------------------------------------------------------------


def libpq_target(url: PostgresURL) -> tuple[str, dict[str, str], str | None]:
    """(a URI for pg_dump and friends, extra environment, the schema named by ``search_path``).

    The password (percent-decoded, from the user information or a ``password=`` parameter) moves to
    ``PGPASSWORD``; ``search_path`` (a server setting asyncpg accepts in the
    URL, libpq does not) is taken out and returned, so a dump can be limited to that schema.
    """
    parts = urlsplit(url.url)
    env: dict[str, str] = {}
    netloc = parts.netloc
    if parts.password is not None:
        env["PGPASSWORD"] = url.password or ""  # percent-decoded, as libpq would read it
        user = parts.username or ""
        netloc = f"{user}@{netloc.rsplit('@', 1)[1]}" if user else netloc.rsplit("@", 1)[1]
    query = parse_qsl(parts.query, keep_blank_values=True)
    schema = next((v for k, v in query if k == "search_path"), None)
    env.update((("PGPASSWORD", v) for k, v in query if k == "password"))
    kept = [(k, v) for k, v in query if k not in ("search_path", "password")]
    uri = urlunsplit(parts._replace(scheme="postgresql", netloc=netloc, query=urlencode(kept)))
    return uri, env, schema


# -- doctor --------------------------------------------------------------------------------------


async def check_postgres(url: PostgresURL) -> Check:
    """The doctor's database line for PostgreSQL: the connection, the server version, a write
    (rolled back) and the schema version."""
    from bot.ops.doctor import Check, schema_check

    name = "database"
    known = {m.version for m in load_migrations("postgresql")}
    try:
        from bot.store.pg import PgDatabase

        db = await PgDatabase.open(url, migrate=False, min_size=1, max_size=1)
    except DriverMissing as exc:
        return Check(name, False, f"{exc.finding}.", exc.fix)
    except DatabaseError as exc:
        return Check(name, False, str(exc), POSTGRES_FIX)
    try:
        version = await db.server_version()
        async with db.transaction() as conn:  # a real write, rolled back
            await conn.execute("CREATE TABLE lowback_doctor_probe (x INTEGER)")
            raise _RollBack()
    except _RollBack:
        pass
    except Exception as exc:  # asyncpg.PostgresError: no CREATE right, read-only replica...
        await db.close()
        first = first_line(exc)
        return Check(
            name, False, f"PostgreSQL at {url} cannot be written: {url.hide(first)}", POSTGRES_FIX
        )
    try:
        applied = await db.applied_versions()
    finally:
        await db.close()
    where = f"PostgreSQL {version} at {url}"
    fix = "Upgrade lowback-bot, or point LOWBACK_DATABASE at another database."
    return schema_check(applied, known, subject=where, verb="answers", newer=(where, fix))


class _RollBack(Exception):
    pass


# -- backup --------------------------------------------------------------------------------------


def backup_postgres(url: PostgresURL, dest: Path, *, overwrite: bool = False) -> Path:
    """``pg_dump`` the database (custom format, for ``pg_restore``) to ``dest``, via a temporary
    file renamed into place, and check the copy with ``pg_restore --list``. Returns its path."""
    pg_dump, pg_restore = shutil.which("pg_dump"), shutil.which("pg_restore")
    if pg_dump is None or pg_restore is None:
        raise PostgresOpsError(
            "backing up PostgreSQL needs pg_dump and pg_restore, which are not on the PATH; install PostgreSQL's "
            "client tools (Debian/Ubuntu: apt install postgresql-client, of the server's major version or newer)"
        )
    dest = Path(dest)
    if dest.is_dir():
        raise PostgresOpsError(
            f"{dest} is a folder; give the backup a file name, e.g. {dest / 'lowback.pgdump'}"
        )
    from bot.ops.backup import BackupError, check_target, partial_file_beside

    try:
        check_target(dest, overwrite)
    except BackupError as exc:
        raise PostgresOpsError(str(exc)) from exc

    tmp = partial_file_beside(dest)
    uri, env, schema = libpq_target(url)
    command = [pg_dump, "--format=custom", "--no-owner", f"--file={tmp}"]
    if schema:
        command.append(f"--schema={schema}")
    command.append(f"--dbname={uri}")
    try:
        _run(command, env, "pg_dump")
        _run([pg_restore, "--list", str(tmp)], env, "pg_restore --list (checking the copy)")
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return dest.resolve()


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    try:
        done = subprocess.run(
            command, env={**os.environ, **env}, capture_output=True, text=True, timeout=3600
        )
    except OSError as exc:
        raise PostgresOpsError(f"{what} could not start: {exc}") from exc
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        raise PostgresOpsError(
            f"{what} failed: {lines[-1] if lines else f'exit code {done.returncode}'}"
        )


# -- moving a SQLite database to PostgreSQL ------------------------------------------------------


@dataclass(frozen=True)
class TableCopy:
    table: str
    rows: int


async def migrate_sqlite_to_postgres(
    source: Path, target: PostgresURL, *, chunk: int = 5000
) -> list[TableCopy]:
    """Copy every table of the SQLite database at ``source`` into the empty PostgreSQL database at
    ``target``, then read both back and compare them row by row.

    The SQLite file is brought to the latest schema first (what the bot does at start) and read in
    one transaction, so the copy is one consistent snapshot; stop the bot before moving, or what it
    writes afterwards stays behind. The target must hold none of the bot's tables (or only empty
    ones); it gets the PostgreSQL migrations, the rows, and its id counters moved past the copied
    ids. Everything is written in one PostgreSQL transaction: a failure leaves the target as it was.
    """
    from bot.store.pg import PgDatabase

    if not Path(source).is_file():  # noqa: ASYNC240 (one stat of a local file)
        raise PostgresOpsError(
            f"there is no SQLite database at {source} (check LOWBACK_DATABASE or --database)"
        )
    src = await Database.open(source)
    try:
        dst = await PgDatabase.open(target, migrate=False, max_size=2)
    except BaseException:
        await src.close()
        raise
    try:
        await _require_empty(dst, target)
        tables = await _copy_order(src)
        copied: list[TableCopy] = []
        # SQLite's write lock gives one snapshot (nobody writes meanwhile); one PG transaction
        # creates the tables and fills them, so a move that fails or is stopped halfway leaves the
        # target as empty as it was, and can simply be run again.
        async with src.transaction(), dst.pool.acquire() as raw, raw.transaction():
            await _create_tables(raw, await src.schema_version())
            for table in tables:
                copied.append(await _copy_table(src, raw, table, chunk))
        return copied
    finally:
        await dst.close()
        await src.close()


async def _copy_table(src: Database, raw: Any, table: str, chunk: int) -> TableCopy:
    """Copy one table's rows into PostgreSQL (``raw``: an asyncpg connection in the transaction),
    move its id counter on, and check that every row reads back the same."""
    columns = await src.columns(table)
    key = await src.primary_key(table) or columns
    order = ", ".join(quote_identifier(c) for c in key)
    select = f"SELECT {', '.join(quote_identifier(c) for c in columns)} FROM {quote_identifier(table)} ORDER BY {order}"
    rows = [tuple(r) for r in await src.fetchall(select)]
    for start in range(0, len(rows), chunk):
        try:
            await raw.copy_records_to_table(
                table, records=rows[start : start + chunk], columns=columns
            )
        except Exception as exc:
            raise PostgresOpsError(
                f"table {table} could not be copied: {str(exc).splitlines()[0]}"
            ) from exc
    await _move_identity(raw, table, await src.issued_ids(table))
    back = [tuple(r) for r in await raw.fetch(select)]
    if back != rows:
        bad = next(
            (i for i, (a, b) in enumerate(zip(rows, back, strict=False)) if a != b),
            min(len(rows), len(back)),
        )
        raise PostgresOpsError(
            f"table {table}: row {bad + 1} reads back differently from PostgreSQL "
            f"({len(rows)} rows in SQLite, {len(back)} in PostgreSQL); nothing was kept"
        )
    return TableCopy(table, len(rows))


async def _create_tables(raw: Any, version: int) -> None:
    """Apply PostgreSQL's migrations on ``raw`` (an asyncpg connection in the copy's transaction),
    checking that they end where the SQLite file's did."""
    from bot.store.pg import apply_migration

    migrations = load_migrations("postgresql")
    for mig in migrations:
        await apply_migration(raw, mig)
    if max((m.version for m in migrations), default=0) != version:
        raise PostgresOpsError(
            "the two databases ended at different schema versions; upgrade lowback-bot and retry"
        )


async def _require_empty(dst: PgDatabase, target: PostgresURL) -> None:
    bot_tables: set[str] = set()
    for mig in load_migrations("postgresql"):
        bot_tables |= {w.split("(")[0].strip().strip('"') for w in _created_tables(mig.sql)}
    present = [t for t in await dst.tables() if t in bot_tables]
    for table in present:
        if await dst.fetchone(f"SELECT 1 FROM {quote_identifier(table)} LIMIT 1") is not None:
            raise PostgresOpsError(
                f"the PostgreSQL database at {target} already holds lowback-bot data (table {table}); "
                "migrate-db copies into an empty database only"
            )
    if present:
        raise PostgresOpsError(
            f"the PostgreSQL database at {target} already has lowback-bot's tables (empty); drop them or use a new "
            "database: migrate-db creates them itself"
        )


def _created_tables(sql: str) -> list[str]:
    import re

    return re.findall(
        r"CREATE TABLE\s+(?:IF NOT EXISTS\s+)?([A-Za-z_][A-Za-z0-9_]*)", sql, flags=re.I
    )


async def _copy_order(src: Database) -> list[str]:
    """Every table but the migration record (and a restored backup's stamp), each after the tables its foreign keys point at."""
    tables = [t for t in await src.tables() if t not in ("schema_migrations", RESTORE_STAMP)]
    parents = {t: {p for p in await src.parent_tables(t) if p in tables and p != t} for t in tables}
    ordered: list[str] = []
    while len(ordered) < len(tables):
        ready = [t for t in tables if t not in ordered and parents[t] <= set(ordered)]
        if (
            not ready
        ):  # a cycle: PostgreSQL checks at the end of each statement, so go in name order
            ready = [t for t in tables if t not in ordered]
        ordered.append(ready[0])
    return ordered


async def _move_identity(raw: Any, table: str, issued: int = 0) -> None:
    """Move an identity column's counter past the copied ids and past ``issued`` (the highest id
    SQLite ever gave out there), so the next insert gets an id never used before."""
    rows = await raw.fetch(
        "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass($1) AND attidentity <> '' AND NOT attisdropped",
        table,
    )
    for row in rows:
        column = row["attname"]
        await raw.execute(
            f"SELECT setval(pg_get_serial_sequence($1, $2), GREATEST(COALESCE((SELECT max({quote_identifier(column)}) "
            f"FROM {quote_identifier(table)}), 0), $3::bigint) + 1, false)",
            table,
            column,
            issued,
        )


def run_migrate_db(source: Path, target: PostgresURL) -> list[TableCopy]:
    return asyncio.run(migrate_sqlite_to_postgres(source, target))
