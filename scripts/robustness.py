"""How much of the bot's answering survives the way real messages are dressed.

    .venv/bin/python scripts/robustness.py [FILE ...]

Takes every question of the labelled sets (by default the development part, the first written part,
knowledge/eval.yaml and ../shared/eval/dev.yaml) that the bot answers right, dresses it the way
people do, and counts how many answers change: a greeting before it, thanks, "pls help" or "lol"
after it, two letters of one word swapped or a letter held down ("weeeeak"), a filler word ("ngl")
inside it, chat spellings ("u", "ur", "smth", "ppl", "w/"), a line about the post or its writer
("long time lurker, first post", "45F here", "sorry for the long post"); red flags retold of
someone else ("my husband says he...") or after a line of context ("34M, desk job, I lift 3x a
week.") or a denied sign ("no fever, ..."); ordinary questions followed by a list of absent
warning signs. None of these changes what was asked, so every change counted is the bot's error,
whatever the labels. Held-out parts are not read here, since they are only ever run with
``lowback eval --totals``.
"""

from __future__ import annotations

import random
import re
import sys
from collections.abc import Callable
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from training_sets import SHARED_DEV, existing  # noqa: E402

from bot.core.evaluation import parse_items  # noqa: E402
from bot.core.knowledge.loading import load_knowledge  # noqa: E402
from bot.core.match_result import MatchResult  # noqa: E402
from bot.core.matching import Matcher  # noqa: E402

DEFAULT_SETS = [
    ROOT / "knowledge" / "eval" / "real-dev.yaml",
    ROOT / "knowledge" / "eval" / "written.yaml",
    ROOT / "knowledge" / "eval.yaml",
    SHARED_DEV,
]
RNG = random.Random(7)


def _slipped(q: str, slip: Callable[[str, int], str]) -> str:
    """``q`` with one longer word changed by ``slip(word, j)`` at a letter ``j`` inside it."""
    words = q.split()
    longer = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
    if not longer:
        return q
    i = RNG.choice(longer)
    words[i] = slip(words[i], RNG.randrange(1, len(words[i]) - 1))
    return " ".join(words)


def dropped(q: str) -> str:
    """A letter of one longer word left out, the commonest slip of all."""
    return _slipped(q, lambda w, j: w[:j] + w[j + 1 :])


def swapped(q: str) -> str:
    """Two neighbouring letters of one longer word swapped, as a quick thumb does."""
    return _slipped(q, lambda w, j: w[:j] + w[j + 1] + w[j] + w[j + 2 :])


THIRD_PERSON = [
    (r"\bI'?m\b", "he's"),
    (r"\bI'?ve\b", "he's"),
    (r"\bI have\b", "he has"),
    (r"\bI was\b", "he was"),
    (r"\bI\b", "he"),
    (r"\bmy\b", "his"),
    (r"\bme\b", "him"),
    (r"\bmyself\b", "himself"),
]


def retold(q: str) -> str:
    for first, third in THIRD_PERSON:
        q = re.sub(first, third, q, flags=re.IGNORECASE)
    return "my husband says " + q


CHAT_SPELLINGS = [
    (r"\byou\b", "u"),
    (r"\byour\b", "ur"),
    (r"\bare\b", "r"),
    (r"\bsomething\b", "smth"),
    (r"\bpeople\b", "ppl"),
    (r"\bwith\b", "w/"),
    (r"\babout\b", "abt"),
    (r"\bbecause\b", "cuz"),
]


def held_down(q: str) -> str:
    """One vowel of one longer word typed four times, as in "weeeeak" or "nuuuumb"."""
    words = q.split()
    longer = [i for i, w in enumerate(words) if len(w) >= 4 and w.isalpha()]
    vowels = [(i, j) for i in longer for j, c in enumerate(words[i]) if j and c in "aeiou"]
    if not vowels:
        return q
    i, j = RNG.choice(vowels)
    words[i] = words[i][:j] + words[i][j] * 4 + words[i][j + 1 :]
    return " ".join(words)


