"""What each SOAP operation does: one core call, the result as a SOAP model. Shared by the
SessionID services (v1) and the login/password services (v2); the callers differ only in the
credentials they pass."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from devino_mock.core import errors
from devino_mock.core.channels import SMS, VIBER, sms
from devino_mock.core.platform import Credentials, Platform, SendRequest, SmsRequest
from devino_mock.protocols.soap.errors import STATISTICS_RANGE, server_fault
from devino_mock.protocols.soap.models import (
    ArrayOfIncomingMessage,
    ArrayOfString,
    ArrayOfViberSmsMessageStateInfo,
    IncomingMessage,
    MessageState,
    SmsMessage,
    Statistics,
    ViberMessage,
    ViberMessageStateInfo,
    ViberSmsMessageStateInfo,
)
from devino_mock.protocols.values import as_utc

MAX_RECIPIENTS = 1000  # "до 1000 сообщений" in one request (soap.md §3.3), SMS and Viber
# Viber `Validity`: "мин, от 1 до 1440", required (soap.md §3.3, §10.5 #18).
VIBER_VALIDITY_MINUTES = range(1, 1441)
VIBER_UNKNOWN = "Unknown"  # the State of an id the platform cannot show (soap.md §10.1.10)
MAX_STATISTICS_RANGE = timedelta(days=90)
MAX_INCOMING_LOOKBACK = timedelta(days=365)
# What a .NET proxy sends for a DateTime it never set (DateTime.MinValue).
DOTNET_MIN_DATE = datetime(1, 1, 1, tzinfo=timezone.utc)
STATISTICS_FIELDS = ("Sent", "Delivered", "Errors", "InProcess", "Expired", "Rejected")

# "Подробное описание" of the SOAP status table (soap.md §8.1); 255 reads "Неизвестный" as in
# the HTTP example. Statuses the SOAP table lacks fall back to the platform's own texts.
STATE_DESCRIPTIONS = {
    -3: "Ошибка интерпретации даты и времени отправки",
    -1: "Сообщение отправлено",
    -2: "Сообщение отправляется",
    -40: "Сообщение в статусе «ожидание»",
    -30: "Отправлено в шлюз",
    -20: "Сообщение отправлено получателю",
    0: "Сообщение доставлено",
    8: "Внутренняя ошибка",
    10: "Неверно введён адрес отправителя",
    11: "Неверно введён адрес получателя",
    41: "Недопустимый адрес получателя",
    42: "Отклонено",
    46: "Просрочен",
    47: "Просрочено",
    48: "Ошибка",
    sms.NOT_FOUND_CODE: "Неизвестный",
}


@dataclass(frozen=True)
class Call:
    """Per request: the platform and the transport name messages are recorded with."""

    platform: Platform
    transport: str


def _utc_naive(value: datetime | None) -> datetime | None:
    """ASP.NET writes `…Utc` dates without an offset (DateTimeKind.Unspecified)."""
    if value is None:
        return None
    return as_utc(value).replace(tzinfo=None)


def _send_instant(value: datetime | None) -> datetime | None:
    """None (send now) for an absent date and for .NET's DateTime.MinValue."""
    if value is None or value.year <= DOTNET_MIN_DATE.year:
        return None
    return value


def _required_date(value: datetime | None) -> datetime:
    # An absent xs:dateTime deserialises to DateTime.MinValue in ASP.NET.
    return DOTNET_MIN_DATE if value is None else as_utc(value)


def open_session(call: Call, login: str | None, password: str | None) -> str:
    return call.platform.open_session(login, password)


def balance(call: Call, credentials: Credentials) -> Decimal:
    return call.platform.balance(credentials)


def send(
    call: Call,
    credentials: Credentials,
    *,
    source: str | None,
    destinations: list[str] | None,
    text: str | None,
    send_at: datetime | None,
    by_timezone: bool,
    validity: int | None,
    receipt_requested: bool | None = None,
) -> ArrayOfString:
    request = SmsRequest(
        source=source,
        destinations=[d for d in destinations or [] if d is not None],
        text=text,
        transport=call.transport,
        send_at=_send_instant(send_at),
        by_timezone=by_timezone,
        validity_minutes=validity,
        max_recipients=MAX_RECIPIENTS,
        extra={} if receipt_requested is None else {"receipt_requested": receipt_requested},
    )
    messages = call.platform.send(credentials, request)
    # Recipients in request order, each with all its segment ids (soap.md §10.1.5).
    return ArrayOfString(string=[segment_id for message in messages for segment_id in message.ids])


def send_message(call: Call, credentials: Credentials, message: SmsMessage | None) -> ArrayOfString:
    message = message or SmsMessage()
    addresses = message.DestinationAddresses.string if message.DestinationAddresses else None
    return send(
        call,
        credentials,
        source=message.SourceAddress,
        destinations=addresses,
        text=message.Data,
        send_at=message.DelayUntilUtc,
        by_timezone=False,
        validity=message.Validity,
        receipt_requested=message.ReceiptRequested,
    )


