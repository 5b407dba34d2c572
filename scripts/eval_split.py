"""Split a labelled question corpus into a development part and a held-out test part, by site.

Every question's ``source`` is the page it was asked on; questions from one site (the registered
domain: forums.example.com and example.com are one site) all go to the same part, so a test
question never shares a site, and so a house style, with a development question. Sites are placed
by a hash of their name, so the split is stable when questions are added, and about
``--test-share`` of the sites go to test.

    python scripts/eval_split.py CORPUS.yaml [MORE.yaml ...] --dev knowledge/eval/real-dev.yaml \
        --test knowledge/eval/real-test.yaml
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path
from urllib.parse import urlsplit

import yaml

SECOND_LEVEL = {"co", "com", "org", "net", "ac", "gov", "edu"}  # example.co.uk is one site


def site(url: str) -> str:
    host = (urlsplit(url).hostname or url).lower()
    labels = host.split(".")
    keep = 3 if len(labels) >= 3 and labels[-2] in SECOND_LEVEL and len(labels[-1]) == 2 else 2
    return ".".join(labels[-keep:])


def in_test(name: str, share: float, salt: str) -> bool:
    digest = hashlib.sha256((salt + name).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < share


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", nargs="+", type=Path)
    ap.add_argument("--dev", type=Path, required=True)
    ap.add_argument("--test", type=Path, required=True)
    ap.add_argument("--test-share", type=float, default=0.4)
    ap.add_argument("--salt", default="lowback")
    args = ap.parse_args(argv)
    items, seen = [], set()
    for path in args.corpus:
        for item in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            key = " ".join(item["q"].lower().split())
            if key in seen:
                continue
            seen.add(key)
            items.append(item)
    dev = [i for i in items if not in_test(site(i["source"]), args.test_share, args.salt)]
    test = [i for i in items if in_test(site(i["source"]), args.test_share, args.salt)]
    header = (
        "# {part} part of the project's real-question corpus: see README.md beside this file.\n"
    )
    for part, path, chunk in (("Development", args.dev, dev), ("Held-out test", args.test, test)):
        text = yaml.safe_dump(chunk, sort_keys=False, allow_unicode=True, width=120)
        path.write_text(header.format(part=part) + text, encoding="utf-8")
    sites_dev = {site(i["source"]) for i in dev}
    sites_test = {site(i["source"]) for i in test}
    assert not sites_dev & sites_test
    print(
        f"dev {len(dev)} questions from {len(sites_dev)} sites; test {len(test)} from {len(sites_test)} sites"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
