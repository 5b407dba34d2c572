"""Configuration from the environment and an optional ``.env`` file.

Every setting has a default that works on a fresh machine; the README lists them all and
``deploy/.env.example`` shows them commented. Values set in the real environment win over ``.env``; one set to nothing does not.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from bot.dotenv import kept_comment, read_dotenv
from bot.setting_names import misspelt
from bot.setting_paths import expand_home

PACKAGE_ROOT = Path(__file__).resolve().parent.parent
T = TypeVar("T")


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


def default_database(setting: str = "LOWBACK_DATABASE", keeps: str = "the database") -> Path:
    """``lowback.db`` in the user's data folder (``~/.local/share/lowback-bot`` on Linux).
    SettingsError, saying to set ``setting`` instead, for a user with no home folder (no HOME, no
    XDG_DATA_HOME and no entry in the password database: ``env -i``, or a container run with a
    user id its image does not list)."""
    import platformdirs

    try:
        folder = Path(platformdirs.user_data_dir("lowback-bot", appauthor=False))
    except RuntimeError:  # platformdirs: "could not determine the home directory"
        folder = Path("~")
    if not folder.is_absolute():  # an older platformdirs leaves "~" as it is
        example = (
            "a file, e.g. /var/lib/lowback/lowback.db" if keeps == "the database" else "a folder"
        )
        raise SettingsError(
            f"{setting} is not set and this user has no home folder to keep {keeps} in (HOME is "
            f"not set, and this machine knows none for the user): set {setting} to {example}, or set HOME"
        )
    return folder / "lowback.db"


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
        return expand_home(value, name) if isinstance(value, Path) else default_database()
    text = value.strip()
    if not text:
        return default_database()
    if text[:5].lower() == "file:":
        # SQLite takes "file:..." as a URI and opens the file it names, while every other reader
        # (the doctor, the backup, the heartbeat) would look for a file called "file:...".
        path = re.sub(r"^//(?=/)", "", unquote(text[5:].split("?", 1)[0].split("#", 1)[0]))
        raise SettingsError(
            f"{name} is the SQLite file's path, not a file: URL; write it as {name}={path}"
        )
    scheme = _URL_SCHEME.match(text)
    if scheme is None:
        if re.match(r"^(postgres|postgresql):", text, re.I):
            raise SettingsError(
                f"{name} must look like postgresql://user@host/dbname; {text.split(':', 1)[0]}: is missing the //"
            )
        return expand_home(Path(text), name)
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


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
MAX_RETENTION_DAYS = 3650
_DISCORD_ID = "a Discord id, a whole number from 1 to 18446744073709551615"


@dataclass(frozen=True)
class Bounds:
    """What a numeric setting may be: from ``low`` to ``high``, a whole number or not, and how to
    say so in the one line that refuses anything else."""

    low: int
    high: int
    whole: bool
    says: str


NUMBERS = {
    "LOWBACK_DEV_GUILD": Bounds(1, 2**64 - 1, True, _DISCORD_ID),
    "LOWBACK_CLIENT_ID": Bounds(1, 2**64 - 1, True, _DISCORD_ID),
    "LOWBACK_REMINDER_GRACE_MINUTES": Bounds(
        1, 1440, True, "a whole number of minutes from 1 to 1440 (a day)"
    ),
    "LOWBACK_ASK_COOLDOWN_SECONDS": Bounds(
        1, 86400, False, "a number of seconds from 1 to 86400 (a day)"
    ),
    "LOWBACK_ASK_COOLDOWN_RATE": Bounds(1, 100, True, "a whole number of questions from 1 to 100"),
    "LOWBACK_UNANSWERED_RETENTION_DAYS": Bounds(
        0,
        MAX_RETENTION_DAYS,
        True,
        f"a whole number of days from 0 (keep none) to {MAX_RETENTION_DAYS} (ten years)",
    ),
    "LOWBACK_SHARD_COUNT": Bounds(1, 10_000, True, "a whole number of shards from 1 up to 10000"),
}


def parse_number(name: str, text: str) -> int | float:
    """The numeric setting ``name`` written as ``text``: a finite number within its
    :data:`NUMBERS` bounds, else SettingsError saying what it must be."""
    bounds = NUMBERS[name]
    value: int | float | None
    try:
        value = int(text) if bounds.whole else float(text)
    except ValueError:
        value = None
    if value is None or not math.isfinite(value) or not bounds.low <= value <= bounds.high:
        raise SettingsError(f"{name} must be {bounds.says}, not {text!r}")
    return value


class _Reader:
    """Reads the settings from ``env``, noting each one that makes no sense rather than stopping
    at the first, so that every one of them can be named at once."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.problems: list[str] = []
        self.commented: set[str] = set()

    def text(self, name: str) -> str | None:
        """The setting ``name``; one with a comment kept in it is noted, as not set."""
        value = self.env.get(name)
        if (comment := kept_comment(value or "")) is not None:
            if name not in self.commented:
                self.commented.add(name)
                self.problems.append(
                    f"{name} has a comment after it ({comment!r}) that became part of it: put the "
                    "comment on a line of its own (systemd's EnvironmentFile and docker run "
                    "--env-file keep it in the value)"
                )
            return None
        return value.strip() if value and value.strip() else None

    def number(self, name: str) -> int | float | None:
        """The setting ``name`` (see :data:`NUMBERS`); None when it is not set or makes no sense."""
        text = self.text(name)
        return self.checked(parse_number, name, text) if text is not None else None

    def whole(self, name: str, default: int) -> int:
        value = self.number(name)
        return default if value is None else int(value)

    def real(self, name: str, default: float) -> float:
        value = self.number(name)
        return default if value is None else float(value)

    def optional_whole(self, name: str) -> int | None:
        value = self.number(name)
        return None if value is None else int(value)

    def log_level(self) -> str:
        text = self.text("LOWBACK_LOG_LEVEL") or "INFO"
        if text.upper() not in LOG_LEVELS:
            self.problems.append(
                f"LOWBACK_LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, not {text!r}"
            )
        return text.upper()

    def checked(self, read: Callable[..., T], *args: Any) -> T | None:
        """``read(*args)``, or None when it refuses the value (the problem is noted)."""
        try:
            return read(*args)
        except SettingsError as exc:
            self.problems.extend(exc.problems)
            return None


