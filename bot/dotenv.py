"""The ``.env`` file the settings are read from (bot/settings.py), read as python-dotenv and
Docker Compose read one."""

from __future__ import annotations

import re
from pathlib import Path

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


def read_dotenv(path: Path) -> dict[str, str]:
    """Parse a ``.env`` file: KEY=VALUE lines, ``#`` comments, quoted values (with a comment after
    the closing quote too), as python-dotenv reads them. A line it cannot read (text after a
    closing quote that is not a comment) is left out. Missing file: {}. A byte order mark in front
    (Windows Notepad saves one) is not part of the first key. A file that is not UTF-8, or that
    is there but cannot be read (a .env made by root, chmod 600, and the bot's user reading it),
    is refused with SettingsError: its token and database must not quietly give way to none and
    the default one."""
    from bot.settings import SettingsError  # here: bot.settings imports this module

    values: dict[str, str] = {}
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (FileNotFoundError, IsADirectoryError):
        return values
    except OSError as exc:
        raise SettingsError(
            f"{path.absolute()} cannot be read ({exc.strerror or exc}): its settings would be left "
            "out. Let the user running lowback read it, or move it away if it is not lowback's"
        ) from None
    except UnicodeDecodeError as exc:
        raise SettingsError(
            f"{path} is not UTF-8 text (byte {exc.start + 1} cannot be read as UTF-8): save it as UTF-8"
        ) from None
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


def kept_quote(value: str) -> str | None:
    """The quote around the whole of ``value`` when it is still there (``"/data/lowback.db"``):
    ``docker run --env-file`` passes a .env file's quotes on as part of the value. None when the
    value is not in quotes."""
    if len(value) >= 2 and value[0] in "\"'" and value[-1] == value[0]:
        return value[0]
    return None


def kept_comment(value: str) -> str | None:
    """The comment at the end of ``value`` when it is still there (``/data/lowback.db  # big
    disk``): systemd's EnvironmentFile and ``docker run --env-file`` keep what follows the ``=``
    whole, while a shell and this bot's own .env reader leave it out. None when there is none."""
    m = re.search(r"\s#.*$", value.strip())
    return m[0].strip() if m else None
