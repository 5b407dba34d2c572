"""A copy of the bundled knowledge base to break (``tests.support.knowledge_files.edit`` edits it)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.settings import DEFAULT_KNOWLEDGE


@pytest.fixture
def kb_copy(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(DEFAULT_KNOWLEDGE, target)
    return target
