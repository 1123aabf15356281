"""XML API codes (xml-api.md §4) and how domain errors and SMS statuses map onto them.
Document-level codes answer `<package><error>N</error></package>`; message-level codes are
the text of a `<msg>`. 200-202 mean different things at the two levels (§5.9 X4)."""

from __future__ import annotations

from devino_mock.core import errors

# §4.1 document status codes
DOC_UNKNOWN, DOC_FORMAT, DOC_AUTHORIZATION = 200, 201, 202

# §4.2 message status codes
SCHEDULED, ENROUTE, DELIVERED, EXPIRED, DELETED = 100, 101, 102, 103, 104
UNDELIVERABLE, ACCEPTED, UNKNOWN, REJECTED, DISCARDED = 105, 106, 107, 108, 109

# §4.3 message error statuses
ERR_UNKNOWN, ERR_ID, ERR_SENDER, ERR_RECIPIENT, ERR_LENGTH = 200, 201, 202, 203, 204
ERR_USER_DISABLE, ERR_BILLING, ERR_OVERLIMIT = 205, 206, 207

# The platform's SMS statuses (http-rest.md §4.2) in XML terms (§5.6 suggested mapping).
SMS_STATUS_TO_XML = {
    -2: ACCEPTED,  # SCHEDULED instead while the send time is still ahead
    -1: ENROUTE,
    0: DELIVERED,
    46: EXPIRED,
    47: DELETED,
    11: UNDELIVERABLE,
    41: UNDELIVERABLE,
    10: REJECTED,
    42: REJECTED,
    48: REJECTED,
    69: REJECTED,
    -98: DISCARDED,
    99: UNKNOWN,
}


ERROR_CODES: tuple[tuple[type[errors.PlatformError], int], ...] = (
    (errors.InvalidDestination, ERR_RECIPIENT),
    (errors.InvalidSource, ERR_SENDER),
    (errors.InvalidMessageLength, ERR_LENGTH),
    (errors.Forbidden, ERR_USER_DISABLE),
    (errors.InsufficientFunds, ERR_BILLING),
    (errors.QuotaExceeded, ERR_OVERLIMIT),
)


def send_error_code(exc: errors.PlatformError) -> int:
    """The §4.3 code for a send the platform refused."""
    if isinstance(exc, errors.MissingArgument):
        return {"destination": ERR_RECIPIENT, "text": ERR_LENGTH, "source": ERR_SENDER}.get(exc.name, ERR_UNKNOWN)
    for kind, code in ERROR_CODES:
        if isinstance(exc, kind):
            return code
    return ERR_UNKNOWN
