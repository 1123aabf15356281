"""SOAP fault texts (soap.md §2): domain error -> the text after ASP.NET's
"Server was unable to process request. ---> ". Requests that cannot be read get a client
fault starting "Server was unable to read request. ---> "."""

from __future__ import annotations

from spyne import Fault

from devino_mock.core import errors

PROCESS_PREFIX = "Server was unable to process request. ---> "
READ_PREFIX = "Server was unable to read request. ---> "

INVALID_CREDENTIALS = "Invalid user login or password"
INVALID_ARGUMENT = "Invalid argument"
MISSING_ARGUMENT = "Argument cannot be null or empty"
MISSING_MESSAGE_ID = "MessageID can not be null or empty Parameter name: messageId"
STATISTICS_RANGE = "Нельзя указывать диапазон дат более 90 дней."
INTERNAL = "Internal server error"

TEXTS: dict[type[errors.PlatformError], str] = {
    errors.InvalidCredentials: INVALID_CREDENTIALS,
    errors.MalformedSession: "Invalid session id",
    errors.SessionExpired: "SessionID expired",
    errors.InvalidArgument: INVALID_ARGUMENT,
    errors.TooManyRecipients: INVALID_ARGUMENT,
    errors.InvalidDestination: INVALID_ARGUMENT,
    errors.InvalidMessageLength: INVALID_ARGUMENT,
    errors.InvalidSource: "Invalid source address",
    errors.InsufficientFunds: "Not enough credits",
    errors.Forbidden: "Forbidden",
    errors.GatewayError: "Gateway error",
    errors.InternalError: INTERNAL,
}


class AsmxFault(Fault):
    """A fault the emulator answers on purpose (not a bug): rendered as ASP.NET renders it
    and kept out of spyne's error log."""


def server_fault(message: str) -> AsmxFault:
    """A business error: soap:Server (1.1) / soap:Receiver (1.2)."""
    return AsmxFault(faultcode="Server", faultstring=PROCESS_PREFIX + message)


def text_of(exc: errors.PlatformError) -> str:
    if isinstance(exc, errors.MissingArgument):
        return MISSING_MESSAGE_ID if exc.name == "message_id" else MISSING_ARGUMENT
    for cls, text in TEXTS.items():
        if isinstance(exc, cls):
            return text
    return INTERNAL
