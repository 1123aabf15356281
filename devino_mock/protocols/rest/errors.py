"""REST error codes and texts (http-rest.md §4.1, §1.7, §7.4): domain error -> Code, HTTP, Desc."""

from __future__ import annotations

from devino_mock.core import errors
from devino_mock.core.accounts import ALPHA_SENDER_RE, DIGIT_SENDER_RE


class RequestError(Exception):
    """A wire-level error decided by the adapter itself (a date the model binder rejects)."""

    def __init__(self, code: int, status: int, desc: str) -> None:
        super().__init__(desc)
        self.triple = (code, status, desc)


# Parameter names as the documentation writes them in error texts.
PARAM_NAMES = {
    "session": ("SessionID", "sessionId"),
    "login": ("Login", "login"),
    "password": ("Password", "password"),
    "destination": ("DestinationAddress", "destinationAddress"),
    "destinations": ("DestinationAddresses", "destinationAddresses"),
    "text": ("Data", "data"),
    "source": ("SourceAddress", "sourceAddress"),
    "message_id": ("MessageID", "messageId"),
}

FIXED = {
    errors.InvalidArgument: (2, 400, "Invalid argument"),
    errors.TooManyRecipients: (2, 400, "Invalid argument"),
    errors.MalformedSession: (3, 400, "Invalid session id"),
    errors.SessionExpired: (4, 401, "SessionID expired"),
    errors.InvalidCredentials: (4, 401, "Invalid user login or password"),
    errors.InsufficientFunds: (5, 403, "Not enough credits"),
    errors.InvalidDestination: (6, 400, "Invalid destination address"),
    errors.InvalidSource: (6, 400, "Invalid source address"),
    errors.InvalidMessageLength: (6, 400, "Invalid message length"),
    errors.Forbidden: (7, 403, "Forbidden"),
    errors.QuotaExceeded: (7, 403, "Forbidden"),
    errors.GatewayError: (8, 500, "Gateway error"),
    errors.InternalError: (9, 500, "Internal server error"),
}
INTERNAL = (9, 500, "Internal server error")
# A body that is not what its Content-Type says (not documented; the code of a bad argument).
MALFORMED_BODY = (2, 400, "Invalid argument")
STATISTICS_RANGE = (2, 400, "Нельзя указывать диапазон дат более 90 дней.")

_NULL_DATETIME = (
    "The parameters dictionary contains a null entry for parameter '{param}' of non-nullable type "
    "'DateTime' for method 'System.Web.Mvc.ActionResult {action}({signature})' in "
    "'RestService.Controllers.SmsController'. An optional parameter must be a reference type, "
    "a nullable type, or be declared as an optional parameter. Parameter name: parameters"
)


def null_datetime(param: str, action: str, v2: bool) -> tuple[int, int, str]:
    # The documentation prints Sms/In's text with one string (the v1 signature) in the v2
    # chapter too (001_80a28bca441860d4.txt:2234-2242), and clients compare it verbatim; v2
    # Statistics has no printed text, so it keeps the signature its two strings would give.
    credentials = "System.String, System.String" if v2 and action != "In" else "System.String"
    return 9, 500, _NULL_DATETIME.format(param=param, action=action, signature=f"{credentials}, DateTime, DateTime")


def describe(exc: errors.PlatformError, bulk: bool = False) -> tuple[int, int, str]:
    if isinstance(exc, errors.MissingArgument):
        name = "destinations" if bulk and exc.name == "destination" else exc.name
        label, param = PARAM_NAMES.get(name, (name, name))
        return 1, 400, f"{label} can not be null or empty Parameter name: {param}"
    for cls, triple in FIXED.items():
        if isinstance(exc, cls):
            return triple
    return INTERNAL


# --- Viber sends (http-rest.md §2.10-2.13, §3.9-3.12) ------------------------------------
# The one documented error is `{Code: 1, Desc: "error-address-format"}`: a per-message return
# code of §4.4 carried in Desc. Which failure gives which §4.4 code, and Code 1 / HTTP 400 for
# all of them, is §7.4's suggestion. Failures §4.4 has no code for keep the REST table above:
# session and login (4), balance (5), forbidden (7), gateway (8).


def _viber(desc: str) -> tuple[int, int, str]:
    return 1, 400, desc


VIBER_MISSING = {
    "destination": _viber("error-address-not-specified"),
    "text": _viber("error-content-not-specified"),
    "source": _viber("error-subject-not-specified"),
}
VIBER_FIXED = {
    errors.InvalidDestination: _viber("error-address-format"),
    # §4.4 has no code for a text over 1000 characters; §7.4 suggests the generic 2.
    errors.InvalidMessageLength: (2, 400, "Invalid argument"),
    errors.InternalError: (9, 500, "error-system"),
}
VIBER_VALIDITY = _viber("error-validity-period-seconds-format")
SUBJECT_FORMAT = _viber("error-subject-format")
SUBJECT_UNKNOWN = _viber("error-subject-unknown")


def describe_viber(exc: errors.PlatformError, bulk: bool = False) -> tuple[int, int, str]:
    if isinstance(exc, errors.MissingArgument) and exc.name in VIBER_MISSING:
        return VIBER_MISSING[exc.name]
    if isinstance(exc, errors.InvalidSource):
        # The core refuses a sender either for its form or because the account may not use
        # it; §4.4 tells the two apart ("неправильный формат подписи" / "не разрешена клиенту").
        source = exc.detail
        well_formed = bool(ALPHA_SENDER_RE.match(source) or DIGIT_SENDER_RE.match(source))
        return SUBJECT_UNKNOWN if well_formed else SUBJECT_FORMAT
    for cls, triple in VIBER_FIXED.items():
        if isinstance(exc, cls):
            return triple
    return describe(exc, bulk)
