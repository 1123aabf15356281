"""REST benchmarks (issues 2 and 15).

1. Start-up: process spawn -> first healthy GET /_mock/health (median of several runs), with
   every surface loaded.
2. REST v2 Sms/Send requests per second, driven by wrk with 32 connections, next to a bare
   aiohttp handler returning a constant body, same machine, same run, interleaved rounds. The
   ratio is the tracked figure. Without wrk this part is skipped with a message.
3. --python-client: the same load from 32 Python aiohttp clients (issue 2's figure; the client
   saturates first and hides the difference).
4. --profile: cProfile of the emulator's send path in-process (top functions by own time).
5. --free-core: also drive the emulator with a free core (bench/free_core_server.py: every send
   answered with the first one's result): the ceiling of everything around the core on this
   stack, next to the same bare handler.

    python bench/rest.py [--seconds 5] [--connections 32] [--rounds 2] [--starts 5]
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

import wrk
from common import free_port, hammer, start_yardstick, wait_healthy

FORM = {"Login": "bench", "Password": "bench1", "SourceAddress": "DEVINO", "DestinationAddress": "79161234567",
        "Data": "Benchmark message"}

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def start_emulator(script: str | None = None) -> tuple[subprocess.Popen, int, float]:
    """`python -m devino_mock`, or a bench/ script that runs it (from the repository root and
    without bench/ on the path: bench/smpp.py would shadow the smpp.pdu3 package)."""
    port = free_port()
    began = time.monotonic()
    command = [sys.executable, os.path.join(ROOT, "bench", script)] if script else [sys.executable, "-m", "devino_mock"]
    process = subprocess.Popen(command + ["--http-port", str(port), "--smpp-port", "0", "--smtp-port", "0",
                                          "--ftp-port", "0", "--log-level", "WARNING"],
                               cwd=ROOT, env={**os.environ, "PYTHONSAFEPATH": "1"})
    wait_healthy(f"http://127.0.0.1:{port}/_mock/health", began + 30)
    return process, port, time.monotonic() - began


def add_bench_account(port: int) -> None:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/_mock/accounts", method="POST",
                                     data=json.dumps({"login": "bench", "password": "bench1",
                                                      "balance": "1000000000"}).encode())
    urllib.request.urlopen(request).close()


def profile_send(seconds: float, connections: int) -> None:
    """cProfile of the emulator process while wrk drives Sms/Send; prints where the time goes."""
    import pstats
    import tempfile

    port = free_port()
    out = os.path.join(tempfile.mkdtemp(prefix="devino-mock-profile-"), "send.pstats")
    # Run as start_emulator runs a bench/ script (bench/smpp.py would shadow smpp.pdu3).
    process = subprocess.Popen([sys.executable, os.path.join(ROOT, "bench", "profiled_server.py"),
                                "--http-port", str(port), "--smpp-port", "0", "--smtp-port", "0", "--ftp-port", "0",
                                "--log-level", "WARNING"], env={**os.environ, "PROFILE_OUT": out, "PYTHONSAFEPATH": "1"},
                               cwd=ROOT)
    try:
        wait_healthy(f"http://127.0.0.1:{port}/_mock/health", time.monotonic() + 30)
        add_bench_account(port)
        rps = wrk.post_form(f"http://127.0.0.1:{port}/rest/v2/Sms/Send", FORM, connections, seconds)
    finally:
        process.terminate()
        process.wait()
    stats = pstats.Stats(out)
    calls = next((cc for (file, _, name), (cc, *_rest) in stats.stats.items()
                  if name == "send" and file.endswith("core/sending.py")), 0)
    print(f"profiled: {rps:,.0f} req/s under cProfile, {calls} sends; per send (µs, cumulative):")
    for (file, line, name), (cc, nc, tt, ct, callers) in sorted(stats.stats.items(), key=lambda kv: -kv[1][3]):
        if ct * 1e6 / max(calls, 1) >= 4 and ("devino_mock" in file or "aiohttp" in file or "json" in file):
            print(f"  {ct * 1e6 / max(calls, 1):7.1f}  {tt * 1e6 / max(calls, 1):7.1f} own  "
                  f"{file.split('site-packages/')[-1].split('wt15/')[-1]}:{line}({name})")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5.0, help="length of one wrk round")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--starts", type=int, default=5)
    parser.add_argument("--python-client", action="store_true", help="also drive both with 32 aiohttp clients")
    parser.add_argument("--requests", type=int, default=6000, help="requests per --python-client round")
    parser.add_argument("--profile", action="store_true", help="only profile the emulator under wrk (cProfile)")
    parser.add_argument("--free-core", action="store_true",
                        help="also drive the emulator with a free core: the ceiling around the send path")
    args = parser.parse_args()
    if args.profile:
        if not wrk.available():
            print(wrk.INSTALL_HINT)
            return
        profile_send(args.seconds, args.connections)
        return

    starts = []
    for _ in range(args.starts):
        process, _, took = start_emulator()
        starts.append(took)
        process.terminate()
        process.wait()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores")
    print(f"start-up to healthy /_mock/health: median {statistics.median(starts) * 1000:.0f} ms "
          f"(min {min(starts) * 1000:.0f}, max {max(starts) * 1000:.0f}, {len(starts)} runs)")

    emulator, port, _ = start_emulator()
    bare, bare_port = start_yardstick("bare_server.py")
    free = start_emulator("free_core_server.py") if args.free_core else None
    try:
        add_bench_account(port)
        send_url = f"http://127.0.0.1:{port}/rest/v2/Sms/Send"
        bare_url = f"http://127.0.0.1:{bare_port}/rest/v2/Sms/Send"
        urls = [send_url, bare_url]
        if free:
            add_bench_account(free[1])
            urls.append(f"http://127.0.0.1:{free[1]}/rest/v2/Sms/Send")
        if wrk.available():
            rounds = []
            for _ in range(args.rounds):  # interleaved, so drift in machine load hits every side
                rounds.append([wrk.post_form(url, FORM, args.connections, args.seconds) for url in urls])
            best = [max(r[i] for r in rounds) for i in range(len(urls))]
            emu_rps, bare_rps = best[0], best[1]
            print(f"wrk, {args.connections} connections, {args.rounds} x {args.seconds:g} s rounds (best of each):")
            print(f"  REST v2 Sms/Send:              {emu_rps:,.0f} req/s  {[round(r[0]) for r in rounds]}")
            print(f"  bare aiohttp constant handler: {bare_rps:,.0f} req/s  {[round(r[1]) for r in rounds]}")
            print(f"  ratio emulator / bare: {emu_rps / bare_rps:.2f}")
            if free:
                print(f"  emulator with a free core:     {best[2]:,.0f} req/s  {[round(r[2]) for r in rounds]}"
                      f"  (ceiling around the send path: ratio {best[2] / bare_rps:.2f})")
        else:
            print(wrk.INSTALL_HINT)
        if args.python_client:
            rounds = []
            for _ in range(args.rounds):
                rounds.append((asyncio.run(hammer(send_url, args.requests, args.connections, b'["', data=FORM)),
                               asyncio.run(hammer(bare_url, args.requests, args.connections, b'["', data=FORM))))
            emu_rps, bare_rps = max(r[0] for r in rounds), max(r[1] for r in rounds)
            print(f"python aiohttp client, {args.connections} concurrent: Sms/Send {emu_rps:,.0f} req/s, "
                  f"bare {bare_rps:,.0f} req/s, ratio {emu_rps / bare_rps:.2f}")
    finally:
        for process in (emulator, bare, free[0] if free else None):
            if process is not None:
                process.terminate()
                process.wait()


if __name__ == "__main__":
    main()
