"""What happens on the wire, seen from beside every surface: injected faults (mock-interface.md
§12), the journal of what clients sent (§16) and the request metrics (§14). Each surface asks
`watch.faults.draw(surface)` before it answers and wraps its work in `watch.exchange(...)`; the
HTTP surfaces do both in one middleware (web.watched), the socket listeners and the outbox
sender call them directly."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import contextvars
import math
import random
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Callable, Mapping
from urllib.parse import parse_qsl

from devino_mock.control.table import ControlError
from devino_mock.control.views import iso
from devino_mock.core.events import MessageAccepted

FAULTS_KEY = "faults"  # a store value: faults are state (kept in snapshots, cleared by reset)
FAULT_KINDS = ("latency", "error", "disconnect")
MAX_DELAY_MS = 60_000
MAX_FAULTS = 100
KEPT_TEXT = 64 * 1024  # bodies and answers in the journal are cut here
DEFAULT_JOURNAL_CAP = 10_000
SMPP_STATUS_NAMES = {"ESME_RTHROTTLED": 0x58, "ESME_RSYSERR": 0x08, "ESME_RMSGQFUL": 0x14,
                     "ESME_RSUBMITFAIL": 0x45, "ESME_RUNKNOWNERR": 0xFF}


# --- faults ----------------------------------------------------------------------------


@dataclass
class Verdict:
    """What the faults that fired for one request make the surface do."""

    delay: float = 0.0  # seconds to wait before anything else
    error: dict | None = None  # the error fault that fired (its status / command_status)
    disconnect: bool = False

    @property
    def fired(self) -> bool:
        return bool(self.delay or self.error or self.disconnect)


NO_FAULT = Verdict()  # what most requests draw; nobody changes it


def _number(data: dict, name: str, low: float, high: float, default, whole: bool = False):
    value = data.get(name, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or not low <= value <= high or (whole and value != int(value)):
        kind = "a whole number" if whole else "a number"
        raise ControlError(f"'{name}' must be {kind} from {low:g} to {high:g}")
    return int(value) if whole else float(value)


class Faults:
    """The active faults, kept as a store value; each has its own seeded random draw."""

    def __init__(self, store, surfaces: Callable[[], list[str]]) -> None:
        self._store = store
        self._surfaces = surfaces
        self._draws: dict[int, random.Random] = {}  # an index: rebuilt from each fault's seed

    def surfaces(self) -> list[str]:
        """Every surface a fault may target."""
        return list(self._surfaces())

    def active(self) -> list[dict]:
        return list(self._store.value(FAULTS_KEY, None) or [])

    def validate(self, data: dict) -> dict:
        known = {"surface", "kind", "delay_ms", "status", "command_status", "rate", "count", "seed"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ControlError(f"unknown fault fields {unknown}: known are {sorted(known)}")
        surfaces = self._surfaces()
        surface, kind = data.get("surface"), data.get("kind")
        if surface not in surfaces:
            raise ControlError(f"'surface' must be one of {surfaces}")
        if kind not in FAULT_KINDS:
            raise ControlError(f"'kind' must be one of {list(FAULT_KINDS)}")
        fault: dict = {"surface": surface, "kind": kind}
        if kind == "latency":
            fault["delay_ms"] = _number(data, "delay_ms", 0, MAX_DELAY_MS, 1000, whole=True)
        elif "delay_ms" in data:
            raise ControlError("'delay_ms' belongs to kind 'latency'")
        if kind == "error":
            fault["status"] = _number(data, "status", 100, 599, 503, whole=True)
            command_status = data.get("command_status", "ESME_RTHROTTLED")
            if isinstance(command_status, str) and command_status in SMPP_STATUS_NAMES:
                command_status = SMPP_STATUS_NAMES[command_status]
            if isinstance(command_status, bool) or not isinstance(command_status, int) \
                    or not 1 <= command_status <= 0xFFFFFFFF:
                raise ControlError(f"'command_status' must be an SMPP status number or one of "
                                   f"{sorted(SMPP_STATUS_NAMES)}")
            fault["command_status"] = command_status
        fault["rate"] = _number(data, "rate", 0, 1, 1.0)
        fault["count"] = _number(data, "count", 1, 10**9, None, whole=True)
        fault["seed"] = _number(data, "seed", -(2**63), 2**63 - 1, None, whole=True)
        return fault

    def add(self, data: dict) -> dict:
        fault = self.validate(data)
        faults = self.active()
        if len(faults) >= MAX_FAULTS:
            raise ControlError(f"at most {MAX_FAULTS} faults at once")
        [number] = self._store.next_ids("fault", 1, 1)
        fault = {"id": number, **fault, "fired": 0}
        self._store.set_value(FAULTS_KEY, [*faults, fault])
        return fault

    def clear(self, fault_id: int | None = None) -> bool:
        faults = self.active()
        kept = [f for f in faults if fault_id is not None and f["id"] != fault_id]
        self._store.set_value(FAULTS_KEY, kept)
        return len(kept) != len(faults)

    def draw(self, surface: str) -> Verdict:
        """Which of `surface`'s faults fire for one request (each counts what it fired)."""
        faults = self._store.value(FAULTS_KEY, None)
        if not faults:
            return NO_FAULT
        verdict = Verdict()
        changed = False
        for fault in faults:
            if fault["surface"] != surface or (fault["count"] is not None and fault["fired"] >= fault["count"]):
                continue
            if fault["rate"] < 1:
                draw = self._draws.get(fault["id"])
                if draw is None:
                    draw = self._draws[fault["id"]] = random.Random(fault["seed"])
                if draw.random() >= fault["rate"]:
                    continue
            fault["fired"] += 1
            changed = True
            if fault["kind"] == "latency":
                verdict.delay += fault["delay_ms"] / 1000
            elif fault["kind"] == "error":
                verdict.error = verdict.error or fault
            else:
                verdict.disconnect = True
        if changed:
            self._store.set_value(FAULTS_KEY, faults)
        return verdict


