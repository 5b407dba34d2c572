"""The ``lowback`` command.

    lowback                 run the bot if DISCORD_TOKEN is set; otherwise say how to get one and
                            start the local chat (on an interactive terminal) or exit 2
    lowback run             run the Discord bot
    lowback chat            talk to the bot in the terminal
    lowback ask QUESTION    one answer, as the bot would give it to you (--json for the decision as
                            data; --step N as for someone on step N; "-" reads the question from stdin)
    lowback eval FILE       judge the knowledge base on a labelled question file
    lowback kb check        validate the knowledge base
    lowback routine [NAME]  run a timed routine in the terminal
    lowback progress        your step (--up, --hurts, --set N)
    lowback reminders       your reminder schedule: on [ZONE] [TIMES] | off | pause DAYS | snooze [MIN] | show
    lowback mydata          everything stored about you (--json, --delete)
    lowback privacy         the privacy notice: what is kept, why, for how long
    lowback doctor          check the set-up and say how to fix what is wrong
    lowback backup PATH     a consistent copy of the database, safe while the bot runs
    lowback invite-url      the link that adds the bot to a server
    lowback migrate-db --to postgresql://...   copy the SQLite database into an empty PostgreSQL one

Every error is one line on standard error and a non-zero exit: 2 for something typed wrong, 1 for
something that does not work (a broken knowledge base, a database that cannot be opened).
Imports happen inside each command, so a command loads only what it uses.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

from bot.setting_names import misspelt_line
from bot.settings import PostgresURL, Settings, SettingsError, parse_database
from bot.terminal.help_texts import token_help
from bot.terminal.parser import (
    MAX_SECONDS_SCALE,
    UsageError,
    in_the_callers_folder,
    parse,
    question_of,
)
from bot.terminal.streams import (
    CLOSED_OUTPUT,
    WRITE_FAULTS,
    forgiving_stdin,
    forgiving_stdout,
    quiet_stdout,
    stdin_is_terminal,
    stdout_is_closed,
)

if TYPE_CHECKING:  # each command imports what it uses when it runs
    from bot.core.errors import KnowledgeError
    from bot.services.container import Services
    from bot.terminal.render import Screen

T = TypeVar("T")
Work = Callable[["Services"], Awaitable[int]]  # a command on the open services; its exit status

MODEL_HELP = (
    "The bundled model files are part of the installed package and cannot be rebuilt here: "
    "reinstall it (pip install --force-reinstall lowback-bot, or from a checkout "
    "`git checkout bot/models` and `bash scripts/start`)."
)
SHELL_HELP = "`lowback chat` to talk; `lowback --help` lists every command."


def _settings(args: argparse.Namespace) -> Settings:
    settings = Settings.from_env(database_option=getattr(args, "database", None) or None)
    if getattr(args, "knowledge", None):
        from dataclasses import replace

        settings = replace(settings, knowledge=args.knowledge)
    return settings


def _err(text: str) -> None:
    print(text, file=sys.stderr)


def _knowledge_problems(settings: Settings, exc: KnowledgeError) -> None:
    _err(f"The knowledge base in {settings.knowledge} has {len(exc.issues)} problem(s):")
    for issue in exc.issues:
        _err(f"  {issue}")
    _err("Fix them and run `lowback kb check` again.")


def _screen() -> Screen:
    from bot.terminal.render import Screen

    return Screen()


# -- commands that need only the knowledge base --------------------------------------------------


def cmd_kb_check(settings: Settings) -> int:
    from bot.core.errors import KnowledgeError
    from bot.services.knowledge import open_knowledge

    try:
        kb = open_knowledge(settings).kb
    except KnowledgeError as exc:
        _knowledge_problems(settings, exc)
        return 1
    print(kb.summary())
    return 0


def cmd_eval(settings: Settings, args: argparse.Namespace) -> int:
    import yaml

    from bot.core.errors import KnowledgeError
    from bot.core.evaluation import EvalFileError, evaluate, parse_items
    from bot.services.knowledge import open_knowledge

    try:
        knowledge = open_knowledge(settings)
    except KnowledgeError as exc:
        _knowledge_problems(settings, exc)
        return 1
    try:
        data = yaml.safe_load(args.file.read_text(encoding="utf-8"))
        items = parse_items(data, str(args.file))
        report = evaluate(knowledge.matcher, items)
    except OSError as exc:
        _err(f"cannot read {args.file}: {exc.strerror or exc}")
        return 2
    except UnicodeDecodeError as exc:
        _err(
            f"{args.file} is not UTF-8 text (byte {exc.start + 1} cannot be read as UTF-8): save it as UTF-8."
        )
        return 2
    except yaml.YAMLError as exc:
        _err(f"{args.file} is not valid YAML: {str(exc).splitlines()[0]}")
        return 2
    except EvalFileError as exc:
        _err(str(exc))
        return 2
    if args.totals:
        report.misses = []
    print(json.dumps(report.as_json(), indent=2) if args.json else report.table())
    return 0


# -- commands on the services --------------------------------------------------------------------


async def _with_services(settings: Settings, work: Work) -> int:
    """Open the services (the composition root both front ends share), run ``work``, close them."""
    from bot.logging_setup import quiet_driver_logs

    with (
        quiet_driver_logs()
    ):  # a database that goes away is said in one line, not the driver's traceback
        return await _open_and_work(settings, work)


async def _open_and_work(settings: Settings, work: Work) -> int:
    from bot.core.errors import KnowledgeError
    from bot.services.container import Services
    from bot.store.errors import DatabaseError

    try:
        services = await Services.open(settings, recover_sessions=False)
    except KnowledgeError as exc:
        _knowledge_problems(settings, exc)
        return 1
    except DatabaseError as exc:
        where = "" if str(settings.database) in str(exc) else f" {settings.database}"  # most say
        _err(f"Can't use the database{where}: {exc}")
        return 1
    try:
        return await work(services)
    finally:
        await services.close()


async def _ask(services: Services, args: argparse.Namespace, question: str) -> int:
    from bot.store.people import LOCAL_USER_ID

    asked = await services.ask.ask_full(LOCAL_USER_ID, question, step=args.step)
    if args.json and asked.match is not None:  # a question always has a match result
        topic = services.knowledge.kb.topics.get(asked.match.topic or "")
        print(json.dumps({**asked.match.as_json(), "step": topic.step if topic else None}))
    else:
        _screen().reply(asked.reply, help_text=SHELL_HELP)
    return 0


async def _progress(services: Services, args: argparse.Namespace) -> int:
    from bot.store.people import LOCAL_USER_ID

    if args.up:
        reply = await services.progress.move_up(LOCAL_USER_ID)
    elif args.hurts:
        reply = await services.progress.go_back(LOCAL_USER_ID)
    elif args.set is not None:
        reply = await services.progress.set_step(LOCAL_USER_ID, args.set)
    else:
        reply = await services.progress.show(LOCAL_USER_ID)
    _screen().reply(reply)
    return 0


async def _reminders(services: Services, args: argparse.Namespace) -> int:
    from bot.store.people import LOCAL_USER_ID
    from bot.terminal.reminders import reminders

    outcome = await reminders(
        services,
        LOCAL_USER_ID,
        [args.action, *args.words],
        where="shell",
        timezone=args.timezone,
        times=args.times,
        days=args.days,
    )
    if not outcome.ok:
        _err(outcome.text)
        return 2
    print(outcome.text)
    return 0


async def _mydata(services: Services, args: argparse.Namespace) -> int:
    from bot.store.people import LOCAL_USER_ID
    from bot.terminal.privacy import data_in_the_terminal

    if args.delete:
        if not args.yes:
            if not stdin_is_terminal():
                raise UsageError(
                    "Add --yes to delete without a question (there is no terminal to ask on)."
                )
            try:
                answer = input("Delete everything stored about you? Type yes to confirm: ")  # noqa: ASYNC250 (nothing else runs while the person decides)
            except EOFError:
                answer = ""
            if answer.strip().lower() not in ("y", "yes"):
                print("Nothing deleted.")
                return 0
        _screen().reply(await services.data.delete(LOCAL_USER_ID))
    elif args.json:
        print(await services.data.export_json(LOCAL_USER_ID))
    else:
        _screen().reply(data_in_the_terminal(await services.data.show(LOCAL_USER_ID), chat=False))
    return 0


async def _chat(services: Services) -> int:
    from bot.terminal.chat import run_chat
    from bot.terminal.hangups import ended_like_ctrl_c

    return await ended_like_ctrl_c(run_chat(services))


async def _routine(services: Services, args: argparse.Namespace) -> int:
    from bot.terminal.hangups import ended_like_ctrl_c
    from bot.terminal.render import Screen
    from bot.terminal.routine import run_routine

    return await ended_like_ctrl_c(
        run_routine(
            services,
            " ".join(args.name) or None,  # `lowback routine glute stretch`, unquoted
            screen=Screen(),
            errors=Screen(sys.stderr),
            seconds_scale=args.seconds_scale,
        )
    )


# -- operating the bot ---------------------------------------------------------------------------


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    import inspect

    try:
        import asyncio

        return asyncio.run(coroutine)
    finally:
        if inspect.getcoroutinestate(coroutine) == inspect.CORO_CREATED:  # Ctrl-C came first
            coroutine.close()  # so that Python does not warn it was never awaited


def cmd_default(settings: Settings) -> int:
    if settings.token:
        return cmd_run(settings)
    _err(token_help(offer_chat=True))
    if not stdin_is_terminal():
        _err("(Not an interactive terminal, so the local chat is not started.)")
        return 2
    return _run(_with_services(settings, _chat))


def cmd_run(settings: Settings) -> int:
    if not settings.token:
        _err(token_help())
        return 2
    _ = settings.state_base  # SettingsError before connecting: nowhere to keep the heartbeat
    from bot.app import run_bot

    return _run(run_bot(settings))


def cmd_doctor(settings: Settings, args: argparse.Namespace) -> int:
    from bot.ops.doctor import doctor, doctor_exit_code, format_checks

    checks = _run(doctor(settings, check_commands=not args.offline))
    try:
        print(format_checks(checks), flush=True)
    except BrokenPipeError:  # `lowback doctor | head -3`: the verdict is still the exit code
        quiet_stdout()
    return doctor_exit_code(checks)


def cmd_backup(settings: Settings, args: argparse.Namespace) -> int:
    from bot.ops.backup import BackupError, backup
    from bot.store.errors import DatabaseError

    if str(args.path) == "-":  # as other commands read it: standard output, which a database is not
        raise UsageError(
            "lowback backup writes the copy to a file, not to standard output: give it a file name, "
            "e.g. lowback backup lowback-backup.db"
        )
    try:
        path = _run(backup(settings.database, args.path, overwrite=args.force))
    except (BackupError, OSError, ValueError, DatabaseError) as exc:
        _err(f"Backup failed: {exc}")
        return 1
    if isinstance(settings.database, PostgresURL):
        print(
            f"Backed up {settings.database} to {path} with pg_dump (custom format; restore with pg_restore)"
        )
    else:
        print(f"Backed up {settings.database} to {path}")
    return 0


def cmd_migrate_db(settings: Settings, args: argparse.Namespace) -> int:
    """Copy the SQLite database into an empty PostgreSQL one, checked row by row (bot/ops/postgres.py)."""
    from bot.ops.instance import AnotherBotRunning, InstanceLock
    from bot.ops.postgres import PostgresOpsError, run_migrate_db
    from bot.store.errors import DatabaseError

    target = parse_database(args.to, name="--to")  # SettingsError: main() says it in one line
    if not isinstance(target, PostgresURL):
        raise UsageError(
            "--to must be a postgresql://user@host/dbname URL: migrate-db moves a SQLite database to "
            "PostgreSQL."
        )
    if isinstance(settings.database, PostgresURL):
        raise UsageError(
            "LOWBACK_DATABASE (or --database) must name the SQLite file to copy from, not a PostgreSQL URL."
        )
    try:
        with InstanceLock.for_moving(settings):  # and no bot starts on it meanwhile
            copied = run_migrate_db(settings.database, target)
    except (AnotherBotRunning, PostgresOpsError, DatabaseError, OSError) as exc:
        _err(f"Nothing was moved: {exc}")
        return 1
    for table in copied:
        print(f"  {table.table}: {table.rows} row(s)")
    total = sum(t.rows for t in copied)
    print(
        f"Copied {total} row(s) from {settings.database} to {target} and checked them row by row."
    )
    print(
        f"Next: set LOWBACK_DATABASE={target} for every bot process and start them; keep the SQLite file as a backup."
    )
    return 0


def cmd_invite_url(settings: Settings) -> int:
    from bot.invite import invite_url, resolve_client_id

    client_id = resolve_client_id(settings)
    if client_id is None:
        raise UsageError(
            "I need the bot's application id: set DISCORD_TOKEN (it contains it) or LOWBACK_CLIENT_ID "
            "(Discord developer portal, General Information, Application ID)."
        )
    print(invite_url(client_id))
    return 0


# -- dispatch ------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    in_the_callers_folder(args)
    forgiving_stdin()
    forgiving_stdout()
    try:
        settings = _settings(args)
    except SettingsError as exc:
        return _configuration_problems(exc)
    if args.command != "doctor":  # the doctor says it among its checks
        for name, setting in settings.misspelt:
            _err(f"lowback: {misspelt_line(name, setting)}")
    try:
        return _dispatch(settings, args)
    except SettingsError as exc:
        return _configuration_problems(exc)
    except UsageError as exc:
        _err(str(exc))
        return 2
    except BrokenPipeError:  # `lowback eval ... | head`: the reader has what it wanted
        quiet_stdout()
        return 0
    except OSError as exc:
        # `lowback mydata --json > export.json` on a full disk: one line, not a traceback. (The
        # store and the backup say their own file's faults; what is left is the output.)
        if exc.filename is not None or exc.errno not in WRITE_FAULTS:
            raise
        quiet_stdout()
        _err(f"lowback: could not write the output: {exc.strerror}")
        return 1
    except Exception as exc:
        # A read-only file, a full disk, a damaged file, a newer schema: one line, no traceback.
        # (bot.store.errors is looked up, not imported: a command that never opened the store never fails so.)
        store = sys.modules.get("bot.store.errors")
        semantic = sys.modules.get("bot.core.semantic")
        if semantic is not None and isinstance(exc, semantic.ModelError):
            _err(f"lowback: {exc}\n{MODEL_HELP}")
            return 1
        if store is None or not isinstance(exc, store.DatabaseError):
            raise
        _err(f"lowback: {exc}")
        return 1
    except KeyboardInterrupt:
        _err("")
        return 130


def _configuration_problems(exc: SettingsError) -> int:
    """Each setting that makes no sense, in one line of its own; exit code 2."""
    for problem in exc.problems:
        _err(f"Configuration problem: {problem}")
    return 2


def _dispatch(settings: Settings, args: argparse.Namespace) -> int:
    command = args.command
    if stdout_is_closed() and command != "run" and not (command is None and settings.token):
        raise UsageError(CLOSED_OUTPUT)  # the bot alone needs none: it logs to standard error
    if command is None:
        return cmd_default(settings)
    if command == "run":
        return cmd_run(settings)
    if command == "invite-url":
        return cmd_invite_url(settings)
    if command == "privacy":
        from bot.terminal.privacy import privacy_reply

        _screen().reply(privacy_reply())
        return 0
    if command == "kb":
        if args.kb_command != "check":
            raise UsageError("usage: lowback kb check")
        return cmd_kb_check(settings)
    if command == "eval":
        return cmd_eval(settings, args)
    if command == "doctor":
        return cmd_doctor(settings, args)
    if command == "backup":
        return cmd_backup(settings, args)
    if command == "migrate-db":
        return cmd_migrate_db(settings, args)
    if command == "ask":
        question = question_of(args)
        return _run(_with_services(settings, lambda s: _ask(s, args, question)))
    if command == "chat" and sys.stdin is None:
        raise UsageError(
            "Standard input is closed, so the chat has nothing to read: run it in a terminal."
        )
    if command == "routine" and not 0 < args.seconds_scale <= MAX_SECONDS_SCALE:
        raise UsageError(f"--seconds-scale must be more than 0 and at most {MAX_SECONDS_SCALE:g}")
    work = {
        "chat": _chat,
        "progress": lambda s: _progress(s, args),
        "reminders": lambda s: _reminders(s, args),
        "mydata": lambda s: _mydata(s, args),
        "routine": lambda s: _routine(s, args),
    }[command]
    return _run(_with_services(settings, work))


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
