"""The Discord bot: one ``commands.Bot`` subclass, its command tree, and how to run it.

``create_bot(settings)`` builds the bot without touching the network, so tests drive the real
thing (SimCord) against a temporary database. ``setup_hook`` opens the services, loads every
feature cog under ``bot/exts/`` and syncs the slash commands only when they changed;
``close()`` closes the services. ``run_bot(settings)`` runs it until Ctrl-C or SIGTERM, logging
through ``bot.logging_setup`` (the token is redacted from every line).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import pkgutil
import re
import signal
import sys
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands

from bot.core.clock import Clock, Sleep
from bot.core.errors import KnowledgeError
from bot.core.semantic import ModelError
from bot.discord_ui import NO_MENTIONS
from bot.discord_ui.actions import ActionHandler, MessageHandler
from bot.discord_ui.cooldown import Cooldown
from bot.discord_ui.errors import STALE_ERRORS, report_error
from bot.discord_ui.ratelimit import limiter_trace
from bot.discord_ui.render import ReplyButton, answer_unknown_button
from bot.discord_ui.sync import forget_synced_commands, sync_commands
from bot.logging_setup import setup_logging
from bot.ops.doctor import check_token
from bot.ops.heartbeat import heartbeat_loop, heartbeat_path, touch_heartbeat
from bot.ops.instance import AnotherBotRunning, InstanceLock
from bot.services.reminders.ratelimit import RestLimiter
from bot.settings import PostgresURL, Settings, token_looks_valid
from bot.store.db import open_database
from bot.store.errors import DatabaseError

if TYPE_CHECKING:
    from bot.services.container import Services

log = logging.getLogger(__name__)

EXTENSIONS_PACKAGE = "bot.exts"


def minimal_intents() -> discord.Intents:
    """Guilds, and guild and DM messages: enough for mentions, DMs and slash commands.

    No message-content intent: Discord still sends the content of messages that mention the bot
    and of DMs, which is all the bot reads.
    """
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = True
    intents.dm_messages = True
    return intents


class LowbackTree(app_commands.CommandTree):
    """The command tree; every error from a slash command ends in one handler."""

    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError, /
    ) -> None:
        if isinstance(error, STALE_ERRORS) and isinstance(self.client, LowbackBot):
            forget_synced_commands(self.client)  # the next start syncs them again
        await report_error(interaction, error)


class LowbackBot(commands.Bot):
    """The lowback bot. ``services`` is open between ``setup_hook`` and ``close``."""

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock | None = None,
        sleep: Sleep | None = None,
        rest_limiter: RestLimiter | None = None,
        **shard_options: Any,
    ) -> None:
        rest_limiter = rest_limiter or RestLimiter()
        # The bot never joins a voice channel: spare the operator discord.py's start-up warnings about
        # the voice libraries it doesn't install.
        discord.VoiceClient.warn_nacl = False
        discord.VoiceClient.warn_dave = False
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=minimal_intents(),
            allowed_mentions=NO_MENTIONS,
            tree_cls=LowbackTree,
            # Every REST call through one budget under Discord's limits (bot/discord_ui/ratelimit.py);
            # a 429 asking for longer than this is raised, not slept through. With PostgreSQL a
            # global 429 also pauses the other processes (global_429_hook).
            http_trace=with_global_429_hook(limiter_trace(rest_limiter), self),
            max_ratelimit_timeout=30.0,
            **shard_options,
        )
        self.rest_limiter = rest_limiter
        self.settings = settings
        self.clock: Clock = clock or discord.utils.utcnow
        self.sleep: Sleep = sleep or asyncio.sleep
        self.services: Services | None = None
        self.ask_cooldown = Cooldown(
            settings.ask_cooldown_rate, settings.ask_cooldown_seconds, self.clock
        )
        # Buttons whose behaviour a feature cog provides (e.g. "start_routine"); see bot/discord_ui/actions.py.
        self.action_handlers: dict[str, ActionHandler] = {}
        # Messages to the bot a feature cog reads itself before they are taken as questions; see bot/discord_ui/actions.py.
        self.message_handlers: list[MessageHandler] = []
        # The custom ids of every button the bot knows (add_buttons); on_interaction answers the rest.
        self.button_templates: dict[type[discord.ui.DynamicItem[Any]], re.Pattern[str]] = {}
        self.synced: bool | None = (
            None  # after setup_hook: whether the commands were pushed to Discord
        )
        self._heartbeat: asyncio.Task[None] | None = None
        # Set while setup_hook runs: a shutdown asked for meanwhile waits for it (see run_bot).
        self.setting_up = asyncio.Event()
        self.set_up = asyncio.Event()

    # -- lifecycle ---------------------------------------------------------------------------

    async def setup_hook(self) -> None:
        from bot.services.container import Services

        self.setting_up.set()
        try:
            self.services = await Services.open(
                self.settings, clock=self.clock, sleep=self.sleep, peers=True
            )
            await asyncio.to_thread(self.services.knowledge.kb.compile_expressions)
            self.add_buttons(ReplyButton)
            for name in feature_extensions():
                await self.load_extension(name)
            self.synced = await sync_commands(self)
            if str(self.settings.database) != ":memory:":
                # The container's health check reads this file: a bot that is not connected, or
                # whose event loop is stuck, stops touching it. One left by an earlier run goes
                # first, so the check can't pass on it.
                path = heartbeat_path(self.settings.state_base)
                with contextlib.suppress(OSError):
                    path.parent.mkdir(parents=True, exist_ok=True)  # PostgreSQL: LOWBACK_STATE_DIR
                    path.unlink(missing_ok=True)
                self._heartbeat = asyncio.create_task(
                    heartbeat_loop(
                        path,
                        alive=self.connected,
                        clock=self.clock,
                        sleep=self.sleep,
                    ),
                    name="heartbeat",
                )
        finally:
            self.set_up.set()

    async def on_ready(self) -> None:
        # The first heartbeat as soon as the bot is ready, not a loop interval later.
        if self._heartbeat is not None and self.connected():
            with contextlib.suppress(OSError):
                touch_heartbeat(heartbeat_path(self.settings.state_base), self.clock())

    def connected(self) -> bool:
        """Ready and on an open gateway connection (not closed, not between reconnects)."""
        ws = self.ws
        return self.is_ready() and not self.is_closed() and ws is not None and ws.open

    async def close(self) -> None:
        # discord.py waits a moment after READY for the servers to arrive before it says "ready";
        # stopped within that moment, its wait would go on and dispatch into the closed client.
        waiting = getattr(self._connection, "_ready_task", None)
        if waiting is not None and not waiting.done():
            waiting.cancel()
        heartbeat, self._heartbeat = self._heartbeat, None
        if heartbeat is not None:
            heartbeat.cancel()
            await asyncio.gather(heartbeat, return_exceptions=True)
        try:
            await super().close()
        finally:
            services, self.services = self.services, None
            if services is not None:
                await services.close()

    # -- buttons -----------------------------------------------------------------------------

    def add_buttons(self, *items: type[discord.ui.DynamicItem[Any]]) -> None:
        """Register buttons that answer from their custom id alone, on messages sent before a
        restart too. Every button the bot shows is one of these: a press of any other is answered
        by :meth:`on_interaction` as one the bot can no longer act on."""
        self.add_dynamic_items(*items)
        for item in items:
            self.button_templates[item] = item.__discord_ui_compiled_template__

    def remove_buttons(self, *items: type[discord.ui.DynamicItem[Any]]) -> None:
        self.remove_dynamic_items(*items)
        for item in items:
            self.button_templates.pop(item, None)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """A press of a button that no registered button matches (one made by an older version of
        the bot, or by a feature not loaded): answered privately instead of failing silently."""
        if interaction.type is not discord.InteractionType.component:
            return
        data: dict[str, Any] = dict(interaction.data or {})
        custom_id = str(data.get("custom_id", ""))
        if any(template.fullmatch(custom_id) for template in self.button_templates.values()):
            return
        log.info("a press of an unknown button %r by user %s", custom_id, interaction.user.id)
        await answer_unknown_button(interaction)

    # -- messages ----------------------------------------------------------------------------

    async def on_message(self, message: discord.Message) -> None:
        # Questions by mention or DM are handled by the ask cog; there are no prefix commands.
        return

    async def on_error(self, event_method: str, /, *args: Any, **kwargs: Any) -> None:
        log.exception("Error in event %s", event_method)

    def require_services(self) -> Services:
        if self.services is None:
            raise RuntimeError("the bot's services are not open")
        return self.services


class ShardedLowbackBot(LowbackBot, commands.AutoShardedBot):
    """The bot on several gateway shards (``LOWBACK_SHARD_COUNT``), this process running the ones in
    ``LOWBACK_SHARDS`` (all of them if unset). Everything shared between processes lives in the
    store; interactions, routines and cooldowns stay in the process whose shard received them."""

    def connected(self) -> bool:
        shards = self.shards
        return (
            self.is_ready()
            and not self.is_closed()
            and bool(shards)
            and all(not shard.is_closed() for shard in shards.values())
        )

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        # Discord allows the bot one IDENTIFY every 5 seconds, whatever the number of processes.
        # With PostgreSQL the processes queue for it through the store (a one-token budget);
        # otherwise discord.py's own wait between this process's shards, on the injected sleep.
        gate = self.services.identify_budget if self.services is not None else None
        if gate is not None:
            await gate.acquire()
        elif not initial:
            await self.sleep(IDENTIFY_INTERVAL)


IDENTIFY_INTERVAL = 5.0


def with_global_429_hook(trace: aiohttp.TraceConfig, bot: LowbackBot) -> aiohttp.TraceConfig:
    """Tell the other processes of the bot when Discord answers a global 429: with PostgreSQL the
    shared budget (bot/store/shared.py) is paused for its retry_after, so every process waits, not
    just the one that was told (this process's own RestLimiter pauses it as usual). The hook goes
    first, before ``trace``'s own, which may raise for a background request."""

    async def on_request_end(
        _session: aiohttp.ClientSession,
        _context: SimpleNamespace,
        params: aiohttp.TraceRequestEndParams,
    ) -> None:
        response = params.response
        if (
            response.status != 429
            or response.headers.get("X-RateLimit-Global", "").lower() != "true"
        ):
            return
        budget = bot.services.budget if bot.services is not None else None
        if budget is None:
            return
        try:
            retry_after = float(response.headers.get("Retry-After", "1"))
        except ValueError:
            retry_after = 1.0
        try:
            await budget.pause(retry_after)
            log.warning("Discord's global rate limit: every process waits %.1f s", retry_after)
        except Exception as exc:  # the store is down: this process still waits, as discord.py does
            log.warning("could not tell the other processes about a global rate limit: %s", exc)

    trace.on_request_end.insert(0, on_request_end)
    return trace


def create_bot(
    settings: Settings, *, clock: Clock | None = None, sleep: Sleep | None = None
) -> LowbackBot:
    """Build the bot. Nothing is opened until it logs in (``setup_hook``).

    Unsharded by default; with ``LOWBACK_SHARD_COUNT`` an ``AutoShardedBot`` running this process's
    ``LOWBACK_SHARDS``."""
    if not settings.sharded:
        return LowbackBot(settings, clock=clock, sleep=sleep)
    shard_ids = list(settings.shard_ids) if settings.shard_ids is not None else None
    return ShardedLowbackBot(
        settings, clock=clock, sleep=sleep, shard_count=settings.shard_count, shard_ids=shard_ids
    )


def feature_extensions() -> list[str]:
    """Every module and package directly in ``bot/exts/``: each is one feature's extension.

    Nothing else lives there (the shared helpers are in ``bot/discord_ui/``), so a new feature only
    needs a new module or package with a ``setup``; one without it fails loudly when loaded.
    """
    package = importlib.import_module(EXTENSIONS_PACKAGE)
    return sorted(
        f"{EXTENSIONS_PACKAGE}.{info.name}" for info in pkgutil.iter_modules(package.__path__)
    )


# -- running it -------------------------------------------------------------------------------

# Discord unreachable at start (no network yet after a boot, an outage): try again after 2, 4, 8...
# seconds, at most a minute apart, until it answers or the bot is told to stop.
LOGIN_RETRY_FIRST = 2.0
LOGIN_RETRY_MAX = 60.0
UNREACHABLE = (OSError, aiohttp.ClientError, asyncio.TimeoutError, discord.DiscordServerError)


async def log_in_when_reachable(bot: LowbackBot, token: str, stopping: asyncio.Event) -> bool:
    """Log in, retrying while Discord can't be reached; False if told to stop first.

    A refused token, or anything else that retrying won't fix, is raised at once.
    """
    delay = LOGIN_RETRY_FIRST
    while True:
        try:
            await bot.login(token)
            return True
        except UNREACHABLE as exc:
            if stopping.is_set():
                return False
            if bot.setting_up.is_set():  # past the login proper: trying again would set up twice
                raise
            log.warning("Could not reach Discord (%s); trying again in %g s", exc, delay)
            # Start the next try from a fresh HTTP session: discord.py makes one per login.
            await bot.http.close()
            bot.http.connector = discord.utils.MISSING
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stopping.wait(), delay)
        if stopping.is_set():
            return False
        delay = min(delay * 2, LOGIN_RETRY_MAX)


