"""The whole platform state as one JSON-ready document, and back (docs/control-api.md,
Snapshots). Reading a document checks all of it, each value by its type (core/typed.py), and
builds every record before anything is replaced, so a bad document changes nothing.

A document carries the accounts, run-time rules, values (the clock, faults, the 2FA faults),
id sequences, messages, incoming messages, submissions, callbacks, the REST sessions still
valid, and the services' keyed records (address book, campaigns, 2FA codes and limits, IMSI
references and lookups). It
never carries the FTP drop folder's uploads: they name files on the exporting machine's disk,
and loading a document must never make the emulator open or delete a path it names."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from devino_mock.core.accounts import SESSION_RE, Account, Session
from devino_mock.core.channels import CHANNELS
from devino_mock.core.clock import FROZEN_KEY, MAX_OFFSET, OFFSET_KEY, Clock, Timestamp
from devino_mock.core.records import Callback, Incoming, Message, RecordKind, Submission
from devino_mock.core.scenarios import Rule
from devino_mock.core.services import addressbook, campaigns, imsi_lookups, twofa
from devino_mock.core.typed import MAX_WHOLE, decode, encode, record

FORMAT = "devino-mock-snapshot"
VERSION = 2  # 2: REST sessions, the services' records and values
READS = (1, 2)
RECORDS = {"messages": Message, "incoming": Incoming, "submissions": Submission, "callbacks": Callback}
KINDS: dict[str, RecordKind] = {**addressbook.RECORDS, **campaigns.RECORDS, **twofa.RECORDS,
                                 **imsi_lookups.RECORDS}
# Values by key; the control layer checks the faults it keeps ("faults") before a document
# reaches the platform.
VALUES: dict[str, object] = {OFFSET_KEY: float, FROZEN_KEY: Timestamp, "faults": list[dict],
                             twofa.FAULTS_KEY: list[twofa.Fault]}
MAX_RECORDS = 1_000_000
MAX_KEY = 512


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
    sessions: list[Session]
    records: dict[str, dict[str, object]]  # kind -> key -> record, oldest first


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
        # An expired session answers as an unknown one: only those still valid are kept.
        "sessions": [encode(s) for s in store.sessions() if s.expires_at > taken_at],
        "records": {kind: [encode(r) for r in store.records(kind)] for kind in KINDS},
    }


def _values(store) -> dict:
    return {k: store.value(k) for k in VALUES if store.value(k) is not None}


def read(document: object) -> State:
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValueError(f"not a snapshot: the document needs \"format\": \"{FORMAT}\"")
    if document.get("version") not in READS:
        raise ValueError(f"snapshot version {document.get('version')!r} unknown: this emulator reads {list(READS)}")
    known = {"format", "version", "taken_at", "accounts", "rules", "values", "sequences", "sessions", "records",
             *RECORDS}
    unknown = sorted(set(document) - known)
    if unknown:
        raise ValueError(f"unknown snapshot fields {unknown}")
    if "taken_at" in document:
        decode(datetime, document["taken_at"], "taken_at")  # for people: the clock itself is in values
    lists = {name: _list(document.get(name, []), f"'{name}'") for name in ("accounts", "rules", "sessions", *RECORDS)}
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
    sessions = [_session(data, f"sessions[{i}]") for i, data in enumerate(lists["sessions"])]
    keyed = _keyed(document.get("records", {}))
    values = _read_values(document.get("values", {}))
    sequences = _sequences(document.get("sequences", {}), keyed)
    return State(accounts, rules, values, sequences, **records, sessions=sessions,  # type: ignore[arg-type]
                 records=keyed)


def _list(items: object, name: str) -> list:
    if not isinstance(items, list) or len(items) > MAX_RECORDS:
        raise ValueError(f"{name} must be a list of at most {MAX_RECORDS} items")
    return items


def _session(data: object, where: str) -> Session:
    session = record(Session, data, where)
    if not SESSION_RE.match(session.id) or session.id != session.id.upper():
        raise ValueError(f"{where}.id: a session id is 36 upper-case letters and digits")
    return session


def _keyed(section: object) -> dict[str, dict[str, object]]:
    """The services' records, each checked and under the key its service keeps it by."""
    if not isinstance(section, dict):
        raise ValueError("'records' must be an object of kind -> list of records")
    unknown = sorted(set(section) - set(KINDS))
    if unknown:
        raise ValueError(f"records: unknown kinds {unknown}: a snapshot carries {sorted(KINDS)}")
    keyed: dict[str, dict[str, object]] = {}
    for kind, items in section.items():
        spec, where = KINDS[kind], f"records.{kind}"
        keyed[kind] = {}
        for i, data in enumerate(_list(items, where)):
            built = decode(spec.cls, data, f"{where}[{i}]")  # a dataclass or a TypedDict
            try:
                spec.check(built)
            except ValueError as exc:
                raise ValueError(f"{where}[{i}].{exc}") from None
            key = spec.key(built)
            if key in keyed[kind]:
                raise ValueError(f"{where}[{i}]: a second record under the key {key!r}")
            keyed[kind][key] = built
    return keyed


def _read_values(values: object) -> dict:
    if not isinstance(values, dict):
        raise ValueError("'values' must be an object")
    read_values = {}
    for key, value in values.items():
        kind = VALUES.get(key)
        if kind is None:
            raise ValueError(f"values: unknown key {key[:MAX_KEY]!r}: one of {list(VALUES)}")
        read_values[key] = None if value is None else decode(kind, value, f"values.{key}")
    offset, frozen = read_values.get(OFFSET_KEY), read_values.get(FROZEN_KEY)
    if offset is not None and abs(offset) > MAX_OFFSET:  # type: ignore[arg-type]
        raise ValueError(f"values.{OFFSET_KEY}: {offset!r} is not seconds within ±{MAX_OFFSET:.0f}")
    if frozen is not None and not Clock.reachable(frozen):  # type: ignore[arg-type]
        raise ValueError(f"values.{FROZEN_KEY}: {frozen!r} is more than {MAX_OFFSET:.0f} seconds from real time")
    return read_values


def _sequences(sequences: object, keyed: dict[str, dict[str, object]]) -> dict[str, int]:
    """The next number of each sequence; never one a loaded record already has (ids keep rising)."""
    if not isinstance(sequences, dict) or not all(
            isinstance(k, str) and len(k) <= MAX_KEY and type(v) is int and 0 <= v <= MAX_WHOLE
            for k, v in sequences.items()):
        raise ValueError(f"'sequences' must be an object of name -> next number (0 to {MAX_WHOLE})")
    following = dict(sequences)
    for kind, records in keyed.items():
        if KINDS[kind].numbered and records:
            top = max(r.id for r in records.values())  # type: ignore[attr-defined]
            if top >= MAX_WHOLE:
                raise ValueError(f"records.{kind}: an id must be below {MAX_WHOLE}")
            following[kind] = max(following.get(kind, 0), top + 1)
    return following
