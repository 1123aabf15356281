"""`/_mock/…`: inspect and steer the platform. Uses the same core operations as the protocols."""

from __future__ import annotations

import json
from typing import Callable

from aiohttp import web

from devino_mock import __version__
from devino_mock.control.views import incoming_view, iso, message_view, submission_view
from devino_mock.core import errors
from devino_mock.core.accounts import Account
from devino_mock.core.messages import EMAIL_STATUS_TEXT, STATUS_BY_NAME, STATUS_NAMES
from devino_mock.core.platform import Platform
from devino_mock.core.scenarios import Rule
from devino_mock.web import Router

MESSAGE_FILTERS = ("channel", "transport", "login", "source", "destination", "status", "id")
SUBMISSION_FILTERS = ("transport", "service", "outcome", "login", "error")
EMAIL_STATUS_BY_FOLDED = {name.casefold(): name for name in EMAIL_STATUS_TEXT}


def _json(payload: object, status: int = 200) -> web.Response:
    return web.json_response(payload, status=status, dumps=lambda o: json.dumps(o, ensure_ascii=False))


def _bad(text: str, status: int = 400) -> web.Response:
    return _json({"error": text}, status=status)


async def _body(request: web.Request) -> dict:
    if not request.can_read_body:
        return {}
    try:
        data = json.loads(await request.read() or b"{}")
    except ValueError as exc:
        raise ValueError(f"the body is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ValueError("the body must be a JSON object")
    return data


class ControlApi:
    def __init__(self, platform: Platform, ports: Callable[[], dict], on_reset: list[Callable[[], None]]) -> None:
        self.platform = platform
        self.ports = ports
        self.on_reset = on_reset  # listeners (SMPP, SMTP, FTP…) forget their own queues too

    def register(self, router: Router) -> None:
        router.add_prefix("/_mock", self.handle)
        router.add("/_mock", self.handle)

    async def handle(self, request: web.Request) -> web.Response:
        parts = [p for p in request.path.split("/") if p][1:]
        method = request.method
        try:
            return await self._route(request, method, parts)
        except ValueError as exc:
            return _bad(str(exc))

    async def _route(self, request: web.Request, method: str, parts: list[str]) -> web.Response:
        head = parts[0].lower() if parts else ""
        rest = parts[1:]
        if head == "health" and method == "GET":
            return _json({"status": "ok", "version": __version__, "ports": self.ports(), "now": iso(self.platform.now())})
        if head == "reset" and method == "POST":
            self.platform.reset()
            for hook in self.on_reset:
                hook()
            return _json({"status": "reset", "now": iso(self.platform.now())})
        if head == "accounts":
            return await self._accounts(request, method, rest)
        if head == "messages":
            return await self._messages(request, method, rest)
        if head == "clock":
            return await self._clock(request, method, rest)
        if head == "incoming":
            return await self._incoming(request, method)
        if head in ("mails", "submissions"):
            return await self._submissions(request, method, rest, "smtp" if head == "mails" else None)
        if head == "rules":
            return await self._rules(request, method)
        return _bad(f"no control call {method} /_mock/{'/'.join(parts)}", status=404)

    async def _accounts(self, request: web.Request, method: str, rest: list[str]) -> web.Response:
        if not rest and method == "GET":
            return _json([a.to_dict() for a in self.platform.accounts()])
        if not rest and method == "POST":
            account = Account.from_dict(await _body(request))
            return _json(self.platform.upsert_account(account).to_dict(), status=201)
        if len(rest) == 1 and method == "GET":
            account = self.platform.account(rest[0])
            if account is None:
                return _bad(f"no account {rest[0]!r}", status=404)
            return _json(account.to_dict())
        return _bad("unknown accounts call", status=404)

    async def _messages(self, request: web.Request, method: str, rest: list[str]) -> web.Response:
        if not rest and method == "GET":
            filters = {k: request.query.get(k) for k in MESSAGE_FILTERS}
            return _json([message_view(m) for m in self.platform.messages(**filters)])
        if len(rest) == 1 and method == "GET":
            message = self.platform.message(rest[0])
            if message is None:
                return _bad(f"no message {rest[0]!r}", status=404)
            return _json(message_view(message))
        if len(rest) == 2 and rest[1].lower() == "status" and method == "POST":
            data = await _body(request)
            status = data.get("status")
            target = self.platform.message(rest[0])
            if target is not None and target.channel == "email":
                status = EMAIL_STATUS_BY_FOLDED.get(str(status).casefold())
                if status is None:
                    raise ValueError(f"'status' of an e-mail must be one of {sorted(EMAIL_STATUS_TEXT)}")
            else:
                status = STATUS_BY_NAME.get(status, status) if isinstance(status, str) else status
                if status not in STATUS_NAMES:
                    raise ValueError(f"'status' must be one of {sorted(STATUS_NAMES)} or {sorted(STATUS_BY_NAME)}")
            after = float(data.get("after", 0) or 0)
            if after < 0:
                raise ValueError("'after' cannot be negative")
            try:
                message = self.platform.set_status(rest[0], status, after)
            except KeyError:
                return _bad(f"no message {rest[0]!r}", status=404)
            return _json(message_view(message))
        return _bad("unknown messages call", status=404)

    async def _submissions(self, request: web.Request, method: str, rest: list[str], transport: str | None) -> web.Response:
        """Mails (and dropped files) the platform received, with what became of each."""
        if method != "GET" or len(rest) > 1:
            return _bad("unknown submissions call", status=404)
        filters = {k: request.query.get(k) for k in SUBMISSION_FILTERS}
        if transport:
            filters["transport"] = transport
        if rest:
            filters["id"] = rest[0]
        found = self.platform.submissions(**filters)
        if rest:
            return _json(submission_view(found[0])) if found else _bad(f"no submission {rest[0]!r}", status=404)
        return _json([submission_view(s) for s in found])

    async def _clock(self, request: web.Request, method: str, rest: list[str]) -> web.Response:
        if not rest and method == "GET":
            return _json({"now": iso(self.platform.now()), "offset_seconds": self.platform.clock.offset.total_seconds()})
        if rest == ["advance"] and method == "POST":
            data = await _body(request)
            try:
                seconds = float(data.get("seconds"))
            except (TypeError, ValueError):
                raise ValueError("body must be {\"seconds\": N} with N >= 0") from None
            if seconds < 0 or seconds != seconds:
                raise ValueError("body must be {\"seconds\": N} with N >= 0")
            return _json({"now": iso(self.platform.advance(seconds))})
        return _bad("unknown clock call", status=404)

    async def _incoming(self, request: web.Request, method: str) -> web.Response:
        if method == "GET":
            login = request.query.get("login")
            items = [m for m in self.platform.store.incoming() if not login or m.login == login]
            return _json([incoming_view(m) for m in items])
        if method == "POST":
            data = await _body(request)
            missing = [k for k in ("login", "source", "destination", "text") if not data.get(k)]
            if missing:
                raise ValueError(f"missing {', '.join(missing)}")
            try:
                incoming = self.platform.receive_incoming(
                    str(data["login"]), str(data["source"]), str(data["destination"]), str(data["text"]),
                    channel=str(data.get("channel") or "sms"),
                )
            except errors.InvalidCredentials as exc:
                return _bad(str(exc), status=404)
            return _json(incoming_view(incoming), status=201)
        return _bad("unknown incoming call", status=404)

    async def _rules(self, request: web.Request, method: str) -> web.Response:
        if method == "GET":
            return _json([r.to_dict() for r in self.platform.scenarios.rules()])
        if method == "POST":
            rule = Rule.from_dict(await _body(request))
            self.platform.scenarios.add(rule)
            return _json(rule.to_dict(), status=201)
        if method == "DELETE":
            self.platform.scenarios.clear_runtime()
            return _json([r.to_dict() for r in self.platform.scenarios.rules()])
        return _bad("unknown rules call", status=404)
