"""`devino-mock` as a process: defaults, options, environment, signals, bind errors, healthcheck."""

import os
import signal
import socket
import subprocess
import sys

import requests

from tests.support import FREE_PORTS as FREE, EmulatorProcess


def test_help_documents_every_option():
    out = subprocess.run([sys.executable, "-m", "devino_mock", "--help"], capture_output=True, text=True).stdout
    for option in ("--host", "--http-port", "--smpp-port", "--smtp-port", "--ftp-port", "--fixtures", "DEVINO_MOCK_HTTP_PORT"):
        assert option in out


def test_starts_every_listener_and_stops_on_sigterm_with_status_0():
    with EmulatorProcess(*FREE) as emulator:
        ports = emulator.ports
        assert set(ports) == {"http", "smpp", "smtp", "ftp"}
        health = requests.get(f"{emulator.url}/_mock/health").json()
        assert health["ports"] == ports
        for name in ("smpp", "smtp", "ftp"):
            socket.create_connection(("127.0.0.1", ports[name]), timeout=5).close()
        assert emulator.signal(signal.SIGTERM) == 0


def test_sigint_stops_with_status_0():
    with EmulatorProcess(*FREE) as emulator:
        assert emulator.signal(signal.SIGINT) == 0


def test_environment_sets_options_and_the_command_line_wins():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        env_port = probe.getsockname()[1]
    env = {"DEVINO_MOCK_HTTP_PORT": str(env_port), "DEVINO_MOCK_SMPP_PORT": "0", "DEVINO_MOCK_SMTP_PORT": "0", "DEVINO_MOCK_FTP_PORT": "0"}
    with EmulatorProcess(env=env) as emulator:
        assert emulator.ports["http"] == env_port
    with EmulatorProcess("--http-port", "0", env=env) as emulator:
        assert emulator.ports["http"] != env_port


def test_a_port_in_use_stops_the_start_with_one_clear_line():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "devino_mock", *FREE, "--smtp-port", str(port)],
                                capture_output=True, text=True, timeout=20)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("devino-mock: cannot listen for smtp on 127.0.0.1:") and "Traceback" not in result.stderr


def test_bad_port_value_is_a_usage_error():
    result = subprocess.run([sys.executable, "-m", "devino_mock", "--http-port", "99999"], capture_output=True, text=True)
    assert result.returncode == 2 and "port out of range" in result.stderr
    result = subprocess.run([sys.executable, "-m", "devino_mock"], capture_output=True, text=True, env={**os.environ, "DEVINO_MOCK_SMPP_PORT": "abc"})
    assert result.returncode == 2 and "not a port number" in result.stderr


def test_fixtures_file_adds_accounts_and_rules(tmp_path):
    fixtures = tmp_path / "fixtures.json"
    fixtures.write_text('{"accounts":[{"login":"ci","password":"ci1","balance":"7"}],'
                        '"rules":[{"destination":"79161234567","status":42}]}')
    with EmulatorProcess(*FREE, "--fixtures", str(fixtures)) as emulator:
        base = emulator.url
        assert requests.get(f"{base}/rest/v2/User/Balance", params={"Login": "ci", "Password": "ci1"}).json() == 7.0
        assert requests.get(f"{base}/_mock/rules").json()[0] == {"id": "f1", "channel": "sms", "destination": "79161234567", "status": 42, "submit_delay": 1.0, "delivery_delay": 2.0}


def test_broken_fixtures_file_is_a_clear_error(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text("{nope")
    result = subprocess.run([sys.executable, "-m", "devino_mock", *FREE, "--fixtures", str(broken)], capture_output=True, text=True, timeout=20)
    assert result.returncode == 2 and result.stderr.startswith("devino-mock: cannot read fixtures file") and "Traceback" not in result.stderr


def test_healthcheck_command():
    with EmulatorProcess(*FREE) as emulator:
        ports = emulator.ports
        ok = subprocess.run([sys.executable, "-m", "devino_mock", "healthcheck", "--http-port", str(ports["http"])], capture_output=True, text=True)
        assert ok.returncode == 0 and "healthy" in ok.stdout
    down = subprocess.run([sys.executable, "-m", "devino_mock", "healthcheck", "--http-port", str(ports["http"])], capture_output=True, text=True)
    assert down.returncode == 1
