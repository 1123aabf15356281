"""Return codes of the Viber HTTP API (viber.md §6) and the domain errors they stand for."""

from __future__ import annotations

from devino_mock.core import errors

OK = "ok"
# Request level (§6.1)
SYNTAX, AUTH, SYSTEM, ACCOUNT_LOCKED = "error-syntax", "error-auth", "error-system", "error-account-locked"
# Message level (§6.2)
NOT_PERMITTED = "not-permitted"
SUBJECT_FORMAT, SUBJECT_UNKNOWN, SUBJECT_MISSING = "error-subject-format", "error-subject-unknown", "error-subject-not-specified"
ADDRESS_FORMAT, ADDRESS_UNKNOWN, ADDRESS_MISSING = "error-address-format", "error-address-unknown", "error-address-not-specified"
PRIORITY_FORMAT, COMMENT_FORMAT = "error-priority-format", "error-comment-format"
TYPE_FORMAT, TYPE_MISSING = "error-instant-message-type-format", "error-instant-message-type-not-specified"
CONTENT_TYPE_FORMAT, CONTENT_MISSING = "error-content-type-format", "error-content-not-specified"
VALIDITY_FORMAT = "error-validity-period-seconds-format"
ID_FORMAT = "error-instant-message-provider-id-format"
ID_DUPLICATE = "error-instant-message-provider-id-duplicate"
ID_UNKNOWN = "error-instant-message-provider-id-unknown"
RESEND_ERROR, RESEND_VALIDITY = "error-resend-sms-error", "error-resend-sms-validity-period-error"
ROUTE_NOT_FOUND = "error-route-not-found"

# What a refused send becomes. No balance code is documented for this API: not-permitted
# (viber.md §11.5).
DOMAIN_CODES: dict[type[errors.PlatformError], str] = {
    errors.InvalidSource: SUBJECT_UNKNOWN,
    errors.InvalidDestination: ADDRESS_FORMAT,
    errors.InsufficientFunds: NOT_PERMITTED,
    errors.Forbidden: NOT_PERMITTED,
    errors.QuotaExceeded: NOT_PERMITTED,
    errors.InvalidMessageLength: CONTENT_TYPE_FORMAT,
    errors.MissingArgument: CONTENT_MISSING,
}


def send_error_code(exc: errors.PlatformError) -> str:
    for cls, code in DOMAIN_CODES.items():
        if isinstance(exc, cls):
            return code
    return SYSTEM
