"""Load and validate the knowledge base (``knowledge/*.yaml``) into typed, immutable objects.

Every problem is collected, not just the first, and each names the file, the topic id and the
field. ``load_knowledge`` raises :class:`KnowledgeError` with the whole list; the bot refuses to
start on a broken knowledge base, and a live reload that fails keeps the old one.

Reading files is the only I/O here, and it happens in ``load_knowledge``; ``build_knowledge`` takes
already-read texts, so the rules are testable without a disk.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Container, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from bot.core.errors import KBIssue, KnowledgeError
from bot.core.gate import Concept, Gated, checked
from bot.core.replies import FIELD_VALUE_LIMIT, TITLE_LIMIT
from bot.core.text import Canonicalizer, normalize

ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
KINDS = ("exercise", "info", "avoid", "help")
URGENCIES = ("crisis", "emergency", "soon", "ask")
STEPS = (1, 2, 3, 4)

# The project's own limits, chosen so that any answer plus the person's step line, the bullet
# fields and the footer stays inside Discord's embed limits (description 4,096, field 1,024,
# 6,000 for the whole message).
ANSWER_LIMIT = 3000
SUMMARY_LIMIT = 200
BULLET_LIMIT = 300
RULE_LIMIT = 1000
MIN_PATTERNS = 5
EVAL_FILES = {"eval.yaml"}  # question sets live beside the content but are not content


@dataclass(frozen=True)
class Source:
    id: str
    title: str
    file: str | None = None
    short: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class Topic:
    id: str
    title: str
    sources: tuple[str, ...]
    kind: str
    summary: str
    answer: str
    patterns: tuple[str, ...]
    file: str
    step: int | None = None
    dose: tuple[str, ...] = ()
    cues: tuple[str, ...] = ()
    mistakes: tuple[str, ...] = ()
    sources_differ: str | None = None
    routine: str | None = None
    keywords: tuple[str, ...] = ()
    related: tuple[str, ...] = ()

    @property
    def is_exercise(self) -> bool:
        """Exercise and avoid topics tell the person which step they should be on."""
        return self.kind in ("exercise", "avoid")


@dataclass(frozen=True)
class ProgressionRules:
    move_up: str
    go_back: str
    move_up_patterns: tuple[str, ...]
    go_back_patterns: tuple[str, ...]


@dataclass(frozen=True)
class SafetyRule:
    """A red flag as concepts that must all be present (and not negated) in one sentence, or in the
    whole message when ``scope`` is "message"; each entry of ``concepts`` names one concept or
    several joined by "|" (any of them will do)."""

    kind: str
    concepts: tuple[tuple[str, ...], ...]
    within: int | None  # the concepts' hits must lie within this many words of each other
    scope: str  # sentence | message
    unless: tuple[str, ...] = ()  # concepts whose presence in the same sentence cancels the rule


@dataclass(frozen=True)
class SafetyGroup:
    id: str
    urgency: str
    title: str
    answer: str
    patterns: tuple[Gated, ...]
    rules: tuple[SafetyRule, ...] = ()
    show_signs: bool = True  # whether the reply lists the warning signs (not for a crisis)


@dataclass(frozen=True)
class Safety:
    disclaimer: str
    negations: frozenset[str]
    warning_signs: tuple[str, ...]
    groups: tuple[SafetyGroup, ...]
    concepts: Mapping[str, Concept] = field(default_factory=dict)
    scope_breakers: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Gap:
    id: str
    subject: str
    back_related: bool
    patterns: tuple[str, ...]


@dataclass(frozen=True)
class Scope:
    """What ties a question to this bot (``about_back``) and what marks it as about something else:
    another body part (``elsewhere``), or training for looks or performance (``goals``). A question
    with no tie is declined, however well its words match a topic, when it speaks of such a goal, or
    of another body part without naming one of the program's own exercises (``program``)."""

    about_back: Concept | None = None
    program: Concept | None = None
    elsewhere: Concept | None = None
    goals: Concept | None = None


