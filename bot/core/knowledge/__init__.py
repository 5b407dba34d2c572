"""The knowledge base: the typed model, and how ``knowledge/*.yaml`` is loaded and validated into it.

- :mod:`bot.core.knowledge.model`: the frozen objects (``KnowledgeBase``, ``Topic``, ``Safety``...).
- :mod:`bot.core.knowledge.loading`: ``load_knowledge`` and ``build_knowledge``, and the checks
  across files.
- :mod:`bot.core.knowledge.sections` and :mod:`bot.core.knowledge.red_flags`: one reader per file.
"""
