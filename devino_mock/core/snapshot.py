"""The whole platform state as one JSON-ready document, and back (mock-interface.md: snapshots).
Reading a document checks all of it and builds every record before anything is replaced, so a
bad document changes nothing. Sessions are not kept: they live two hours and clients open new
ones."""

from __future__ import annotations

import dataclasses
import types
from types import MappingProxyType
import typing
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation

from devino_mock.core.accounts import Account
from devino_mock.core.channels import CHANNELS, Step
from devino_mock.core.records import Callback, Incoming, Message, Submission
from devino_mock.core.scenarios import Rule

FORMAT = "devino-mock-snapshot"
VERSION = 1
RECORDS = {"messages": Message, "incoming": Incoming, "submissions": Submission, "callbacks": Callback}
MAX_RECORDS = 1_000_000


def encode(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Step):
        return {"at": encode(value.at), "status": value.status, "error": value.error}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        names = [_public(f.name) for f in dataclasses.fields(value)] + list(DERIVED.get(type(value), ()))
        return {name: encode(getattr(value, name)) for name in names}
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    if isinstance(value, (dict, MappingProxyType)):
        return {str(k): encode(v) for k, v in value.items()}
    return value


# A message keeps some fields compact (flat steps, no copy of a text sent whole); documents
# show them by the property that reads them: field -> (name in documents, its type).
PUBLIC = {"history_flat": ("history", tuple[Step, ...]), "planned_flat": ("planned", tuple[Step, ...]),
          "text_parts": ("parts", tuple[str, ...]), "validity": ("expires_at", datetime)}
# Shown for people, derived from the rest, and ignored when a document is read back.
DERIVED = {Message: ("status", "error", "submitted_at", "reported_at")}
RETIRED = {Message: ("version",)}  # fields older documents carry, no longer kept


def _public(field_name: str) -> str:
    return PUBLIC[field_name][0] if field_name in PUBLIC else field_name


def decode(kind: object, value: object, where: str) -> object:
    """`value` as the annotated type `kind`, or ValueError naming where it went wrong."""
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(kind)
        if value is None and type(None) in options:
            return None
        errors = []
        for option in options:
            if option is type(None):
                continue
            try:
                return decode(option, value, where)
            except ValueError as exc:
                errors.append(str(exc))
        raise ValueError(errors[0] if errors else f"{where}: unexpected null")
    if kind is datetime:
        if not isinstance(value, str):
            raise ValueError(f"{where}: expected an ISO 8601 time")
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"{where}: {value!r} is not an ISO 8601 time") from None
        return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    if kind is Decimal:
        try:
            amount = Decimal(str(value))
        except InvalidOperation:
            raise ValueError(f"{where}: {value!r} is not an amount") from None
        if isinstance(value, bool) or not amount.is_finite():
            raise ValueError(f"{where}: {value!r} is not an amount")
        return amount
    if kind is Step:
        if not isinstance(value, dict):
            raise ValueError(f"{where}: expected a step object")
        return Step(decode(datetime, value.get("at"), f"{where}.at"),  # type: ignore[arg-type]
                    decode(str, value.get("status"), f"{where}.status"),  # type: ignore[arg-type]
                    decode(str | None, value.get("error"), f"{where}.error"))  # type: ignore[arg-type]
    if dataclasses.is_dataclass(kind):
        return record(kind, value, where)  # type: ignore[arg-type]
    if origin in (list, tuple):
        if not isinstance(value, list):
            raise ValueError(f"{where}: expected a list")
        [item] = typing.get_args(kind)[:1]
        items = [decode(item, v, f"{where}[{i}]") for i, v in enumerate(value)]
        return items if origin is list else tuple(items)
    if origin is dict or kind is dict:
        if not isinstance(value, dict):
            raise ValueError(f"{where}: expected an object")
        args = typing.get_args(kind)
        if not args:
            return dict(value)
        return {str(k): decode(args[1], v, f"{where}.{k}") for k, v in value.items()}
    if kind is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"{where}: expected a number")
        return float(value)
    if kind in (str, int, bool):
        if type(value) is not kind:
            raise ValueError(f"{where}: expected {kind.__name__}")  # type: ignore[union-attr]
        return value
    raise ValueError(f"{where}: cannot read {kind}")


