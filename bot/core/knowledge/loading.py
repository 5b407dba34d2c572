"""Load and validate the knowledge base (``knowledge/*.yaml``) into typed, immutable objects.

Every problem is collected, not just the first, and each names the file, the topic id and the
field. ``load_knowledge`` raises :class:`KnowledgeError` with the whole list; the bot refuses to
start on a broken knowledge base, and a live reload that fails keeps the old one.

Reading files is the only I/O here, and it happens in ``load_knowledge``; ``build_knowledge`` takes
already-read texts, so the rules are testable without a disk. Each file is read by its own reader
(:mod:`bot.core.knowledge.sections`, :mod:`bot.core.knowledge.red_flags`,
:mod:`bot.core.routine.parsing`), all through the one checker of :mod:`bot.core.validation`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from bot.core.errors import KBIssue, KnowledgeError
from bot.core.knowledge.model import Gap, KnowledgeBase, Source, Topic
from bot.core.knowledge.red_flags import read_safety
from bot.core.knowledge.sections import (
    read_gaps,
    read_progression,
    read_scope,
    read_sources,
    read_synonyms,
    read_topics,
)
from bot.core.routine.parsing import parse_routines
from bot.core.routine.plan import RoutineBook
from bot.core.text import Canonicalizer
from bot.core.validation import ParseYaml, parse_yaml, read_yaml

EVAL_FILES = {"eval.yaml"}  # question sets live beside the content but are not content

# Knowledge files are hand-written text: anything larger is a mistake (or an attack on the reload).
MAX_FILE_BYTES = 1 << 20
MAX_TOTAL_BYTES = 4 << 20
# Routines the bot offers by id whatever the topics say, and where: without one, that offer
# would lead to "there is no routine called ...".
REQUIRED_ROUTINES = {
    "flare-up": "the bot offers it to a person whose back hurts on step 1, where there is no step "
    "to go back to",
}
# The files beside topics/ that each hold one section of the knowledge base.
SECTION_FILES = (
    "sources.yaml",
    "synonyms.yaml",
    "progression.yaml",
    "safety.yaml",
    "gaps.yaml",
    "routines.yaml",
    "scope.yaml",
)


def load_knowledge(directory: str | Path, *, parse: ParseYaml | None = None) -> KnowledgeBase:
    """Read every YAML file under ``directory`` and build the knowledge base, or raise KnowledgeError.

    ``parse`` turns one file's text into its YAML document (default :func:`parse_yaml`); validation
    runs on the documents whatever it is."""
    texts, issues = read_knowledge_files(directory)
    return build_knowledge(texts, directory=Path(directory), issues=issues, parse=parse)


def read_knowledge_files(directory: str | Path) -> tuple[dict[str, str], list[KBIssue]]:
    """``{relative file name: text}`` for every knowledge file under ``directory`` (question sets
    left out), and the files that could not be read or are too large; raises KnowledgeError when
    the directory itself is missing."""
    directory = Path(directory)
    if not directory.is_dir():
        said = "knowledge directory not found"
        if directory.exists():  # one of its files, named instead of the folder that holds them
            folder = directory.absolute().parent
            said = f"is a file, not a knowledge directory (the folder holding it: {folder})"
        raise KnowledgeError([KBIssue(str(directory), None, None, said)])
    texts: dict[str, str] = {}
    issues: list[KBIssue] = []
    total = 0
    for path in sorted(directory.rglob("*.y*ml")):
        rel = path.relative_to(directory).as_posix()
        if path.name in EVAL_FILES or rel.startswith("eval/") or _not_content(rel):
            continue
        try:
            size = path.stat().st_size
            total += size
            if size > MAX_FILE_BYTES:
                issues.append(
                    KBIssue(
                        rel,
                        None,
                        None,
                        f"is {size:,} bytes; a knowledge file may have at most "
                        f"{MAX_FILE_BYTES:,} (split it into smaller files)",
                    )
                )
                continue
            if total > MAX_TOTAL_BYTES:
                issues.append(
                    KBIssue(
                        rel,
                        None,
                        None,
                        f"brings the knowledge base to {total:,} bytes; the limit "
                        f"is {MAX_TOTAL_BYTES:,} in all",
                    )
                )
                continue
            data = path.read_bytes()
            texts[rel] = data.decode("utf-8")
        except OSError as exc:
            issues.append(KBIssue(rel, None, None, f"cannot read: {exc.strerror or exc}"))
        except UnicodeDecodeError as exc:
            issues.append(KBIssue(rel, None, None, _not_utf8(data, exc)))
    return texts, issues


def _not_utf8(data: bytes, exc: UnicodeDecodeError) -> str:
    """Where a file stops being UTF-8 text, by line and column, and what to do."""
    line = data.count(b"\n", 0, exc.start) + 1
    column = len(data[data.rfind(b"\n", 0, exc.start) + 1 : exc.start].decode("utf-8", "replace"))
    return (
        f"not UTF-8 text at line {line}, column {column + 1} (byte 0x{data[exc.start]:02x}): "
        "save the file as UTF-8"
    )


def _not_content(rel: str) -> bool:
    """Whether a path under the knowledge directory is hidden (".draft.yaml", ".git/") or an
    editor's lock, backup or autosave file (Emacs ".#why.yaml", a link to nowhere while the file
    is open; "why.yaml~"; "#why.yaml#"), not a knowledge file."""
    return any(part.startswith((".", "#")) or part.endswith(("~", "#")) for part in rel.split("/"))


def build_knowledge(
    texts: Mapping[str, str],
    *,
    directory: Path | None = None,
    issues: list[KBIssue] | None = None,
    parse: ParseYaml | None = None,
) -> KnowledgeBase:
    """Build from ``{relative file name: YAML text}``. Raises KnowledgeError listing every problem."""
    issues = list(issues or [])
    docs, unreadable = _parse_all(texts, issues, parse or parse_yaml)

    def special(name: str) -> tuple[str, Any] | None:
        if name in unreadable:  # its problem is already reported; its contents would only repeat it
            return None
        for fname, doc in docs.items():
            if fname == name:
                return fname, doc
        issues.append(KBIssue(name, None, None, "file is missing"))
        return None

    sources = read_sources(special("sources.yaml"), issues)
    synonyms, canon = read_synonyms(special("synonyms.yaml"), issues)
    progression = read_progression(special("progression.yaml"), issues)
    safety = read_safety(special("safety.yaml"), issues)
    gaps = read_gaps(special("gaps.yaml"), issues)
    scope = read_scope(special("scope.yaml"), issues)
    routines = None if "routines.yaml" in unreadable else _read_routines(docs, issues)

    topics, complete = _read_all_topics(docs, unreadable, sources, issues)
    _cross_check(topics, gaps, routines, canon, issues, complete=complete)
    if issues:
        raise KnowledgeError(issues)
    # Each reader returns None only after recording why, so with no issues all are there.
    assert progression is not None and safety is not None and routines is not None
    return KnowledgeBase(
        directory=directory,
        sources=MappingProxyType(sources),
        topics=MappingProxyType(topics),
        progression=progression,
        synonyms=MappingProxyType(synonyms),
        safety=safety,
        gaps=MappingProxyType(gaps),
        routines=routines,
        scope=scope,
        canonicalizer=canon,
    )


def _read_all_topics(
    docs: Mapping[str, Any],
    unreadable: set[str],
    sources: Mapping[str, Source],
    issues: list[KBIssue],
) -> tuple[dict[str, Topic], bool]:
    """The topics of every file under topics/ (and any other file that is not a section named as
    unexpected), and whether all of them could be read."""
    topics: dict[str, Topic] = {}
    topic_files = [n for n in docs if n.startswith("topics/")]
    if not topic_files:
        issues.append(KBIssue("topics/", None, None, "no topic files found"))
    for name in sorted(set(topic_files) - unreadable):
        read_topics(
            name, docs[name], None if "sources.yaml" in unreadable else sources, topics, issues
        )
    for name in sorted(set(docs) - set(topic_files) - set(SECTION_FILES)):
        issues.append(KBIssue(name, None, None, "unexpected file (topics go under topics/)"))
    # A topic file that could not be read, or is empty, hides its topics: references to them, and
    # the steps they hold, would only repeat that one problem as many others.
    complete = not any(f.startswith("topics/") for f in unreadable) and all(
        docs[name] is not None for name in topic_files
    )
    return topics, complete


def _parse_all(
    texts: Mapping[str, str], issues: list[KBIssue], parse: ParseYaml
) -> tuple[dict[str, Any], set[str]]:
    """Each file's YAML document, and the files that could not be read (per ``issues`` so far) or
    parsed."""
    unreadable = {issue.file for issue in issues}  # files the caller could not even read
    docs: dict[str, Any] = {}
    for name, text in texts.items():
        before = len(issues)
        docs[name] = read_yaml(name, text, issues, parse)
        if len(issues) > before:
            unreadable.add(name)
    return docs, unreadable


def _read_routines(docs: Mapping[str, Any], issues: list[KBIssue]) -> RoutineBook | None:
    """``routines.yaml``, read by the routines' own parser."""
    if "routines.yaml" not in docs:
        issues.append(KBIssue("routines.yaml", None, None, "file is missing"))
        return None
    routines, problems = parse_routines(docs["routines.yaml"], "routines.yaml")
    issues.extend(problems)
    for rid, why in REQUIRED_ROUTINES.items():
        named = any(p.topic == rid or p.topic is None for p in problems)  # said already
        if routines.get(rid) is None and not named:
            issues.append(KBIssue("routines.yaml", rid, None, f"routine is missing: {why}"))
    return routines


