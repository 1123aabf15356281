"""The SMPP 3.4 SMSC (smpp.md): binds against the platform's accounts, submit_sm/data_sm into
the platform, delivery receipts and MO messages as deliver_sm, query_sm."""

from __future__ import annotations

import asyncio
import weakref

from devino_mock.protocols.smpp.options import smpp_options
from devino_mock.protocols.smpp.smsc import Smsc


class SmppListener:
    def __init__(self, emulator, server: asyncio.AbstractServer, smsc: Smsc) -> None:
        self._emulator = emulator
        self._server = server
        self.smsc = smsc
        self.port: int = server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        self._server.close()
        self.smsc.close()
        if self.smsc.reset in self._emulator.reset_hooks:
            self._emulator.reset_hooks.remove(self.smsc.reset)
        await self._server.wait_closed()


_options: "weakref.WeakKeyDictionary[object, object]" = weakref.WeakKeyDictionary()


async def start(emulator, host: str, port: int) -> SmppListener:
    options = _options.get(emulator.router)
    if options is None:  # one route per router, however often the listener starts
        options = _options[emulator.router] = smpp_options(emulator.platform)
        options.register(emulator.router, "/_mock/smpp/accounts")
    smsc = Smsc(emulator.platform, emulator.settings, options)
    smsc.watch = emulator.watch
    try:
        server = await asyncio.get_running_loop().create_server(smsc.connect, host, port, reuse_address=True)
    except BaseException:
        smsc.close()
        raise
    emulator.reset_hooks.append(smsc.reset)
    return SmppListener(emulator, server, smsc)
