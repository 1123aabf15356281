"""The VK API of im.devinotele.com (vk.md): `POST /send/vk`, `GET /status/vk?message=ID`, both
with HTTP Basic auth, and the `vk_status` callbacks of every VK status change."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

from aiohttp import web

from devino_mock.core import errors
from devino_mock.core.channels import CHANNELS, VK
from devino_mock.core.events import StatusChanged
from devino_mock.core.platform import ByLogin, Platform
from devino_mock.protocols.basic_auth import basic_credentials
from devino_mock.protocols.vk import codes
from devino_mock.protocols.vk.render import CALLBACK_CONTENT_TYPE, callback_body, envelope, respond, spring_error, status_result
from devino_mock.protocols.vk.request import Invalid, parse_send
from devino_mock.web import Router

log = logging.getLogger("devino_mock.vk")
RETENTION = timedelta(days=5)  # "at least 5 days", as the Viber API (vk.md §6.4)
CALLBACK_KIND = "vk_status"


class VkApi:
    def __init__(self, platform: Platform) -> None:
        self.platform = platform

    # --- HTTP-level answers (vk.md §6.5) --------------------------------------------------

    def _unauthorized(self, request: web.Request) -> web.Response:
        return respond(spring_error(self.platform.now(), 401, "Unauthorized", "Unauthorized", request.path,
                                    code=codes.VALIDATION_ERROR, description=codes.LOGIN_NOT_SPECIFIED), status=401)

    def _not_allowed(self, request: web.Request, allowed: str) -> web.Response:
        return respond(spring_error(self.platform.now(), 405, "Method Not Allowed",
                                    f"Request method '{request.method}' not supported", request.path),
                       status=405, headers={"Allow": allowed})

    def _caller(self, request: web.Request):
        """The caller's account, or None when the Basic credentials are missing or wrong."""
        credentials = basic_credentials(request.headers.get("Authorization"))
        if credentials is None:
            return None
        try:
            return self.platform.resolve(credentials)
        except errors.PlatformError:
            return None

    # --- POST /send/vk (vk.md §2) ---------------------------------------------------------

    async def send(self, request: web.Request) -> web.StreamResponse:
        if request.method != "POST":
            return self._not_allowed(request, "POST")
        try:
            return await self._send(request)
        except Exception as exc:  # the documented answer for an unexpected failure (vk.md §2.7)
            log.exception("VK send failed")
            return envelope(codes.SYSTEM_ERROR, f"{type(exc).__name__}: {exc}")

    async def _send(self, request: web.Request) -> web.Response:
        account = self._caller(request)
        if account is None:
            return self._unauthorized(request)
        raw = await request.read()
        try:
            body = json.loads(raw.decode("utf-8-sig"))  # whatever the Content-Type says (vk.md §6.5)
        except (UnicodeDecodeError, ValueError):
            return envelope(codes.VALIDATION_ERROR, codes.INVALID_JSON)
        if not isinstance(body, dict) or not isinstance(body.get("vk"), dict):
            return envelope(codes.VALIDATION_ERROR, codes.MESSAGES_NOT_SPECIFIED)

        def subject_allowed(channel: str, subject: str) -> bool:
            return CHANNELS[channel].sending.sender_allowed(account, subject)

        try:
            send_request = parse_send(body, subject_allowed)
        except Invalid as invalid:
            return envelope(codes.OK, "", {"code": invalid.code})
        try:
            [message] = self.platform.send(ByLogin(account.login, account.password), send_request)
        except errors.PlatformError as exc:
            return self._refused(request, exc)
        return envelope(codes.OK, "", {"code": codes.OK, "messageId": int(message.id)})

    def _refused(self, request: web.Request, exc: errors.PlatformError) -> web.Response:
        if exc.kind in codes.ENVELOPE_OF_KIND:
            return envelope(*codes.ENVELOPE_OF_KIND[exc.kind])
        if exc.kind in codes.RESULT_OF_KIND:
            return envelope(codes.OK, "", {"code": codes.RESULT_OF_KIND[exc.kind]})
        if exc.kind in codes.AUTH_KINDS:
            return self._unauthorized(request)
        return envelope(codes.SYSTEM_ERROR, exc.detail or exc.kind)

    # --- GET /status/vk?message=ID (vk.md §3) -----------------------------------------------

    async def status(self, request: web.Request) -> web.StreamResponse:
        if request.method not in ("GET", "HEAD"):
            return self._not_allowed(request, "GET")
        try:
            return self._status(request)
        except Exception as exc:  # vk.md §3.3
            log.exception("VK status failed")
            return envelope(codes.SYSTEM_ERROR, f"{type(exc).__name__}: {exc}")

    def _status(self, request: web.Request) -> web.Response:
        account = self._caller(request)
        if account is None:
            return self._unauthorized(request)
        raw = request.query.get("message", "").strip()
        if not raw:
            return envelope(codes.VALIDATION_ERROR, codes.MESSAGE_NOT_SPECIFIED)
        if not raw.isascii() or not raw.isdigit() or len(raw) > 19:
            return envelope(codes.OK, "", {"code": codes.UNKNOWN_MESSAGE_ID})
        provider_id = int(raw)
        message, _ = self.platform.find(ByLogin(account.login, account.password), str(provider_id), VK.name,
                                        retention=RETENTION)
        if message is None:
            return envelope(codes.OK, "", {"providerId": provider_id, "code": codes.UNKNOWN_MESSAGE_ID})
        return envelope(codes.OK, "", status_result(message, self._stages(message)))

    def _stages(self, message):
        """The fallback stages of a chain, in order (parent -> fallback links)."""
        stages, seen = [], {message.id}
        link = message.fallback
        while link and link not in seen:
            stage = self.platform.message(link)
            if stage is None:
                break
            stages.append(stage)
            seen.add(stage.id)
            link = stage.fallback
        return stages

    # --- callbacks (vk.md §4, §6.2) ---------------------------------------------------------

    def on_event(self, event: object) -> None:
        """One POST per change of a VK status; none for the queue, none for the fallback stages
        (they are messages of other channels)."""
        if not isinstance(event, StatusChanged) or event.message.channel != VK.name or event.status == VK.initial:
            return
        message = event.message
        self.platform.outbox.push(CALLBACK_KIND, message.login, callback_body(message, event.status, event.at, event.error),
                                  CALLBACK_CONTENT_TYPE, message_id=message.id)


def register(router: Router, platform: Platform) -> None:
    api = VkApi(platform)
    router.add("/send/vk", api.send)
    router.add("/status/vk", api.status)
    platform.subscribe(api.on_event, StatusChanged, channels=("vk",))
