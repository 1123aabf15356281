"""How platform records look in the control API (JSON-ready dicts)."""

from __future__ import annotations

from datetime import datetime

from devino_mock.core.channels import CHANNELS, Step
from devino_mock.core.records import Callback, Incoming, Message, Submission


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _step(channel, step: Step) -> dict:
    view = {"at": iso(step.at), "status": channel.view(step.status)}
    if step.error:
        view["error"] = step.error
    return view


def channel_view(channel) -> dict:
    """A channel as people and rules name its statuses (mock-interface.md §7)."""
    return {
        "name": channel.name,
        "statuses": [{"name": s.name, "code": channel.view(s.name) if channel.view_code else None,
                      "text": s.text, "final": s.final} for s in channel.statuses],
        "initial": channel.initial,
        "default_final": channel.default_final,
        "errors": sorted(channel.errors),
    }


def message_view(message: Message) -> dict:
    channel = CHANNELS[message.channel]
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
        "status": channel.view(message.status),
        "status_name": message.status,
        "status_text": channel.text(message.status),
        "error": message.error,
        "final": message.final,
        "price": float(message.price),
        "created_at": iso(message.created_at),
        "send_at": iso(message.send_at),
        "submitted_at": iso(message.submitted_at),
        "reported_at": iso(message.reported_at),
        "expires_at": iso(message.expires_at),
        "parent": message.parent,
        "fallback": message.fallback,
        "history": [_step(channel, s) for s in message.history],
        "planned": [_step(channel, s) for s in message.planned],
        "extra": dict(message.extra),
        **({"subject": message.subject} if message.subject is not None else {}),
    }


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
        "parent_id": incoming.parent_id,
    }


def callback_view(callback: Callback) -> dict:
    return {
        "id": callback.id,
        "kind": callback.kind,
        "login": callback.login,
        "url": callback.url,
        "method": callback.method,
        "content_type": callback.content_type,
        "body": callback.body,
        "message_id": callback.message_id,
        "state": callback.state,
        "attempts": [{"at": iso(a.at), "http_status": a.http_status, "error": a.error} for a in callback.attempts],
        "next_attempt_at": iso(callback.next_attempt_at),
        "created_at": iso(callback.created_at),
    }
