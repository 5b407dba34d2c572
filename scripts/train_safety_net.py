"""Train the red-flag screen's second net: logistic regression on sentence embeddings.

    .venv/bin/python scripts/train_safety_net.py

The rules in knowledge/safety.yaml catch what they name; this net catches messages that read like
the red flags and crisis messages of the development sets without using the rules' words. Two
heads: ``crisis`` (self-harm and despair) and ``red_flag`` (any red flag). It trains on the
development sets only (knowledge/eval/real-dev.yaml, knowledge/eval.yaml and, when ../shared sits
beside the checkout, its dev.yaml), never on knowledge/eval/real-test.yaml; it prints five-fold
figures with folds split by site, then writes bot/models/safety_heads.json with the thresholds
below, chosen from those figures: the most the net alone catches while its new false alarms stay
under a share of the other questions. For ``crisis`` that share is about 0.3% of every message
that is not a crisis, red flags included: its reply is the crisis line, and it replaces whatever
the rules would have said. For ``red_flag`` it is about 1%: on wording the rules were not
written from, the net is what catches what they miss, and a false alarm gets the gentle "when back
pain needs a doctor" answer, where a miss is the worst error the bot can make.
And no set it trains on gets a false alarm it did not have before.
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from eval_split import site  # noqa: E402

from bot.core.knowledge.loading import load_knowledge  # noqa: E402
from bot.core.safety import screen  # noqa: E402
from bot.core.semantic import MODEL_DIR, default_embedder, question_text  # noqa: E402

SETS = [
    ROOT / "knowledge" / "eval" / "real-dev.yaml",
    ROOT / "knowledge" / "eval.yaml",
    ROOT.parent / "shared" / "eval" / "dev.yaml",
]
OUT = ROOT / "bot" / "models" / "safety_heads.json"
THRESHOLDS = {"crisis": 0.63, "red_flag": 0.63}
L2, STEPS, RATE = 1e-2, 2000, 0.5

# Denials the net must not read as red flags: a symptom named only to say it is absent, then the
# ordinary complaint ("no fever, just sore"). The rules handle negation word by word; an embedding
# sees "fever" either way, so the net learns it from these pairs (written here, not corpus lines).
# Only symptoms that can wait a day are denied here: teaching the net that "numbness" or "bladder"
# may not count would cost recall where a miss is worst (and the rules already read those denials).
DENIED = [
    "no fever",
    "no fever or chills",
    "not feverish",
    "I didn't fall",
    "no injury",
    "never had cancer",
    "no weight loss",
    "it doesn't wake me at night",
]
ORDINARY = [
    "just sore",
    "just tight hips",
    "just a stiff lower back",
    "my back is just sore after deadlifts",
    "just achy after squats",
    "it only aches after sitting at my desk all day",
    "just tight after leg day",
    "just sore from the gym",
]


def denials() -> list[dict]:
    """Every denied symptom with every ordinary complaint, as questions that are not red flags."""
    return [
        {"q": f"{d}, {o}", "expect": "no_match", "source": f"denial-{n}.local"}
        for n, d in enumerate(DENIED)
        for o in ORDINARY
    ]


def labels(items: list[dict], head: str) -> np.ndarray:
    def is_red(item: dict) -> bool:
        expect = item["expect"] if isinstance(item["expect"], list) else [item["expect"]]
        return "red_flag" in expect

    return np.array(
        [(item.get("kind") == "crisis") if head == "crisis" else is_red(item) for item in items],
        float,
    )


def train(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Class-balanced logistic regression by gradient descent (small data: a second is plenty)."""
    w, b = np.zeros(x.shape[1]), 0.0
    weight = np.where(y == 1, (len(y) - y.sum()) / max(y.sum(), 1.0), 1.0)
    weight /= weight.mean()
    for _ in range(STEPS):
        p = 1 / (1 + np.exp(-(x @ w + b)))
        g = (p - y) * weight
        w -= RATE * (x.T @ g / len(y) + L2 * w)
        b -= RATE * float(g.mean())
    return w, b


def cross_validated(x: np.ndarray, y: np.ndarray, folds: np.ndarray) -> np.ndarray:
    """Each question's probability from a net trained on the other four folds."""
    cv = np.zeros(len(y))
    for k in range(5):
        w, b = train(x[folds != k], y[folds != k])
        cv[folds == k] = 1 / (1 + np.exp(-(x[folds == k] @ w + b)))
    return cv


def main() -> None:
    corpus = [
        i
        for path in SETS
        if path.exists()
        for i in yaml.safe_load(path.read_text(encoding="utf-8"))
    ]
    items = corpus + denials()
    embedder = default_embedder()
    x = embedder.encode([question_text(i["q"]) for i in items]).astype(np.float64)
    kb = load_knowledge(ROOT / "knowledge")
    flags = [screen(kb.safety, i["q"]) for i in items]
    by_rules = {
        "red_flag": np.array([f is not None for f in flags]),
        "crisis": np.array([f is not None and f.group.urgency == "crisis" for f in flags]),
    }
    any_red = labels(items, "red_flag") == 1
    sites = sorted({site(i.get("source", "local")) for i in items})
    random.Random(1).shuffle(sites)
    fold_of = {s: n % 5 for n, s in enumerate(sites)}
    folds = np.array([fold_of[site(i.get("source", "local"))] for i in items])
    heads = {}
    for head, threshold in THRESHOLDS.items():
        use = np.arange(len(items)) < (len(items) if head == "red_flag" else len(corpus))
        y = labels(items, head)[use]
        net = cross_validated(x[use], y, folds[use]) > threshold
        rules = by_rules[head][use]
        # A false alarm of the red-flag head is an ordinary question; of the crisis head, any message
        # that is not a crisis (see above).
        wrong = ~any_red[use] if head == "red_flag" else y == 0
        print(
            f"{head}: {int(y.sum())} of {len(y)} questions; five-fold by site at {threshold}: "
            f"net alone catches {(net & (y == 1)).sum() / y.sum():.1%}, rules {(rules & (y == 1)).sum()}, "
            f"rules or net {((rules | net) & (y == 1)).sum()}; new false alarms "
            f"{(net & ~rules & wrong).sum()} of {wrong.sum()}, "
            f"{((net | rules) & wrong).sum()} with the rules'"
        )
        w, b = train(x[use], y)
        heads[head] = {
            "weights": [round(float(v), 6) for v in w],
            "bias": round(b, 6),
            "threshold": threshold,
        }
    model_hash = hashlib.sha256((MODEL_DIR / "model.safetensors").read_bytes()).hexdigest()
    OUT.write_text(
        json.dumps({"model_sha256": model_hash, "heads": heads}, indent=1) + "\n", encoding="utf-8"
    )
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
