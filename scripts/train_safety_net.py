"""Train the red-flag screen's second net (bot/core/safety_net.py).

    .venv/bin/pip install -e '.[train]'      # scikit-learn, for training only
    .venv/bin/python scripts/train_safety_net.py [--no-write]

The rules in knowledge/safety.yaml catch what they name; this net catches messages that read like
the red flags and crisis messages of the development sets without using the rules' words. Two
heads: ``crisis`` (self-harm and despair) and ``red_flag`` (any red flag), each a logistic
regression over the message's embedding; the red-flag head's probability is averaged with a second
regression's over the tf-idf weights of its words' character n-grams
(``bot.core.safety_net.char_ngrams``). It trains on the development sets
only (knowledge/eval/real-dev.yaml, knowledge/eval.yaml and, when ../shared sits beside the
checkout, its dev.yaml), never on knowledge/eval/real-test.yaml. It prints five-fold figures with
folds split by site, and sets each head's threshold from them by this rule: the lowest threshold at
which the net's new false alarms (messages the rules leave alone) stay within a share of the other
questions, and no set it trains on gets a false alarm it did not have before. For ``crisis`` that
share is 0.3 % of every message that is not a crisis, red flags included: its reply is the crisis
line, and it replaces whatever the rules would have said. For ``red_flag`` it is 1 %: on wording the
rules were not written from, the net is what catches what they miss, and a false alarm gets the
gentle "when back pain needs a doctor" answer, where a miss is the worst error the bot can make.
Then it writes bot/models/safety_heads.npz.
"""

from __future__ import annotations

import hashlib
import random
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from eval_split import site  # noqa: E402
from training_sets import SHARED_DEV, start  # noqa: E402

from bot.core.knowledge.loading import load_knowledge  # noqa: E402
from bot.core.safety import screen  # noqa: E402
from bot.core.safety_net import HEADS_FILE, NgramVectorizer, char_ngrams, names_the_body  # noqa: E402
from bot.core.semantic import MODEL_DIR, default_embedder, question_text  # noqa: E402
from bot.core.text import normalize  # noqa: E402

SETS = [
    ROOT / "knowledge" / "eval" / "real-dev.yaml",
    ROOT / "knowledge" / "eval.yaml",
    SHARED_DEV,
]


@dataclass(frozen=True)
class Head:
    share: float  # of new false alarms it may add (see above)
    c: float  # inverse strength of its regressions' L2 penalty
    spelling: bool  # whether it has the character n-gram half
    balanced: bool  # whether the few positives weigh as much as the many others


# The red-flag head learns from 600-odd red flags: a light penalty (five-fold, C at 1 or 3 caught
# less) and both halves. The crisis head learns from about fifty: the embedding alone under a heavy
# penalty, as before. Five-fold it catches as many; with both halves or a light penalty it read
# "I want to get rid of this pain for good" or "this pain makes me want to scream" as despair.
HEADS = {
    "crisis": Head(share=0.003, c=0.1, spelling=False, balanced=True),
    "red_flag": Head(share=0.01, c=10.0, spelling=True, balanced=False),
}
MIN_DF = 2  # an n-gram must occur in this many training messages to be kept

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


class Net:
    """The two regressions of every head (scikit-learn), fitted on the given messages: each head
    on its ``rows`` of them, with its ``labels``."""

    def __init__(
        self,
        x: np.ndarray,
        texts: list[str],
        labels: dict[str, np.ndarray],
        rows: dict[str, np.ndarray],
    ):
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        self.tfidf = TfidfVectorizer(analyzer=char_ngrams, min_df=MIN_DF, sublinear_tf=True)
        grams = self.tfidf.fit_transform(texts)
        self.fits = {}
        for head, y in labels.items():
            h, keep = HEADS[head], rows[head]

            def fit(features: Any, h: Head = h, y: np.ndarray = y, keep: np.ndarray = keep) -> Any:
                weight = "balanced" if h.balanced else None
                return LogisticRegression(C=h.c, max_iter=5000, class_weight=weight).fit(
                    features[keep], y[keep]
                )

            self.fits[head] = (fit(x), fit(grams) if h.spelling else None)

    def probability(self, head: str, x: np.ndarray, texts: list[str]) -> np.ndarray:
        by_meaning, by_spelling = self.fits[head]
        p: np.ndarray = by_meaning.predict_proba(x)[:, 1]
        if by_spelling is not None:
            p = (p + by_spelling.predict_proba(self.tfidf.transform(texts))[:, 1]) / 2
        return p


def cross_validated(
    x: np.ndarray,
    texts: list[str],
    labels: dict[str, np.ndarray],
    rows: dict[str, np.ndarray],
    folds: np.ndarray,
) -> dict[str, np.ndarray]:
    """Per head, each message's probability from a net trained on the other four folds."""
    cv = {head: np.zeros(len(texts)) for head in labels}
    for k in range(5):
        train, test = np.flatnonzero(folds != k), np.flatnonzero(folds == k)
        net = Net(
            x[train],
            [texts[i] for i in train],
            {h: y[train] for h, y in labels.items()},
            {h: r[train] for h, r in rows.items()},
        )
        for head in labels:
            cv[head][test] = net.probability(head, x[test], [texts[i] for i in test])
    return cv


