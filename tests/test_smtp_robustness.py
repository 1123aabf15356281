"""Bounded reads and bad input on the SMTP listener: clear replies, never a traceback, and the
connection (and the server) keeps working. Plus the optional strict Email2SMS mode."""

from __future__ import annotations

import smtplib
import socket

import pytest

from devino_mock.cli import parse_settings
from devino_mock.config import Settings
from devino_mock.pytest_plugin import DevinoMock
from devino_mock.server import BackgroundEmulator
from tests.smtp_helpers import SERVICE, mail, send, smtp

GOOD_TEMPLATE = "UserLogin=test_login\nPassword=test123\nSourceAddress=TEL\nPhoneNumber=+79161234567\nHi\n"


def still_works(devino_mock) -> None:
    assert send(devino_mock, mail(GOOD_TEMPLATE))[0] == 250
    assert devino_mock.messages()[-1]["text"] == "Hi"


def test_data_line_longer_than_8_kib_is_refused_and_the_connection_survives(devino_mock):
    with smtp(devino_mock) as client:
        client.ehlo("client.example.com")
        client.mail("a@example.com")
        client.rcpt(SERVICE)
        code, reply = client.data(b"Subject: x\r\n\r\n" + b"y" * 9000 + b"\r\n")
        assert (code, reply) == (500, b"Line too long (see RFC5321 4.5.3.1.6)")
        assert client.noop()[0] == 250
    assert devino_mock.mails() == []
    still_works(devino_mock)


def test_a_long_single_line_addon_body_within_the_bound_is_fine(devino_mock):
    text = "z" * 2000
    body = f"StartWithPoint;test_login;test123;79001234567;TEL;{text};EndWithPoint"
    assert send(devino_mock, mail(body, charset="us-ascii", cte="7bit"))[0] == 250
    assert devino_mock.messages()[0]["text"] == text


def test_mail_over_the_hard_bound_gets_552_and_is_not_kept(devino_mock):
    with smtp(devino_mock) as client:
        client.ehlo("client.example.com")
        assert client.esmtp_features["size"] == str(4 * 1024 * 1024)
        client.mail("a@example.com")
        client.rcpt(SERVICE)
        code, reply = client.data(b"Subject: x\r\n\r\n" + (b"w" * 998 + b"\r\n") * 4300)
        assert (code, reply) == (552, b"Error: Too much mail data")
        assert client.noop()[0] == 250
    assert devino_mock.mails() == []


def test_declared_size_over_the_bound_is_refused_at_mail(devino_mock):
    with smtp(devino_mock) as client:
        client.ehlo("client.example.com")
        assert client.mail("a@example.com", ["SIZE=99999999"]) == (
            552, b"Error: message size exceeds fixed maximum message size")


def test_command_line_too_long(devino_mock):
    with smtp(devino_mock) as client:
        client.ehlo("client.example.com")
        assert client.docmd("NOOP", "x" * 600) == (500, b"Command line too long")
        assert client.noop()[0] == 250


def test_binary_garbage_as_mail_gives_a_reason_not_a_traceback(devino_mock):
    garbage = bytes(range(256)).replace(b"\r", b"").replace(b"\n", b"") * 4
    assert send(devino_mock, garbage + b"\r\n") == (250, b"OK")
    [record] = devino_mock.mails()
    assert (record["outcome"], record["error"]) == ("rejected", "missing_argument")
    assert devino_mock.messages() == []


def test_absurdly_nested_multipart_is_survived(devino_mock):
    depth = 3000
    head = "".join(f"Content-Type: multipart/mixed; boundary=b{i}\r\n\r\n--b{i}\r\n" for i in range(depth))
    raw = f"Subject: deep\r\n{head}Content-Type: text/plain\r\n\r\n{GOOD_TEMPLATE}".encode()
    assert send(devino_mock, raw) == (250, b"OK")
    [record] = devino_mock.mails()
    assert (record["outcome"], record["error"], record["reason"]) == (
        "rejected", "format", "the mail could not be read (more than 64 multipart sections)")
    still_works(devino_mock)


def test_nested_multipart_of_sensible_depth_is_read(devino_mock):
    head = "".join(f"Content-Type: multipart/mixed; boundary=b{i}\r\n\r\n--b{i}\r\n" for i in range(20))
    raw = f"Subject: deep\r\n{head}Content-Type: text/plain\r\n\r\n{GOOD_TEMPLATE}".encode()
    assert send(devino_mock, raw) == (250, b"OK")
    assert devino_mock.messages()[0]["text"] == "Hi"


