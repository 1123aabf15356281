"""vk_status callbacks (vk.md §4, §6.2): one POST per VK status change to the account's URL, with
the example's field names, upper-case statuses, Moscow-time receivedAt and the error text; none
for the queue or the fallback stages; retried on the virtual clock, in order, for 24 hours."""

from __future__ import annotations

import asyncio
import json
import threading
from datetime import timedelta

import pytest
import requests
from aiohttp import web

from tests.vk_support import LOGIN, PASSWORD, VkApi, chain, request_to, stamp, to_moscow_morning, utc


@pytest.fixture
def sink_api(devino_mock):
    devino_mock.add_account(LOGIN, PASSWORD, callbacks={"vk_status": f"{devino_mock.url}/_mock/sink/vk"})
    return VkApi(devino_mock.url)


def _sink(devino_mock):
    return requests.get(f"{devino_mock.url}/_mock/sinks/vk").json()


def _callbacks(devino_mock):
    return requests.get(f"{devino_mock.url}/_mock/callbacks", params={"kind": "vk_status"}).json()


def test_one_post_per_vk_status_change_in_the_documented_form(sink_api, devino_mock):
    message_id = sink_api.send(request_to("79161234567"))
    assert _sink(devino_mock) == []  # enqueued is not a change
    devino_mock.advance(10)
    received = _sink(devino_mock)
    history = devino_mock.message(str(message_id))["history"][1:]
    assert [r["method"] for r in received] == ["POST"] * 3
    assert {r["headers"]["Content-Type"] for r in received} == {"application/json; charset=UTF-8"}
    bodies = [json.loads(r["body"]) for r in received]
    texts = {"sent": "Отправлено", "delivered": "Доставлено", "read": "Прочитано"}
    assert bodies == [[{"messageId": message_id, "status": step["status"].upper(),
                        "receivedAt": stamp(utc(step["at"]), hours=3), "error": texts[step["status"]]}]
                      for step in history]
    assert [b[0]["status"] for b in bodies] == ["SENT", "DELIVERED", "READ"]
    assert f'"messageId": {message_id}' in received[0]["body"]  # full 64-bit precision
    assert [c["state"] for c in _callbacks(devino_mock)] == ["delivered"] * 3


def test_the_example_chain_reports_only_the_vk_failure(sink_api, devino_mock):
    message_id = sink_api.send(request_to("79990001312"))
    devino_mock.advance(30)
    assert [m["channel"] for m in chain(devino_mock, message_id)] == ["vk", "viber", "sms"]
    failed_at = devino_mock.message(str(message_id))["history"][-1]["at"]
    [received] = _sink(devino_mock)
    assert json.loads(received["body"]) == [{"messageId": message_id, "status": "FAILED",
                                            "receivedAt": stamp(utc(failed_at), hours=3), "error": "Ошибка"}]
    [callback] = _callbacks(devino_mock)
    assert callback["message_id"] == str(message_id) and callback["login"] == LOGIN


def test_expiry_and_the_daily_limit_are_named(sink_api, devino_mock):
    expired = sink_api.send(request_to("79990001313", viber=False, sms=False, validityPeriod=15))
    devino_mock.advance(20)
    bodies = [json.loads(r["body"])[0] for r in _sink(devino_mock)]
    assert [(b["messageId"], b["status"], b["error"]) for b in bodies] == \
        [(expired, "SENT", "Отправлено"), (expired, "VP_EXPIRED", "Просрочено")]
    requests.delete(f"{devino_mock.url}/_mock/sinks/vk")
    to_moscow_morning(devino_mock)
    ids = [sink_api.send(request_to("79161234567", viber=False, sms=False, deliveryPolicy="any")) for _ in range(6)]
    devino_mock.advance(1)
    limited = [json.loads(r["body"])[0] for r in _sink(devino_mock) if json.loads(r["body"])[0]["messageId"] == ids[5]]
    assert [(b["status"], b["error"]) for b in limited] == [("FAILED", "Превышен лимит уведомлений")]


