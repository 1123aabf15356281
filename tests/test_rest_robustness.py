"""Bad input on REST gets a documented or clear JSON error, never a traceback or a dead server."""

import socket

import pytest
import requests

V2 = {"Login": "test_login", "Password": "test123"}


def test_form_body_on_get(rest, devino_mock):
    # eryx67/devino_sms sends every call as a form body, GETs included.
    response = requests.request("GET", f"{rest}/v2/User/Balance", data=V2)
    assert response.status_code == 200 and response.json() == 1000.0


def test_json_content_type_on_a_bodiless_get(rest, devino_mock):
    ids = requests.post(f"{rest}/v2/Sms/Send", data={**V2, "SourceAddress": "DEVINO", "DestinationAddress": "79161234567", "Data": "x"}).json()
    response = requests.get(f"{rest}/v2/Sms/State", params={**V2, "messageId": ids[0]}, headers={"Content-Type": "application/json"})
    assert response.status_code == 200 and response.json()["State"] == -2


@pytest.mark.parametrize("body,content_type", [
    (b"\xff\xfe\x00garbage=\xc3", "application/x-www-form-urlencoded"),
    (b"[1, 2, 3]", "application/json"),
    (b'{"Login": {"nested": true}}', "application/json"),
    (b"{not json", "application/json"),
    (b"%%%===&&&", None),
    (b"\x00" * 1000, "text/plain"),
])
def test_garbage_bodies_get_json_errors(rest, body, content_type):
    headers = {"Content-Type": content_type} if content_type else {}
    response = requests.post(f"{rest}/v2/Sms/Send", data=body, headers=headers)
    assert response.status_code in (400, 401)
    assert set(response.json()) == {"Code", "Desc"}


def test_oversized_body_is_refused_cleanly(rest):
    response = requests.post(f"{rest}/v2/Sms/Send", data=b"Data=" + b"x" * (17 * 1024 * 1024),
                             headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 413
    assert response.json() == {"Code": 2, "Desc": "Request entity too large"}


def test_non_utf8_text_is_replaced_not_crashed(rest, devino_mock):
    body = "Login=test_login&Password=test123&SourceAddress=DEVINO&DestinationAddress=79161234567&Data=%C0%C1%FF"
    response = requests.post(f"{rest}/v2/Sms/Send", data=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 200
    assert devino_mock.messages()[0]["text"] == "\ufffd\ufffd\ufffd"


def test_server_survives_a_broken_http_request(devino_mock, rest):
    with socket.create_connection((devino_mock.host, devino_mock.ports["http"]), timeout=5) as raw:
        raw.sendall(b"POST /rest/v2/Sms/Send HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nshort")
        raw.shutdown(socket.SHUT_WR)
        raw.recv(1024)
    with socket.create_connection((devino_mock.host, devino_mock.ports["http"]), timeout=5) as raw:
        raw.sendall(b"\x16\x03\x01 not http at all\r\n\r\n")
        assert raw.recv(1024).startswith(b"HTTP/1.")
    assert requests.get(f"{rest}/v2/User/Balance", params=V2).status_code == 200


@pytest.mark.parametrize("validity", ["abc", "-5", "99999999999999999999", "1.5"])
def test_unparseable_validity_means_the_default(rest, devino_mock, validity):
    response = requests.post(f"{rest}/v2/Sms/Send", data={**V2, "SourceAddress": "DEVINO", "DestinationAddress": "79161234567", "Data": "x", "Validity": validity})
    assert response.status_code == 200


def test_send_date_more_than_a_year_ahead_is_an_invalid_argument(rest, devino_mock):
    response = requests.post(f"{rest}/v2/Sms/Send", data={**V2, "SourceAddress": "DEVINO", "DestinationAddress": "79161234567", "Data": "x", "SendDate": "9999-12-31T23:59:59"})
    assert response.status_code == 400
    assert response.json() == {"Code": 2, "Desc": "Invalid argument"}
    assert devino_mock.messages() == []
