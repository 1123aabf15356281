"""Message records: one logical message per recipient, one id per segment."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

# SMS statuses (http-rest.md §4.2), shared by every SMS transport.
SMS_STATUS_TEXT = {
    -1: "Отправлено (передано в мобильную сеть)",
    -2: "В очереди",
    47: "Удалено",
    -98: "Остановлено",
    0: "Доставлено абоненту",
    10: "Неверно введен адрес отправителя",
    11: "Неверно введен адрес получателя",
    41: "Недопустимый адрес получателя",
    42: "Отклонено смс-центром",
    46: "Просрочено (истек срок жизни сообщения)",
    48: "Отклонено Платформой",
    69: "Отклонено",
    99: "Неизвестный",
    255: "Неизвестный",
}
QUEUED, SENT, DELIVERED, EXPIRED, UNKNOWN = -2, -1, 0, 46, 255
SMS_FINAL = frozenset({0, 10, 11, 41, 42, 46, 47, 48, 69, 99, -98})

STATUS_NAMES = {
    -2: "queued",
    -1: "sent",
    0: "delivered",
    10: "invalid_source",
    11: "invalid_destination",
    41: "destination_not_allowed",
    42: "rejected_by_smsc",
    46: "expired",
    47: "deleted",
    48: "rejected_by_platform",
    69: "rejected",
    99: "unknown",
    -98: "stopped",
}
STATUS_BY_NAME = {name: code for code, name in STATUS_NAMES.items()}

# Transactional e-mail states (email-http.md §2.7): kept as the documented names, shared by
# every e-mail transport (SMTP API, e-mail HTTP API).
EMAIL_STATUS_TEXT = {
    "NotSent": "Отправляется",
    "Sent": "Отправлено",
    "Delivered": "Доставлено",
    "Read": "Прочитано",
    "Clicked": "Переход по ссылке",
    "Bounced": "Не удалось доставить",
    "Rejected": "Отклонено (сообщение не было отправлено)",
}
EMAIL_NOT_SENT, EMAIL_SENT, EMAIL_DELIVERED = "NotSent", "Sent", "Delivered"
EMAIL_FINAL = frozenset({"Delivered", "Read", "Clicked", "Bounced", "Rejected"})


class IdSequence:
    """18-digit message ids, consecutive within a message. Never reused within a process,
    so ids stay unique in a client's database across emulator resets."""

    def __init__(self, start: int = 579_700_000_000_000_001) -> None:
        self._next = itertools.count(start)

    def take(self, n: int) -> list[str]:
        return [str(next(self._next)) for _ in range(n)]


@dataclass
class Message:
    ids: list[str]
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
    status: int | str = QUEUED  # SMS: the int codes above; e-mail: an EMAIL_STATUS_TEXT name
    submitted_at: datetime | None = None
    reported_at: datetime | None = None
    history: list[tuple[datetime, int]] = field(default_factory=list)
    planned: list[tuple[datetime, int]] = field(default_factory=list)
    extra: dict = field(default_factory=dict)  # transport details (e.g. SMPP registered_delivery)
    subject: str | None = None  # e-mail only
    version: int = 0  # bumped when a plan is replaced; stale scheduled steps are ignored

    @property
    def id(self) -> str:
        return self.ids[0]

    @property
    def segments(self) -> int:
        return len(self.ids)

    @property
    def final(self) -> bool:
        return self.status in SMS_FINAL or self.status in EMAIL_FINAL


@dataclass
class Incoming:
    id: int
    channel: str
    login: str
    source: str  # the subscriber who sent it
    destination: str  # the client's incoming number
    text: str
    created_at: datetime
