"""The knowledge base must keep answering the project's own labelled questions.

A knowledge edit that breaks matching fails here. The floors sit a little under today's figures
(`lowback eval knowledge/eval.yaml`), so they catch a real regression, not noise.
"""

from __future__ import annotations

import yaml

from bot.core.evaluation import evaluate, parse_items
from bot.core.knowledge import load_knowledge
from bot.core.matching import Matcher
from bot.settings import DEFAULT_KNOWLEDGE

FLOORS = {"topics": 0.87, "red_flag": 0.96, "no_match": 0.90}
MAX_FALSE_RED_FLAGS = 2


def test_project_question_set_meets_its_floors():
    items = parse_items(yaml.safe_load((DEFAULT_KNOWLEDGE / "eval.yaml").read_text(encoding="utf-8")), "eval.yaml")
    assert len(items) >= 150
    report = evaluate(Matcher(load_knowledge(DEFAULT_KNOWLEDGE)), items)
    shares = {key: report.share(key) for key in FLOORS}
    misses = "\n".join(f"{m['expect']} <- {m['got']}: {m['q'][:90]}" for m in report.misses)
    for key, floor in FLOORS.items():
        assert shares[key] >= floor, f"{key} accuracy {shares[key]:.1%} is under {floor:.0%}\n{misses}"
    assert report.false_red_flags <= MAX_FALSE_RED_FLAGS