async def refuse_to_start(settings: Settings) -> int | None:
    """Set up logging and check the token and the database before any wait for Discord: the exit
    code if they stop the bot (see ``run_bot``), each reason in one line; None when it may start."""
    try:
        password = (
            settings.database.password if isinstance(settings.database, PostgresURL) else None
        )
        setup_logging(settings.log_level, settings.token, password=password)
    except ValueError as exc:
        print(f"Configuration problem: {exc}", file=sys.stderr)
        return 2
    token = (settings.token or "").strip()
    if not token:
        log.error("DISCORD_TOKEN is not set. Put it in the environment or in a .env file.")
        return 2
    if not token_looks_valid(token):
        shape = check_token(token)  # what is wrong with it, as the doctor says, never the token
        log.error("%s %s", shape.message, shape.fix)
        return 2
    # A damaged, read-only or too new database file is refused at once, in one line.
    try:
        db = await open_database(settings.database)
        await db.close()
    except DatabaseError as exc:
        log.error("The database can't be used, so the bot is not starting: %s", exc)
        return 1
    return None


async def run_bot(settings: Settings) -> int:
    """Run the bot until Ctrl-C or SIGTERM; return the process exit code.

    0: stopped cleanly. 1: the knowledge base, the database or Discord refused to start.
    2: the configuration is wrong (no token, or one that cannot be a token).
    """
    refused = await refuse_to_start(settings)
    if refused is not None:
        return refused
    try:
        lock = InstanceLock.take(settings)
    except AnotherBotRunning as exc:
        log.error("%s", exc)
        return 1
    with lock:
        return await _run(settings)


