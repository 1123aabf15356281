"""The platform's records: messages of every channel, incoming messages, submissions (mail and
files handed in) and callbacks. Plain data: the platform changes them and writes them back
through the store."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from types import MappingProxyType

from devino_mock.core.channels import CHANNELS, Step


NO_EXTRA = MappingProxyType({})  # shared by every message without transport details (most of them)


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
    parts: tuple[str, ...]
    encoding: str
    price: Decimal  # per segment
    created_at: datetime
    send_at: datetime
    expires_at: datetime
    status: str  # a status name of the message's channel
    error: str | None = None  # the reason a failed status carries (Viber's not-viber-user, …)
    submitted_at: datetime | None = None
    reported_at: datetime | None = None
    history: tuple[Step, ...] = ()  # every status so far, with its instant
    planned: tuple[Step, ...] = ()  # the steps still to come, in order
    extra: dict = field(default_factory=lambda: NO_EXTRA)  # type: ignore[assignment]  # transport details
    subject: str | None = None  # e-mail only
    parent: str | None = None  # the message this one stands in for (a fallback stage)
    fallback: str | None = None  # the message that stands in for this one
    version: int = 0  # bumped when a plan is replaced; stale scheduled steps are ignored

    @property
    def id(self) -> str:
        return self.ids[0]

    @property
    def segments(self) -> int:
        return len(self.ids)

    @property
    def final(self) -> bool:
        return CHANNELS[self.channel].is_final(self.status)


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
