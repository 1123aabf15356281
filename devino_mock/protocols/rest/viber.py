"""REST Viber operations, v1 and v2 (http-rest.md §2.10-2.14, §3.9-3.13): Viber/Send, SendBulk,
SendWithResend, SendWithResendBulk and Viber/State, on the core's Viber channel."""

from __future__ import annotations

from devino_mock.core import errors
from devino_mock.core.channels import SMS, VIBER, sms, viber
from devino_mock.core.platform import Credentials, Platform
from devino_mock.core.records import Message
from devino_mock.core.sending import SendRequest
from devino_mock.protocols.http_params import Params
from devino_mock.protocols.rest import errors as rest_errors
from devino_mock.protocols.rest.errors import RequestError
from devino_mock.protocols.rest.render import state_body
from devino_mock.protocols.values import parse_int

# `Validity` is "мин, от 1 до 1440" in every parameter table, yet every example sends
# `Validity=86400` (http-rest.md §7.15 A3). Both are documented: minutes up to 1440 are taken as
# given, and a larger value up to 86400 (the example) gets the longest validity, which the Viber
# channel caps at 24 h (= 1440 minutes = 86400 s, so the example means the same in either unit).
# Below 1, above 86400 or not a whole number is "неправильно указано значение времени ожидания
# доставки" (§4.4).
LARGEST_VALIDITY = 86400


def _validity(params: Params) -> int | None:
    """Read while binding the parameters, before the documented checks (which do not list it),
    as the REST adapter reads the dates of Sms/In and Sms/Statistics."""
    raw = params.get("validity")
    if raw is None:
        return None  # the channel's default (24 h)
    minutes = parse_int(raw)
    if minutes is None or not 1 <= minutes <= LARGEST_VALIDITY:
        raise RequestError(*rest_errors.VIBER_VALIDITY)
    return minutes


def _send(bulk: bool, resend: bool):
    def op(platform: Platform, params: Params, credentials: Credentials, v2: bool) -> object:
        # Lists may come under either name: v2's SendBulk template writes `Optional`, its
        # example `Optionals` (§7.15 A11); a single-number send takes the first value.
        if bulk:
            destinations = params.getlist("destinationaddresses", "destinationaddress")
            optionals = params.getlist("optionals", "optional")
        else:
            first = params.get("destinationaddress", "destinationaddresses")
            destinations = [first] if first else []
            optionals = [params.get("optional", "optionals")]
        source, text = params.get("sourceaddress"), params.get("data")
        # The core's Viber channel sends images without text; a REST send always has `Data`.
        # Checked here, among the required parameters, after the number (the core's order).
        if destinations and not text:
            raise errors.MissingArgument("text")
        request = SendRequest(
            channel="viber", transport="rest_v2" if v2 else "rest", source=source, destinations=destinations,
            text=text, validity_minutes=_validity(params),
            max_recipients=max(len(destinations), 1),  # no recipient limit on Viber bulk (§7.15 A9)
            extra={"optional": optionals[0]} if not bulk and optionals[0] else {},
            # "адрес отправителя SMS должен быть идентичен … адресу отправителя Viber" (§2.12):
            # the fallback SMS goes from the same sender with the same text.
            fallback={"channel": "sms", "source": source, "text": text, "transport": "viber_fallback"}
            if resend else None,
        )
        messages = platform.send(credentials, request)
        if bulk and optionals:
            _attach_optionals(platform, messages, optionals)
        return [message.id for message in messages]

    op.bulk = bulk  # type: ignore[attr-defined]
    op.describe = rest_errors.describe_viber  # type: ignore[attr-defined]
    return op


def _attach_optionals(platform: Platform, messages: list[Message], optionals: list[str]) -> None:
    """The i-th `Optionals` value belongs to the i-th recipient (§7.9, suggested). A send request
    carries one `extra` for every recipient, so each message gets its own value afterwards,
    written through the store."""
    for message, optional in zip(messages, optionals):
        message.extra = {**message.extra, "optional": optional}  # a new dict: records may share one
        platform.store.save_message(message)


def op_state(platform: Platform, params: Params, credentials: Credentials, _: bool) -> object:
    # An id unknown to this account (or older than the platform's 48 h of status history, which
    # the docs state for SMS only) answers State 6 "Неизвестно" in the shape of Sms/State's 255.
    message, _index = platform.find(credentials, params.get("messageid"), "viber")
    if message is None:
        return {**state_body(viber.REST_UNKNOWN, viber.REST_TEXT[viber.REST_UNKNOWN]), "ResentSms": []}
    state = VIBER.code(message.status, "rest")
    return {**state_body(state, viber.REST_TEXT[state], message), "ResentSms": _resent_sms(platform, message)}


def _resent_sms(platform: Platform, message: Message) -> list[dict]:
    """The SMS that stood in for this Viber message, one item per segment as Sms/State counts
    them; `[]` when none was sent (not documented; §7.9)."""
    fallback = platform.message(message.fallback) if message.fallback else None
    if fallback is None:
        return []
    body = state_body(sms.code(fallback.status), SMS.text(fallback.status), fallback)
    return [{**body, "Id": segment_id} for segment_id in fallback.ids]


OPERATIONS = {
    "viber/send": _send(bulk=False, resend=False),
    "viber/sendbulk": _send(bulk=True, resend=False),
    "viber/sendwithresend": _send(bulk=False, resend=True),
    "viber/sendwithresendbulk": _send(bulk=True, resend=True),
    "viber/state": op_state,
}
