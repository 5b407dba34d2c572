"""Configuration from the environment and an optional ``.env`` file.

Every setting has a default that works on a fresh machine; the README lists them all and
``deploy/.env.example`` shows them commented. Values set in the real environment win over ``.env``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit, urlunsplit

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


# A password shorter than this is not looked for in free text: it would blot out ordinary words.
MIN_PASSWORD_TO_HIDE = 4


def mask_password(url: str) -> str:
    """``url`` with its password shown as ``***``, whether or not the URL can be parsed: whatever
    stands between ``user:`` and the last ``@`` (a ``/``, ``?`` or ``#`` in a password does not let
    it show), and the value of a ``password=`` parameter."""
    head, sep, rest = url.partition("://")
    if not sep:
        return url
    at = rest.rfind("@")
    colon = rest.find(":", 0, at) if at != -1 else -1
    if colon != -1:
        rest = f"{rest[: colon + 1]}***{rest[at:]}"
    rest = re.sub(r"([?&]password=)[^&]*", r"\1***", rest, flags=re.IGNORECASE)
    return head + sep + rest


@dataclass(frozen=True)
class PostgresURL:
    """A ``postgresql://`` address of a PostgreSQL database (LOWBACK_DATABASE).

    ``str()`` hides the password, so the address can go into logs and messages; ``url`` is the
    full address for the driver, its user name and password percent-encoded.
    """

    url: str = field(repr=False)

    def __str__(self) -> str:
        return mask_password(self.url)

    def __repr__(self) -> str:
        return f"PostgresURL({str(self)!r})"

    @property
    def password(self) -> str | None:
        """The password as the server gets it (percent-decoded), or None when the URL has none."""
        try:
            raw = urlsplit(self.url).password
        except ValueError:
            return None
        return unquote(raw) if raw else None

    def hide(self, text: str) -> str:
        """``text`` (an error from the driver, say) with this URL's password in it, as typed or
        percent-encoded, shown as ``***``; one shorter than MIN_PASSWORD_TO_HIDE is left alone."""
        password = self.password
        if not password or len(password) < MIN_PASSWORD_TO_HIDE:
            return text
        return text.replace(password, "***").replace(quote(password, safe=""), "***")


DatabaseLocation = Path | PostgresURL
"""Where the data lives: a SQLite file (the default) or a PostgreSQL database."""

_URL_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*)://")


def parse_database(value: str | Path | None, *, name: str = "LOWBACK_DATABASE") -> DatabaseLocation:
    """A database setting: nothing for the default SQLite file, a path for another SQLite file,
    or a ``postgresql://`` (or ``postgres://``) URL. Any other URL is refused with SettingsError."""
    if value is None or isinstance(value, Path):
        return value.expanduser() if isinstance(value, Path) else default_database()
    text = value.strip()
    if not text:
        return default_database()
    scheme = _URL_SCHEME.match(text)
    if scheme is None:
        if re.match(r"^(postgres|postgresql):", text, re.I):
            raise SettingsError(
                f"{name} must look like postgresql://user@host/dbname; {text.split(':', 1)[0]}: is missing the //"
            )
        return Path(text).expanduser()
    kind = scheme.group(1).lower()
    if kind not in ("postgresql", "postgres"):
        raise SettingsError(
            f"{name} must be a file path (SQLite) or a postgresql://user@host/dbname URL, not a {kind}:// URL"
        )
    if _unencoded_userinfo(text):
        instead = (
            ", or leave the password out of the URL and put it in LOWBACK_DATABASE_PASSWORD"
            if name == "LOWBACK_DATABASE"
            else ""
        )
        raise SettingsError(
            f"{name}: the user name or password in {mask_password(text)} holds a character that means "
            "something else in a URL; percent-encode it (/ as %2F, ? as %3F, # as %23, @ as %40, "
            f"% as %25){instead}"
        )
    try:
        parts = urlsplit(text)
        _ = parts.port  # a ValueError for a port that is not a number
    except ValueError:
        raise SettingsError(
            f"{name}: {mask_password(text)} cannot be read as a URL; check the host and the port "
            "(postgresql://user:password@host:5432/dbname)"
        ) from None
    if not parts.hostname and "host=" not in parts.query:
        raise SettingsError(f"{name} must name a server: postgresql://user@host/dbname")
    if not parts.path.strip("/"):
        raise SettingsError(
            f"{name} must name a database after the host: postgresql://user@host/dbname"
        )
    return PostgresURL(text)


