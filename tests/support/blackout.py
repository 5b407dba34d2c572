"""A PostgreSQL server that goes away and comes back, for the tests: a TCP relay in front of the
test server that a test cuts and restores.

``Blackout(url)`` listens on a free local port and relays every connection to the server at
``url``; ``blackout.url`` is the same database through the relay. ``cut()`` is the server going
away (a restart, a failover, a network fault): the connections open through the relay are dropped
and new ones are refused, exactly what the driver meets then. ``restore()`` listens again on the
same port. The relay runs its own event loop in a thread, so a test, the bot under test or a
thread reading the chat's input can all cut and restore it.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

T = TypeVar("T")


class Blackout:
    def __init__(self, url: str):
        parts = urlsplit(url)
        self.target = (parts.hostname or "127.0.0.1", parts.port or 5432)
        self._links: set[asyncio.BaseTransport] = set()
        self._relays: set[asyncio.Task[None]] = set()
        self._server: asyncio.Server | None = None
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="blackout", daemon=True)
        self._thread.start()
        self.port = self._call(self._listen(0))
        auth = parts.netloc.rsplit("@", 1)[0] + "@" if "@" in parts.netloc else ""
        self.url = urlunsplit(parts._replace(netloc=f"{auth}127.0.0.1:{self.port}"))
        self.refused = False

    def _call(self, work: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(work, self._loop).result(timeout=10)

    async def _listen(self, port: int) -> int:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", port)
        return int(self._server.sockets[0].getsockname()[1])

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._relays.add(task)
        try:
            await self._pipe_both(reader, writer)
        finally:
            self._relays.discard(task)

    async def _pipe_both(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        ends = {writer.transport, up_writer.transport}
        self._links |= ends

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except OSError:
                pass
            finally:
                dst.transport.abort()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self._links -= ends

    def cut(self) -> None:
        """The server goes away: open connections drop, new ones are refused."""
        self._call(self._cut())

    async def _cut(self) -> None:
        self.refused = True
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for transport in list(self._links):
            transport.abort()
        self._links.clear()

    def restore(self) -> None:
        """The server is back, at the same address."""
        self._call(self._listen(self.port))
        self.refused = False

    async def _shut(self) -> None:
        await self._cut()
        await asyncio.gather(*self._relays, return_exceptions=True)

    def close(self) -> None:
        self._call(self._shut())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()
