"""HLR lookups (hlr.md §4.1, §5.1): one request per number, "Отправляется" until the network
answers, then a final result; no answer within Validity minutes gives 99 "Неизвестно". A
lookup is a message of its own channel, so it is in the journal and follows the clock."""

from __future__ import annotations

import math
from datetime import timedelta
from decimal import Decimal

from devino_mock.core.channels.base import Channel, SendingSpec, Status, Step
from devino_mock.core.numbers import normalize
from devino_mock.core.text import Segmentation

REST = "rest"  # the StateCode of Hlr/State
MAX_NUMBERS = 200  # "Максимум 200 номеров" (hlr.md §2)
DEFAULT_VALIDITY = timedelta(minutes=5)  # the documented example's Validity=5 (hlr.md §5.2)


def _s(name: str, code: int, text: str, final: bool = False) -> Status:
    return Status(name, text, final, {REST: code})


STATUSES = (
    _s("sending", 0, "Отправляется"),
    _s("available", 1, "Абонент доступен", True),
    _s("unavailable", 2, "Абонент временно недоступен", True),
    _s("absent", 3, "Абонент не существует", True),
    _s("request_error", 4, "Ошибка запроса", True),
    _s("unknown", 99, "Неизвестно", True),
)


def plan_hlr(channel: Channel, message, outcome) -> list[Step]:
    """sending -> the result after the rule's delays (default 1 + 2 s), or unknown (99) when no
    result comes within Validity."""
    expired = Step(message.expires_at, channel.expired)
    if outcome.status is None or math.isinf(outcome.submit_delay):
        return [expired]
    answer = message.send_at + timedelta(seconds=outcome.submit_delay + outcome.delivery_delay)
    if answer >= message.expires_at:
        return [expired]
    return [Step(answer, outcome.status, outcome.error)]


SENDING = SendingSpec(
    required=("destination",),
    address=normalize,
    segment=lambda request: Segmentation("none", 0, ("",)),  # one lookup, one id
    sender_allowed=lambda account, source: True,  # a lookup has no sender
    default_validity=DEFAULT_VALIDITY,
    max_validity=timedelta(minutes=2880),
)

HLR = Channel(
    name="hlr",
    statuses=STATUSES,
    initial="sending",
    default_final="available",
    expired="unknown",
    sent="sending",
    planner=plan_hlr,
    id_sequence="segment",  # one id generator for REST ids (hlr.md §5.5 item 7)
    sending=SENDING,
    default_price=Decimal("0.00"),  # not documented; an account's `prices.hlr` sets one
    parse_code=REST,
    label="HLR",
)


def code(status: str) -> int:
    return HLR.code(status, REST)  # type: ignore[return-value]
