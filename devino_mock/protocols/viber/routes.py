"""`POST /send` and `POST /status` of the Viber HTTP API (viber.md §2, §3), HTTP Basic auth
(§1, §11.6), and the callbacks the platform pushes for Viber messages (§4, §5)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from aiohttp import web

from devino_mock import jsonbody
from devino_mock.core import errors
from devino_mock.core.accounts import Account
from devino_mock.core.channels import viber
from devino_mock.core.events import Event, IncomingReceived, StatusChanged
from devino_mock.core.platform import ByAccount, Platform
from devino_mock.core.records import Message
from devino_mock.protocols.basic_auth import basic_credentials
from devino_mock.protocols.viber import codes
from devino_mock.protocols.viber.messages import Refused, merge, to_request
from devino_mock.web import Router, body_of

MAX_BODY = 4 * 1024 * 1024
MAX_MESSAGES = 100  # per /send and per /status (viber.md §1, §3)
STATUS_RETENTION = timedelta(days=5)  # "в течении 5 дней с даты отправки" (§3)
CALLBACK_STATUSES = frozenset({"delivered", "read", "visited", "undelivered", "failed", "vp_expired"})
JSON_TYPE = "application/json;charset=UTF-8"
CALLBACK_TYPE = "application/json; charset=UTF-8"
SMS_STATE = {"queued": "enqueued", "sent": "sent", "delivered": "delivered"}  # any other final: undelivered


def _answer(payload: object, status: int = 200) -> web.Response:
    return web.Response(status=status, text=json.dumps(payload, ensure_ascii=False), content_type="application/json",
                        charset="UTF-8")


def _stamp(at: datetime) -> str:
    return at.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


class ViberApi:
    def __init__(self, platform: Platform) -> None:
        self.platform = platform

    # --- the request around an operation ------------------------------------------------

    def _account(self, request: web.Request) -> Account | None:
        """The account of the Basic credentials; None when they are missing or wrong."""
        given = basic_credentials(request.headers.get("Authorization"))
        if given is None:
            return None
        try:
            return self.platform.authenticate(given.login, given.password)
        except errors.PlatformError:
            return None

    async def handle(self, request: web.Request, operation) -> web.Response:
        if request.method != "POST":
            return _answer({"timestamp": _millis(self.platform.now()), "status": 405, "error": "Method Not Allowed",
                            "message": f"Request method '{request.method}' not supported",
                            "path": request.path}, status=405)
        account = self._account(request)
        if account is None:
            return _answer({"timestamp": _millis(self.platform.now()), "status": codes.AUTH,
                            "error": "Unauthorized", "message": "Unauthorized", "path": request.path}, status=401)
        raw = await body_of(request, MAX_BODY)
        try:
            if len(raw) > MAX_BODY:
                raise ValueError("too large")
            body = jsonbody.parse(raw)
        except ValueError:
            return _answer({"status": codes.SYNTAX, "messages": []})
        items = body.get("messages") if isinstance(body, dict) else None
        if not isinstance(items, list) or len(items) > MAX_MESSAGES:
            return _answer({"status": codes.SYNTAX, "messages": []})
        if not account.enabled:
            return _answer({"status": codes.ACCOUNT_LOCKED, "messages": []})
        return await operation(account, body, items)

    # --- /send (§2) -----------------------------------------------------------------------

    async def send(self, account: Account, body: dict, items: list) -> web.Response:
        resend = _flag(body.get("resendSms"))
        common = body.get("commonData", body.get("messageCommonData")) or {}
        if resend is None or not isinstance(common, dict):
            return _answer({"status": codes.SYNTAX, "messages": []})
        answers = []
        for item in items:
            if not isinstance(item, dict):
                answers.append({"code": codes.SYNTAX})
                continue
            try:
                request = to_request(merge(common, item, body), resend)
                [message] = self.platform.send(ByAccount(account.login), request)
            except Refused as refused:
                answers.append({"code": refused.code})
            except errors.PlatformError as exc:
                answers.append({"code": codes.send_error_code(exc)})
            else:
                answers.append({"providerId": int(message.id), "code": codes.OK})
        return _answer({"status": codes.OK, "messages": answers})

    # --- /status (§3) ---------------------------------------------------------------------

    async def status(self, account: Account, body: dict, items: list) -> web.Response:
        seen: set[int] = set()
        answers = []
        for raw_id in items:
            provider_id = _provider_id(raw_id)
            if provider_id is None:
                answers.append({"providerId": raw_id, "code": codes.ID_FORMAT})
                continue
            if provider_id in seen:
                answers.append({"providerId": provider_id, "code": codes.ID_DUPLICATE})
                continue
            seen.add(provider_id)
            message, _ = self.platform.find(ByAccount(account.login), str(provider_id), "viber", STATUS_RETENTION)
            if message is None:
                answers.append({"providerId": provider_id, "code": codes.ID_UNKNOWN})
                continue
            answers.append(self._state(message))
        return _answer({"status": codes.OK, "messages": answers})

    def _state(self, message: Message) -> dict:
        entry: dict = {"providerId": int(message.id), "code": codes.OK, "status": message.status,
                       "statusAt": _stamp(message.last_change)}
        if message.error:
            # The documented field is errorCode; public clients read `error` (§11.8, §11.10).
            entry["errorCode"] = entry["error"] = message.error
        fallback = self.platform.store.message(message.fallback) if message.fallback else None
        if fallback is not None:
            state = SMS_STATE.get(fallback.status, "undelivered")
            entry["smsStates"] = [{"id": int(segment), "status": state} for segment in fallback.ids]
        return entry

    # --- callbacks (§4, §5) ---------------------------------------------------------------

    def on_event(self, event: Event) -> None:
        if isinstance(event, StatusChanged):
            message = event.message
            if message.channel != "viber" or message.parent or event.status not in CALLBACK_STATUSES:
                return  # a Viber stage of another chain reports through that chain's own API
            item: dict = {"id": int(message.id), "receivedAt": str(_millis(event.at)), "status": event.status.upper()}
            if event.error:
                item["errorCode"] = viber.callback_error(event.error)
            self.platform.outbox.push("viber_status", message.login, json.dumps([item]), CALLBACK_TYPE, message.id)
        elif isinstance(event, IncomingReceived) and event.incoming.channel == "viber":
            incoming = event.incoming
            parent = self.platform.store.message(incoming.parent_id) if incoming.parent_id else None
            if parent is None:
                return
            item = {"id": incoming.id, "parentId": int(parent.id), "receivedAt": _stamp(incoming.created_at),
                    "subject": parent.source, "address": parent.destination, "contentType": "text",
                    "content": incoming.text}
            self.platform.outbox.push("viber_incoming", incoming.login, json.dumps([item], ensure_ascii=False),
                                      CALLBACK_TYPE)


def _millis(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def _flag(value: object) -> bool | None:
    """resendSms: a JSON boolean or the string "true"/"false" (the documented examples); absent: off."""
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def _provider_id(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and 0 < value < 2**63:
        return value
    if isinstance(value, str) and value.strip().isdigit() and 0 < int(value.strip()[:20]) < 2**63:
        return int(value.strip())
    return None


def register(router: Router, platform: Platform) -> None:
    api = ViberApi(platform)
    platform.subscribe(api.on_event, StatusChanged, IncomingReceived, channels=("viber",))

    async def send(request: web.Request) -> web.Response:
        return await api.handle(request, api.send)

    async def status(request: web.Request) -> web.Response:
        return await api.handle(request, api.status)

    router.add("/send", send)
    router.add("/status", status)


__all__ = ["ViberApi", "register"]
