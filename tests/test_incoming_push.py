"""Incoming SMS pushed to the client's handler over real sockets (incoming.md §4, §7): the
documented parameters, the retry rules on the virtual clock, individual replies from the
handler's `{sms=…}` answer and common replies (`reply_text`), sent as SMS with transport
"reply" from the incoming number. Handlers: the built-in sink and a separate aiohttp server."""

from __future__ import annotations

import asyncio
import socket
import threading
from urllib.parse import parse_qs

import pytest
import requests
from aiohttp import web

SHORT = "2435"
SUBSCRIBER = "79089876534"


def sink(devino_mock, name: str) -> list[dict]:
    return requests.get(f"{devino_mock.url}/_mock/sinks/{name}").json()


def answer(devino_mock, name: str, status: int = 200, body: str = "", times: int = 1) -> None:
    response = requests.post(f"{devino_mock.url}/_mock/sinks/{name}/responses",
                             json={"status": status, "body": body, "times": times})
    assert response.status_code == 201


def account(devino_mock, handler: str | None, reply_text: str | None = None, **fields) -> None:
    devino_mock.add_account("shop", "shop1", incoming_numbers=[SHORT, "79160000000"], reply_text=reply_text,
                            callbacks={"sms_incoming": handler} if handler else {}, **fields)


def mo(devino_mock, text: str = " Играйте с нами в лото!", destination: str = SHORT) -> dict:
    return devino_mock.incoming("shop", SUBSCRIBER, destination, text)


def callbacks(devino_mock) -> list[dict]:
    return requests.get(f"{devino_mock.url}/_mock/callbacks", params={"kind": "sms_incoming"}).json()


def replies(devino_mock) -> list[dict]:
    return devino_mock.messages(transport="reply")


def test_push_carries_the_documented_parameters_and_an_individual_reply(devino_mock):
    account(devino_mock, f"{devino_mock.url}/_mock/sink/h?client=1")
    answer(devino_mock, "h", 200, "{sms=Thanks}")
    incoming = mo(devino_mock)
    [request] = sink(devino_mock, "h")
    assert request["method"] == "GET" and request["body"] == ""
    query = parse_qs(request["query"], keep_blank_values=True)
    assert query == {"client": ["1"], "sourcePhone": [SUBSCRIBER], "number": [SHORT], "prefix": [""],
                     "text": [" Играйте с нами в лото!"], "messageId": [str(incoming["id"])]}
    [reply] = replies(devino_mock)
    assert (reply["channel"], reply["source"], reply["destination"], reply["text"]) == \
        ("sms", SHORT, SUBSCRIBER, "Thanks")
    assert reply["extra"] == {"incoming_id": incoming["id"], "reply": "individual"}
    [callback] = callbacks(devino_mock)
    assert (callback["state"], callback["method"], callback["message_id"]) == ("delivered", "GET", str(incoming["id"]))
    devino_mock.advance(3)
    assert devino_mock.message(reply["id"])["status_name"] == "delivered"


def test_individual_reply_wins_over_the_common_reply(devino_mock):
    account(devino_mock, f"{devino_mock.url}/_mock/sink/h", reply_text="Common")
    answer(devino_mock, "h", 200, "  {sms=Только вам\nдве строки}  ")
    mo(devino_mock)
    assert [r["text"] for r in replies(devino_mock)] == ["Только вам\nдве строки"]


@pytest.mark.parametrize("status, body", [(200, ""), (200, "OK"), (200, "{sms=}"), (204, "")])
def test_common_reply_when_the_handler_gives_none(devino_mock, status, body):
    account(devino_mock, f"{devino_mock.url}/_mock/sink/h", reply_text="Спасибо, принято")
    answer(devino_mock, "h", status, body)
    mo(devino_mock)
    [reply] = replies(devino_mock)
    assert (reply["text"], reply["source"], reply["extra"]["reply"]) == ("Спасибо, принято", SHORT, "common")


def test_common_reply_without_a_handler_and_nothing_without_either(devino_mock):
    account(devino_mock, None, reply_text="Common")
    mo(devino_mock, destination="79160000000")
    [reply] = replies(devino_mock)
    assert (reply["source"], reply["destination"], reply["text"]) == ("79160000000", SUBSCRIBER, "Common")
    account(devino_mock, None)
    mo(devino_mock)
    assert len(replies(devino_mock)) == 1 and callbacks(devino_mock) == []


def test_only_sms_to_an_incoming_number_are_pushed(devino_mock):
    account(devino_mock, f"{devino_mock.url}/_mock/sink/h")
    mo(devino_mock, destination="79161112233")
    assert sink(devino_mock, "h") == [] and callbacks(devino_mock) == []


