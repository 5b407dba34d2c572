"""The path settings (LOWBACK_DATABASE, LOWBACK_KNOWLEDGE, LOWBACK_STATE_DIR, ``--database``) made
into the paths they mean: a home folder and a variable written in them filled in, quotes kept by
mistake refused."""

from __future__ import annotations

import os
import re
from pathlib import Path

from bot.dotenv import kept_quote

# ``$NAME`` or ``${...}``: what a shell would fill in.
_VARIABLE = re.compile(r"\$(?:\{(?P<braced>[^}]*)\}|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def expand_variables(text: str, name: str) -> str:
    """``text`` with each ``$NAME`` or ``${NAME}`` in it made the value of that environment
    variable, as a shell or Docker Compose would have made it: a .env file read by the bot, by
    systemd (EnvironmentFile) or by ``docker run --env-file`` passes ``$HOME/lowback.db`` on as it
    is, and a folder called '$HOME' would be made where the command runs. SettingsError for a
    variable that is not set (or empty), or a ``${...}`` that is no plain name."""
    from bot.settings import SettingsError  # here: bot.settings imports this module

    def value(match: re.Match[str]) -> str:
        variable = match["bare"] or match["braced"]
        if not _NAME.fullmatch(variable):
            raise SettingsError(
                f"{name}: {match[0]} cannot be filled in here; write the whole path"
            )
        found = os.environ.get(variable)
        if not found:
            raise SettingsError(
                f"{name}: {match[0]} is not set, so the path cannot be made of it; write the whole path"
            )
        return found

    return _VARIABLE.sub(value, text)


def expand_home(path: Path, name: str) -> Path:
    """``path`` with the variables in it filled in (:func:`expand_variables`) and a leading ``~``
    or ``~user`` made the home folder; SettingsError when there is no such user (or no home folder)
    on this machine, or when quotes around it were kept."""
    from bot.settings import SettingsError

    if (quote := kept_quote(str(path))) is not None:
        raise SettingsError(
            f"{name} is in quotes ({quote}) that became part of it: remove them (docker run "
            "--env-file keeps a .env file's quotes)"
        )
    path = Path(expand_variables(str(path), name))
    try:
        return path.expanduser()
    except RuntimeError:
        raise SettingsError(
            f"{name}: {path.parts[0]} names no home folder on this machine; write the whole path"
        ) from None