def record(cls: type, data: object, where: str):
    if not isinstance(data, dict):
        raise ValueError(f"{where}: expected an object")
    hints = typing.get_type_hints(cls)
    names = {_public(f.name) for f in dataclasses.fields(cls)} | set(DERIVED.get(cls, ())) | set(RETIRED.get(cls, ()))
    unknown = sorted(set(data) - names)
    if unknown:
        raise ValueError(f"{where}: unknown fields {unknown}")
    values, public = {}, {}
    for f in dataclasses.fields(cls):
        name = _public(f.name)
        if name not in data:
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise ValueError(f"{where}: missing {name!r}")
            continue
        if f.name in PUBLIC:  # set through its property once the record exists
            public[name] = decode(PUBLIC[f.name][1], data[name], f"{where}.{name}")
            values[f.name] = ()
        else:
            values[f.name] = decode(hints[f.name], data[name], f"{where}.{name}")
    built = cls(**values)
    for name, value in public.items():
        setattr(built, name, value)
    return built


@dataclasses.dataclass
class State:
    """A document read and checked: what load() writes into the store."""

    accounts: list[Account]
    rules: list[dict]
    values: dict
    sequences: dict[str, int]
    messages: list[Message]
    incoming: list[Incoming]
    submissions: list[Submission]
    callbacks: list[Callback]


def export(store, taken_at: datetime) -> dict:
    return {
        "format": FORMAT, "version": VERSION, "taken_at": taken_at.isoformat(),
        "accounts": [a.to_dict() for a in store.accounts()],
        "rules": store.rules(),
        "values": encode(_values(store)),
        "sequences": store.sequences(),
        "messages": [encode(m) for m in store.messages()],
        "incoming": [encode(m) for m in store.incoming()],
        "submissions": [encode(s) for s in store.submissions()],
        "callbacks": [encode(c) for c in store.callbacks()],
    }


VALUE_KEYS = ("clock_offset", "clock_frozen_at", "faults")


def _values(store) -> dict:
    return {k: store.value(k) for k in VALUE_KEYS if store.value(k) is not None}


def read(document: object) -> State:
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValueError(f"not a snapshot: the document needs \"format\": \"{FORMAT}\"")
    if document.get("version") != VERSION:
        raise ValueError(f"snapshot version {document.get('version')!r} unknown: this emulator reads {VERSION}")
    known = {"format", "version", "taken_at", "accounts", "rules", "values", "sequences", *RECORDS}
    unknown = sorted(set(document) - known)
    if unknown:
        raise ValueError(f"unknown snapshot fields {unknown}")
    lists = {}
    for name in ("accounts", "rules", *RECORDS):
        items = document.get(name, [])
        if not isinstance(items, list) or len(items) > MAX_RECORDS:
            raise ValueError(f"'{name}' must be a list of at most {MAX_RECORDS} items")
        lists[name] = items
    accounts = []
    for i, data in enumerate(lists["accounts"]):
        try:
            accounts.append(Account.from_dict(data))
        except ValueError as exc:
            raise ValueError(f"accounts[{i}]: {exc}") from None
    rules = []
    for i, data in enumerate(lists["rules"]):
        if not isinstance(data, dict) or not isinstance(data.get("id"), str) or not data["id"]:
            raise ValueError(f"rules[{i}]: a rule object with its 'id'")
        try:
            rule = Rule.from_dict({k: v for k, v in data.items() if k != "id"}, data["id"])
        except ValueError as exc:
            raise ValueError(f"rules[{i}]: {exc}") from None
        rules.append(rule.to_dict())
    records = {name: [record(cls, data, f"{name}[{i}]") for i, data in enumerate(lists[name])]
               for name, cls in RECORDS.items()}
    for i, message in enumerate(records["messages"]):
        channel = CHANNELS.get(message.channel)
        if channel is None:
            raise ValueError(f"messages[{i}].channel: one of {sorted(CHANNELS)}")
        if not message.ids or not message.history_flat or message.status not in channel.names():
            raise ValueError(f"messages[{i}]: needs ids and a history ending in a status of its channel "
                             f"({channel.names()})")
    values = document.get("values", {})
    if not isinstance(values, dict) or set(values) - set(VALUE_KEYS):
        raise ValueError(f"'values' is an object of {list(VALUE_KEYS)}")
    for key in ("clock_offset", "clock_frozen_at"):
        if values.get(key) is not None:
            decode(float, values[key], f"values.{key}")
    if values.get("faults") is not None and not isinstance(values["faults"], list):
        raise ValueError("values.faults: expected a list")
    sequences = document.get("sequences", {})
    if not isinstance(sequences, dict) or not all(
            isinstance(k, str) and type(v) is int and v >= 0 for k, v in sequences.items()):
        raise ValueError("'sequences' is an object of name -> next number")
    return State(accounts, rules, dict(values), dict(sequences), **records)  # type: ignore[arg-type]
