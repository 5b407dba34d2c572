"""Judging the knowledge base on labelled question sets (``lowback eval``).

Each figure comes with a 95 % Wilson score interval, so a reader sees how sure it is: 49 of 50 is
98 %, but the interval (89.5 %-99.6 %) says that fifty questions cannot promise 98 %. Red-flag
questions may carry a ``kind`` (saddle_numbness, crisis, trauma...): recall is shown per kind, and
for the kinds that cannot wait (``EMERGENCY_KINDS``) on their own line.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from bot.core.match_result import MatchResult
from bot.core.matching import Matcher

OUTCOMES = ("red_flag", "no_match")
EMERGENCY_KINDS = frozenset(
    {"crisis", "saddle_numbness", "bladder_bowel", "leg_weakness", "visceral"}
)
ITEM_KEYS = {"q", "expect", "source", "note", "kind", "fright", "scope", "hyperbole"}


def wilson(passed: int, total: int, z: float = 1.96) -> tuple[float, float]:
    """The 95 % Wilson score interval for passed/total (0..1 each end)."""
    if total == 0:
        return 0.0, 1.0
    p = passed / total
    denom = 1 + z * z / total
    centre = (p + z * z / (2 * total)) / denom
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def _interval(passed: int, total: int) -> str:
    lo, hi = wilson(passed, total)
    return f"[{lo:.1%}-{hi:.1%}]"


class EvalFileError(ValueError):
    pass


@dataclass(frozen=True)
class Item:
    q: str
    expect: tuple[str, ...]
    index: int
    kind: str | None = None  # for red flags: which kind of warning sign

    @property
    def category(self) -> str:
        """topics, red_flag or no_match: where this question counts (its first expected outcome)."""
        first = self.expect[0]
        return first if first in OUTCOMES else "topics"


@dataclass
class Report:
    total: int = 0
    passed: int = 0
    by: dict[str, list[int]] = field(
        default_factory=lambda: {"topics": [0, 0], "red_flag": [0, 0], "no_match": [0, 0]}
    )
    false_red_flags: int = 0
    not_red_flags: int = 0  # questions that were not red flags: the false-alarm denominator
    caught_by_net: int = 0  # red flags the rules missed and the learned second net caught
    false_by_net: int = 0  # false alarms raised by that net
    by_kind: dict[str, list[int]] = field(default_factory=dict)  # red-flag kind -> [total, caught]
    misses: list[dict[str, Any]] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.passed / self.total if self.total else 0.0

    def share(self, category: str) -> float:
        total, passed = self.by[category]
        return passed / total if total else 1.0

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "total": self.total,
            "passed": self.passed,
            "accuracy": round(self.accuracy, 4),
        }
        for key, (total, passed) in self.by.items():
            out[key] = {"total": total, "passed": passed}
            out[key]["interval"] = [round(x, 4) for x in wilson(passed, total)]
        out["false_red_flags"] = self.false_red_flags
        out["not_red_flags"] = self.not_red_flags
        out["caught_by_net"] = self.caught_by_net
        out["false_by_net"] = self.false_by_net
        out["red_flag_kinds"] = {
            k: {"total": t, "caught": c} for k, (t, c) in sorted(self.by_kind.items())
        }
        out["misses"] = self.misses
        return out

    def emergency(self) -> tuple[int, int]:
        """(total, caught) over the kinds that cannot wait."""
        rows = [v for k, v in self.by_kind.items() if k in EMERGENCY_KINDS]
        return sum(t for t, _ in rows), sum(c for _, c in rows)

    def table(self) -> str:
        lines = [f"{'outcome':<10} {'passed':>7} {'total':>6} {'share':>7}  95% interval"]
        for key, (total, passed) in self.by.items():
            lines.append(
                f"{key:<10} {passed:>7} {total:>6} {self.share(key):>7.1%}  {_interval(passed, total)}"
            )
        lines.append(
            f"{'overall':<10} {self.passed:>7} {self.total:>6} {self.accuracy:>7.1%}  "
            f"{_interval(self.passed, self.total)}"
        )
        rate = self.false_red_flags / self.not_red_flags if self.not_red_flags else 0.0
        lines.append(
            f"red flags raised on questions that were not red flags: {self.false_red_flags}"
            + (
                f" of {self.not_red_flags} ({rate:.1%}, 95% up to "
                f"{wilson(self.false_red_flags, self.not_red_flags)[1]:.1%})"
                if self.not_red_flags
                else ""
            )
        )
        if self.caught_by_net or self.false_by_net:
            lines.append(
                f"of which by the second net (meaning and spelling, not rules): {self.caught_by_net} red flags caught, "
                f"{self.false_by_net} false alarms"
            )
        if self.by_kind:
            lines.append("")
            lines.append(
                f"{'red-flag kind':<22} {'caught':>7} {'total':>6} {'recall':>7}  95% interval"
            )
            for kind, (total, caught) in sorted(self.by_kind.items()):
                mark = " *" if kind in EMERGENCY_KINDS else ""
                lines.append(
                    f"{kind + mark:<22} {caught:>7} {total:>6} {caught / total:>7.1%}  {_interval(caught, total)}"
                )
            total, caught = self.emergency()
            if total:
                lines.append(
                    f"{'* cannot wait, all':<22} {caught:>7} {total:>6} {caught / total:>7.1%}  "
                    f"{_interval(caught, total)}"
                )
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
        unknown = set(raw) - ITEM_KEYS
        if unknown:
            raise EvalFileError(f"{where}: unknown key(s) {', '.join(sorted(map(str, unknown)))}")
        q = raw.get("q")
        if not isinstance(q, str) or not q.strip():
            raise EvalFileError(f"{where}: q must be non-empty text")
        expect = raw.get("expect")
        if isinstance(expect, str):
            expect = [expect]
        if (
            not isinstance(expect, list)
            or not expect
            or not all(isinstance(e, str) and e for e in expect)
        ):
            raise EvalFileError(
                f"{where} ({q[:40]!r}): expect must be a topic id, a list of them, red_flag or no_match"
            )
        kind = raw.get("kind")
        if kind is not None and (not isinstance(kind, str) or "red_flag" not in expect):
            raise EvalFileError(
                f"{where} ({q[:40]!r}): kind is text, and only for red_flag questions"
            )
        items.append(Item(q, tuple(expect), i, kind))
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
                raise EvalFileError(
                    f"item {item.index} ({item.q[:40]!r}): unknown topic id(s) {', '.join(bad)}"
                )
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
            report.misses.append(
                {"q": item.q, "expect": list(item.expect), "got": got_label(result)}
            )
        by_net = result.red_flag is not None and result.red_flag.kind.startswith("net:")
        if "red_flag" not in item.expect:
            report.not_red_flags += 1
            if result.kind == "red_flag":
                report.false_red_flags += 1
                report.false_by_net += by_net
        elif result.kind == "red_flag":
            report.caught_by_net += by_net
        if "red_flag" in item.expect and item.kind is not None:
            row = report.by_kind.setdefault(item.kind, [0, 0])
            row[0] += 1
            row[1] += result.kind == "red_flag"
    return report
