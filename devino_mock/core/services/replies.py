"""Reply SMS to incoming SMS (incoming.md §7): the common reply (`reply_text` of the account)
and the individual reply a client's handler answers with. Either goes out through the one send
pipeline as an SMS with transport "reply", from the incoming number to the subscriber.

Whether an incoming SMS is pushed to the client's handler is decided here too; the push itself
(its wire format, reading the handler's answer) is the adapter's (protocols/sms_push)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from devino_mock.core import errors
from devino_mock.core.events import Event, IncomingReceived
from devino_mock.core.numbers import normalize
from devino_mock.core.records import Incoming
from devino_mock.core.sending import SendRequest

if TYPE_CHECKING:
    from devino_mock.core.platform import Platform

log = logging.getLogger("devino_mock.replies")
TRANSPORT = "reply"
PUSH_KIND = "sms_incoming"
COMMON, INDIVIDUAL = "common", "individual"


def _same_number(a: str, b: str) -> bool:
    return (normalize(a) or a.strip()) == (normalize(b) or b.strip())


class Replies:
    def __init__(self, platform: "Platform") -> None:
        self.platform = platform
        platform.subscribe(self._on_event, IncomingReceived, channels=("sms",))

    def pushed(self, incoming: Incoming) -> bool:
        """An incoming SMS goes to the client's handler when the account has one and the SMS
        came to one of its incoming numbers (mock-interface.md §9)."""
        account = self.platform.store.account(incoming.login)
        return bool(incoming.channel == "sms" and account and account.callbacks.get(PUSH_KIND)
                    and any(_same_number(incoming.destination, n) for n in account.incoming_numbers))

    def _on_event(self, event: Event) -> None:
        # Without a handler the common reply goes at once; with one it waits for the handler's
        # answer, which may carry an individual reply instead (see settle).
        if isinstance(event, IncomingReceived) and event.incoming.channel == "sms" and not self.pushed(event.incoming):
            self.common(event.incoming)

    def settle(self, incoming: Incoming, reply_text: str | None) -> None:
        """The handler has answered (or the platform gave up): an individual reply when it gave
        one, otherwise the common reply (not documented; the spec's suggestion)."""
        if reply_text:
            self.send(incoming, reply_text, INDIVIDUAL)
        else:
            self.common(incoming)

    def common(self, incoming: Incoming) -> None:
        account = self.platform.store.account(incoming.login)
        if account is not None and account.reply_text:
            self.send(incoming, account.reply_text, COMMON)

    def send(self, incoming: Incoming, text: str, kind: str) -> str | None:
        """The reply SMS; its id, or None when the pipeline refused it (logged: the subscriber
        simply gets nothing, as when the platform cannot send)."""
        from devino_mock.core.platform import ByAccount

        try:
            [message] = self.platform.send(ByAccount(incoming.login), SendRequest(
                source=incoming.destination, destinations=[incoming.source], text=text, transport=TRANSPORT,
                extra={"incoming_id": incoming.id, "reply": kind}))
        except errors.PlatformError as exc:
            log.warning("no %s reply to incoming SMS %s: %s", kind, incoming.id, exc.kind)
            return None
        return message.id

    def incoming(self, incoming_id: int | str) -> Incoming | None:
        wanted = str(incoming_id)
        return next((m for m in self.platform.store.incoming() if str(m.id) == wanted), None)
