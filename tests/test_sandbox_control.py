"""The QA sandbox's control calls over real sockets (mock-interface.md §11–§18): the event
stream, waits, injected faults on every surface, the request journal, the clock held and set,
lists that say what they did, snapshots and the scoped reset."""

from __future__ import annotations

import ftplib
import json
import select
import socket
import threading
import time

import pytest
import smpplib.exceptions
import requests

from tests.ftp_helpers import connect
from tests.smpp_support import smpplib_esme
from tests.smtp_helpers import mail, smtp

from tests.test_callbacks import MESSAGE as VIBER_MESSAGE  # noqa: E402

V2 = {"Login": "test_login", "Password": "test123", "SourceAddress": "DEVINO", "Data": "hello"}


def send(mock, number="79161234567", **extra):
    return requests.post(f"{mock.rest_url}/v2/Sms/Send", data={**V2, "DestinationAddress": number, **extra})


def control(mock, method, path, **kwargs):
    return requests.request(method, f"{mock.url}/_mock/{path}", **kwargs)


def fault(mock, **body):
    response = control(mock, "POST", "faults", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def later(seconds, action):
    timer = threading.Timer(seconds, action)
    timer.start()
    return timer


# --- the event stream ---------------------------------------------------------------------


def read_events(response, wanted: int) -> list[dict]:
    """Up to `wanted` events, or fewer when the stream goes quiet (its read timeout)."""
    events, current = [], {}
    def lines():  # SSE splits lines only at CR/LF (str.splitlines would split at U+2028 too)
        buffer = b""
        for byte in response.iter_content(chunk_size=1):
            buffer += byte
            if byte == b"\n":
                yield buffer.rstrip(b"\r\n").decode("utf-8")
                buffer = b""

    try:
        for line in lines():
            if line.startswith("event: "):
                current["type"] = line[7:]
            elif line.startswith("data: "):
                current["data"] = json.loads(line[6:])
            elif line == "" and current:
                if current.get("type") != "request_recorded":  # the journal's own events: not counted here
                    events.append(current)
                current = {}
                if len(events) == wanted:
                    break
    except requests.ConnectionError:
        pass
    return events


def test_events_stream_accepted_status_incoming_and_callbacks(devino_mock):
    devino_mock.add_account("hooks", "hooks1", callbacks={"viber_status": f"{devino_mock.url}/_mock/sink/hook"})
    with requests.get(f"{devino_mock.url}/_mock/events", stream=True, timeout=3) as stream:
        assert stream.headers["Content-Type"].startswith("text/event-stream")
        [message_id] = send(devino_mock).json()
        devino_mock.advance(5)
        devino_mock.incoming("test_login", "79031234567", "79000000001", "hi")
        answer = requests.post(f"{devino_mock.url}/send", auth=("hooks", "hooks1"),
                               json={"messages": [VIBER_MESSAGE]}).json()
        devino_mock.advance(10)
        events = read_events(stream, 9)
    kinds = [e["type"] for e in events]
    assert len(kinds) == 9, kinds
    assert kinds[:4] == ["message_accepted", "status_changed", "status_changed", "incoming_received"]
    assert events[0]["data"]["message"]["id"] == message_id
    assert events[2]["data"]["status"] == "delivered" and events[2]["data"]["message"]["status"] == 0
    assert events[3]["data"]["incoming"]["text"] == "hi"
    assert kinds[4] == "message_accepted"
    assert events[4]["data"]["message"]["id"] == str(answer["messages"][0]["providerId"])
    attempts = [e["data"]["callback"] for e in events if e["type"] == "callback_attempted"]
    assert attempts and attempts[0]["attempts"][0]["http_status"] == 200, kinds
    assert kinds[5:] == ["status_changed", "status_changed", "status_changed", "callback_attempted"]


def test_a_client_that_never_reads_its_events_is_dropped_without_holding_the_platform(devino_mock):
    devino_mock.add_account("test_login", "test123", balance=10**9)
    client = socket.create_connection((devino_mock.host, devino_mock.ports["http"]))
    client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    client.sendall(b"GET /_mock/events HTTP/1.1\r\nHost: x\r\n\r\n")
    try:
        started = time.monotonic()
        for _ in range(3):  # thousands of events with long texts, never read by the client
            response = requests.post(f"{devino_mock.rest_url}/v2/Sms/SendBulk", data={
                **V2, "Data": "x" * 500, "DestinationAddresses": [f"7916{i:07d}" for i in range(1000)]})
            assert response.status_code == 200 and len(response.json()) == 4000, response.text[:200]
        devino_mock.advance(5)
        assert time.monotonic() - started < 20
        assert requests.get(f"{devino_mock.url}/_mock/health", timeout=5).status_code == 200
        client.settimeout(10)
        with pytest.raises(ConnectionResetError):  # the server gave up on it: read what it had, then the end
            while client.recv(1 << 20):
                pass
            raise ConnectionResetError  # a clean close is as good
    finally:
        client.close()


# --- waits ----------------------------------------------------------------------------------


def test_wait_answers_as_soon_as_enough_items_match(devino_mock):
    timer = later(0.3, lambda: send(devino_mock))
    started = time.monotonic()
    response = control(devino_mock, "GET", "messages", params={"wait": 10, "count": 1, "destination": "79161234567"})
    timer.join()
    assert response.status_code == 200 and len(response.json()) == 1
    assert 0.25 < time.monotonic() - started < 3


def test_wait_runs_out_with_408_and_the_items_that_did_match(devino_mock):
    send(devino_mock)
    response = control(devino_mock, "GET", "messages", params={"wait": 0.3, "count": 2})
    assert response.status_code == 408
    assert len(response.json()["items"]) == 1 and "1 of 2" in response.json()["error"]


def test_wait_on_status_wakes_when_the_clock_moves(devino_mock):
    [message_id] = send(devino_mock).json()
    timer = later(0.3, lambda: devino_mock.advance(5))
    response = control(devino_mock, "GET", "messages", params={"wait": 10, "status": "delivered", "id": message_id})
    timer.join()
    assert response.status_code == 200 and response.json()[0]["status"] == 0


def test_wait_on_sinks_incoming_callbacks_and_requests(devino_mock):
    timer = later(0.2, lambda: requests.post(f"{devino_mock.url}/_mock/sink/box", data="ping"))
    assert control(devino_mock, "GET", "sinks/box", params={"wait": 10}).json()[0]["body"] == "ping"
    timer.join()
    timer = later(0.2, lambda: devino_mock.incoming("test_login", "79031234567", "79000000001", "hi"))
    assert control(devino_mock, "GET", "incoming", params={"wait": 10, "login": "test_login"}).json()[0]["text"] == "hi"
    timer.join()
    timer = later(0.2, lambda: send(devino_mock))
    assert control(devino_mock, "GET", "requests", params={"wait": 10, "surface": "rest_v2"}).status_code == 200
    timer.join()
    assert control(devino_mock, "GET", "callbacks", params={"wait": 0.2}).status_code == 408


@pytest.mark.parametrize("params", [{"wait": 61}, {"wait": "x"}, {"count": 0}, {"limit": -1}, {"offset": "a"}])
def test_bad_wait_and_paging_are_refused(devino_mock, params):
    response = control(devino_mock, "GET", "messages", params=params)
    assert response.status_code == 400 and "error" in response.json()


# --- lists that say what they did -------------------------------------------------------


def test_unknown_filters_and_statuses_are_refused_with_the_valid_ones(devino_mock):
    response = control(devino_mock, "GET", "messages", params={"colour": "red"})
    assert response.status_code == 400 and "destination" in response.json()["error"] and "colour" in response.json()["error"]
    response = control(devino_mock, "GET", "messages", params={"status": "teleported"})
    assert response.status_code == 400 and "delivered" in response.json()["error"]
    response = control(devino_mock, "GET", "messages", params={"channel": "viber", "status": "read"})
    assert response.status_code == 200
    response = control(devino_mock, "GET", "callbacks", params={"state": "lost"})
    assert response.status_code == 400 and "gave_up" in response.json()["error"]
    for path in ("callbacks", "incoming", "mails", "requests", "rules", "sinks/x"):
        assert control(devino_mock, "GET", path, params={"bogus": 1}).status_code == 400, path


def test_text_search_limit_and_offset(devino_mock):
    for number in ("79161111111", "79162222222", "79163333333"):
        send(devino_mock, number, Data=f"code for {number}")
    assert [m["destination"] for m in devino_mock.messages(q="2222")] == ["79162222222"]
    assert [m["destination"] for m in devino_mock.messages(q="CODE FOR", limit=1, offset=1)] == ["79162222222"]
    assert devino_mock.messages(offset=3) == []


def test_the_index_lists_every_call_and_one_rule_goes_by_id(devino_mock):
    index = control(devino_mock, "GET", "").json()
    assert {"method": "DELETE", "path": "/_mock/rules/{id}"} in [{k: c[k] for k in ("method", "path")} for c in index]
    rule = devino_mock.add_rule(destination="79161234500", status=42)
    other = devino_mock.add_rule(destination="79161234501", status=42)
    assert control(devino_mock, "DELETE", f"rules/{rule['id']}").status_code == 200
    ids = [r["id"] for r in devino_mock.rules()]
    assert rule["id"] not in ids and other["id"] in ids
    assert control(devino_mock, "DELETE", f"rules/{rule['id']}").status_code == 404


# --- faults -----------------------------------------------------------------------------------


def test_error_fault_answers_the_status_for_count_requests_only(devino_mock):
    made = fault(devino_mock, surface="rest_v2", kind="error", status=502, count=2)
    assert made["fired"] == 0 and made["rate"] == 1
    assert [send(devino_mock).status_code for _ in range(3)] == [502, 502, 200]
    assert control(devino_mock, "GET", "faults").json()[0]["fired"] == 2
    assert requests.get(f"{devino_mock.rest_url}/user/sessionid",
                        params={"login": "test_login", "password": "test123"}).status_code == 200  # v1 untouched


def test_latency_fault_delays_the_answer(devino_mock):
    fault(devino_mock, surface="rest_v2", kind="latency", delay_ms=400)
    started = time.monotonic()
    assert send(devino_mock).status_code == 200
    assert time.monotonic() - started >= 0.4


def test_disconnect_fault_closes_without_an_answer(devino_mock):
    fault(devino_mock, surface="rest_v2", kind="disconnect", count=1)
    with pytest.raises(requests.ConnectionError):
        send(devino_mock)
    assert send(devino_mock).status_code == 200
    assert devino_mock.messages() and len(devino_mock.messages()) == 1


def test_partial_faults_are_reproducible_with_a_seed(devino_mock):
    def pattern():
        control(devino_mock, "DELETE", "faults")
        fault(devino_mock, surface="soap", kind="error", rate=0.5, seed=7)
        return [requests.get(f"{devino_mock.url}/SmsService.asmx").status_code for _ in range(20)]

    first = pattern()
    assert first == pattern() and 503 in first and 200 in first


@pytest.mark.parametrize("body", [{"surface": "pigeon", "kind": "error"}, {"surface": "rest", "kind": "explode"},
                                  {"surface": "rest", "kind": "error", "rate": 2},
                                  {"surface": "rest", "kind": "latency", "delay_ms": -5},
                                  {"surface": "rest", "kind": "error", "count": 0},
                                  {"surface": "rest", "kind": "error", "colour": 1}])
def test_bad_faults_are_refused(devino_mock, body):
    response = control(devino_mock, "POST", "faults", json=body)
    assert response.status_code == 400 and response.json()["error"]
    assert control(devino_mock, "GET", "faults").json() == []


def test_smpp_fault_answers_throttled_then_passes(devino_mock):
    fault(devino_mock, surface="smpp", kind="error", count=1)
    with pytest.raises(smpplib.exceptions.PDUError, match="Throttling"):  # the bind takes the fault
        with smpplib_esme(devino_mock.ports["smpp"]):
            pass
    with smpplib_esme(devino_mock.ports["smpp"]) as esme:
        status, message_id = esme.submit("hello")
    assert status == 0 and message_id
    journal = control(devino_mock, "GET", "requests", params={"surface": "smpp"}).json()
    assert journal[0]["status"] == "ESME_RTHROTTLED" and journal[0]["method"] == "bind_transceiver"
    submitted = [e for e in journal if e["method"] == "submit_sm"]
    assert submitted[0]["message_ids"] == [message_id] and submitted[0]["login"] == "test_login"


def test_smtp_fault_refuses_the_mail_with_451(devino_mock):
    fault(devino_mock, surface="smtp", kind="error", count=1)
    with smtp(devino_mock) as client:
        client.ehlo("client.example.com")
        client.mail("client@example.com")
        client.rcpt("email2sms@integrationapi.net")
        code, _ = client.data(mail("test_login:test123:DEVINO:79161234567:hi"))
    assert code == 451
    [entry] = control(devino_mock, "GET", "requests", params={"surface": "smtp"}).json()
    assert entry["status"] == "451" and "email2sms@integrationapi.net" in entry["path"]


def test_ftp_fault_answers_421(devino_mock):
    fault(devino_mock, surface="ftp", kind="error", count=1)
    ftp = ftplib.FTP()
    ftp.connect(devino_mock.host, devino_mock.ports["ftp"], timeout=10)
    with pytest.raises(ftplib.error_temp, match="421"):
        ftp.login("test_login", "test123")
    ftp.close()
    journal = control(devino_mock, "GET", "requests", params={"surface": "ftp"}).json()
    assert journal[0]["status"] == "421"


def test_an_ftp_latency_fault_holds_one_reply_while_other_clients_are_served(devino_mock):
    slow = connect(devino_mock)
    fault(devino_mock, surface="ftp", kind="latency", delay_ms=2000, count=1)
    started = time.monotonic()
    slow.putcmd("PWD")  # draws the fault: its reply waits 2 s
    slow.putcmd("NOOP")  # sent behind it, answered after it
    # A client that connects only now cannot have sent anything before the PWD was drawn.
    with connect(devino_mock) as other:
        assert other.nlst() == [] and other.sendcmd("TYPE I").startswith("200")
        assert select.select([slow.sock], [], [], 0)[0] == []  # the slow client is still waiting
    assert slow.getresp().startswith("257") and slow.getresp().startswith("200")
    assert time.monotonic() - started >= 2.0
    slow.quit()
    journal = control(devino_mock, "GET", "requests", params={"surface": "ftp"}).json()
    commands = [e["method"] for e in journal]
    assert commands.index("PWD") > commands.index("NLST")  # journalled when answered
    after = journal[commands.index("PWD"):][:2]
    assert [(e["method"], e["status"]) for e in after] == [("PWD", "257"), ("NOOP", "200")]


def test_callback_fault_fails_the_attempt_and_the_retry_delivers(devino_mock):
    devino_mock.add_account("hooks", "hooks1", callbacks={"sms_incoming": f"{devino_mock.url}/_mock/sink/in",
                                                          "viber_incoming": f"{devino_mock.url}/_mock/sink/in"},
                            incoming_numbers=["79000000009"])
    fault(devino_mock, surface="callbacks", kind="error", status=500, count=1)
    answer = requests.post(f"{devino_mock.url}/send", auth=("hooks", "hooks1"), json={"messages": [VIBER_MESSAGE]}).json()
    requests.post(f"{devino_mock.url}/_mock/incoming",
                  json={"channel": "viber", "parent_id": str(answer["messages"][0]["providerId"]), "text": "yo"})
    [callback] = control(devino_mock, "GET", "callbacks", params={"kind": "viber_incoming"}).json()
    assert callback["attempts"][0]["http_status"] == 500 and callback["state"] == "pending"
    devino_mock.advance(10)
    [callback] = control(devino_mock, "GET", "callbacks", params={"kind": "viber_incoming"}).json()
    assert callback["state"] == "delivered"


def test_reset_removes_faults(devino_mock):
    fault(devino_mock, surface="rest", kind="error")
    devino_mock.reset()
    assert control(devino_mock, "GET", "faults").json() == []


# --- the request journal -------------------------------------------------------------------


def test_journal_keeps_every_request_with_its_answer(devino_mock):
    [message_id] = send(devino_mock).json()
    requests.get(f"{devino_mock.url}/no/such/path?x=1")
    send(devino_mock, DestinationAddress="")
    journal = control(devino_mock, "GET", "requests").json()
    first, unmatched, failed = journal
    assert first["surface"] == "rest_v2" and first["method"] == "POST" and first["path"] == "/rest/v2/Sms/Send"
    assert "DestinationAddress=79161234567" in first["body"] and first["status"] == 200
    assert first["message_ids"] == [message_id] and first["login"] == "test_login"
    assert json.loads(first["response"]) == [message_id]
    assert unmatched["surface"] == "http" and unmatched["status"] == 404 and unmatched["query"] == "x=1"
    assert failed["status"] == 400 and failed["login"] == "test_login" and failed["message_ids"] == []
    assert control(devino_mock, "GET", "requests", params={"status": 404}).json() == [unmatched]
    assert all("/_mock/" not in e["path"] for e in journal)
    devino_mock.reset()
    assert control(devino_mock, "GET", "requests").json() == []


# --- the clock ---------------------------------------------------------------------------------


def test_clock_freezes_advances_and_unfreezes(devino_mock):
    before = time.monotonic()
    frozen = control(devino_mock, "POST", "clock/freeze").json()
    assert frozen["frozen"] is True
    # Real time passes between the two requests; the frozen clock does not.
    assert control(devino_mock, "GET", "clock").json()["now"] == frozen["now"]
    [message_id] = send(devino_mock).json()
    assert devino_mock.message(message_id)["status"] == -1 or devino_mock.message(message_id)["status"] != 0
    devino_mock.advance(5)
    assert devino_mock.message(message_id)["status"] == 0
    assert control(devino_mock, "GET", "clock").json()["now"] > frozen["now"]
    running = control(devino_mock, "POST", "clock/unfreeze").json()
    held = time.monotonic() - before  # at least as long as the clock stood still
    # It runs on from where it stood: 5 s ahead, less the real time it was held.
    assert running["frozen"] is False and 5 - held - 0.01 <= running["offset_seconds"] <= 5


def test_clock_set_moves_forward_and_refuses_the_past(devino_mock):
    [message_id] = send(devino_mock).json()
    response = control(devino_mock, "POST", "clock/set", json={"now": "2100-01-01T00:00:00Z"})
    assert response.status_code == 200 and response.json()["now"].startswith("2100-01-01T00:00:00")
    assert devino_mock.message(message_id)["status"] == 0
    response = control(devino_mock, "POST", "clock/set", json={"now": "2099-12-31T00:00:00Z"})
    assert response.status_code == 400 and "back" in response.json()["error"]
    for body in ({}, {"now": "tomorrow"}, {"now": 5}, {"now": "2100-01-02T00:00:00Z", "x": 1}):
        assert control(devino_mock, "POST", "clock/set", json=body).status_code == 400


# --- snapshots and scoped reset ------------------------------------------------------------------


def test_snapshot_round_trip_restores_state_and_clock(devino_mock):
    devino_mock.add_account("saved", "pw", balance=55)
    devino_mock.add_rule(destination="79161234599", status=42)
    [message_id] = send(devino_mock).json()
    devino_mock.advance(5)
    document = control(devino_mock, "GET", "snapshot").json()
    assert document["format"] == "devino-mock-snapshot" and len(document["messages"]) == 1
    devino_mock.reset()
    assert devino_mock.messages() == []
    response = control(devino_mock, "POST", "snapshot", json=document)
    assert response.status_code == 200, response.text
    assert devino_mock.message(message_id)["status"] == 0
    assert devino_mock.account("saved")["balance"] == 55
    assert any(r.get("destination") == "79161234599" for r in devino_mock.rules())
    [again] = send(devino_mock).json()
    assert int(again) > int(message_id)  # ids go on after the loaded ones


def test_a_bad_snapshot_changes_nothing(devino_mock):
    send(devino_mock)
    document = control(devino_mock, "GET", "snapshot").json()
    document["messages"][0]["created_at"] = "yesterday"
    response = control(devino_mock, "POST", "snapshot", json=document)
    assert response.status_code == 400 and "messages[0].created_at" in response.json()["error"]
    assert len(devino_mock.messages()) == 1
    for bad in ({}, {"format": "devino-mock-snapshot", "version": 9},
                {"format": "devino-mock-snapshot", "version": 1, "accounts": [{"login": ""}]}):
        assert control(devino_mock, "POST", "snapshot", json=bad).status_code == 400
    # A message's status is the last step of its history: none at all is refused, not a 500.
    good = control(devino_mock, "GET", "snapshot").json()
    document = {**good, "messages": [{**good["messages"][0], "history": []}]}
    response = control(devino_mock, "POST", "snapshot", json=document)
    assert response.status_code == 400 and "messages[0]: needs ids and a history" in response.json()["error"]


def test_a_snapshot_shows_a_message_whole_and_loads_what_it_shows(devino_mock):
    [message_id] = send(devino_mock).json()
    devino_mock.advance(60)
    before = devino_mock.message(message_id)
    [shown] = control(devino_mock, "GET", "snapshot").json()["messages"]
    # What the journal keeps compactly (flat steps, derived times) is shown as it reads.
    assert [s["status"] for s in shown["history"]] == ["queued", "sent", "delivered"]
    assert (shown["status"], shown["parts"], shown["planned"]) == ("delivered", [shown["text"]], [])
    assert shown["submitted_at"] == shown["history"][1]["at"] and shown["reported_at"] == shown["history"][2]["at"]
    assert shown["expires_at"] > shown["send_at"] and "version" not in shown
    document = control(devino_mock, "GET", "snapshot").json()
    devino_mock.reset()
    assert control(devino_mock, "POST", "snapshot", json=document).status_code == 200
    assert devino_mock.message(message_id) == before


def test_scoped_reset_forgets_one_account_only(devino_mock):
    devino_mock.add_account("alice", "pw1")
    requests.post(f"{devino_mock.rest_url}/v2/Sms/Send", data={**V2, "Login": "alice", "Password": "pw1",
                                                               "DestinationAddress": "79161234567"})
    send(devino_mock)
    devino_mock.add_rule(destination="79161234598", status=42, login="alice")
    kept_rule = devino_mock.add_rule(destination="79161234597", status=42)
    clock = devino_mock.advance(60)
    response = control(devino_mock, "POST", "reset", json={"login": "alice"})
    assert response.status_code == 200
    assert [m["login"] for m in devino_mock.messages()] == ["test_login"]
    assert [r["id"] for r in devino_mock.rules() if r["id"].startswith("r")] == [kept_rule["id"]]
    assert devino_mock.account("alice")["login"] == "alice"
    assert control(devino_mock, "GET", "clock").json()["now"] >= clock
    assert [e["login"] for e in control(devino_mock, "GET", "requests").json()] == ["test_login"]
    assert control(devino_mock, "POST", "reset", json={"who": "x"}).status_code == 400


def test_scoped_reset_restores_a_fixture_account(devino_mock):
    send(devino_mock)
    before = devino_mock.account("test_login")["balance"]
    control(devino_mock, "POST", "reset", json={"login": "test_login"})
    assert devino_mock.account("test_login")["balance"] > before and devino_mock.messages() == []