# --- the request journal -----------------------------------------------------------------

_EXCHANGE: contextvars.ContextVar["Exchange | None"] = contextvars.ContextVar("devino_mock_exchange", default=None)


def _cut(text: str | bytes | None, charset: str | None = None) -> str | None:
    if text is None:
        return None
    if isinstance(text, (bytes, bytearray)):
        try:
            return bytes(text[:KEPT_TEXT]).decode(charset or "utf-8", "replace")
        except LookupError:  # a charset Python does not know
            return bytes(text[:KEPT_TEXT]).decode("utf-8", "replace")
    return text[:KEPT_TEXT]


def _login_in(query: str, headers, body) -> str | None:
    """Who an HTTP request says it is, as far as the journal can tell without the surface:
    a `login` parameter (query or urlencoded body), else Basic credentials."""
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key.lower() == "login":
            return value
    content_type = headers.get("Content-Type", "").partition(";")[0].strip().lower()
    if content_type == "application/x-www-form-urlencoded" and body:
        text = body[:65536].decode("utf-8", "replace") if isinstance(body, (bytes, bytearray)) else body[:65536]
        for key, value in parse_qsl(text, keep_blank_values=True):
            if key.lower() == "login" and value:
                return value
    auth = headers.get("Authorization", "")
    if auth[:6].lower() == "basic ":
        with contextlib.suppress(ValueError, UnicodeDecodeError):
            return base64.b64decode(auth[6:].strip()).decode("utf-8").partition(":")[0] or None
    return None


class _NoHeaders(dict):
    """The headers of a request that has none (SMPP, SMTP, FTP): one shared, hashable empty."""

    __hash__ = object.__hash__  # type: ignore[assignment]


NO_HEADERS = _NoHeaders()


@dataclass(slots=True)
class Exchange:
    """One request on one surface while it is being answered. Kept as it came (the headers
    mapping, the body's bytes): the journal shows it when asked, answering comes first."""

    surface: str
    method: str
    path: str
    query: str = ""
    headers: Mapping[str, str] = NO_HEADERS
    body: str | bytes | None = None
    login: str | None = None
    status: int | str | None = None
    response: str | bytes | None = None
    charset: str | None = None  # of a response kept as bytes
    message_ids: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.perf_counter)
    http: bool = False  # an HTTP request: who it is may be read from its parameters


_NOT_READ = object()  # a login not yet read from the request


