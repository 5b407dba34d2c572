"""`/admin reload` without a stall: questions keep being answered within Discord's 3 seconds while
a large knowledge base reloads.

    .venv/bin/python -m tests.bench.reload              # a knowledge base near the 4 MB limit
    .venv/bin/python -m tests.bench.reload --mb 1

The repo's knowledge plus generated topic files (each a valid topic with many patterns) up to
``--mb`` megabytes. While ``Services.reload_knowledge()`` runs, a question is asked every 50 ms
through the same services, as interactions would be; for each answer the figure is how long a
question that arrived just after the previous answer would have waited. Target: every answer within 3 s (the slowest is printed). The same
figures for the old way (parsing on the event loop) are printed for comparison.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import yaml

from bot.core.knowledge.loading import MAX_FILE_BYTES, load_knowledge
from bot.core.matching import Matcher
from bot.services.container import Services
from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[2]

WORDS = [
    "glute",
    "hamstring",
    "psoas",
    "bridge",
    "hinge",
    "squat",
    "lunge",
    "plank",
    "stretch",
    "flare",
    "sciatica",
    "posture",
    "desk",
    "chair",
    "walk",
    "run",
    "lift",
    "carry",
    "twist",
    "bend",
    "reach",
    "sleep",
    "stand",
    "sit",
    "kneel",
    "breathe",
    "brace",
    "hold",
    "squeeze",
    "release",
]


def tag(n: int, prefix: str = "zq") -> str:
    """A made-up word for ``n`` (letters only: text normalisation keeps it)."""
    letters = ""
    n += 26 * 27
    while n:
        n, r = divmod(n, 26)
        letters = "abcdefghijklmnopqrstuvwxyz"[r] + letters
    return prefix + letters


def topic(n: int) -> dict:
    w = [WORDS[(n * 7 + i) % len(WORDS)] for i in range(12)]
    t = tag(n)
    return {
        "id": f"generated-{n}",
        "title": f"Generated topic {n}",
        "source": "psoas-glutes",
        "kind": "info",
        "summary": f"About {w[0]} and {w[1]}.",
        "answer": f"Generated answer {n} about {' '.join(w)}.",
        "keywords": [f"{t} {w[i]}" for i in range(6)],
        "patterns": [
            f"how do i {w[i % 12]} with my {t} {tag(i, 'vx')} and {w[(i + 3) % 12]}"
            for i in range(40)
        ],
    }


def build(folder: Path, megabytes: float) -> int:
    shutil.copytree(ROOT / "knowledge", folder)
    target = int(megabytes * 1_000_000) - sum(p.stat().st_size for p in folder.rglob("*.yaml"))
    n, written, index = 0, 0, 0
    while written < target:
        topics = []
        size = 0
        while size < min(MAX_FILE_BYTES * 0.9, target - written) and written + size < target:
            t = topic(n)
            n += 1
            topics.append(t)
            size += len(yaml.safe_dump(t))
        path = folder / "topics" / f"generated-{index}.yaml"
        path.write_text(yaml.safe_dump({"topics": topics}, sort_keys=False), encoding="utf-8")
        written += path.stat().st_size
        index += 1
    return n


async def measure(services: Services, reload) -> tuple[float, list[float]]:
    """Reload while asking every 50 ms. Returns how long the reload took and, for each answer,
    how long a question arriving just after the previous answer would have waited for it (the
    time since the previous answer, at least the answer's own latency)."""
    latencies: list[float] = []
    last = [time.perf_counter()]
    done = asyncio.Event()

    async def asker() -> None:
        while not done.is_set():
            asked = time.perf_counter()
            await services.ask.ask(7, "can i still deadlift with a sore back")
            now = time.perf_counter()
            latencies.append(max(now - asked, now - last[0] - 0.05))
            last[0] = now
            try:
                await asyncio.wait_for(done.wait(), 0.05)
            except TimeoutError:
                pass

    task = asyncio.create_task(asker())
    await asyncio.sleep(0.2)
    t0 = time.perf_counter()
    await reload()
    took = time.perf_counter() - t0
    await asyncio.sleep(0.2)  # the questions that queued up during the reload get their answers
    done.set()
    await task
    return took, latencies


async def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--mb", type=float, default=3.9)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "knowledge"
        generated = build(folder, args.mb)
        size = sum(p.stat().st_size for p in folder.rglob("*.yaml"))
        print(
            f"Knowledge base: {size / 1e6:.1f} MB, {generated:,} generated topics beside the repo's"
        )
        settings = replace(
            Settings.from_env(environ={}, dotenv=None),
            database=Path(tmp) / "bot.db",
            knowledge=folder,
        )
        services = await Services.open(settings)
        try:
            took, latencies = await measure(services, services.reload_knowledge)
            problems = await services.reload_knowledge()
            print(
                f"  reload in a thread: {took:.1f} s, {len(latencies)} questions answered meanwhile, longest wait "
                f"for an answer {max(latencies):.2f} s{' (refused: ' + str(problems[0]) + ')' if problems else ''}"
            )

            def on_the_loop():
                kb = load_knowledge(folder)
                services.knowledge.kb, services.knowledge.matcher = kb, Matcher(kb)

            async def old_way():
                on_the_loop()

            took_old, old = await measure(services, old_way)
            print(
                f"  the old way (on the event loop): {took_old:.1f} s, {len(old)} answered meanwhile, longest wait "
                f"for an answer {max(old):.2f} s"
            )
        finally:
            await services.close()
    ok = max(latencies) < 3.0 and not problems
    print(f"  target: every answer within 3 s during the reload: {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
