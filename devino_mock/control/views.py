"""How platform records look in the control API (JSON-ready dicts)."""

from __future__ import annotations

from datetime import datetime

from devino_mock.core.messages import SMS_STATUS_TEXT, STATUS_NAMES, Incoming, Message


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
        "status_name": STATUS_NAMES.get(message.status, "unknown"),
        "status_text": SMS_STATUS_TEXT.get(message.status, ""),
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
