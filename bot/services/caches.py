"""Disk caches that let a terminal command start fast: the built knowledge base with its matcher,
the parsed YAML, the safety screen's known expressions, and the menders' word counts
(:class:`WordCounts`).

**The built knowledge base** (:class:`BuiltCache`) is what a command needs first: reading, parsing,
validating and cross-checking the files, then indexing and embedding every phrasing, takes a
hundred milliseconds or more; reading it back takes a few. Its key is a hash of everything the
result depends on: every knowledge file's name and exact text, the directory they were read from,
the text of every module of ``bot.core`` (the code that validates and builds), the size and
modification time of each bundled model file, and the Python and NumPy versions. Edit a file,
upgrade the package or change the code, and the key changes, so an entry can never be stale. Only
a knowledge base that passed validation is stored (a broken one raises, as it always did), so a
hit is exactly what building would have returned. The bundled embedding model and its companions
are not copied into the entry; they are referred to and read from the package as usual.

Entries are pickles, written atomically into the user's own cache directory (``~/.cache/lowback-bot``
on Linux), which is trusted as the user's installed packages are; one entry is kept. A cache that
cannot be read or written, or that a user with no home folder has nowhere to keep, is skipped
without a word, and the knowledge base is built as before.

**Parsed YAML** (:class:`YamlCache`), for when the knowledge base must be built:

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

import functools
import hashlib
import io
import marshal
import os
import pickle
import sys
import zlib
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from bot.core.validation import parse_yaml

if TYPE_CHECKING:
    from bot.core.knowledge.model import KnowledgeBase
    from bot.core.matching import Matcher


PYTHON = f"py{sys.version_info[0]}.{sys.version_info[1]}"


@functools.cache
def _yaml_format() -> str:
    import yaml

    libyaml = getattr(yaml, "__with_libyaml__", False)
    # 2: a file that repeats a key in a mapping is refused, so documents cached before are not
    # reused (such a file's entry would hide the repeat).
    return f"2|{PYTHON}|yaml{yaml.__version__}|{libyaml}"


def cache_root() -> Path | None:
    """The user's cache directory for lowback-bot (``$XDG_CACHE_HOME/lowback-bot`` on Linux), or
    None when this user has no home folder to keep one in (no HOME, no XDG_CACHE_HOME and no entry
    in the password database: ``env -i``, a container run with a user id its image does not
    list). Then every cache is skipped, as one that cannot be written is."""
    import platformdirs

    try:
        root = Path(platformdirs.user_cache_dir("lowback-bot", appauthor=False))
    except RuntimeError:  # platformdirs: "could not determine the home directory"
        return None
    return root if root.is_absolute() else None  # an older platformdirs leaves "~" as it is


def default_directory() -> Path | None:
    root = cache_root()
    return None if root is None else root / "yaml"


class YamlCache:
    """``cache(name, text)``: the YAML document for ``text``, from the cache when it has it."""

    def __init__(self, directory: Path | None = None):
        self.directory = directory if directory is not None else default_directory()
        self.hits = 0
        self.misses = 0

    def _entry(self, name: str, text: str) -> tuple[Path, str]:
        assert self.directory is not None
        digest = hashlib.blake2b(
            f"{_yaml_format()}\0{name}\0".encode() + text.encode("utf-8"), digest_size=20
        ).hexdigest()
        prefix = name.replace("/", "_").replace("\\", "_") + "."
        return self.directory / f"{prefix}{digest}.marshal", prefix

    def __call__(self, name: str, text: str) -> Any:
        if self.directory is None:  # no cache folder to be had: parse, as on a miss
            self.misses += 1
            return parse_yaml(name, text)
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
            path.parent.mkdir(parents=True, exist_ok=True)
            for old in path.parent.glob(f"{prefix}*.marshal"):
                if old != path:
                    old.unlink(missing_ok=True)
            _write_atomically(path, data)
        except OSError:
            pass


class ExpressionCache:
    """The safety screen's regular expressions already known to compile, with their gates
    (``bot.core.gate``), kept beside the YAML cache so that a command need not check a thousand
    expressions again. Keyed on the Python version, since that decides what compiles, and on the
    text of ``bot.core.gate``, since that decides the gates; an unreadable or unwritable cache is
    skipped without a word, like the YAML cache."""

    def __init__(self, directory: Path | None = None):
        from bot.core import gate

        base = directory if directory is not None else default_directory()
        digest = hashlib.blake2b(PYTHON.encode(), digest_size=8)
        try:
            digest.update(Path(gate.__file__).read_bytes())
        except OSError:
            pass
        self.path = None if base is None else base / f"expressions.{digest.hexdigest()}.marshal"

    def load(self) -> None:
        from bot.core.gate import remember_expressions

        if self.path is None:
            return
        try:
            known = marshal.loads(self.path.read_bytes())
        except (OSError, ValueError, EOFError, TypeError):
            return
        if isinstance(known, dict):
            remember_expressions(known)

    def save(self) -> None:
        from bot.core.gate import known_expressions

        known, added = known_expressions()
        if not added or self.path is None:
            return
        try:
            _write_atomically(self.path, marshal.dumps(known))
        except (OSError, ValueError):
            pass


class WordCounts:
    """``counts(data)``: the spell checker's word list (``bot.core.mending``'s dictionary, read the
    first time a message brings a word nobody here knows) from the bytes of its gzip'd JSON file, by
    way of a marshal copy that reads back in a third of the time, which a first question with a
    typo pays (``lowback ask``). Keyed on the file's checksum and the Python version; skipped
    without a word when it cannot be read or written."""

    def __init__(self, directory: Path | None = None):
        self.directory = directory if directory is not None else default_directory()

    def __call__(self, data: bytes) -> Any:
        from bot.core.mending import decoded_words

        if self.directory is None:
            return decoded_words(data)
        path = self.directory / f"words.{zlib.crc32(data):08x}.{PYTHON}.marshal"
        try:
            return marshal.loads(path.read_bytes())
        except (OSError, ValueError, EOFError, TypeError):
            pass
        words = decoded_words(data)
        try:
            _write_atomically(path, marshal.dumps(words))
        except (OSError, ValueError):
            pass
        return words


def _write_atomically(path: Path, data: bytes) -> None:
    """``data`` as the file ``path``, written whole or not at all (raises OSError)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


