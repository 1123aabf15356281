"""The SMPP 3.4 SMSC (smpp.md): binds against the platform's accounts, submit_sm/data_sm into
the platform, delivery receipts and MO messages as deliver_sm, query_sm."""

from __future__ import annotations

import asyncio

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
        if self.smsc.forget_login in self._emulator.login_reset_hooks:
            self._emulator.login_reset_hooks.remove(self.smsc.forget_login)
        await self._server.wait_closed()


def control(table, emulator):
    """`/_mock/smpp/accounts/{login}`: per-account arrangements; `start` uses them."""
    options = smpp_options(emulator.platform)
    options.register_control(table, "/smpp/accounts/{login}")
    return options


async def start(emulator, host: str, port: int) -> SmppListener:
    smsc = Smsc(emulator.platform, emulator.settings, emulator.controls["smpp"])
    smsc.watch = emulator.watch
    try:
        server = await asyncio.get_running_loop().create_server(smsc.connect, host, port, reuse_address=True)
    except BaseException:
        smsc.close()
        raise
    emulator.reset_hooks.append(smsc.reset)
    emulator.login_reset_hooks.append(smsc.forget_login)
    return SmppListener(emulator, server, smsc)
