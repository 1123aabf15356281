"""The one HTTP port: a lenient router in front of every HTTP surface (REST, SOAP, XML,
JSON APIs, the control API). Paths match case-insensitively, with `//` collapsed and a
trailing `/` ignored, as the real .NET services and their clients need."""

from __future__ import annotations

import asyncio
import contextvars
import functools
import logging
import re
from typing import Awaitable, Callable, NamedTuple

from aiohttp import streams, web

from devino_mock.core.store.base import FLUSH_DEFERRED

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Middleware = Callable[[web.Request, "Route | None", Handler], Awaitable[web.StreamResponse]]
log = logging.getLogger("devino_mock.http")
_SLASHES = re.compile(r"/{2,}")
MAX_BODY = 16 * 1024 * 1024
UNMATCHED = "http"  # the surface a request to no known path is counted under


class Route(NamedTuple):
    handler: Handler
    surface: str  # the transport name of mock-interface.md §4 ("rest", "soap_v2", …), or "control"


@functools.lru_cache(maxsize=4096)  # clients repeat a handful of paths; bounded for the rest
def normalize_path(path: str) -> str:
    path = _SLASHES.sub("/", path)
    if len(path) > 1:
        path = path.rstrip("/")
    return path.lower()


class Router:
    """Routes tagged with the surface they belong to, so that faults, the request journal and
    the metrics can treat each surface as one (mock-interface.md §12, §16, §14)."""

    def __init__(self, surface: str = UNMATCHED, _shared: "Router | None" = None) -> None:
        self.surface = surface  # what `add` tags a route with when it names none
        self._exact: dict[str, Route] = _shared._exact if _shared else {}
        self._prefixes: list[tuple[str, Route]] = _shared._prefixes if _shared else []

    def for_surface(self, surface: str) -> "Router":
        """The same table, adding routes tagged `surface` unless they name their own."""
        return Router(surface, _shared=self)

    def add(self, path: str, handler: Handler, surface: str | None = None) -> None:
        key = normalize_path(path)
        if key in self._exact:
            raise ValueError(f"route {path} registered twice")
        self._exact[key] = Route(handler, surface or self.surface)

    def add_prefix(self, prefix: str, handler: Handler, surface: str | None = None) -> None:
        self._prefixes.append((normalize_path(prefix) + "/", Route(handler, surface or self.surface)))
        self._prefixes.sort(key=lambda item: -len(item[0]))

    def route(self, path: str) -> Route | None:
        key = normalize_path(path)
        found = self._exact.get(key)
        if found is not None:
            return found
        for prefix, route in self._prefixes:
            if key.startswith(prefix):
                return route
        return None

    def resolve(self, path: str) -> Handler | None:
        found = self.route(path)
        return found.handler if found else None



async def _not_found(request: web.Request) -> web.StreamResponse:
    return web.json_response({"error": f"no such path: {request.path}"}, status=404)


async def _nothing() -> None:
    return None


def make_app(router: Router, middleware: Middleware | None = None,
             after: Callable[[], Awaitable[None]] = _nothing) -> web.Application:
    """`middleware(request, route, handler)` wraps every request, the unmatched ones included
    (route None): faults, the request journal and metrics live there, keyed by route.surface.
    `after` is awaited once a handler is done and before its answer leaves (the store's group
    commit: what a client was told is durable)."""

    async def guarded(handler: Handler, request: web.Request) -> web.StreamResponse:
        FLUSH_DEFERRED.set(True)  # this request's task only: the commit is awaited below
        try:
            response = await handler(request)
            await after()
            return response
        except web.HTTPException:
            raise
        except ConnectionError as exc:  # the client went away mid-request: nothing to answer
            log.info("%s %s: client disconnected (%s)", request.method, request.path, exc or type(exc).__name__)
            return web.Response(status=499)
        except Exception:  # a bug must never reach the client as a traceback
            log.exception("unhandled error on %s %s", request.method, request.path_qs)
            return web.json_response({"error": "internal error in devino-mock"}, status=500)

    async def dispatch(request: web.Request) -> web.StreamResponse:
        route = router.route(request.path)
        handler = route.handler if route else _not_found
        try:
            if middleware is None:
                return await guarded(handler, request)
            return await middleware(request, route, lambda r: guarded(handler, r))
        except ConnectionError as exc:  # gone while the middleware read the body for the journal
            log.info("%s %s: client disconnected (%s)", request.method, request.path, exc or type(exc).__name__)
            return web.Response(status=499)

    app = web.Application(client_max_size=MAX_BODY)
    app.router.add_route("*", "/{tail:.*}", dispatch)
    return app


