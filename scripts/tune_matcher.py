"""Grid search of the matcher's decision constants on the development question sets only.

    .venv/bin/python scripts/tune_matcher.py

Scores each setting by questions answered as labelled across knowledge/eval.yaml, the shared
development set (when ../shared is beside the checkout) and knowledge/eval/real-dev.yaml, and
prints the best few with their per-set figures. The held-out knowledge/eval/real-test.yaml is never
read here.

The matcher is built without its labelled examples: they come from real-dev.yaml, so with them the
figures on that set would be partly recall. The constants that work with the examples' votes
(EXAMPLE_*, NO_MATCH_BELOW) are searched five-fold by site by scripts/train_topic_examples.py --grid.
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from training_sets import SHARED_DEV, existing  # noqa: E402

from bot.core import matching  # noqa: E402
from bot.core.evaluation import evaluate, parse_items  # noqa: E402
from bot.core.knowledge.loading import load_knowledge  # noqa: E402

SETS = [
    ROOT / "knowledge" / "eval.yaml",
    SHARED_DEV,
    ROOT / "knowledge" / "eval" / "real-dev.yaml",
]
GRID = {
    "SEMANTIC_SHARE": [0.2, 0.3, 0.4, 0.5],
    "SEMANTIC_FLOOR": [0.5, 0.6],
    "SEMANTIC_CEILING": [0.85, 0.95],
    "NO_MATCH_BELOW": [0.40, 0.44, 0.48, 0.52],
    "CLARIFY_MARGIN": [0.02, 0.04],
}


def main() -> None:
    kb = load_knowledge(ROOT / "knowledge")
    matcher = matching.Matcher(kb, examples=None)
    sets = [
        (p.name, parse_items(yaml.safe_load(p.read_text(encoding="utf-8")), p.name))
        for p in existing(SETS)
    ]
    results = []
    keys = list(GRID)
    for values in itertools.product(*GRID.values()):
        for k, v in zip(keys, values, strict=False):
            setattr(matching, k, v)
        row = []
        for name, items in sets:
            r = evaluate(matcher, items)
            row.append((name, r.share("topics"), r.share("no_match"), r.passed, r.total))
        total = sum(x[3] for x in row)
        results.append((total, dict(zip(keys, values, strict=False)), row))
    results.sort(key=lambda r: -r[0])
    for total, params, row in results[:12]:
        figures = "  ".join(f"{n[:12]}: t {t:.1%} n {m:.1%}" for n, t, m, _, _ in row)
        print(total, params, figures)


if __name__ == "__main__":
    main()
