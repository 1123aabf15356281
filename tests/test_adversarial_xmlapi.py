"""Hostile and careless XML API packages (issue 9): every <msg> is checked before any is
sent, so a bad one never hides the id of a good one the client was charged for; dates out of
range are a message error; absurd packages are refused before they cost seconds."""

from __future__ import annotations

import time

import pytest

from tests.xmlapi_helpers import DECLARATION, msg, package, post, send

GOOD = {"recipient": "79031234567", "sender": "TESTSMS"}
FORMAT_ERROR = DECLARATION + "\n<package><error>201</error></package>"
AUTH_ERROR = DECLARATION + "\n<package><error>202</error></package>"


@pytest.mark.parametrize("attrs", [
    {"date_beg": "2030-01-01T10:00+24:00"},
    {"date_beg": "2030-01-01T10:00-23:59"},
    {"date_beg": "0001-01-01T00:00"},
    {"date_beg": "9999-12-31T23:59"},
    {"date_end": "9999-12-31T23:59:59"},
    {"date_end": "0001-01-01T00:00+03:00"},
])
def test_a_bad_date_after_a_good_msg_hides_nothing(devino_mock, attrs):
    first, second, third = send(devino_mock, msg("one", id="1", **GOOD), msg("two", id="2", **GOOD, **attrs),
                                msg("three", id="3", **GOOD))
    assert (second["id"], second["sms_id"], second["code"]) == ("2", "0", "200")
    stored = {m["id"]: m for m in devino_mock.messages()}
    assert set(stored) == {first["sms_id"], third["sms_id"]}
    assert (first["code"], third["code"]) == ("106", "106")
    assert devino_mock.account("test_login")["balance"] == 1000.0 - 2 * stored[first["sms_id"]]["price"]


def test_msgs_beyond_the_balance_are_refused_one_by_one_and_the_rest_keep_their_ids(devino_mock):
    devino_mock.add_account("xml_two", "two1", balance="2", tariffs={"": "1"})
    answers = send(devino_mock, *(msg(f"m{n}", id=str(n), **GOOD) for n in range(4)), login="xml_two", password="two1")
    assert [a["code"] for a in answers] == ["106", "106", "206", "206"]
    assert sorted(m["id"] for m in devino_mock.messages()) == sorted(a["sms_id"] for a in answers[:2])
    assert devino_mock.account("xml_two")["balance"] == 0.0


def test_50000_attributes_without_a_login_are_answered_at_once(devino_mock):
    attrs = " ".join(f'a{i}="x"' for i in range(50_000))
    began = time.monotonic()
    response = post(devino_mock, "Send.ashx", f"<package {attrs}><message/></package>".encode())
    assert response.text == AUTH_ERROR
    assert time.monotonic() - began < 2  # reading every value was quadratic: 11 s


def test_50000_attributes_on_a_msg_of_a_good_package(devino_mock):
    attrs = " ".join(f'a{i}="x"' for i in range(50_000))
    body = f'<message><msg recipient="79031234567" sender="TESTSMS" {attrs}>hi</msg></message>'
    began = time.monotonic()
    response = post(devino_mock, "Send.ashx", package(body))
    assert ">106</msg>" in response.text
    assert time.monotonic() - began < 2


def test_300000_msgs_are_refused_as_a_format_error_before_parsing(devino_mock):
    body = package("<message>" + msg("hi", **GOOD) * 300_000 + "</message>")
    began = time.monotonic()
    assert post(devino_mock, "Send.ashx", body).text == FORMAT_ERROR
    assert time.monotonic() - began < 3
    assert devino_mock.messages() == []


def test_the_send_bound_is_10000_msgs_per_package(devino_mock):
    devino_mock.add_account("xml_rich", "rich1", balance="100000", tariffs={"": "1"})
    over = package("<message>" + msg("hi", **GOOD) * 10_001 + "</message>", "xml_rich", "rich1")
    assert post(devino_mock, "Send.ashx", over).text == FORMAT_ERROR
    assert devino_mock.messages() == []
    answers = send(devino_mock, *[msg("hi", **GOOD)] * 10_000, login="xml_rich", password="rich1")
    assert {a["code"] for a in answers} == {"106"} and len(answers) == 10_000
    assert devino_mock.account("xml_rich")["balance"] == 90_000.0


def test_not_a_document_and_a_dtd_stay_format_errors(devino_mock):
    assert post(devino_mock, "Send.ashx", b"<package").text == FORMAT_ERROR
    assert post(devino_mock, "Send.ashx", b'<!DOCTYPE p [<!ENTITY a "b">]><package/>').text == FORMAT_ERROR
