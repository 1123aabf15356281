"""The outbox (mock-interface.md §9–§10): Viber status and incoming callbacks as real HTTP
requests, retries with the spec's back-off on the virtual clock, order per message, give-up,
the attempt log, and the built-in receiver."""

from __future__ import annotations

import asyncio
import json
import threading

import pytest
import requests
from aiohttp import web

AUTH = ("hooks", "hooks1")
MESSAGE = {"subject": "DEVINO", "priority": "high", "validityPeriodSec": 3600, "type": "viber",
           "contentType": "text", "content": {"text": "Message text"}, "address": "79250000000"}


def account(devino_mock, **callbacks):
    devino_mock.add_account("hooks", "hooks1", callbacks=callbacks)


def sink(devino_mock, name="hook"):
    return f"{devino_mock.url}/_mock/sink/{name}"


def received(devino_mock, name="hook"):
    return requests.get(f"{devino_mock.url}/_mock/sinks/{name}").json()


def callbacks(devino_mock, **filters):
    return requests.get(f"{devino_mock.url}/_mock/callbacks", params=filters).json()


def send(devino_mock, **fields):
    answer = requests.post(f"{devino_mock.url}/send", json={"messages": [{**MESSAGE, **fields}]}, auth=AUTH).json()
    return answer["messages"][0]["providerId"]


def test_status_callbacks_arrive_in_order_with_the_documented_fields(devino_mock):
    account(devino_mock, viber_status=sink(devino_mock))
    pid = send(devino_mock)
    assert received(devino_mock) == []  # enqueued and sent are not called back
    devino_mock.advance(10)
    bodies = [json.loads(r["body"]) for r in received(devino_mock)]
    assert [b[0]["status"] for b in bodies] == ["DELIVERED", "READ"]
    first = bodies[0][0]
    assert first["id"] == pid and isinstance(first["receivedAt"], str) and first["receivedAt"].isdigit()
    assert "errorCode" not in first
    request = received(devino_mock)[0]
    assert request["method"] == "POST" and request["headers"]["Content-Type"] == "application/json; charset=UTF-8"
    log = callbacks(devino_mock, message_id=str(pid))
    assert [c["state"] for c in log] == ["delivered", "delivered"]
    assert log[0]["kind"] == "viber_status" and log[0]["attempts"][0]["http_status"] == 200
    assert log[0]["body"] == request["body"] and log[0]["url"] == sink(devino_mock)


def test_failure_reason_is_upper_case(devino_mock):
    account(devino_mock, viber_status=sink(devino_mock))
    send(devino_mock, address="79990001102")
    devino_mock.advance(10)
    [[item]] = [json.loads(r["body"]) for r in received(devino_mock)]
    assert (item["status"], item["errorCode"]) == ("UNDELIVERED", "USER_BLOCKED")


def test_retries_follow_the_backoff_and_keep_order(devino_mock):
    account(devino_mock, viber_status=sink(devino_mock))
    requests.post(f"{devino_mock.url}/_mock/sinks/hook/responses", json={"status": 500, "times": 2})
    pid = send(devino_mock)
    devino_mock.advance(10)  # DELIVERED (due at +3 s) fails once; READ waits behind it
    assert [json.loads(r["body"])[0]["status"] for r in received(devino_mock)] == ["DELIVERED"]
    [delivered, read] = callbacks(devino_mock, message_id=str(pid))
    assert delivered["state"] == "pending" and read["state"] == "pending" and read["attempts"] == []
    assert delivered["attempts"][0]["http_status"] == 500 and delivered["next_attempt_at"] is not None
    devino_mock.advance(2)
    assert len(received(devino_mock)) == 1  # the 10 s back-off counts from +3 s: not over at +12 s
    devino_mock.advance(1)
    assert len(received(devino_mock)) == 2  # second attempt at +13 s, 500 again
    devino_mock.advance(30)
    statuses = [json.loads(r["body"])[0]["status"] for r in received(devino_mock)]
    assert statuses == ["DELIVERED", "DELIVERED", "DELIVERED", "READ"]
    assert [c["state"] for c in callbacks(devino_mock, message_id=str(pid))] == ["delivered", "delivered"]


def test_gives_up_after_24_hours(devino_mock):
    account(devino_mock, viber_status="http://127.0.0.1:9/nothing-listens")
    send(devino_mock, address="79990001105")
    devino_mock.advance(10)
    [callback] = callbacks(devino_mock, kind="viber_status")
    assert callback["state"] == "pending" and callback["attempts"][0]["http_status"] is None
    assert callback["attempts"][0]["error"]
    for _ in range(30):
        devino_mock.advance(3600)
    [callback] = callbacks(devino_mock, kind="viber_status")
    assert callback["state"] == "gave_up" and callback["next_attempt_at"] is None
    gaps = [a["at"] for a in callback["attempts"]]
    assert 5 < len(gaps) < 120
    assert callbacks(devino_mock, state="gave_up")[0]["id"] == callback["id"]


