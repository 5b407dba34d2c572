"""The knowledge base as the services hold it: loaded once, and reloaded as a whole.

Every service reads the knowledge base through one :class:`KnowledgeHolder`, so a reload swaps it
for all of them at once, and a failed reload keeps the old one. A service that keeps something
drawn from it (the routine service's book) subscribes to hear of a reload.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from bot.core.errors import KBIssue, KnowledgeError
from bot.core.knowledge.loading import load_knowledge
from bot.core.knowledge.model import KnowledgeBase
from bot.core.matching import Matcher
from bot.settings import Settings


def load_kb(settings: Settings) -> KnowledgeBase:
    """The knowledge base from ``settings.knowledge`` (raises KnowledgeError), its YAML parsed
    through the cache of parsed documents (:mod:`bot.services.yaml_cache`); validated every time."""
    from bot.core.semantic import default_embedder
    from bot.services.yaml_cache import ExpressionCache, YamlCache, default_directory

    expressions = ExpressionCache()
    expressions.load()
    default_embedder().memo_dir = default_directory().parent / "vectors"
    kb = load_knowledge(settings.knowledge, parse=YamlCache())
    expressions.save()
    return kb


def open_knowledge(settings: Settings) -> KnowledgeHolder:
    """The knowledge base and its matcher, without a database (``lowback kb check``, ``lowback eval``)."""
    return KnowledgeHolder(load_kb(settings))


class KnowledgeHolder:
    """The current knowledge base and its matcher."""

    def __init__(self, kb: KnowledgeBase):
        self.kb = kb
        self.matcher = Matcher(kb)
        self._subscribers: list[Callable[[KnowledgeBase], None]] = []

    def subscribe(self, callback: Callable[[KnowledgeBase], None]) -> None:
        """Call ``callback`` with the new knowledge base after every successful reload."""
        self._subscribers.append(callback)

    async def reload(self, directory: Path) -> list[KBIssue]:
        """Load again from ``directory``; on any problem keep the current one and return the problems.

        Reading, parsing, validating and building the matcher run in a worker thread, so the bot
        keeps answering everyone else meanwhile; the new knowledge base replaces the old one at
        once, when it is complete.
        """
        try:
            kb, matcher = await asyncio.to_thread(_build, directory)
        except KnowledgeError as exc:
            return exc.issues
        self.kb = kb
        self.matcher = matcher
        for callback in self._subscribers:
            callback(kb)
        return []


def _build(directory: Path) -> tuple[KnowledgeBase, Matcher]:
    kb = load_knowledge(directory)
    return kb, Matcher(kb)
