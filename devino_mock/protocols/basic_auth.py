"""HTTP Basic credentials as the JSON APIs of im.devinotele.com and viber.devinotele.com take them
(vk.md §1, viber.md §11.8): scheme name in any case, `login:password` in base64, decoded as
UTF-8 with a fallback to ISO-8859-1 (some clients encode it so)."""

from __future__ import annotations

import base64
import binascii

from devino_mock.core.platform import ByLogin


def basic_credentials(header: str | None) -> ByLogin | None:
    """The login and password of an `Authorization: Basic …` header; None when the header is
    missing, names another scheme, or is not base64 of `login:password`."""
    if not header:
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.casefold() != "basic" or not token.strip():
        return None
    try:
        raw = base64.b64decode(token.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("iso-8859-1")
    login, colon, password = text.partition(":")
    if not colon:
        return None
    return ByLogin(login, password)
