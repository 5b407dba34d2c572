"""Train the crisis phrase head of the red-flag screen's second net (bot/core/safety_net.py).

    .venv/bin/pip install -e '.[train]'      # scikit-learn, for training only
    .venv/bin/python scripts/train_crisis_phrases.py [--no-write]

Most crisis messages never say suicide, kill or die: they tell of a plan, pills put by, goodbyes,
affairs put in order, a deadline. The embedding's crisis head (scripts/train_safety_net.py) reads
them as one more story of pain. This head reads words instead: a logistic regression over the
tf-idf of a message's runs of one to three words and of its words' character n-grams, trained on
every crisis message of the development and written tuning sets against every other message in
them (knowledge/eval/real-dev.yaml, real-fresh-dev.yaml, written.yaml, written-screen.yaml,
written-crisis.yaml, written-soon.yaml, written-stories.yaml, knowledge/eval.yaml and, when
../shared sits beside the checkout, its dev.yaml), and on wishes for the pain to end written here
("I just want my back to stop hurting for good") as messages that are not one. The held-out parts (real-test, real-fresh-test,
real-blind, written-heldout, written-heldout-2, written-heldout-3, written-crisis-heldout) are never read.

It prints five-fold figures with folds split by site, a writer counting as a site, so each crisis
writer's messages are read by a head that never saw that writer: that is what says how it does on
wording nobody tuned on. It sets the threshold by this rule: the lowest at which, five-fold, the
messages that are not a crisis and that get the crisis reply only because of this head stay within
SHARE of all the messages that are not a crisis, and at which the final head gives no new crisis
reply in knowledge/eval.yaml or the shared set. Then it writes bot/models/crisis_phrases.npz.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from eval_split import site  # noqa: E402
from training_sets import SHARED_DEV, start  # noqa: E402

from bot.core.knowledge.loading import load_knowledge  # noqa: E402
from bot.core.matching import Matcher  # noqa: E402
from bot.core.safety_net import (  # noqa: E402
    HEADS_FILE,
    PHRASE_MIN_WORDS,
    PHRASES_FILE,
    NgramVectorizer,
    PhraseHead,
    SafetyHeads,
    char_ngrams,
    without_figures,
    word_grams,
)
from bot.core.text import normalize  # noqa: E402

EVAL = ROOT / "knowledge" / "eval"
SETS = [
    EVAL / "real-dev.yaml",
    EVAL / "real-fresh-dev.yaml",
    EVAL / "written.yaml",
    EVAL / "written-screen.yaml",
    EVAL / "written-crisis.yaml",
    EVAL / "written-soon.yaml",
    EVAL / "written-stories.yaml",
    ROOT / "knowledge" / "eval.yaml",
    SHARED_DEV,
]
GUARDED = {"eval.yaml", "dev.yaml"}  # may not get a crisis reply they did not have
REAL = {"real-dev.yaml", "real-fresh-dev.yaml"}
# Five-fold, a light penalty (C 4) caught more of an unseen writer's crisis messages than 1 and as
# many as 16; words and characters together more than either alone.
C = 4.0
MIN_DF = 2
SHARE = 0.003  # of the messages that are not a crisis, the most this head may turn into one

# Wishes for the pain to end that are not a wish to die: the crisis messages say "for good", "end"
# and "stop" too, and nothing in the corpus says them of the pain alone. Every opening with every
# goal, written here (not corpus lines), learned as messages that are not a crisis.
OPENINGS = ["I want", "I just want", "all I want is", "I'd love", "I really want", "I need"]
GOALS = [
    "this back pain gone for good",
    "my back to stop hurting for good",
    "to fix my back once and for all",
    "the pain to stop so I can lift again",
    "to end these flare ups for good",
    "to be pain free for good",
    "to never feel this sciatica again",
    "to end this pain and get back to the gym",
    "this ache to stop for good so I can sleep",
]


def wishes() -> list[str]:
    return [f"{o} {g}" for o in OPENINGS for g in GOALS]


def features(texts: list[str], fitted: tuple | None = None) -> tuple:
    """The tf-idf blocks (runs of words, character n-grams), fitted on ``texts`` unless given."""
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import TfidfVectorizer

    if fitted is None:
        fitted = (
            TfidfVectorizer(analyzer=word_grams, min_df=MIN_DF, sublinear_tf=True).fit(texts),
            TfidfVectorizer(analyzer=char_ngrams, min_df=MIN_DF, sublinear_tf=True).fit(texts),
        )
    return hstack([v.transform(texts) for v in fitted]).tocsr(), fitted


def fit(texts: list[str], y: np.ndarray) -> tuple:
    from sklearn.linear_model import LogisticRegression

    x, fitted = features(texts)
    model = LogisticRegression(C=C, max_iter=5000, class_weight="balanced").fit(x, y)
    return model, fitted


def probability(trained: tuple, texts: list[str]) -> np.ndarray:
    model, fitted = trained
    p: np.ndarray = model.predict_proba(features(texts, fitted)[0])[:, 1]
    return p


def main() -> None:
    args, items = start(__doc__.splitlines()[0], SETS)
    texts = [normalize(i["q"]) for _, i in items]
    y = np.array([i.get("kind") == "crisis" for _, i in items])
    # What the bot says today without this head: the rules and the embedding's heads.
    kb = load_knowledge(ROOT / "knowledge")
    matcher = Matcher(kb, heads=SafetyHeads.from_file(HEADS_FILE))
    verdicts = [matcher.match(i["q"]).red_flag for _, i in items]
    crisis_now = np.array([f is not None and f.group.urgency == "crisis" for f in verdicts])
    emergency = np.array([f is not None and f.group.urgency == "emergency" for f in verdicts])
    groups = sorted({site(i.get("source", "local")) for _, i in items})
    random.Random(1).shuffle(groups)
    fold_of = {g: n % 5 for n, g in enumerate(groups)}
    folds = np.array([fold_of[site(i.get("source", "local"))] for _, i in items])
    # At run time a message that reads like a crisis only through its figures of speech is not one
    # (``net_skips``): each message counts with the lower of its two readings.
    read = [without_figures(kb.safety, t) for t in texts]
    cv = np.zeros(len(items))
    for k in range(5):
        train, test = np.flatnonzero(folds != k), np.flatnonzero(folds == k)
        trained = fit(
            [texts[i] for i in train] + [normalize(w) for w in wishes()],
            np.concatenate([y[train], np.zeros(len(wishes()), bool)]),
        )
        cv[test] = np.minimum(
            probability(trained, [texts[i] for i in test]),
            probability(trained, [read[i] for i in test]),
        )
    extra = [normalize(w) for w in wishes()]
    final = fit(texts + extra, np.concatenate([y, np.zeros(len(extra), bool)]))
    p_final = np.minimum(probability(final, texts), probability(final, read))
    guarded = np.array([n in GUARDED for n, _ in items])
    # the head never turns the rules' emergency into a crisis, nor reads a message of a few words
    may = ~emergency & np.array([len(t.split()) >= PHRASE_MIN_WORDS for t in texts])
    wrong = ~y
    threshold = 1.0
    for t in np.unique(cv):
        new = (cv > t) & may & ~crisis_now & wrong
        if (
            new.sum() <= SHARE * wrong.sum()
            and not ((p_final > t) & may & ~crisis_now & wrong & guarded).any()
        ):
            threshold = float(t)
            break
    report(items, y, cv, threshold, crisis_now, may, wrong)
    still = [w for w, p in zip(extra, probability(final, extra), strict=True) if p > threshold]
    print(f"  written wishes the final head still reads as a crisis: {len(still)} of {len(extra)}")
    if not args.no_write:
        write(final, threshold, texts[:300])


def report(items, y, cv, t, crisis_now, may, wrong) -> None:  # type: ignore[no-untyped-def]
    fired = (cv > t) & may
    print(f"threshold {t:.3f}; five-fold by site (a writer is a site):")
    by_source: dict[str, list[int]] = {}
    for n, (name, item) in enumerate(items):
        src = site(item.get("source", "local"))
        key = src if src.startswith("written-") else "real" if name in REAL else name
        by_source.setdefault(key, []).append(n)
    for key, rows in sorted(by_source.items()):
        r = np.array(rows)
        cr = r[y[r]]
        if not len(cr):
            continue
        print(
            f"  {key:16} crisis {len(cr):3}: head alone {fired[cr].sum():3}, today "
            f"{crisis_now[cr].sum():3}, either {(fired | crisis_now)[cr].sum():3}; "
            f"new crisis replies to the others {(fired & ~crisis_now & wrong)[r].sum()} "
            f"of {wrong[r].sum()}"
        )
    print(
        f"  all: new crisis replies to messages that are not a crisis "
        f"{(fired & ~crisis_now & wrong).sum()} of {wrong.sum()}"
    )


def write(trained: tuple, threshold: float, sample: list[str]) -> None:
    """Save the head for bot.core.safety_net, after checking that it reads messages exactly as
    scikit-learn did."""
    model, (words, chars) = trained
    phrases = [str(g) for g in words.get_feature_names_out()]
    grams = [str(g) for g in chars.get_feature_names_out()]
    head = PhraseHead(
        phrases,
        words.idf_,
        NgramVectorizer(grams, chars.idf_),
        model.coef_[0],
        float(model.intercept_[0]),
        threshold,
    )
    theirs = probability(trained, sample)
    mine = np.array([head.probability(t) for t in sample])
    assert np.allclose(mine, theirs, atol=1e-6), np.abs(mine - theirs).max()
    np.savez_compressed(
        PHRASES_FILE,
        phrases=np.array(phrases),
        phrase_idf=words.idf_,
        chars=np.array(grams),
        char_idf=chars.idf_,
        weights=model.coef_[0].astype(np.float32),
        bias=np.array(model.intercept_[0]),
        threshold=np.array(threshold),
    )
    print(f"wrote {PHRASES_FILE.relative_to(ROOT)}: {len(phrases)} phrases, {len(grams)} n-grams")


if __name__ == "__main__":
    main()
