"""Exactly once, measured: the delivery path in a subprocess, killed at random points (SIGKILL),
against the Discord stand-in that records every send (see tests/support/crash_delivery.py;
tests/bench/crash.py runs it longer)."""

from __future__ import annotations

from pathlib import Path

from tests.support import crash_delivery


async def test_killed_again_and_again_no_reminder_is_lost_or_shown_twice(tmp_path: Path) -> None:
    figures = await crash_delivery.run(tmp_path, reminders=400, kills=10, seed=13)
    report = "\n".join(figures.lines())
    assert figures.kills >= 10, report
    assert figures.lost == 0 and figures.delivered_once == 400, report
    assert figures.delivered_twice == 0, report
    assert figures.statuses == {"sent": 400}, report
    # A repeat request (killed after Discord took the message, before the store heard) cannot be
    # ruled out; it must come soon enough for Discord to drop it by its nonce.
    assert figures.longest_repeat_gap < crash_delivery.NONCE_WINDOW, report
    assert figures.longest_recovery <= crash_delivery.RECOVERY_TARGET, report
