"""E-mail event callbacks (email-http.md §6.1, §7.4.7): every e-mail of the journal (HTTP API,
SMTP API, campaigns) reports its events to the account's `email` URL through the outbox, as
`{"messageEventDtos": [...]}` in JSON (nulls written out) or XML (nulls left out)."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from lxml import etree

from devino_mock.core.channels.email import is_hard_bounce
from devino_mock.core.events import Event, RecipientAction, StatusChanged
from devino_mock.core.platform import Platform
from devino_mock.core.records import Message
from devino_mock.protocols.email_http.ids import message_id

KIND = "email"
JSON_TYPE, XML_TYPE = "application/json; charset=utf-8", "application/xml; charset=utf-8"
STATUS_EVENTS = {"Sent": "SENT", "Delivered": "DELIVERED", "Read": "OPENED", "Clicked": "CLICKED",
                 "Bounced": "BOUNCED", "Rejected": "BOUNCED"}
ACTION_EVENTS = {"unsubscribed": "UNSUBSCRIBED", "subscribed": "SUBSCRIBED", "complained": "COMPLAINED"}
INTERACTIVE = frozenset({"OPENED", "CLICKED", "UNSUBSCRIBED", "SUBSCRIBED", "COMPLAINED"})
DEFAULT_URL = "http://example.com"
# What the documented examples show for a recipient's client (geolocation is "not determined").
DESKTOP = {"platform": "DESKTOP", "operatingSystem": "Windows", "browser": "Chrome",
           "userAgent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
                        "Chrome/65.0.3325.181 Safari/537.36", "ipAddress": "192.168.0.1"}
NO_CLIENT = {"platform": None, "operatingSystem": None, "browser": None, "userAgent": None, "ipAddress": None}


def stamp(at: datetime) -> str:
    """`2020-01-14T08:27:57.7377849`: UTC, seven fractional digits, no zone."""
    at = at.astimezone(timezone.utc)
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond:06d}0"


def event_dto(message: Message, event: str, at: datetime, error: str | None = None, url: str | None = None) -> dict:
    extra = message.extra
    bounced = event == "BOUNCED"
    return {
        "messageId": message_id(message),
        "taskId": int(extra.get("task_id") or 0),
        # E16 messages have no UserMessageId: their RecipientId stands in.
        "userMessageId": extra.get("user_message_id") or extra.get("recipient_id"),
        "userCampaignId": extra.get("user_campaign_id"),
        "email": message.destination,
        "event": event,
        "url": (url or DEFAULT_URL) if event == "CLICKED" else None,
        "dateTime": stamp(at),
        "clientInfo": {**(DESKTOP if event in INTERACTIVE else NO_CLIENT),
                       "geolocation": {"country": None, "region": None, "city": None}},
        "isHardbounce": is_hard_bounce(error) if bounced else None,
        "reason": (error or "other") if bounced else None,
    }


def render_json(dtos: list[dict]) -> str:
    return json.dumps({"messageEventDtos": dtos}, ensure_ascii=False)


def render_xml(dtos: list[dict]) -> str:
    root = etree.Element("messageEventDtos")
    for dto in dtos:
        _xml(etree.SubElement(root, "messageEventDto"), dto)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True).decode("utf-8")


def _xml(parent, values: dict) -> None:
    for key, value in values.items():
        if value is None:
            continue  # the XML examples leave nulls out
        child = etree.SubElement(parent, key)
        if isinstance(value, dict):
            _xml(child, value)
        elif isinstance(value, bool):
            child.text = "true" if value else "false"
        else:
            child.text = str(value)


class EmailCallbacks:
    def __init__(self, platform: Platform) -> None:
        self.platform = platform

    def on_event(self, event: Event) -> None:
        if isinstance(event, StatusChanged):
            message = event.message
            name = STATUS_EVENTS.get(event.status)
            if message.channel != "email" or name is None:
                return
            self.push(message, event_dto(message, name, event.at, event.error, message.extra.get("clicked_url")))
        elif isinstance(event, RecipientAction) and event.message.channel == "email":
            name = ACTION_EVENTS.get(event.action)
            if name is not None:
                self.push(event.message, event_dto(event.message, name, event.at))

    def push(self, message: Message, dto: dict) -> None:
        account = self.platform.account(message.login)
        if account is None or KIND not in account.callbacks:
            return
        if account.callback_formats.get(KIND) == "xml":
            body, content_type = render_xml([dto]), XML_TYPE
        else:
            body, content_type = render_json([dto]), JSON_TYPE
        self.platform.outbox.push(KIND, message.login, body, content_type, message.id)
