"""Autocomplete choices for the commands' options."""

from __future__ import annotations

from discord import app_commands

from bot.core.timezones import timezone_choices

MAX_CHOICES = 25  # the most choices Discord shows


def zone_choices(current: str) -> list[app_commands.Choice[str]]:
    """The time zones that fit what the person has typed so far, as Discord's choices."""
    return [
        app_commands.Choice(name=name, value=name)
        for name in timezone_choices(current, MAX_CHOICES)
    ]
