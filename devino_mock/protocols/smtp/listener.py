"""The SMTP listener on the emulator's event loop (aiosmtpd via loop.create_server)."""

from __future__ import annotations

import asyncio
import logging
import weakref
from typing import Callable

from aiosmtpd.smtp import SMTP, Session

from devino_mock.protocols.smtp.handler import MailHandler
from devino_mock.protocols.smtp.options import smtp_options


HOSTNAME = "integrationapi.net"  # given, so aiosmtpd does not ask DNS for the FQDN per connection
IDENT = "devino-mock ESMTP"
MAX_MAIL_BYTES = 4 * 1024 * 1024  # hard bound of one DATA; beyond it aiosmtpd answers 552
IDLE_TIMEOUT = 300.0  # seconds without a command before the connection is closed


class QuietSession(Session):
    # aiosmtpd still sets the deprecated login_data on every AUTH, and its property logs a
    # deprecation warning each time; a plain attribute keeps the log readable.
    login_data = None


class BoundedSMTP(SMTP):
    # Lines up to 8 KiB instead of RFC 5321's 1000 octets: AddonToEmail2SMS is one line of up
    # to 2000 characters (A.3), and clients rarely wrap 7bit/8bit bodies. Still bounded.
    line_length_limit = 8192

    def _create_session(self) -> Session:
        return QuietSession(self.loop)


class WatchedHandler(MailHandler):
    """The mail handler behind the emulator's faults and request journal (mock-interface.md
    §12, §16): each mail (DATA) may be delayed, refused with 451 or cut off, and is journalled
    with its envelope and the reply it got."""

    def __init__(self, platform, watch, **options) -> None:
        super().__init__(platform, **options)
        self._watch = watch

    async def handle_DATA(self, server: SMTP, session: Session, envelope) -> str:
        verdict = self._watch.faults.draw("smtp")
        summary = f"MAIL FROM:<{envelope.mail_from}> RCPT TO:{', '.join(f'<{r}>' for r in envelope.rcpt_tos)}"
        with self._watch.exchange("smtp", "DATA", summary, body=envelope.original_content or b"",
                                  login=session.auth_data if session.authenticated else None) as exchange:
            if verdict.delay:
                await asyncio.sleep(verdict.delay)
            if verdict.disconnect:
                exchange.response = "(connection closed by an injected fault)"
                if server.transport is not None:
                    server.transport.abort()
                return "421 4.3.0 Connection closed"  # never reaches the client: the socket is gone
            if verdict.error:
                reply = "451 4.3.0 Requested action aborted: local error in processing (injected fault)"
            else:
                reply = await super().handle_DATA(server, session, envelope)
            exchange.status, exchange.response = reply[:3], reply
            return reply


class SmtpListener:
    def __init__(self, server: asyncio.AbstractServer, sessions: weakref.WeakSet,
                 tls_server: asyncio.AbstractServer | None = None) -> None:
        self._server = server
        self._tls_server = tls_server
        self._sessions = sessions
        self.port: int = server.sockets[0].getsockname()[1]
        # With --tls: the implicit-TLS port (the real platform's 465); reported as "smtps".
        self.tls_port: int | None = tls_server.sockets[0].getsockname()[1] if tls_server else None
        self.on_close: Callable[[], object] = lambda: None  # takes the reset hooks back

    def forget_logins(self, login: str | None = None) -> None:
        """POST /_mock/reset forgets every session: open connections must AUTH again (with a
        login, a scoped reset: only that account's connections)."""
        for protocol in list(self._sessions):
            session = protocol.session
            if session is not None and (login is None or (session.authenticated and session.auth_data == login)):
                session.authenticated = False
                session.auth_data = None

    async def close(self) -> None:
        self.on_close()
        servers = [self._server, *([self._tls_server] if self._tls_server else [])]
        for server in servers:
            server.close()
        for protocol in list(self._sessions):
            if protocol.transport is not None:
                protocol.transport.close()
        for server in servers:
            await server.wait_closed()


def control(table, emulator):
    """`/_mock/smtp/accounts/{login}`: per-account arrangements; `start` uses them."""
    options = smtp_options(emulator.platform)
    options.register_control(table, "/smtp/accounts/{login}")
    return options


async def start(emulator, host: str, port: int) -> SmtpListener:
    loop = asyncio.get_running_loop()
    if logging.getLogger("devino_mock").getEffectiveLevel() > logging.DEBUG:
        logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every command at INFO
    options = emulator.controls["smtp"]
    handler = WatchedHandler(emulator.platform, emulator.watch, strict_email2sms=emulator.settings.email2sms_strict,
                             options=options)
    sessions: weakref.WeakSet = weakref.WeakSet()

    tls_context = getattr(emulator, "tls_context", None)

    def connection(starttls: bool = True) -> BoundedSMTP:
        protocol = BoundedSMTP(
            handler,
            data_size_limit=MAX_MAIL_BYTES,
            hostname=HOSTNAME,
            ident=IDENT,
            timeout=IDLE_TIMEOUT,
            # One port serves Email2SMS (no AUTH) and the e-mail API (AUTH PLAIN/LOGIN), so AUTH
            # is checked per recipient. AUTH stays allowed without TLS, the spec's switch "for
            # local tests": a client that never asks for STARTTLS still works.
            auth_required=False,
            auth_require_tls=False,
            authenticator=handler.authenticate,
            # With --tls, STARTTLS is offered here as on the real port 587.
            tls_context=tls_context if starttls else None,
            loop=loop,
        )
        sessions.add(protocol)
        return protocol

    server = await loop.create_server(connection, host, port)
    tls_server = None
    if tls_context is not None:
        smtps_port = emulator.settings.smtps_port
        try:
            # Implicit TLS (RFC 8314), as on the real port 465: no STARTTLS inside TLS.
            tls_server = await loop.create_server(lambda: connection(starttls=False), host, smtps_port,
                                                  ssl=tls_context)
        except BaseException:
            server.close()
            raise
    listener = SmtpListener(server, sessions, tls_server)
    hooks = (emulator.reset_hooks, emulator.login_reset_hooks)
    for hook_list in hooks:
        hook_list.append(listener.forget_logins)

    def take_hooks_back() -> None:
        for hook_list in hooks:
            if listener.forget_logins in hook_list:
                hook_list.remove(listener.forget_logins)
    listener.on_close = take_hooks_back
    return listener
