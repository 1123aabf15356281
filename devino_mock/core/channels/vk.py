"""VK notifications (vk.md §3.2, §6.1): the status vocabulary of `result.status`, the default plan
(sent after 1 s, delivered after 3 s, read after 6 s), the chain it starts on failure, and the
VK-side limits of §1.3 (5 a day per phone and VK group, 50 a second per VK group)."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Iterable

from devino_mock.core.channels.base import Channel, SendingSpec, Status, Step, linear_plan
from devino_mock.core.numbers import normalize
from devino_mock.core.text import Segmentation

MAX_SUBJECT = 11  # "Строка от 1 до 11 символов" (vk.md §2.2)
MIN_VALIDITY, MAX_VALIDITY = 15, 86400  # seconds (vk.md §2.2)

STATUSES = (
    Status("enqueued", "сообщение добавлено в очередь на отправки"),
    Status("sent", "сообщение отправлено"),
    Status("delivered", "сообщение доставлено", True),
    Status("read", "сообщение просмотрено абонентом.", True),
    Status("undelivered", "сообщение отправлено, но не доставлено", True),
    Status("failed", "сообщение не доставлено в результате сбоя", True),
    Status("vp_expired", "сообщение не доставлено в течение validityPeriod", True),
)

# Why a VK message failed. None is documented ("Набор всех возможных ошибок заранее не
# предопределен", vk.md §3.2), so these name the emulated causes; the API shows their texts.
LIMIT_EXCEEDED = "limit-exceeded"  # the 6th notification of a day (vk.md §1.3, §6.1)
NO_MOBILE_APP = "mobile-app-not-used"  # deliveryPolicy mobile_device_required (vk.md §2.2, §6.1)
ERRORS = frozenset({LIMIT_EXCEEDED, NO_MOBILE_APP, "unknown-error"})

READ_DELAY = 3.0  # seconds after delivered (read 6 s after the send, vk.md §6.1)
DAILY_LIMIT = 5  # per phone and VK group, per Moscow calendar day (vk.md §1.3)
PER_SECOND = 50  # enqueued -> sent per VK group in one emulated second (vk.md §1.3)
MOSCOW = timezone(timedelta(hours=3))
MOBILE_REQUIRED = "mobile_device_required"


def plan_vk(channel: Channel, message, outcome) -> list[Step]:
    """enqueued -> sent -> delivered (-> read 3 s later) | undelivered; `failed` comes straight
    from the queue (the §6.1 diagram); vp_expired when validityPeriod ends first.

    A rule's `mobile-app-not-used` describes the subscriber, not the message: only a message
    sent with deliveryPolicy mobile_device_required ends undelivered for it, any other reaches
    the subscriber's other devices and is read (vk.md §2.2)."""
    if outcome.error == NO_MOBILE_APP and message.extra.get("delivery_policy") != MOBILE_REQUIRED:
        outcome = replace(outcome, status=channel.default_final, error=None)
    if outcome.status == "failed" and not math.isinf(outcome.submit_delay):
        at = message.send_at + timedelta(seconds=outcome.submit_delay + outcome.delivery_delay)
        if at < message.expires_at:
            return [Step(at, "failed", outcome.error)]
        return [Step(message.expires_at, channel.expired)]
    if outcome.status == "read":
        return linear_plan(channel, message, outcome.with_status("delivered"), (("read", READ_DELAY),))
    return linear_plan(channel, message, outcome)


def _sent_second(message) -> int | None:
    """The emulated second in which a message went (or will go) to VK."""
    for step in (*message.history, *message.planned):
        if step.status == "sent":
            return math.floor(step.at.timestamp())
    return None


def _moscow_day(instant: datetime):
    return instant.astimezone(MOSCOW).date()


def apply_limits(channel: Channel, message, outcome, earlier: Iterable) -> object:
    """The VK-side limits of §1.3 as §6.1 suggests: the 6th and later notification of a Moscow
    calendar day to one phone from one VK group fails (and its chain runs); at most 50 a second
    per VK group go out, the rest wait for the next second."""
    same_group = [m for m in earlier if m.login == message.login and m.source == message.source]
    day = _moscow_day(message.send_at)
    today = sum(1 for m in same_group if m.destination == message.destination and _moscow_day(m.send_at) == day)
    if today >= DAILY_LIMIT:
        return replace(outcome, status="failed", error=LIMIT_EXCEEDED, delivery_delay=0.0)
    if math.isinf(outcome.submit_delay):
        return outcome
    busy: dict[int, int] = {}
    for other in same_group:
        second = _sent_second(other)
        if second is not None:
            busy[second] = busy.get(second, 0) + 1
    sent_at = message.send_at.timestamp() + outcome.submit_delay
    second = math.floor(sent_at)
    while busy.get(second, 0) >= PER_SECOND:
        second += 1
    if second != math.floor(sent_at):
        outcome = replace(outcome, submit_delay=second - message.send_at.timestamp())
    return outcome


def _subject_allowed(account, subject: str) -> bool:
    """1-11 characters; one of the account's registered senders (its VK groups) when it has any."""
    if not 1 <= len(subject) <= MAX_SUBJECT:
        return False
    return not account.senders or subject.casefold() in {s.casefold() for s in account.senders}


SENDING = SendingSpec(
    required=("destination", "source"),
    address=normalize,
    segment=lambda request: Segmentation("utf-8", len(request.text or ""), (request.text or "",)),
    sender_allowed=_subject_allowed,
    default_validity=timedelta(seconds=MAX_VALIDITY),
    max_validity=timedelta(seconds=MAX_VALIDITY),
)

VK = Channel(
    name="vk",
    statuses=STATUSES,
    initial="enqueued",
    default_final="read",
    expired="vp_expired",
    sent="sent",
    planner=plan_vk,
    id_sequence="vk",
    sending=SENDING,
    default_price=Decimal("1.00"),
    errors=ERRORS,
    fallback_on=frozenset({"undelivered", "failed", "vp_expired"}),
    limits=apply_limits,
    label="VK",
)