async def _run(settings: Settings) -> int:
    """run_bot, once the checks passed and this process holds the database."""
    token = (settings.token or "").strip()
    bot = create_bot(settings)
    loop = asyncio.get_running_loop()
    closing: list[asyncio.Task[None]] = []
    stopping = asyncio.Event()

    async def shut_down() -> None:
        # A stop during setup_hook waits for it, so nothing it opens is left behind half-closed.
        if bot.setting_up.is_set():
            await bot.set_up.wait()
        await bot.close()

    def stop(signame: str) -> None:
        if not closing:
            log.info("Received %s; shutting down", signame)
            stopping.set()
            closing.append(loop.create_task(shut_down(), name="shut down"))

    installed = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop, sig.name)
            installed.append(sig)
        except (NotImplementedError, RuntimeError, ValueError):  # Windows, or not the main thread
            pass
    code = 0
    try:
        async with bot:
            if await log_in_when_reachable(bot, token, stopping):
                await bot.connect()
    except KeyboardInterrupt:
        log.info("Interrupted; shutting down")
    except Exception as exc:
        code = 0 if closing else _start_failure(exc)
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)
        for task in closing:  # the shutdown a signal started: let it finish closing the database
            await asyncio.gather(task, return_exceptions=True)
        if not bot.is_closed():
            await bot.close()
    if code == 0:
        log.info("Stopped")
    return code


def _start_failure(exc: Exception) -> int:
    """Log why the bot could not start or keep running, in one line an operator can act on; exit 1."""
    if isinstance(exc, KnowledgeError):
        log.error("The knowledge base is broken; not starting.\n%s", exc)
    elif isinstance(exc, ModelError):
        log.error("A bundled model file is damaged; not starting. %s. Reinstall the bot.", exc)
    elif isinstance(exc, discord.LoginFailure) or (
        isinstance(exc, discord.ConnectionClosed) and exc.code == 4004
    ):
        log.error(
            "Discord refused DISCORD_TOKEN. Reset the token in the developer portal and try again."
        )
    elif isinstance(exc, discord.PrivilegedIntentsRequired):
        log.error(
            "Discord refused the requested intents; check the bot's settings in the developer portal."
        )
    else:  # the database or anything else that stops the start
        log.error("The bot stopped: %s", exc, exc_info=log.isEnabledFor(logging.DEBUG))
    return 1
