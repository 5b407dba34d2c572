"""The dispatcher's decisions on their own: what to send or skip, and when not to send again."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from bot.core.schedule import next_occurrence
from bot.services.reminders.messages import SKIPPED_LATE, SKIPPED_REPLACED
from bot.services.reminders.outcomes import holder_is_dead, is_active, plan_due, why_not_resend
from bot.store.reminders import CLAIMED, PENDING, DeliveryRow, ScheduleRow

TZ = "Europe/Berlin"
TIMES = (time(7, 30), time(21, 30))
GRACE = timedelta(hours=1)
START = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
REPO = Path(__file__).resolve().parents[2]


def schedule(**changes: object) -> ScheduleRow:
    first = next_occurrence(START, TZ, TIMES)
    row = ScheduleRow(
        user_id=7,
        timezone=TZ,
        times=TIMES,
        weekdays=None,
        enabled=True,
        paused_until=None,
        next_due_at=first.due_utc,
        next_key=first.key,
        closed_reason=None,
        closed_at=None,
        created_at=START,
        updated_at=START,
    )
    return replace(row, **changes)


def delivery(due: datetime, *, attempts: int = 1) -> DeliveryRow:
    return DeliveryRow(
        id=1,
        user_id=7,
        occurrence_key="2026-03-02T07:30",
        due_at=due,
        status=CLAIMED,
        claimed_by="host:1:abc",
        claimed_at=due,
        retry_at=None,
        done_at=None,
        attempts=attempts,
        routine_id=None,
        last_error=None,
    )


def test_a_due_reminder_within_grace_is_sent_and_the_schedule_moves_on() -> None:
    row = schedule()
    assert row.next_due_at is not None
    plan = plan_due(row, row.next_due_at + timedelta(minutes=5), GRACE)
    assert plan.send == (row.next_key, row.next_due_at)
    assert plan.skipped == ()
    assert plan.next_due_at is not None and plan.next_due_at > row.next_due_at


def test_after_downtime_only_the_latest_is_sent_and_each_other_says_why() -> None:
    row = schedule()
    assert row.next_due_at is not None
    # Down from the morning reminder until just after the evening one: morning is too late.
    evening = next_occurrence(row.next_due_at, TZ, TIMES)
    plan = plan_due(row, evening.due_utc + timedelta(minutes=1), GRACE)
    assert plan.send == (evening.key, evening.due_utc)
    assert [(key, reason) for key, _, reason in plan.skipped] == [(row.next_key, SKIPPED_LATE)]
    # Down for two reminders but back within grace of both: the older is replaced, not late.
    close = replace(row, times=(time(7, 30), time(7, 45)))
    second = next_occurrence(row.next_due_at, TZ, close.times)
    plan = plan_due(close, second.due_utc + timedelta(minutes=1), GRACE)
    assert plan.send == (second.key, second.due_utc)
    assert [reason for _, _, reason in plan.skipped] == [SKIPPED_REPLACED]


def test_a_paused_or_stopped_schedule_sends_nothing() -> None:
    row = schedule()
    assert row.next_due_at is not None
    now = row.next_due_at + timedelta(minutes=1)
    paused = plan_due(replace(row, paused_until=now + timedelta(days=2)), now, GRACE)
    assert paused.send is None and paused.next_due_at is not None
    assert paused.next_due_at > now + timedelta(days=2)
    for stopped in (replace(row, enabled=False), replace(row, closed_reason="dms closed")):
        plan = plan_due(stopped, now, GRACE)
        assert (plan.send, plan.skipped, plan.next_due_at) == (None, (), None)
        assert not is_active(stopped, now)
    assert is_active(row, now) and not is_active(None, now)


def test_why_a_retry_or_an_abandoned_claim_is_not_sent_again() -> None:
    row = schedule()
    due = START + timedelta(hours=6)
    soon = due + timedelta(minutes=2)
    assert why_not_resend(row, delivery(due), CLAIMED, soon, GRACE, 5) is None
    assert why_not_resend(None, delivery(due), CLAIMED, soon, GRACE, 5) == (
        "reminders were turned off"
    )
    assert why_not_resend(replace(row, closed_reason="dms closed"), delivery(due), PENDING, soon, GRACE, 5) == (
        "reminders stopped: dms closed"
    )  # fmt: skip
    paused = replace(row, paused_until=soon + timedelta(days=1))
    assert why_not_resend(paused, delivery(due), PENDING, soon, GRACE, 5) == "reminders were paused"
    late = due + GRACE + timedelta(seconds=1)
    assert why_not_resend(row, delivery(due), PENDING, late, GRACE, 5) == SKIPPED_LATE
    # Failed sends count against the limit; claims abandoned by crashes do not.
    tired = delivery(due, attempts=6)
    assert why_not_resend(row, tired, PENDING, soon, GRACE, 5) == "gave up after 5 attempts"
    assert why_not_resend(row, tired, CLAIMED, soon, GRACE, 5) is None


def test_only_a_dispatcher_certainly_gone_is_dead() -> None:
    me = f"here:{os.getpid()}:mine"
    assert not holder_is_dead(me, me)
    assert holder_is_dead(f"here:{os.getpid()}:before-restart", me)  # same pid, another name
    assert not holder_is_dead(f"here/other:{os.getpid()}:x", me)  # another pid namespace
    assert not holder_is_dead("elsewhere:1:x", me)  # another host: left to its lease
    assert not holder_is_dead("not a name", me)


def _unshare(code: str) -> list[str]:
    unshare = shutil.which("unshare")
    return [unshare or "unshare", "--pid", "--fork", "--mount-proc", sys.executable, "-c", code]


def _skip_without_namespaces(returncode: int | None, stderr: str) -> None:
    if returncode not in (0, None) and "unshare" in stderr:
        pytest.skip(f"cannot make a process-id namespace here: {stderr.strip()}")


def in_own_pid_namespace(code: str) -> str:
    """Run ``code`` in a new process-id namespace, where it is pid 1, as in a container on the
    host's network (same host name); its output. Skips where namespaces cannot be made."""
    try:
        done = subprocess.run(_unshare(code), capture_output=True, text=True, timeout=60, cwd=REPO)
    except FileNotFoundError:
        pytest.skip("no unshare here")
    _skip_without_namespaces(done.returncode, done.stderr)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_a_dispatcher_in_another_container_on_the_host_network_is_not_taken_for_dead() -> None:
    # Two bot containers on one host's network, both running: the same host name, and each is
    # pid 1. (The first stays up while the second judges it, as a running container does; one
    # that had ended could leave its namespace's number to the next.)
    code = (
        "import os, sys; from bot.services.reminders.outcomes import dispatcher_name;"
        " print(os.getpid(), dispatcher_name(), flush=True); sys.stdin.read()"
    )
    try:
        first = subprocess.Popen(
            _unshare(code),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=REPO,
        )
    except FileNotFoundError:
        pytest.skip("no unshare here")
    try:
        assert first.stdout is not None and first.stdin is not None
        line = first.stdout.readline()
        if not line:
            first.wait(timeout=60)
            _skip_without_namespaces(first.returncode, first.stderr.read() if first.stderr else "")
        pid, name = line.split()
        assert pid == "1"
        verdict = in_own_pid_namespace(
            "import os; from bot.services.reminders.outcomes import dispatcher_name, holder_is_dead;"
            f" print(os.getpid(), holder_is_dead({name!r}, dispatcher_name()))"
        )
    finally:
        if first.stdin is not None:
            first.stdin.close()
        first.wait(timeout=60)
    # The second would take over the first one's reminders while they are being sent.
    assert verdict == "1 False"