class BuiltCache:
    """The built knowledge base and its matcher, keyed on everything they are made from (see the
    module docstring). ``key(directory, texts)`` names an entry; ``load(key)`` returns the pair or
    None; ``save(key, kb, matcher)`` stores it."""

    def __init__(self, directory: Path | None = None):
        if directory is None and (root := cache_root()) is not None:
            directory = root / "built"
        self.directory = directory

    @staticmethod
    def key(directory: Path, texts: Mapping[str, str]) -> str:
        import numpy

        digest = hashlib.blake2b(digest_size=20)
        digest.update(f"1|{PYTHON}|numpy{numpy.__version__}|{directory.resolve()}".encode())
        for name in sorted(texts):
            digest.update(b"\0file\0" + name.encode() + b"\0" + texts[name].encode("utf-8"))
        digest.update(_code_fingerprint())
        return BuiltCache._family(directory) + digest.hexdigest()

    @staticmethod
    def _family(directory: Path) -> str:
        """Entries for one knowledge directory share a name prefix; only the newest is kept."""
        where = hashlib.blake2b(str(directory.resolve()).encode(), digest_size=6).hexdigest()
        return f"built.{where}."

    def _path(self, key: str) -> Path:
        assert self.directory is not None
        return self.directory / f"{key}.pickle"

    def load(self, key: str) -> tuple[KnowledgeBase, Matcher] | None:
        if self.directory is None:
            return None
        try:
            data = self._path(key).read_bytes()
            loaded = _Unpickler(io.BytesIO(data)).load()
        except Exception:  # unreadable, truncated or made by other code: build instead
            return None
        if not (isinstance(loaded, tuple) and len(loaded) == 2):
            return None
        kb, matcher = loaded
        return kb, matcher

    def save(self, key: str, kb: KnowledgeBase, matcher: Matcher) -> None:
        if self.directory is None:
            return
        buffer = io.BytesIO()
        try:
            _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump((kb, matcher))
        except Exception:  # something that cannot be pickled: build every time, as before
            return
        path = self._path(key)
        try:
            _write_atomically(path, buffer.getvalue())
            family = key[: key.rindex(".") + 1]
            for old in self.directory.glob(f"{family}*.pickle"):
                if old != path:
                    old.unlink(missing_ok=True)
        except OSError:
            pass


@functools.cache
def _code_fingerprint() -> bytes:
    """The text of every module of ``bot.core`` and the size and time of each bundled model file."""
    import bot.core

    core = Path(bot.core.__file__).parent
    digest = hashlib.blake2b(digest_size=20)
    for root in (core, core.parent / "models"):
        for path in sorted(root.rglob("*")):
            if "__pycache__" in path.parts or not path.is_file():
                continue
            digest.update(b"\0" + path.relative_to(root).as_posix().encode() + b"\0")
            if path.suffix == ".py":
                digest.update(path.read_bytes())
            else:
                stat = path.stat()
                digest.update(f"{stat.st_size}|{stat.st_mtime_ns}".encode())
    return digest.digest()


def _as_mapping_proxy(contents: dict[Any, Any]) -> MappingProxyType[Any, Any]:
    return MappingProxyType(contents)


def _bundled_models() -> dict[str, Any]:
    """The bundled models a matcher refers to, by name; an entry names them instead of copying."""
    from bot.core import safety_net, semantic

    return {
        "embedder": semantic.default_embedder(),
        "topic embedder": semantic.default_topic_embedder(),
        "heads": safety_net.default_heads(),
        "examples": semantic.default_examples(),
    }


class _Pickler(pickle.Pickler):
    def __init__(self, file: io.BytesIO, protocol: int):
        super().__init__(file, protocol=protocol)
        self._models = {id(model): name for name, model in _bundled_models().items() if model}

    def reducer_override(self, obj: Any) -> Any:
        if type(obj) is MappingProxyType:
            return _as_mapping_proxy, (dict(obj),)
        return NotImplemented

    def persistent_id(self, obj: Any) -> str | None:
        return self._models.get(id(obj))


class _Unpickler(pickle.Unpickler):
    def persistent_load(self, pid: Any) -> Any:
        return _bundled_models()[pid]
