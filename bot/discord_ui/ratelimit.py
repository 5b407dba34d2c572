"""Every REST call the bot makes goes through one :class:`RestLimiter`.

discord.py takes an ``aiohttp.TraceConfig`` (``http_trace``); its request-start hook waits for the
limiter and its request-end hook reports the status, so the one budget counts every REST call,
including the retries discord.py makes by itself. A 429 on a background request (a reminder DM,
see ``ratelimit.background``) is handled once: the limiter pauses for its ``retry_after`` and the
request ends as ``discord.RateLimited(retry_after)``, so the dispatcher tries again after that
long, instead of discord.py trying five times and then raising a plain HTTPException.
"""

from __future__ import annotations

from types import SimpleNamespace

import aiohttp
import discord

from bot.services.reminders.ratelimit import RestLimiter, background


def _retry_after(response: aiohttp.ClientResponse) -> float:
    for header in ("X-RateLimit-Reset-After", "Retry-After"):
        value = response.headers.get(header)
        if value:
            try:
                return max(0.0, float(value))
            except ValueError:
                pass
    return 1.0


def limiter_trace(limiter: RestLimiter) -> aiohttp.TraceConfig:
    """A TraceConfig that puts every request of the session through ``limiter``."""
    trace = aiohttp.TraceConfig()

    async def on_request_start(
        session: aiohttp.ClientSession,
        context: SimpleNamespace,
        params: aiohttp.TraceRequestStartParams,
    ) -> None:
        if params.url.scheme in ("ws", "wss"):
            return  # the gateway connection is not a REST call
        await limiter.acquire()

    async def on_request_end(
        session: aiohttp.ClientSession,
        context: SimpleNamespace,
        params: aiohttp.TraceRequestEndParams,
    ) -> None:
        response = params.response
        status = response.status
        if status not in (401, 403, 429):
            return
        is_global = response.headers.get("X-RateLimit-Global", "").lower() == "true"
        retry_after = _retry_after(response) if status == 429 else None
        limiter.record(
            status,
            retry_after=retry_after,
            is_global=is_global,
            scope=response.headers.get("X-RateLimit-Scope"),
        )
        if status == 429 and background.get():
            response.release()
            raise discord.RateLimited(retry_after or 1.0)

    trace.on_request_start.append(on_request_start)
    trace.on_request_end.append(on_request_end)
    return trace
