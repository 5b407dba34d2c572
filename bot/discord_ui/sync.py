"""Syncing the slash commands with Discord only when they changed.

A hash of what ``tree.sync`` would send is kept in a small file beside the database, per scope
(one server with ``LOWBACK_DEV_GUILD``, or global); a start with the same commands sends nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

if TYPE_CHECKING:
    from bot.app import LowbackBot

log = logging.getLogger("bot.app")  # the start-up lines an operator reads, under the name they had


def sync_state_path(database: Path) -> Path | None:
    """Where the hash of the last synced command tree is kept: a small file beside the database."""
    if str(database) == ":memory:":
        return None
    return database.with_name(database.name + ".commands.json")


def command_tree_hash(bot: commands.Bot, guild: discord.abc.Snowflake | None) -> str:
    """A hash of exactly what ``tree.sync(guild=...)`` would send, plus the application it goes to."""
    payload = [command.to_dict(bot.tree) for command in bot.tree.get_commands(guild=guild)]
    payload.sort(key=lambda c: (c.get("type", 1), c["name"]))
    blob = json.dumps(
        {"application": bot.application_id, "commands": payload}, sort_keys=True, default=str
    )
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def read_sync_state(path: Path | None) -> dict[str, str]:
    """The hash of the last synced command tree per scope, from ``path`` ({} if none)."""
    if path is None:
        return {}
    with contextlib.suppress(FileNotFoundError, ValueError, OSError):
        loaded = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(loaded, dict):
            return {str(k): str(v) for k, v in loaded.items()}
    return {}


def forget_synced_commands(bot: LowbackBot) -> None:
    """Discord sent a command that differs from the bot's: forget what was synced, so the next
    start syncs again (Discord may hold commands another copy of the bot pushed since)."""
    path = sync_state_path(bot.settings.state_base)
    if path is None or not read_sync_state(path):
        return
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:
        log.warning("Could not forget the synced commands in %s: %s", path, exc)


async def sync_commands(bot: LowbackBot) -> bool:
    """Push the slash commands to Discord when they changed; return whether a sync happened.

    With ``LOWBACK_DEV_GUILD`` the commands go to that one server (they show up at once); otherwise
    they are global. The hash of the last successful sync is kept per scope, so a restart with the
    same commands sends nothing. Delete the ``*.commands.json`` file beside the database to force a
    sync. A failed sync is logged and retried at the next start. When the shards are split over
    several processes, only the one running shard 0 syncs: the commands belong to the application,
    not to a shard.
    """
    if bot.settings.shard_ids is not None and 0 not in bot.settings.shard_ids:
        log.info("Slash commands are synced by the process that runs shard 0")
        return False
    guild = discord.Object(id=bot.settings.dev_guild) if bot.settings.dev_guild else None
    if guild is not None:
        bot.tree.copy_global_to(guild=guild)
    scope = f"guild:{guild.id}" if guild is not None else "global"
    digest = command_tree_hash(bot, guild)
    path = sync_state_path(bot.settings.state_base)
    state = read_sync_state(path)
    cleared = await clear_dev_guilds(bot, state, keep=scope)
    synced = False
    if state.get(scope) == digest:
        log.info("Slash commands unchanged (%s); not syncing", scope)
    else:
        try:
            commands = await bot.tree.sync(guild=guild)
        except discord.HTTPException as exc:
            log.error("Could not sync the slash commands (%s): %s", scope, exc)
        else:
            log.info("Synced %d slash commands (%s)", len(commands), scope)
            state[scope] = digest
            synced = True
    if synced or cleared:
        write_sync_state(path, state)
    return synced


async def clear_dev_guilds(bot: LowbackBot, state: dict[str, str], *, keep: str) -> bool:
    """Take the commands synced to an earlier development server (``LOWBACK_DEV_GUILD``) out of
    it, now that they are global or go to another server: it would otherwise list every command
    twice, and keep running its old copies after an update. Each server done (or gone) leaves
    ``state``; True if any did. ``keep``: the scope synced now."""
    changed = False
    for scope in [s for s in state if s.startswith("guild:") and s != keep]:
        ident = scope.removeprefix("guild:")
        if not ident.isdigit():  # not written by this bot
            del state[scope]
            changed = True
            continue
        guild = discord.Object(id=int(ident))
        bot.tree.clear_commands(guild=guild)
        try:
            await bot.tree.sync(guild=guild)
        except (discord.Forbidden, discord.NotFound) as exc:  # the bot left that server
            log.info("Could not take the commands out of server %s: %s", guild.id, exc)
        except discord.HTTPException as exc:  # tried again at the next start
            log.warning("Could not take the commands out of server %s: %s", guild.id, exc)
            continue
        else:
            log.info("Took the commands LOWBACK_DEV_GUILD put in server %s out of it", guild.id)
        del state[scope]
        changed = True
    return changed


def write_sync_state(path: Path | None, state: dict[str, str]) -> None:
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(state, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    except OSError as exc:
        log.warning("Could not record the synced commands in %s: %s", path, exc)
