"""The ``lowback`` command.

    lowback                 run the bot if DISCORD_TOKEN is set; otherwise say how to get one and
                            start the local chat (on an interactive terminal) or exit 2
    lowback run             run the Discord bot
    lowback chat            talk to the bot in the terminal
    lowback ask QUESTION    one answer, as the bot would give it (--json for the decision as data)
    lowback eval FILE       judge the knowledge base on a labelled question file
    lowback kb check        validate the knowledge base
    lowback routine [NAME]  run a timed routine in the terminal
    lowback progress        your step (--up, --hurts, --set N)
    lowback reminders       your reminder schedule (on/off/pause/show)
    lowback mydata          everything stored about you (--json, --delete)
    lowback doctor          check the set-up and say how to fix what is wrong
    lowback backup PATH     a consistent copy of the database, safe while the bot runs
    lowback invite-url      the link that adds the bot to a server
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from bot.settings import Settings, SettingsError
from bot.store.db import DatabaseError

TOKEN_HELP = """\
No Discord token found, so the Discord bot can't start.

To run it on Discord:
  1. Open https://discord.com/developers/applications and create an application.
  2. Under "Bot", press "Reset Token" and copy the token.
  3. Give it to the bot as DISCORD_TOKEN=your-token-here:
       - from a checkout: in a file named .env in the folder you start it from
         (or export DISCORD_TOKEN in your shell);
       - with Docker Compose: in the .env file at the top of the repository;
       - with systemd: in /etc/lowback/lowback.env.
     Then start the bot again.
  4. Invite the bot to your server with the link from `lowback invite-url`.
