"""How platform records look in the control API (JSON-ready dicts)."""

from __future__ import annotations

from datetime import datetime

from devino_mock.core.messages import EMAIL_STATUS_TEXT, SMS_STATUS_TEXT, STATUS_NAMES, Incoming, Message
from devino_mock.core.submissions import Submission


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def message_view(message: Message) -> dict:
    return {
        "id": message.id,
        "ids": list(message.ids),
        "channel": message.channel,
        "transport": message.transport,
        "login": message.login,
        "source": message.source,
        "destination": message.destination,
        "text": message.text,
        "segments": message.segments,
        "parts": list(message.parts),
        "encoding": message.encoding,
        "status": message.status,
        "status_name": _status_name(message.status),
        "status_text": SMS_STATUS_TEXT.get(message.status, "") or EMAIL_STATUS_TEXT.get(message.status, ""),
        "final": message.final,
        "price": float(message.price),
        "created_at": iso(message.created_at),
        "send_at": iso(message.send_at),
        "submitted_at": iso(message.submitted_at),
        "reported_at": iso(message.reported_at),
        "expires_at": iso(message.expires_at),
        "history": [{"at": iso(at), "status": status} for at, status in message.history],
        "planned": [{"at": iso(at), "status": status} for at, status in message.planned],
        "extra": message.extra,
        **({"subject": message.subject} if message.subject is not None else {}),
    }


def _status_name(status: int | str) -> str:
    if isinstance(status, str):  # e-mail states are already names
        return status
    return STATUS_NAMES.get(status, "unknown")


def submission_view(submission: Submission) -> dict:
    return {
        "id": submission.id,
        "transport": submission.transport,
        "service": submission.service,
        "received_at": iso(submission.received_at),
        "outcome": submission.outcome,
        "login": submission.login,
        "error": submission.error,
        "reason": submission.reason,
        "message_ids": list(submission.message_ids),
        "details": submission.details,
    }


def incoming_view(incoming: Incoming) -> dict:
    return {
        "id": incoming.id,
        "channel": incoming.channel,
        "login": incoming.login,
        "source": incoming.source,
        "destination": incoming.destination,
        "text": incoming.text,
        "created_at": iso(incoming.created_at),
    }
