"""REST bodies as the .NET service writes them: compact JSON, `\\/Date(ms)\\/` dates,
`Cache-Control: private`, `application/json; charset=utf-8`."""

from __future__ import annotations

import json
import re
from datetime import datetime
from decimal import Decimal

from aiohttp import web

MIN_DATE = "/Date(-62135596800000)/"  # .NET DateTime.MinValue
HEADERS = {"Cache-Control": "private", "Content-Type": "application/json; charset=utf-8"}


def ms_date(value: datetime | None) -> str | None:
    if value is None:
        return None
    return f"/Date({int(value.timestamp() * 1000)})/"


def state_body(state: int, description: str, message=None) -> dict:
    """The status body of Sms/State, Viber/State and a `ResentSms` item (http-rest.md §2.7,
    §2.14), keys in the documented order; without a message, the unknown-id body (§2.7)."""
    if message is None:
        return {"State": state, "CreationDateUtc": None, "SubmittedDateUtc": None, "ReportedDateUtc": None,
                "TimeStampUtc": MIN_DATE, "StateDescription": description, "Price": None}
    return {
        "State": state,
        "CreationDateUtc": ms_date(message.created_at),
        "SubmittedDateUtc": ms_date(message.submitted_at),
        "ReportedDateUtc": ms_date(message.reported_at),
        "TimeStampUtc": ms_date(message.reported_at) or MIN_DATE,
        "StateDescription": description,
        "Price": message.price,
    }


def _default(value: object) -> object:
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


_PLAIN_ID = re.compile(r"[0-9A-Za-z+\-]+")


def body(payload: object) -> str:
    if type(payload) is list and all(type(item) is str and _PLAIN_ID.fullmatch(item) for item in payload):
        # The answer to every send: a list of message ids, which need no escaping. json.dumps
        # with `default=` was a fifth of the REST layer's own time per send.
        return '["' + '","'.join(payload) + '"]' if payload else "[]"
    # `\/` is a valid JSON escape of `/`: writing it everywhere gives the `"\/Date(…)\/"`
    # form clients parse with regexes, and leaves every other string's value unchanged.
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=_default)
    return text.replace("/", "\\/")


def respond(payload: object, status: int = 200) -> web.Response:
    return web.Response(body=body(payload).encode("utf-8"), status=status, headers=HEADERS)
