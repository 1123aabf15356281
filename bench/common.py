"""What the benchmarks share: free ports, waiting for an emulator to turn healthy, and a
concurrent HTTP load that reports requests per second."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import aiohttp


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.005)
    raise RuntimeError(f"{url} never became healthy")


def start_yardstick(script: str) -> tuple[subprocess.Popen, int]:
    """Start a bench/ server script on a free port; it prints one line when it is ready."""
    port = free_port()
    process = subprocess.Popen([sys.executable, str(Path(__file__).resolve().parent / script), str(port)],
                               stdout=subprocess.PIPE, text=True)
    process.stdout.readline()
    return process, port


async def hammer(url: str, total: int, concurrency: int, expect: bytes, **request) -> float:
    """POST `total` requests from `concurrency` workers; every answer must be 200 and contain
    `expect`. Returns requests per second, connections opened beforehand."""
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        remaining = iter(range(total))

        async def one() -> None:
            async with session.post(url, **request) as response:
                body = await response.read()
                if response.status != 200 or expect not in body:
                    raise RuntimeError(f"{url}: {response.status}: {body[:300]!r}")

        async def worker() -> None:
            for _ in remaining:
                await one()

        await asyncio.gather(*(one() for _ in range(concurrency)))  # warm-up: connections open
        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return total / (time.perf_counter() - began)
