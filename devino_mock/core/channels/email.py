"""E-mail (email-http.md §2.7, §6.1.5): documented state names and bounce reasons, shared by
every e-mail transport (the SMTP e-mail API, the e-mail HTTP API, campaigns)."""

from __future__ import annotations

import math
from datetime import timedelta
from decimal import Decimal

from devino_mock.core.addresses import normalize_email
from devino_mock.core.channels.base import Channel, SendingSpec, Status, Step, linear_plan
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

# Why a mail server did not take a message (email-http.md §6.1.5), complete.
ERRORS = frozenset({
    "already_unsubscribed", "bad-configuration", "bad-connection", "bad-domain", "bad-mailbox",
    "content-related", "inactive-mailbox", "invalid-sender", "message-expired", "no-answer-from-host",
    "other", "overpackage-related", "policy-related", "protocol-errors", "quota-issues", "relaying-issues",
    "routing-errors", "spam-related", "virus-related",
})
# Reasons that say the address itself will never take mail (a hard bounce, isHardbounce=true);
# every other reason is soft (the documented already_unsubscribed example says false).
HARD_BOUNCES = frozenset({"bad-mailbox", "bad-domain", "inactive-mailbox", "invalid-sender"})

READ_DELAY, CLICK_DELAY = 3.0, 4.0  # seconds after delivered, after read


def is_hard_bounce(error: str | None) -> bool:
    return error in HARD_BOUNCES


def plan_email(channel: Channel, message, outcome) -> list[Step]:
    """NotSent -> Sent -> Delivered (-> Read -> Clicked); Bounced as any failure; Rejected is
    decided before sending (an unsubscribed recipient, a policy), so it has no Sent step."""
    status = outcome.status
    if status == "Rejected":
        if math.isinf(outcome.submit_delay):
            return linear_plan(channel, message, outcome.with_status(None))
        at = message.send_at + timedelta(seconds=outcome.submit_delay)
        return [Step(at, "Rejected", outcome.error or channel.default_errors.get("Rejected"))]
    if status == "Bounced" and not math.isinf(outcome.submit_delay):
        # Bounced is also what an unreported mail ends as (the expired status), which the
        # shared plan reads as "never reported": a bounce by rule comes when the rule says.
        submit = message.send_at + timedelta(seconds=outcome.submit_delay)
        report = submit + timedelta(seconds=outcome.delivery_delay)
        if report < message.expires_at:
            return [Step(submit, "Sent"),
                    Step(report, "Bounced", outcome.error or channel.default_errors.get("Bounced"))]
    follow: tuple[tuple[str, float], ...] = ()
    if status in ("Read", "Clicked"):
        follow = (("Read", READ_DELAY),) + ((("Clicked", CLICK_DELAY),) if status == "Clicked" else ())
        outcome = outcome.with_status("Delivered")
    return linear_plan(channel, message, outcome, follow)


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
    planner=plan_email,
    id_sequence="segment",
    sending=SENDING,
    default_price=Decimal(0),  # no e-mail tariff is documented
    errors=ERRORS,
    error_aliases={"already-unsubscribed": "already_unsubscribed"},
    default_errors={"Bounced": "bad-mailbox", "Rejected": "policy-related"},
    expired_error="message-expired",
    label="e-mail",
)
