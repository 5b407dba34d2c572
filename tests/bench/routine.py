"""Benchmark: how late do phase events arrive in a real-time routine?

Runs the bundled booty-flex routine scaled to 30 seconds (21 phases) through the real service,
with the real clock, ``asyncio.sleep`` and a SQLite file, and measures for every event the time
between its planned instant and the moment the front end's callback received it.

    python -m tests.bench.routine               # 30 s
    python -m tests.bench.routine --seconds 10 --pause-at 4 --pause-for 1.5

Prints the worst lateness (target: under 50 ms) and exits 1 if it misses the target.
Because each phase ends at its planned instant, lateness does not build up from phase to phase:
the last event is no later than the first.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
from pathlib import Path

from bot.core.clock import utcnow
from bot.core.errors import KnowledgeError
from bot.core.knowledge.loading import load_knowledge
from bot.core.routine.session import Event, Finished, PhaseStarted
from bot.services.routine_handles import RoutineHandle
from bot.services.routines import RoutineService
from bot.store.db import Database

ROOT = Path(__file__).resolve().parents[2]

TARGET_MS = 50.0


async def bench(seconds: float, pause_at: float | None, pause_for: float) -> int:
    try:
        book = load_knowledge(ROOT / "knowledge").routines
    except KnowledgeError as exc:
        print(exc)
        return 2
    base = book.get("booty-flex")
    assert base is not None
    plan = base.scaled(seconds / base.total_seconds)

    late_ms: list[float] = []
    late_by_index: list[tuple[int, float]] = []

    def on_event(event: Event) -> None:
        if isinstance(event, (PhaseStarted, Finished)):
            lateness = (utcnow() - event.at).total_seconds() * 1000
            late_ms.append(lateness)
            late_by_index.append((getattr(event, "index", len(plan.phases)), lateness))

    with tempfile.TemporaryDirectory() as tmp:
        db = await Database.open(Path(tmp) / "bench.db")
        try:
            service = RoutineService(db, book, utcnow, asyncio.sleep)
            handle = await service.start(1, plan=plan, on_event=on_event)
            assert isinstance(handle, RoutineHandle)
            started = handle.session.started_at
            if pause_at is not None:
                await asyncio.sleep(pause_at)
                await service.pause(1)
                await asyncio.sleep(pause_for)
                await service.resume(1)
            await handle.wait()
            took = (utcnow() - started).total_seconds()
        finally:
            await db.close()

    planned = seconds + (pause_for if pause_at is not None else 0.0)
    worst = max(late_ms)
    print(
        f"routine: {plan.name}, {len(plan.phases)} phases, {seconds:g} s planned"
        + (f" + {pause_for:g} s paused" if pause_at is not None else "")
    )
    print(f"wall time to the recorded end: {took:.3f} s (planned {planned:.3f} s)")
    print(
        f"events: {len(late_ms)}; lateness mean {statistics.mean(late_ms):.2f} ms, "
        f"median {statistics.median(late_ms):.2f} ms"
    )
    first, last = late_by_index[0][1], late_by_index[-1][1]
    print(f"first event {first:.2f} ms late, last event {last:.2f} ms late (no build-up)")
    verdict = "OK" if worst < TARGET_MS else "MISSED"
    print(f"worst lateness of a phase event: {worst:.2f} ms (target < {TARGET_MS:g} ms) {verdict}")
    return 0 if worst < TARGET_MS else 1


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--seconds", type=float, default=30.0, help="length of the routine (default 30)"
    )
    parser.add_argument("--pause-at", type=float, default=None, help="pause this many seconds in")
    parser.add_argument(
        "--pause-for", type=float, default=2.0, help="how long to stay paused (default 2)"
    )
    args = parser.parse_args()
    return asyncio.run(bench(args.seconds, args.pause_at, args.pause_for))


if __name__ == "__main__":
    raise SystemExit(main())
