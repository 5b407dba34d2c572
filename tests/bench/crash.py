"""Exactly-once delivery under crashes, at length: the crash-injection run of the test suite
(tests/support/crash_delivery.py) with more reminders and more kills.

    .venv/bin/python -m tests.bench.crash                       # 3,000 reminders, 120 kills (a few minutes)
    .venv/bin/python -m tests.bench.crash --reminders 200 --kills 40

Targets: 0 lost, 0 delivered twice, at least 100 kills; every repeated request (the process was
killed after Discord took the message and before the store recorded it: no store can rule that
out) within Discord's nonce window of the first, and each abandoned reminder tried again within
60 s of the kill when the process restarted after it stays up.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

from tests.support import crash_delivery


async def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reminders", type=int, default=3000)
    parser.add_argument("--kills", type=int, default=120)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(f"Delivering {args.reminders} due reminders, killing the sender {args.kills} times")
    with tempfile.TemporaryDirectory() as tmp:
        f = await crash_delivery.run(
            Path(tmp), reminders=args.reminders, kills=args.kills, seed=args.seed, out=sys.stdout
        )
    ok = (
        f.lost == 0
        and f.delivered_twice == 0
        and f.kills >= min(args.kills, 100)
        and f.longest_repeat_gap < crash_delivery.NONCE_WINDOW
        and f.longest_recovery <= crash_delivery.RECOVERY_TARGET
    )
    print(
        f"  target 0 lost, 0 twice, repeats inside the nonce window, recovery <= 60 s: {'PASS' if ok else 'FAIL'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