def test_no_url_no_callback(devino_mock):
    devino_mock.add_account(LOGIN, PASSWORD)
    VkApi(devino_mock.url).send(request_to("79161234567"))
    devino_mock.advance(10)
    assert _callbacks(devino_mock) == []


class FlakyReceiver:
    """A client's own HTTP server on its own loop: answers 500 to the first `failures` requests."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.received: list[dict] = []
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    async def _handle(self, request: web.Request) -> web.Response:
        self.received.append({"body": await request.text(), "content_type": request.headers.get("Content-Type")})
        if len(self.received) <= self.failures:
            return web.Response(status=500, text="try later")
        return web.Response(status=200)

    def _run(self) -> None:
        self.loop = asyncio.new_event_loop()
        app = web.Application()
        app.router.add_post("/vk-status", self._handle)
        self.runner = web.AppRunner(app)
        self.loop.run_until_complete(self.runner.setup())
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        self.loop.run_until_complete(site.start())
        self.port = site._server.sockets[0].getsockname()[1]
        self._ready.set()
        self.loop.run_forever()
        self.loop.run_until_complete(self.runner.cleanup())
        self.loop.close()

    def __enter__(self) -> "FlakyReceiver":
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, *exc) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/vk-status"


def test_a_failing_receiver_gets_retries_on_the_virtual_clock_in_order(devino_mock):
    with FlakyReceiver(failures=2) as receiver:
        devino_mock.add_account(LOGIN, PASSWORD, callbacks={"vk_status": receiver.url})
        message_id = VkApi(devino_mock.url).send(request_to("79161234567"))
        devino_mock.advance(1)
        assert len(receiver.received) == 1  # SENT, answered 500
        devino_mock.advance(9)  # delivered (t+3) and read (t+6) wait behind the unacknowledged SENT
        assert len(receiver.received) == 1
        devino_mock.advance(1)  # 10 s after the first attempt
        assert len(receiver.received) == 2
        devino_mock.advance(29)
        assert len(receiver.received) == 2
        devino_mock.advance(1)  # 30 s after the second: acknowledged, then the rest in order
        statuses = [json.loads(r["body"])[0]["status"] for r in receiver.received]
        assert statuses == ["SENT", "SENT", "SENT", "DELIVERED", "READ"]
        assert {r["content_type"] for r in receiver.received} == {"application/json; charset=UTF-8"}
        assert {json.loads(r["body"])[0]["messageId"] for r in receiver.received} == {message_id}
    sent, delivered, read = _callbacks(devino_mock)
    attempts = [utc(a["at"]) for a in sent["attempts"]]
    assert [a["http_status"] for a in sent["attempts"]] == [500, 500, 200]
    assert [round((b - a).total_seconds()) for a, b in zip(attempts, attempts[1:])] == [10, 30]
    assert (sent["state"], delivered["state"], read["state"]) == ("delivered", "delivered", "delivered")


def test_retries_stop_24_hours_after_the_first_attempt(sink_api, devino_mock):
    requests.post(f"{devino_mock.url}/_mock/sinks/vk/responses", json={"status": 503, "times": 10_000})
    sink_api.send(request_to("79161234567"))
    devino_mock.advance(1)
    for step in (10, 30, 60, 300) + (900,) * 100:  # the back-off of vk.md §6.2, then every 15 minutes
        devino_mock.advance(step)
    sent = _callbacks(devino_mock)[0]
    assert sent["state"] == "gave_up" and sent["next_attempt_at"] is None
    attempts = [utc(a["at"]) for a in sent["attempts"]]
    assert len(attempts) > 90
    assert attempts[-1] - attempts[0] <= timedelta(hours=24) < attempts[-1] - attempts[0] + timedelta(minutes=15)
    assert {a["http_status"] for a in sent["attempts"]} == {503}
