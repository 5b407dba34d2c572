"""A local stand-in for Discord's servers: the REST API v10 and the gateway, on one port.

It speaks the protocol, so the *unmodified* bot (discord.py 2.7) logs in, connects, gets READY,
syncs its slash commands and heartbeats against it. What it covers:

- REST under ``/api/v10``, every call needing ``Authorization: Bot <token>`` (else 401, as
  Discord does): ``GET /users/@me``, ``GET /gateway`` (no auth), ``GET /gateway/bot``,
  ``GET /oauth2/applications/@me``, ``GET``/``PUT /applications/{id}/commands`` and
  ``.../guilds/{guild_id}/commands``. A PUT is checked the way Discord checks the names and
  descriptions (400 "Invalid Form Body", code 50035), stored, and echoed back with ids, versions and
  defaults; guild commands for a guild the bot is not in answer 403 "Missing Access" (50001).
  Anything else is recorded and answered 404 ``{"message": "404: Not Found", "code": 0}``.
- Direct messages: ``GET /users/{id}``, ``POST /users/@me/channels`` (one DM channel per person,
  the same id every time) and ``POST /channels/{id}/messages`` (unknown channel: 404, code 10003;
  a person in ``closed_dms``: 403, code 50007). A message sent with a ``nonce`` and
  ``enforce_nonce`` that repeats one of the last ``nonce_window`` seconds in that channel is not
  delivered again: the first message comes back, as Discord does. Every message is in
  ``messages`` (``duplicate`` marks the dropped repeats); ``on_message`` is called with each
  before it is answered (a test can kill the sender there).
- The global rate limit, with ``rate_limit=N``: a request that would be the N+1st in one second
  gets 429 with ``retry_after`` and ``global: true`` (and the ``Via`` header, without which
  discord.py takes a 429 for a Cloudflare ban). ``request_times`` holds the instant of every API
  request, ``peak_per_second()`` the most in any one-second window, ``invalid`` the 401/403/429
  answers (what Discord counts towards its ban).
- The gateway, as a websocket on any other path: HELLO, IDENTIFY (wrong token: close 4004;
  privileged intents not approved: close 4014), READY, HEARTBEAT -> HEARTBEAT_ACK, RESUME ->
  RESUMED (unknown session: INVALID_SESSION), and RECONNECT on demand (``request_reconnect()``).
  Frames are sent as uncompressed text: discord.py asks for ``compress=zlib-stream`` but
  decompresses only binary frames and reads text frames as they are.
- Everything is recorded (``events``, ``rest``, ``bodies``, ``identifies``, ``readies``,
  ``heartbeats``, ``commands``, ``closes``) and, with ``log=FILE``, appended to a file as one JSON
  line per event, keys sorted, the token never written. The events: ``listening``, ``rest``
  (method, path, status), ``commands`` (scope, names), ``connect``, ``identify`` (token_ok,
  intents), ``ready``, ``heartbeat``, ``resume``, ``resumed``, ``reconnect_requested``, ``close``
  (code, by "client" or "server"). ``await fake.wait_for(lambda: ..., timeout=...)`` waits for a
  condition and fails with the last events instead of hanging.

What it does not cover: no guild, channel, message or interaction events (READY lists the guilds
as unavailable and no GUILD_CREATE follows), no per-route rate limits (no ``X-RateLimit-*``
bucket headers: discord.py does not need them), no zlib or ETF encoding, no sharding, no OAuth2 flows.

discord.py does not ask ``/gateway`` where the gateway is: it connects to the fixed
``DiscordWebSocket.DEFAULT_GATEWAY`` (``wss://gateway.discord.gg/``) and only uses READY's
``resume_gateway_url`` to resume. In-process, :meth:`FakeDiscord.patch` points both that and
``Route.BASE`` here. Standalone, for a container that resolves discord.com and gateway.discord.gg
to this machine and trusts ``ca.pem`` through ``SSL_CERT_FILE``, it must listen on port 443 (the
bot reaches both names on the default port)::

    python tests/support/fake_discord.py make-cert DIR      # DIR/ca.pem, DIR/cert.pem, DIR/key.pem
    python tests/support/fake_discord.py --host 127.0.0.1 --port 443 --cert DIR/cert.pem --key DIR/key.pem \\
        --log events.jsonl [--token TOKEN] [--gateway-url wss://gateway.discord.gg] [--guild ID ...]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import binascii
import contextlib
import itertools
import json
import re
import secrets
import signal
import ssl
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from aiohttp import WSMsgType, web

API = "/api/v10"
DISCORD_EPOCH_MS = 1_420_070_400_000
DEFAULT_BOT_ID = 123456789012345678
TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_\-]{20,}\.[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]{20,}$")
COMMAND_NAME = re.compile(
    r"^[-_a-z0-9]{1,32}$"
)  # Discord also allows lowercase letters of other scripts
PRIVILEGED_INTENTS = {
    1 << 1: "guild_members",
    1 << 8: "guild_presences",
    1 << 15: "message_content",
}

# Gateway opcodes and the close codes used here.
DISPATCH, HEARTBEAT, IDENTIFY, RESUME, RECONNECT, INVALID_SESSION, HELLO, HEARTBEAT_ACK = (
    0,
    1,
    2,
    6,
    7,
    9,
    10,
    11,
)
CLOSE_REASONS = {
    4001: "Unknown opcode.",
    4002: "Error while decoding payload.",
    4003: "Not authenticated.",
    4004: "Authentication failed.",
    4005: "Already authenticated.",
    4012: "Invalid API version.",
    4013: "Invalid intent(s).",
    4014: "Disallowed intent(s).",
}


def id_from_token(token: str | None) -> int | None:
    """A bot token's first part is the base64 of the bot's user id."""
    if not token or "." not in token:
        return None
    first = token.split(".", 1)[0]
    try:
        text = base64.urlsafe_b64decode(first + "=" * (-len(first) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return int(text) if text.isdigit() else None


def discord_json(data: Any, status: int = 200) -> web.Response:
    # Exactly Discord's content type: discord.py parses a body only if it is labelled plain "application/json".
    return web.Response(
        body=json.dumps(data).encode(), status=status, headers={"Content-Type": "application/json"}
    )


def error(status: int, message: str, code: int = 0, errors: dict | None = None) -> web.Response:
    body: dict[str, Any] = {"message": message, "code": code}
    if errors:
        body["errors"] = errors
    return discord_json(body, status)


class FakeDiscord:
    """Discord's REST API and gateway on ``host:port`` (port 0: a free one); an async context manager.

    ``token``: the bot token Discord knows (None: any well-formed token). ``guilds``: ids of the
    servers the bot is in (listed unavailable in READY; guild commands elsewhere are 403).
    ``approved_intents``: privileged intents the portal allows. ``gateway_url``: the URL handed
    out by ``/gateway`` and in READY (default: this server's own ws(s) URL).
    """

    def __init__(
        self,
        *,
        token: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        ssl_context: ssl.SSLContext | None = None,
        bot_id: int | None = None,
        username: str = "lowback",
        guilds: Iterable[int] = (),
        heartbeat_interval: int = 41250,
        approved_intents: int = 0,
        application_flags: int = 0,
        gateway_url: str | None = None,
        log: str | Path | None = None,
        rate_limit: int | None = None,
        closed_dms: Iterable[int] = (),
        nonce_window: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
        on_message: Callable[[dict[str, Any]], Any] | None = None,
    ) -> None:
        self.token = token
        self.host, self.port, self.ssl_context = host, port, ssl_context
        self.bot_id = bot_id or id_from_token(token) or DEFAULT_BOT_ID
        self.application_id = self.bot_id  # true of every application made since 2017
        self.username = username
        self.guilds = set(guilds)
        self.heartbeat_interval = heartbeat_interval
        self.approved_intents = approved_intents
        self.application_flags = application_flags
        self._gateway_url = gateway_url
        self.log_path = Path(log) if log else None

        # What happened, in order; and the same sorted by kind.
        self.events: list[dict[str, Any]] = []
        self.rest: list[tuple[str, str]] = []  # (method, path), paths starting with /api/v10
        self.bodies: list[
            tuple[str, str, Any]
        ] = []  # (method, path, JSON body) of calls that sent one
        self.identifies: list[dict[str, Any]] = []  # IDENTIFY payloads ("d"), token included
        self.resumes: list[dict[str, Any]] = []
        self.readies = 0  # READY events sent (identifications Discord accepted)
        self.heartbeats = 0
        self.connections = 0
        self.closes: list[tuple[int | None, str]] = []  # (close code, "client" | "server")
        self.commands: dict[
            int | None, list[dict[str, Any]]
        ] = {}  # guild id (None: global) -> commands
        self.sessions: dict[str, int] = {}  # session id -> last sequence number sent

        # Direct messages and the global rate limit.
        self.rate_limit = rate_limit
        self.closed_dms = set(closed_dms)
        self.nonce_window = nonce_window
        self.clock = clock
        self.on_message = on_message
        self.dm_channels: dict[int, int] = {}  # user id -> DM channel id
        self.channel_users: dict[int, int] = {}  # DM channel id -> user id
        self.messages: list[dict[str, Any]] = []
        self.request_times: list[float] = []
        self.invalid = 0
        self.force_429: float | None = (
            None  # set: every API request gets a global 429 with this retry_after
        )
        self._window: list[float] = []

        self._ids = itertools.count()
        self._changed = asyncio.Event()
        self._sockets: set[web.WebSocketResponse] = set()
        self._server_closed: dict[
            int, int
        ] = {}  # id(socket) -> close code, for sockets closed by this side
        self._runner: web.AppRunner | None = None

    # -- addresses -------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        scheme = "https" if self.ssl_context else "http"
        return f"{scheme}://{self.host}:{self.port}"

    @property
    def api_url(self) -> str:
        """What ``discord.http.Route.BASE`` should be."""
        return self.base_url + API

    @property
    def gateway_url(self) -> str:
        """The gateway URL handed out (``/gateway``, READY's ``resume_gateway_url``)."""
        return self._gateway_url or self.base_url.replace("http", "ws", 1)

    def patch(self, monkeypatch: Any) -> None:
        """Point discord.py (REST and gateway) at this server for the rest of a test."""
        import discord.gateway
        import discord.http
        import yarl

        monkeypatch.setattr(discord.http.Route, "BASE", self.api_url)
        monkeypatch.setattr(
            discord.gateway.DiscordWebSocket,
            "DEFAULT_GATEWAY",
            yarl.URL(self.gateway_url.rstrip("/") + "/"),
        )

    # -- what happened ---------------------------------------------------------------------------

    @property
    def identify(self) -> dict[str, Any] | None:
        """The last IDENTIFY payload, or None."""
        return self.identifies[-1] if self.identifies else None

    @property
    def identified(self) -> bool:
        """Whether an IDENTIFY was accepted (and READY sent)."""
        return self.readies > 0

    def calls(self, method: str, path_prefix: str = "") -> list[str]:
        """Paths of the REST calls with this method (and path prefix, after /api/v10)."""
        return [p for m, p in self.rest if m == method and p.startswith(API + path_prefix)]

    def record(self, event: str, **fields: Any) -> None:
        entry = {"event": event, "time": round(time.time(), 3), **fields}
        self.events.append(entry)
        if self.log_path is not None:
            with self.log_path.open("a", encoding="utf-8") as f:
                f.write(json.dumps(entry, sort_keys=True) + "\n")
        self._changed.set()

    async def wait_for(
        self, condition: Callable[[], Any], timeout: float = 5.0, what: str = ""
    ) -> Any:
        """Wait until ``condition()`` is true (checked at every event and every 20 ms); return it.

        Raises ``TimeoutError`` naming ``what`` and listing the last events, so a test fails
        instead of hanging.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not (result := condition()):
            left = deadline - loop.time()
            if left <= 0:
                recent = [
                    e["event"]
                    + (
                        f" {e.get('method', '')} {e.get('path', '')}"
                        if e["event"] == "rest"
                        else ""
                    )
                    for e in self.events[-8:]
                ]
                raise TimeoutError(
                    f"not within {timeout:g} s: {what or condition}; last events: {recent}"
                )
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(left, 0.02))
        return result

    # -- starting and stopping -------------------------------------------------------------------

    async def start(self) -> FakeDiscord:
        app = web.Application(middlewares=[self._rest_middleware])
        api = API
        app.router.add_get(api + "/users/@me", self._me)
        app.router.add_get(api + "/gateway", self._gateway_info)
        app.router.add_get(api + "/gateway/bot", self._gateway_bot)
        app.router.add_get(api + "/oauth2/applications/@me", self._application)
        app.router.add_get(api + "/users/{user_id:[0-9]+}", self._get_user)
        app.router.add_post(api + "/users/@me/channels", self._open_dm)
        app.router.add_post(api + "/channels/{channel_id:[0-9]+}/messages", self._post_message)
        for path in (
            "/applications/{app_id}/commands",
            "/applications/{app_id}/guilds/{guild_id}/commands",
        ):
            app.router.add_get(api + path, self._get_commands)
            app.router.add_put(api + path, self._put_commands)
        app.router.add_route("*", "/{tail:.*}", self._fallback)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, ssl_context=self.ssl_context)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.record("listening", url=self.base_url, gateway_url=self.gateway_url)
        return self

    async def stop(self) -> None:
        for ws in list(self._sockets):
            await self._close(ws, 1001, "going away")
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def request_reconnect(self) -> int:
        """Send RECONNECT (op 7) on every open gateway connection, as Discord does before moving a
        session; the client should close and RESUME. Returns how many connections were asked."""
        sockets = [ws for ws in self._sockets if not ws.closed]
        for ws in sockets:
            await self._send(ws, RECONNECT, None)
        self.record("reconnect_requested", connections=len(sockets))
        return len(sockets)

    async def __aenter__(self) -> FakeDiscord:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- REST ------------------------------------------------------------------------------------

    def _authorised(self, request: web.Request) -> bool:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bot "):
            return False
        token = header[len("Bot ") :]
        return token == self.token if self.token is not None else bool(TOKEN_SHAPE.match(token))

    @web.middleware
    async def _rest_middleware(self, request: web.Request, handler: Callable) -> web.StreamResponse:
        if not request.path.startswith(API + "/"):
            return await handler(request)
        self.rest.append((request.method, request.path))
        body = None
        if request.can_read_body:
            try:
                body = await request.json()
            except ValueError:
                body = None
            self.bodies.append((request.method, request.path, body))
        # Discord answers an unknown route 404 whoever asks; /gateway needs no token.
        open_route = (
            request.path == API + "/gateway" or request.match_info.handler == self._fallback
        )
        now = self.clock()
        self.request_times.append(now)
        response: web.StreamResponse
        if not open_route and not self._authorised(request):
            response = error(401, "401: Unauthorized")
        elif (retry_after := self._over_limit(now)) is not None:
            response = discord_json(
                {
                    "message": "You are being rate limited.",
                    "retry_after": retry_after,
                    "global": True,
                    "code": 0,
                },
                429,
            )
            response.headers.update(
                {
                    "Retry-After": f"{retry_after:.3f}",
                    "X-RateLimit-Global": "true",
                    "X-RateLimit-Scope": "global",
                    "Via": "1.1 google",
                }
            )
        else:
            response = await handler(request)
        if response.status in (401, 403, 429):
            self.invalid += 1
        self.record("rest", method=request.method, path=request.path, status=response.status)
        return response

    def _over_limit(self, now: float) -> float | None:
        """Seconds to wait if this request breaks the global limit (None: it may go ahead)."""
        if self.force_429 is not None:
            return self.force_429
        if self.rate_limit is None:
            return None
        self._window = [t for t in self._window if now - t < 1.0]
        if len(self._window) >= self.rate_limit:
            return round(max(0.001, 1.0 - (now - self._window[0])), 3)
        self._window.append(now)
        return None

    def peak_per_second(self) -> int:
        """The most API requests that arrived within any one second."""
        times, peak, first = sorted(self.request_times), 0, 0
        for last, t in enumerate(times):
            while t - times[first] >= 1.0:
                first += 1
            peak = max(peak, last - first + 1)
        return peak

    # -- direct messages ---------------------------------------------------------------------------

    @staticmethod
    def _person(user_id: int) -> dict[str, Any]:
        return {
            "id": str(user_id),
            "username": f"person{user_id}",
            "discriminator": "0",
            "global_name": None,
            "avatar": None,
            "public_flags": 0,
            "flags": 0,
            "bot": False,
        }

    async def _get_user(self, request: web.Request) -> web.Response:
        return discord_json(self._person(int(request.match_info["user_id"])))

    async def _open_dm(self, request: web.Request) -> web.Response:
        try:
            user_id = int((await request.json())["recipient_id"])
        except (ValueError, KeyError, TypeError):
            return error(400, "Invalid Form Body", 50035)
        if user_id not in self.dm_channels:
            channel_id = int(self._snowflake())
            self.dm_channels[user_id] = channel_id
            self.channel_users[channel_id] = user_id
        return discord_json(
            {
                "id": str(self.dm_channels[user_id]),
                "type": 1,
                "last_message_id": None,
                "flags": 0,
                "recipients": [self._person(user_id)],
            }
        )

    async def _post_message(self, request: web.Request) -> web.Response:
        channel_id = int(request.match_info["channel_id"])
        user_id = self.channel_users.get(channel_id)
        if user_id is None:
            return error(404, "Unknown Channel", 10003)
        if user_id in self.closed_dms:
            return error(403, "Cannot send messages to this user", 50007)
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(
            body, dict
        ):  # discord.py sends multipart when there are files; never here
            return error(400, "Invalid Form Body", 50035)
        now = self.clock()
        nonce = body.get("nonce")
        original = None
        if nonce is not None and body.get("enforce_nonce"):
            original = next(
                (
                    m
                    for m in reversed(self.messages)
                    if m["channel_id"] == channel_id
                    and m["nonce"] == nonce
                    and not m["duplicate"]
                    and now - m["at"] < self.nonce_window
                ),
                None,
            )
        entry = {
            "channel_id": channel_id,
            "user_id": user_id,
            "nonce": nonce,
            "at": now,
            "duplicate": original is not None,
            "id": original["id"] if original else self._snowflake(),
            "embeds": body.get("embeds") or [],
        }
        self.messages.append(entry)
        if self.on_message is not None:
            self.on_message(entry)
        return discord_json(
            {
                "id": entry["id"],
                "channel_id": str(channel_id),
                "type": 0,
                "content": body.get("content") or "",
                "author": self._user(),
                "embeds": entry["embeds"],
                "attachments": [],
                "mentions": [],
                "mention_roles": [],
                "mention_everyone": False,
                "tts": False,
                "pinned": False,
                "flags": 0,
                "nonce": nonce,
                "timestamp": "2026-01-01T00:00:00.000000+00:00",
                "edited_timestamp": None,
                "components": body.get("components") or [],
            }
        )

    def delivered(self) -> list[dict[str, Any]]:
        """The messages people got (repeats dropped by their nonce left out)."""
        return [m for m in self.messages if not m["duplicate"]]

    def _user(self) -> dict[str, Any]:
        return {
            "id": str(self.bot_id),
            "username": self.username,
            "discriminator": "4417",
            "global_name": None,
            "avatar": None,
            "banner": None,
            "accent_color": None,
            "avatar_decoration_data": None,
            "public_flags": 0,
            "flags": 0,
            "bot": True,
            "mfa_enabled": False,
            "locale": "en-US",
            "verified": True,
            "email": None,
        }

    async def _me(self, request: web.Request) -> web.Response:
        return discord_json(self._user())

    async def _gateway_info(self, request: web.Request) -> web.Response:
        return discord_json({"url": self.gateway_url})

    async def _gateway_bot(self, request: web.Request) -> web.Response:
        return discord_json(
            {
                "url": self.gateway_url,
                "shards": 1,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 999,
                    "reset_after": 14_400_000,
                    "max_concurrency": 1,
                },
            }
        )

    async def _application(self, request: web.Request) -> web.Response:
        owner = {
            "id": "80351110224678912",
            "username": "owner",
            "discriminator": "0",
            "global_name": "Owner",
            "avatar": None,
            "public_flags": 0,
            "flags": 0,
        }
        return discord_json(
            {
                "id": str(self.application_id),
                "name": self.username,
                "icon": None,
                "description": "",
                "summary": "",
                "type": None,
                "bot_public": True,
                "bot_require_code_grant": False,
                "verify_key": secrets.token_hex(32),
                "owner": owner,
                "team": None,
                "flags": self.application_flags,
                "hook": True,
                "is_monetized": False,
                "redirect_uris": [],
                "interactions_endpoint_url": None,
                "role_connections_verification_url": None,
                "tags": [],
                "approximate_guild_count": len(self.guilds),
                "bot": self._user(),
            }
        )

    def _scope(self, request: web.Request) -> tuple[int | None, web.Response | None]:
        """The guild id (None: global) of a commands call, or the error Discord would answer."""
        if request.match_info["app_id"] != str(self.application_id):
            return None, error(403, "Missing Access", 50001)
        guild = request.match_info.get("guild_id")
        if guild is None:
            return None, None
        if not guild.isdigit() or int(guild) not in self.guilds:
            return None, error(403, "Missing Access", 50001)
        return int(guild), None

    async def _get_commands(self, request: web.Request) -> web.Response:
        guild, refused = self._scope(request)
        return refused or discord_json(self.commands.get(guild, []))

    async def _put_commands(self, request: web.Request) -> web.Response:
        guild, refused = self._scope(request)
        if refused:
            return refused
        try:
            sent = await request.json()
        except ValueError:
            return error(400, "400: Bad Request", 50109)
        if not isinstance(sent, list):
            return error(
                400,
                "Invalid Form Body",
                50035,
                {"_errors": [{"code": "LIST_TYPE_CONVERT", "message": "Must be an array."}]},
            )
        problems = command_problems(sent)
        if problems:
            return error(400, "Invalid Form Body", 50035, problems)
        self.set_commands(sent, guild=guild)
        self.record(
            "commands",
            scope="global" if guild is None else f"guild:{guild}",
            names=[c["name"] for c in self.commands[guild]],
        )
        return discord_json(self.commands[guild])

    def set_commands(
        self, commands: list[dict[str, Any]], *, guild: int | None = None
    ) -> list[dict[str, Any]]:
        """Store commands the way Discord does after a bulk overwrite: a command keeps its id (same
        name and type), every stored command gets a new version, defaults are filled in."""
        old = {(c["type"], c["name"]): c["id"] for c in self.commands.get(guild, [])}
        stored = []
        for command in commands:
            kind = command.get("type", 1)
            full = {
                "id": old.get((kind, command["name"])) or self._snowflake(),
                "application_id": str(self.application_id),
                "version": self._snowflake(),
                "type": kind,
                "name": command["name"],
                "description": command.get("description") or "",
                "default_member_permissions": command.get("default_member_permissions"),
                "dm_permission": command.get("dm_permission", True),
                "nsfw": command.get("nsfw", False),
                "integration_types": command.get("integration_types", [0]),
                "contexts": command.get("contexts"),
            }
            if guild is not None:
                full["guild_id"] = str(guild)
            for key in ("name_localizations", "description_localizations", "options"):
                if command.get(key):
                    full[key] = command[key]
            stored.append(full)
        self.commands[guild] = stored
        return stored

    def _snowflake(self) -> str:
        return str(((int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22) | (next(self._ids) & 0xFFF))

    async def _fallback(self, request: web.Request) -> web.StreamResponse:
        if request.headers.get(
            "Upgrade", ""
        ).lower() == "websocket" and not request.path.startswith("/api"):
            return await self._gateway(request)
        return error(404, "404: Not Found")

    # -- the gateway -----------------------------------------------------------------------------

    async def _send(
        self,
        ws: web.WebSocketResponse,
        op: int,
        d: Any,
        *,
        t: str | None = None,
        s: int | None = None,
    ) -> None:
        await ws.send_str(json.dumps({"op": op, "d": d, "s": s, "t": t}))

    async def _close(self, ws: web.WebSocketResponse, code: int, reason: str | None = None) -> None:
        self._server_closed.setdefault(id(ws), code)  # remember that this side closed it, and how
        await ws.close(code=code, message=(reason or CLOSE_REASONS.get(code, "")).encode())

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True, max_msg_size=4096 * 1024)
        await ws.prepare(request)
        self._sockets.add(ws)
        self.connections += 1
        self.record("connect", query=dict(request.query))
        session: str | None = None
        try:
            if request.query.get("v", "10") != "10":
                await self._close(ws, 4012)
                return ws
            await self._send(
                ws,
                HELLO,
                {"heartbeat_interval": self.heartbeat_interval, "_trace": ['["fake-gateway"]']},
            )
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT:
                    await self._close(ws, 4002)  # no ETF, no compressed payloads from the client
                    break
                try:
                    payload = json.loads(msg.data)
                    op, d = payload["op"], payload.get("d")
                except (ValueError, KeyError, TypeError):
                    await self._close(ws, 4002)
                    break
                if op == HEARTBEAT:
                    self.heartbeats += 1
                    self.record("heartbeat", seq=d)
                    await self._send(ws, HEARTBEAT_ACK, None)
                elif op == IDENTIFY:
                    if session is not None:
                        await self._close(ws, 4005)
                        break
                    session = await self._identify(ws, d)
                    if session is None:
                        break
                elif op == RESUME:
                    if session is not None:
                        await self._close(ws, 4005)
                        break
                    session = await self._resume(ws, d)
                    if session is None:
                        continue  # INVALID_SESSION sent; the client identifies again on a new connection
                elif session is None:
                    await self._close(ws, 4003)
                    break
                elif op in (
                    3,
                    4,
                    8,
                ):  # presence, voice state, request guild members: accepted, ignored
                    self.record("op", op=op)
                else:
                    await self._close(ws, 4001)
                    break
        finally:
            self._sockets.discard(ws)
            by_server = self._server_closed.pop(id(ws), None)
            code = by_server if by_server is not None else ws.close_code
            self.closes.append((code, "server" if by_server is not None else "client"))
            self.record("close", code=code, by=self.closes[-1][1], session=session)
        return ws

    async def _identify(self, ws: web.WebSocketResponse, d: Any) -> str | None:
        d = d if isinstance(d, dict) else {}
        token = d.get("token")
        token_ok = (
            token == self.token
            if self.token is not None
            else bool(TOKEN_SHAPE.match(str(token or "")))
        )
        intents = d.get("intents")
        self.identifies.append(d)
        self.record(
            "identify",
            token_ok=token_ok,
            intents=intents,
            shard=d.get("shard"),
            properties=d.get("properties"),
            compress=d.get("compress"),
        )
        if not token_ok:
            await self._close(ws, 4004)
            return None
        if not isinstance(intents, int) or intents < 0:
            await self._close(ws, 4013)
            return None
        refused = [
            name
            for bit, name in PRIVILEGED_INTENTS.items()
            if intents & bit and not self.approved_intents & bit
        ]
        if refused:
            await self._close(ws, 4014)
            return None
        session = secrets.token_hex(16)
        self.sessions[session] = 1
        ready = {
            "v": 10,
            "user": self._user(),
            "user_settings": {},
            "relationships": [],
            "private_channels": [],
            "presences": [],
            "guilds": [{"id": str(g), "unavailable": True} for g in sorted(self.guilds)],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": ["rotterdam", "frankfurt"],
            "session_type": "normal",
            "session_id": session,
            "resume_gateway_url": self.gateway_url,
            "application": {"id": str(self.application_id), "flags": self.application_flags},
            "_trace": ['["fake-gateway"]'],
        }
        if d.get("shard") is not None:
            ready["shard"] = d["shard"]
        await self._send(ws, DISPATCH, ready, t="READY", s=1)
        self.readies += 1
        self.record("ready", session=session, guilds=len(self.guilds))
        return session

    async def _resume(self, ws: web.WebSocketResponse, d: Any) -> str | None:
        d = d if isinstance(d, dict) else {}
        self.resumes.append(d)
        session = d.get("session_id")
        token_ok = (
            d.get("token") == self.token
            if self.token is not None
            else bool(TOKEN_SHAPE.match(str(d.get("token") or "")))
        )
        self.record("resume", session=session, seq=d.get("seq"), token_ok=token_ok)
        if not token_ok:
            await self._close(ws, 4004)
            return None
        if session not in self.sessions:
            await self._send(ws, INVALID_SESSION, False)
            return None
        self.sessions[session] += 1
        await self._send(
            ws, DISPATCH, {"_trace": ['["fake-gateway"]']}, t="RESUMED", s=self.sessions[session]
        )
        self.record("resumed", session=session, seq=self.sessions[session])
        return session


def command_problems(commands: list[Any]) -> dict[str, Any]:
    """Discord's "Invalid Form Body" errors for a bulk overwrite, keyed like Discord's ({} if fine)."""
    problems: dict[str, Any] = {}
    seen: set[tuple[int, str]] = set()

    def check(where: dict[str, Any], item: Any, *, top: bool) -> None:
        if not isinstance(item, dict):
            where["_errors"] = [
                {
                    "code": "DICT_TYPE_CONVERT",
                    "message": "Only dictionaries may be used in a DictType",
                }
            ]
            return
        kind = item.get("type", 1)
        name, description = item.get("name"), item.get("description")
        chat_input = not top or kind == 1
        if not isinstance(name, str) or not (
            COMMAND_NAME.match(name) if chat_input else 1 <= len(name) <= 32
        ):
            where["name"] = {
                "_errors": [
                    {
                        "code": "APPLICATION_COMMAND_INVALID_NAME",
                        "message": "Command name is invalid",
                    }
                ]
            }
        if chat_input and not (isinstance(description, str) and 1 <= len(description) <= 100):
            where["description"] = {
                "_errors": [
                    {
                        "code": "BASE_TYPE_BAD_LENGTH",
                        "message": "Must be between 1 and 100 in length.",
                    }
                ]
            }
        if top and isinstance(name, str):
            if (kind, name) in seen:
                where["name"] = {
                    "_errors": [
                        {
                            "code": "APPLICATION_COMMANDS_DUPLICATE_NAME",
                            "message": "Application command names must be unique",
                        }
                    ]
                }
            seen.add((kind, name))
        options = item.get("options") or []
        if len(options) > 25:
            where["options"] = {
                "_errors": [
                    {"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 25 or fewer in length."}
                ]
            }
        for i, option in enumerate(options):
            sub: dict[str, Any] = {}
            check(sub, option, top=False)
            if sub:
                where.setdefault("options", {})[str(i)] = sub

    if len(commands) > 100:
        problems["_errors"] = [
            {"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 100 or fewer in length."}
        ]
    for i, command in enumerate(commands):
        where: dict[str, Any] = {}
        check(where, command, top=True)
        if where:
            problems[str(i)] = where
    return problems


# -- standalone ------------------------------------------------------------------------------------


async def serve(args: argparse.Namespace) -> None:
    context = None
    if args.cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)
    gateway_url = args.gateway_url
    if gateway_url is None and context is not None:
        gateway_url = "wss://gateway.discord.gg" + ("" if args.port == 443 else f":{args.port}")
    fake = FakeDiscord(
        token=args.token,
        host=args.host,
        port=args.port,
        ssl_context=context,
        guilds=args.guild,
        heartbeat_interval=args.heartbeat_interval,
        gateway_url=gateway_url,
        log=args.log,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with fake:
        print(
            f"fake Discord on {fake.base_url}{API} (gateway {fake.gateway_url}, bot id {fake.bot_id})",
            flush=True,
        )
        await stop.wait()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["make-cert"]:
        parser = argparse.ArgumentParser(
            prog="fake_discord.py make-cert",
            description="Write ca.pem, cert.pem, key.pem into DIR.",
        )
        parser.add_argument("dir", type=Path)
        from throwaway_ca import make_cert  # beside this file; needs only openssl, not aiohttp

        make_cert(parser.parse_args(argv[1:]).dir)
        return 0
    parser = argparse.ArgumentParser(
        prog="fake_discord.py", description="A local stand-in for Discord's REST API and gateway."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8443)
    parser.add_argument("--cert", help="server certificate (PEM); with --key, serve HTTPS and WSS")
    parser.add_argument("--key", help="the certificate's private key (PEM)")
    parser.add_argument(
        "--token", help="the bot token Discord accepts (default: any well-formed token)"
    )
    parser.add_argument(
        "--gateway-url", help="gateway URL handed out (default with TLS: wss://gateway.discord.gg)"
    )
    parser.add_argument(
        "--guild",
        type=int,
        action="append",
        default=[],
        help="id of a server the bot is in (repeatable)",
    )
    parser.add_argument(
        "--heartbeat-interval", type=int, default=41250, help="milliseconds, sent in HELLO"
    )
    parser.add_argument("--log", help="append one JSON line per event to this file")
    args = parser.parse_args(argv)
    if bool(args.cert) != bool(args.key):
        parser.error("--cert and --key go together")
    asyncio.run(serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
