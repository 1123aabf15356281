"""The command as a process other tools run: signals at any moment, usage errors from the
environment, a readable DEBUG log, typos in DEVINO_MOCK_* variables."""

from __future__ import annotations

import collections
import os
import re
import signal
import subprocess
import sys
import time

from tests.support import FREE_PORTS

TIMESTAMP = re.compile(r"^\S+ \S+ ")


def spawn(*args: str, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "devino_mock", *FREE_PORTS, *args], stderr=subprocess.PIPE,
                            text=True, env={**os.environ, **(env or {})})


def read_until_ready(process: subprocess.Popen) -> list[str]:
    lines = []
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line:
            break
        lines.append(line)
        if " ready on " in line:
            return lines
    process.kill()
    raise AssertionError("no ready line: " + "".join(lines))


def finish(process: subprocess.Popen) -> tuple[int, str]:
    try:
        _, rest = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
    return process.returncode, rest


def test_a_signal_right_after_the_ready_line_stops_cleanly():
    # The handlers are in place before the ready line is written, so a supervisor that stops
    # the emulator the moment it reads "ready" gets a clean exit, never -15 or a hang.
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGTERM, signal.SIGINT):
        process = spawn()
        read_until_ready(process)
        process.send_signal(signum)
        code, rest = finish(process)
        assert code == 0, (signum, rest)
        assert "Traceback" not in rest


def _catches_sigterm(pid: int) -> bool:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("SigCgt:"):
                return bool(int(line.split()[1], 16) & (1 << (signal.SIGTERM - 1)))
    return False


def test_a_sigterm_during_start_up_stops_cleanly():
    process = spawn()
    # As soon as the process handles SIGTERM (its first lines do; a signal before the
    # interpreter runs them kills any program), while it is still importing or binding.
    deadline = time.monotonic() + 10
    while not _catches_sigterm(process.pid) and time.monotonic() < deadline:
        time.sleep(0.001)
    process.send_signal(signal.SIGTERM)
    code, rest = finish(process)
    assert code == 0, rest
    assert "Traceback" not in rest


def test_invalid_log_level_from_the_environment_is_one_usage_line():
    result = subprocess.run([sys.executable, "-m", "devino_mock"], capture_output=True, text=True, timeout=20,
                            env={**os.environ, "DEVINO_MOCK_LOG_LEVEL": "verbose"})
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "devino-mock: error: invalid log level 'VERBOSE' (choose from DEBUG, INFO, WARNING, ERROR; "
        "env DEVINO_MOCK_LOG_LEVEL)"]


def test_log_level_is_case_insensitive_in_the_environment():
    process = spawn(env={"DEVINO_MOCK_LOG_LEVEL": "info"})
    read_until_ready(process)
    process.terminate()
    assert finish(process)[0] == 0


def test_debug_log_is_readable():
    process = spawn("--log-level", "DEBUG")
    lines = read_until_ready(process)
    time.sleep(1.5)  # real time: long enough for a per-poll banner to repeat fifteen times
    process.terminate()
    code, rest = finish(process)
    lines += rest.splitlines(keepends=True)
    assert code == 0
    bodies = collections.Counter(TIMESTAMP.sub("", line.rstrip()) for line in lines)
    assert len(lines) < 40, "".join(lines[:60])
    repeated = {body: n for body, n in bodies.items() if n > 2}
    assert not repeated, repeated


def test_unknown_devino_mock_variables_are_reported_at_start():
    process = spawn(env={"DEVINO_MOCK_HTTP_PROT": "1", "DEVINO_MOCK_URL": "http://x", "DEVINO_MOCK_PORTS": "smpp=1"})
    lines = read_until_ready(process)
    process.terminate()
    finish(process)
    warnings = [line for line in lines if "unknown environment variable" in line]
    assert len(warnings) == 1, lines  # the plugin's DEVINO_MOCK_URL and _PORTS are known names
    assert warnings[0].rstrip().endswith(
        "WARNING devino_mock: unknown environment variable DEVINO_MOCK_HTTP_PROT ignored "
        "(did you mean DEVINO_MOCK_HTTP_PORT?)")


def test_building_from_a_checkout_leaves_nothing_behind_and_keeps_the_fixtures(tmp_path):
    import zipfile
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    before = {p.name for p in root.iterdir()}
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(root)],
                            capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr
    after = {p.name for p in root.iterdir()}
    assert not {name for name in after - before if name == "build" or name.endswith(".egg-info")}
    assert not list(root.glob("*.egg-info")) and not (root / "build").exists()
    [wheel] = tmp_path.glob("devino_mock-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "devino_mock/fixtures/accounts.json" in names and "devino_mock/fixtures/magic_numbers.json" in names
    assert not [name for name in names if name.startswith(("tests/", "bench/"))]