def test_an_error_answer_is_retried_after_300_seconds(devino_mock):
    account(devino_mock, f"{devino_mock.url}/_mock/sink/h")
    answer(devino_mock, "h", 500, "", times=2)
    answer(devino_mock, "h", 200, "{sms=Finally}")
    mo(devino_mock)
    assert len(sink(devino_mock, "h")) == 1 and replies(devino_mock) == []
    devino_mock.advance(299)
    assert len(sink(devino_mock, "h")) == 1
    devino_mock.advance(1)
    assert len(sink(devino_mock, "h")) == 2
    devino_mock.advance(300)
    [callback] = callbacks(devino_mock)
    assert [a["http_status"] for a in callback["attempts"]] == [500, 500, 200]
    assert callback["state"] == "delivered" and callback["next_attempt_at"] is None
    assert [r["text"] for r in replies(devino_mock)] == ["Finally"]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_unreachable_handler_is_given_up_after_24_hours_and_the_common_reply_goes(devino_mock):
    account(devino_mock, f"http://127.0.0.1:{_closed_port()}/handler", reply_text="Common")
    mo(devino_mock)
    [callback] = callbacks(devino_mock)
    assert callback["state"] == "pending" and callback["attempts"][0]["http_status"] is None
    assert replies(devino_mock) == []
    devino_mock.advance(24 * 3600 - 1)
    [callback] = callbacks(devino_mock)
    assert callback["state"] == "pending" and len(callback["attempts"]) == 288
    devino_mock.advance(1)
    [callback] = callbacks(devino_mock)
    assert callback["state"] == "gave_up" and len(callback["attempts"]) == 289  # at 0, 300, …, 86400 s
    assert [r["text"] for r in replies(devino_mock)] == ["Common"]


def test_a_silent_handler_is_tried_again_30_seconds_after():
    """No real server waits 30 s in a test: the policy's timeout branch, on the clock's terms."""
    from datetime import datetime, timedelta, timezone

    from devino_mock.core.callbacks import POLICIES

    policy = POLICIES["sms_incoming"]
    start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    assert policy.timeout == 30.0
    assert policy.next_attempt(start, start, 1, timed_out=True) == start + timedelta(seconds=30)
    assert policy.next_attempt(start, start, 1) == start + timedelta(seconds=300)
    late = start + timedelta(hours=24)
    assert policy.next_attempt(start, late, 289) is None


def test_a_reply_the_pipeline_refuses_is_logged_not_sent(devino_mock):
    account(devino_mock, f"{devino_mock.url}/_mock/sink/h", senders=["SHOP"])
    answer(devino_mock, "h", 200, "{sms=Thanks}")
    mo(devino_mock)
    assert replies(devino_mock) == [] and callbacks(devino_mock)[0]["state"] == "delivered"


class Handler:
    """A client's handler of its own: an aiohttp server on its own loop and thread."""

    def __init__(self, body: str) -> None:
        self.body = body
        self.received: list[dict] = []
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    async def handle(self, request: web.Request) -> web.Response:
        self.received.append({"method": request.method, "query": dict(request.query)})
        return web.Response(text=self.body, content_type="text/plain", charset="utf-8",
                            headers={"Cache-Control": "private"})

    def _run(self) -> None:
        self.loop = asyncio.new_event_loop()
        app = web.Application()
        app.router.add_route("*", "/incoming", self.handle)
        self.runner = web.AppRunner(app)
        self.loop.run_until_complete(self.runner.setup())
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        self.loop.run_until_complete(site.start())
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self._ready.set()
        self.loop.run_forever()
        self.loop.close()

    def __enter__(self) -> "Handler":
        self._thread.start()
        assert self._ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)


def test_a_separate_aiohttp_handler_answers_with_a_cyrillic_reply(devino_mock):
    with Handler("{sms=Ваш выигрыш: 100 ₽}") as handler:
        account(devino_mock, f"http://127.0.0.1:{handler.port}/incoming")
        incoming = mo(devino_mock, text="лото 7")
        assert handler.received == [{"method": "GET", "query": {
            "sourcePhone": SUBSCRIBER, "number": SHORT, "prefix": "", "text": "лото 7",
            "messageId": str(incoming["id"])}}]
    [reply] = replies(devino_mock)
    assert (reply["text"], reply["encoding"], reply["source"]) == ("Ваш выигрыш: 100 ₽", "ucs2", SHORT)
    # The same MO is still there for the pull APIs.
    assert [m["id"] for m in devino_mock.incoming_messages("shop")] == [incoming["id"]]


def test_reply_text_is_validated(devino_mock):
    bad = requests.post(f"{devino_mock.url}/_mock/accounts", json={"login": "x", "password": "y", "reply_text": 5})
    assert bad.status_code == 400
    assert devino_mock.add_account("x", "y", reply_text="")["reply_text"] is None
