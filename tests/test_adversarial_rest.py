"""Hostile and careless REST requests (issue 9): out-of-range dates, absurd recipient lists,
bodies that are not what their Content-Type says, clients that leave mid-request. Every one
gets the REST error envelope with its HTTP status, and nothing is charged."""

from __future__ import annotations

import logging
import socket
import time

import pytest
import requests

V2 = "/rest/v2"
LOGIN = {"Login": "test_login", "Password": "test123"}
SEND = {**LOGIN, "SourceAddress": "TESTSMS", "DestinationAddress": "79031234567", "Data": "hi"}
INVALID_ARGUMENT = {"Code": 2, "Desc": "Invalid argument"}


def untouched(mock) -> None:
    assert mock.messages() == []
    assert mock.account("test_login")["balance"] == 1000.0


@pytest.mark.parametrize(("operation", "send_date"), [
    ("SendByTimeZone", "0001-01-01T00:00:00"),
    ("Send", "0001-01-01T00:00:00"),
    ("Send", "2030-01-01T10:00:00+24:00"),
    ("Send", "2030-01-01T10:00:00-14:30"),
    ("SendByTimeZone", "9999-12-31T23:59:59"),
    ("Send", "9999-12-31T23:00:00-05:00"),
    ("Send", "1752-12-31T23:59:59"),
])
def test_out_of_range_send_dates_are_an_invalid_argument_and_cost_nothing(rest, devino_mock, operation, send_date):
    response = requests.post(f"{rest}/v2/Sms/{operation}", data={**SEND, "SendDate": send_date})
    assert (response.status_code, response.json()) == (400, INVALID_ARGUMENT)
    untouched(devino_mock)


def test_dates_at_the_edges_of_the_range_are_still_read(rest, devino_mock):
    # 1753 is in the past: the message goes at once; only the range's outside is refused.
    response = requests.post(f"{rest}/v2/Sms/SendByTimeZone", data={**SEND, "SendDate": "1753-01-01T00:00:00"})
    assert response.status_code == 200, response.text
    [message] = devino_mock.messages()
    assert message["send_at"] == message["created_at"]


def test_out_of_range_statistics_dates_are_an_invalid_argument(rest):
    response = requests.get(f"{rest}/v2/Sms/Statistics", params={**LOGIN, "startDateTime": "0001-01-01T00:00:00",
                                                                 "endDateTime": "2030-01-01T00:00:00"})
    assert (response.status_code, response.json()) == (400, INVALID_ARGUMENT)


def test_a_send_bulk_of_450000_numbers_is_refused_before_it_is_read(rest, devino_mock):
    numbers = "&".join(f"DestinationAddresses=7903{i:07d}" for i in range(450_000))
    body = f"Login=test_login&Password=test123&SourceAddress=TESTSMS&Data=hi&{numbers}"
    began = time.monotonic()
    response = requests.post(f"{rest}/v2/Sms/SendBulk", data=body,
                             headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert (response.status_code, response.json()) == (400, INVALID_ARGUMENT)
    assert time.monotonic() - began < 5  # was 3-17 s of a frozen loop
    untouched(devino_mock)


def test_a_json_list_of_20000_numbers_is_refused(rest, devino_mock):
    body = {**LOGIN, "SourceAddress": "TESTSMS", "Data": "hi",
            "DestinationAddresses": [f"7903{i:07d}" for i in range(20_000)]}
    response = requests.post(f"{rest}/v2/Sms/SendBulk", json=body)
    assert (response.status_code, response.json()) == (400, INVALID_ARGUMENT)
    untouched(devino_mock)


def test_3000_numbers_still_get_the_documented_count_check(rest, devino_mock):
    devino_mock.add_account("rich_adv", "rich1", balance="100000")
    numbers = [f"7916{i:07d}" for i in range(3000)]
    response = requests.post(f"{rest}/v2/Sms/SendBulk", data={"Login": "rich_adv", "Password": "rich1",
                             "SourceAddress": "DEVINO", "Data": "x", "DestinationAddresses": numbers})
    assert (response.status_code, response.json()) == (400, INVALID_ARGUMENT)
    assert devino_mock.messages() == []


def test_json_nested_100000_deep(rest, devino_mock):
    response = requests.post(f"{rest}/v2/User/Balance", data="[" * 100_000, headers={"Content-Type": "application/json"})
    assert (response.status_code, response.json()) == (400, INVALID_ARGUMENT)
    nested = '{"Login": "test_login", "Password": "test123", "x": ' + "[" * 100_000 + "}"
    response = requests.post(f"{rest}/v2/User/Balance", data=nested, headers={"Content-Type": "application/json"})
    assert (response.status_code, response.json()) == (400, INVALID_ARGUMENT)


PART = 'Content-Disposition: form-data; name="Login"\r\n\r\ntest_login\r\n'


@pytest.mark.parametrize(("content_type", "body"), [
    ("multipart/form-data", "--XX\r\n" + PART + "--XX--\r\n"),  # no boundary
    ("multipart/form-data; boundary=XX", "--XX\r\n" + PART[:-12]),  # cut off
    ("multipart/form-data; boundary=XX", "--XX\r\nContent-Disposition: form-data; name=\"Login\"\r\n"
     "Content-Type: text/plain; charset=no-such-charset\r\n\r\ntest_login\r\n--XX--\r\n"),  # bad charset
    ("multipart/form-data; boundary=XX", "garbage without any boundary line"),
])
def test_broken_multipart_bodies_get_the_rest_envelope(rest, content_type, body):
    response = requests.post(f"{rest}/v2/User/Balance", data=body.encode(), headers={"Content-Type": content_type})
    assert (response.status_code, response.json()) == (400, INVALID_ARGUMENT)
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"


def test_a_good_multipart_body_still_works(rest):
    response = requests.post(f"{rest}/v2/User/Balance", files={"Login": (None, "test_login"), "Password": (None, "test123")})
    assert (response.status_code, response.json()) == (200, 1000.0)


def test_a_client_leaving_mid_request_is_one_info_line(devino_mock, caplog):
    caplog.set_level(logging.INFO)
    with socket.create_connection((devino_mock.host, devino_mock.ports["http"])) as sock:
        sock.sendall(b"POST /rest/v2/Sms/Send HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n"
                     b"Content-Type: application/x-www-form-urlencoded\r\n\r\nLogin=test")
        time.sleep(0.05)  # real time for the request to reach the handler
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not any("client disconnected" in r.getMessage() for r in caplog.records):
        time.sleep(0.02)
    lines = [r for r in caplog.records if r.name.startswith("devino_mock")]
    assert [(r.levelname, r.getMessage()) for r in lines] == [
        ("INFO", "POST /rest/v2/Sms/Send: client disconnected (Connection lost)")]
    assert all(r.exc_info is None for r in caplog.records)
    assert devino_mock.health()["status"] == "ok"