def threshold(
    p: np.ndarray, rules: np.ndarray, wrong: np.ndarray, share: float, guarded: np.ndarray
) -> float:
    """The lowest threshold at which the net's new false alarms (``p``: five-fold) stay within
    ``share`` of the ``wrong`` messages, and at which ``guarded`` (the final net's probabilities
    for the messages of the sets beside the development part that must keep their answers, zero
    elsewhere) raises none."""
    budget = share * wrong.sum()
    for t in np.unique(p):
        if ((p > t) & ~rules & wrong).sum() <= budget and not (
            (guarded > t) & ~rules & wrong
        ).any():
            return float(t)
    return 1.0


def main() -> None:
    args, sets = start(__doc__.splitlines()[0], SETS)
    corpus = [i for _, i in sets]
    items = corpus + denials()
    texts = [question_text(i["q"]) for i in items]
    x = default_embedder().encode(texts).astype(np.float64)
    kb = load_knowledge(ROOT / "knowledge")
    flags = [screen(kb.safety, i["q"]) for i in items]
    by_rules = {
        "red_flag": np.array([f is not None for f in flags]),
        "crisis": np.array([f is not None and f.group.urgency == "crisis" for f in flags]),
    }
    any_red = labels(items, "red_flag") == 1
    in_corpus = np.arange(len(items)) < len(corpus)
    # The sets beside the development part may not get a false alarm they did not have.
    guarded = np.array(
        [n != "real-dev.yaml" for n, _ in sets] + [False] * (len(items) - len(corpus))
    )
    sites = sorted({site(i.get("source", "local")) for i in items})
    random.Random(1).shuffle(sites)
    fold_of = {s: n % 5 for n, s in enumerate(sites)}
    folds = np.array([fold_of[site(i.get("source", "local"))] for i in items])
    ys = {head: labels(items, head) for head in HEADS}
    # The crisis head learns from the corpus alone (the written denials are not about despair).
    rows = {"crisis": in_corpus, "red_flag": np.ones(len(items), bool)}
    cv = cross_validated(x, texts, ys, rows, folds)
    net = Net(x, texts, ys, rows)
    # The red-flag head speaks only where the message names the body (``net_needs``).
    bodily = np.array([names_the_body(kb.safety, normalize(i["q"])) for i in items])
    speaks = {"crisis": np.ones(len(items), bool), "red_flag": bodily}
    thresholds = {}
    for head, settings in HEADS.items():
        share = settings.share
        use, y = rows[head], ys[head] == 1
        # A false alarm of the red-flag head is an ordinary question; of the crisis head, any
        # message that is not a crisis (see above).
        wrong = use & (~any_red if head == "red_flag" else ~y)
        rules = by_rules[head]
        ok = use & speaks[head]
        final = np.where(guarded & ok, net.probability(head, x, texts), 0.0)
        t = thresholds[head] = threshold(np.where(ok, cv[head], 0.0), rules, wrong, share, final)
        fired = ok & (cv[head] > t)
        print(
            f"{head}: {int((y & use).sum())} of {int(use.sum())} questions; five-fold by site at "
            f"{t:.3f}: net alone catches {(fired & y).sum() / (y & use).sum():.1%}, "
            f"rules {(rules & y).sum()}, rules or net {((rules | fired) & y).sum()}; new false "
            f"alarms {(fired & ~rules & wrong).sum()} of {wrong.sum()}, "
            f"{((fired | rules) & wrong).sum()} with the rules'; on the sets beside the development "
            f"part, five-fold {(fired & ~rules & wrong & guarded).sum()}, the final net "
            f"{((final > t) & ~rules & wrong).sum()}"
        )
    if not args.no_write:
        write(net, thresholds, texts[:200])


def write(net: Net, thresholds: dict[str, float], sample: list[str]) -> None:
    """Save the heads for bot.core.safety_net, after checking that it reads messages exactly as
    scikit-learn did."""
    vocabulary = [str(g) for g in net.tfidf.get_feature_names_out()]
    mine = NgramVectorizer(vocabulary, net.tfidf.idf_)
    theirs = net.tfidf.transform(sample)
    for n, text in enumerate(sample):
        idx, values = mine.transform(text)
        row = np.zeros(len(vocabulary))
        row[idx] = values
        assert np.allclose(row, theirs[n].toarray()[0]), text
    names = list(HEADS)
    fits = [net.fits[h] for h in names]
    model_hash = hashlib.sha256((MODEL_DIR / "model.safetensors").read_bytes()).hexdigest()
    np.savez_compressed(
        HEADS_FILE,
        names=np.array(names),
        thresholds=np.array([thresholds[h] for h in names]),
        embedding_weights=np.vstack([m.coef_[0] for m, _ in fits]).astype(np.float32),
        embedding_bias=np.array([m.intercept_[0] for m, _ in fits]),
        ngram_weights=np.vstack(
            [g.coef_[0] if g else np.zeros(len(vocabulary)) for _, g in fits]
        ).astype(np.float32),
        ngram_bias=np.array([g.intercept_[0] if g else 0.0 for _, g in fits]),
        ngram_share=np.array([0.5 if g else 0.0 for _, g in fits]),
        vocabulary=np.array(vocabulary),
        idf=net.tfidf.idf_,
        model_sha256=np.array(model_hash),
    )
    print(f"wrote {HEADS_FILE.relative_to(ROOT)}: {len(vocabulary)} n-grams")


if __name__ == "__main__":
    main()
