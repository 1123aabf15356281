"""aiosmtpd hooks for the one SMTP listener: mail to the Email2SMS mailbox becomes SMS (Part A,
no AUTH), any other recipient is the e-mail API (Part B, SMTP AUTH against the accounts).
Every mail that reaches the end of DATA is recorded as a submission with its outcome."""

from __future__ import annotations

import logging

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from devino_mock.core.addresses import normalize_email
from devino_mock.core.errors import PlatformError
from devino_mock.core.platform import ByAccount, ByLogin, EmailRequest, Platform, SmsRequest
from devino_mock.protocols.per_account import PerAccount
from devino_mock.protocols.smtp import errors as replies
from devino_mock.protocols.smtp.options import AccountOptions, smtp_options
from devino_mock.protocols.smtp.email2sms import MAX_NUMBERS, FormatError, is_service_address, read_order
from devino_mock.protocols.smtp.mime import Mail, UnreadableMail, extension, read_mail

log = logging.getLogger("devino_mock.smtp")
TRANSPORT = "smtp"
MAX_RCPT = 100  # per transaction; more gets 452 (RFC 5321 §4.5.3.1.8 asks for at least 100)
MAX_API_MAIL = 512_000  # "500 КБ" (B.3), read as 500 × 1024 bytes
BODY_EXCERPT = 4000  # characters of an unusable Email2SMS body kept for the control API
MACROS = ("[Unsubscribe]", "[WebVersion]")
OK = "250 OK"


