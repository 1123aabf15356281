"""--tls: clients that hard-code the real https:// hosts and SMTP over TLS work unchanged once
they trust the emulator's CA and the host names point at it."""

from __future__ import annotations

import smtplib
import socket
import ssl
import subprocess
import sys

import pytest
import requests

from tests.support import FREE_PORTS, EmulatorProcess

REAL_HOSTS = ("viber.devinotele.com", "ws.devinotele.com", "im.devinotele.com", "integrationapi.net",
              "ws.devinosms.com", "xmlapi.devinotele.com", "phoneverification.devinotele.com", "smpp01.integrationapi.net")
EMAIL2SMS = ("Subject: sms\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
             "UserLogin=test_login\r\nPassword=test123\r\nSourceAddress=MYSHOP\r\nPhoneNumber=+79161234567\r\n{text}\r\n")


@pytest.fixture(scope="module")
def secure(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tls")
    with EmulatorProcess(*FREE_PORTS, "--tls", "--tls-dir", str(folder), "--https-port", "0", "--smtps-port", "0") as emulator:
        yield emulator, folder


def trusting(folder) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(folder / "ca.pem"))


def test_https_with_the_ca_trusted(secure):
    emulator, folder = secure
    https = f"https://127.0.0.1:{emulator.ports['https']}"
    ids = requests.post(f"{https}/rest/v2/Sms/Send", verify=str(folder / "ca.pem"), data={
        "Login": "test_login", "Password": "test123", "SourceAddress": "MYSHOP",
        "DestinationAddress": "79161234567", "Data": "over https"}).json()
    assert requests.get(f"{emulator.url}/_mock/messages/{ids[0]}").json()["text"] == "over https"
    with pytest.raises(requests.exceptions.SSLError):  # not trusted: refused, so the CA is what made it work
        requests.get(f"{https}/_mock/health")


@pytest.mark.parametrize("host", REAL_HOSTS)
def test_the_certificate_names_the_real_hosts(secure, host):
    # What a client with a hard-coded https://<host>/ does once the name points at the emulator.
    emulator, folder = secure
    with socket.create_connection(("127.0.0.1", emulator.ports["https"]), timeout=10) as raw:
        with trusting(folder).wrap_socket(raw, server_hostname=host) as tls:
            tls.sendall(f"GET /_mock/health HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
            answer = b""
            while chunk := tls.recv(65536):
                answer += chunk
    assert answer.startswith(b"HTTP/1.1 200") and b'"status": "ok"' in answer.replace(b'":"', b'": "')


def test_a_host_the_certificate_does_not_name_is_refused(secure):
    emulator, folder = secure
    with socket.create_connection(("127.0.0.1", emulator.ports["https"]), timeout=10) as raw:
        with pytest.raises(ssl.SSLCertVerificationError):
            trusting(folder).wrap_socket(raw, server_hostname="example.com")


def test_smtp_starttls_then_auth_and_email2sms(secure):
    emulator, folder = secure
    with smtplib.SMTP("127.0.0.1", emulator.ports["smtp"], timeout=10) as smtp:
        smtp.ehlo()
        assert smtp.has_extn("starttls")
        smtp.starttls(context=trusting(folder))
        smtp.ehlo()
        assert smtp.sock.version() is not None  # the connection is TLS now
        smtp.login("test_login", "test123")
        smtp.sendmail("a@example.com", ["email2sms@integrationapi.net"], EMAIL2SMS.format(text="via starttls").encode())
    sms = requests.get(f"{emulator.url}/_mock/messages", params={"transport": "smtp"}).json()
    assert "via starttls" in [m["text"] for m in sms]


def test_smtp_implicit_tls(secure):
    emulator, folder = secure
    with smtplib.SMTP_SSL("127.0.0.1", emulator.ports["smtps"], timeout=10, context=trusting(folder)) as smtp:
        smtp.ehlo()
        assert not smtp.has_extn("starttls")  # already TLS
        smtp.sendmail("a@example.com", ["email2sms@integrationapi.net"], EMAIL2SMS.format(text="via smtps").encode())
    sms = requests.get(f"{emulator.url}/_mock/messages", params={"transport": "smtp"}).json()
    assert "via smtps" in [m["text"] for m in sms]


def test_ca_command_prints_the_ca_the_server_uses_and_keeps_it(secure):
    emulator, folder = secure
    printed = subprocess.run([sys.executable, "-m", "devino_mock", "ca", "--tls-dir", str(folder)],
                             capture_output=True, text=True, timeout=30)
    assert printed.returncode == 0
    assert printed.stdout == (folder / "ca.pem").read_text()
    assert printed.stdout.startswith("-----BEGIN CERTIFICATE-----")
    health = requests.get(f"https://127.0.0.1:{emulator.ports['https']}/_mock/health", verify=str(folder / "ca.pem"))
    assert health.json()["ports"]["https"] == emulator.ports["https"]


def test_without_tls_no_secure_ports(devino_mock):
    assert set(devino_mock.ports) == {"http", "smpp", "smtp", "ftp"}
