"""Transactional e-mail (email-http.md §2.7): documented state names, shared by every e-mail
transport (the SMTP e-mail API, the e-mail HTTP API)."""

from __future__ import annotations

from decimal import Decimal

from devino_mock.core.addresses import normalize_email
from devino_mock.core.channels.base import Channel, SendingSpec, Status, linear_plan
from devino_mock.core.text import Segmentation

STATUSES = (
    Status("NotSent", "Отправляется"),
    Status("Sent", "Отправлено"),
    Status("Delivered", "Доставлено", True),
    Status("Read", "Прочитано", True),
    Status("Clicked", "Переход по ссылке", True),
    Status("Bounced", "Не удалось доставить", True),
    Status("Rejected", "Отклонено (сообщение не было отправлено)", True),
)

def _sender_allowed(account, source: str) -> bool:
    address = normalize_email(source)
    return address is not None and account.email_sender_allowed(address)


SENDING = SendingSpec(
    required=(),
    address=normalize_email,
    segment=lambda request: Segmentation("utf-8", len(request.text or ""), ()),  # no SMS segments
    sender_allowed=_sender_allowed,
    source=lambda source: normalize_email(source) or source,
)

EMAIL = Channel(
    name="email",
    statuses=STATUSES,
    initial="NotSent",
    default_final="Delivered",
    expired="Bounced",
    sent="Sent",
    planner=linear_plan,
    id_sequence="segment",
    sending=SENDING,
    default_price=Decimal(0),  # no e-mail tariff is documented
    label="e-mail",
)
