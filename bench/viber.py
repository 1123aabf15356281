"""Viber benchmarks for issue 8.

1. Viber HTTP API `POST /send` (one text message per request, Basic auth, full validation and a
   real send) next to REST v2 `Sms/Send`, both against one emulator in the same run, driven by
   wrk (a C load generator, so the client is not the bottleneck) with 32 connections.
2. Callbacks delivered per second: N Viber messages to an account whose `viber_status` URL is a
   bare aiohttp server in another process; one `POST /_mock/clock/advance` makes every message
   delivered and read, and answers only after all 2×N callbacks were made. N / seconds.

    python bench/viber.py [--duration 5] [--connections 32] [--messages 5000]
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

from common import free_port, start_yardstick, wait_healthy

AUTH = "Basic " + base64.b64encode(b"bench:bench1").decode()
MESSAGE = {"subject": "DEVINO", "priority": "high", "validityPeriodSec": 3600, "type": "viber",
           "contentType": "text", "content": {"text": "Benchmark message"}, "address": "79161234567"}


def call(url: str, body: dict | None = None, method: str = "POST", headers: dict | None = None) -> object:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json", **(headers or {})})
    with urllib.request.urlopen(request, timeout=600) as response:
        return json.load(response)


def wrk(url: str, script: str, duration: int, connections: int) -> float:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(script)
    try:
        out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "-s", lua.name, url],
                             capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(lua.name)
    if "Non-2xx" in out:
        raise RuntimeError(f"{url}: some answers were not 2xx:\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def lua_post(body: str, content_type: str, auth: str | None = None) -> str:
    headers = f'wrk.headers["Content-Type"] = "{content_type}"\n'
    if auth:
        headers += f'wrk.headers["Authorization"] = "{auth}"\n'
    return f'wrk.method = "POST"\nwrk.body = {json.dumps(body)}\n{headers}'


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--messages", type=int, default=5000)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (Debian: apt-get install wrk); this benchmark needs it")

    port = free_port()
    emulator = subprocess.Popen([sys.executable, "-m", "devino_mock", "--http-port", str(port), "--smpp-port", "0",
                                 "--smtp-port", "0", "--ftp-port", "0", "--log-level", "WARNING"])
    receiver, receiver_port = start_yardstick("bare_server.py")
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(f"{base}/_mock/health", time.monotonic() + 30)
        call(f"{base}/_mock/accounts", {"login": "bench", "password": "bench1", "balance": "1000000000"})
        viber_body = json.dumps({"resendSms": False, "messages": [MESSAGE]})
        rest_body = "Login=bench&Password=bench1&SourceAddress=DEVINO&DestinationAddress=79161234567&Data=Benchmark+message"
        rounds = []
        for _ in range(2):  # interleaved, so drift in machine load hits both sides
            viber = wrk(f"{base}/send", lua_post(viber_body, "application/json", AUTH), args.duration, args.connections)
            rest = wrk(f"{base}/rest/v2/Sms/Send", lua_post(rest_body, "application/x-www-form-urlencoded"),
                       args.duration, args.connections)
            rounds.append((viber, rest))
            call(f"{base}/_mock/reset", {})
            call(f"{base}/_mock/accounts", {"login": "bench", "password": "bench1", "balance": "1000000000"})

        call(f"{base}/_mock/accounts", {"login": "bench", "password": "bench1", "balance": "1000000000",
                                        "callbacks": {"viber_status": f"http://127.0.0.1:{receiver_port}/hook"}})
        batch = {"messages": [MESSAGE] * 100}
        for _ in range(args.messages // 100):
            call(f"{base}/send", batch, headers={"Authorization": AUTH})
        began = time.perf_counter()
        call(f"{base}/_mock/clock/advance", {"seconds": 10})
        took = time.perf_counter() - began
        log = call(f"{base}/_mock/callbacks?state=delivered", method="GET")
        delivered = len(log)  # type: ignore[arg-type]
    finally:
        for process in (emulator, receiver):
            process.terminate()
            process.wait()
    viber_rps = max(r[0] for r in rounds)
    rest_rps = max(r[1] for r in rounds)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, wrk -t2 -c{args.connections} -d{args.duration}s")
    print(f"Viber POST /send (1 message):  {viber_rps:,.0f} req/s")
    print(f"REST v2 Sms/Send:              {rest_rps:,.0f} req/s")
    print(f"ratio Viber / REST: {viber_rps / rest_rps:.2f}")
    print(f"callbacks: {delivered:,} delivered to a bare aiohttp receiver in {took:.2f} s "
          f"= {delivered / took:,.0f} callbacks/s")


if __name__ == "__main__":
    main()
