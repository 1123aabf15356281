"""Incoming SMS pushed to the client's external handler (incoming.md §4, §7.3): the request the
platform makes, and the handler's `{sms=…}` answer read back as an individual reply.

The request is a GET with the documented parameters in the query string, UTF-8
percent-encoded (the `<handler URL>?sourcePhone=…&number=…` layout of the documentation); the
outbox retries it with the `sms_incoming` policy (30 s without an answer, 300 s after an error,
given up after 24 h). The core decides whether an SMS is pushed and sends the replies."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from devino_mock.core.events import Event, IncomingReceived
from devino_mock.core.platform import Platform
from devino_mock.core.records import Callback, Incoming
from devino_mock.core.services.replies import PUSH_KIND
from devino_mock.web import Router

CONTENT_TYPE = "application/x-www-form-urlencoded"
# "{sms=<Текст ответного сообщения>}", the whole trimmed body (incoming.md §7.3).
REPLY = re.compile(r"^\{sms=(.*)\}$", re.DOTALL)


def query(incoming: Incoming) -> str:
    """The documented parameters; `prefix` (the number's keyword) is sent even when empty."""
    return urlencode({"sourcePhone": incoming.source, "number": incoming.destination, "prefix": "",
                      "text": incoming.text, "messageId": str(incoming.id)}, encoding="utf-8")


def reply_text(answer: str | None) -> str | None:
    """The individual reply a handler's answer carries, or None (any other body)."""
    if answer is None:
        return None
    match = REPLY.match(answer.strip())
    return match.group(1) if match and match.group(1).strip() else None


class SmsPush:
    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        platform.subscribe(self.on_event, IncomingReceived)
        platform.outbox.on_settled[PUSH_KIND] = self.on_settled

    def on_event(self, event: Event) -> None:
        if isinstance(event, IncomingReceived) and self.platform.replies.pushed(event.incoming):
            incoming = event.incoming
            self.platform.outbox.push(PUSH_KIND, incoming.login, "", CONTENT_TYPE, message_id=str(incoming.id),
                                      method="GET", query=query(incoming))

    def on_settled(self, callback: Callback, answer: str | None) -> None:
        """Only a 200 answer may carry a reply (another 2xx is delivered but replies nothing)."""
        incoming = self.platform.replies.incoming(callback.message_id or "")
        if incoming is None:
            return
        last = callback.attempts[-1].http_status if callback.attempts else None
        self.platform.replies.settle(incoming, reply_text(answer) if last == 200 else None)


def register(router: Router, platform: Platform) -> None:
    """No routes: this surface only calls out, from the outbox."""
    SmsPush(platform)
