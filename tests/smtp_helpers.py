"""Building mails byte for byte and sending them with smtplib, for the SMTP tests."""

from __future__ import annotations

import base64
import quopri
import smtplib

SERVICE = "email2sms@integrationapi.net"
SENDER = "client@example.com"


def smtp(mock, timeout: float = 10) -> smtplib.SMTP:
    return smtplib.SMTP(mock.host, mock.ports["smtp"], timeout=timeout)


def encode_body(text: str, charset: str, cte: str) -> bytes:
    raw = text.encode(charset)
    if cte == "quoted-printable":
        raw = quopri.encodestring(raw)
    elif cte == "base64":
        raw = base64.encodebytes(raw.replace(b"\n", b"\r\n"))
    return raw.replace(b"\n", b"\r\n")


def mail(text: str, *, charset: str | None = "windows-1251", cte: str = "quoted-printable",
         subject: str = "SMS", to: str = SERVICE, sender: str = SENDER, extra_headers: str = "",
         encode_as: str | None = None) -> bytes:
    """A single-part text/plain mail; charset=None leaves the charset undeclared; encode_as
    encodes the text in another charset than the declared one."""
    content_type = "text/plain" + (f"; charset={charset}" if charset else "")
    head = (f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\nMIME-Version: 1.0\r\n"
            f"Content-Type: {content_type}\r\nContent-Transfer-Encoding: {cte}\r\n{extra_headers}\r\n")
    return head.encode("utf-8") + encode_body(text, encode_as or charset or "windows-1251", cte)


def send(mock, raw: bytes, rcpt: list[str] | None = None, *, login: tuple[str, str] | None = None,
         sender: str = SENDER) -> tuple[int, bytes]:
    """MAIL, RCPT, DATA on a fresh connection; the DATA reply."""
    with smtp(mock) as client:
        client.ehlo("client.example.com")
        if login:
            client.login(*login)
        code, reply = client.mail(sender)
        assert code == 250, reply
        for address in rcpt or [SERVICE]:
            code, reply = client.rcpt(address)
            assert code == 250, (address, reply)
        return client.data(raw)
