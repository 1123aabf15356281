"""Careless SMTP clients (issue 9): a client that disconnects mid-mail sends nothing, records
nothing and leaves no ERROR or traceback in the log; the listener keeps serving."""

from __future__ import annotations

import logging
import socket
import time

from tests.smtp_helpers import SENDER, SERVICE

TEMPLATE_MAIL = (f"From: {SENDER}\r\nTo: {SERVICE}\r\nSubject: test_login:test123:TESTSMS\r\n\r\n"
                 "79031234567\r\nhello\r\n")


def read_reply(stream) -> bytes:
    """One whole SMTP reply (continuation lines are `NNN-`, the last is `NNN `)."""
    while True:
        line = stream.readline()
        if len(line) < 4 or line[3:4] != b"-":
            return line


def converse(port: int, *lines: bytes) -> list[bytes]:
    """Send each command after reading the reply to the previous one; the last item is sent
    without waiting (a mail cut off before its final dot); then just close."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock, sock.makefile("rb") as stream:
        replies = [read_reply(stream)]
        for line in lines[:-1]:
            sock.sendall(line)
            replies.append(read_reply(stream))
        sock.sendall(lines[-1])
    return replies


def test_a_client_leaving_in_the_middle_of_data_sends_nothing_and_logs_no_error(devino_mock, caplog):
    caplog.set_level(logging.INFO)
    replies = converse(devino_mock.ports["smtp"], b"EHLO client\r\n", f"MAIL FROM:<{SENDER}>\r\n".encode(),
                       f"RCPT TO:<{SERVICE}>\r\n".encode(), b"DATA\r\n", TEMPLATE_MAIL.encode())
    assert [r[:3] for r in replies] == [b"220", b"250", b"250", b"250", b"354"]
    time.sleep(0.1)  # real time for the server to see the close
    assert devino_mock.mails() == []
    assert devino_mock.messages() == []
    assert [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info] == []
    assert converse(devino_mock.ports["smtp"], b"NOOP\r\n", b"QUIT\r\n")[1][:3] == b"250"


def test_a_reset_connection_during_auth_logs_no_error(devino_mock, caplog):
    caplog.set_level(logging.INFO)
    with socket.create_connection(("127.0.0.1", devino_mock.ports["smtp"]), timeout=5) as sock:
        sock.recv(4096)
        sock.sendall(b"EHLO client\r\n")
        sock.recv(4096)
        sock.sendall(b"AUTH LOGIN\r\n")
        sock.recv(4096)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")  # RST
    time.sleep(0.1)
    assert [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info] == []
