"""The two stores the store and service tests run against: SQLite (always) and PostgreSQL.

PostgreSQL runs when ``LOWBACK_TEST_POSTGRES`` holds a ``postgresql://`` URL of a server the tests
may use (``.ci/run`` starts a throw-away cluster and sets it). Each test gets its own empty schema
in the database ``lowback_tests`` on that server, dropped afterwards. Without the variable the
PostgreSQL cases are skipped with the reason below, so the suite still needs nothing but Python.
"""

from __future__ import annotations

import asyncio
import itertools
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit, urlunsplit

from bot.settings import PostgresURL

SERVER = os.environ.get("LOWBACK_TEST_POSTGRES", "").strip() or None
NO_SERVER = (
    "PostgreSQL case skipped: no test server (set LOWBACK_TEST_POSTGRES=postgresql://user@host:port/db; "
    ".ci/run starts a throw-away one)"
)
TEST_DATABASE = "lowback_tests"
BACKENDS = ("sqlite", "postgresql")

_counter = itertools.count(1)


def _with_database(url: str, name: str, query: str = "") -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name, query=query))


async def _admin(database: str | None = None):
    import asyncpg

    assert SERVER is not None
    url = SERVER if database is None else _with_database(SERVER, database)
    return await asyncpg.connect(url, timeout=10)


async def ensure_test_database() -> None:
    conn = await _admin()
    try:
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", TEST_DATABASE):
            try:
                await conn.execute(f'CREATE DATABASE "{TEST_DATABASE}"')
            except Exception:  # created meanwhile by a parallel run
                if not await conn.fetchval(
                    "SELECT 1 FROM pg_database WHERE datname = $1", TEST_DATABASE
                ):
                    raise
    finally:
        await conn.close()


@asynccontextmanager
async def fresh_postgres() -> AsyncIterator[PostgresURL]:
    """A URL whose ``search_path`` is a new empty schema, dropped when the block ends."""
    await ensure_test_database()
    schema = f"t{os.getpid()}_{next(_counter)}"
    conn = await _admin(TEST_DATABASE)
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE; CREATE SCHEMA "{schema}"')
    finally:
        await conn.close()
    try:
        yield PostgresURL(_with_database(SERVER, TEST_DATABASE, f"search_path={schema}"))
    finally:
        conn = await _admin(TEST_DATABASE)
        try:
            await asyncio.wait_for(
                conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'), timeout=30
            )
        finally:
            await conn.close()
