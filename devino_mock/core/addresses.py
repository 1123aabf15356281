"""E-mail addresses (an addr-spec such as user@example.com): the syntax check every e-mail
channel applies to senders and recipients."""

from __future__ import annotations

import re

MAX_ADDRESS = 254  # RFC 5321 §4.5.3.1.3 path limit, less the angle brackets
# Deliberately simple: a dot-atom-ish local part, '@', and a domain with at least one dot.
ADDRESS_RE = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.\-]{1,64}@(?=.{1,253}$)"
    r"[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?)+$"
)


def normalize_email(raw: str | None) -> str | None:
    """The address without surrounding spaces, or None when it is not a valid addr-spec."""
    if raw is None:
        return None
    address = raw.strip()
    if len(address) > MAX_ADDRESS or not ADDRESS_RE.match(address):
        return None
    local = address.split("@", 1)[0]
    if local.startswith(".") or local.endswith(".") or ".." in local:
        return None
    return address
