"""Worst `/_mock/health` latency while hostile input arrives (issue 9, point 3).

Starts `python -m devino_mock` on free ports; a thread polls `GET /_mock/health` over one
keep-alive connection without pause while each hostile input below is sent, and the worst
and median latency seen during each are reported, next to a quiet baseline. The target is
that health answers within 100 ms throughout.

    python bench/loop_latency.py              # --rounds 1

Hostile inputs: an unauthenticated XML API package with 50,000 attributes on <package>; an
XML API package of 300,000 <msg>; an FTP archive of 100,000 rows (sent by an account rich
enough to pay for every row, until the upload has been processed); a REST v2 SendBulk with
450,000 numbers (urlencoded); a REST body of JSON nested 100,000 deep; an XML API package of
10,000 <msg> (the largest accepted, all sent).
"""

from __future__ import annotations

import argparse
import ftplib
import functools
import http.client
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import free_port, wait_healthy  # noqa: E402

RICH = {"login": "bench_rich", "password": "rich1", "balance": "100000000", "senders": ["TESTSMS"]}


class HealthPoller(threading.Thread):
    """GET /_mock/health back to back; every (start time, latency) is kept."""

    def __init__(self, port: int) -> None:
        super().__init__(daemon=True)
        self.port = port
        self.samples: list[tuple[float, float]] = []
        self.stop = threading.Event()

    def run(self) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        while not self.stop.is_set():
            began = time.perf_counter()
            connection.request("GET", "/_mock/health")
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"health answered {response.status}")
            self.samples.append((began, time.perf_counter() - began))

    def window(self, start: float, end: float) -> list[float]:
        # A request that began before `end` and was slowed by the input counts too.
        return [latency for began, latency in self.samples if start - latency <= began <= end]


def post(port: int, path: str, body: bytes, content_type: str, timeout: float = 120) -> tuple[int, bytes]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body, method="POST",
                                     headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def control(port: int, method: str, path: str, payload: dict | None = None) -> object:
    body = json.dumps(payload).encode() if payload is not None else None
    request = urllib.request.Request(f"http://127.0.0.1:{port}/_mock/{path}", data=body, method=method,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.loads(response.read())


# --- the hostile inputs: each returns a short description of the answer -----------------

def xml_attributes(ports: dict) -> str:
    attrs = " ".join(f'a{i}="x"' for i in range(50_000))
    status, body = post(ports["http"], "/Send.ashx", f"<package {attrs}><message/></package>".encode(), "text/xml")
    return f"HTTP {status}, {body.split(b'<package>')[-1][:40].decode()}"


def xml_many_msgs(ports: dict, count: int = 300_000, login: str = "test_login", password: str = "test123") -> str:
    msg = '<msg recipient="79031234567" sender="TESTSMS">hi</msg>'
    body = f'<package login="{login}" password="{password}"><message>{msg * count}</message></package>'.encode()
    status, answer = post(ports["http"], "/Send.ashx", body, "text/xml")
    accepted = answer.count(b">106</msg>")
    return f"HTTP {status}, {len(body) // 1024} KB, {accepted} accepted, {answer[40:100].decode(errors='replace')}"


def xml_largest_accepted(ports: dict) -> str:
    return xml_many_msgs(ports, 10_000, RICH["login"], RICH["password"])


def rest_bulk(ports: dict) -> str:
    numbers = "&".join(f"DestinationAddresses=7903{i:07d}" for i in range(450_000))
    body = f"Login=test_login&Password=test123&SourceAddress=TESTSMS&Data=hi&{numbers}".encode()
    status, answer = post(ports["http"], "/rest/v2/Sms/SendBulk", body, "application/x-www-form-urlencoded")
    return f"HTTP {status}, {len(body) // 1024} KB, {answer.decode()}"


def rest_deep_json(ports: dict) -> str:
    status, answer = post(ports["http"], "/rest/v2/User/Balance", b"[" * 100_000, "application/json")
    return f"HTTP {status}, {answer.decode()}"


@functools.lru_cache(maxsize=1)
def ftp_archive() -> bytes:
    """Built once, before the cases run: the poller thread shares this process's GIL, and
    compressing 1.6 MB here would show as the server's latency."""
    rows = "TELNR_LONG;TEXT\n" + "".join(f"7903{i:07d};hello\n" for i in range(100_000))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("sms/rows.csv", rows)
    return buffer.getvalue()


def ftp_rows(ports: dict) -> str:
    archive = ftp_archive()
    name = f"{RICH['login']}_20240115103000.zip"
    with ftplib.FTP() as ftp:
        ftp.connect("127.0.0.1", ports["ftp"], timeout=60)
        ftp.login(RICH["login"], RICH["password"])
        ftp.storbinary(f"STOR {name}", io.BytesIO(archive))
    control(ports["http"], "POST", "clock/advance", {"seconds": 60})
    # Without rows: reading a 16 MB answer here would hold this process's GIL, and the
    # poller thread would report that as the server's latency.
    while True:
        for status in ("processed", "rejected"):
            found = control(ports["http"], "GET", f"ftp/files?login={RICH['login']}&status={status}&rows=false")
            if found:
                return f"{status}, {found[0]['accepted']} rows accepted, {found[0]['rejected']} rejected"
        time.sleep(0.05)


def quiet(ports: dict) -> str:
    time.sleep(2)
    return "nothing sent"


CASES = (
    ("quiet baseline (2 s)", quiet),
    ("XML API: 50,000 attributes, no login", xml_attributes),
    ("XML API: 300,000 <msg>", xml_many_msgs),
    ("XML API: 10,000 <msg>, all sent", xml_largest_accepted),
    ("REST SendBulk: 450,000 numbers", rest_bulk),
    ("REST: JSON nested 100,000 deep", rest_deep_json),
    ("FTP: archive of 100,000 rows", ftp_rows),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    ports = {name: free_port() for name in ("http", "smpp", "smtp", "ftp")}
    with tempfile.TemporaryDirectory() as root:
        command = [sys.executable, "-m", "devino_mock", "--log-level", "WARNING", "--ftp-root", root,
                   *(f"--{name}-port={port}" for name, port in ports.items())]
        server = subprocess.Popen(command, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        try:
            wait_healthy(f"http://127.0.0.1:{ports['http']}/_mock/health", time.monotonic() + 30)
            control(ports["http"], "POST", "accounts", RICH)
            ftp_archive()
            poller = HealthPoller(ports["http"])
            poller.start()
            time.sleep(0.5)
            print(f"{'input':42} {'elapsed':>8} {'health n':>8} {'median':>8} {'worst':>8}  answer")
            for _ in range(args.rounds):
                for label, case in CASES:
                    began = time.perf_counter()
                    outcome = case(ports)
                    ended = time.perf_counter()
                    time.sleep(0.2)  # let the last slowed health request finish
                    seen = poller.window(began, ended)
                    print(f"{label:42} {ended - began:7.2f}s {len(seen):8d} {statistics.median(seen) * 1000:6.1f}ms "
                          f"{max(seen) * 1000:6.1f}ms  {outcome[:90]}", flush=True)
            poller.stop.set()
        finally:
            server.terminate()
            server.wait(10)


if __name__ == "__main__":
    main()