def with_filler(q: str) -> str:
    """A filler word ("ngl", "tbh", "lowkey") put between two words."""
    words = q.split()
    if len(words) < 3:
        return q
    at = RNG.randrange(1, len(words))
    return " ".join([*words[:at], RNG.choice(["ngl", "tbh", "lowkey", "kinda"]), *words[at:]])


def chat_spelled(q: str) -> str:
    for word, chat in CHAT_SPELLINGS:
        q = re.sub(word, chat, q, flags=re.IGNORECASE)
    return q


DRESSINGS: dict[str, Callable[[str], str]] = {
    "a greeting before": lambda q: "hey bot, quick question: " + q,
    "thanks after": lambda q: q + " thanks in advance!!",
    '"pls help" after': lambda q: q + " pls help",
    '"lol" after': lambda q: q + " lol",
    "two letters swapped": swapped,
    "a letter dropped": dropped,
    "chat spellings (u, ur, smth, ppl)": chat_spelled,
    "a letter held down": held_down,
    "a filler word (ngl, tbh) inside": with_filler,
    "a line about the post before": lambda q: "Long time lurker, first post. " + q,
    "a line about the writer before": lambda q: "Hi all, 45F here. " + q,
    "a line about the post after": lambda q: q + "\nSorry for the long post, on mobile.",
    "no space after a stop": lambda q: re.sub(r"([.!?,]) (?=\w)", r"\1", q),
    "a title naming the subject before": lambda q: "Back pain question\n\n" + q,
    "an edit line after": lambda q: q + "\nEdit: typo",
    "thanks for the replies after": lambda q: q + "\nUpdate: thanks for the replies so far.",
    '"sorry if this is dumb" after': lambda q: q + " Sorry if this is a dumb question.",
    "a line of profile before": lambda q: "Quick background: 34F, desk job. " + q,
    "a question passed on": lambda q: "Asking for my wife: " + q,
}
FOR_RED_FLAGS = {
    "retold of someone else": retold,
    "a line of context before": lambda q: "34M, desk job, I lift 3x a week. " + q,
    "a denied sign before, then a comma": lambda q: "not sure it matters, no fever, " + q,
}
FOR_ORDINARY = {
    "absent signs listed after": lambda q: q + " no numbness or tingling, no bladder problems.",
    "absent signs in brackets after": lambda q: q + " (no fever, didn't fall, legs are fine)",
}


def outcome(result: MatchResult) -> tuple[str, str | None]:
    """What a person would see change: the kind of reply, and the topic of an answer."""
    if result.kind == "red_flag":
        return "red_flag", None
    if result.kind in ("no_match", "off_topic", "gap"):
        return "no_match", None
    return "answer", result.topic


def main(paths: list[Path]) -> None:
    matcher = Matcher(load_knowledge(ROOT / "knowledge"))
    items = [
        item
        for path in existing(paths)
        for item in parse_items(yaml.safe_load(path.read_text(encoding="utf-8")), path.name)
    ]
    right = []
    for item in items:
        seen = outcome(matcher.match(item.q))
        if (seen[1] if seen[0] == "answer" else seen[0]) in item.expect:
            right.append((item, seen))
    print(f"{len(right)} of {len(items)} questions answered right, dressed:")
    table = [(name, dress, lambda item: True) for name, dress in DRESSINGS.items()]
    table += [(n, d, lambda item: "red_flag" in item.expect) for n, d in FOR_RED_FLAGS.items()]
    table += [(n, d, lambda item: "red_flag" not in item.expect) for n, d in FOR_ORDINARY.items()]
    for name, dress, applies in table:
        tried = [(item, seen) for item, seen in right if applies(item)]
        changed = [item.q for item, seen in tried if outcome(matcher.match(dress(item.q))) != seen]
        print(f"  {name:32} {len(changed):5} of {len(tried):5} answers changed")


if __name__ == "__main__":
    main([Path(a) for a in sys.argv[1:]] or DEFAULT_SETS)