@dataclass(frozen=True)
class KnowledgeBase:
    directory: Path | None
    sources: Mapping[str, Source]
    topics: Mapping[str, Topic]
    progression: ProgressionRules
    synonyms: Mapping[str, tuple[str, ...]]
    safety: Safety
    gaps: Mapping[str, Gap]
    routines: Any = None  # bot.core.routine.plan.RoutineBook
    scope: Scope = field(default_factory=Scope)
    canonicalizer: Canonicalizer = field(default_factory=Canonicalizer, repr=False, compare=False)

    def step_topic(self, step: int) -> Topic | None:
        for topic in self.topics.values():
            if topic.step == step:
                return topic
        return None

    @property
    def max_step(self) -> int:
        return max((t.step for t in self.topics.values() if t.step), default=1)

    def source_titles(self, topic: Topic) -> str:
        return "; ".join(self.sources[s].title for s in topic.sources if s in self.sources)

    def pattern_count(self) -> int:
        return sum(len(t.patterns) + len(t.keywords) for t in self.topics.values()) + sum(
            len(g.patterns) for g in self.gaps.values()
        )

    def summary(self) -> str:
        routines = len(self.routines.routines) if self.routines is not None else 0
        return (
            f"knowledge base OK: {len(self.topics)} topics, {self.pattern_count()} patterns, "
            f"{len(self.sources)} sources, {len(self.safety.groups)} red-flag groups, "
            f"{len(self.gaps)} uncovered subjects, {routines} routines"
        )


class _Checker:
    """Collects issues while reading one file's mapping."""

    def __init__(self, issues: list[KBIssue], file: str):
        self.issues = issues
        self.file = file

    def add(self, topic: str | None, fld: str | None, message: str) -> None:
        self.issues.append(KBIssue(self.file, topic, fld, message))

    def mapping(self, value: Any, topic: str | None, fld: str | None) -> dict | None:
        if not isinstance(value, dict):
            self.add(topic, fld, f"expected a mapping, got {_type_name(value)}")
            return None
        return value

    def keys(self, item: dict, allowed: set[str], required: set[str], topic: str | None) -> None:
        for key in item:
            if key not in allowed:
                self.add(
                    topic, str(key), "unknown key (allowed: " + ", ".join(sorted(allowed)) + ")"
                )
        for key in sorted(required - set(item)):
            self.add(topic, key, "missing required field")

    def text(
        self, item: dict, key: str, topic: str | None, *, limit: int, required: bool = True
    ) -> str | None:
        value = item.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            if required or value is not None:
                self.add(topic, key, f"expected non-empty text, got {_type_name(value)}")
            return None
        value = value.strip()
        if len(value) > limit:
            self.add(topic, key, f"is {len(value)} characters; the limit is {limit}")
        return value

    def text_list(
        self, item: dict, key: str, topic: str | None, *, limit: int, min_items: int = 0
    ) -> tuple[str, ...]:
        value = item.get(key)
        if value is None:
            if min_items:
                return ()
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            self.add(topic, key, f"expected a list of texts, got {_type_name(value)}")
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
                self.add(topic, f"{key}[{i}]", f"expected non-empty text, got {_type_name(entry)}")
                continue
            entry = str(entry).strip()
            if len(entry) > limit:
                self.add(topic, f"{key}[{i}]", f"is {len(entry)} characters; the limit is {limit}")
            out.append(entry)
        if len(out) < min_items:
            self.add(topic, key, f"has {len(out)} entries; at least {min_items} are needed")
        return tuple(out)


def _type_name(value: Any) -> str:
    if value is None:
        return "nothing"
    return {
        dict: "a mapping",
        list: "a list",
        str: "text",
        bool: "true/false",
        int: "a number",
        float: "a number",
    }.get(type(value), type(value).__name__)


# libyaml's C parser where PyYAML was built with it (about ten times faster), else the pure-Python one.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# Knowledge files are hand-written text: anything larger is a mistake (or an attack on the reload).
MAX_FILE_BYTES = 1 << 20
MAX_TOTAL_BYTES = 4 << 20

ParseYaml = Callable[[str, str], Any]
"""``parse(file name, text)``: the YAML document, raising ``yaml.YAMLError``; e.g. a cache of parsed documents."""


def parse_yaml(name: str, text: str) -> Any:
    """``yaml.safe_load`` with the fastest safe loader available."""
    return yaml.load(text, Loader=_SafeLoader)


