"""SMTP benchmark for issue 5: Email2SMS mails per second over one SMTP connection.

Starts `python -m devino_mock` and sends template-mode Email2SMS mails (windows-1251,
quoted-printable, one recipient: each becomes one SMS) one after another with smtplib over a
single connection. Next to it, the same client against a bare aiosmtpd server whose handler
only answers 250, so the ratio shows what parsing and the platform cost. Two interleaved
rounds each, best of each side.

    python bench/smtp.py [--mails 2000] [--rounds 2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import quopri
import smtplib
import socket
import subprocess
import sys
import time
import urllib.request

SERVICE = "email2sms@integrationapi.net"
BODY = ("UserLogin=bench\r\nPassword=bench1\r\nSourceAddress=My Bank\r\nPhoneNumber=+79161234567\r\n"
        "Ваш код подтверждения: 4821\r\n==|| КОНЕЦ ТЕКСТА ||==\r\n")
MAIL = (b"From: shop@example.com\r\nTo: " + SERVICE.encode() + b"\r\nSubject: SMS\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=windows-1251\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
        + quopri.encodestring(BODY.encode("cp1251")))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def control(http_port: int, method: str, path: str, body: dict | None = None) -> object:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"http://127.0.0.1:{http_port}/_mock/{path}", data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def start_emulator() -> tuple[subprocess.Popen, int, int]:
    http_port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "devino_mock", "--http-port", str(http_port), "--smpp-port", "0",
                                "--smtp-port", "0", "--ftp-port", "0", "--log-level", "WARNING"])
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            return process, http_port, control(http_port, "GET", "health")["ports"]["smtp"]
        except OSError:
            time.sleep(0.01)
    process.kill()
    raise RuntimeError("devino-mock did not become healthy")


def run_bare_server(port: int) -> None:
    """A bare aiosmtpd server on the same settings whose handler does nothing."""
    from aiosmtpd.smtp import SMTP

    class Nothing:
        async def handle_DATA(self, server, session, envelope):
            return "250 OK"

    async def main() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(lambda: SMTP(Nothing(), hostname="bare", data_size_limit=4 * 1024 * 1024,
                                                       loop=loop), "127.0.0.1", port)
        print("ready", flush=True)
        await server.serve_forever()

    asyncio.run(main())


def start_bare() -> tuple[subprocess.Popen, int]:
    port = free_port()
    process = subprocess.Popen([sys.executable, __file__, "--bare-server", str(port)], stdout=subprocess.PIPE, text=True)
    process.stdout.readline()
    return process, port


def mails_per_second(port: int, count: int) -> float:
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        client.ehlo("bench.example.com")
        client.sendmail("shop@example.com", [SERVICE], MAIL)  # warm-up
        began = time.perf_counter()
        for _ in range(count):
            client.sendmail("shop@example.com", [SERVICE], MAIL)
        return count / (time.perf_counter() - began)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mails", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--bare-server", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare_server:
        run_bare_server(args.bare_server)
        return
    emulator, http_port, smtp_port = start_emulator()
    bare, bare_port = start_bare()
    try:
        emulated, plain = [], []
        for _ in range(args.rounds):
            control(http_port, "POST", "reset")
            control(http_port, "POST", "accounts", {"login": "bench", "password": "bench1", "balance": "1000000"})
            emulated.append(mails_per_second(smtp_port, args.mails))
            sms = control(http_port, "GET", "messages?transport=smtp")
            if len(sms) != args.mails + 1:
                raise RuntimeError(f"expected {args.mails + 1} SMS, the journal has {len(sms)}")
            plain.append(mails_per_second(bare_port, args.mails))
    finally:
        for process in (emulator, bare):
            process.terminate()
            process.wait(10)
    best, best_bare = max(emulated), max(plain)
    print(f"Python {sys.version.split()[0]}, {args.mails} mails x {args.rounds} rounds over one connection")
    print(f"Email2SMS (each mail -> 1 SMS): {best:,.0f} mails/s  (rounds: {', '.join(f'{r:,.0f}' for r in emulated)})")
    print(f"bare aiosmtpd, no-op handler:  {best_bare:,.0f} mails/s  (rounds: {', '.join(f'{r:,.0f}' for r in plain)})")
    print(f"ratio: {best / best_bare:.2f}")


if __name__ == "__main__":
    main()
