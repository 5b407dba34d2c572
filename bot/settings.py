"""Configuration from the environment and an optional ``.env`` file.

Every setting has a default that works on a fresh machine; the README lists them all and
``deploy/.env.example`` shows them commented. Values set in the real environment win over ``.env``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, fields
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parent.parent


def bundled_knowledge() -> Path:
    """The knowledge base that ships with the bot: the ``bot.knowledge`` data package of an
    installed wheel (or of an editable install), else ``knowledge/`` beside ``bot/`` in a checkout."""
    from importlib import resources

    try:
        folder = resources.files("bot.knowledge")
    except ModuleNotFoundError:  # run from a checkout that is not installed (PYTHONPATH=...)
        return PACKAGE_ROOT / "knowledge"
    path = Path(str(folder))
    return path if path.is_dir() else PACKAGE_ROOT / "knowledge"


DEFAULT_KNOWLEDGE = bundled_knowledge()

_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_\-]{20,}\.[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]{20,}$")


def default_database() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("lowback-bot", appauthor=False)) / "lowback.db"


def read_dotenv(path: Path) -> dict[str, str]:
    """Parse a ``.env`` file: KEY=VALUE lines, ``#`` comments, optional quotes. Missing file: {}."""
    values: dict[str, str] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except (FileNotFoundError, IsADirectoryError, PermissionError):
        return values
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        if line.startswith("export "):
            line = line[len("export "):]
        key, _, value = line.partition("=")
        key, value = key.strip(), value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        elif " #" in value:
            value = value.split(" #", 1)[0].rstrip()
        values[key] = value
    return values


def token_looks_valid(token: str) -> bool:
    """A Discord bot token is three dot-separated base64url parts."""
    return bool(_TOKEN_SHAPE.match(token.strip()))


def redact(text: str, token: str | None) -> str:
    if token:
        text = text.replace(token, "[token]")
    return text


@dataclass(frozen=True)
class Settings:
    token: str | None = field(default=None, repr=False)
    database: Path = field(default_factory=default_database)
    knowledge: Path = DEFAULT_KNOWLEDGE
    dev_guild: int | None = None
    log_level: str = "INFO"
    reminder_grace_minutes: int = 60
    ask_cooldown_seconds: float = 10.0
    ask_cooldown_rate: int = 3
    unanswered_retention_days: int = 30
    # The application id, for the invite link; normally read from the token, set it only if that fails.
    client_id: int | None = None

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, dotenv: Path | None = Path(".env")) -> "Settings":
        env: dict[str, str] = {}
        if dotenv is not None:
            env.update(read_dotenv(dotenv))
        env.update(os.environ if environ is None else environ)

        def get(name: str) -> str | None:
            value = env.get(name)
            return value.strip() if value and value.strip() else None

        def get_int(name: str, default: int | None) -> int | None:
            value = get(name)
            if value is None:
                return default
            try:
                return int(value)
            except ValueError:
                raise SettingsError(f"{name} must be a whole number, not {value!r}") from None

        def get_float(name: str, default: float) -> float:
            value = get(name)
            if value is None:
                return default
            try:
                return float(value)
            except ValueError:
                raise SettingsError(f"{name} must be a number, not {value!r}") from None

        database = get("LOWBACK_DATABASE")
        knowledge = get("LOWBACK_KNOWLEDGE")
        return cls(
            token=get("DISCORD_TOKEN"),
            database=Path(database).expanduser() if database else default_database(),
            knowledge=Path(knowledge).expanduser() if knowledge else DEFAULT_KNOWLEDGE,
            dev_guild=get_int("LOWBACK_DEV_GUILD", None),
            log_level=(get("LOWBACK_LOG_LEVEL") or "INFO").upper(),
            reminder_grace_minutes=get_int("LOWBACK_REMINDER_GRACE_MINUTES", 60) or 0,
            ask_cooldown_seconds=get_float("LOWBACK_ASK_COOLDOWN_SECONDS", 10.0),
            ask_cooldown_rate=get_int("LOWBACK_ASK_COOLDOWN_RATE", 3) or 1,
            unanswered_retention_days=get_int("LOWBACK_UNANSWERED_RETENTION_DAYS", 30) or 30,
            client_id=get_int("LOWBACK_CLIENT_ID", None),
        )

    def describe(self) -> dict[str, str]:
        """Every setting as text, the token redacted."""
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "token":
                value = "(set)" if value else "(not set)"
            out[f.name] = str(value)
        return out


class SettingsError(ValueError):
    pass
