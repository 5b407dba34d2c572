"""The ``lowback`` command line: every command and its options, as ``lowback --help`` shows them,
and what typed there cannot work (:class:`UsageError`), such as a question with no words in it.

Kept apart from ``bot.terminal.cli`` (which runs the commands) and light to import: parsing
loads nothing but argparse.
"""

from __future__ import annotations

import argparse
import difflib
import os
import shlex
import sys
from pathlib import Path
from typing import TypeAlias

REMINDER_ACTIONS = ("show", "on", "off", "pause", "snooze")
MAX_SECONDS_SCALE = 10.0  # `lowback routine --seconds-scale`: ten times as long at most

# argparse's type for the group of subcommands that add_parser is called on
Commands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


class UsageError(Exception):
    """Something typed on the command line that cannot work; exit 2 with its one line."""


def question_of(args: argparse.Namespace) -> str:
    """The question asked; an empty or blank one is told how to ask, as no question is (exit 2)."""
    example = 'lowback ask "can I still deadlift?"'
    if args.question != ["-"]:
        question = " ".join(args.question)
        if not question.strip():
            raise UsageError(
                f"Ask a question: {example} (or lowback ask - to read it from standard input)"
            )
        return question
    if sys.stdin is None:
        raise UsageError(
            f"Standard input is closed, so there is no question to read: {example} takes it as words."
        )
    if _isatty(sys.stdin):  # typed, not piped: say how to end it, or it looks like a hang
        print("Type your question, then press Ctrl-D on a line of its own.", file=sys.stderr)
    question = sys.stdin.read()
    if not question.strip():
        raise UsageError(
            f'No question on standard input: echo "can I still deadlift?" | lowback ask - (or {example})'
        )
    return question


def in_the_callers_folder(args: argparse.Namespace) -> None:
    """The files named on the command line (``--database``, ``--knowledge``, ``eval FILE``,
    ``backup PATH``) made absolute in the folder they were typed in, when that is not this one:
    ``scripts/start`` runs in the checkout (for its .env) and says where it was started from in
    LOWBACK_STARTED_IN."""
    started_in = os.environ.get("LOWBACK_STARTED_IN", "").strip()
    if not started_in or not os.path.isabs(started_in):
        return
    for name in ("database", "knowledge", "file", "path"):
        value = getattr(args, name, None)
        text = str(value) if value is not None else ""
        if not text or text == "-" or text.startswith("~") or os.path.isabs(text):
            continue
        if name == "database" and (":" in text.split("/", 1)[0]):  # a URL, or :memory:
            continue
        joined = os.path.join(started_in, text)
        setattr(args, name, Path(joined) if isinstance(value, Path) else joined)


def _isatty(stream: object) -> bool:
    try:
        return bool(stream.isatty())  # type: ignore[attr-defined]
    except (AttributeError, ValueError):
        return False


def build_parser() -> argparse.ArgumentParser:
    from bot import __version__

    p = argparse.ArgumentParser(
        prog="lowback", description="A low back pain coach for Discord and the terminal."
    )
    p.add_argument("--version", action="version", version=f"lowback-bot {__version__}")
    _add_files(p, None)
    sub = p.add_subparsers(dest="command")
    _add_answering(sub)
    _add_personal(sub)
    _add_operating(sub)
    return p


def parse(argv: list[str] | None) -> argparse.Namespace:
    """The command line, --database and --knowledge taken before or after the command; the same
    one given twice with two values is refused (exit 2) rather than one of them used."""
    parser = build_parser()
    typed = _command_as_known(parser, sys.argv[1:] if argv is None else list(argv))
    args = parser.parse_args(_help_as_option(typed))
    for name in ("database", "knowledge"):
        later = vars(args).pop(f"{name}_after", None)
        if later is None:
            continue
        earlier = getattr(args, name)
        if earlier is not None and str(earlier) != str(later):
            parser.error(f"--{name} is given twice, as {earlier} and {later}: give it once")
        setattr(args, name, later)
    return args


