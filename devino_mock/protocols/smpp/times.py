"""SMPP 3.4 time fields (§7.1): absolute `YYMMDDhhmmsstnnp`, relative `YYMMDDhhmmss000R`.
smpp.pdu3's own parser prints every value it reads, so the SMSC parses these itself."""

from __future__ import annotations

import calendar
import re
from datetime import datetime, timedelta, timezone

_FORMAT = re.compile(r"^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d)(\d{2})([+\-R])$")


def parse(raw: bytes | str | None, now: datetime) -> datetime | None:
    """The instant a time field names (relative ones count from `now`); None when empty.
    Raises ValueError for anything else."""
    text = raw.decode("ascii", "replace") if isinstance(raw, bytes) else (raw or "")
    if not text:
        return None
    match = _FORMAT.match(text)
    if not match:
        raise ValueError(f"not an SMPP time: {text!r}")
    yy, mo, dd, hh, mi, ss, tenths, nn, sign = match.groups()
    if sign == "R":
        return _add_months(now, int(yy) * 12 + int(mo)) + timedelta(
            days=int(dd), hours=int(hh), minutes=int(mi), seconds=int(ss))
    if int(nn) > 48:
        raise ValueError(f"time difference out of range: {text!r}")
    offset = timedelta(minutes=15 * int(nn)) * (1 if sign == "+" else -1)
    local = datetime(2000 + int(yy), int(mo), int(dd), int(hh), int(mi), int(ss), int(tenths) * 100_000)
    return (local - offset).replace(tzinfo=timezone.utc)


def absolute(when: datetime) -> str:
    """`YYMMDDhhmmss000+` in UTC (query_sm_resp final_date)."""
    return when.astimezone(timezone.utc).strftime("%y%m%d%H%M%S") + "000+"


def receipt_date(when: datetime) -> str:
    """`YYMMDDhhmm` in UTC (Appendix B receipt dates)."""
    return when.astimezone(timezone.utc).strftime("%y%m%d%H%M")


def _add_months(when: datetime, months: int) -> datetime:
    if not months:
        return when
    index = when.month - 1 + months
    year, month = when.year + index // 12, index % 12 + 1
    day = min(when.day, calendar.monthrange(year, month)[1])
    return when.replace(year=year, month=month, day=day)