def test_too_many_envelope_recipients(devino_mock):
    with smtp(devino_mock) as client:
        client.ehlo("client.example.com")
        client.mail("a@example.com")
        for _ in range(100):
            assert client.rcpt(SERVICE)[0] == 250
        assert client.rcpt(SERVICE) == (452, b"4.5.3 Too many recipients")


def test_commands_out_of_order_and_unknown_ones(devino_mock):
    with smtp(devino_mock) as client:
        assert client.docmd("MAIL", "FROM:<a@example.com>") == (503, b"Error: send HELO first")
        client.ehlo("client.example.com")
        assert client.docmd("DATA") == (503, b"Error: need RCPT command")
        assert client.docmd("RCPT", "TO:<a@example.com>") == (503, b"Error: need MAIL command")
        assert client.docmd("BOGUS") == (500, b'Error: command "BOGUS" not recognized')
        assert client.docmd("AUTH", "CRAM-MD5") == (504, b"5.5.4 Unrecognized authentication type")
        assert client.docmd("AUTH", "PLAIN !!!notbase64") == (501, b"5.5.2 Can't decode base64")


def test_non_ascii_command_argument(devino_mock):
    with socket.create_connection((devino_mock.host, devino_mock.ports["smtp"]), timeout=5) as sock:
        reader = sock.makefile("rb")
        assert reader.readline().startswith(b"220 ")
        sock.sendall(b"EHLO client\r\n")
        while not reader.readline().startswith(b"250 "):
            pass
        sock.sendall("MAIL FROM:<кто@example.com>\r\n".encode())
        assert reader.readline() == b"500 Error: strict ASCII mode\r\n"


def test_client_vanishing_mid_data_leaves_the_server_well(devino_mock):
    with socket.create_connection((devino_mock.host, devino_mock.ports["smtp"]), timeout=5) as sock:
        reader = sock.makefile("rb")
        reader.readline()
        for command in (b"HELO c", b"MAIL FROM:<a@example.com>", f"RCPT TO:<{SERVICE}>".encode(), b"DATA"):
            sock.sendall(command + b"\r\n")
            reader.readline()
        sock.sendall(b"Subject: half\r\n\r\nUserLogin=")
    still_works(devino_mock)
    assert len(devino_mock.mails()) == 1


# --- strict Email2SMS (--email2sms-strict) ----------------------------------------------


def test_strict_mode_is_off_by_default_and_set_by_option_or_environment(monkeypatch):
    monkeypatch.delenv("DEVINO_MOCK_EMAIL2SMS_STRICT", raising=False)
    assert parse_settings([])[1].email2sms_strict is False
    assert parse_settings(["--email2sms-strict"])[1].email2sms_strict is True
    monkeypatch.setenv("DEVINO_MOCK_EMAIL2SMS_STRICT", "1")
    assert parse_settings([])[1].email2sms_strict is True


@pytest.fixture(scope="module")
def strict_server():
    with BackgroundEmulator(Settings.ephemeral(email2sms_strict=True)) as emulator:
        yield emulator.base_url, emulator.ports


@pytest.fixture
def strict(strict_server) -> DevinoMock:
    mock = DevinoMock(*strict_server)
    mock.reset()
    return mock


@pytest.mark.parametrize(("body", "reply"), [
    (GOOD_TEMPLATE.replace("test123", "bad"), b"5.6.0 Email2SMS: invalid UserLogin or Password"),
    (GOOD_TEMPLATE.replace("+79161234567", "+7916"), b"5.6.0 Email2SMS: invalid phone number: +7916"),
    (GOOD_TEMPLATE.replace("Hi\n", ""), b"5.6.0 Email2SMS: the message text is empty"),
    ("StartWithPoint;a;b", b"5.6.0 Email2SMS: the body must end with ;EndWithPoint"),
])
def test_strict_mode_answers_554_with_the_reason(strict, body, reply):
    with smtp(strict) as client:
        with pytest.raises(smtplib.SMTPDataError) as failure:
            client.sendmail("a@example.com", [SERVICE], mail(body))
    assert (failure.value.smtp_code, failure.value.smtp_error) == (554, reply)
    assert strict.messages() == []
    assert strict.mails()[0]["outcome"] == "rejected"


def test_strict_mode_reply_is_ascii_even_for_a_cyrillic_reason(strict):
    body = GOOD_TEMPLATE.replace("SourceAddress=TEL", "SourceAddress=Банк")
    code, reply = send(strict, mail(body))
    assert (code, reply) == (554, b"5.6.0 Email2SMS: invalid SourceAddress: ????")
    assert strict.mails()[0]["reason"] == "invalid SourceAddress: Банк"


def test_strict_mode_still_accepts_good_mail(strict):
    assert send(strict, mail(GOOD_TEMPLATE)) == (250, b"OK")
    assert len(strict.messages(transport="smtp")) == 1