def _cross_check(
    topics: dict[str, Topic],
    gaps: dict[str, Gap],
    routines: RoutineBook | None,
    canon: Canonicalizer,
    issues: list[KBIssue],
    *,
    complete: bool = True,
) -> None:
    """The checks across files: references between topics, routines and gaps, the steps."""
    steps: dict[int, str] = {}
    # a routine left out for its own problems is not also unknown to the topics that name it
    broken_routines = {i.topic for i in issues if i.file == "routines.yaml"}
    for t in topics.values():
        for r in t.related:
            if r not in topics and complete:
                issues.append(KBIssue(t.file, t.id, "related", f"refers to unknown topic {r!r}"))
            elif r == t.id:
                issues.append(
                    KBIssue(t.file, t.id, "related", "a topic cannot be related to itself")
                )
        if t.step is not None:
            if t.step in steps:
                issues.append(
                    KBIssue(t.file, t.id, "step", f"step {t.step} is also topic {steps[t.step]!r}")
                )
            else:
                steps[t.step] = t.id
        if (
            t.routine is not None
            and routines is not None
            and routines.get(t.routine) is None
            and t.routine not in broken_routines
        ):
            issues.append(
                KBIssue(t.file, t.id, "routine", f"refers to unknown routine {t.routine!r}")
            )
    if topics and complete and sorted(steps) != list(range(1, len(steps) + 1)):
        issues.append(
            KBIssue(
                "topics/",
                None,
                "step",
                f"steps must run 1, 2, 3... without gaps; found {sorted(steps)}",
            )
        )
    if topics and complete and not steps:
        issues.append(KBIssue("topics/", None, "step", "no progression steps found"))
    _unique_patterns(topics, gaps, canon, issues)
    for gid in gaps:
        if gid in topics:
            issues.append(KBIssue("gaps.yaml", gid, "id", "a gap cannot share its id with a topic"))


def _unique_patterns(
    topics: dict[str, Topic], gaps: dict[str, Gap], canon: Canonicalizer, issues: list[KBIssue]
) -> None:
    """Every pattern means something, and belongs to one topic or gap only."""
    owners: dict[str, tuple[str, str]] = {}
    entries = [(t.file, t.id, "patterns", p) for t in topics.values() for p in t.patterns]
    entries += [("gaps.yaml", g.id, "patterns", p) for g in gaps.values() for p in g.patterns]
    for file, oid, fld, pattern in entries:
        key = canon.key(pattern)
        if not key:
            issues.append(KBIssue(file, oid, fld, f"pattern {pattern!r} has no meaningful words"))
            continue
        if key in owners and owners[key][1] != oid:
            other_file, other = owners[key]
            issues.append(
                KBIssue(
                    file,
                    oid,
                    fld,
                    f"pattern {pattern!r} is also a pattern of {other!r} ({other_file})",
                )
            )
        else:
            owners.setdefault(key, (file, oid))
