"""The SMPP listener. Not built yet: accepts connections and says so (placeholder.py)."""

from __future__ import annotations

from devino_mock.protocols.placeholder import start_placeholder


async def start(emulator, host: str, port: int):
    return await start_placeholder("smpp", host, port)