def _parse_yaml(name: str, text: str, issues: list[KBIssue], parse: ParseYaml = parse_yaml) -> Any:
    try:
        return parse(name, text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        issues.append(KBIssue(name, None, None, f"not valid YAML{where}: {problem}"))
        return None


def load_knowledge(directory: str | Path, *, parse: ParseYaml | None = None) -> KnowledgeBase:
    """Read every YAML file under ``directory`` and build the knowledge base, or raise KnowledgeError.

    ``parse`` turns one file's text into its YAML document (default :func:`parse_yaml`); validation
    runs on the documents whatever it is."""
    directory = Path(directory)
    if not directory.is_dir():
        raise KnowledgeError([KBIssue(str(directory), None, None, "knowledge directory not found")])
    texts: dict[str, str] = {}
    issues: list[KBIssue] = []
    total = 0
    for path in sorted(directory.rglob("*.y*ml")):
        rel = path.relative_to(directory).as_posix()
        if path.name in EVAL_FILES or rel.startswith("eval/"):
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
            texts[rel] = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            issues.append(KBIssue(rel, None, None, f"cannot read: {exc}"))
    kb = build_knowledge(texts, directory=directory, issues=issues, parse=parse)
    return kb


def build_knowledge(
    texts: Mapping[str, str],
    *,
    directory: Path | None = None,
    issues: list[KBIssue] | None = None,
    parse: ParseYaml | None = None,
) -> KnowledgeBase:
    """Build from ``{relative file name: YAML text}``. Raises KnowledgeError listing every problem."""
    issues = list(issues or [])
    unreadable = {issue.file for issue in issues}  # files the caller could not even read
    docs: dict[str, Any] = {}
    for name, text in texts.items():
        before = len(issues)
        docs[name] = _parse_yaml(name, text, issues, parse or parse_yaml)
        if len(issues) > before:
            unreadable.add(name)

    def special(name: str) -> tuple[str, Any] | None:
        for fname, doc in docs.items():
            if fname == name:
                return fname, doc
        issues.append(KBIssue(name, None, None, "file is missing"))
        return None

    sources = _read_sources(special("sources.yaml"), issues)
    synonyms, canon = _read_synonyms(special("synonyms.yaml"), issues)
    progression = _read_progression(special("progression.yaml"), issues)
    safety = _read_safety(special("safety.yaml"), issues)
    gaps = _read_gaps(special("gaps.yaml"), issues)
    scope = _read_scope(special("scope.yaml"), issues)
    routines = (
        _read_routines(docs.get("routines.yaml"), issues) if "routines.yaml" in docs else None
    )
    if "routines.yaml" not in docs:
        issues.append(KBIssue("routines.yaml", None, None, "file is missing"))

    topics: dict[str, Topic] = {}
    topic_files = [n for n in docs if n.startswith("topics/")]
    if not topic_files:
        issues.append(KBIssue("topics/", None, None, "no topic files found"))
    for name in sorted(topic_files):
        _read_topics(name, docs[name], sources, topics, issues)
    unknown_files = (
        set(docs)
        - set(topic_files)
        - {
            "sources.yaml",
            "synonyms.yaml",
            "progression.yaml",
            "safety.yaml",
            "gaps.yaml",
            "routines.yaml",
            "scope.yaml",
        }
    )
    for name in sorted(unknown_files):
        issues.append(KBIssue(name, None, None, "unexpected file (topics go under topics/)"))

    # A topic file that could not be read hides its topics: references to them, and the steps they
    # hold, would only repeat that one problem as many others.
    _cross_check(
        topics,
        gaps,
        routines,
        canon,
        issues,
        complete=not any(f.startswith("topics/") for f in unreadable),
    )
    if issues:
        raise KnowledgeError(issues)
    return KnowledgeBase(
        directory=directory,
        sources=MappingProxyType(sources),
        topics=MappingProxyType(topics),
        progression=progression,  # type: ignore[arg-type]
        synonyms=MappingProxyType(synonyms),
        safety=safety,  # type: ignore[arg-type]
        gaps=MappingProxyType(gaps),
        routines=routines,
        scope=scope,
        canonicalizer=canon,
    )


def _list_section(
    entry: tuple[str, Any] | None, key: str, issues: list[KBIssue]
) -> tuple[_Checker, list] | None:
    """A file whose only key holds a non-empty list (``sources:``, ``gaps:``), or None after saying why not."""
    if entry is None:
        return None
    name, doc = entry
    c = _Checker(issues, name)
    doc = c.mapping(doc, None, None)
    if doc is None:
        return None
    c.keys(doc, {key}, {key}, None)
    items = doc.get(key)
    if not isinstance(items, list) or not items:
        c.add(None, key, f"expected a non-empty list of {key}")
        return None
    return c, items


def _entries(
    c: _Checker,
    items: list,
    where: str,
    allowed: set[str],
    required: set[str],
    taken: Container[str],
    duplicate: Callable[[str], str],
) -> Iterator[tuple[str, dict]]:
    """Each mapping in ``items`` with a valid id not in ``taken`` (read as it fills up), with that id.

    Whatever is wrong on the way (not a mapping, unknown or missing keys, a bad or repeated id) is
    recorded in ``c`` and the entry skipped.
    """
    for i, item in enumerate(items):
        item = c.mapping(item, None, f"{where}[{i}]")
        if item is None:
            continue
        eid = item.get("id")
        label = eid if isinstance(eid, str) and eid else f"{where}[{i}]"
        c.keys(item, allowed, required, label)
        if not isinstance(eid, str) or not ID_RE.match(eid):
            c.add(label, "id", "expected a lowercase-with-dashes id")
            continue
        if eid in taken:
            c.add(eid, "id", duplicate(eid))
            continue
        yield eid, item


def _read_sources(entry: tuple[str, Any] | None, issues: list[KBIssue]) -> dict[str, Source]:
    out: dict[str, Source] = {}
    section = _list_section(entry, "sources", issues)
    if section is None:
        return out
    c, items = section
    keys = {"id", "title", "file", "short", "url"}
    for sid, item in _entries(
        c, items, "sources", keys, {"id", "title"}, out, lambda _: "duplicate source id"
    ):
        title = c.text(item, "title", sid, limit=200)
        if title is None:
            continue
        out[sid] = Source(
            id=sid,
            title=title,
            file=c.text(item, "file", sid, limit=200, required=False),
            short=c.text(item, "short", sid, limit=200, required=False),
            url=c.text(item, "url", sid, limit=500, required=False),
        )
    return out


def _read_synonyms(
    entry: tuple[str, Any] | None, issues: list[KBIssue]
) -> tuple[dict[str, tuple[str, ...]], Canonicalizer]:
    out: dict[str, tuple[str, ...]] = {}
    if entry is None:
        return out, Canonicalizer()
    name, doc = entry
    c = _Checker(issues, name)
    doc = c.mapping(doc, None, None)
    if doc is None:
        return out, Canonicalizer()
    c.keys(doc, {"synonyms"}, {"synonyms"}, None)
    groups = doc.get("synonyms")
    if not isinstance(groups, dict):
        c.add(None, "synonyms", "expected a mapping of canonical word -> list of variants")
        return out, Canonicalizer()
    owner: dict[str, str] = {}
    for canonical, variants in groups.items():
        canonical = str(canonical)
        if not normalize(canonical) or " " in normalize(canonical):
            c.add(canonical, None, "the canonical word must be one word")
            continue
        if not isinstance(variants, list) or not variants:
            c.add(canonical, None, "expected a non-empty list of variants")
            continue
        clean = []
        for i, v in enumerate(variants):
            if not isinstance(v, (str, int)) or not normalize(str(v)):
                c.add(canonical, f"[{i}]", "expected a non-empty word or phrase")
                continue
            key = normalize(str(v))
            if key in owner and owner[key] != canonical:
                c.add(canonical, f"[{i}]", f"variant {v!r} also belongs to {owner[key]!r}")
                continue
            owner[key] = canonical
            clean.append(str(v))
        out[canonical] = tuple(clean)
    return out, Canonicalizer(out)


def _read_progression(
    entry: tuple[str, Any] | None, issues: list[KBIssue]
) -> ProgressionRules | None:
    if entry is None:
        return None
    name, doc = entry
    c = _Checker(issues, name)
    doc = c.mapping(doc, None, None)
    if doc is None:
        return None
    c.keys(doc, {"move_up", "go_back"}, {"move_up", "go_back"}, None)
    parts = {}
    for key in ("move_up", "go_back"):
        item = c.mapping(doc.get(key), key, None) if key in doc else None
        if item is None:
            parts[key] = ("", ())
            continue
        c.keys(item, {"rule", "patterns"}, {"rule", "patterns"}, key)
        rule = c.text(item, "rule", key, limit=RULE_LIMIT) or ""
        patterns = c.text_list(item, "patterns", key, limit=200, min_items=MIN_PATTERNS)
        parts[key] = (rule, patterns)
    return ProgressionRules(
        move_up=parts["move_up"][0],
        go_back=parts["go_back"][0],
        move_up_patterns=parts["move_up"][1],
        go_back_patterns=parts["go_back"][1],
    )


def _read_safety(entry: tuple[str, Any] | None, issues: list[KBIssue]) -> Safety | None:
    if entry is None:
        return None
    name, doc = entry
    c = _Checker(issues, name)
    doc = c.mapping(doc, None, None)
    if doc is None:
        return None
    c.keys(
        doc,
        {"disclaimer", "negations", "scope_breakers", "warning_signs", "concepts", "groups"},
        {"disclaimer", "negations", "warning_signs", "groups"},
        None,
    )
    disclaimer = c.text(doc, "disclaimer", None, limit=200) or ""
    negations = frozenset(
        normalize(n) for n in c.text_list(doc, "negations", None, limit=40, min_items=3)
    )
    breakers = frozenset(normalize(n) for n in c.text_list(doc, "scope_breakers", None, limit=40))
    signs = c.text_list(doc, "warning_signs", None, limit=200, min_items=5)
    if sum(len(s) + 3 for s in signs) > FIELD_VALUE_LIMIT:
        c.add(
            None,
            "warning_signs",
            f"the list must fit one embed field ({FIELD_VALUE_LIMIT} characters)",
        )
    concepts = _read_concepts(c, doc.get("concepts"))
    groups: list[SafetyGroup] = []
    seen: set[str] = set()
    raw_groups = doc.get("groups")
    if not isinstance(raw_groups, list) or not raw_groups:
        c.add(None, "groups", "expected a non-empty list of groups")
        raw_groups = []
    for i, item in enumerate(raw_groups):
        item = c.mapping(item, None, f"groups[{i}]")
        if item is None:
            continue
        gid = item.get("id") if isinstance(item.get("id"), str) else f"groups[{i}]"
        c.keys(
            item,
            {"id", "urgency", "title", "answer", "patterns", "rules", "show_signs"},
            {"id", "urgency", "title", "answer"},
            gid,
        )
        if gid in seen:
            c.add(gid, "id", "duplicate red-flag group id")
        seen.add(gid)
        urgency = item.get("urgency")
        if urgency not in URGENCIES:
            c.add(gid, "urgency", f"expected one of {', '.join(URGENCIES)}")
        title = c.text(item, "title", gid, limit=TITLE_LIMIT) or ""
        answer = c.text(item, "answer", gid, limit=ANSWER_LIMIT) or ""
        compiled = []
        for j, pattern in enumerate(c.text_list(item, "patterns", gid, limit=300)):
            try:
                compiled.append(checked(pattern))
            except re.error as exc:
                c.add(gid, f"patterns[{j}]", f"not a valid regular expression: {exc}")
        rules = _read_rules(c, gid, item.get("rules"), concepts)
        if not compiled and not rules:
            c.add(gid, "patterns", "a group needs at least one pattern or rule")
        show_signs = item.get("show_signs", True)
        if not isinstance(show_signs, bool):
            c.add(gid, "show_signs", "expected true or false")
            show_signs = True
        groups.append(
            SafetyGroup(gid, str(urgency), title, answer, tuple(compiled), rules, show_signs)
        )
    return Safety(disclaimer, negations, signs, tuple(groups), MappingProxyType(concepts), breakers)


def _read_concepts(c: _Checker, raw: Any, where: str = "concepts") -> dict[str, Concept]:
    """``concepts``: name -> list of regular-expression alternatives, matched as whole words."""
    if raw is None:
        return {}
    raw = c.mapping(raw, None, where)
    if raw is None:
        return {}
    out: dict[str, Concept] = {}
    for cname in raw:
        if not isinstance(cname, str) or not ID_RE.match(cname.replace("_", "-")):
            c.add(None, f"{where}.{cname}", "a concept name is lower-case words joined by _")
            continue
        terms = c.text_list(raw, cname, None, limit=400, min_items=1)
        try:
            out[cname] = Concept(cname, terms)
        except re.error:
            for j, term in enumerate(terms):
                try:
                    re.compile(term)
                except re.error as exc:
                    c.add(None, f"{where}.{cname}[{j}]", f"not a valid regular expression: {exc}")
    return out


def _read_rules(
    c: _Checker, gid: str, raw: Any, concepts: Mapping[str, Concept]
) -> tuple[SafetyRule, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        c.add(gid, "rules", f"expected a list of rules, got {_type_name(raw)}")
        return ()
    rules = []
    for j, item in enumerate(raw):
        where = f"rules[{j}]"
        item = c.mapping(item, gid, where)
        if item is None:
            continue
        c.keys(item, {"kind", "all", "within", "scope", "unless"}, {"kind", "all"}, gid)
        kind = c.text(item, "kind", gid, limit=40) or ""
        needed = []
        for k, entry in enumerate(c.text_list(item, "all", gid, limit=200, min_items=1)):
            names = tuple(n.strip() for n in entry.split("|"))
            for n in names:
                if n not in concepts:
                    c.add(gid, f"{where}.all[{k}]", f"unknown concept {n!r}")
            needed.append(names)
        unless = c.text_list(item, "unless", gid, limit=60)
        for n in unless:
            if n not in concepts:
                c.add(gid, f"{where}.unless", f"unknown concept {n!r}")
        within = item.get("within")
        if within is not None and (
            not isinstance(within, int) or isinstance(within, bool) or within < 1
        ):
            c.add(gid, f"{where}.within", "expected a whole number of words, at least 1")
            within = None
        scope = item.get("scope", "sentence")
        if scope not in ("sentence", "message"):
            c.add(gid, f"{where}.scope", "expected sentence or message")
            scope = "sentence"
        rules.append(SafetyRule(kind, tuple(needed), within, scope, unless))
    return tuple(rules)


def _read_scope(entry: tuple[str, Any] | None, issues: list[KBIssue]) -> Scope:
    if entry is None:
        return Scope()
    name, doc = entry
    c = _Checker(issues, name)
    doc = c.mapping(doc, None, None)
    if doc is None:
        return Scope()
    keys = {"about_back", "program", "elsewhere", "goals"}
    c.keys(doc, keys, keys, None)
    found = _read_concepts(c, {k: doc[k] for k in keys if k in doc}, "scope")
    return Scope(
        found.get("about_back"), found.get("program"), found.get("elsewhere"), found.get("goals")
    )


def _read_gaps(entry: tuple[str, Any] | None, issues: list[KBIssue]) -> dict[str, Gap]:
    out: dict[str, Gap] = {}
    section = _list_section(entry, "gaps", issues)
    if section is None:
        return out
    c, items = section
    keys = {"id", "subject", "back_related", "patterns"}
    for gid, item in _entries(c, items, "gaps", keys, keys, out, lambda _: "duplicate id"):
        subject = c.text(item, "subject", gid, limit=100) or gid
        back = item.get("back_related")
        if not isinstance(back, bool):
            c.add(gid, "back_related", "expected true or false")
        patterns = c.text_list(item, "patterns", gid, limit=300, min_items=3)
        out[gid] = Gap(gid, subject, bool(back), patterns)
    return out


def _read_routines(doc: Any, issues: list[KBIssue]):
    from bot.core.routine.parsing import parse_routines

    book, problems = parse_routines(doc, "routines.yaml")
    issues.extend(problems)
    return book


TOPIC_KEYS = {
    "id",
    "title",
    "source",
    "kind",
    "step",
    "summary",
    "answer",
    "dose",
    "cues",
    "mistakes",
    "sources_differ",
    "routine",
    "patterns",
    "keywords",
    "related",
}
TOPIC_REQUIRED = {"id", "title", "source", "kind", "summary", "answer", "patterns"}


def _read_topics(
    name: str,
    doc: Any,
    sources: Mapping[str, Source],
    topics: dict[str, Topic],
    issues: list[KBIssue],
) -> None:
    c = _Checker(issues, name)
    if doc is None:
        return  # an unreadable file was already reported
    doc = c.mapping(doc, None, None)
    if doc is None:
        return
    c.keys(doc, {"topics"}, {"topics"}, None)
    items = doc.get("topics")
    if not isinstance(items, list):
        c.add(None, "topics", "expected a list of topics")
        return

    def duplicate(tid: str) -> str:
        return f"duplicate topic id (also in {topics[tid].file})"

    for tid, item in _entries(c, items, "topics", TOPIC_KEYS, TOPIC_REQUIRED, topics, duplicate):
        raw_sources = item.get("source")
        src = tuple(raw_sources) if isinstance(raw_sources, list) else (raw_sources,)
        for s in src:
            if not isinstance(s, str) or s not in sources:
                c.add(tid, "source", f"unknown source {s!r} (known: {', '.join(sorted(sources))})")
        kind = item.get("kind")
        if kind not in KINDS:
            c.add(tid, "kind", f"expected one of {', '.join(KINDS)}, got {kind!r}")
        step = item.get("step")
        if step is not None and (
            not isinstance(step, int) or isinstance(step, bool) or step not in STEPS
        ):
            c.add(tid, "step", f"expected a step number 1 to 4, got {step!r}")
            step = None
        title = c.text(item, "title", tid, limit=TITLE_LIMIT)
        summary = c.text(item, "summary", tid, limit=SUMMARY_LIMIT)
        answer = c.text(item, "answer", tid, limit=ANSWER_LIMIT)
        dose = c.text_list(item, "dose", tid, limit=BULLET_LIMIT)
        cues = c.text_list(item, "cues", tid, limit=BULLET_LIMIT)
        mistakes = c.text_list(item, "mistakes", tid, limit=BULLET_LIMIT)
        for key, bullets in (("dose", dose), ("cues", cues), ("mistakes", mistakes)):
            if sum(len(b) + 3 for b in bullets) > FIELD_VALUE_LIMIT:
                c.add(
                    tid,
                    key,
                    f"the bullets together must fit one embed field ({FIELD_VALUE_LIMIT} characters)",
                )
        differ = c.text(item, "sources_differ", tid, limit=FIELD_VALUE_LIMIT, required=False)
        routine = item.get("routine")
        if routine is not None and not isinstance(routine, str):
            c.add(tid, "routine", "expected a routine id")
            routine = None
        patterns = c.text_list(item, "patterns", tid, limit=300, min_items=MIN_PATTERNS)
        keywords = c.text_list(item, "keywords", tid, limit=60)
        related = c.text_list(item, "related", tid, limit=60)
        if step is not None and (not dose or not cues):
            c.add(
                tid,
                "dose" if not dose else "cues",
                "a progression step needs its dose and form cues",
            )
        if None in (title, summary, answer):
            continue
        topics[tid] = Topic(
            id=tid,
            title=title,
            sources=tuple(s for s in src if isinstance(s, str)),
            kind=str(kind),
            summary=summary,
            answer=answer,
            patterns=patterns,
            file=name,
            step=step,
            dose=dose,
            cues=cues,
            mistakes=mistakes,
            sources_differ=differ,
            routine=routine,
            keywords=keywords,
            related=related,
        )


def _cross_check(
    topics: dict[str, Topic],
    gaps: dict[str, Gap],
    routines: Any,
    canon: Canonicalizer,
    issues: list[KBIssue],
    *,
    complete: bool = True,
) -> None:
    steps: dict[int, str] = {}
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
        if t.routine is not None and routines is not None and routines.get(t.routine) is None:
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
    for gid in gaps:
        if gid in topics:
            issues.append(KBIssue("gaps.yaml", gid, "id", "a gap cannot share its id with a topic"))
