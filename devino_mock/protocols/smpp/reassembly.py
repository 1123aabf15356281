"""Long messages that arrive as several submit_sm (UDH or SAR): parts wait here, each already
answered with the id reserved for its segment, until the last one makes the message whole
(smpp.md §7, §17.1 item 4). Parts are joined by account, source, destination and reference,
across sessions of the same account."""

from __future__ import annotations

from collections import Counter
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
    owner: object = None  # the session whose part started it (counted against that session)

    @property
    def complete(self) -> bool:
        return len(self.parts) == self.key.total

    def id_for(self, sequence: int) -> str:
        return self.ids[sequence - 1]


# Half-finished long messages one client may hold (not documented; suggested). Each holds its
# parts and one reserved id per declared segment (~20 KB for 255 parts) until it completes or
# the reassembly timeout sends what arrived; without a cap one client could fill the memory.
MAX_PENDING_PER_SESSION = 100
MAX_PENDING_PER_ACCOUNT = 250  # below 4 sessions x 100: binding more sessions gains nothing


class Reassembler:
    def __init__(self, per_session: int = MAX_PENDING_PER_SESSION, per_account: int = MAX_PENDING_PER_ACCOUNT) -> None:
        self._pending: dict[PartKey, PendingMessage] = {}
        self._by_id: dict[str, PendingMessage] = {}
        self.per_session = per_session
        self.per_account = per_account
        self._per_login: Counter[str] = Counter()
        self._per_owner: Counter[int] = Counter()

    def room_for(self, login: str, owner: object) -> str | None:
        """None when one more message may start; else why not."""
        if self._per_owner[id(owner)] >= self.per_session:
            return f"{self.per_session} long messages of this session are incomplete"
        if self._per_login[login] >= self.per_account:
            return f"{self.per_account} long messages of {login!r} are incomplete"
        return None

    @staticmethod
    def key(login: str, source: str, destination: str, concat: Concatenation) -> PartKey:
        return PartKey(login, source, destination, concat.method, concat.reference, concat.total)

    def get(self, key: PartKey) -> PendingMessage | None:
        return self._pending.get(key)

    def start(self, key: PartKey, ids: list[str], now: datetime, template: dict, owner: object = None) -> PendingMessage:
        pending = PendingMessage(key, ids, now, template, owner=owner)
        self._pending[key] = pending
        self._per_login[key.login] += 1
        self._per_owner[id(owner)] += 1
        for segment_id in ids:
            self._by_id[segment_id] = pending
        return pending

    def pop(self, pending: PendingMessage) -> None:
        if self._pending.get(pending.key) is pending:
            del self._pending[pending.key]
            _decrement(self._per_login, pending.key.login)
            _decrement(self._per_owner, id(pending.owner))
        for segment_id in pending.ids:
            self._by_id.pop(segment_id, None)

    def holding(self, segment_id: str) -> PendingMessage | None:
        """The incomplete message a reserved id belongs to."""
        return self._by_id.get(segment_id)

    def forget_login(self, login: str) -> None:
        """A scoped reset: the account's half-arrived messages go (their expiry finds them gone)."""
        for pending in [p for key, p in self._pending.items() if key.login == login]:
            self.pop(pending)

    def clear(self) -> None:
        self._pending.clear()
        self._by_id.clear()
        self._per_login.clear()
        self._per_owner.clear()


def _decrement(counter: Counter, key: object) -> None:
    counter[key] -= 1
    if counter[key] <= 0:
        del counter[key]
