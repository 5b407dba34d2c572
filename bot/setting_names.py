"""Setting names written almost right (``LOWBACK_DATABSE``, ``discord_token``, or
``DISCORD_BOT_TOKEN`` as other bots call it): such a setting is not read, and the bot would carry
on with the default in its place without a word, its data kept where nobody looks for it."""

from __future__ import annotations

import difflib
from collections.abc import Mapping

# Every setting bot/settings.py reads (tests/test_deploy.py checks that this is all of them).
SETTINGS = (
    "DISCORD_TOKEN",
    "LOWBACK_DATABASE",
    "LOWBACK_DATABASE_PASSWORD",
    "LOWBACK_KNOWLEDGE",
    "LOWBACK_STATE_DIR",
    "LOWBACK_DEV_GUILD",
    "LOWBACK_LOG_LEVEL",
    "LOWBACK_REMINDER_GRACE_MINUTES",
    "LOWBACK_ASK_COOLDOWN_SECONDS",
    "LOWBACK_ASK_COOLDOWN_RATE",
    "LOWBACK_UNANSWERED_RETENTION_DAYS",
    "LOWBACK_CLIENT_ID",
    "LOWBACK_SHARD_COUNT",
    "LOWBACK_SHARDS",
)
# Read by the scripts, the tests and the Compose file, not by the bot.
OTHERS = (
    "LOWBACK_PYTHON",
    "LOWBACK_STARTED_AS",
    "LOWBACK_STARTED_IN",
    "LOWBACK_TEST_POSTGRES",
    "LOWBACK_POSTGRES_PASSWORD",
)


def misspelt(env: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """``(name, setting)`` for each name set in ``env`` that is no setting but is written almost
    like one (a LOWBACK_ or DISCORD_ name, in any case, close to the setting's own spelling), while
    that setting itself is not set: beside it, the name is something else's (another bot's
    DISCORD_BOT_TOKEN in the shell)."""
    found = []
    for name in sorted(env):
        upper = name.upper()
        if name in SETTINGS or name in OTHERS or not upper.startswith(("LOWBACK_", "DISCORD_")):
            continue
        close = difflib.get_close_matches(upper, SETTINGS, n=1, cutoff=0.8)
        if close and not env.get(close[0], "").strip():
            found.append((name, close[0]))
    return tuple(found)


def misspelt_line(name: str, setting: str) -> str:
    return f"{name} is set, but lowback has no such setting: did you mean {setting}?"
