"""Every terminal test gets its own database and its own cache folder, never the user's."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def own_files(tmp_path, monkeypatch):
    monkeypatch.setenv("LOWBACK_DATABASE", str(tmp_path / "own.db"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    monkeypatch.delenv("LOWBACK_KNOWLEDGE", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