def message_state(call: Call, credentials: Credentials, message_id: str | None) -> MessageState:
    message, _segment = call.platform.sms_status(credentials, message_id)
    if message is None:
        return MessageState(State=sms.NOT_FOUND_CODE, StateDescription=STATE_DESCRIPTIONS[sms.NOT_FOUND_CODE])
    status = sms.code(message.status)
    return MessageState(
        State=status,
        CreationDateUtc=_utc_naive(message.created_at),
        SubmittedDateUtc=_utc_naive(message.submitted_at),
        ReportedDateUtc=_utc_naive(message.reported_at),
        StateDescription=STATE_DESCRIPTIONS.get(status) or SMS.text(message.status),
        Price=message.price,
    )


def statistics(call: Call, credentials: Credentials, start: datetime | None, end: datetime | None) -> Statistics:
    call.platform.resolve(credentials)
    start, end = _required_date(start), _required_date(end)
    if end < start:
        raise errors.InvalidArgument("startDateTime")
    if end - start > MAX_STATISTICS_RANGE:
        raise server_fault(STATISTICS_RANGE)
    counts = call.platform.statistics(credentials, start, end)
    return Statistics(**{name: int(counts[name]) for name in STATISTICS_FIELDS})


def incoming(call: Call, credentials: Credentials, max_date: datetime | None,
             min_date: datetime | None) -> ArrayOfIncomingMessage:
    call.platform.resolve(credentials)
    until, since = _required_date(max_date), _required_date(min_date)
    if until <= since or call.platform.now() - since > MAX_INCOMING_LOOKBACK:
        raise errors.InvalidArgument("minDateUTC")
    found = sorted(call.platform.incoming(credentials, since, until), key=lambda m: (m.created_at, m.id))
    return ArrayOfIncomingMessage(IncomingMessage=[
        IncomingMessage(
            Data=m.text,
            SourceAddress=m.source,
            DestinationAddress=m.destination,
            CreatedDateUtc=_utc_naive(m.created_at),
        )
        for m in found
    ])


def _sms_fallback(source: str | None, text: str) -> dict:
    # "имя отправителя для SMS, идентичное имени отправителя Viber" (soap.md §6): the same
    # sender and text, to the same number.
    return {"channel": "sms", "source": source, "text": text, "transport": "viber_fallback"}


def send_viber(call: Call, credentials: Credentials, message: ViberMessage | None, resend: bool) -> ArrayOfString:
    """SendMessage / SendMessageWithResend of the Viber services: one Viber message per
    recipient; with resend, an SMS with the same sender and text stands in for a Viber message
    that ends undelivered, failed or expired (soap.md §10.1.10)."""
    message = message or ViberMessage()
    addresses = message.DestinationAddresses.string if message.DestinationAddresses else None
    source, text = message.SourceAddress, message.Data
    if not text:
        # Data is required here ("Да"); the core lets a Viber message go without text
        # (an image over the HTTP API), so the check is the adapter's.
        raise errors.MissingArgument("text")
    request = SendRequest(
        source=source,
        destinations=[d for d in addresses or [] if d is not None],
        text=text,
        transport=call.transport,
        channel="viber",
        validity_minutes=message.Validity,
        max_recipients=MAX_RECIPIENTS,
        extra={} if message.Optional is None else {"optional": message.Optional},
        fallback=_sms_fallback(source, text) if resend else None,
    )
    if message.Validity not in VIBER_VALIDITY_MINUTES:
        # The core caps a long validity instead of refusing it. Refused here only once every
        # documented check has passed, so their order and faults stay the core's.
        call.platform.check(credentials, request)
        raise errors.InvalidArgument("Validity")
    messages = call.platform.send(credentials, request)
    return ArrayOfString(string=[m.id for m in messages])


def viber_state(call: Call, credentials: Credentials, message_id: int | None) -> ViberMessageStateInfo:
    """The Viber status and, once it stood in, the fallback SMS's segment ids (queried on
    SmsService.asmx/GetMessageState)."""
    message, _segment = call.platform.find(credentials, None if message_id is None else str(message_id), "viber")
    if message is None:
        return ViberMessageStateInfo(State=VIBER_UNKNOWN)
    fallback = call.platform.message(message.fallback) if message.fallback else None
    resent = [ViberSmsMessageStateInfo(Id=int(i)) for i in fallback.ids] if fallback else []
    return ViberMessageStateInfo(
        State=VIBER.code(message.status, "soap"),
        ResentSms=ArrayOfViberSmsMessageStateInfo(ViberSmsMessageStateInfo=resent),
    )
