"""The per-person cooldown on questions runs on the clock it is given."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.discord_ui.cooldown import Cooldown, wait_text

START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


def test_the_third_question_in_the_window_waits_until_the_first_leaves_it() -> None:
    clock = FakeClock()
    cooldown = Cooldown(rate=2, per=10, clock=clock)
    assert cooldown.hit(1) == 0 and cooldown.hit(1) == 0
    clock.now += timedelta(seconds=4)
    assert cooldown.hit(1) == 6
    assert cooldown.hit(2) == 0  # someone else is not held up
    clock.now += timedelta(seconds=6)
    assert cooldown.hit(1) == 0


def test_a_refused_question_is_not_counted() -> None:
    clock = FakeClock()
    cooldown = Cooldown(rate=1, per=10, clock=clock)
    assert cooldown.hit(1) == 0
    for _ in range(5):
        assert cooldown.hit(1) == 10
    clock.now += timedelta(seconds=10)
    assert cooldown.hit(1) == 0


def test_a_burst_is_told_to_slow_down_once() -> None:
    clock = FakeClock()
    cooldown = Cooldown(rate=1, per=10, clock=clock)
    cooldown.hit(1)
    cooldown.hit(1)
    assert cooldown.first_refusal(1) is True
    assert cooldown.first_refusal(1) is False
    clock.now += timedelta(seconds=10)
    cooldown.hit(1)
    cooldown.hit(1)
    assert cooldown.first_refusal(1) is True  # a new window, a new warning


def test_no_period_means_no_limit() -> None:
    cooldown = Cooldown(rate=1, per=0, clock=FakeClock())
    assert all(cooldown.hit(1) == 0 for _ in range(10))


def test_waits_are_whole_seconds_rounded_up() -> None:
    assert wait_text(0.2) == "1 second"
    assert wait_text(1.0) == "1 second"
    assert wait_text(2.01) == "3 seconds"
