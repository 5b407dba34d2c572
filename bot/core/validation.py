"""The one checker every YAML reader uses: the knowledge base, the routines, the time zone aliases.

A reader parses a file with :func:`read_yaml` (a broken file becomes one issue naming its line and
column) and walks the document with a :class:`Checker`, which collects every problem as a
:class:`~bot.core.errors.KBIssue` naming the file, the item id and the field, and never raises.
The caller decides what a problem costs: ``load_knowledge`` refuses the whole knowledge base.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

from bot.core.errors import KBIssue

ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
"""An id: lowercase words joined by dashes ("booty-flex")."""

STEPS = (1, 2, 3, 4)
"""The steps of the progression."""

ParseYaml = Callable[[str, str], Any]
"""``parse(file name, text)``: the YAML document, raising ``yaml.YAMLError``; e.g. a cache of parsed documents."""


class RepeatedKeys(Exception):
    """A YAML file gives the same key twice in one mapping: ``repeated`` holds each repeat's key
    and line (counted from 1). Plain YAML loading keeps the last and says nothing."""

    def __init__(self, repeated: list[tuple[Any, int]]):
        self.repeated = repeated
        super().__init__(", ".join(f"{key!r} again at line {line}" for key, line in repeated))


@functools.cache
def _unique_key_loader() -> Any:
    """``yaml.safe_load``'s loader (libyaml's C parser where PyYAML was built with it, about ten
    times faster, else the pure-Python one) that also notes every key a mapping repeats."""
    import yaml

    base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class UniqueKeyLoader(base):  # type: ignore[misc]
        def __init__(self, stream: str) -> None:
            super().__init__(stream)
            self.repeated: list[tuple[Any, int]] = []

        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            seen: set[Any] = set()
            for key_node, _value in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":  # "<<: *defaults" may override
                    continue
                key = self.construct_object(key_node, deep=True)  # kept: built once either way
                try:
                    if key in seen:
                        self.repeated.append((key, key_node.start_mark.line + 1))
                    seen.add(key)
                except TypeError:  # an unhashable key, which the loader refuses itself
                    pass
            return super().construct_mapping(node, deep)

    return UniqueKeyLoader


def parse_yaml(name: str, text: str) -> Any:
    """What ``yaml.safe_load`` makes of ``text``, except that a key repeated in one mapping raises
    :class:`RepeatedKeys` instead of the last one silently winning. PyYAML is imported here, not
    with this module, so a start that finds the knowledge base already built never loads it."""
    loader = _unique_key_loader()(text)
    try:
        doc = loader.get_single_data()
    finally:
        loader.dispose()
    if loader.repeated:
        raise RepeatedKeys(loader.repeated)
    return doc


def read_yaml(name: str, text: str, issues: list[KBIssue], parse: ParseYaml = parse_yaml) -> Any:
    """The document in ``text``, or None after adding an issue that names where the YAML breaks
    (one for each key given twice in a mapping)."""
    import yaml

    try:
        return parse(name, text)
    except RepeatedKeys as exc:
        for key, line in exc.repeated:
            issues.append(
                KBIssue(
                    name,
                    None,
                    None,
                    f"line {line}: {key!r} is given again in the same mapping, which would "
                    "silently replace the earlier one; keep one",
                )
            )
        return None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        issues.append(KBIssue(name, None, None, f"not valid YAML{where}: {problem}"))
        return None


def open_mapping(
    entry: tuple[str, Any] | None, issues: list[KBIssue]
) -> tuple[Checker, dict[Any, Any]] | None:
    """For ``(file name, document)``: a checker for the file and its top-level mapping, or None
    when there is no file (already reported) or it does not hold a mapping (reported here)."""
    if entry is None:
        return None
    name, doc = entry
    c = Checker(name, issues)
    if doc is None:  # nothing but comments and blank lines, if anything
        c.add(None, None, "the file is empty")
        return None
    data = c.mapping(doc, None, None)
    return None if data is None else (c, data)


def type_name(value: Any) -> str:
    """How a problem names the type of a value it did not expect ("a list", "true/false")."""
    if value is None:
        return "nothing"
    if isinstance(value, str) and not value.strip():
        return "empty text" if not value else "only spaces"
    return {
        dict: "a mapping",
        list: "a list",
        str: "text",
        bool: "true/false",
        int: "a number",
        float: "a number",
    }.get(type(value), type(value).__name__)


def is_int(value: object) -> bool:
    """A whole number, and not true/false (which Python counts as one)."""
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: object) -> bool:
    """A number, and not true/false."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class Checker:
    """Collects the problems found while reading one file; every method records and goes on."""

    def __init__(self, file: str, issues: list[KBIssue] | None = None):
        self.file = file
        self.issues: list[KBIssue] = [] if issues is None else issues

    def add(self, topic: str | None, fld: str | None, message: str) -> None:
        self.issues.append(KBIssue(self.file, topic, fld, message))

    def mapping(self, value: Any, topic: str | None, fld: str | None) -> dict[Any, Any] | None:
        """``value`` if it is a mapping, else None after saying what it is instead."""
        if not isinstance(value, dict):
            self.add(topic, fld, f"expected a mapping, got {type_name(value)}")
            return None
        return value

    def unknown_keys(
        self, item: dict[Any, Any], allowed: set[str], topic: str | None, where: str = ""
    ) -> None:
        """Every key of ``item`` not in ``allowed``, named ``where.key``."""
        prefix = f"{where}." if where else ""
        for key in item:
            if key not in allowed:
                self.add(
                    topic, f"{prefix}{key}", f"unknown key (allowed: {', '.join(sorted(allowed))})"
                )

    def keys(
        self, item: dict[Any, Any], allowed: set[str], required: set[str], topic: str | None
    ) -> None:
        """Unknown keys, and every required key that is missing."""
        self.unknown_keys(item, allowed, topic)
        for key in sorted(required - set(item)):
            self.add(topic, key, "missing required field")

    def text(self, item: dict[Any, Any], key: str, topic: str | None, *, limit: int) -> str | None:
        """``item[key]`` as stripped non-empty text of at most ``limit`` characters, or None.

        A missing key is not reported here (:meth:`keys` reports required ones)."""
        value = item.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            self.add(topic, key, f"expected non-empty text, got {type_name(value)}")
            return None
        value = value.strip()
        if len(value) > limit:
            self.add(topic, key, f"is {len(value)} characters; the limit is {limit}")
        return value

    def text_list(
        self, item: dict[Any, Any], key: str, topic: str | None, *, limit: int, min_items: int = 0
    ) -> tuple[str, ...]:
        """``item[key]`` as texts (one text counts as a list of one); numbers are read as text."""
        value = item.get(key)
        if value is None:
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            self.add(topic, key, f"expected a list of texts, got {type_name(value)}")
            return ()
        out = []
        for i, entry in enumerate(value):
            if isinstance(entry, bool):
                self.add(
                    topic,
                    f"{key}[{i}]",
                    "expected text, got true/false (YAML reads bare yes/no/on/off "
                    "as true/false: put the word in quotes)",
                )
                continue
            if not isinstance(entry, (str, int, float)) or not str(entry).strip():
                self.add(topic, f"{key}[{i}]", f"expected non-empty text, got {type_name(entry)}")
                continue
            entry = str(entry).strip()
            if len(entry) > limit:
                self.add(topic, f"{key}[{i}]", f"is {len(entry)} characters; the limit is {limit}")
            out.append(entry)
        if len(out) < min_items:
            self.add(topic, key, f"has {len(out)} entries; at least {min_items} are needed")
        return tuple(out)

    def line(self, value: object, topic: str | None, where: str, limit: int) -> str | None:
        """``value`` as one stripped line of at most ``limit`` characters; None if missing or not text.

        The routines' wording ("is missing", "must be one line"), kept as ``kb check`` prints it."""
        if value is None:
            self.add(topic, where, "is missing")
            return None
        if not isinstance(value, str) or not value.strip():
            self.add(topic, where, "must be non-empty text")
            return None
        value = value.strip()
        if "\n" in value:
            self.add(topic, where, "must be one line")
        if len(value) > limit:
            self.add(topic, where, f"is {len(value)} characters (limit {limit})")
        return value

    def whole_number(
        self, value: object, topic: str | None, where: str, low: int, high: int
    ) -> int | None:
        """``value`` if it is a whole number from ``low`` to ``high``, else None after saying so."""
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            self.add(topic, where, f"must be a whole number from {low} to {high}, not {value!r}")
            return None
        return value
