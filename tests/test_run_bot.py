"""``run_bot``, the real thing, against a local stand-in for Discord (``tests/support/fake_discord.py``).

The unmodified bot logs in over REST, opens its database, syncs its slash commands, connects to the
gateway, gets READY and heartbeats; a SIGTERM sent to this very process stops it the way
``docker stop`` or systemd would. Only two things are adjusted: discord.py's URLs point at the
stand-in, and, where a test waits for it, the heartbeat file is touched every 0.05 s instead of
every 30 s.

Every wait has a timeout, so a bot that hangs fails its test instead of hanging the suite.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import signal
import socket
import sqlite3
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path

import discord
import pytest
from discord.ext import commands

from bot import app
from bot.app import minimal_intents, run_bot
from bot.ops import heartbeat
from bot.ops.heartbeat import check_heartbeat, heartbeat_path
from bot.settings import DEFAULT_KNOWLEDGE, Settings
from bot.store.schema import load_migrations
from tests.support.fake_discord import FakeDiscord

# A made-up token of the right shape; its first part is base64 of the bot's id.
TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GabcDe.abcdefghijklmnopqrstuvwxyz0123456789AB"
BOT_ID = 123456789012345678
OTHER_TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GxyzAb.ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zz"  # the one Discord has now
CORE_COMMANDS = {"ask", "routine", "reminders", "progress", "mydata", "help"}
# Waits, in seconds, generous for a machine busy with other tests: discord.py waits
# guild_ready_timeout (2 s) after READY before it is ready, and a stop must come well inside the
# ten seconds `docker stop` gives before it kills.
READY_WITHIN = 20.0
STOP_WITHIN = 9.0
# Client-side close codes of a shutdown. 1000 is the one that makes Discord end the session at once;
# discord.py 2.7 sends 4000 (its receive loop closes the socket before Client.close's close(1000)
# gets to), so Discord shows the bot online until the session times out (discord.py #6134, #6719).
CLIENT_SHUTDOWN_CODES = {1000, 4000}


@pytest.fixture(autouse=True)
def leave_logging_and_signals_as_they_were() -> Iterator[None]:
    """run_bot installs its log handler and signal handlers; put everything back after each test."""
    root = logging.getLogger()
    levels = {name: logging.getLogger(name).level for name in ("", "discord", "aiohttp", "asyncio")}
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    yield
    for handler in [h for h in root.handlers if type(h).__name__ == "_LowbackHandler"]:
        root.removeHandler(handler)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)
    logging.captureWarnings(False)
    for sig, handler in handlers.items():
        if signal.getsignal(sig) != handler:
            signal.signal(sig, handler)


@pytest.fixture(autouse=True)
async def bots(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[list[app.LowbackBot]]:
    """The bots run_bot creates; afterwards, let their closing finish and close what is left open."""
    created: list[app.LowbackBot] = []
    real = app.create_bot
    monkeypatch.setattr(
        app, "create_bot", lambda *a, **kw: created.append(real(*a, **kw)) or created[-1]
    )
    yield created
    for task in asyncio.all_tasks():
        kind = getattr(task.get_coro(), "__qualname__", "")
        if kind == "ConnectionState._delay_ready":  # discord.py leaves it running after close()
            task.cancel()
    for bot in created:
        if bot.services is not None:
            services, bot.services = bot.services, None
            await services.close()


@pytest.fixture
def fast_heartbeat(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        app, "heartbeat_loop", functools.partial(heartbeat.heartbeat_loop, interval=0.05)
    )


@pytest.fixture
async def fake(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord(token=TOKEN) as server:
        server.patch(monkeypatch)
        yield server


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        token=TOKEN, database=tmp_path / "data" / "lowback.db", knowledge=DEFAULT_KNOWLEDGE
    )


# -- helpers -----------------------------------------------------------------------------------------


def start(settings: Settings) -> asyncio.Task[int]:
    return asyncio.create_task(run_bot(settings), name="run_bot")


async def until(
    fake: FakeDiscord, bot: asyncio.Task[int], condition, what: str, timeout: float = READY_WITHIN
) -> None:
    """Wait for ``condition``; fail at once if run_bot ended instead, or after ``timeout``."""
    await fake.wait_for(lambda: condition() or bot.done(), timeout, what)
    if not condition():
        pytest.fail(f"run_bot ended (returned {bot.result()!r}) before: {what}")


def sigterm() -> None:
    """SIGTERM to this process, as `docker stop` sends it; only if run_bot's handler is in place."""
    handler = signal.getsignal(signal.SIGTERM)
    assert handler not in (signal.SIG_DFL, signal.SIG_IGN, None), (
        "run_bot installed no SIGTERM handler"
    )
    os.kill(os.getpid(), signal.SIGTERM)


