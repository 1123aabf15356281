"""HLR over REST (hlr.md): `Hlr/SendBulk` and `Hlr/State` on `/rest/` and `/rest/v2/`, each
accepting either credential (SessionID or Login/Password) on either path (H1). Lookups are
messages of the `hlr` channel; errors are the REST table's."""

from __future__ import annotations

import re

from devino_mock.core import errors
from devino_mock.core.channels import HLR, hlr
from devino_mock.core.platform import ByLogin, BySession, Credentials, Platform, SendRequest
from devino_mock.core.services.hlr import subscriber
from devino_mock.protocols.http_params import Params

TRANSPORT, TRANSPORT_V2 = "rest", "rest_v2"
_LIST_SEPARATORS = re.compile(r"[;,]")


def lenient_credentials(params: Params, v2: bool) -> Credentials:
    if params.get("sessionid") and not (v2 and params.get("login")):
        return BySession(params.get("sessionid"))
    if params.get("login") or v2:
        return ByLogin(params.get("login"), params.get("password"))
    return BySession(None)


def _numbers(params: Params) -> list[str]:
    """Repeated `DestinationAddresses`, each also split on `;` or `,` (H7)."""
    return [n for value in params.getlist("destinationaddresses", "destinationaddress")
            for n in _LIST_SEPARATORS.split(value) if n.strip()]


def op_send_bulk(platform: Platform, params: Params, _: Credentials, v2: bool) -> object:
    validity = params.get("validity")
    minutes = None
    if validity is not None:
        try:
            minutes = int(validity.strip())
        except ValueError:
            minutes = 0
        if minutes <= 0:
            raise errors.InvalidArgument("Validity", "not a positive whole number of minutes")
    messages = platform.send(lenient_credentials(params, v2), SendRequest(
        source="", destinations=_numbers(params), text="", transport=TRANSPORT_V2 if v2 else TRANSPORT,
        channel="hlr", validity_minutes=minutes, max_recipients=hlr.MAX_NUMBERS))
    return [m.id for m in messages]


op_send_bulk.bulk = True  # type: ignore[attr-defined]  # a missing list is named DestinationAddresses


def _unknown(message_id: str) -> dict:
    return {"messageId": message_id, "DestinationAddress": "", "StateCode": hlr.code("unknown"),
            "StateDesc": HLR.text("unknown"), "Country": "", "MobileOperator": ""}


def op_state(platform: Platform, params: Params, _: Credentials, v2: bool) -> object:
    credentials = lenient_credentials(params, v2)
    ids = [i.strip() for value in params.getlist("messageids", "messageid") for i in _LIST_SEPARATORS.split(value)
           if i.strip()]
    if not ids:
        platform.resolve(credentials)  # a caller without credentials hears that first
        raise errors.MissingArgument("messageIds")
    out = []
    for message_id in ids:
        message, _index = platform.find(credentials, message_id, "hlr")
        if message is None:
            out.append(_unknown(message_id))
            continue
        # Country and operator are known once the network has answered (hlr.md §5.1).
        answered = message.final and message.status != HLR.expired
        country, operator = subscriber(message.destination) if answered else ("", "")
        out.append({"messageId": message_id, "DestinationAddress": f"+{message.destination}",
                    "StateCode": hlr.code(message.status), "StateDesc": HLR.text(message.status),
                    "Country": country, "MobileOperator": operator})
    return out


# Paths under /rest/ and /rest/v2/ (registered by routes.register).
OPERATIONS = {"hlr/sendbulk": op_send_bulk, "hlr/state": op_state}
