"""A disk cache of parsed knowledge-base YAML, so that a terminal command starts fast.

Parsing the knowledge base's YAML is most of what reading it costs; validating the parsed
documents is cheap and runs on every load, cache or not. The cache knows nothing about the
schema: it maps a file's exact text to the document PyYAML made of it.

An entry's key is the file's name and a hash of its whole text (with the Python and PyYAML
versions), so an edited file has a new key and a cached document can never be stale; a file's
size and modification time would add nothing to that. Entries live in the user cache directory
(``~/.cache/lowback-bot/yaml`` on Linux), one file per YAML file, written atomically; an older
entry for the same name is removed when a new one is written. A cache that cannot be read or
written (a read-only container, a full disk) is skipped without a word: the files are parsed as
before.

Entries are stored with :mod:`marshal`, which keeps YAML's plain data exactly (dict keys stay
numbers, say) and reads a whole knowledge base in under a millisecond. A document holding
something else (a date) is simply not cached. The directory is the user's own, trusted as their
installed packages are.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import sys
from pathlib import Path
from typing import Any

import yaml

from bot.core.validation import parse_yaml

FORMAT = f"1|py{sys.version_info[0]}.{sys.version_info[1]}|yaml{yaml.__version__}|{getattr(yaml, '__with_libyaml__', False)}"


def default_directory() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("lowback-bot", appauthor=False)) / "yaml"


class YamlCache:
    """``cache(name, text)``: the YAML document for ``text``, from the cache when it has it."""

    def __init__(self, directory: Path | None = None):
        self.directory = directory if directory is not None else default_directory()
        self.hits = 0
        self.misses = 0

    def _entry(self, name: str, text: str) -> tuple[Path, str]:
        digest = hashlib.blake2b(
            f"{FORMAT}\0{name}\0".encode() + text.encode("utf-8"), digest_size=20
        ).hexdigest()
        prefix = name.replace("/", "_").replace("\\", "_") + "."
        return self.directory / f"{prefix}{digest}.marshal", prefix

    def __call__(self, name: str, text: str) -> Any:
        path, prefix = self._entry(name, text)
        try:
            doc = marshal.loads(path.read_bytes())
        except (OSError, ValueError, EOFError, TypeError):
            pass
        else:
            self.hits += 1
            return doc
        self.misses += 1
        doc = parse_yaml(
            name, text
        )  # a YAMLError goes to the caller, which reports it; nothing is cached
        self._store(path, prefix, doc)
        return doc

    def _store(self, path: Path, prefix: str, doc: Any) -> None:
        try:
            data = marshal.dumps(doc)
        except ValueError:  # something marshal cannot hold: parse this file every time
            return
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            for old in self.directory.glob(f"{prefix}*.marshal"):
                if old != path:
                    old.unlink(missing_ok=True)
            temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            temporary.write_bytes(data)
            os.replace(temporary, path)
        except OSError:
            pass


class ExpressionCache:
    """The safety screen's regular expressions already known to compile, with their gates
    (``bot.core.gate``), kept beside the YAML cache so that a command need not check a thousand
    expressions again. Keyed on the Python version, since that decides what compiles; an
    unreadable or unwritable cache is skipped without a word, like the YAML cache."""

    def __init__(self, directory: Path | None = None):
        base = directory if directory is not None else default_directory()
        self.path = (
            base
            / f"expressions.{hashlib.blake2b(FORMAT.encode(), digest_size=8).hexdigest()}.marshal"
        )

    def load(self) -> None:
        from bot.core.gate import remember_expressions

        try:
            known = marshal.loads(self.path.read_bytes())
        except (OSError, ValueError, EOFError, TypeError):
            return
        if isinstance(known, dict):
            remember_expressions(known)

    def save(self) -> None:
        from bot.core.gate import known_expressions

        known, added = known_expressions()
        if not added:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
            temporary.write_bytes(marshal.dumps(known))
            os.replace(temporary, self.path)
        except (OSError, ValueError):
            pass