def _command_index(argv: list[str]) -> int:
    """Where the command is in ``argv``: after the options given to ``lowback`` itself."""
    i = 0
    while i < len(argv) and argv[i].startswith("-") and argv[i] != "-":
        i += 2 if argv[i] in ("--database", "--knowledge") else 1  # an option, and its value
    return i


def _command_as_known(parser: argparse.ArgumentParser, argv: list[str]) -> list[str]:
    """The command line with a command typed in capitals (``lowback Chat``, as a phone's keyboard
    types it) as the command; a command that is not one refused (exit 2) with the one meant
    (``reminder``: ``reminders``), or, for words that are no command, how to ask them as a
    question (``lowback can I still deadlift``), rather than the list of every command alone."""
    i = _command_index(argv)
    commands = [*_commands_of(parser), "help"]
    if i >= len(argv) or argv[i] in commands:
        return argv
    word = argv[i]
    if word.strip().lower() in commands:
        return [*argv[:i], word.strip().lower(), *argv[i + 1 :]]
    close = difflib.get_close_matches(word.lower(), commands, n=1, cutoff=0.7)
    if close:
        parser.error(f"there is no command {word!r}; did you mean lowback {close[0]}?")
    listed = ", ".join(commands[:-1])
    if len(argv) - i == 1 and " " not in word.strip():
        parser.error(f"there is no command {word!r}; the commands are {listed}")
    question = " ".join(argv[i:])
    quoted = shlex.quote(question) if set(question) & set('"$`\\!') else f'"{question}"'
    parser.error(f"there is no command {word!r}. To ask a question: lowback ask {quoted}")


def _commands_of(parser: argparse.ArgumentParser) -> list[str]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return list(action.choices)
    return []


def _help_as_option(argv: list[str]) -> list[str]:
    """``lowback help`` and ``lowback help COMMAND``, as git and pip take them, made ``--help``
    and ``COMMAND --help``; any other command line as it is."""
    i = _command_index(argv)
    if i >= len(argv) or argv[i] != "help":
        return argv
    return [*argv[:i], *argv[i + 1 : i + 2], "--help"]


def _add_files(p: argparse.ArgumentParser, default: str | None, *, after: str = "") -> None:
    """--knowledge and --database, on ``lowback`` and again on each command, where people put them
    too (``lowback backup copy.db --database /srv/lowback.db``): there, ``after`` ends their names
    and they have no default, so that :func:`parse` sees those typed before the command too."""
    p.add_argument(
        "--knowledge",
        type=Path,
        default=default,
        dest=f"knowledge{after}",
        metavar="KNOWLEDGE",
        help="knowledge directory (default: LOWBACK_KNOWLEDGE or the bundled one)",
    )
    p.add_argument(
        "--database",
        default=default,
        dest=f"database{after}",
        metavar="DATABASE",
        help="database file or postgresql:// URL (default: LOWBACK_DATABASE or your data directory)",
    )


def _command(
    sub: Commands, name: str, *, help: str, description: str | None = None
) -> argparse.ArgumentParser:
    """A subcommand; its own --help starts with ``description``, else with its ``help``."""
    command = sub.add_parser(
        name, help=help, description=description or f"{help[0].upper()}{help[1:]}."
    )
    _add_files(command, argparse.SUPPRESS, after="_after")
    return command