class Receiver:
    """A separate HTTP server in its own thread that fails its first `failures` requests."""

    def __init__(self, failures: int) -> None:
        self.failures, self.bodies = failures, []
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        self.ready.wait(10)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)

        async def handle(request: web.Request) -> web.Response:
            self.bodies.append(await request.text())
            if self.failures > 0:
                self.failures -= 1
                return web.Response(status=503)
            return web.Response(status=200)

        async def start() -> None:
            app = web.Application()
            app.router.add_post("/hook", handle)
            self.runner = web.AppRunner(app)
            await self.runner.setup()
            site = web.TCPSite(self.runner, "127.0.0.1", 0)
            await site.start()
            self.port = site._server.sockets[0].getsockname()[1]
            self.ready.set()

        self.loop.run_until_complete(start())
        self.loop.run_forever()

    def close(self) -> None:
        async def stop() -> None:
            await self.runner.cleanup()

        asyncio.run_coroutine_threadsafe(stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


@pytest.fixture
def receiver():
    server = Receiver(failures=1)
    yield server
    server.close()


def test_a_separate_receiver_gets_the_retry(devino_mock, receiver):
    account(devino_mock, viber_status=f"http://127.0.0.1:{receiver.port}/hook")
    send(devino_mock, address="79990001105")
    devino_mock.advance(5)
    assert len(receiver.bodies) == 1
    devino_mock.advance(10)
    assert len(receiver.bodies) == 2 and receiver.bodies[0] == receiver.bodies[1]
    [callback] = callbacks(devino_mock)
    assert [a["http_status"] for a in callback["attempts"]] == [503, 200] and callback["state"] == "delivered"


def test_incoming_viber_reply_is_pushed(devino_mock):
    account(devino_mock, viber_incoming=sink(devino_mock, "in"))
    pid = send(devino_mock)
    response = requests.post(f"{devino_mock.url}/_mock/incoming",
                             json={"channel": "viber", "parent_id": str(pid), "text": "balance"})
    assert response.status_code == 201
    [[item]] = [json.loads(r["body"]) for r in received(devino_mock, "in")]
    assert item["parentId"] == pid and item["subject"] == "DEVINO" and item["address"] == "79250000000"
    assert item["contentType"] == "text" and item["content"] == "balance" and len(item["receivedAt"]) == 19
    assert isinstance(item["id"], int)


def test_incoming_viber_needs_a_known_parent(devino_mock):
    response = requests.post(f"{devino_mock.url}/_mock/incoming", json={"channel": "viber", "parent_id": "1", "text": "x"})
    assert response.status_code == 404
    response = requests.post(f"{devino_mock.url}/_mock/incoming", json={"channel": "viber", "text": "x"})
    assert response.status_code == 400 and "parent_id" in response.json()["error"]


def test_no_callback_without_a_url_and_callbacks_can_be_removed(devino_mock):
    account(devino_mock, viber_status=sink(devino_mock))
    devino_mock.add_account("hooks", "hooks1", callbacks={"viber_status": None})
    send(devino_mock)
    devino_mock.advance(10)
    assert callbacks(devino_mock) == [] and received(devino_mock) == []


@pytest.mark.parametrize("bad", [{"viber_status": "ftp://x"}, {"unknown_kind": "http://x"}, {"viber_status": 5}, []])
def test_callback_urls_are_validated(devino_mock, bad):
    response = requests.post(f"{devino_mock.url}/_mock/accounts",
                             json={"login": "x", "password": "y", "callbacks": bad})
    assert response.status_code == 400 and "callback" in response.json()["error"]


def test_sink_records_any_request_and_can_be_cleared(devino_mock):
    assert requests.put(f"{devino_mock.url}/_mock/sink/box?a=1", data="hello").status_code == 200
    [item] = received(devino_mock, "box")
    assert (item["method"], item["query"], item["body"]) == ("PUT", "a=1", "hello")
    assert requests.delete(f"{devino_mock.url}/_mock/sinks/box").status_code == 200
    assert received(devino_mock, "box") == []
    for bad in ({"status": 99}, {"times": 0}, {"body": 5}, {"status": "500"}):
        assert requests.post(f"{devino_mock.url}/_mock/sinks/box/responses", json=bad).status_code == 400


def test_reset_forgets_callbacks_and_sinks(devino_mock):
    account(devino_mock, viber_status=sink(devino_mock))
    send(devino_mock)
    devino_mock.advance(10)
    devino_mock.reset()
    assert callbacks(devino_mock) == [] and received(devino_mock) == []
