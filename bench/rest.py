"""REST benchmarks for issue 2.

1. Start-up: process spawn -> first healthy GET /_mock/health (median of several runs).
2. REST v2 Sms/Send requests per second with 32 concurrent clients, next to a bare aiohttp
   handler returning a constant body, same machine, same run. The ratio is the tracked figure.

    python bench/rest.py [--requests 6000] [--concurrency 32] [--starts 5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.request

from common import free_port, hammer, start_yardstick, wait_healthy



def start_emulator() -> tuple[subprocess.Popen, int, float]:
    port = free_port()
    began = time.monotonic()
    process = subprocess.Popen([sys.executable, "-m", "devino_mock", "--http-port", str(port), "--smpp-port", "0",
                                "--smtp-port", "0", "--ftp-port", "0", "--log-level", "WARNING"])
    wait_healthy(f"http://127.0.0.1:{port}/_mock/health", began + 30)
    return process, port, time.monotonic() - began


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=6000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--starts", type=int, default=5)
    args = parser.parse_args()

    starts = []
    for _ in range(args.starts):
        process, _, took = start_emulator()
        starts.append(took)
        process.terminate()
        process.wait()

    emulator, port, _ = start_emulator()
    bare, bare_port = start_yardstick("bare_server.py")
    try:
        request = urllib.request.Request(f"http://127.0.0.1:{port}/_mock/accounts", method="POST",
                                         data=json.dumps({"login": "bench", "password": "bench1", "balance": "100000000"}).encode())
        urllib.request.urlopen(request).close()
        form = {"Login": "bench", "Password": "bench1", "SourceAddress": "DEVINO", "DestinationAddress": "79161234567", "Data": "Benchmark message"}
        send_url = f"http://127.0.0.1:{port}/rest/v2/Sms/Send"
        bare_url = f"http://127.0.0.1:{bare_port}/rest/v2/Sms/Send"
        rounds = []
        for _ in range(2):  # interleaved, so drift in machine load hits both sides
            rounds.append((asyncio.run(hammer(send_url, args.requests, args.concurrency, b'["', data=form)),
                           asyncio.run(hammer(bare_url, args.requests, args.concurrency, b'["', data=form))))
    finally:
        emulator.terminate()
        bare.terminate()
        emulator.wait()
        bare.wait()
    emu_rps = max(r[0] for r in rounds)
    bare_rps = max(r[1] for r in rounds)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores")
    print(f"start-up to healthy /_mock/health: median {statistics.median(starts) * 1000:.0f} ms "
          f"(min {min(starts) * 1000:.0f}, max {max(starts) * 1000:.0f}, {len(starts)} runs)")
    print(f"REST v2 Sms/Send, {args.concurrency} concurrent, {args.requests} requests: {emu_rps:,.0f} req/s")
    print(f"bare aiohttp constant handler, same load:          {bare_rps:,.0f} req/s")
    print(f"ratio emulator / bare: {emu_rps / bare_rps:.2f}")


if __name__ == "__main__":
    main()
