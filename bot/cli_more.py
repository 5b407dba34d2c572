"""The ``lowback`` subcommands that use the database or operate the bot (see ``bot.cli``)."""

from __future__ import annotations

import argparse
import asyncio
import sys

from bot.console import open_services
from bot.core.replies import render_text
from bot.services.container import Services
from bot.settings import PostgresURL, Settings, SettingsError, parse_database
from bot.store.db import DatabaseError
from bot.store.people import LOCAL_USER_ID


async def _with_services(settings: Settings, work) -> int:
    services = await open_services(settings)
    if services is None:
        return 1
    try:
        return await work(services)
    finally:
        await services.close()


async def _progress(services: Services, args: argparse.Namespace) -> int:
    if args.up:
        reply = await services.progress.move_up(LOCAL_USER_ID)
    elif args.hurts:
        reply = await services.progress.go_back(LOCAL_USER_ID)
    elif args.set is not None:
        reply = await services.progress.set_step(LOCAL_USER_ID, args.set)
    else:
        reply = await services.progress.show(LOCAL_USER_ID)
    print(render_text(reply))
    return 0


async def _reminders(services: Services, args: argparse.Namespace) -> int:
    from bot.console_reminders import reminders_action

    print(await reminders_action(services, LOCAL_USER_ID, args.action, timezone=args.timezone, times=args.times,
                                 days=args.days))
    return 0


async def _mydata(services: Services, args: argparse.Namespace) -> int:
    if args.delete:
        if not args.yes:
            if not sys.stdin.isatty():
                print("Add --yes to delete without a question (no terminal to ask on).", file=sys.stderr)
                return 2
            if input("Delete everything stored about you? Type yes to confirm: ").strip().lower() not in ("y", "yes"):
                print("Nothing deleted.")
                return 0
        print(render_text(await services.data.delete(LOCAL_USER_ID)))
    elif args.json:
        print(await services.data.export_json(LOCAL_USER_ID))
    else:
        print(render_text(await services.data.show(LOCAL_USER_ID)))
    return 0


def _migrate_db(settings: Settings, args: argparse.Namespace) -> int:
    from bot.pg_ops import PostgresOpsError, run_migrate_db

    try:
        target = parse_database(args.to, name="--to")
    except SettingsError as exc:
        print(f"Configuration problem: {exc}", file=sys.stderr)
        return 2
    if not isinstance(target, PostgresURL):
        print("--to must be a postgresql://user@host/dbname URL: migrate-db moves a SQLite database to PostgreSQL.",
              file=sys.stderr)
        return 2
    if isinstance(settings.database, PostgresURL):
        print("LOWBACK_DATABASE (or --database) must name the SQLite file to copy from, not a PostgreSQL URL.",
              file=sys.stderr)
        return 2
    try:
        copied = run_migrate_db(settings.database, target)
    except (PostgresOpsError, DatabaseError, OSError) as exc:
        print(f"Nothing was moved: {exc}", file=sys.stderr)
        return 1
    for table in copied:
        print(f"  {table.table}: {table.rows} row(s)")
    total = sum(t.rows for t in copied)
    print(f"Copied {total} row(s) from {settings.database} to {target} and checked them row by row.")
    print(f"Next: set LOWBACK_DATABASE={target} for every bot process and start them; keep the SQLite file as a backup.")
    return 0


def dispatch(settings: Settings, args: argparse.Namespace) -> int:
    command = args.command
    if command == "progress":
        return asyncio.run(_with_services(settings, lambda s: _progress(s, args)))
    if command == "reminders":
        return asyncio.run(_with_services(settings, lambda s: _reminders(s, args)))
    if command == "mydata":
        return asyncio.run(_with_services(settings, lambda s: _mydata(s, args)))
    if command == "routine":
        from bot.routine_tui import run_routine_command

        return asyncio.run(run_routine_command(settings, args.name))
    if command == "doctor":
        from bot.ops import doctor, doctor_exit_code, format_checks

        checks = asyncio.run(doctor(settings, check_commands=not args.offline))
        print(format_checks(checks))
        return doctor_exit_code(checks)
    if command == "backup":
        from bot.ops import BackupError, backup

        try:
            path = asyncio.run(backup(settings.database, args.path, overwrite=args.force))
        except (BackupError, OSError, ValueError, DatabaseError) as exc:
            print(f"Backup failed: {exc}", file=sys.stderr)
            return 1
        if isinstance(settings.database, PostgresURL):
            print(f"Backed up {settings.database} to {path} with pg_dump (custom format; restore with pg_restore)")
        else:
            print(f"Backed up {settings.database} to {path}")
        return 0
    if command == "migrate-db":
        return _migrate_db(settings, args)
    if command == "invite-url":
        from bot.ops import invite_url, resolve_client_id

        client_id = resolve_client_id(settings)
        if client_id is None:
            print("I need the bot's application id: set DISCORD_TOKEN (it contains it) or LOWBACK_CLIENT_ID "
                  "(Discord developer portal, General Information, Application ID).", file=sys.stderr)
            return 2
        print(invite_url(client_id))
        return 0
    print(f"unknown command {command!r}", file=sys.stderr)
    return 2
