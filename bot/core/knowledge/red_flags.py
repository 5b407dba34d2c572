"""The safety screen's file (``safety.yaml``): red-flag groups, their patterns and concept rules,
and the named concepts (also used by ``scope.yaml``)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from bot.core.errors import KBIssue
from bot.core.gate import Concept, checked
from bot.core.knowledge.expressions import expression_problem
from bot.core.knowledge.model import ANSWER_LIMIT, URGENCIES, Safety, SafetyGroup, SafetyRule
from bot.core.replies import FIELD_VALUE_LIMIT, TITLE_LIMIT
from bot.core.text import normalize
from bot.core.validation import ID_RE, Checker, open_mapping, type_name

# The concept lists, in the order Safety holds them: what a message the second net calls a red flag
# must name, the figures of speech it reads the message without, the whole messages it leaves to
# the topics; what keeps the screen from reading a message about someone else in the first
# person; the signs a message may deny or say are fine; and the sentences the screen reads past
# (advice reported).
NET_LISTS = (
    "net_needs",
    "net_skips",
    "net_quiet",
    "first_person_unless",
    "net_denials",
    "net_all_clear",
    "read_past",
    "read_past_unless",
)
WITH_CRISIS_LIMIT = 400  # a line or two: the crisis reply stays short


def read_safety(entry: tuple[str, Any] | None, issues: list[KBIssue]) -> Safety | None:
    opened = open_mapping(entry, issues)
    if opened is None:
        return None
    c, doc = opened
    c.keys(
        doc,
        {
            "disclaimer",
            "negations",
            "scope_breakers",
            "warning_signs",
            "concepts",
            "groups",
            *NET_LISTS,
        },
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
    concepts = read_concepts(c, doc.get("concepts"))
    net_lists = {key: tuple(c.text_list(doc, key, None, limit=60)) for key in NET_LISTS}
    for key, names in net_lists.items():
        for name in names:
            if name not in concepts:
                c.add(None, key, f"unknown concept {name!r}")
    groups: list[SafetyGroup] = []
    seen: set[str] = set()
    raw_groups = doc.get("groups")
    if not isinstance(raw_groups, list) or not raw_groups:
        c.add(None, "groups", "expected a non-empty list of groups")
        raw_groups = []
    for i, item in enumerate(raw_groups):
        item = c.mapping(item, None, f"groups[{i}]")
        if item is not None:
            groups.append(_read_group(c, f"groups[{i}]", item, seen, concepts))
    return Safety(
        disclaimer,
        negations,
        signs,
        tuple(groups),
        MappingProxyType(concepts),
        breakers,
        *(tuple(n for n in net_lists[key] if n in concepts) for key in NET_LISTS),
    )


def _read_group(
    c: Checker, where: str, item: dict[Any, Any], seen: set[str], concepts: Mapping[str, Concept]
) -> SafetyGroup:
    """One red-flag group; ``seen`` holds the ids read so far (this one is added)."""
    raw_id = item.get("id")
    gid = raw_id if isinstance(raw_id, str) else where
    c.keys(
        item,
        {"id", "urgency", "title", "answer", "patterns", "rules", "show_signs", "with_crisis"},
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
            continue
        if (problem := expression_problem(pattern, compiled[-1].gate is not None)) is not None:
            c.add(gid, f"patterns[{j}]", problem)
    rules = _read_rules(c, gid, item.get("rules"), concepts)
    if not compiled and not rules:
        c.add(gid, "patterns", "a group needs at least one pattern or rule")
    show_signs = item.get("show_signs", True)
    if not isinstance(show_signs, bool):
        c.add(gid, "show_signs", "expected true or false")
        show_signs = True
    with_crisis = c.text(item, "with_crisis", gid, limit=WITH_CRISIS_LIMIT) or ""
    return SafetyGroup(
        gid, str(urgency), title, answer, tuple(compiled), rules, show_signs, with_crisis
    )


def read_concepts(c: Checker, raw: Any, where: str = "concepts") -> dict[str, Concept]:
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
            continue
        for j, (term, part) in enumerate(zip(terms, out[cname].parts, strict=True)):
            if (problem := expression_problem(term, part.gate is not None)) is not None:
                c.add(None, f"{where}.{cname}[{j}]", problem)
    return out


def _read_rules(
    c: Checker, gid: str, raw: Any, concepts: Mapping[str, Concept]
) -> tuple[SafetyRule, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        c.add(gid, "rules", f"expected a list of rules, got {type_name(raw)}")
        return ()
    rules = []
    for j, item in enumerate(raw):
        where = f"rules[{j}]"
        item = c.mapping(item, gid, where)
        if item is None:
            continue
        c.keys(
            item,
            {"kind", "all", "within", "scope", "unless", "unless_anywhere"},
            {"kind", "all"},
            gid,
        )
        kind = c.text(item, "kind", gid, limit=40) or ""
        needed = []
        for k, entry in enumerate(c.text_list(item, "all", gid, limit=200, min_items=1)):
            names = tuple(n.strip() for n in entry.split("|"))
            for n in names:
                if n not in concepts:
                    c.add(gid, f"{where}.all[{k}]", f"unknown concept {n!r}")
            needed.append(names)
        unless, anywhere = (
            c.text_list(item, k, gid, limit=60) for k in ("unless", "unless_anywhere")
        )
        for key, names in (("unless", unless), ("unless_anywhere", anywhere)):
            for n in names:
                if n not in concepts:
                    c.add(gid, f"{where}.{key}", f"unknown concept {n!r}")
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
        rules.append(SafetyRule(kind, tuple(needed), within, scope, unless, anywhere))
    return tuple(rules)
