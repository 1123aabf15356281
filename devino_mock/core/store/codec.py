"""Records as plain JSON-ready dicts and back: what a durable store keeps (and a snapshot
could carry). Instants are seconds since the epoch (UTC), money a decimal string."""

from __future__ import annotations

import dataclasses
import importlib
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from types import MappingProxyType

from devino_mock.core.accounts import Account, Session
from devino_mock.core.records import NO_EXTRA, Attempt, Callback, Incoming, Message, Submission, compact_parts


def _t(value: datetime | None) -> float | None:
    return None if value is None else value.timestamp()


def _d(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, tz=timezone.utc)


def _steps(flat: tuple) -> list:
    """A message's flat steps (records.flat_steps) as stored: [[timestamp, status, error], …]."""
    return [[flat[i].timestamp(), flat[i + 1], flat[i + 2]] for i in range(0, len(flat), 3)]


def _unsteps(items: list) -> tuple:
    """Stored steps as a message keeps them (records.flat_steps)."""
    flat: list = []
    for at, status, error in items:
        flat += (_d(at), status, error)
    return tuple(flat)


_VALIDITIES: dict[float, timedelta] = {}  # most messages share a handful of validities


def _validity(seconds: float) -> timedelta:
    shared = _VALIDITIES.get(seconds)
    if shared is None:
        shared = timedelta(seconds=seconds)
        if len(_VALIDITIES) < 1000:
            _VALIDITIES[seconds] = shared
    return shared


def message_to(m: Message) -> dict:
    return {
        "ids": list(m.ids), "channel": m.channel, "transport": m.transport, "login": m.login, "source": m.source,
        "destination": m.destination, "text": m.text, "parts": list(m.text_parts), "encoding": m.encoding,
        "price": str(m.price), "created_at": _t(m.created_at), "send_at": _t(m.send_at),
        "expires_at": _t(m.expires_at), "status": m.status, "error": m.error,
        "history": _steps(m.history_flat), "planned": _steps(m.planned_flat), "extra": dict(m.extra),
        "subject": m.subject, "parent": m.parent, "fallback": m.fallback,
    }


def message_from(d: dict) -> Message:
    return Message(
        ids=tuple(d["ids"]), channel=d["channel"], transport=d["transport"], login=d["login"], source=d["source"],
        destination=d["destination"], text=d["text"], text_parts=compact_parts(d["parts"], d["text"]),
        encoding=d["encoding"],
        price=Decimal(d["price"]), created_at=_d(d["created_at"]), send_at=_d(d["send_at"]),  # type: ignore[arg-type]
        validity=_validity(d["expires_at"] - d["send_at"]),
        history_flat=_unsteps(d["history"]), planned_flat=_unsteps(d["planned"]), extra=d["extra"] or NO_EXTRA,
        subject=d["subject"], parent=d["parent"], fallback=d["fallback"],
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


# --- any other record (the services' groups, contacts, campaigns; values) -----------------------
# Tagged JSON: dataclasses of this package by name, instants, money, tuples and sets keep their
# type through a restart. Only classes of devino_mock are ever rebuilt.

PACKAGE = "devino_mock."


def value_to(value: object) -> object:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, datetime):
        return {"$t": value.timestamp()}
    if isinstance(value, Decimal):
        return {"$d": str(value)}
    if isinstance(value, list):
        return [value_to(v) for v in value]
    if isinstance(value, tuple):
        return {"$tu": [value_to(v) for v in value]}
    if isinstance(value, (set, frozenset)):
        return {"$s": [value_to(v) for v in value]}
    if isinstance(value, (dict, MappingProxyType)):
        if all(isinstance(k, str) and not k.startswith("$") for k in value):
            return {k: value_to(v) for k, v in value.items()}
        return {"$m": [[value_to(k), value_to(v)] for k, v in value.items()]}
    if dataclasses.is_dataclass(value) and type(value).__module__.startswith(PACKAGE):
        cls = type(value)
        return {"$dc": f"{cls.__module__}:{cls.__qualname__}",
                "f": {f.name: value_to(getattr(value, f.name)) for f in dataclasses.fields(value)}}
    raise TypeError(f"cannot store a {type(value).__name__}")


def value_from(data: object) -> object:
    if isinstance(data, list):
        return [value_from(v) for v in data]
    if not isinstance(data, dict):
        return data
    if "$t" in data:
        return datetime.fromtimestamp(data["$t"], tz=timezone.utc)
    if "$d" in data:
        return Decimal(data["$d"])
    if "$tu" in data:
        return tuple(value_from(v) for v in data["$tu"])
    if "$s" in data:
        return {value_from(v) for v in data["$s"]}
    if "$m" in data:
        return {value_from(k): value_from(v) for k, v in data["$m"]}
    if "$dc" in data:
        module_name, _, qualname = data["$dc"].partition(":")
        if not module_name.startswith(PACKAGE):
            raise ValueError(f"not a devino-mock record: {data['$dc']}")
        cls = importlib.import_module(module_name)
        for part in qualname.split("."):
            cls = getattr(cls, part)
        fields = {k: value_from(v) for k, v in data["f"].items()}
        init = {f.name for f in dataclasses.fields(cls) if f.init}
        record = cls(**{k: v for k, v in fields.items() if k in init})
        for name, v in fields.items():
            if name not in init:
                object.__setattr__(record, name, v)
        return record
    return {k: value_from(v) for k, v in data.items()}