def _add_answering(sub: Commands) -> None:
    """The bot itself, its answers and its knowledge base."""
    _command(
        sub,
        "run",
        help="run the Discord bot",
        description="Run the Discord bot (DISCORD_TOKEN in the environment or in .env).",
    )
    _command(
        sub,
        "chat",
        help="talk to the bot in the terminal",
        description="Talk to the bot in the terminal: questions, your step, routines, reminders. "
        "/help lists the commands; /quit, Ctrl-D or Ctrl-C leaves.",
    )
    ask = _command(
        sub,
        "ask",
        help="answer one question",
        description="Answer one question, for your saved step.",
    )
    ask.add_argument(
        "question",
        nargs="*",
        help='the question in your own words; "-" reads it from standard input',
    )
    ask.add_argument("--json", action="store_true", help="print the decision as one JSON object")
    ask.add_argument(
        "--step",
        type=int,
        choices=range(1, 5),
        help="answer as for someone on this step (default: yours)",
    )
    ev = _command(sub, "eval", help="judge the knowledge base on a question file")
    ev.add_argument(
        "file",
        type=Path,
        help="a YAML list of {q: question, expect: topic id, red_flag or no_match}, like "
        "knowledge/eval.yaml in the repository",
    )
    ev.add_argument("--json", action="store_true", help="the report as JSON")
    ev.add_argument(
        "--totals",
        action="store_true",
        help="the figures without the missed questions (for a held-out part, not to be read)",
    )
    kb = _command(sub, "kb", help="knowledge base tools")
    kb_sub = kb.add_subparsers(dest="kb_command")
    _command(kb_sub, "check", help="validate the knowledge base")
    rt = _command(sub, "routine", help="run a timed routine in the terminal")
    rt.add_argument("name", nargs="*", help="routine id or name (default: yours for your step)")
    rt.add_argument(
        "--seconds-scale",
        type=float,
        default=1.0,
        metavar="X",
        help=f"multiply every duration by X, at most {MAX_SECONDS_SCALE:g} (below 1, e.g. 0.05, is a "
        "quick trial: not recorded, not counted for your streak)",
    )


def _add_personal(sub: Commands) -> None:
    """The local person's own things: progress, reminders, data."""
    pr = _command(sub, "progress", help="your step in the progression")
    g = pr.add_mutually_exclusive_group()
    g.add_argument("--up", action="store_true", help="this step is easy and pain-free: move up")
    g.add_argument("--hurts", action="store_true", help="this step hurts: go back one")
    g.add_argument("--set", type=int, choices=range(1, 5), metavar="STEP", help="set your step")
    rm = _command(
        sub,
        "reminders",
        help="your reminder schedule",
        description="Your reminder schedule, e.g. `lowback reminders on Europe/Berlin 7:30 21:30`, "
        "`lowback reminders pause 3`, `lowback reminders off`.",
    )
    rm.add_argument(
        "action", nargs="?", default="show", choices=REMINDER_ACTIONS, help="default: show"
    )
    rm.add_argument(
        "words",
        nargs="*",
        metavar="ZONE/TIMES/NUMBER",
        help="with on: time zone and times; with pause: days; with snooze: minutes",
    )
    rm.add_argument("--timezone", help="IANA time zone or city, e.g. Europe/Berlin")
    rm.add_argument("--times", help="times of day, e.g. '7:30, 21:30'")
    rm.add_argument("--days", type=int, help="with pause: how many days (1 to 365)")
    md = _command(sub, "mydata", help="everything stored about you")
    # Either: an export asked for beside a deletion would be lost with the data it shows.
    either = md.add_mutually_exclusive_group()
    either.add_argument("--json", action="store_true", help="all of it as JSON")
    either.add_argument("--delete", action="store_true", help="delete all of it")
    md.add_argument("--yes", action="store_true", help="with --delete: don't ask")
    _command(sub, "privacy", help="the privacy notice: what is kept, why, for how long")


def _add_operating(sub: Commands) -> None:
    """Running the bot: checks, backups, the invite link, moving the database."""
    dr = _command(sub, "doctor", help="check the set-up")
    dr.add_argument("--offline", action="store_true", help="don't ask Discord about slash commands")
    bk = _command(sub, "backup", help="copy the database safely while the bot runs")
    bk.add_argument("path", type=Path, help="the file to write the copy to")
    bk.add_argument("--force", action="store_true", help="overwrite an existing file")
    _command(sub, "invite-url", help="print the link that adds the bot to a server")
    mg = _command(
        sub, "migrate-db", help="copy the SQLite database into an empty PostgreSQL database"
    )
    mg.add_argument(
        "--to",
        required=True,
        metavar="URL",
        help="postgresql://user@host/dbname (an empty database)",
    )
