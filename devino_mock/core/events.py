"""What the platform tells its listeners (SMPP receipts, callbacks, the web UI)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from devino_mock.core.messages import Incoming, Message


@dataclass(frozen=True)
class MessageAccepted:
    message: Message


@dataclass(frozen=True)
class StatusChanged:
    message: Message
    previous: int
    status: int
    at: datetime


@dataclass(frozen=True)
class IncomingReceived:
    incoming: Incoming


Event = MessageAccepted | StatusChanged | IncomingReceived
