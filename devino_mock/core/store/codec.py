"""Records as plain JSON-ready dicts and back: what a durable store keeps (and a snapshot
could carry). Instants are seconds since the epoch (UTC), money a decimal string."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

from devino_mock.core.accounts import Account, Session
from devino_mock.core.channels import Step
from devino_mock.core.records import NO_EXTRA, Attempt, Callback, Incoming, Message, Submission


def _t(value: datetime | None) -> float | None:
    return None if value is None else value.timestamp()


def _d(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, tz=timezone.utc)


def _steps(steps) -> list:
    return [[s.at.timestamp(), s.status, s.error] for s in steps]


def _unsteps(items: list) -> list[Step]:
    return [Step(_d(at), status, error) for at, status, error in items]  # type: ignore[arg-type]


def message_to(m: Message) -> dict:
    return {
        "ids": list(m.ids), "channel": m.channel, "transport": m.transport, "login": m.login, "source": m.source,
        "destination": m.destination, "text": m.text, "parts": list(m.parts), "encoding": m.encoding,
        "price": str(m.price), "created_at": _t(m.created_at), "send_at": _t(m.send_at),
        "expires_at": _t(m.expires_at), "status": m.status, "error": m.error,
        "submitted_at": _t(m.submitted_at), "reported_at": _t(m.reported_at), "history": _steps(m.history),
        "planned": _steps(m.planned), "extra": dict(m.extra), "subject": m.subject, "parent": m.parent,
        "fallback": m.fallback, "version": m.version,
    }


def message_from(d: dict) -> Message:
    return Message(
        ids=tuple(d["ids"]), channel=d["channel"], transport=d["transport"], login=d["login"], source=d["source"],
        destination=d["destination"], text=d["text"], parts=tuple(d["parts"]), encoding=d["encoding"],
        price=Decimal(d["price"]), created_at=_d(d["created_at"]), send_at=_d(d["send_at"]),  # type: ignore[arg-type]
        expires_at=_d(d["expires_at"]), status=d["status"], error=d["error"],  # type: ignore[arg-type]
        submitted_at=_d(d["submitted_at"]), reported_at=_d(d["reported_at"]), history=_unsteps(d["history"]),
        planned=tuple(_unsteps(d["planned"])), extra=d["extra"] or NO_EXTRA, subject=d["subject"],
        parent=d["parent"], fallback=d["fallback"], version=d["version"],
    )


def account_to(a: Account) -> dict:
    return {**a.to_dict(), "balance": str(a.balance), "tariffs": {k: str(v) for k, v in a.tariffs.items()},
            "prices": {k: str(v) for k, v in a.prices.items()}}


def account_from(d: dict) -> Account:
    return Account.from_dict(d)


def session_to(s: Session) -> dict:
    return {"id": s.id, "login": s.login, "expires_at": _t(s.expires_at)}


def session_from(d: dict) -> Session:
    return Session(d["id"], d["login"], _d(d["expires_at"]))  # type: ignore[arg-type]


def incoming_to(i: Incoming) -> dict:
    return {"id": i.id, "channel": i.channel, "login": i.login, "source": i.source, "destination": i.destination,
            "text": i.text, "created_at": _t(i.created_at), "parent_id": i.parent_id}


def incoming_from(d: dict) -> Incoming:
    return Incoming(d["id"], d["channel"], d["login"], d["source"], d["destination"], d["text"],
                    _d(d["created_at"]), d.get("parent_id"))  # type: ignore[arg-type]


def submission_to(s: Submission) -> dict:
    return {"id": s.id, "transport": s.transport, "service": s.service, "received_at": _t(s.received_at),
            "outcome": s.outcome, "login": s.login, "error": s.error, "reason": s.reason,
            "message_ids": list(s.message_ids), "details": s.details}


def submission_from(d: dict) -> Submission:
    return Submission(d["id"], d["transport"], d["service"], _d(d["received_at"]), d["outcome"],  # type: ignore[arg-type]
                      d["login"], d["error"], d["reason"], list(d["message_ids"]), d["details"])


def callback_to(c: Callback) -> dict:
    return {"id": c.id, "kind": c.kind, "login": c.login, "url": c.url, "body": c.body,
            "content_type": c.content_type, "created_at": _t(c.created_at), "message_id": c.message_id,
            "method": c.method, "state": c.state, "next_attempt_at": _t(c.next_attempt_at), "queue": c.queue,
            "attempts": [[_t(a.at), a.http_status, a.error] for a in c.attempts]}


def callback_from(d: dict) -> Callback:
    return Callback(id=d["id"], kind=d["kind"], login=d["login"], url=d["url"], body=d["body"],
                    content_type=d["content_type"], created_at=_d(d["created_at"]),  # type: ignore[arg-type]
                    message_id=d["message_id"], method=d["method"], state=d["state"],
                    attempts=[Attempt(_d(at), status, error) for at, status, error in d["attempts"]],  # type: ignore[arg-type]
                    next_attempt_at=_d(d["next_attempt_at"]), queue=d["queue"])
