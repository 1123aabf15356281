"""FTP settings (--ftp-root, --ftp-poll-interval, --ftp-passive-ports,
--ftp-masquerade-address) on an emulator of their own, and their command-line checks."""

import ftplib
import io
import re
import socket

import pytest

from devino_mock.cli import parse_settings
from devino_mock.client import MockClient
from devino_mock.config import Settings
from devino_mock.server import BackgroundEmulator
from tests.ftp_helpers import NAME, template_archive


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def custom(tmp_path_factory):
    root = tmp_path_factory.mktemp("ftp-root")
    (root / "unrelated").mkdir()
    (root / "unrelated" / "keep.txt").write_text("not the emulator's")
    passive = _free_port()
    settings = Settings.ephemeral(ftp_root=str(root), ftp_poll_interval=2.0, ftp_passive_ports=f"{passive}-{passive}",
                                  ftp_masquerade_address="10.9.8.7")
    with BackgroundEmulator(settings) as emulator:
        yield emulator, root, passive
    assert (root / "unrelated" / "keep.txt").exists() and (root / "test_login").is_dir()


def _login(emulator) -> ftplib.FTP:
    ftp = ftplib.FTP()
    ftp.connect("127.0.0.1", emulator.ports["ftp"], timeout=10)
    ftp.login("test_login", "test123")
    return ftp


def test_root_poll_interval_passive_port_and_masquerade_address(custom):
    emulator, root, passive = custom
    client = MockClient(emulator.base_url)
    client.reset()
    with _login(emulator) as ftp:
        reply = ftp.sendcmd("PASV")
        numbers = [int(n) for n in re.search(r"\((.*)\)", reply).group(1).split(",")]
        assert numbers[:4] == [10, 9, 8, 7] and numbers[4] * 256 + numbers[5] == passive
        ftp.trust_server_pasv_ipv4_address = False  # the masquerade address is not reachable here
        ftp.storbinary(f"STOR {NAME}", io.BytesIO(template_archive()))
    assert (root / "test_login" / NAME).exists()
    client.advance(2)
    assert [f["status"] for f in client.ftp_files()] == ["processed"]
    assert not (root / "test_login" / NAME).exists()


def test_reset_clears_only_the_homes(custom):
    emulator, root, _ = custom
    with _login(emulator) as ftp:
        ftp.storbinary("STOR notes.txt", io.BytesIO(b"x"))
    MockClient(emulator.base_url).reset()
    assert list((root / "test_login").iterdir()) == []
    assert (root / "unrelated" / "keep.txt").read_text() == "not the emulator's"


@pytest.mark.parametrize("argv, message", [
    (["--ftp-poll-interval", "0"], "must be above 0: '0'"),
    (["--ftp-poll-interval", "soon"], "not a number of seconds: 'soon'"),
    (["--ftp-passive-ports", "70000-70010"], "passive ports out of range: '70000-70010'"),
    (["--ftp-passive-ports", "a-b"], "passive ports must look like 60000-60099, not 'a-b'"),
])
def test_bad_ftp_options_are_refused(capsys, argv, message):
    with pytest.raises(SystemExit):
        parse_settings(argv)
    assert message in capsys.readouterr().err


def test_ftp_options_from_command_line_and_environment(monkeypatch):
    monkeypatch.setenv("DEVINO_MOCK_FTP_POLL_INTERVAL", "5")
    monkeypatch.setenv("DEVINO_MOCK_FTP_PASSIVE_PORTS", "60000-60009")
    _, settings = parse_settings(["--ftp-root", "/srv/ftp", "--ftp-masquerade-address", "192.0.2.1"])
    assert (settings.ftp_root, settings.ftp_poll_interval, settings.ftp_passive_ports, settings.ftp_masquerade_address) == (
        "/srv/ftp", 5.0, "60000-60009", "192.0.2.1")
    _, defaults = parse_settings([])
    assert (defaults.ftp_poll_interval, defaults.ftp_passive_ports) == (5.0, "60000-60009")
    monkeypatch.delenv("DEVINO_MOCK_FTP_POLL_INTERVAL")
    assert parse_settings([])[1].ftp_poll_interval == 10.0


def test_default_root_is_a_fresh_temporary_folder_removed_on_stop():
    from pathlib import Path

    with BackgroundEmulator() as emulator:
        root = Path(MockClient(emulator.base_url)._call("GET", "ftp")["root"])
        assert root.is_dir() and "devino-mock-ftp-" in root.name
    assert not root.exists()
