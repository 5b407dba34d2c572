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
    if state.get(scope) == digest:
        log.info("Slash commands unchanged (%s); not syncing", scope)
        return False
    try:
        synced = await bot.tree.sync(guild=guild)
    except discord.HTTPException as exc:
        log.error("Could not sync the slash commands (%s): %s", scope, exc)
        return False
    log.info("Synced %d slash commands (%s)", len(synced), scope)
    if path is not None:
        state[scope] = digest
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(state, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        except OSError as exc:
            log.warning("Could not record the synced commands in %s: %s", path, exc)
    return True