def _unencoded_userinfo(url: str) -> bool:
    """True when the user name or password of ``url`` holds a character that URL readers take for
    the end of it: a second ``@`` (the driver splits at the first, others at the last), or a ``/``,
    ``?`` or ``#`` before the ``@`` (the host would be read from the middle of the password), or a
    ``%`` that starts no percent-encoded byte."""
    rest = url.split("://", 1)[1]
    if rest.count("@") > 1:
        return True
    userinfo, at, _ = rest.partition("@")
    if not at:
        return False
    return any(c in userinfo for c in "/?#") or bool(re.search(r"%(?![0-9A-Fa-f]{2})", userinfo))


def with_password(location: DatabaseLocation, password: str | None) -> DatabaseLocation:
    """A PostgreSQL ``location`` with ``password`` (LOWBACK_DATABASE_PASSWORD, any characters at
    all) put into its URL, percent-encoded; a SQLite path, or no password, leaves it as it is."""
    if not password or not isinstance(location, PostgresURL):
        return location
    parts = urlsplit(location.url)
    if parts.password is not None:
        raise SettingsError(
            "LOWBACK_DATABASE has a password in its URL and LOWBACK_DATABASE_PASSWORD is set too; "
            "keep only one of them"
        )
    user, at, host = parts.netloc.rpartition("@")
    netloc = f"{user if at else ''}:{quote(password, safe='')}@{host}"
    return PostgresURL(urlunsplit(parts._replace(netloc=netloc)))


def parse_shard_ids(text: str, count: int | None) -> tuple[int, ...]:
    """``LOWBACK_SHARDS``: ids and ranges such as ``0-3`` or ``0,2,4-5``, each below ``count``."""
    if count is None:
        raise SettingsError(
            "LOWBACK_SHARDS needs LOWBACK_SHARD_COUNT, the number of shards of the whole bot across all its processes"
        )
    ids: list[int] = []
    for part in text.split(","):
        part = part.strip()
        m = re.fullmatch(r"(\d+)\s*(?:-\s*(\d+))?", part)
        if not m:
            raise SettingsError(
                f"LOWBACK_SHARDS must be shard ids and ranges like 0-3 or 0,2,4-5, not {text!r}"
            )
        first, last = int(m.group(1)), int(m.group(2) or m.group(1))
        if last < first:
            raise SettingsError(
                f"LOWBACK_SHARDS: the range {part} runs backwards; write {last}-{first}"
            )
        ids.extend(range(first, last + 1))
    if max(ids) >= count:
        raise SettingsError(
            f"LOWBACK_SHARDS names shard {max(ids)}, but with LOWBACK_SHARD_COUNT={count} the ids are 0 to {count - 1}"
        )
    if len(set(ids)) != len(ids):
        raise SettingsError(f"LOWBACK_SHARDS names a shard twice: {text!r}")
    return tuple(sorted(ids))


# One ``KEY=`` at the start of a line (``export`` allowed), then the value: quoted (single or
# double) and followed by nothing but an optional comment, or unquoted up to the end of the line,
# a comment being `` #`` and what follows. This is how python-dotenv and Docker Compose read a
# .env file, except that a quoted value ends on its own line: no setting needs several lines, and
# a quote left open must not swallow the settings after it.
_DOTENV_ENTRY = re.compile(
    r"""^[ \t]*(?:export[ \t]+)?(?P<key>[A-Za-z_][A-Za-z0-9_.-]*)[ \t]*=[ \t]*
    (?:
        '(?P<single>(?:\\'|[^'\r\n])*)'
      | "(?P<double>(?:\\.|[^"\\\r\n])*)"
      | (?P<plain>[^\r\n]*)
    )
    (?P<rest>[^\r\n]*)""",
    re.MULTILINE | re.VERBOSE,
)
_DOUBLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "'": "'", "\\": "\\"}


MAX_RETENTION_DAYS = 3650


def retention_days(days: int | None) -> int:
    """``LOWBACK_UNANSWERED_RETENTION_DAYS``: how many days a server that opted in keeps the
    questions the bot could not answer; 0 keeps none at all."""
    if days is None or not 0 <= days <= MAX_RETENTION_DAYS:
        raise SettingsError(
            "LOWBACK_UNANSWERED_RETENTION_DAYS must be a whole number of days from 0 (keep none) "
            f"to {MAX_RETENTION_DAYS} (ten years), not {days}"
        )
    return days


