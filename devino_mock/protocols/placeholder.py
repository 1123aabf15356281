"""A listener for a surface whose issue has not landed yet: it accepts connections and says
so politely in the protocol's own greeting form, then closes."""

from __future__ import annotations

import asyncio

GREETINGS = {
    "smtp": b"554 devino-mock: SMTP (Email2SMS) is not available yet\r\n",
    "ftp": b"421 devino-mock: the FTP drop folder is not available yet\r\n",
    "smpp": b"",  # SMPP has no greeting; the ESME sees the connection close
}


class NotYetProtocol(asyncio.Protocol):
    def __init__(self, greeting: bytes) -> None:
        self.greeting = greeting

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        if self.greeting:
            transport.write(self.greeting)
        transport.close()


class PlaceholderListener:
    def __init__(self, server: asyncio.AbstractServer) -> None:
        self._server = server
        self.port: int = server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        self._server.close()
        await self._server.wait_closed()


async def start_placeholder(name: str, host: str, port: int) -> PlaceholderListener:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: NotYetProtocol(GREETINGS[name]), host, port)
    return PlaceholderListener(server)
