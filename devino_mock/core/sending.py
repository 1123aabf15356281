"""The one send pipeline every channel goes through: resolve the caller -> validate in the
documented order -> charge -> create -> plan -> emit (http-rest.md §1.12). All or nothing:
a request that fails validation stores and charges nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import TYPE_CHECKING

from devino_mock.core import errors
from devino_mock.core.channels import CHANNELS, Channel
from devino_mock.core.records import NO_EXTRA, Message, compact_parts
from devino_mock.core.text import Segmentation

if TYPE_CHECKING:
    from devino_mock.core.accounts import Account
    from devino_mock.core.platform import Credentials, Platform
    from devino_mock.core.scenarios import Outcome

MAX_BULK = 2999
MAX_SCHEDULE_AHEAD = timedelta(days=365)
ID_STARTS = {"segment": 579_700_000_000_000_001, "viber": 3_158_611_117_333_282_816,
             "vk": 3_287_014_702_114_144_256}


@dataclass
class SendRequest:
    """One send of any channel to one or more recipients."""

    source: str | None
    destinations: list[str]
    text: str | None
    transport: str
    channel: str = "sms"
    send_at: datetime | None = None  # naive: wall clock, UTC or the recipient's (by_timezone)
    by_timezone: bool = False
    validity_minutes: int | None = None  # the SMS APIs speak minutes…
    validity_seconds: float | None = None  # …the Viber and VK APIs seconds; this wins when given
    max_recipients: int = MAX_BULK
    extra: dict = field(default_factory=dict)
    subject: str | None = None  # e-mail
    # The next stage of a chain, sent when this message fails (viber.md §11.2): a dict of
    # channel, source, text, transport and validity_seconds, kept with the message as data.
    fallback: dict | None = None
    parent: str | None = None  # set when this request is itself a fallback stage
    # Caller-given segmentation (a message that arrived in parts, e.g. SMPP UDH/SAR) and the
    # ids reserved for those parts with reserve_ids(); both only for a single destination.
    parts: tuple[str, ...] | None = None
    ids: list[str] | None = None


@dataclass
class _Checked:
    account: "Account"
    channel: Channel
    source: str
    numbers: list[str]
    outcomes: list["Outcome"]
    parts: Segmentation
    send_instants: list[datetime | None]  # None: at once
    prices: list[Decimal]  # per segment, per number
    cost: Decimal


class SendPipeline:
    def __init__(self, platform: "Platform") -> None:
        self.platform = platform

    def check(self, credentials: "Credentials", request: SendRequest) -> _Checked:
        """The documented validation order (http-rest.md §1.12), for every channel."""
        p = self.platform
        channel = CHANNELS[request.channel]
        spec = channel.sending
        if "destination" in spec.required and (
                not request.destinations or not any(d and d.strip() for d in request.destinations)):
            raise errors.MissingArgument("destination")
        if "text" in spec.required and not request.text:
            raise errors.MissingArgument("text")
        if "source" in spec.required and (not request.source or not request.source.strip()):
            raise errors.MissingArgument("source")
        account = p.resolve(credentials)
        p.tick()
        source = (request.source or "").strip()
        numbers = [spec.address(d) for d in request.destinations]
        outcomes = [p.scenarios.outcome(channel=channel.name, login=account.login, source=source, destination=n)
                    if n else None for n in numbers]
        rejects = {o.reject for o in outcomes if o and o.reject}
        if "forbidden" in rejects:
            raise errors.Forbidden("rule")
        parts = spec.segment(request)
        if request.ids is not None and (len(request.ids) != parts.count or len(numbers) != 1):
            raise ValueError("reserved ids need one destination and one id per part")
        units = max(parts.count, 1)
        prices = [account.price_for(n, channel) for n in numbers]
        cost = sum((price * units for price in prices), Decimal(0))
        if cost > account.balance or "insufficient_funds" in rejects:
            raise errors.InsufficientFunds()
        for raw, number in zip(request.destinations, numbers):
            if number is None:
                raise errors.InvalidDestination(raw)
        if "invalid_destination" in rejects:
            raise errors.InvalidDestination(next(n for n, o in zip(numbers, outcomes) if o.reject == "invalid_destination"))
        if len(numbers) > request.max_recipients:
            raise errors.TooManyRecipients(str(len(numbers)))
        if not spec.sender_allowed(account, source) or "invalid_source" in rejects:
            raise errors.InvalidSource(source)
        if spec.max_text and len(request.text or "") > spec.max_text or "invalid_message_length" in rejects:
            raise errors.InvalidMessageLength(str(len(request.text or "")))
        instants = [self._send_instant(request, n) for n in numbers]
        for kind in ("invalid_argument", "gateway_error", "internal_error", "quota_exceeded"):
            if kind in rejects:
                raise errors.REJECTIONS[kind]("rule")
        return _Checked(account, channel, spec.source(source), numbers, outcomes, parts, instants, prices, cost)  # type: ignore[arg-type]

    def _send_instant(self, request: SendRequest, number: str) -> datetime | None:
        """When a message goes out: at once (None), or its SendDate (UTC, or the recipient's
        wall clock). A date that cannot be placed on the clock is refused before anything is
        charged."""
        p = self.platform
        now = p.now()
        when = request.send_at
        if when is None:
            return None
        try:
            if when.tzinfo is None:
                offset = p.utc_offset(number) if request.by_timezone else timedelta(0)
                when = when.replace(tzinfo=timezone.utc) - offset
            when = when.astimezone(timezone.utc)
        except (OverflowError, ValueError):
            raise errors.InvalidArgument("send_at", "send date out of range") from None
        if when > now + MAX_SCHEDULE_AHEAD:
            raise errors.InvalidArgument("send_at", "send date more than a year ahead")
        return max(when, now)

    def send(self, credentials: "Credentials", request: SendRequest) -> list[Message]:
        checked = self.check(credentials, request)
        p = self.platform
        channel, spec, account = checked.channel, checked.channel.sending, checked.account
        account.balance -= checked.cost
        p.store.save_account(account)
        now = p.now()  # inside due work (a fallback stage), the instant that work was due
        validity = spec.validity(request)
        accepted = []
        for number, outcome, instant, price in zip(checked.numbers, checked.outcomes, checked.send_instants,
                                                   checked.prices):
            send_at = max(instant, now) if instant else now
            count = max(checked.parts.count, 1)
            ids = tuple(request.ids) if request.ids else tuple(str(i) for i in p.store.next_ids(
                channel.id_sequence, count, ID_STARTS[channel.id_sequence]))
            extra = dict(request.extra) if request.extra or request.fallback else NO_EXTRA
            if request.fallback:
                extra["fallback"] = dict(request.fallback)
            message = Message(
                ids=ids, channel=channel.name, transport=request.transport, login=account.login,
                source=checked.source, destination=number, text=request.text or "",
                text_parts=compact_parts(checked.parts.parts, request.text or ""), encoding=checked.parts.encoding,
                price=price, created_at=now, send_at=send_at, validity=validity,
                history_flat=(now, channel.initial, None), extra=extra, subject=request.subject, parent=request.parent,
            )
            if channel.limits is not None:
                earlier = [m for m in p.store.messages() if m.channel == channel.name]
                outcome = channel.limits(channel, message, outcome, earlier)
            p.store.add_message(message)
            p.plan(message, channel.plan(message, outcome))
            accepted.append(message)
            p.emit_accepted(message)
        p.tick()
        return accepted
