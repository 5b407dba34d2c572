"""How far two careful labellers agree on the real-question corpus.

    .venv/bin/python scripts/label_agreement.py [--first FILE --second FILE]

knowledge/eval/second-labels.yaml holds a second labeller's labels for 170 questions of
knowledge/eval/real-dev.yaml, made without seeing the first. This scores the second labeller as if
it were the bot, against the first labels, with the figures `lowback eval` reports: a topic
question passes when the second labeller's first topic is one the first labels accept. It prints
them for the frightening-but-ordinary questions (`fright: true`) and the others apart, since the
sample holds more of the former than the corpus does, and then weighted as the development part
mixes them. The agreement is a ceiling of sorts: a matcher judged by one labeller's labels cannot
be expected to agree with them much more than a second careful labeller does.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
EVAL = ROOT / "knowledge" / "eval"

from bot.core.evaluation import wilson  # noqa: E402


def expects(item: dict) -> list[str]:
    e = item["expect"]
    return list(e) if isinstance(e, list) else [e]


def outcome(item: dict) -> str:
    e = expects(item)
    return "red_flag" if "red_flag" in e else "no_match" if e == ["no_match"] else "topics"


def passed(first: dict, second: dict) -> bool:
    kind = outcome(first)
    if kind == "topics":
        return outcome(second) == "topics" and expects(second)[0] in expects(first)
    return outcome(second) == kind


def figures(pairs: list[tuple[dict, dict]]) -> dict[str, tuple[int, int]]:
    out = {}
    for kind in ("topics", "no_match", "red_flag"):
        rows = [(a, b) for a, b in pairs if outcome(a) == kind]
        out[kind] = (sum(passed(a, b) for a, b in rows), len(rows))
    not_red = [(a, b) for a, b in pairs if outcome(a) != "red_flag"]
    out["false red flags"] = (sum(outcome(b) == "red_flag" for _, b in not_red), len(not_red))
    return out


def show(title: str, figs: dict[str, tuple[int, int]]) -> None:
    print(title)
    for name, (k, n) in figs.items():
        if not n:
            continue
        lo, hi = wilson(k, n)
        share = k / n if n else 0.0
        print(f"  {name:<16} {k:>4} of {n:<4} {share:6.1%}  [{lo:.1%}-{hi:.1%}]")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--first", type=Path, default=EVAL / "real-dev.yaml", help="the first labels")
    ap.add_argument(
        "--second", type=Path, default=EVAL / "second-labels.yaml", help="the second labeller's"
    )
    args = ap.parse_args(argv)
    first = {i["q"]: i for i in yaml.safe_load(args.first.read_text("utf-8"))}
    second = yaml.safe_load(args.second.read_text("utf-8"))
    pairs = [(first[i["q"]], i) for i in second if i["q"] in first]
    print(f"{len(pairs)} questions labelled twice\n")
    show("all of them, as sampled", figures(pairs))
    parts = {
        fright: figures([(a, b) for a, b in pairs if bool(a.get("fright")) == fright])
        for fright in (False, True)
    }
    show("frightening-but-ordinary questions", parts[True])
    show("the others", parts[False])
    # Weighted as the development part mixes frightening and other questions in each outcome.
    corpus = list(first.values())
    print(f"\nweighted as {args.first.name} mixes them")
    for name in ("topics", "no_match", "false red flags"):
        pool = [i for i in corpus if outcome(i) != "red_flag"]
        if name != "false red flags":
            pool = [i for i in pool if outcome(i) == name]
        share = sum(bool(i.get("fright")) for i in pool) / len(pool)
        rates = []
        for fright in (False, True):
            k, n = parts[fright][name]
            rates.append(k / n if n else 0.0)
        print(f"  {name:<16} {(1 - share) * rates[0] + share * rates[1]:6.1%}")
    k, n = figures(pairs)["red_flag"]
    print(f"  {'red_flag':<16} {k / n:6.1%}  (no red flag is a frightening-but-ordinary question)")


if __name__ == "__main__":
    main()
