"""Store benchmarks for issue 13.

1. Memory: 100,000 SMS sent through the platform in process (memory store), delivered; RSS
   growth per message, and RSS in total.
2. `reset` and `clock/advance` over 100,000 pending messages (in process, each store).
3. REST v2 `Sms/Send` with `--data-dir` (SQLite) next to the memory store, both driven by wrk
   (-t2 -c32) in the same run.
4. Start-up to a healthy `/_mock/health` with 100,000 messages stored in the data directory.

    python bench/store.py [--messages 100000] [--duration 5]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

from common import free_port, wait_healthy
from viber import call, lua_post, wrk

from devino_mock import fixtures
from devino_mock.core.platform import ByLogin, Platform
from devino_mock.core.sending import SendRequest
from devino_mock.core.store import open_store


def rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def filled(n: int, data_dir: str | None) -> Platform:
    platform = Platform(fixtures.load(), store=open_store(data_dir))
    account = platform.account("test_login")
    account.balance = 10**12
    credentials = ByLogin("test_login", "test123")
    for i in range(n):
        platform.send(credentials, SendRequest("DEVINO", [f"79{i:09d}"], f"Benchmark message {i}", "rest_v2"))
    platform.store.flush()
    return platform


def timed(fn) -> float:
    began = time.perf_counter()
    fn()
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--duration", type=int, default=5)
    args = parser.parse_args()
    n = args.messages
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, {n:,} messages")

    gc.collect()
    before = rss()
    platform = filled(n, None)
    pending_rss = rss()
    advance = timed(lambda: platform.advance(10))
    gc.collect()
    after = rss()
    print(f"memory store: {(pending_rss - before) / n:,.0f} B per pending message, "
          f"{(after - before) / n:,.0f} B per delivered message; RSS {after / 2**20:,.0f} MiB "
          f"(peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB)")
    print(f"memory store: clock/advance over {n:,} pending: {advance:.2f} s")
    platform = None  # noqa: F841
    platform = filled(n, None)

    async def reset_in_a_loop() -> float:  # as in the server: the journal is let go of in slices
        return timed(platform.reset)

    print(f"memory store: reset with {n:,} pending: {asyncio.run(reset_in_a_loop()) * 1000:.1f} ms")
    platform = None
    gc.collect()

    data_dir = tempfile.mkdtemp(prefix="devino-mock-bench-")
    try:
        began = time.perf_counter()
        platform = filled(n, data_dir)
        print(f"sqlite store: {n:,} sends in process, each committed: {time.perf_counter() - began:.1f} s")
        advance = timed(lambda: (platform.advance(10), platform.store.flush()))
        print(f"sqlite store: clock/advance over {n:,} pending, flushed: {advance:.2f} s")
        platform.store.close()

        for _ in range(2):  # 4. start-up with the stored journal
            port = free_port()
            began = time.monotonic()
            process = subprocess.Popen([sys.executable, "-m", "devino_mock", "--http-port", str(port), "--smpp-port",
                                        "0", "--smtp-port", "0", "--ftp-port", "0", "--log-level", "WARNING",
                                        "--data-dir", data_dir])
            wait_healthy(f"http://127.0.0.1:{port}/_mock/health", began + 120)
            took = time.monotonic() - began
            stored = len(call(f"http://127.0.0.1:{port}/_mock/messages?status=delivered", method="GET"))  # type: ignore[arg-type]
            started = time.perf_counter()
            call(f"http://127.0.0.1:{port}/_mock/reset", {})
            reset = time.perf_counter() - started
            process.terminate()
            process.wait()
            print(f"sqlite store: start-up to healthy with {stored:,} stored messages: {took:.2f} s; "
                  f"POST /_mock/reset then: {reset * 1000:.0f} ms")
            break
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)

    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install wrk): REST throughput skipped")
        return
    body = "Login=test_login&Password=test123&SourceAddress=DEVINO&DestinationAddress=79161234567&Data=Bench"
    figures = {}
    for label, extra in (("memory", []), ("sqlite", ["--data-dir", tempfile.mkdtemp(prefix="devino-mock-bench-")])):
        port = free_port()
        process = subprocess.Popen([sys.executable, "-m", "devino_mock", "--http-port", str(port), "--smpp-port", "0",
                                    "--smtp-port", "0", "--ftp-port", "0", "--log-level", "WARNING", *extra])
        try:
            wait_healthy(f"http://127.0.0.1:{port}/_mock/health", time.monotonic() + 30)
            call(f"http://127.0.0.1:{port}/_mock/accounts", {"login": "test_login", "password": "test123",
                                                              "balance": "1000000000"})
            figures[label] = wrk(f"http://127.0.0.1:{port}/rest/v2/Sms/Send",
                                 lua_post(body, "application/x-www-form-urlencoded"), args.duration, 32)
        finally:
            process.terminate()
            process.wait()
            if extra:
                shutil.rmtree(extra[1], ignore_errors=True)
    print(f"REST v2 Sms/Send, wrk -t2 -c32: memory {figures['memory']:,.0f} req/s, sqlite {figures['sqlite']:,.0f} "
          f"req/s, ratio {figures['sqlite'] / figures['memory']:.2f}")


if __name__ == "__main__":
    main()
