"""Wire-neutral domain errors. Each protocol adapter maps them to its own codes and texts."""

from __future__ import annotations


class PlatformError(Exception):
    """Base of every error the platform raises on purpose."""

    kind = "platform_error"

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail or self.kind)
        self.detail = detail


class MissingArgument(PlatformError):
    kind = "missing_argument"

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class InvalidArgument(PlatformError):
    kind = "invalid_argument"

    def __init__(self, name: str, detail: str = "") -> None:
        super().__init__(detail or name)
        self.name = name


class InvalidCredentials(PlatformError):
    kind = "invalid_credentials"


class MalformedSession(PlatformError):
    kind = "malformed_session"


class SessionExpired(PlatformError):
    kind = "session_expired"


class Forbidden(PlatformError):
    kind = "forbidden"


class InsufficientFunds(PlatformError):
    kind = "insufficient_funds"


class InvalidDestination(PlatformError):
    kind = "invalid_destination"

    def __init__(self, number: str = "") -> None:
        super().__init__(number)
        self.number = number


class InvalidSource(PlatformError):
    kind = "invalid_source"


class InvalidMessageLength(PlatformError):
    kind = "invalid_message_length"


class TooManyRecipients(PlatformError):
    kind = "too_many_recipients"


class GatewayError(PlatformError):
    kind = "gateway_error"


class InternalError(PlatformError):
    kind = "internal_error"


class QuotaExceeded(PlatformError):
    """The account's allotment of messages is used up (XML API ERR_OVERLIMIT, "Превышение
    лимита выделенных сообщений"); steered by an outcome rule."""

    kind = "quota_exceeded"


class NotFound(PlatformError):
    """A service record the caller named does not exist for its account (a contact group, a
    template, a campaign, …)."""

    kind = "not_found"

    def __init__(self, entity: str, key: object = "") -> None:
        super().__init__(f"{entity} {key}".strip())
        self.entity = entity
        self.key = key


class Refused(PlatformError):
    """A service refused a request for a documented reason (`reason`, e.g. "macros_missing",
    "state_transition"), with the values its text names (`params`). Adapters own the texts."""

    kind = "refused"

    def __init__(self, reason: str, **params: object) -> None:
        super().__init__(reason)
        self.reason = reason
        self.params = params


# Outcome rules name rejections by these kinds (fixtures/, control API).
REJECTIONS: dict[str, type[PlatformError]] = {
    cls.kind: cls
    for cls in (
        Forbidden,
        InsufficientFunds,
        InvalidDestination,
        InvalidSource,
        InvalidMessageLength,
        InvalidArgument,
        GatewayError,
        InternalError,
        QuotaExceeded,
    )
}
