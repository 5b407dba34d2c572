import asyncio
from datetime import UTC, datetime, timedelta

from bot.core.clock import Clock, Sleep, utcnow


def test_utcnow_is_aware_utc_and_current():
    before = datetime.now(UTC)
    now = utcnow()
    assert now.tzinfo is UTC
    assert before <= now <= datetime.now(UTC) + timedelta(seconds=1)


def test_a_fake_clock_and_sleep_fit_the_protocols():
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)

    fixed = datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    clock: Clock = lambda: fixed  # noqa: E731
    sleep: Sleep = fake_sleep
    asyncio.run(sleep(2.5))
    assert clock() == fixed
    assert slept == [2.5]
