"""Message ids as the e-mail API shows them: base62 strings starting with `M`, like the
documented `Mdz0i7z1Dyp` (§7.4.4), made from the journal's numeric id and read back; the
numeric id (E15 `Id`, the SMTP reply) is accepted too."""

from __future__ import annotations

from devino_mock.core.records import Message

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
PREFIX = "M"


def encode(number: int) -> str:
    digits = ""
    while True:
        number, rest = divmod(number, 62)
        digits = ALPHABET[rest] + digits
        if not number:
            return PREFIX + digits


def message_id(message: Message) -> str:
    return encode(int(message.id)) if message.id.isdigit() else message.id


def numeric_id(raw: str) -> str | None:
    """The journal id behind a MessageId or a numeric id; None when it is neither."""
    raw = raw.strip()
    if raw.isdigit() and len(raw) <= 20:
        return raw
    if len(raw) < 2 or len(raw) > 16 or raw[0] != PREFIX or any(c not in ALPHABET for c in raw[1:]):
        return None
    number = 0
    for char in raw[1:]:
        number = number * 62 + ALPHABET.index(char)
    return str(number)
