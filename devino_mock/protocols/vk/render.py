"""Everything the VK API writes: JSON bodies with `application/json;charset=UTF-8`, the status
result of a chain (vk.md §3.2, §6.4) and the `vk_status` callback body (vk.md §4, §6.2)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from aiohttp import web

from devino_mock.core.records import Message
from devino_mock.protocols.vk import codes

CONTENT_TYPE = "application/json;charset=UTF-8"
CALLBACK_CONTENT_TYPE = "application/json; charset=UTF-8"
MOSCOW = timezone(timedelta(hours=3))  # callbacks: "по Москве, UTC+3" (vk.md §4)
STAMP = "%Y-%m-%d %H:%M:%S"


def respond(payload: object, status: int = 200, headers: dict | None = None) -> web.Response:
    return web.Response(status=status, body=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
                        headers={"Content-Type": CONTENT_TYPE, **(headers or {})})


def envelope(code: str, description: str = "", result: dict | None = None) -> web.Response:
    body: dict = {"code": code, "description": description}
    if result is not None:
        body["result"] = result
    return respond(body)


def spring_error(now: datetime, status: int, error: str, message: str, path: str, **extra: object) -> dict:
    """The Spring-style error body public clients of im/viber.devinotele.com parse (vk.md §6.5)."""
    return {**extra, "timestamp": int(now.timestamp() * 1000), "status": status, "error": error,
            "message": message, "path": path}


def utc_stamp(at: datetime) -> str:
    return at.astimezone(timezone.utc).strftime(STAMP)


def moscow_stamp(at: datetime) -> str:
    return at.astimezone(MOSCOW).strftime(STAMP)


def _status_at(message: Message) -> datetime:
    return message.last_change


def status_result(message: Message, stages: list[Message]) -> dict:
    """`result` of GET /status/vk for a VK message and the stages of its chain, oldest first."""
    result: dict = {"providerId": int(message.id), "code": codes.OK, "status": message.status,
                    "statusAt": utc_stamp(_status_at(message))}
    if message.status in codes.FAILED_STATUSES:
        result["error"] = codes.error_text(message.status, message.error)
    viber = next((s for s in stages if s.channel == "viber"), None)
    sms = next((s for s in stages if s.channel == "sms"), None)
    planned = (message.extra.get("fallback") or {}).get("channel")
    if viber is not None:
        # The Viber stage shows the VK message's id, as in the documented example (vk.md §3.2);
        # it has its own id in the journal (GET /_mock/messages).
        result["viberStatus"] = {"id": int(message.id), "status": viber.status, "statusAt": utc_stamp(_status_at(viber))}
        if viber.error:
            result["viberStatus"]["code"] = viber.error
    elif planned == "viber" and message.extra.get("fallback_error"):
        # Refused when the chain reached it: failed with a code of vk.md §3.5 (§6.4).
        result["viberStatus"] = {
            "id": int(message.id), "status": "failed", "statusAt": utc_stamp(message.reported_at or _status_at(message)),
            "code": codes.VIBER_REJECTION.get(message.extra["fallback_error"], codes.VIBER_REJECTION_DEFAULT)}
    if sms is not None:
        state = codes.SMS_STATE.get(sms.status, codes.SMS_STATE_DEFAULT)
        result["smsStates"] = [{"id": int(i), "status": state} for i in sms.ids]
    return result


def callback_body(message: Message, status: str, at: datetime, error: str | None) -> str:
    """One VK status change, as the example of vk.md §4 names its fields."""
    return json.dumps([{"messageId": int(message.id), "status": status.upper(), "receivedAt": moscow_stamp(at),
                        "error": codes.error_text(status, error)}], ensure_ascii=False)
