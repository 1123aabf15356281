"""REST error codes and texts (http-rest.md §4.1, §1.7, §7.4): domain error -> Code, HTTP, Desc."""

from __future__ import annotations

from devino_mock.core import errors

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
