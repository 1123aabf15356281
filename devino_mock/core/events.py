"""What the platform tells its listeners (SMPP receipts, callbacks, chains, the web UI)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from devino_mock.core.records import Attempt, Callback, Incoming, Message, Submission


@dataclass(frozen=True)
class MessageAccepted:
    message: Message

    @property
    def channel(self) -> str | None:  # every event names its channel (None: no channel's)
        return self.message.channel


@dataclass(frozen=True)
class StatusChanged:
    message: Message
    previous: str
    status: str
    at: datetime
    error: str | None = None

    @property
    def channel(self) -> str | None:
        return self.message.channel


@dataclass(frozen=True)
class RecipientAction:
    """Something a recipient did with a message that is not a status of it: an e-mail
    recipient unsubscribed, subscribed again or complained (email-http.md §6.1)."""

    message: Message
    action: str  # lower case: "unsubscribed", "subscribed", "complained"
    at: datetime
    details: dict

    @property
    def channel(self) -> str | None:
        return self.message.channel


@dataclass(frozen=True)
class IncomingReceived:
    incoming: Incoming

    @property
    def channel(self) -> str | None:
        return self.incoming.channel


@dataclass(frozen=True)
class CallbackAttempted:
    callback: Callback
    attempt: Attempt
    channel = None


@dataclass(frozen=True)
class SubmissionRecorded:
    submission: Submission
    channel = None


Event = MessageAccepted | StatusChanged | RecipientAction | IncomingReceived | CallbackAttempted | SubmissionRecorded
