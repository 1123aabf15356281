"""A built-in receiver for callbacks (mock-interface.md §10): whatever arrives at
/_mock/sink/{name} is kept and answered (200 and an empty body, or queued answers)."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from aiohttp import web

from devino_mock.control import lists
from devino_mock.control.table import Call, ControlError, ControlTable, json_response
from devino_mock.control.views import iso
from devino_mock.core.platform import Platform

MAX_SINK_BODY = 1024 * 1024
MAX_KEPT = 10_000  # per sink: the oldest go first beyond this
MAX_QUEUED_TIMES = 1_000_000


@dataclass
class QueuedAnswer:
    status: int
    body: str
    times: int


class Sinks:
    FILTERS = ("method", "path")

    def __init__(self, platform: Platform, changes) -> None:
        self.platform = platform
        self.changes = changes
        self.received: dict[str, deque[dict]] = {}
        self.answers: dict[str, deque[QueuedAnswer]] = {}

    def reset(self) -> None:
        self.received.clear()
        self.answers.clear()

    async def receive(self, call: Call) -> web.Response:
        request = call.request
        name = call.params["name"]
        raw = await request.content.read(MAX_SINK_BODY + 1)
        kept = self.received.setdefault(name, deque(maxlen=MAX_KEPT))
        kept.append({
            "method": request.method,
            "path": request.path,
            "query": request.query_string,
            "headers": dict(request.headers),
            "body": raw[:MAX_SINK_BODY].decode("utf-8", "replace"),
            "at": iso(self.platform.now()),
        })
        self.changes.notify()
        queued = self.answers.get(name)
        if queued:
            answer = queued[0]
            answer.times -= 1
            if answer.times <= 0:
                queued.popleft()
            return web.Response(status=answer.status, text=answer.body)
        return web.Response(status=200)

    async def list(self, call: Call) -> web.Response:
        query = lists.parse(call, self.FILTERS)
        name = call.params["name"]
        return await lists.answer(query, lambda: [
            r for r in self.received.get(name, ())
            if all(str(r.get(k)).lower() == v.lower() for k, v in query.filters.items())], self.changes)

    async def forget(self, call: Call) -> web.Response:
        self.received.pop(call.params["name"], None)
        self.answers.pop(call.params["name"], None)
        return json_response([])

    async def queue_answer(self, call: Call) -> web.Response:
        data = await call.body()
        status, body, times = data.get("status", 200), data.get("body", ""), data.get("times", 1)
        if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
            raise ControlError("'status' must be an HTTP status from 100 to 599")
        if not isinstance(body, str) or len(body) > MAX_SINK_BODY:
            raise ControlError(f"'body' must be a string of at most {MAX_SINK_BODY} characters")
        if isinstance(times, bool) or not isinstance(times, int) or not 1 <= times <= MAX_QUEUED_TIMES:
            raise ControlError(f"'times' must be a whole number from 1 to {MAX_QUEUED_TIMES}")
        self.answers.setdefault(call.params["name"], deque()).append(QueuedAnswer(status, body, times))
        return json_response({"status": status, "body": body, "times": times}, status=201)

    def register(self, table: ControlTable) -> None:
        table.add("*", "/sink/{name}", self.receive, "a receiver: records any request, answers 200")
        table.add("*", "/sink/{name}/{path*}", self.receive, "the same receiver under a longer path")
        table.add("GET", "/sinks/{name}", self.list, "what a receiver got, oldest first")
        table.add("DELETE", "/sinks/{name}", self.forget, "forget what a receiver got")
        table.add("POST", "/sinks/{name}/responses", self.queue_answer, "queue answers for the next requests")
