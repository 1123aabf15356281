"""The one HTTP port: a lenient router in front of every HTTP surface (REST, SOAP, XML,
JSON APIs, the control API). Paths match case-insensitively, with `//` collapsed and a
trailing `/` ignored, as the real .NET services and their clients need."""

from __future__ import annotations

import functools
import logging
import re
from typing import Awaitable, Callable

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
log = logging.getLogger("devino_mock.http")
_SLASHES = re.compile(r"/{2,}")
MAX_BODY = 16 * 1024 * 1024


@functools.lru_cache(maxsize=4096)  # clients repeat a handful of paths; bounded for the rest
def normalize_path(path: str) -> str:
    path = _SLASHES.sub("/", path)
    if len(path) > 1:
        path = path.rstrip("/")
    return path.lower()


class Router:
    def __init__(self) -> None:
        self._exact: dict[str, Handler] = {}
        self._prefixes: list[tuple[str, Handler]] = []

    def add(self, path: str, handler: Handler) -> None:
        key = normalize_path(path)
        if key in self._exact:
            raise ValueError(f"route {path} registered twice")
        self._exact[key] = handler

    def add_prefix(self, prefix: str, handler: Handler) -> None:
        self._prefixes.append((normalize_path(prefix) + "/", handler))
        self._prefixes.sort(key=lambda item: -len(item[0]))

    def resolve(self, path: str) -> Handler | None:
        key = normalize_path(path)
        handler = self._exact.get(key)
        if handler is not None:
            return handler
        for prefix, handler in self._prefixes:
            if key.startswith(prefix):
                return handler
        return None


def make_app(router: Router) -> web.Application:
    async def dispatch(request: web.Request) -> web.StreamResponse:
        handler = router.resolve(request.path)
        if handler is None:
            return web.json_response({"error": f"no such path: {request.path}"}, status=404)
        try:
            return await handler(request)
        except web.HTTPException:
            raise
        except Exception:  # a bug must never reach the client as a traceback
            log.exception("unhandled error on %s %s", request.method, request.path_qs)
            return web.json_response({"error": "internal error in devino-mock"}, status=500)

    app = web.Application(client_max_size=MAX_BODY)
    app.router.add_route("*", "/{tail:.*}", dispatch)
    return app