class MailHandler:
    def __init__(self, platform: Platform, strict_email2sms: bool = False,
                 options: PerAccount[AccountOptions] | None = None) -> None:
        self.platform = platform
        self.strict_email2sms = strict_email2sms
        self.options = options or smtp_options(platform)

    async def handle_MAIL(self, server: SMTP, session: Session, envelope: Envelope, address: str,
                          mail_options: list[str]) -> str:
        # The e-mail API's IP allow-list (B.2), checked where the spec puts it: at MAIL FROM of
        # an authenticated session. Email2SMS (no AUTH) is ordinary Internet mail: no list.
        login = session.auth_data if session.authenticated else None
        if isinstance(login, str) and not self.options.of(login).ip_allowed(session.peer[0] if session.peer else None):
            log.info("SMTP MAIL from %s refused: not on %s's IP allow-list", session.peer, login)
            return replies.api_failure(replies.MUST_AUTHENTICATE)
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return OK

    # --- SMTP AUTH (PLAIN, LOGIN) ----------------------------------------------------

    def authenticate(self, server: SMTP, session: Session, envelope: Envelope, mechanism: str,
                     auth_data: LoginPassword) -> AuthResult:
        login = auth_data.login.decode("utf-8", "replace")
        password = auth_data.password.decode("utf-8", "replace")
        try:
            account = self.platform.resolve(ByLogin(login, password))
        except PlatformError:
            return AuthResult(success=False, handled=False)  # 535 5.7.8, whatever the cause
        return AuthResult(success=True, auth_data=account.login)

    # --- envelope ----------------------------------------------------------------------

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str,
                          rcpt_options: list[str]) -> str:
        if len(envelope.rcpt_tos) >= MAX_RCPT:
            return replies.TOO_MANY_RECIPIENTS
        if not is_service_address(address):
            # Not the Email2SMS mailbox, so the e-mail API, which needs AUTH first.
            if not session.authenticated:
                return replies.api_failure(replies.MUST_AUTHENTICATE)
            if normalize_email(address) is None:
                return replies.api_failure(replies.INVALID_RECIPIENT.format(address))
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return OK

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        service = [r for r in envelope.rcpt_tos if is_service_address(r)]
        others = [r for r in envelope.rcpt_tos if not is_service_address(r)]
        try:
            mail, unreadable = read_mail(raw), None
        except UnreadableMail as exc:
            log.info("unreadable mail from %s: %s", envelope.mail_from, exc)
            mail, unreadable = None, str(exc)
        details = _details(envelope, raw, mail)
        answers = []
        if service:
            answers.append(self._email2sms(details, mail, unreadable))
        if others:
            answers.append(self._email_api(session, envelope, others, raw, mail, details))
        failed = [a for a in answers if not a.startswith("250")]
        return failed[0] if failed else answers[-1]

    async def handle_exception(self, error: Exception) -> str:
        if isinstance(error, (ConnectionError, TimeoutError)):  # the client went away: no bug
            log.info("SMTP session ended: %s", error or type(error).__name__)
        else:
            log.error("SMTP session error", exc_info=error)
        return replies.api_failure(replies.INTERNAL_ERROR)

    # --- Part A: Email2SMS -------------------------------------------------------------

    def _email2sms(self, details: dict, mail: Mail | None, unreadable: str | None) -> str:
        details = dict(details)
        if mail is None:
            return self._email2sms_rejected(details, "format", f"the mail could not be read ({unreadable})")
        try:
            order = read_order(mail)
        except FormatError as exc:
            details["body"] = (mail.text or "")[:BODY_EXCERPT]
            return self._email2sms_rejected(details, "format", str(exc))
        details.update(mode=order.mode, source=order.source, numbers=order.numbers, text=order.text)
        request = SmsRequest(
            source=order.source,
            destinations=order.numbers,
            text=order.text,
            transport=TRANSPORT,
            max_recipients=MAX_NUMBERS[order.mode],
            extra={"email2sms": order.mode},
        )
        try:
            messages = self.platform.send(ByLogin(order.login, order.password), request)
        except PlatformError as exc:
            reason = replies.email2sms_reason(exc, MAX_NUMBERS[order.mode])
            return self._email2sms_rejected(details, exc, reason, login=order.login)
        self.platform.record_submission(TRANSPORT, "email2sms", details, login=order.login, messages=messages)
        return OK

    def _email2sms_rejected(self, details: dict, error: PlatformError | str, reason: str,
                            login: str | None = None) -> str:
        self.platform.record_submission(TRANSPORT, "email2sms", details, login=login, error=error, reason=reason)
        log.info("Email2SMS mail rejected: %s", reason)
        # Email2SMS documents no reply; a mail that cannot become SMS is still "received".
        return replies.ascii_reply(replies.EMAIL2SMS_REJECTED.format(reason)) if self.strict_email2sms else OK

    # --- Part B: the e-mail API ----------------------------------------------------------

    def _email_api(self, session: Session, envelope: Envelope, recipients: list[str], raw: bytes,
                   mail: Mail | None, details: dict) -> str:
        details = dict(details)
        login = session.auth_data if session.authenticated else None
        if not isinstance(login, str):  # AUTH forgotten by a reset since RCPT
            return self._api_rejected(details, "invalid_credentials", replies.MUST_AUTHENTICATE, None)
        if len(raw) > MAX_API_MAIL:
            return self._api_rejected(details, "too_big", replies.TOO_BIG, login)
        if mail is None:
            return self._api_rejected(details, "format", replies.INTERNAL_ERROR, login)
        if mail.attachments:
            text = replies.NOT_ALLOWED_ATTACHMENT.format(extension(mail.attachments[0])).rstrip()
            return self._api_rejected(details, "attachment", text, login)
        # Only the first To address receives the mail (B.3); the envelope stands in for a
        # missing header.
        destination = mail.to_addresses[0] if mail.to_addresses else recipients[0]
        source = mail.from_addresses[0] if mail.from_addresses else (envelope.mail_from or "")
        # The line break that ends every DATA is transport, not text.
        body = (mail.text if mail.text is not None else (mail.html or "")).rstrip("\n")
        details["warnings"] = _api_warnings(mail, recipients, destination)
        extra = {"html": mail.html} if mail.html is not None and mail.text is not None else {}
        if mail.text is None and mail.html is not None:
            extra["content_type"] = "text/html"
        filtered = self.options.of(login).filtered(destination)
        if filtered:
            details["warnings"].append(f"{destination} is on the account's {filtered} list: filtered out, not sent")
        try:
            message = self.platform.send_email(
                ByAccount(login), EmailRequest(source, destination, mail.subject, body, TRANSPORT, extra))
        except PlatformError as exc:
            return self._api_rejected(details, exc, replies.api_text(exc, source, destination), login)
        if filtered:
            # The platform takes the mail and filters the address itself (B.1): the client gets
            # its id, the journal shows the mail never went out.
            self.platform.set_status(message.id, "Rejected")  # type: ignore[arg-type]
        self.platform.record_submission(TRANSPORT, "email", details, login=login, messages=[message])
        return f"{OK} {message.id}"

    def _api_rejected(self, details: dict, error: PlatformError | str, text: str, login: str | None) -> str:
        self.platform.record_submission(TRANSPORT, "email", details, login=login, error=error, reason=text)
        return replies.api_failure(text)


def _details(envelope: Envelope, raw: bytes, mail: Mail | None) -> dict:
    details: dict = {"mail_from": envelope.mail_from, "rcpt_to": list(envelope.rcpt_tos), "size": len(raw)}
    if mail is not None:
        details.update(subject=mail.subject, header_from=mail.from_addresses, header_to=mail.to_addresses,
                       attachments=mail.attachments)
    return details


def _api_warnings(mail: Mail, recipients: list[str], destination: str) -> list[str]:
    warnings = []
    ignored = [a for a in mail.to_addresses[1:]] + [r for r in recipients if r.casefold() != destination.casefold()]
    if ignored:
        warnings.append("only the first To address receives the mail; not sent to: " + ", ".join(dict.fromkeys(ignored)))
    body = (mail.text or "") + (mail.html or "")
    missing = [m for m in MACROS if m not in body]
    if missing:
        warnings.append("the text lacks " + " and ".join(missing) + " (required by the documentation)")
    return warnings
