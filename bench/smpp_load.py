"""SMPP throughput with a load generator that is not the bottleneck (issue 15).

Several asyncio binds (bind_transceiver) in this process write pre-encoded submit_sm PDUs,
`--window` outstanding per bind, and answer every deliver_sm with deliver_sm_resp; no PDU
library on the client side. The same client drives, in one run with interleaved rounds:

* the emulator (`python -m devino_mock`, its own process), registered_delivery=1 and an outcome
  rule that makes every message final at once, so every submit_sm brings a receipt back; a run
  ends when every submit_sm_resp *and* every receipt has arrived, and checks the store holds
  every message;
* `bench/bare_smsc.py`, an asyncio server that answers every submit_sm with a constant
  submit_sm_resp (no receipts to wait for).

    python bench/smpp_load.py [--binds 4] [--window 10] [--messages 20000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
import urllib.request

import smpp_wire as w
from common import free_port, start_yardstick, wait_healthy

DESTINATION = "79161234567"
SUBMIT_BODY = w.submit_sm_body("DEVINO", DESTINATION, b"Benchmark text")
DELIVER_SM_RESP_BODY = b"\0"


class Run:
    """What every bind of one run shares: the SMSC may deliver a receipt on any bind of the
    account, so the run is over when every bind is answered and all receipts are in."""

    def __init__(self, binds: int, per_bind: int, receipts: bool, done: asyncio.Future) -> None:
        self.answered_binds = 0
        self.binds = binds
        self.receipts = 0
        self.want_receipts = per_bind * binds if receipts else 0
        self.done = done

    def check(self) -> None:
        if self.answered_binds == self.binds and self.receipts >= self.want_receipts and not self.done.done():
            self.done.set_result(time.perf_counter())


class Bind(asyncio.Protocol):
    """One ESME session: bind, then keep `window` submit_sm outstanding until `total` are answered."""

    def __init__(self, total: int, window: int, run: Run) -> None:
        self.total, self.window, self.run = total, window, run
        self.done = run.done
        self.buffer = bytearray()
        self.sequence = 1
        self.sent = self.answered = self.receipts = 0
        self.refused = 0

    def connection_made(self, transport: asyncio.Transport) -> None:
        self.transport = transport
        transport.write(w.bind_transceiver(1, "bench", "bench1"))

    def _submit_batch(self) -> list[bytes]:
        batch = []
        for _ in range(min(self.window - (self.sent - self.answered), self.total - self.sent)):
            self.sequence += 1
            self.sent += 1
            batch.append(w.pdu(w.SUBMIT_SM, self.sequence, SUBMIT_BODY))
        return batch

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        out: list[bytes] = []
        for command_id, status, sequence, _ in w.split(self.buffer):
            if command_id == w.SUBMIT_SM_RESP:
                self.answered += 1
                self.refused += status != 0
                self.run.answered_binds += self.answered == self.total
                if self.sent - self.answered == 0:  # window emptied: send the next window at once
                    out += self._submit_batch()
            elif command_id == w.DELIVER_SM:
                self.receipts += 1
                self.run.receipts += 1
                out.append(w.pdu(w.DELIVER_SM_RESP, sequence, DELIVER_SM_RESP_BODY))
            elif command_id == w.BIND_TRANSCEIVER_RESP:
                if status:
                    self.done.set_exception(RuntimeError(f"bind refused: status {status:#x}"))
                    return
                out += self._submit_batch()
            elif command_id == w.ENQUIRE_LINK:
                out.append(w.pdu(w.ENQUIRE_LINK_RESP, sequence))
        if out:
            self.transport.write(b"".join(out))
        self.run.check()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.done.done():
            self.done.set_exception(RuntimeError(f"connection lost after {self.answered} answers: {exc}"))


async def drive(port: int, binds: int, messages: int, window: int, receipts: bool) -> float:
    loop = asyncio.get_running_loop()
    per_bind = messages // binds
    sessions = []
    run = Run(binds, per_bind, receipts, loop.create_future())
    began = time.perf_counter()
    for _ in range(binds):
        transport, protocol = await loop.create_connection(lambda: Bind(per_bind, window, run), "127.0.0.1", port)
        sessions.append((transport, protocol, run.done))
    try:
        ended = await asyncio.wait_for(run.done, 60)
    except asyncio.TimeoutError:
        states = [(p.sent, p.answered, p.receipts) for _, p, _ in sessions]
        raise RuntimeError(f"stalled: (sent, answered, receipts) per bind: {states}") from None
    for transport, protocol, _ in sessions:
        if protocol.refused:
            raise RuntimeError(f"{protocol.refused} submit_sm refused")
        transport.write(w.pdu(w.UNBIND, 0x7FFFFFFF))
        transport.close()
    return per_bind * binds / (ended - began)


def control(base: str, method: str, path: str, body: dict | None = None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{base}/_mock/{path}", data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binds", type=int, default=4, help="sessions (the emulator allows 4 per account by default)")
    parser.add_argument("--window", type=int, default=10)
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", metavar="FILE", help="run the emulator under cProfile, write pstats to FILE")
    args = parser.parse_args()

    http, smpp = free_port(), free_port()
    program = [os.path.join(os.path.dirname(os.path.abspath(__file__)), "profiled_server.py")] if args.profile else ["-m", "devino_mock"]
    emulator = subprocess.Popen([sys.executable, *program, "--http-port", str(http), "--smpp-port", str(smpp),
                                 "--smtp-port", "0", "--ftp-port", "0", "--log-level", "WARNING",
                                 "--smpp-max-sessions", str(max(4, args.binds))],
                                cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                # not bench/ on the path: bench/smpp.py would shadow smpp.pdu3
                                env={**os.environ, "PYTHONSAFEPATH": "1", "PROFILE_OUT": os.path.abspath(args.profile or os.devnull)})
    base = f"http://127.0.0.1:{http}"
    bare, bare_port = start_yardstick("bare_smsc.py")
    try:
        wait_healthy(f"{base}/_mock/health", time.monotonic() + 30)
        rounds = []
        for _ in range(args.rounds):  # interleaved, so drift in machine load hits both sides
            control(base, "POST", "reset")
            control(base, "POST", "accounts", {"login": "bench", "password": "bench1", "balance": "100000000"})
            control(base, "POST", "rules", {"destination": DESTINATION, "status": 0, "submit_delay": 0, "delivery_delay": 0})
            emulated = asyncio.run(drive(smpp, args.binds, args.messages, args.window, receipts=True))
            stored = len(control(base, "GET", "messages?transport=smpp"))
            assert stored == args.messages // args.binds * args.binds, stored
            rounds.append((emulated, asyncio.run(drive(bare_port, args.binds, args.messages, args.window, receipts=False))))
    finally:
        emulator.terminate()
        bare.terminate()
        emulator.wait()
        bare.wait()
    best_emulator, best_bare = max(r[0] for r in rounds), max(r[1] for r in rounds)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores; {args.binds} binds, window {args.window}, "
          f"{args.messages} submit_sm per round, {args.rounds} rounds (best of each)")
    print(f"  emulator, every receipt delivered: {best_emulator:,.0f} submit_sm/s  {[round(r[0]) for r in rounds]}")
    print(f"  bare asyncio constant resp:        {best_bare:,.0f} submit_sm/s  {[round(r[1]) for r in rounds]}")
    print(f"  ratio emulator / bare: {best_emulator / best_bare:.2f}")


if __name__ == "__main__":
    main()
