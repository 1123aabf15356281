"""Lenient readers for values that arrive as text on any wire: integers and date-times."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

# The dates a send may name, and the widest UTC offset (core/clock.py says why these).
from devino_mock.core.clock import EARLIEST, LATEST, MAX_UTC_OFFSET as MAX_OFFSET

_DATETIME_RE = re.compile(
    r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,7}))?)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?\s*$",
    re.IGNORECASE,
)


class DateOutOfRange(ValueError):
    """A well-formed date the platform cannot take: before EARLIEST, after LATEST, or with an
    offset beyond ±14:00. Each front end answers it with its own "invalid argument" error.
    `value` is the naive wall-clock reading when there is one."""

    def __init__(self, text: str, value: datetime | None = None) -> None:
        super().__init__(f"date out of range: {text!r}")
        self.value = value


def parse_datetime(text: str | None) -> datetime | None:
    """`YYYY-MM-DD[T| ]HH:MM[:SS[.fff]]` with an optional `Z`/`±HH:MM`.
    Naive when no offset is given (the caller decides whose wall clock it is).
    None when the text is no date; DateOutOfRange when it is one outside the platform's range."""
    if not text:
        return None
    match = _DATETIME_RE.match(text)
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        value = datetime(
            int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0),
            int((fraction or "0").ljust(6, "0")[:6]),
        )
    except ValueError:
        return None
    if not EARLIEST <= value <= LATEST:
        raise DateOutOfRange(text, value)
    if zone:
        if zone.upper() == "Z":
            return value.replace(tzinfo=timezone.utc)
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        hours, minutes = int(digits[:2]), int(digits[2:])
        offset = timedelta(hours=hours, minutes=minutes)
        if minutes >= 60 or offset > MAX_OFFSET:
            raise DateOutOfRange(text, value)
        return value.replace(tzinfo=timezone(sign * offset))
    return value


def as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def parse_int(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        return int(str(text).strip())
    except ValueError:
        return None


MAX_JSON_INTEGER_DIGITS = 19  # int64: beyond it no documented field has a meaning (and int() of a huge string is slow)


def json_integer(value: object) -> int | None:
    """A whole number as JSON clients send it: a number or a numeric string (one optional sign);
    None for anything else (booleans, fractions, NaN, absurdly long digit strings)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, str):
        text = value.strip()
        digits = text.lstrip("+-")
        if text.isascii() and digits.isdigit() and len(digits) <= MAX_JSON_INTEGER_DIGITS and len(text) - len(digits) <= 1:
            return int(text)
    return None
