"""Numbers people type: superscripts and other digit-like characters are not numbers, and no
number is too long to read."""

from __future__ import annotations

import pytest

from bot.core.numbers import TOO_LARGE, looks_like_a_number, whole_number


@pytest.mark.parametrize(
    ("typed", "number"),
    [("3", 3), (" 12 ", 12), ("007", 7), ("３", 3), ("٣", 3), ("0", 0), ("9" * 5000, TOO_LARGE)],
)
def test_whole_numbers_in_any_script_are_read(typed: str, number: int) -> None:
    assert whole_number(typed) == number


@pytest.mark.parametrize("typed", ["²", "¹", "①", "-1", "2.5", "1e3", "", "three", "3 days"])
def test_anything_else_is_not_a_whole_number(typed: str) -> None:
    assert whole_number(typed) is None


def test_numbers_that_are_not_whole_are_told_apart_from_words() -> None:
    assert all(looks_like_a_number(t) for t in ["²", "-1", "0.0001", "1e3", "3"])
    assert not any(looks_like_a_number(t) for t in ["soon", "", "tomorrow", "3 days"])
