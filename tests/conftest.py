"""Fixtures shared by the whole test suite.

``db`` and ``database_location`` run each test that uses them twice: against SQLite and against
PostgreSQL (see tests/support/backends.py; the PostgreSQL case is skipped, with the reason, when no test
server is configured). ``backend`` names the one in use.

``kb`` and ``matcher`` are the bundled knowledge base and a matcher over it, built once per run
(both are immutable).

The run has a cache folder of its own (``XDG_CACHE_HOME``), so no test reads or writes the user's
caches; within the run, the built knowledge base is cached there as it is for a user, so the many
bots and terminal commands the tests start do not each build it again.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.core.knowledge.loading import load_knowledge
from bot.core.knowledge.model import KnowledgeBase
from bot.core.matching import Matcher
from bot.settings import DEFAULT_KNOWLEDGE, PostgresURL
from bot.store.db import open_database
from tests.support.backends import BACKENDS, NO_SERVER, SERVER, fresh_postgres


@pytest.fixture(scope="session", autouse=True)
def own_cache_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
        if os.environ.get("PYTEST_XDIST_WORKER"):
            # pytest-xdist gives its workers an 80x24 screen; the commands the tests start see
            # the terminal they are given, as they do in one process.
            patch.delenv("COLUMNS", raising=False)
            patch.delenv("LINES", raising=False)
        yield


@pytest.fixture(scope="session", autouse=True)
def own_working_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The run works in a folder of its own, not in the checkout: the .env file there holds the
    developer's own token and database (scripts/start asks for them there), which every command a
    test runs would otherwise read. A test that needs the checkout names it."""
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tmp_path_factory.mktemp("cwd"))
        yield


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return load_knowledge(DEFAULT_KNOWLEDGE)


@pytest.fixture(scope="session")
def matcher(kb: KnowledgeBase) -> Matcher:
    return Matcher(kb)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "postgresql" and SERVER is None:
        pytest.skip(NO_SERVER)
    return request.param


@pytest.fixture
async def database_location(backend: str, tmp_path: Path) -> AsyncIterator[Path | PostgresURL]:
    """Where a fresh, empty database is: a file in a temp dir, or a new PostgreSQL schema."""
    if backend == "sqlite":
        yield tmp_path / "test.db"
        return
    async with fresh_postgres() as url:
        yield url


@pytest.fixture
async def db(database_location: Path | PostgresURL):
    """A fully migrated database (SQLite or PostgreSQL), closed after the test."""
    database = await open_database(database_location)
    try:
        yield database
    finally:
        await database.close()
