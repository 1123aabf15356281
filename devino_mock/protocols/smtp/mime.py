"""A received mail, read leniently: headers decoded (RFC 2047), the first text/plain part and
the first text/html part decoded from their transfer encoding and charset, attachments named.
What the Email2SMS and e-mail API handlers need, and nothing MIME-shaped beyond this module."""

from __future__ import annotations

import email
import email.errors
import os
import re
from dataclasses import dataclass, field
from email.header import decode_header, make_header
from email.message import Message as MimeMessage
from email.policy import compat32
from email.utils import getaddresses

# Undeclared charset: UTF-8 when the bytes are valid UTF-8, otherwise windows-1251, the charset
# Email2SMS asks for (smtp-email2sms.md A.2). Cyrillic windows-1251 is practically never valid UTF-8.
FALLBACK_CHARSETS = ("utf-8", "cp1251")
# Real mails have a handful of multiparts; the parser's cost grows with the square of their
# nesting (and ends in RecursionError), so a mail with more is not read at all.
MAX_MULTIPARTS = 64


class UnreadableMail(Exception):
    """The bytes are not a mail the parser can walk (e.g. nested beyond any sense)."""


@dataclass
class Mail:
    subject: str = ""
    from_addresses: list[str] = field(default_factory=list)
    to_addresses: list[str] = field(default_factory=list)
    text: str | None = None  # the first text/plain part that is not an attachment
    html: str | None = None  # the first text/html part that is not an attachment
    attachments: list[str] = field(default_factory=list)  # file names ("" when unnamed)


def decode_text(payload: bytes, charset: str | None) -> str:
    if charset:
        try:
            return payload.decode(charset)
        except (LookupError, UnicodeDecodeError, ValueError):
            pass  # a wrong or unknown charset label: fall back as if none was given
    for fallback in FALLBACK_CHARSETS:
        try:
            return payload.decode(fallback)
        except UnicodeDecodeError:
            continue
    return payload.decode("utf-8", "replace")


def unflow(text: str, delsp: bool) -> str:
    """Join the soft line breaks of format=flowed text (RFC 3676 §4.2)."""
    out: list[str] = []
    pending = ""
    for line in text.split("\n"):
        if line.startswith(" "):  # space-stuffed
            line = line[1:]
        if line.endswith(" ") and line.rstrip() != "--":
            pending += line[:-1] if delsp else line
            continue
        out.append(pending + line)
        pending = ""
    if pending:
        out.append(pending)
    return "\n".join(out)


FOLD_RE = re.compile(r"\r?\n(?=[ \t])")


def _raw_headers(msg: MimeMessage, name: str) -> list[str]:
    """Unfolded values as text. Raw 8-bit header bytes (RFC 6532 UTF-8, or windows-1251 from
    old clients) arrive surrogate-escaped; they are decoded like an undeclared body."""
    values = []
    for key, value in msg.raw_items():
        if key.lower() != name.lower():
            continue
        value = FOLD_RE.sub("", str(value))
        if not value.isascii():
            value = decode_text(value.encode("ascii", "surrogateescape"), None)
        values.append(value)
    return values


def _header(msg: MimeMessage, name: str) -> str:
    values = _raw_headers(msg, name)
    if not values:
        return ""
    if not values[0].isascii():  # raw 8-bit text; decode_header would escape it
        return values[0]
    try:
        return str(make_header(decode_header(values[0])))
    except (LookupError, UnicodeError, ValueError, email.errors.HeaderParseError):
        return values[0]


def _addresses(msg: MimeMessage, name: str) -> list[str]:
    out = []
    for value in _raw_headers(msg, name):
        parsed = [address for _name, address in getaddresses([value]) if address]
        # A value that parses to nothing ("broken@") is kept as written, so that the caller
        # can name the bad address rather than silently fall back to the envelope.
        out.extend(parsed or ([value.strip()] if value.strip() else []))
    return out


def _part_text(part: MimeMessage) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    text = decode_text(payload, part.get_content_charset()).replace("\r\n", "\n").replace("\r", "\n")
    if part.get_param("format", "").lower() == "flowed":
        text = unflow(text, part.get_param("delsp", "").lower() == "yes")
    return text


def read_mail(raw: bytes) -> Mail:
    if raw.lower().count(b"multipart/") > MAX_MULTIPARTS:
        raise UnreadableMail(f"more than {MAX_MULTIPARTS} multipart sections")
    try:
        return _read(email.message_from_bytes(raw, policy=compat32))
    except (RecursionError, email.errors.MessageError, LookupError, UnicodeError, ValueError) as exc:
        raise UnreadableMail(f"{type(exc).__name__}: {exc}") from exc


def _read(msg: MimeMessage) -> Mail:
    mail = Mail(
        subject=_header(msg, "Subject").strip(),
        from_addresses=_addresses(msg, "From"),
        to_addresses=_addresses(msg, "To"),
    )
    for part in msg.walk():
        if part.is_multipart():
            continue
        filename = part.get_filename()
        if part.get_content_disposition() == "attachment" or filename:
            mail.attachments.append(str(filename or ""))
            continue
        content_type = part.get_content_type()
        if content_type == "text/plain" and mail.text is None:
            mail.text = _part_text(part)
        elif content_type == "text/html" and mail.html is None:
            mail.html = _part_text(part)
        elif part is msg and part.get_content_maintype() == "text" and mail.text is None:
            mail.text = _part_text(part)  # a single-part mail of another text type
    return mail


def extension(filename: str) -> str:
    return os.path.splitext(filename)[1].lstrip(".").lower()
