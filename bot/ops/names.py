"""The doctor's look at the names of the settings: one written almost like a setting is not read
(bot/setting_names.py), and the default stands in for it."""

from __future__ import annotations

from bot.ops.doctor import Check

NAMES_FIX = (
    "Rename each to the setting meant, where it is set (.env, /etc/lowback/lowback.env, the "
    "environment): as written it is not used, and the default is used in its place."
)


def check_setting_names(misspelt: tuple[tuple[str, str], ...]) -> Check | None:
    """A warning naming each setting written almost right, with the one meant; None if none is."""
    if not misspelt:
        return None
    said = "\n".join(f"{name}: did you mean {setting}?" for name, setting in misspelt)
    return Check("settings", True, said, NAMES_FIX, warning=True)
