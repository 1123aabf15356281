"""SMPP benchmark for issue 4: submit_sm per second on one bind_transceiver with python
smpplib, window 1 and window 10, with delivery receipts on.

The emulator runs as its own process (`python -m devino_mock`), so client and server do not
share a GIL. An outcome rule makes every message final at once (submit and delivery delays 0),
so each submit_sm brings a deliver_sm receipt back while the run goes on; the client answers
every receipt with deliver_sm_resp as smpplib does.

    python bench/smpp.py [--messages 5000] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import sys
import time
import urllib.request

import smpplib.client

DESTINATION = "79161234567"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def control(base: str, method: str, path: str, body: dict | None = None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{base}/_mock/{path}", data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def start_emulator() -> tuple[subprocess.Popen, str, int]:
    http, smpp = free_port(), free_port()
    process = subprocess.Popen([sys.executable, "-m", "devino_mock", "--http-port", str(http), "--smpp-port", str(smpp),
                                "--smtp-port", "0", "--ftp-port", "0", "--log-level", "WARNING"])
    base = f"http://127.0.0.1:{http}"
    deadline = time.monotonic() + 30
    while True:
        try:
            control(base, "GET", "health")
            return process, base, smpp
        except OSError:
            if time.monotonic() > deadline:
                process.kill()
                raise RuntimeError("devino-mock did not become healthy")
            time.sleep(0.02)


def run(port: int, messages: int, window: int) -> tuple[float, int]:
    """(submit_sm per second, receipts received) for one bind."""
    client = smpplib.client.Client("127.0.0.1", port, timeout=10, allow_unknown_opt_params=True)
    answered: list[int] = []
    receipts = [0]
    client.set_message_sent_handler(lambda pdu: answered.append(pdu.status))
    client.set_message_received_handler(lambda pdu: receipts.__setitem__(0, receipts[0] + 1))
    client.connect()
    client.bind_transceiver(system_id="bench", password="bench1")
    began = time.perf_counter()
    sent = 0
    while sent < messages:
        batch = min(window, messages - sent)
        for _ in range(batch):
            client.send_message(source_addr_ton=5, source_addr_npi=1, source_addr="DEVINO", dest_addr_ton=1,
                                dest_addr_npi=1, destination_addr=DESTINATION, short_message=b"Benchmark text",
                                registered_delivery=True)
        sent += batch
        while len(answered) < sent:
            client.read_once(auto_send_enquire_link=False)
    elapsed = time.perf_counter() - began
    while receipts[0] < messages:  # the last receipts, outside the timing
        client.read_once(auto_send_enquire_link=False)
    client.unbind()
    client.disconnect()
    assert all(status == 0 for status in answered), "a submit_sm was refused"
    return messages / elapsed, receipts[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    process, base, port = start_emulator()
    try:
        for window in (1, 10):
            rates = []
            for _ in range(args.runs):
                control(base, "POST", "reset")
                control(base, "POST", "accounts", {"login": "bench", "password": "bench1", "balance": "100000000"})
                control(base, "POST", "rules", {"destination": DESTINATION, "status": 0,
                                                "submit_delay": 0, "delivery_delay": 0})
                rate, receipts = run(port, args.messages, window)
                stored = len(control(base, "GET", "messages?transport=smpp"))
                assert receipts == args.messages == stored, (receipts, stored)
                rates.append(rate)
            print(f"window {window:>2}: {statistics.median(rates):7.0f} submit_sm/s median of {args.runs} "
                  f"(runs: {', '.join(f'{r:.0f}' for r in rates)}), {args.messages} messages and "
                  f"{args.messages} receipts per run")
    finally:
        process.terminate()
        process.wait(10)


if __name__ == "__main__":
    main()
