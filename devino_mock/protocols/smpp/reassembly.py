"""Long messages that arrive as several submit_sm (UDH or SAR): parts wait here, each already
answered with the id reserved for its segment, until the last one makes the message whole
(smpp.md §7, §17.1 item 4). Parts are joined by account, source, destination and reference,
across sessions of the same account."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from devino_mock.protocols.smpp.coding import Concatenation


@dataclass(frozen=True)
class PartKey:
    login: str
    source: str
    destination: str
    method: str
    reference: int
    total: int


@dataclass
class Part:
    payload: bytes
    data_coding: int
    receipt_mode: int  # registered_delivery bits 1-0 of this part's submit_sm


@dataclass
class PendingMessage:
    key: PartKey
    ids: list[str]  # one reserved id per declared segment
    started_at: datetime
    template: dict  # what the first part said about the whole message (times, TON/NPI, ...)
    parts: dict[int, Part] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return len(self.parts) == self.key.total

    def id_for(self, sequence: int) -> str:
        return self.ids[sequence - 1]


class Reassembler:
    def __init__(self) -> None:
        self._pending: dict[PartKey, PendingMessage] = {}
        self._by_id: dict[str, PendingMessage] = {}

    @staticmethod
    def key(login: str, source: str, destination: str, concat: Concatenation) -> PartKey:
        return PartKey(login, source, destination, concat.method, concat.reference, concat.total)

    def get(self, key: PartKey) -> PendingMessage | None:
        return self._pending.get(key)

    def start(self, key: PartKey, ids: list[str], now: datetime, template: dict) -> PendingMessage:
        pending = PendingMessage(key, ids, now, template)
        self._pending[key] = pending
        for segment_id in ids:
            self._by_id[segment_id] = pending
        return pending

    def pop(self, pending: PendingMessage) -> None:
        if self._pending.get(pending.key) is pending:
            del self._pending[pending.key]
        for segment_id in pending.ids:
            self._by_id.pop(segment_id, None)

    def holding(self, segment_id: str) -> PendingMessage | None:
        """The incomplete message a reserved id belongs to."""
        return self._by_id.get(segment_id)

    def clear(self) -> None:
        self._pending.clear()
        self._by_id.clear()
