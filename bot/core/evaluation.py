"""Judging the knowledge base on labelled question sets (``lowback eval``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.core.matching import Matcher, MatchResult

OUTCOMES = ("red_flag", "no_match")


class EvalFileError(ValueError):
    pass


@dataclass(frozen=True)
class Item:
    q: str
    expect: tuple[str, ...]
    index: int

    @property
    def category(self) -> str:
        """topics, red_flag or no_match: where this question counts (its first expected outcome)."""
        first = self.expect[0]
        return first if first in OUTCOMES else "topics"


@dataclass
class Report:
    total: int = 0
    passed: int = 0
    by: dict[str, list[int]] = field(default_factory=lambda: {"topics": [0, 0], "red_flag": [0, 0], "no_match": [0, 0]})
    false_red_flags: int = 0
    misses: list[dict[str, Any]] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.passed / self.total if self.total else 0.0

    def share(self, category: str) -> float:
        total, passed = self.by[category]
        return passed / total if total else 1.0

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"total": self.total, "passed": self.passed, "accuracy": round(self.accuracy, 4)}
        for key, (total, passed) in self.by.items():
            out[key] = {"total": total, "passed": passed}
        out["false_red_flags"] = self.false_red_flags
        out["misses"] = self.misses
        return out

    def table(self) -> str:
        lines = [f"{'outcome':<10} {'passed':>7} {'total':>6} {'share':>7}"]
        for key, (total, passed) in self.by.items():
            lines.append(f"{key:<10} {passed:>7} {total:>6} {self.share(key):>7.1%}")
        lines.append(f"{'overall':<10} {self.passed:>7} {self.total:>6} {self.accuracy:>7.1%}")
        lines.append(f"red flags raised on questions that were not red flags: {self.false_red_flags}")
        if self.misses:
            lines.append("")
            lines.append(f"{len(self.misses)} misses:")
            for miss in self.misses:
                expect = ", ".join(miss["expect"])
                lines.append(f"MISS  expected {expect}; got {miss['got']}")
                lines.append(f"  {miss['q'][:160]}")
        return "\n".join(lines)


def parse_items(data: Any, name: str = "questions") -> list[Item]:
    """Validate a question file's contents; errors name the item."""
    if not isinstance(data, list) or not data:
        raise EvalFileError(f"{name}: expected a non-empty YAML list of {{q, expect}} items")
    items = []
    for i, raw in enumerate(data, 1):
        where = f"{name}: item {i}"
        if not isinstance(raw, dict):
            raise EvalFileError(f"{where}: expected a mapping with q and expect")
        unknown = set(raw) - {"q", "expect", "source", "note"}
        if unknown:
            raise EvalFileError(f"{where}: unknown key(s) {', '.join(sorted(map(str, unknown)))}")
        q = raw.get("q")
        if not isinstance(q, str) or not q.strip():
            raise EvalFileError(f"{where}: q must be non-empty text")
        expect = raw.get("expect")
        if isinstance(expect, str):
            expect = [expect]
        if not isinstance(expect, list) or not expect or not all(isinstance(e, str) and e for e in expect):
            raise EvalFileError(f"{where} ({q[:40]!r}): expect must be a topic id, a list of them, red_flag or no_match")
        items.append(Item(q, tuple(expect), i))
    return items


def got_label(result: MatchResult) -> str:
    if result.kind in OUTCOMES:
        return result.kind
    return f"{result.kind}:{result.topic}"


def passes(item: Item, result: MatchResult) -> bool:
    if result.kind in OUTCOMES:
        return result.kind in item.expect
    return result.topic in item.expect


def evaluate(matcher: Matcher, items: list[Item], *, unknown_ids: bool = True) -> Report:
    known = set(matcher.kb.topics) | set(OUTCOMES)
    if unknown_ids:
        for item in items:
            bad = [e for e in item.expect if e not in known]
            if bad:
                raise EvalFileError(f"item {item.index} ({item.q[:40]!r}): unknown topic id(s) {', '.join(bad)}")
    report = Report()
    for item in items:
        result = matcher.match(item.q)
        ok = passes(item, result)
        report.total += 1
        report.by[item.category][0] += 1
        if ok:
            report.passed += 1
            report.by[item.category][1] += 1
        else:
            report.misses.append({"q": item.q, "expect": list(item.expect), "got": got_label(result)})
        if result.kind == "red_flag" and "red_flag" not in item.expect:
            report.false_red_flags += 1
    return report