# --- faults and the request journal on every HTTP surface (mock-interface.md §12, §16) ----

UNWATCHED = ("control",)  # the control API is how faults are set and the journal is read


# The body of the request being answered, as the journal middleware read it (each request is
# answered in its own task context; the middleware resets it when the answer is made).
REQUEST_BODY: contextvars.ContextVar[bytes | None] = contextvars.ContextVar("devino_mock_body", default=None)


async def body_of(request: web.Request, limit: int) -> bytes:
    """The request body, cut at `limit + 1` bytes (enough for a handler's own "too large"
    answer): as the journal middleware already read it, else from the stream."""
    body = REQUEST_BODY.get()
    if body is None:
        body = await _read_stream(request, limit)
    return body[:limit + 1]


async def _read_stream(request: web.Request, limit: int) -> bytes:
    chunks, size = [], 0
    async for chunk in request.content.iter_chunked(64 * 1024):
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            break
    return b"".join(chunks)


async def _take_body(request: web.Request) -> bytes:
    """Read the body for the journal, at most MAX_BODY + 1 bytes: enough for every handler's
    own "too large" answer. Handlers get it from `body_of` or aiohttp's `request.read()`; a
    body read in pieces (multipart, no length, too large) is also put back as the stream."""
    if type(request.content) is streams.EmptyStreamReader:
        return b""
    length = request.content_length
    if length is not None and length <= MAX_BODY and not request.content_type.startswith("multipart/"):
        return await request.read()  # kept by aiohttp: read(), post(), text() and json() answer from it
    body = await _read_stream(request, MAX_BODY)
    # A reader that never pauses the connection (limit above the body), holding the bytes read.
    replay = streams.StreamReader(request.protocol, max(2**16, len(body) + 1), loop=asyncio.get_running_loop())
    if body:
        replay.feed_data(body)
    replay.feed_eof()
    # aiohttp offers no public way to hand a read body back: swap the payload and drop the
    # cached `content` (the whole suite reads bodies through here, so a change in aiohttp shows).
    request._payload = replay
    request._cache.pop("content", None)
    return body


def watched(watch) -> Middleware:
    """The middleware that applies `watch`'s faults and journals each request of a surface."""

    async def middleware(request: web.Request, route: Route | None, handler: Handler) -> web.StreamResponse:
        surface = route.surface if route else UNMATCHED
        if surface in UNWATCHED:
            return await handler(request)
        body = await _take_body(request)
        token = REQUEST_BODY.set(body)
        try:
            return await _watched(watch, request, surface, body, handler)
        finally:
            REQUEST_BODY.reset(token)

    return middleware


async def _watched(watch, request: web.Request, surface: str, body: bytes, handler: Handler) -> web.StreamResponse:
    """One request under `watch`: its faults first, then the handler, all of it journalled."""
    verdict = watch.faults.draw(surface)
    with watch.exchange(surface, request.method, request.path, query=request.query_string,
                        headers=request.headers, body=body, http=True) as exchange:
        if verdict.delay:
            await asyncio.sleep(verdict.delay)
        if verdict.disconnect:
            exchange.response = "(connection closed by an injected fault)"
            if request.transport is not None:
                request.transport.abort()
            raise asyncio.CancelledError  # nothing can be answered on a closed connection
        if verdict.error:
            response: web.StreamResponse = web.json_response(
                {"error": "injected fault", "fault": verdict.error["id"]}, status=verdict.error["status"])
        else:
            response = await handler(request)
        exchange.status = response.status
        if isinstance(response, web.Response) and response.body is not None:
            raw = response.body  # decoded when the journal is read
            exchange.response = raw if isinstance(raw, (bytes, bytearray)) else f"({type(raw).__name__})"
            exchange.charset = response.charset
    return response
