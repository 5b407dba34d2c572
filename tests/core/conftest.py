"""The bundled knowledge base and a matcher over it, built once for the core tests."""

from __future__ import annotations

import pytest

from bot.core.knowledge.loading import load_knowledge
from bot.core.matching import Matcher
from bot.settings import DEFAULT_KNOWLEDGE


@pytest.fixture(scope="session")
def kb():
    return load_knowledge(DEFAULT_KNOWLEDGE)


@pytest.fixture(scope="session")
def matcher(kb):
    return Matcher(kb)
