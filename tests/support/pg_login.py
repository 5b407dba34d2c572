"""A local stand-in for a PostgreSQL server's login, to see the password a client really sends.

The test servers (``.ci/run``'s throw-away cluster) trust every login, so they cannot tell whether
a password arrived whole. This one speaks just enough of PostgreSQL's protocol (version 3.0) for
asyncpg, libpq and the bot: it declines TLS (``N``), reads the startup message (user, database),
asks for the password in clear (``AuthenticationCleartextPassword``), records it and refuses the
login with error 28P01, as a server does for a wrong password. ``logins`` holds
``(user, database, password)`` for each attempt.

    async with LoginRecorder() as server:
        ...connect to postgresql://user@127.0.0.1:{server.port}/db...
        assert server.logins == [("user", "db", "the password")]
"""

from __future__ import annotations

import asyncio
import struct
from types import TracebackType

SSL_REQUEST = 80877103
GSS_REQUEST = 80877104
PROTOCOL_3 = 196608


class LoginRecorder:
    def __init__(self) -> None:
        self.logins: list[tuple[str, str, str]] = []
        self.port = 0
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> LoginRecorder:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:  # TLS and GSS requests first, each declined, then the startup message
                (length,) = struct.unpack("!i", await reader.readexactly(4))
                body = await reader.readexactly(length - 4)
                (code,) = struct.unpack("!i", body[:4])
                if code in (SSL_REQUEST, GSS_REQUEST):
                    writer.write(b"N")
                    continue
                assert code == PROTOCOL_3, f"unexpected startup code {code}"
                break
            words = body[4:].split(b"\0")
            params = dict(zip(words[0::2], words[1::2], strict=False))
            user = params.get(b"user", b"").decode()
            database = params.get(b"database", b"").decode() or user
            writer.write(b"R" + struct.pack("!ii", 8, 3))  # send the password in clear
            await writer.drain()
            kind = await reader.readexactly(1)
            (length,) = struct.unpack("!i", await reader.readexactly(4))
            body = await reader.readexactly(length - 4)
            assert kind == b"p", f"expected a password message, got {kind!r}"
            self.logins.append((user, database, body.rstrip(b"\0").decode()))
            fields = b"SFATAL\0VFATAL\0C28P01\0M" + (
                f'password authentication failed for user "{user}"'.encode() + b"\0\0"
            )
            writer.write(b"E" + struct.pack("!i", len(fields) + 4) + fields)
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()
