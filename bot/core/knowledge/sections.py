"""Readers of the knowledge files other than the safety screen: sources, synonyms, the progression,
the scope, the uncovered subjects and the topics. Each records its problems in the shared checker."""

from __future__ import annotations

from collections.abc import Callable, Container, Iterator, Mapping
from typing import Any

from bot.core.errors import KBIssue
from bot.core.knowledge.model import (
    ANSWER_LIMIT,
    BULLET_LIMIT,
    KINDS,
    MIN_PATTERNS,
    RULE_LIMIT,
    SUMMARY_LIMIT,
    Gap,
    ProgressionRules,
    Scope,
    Source,
    Topic,
)
from bot.core.knowledge.red_flags import read_concepts
from bot.core.replies import FIELD_VALUE_LIMIT, TITLE_LIMIT
from bot.core.text import Canonicalizer, normalize
from bot.core.validation import ID_RE, STEPS, Checker, open_mapping


def _list_section(
    entry: tuple[str, Any] | None, key: str, issues: list[KBIssue]
) -> tuple[Checker, list[Any]] | None:
    """A file whose only key holds a non-empty list (``sources:``, ``gaps:``), or None after saying why not."""
    opened = open_mapping(entry, issues)
    if opened is None:
        return None
    c, doc = opened
    c.keys(doc, {key}, {key}, None)
    items = doc.get(key)
    if not isinstance(items, list) or not items:
        c.add(None, key, f"expected a non-empty list of {key}")
        return None
    return c, items


def _entries(
    c: Checker,
    items: list[Any],
    where: str,
    allowed: set[str],
    required: set[str],
    taken: Container[str],
    duplicate: Callable[[str], str],
) -> Iterator[tuple[str, dict[Any, Any]]]:
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


def read_sources(entry: tuple[str, Any] | None, issues: list[KBIssue]) -> dict[str, Source]:
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
            file=c.text(item, "file", sid, limit=200),
            short=c.text(item, "short", sid, limit=200),
            url=c.text(item, "url", sid, limit=500),
        )
    return out


def read_synonyms(
    entry: tuple[str, Any] | None, issues: list[KBIssue]
) -> tuple[dict[str, tuple[str, ...]], Canonicalizer]:
    out: dict[str, tuple[str, ...]] = {}
    opened = open_mapping(entry, issues)
    if opened is None:
        return out, Canonicalizer()
    c, doc = opened
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


def read_progression(
    entry: tuple[str, Any] | None, issues: list[KBIssue]
) -> ProgressionRules | None:
    opened = open_mapping(entry, issues)
    if opened is None:
        return None
    c, doc = opened
    c.keys(doc, {"move_up", "go_back"}, {"move_up", "go_back"}, None)
    parts: dict[str, tuple[str, tuple[str, ...]]] = {}
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


def read_scope(entry: tuple[str, Any] | None, issues: list[KBIssue]) -> Scope:
    opened = open_mapping(entry, issues)
    if opened is None:
        return Scope()
    c, doc = opened
    keys = {"about_back", "program", "elsewhere", "goals", "pain_elsewhere", "subject"}
    c.keys(doc, keys, keys - {"pain_elsewhere", "subject"}, None)
    found = read_concepts(c, {k: doc[k] for k in keys if k in doc}, "scope")
    return Scope(
        found.get("about_back"),
        found.get("program"),
        found.get("elsewhere"),
        found.get("goals"),
        found.get("pain_elsewhere"),
        found.get("subject"),
    )


def read_gaps(entry: tuple[str, Any] | None, issues: list[KBIssue]) -> dict[str, Gap]:
    out: dict[str, Gap] = {}
    section = _list_section(entry, "gaps", issues)
    if section is None:
        return out
    c, items = section
    keys = {"id", "subject", "back_related", "patterns"}
    allowed = keys | {"marks", "unless", "anywhere"}
    for gid, item in _entries(c, items, "gaps", allowed, keys, out, lambda _: "duplicate id"):
        subject = c.text(item, "subject", gid, limit=100) or gid
        back = item.get("back_related")
        if not isinstance(back, bool):
            c.add(gid, "back_related", "expected true or false")
        patterns = c.text_list(item, "patterns", gid, limit=300, min_items=3)
        anywhere = item.get("anywhere", False)
        if not isinstance(anywhere, bool):
            c.add(gid, "anywhere", "expected true or false")
        words = read_concepts(c, {k: item[k] for k in ("marks", "unless") if k in item}, gid)
        out[gid] = Gap(
            gid,
            subject,
            bool(back),
            patterns,
            words.get("marks"),
            words.get("unless"),
            anywhere is True,
        )
    return out


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


def read_topics(
    name: str,
    doc: Any,
    sources: Mapping[str, Source] | None,
    topics: dict[str, Topic],
    issues: list[KBIssue],
) -> None:
    """Add the topics of file ``name`` to ``topics``. ``sources`` is None when the sources file
    could not be read: its problem is reported, and checking every topic's source against it would
    only repeat it."""
    c = Checker(name, issues)
    if doc is None:  # (a file that could not be read is not read at all)
        c.add(None, None, "the file is empty: a topic file holds `topics:` and a list of topics")
        return
    doc = c.mapping(doc, None, None)
    if doc is None:
        return
    c.keys(doc, {"topics"}, {"topics"}, None)
    items = doc.get("topics")
    if not isinstance(items, list):
        c.add(None, "topics", "expected a list of topics")
        return
    if not items:
        c.add(None, "topics", "holds no topics; add some, or remove the file")

    def duplicate(tid: str) -> str:
        return f"duplicate topic id (also in {topics[tid].file})"

    for tid, item in _entries(c, items, "topics", TOPIC_KEYS, TOPIC_REQUIRED, topics, duplicate):
        topic = _read_topic(c, name, tid, item, sources)
        if topic is not None:
            topics[tid] = topic


BULLET_KEYS = ("dose", "cues", "mistakes")


def _fits_one_field(c: Checker, tid: str, key: str, bullets: tuple[str, ...]) -> None:
    """Bullets are shown in one embed field: together they must fit it."""
    if sum(len(b) + 3 for b in bullets) > FIELD_VALUE_LIMIT:
        c.add(
            tid,
            key,
            f"the bullets together must fit one embed field ({FIELD_VALUE_LIMIT} characters)",
        )


def _read_topic(
    c: Checker, name: str, tid: str, item: dict[Any, Any], sources: Mapping[str, Source] | None
) -> Topic | None:
    """One topic of file ``name``; None when its title, summary or answer is unusable."""
    raw_sources = item.get("source")
    src = tuple(raw_sources) if isinstance(raw_sources, list) else (raw_sources,)
    for s in src:
        if sources is None:
            break
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
    dose, cues, mistakes = (c.text_list(item, k, tid, limit=BULLET_LIMIT) for k in BULLET_KEYS)
    for key, bullets in zip(BULLET_KEYS, (dose, cues, mistakes), strict=True):
        _fits_one_field(c, tid, key, bullets)
    differ = c.text(item, "sources_differ", tid, limit=FIELD_VALUE_LIMIT)
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
    if title is None or summary is None or answer is None:
        return None
    return Topic(
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