The README's "Discord set-up" section has the details.
"""

CHAT_OFFER = "Meanwhile you can try everything in the terminal: `lowback chat`."


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="lowback", description="A low back pain coach for Discord and the terminal.")
    p.add_argument("--knowledge", type=Path, help="knowledge directory (default: LOWBACK_KNOWLEDGE or the bundled one)")
    p.add_argument("--database", type=Path, help="database file (default: LOWBACK_DATABASE or your data directory)")
    sub = p.add_subparsers(dest="command")
    sub.add_parser("run", help="run the Discord bot")
    sub.add_parser("chat", help="talk to the bot in the terminal")
    ask = sub.add_parser("ask", help="answer one question")
    ask.add_argument("question", nargs="+")
    ask.add_argument("--json", action="store_true", help="print the decision as one JSON object")
    ask.add_argument("--step", type=int, choices=range(1, 5), help="answer as for someone on this step")
    ev = sub.add_parser("eval", help="judge the knowledge base on a question file")
    ev.add_argument("file", type=Path)
    ev.add_argument("--json", action="store_true")
    kb = sub.add_parser("kb", help="knowledge base tools")
    kb_sub = kb.add_subparsers(dest="kb_command")
    kb_sub.add_parser("check", help="validate the knowledge base")
    rt = sub.add_parser("routine", help="run a timed routine in the terminal")
    rt.add_argument("name", nargs="?", help="routine id (default: yours for your step)")
    pr = sub.add_parser("progress", help="your step in the progression")
    g = pr.add_mutually_exclusive_group()
    g.add_argument("--up", action="store_true", help="this step is easy and pain-free: move up")
    g.add_argument("--hurts", action="store_true", help="this step hurts: go back one")
    g.add_argument("--set", type=int, choices=range(1, 5), metavar="STEP", help="set your step")
    rm = sub.add_parser("reminders", help="your reminder schedule")
    rm.add_argument("action", nargs="?", default="show", choices=["show", "on", "off", "pause"])
    rm.add_argument("--timezone", help="IANA time zone or city, e.g. Europe/Berlin")
    rm.add_argument("--times", help="times of day, e.g. '7:30, 21:30'")
    rm.add_argument("--days", type=int, default=1, help="with pause: how many days")
    md = sub.add_parser("mydata", help="everything stored about you")
    md.add_argument("--json", action="store_true")
    md.add_argument("--delete", action="store_true", help="delete all of it")
    md.add_argument("--yes", action="store_true", help="with --delete: don't ask")
    dr = sub.add_parser("doctor", help="check the set-up")
    dr.add_argument("--offline", action="store_true", help="don't ask Discord about slash commands")
    bk = sub.add_parser("backup", help="copy the database safely while the bot runs")
    bk.add_argument("path", type=Path)
    bk.add_argument("--force", action="store_true", help="overwrite an existing file")
    sub.add_parser("invite-url", help="print the link that adds the bot to a server")
    return p


def _settings(args: argparse.Namespace) -> Settings:
    settings = Settings.from_env()
    changes = {}
    if getattr(args, "knowledge", None):
        changes["knowledge"] = args.knowledge
    if getattr(args, "database", None):
        changes["database"] = args.database
    if changes:
        from dataclasses import replace

        settings = replace(settings, **changes)
    return settings


def _load_kb(settings: Settings):
    from bot.core.errors import KnowledgeError
    from bot.core.knowledge import load_knowledge

    try:
        return load_knowledge(settings.knowledge)
    except KnowledgeError as exc:
        print(f"The knowledge base in {settings.knowledge} has {len(exc.issues)} problem(s):", file=sys.stderr)
        for issue in exc.issues:
            print(f"  {issue}", file=sys.stderr)
        print("Fix them and run `lowback kb check` again.", file=sys.stderr)
        return None


def cmd_kb_check(settings: Settings) -> int:
    kb = _load_kb(settings)
    if kb is None:
        return 1
    print(kb.summary())
    return 0


def cmd_ask(settings: Settings, args: argparse.Namespace) -> int:
    from bot.core.compose import reply_for
    from bot.core.matching import Matcher
    from bot.core.replies import render_text

    kb = _load_kb(settings)
    if kb is None:
        return 1
    matcher = Matcher(kb)
    question = " ".join(args.question)
    step = args.step or 1
    result = matcher.match(question, person_step=step)
    if args.json:
        print(json.dumps(matcher.to_json(result)))
    else:
        print(render_text(reply_for(kb, result, person_step=step, known_person=args.step is not None)))
    return 0


def cmd_eval(settings: Settings, args: argparse.Namespace) -> int:
    import yaml

    from bot.core.evaluation import EvalFileError, evaluate, parse_items
    from bot.core.matching import Matcher

    kb = _load_kb(settings)
    if kb is None:
        return 1
    try:
        data = yaml.safe_load(args.file.read_text(encoding="utf-8"))
        items = parse_items(data, str(args.file))
        report = evaluate(Matcher(kb), items)
    except OSError as exc:
        print(f"cannot read {args.file}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except yaml.YAMLError as exc:
        print(f"{args.file} is not valid YAML: {exc}", file=sys.stderr)
        return 2
    except EvalFileError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    print(json.dumps(report.as_json(), indent=2) if args.json else report.table())
    return 0


def cmd_default(settings: Settings) -> int:
    if settings.token:
        return cmd_run(settings)
    print(TOKEN_HELP + "\n" + CHAT_OFFER + "\n", file=sys.stderr)
    if not sys.stdin.isatty():
        print("(Not an interactive terminal, so the local chat is not started.)", file=sys.stderr)
        return 2
    return cmd_chat(settings)


def cmd_run(settings: Settings) -> int:
    if not settings.token:
        print(TOKEN_HELP, file=sys.stderr)
        return 2
    from bot.app import run_bot

    return asyncio.run(run_bot(settings))


def cmd_chat(settings: Settings) -> int:
    from bot.console import run_chat

    return asyncio.run(run_chat(settings))


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = _settings(args)
    except SettingsError as exc:
        print(f"Configuration problem: {exc}", file=sys.stderr)
        return 2
    try:
        return _dispatch(settings, args)
    except DatabaseError as exc:  # read-only, full disk, damaged file, newer schema: one line, no traceback
        print(f"lowback: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `lowback eval ... | head`
        sys.stderr.close()
        return 0


def _dispatch(settings: Settings, args: argparse.Namespace) -> int:
    command = args.command
    if command is None:
        return cmd_default(settings)
    if command == "run":
        return cmd_run(settings)
    if command == "chat":
        return cmd_chat(settings)
    if command == "ask":
        return cmd_ask(settings, args)
    if command == "eval":
        return cmd_eval(settings, args)
    if command == "kb":
        if args.kb_command != "check":
            print("usage: lowback kb check", file=sys.stderr)
            return 2
        return cmd_kb_check(settings)
    from bot import cli_more

    return cli_more.dispatch(settings, args)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
