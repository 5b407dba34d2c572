"""Fixtures shared by the whole test suite.

``db`` and ``database_location`` run each test that uses them twice: against SQLite and against
PostgreSQL (see tests/support/backends.py; the PostgreSQL case is skipped, with the reason, when no test
server is configured). ``backend`` names the one in use.

``kb`` and ``matcher`` are the bundled knowledge base and a matcher over it, built once per run
(both are immutable).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.core.knowledge.loading import load_knowledge
from bot.core.knowledge.model import KnowledgeBase
from bot.core.matching import Matcher
from bot.settings import DEFAULT_KNOWLEDGE, PostgresURL
from bot.store.db import open_database
from tests.support.backends import BACKENDS, NO_SERVER, SERVER, fresh_postgres


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