def _layered(environ: Mapping[str, str], dotenv: Path | None) -> dict[str, str]:
    """The settings in ``environ`` over those in the ``dotenv`` file. A setting left empty in the
    environment (``export DISCORD_TOKEN=``, a compose file's ``${DISCORD_TOKEN}`` with nothing
    behind it) is not set: it does not hide the one in the file."""
    env = read_dotenv(dotenv) if dotenv is not None else {}
    env.update((k, v) for k, v in environ.items() if v.strip() or k not in env)
    return env


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
    # Names set that are no setting but are written almost like one: (name, the setting meant).
    misspelt: tuple[tuple[str, str], ...] = field(default=(), repr=False, compare=False)

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
            base = (
                self.state_dir or default_database("LOWBACK_STATE_DIR", "its heartbeat").parent
            ) / "lowback-postgresql"
        else:
            base = self.database
        if self.shard_ids is not None:  # several processes may share the folder: one file each
            base = base.with_name(f"{base.name}.shards-{self.shards_text()}")
        return base

    @classmethod
    def from_env(
        cls,
        environ: dict[str, str] | None = None,
        dotenv: Path | None = Path(".env"),
        *,
        database_option: str | None = None,
    ) -> Settings:
        """The settings from ``environ`` (default: the process's environment), over those in the
        ``dotenv`` file; ``database_option`` (``--database``) wins over LOWBACK_DATABASE, and then
        the default place for the database is not looked for. SettingsError names every setting
        that makes no sense, one line each."""
        env = _layered(os.environ if environ is None else environ, dotenv)
        read = _Reader(env)
        shard_count = read.optional_whole("LOWBACK_SHARD_COUNT")
        shards = read.text("LOWBACK_SHARDS")
        shard_ids = None
        # A count that makes no sense is said on its own, not again as the shards' problem.
        if shards and (shard_count is not None or read.text("LOWBACK_SHARD_COUNT") is None):
            shard_ids = read.checked(parse_shard_ids, shards, shard_count)
        knowledge = read.text("LOWBACK_KNOWLEDGE")
        state = read.text("LOWBACK_STATE_DIR")
        settings = cls(
            token=read.text("DISCORD_TOKEN"),
            # The password is taken as it is: no stripping, any character.
            database=read.checked(
                lambda: (
                    with_password(
                        parse_database(read.text("LOWBACK_DATABASE")),
                        env.get("LOWBACK_DATABASE_PASSWORD") or None,
                    )
                    if database_option is None
                    else parse_database(database_option, name="--database")
                )
            )
            or Path(),  # the problem is noted; these settings are not used
            knowledge=(
                read.checked(expand_home, Path(knowledge), "LOWBACK_KNOWLEDGE") or DEFAULT_KNOWLEDGE
                if knowledge
                else DEFAULT_KNOWLEDGE
            ),
            dev_guild=read.optional_whole("LOWBACK_DEV_GUILD"),
            log_level=read.log_level(),
            reminder_grace_minutes=read.whole("LOWBACK_REMINDER_GRACE_MINUTES", 60),
            ask_cooldown_seconds=read.real("LOWBACK_ASK_COOLDOWN_SECONDS", 10.0),
            ask_cooldown_rate=read.whole("LOWBACK_ASK_COOLDOWN_RATE", 3),
            unanswered_retention_days=read.whole("LOWBACK_UNANSWERED_RETENTION_DAYS", 30),
            client_id=read.optional_whole("LOWBACK_CLIENT_ID"),
            state_dir=read.checked(expand_home, Path(state), "LOWBACK_STATE_DIR")
            if state
            else None,
            shard_count=shard_count,
            shard_ids=shard_ids,
            misspelt=misspelt(env),
        )
        if read.problems:
            raise SettingsError(*read.problems)
        return settings

    def describe(self) -> dict[str, str]:
        """Every setting as text, the token redacted."""
        out = {}
        for f in fields(self):
            if f.name == "misspelt":
                continue
            value = getattr(self, f.name)
            if f.name == "token":
                value = "(set)" if value else "(not set)"
            out[f.name] = str(value)
        return out


class SettingsError(ValueError):
    """Settings that make no sense: ``problems`` says what each one must be, one line each."""

    def __init__(self, *problems: str) -> None:
        super().__init__(*problems)
        self.problems = problems

    def __str__(self) -> str:
        return "; ".join(self.problems)
