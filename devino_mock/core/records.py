"""The platform's records: messages of every channel, incoming messages, submissions (mail and
files handed in) and callbacks. Plain data: the platform changes them and writes them back
through the store."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Callable

from devino_mock.core.channels import CHANNELS, Step


NO_EXTRA = MappingProxyType({})  # shared by every message without transport details (most of them)


def flat_steps(steps) -> tuple:
    """Steps as one plain tuple (at, status, error, at, status, …): no object per step, and
    the garbage collector stops tracking a plain tuple of datetimes and strings, so a journal
    of hundreds of thousands costs neither memory per step nor time in every full collection."""
    out: list = []
    for step in steps:
        out.extend(step)
    return tuple(out)


def compact_parts(parts, text: str) -> tuple[str, ...]:
    """A text that went whole keeps no copy of itself as its one part (Message.parts)."""
    parts = tuple(parts)
    return () if len(parts) == 1 and parts[0] == text else parts


def unflat_steps(flat: tuple) -> tuple[Step, ...]:
    return tuple(Step(flat[i], flat[i + 1], flat[i + 2]) for i in range(0, len(flat), 3))


@dataclass(slots=True)
class Message:
    """One logical message to one recipient; an SMS has one id per segment. Kept lean (slots,
    tuples, shared empties): a journal holds hundreds of thousands."""

    ids: tuple[str, ...]
    channel: str
    transport: str
    login: str
    source: str
    destination: str
    text: str
    text_parts: tuple[str, ...]  # the text as sent in parts; () when it went whole (see `parts`)
    encoding: str
    price: Decimal  # per segment
    created_at: datetime
    send_at: datetime
    validity: timedelta  # from send_at to expires_at; one shared object for the usual validities
    # Every status so far with its instant, and the steps still to come, in order: flat (see
    # flat_steps); `history` and `planned` show them as Steps. The last step of the history
    # is the message's `status` and `error`.
    history_flat: tuple
    planned_flat: tuple = ()
    extra: dict = field(default_factory=lambda: NO_EXTRA)  # type: ignore[assignment]  # transport details
    subject: str | None = None  # e-mail only
    parent: str | None = None  # the message this one stands in for (a fallback stage)
    fallback: str | None = None  # the message that stands in for this one

    @property
    def id(self) -> str:
        return self.ids[0]

    @property
    def segments(self) -> int:
        return len(self.ids)

    @property
    def final(self) -> bool:
        return CHANNELS[self.channel].is_final(self.status)

    @property
    def expires_at(self) -> datetime:
        return self.send_at + self.validity

    @expires_at.setter
    def expires_at(self, at: datetime) -> None:
        self.validity = at - self.send_at

    @property
    def status(self) -> str:
        """A status name of the message's channel."""
        return self.history_flat[-2]

    @property
    def error(self) -> str | None:
        """The reason a failed status carries (Viber's not-viber-user, …)."""
        return self.history_flat[-1]

    @property
    def parts(self) -> tuple[str, ...]:
        return self.text_parts or (self.text,)

    @parts.setter
    def parts(self, parts) -> None:
        self.text_parts = compact_parts(parts, self.text)

    @property
    def submitted_at(self) -> datetime | None:
        """When the message was handed to the network: its `sent` step, or a delivery that
        came without one."""
        channel = CHANNELS[self.channel]
        flat, at = self.history_flat, None
        for i in range(0, len(flat), 3):
            if flat[i + 1] == channel.sent or (at is None and flat[i + 1] == channel.default_final):
                at = flat[i]
        return at

    @property
    def reported_at(self) -> datetime | None:
        """When the network last reported on it: its latest step past `sent`."""
        channel = CHANNELS[self.channel]
        flat = self.history_flat
        for i in range(len(flat) - 3, -1, -3):
            if flat[i + 1] != channel.sent and flat[i + 1] != channel.initial:
                return flat[i]
        return None

    @property
    def history(self) -> tuple[Step, ...]:
        return unflat_steps(self.history_flat)

    @history.setter
    def history(self, steps) -> None:
        self.history_flat = flat_steps(steps)

    @property
    def planned(self) -> tuple[Step, ...]:
        return unflat_steps(self.planned_flat)

    @planned.setter
    def planned(self, steps) -> None:
        self.planned_flat = flat_steps(steps)

    @property
    def last_change(self) -> datetime:
        """When the message took its current status."""
        return self.history_flat[-3] if self.history_flat else self.created_at

    def take_planned(self) -> Step:
        """The next planned step, removed from the plan."""
        flat = self.planned_flat
        self.planned_flat = flat[3:]
        return Step(flat[0], flat[1], flat[2])


@dataclass(slots=True)
class Incoming:
    id: int
    channel: str
    login: str
    source: str  # the subscriber who sent it
    destination: str  # the client's incoming number (or the sender name a Viber reply answers)
    text: str
    created_at: datetime
    parent_id: str | None = None  # Viber: the outgoing message the subscriber answered


ACCEPTED, REJECTED = "accepted", "rejected"


@dataclass(slots=True)
class Submission:
    """What a client handed in over a channel that has no reply able to carry the outcome (an
    e-mail to the Email2SMS mailbox, a file in the FTP drop folder), and what became of it."""

    id: int
    transport: str  # smtp, ftp, …
    service: str  # what it was addressed to, e.g. "email2sms" or "email"
    received_at: datetime
    outcome: str  # ACCEPTED or REJECTED
    login: str | None = None
    error: str | None = None  # a domain error kind, or the adapter's own kind (e.g. "format")
    reason: str | None = None  # why it was rejected, for people
    message_ids: list[str] = field(default_factory=list)
    details: dict = field(default_factory=dict)  # the adapter's JSON-ready description


PENDING, DELIVERED, GAVE_UP = "pending", "delivered", "gave_up"


@dataclass(slots=True)
class Attempt:
    at: datetime
    http_status: int | None
    error: str | None


@dataclass(slots=True)
class Callback:
    """One request the platform pushes to a client's URL, with every attempt to deliver it."""

    id: int
    kind: str  # viber_status, viber_incoming, vk_status, email, sms_incoming
    login: str
    url: str
    body: str
    content_type: str
    created_at: datetime
    message_id: str | None = None
    method: str = "POST"
    state: str = PENDING
    attempts: list[Attempt] = field(default_factory=list)
    next_attempt_at: datetime | None = None
    queue: str = ""  # callbacks of one queue go out in order (one message's status changes)


def _anything(record: Any) -> None:
    """No rule beyond the types of the fields."""


@dataclass(frozen=True)
class RecordKind:
    """One kind of a service's keyed records (Store.put): the class of its records, the key
    each is kept under, and what a record read back from a snapshot must hold beyond the types
    of its fields (a ValueError naming the field)."""

    cls: type  # a dataclass, or a TypedDict for plain dict records
    key: Callable[[Any], str]
    check: Callable[[Any], None] = _anything
    numbered: bool = False  # its records' `id` comes from the store's sequence named after the kind
