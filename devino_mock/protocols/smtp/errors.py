"""SMTP replies and Email2SMS reasons: domain error -> what the client (or the control API) sees.

E-mail API (smtp-email2sms.md B.6): every validation error is "554 Transaction failed" plus
one of the documented texts, kept verbatim ("attachement" included)."""

from __future__ import annotations

from devino_mock.core import errors

TRANSACTION_FAILED = "554 Transaction failed: {}"
MUST_AUTHENTICATE = "Must authenticate before sending mail"
INTERNAL_ERROR = "Internal server error"
NOT_ALLOWED_ATTACHMENT = "Not allowed attachement type {}"
TOO_BIG = "Message exceeds fixed size limit"
INVALID_RECIPIENT = "Invalid recipient address: {}"
DISALLOWED_SOURCE = "Disallowed source address: {}"
TOO_MANY_RECIPIENTS = "452 4.5.3 Too many recipients"
EMAIL2SMS_REJECTED = "554 5.6.0 Email2SMS: {}"  # only with --email2sms-strict (A.5 item 2)

# Email2SMS names the fields as its template does (A.2).
MISSING_FIELD = {
    "login": "UserLogin is missing",
    "password": "Password is missing",
    "destination": "PhoneNumber is missing",
    "source": "SourceAddress is missing",
    "text": "the message text is empty",
}


def ascii_reply(text: str) -> str:
    """One reply line in ASCII: aiosmtpd sends replies as ASCII, and an echoed address must
    not add lines."""
    printable = "".join(c if " " <= c <= "~" else "?" for c in text)
    return printable.rstrip()


def api_failure(text: str) -> str:
    return ascii_reply(TRANSACTION_FAILED.format(text))


def api_text(exc: errors.PlatformError, source: str, destination: str) -> str:
    if isinstance(exc, (errors.InvalidCredentials, errors.Forbidden, errors.SessionExpired)):
        return MUST_AUTHENTICATE
    if isinstance(exc, errors.InvalidDestination):
        return INVALID_RECIPIENT.format(destination)
    if isinstance(exc, errors.InvalidSource):
        return DISALLOWED_SOURCE.format(source)
    return INTERNAL_ERROR


def email2sms_reason(exc: errors.PlatformError, max_numbers: int) -> str:
    if isinstance(exc, errors.MissingArgument):
        return MISSING_FIELD.get(exc.name, f"{exc.name} is missing")
    if isinstance(exc, errors.InvalidCredentials):
        return "invalid UserLogin or Password"
    if isinstance(exc, errors.Forbidden):
        return "forbidden for this account"
    if isinstance(exc, errors.InsufficientFunds):
        return "not enough credits"
    if isinstance(exc, errors.InvalidDestination):
        return f"invalid phone number: {exc.number}"
    if isinstance(exc, errors.TooManyRecipients):
        return f"too many phone numbers: {exc.detail} (at most {max_numbers})"
    if isinstance(exc, errors.InvalidSource):
        return f"invalid SourceAddress: {exc.detail}"
    if isinstance(exc, errors.InvalidMessageLength):
        return f"the message text is too long: {exc.detail} characters"
    if isinstance(exc, errors.GatewayError):
        return "gateway error"
    return "internal server error"
