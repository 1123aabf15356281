"""Email2SMS (smtp-email2sms.md Part A): which of the three documented body formats a mail
uses, and the order (credentials, sender, numbers, text) it carries."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from devino_mock.protocols.smtp.mime import Mail

SERVICE_ADDRESS = "email2sms@integrationapi.net"
START_MARKER = "==|| НАЧАЛО ТЕКСТА ||=="
END_MARKER = "==|| КОНЕЦ ТЕКСТА ||=="
BASE64_SUBJECT = "MODEB64"
ADDON_START = "StartWithPoint;"
ADDON_END = ";EndWithPoint"

TEMPLATE, ADDON, BASE64 = "template", "addon", "base64"
# Numbers per mail: 20 in the template (A.2), 1000 with MODEB64 (A.4); the Addon limit is not
# documented, so it gets the Base64 one (A.5 item 8).
MAX_NUMBERS = {TEMPLATE: 20, ADDON: 1000, BASE64: 1000}
TEMPLATE_FIELDS = {"userlogin": "login", "password": "password", "sourceaddress": "source", "phonenumber": "numbers"}


class FormatError(Exception):
    """The body does not follow the format its mode requires."""


@dataclass
class Order:
    mode: str
    login: str | None = None
    password: str | None = None
    source: str | None = None
    numbers: list[str] = field(default_factory=list)
    text: str | None = None


def is_service_address(address: str) -> bool:
    return address.strip().casefold() == SERVICE_ADDRESS


def mode_of(mail: Mail) -> str:
    if mail.subject.strip().casefold() == BASE64_SUBJECT.casefold():
        return BASE64
    if (mail.text or "").strip().casefold().startswith(ADDON_START.casefold()):
        return ADDON
    return TEMPLATE


def read_order(mail: Mail) -> Order:
    if mail.text is None:
        raise FormatError("the mail has no text/plain part")
    mode = mode_of(mail)
    if mode == BASE64:
        return _separated(mode, mail.text.strip(), "login;password;mobilenumber;sourceaddress;text of message")
    if mode == ADDON:
        return _addon(mail.text.strip())
    return _template(mail.text)


def _value(raw: str) -> str | None:
    value = raw.strip()
    return value or None


def _numbers(raw: str | None) -> list[str]:
    return [n.strip() for n in (raw or "").split(",") if n.strip()]


def _separated(mode: str, body: str, layout: str) -> Order:
    fields = body.split(";", 4)  # the text is everything after the 4th ';', so it may hold ';'
    if len(fields) < 5:
        raise FormatError(f"expected {layout}")
    login, password, numbers, source, text = fields
    return Order(mode, _value(login), _value(password), _value(source), _numbers(numbers), _value(text))


def _addon(body: str) -> Order:
    end = body.casefold().rfind(ADDON_END.casefold())
    if end == -1:
        raise FormatError(f"the body must end with {ADDON_END}")
    # Anything after the last ;EndWithPoint (a mail client's signature) is ignored.
    return _separated(ADDON, body[len(ADDON_START):end],
                      "StartWithPoint;login;password;mobilenumber;sourceaddress;text of message;EndWithPoint")


def _marker_pattern(marker: str) -> re.Pattern[str]:
    # `==|| НАЧАЛО ТЕКСТА ||==` as people type it: any spacing (or none) between the parts, any
    # letter case, anywhere in a line — alone, before the first field, after the text.
    words = marker.strip("=| ").split()
    bars = r"\s*\|\s*\|\s*"
    return re.compile(r"=+" + bars + r"\s+".join(map(re.escape, words)) + bars + r"=+", re.IGNORECASE)


START_PATTERN = _marker_pattern(START_MARKER)
END_PATTERN = _marker_pattern(END_MARKER)
FIELD_LINE = re.compile(r"^\s*(userlogin|password|sourceaddress|phonenumber)\s*=", re.IGNORECASE | re.MULTILINE)


def _between_markers(body: str) -> str:
    """The part of the body the template is in. Both markers are optional (the documented
    example has only the end one). Before the start marker: a greeting, dropped — unless the
    fields are there and only the text follows the marker, as some people write it."""
    start = START_PATTERN.search(body)
    if start:
        before, body = body[:start.start()], body[start.end():]
        if FIELD_LINE.search(before):
            body = before + "\n" + body
    end = END_PATTERN.search(body)
    if end:
        body = body[:end.start()]  # after it: a signature, a quoted reply
    return body


def _template(body: str) -> Order:
    """Key=Value lines (any order, blank lines between), then the text, between the optional
    markers (A.2)."""
    lines = _between_markers(body).split("\n")
    values: dict[str, str] = {}
    index = 0  # where the text begins: the first line that is neither blank nor a new field
    while index < len(lines):
        if lines[index].strip():
            key, sep, value = lines[index].partition("=")
            name = TEMPLATE_FIELDS.get(key.strip().casefold())
            if not sep or name is None or name in values:
                break
            values[name] = value.strip()  # split on the first '=': passwords may hold '='
        index += 1
    text_lines = [line.rstrip() for line in lines[index:]]
    while text_lines and not text_lines[0]:
        text_lines.pop(0)
    while text_lines and not text_lines[-1]:
        text_lines.pop()
    return Order(
        TEMPLATE,
        login=_value(values.get("login", "")),
        password=_value(values.get("password", "")),
        source=_value(values.get("source", "")),
        numbers=_numbers(values.get("numbers")),
        text="\n".join(text_lines) or None,
    )
