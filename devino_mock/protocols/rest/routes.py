"""REST v1 and v2 operations: parse leniently -> one core call -> the documented body. The
routing table for SMS and session operations; the Viber ones live in viber.py."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Callable

from aiohttp import web

from devino_mock.core import errors
from devino_mock.core.channels import SMS, sms
from devino_mock.core.platform import ByLogin, BySession, Credentials, Platform, SmsRequest
from devino_mock.protocols.http_params import MalformedBody, Params, TooManyParameters, read_params
from devino_mock.protocols.rest import errors as rest_errors
from devino_mock.protocols.rest import hlr
from devino_mock.protocols.rest import viber as rest_viber
from devino_mock.protocols.rest.errors import RequestError
from devino_mock.protocols.rest.render import ms_date, respond, state_body
from devino_mock.protocols.values import DateOutOfRange, as_utc, parse_datetime, parse_int
from devino_mock.web import Router

log = logging.getLogger("devino_mock.rest")
MAX_INCOMING_LOOKBACK = timedelta(days=365)
MAX_STATISTICS_RANGE = timedelta(days=90)

UNKNOWN_STATE = state_body(sms.NOT_FOUND_CODE, sms.NOT_FOUND_TEXT)


Operation = Callable[[Platform, Params, Credentials, bool], object]


def error_response(code: int, status: int, desc: str) -> web.Response:
    return respond({"Code": code, "Desc": desc}, status=status)


def credentials_of(params: Params, v2: bool) -> Credentials:
    if v2:
        return ByLogin(params.get("login"), params.get("password"))
    return BySession(params.get("sessionid"))


def _date(params: Params, name: str) -> datetime | None:
    """A date parameter; one outside the platform's range is an invalid argument (code 2)."""
    try:
        return parse_datetime(params.get(name))
    except DateOutOfRange:
        raise errors.InvalidArgument(name) from None


def _required_date(params: Params, name: str, param: str, action: str, v2: bool):
    value = _date(params, name)
    if value is None:
        raise RequestError(*rest_errors.null_datetime(param, action, v2))
    return as_utc(value)


# --- operations ------------------------------------------------------------------------


def op_session(platform: Platform, params: Params, _: Credentials, __: bool) -> object:
    return platform.open_session(params.get("login"), params.get("password"))


def op_balance(platform: Platform, _: Params, credentials: Credentials, __: bool) -> object:
    return platform.balance(credentials)


def _send(bulk: bool, by_timezone: bool) -> Operation:
    def op(platform: Platform, params: Params, credentials: Credentials, v2: bool) -> object:
        if bulk:
            destinations = params.getlist("destinationaddresses", "destinationaddress")
        else:
            first = params.get("destinationaddress", "destinationaddresses")
            destinations = [first] if first else []
        send_date = _date(params, "senddate")
        request = SmsRequest(
            source=params.get("sourceaddress"),
            destinations=destinations,
            text=params.get("data"),
            transport="rest_v2" if v2 else "rest",
            send_at=send_date,
            by_timezone=by_timezone,
            validity_minutes=parse_int(params.get("validity")),
        )
        messages = platform.send(credentials, request)
        return [segment_id for message in messages for segment_id in message.ids]

    op.bulk = bulk  # type: ignore[attr-defined]
    return op


def op_state(platform: Platform, params: Params, credentials: Credentials, _: bool) -> object:
    message_id = params.get("messageid")
    message, _index = platform.sms_status(credentials, message_id)
    if message is None and message_id and " " in message_id:
        # `SAR-W+84333` sent unencoded arrives as `SAR-W 84333` (http-rest.md §7.3).
        message, _index = platform.sms_status(credentials, message_id.replace(" ", "+"))
    if message is None:
        return UNKNOWN_STATE
    return state_body(sms.code(message.status), SMS.text(message.status), message)


def op_incoming(platform: Platform, params: Params, credentials: Credentials, v2: bool) -> object:
    since = _required_date(params, "mindateutc", "minDateUtc", "In", v2)
    until = _required_date(params, "maxdateutc", "maxDateUtc", "In", v2)
    platform.resolve(credentials)
    if until <= since or platform.now() - since > MAX_INCOMING_LOOKBACK:
        raise errors.InvalidArgument("minDateUTC")
    return [
        {
            "Data": m.text,
            "SourceAddress": m.source,
            "DestinationAddress": m.destination,
            "ID": m.id,
            "CreatedDateUtc": ms_date(m.created_at),
            # The C# client (sms-restapi-csharp IncomingMessage.cs) reads this name.
            "CreationDateUtc": ms_date(m.created_at),
        }
        for m in platform.incoming(credentials, since, until)
    ]


def op_statistics(platform: Platform, params: Params, credentials: Credentials, v2: bool) -> object:
    start = _required_date(params, "startdatetime", "startDateTime", "Statistics", v2)
    end = _required_date(params, "enddatetime", "endDateTime", "Statistics", v2)
    platform.resolve(credentials)
    if end < start:
        raise errors.InvalidArgument("startDateTime")
    if end - start > MAX_STATISTICS_RANGE:
        raise RequestError(*rest_errors.STATISTICS_RANGE)
    return platform.statistics(credentials, start, end)


V1_ONLY = {"user/sessionid": op_session}
COMMON = {
    "user/balance": op_balance,
    "sms/send": _send(bulk=False, by_timezone=False),
    "sms/sendbytimezone": _send(bulk=False, by_timezone=True),
    "sms/sendbulk": _send(bulk=True, by_timezone=False),
    "sms/sendbytimezonetoaddresses": _send(bulk=True, by_timezone=True),
    "sms/state": op_state,
    "sms/in": op_incoming,
    "sms/statistics": op_statistics,
    **rest_viber.OPERATIONS,
}


def _handler(platform: Platform, operation: Operation, v2: bool):
    bulk = getattr(operation, "bulk", False)
    describe = getattr(operation, "describe", rest_errors.describe)  # the operation's error table

    async def handle(request: web.Request) -> web.Response:
        if request.method not in ("GET", "POST", "HEAD"):
            return error_response(6, 405, "Invalid operation")
        try:
            params = await read_params(request)
        except web.HTTPRequestEntityTooLarge:
            return error_response(2, 413, "Request entity too large")
        except TooManyParameters:
            # Only a recipient list grows this long: the documented bulk-limit answer.
            return error_response(*rest_errors.describe(errors.TooManyRecipients(), bulk=bulk))
        except MalformedBody as exc:
            log.info("REST %s: %s", request.path, exc)
            return error_response(*rest_errors.MALFORMED_BODY)
        try:
            result = operation(platform, params, credentials_of(params, v2), v2)
        except RequestError as exc:
            return error_response(*exc.triple)
        except errors.PlatformError as exc:
            return error_response(*describe(exc, bulk=bulk))
        except Exception:
            log.exception("REST %s failed", request.path)
            return error_response(*describe(errors.InternalError()))
        return respond(result)

    return handle


def register(router: Router, platform: Platform) -> None:
    for path, operation in {**V1_ONLY, **COMMON}.items():
        router.add(f"/rest/{path}", _handler(platform, operation, v2=False))
    for path, operation in COMMON.items():
        router.add(f"/rest/v2/{path}", _handler(platform, operation, v2=True), surface="rest_v2")
    for path, operation in hlr.OPERATIONS.items():  # HLR (hlr.md): on both prefixes
        router.add(f"/rest/{path}", _handler(platform, operation, v2=False))
        router.add(f"/rest/v2/{path}", _handler(platform, operation, v2=True), surface="rest_v2")
