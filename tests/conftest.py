"""Fixtures shared by the whole test suite."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.store.db import Database


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    """A fully migrated database in a fresh file, closed after the test."""
    database = await Database.open(tmp_path / "test.db")
    try:
        yield database
    finally:
        await database.close()
