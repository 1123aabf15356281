"""Submissions: what a client handed in over a channel that has no reply able to carry the
outcome (an e-mail to the Email2SMS mailbox, a file in the FTP drop folder), and what the
platform made of it. Adapters record every one, accepted or not, so tests can see why
nothing was sent."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

ACCEPTED, REJECTED = "accepted", "rejected"


@dataclass
class Submission:
    id: int
    transport: str  # smtp, ftp, …
    service: str  # what it was addressed to, e.g. "email2sms" or "email"
    received_at: datetime
    outcome: str  # ACCEPTED or REJECTED
    login: str | None = None  # the account, when the submission named one
    error: str | None = None  # a domain error kind, or the adapter's own kind (e.g. "format")
    reason: str | None = None  # why it was rejected, for people
    message_ids: list[str] = field(default_factory=list)  # first id of every message it created
    details: dict = field(default_factory=dict)  # the adapter's JSON-ready description