def read_dotenv(path: Path) -> dict[str, str]:
    """Parse a ``.env`` file: KEY=VALUE lines, ``#`` comments, quoted values (with a comment after
    the closing quote too), as python-dotenv reads them. A line it cannot read (text after a
    closing quote that is not a comment) is left out. Missing file: {}."""
    values: dict[str, str] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except (FileNotFoundError, IsADirectoryError, PermissionError):
        return values
    for m in _DOTENV_ENTRY.finditer(text):
        rest = m["rest"].strip()
        if m["plain"] is not None:
            value = re.sub(r"[ \t]+#.*", "", m["plain"]).strip()
        elif rest and not rest.startswith("#"):
            continue  # KEY="a" b: not a value anyone meant
        elif m["single"] is not None:
            value = re.sub(r"\\([\\'])", r"\1", m["single"])
        else:
            value = re.sub(r"\\(.)", lambda e: _DOUBLE_ESCAPES.get(e[1], "\\" + e[1]), m["double"])
        values[m["key"]] = value
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
    database: DatabaseLocation = field(default_factory=default_database)
    knowledge: Path = DEFAULT_KNOWLEDGE
    dev_guild: int | None = None
    log_level: str = "INFO"
    reminder_grace_minutes: int = 60
    ask_cooldown_seconds: float = 10.0
    ask_cooldown_rate: int = 3
    unanswered_retention_days: int = 30
    # The application id, for the invite link; normally read from the token, set it only if that fails.
    client_id: int | None = None
    # Where a process keeps its own small files (heartbeat, command-sync hash) when the data is in
    # PostgreSQL; with SQLite they sit beside the database file.
    state_dir: Path | None = None
    # Sharding: the bot's total shard count and the shards this process runs. Neither set: one
    # unsharded process (the default). A count alone: this process runs every shard.
    shard_count: int | None = None
    shard_ids: tuple[int, ...] | None = None

    @property
    def sharded(self) -> bool:
        return self.shard_count is not None

    def shards_text(self) -> str:
        """This process's shards, e.g. ``0-3`` or ``0,2``; ``all`` when it runs every one."""
        if self.shard_ids is None:
            return "all"
        ids = list(self.shard_ids)
        if ids == list(range(ids[0], ids[-1] + 1)) and len(ids) > 1:
            return f"{ids[0]}-{ids[-1]}"
        return ",".join(map(str, ids))

    @property
    def state_base(self) -> Path:
        """The path the heartbeat and command-sync files are named after (``<base>.heartbeat``...)."""
        if isinstance(self.database, PostgresURL):
            base = (self.state_dir or default_database().parent) / "lowback-postgresql"
        else:
            base = self.database
        if self.shard_ids is not None:  # several processes may share the folder: one file each
            base = base.with_name(f"{base.name}.shards-{self.shards_text()}")
        return base

    @classmethod
    def from_env(
        cls, environ: dict[str, str] | None = None, dotenv: Path | None = Path(".env")
    ) -> Settings:
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

        shard_count = get_int("LOWBACK_SHARD_COUNT", None)
        if shard_count is not None and not 1 <= shard_count <= 10_000:
            raise SettingsError(
                f"LOWBACK_SHARD_COUNT must be a whole number from 1 up, not {shard_count}"
            )
        shards = get("LOWBACK_SHARDS")
        shard_ids = parse_shard_ids(shards, shard_count) if shards else None
        database = get("LOWBACK_DATABASE")
        knowledge = get("LOWBACK_KNOWLEDGE")
        return cls(
            token=get("DISCORD_TOKEN"),
            # The password is taken as it is: no stripping, any character.
            database=with_password(
                parse_database(database), env.get("LOWBACK_DATABASE_PASSWORD") or None
            ),
            knowledge=Path(knowledge).expanduser() if knowledge else DEFAULT_KNOWLEDGE,
            dev_guild=get_int("LOWBACK_DEV_GUILD", None),
            log_level=(get("LOWBACK_LOG_LEVEL") or "INFO").upper(),
            reminder_grace_minutes=get_int("LOWBACK_REMINDER_GRACE_MINUTES", 60) or 0,
            ask_cooldown_seconds=get_float("LOWBACK_ASK_COOLDOWN_SECONDS", 10.0),
            ask_cooldown_rate=get_int("LOWBACK_ASK_COOLDOWN_RATE", 3) or 1,
            unanswered_retention_days=retention_days(
                get_int("LOWBACK_UNANSWERED_RETENTION_DAYS", 30)
            ),
            client_id=get_int("LOWBACK_CLIENT_ID", None),
            state_dir=Path(state).expanduser() if (state := get("LOWBACK_STATE_DIR")) else None,
            shard_count=shard_count,
            shard_ids=shard_ids,
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
