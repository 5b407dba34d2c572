"""The heartbeat: a file the running bot touches while it is connected, and the container's
health check (``python -m bot.ops healthcheck``) that reads it."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bot.core.clock import Clock, Sleep
from bot.ops.doctor import Check
from bot.settings import Settings, SettingsError

log = logging.getLogger("lowback.ops")


HEARTBEAT_INTERVAL = 30.0  # seconds between touches while the bot is connected
HEARTBEAT_MAX_AGE = 120.0  # older than this and the container is reported unhealthy


def heartbeat_path(database: Path) -> Path:
    """The heartbeat file lives beside the database, on the same volume / StateDirectory."""
    return database.with_name(database.name + ".heartbeat")


def touch_heartbeat(path: Path, now: datetime) -> None:
    """Record ``now`` (aware) in the heartbeat file, atomically."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(now.astimezone(UTC).isoformat() + "\n", encoding="utf-8")
    os.replace(tmp, path)


def heartbeat_age(path: Path, now: datetime) -> float | None:
    """Seconds since the last heartbeat, or None if there is none (missing, unreadable, garbled)."""
    try:
        stamp = datetime.fromisoformat(path.read_text(encoding="utf-8").strip())
    except (OSError, ValueError):
        return None
    if stamp.tzinfo is None:
        return None
    return max(0.0, (now - stamp).total_seconds())


async def heartbeat_loop(
    path: Path,
    *,
    alive: Callable[[], bool],
    clock: Clock,
    sleep: Sleep,
    interval: float = HEARTBEAT_INTERVAL,
) -> None:
    """Touch the heartbeat every ``interval`` seconds while ``alive()``; runs until cancelled.

    Start it as a task once the bot is set up, e.g. with
    ``alive=lambda: bot.is_ready() and not bot.is_closed()``, ``clock=bot.clock``, ``sleep=bot.sleep``,
    and cancel it in ``close()``. A frozen event loop or a bot that never got ready stops the touches,
    and the health check notices.
    """
    failing = False
    while True:
        if alive():
            try:
                touch_heartbeat(path, clock())
            except OSError as exc:
                if not failing:
                    log.warning("Cannot write the heartbeat file %s: %s", path, exc)
                failing = True
            else:
                failing = False
        await sleep(interval)


def check_heartbeat(path: Path, now: datetime, *, max_age: float = HEARTBEAT_MAX_AGE) -> Check:
    age = heartbeat_age(path, now)
    if age is None:
        return Check(
            "heartbeat",
            False,
            f"no heartbeat at {path}: the bot is not running or never got ready.",
        )
    if age > max_age:
        return Check(
            "heartbeat",
            False,
            f"last heartbeat {age:.0f} s ago (more than {max_age:g} s): the bot is stuck.",
        )
    return Check("heartbeat", True, f"last heartbeat {age:.0f} s ago.")


def healthcheck_main(
    argv: list[str] | None = None,
    *,
    environ: dict[str, str] | None = None,
    clock: Clock | None = None,
) -> int:
    """``python -m bot.ops healthcheck``: exit 0 if the heartbeat is fresh, 1 if not (Docker HEALTHCHECK)."""
    args = sys.argv[1:] if argv is None else argv
    if args != ["healthcheck"]:
        print("usage: python -m bot.ops healthcheck", file=sys.stderr)
        return 2
    try:
        settings = Settings.from_env(environ)
        base = settings.state_base  # with PostgreSQL, a user with no home must name it
    except SettingsError as exc:
        print(f"unhealthy: configuration problem: {exc}")
        return 1
    now = (clock or (lambda: datetime.now(UTC)))()
    result = check_heartbeat(heartbeat_path(base), now)
    print(("healthy: " if result.ok else "unhealthy: ") + result.message)
    return 0 if result.ok else 1