async def finished(bot: asyncio.Task[int], timeout: float = STOP_WITHIN) -> int:
    """run_bot's exit code; fails the test (and cancels run_bot) if it doesn't return in time."""
    done, _ = await asyncio.wait({bot}, timeout=timeout)
    if not done:
        bot.cancel()
        await asyncio.wait({bot}, timeout=1)
        pytest.fail(f"run_bot did not return within {timeout:g} s")
    return bot.result()


def schema_versions(database: Path) -> list[int]:
    conn = sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True)
    try:
        return [
            row[0] for row in conn.execute("SELECT version FROM schema_migrations ORDER BY version")
        ]
    finally:
        conn.close()


def assert_signal_handlers_removed() -> None:
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
    assert signal.getsignal(signal.SIGINT) == signal.default_int_handler
    loop = asyncio.get_running_loop()
    assert not loop.remove_signal_handler(signal.SIGTERM) and not loop.remove_signal_handler(
        signal.SIGINT
    )


def error_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if " ERROR " in line or " CRITICAL " in line]


# -- a normal life: start, run, SIGTERM ---------------------------------------------------------------


async def test_it_starts_syncs_heartbeats_and_stops_cleanly_on_sigterm(
    fake: FakeDiscord, settings: Settings, fast_heartbeat: None, capsys: pytest.CaptureFixture[str]
) -> None:
    bot = start(settings)
    beat = heartbeat_path(settings.database)
    await until(fake, bot, beat.exists, "the heartbeat file is written")

    # Logged in with the token, identified with the minimal intents, no privileged one.
    assert fake.rest[:2] == [
        ("GET", "/api/v10/users/@me"),
        ("GET", "/api/v10/oauth2/applications/@me"),
    ]
    assert fake.identify is not None and fake.identify["token"] == TOKEN
    assert fake.identify["intents"] == minimal_intents().value
    assert fake.heartbeats >= 1  # the gateway heartbeat, answered with HEARTBEAT_ACK
    # The slash commands went to Discord once, globally, and Discord kept them.
    assert fake.calls("PUT") == [f"/api/v10/applications/{BOT_ID}/commands"]
    sent = next(body for method, _, body in fake.bodies if method == "PUT")
    names = [c["name"] for c in sent]
    assert set(names) >= CORE_COMMANDS and len(names) == len(set(names))
    assert [c["name"] for c in fake.commands[None]] == names
    # The container's health check would pass.
    assert check_heartbeat(beat, discord.utils.utcnow()).ok is True

    sigterm()
    code = await finished(bot)

    assert code == 0
    assert len(fake.closes) == 1
    close_code, closed_by = fake.closes[0]
    assert closed_by == "client" and close_code in CLIENT_SHUTDOWN_CODES
    assert fake.connections == 1 and not fake.resumes  # no reconnect on the way out
    assert not [t for t in asyncio.all_tasks() if t.get_name() == "heartbeat"]
    last = beat.read_text()
    await asyncio.sleep(0.3)  # six heartbeat intervals
    assert beat.read_text() == last, "the heartbeat is still being touched after the bot stopped"
    assert_signal_handlers_removed()
    assert schema_versions(settings.database) == [m.version for m in load_migrations()]
    out = capsys.readouterr().out
    assert f"Synced {len(names)} slash commands (global)" in out
    assert "Received SIGTERM; shutting down" in out
    assert error_lines(out) == [] and "Traceback" not in out and TOKEN not in out


