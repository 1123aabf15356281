"""Hostile and careless SOAP requests (issue 9): out-of-range dates are an "Invalid argument"
fault in the request's SOAP version (never JSON, never a generic 500 page), nothing is
charged, and a client that leaves mid-request leaves one INFO line."""

from __future__ import annotations

import logging
import socket
import time

import pytest

from tests.soap_support import FAULT_PREFIX, V1, V2, call, session

DESTINATIONS = "<DestinationAddresses><string>79161234567</string></DestinationAddresses>"


@pytest.mark.parametrize("version", ["1.1", "1.2"])
@pytest.mark.parametrize("value", ["0001-01-01T01:00:00", "0001-01-01T00:00:00+03:00", "9999-12-31T23:59:59",
                                   "2030-01-01T10:00:00+24:00", "1752-12-31T00:00:00"])
def test_out_of_range_send_dates_are_an_invalid_argument_fault(devino_mock, version, value):
    sid = session(devino_mock.url)
    answer = call(devino_mock.url, V1, "SendMessage", version, sessionID=sid, message=(
        f"<Data>x</Data><DelayUntilUtc>{value}</DelayUntilUtc>{DESTINATIONS}<SourceAddress>DEVINO</SourceAddress>"))
    assert answer.status == 500
    assert answer.content_type.startswith("text/xml" if version == "1.1" else "application/soap+xml")
    assert answer.fault_text == FAULT_PREFIX + "Invalid argument"
    assert answer.fault_code in ("soap:Server", "soap:Receiver")
    assert devino_mock.messages() == []
    assert devino_mock.account("test_login")["balance"] == 1000.0


def test_v2_by_time_zone_with_year_one_and_an_offset(devino_mock):
    answer = call(devino_mock.url, V2, "SendMessageByTimeZone", login="test_login", password="test123",
                  sourceAddress="DEVINO", destinationAddress="79161234567", data="x",
                  sendDate="0001-01-01T00:30:00-05:00")
    assert (answer.status, answer.fault_text) == (500, FAULT_PREFIX + "Invalid argument")
    assert devino_mock.account("test_login")["balance"] == 1000.0


def test_dotnet_min_value_still_means_no_date(devino_mock):
    sid = session(devino_mock.url)
    for value in ("0001-01-01T00:00:00", "0001-01-01T00:00:00Z"):
        answer = call(devino_mock.url, V1, "SendMessage", sessionID=sid, message=(
            f"<Data>x</Data><DelayUntilUtc>{value}</DelayUntilUtc>{DESTINATIONS}<SourceAddress>DEVINO</SourceAddress>"))
        assert answer.status == 200, answer.text
    assert [m["send_at"] == m["created_at"] for m in devino_mock.messages()] == [True, True]


def test_a_client_leaving_mid_request_is_one_info_line(devino_mock, caplog):
    caplog.set_level(logging.INFO)
    with socket.create_connection((devino_mock.host, devino_mock.ports["http"])) as sock:
        sock.sendall(b"POST /SmsService.asmx HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\n"
                     b"Content-Length: 5000\r\n\r\n<soap:Envelope")
        time.sleep(0.05)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not any("client disconnected" in r.getMessage() for r in caplog.records):
        time.sleep(0.02)
    lines = [(r.levelname, r.getMessage()) for r in caplog.records if r.name.startswith("devino_mock")]
    assert lines == [("INFO", "POST /SmsService.asmx: client disconnected (Connection lost)")]
    assert all(r.exc_info is None for r in caplog.records)


def test_the_same_v2_call_with_a_date_in_range_is_sent(devino_mock):
    answer = call(devino_mock.url, V2, "SendMessageByTimeZone", login="test_login", password="test123",
                  sourceAddress="DEVINO", destinationAddress="79161234567", data="x",
                  sendDate="2001-01-01T00:30:00-05:00")
    assert answer.status == 200, answer.text
    assert len(devino_mock.messages()) == 1
