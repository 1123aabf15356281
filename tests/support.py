"""Running `devino-mock` as a separate process for tests of the command itself."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time

FREE_PORTS = ["--http-port", "0", "--smpp-port", "0", "--smtp-port", "0", "--ftp-port", "0"]


class EmulatorProcess:
    def __init__(self, *args: str, env: dict | None = None) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", "devino_mock", *args], stderr=subprocess.PIPE,
                                        text=True, env={**os.environ, **(env or {})})
        self.ports = self._wait_ready()

    def _wait_ready(self) -> dict[str, int]:
        deadline = time.monotonic() + 20
        lines = []
        while time.monotonic() < deadline:
            line = self.process.stderr.readline()
            if not line:
                break
            lines.append(line)
            if "ready on" in line:
                return {k: int(v) for k, v in (item.split("=") for item in line.split(": ")[-1].split())}
        self.close()
        raise AssertionError("devino-mock printed no ready line: " + "".join(lines))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.ports['http']}"

    def signal(self, signum: int) -> int:
        self.process.send_signal(signum)
        return self.wait()

    def wait(self) -> int:
        try:
            return self.process.wait(10)
        finally:
            self.process.stderr.close()

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.wait()

    def __enter__(self) -> "EmulatorProcess":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