async def test_a_heartbeat_left_by_an_earlier_run_is_not_taken_for_this_one(
    fake: FakeDiscord, settings: Settings
) -> None:
    beat = heartbeat_path(settings.database)
    beat.parent.mkdir(parents=True)
    heartbeat.touch_heartbeat(
        beat, discord.utils.utcnow()
    )  # the last run's, seconds old: looks healthy
    bot = start(settings)
    # Set up and on the gateway, but not ready yet (discord.py waits 2 s after READY).
    await until(fake, bot, lambda: fake.connections == 1, "the gateway connection")
    assert check_heartbeat(beat, discord.utils.utcnow()).ok is False
    # The real 30 s loop: the first touch comes from on_ready, as soon as the bot is ready.
    await until(fake, bot, beat.exists, "this run's first heartbeat")
    assert check_heartbeat(beat, discord.utils.utcnow()).ok is True
    sigterm()
    assert await finished(bot) == 0


async def test_a_second_bot_on_the_same_database_is_refused_and_the_first_carries_on(
    fake: FakeDiscord, settings: Settings, fast_heartbeat: None, capsys: pytest.CaptureFixture[str]
) -> None:
    first = start(settings)
    beat = heartbeat_path(settings.database)
    await until(fake, first, beat.exists, "the first bot's heartbeat")
    # `lowback run` again by hand, beside the one systemd runs.
    second = asyncio.create_task(run_bot(settings), name="second run_bot")
    assert await finished(second) == 1
    lines = error_lines(capsys.readouterr().out)
    assert len(lines) == 1
    assert f"another lowback bot (process {os.getpid()}) is already running" in lines[0]
    assert str(settings.database) in lines[0]
    # The first one alone is connected, and its heartbeat is still there.
    assert len(fake.identifies) == 1 and fake.connections == 1
    await asyncio.sleep(0.1)  # two heartbeat intervals
    assert check_heartbeat(beat, discord.utils.utcnow()).ok is True
    sigterm()
    assert await finished(first) == 0
    # Once it has stopped, the next one starts.
    third = start(settings)
    await until(fake, third, lambda: fake.readies == 2, "READY of the next run")
    sigterm()
    assert await finished(third) == 0


