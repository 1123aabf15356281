"""SMS (http-rest.md §4.2, §7.8): numeric states shared by REST, SOAP, SMPP and the XML API."""

from __future__ import annotations

import math
from datetime import timedelta
from decimal import Decimal

from devino_mock.core.channels.base import Channel, SendingSpec, Status, Step, linear_plan
from devino_mock.core.numbers import normalize
from devino_mock.core.text import Segmentation, segment

MAX_TEXT = 2000

REST = "rest"  # the numeric State of REST and SOAP, also what the control API shows


def _s(name: str, code: int, text: str, final: bool = False) -> Status:
    return Status(name, text, final, {REST: code})


STATUSES = (
    _s("queued", -2, "В очереди"),
    _s("sent", -1, "Отправлено (передано в мобильную сеть)"),
    _s("delivered", 0, "Доставлено абоненту", True),
    _s("invalid_source", 10, "Неверно введен адрес отправителя", True),
    _s("invalid_destination", 11, "Неверно введен адрес получателя", True),
    _s("destination_not_allowed", 41, "Недопустимый адрес получателя", True),
    _s("rejected_by_smsc", 42, "Отклонено смс-центром", True),
    _s("expired", 46, "Просрочено (истек срок жизни сообщения)", True),
    _s("deleted", 47, "Удалено", True),
    _s("rejected_by_platform", 48, "Отклонено Платформой", True),
    _s("rejected", 69, "Отклонено", True),
    _s("unknown", 99, "Неизвестный", True),
    _s("stopped", -98, "Остановлено", True),
)
# Not a message status but the answer for an id the platform cannot show (http-rest.md §4.2).
NOT_FOUND_CODE, NOT_FOUND_TEXT = 255, "Неизвестный"

# Rejected before reaching the network: straight from the queue to the final status.
REJECTED_IN_QUEUE = frozenset({"invalid_source", "invalid_destination", "destination_not_allowed", "deleted",
                               "rejected_by_platform", "rejected", "stopped"})


def plan_sms(channel: Channel, message, outcome) -> list[Step]:
    final = outcome.status
    if final in REJECTED_IN_QUEUE and not math.isinf(outcome.submit_delay):
        submit = message.send_at + timedelta(seconds=outcome.submit_delay)
        return [Step(min(submit, message.expires_at), final)]
    return linear_plan(channel, message, outcome)


def segment_request(request) -> Segmentation:
    """The request's text in segments, or the parts it arrived in (SMPP UDH/SAR)."""
    whole = segment(request.text or "")
    if not request.parts:
        return whole
    return Segmentation(whole.encoding, whole.units, tuple(request.parts))


SENDING = SendingSpec(
    required=("destination", "text", "source"),
    address=normalize,
    segment=segment_request,
    sender_allowed=lambda account, source: account.sender_allowed(source),
    max_text=MAX_TEXT,
)

SMS = Channel(
    name="sms",
    statuses=STATUSES,
    initial="queued",
    default_final="delivered",
    expired="expired",
    sent="sent",
    planner=plan_sms,
    id_sequence="segment",
    sending=SENDING,
    default_price=Decimal("1.00"),
    view_code=REST,
)


def code(status: str) -> int:
    """The numeric State of an SMS status (REST, SOAP, SMPP receipts, XML API)."""
    return SMS.code(status, REST)  # type: ignore[return-value]
