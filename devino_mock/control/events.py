"""The journal's events as Server-Sent Events (`GET /_mock/events`, mock-interface.md §14), and
the "something changed" signal that held list calls (`wait`, §11) sleep on.

Each stream has its own bounded queue; an event is put without waiting, and a client too slow
to take its events is dropped (it reconnects and reads the lists again), so one stalled
browser never holds the platform up."""

from __future__ import annotations

import asyncio
import json
import logging

from aiohttp import web

from devino_mock.control.table import Call
from devino_mock.control.views import callback_view, incoming_view, iso, message_view, submission_view
from devino_mock.core.events import (CallbackAttempted, IncomingReceived, MessageAccepted, StatusChanged,
                                     SubmissionRecorded)

log = logging.getLogger("devino_mock.events")
QUEUE_SIZE = 1000  # events a stream may fall behind by before it is dropped
KEEPALIVE = 15.0  # seconds: a comment line keeps proxies from closing an idle stream
MAX_STREAMS = 100


class Changes:
    """Wakes every waiter when anything a list call shows may have changed."""

    def __init__(self) -> None:
        self._event: asyncio.Event | None = None

    def notify(self) -> None:
        if self._event is not None:
            self._event.set()
            self._event = None

    async def wait(self, timeout: float) -> None:
        if self._event is None:
            self._event = asyncio.Event()
        try:
            await asyncio.wait_for(self._event.wait(), timeout)
        except asyncio.TimeoutError:
            pass


def event_view(event) -> dict:
    if isinstance(event, MessageAccepted):
        return {"type": "message_accepted", "message": message_view(event.message)}
    if isinstance(event, StatusChanged):
        return {"type": "status_changed", "id": event.message.id, "previous": event.previous,
                "status": event.status, "at": iso(event.at), "error": event.error,
                "message": message_view(event.message)}
    if isinstance(event, IncomingReceived):
        return {"type": "incoming_received", "incoming": incoming_view(event.incoming)}
    if isinstance(event, CallbackAttempted):
        return {"type": "callback_attempted", "callback": callback_view(event.callback)}
    if isinstance(event, SubmissionRecorded):
        return {"type": "submission_recorded", "submission": submission_view(event.submission)}
    return {"type": type(event).__name__}


class EventHub:
    def __init__(self, platform, changes: Changes) -> None:
        self.changes = changes
        self._streams: dict[asyncio.Queue, asyncio.BaseTransport | None] = {}
        self._number = 0
        platform.subscribe(self._on_event)

    def _on_event(self, event) -> None:
        self.changes.notify()
        if not self._streams:
            return
        self.publish_view(event_view(event))

    @property
    def listening(self) -> bool:
        """Whether any event stream is open (events are only built for somebody)."""
        return bool(self._streams)

    def publish_view(self, view: dict) -> None:
        """One event (a dict with its "type") to every stream."""
        if not self._streams:
            return
        self._number += 1
        self.publish(f"id: {self._number}\nevent: {view['type']}\ndata: {json.dumps(view, ensure_ascii=False)}\n\n")

    def publish(self, data: str) -> None:
        for queue in list(self._streams):
            try:
                queue.put_nowait(data)
            except asyncio.QueueFull:
                log.info("an event stream fell %d events behind: dropped", queue.maxsize)
                transport = self._streams.pop(queue, None)
                if transport is not None:
                    transport.abort()  # its writer may be stuck on a full socket: free it

    async def stream(self, call: Call) -> web.StreamResponse:
        if len(self._streams) >= MAX_STREAMS:
            return web.json_response({"error": f"at most {MAX_STREAMS} event streams at once"}, status=503)
        queue: asyncio.Queue = asyncio.Queue(QUEUE_SIZE)
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache",
                                               "X-Accel-Buffering": "no"})
        await response.prepare(call.request)
        self._streams[queue] = call.request.transport
        try:
            await response.write(b"retry: 1000\n: devino-mock events\n\n")
            while queue in self._streams:
                try:
                    data = await asyncio.wait_for(queue.get(), KEEPALIVE)
                except asyncio.TimeoutError:
                    data = ": keep-alive\n\n"
                await response.write(data.encode("utf-8"))
        except ConnectionResetError:
            pass  # the client went away, or was dropped for falling behind
        finally:
            self._streams.pop(queue, None)
        return response

    def close(self) -> None:
        for transport in self._streams.values():
            if transport is not None:
                transport.abort()
        self._streams.clear()
