"""FTP drop folder benchmark for issue 5: seconds to process an archive of 10,000 recipients.

Starts `python -m devino_mock`, uploads `<login>_<stamp>.zip` with ftplib and times the
`POST /_mock/clock/advance {"seconds": 10}` that crosses the next poll: reading the zip,
decoding and parsing the CSV files, and one full platform send per recipient (validation,
segmentation, charging, scheduling), before the call answers. Template mode (contacts.csv with
two placeholder columns) and plain mode (TELNR_LONG;TEXT); it checks every recipient became
an SMS. `--profile` runs one template-mode archive in-process under cProfile instead.

    python bench/ftp.py [--recipients 10000] [--rounds 3] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import ftplib
import io
import json
import pstats
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
import zipfile

LOGIN, PASSWORD = "bench_ftp", "bench1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(base: str, method: str, path: str, body: dict | None = None, timeout: float = 600) -> object:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{base}/_mock/{path}", data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.load(response)


def wait_healthy(base: str, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            call(base, "GET", "health", timeout=1)
            return
        except OSError:
            time.sleep(0.01)
    raise RuntimeError("devino-mock never became healthy")


def build(mode: str, recipients: int) -> bytes:
    if mode == "template":
        contacts = "phone;attr1;attr2\n" + "".join(f"7903{i:07d};Клиент {i};{i % 1000}\n" for i in range(recipients))
        files = {"sms/contacts.csv": contacts,
                 "sms/template.csv": "message;sourceaddress;validity\nУважаемый #attr1#! Ваш бонус: #attr2#;DEVINO;180\n"}
    else:
        files = {"sms/name.csv": "TELNR_LONG;TEXT\n" + "".join(f"7903{i:07d};Тестовое сообщение {i}\n" for i in range(recipients))}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in files.items():
            zf.writestr(name, content.encode("utf-8"))
    return buffer.getvalue()


def one_round(base: str, ftp_port: int, data: bytes, recipients: int) -> tuple[float, float]:
    call(base, "POST", "reset")
    call(base, "POST", "accounts", {"login": LOGIN, "password": PASSWORD, "balance": str(recipients * 10)})
    began = time.perf_counter()
    with ftplib.FTP() as ftp:
        ftp.connect("127.0.0.1", ftp_port, timeout=30)
        ftp.login(LOGIN, PASSWORD)
        ftp.storbinary(f"STOR {LOGIN}_20240115103000.zip", io.BytesIO(data))
    uploaded = time.perf_counter()
    call(base, "POST", "clock/advance", {"seconds": 10})
    processed = time.perf_counter()
    [upload] = call(base, "GET", f"ftp/files?login={LOGIN}")
    if upload["status"] != "processed" or upload["accepted"] != recipients:
        raise RuntimeError(f"archive not fully processed: {upload['status']} {upload['note']} accepted={upload['accepted']}")
    return uploaded - began, processed - uploaded


def run_server(args: argparse.Namespace) -> None:
    http, ftp_port = free_port(), free_port()
    process = subprocess.Popen([sys.executable, "-m", "devino_mock", "--http-port", str(http), "--smpp-port", "0",
                                "--smtp-port", "0", "--ftp-port", str(ftp_port), "--log-level", "WARNING"])
    base = f"http://127.0.0.1:{http}"
    try:
        wait_healthy(base, time.monotonic() + 30)
        print(f"Python {sys.version.split()[0]}, {args.recipients} recipients per archive, {args.rounds} rounds")
        for mode in ("template", "plain"):
            data = build(mode, args.recipients)
            results = [one_round(base, ftp_port, data, args.recipients) for _ in range(args.rounds)]
            processing = [p for _, p in results]
            print(f"{mode:8}  zip {len(data) / 1024:.0f} KiB  upload {min(u for u, _ in results) * 1000:.0f} ms  "
                  f"processing best {min(processing):.2f} s, median {statistics.median(processing):.2f} s  "
                  f"({args.recipients / min(processing):,.0f} recipients/s)")
    finally:
        process.terminate()
        process.wait(10)


def run_profile(args: argparse.Namespace) -> None:
    from devino_mock.server import BackgroundEmulator

    with BackgroundEmulator() as emulator:
        base = emulator.base_url
        call(base, "POST", "accounts", {"login": LOGIN, "password": PASSWORD, "balance": str(args.recipients * 10)})
        with ftplib.FTP() as ftp:
            ftp.connect("127.0.0.1", emulator.ports["ftp"], timeout=30)
            ftp.login(LOGIN, PASSWORD)
            ftp.storbinary(f"STOR {LOGIN}_20240115103000.zip", io.BytesIO(build("template", args.recipients)))
        profile = cProfile.Profile()
        platform = emulator.emulator.platform  # type: ignore[union-attr]

        def advance() -> None:
            profile.runcall(platform.advance, 10)

        emulator.call(advance)
        pstats.Stats(profile).sort_stats("cumulative").print_stats(25)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="profile one template-mode archive in-process")
    args = parser.parse_args()
    run_profile(args) if args.profile else run_server(args)


if __name__ == "__main__":
    main()
