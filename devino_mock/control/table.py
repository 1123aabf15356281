"""The control API's routing: a (method, path pattern) -> handler table. Resource modules and
surfaces add their calls through `add`; no handler parses paths itself."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Awaitable, Callable

from aiohttp import web

from devino_mock import jsonbody
from devino_mock.web import body_of

MAX_CONTROL_BODY = 1024 * 1024


class ControlError(Exception):
    """Refused control input: answered with its status and {"error": text}."""

    def __init__(self, text: str, status: int = 400) -> None:
        super().__init__(text)
        self.status = status


def json_response(payload: object, status: int = 200) -> web.Response:
    return web.json_response(payload, status=status, dumps=lambda o: json.dumps(o, ensure_ascii=False))


@dataclass
class Call:
    request: web.Request
    params: dict[str, str]  # the pattern's {names}
    _body: object = field(default=None)

    @property
    def query(self):
        return self.request.query

    async def body(self, limit: int = MAX_CONTROL_BODY) -> dict:
        """The JSON object the call carries ({} when none), bounded in size and depth."""
        if not self.request.can_read_body:
            return {}
        raw = await body_of(self.request, limit)  # the whole body: one read() stops at a chunk
        if len(raw) > limit:
            raise ControlError(f"the body is larger than {limit} bytes", 413)
        if not raw.strip():
            return {}
        try:
            data = jsonbody.parse(raw)
        except ValueError as exc:
            raise ControlError(f"the body is not JSON: {exc}") from None
        if not isinstance(data, dict):
            raise ControlError("the body must be a JSON object")
        return data


Handler = Callable[[Call], Awaitable[web.StreamResponse]]


class ControlTable:
    def __init__(self, prefix: str = "/_mock") -> None:
        self.prefix = prefix
        self._routes: list[tuple[str, tuple[str, ...], Handler, str]] = []
        self.docs: dict[tuple[str, str], dict] = {}  # (method, full path) -> its OpenAPI details

    def add(self, method: str, pattern: str, handler: Handler, summary: str = "", doc: dict | None = None) -> None:
        """`pattern` is relative to the prefix, e.g. "/messages/{id}/status"; "*" matches any method.
        `doc` describes the call for /_mock/openapi.json (control/openapi.py: query, body, answer)."""
        parts = tuple(p for p in pattern.split("/") if p)
        self._routes.append((method.upper(), parts, handler, summary))
        if doc is not None:
            self.docs[(method.upper(), self.prefix + "/" + "/".join(parts))] = doc

    def routes(self) -> list[tuple[str, str, str]]:
        return [(m, self.prefix + "/" + "/".join(p), s) for m, p, _, s in self._routes]

    def match(self, method: str, parts: list[str]) -> tuple[Handler, dict[str, str]] | None:
        allowed = False
        for route_method, pattern, handler, _ in self._routes:
            params = _bind(pattern, parts)
            if params is None:
                continue
            if route_method in ("*", method) or (route_method == "GET" and method == "HEAD"):
                return handler, params
            allowed = True
        if allowed:
            raise ControlError(f"{method} is not allowed on {self.prefix}/{'/'.join(parts)}", 405)
        return None

    async def handle(self, request: web.Request) -> web.StreamResponse:
        parts = [p for p in request.path.split("/") if p][1:]
        try:
            found = self.match(request.method, parts)
            if found is None:
                raise ControlError(f"no control call {request.method} {self.prefix}/{'/'.join(parts)}", 404)
            handler, params = found
            return await handler(Call(request, params))
        except ControlError as exc:
            return json_response({"error": str(exc)}, status=exc.status)
        except ValueError as exc:
            return json_response({"error": str(exc)}, status=400)


def _bind(pattern: tuple[str, ...], parts: list[str]) -> dict[str, str] | None:
    if len(pattern) != len(parts):
        if not (pattern and pattern[-1] == "{path*}" and len(parts) >= len(pattern) - 1):
            return None
    params = {}
    for index, piece in enumerate(pattern):
        if piece == "{path*}":
            params["path"] = "/".join(parts[index:])
            return params
        if piece.startswith("{") and piece.endswith("}"):
            params[piece[1:-1]] = parts[index]
        elif piece.lower() != parts[index].lower():
            return None
    return params