async def test_a_restart_with_the_same_database_does_not_sync_again(
    fake: FakeDiscord, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    for run in (1, 2):
        bot = start(settings)
        await until(fake, bot, lambda run=run: fake.readies == run, f"READY of run {run}")
        sigterm()
        assert await finished(bot) == 0, f"run {run}"
        assert_signal_handlers_removed()
        # stopped at once after READY: nothing of the closed client is left to run later
        left = [t for t in asyncio.all_tasks() if "_delay_ready" in repr(t.get_coro())]
        assert all(t.done() or t.cancelling() for t in left), left

    assert len(fake.calls("PUT")) == 1
    assert len(fake.identifies) == 2 and [by for _, by in fake.closes] == ["client", "client"]
    out = capsys.readouterr().out
    assert "Slash commands unchanged (global); not syncing" in out
    assert error_lines(out) == []


async def test_a_gateway_reconnect_request_resumes_the_session(
    fake: FakeDiscord, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    bot = start(settings)
    await until(fake, bot, lambda: fake.readies == 1, "READY")
    assert await fake.request_reconnect() == 1  # Discord moving the session to another node

    await until(fake, bot, lambda: fake.resumes, "RESUME on a new connection")
    await until(
        fake, bot, lambda: any(e["event"] == "resumed" for e in fake.events), "RESUMED sent"
    )
    sigterm()

    assert await finished(bot) == 0
    assert fake.connections == 2 and len(fake.identifies) == 1  # resumed, not identified again
    assert [by for _, by in fake.closes] == [
        "client",
        "client",
    ]  # the old connection, then the shutdown
    [resume] = fake.resumes
    assert resume["token"] == TOKEN and resume["session_id"] in fake.sessions and resume["seq"] == 1
    assert len(fake.calls("PUT")) == 1  # setup_hook (and the sync) ran once, not per connection
    assert error_lines(capsys.readouterr().out) == []


# -- Discord says no, or is not there -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "said"),
    [
        (f'"{TOKEN}"', "is in quotes"),
        (f'"{TOKEN}', "starts with a quote"),
        (f"Bot {TOKEN}", "starts with 'Bot '"),
        ("1234567890123456789", "the application id"),
    ],
)
async def test_a_token_written_wrong_is_named_in_one_line_before_discord_is_called(
    fake: FakeDiscord,
    settings: Settings,
    capsys: pytest.CaptureFixture[str],
    written: str,
    said: str,
) -> None:
    code = await finished(start(replace(settings, token=written)))

    assert code == 2 and fake.rest == [] and fake.connections == 0
    out = capsys.readouterr().out
    assert len(error_lines(out)) == 1 and said in error_lines(out)[0]
    assert TOKEN not in out and "Traceback" not in out


async def test_a_token_discord_refuses_exits_1_with_one_clear_line(
    fake: FakeDiscord,
    settings: Settings,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fake.token = OTHER_TOKEN  # reset in the developer portal: the bot's token is no longer valid

    code = await finished(start(settings))

    assert code == 1
    assert fake.rest == [("GET", "/api/v10/users/@me")]  # given up at once: no retry, no gateway
    assert fake.connections == 0
    assert "Discord refused DISCORD_TOKEN" in caplog.text
    assert not [r for r in caplog.records if r.exc_info]
    out = capsys.readouterr().out
    assert len(error_lines(out)) == 1 and "Discord refused DISCORD_TOKEN" in error_lines(out)[0]
    assert "Traceback" not in out and TOKEN not in out
    assert_signal_handlers_removed()


def closed_port() -> int:
    with socket.socket() as s:  # a port on which nothing listens
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_discord_unreachable_at_start_is_tried_again_until_it_answers(
    fake: FakeDiscord,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # No network yet after a boot: the bot waits for Discord instead of exiting (and, under systemd,
    # using up its restarts).
    monkeypatch.setattr(app, "LOGIN_RETRY_FIRST", 0.05)
    reachable = discord.http.Route.BASE
    monkeypatch.setattr(discord.http.Route, "BASE", f"http://127.0.0.1:{closed_port()}/api/v10")
    bot = start(settings)
    said: list[str] = []
    await until(
        fake,
        bot,
        lambda: said.append(capsys.readouterr().out) or "trying again in" in "".join(said),
        "a retry",
    )

    monkeypatch.setattr(discord.http.Route, "BASE", reachable)  # the network is back
    await until(fake, bot, lambda: fake.readies == 1, "READY once Discord answers")
    sigterm()

    assert await finished(bot) == 0
    out = "".join(said) + capsys.readouterr().out
    assert "Traceback" not in out and error_lines(out) == []


async def test_a_stop_while_waiting_for_discord_exits_0_at_once(
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(discord.http.Route, "BASE", f"http://127.0.0.1:{closed_port()}/api/v10")
    bot = start(settings)  # the first wait is 2 s
    for _ in range(500):
        if "Could not reach Discord" in capsys.readouterr().out:
            break
        await asyncio.sleep(0.02)
    else:
        pytest.fail("no 'Could not reach Discord' warning")
    sigterm()

    assert await finished(bot, timeout=1.0) == 0
    assert not [
        line
        for line in capsys.readouterr().out.splitlines()
        if " WARNING " in line and "Traceback" in line
    ]
    assert_signal_handlers_removed()


async def test_a_gateway_that_refuses_the_token_ends_the_run_instead_of_reconnecting(
    fake: FakeDiscord,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The token is revoked between the REST login and IDENTIFY: REST still says yes, the gateway closes 4004.
    monkeypatch.setattr(fake, "_authorised", lambda request: True)
    fake.token = OTHER_TOKEN

    code = await finished(start(settings))

    assert code == 1
    assert fake.connections == 1 and fake.closes == [(4004, "server")]
    out = capsys.readouterr().out
    [line] = error_lines(out)
    assert "Discord refused DISCORD_TOKEN" in line and "Traceback" not in out
    assert_signal_handlers_removed()


# -- stopping while closing or starting ---------------------------------------------------------


async def test_run_bot_returns_only_once_the_database_is_closed(
    fake: FakeDiscord, settings: Settings
) -> None:
    bot = start(settings)
    await until(fake, bot, lambda: fake.readies == 1, "READY")
    sigterm()
    assert await finished(bot) == 0
    # SQLite removes the -wal file when the last connection closes.
    assert not Path(f"{settings.database}-wal").exists(), (
        "the database is still open when run_bot returns"
    )


async def test_sigterm_during_start_up_exits_0_and_leaves_nothing_running(
    fake: FakeDiscord,
    settings: Settings,
    bots: list[app.LowbackBot],
    capsys: pytest.CaptureFixture[str],
) -> None:
    bot = start(settings)
    await until(fake, bot, lambda: fake.calls("GET", "/oauth2/applications/@me"), "the login")
    sigterm()
    code = await finished(bot)
    leftovers = [t.get_name() for t in asyncio.all_tasks() if t.get_name().startswith("reminders:")]
    assert error_lines(capsys.readouterr().out) == []
    assert code == 0 and leftovers == [] and bots[0].services is None


async def test_cancelling_run_bot_closes_everything_and_propagates(
    fake: FakeDiscord, settings: Settings, bots: list[app.LowbackBot]
) -> None:
    bot = start(settings)
    await until(fake, bot, lambda: fake.readies == 1, "READY")
    bot.cancel()  # e.g. asyncio.wait_for around it timing out
    done, _ = await asyncio.wait({bot}, timeout=STOP_WITHIN)
    assert done and bot.cancelled(), "run_bot swallowed the cancellation"
    assert bots[0].is_closed() and bots[0].services is None
    assert_signal_handlers_removed()


# -- shards ------------------------------------------------------------------------------------------


def test_one_unsharded_process_is_the_default_and_a_shard_count_makes_it_sharded(
    settings: Settings,
) -> None:
    plain = app.create_bot(settings)
    assert not isinstance(plain, commands.AutoShardedBot)
    everything = app.create_bot(replace(settings, shard_count=4))
    assert isinstance(everything, commands.AutoShardedBot)
    assert (
        everything.shard_count == 4 and everything.shard_ids is None
    )  # every shard in this process
    some = app.create_bot(replace(settings, shard_count=8, shard_ids=(4, 5, 6, 7)))
    assert some.shard_count == 8 and list(some.shard_ids) == [4, 5, 6, 7]


async def test_a_process_runs_only_its_shards_and_leaves_the_command_sync_to_shard_0(
    fake: FakeDiscord,
    settings: Settings,
    fast_heartbeat: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(app, "IDENTIFY_INTERVAL", 0.01)
    mine = replace(settings, shard_count=4, shard_ids=(2, 3))
    bot = start(mine)
    beat = heartbeat_path(mine.state_base)
    await until(fake, bot, beat.exists, "the heartbeat file is written once both shards are ready")
    assert beat.name == "lowback.db.shards-2-3.heartbeat"  # the other process's file is its own
    assert sorted(tuple(i["shard"]) for i in fake.identifies) == [(2, 4), (3, 4)]
    assert fake.calls("PUT") == []  # the process with shard 0 syncs the commands
    sigterm()
    assert await finished(bot) == 0
    out = capsys.readouterr().out
    assert "synced by the process that runs shard 0" in out and error_lines(out) == []


async def test_a_second_process_with_other_shards_on_the_same_sqlite_file_is_refused(
    fake: FakeDiscord,
    settings: Settings,
    fast_heartbeat: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The template unit (lowback@0-1, lowback@2-3) started without LOWBACK_DATABASE set to
    # PostgreSQL: both on the one SQLite file, which shares no reminder claims between processes.
    monkeypatch.setattr(app, "IDENTIFY_INTERVAL", 0.01)
    first = start(replace(settings, shard_count=4, shard_ids=(0, 1)))
    beat = heartbeat_path(replace(settings, shard_count=4, shard_ids=(0, 1)).state_base)
    await until(fake, first, beat.exists, "the first process's heartbeat")
    second = asyncio.create_task(
        run_bot(replace(settings, shard_count=4, shard_ids=(2, 3))), name="second run_bot"
    )
    assert await finished(second) == 1
    lines = error_lines(capsys.readouterr().out)
    assert len(lines) == 1 and str(settings.database) in lines[0]
    assert "a SQLite file serves one bot process" in lines[0] and "PostgreSQL" in lines[0]
    assert sorted(tuple(i["shard"]) for i in fake.identifies) == [(0, 4), (1, 4)]
    sigterm()
    assert await finished(first) == 0


async def test_on_postgresql_the_shards_queue_for_identify_and_everything_closes_on_sigterm(
    fake: FakeDiscord,
    settings: Settings,
    fast_heartbeat: None,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    from tests.support.backends import NO_SERVER, SERVER, fresh_postgres

    if SERVER is None:
        pytest.skip(NO_SERVER)
    import asyncpg

    from bot.services import container

    monkeypatch.setattr(container, "IDENTIFY_INTERVAL", 0.05)  # Discord's 5 s, shortened
    async with fresh_postgres() as url:
        mine = replace(settings, database=url, state_dir=tmp_path / "state", shard_count=2)
        bot = start(mine)
        beat = heartbeat_path(mine.state_base)
        await until(
            fake, bot, beat.exists, "the heartbeat file is written once both shards are ready"
        )
        assert beat.parent == tmp_path / "state"
        assert sorted(tuple(i["shard"]) for i in fake.identifies) == [(0, 2), (1, 2)]
        conn = await asyncpg.connect(url.url)
        try:
            identify = await conn.fetchrow(
                "SELECT tokens FROM lowback_rate_budget WHERE name = 'identify'"
            )
            assert identify is not None  # the shards went through the shared gate
            versions = [
                r[0]
                for r in await conn.fetch("SELECT version FROM schema_migrations ORDER BY version")
            ]
            assert versions == [m.version for m in load_migrations("postgresql")]
            sigterm()
            assert await finished(bot) == 0
            # A closed connection's server process leaves pg_stat_activity a moment later: wait
            # for that (a connection the bot really left open never goes).
            for _ in range(100):
                left = await conn.fetchval(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
                if left == 0:
                    break
                await asyncio.sleep(0.05)
            assert left == 0, "the bot left connections open (pool or change feed)"
        finally:
            await conn.close()


async def test_on_postgresql_a_second_process_with_the_same_shards_is_refused(
    fake: FakeDiscord,
    settings: Settings,
    fast_heartbeat: None,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from tests.support.backends import NO_SERVER, SERVER, fresh_postgres

    if SERVER is None:
        pytest.skip(NO_SERVER)
    async with fresh_postgres() as url:
        mine = replace(settings, database=url, state_dir=tmp_path / "state")
        first = start(mine)
        beat = heartbeat_path(mine.state_base)
        await until(fake, first, beat.exists, "the first process's heartbeat")
        second = asyncio.create_task(run_bot(mine), name="second run_bot")
        assert await finished(second) == 1
        lines = error_lines(capsys.readouterr().out)
        assert len(lines) == 1 and "already running shards all of the database" in lines[0]
        assert "LOWBACK_SHARDS" in lines[0]
        assert len(fake.identifies) == 1
        sigterm()
        assert await finished(first) == 0