class JournalEntry:
    """One journalled request: its view is built on first read and kept."""

    __slots__ = ("id", "at", "surface", "status", "exchange", "duration_ms", "_login", "_view")

    def __init__(self, number: int, at, exchange: Exchange, seconds: float) -> None:
        self.id, self.at, self.exchange = number, at, exchange
        self.surface, self.status = exchange.surface, exchange.status
        self.duration_ms = round(seconds * 1000, 3)
        self._login = exchange.login if exchange.login is not None or not exchange.http else _NOT_READ
        self._view: dict | None = None

    @property
    def login(self) -> str | None:
        if self._login is _NOT_READ:
            e = self.exchange
            self._login = _login_in(e.query, e.headers, e.body)
        return self._login  # type: ignore[return-value]

    def get(self, key: str) -> object:
        return self.login if key == "login" else self.view().get(key)

    def view(self) -> dict:
        if self._view is None:
            e = self.exchange
            self._view = {
                "id": self.id, "at": iso(self.at), "surface": e.surface, "method": e.method, "path": e.path,
                "query": e.query, "headers": dict(e.headers), "body": _cut(e.body), "status": e.status,
                "response": _cut(e.response, e.charset), "login": self.login, "message_ids": list(e.message_ids),
                "duration_ms": self.duration_ms,
            }
            self.exchange = None  # type: ignore[assignment]  # the view holds what is kept
        return self._view


class RequestJournal:
    FILTERS = ("surface", "login", "status", "path")

    def __init__(self, cap: int = DEFAULT_JOURNAL_CAP) -> None:
        self.entries: deque[JournalEntry] = deque(maxlen=cap)
        self._next_id = 1

    def add(self, at, exchange: Exchange, seconds: float) -> JournalEntry:
        entry = JournalEntry(self._next_id, at, exchange, seconds)
        self._next_id += 1
        self.entries.append(entry)
        return entry

    def reset(self) -> None:
        self.entries.clear()

    def forget_login(self, login: str) -> None:
        kept = [e for e in self.entries if e.login != login]
        self.entries.clear()
        self.entries.extend(kept)


class _Watching:
    """The context of one exchange (a class: a generator-based context manager costs several
    times more, on every request of every surface)."""

    __slots__ = ("watch", "exchange", "token")

    def __init__(self, watch: "Watch", exchange: Exchange) -> None:
        self.watch, self.exchange = watch, exchange

    def __enter__(self) -> Exchange:
        self.token = _EXCHANGE.set(self.exchange)
        return self.exchange

    def __exit__(self, *_exc: object) -> None:
        _EXCHANGE.reset(self.token)
        self.watch.record(self.exchange)


class Watch:
    """Faults, the journal and the request metrics of one emulator."""

    def __init__(self, platform, surfaces: Callable[[], list[str]], notify: Callable[[], None],
                 journal_cap: int = DEFAULT_JOURNAL_CAP) -> None:
        self.platform = platform
        self.faults = Faults(platform.store, surfaces)
        self.journal = RequestJournal(journal_cap)
        self.observers: list[Callable[[JournalEntry, float], None]] = []  # (entry, seconds): the metrics
        self._notify = notify
        platform.subscribe(self._on_event, MessageAccepted)

    def _on_event(self, event) -> None:
        # A message accepted while a request is being answered belongs to that request (a
        # context variable: each HTTP request is its own task, an SMPP PDU is handled in one go).
        exchange = _EXCHANGE.get()
        if exchange is not None and isinstance(event, MessageAccepted):
            exchange.message_ids.append(event.message.id)
            exchange.login = exchange.login or event.message.login

    def exchange(self, surface: str, method: str, path: str, **details) -> "_Watching":
        """`with watch.exchange(...) as exchange:` the request is journalled when it ends."""
        return _Watching(self, Exchange(surface, method, path, **details))

    def callback_sender(self, send):
        """The outbox's sender with the "callbacks" surface's faults in front of it."""

        async def sender(callback, timeout: float):
            verdict = self.faults.draw("callbacks")
            if verdict.delay:
                await asyncio.sleep(verdict.delay)
            if verdict.disconnect:
                return None, "injected fault: the connection was closed"
            if verdict.error:
                return verdict.error["status"], "injected fault"
            return await send(callback, timeout)

        return sender

    def record(self, exchange: Exchange) -> JournalEntry:
        seconds = time.perf_counter() - exchange.started
        entry = self.journal.add(self.platform.now(), exchange, seconds)
        for observer in self.observers:
            observer(entry, seconds)
        self._notify()
        return entry
