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
from bot.core.knowledge.loading import build_knowledge, load_knowledge, read_knowledge_files
from bot.core.knowledge.model import KnowledgeBase
from bot.core.matching import Matcher
from bot.settings import Settings


def open_knowledge(settings: Settings) -> KnowledgeHolder:
    """The knowledge base from ``settings.knowledge`` and its matcher (raises KnowledgeError).

    The files are read every time; when they, and the code that builds from them, are what was
    last built, the result comes from the disk cache (:class:`bot.services.caches.BuiltCache`).
    Otherwise it is built, its YAML parsed through the cache of parsed documents, and stored."""
    from bot.core import mending
    from bot.services.caches import BuiltCache, WordCounts

    mending.read_words = WordCounts()  # (the menders' dictionary, read when a typo first needs it)
    texts, issues = read_knowledge_files(settings.knowledge)
    cache = BuiltCache()
    key = None if issues else cache.key(Path(settings.knowledge), texts)
    if key is not None and (built := cache.load(key)) is not None:
        return KnowledgeHolder(*built)
    kb = _build_from_texts(Path(settings.knowledge), texts, issues)
    holder = KnowledgeHolder(kb)
    if key is not None:
        cache.save(key, kb, holder.matcher)
    return holder


def _build_from_texts(
    directory: Path, texts: dict[str, str], issues: list[KBIssue]
) -> KnowledgeBase:
    from bot.core.semantic import default_embedder, default_topic_embedder
    from bot.services.caches import ExpressionCache, YamlCache, cache_root

    expressions = ExpressionCache()
    expressions.load()
    root = cache_root()
    for embedder in (default_embedder(), default_topic_embedder()):
        embedder.memo_dir = None if root is None else root / "vectors"
    kb = build_knowledge(texts, directory=directory, issues=issues, parse=YamlCache())
    expressions.save()
    return kb


class KnowledgeHolder:
    """The current knowledge base and its matcher."""

    def __init__(self, kb: KnowledgeBase, matcher: Matcher | None = None):
        self.kb = kb
        self.matcher = matcher if matcher is not None else Matcher(kb)
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
    matcher = Matcher(kb)
    kb.compile_expressions()
    return kb, matcher
