"""What happens on the wire, seen from beside every surface: injected faults (mock-interface.md
§12), the journal of what clients sent (§16) and the request metrics (§14). Each surface asks
`watch.faults.draw(surface)` before it answers and wraps its work in `watch.exchange(...)`; the
HTTP surfaces do both in one middleware (web.watched), the socket listeners and the outbox
sender call them directly."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import math
import random
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Callable, Iterator

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
        verdict = Verdict()
        if not faults:
            return verdict
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


def _cut(text: str | bytes | None) -> str | None:
    if text is None:
        return None
    if isinstance(text, bytes):
        text = text[:KEPT_TEXT].decode("utf-8", "replace")
    return text[:KEPT_TEXT]


@dataclass
class Exchange:
    """One request on one surface while it is being answered."""

    surface: str
    method: str
    path: str
    query: str = ""
    headers: dict = field(default_factory=dict)
    body: str | None = None
    login: str | None = None
    status: int | str | None = None
    response: str | None = None
    message_ids: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.perf_counter)


class RequestJournal:
    FILTERS = ("surface", "login", "status", "path")

    def __init__(self, cap: int = DEFAULT_JOURNAL_CAP) -> None:
        self.entries: deque[dict] = deque(maxlen=cap)
        self._next_id = 1

    def add(self, entry: dict) -> dict:
        entry = {"id": self._next_id, **entry}
        self._next_id += 1
        self.entries.append(entry)
        return entry

    def reset(self) -> None:
        self.entries.clear()

    def forget_login(self, login: str) -> None:
        kept = [e for e in self.entries if e.get("login") != login]
        self.entries.clear()
        self.entries.extend(kept)


class Watch:
    """Faults, the journal and the request metrics of one emulator."""

    def __init__(self, platform, surfaces: Callable[[], list[str]], notify: Callable[[], None],
                 journal_cap: int = DEFAULT_JOURNAL_CAP) -> None:
        self.platform = platform
        self.faults = Faults(platform.store, surfaces)
        self.journal = RequestJournal(journal_cap)
        self.observers: list[Callable[[dict, float], None]] = []  # (entry, seconds): the metrics
        self._notify = notify
        platform.subscribe(self._on_event)

    def _on_event(self, event) -> None:
        # A message accepted while a request is being answered belongs to that request (a
        # context variable: each HTTP request is its own task, an SMPP PDU is handled in one go).
        exchange = _EXCHANGE.get()
        if exchange is not None and isinstance(event, MessageAccepted):
            exchange.message_ids.append(event.message.id)
            exchange.login = exchange.login or event.message.login

    @contextlib.contextmanager
    def exchange(self, surface: str, method: str, path: str, **details) -> Iterator[Exchange]:
        exchange = Exchange(surface, method, path, **details)
        token = _EXCHANGE.set(exchange)
        try:
            yield exchange
        finally:
            _EXCHANGE.reset(token)
            self.record(exchange)

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

    def record(self, exchange: Exchange) -> dict:
        seconds = time.perf_counter() - exchange.started
        entry = self.journal.add({
            "at": iso(self.platform.now()), "surface": exchange.surface, "method": exchange.method,
            "path": exchange.path, "query": exchange.query, "headers": exchange.headers,
            "body": _cut(exchange.body), "status": exchange.status, "response": _cut(exchange.response),
            "login": exchange.login, "message_ids": list(exchange.message_ids),
            "duration_ms": round(seconds * 1000, 3),
        })
        for observer in self.observers:
            observer(entry, seconds)
        self._notify()
        return entry
