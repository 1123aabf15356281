"""XML API Statistics.ashx (xml-api.md §3, §4.2, §5.6-§5.7): status by sms_id or client id,
the status codes over time, date_completed, the 3-calendar-day window, ERR_ID cases."""

from datetime import datetime, timedelta, timezone

import pytest
import requests

from tests.xmlapi_helpers import DECLARATION, msg, post, package, send, status

MSK = timezone(timedelta(hours=3))


def sent(devino_mock, recipient="79031234567", **attrs) -> str:
    [answer] = send(devino_mock, msg("hello", recipient=recipient, sender="DEVINO", **attrs))
    assert answer["code"] in ("106", "100"), answer
    return answer["sms_id"]


def test_documented_example_shapes(devino_mock):
    sms_id = sent(devino_mock, id="1234")
    devino_mock.advance(5)
    body = package(f'\n<status>\n<msg id="1234"/>\n<msg sms_id="{sms_id}"/>\n</status>\n')
    response = post(devino_mock, "Statistics.ashx", body)
    completed = datetime.fromisoformat(devino_mock.message(sms_id)["reported_at"].replace("Z", "+00:00")).astimezone(MSK)
    stamp = completed.strftime("%Y-%m-%dT%H:%M:%S")
    assert response.text == (f'{DECLARATION}\n<package><status>'
                             f'<msg id="1234" sms_id="{sms_id}" sms_count="1" date_completed="{stamp}">102</msg>'
                             f'<msg sms_id="{sms_id}" sms_count="1" date_completed="{stamp}">102</msg>'
                             '</status></package>')


def test_status_codes_follow_the_message_over_time(devino_mock):
    sms_id = sent(devino_mock)
    assert status(devino_mock, msg("", sms_id=sms_id)) == [{"sms_id": sms_id, "sms_count": "1", "code": "106"}]
    devino_mock.advance(1)
    assert status(devino_mock, msg("", sms_id=sms_id))[0]["code"] == "101"
    devino_mock.advance(2)
    [final] = status(devino_mock, msg("", sms_id=sms_id))
    assert final["code"] == "102" and "date_completed" in final


@pytest.mark.parametrize("recipient, code", [
    ("79990000042", "108"), ("79990000048", "108"), ("79990000069", "108"), ("79990000010", "108"),
    ("79990000011", "105"), ("79990000041", "105"),
    ("79990000047", "104"), ("79990000098", "109"), ("79990000099", "107"),
    ("79990000003", "101"), ("79990000002", "106"),
])
def test_final_and_stuck_outcomes_map_to_the_documented_codes(devino_mock, recipient, code):
    sms_id = sent(devino_mock, recipient)
    devino_mock.advance(3600)
    [answer] = status(devino_mock, msg("", sms_id=sms_id))
    assert answer["code"] == code
    assert ("date_completed" in answer) == (code not in ("101", "106"))


@pytest.mark.parametrize("recipient", ["79990000003", "79990000046"])
def test_expiry_after_validity_is_103(devino_mock, recipient):
    sms_id = sent(devino_mock, recipient)
    devino_mock.advance(2880 * 60 + 1)
    assert status(devino_mock, msg("", sms_id=sms_id))[0]["code"] == "103"


def test_by_client_id_returns_the_most_recent_message_and_sms_id_wins(devino_mock):
    older = sent(devino_mock, id="55")
    newer = sent(devino_mock, "79161234567", id="55")
    other = sent(devino_mock, "79261234567")
    answers = status(devino_mock, msg("", id="55"), msg("", id="55", sms_id=other))
    assert [(a["id"], a["sms_id"]) for a in answers] == [("55", newer), ("55", other)]
    assert older != newer


def test_segment_ids_and_other_transports_resolve_to_the_message(devino_mock, rest):
    [answer] = send(devino_mock, msg("x" * 200, recipient="79031234567", sender="DEVINO"))
    second_segment = str(int(answer["sms_id"]) + 1)
    assert status(devino_mock, msg("", sms_id=second_segment))[0]["sms_id"] == answer["sms_id"]
    [rest_id] = requests.post(f"{rest}/v2/Sms/Send", data={"Login": "test_login", "Password": "test123", "SourceAddress": "DEVINO",
                                                           "DestinationAddress": "79031234567", "Data": "r"}).json()
    assert status(devino_mock, msg("", sms_id=rest_id))[0] == {"sms_id": rest_id, "sms_count": "1", "code": "106"}


@pytest.mark.parametrize("attrs", [{}, {"sms_id": "abc"}, {"id": "x"}, {"sms_id": "1"}, {"id": "999"}])
def test_unknown_or_unusable_ids_are_201_with_sms_id_0(devino_mock, attrs):
    sent(devino_mock, id="5")
    [answer] = status(devino_mock, msg("", **attrs))
    assert answer == {**({"id": attrs["id"]} if "id" in attrs else {}), "sms_id": "0", "code": "201"}


def test_another_accounts_message_is_201(devino_mock):
    sms_id = sent(devino_mock, id="77")
    assert status(devino_mock, msg("", sms_id=sms_id), login="test", password="11111")[0]["code"] == "201"
    assert status(devino_mock, msg("", id="77"), login="test", password="11111")[0]["code"] == "201"


def test_only_the_last_three_calendar_days(devino_mock):
    sms_id = sent(devino_mock)
    now = datetime.fromisoformat(devino_mock.now().replace("Z", "+00:00")).astimezone(MSK)
    to_day_after_tomorrow = (now.replace(hour=23, minute=59, second=0, microsecond=0) + timedelta(days=2)) - now
    devino_mock.advance(to_day_after_tomorrow.total_seconds())
    assert status(devino_mock, msg("", sms_id=sms_id))[0]["code"] == "102"
    devino_mock.advance(120)
    assert status(devino_mock, msg("", sms_id=sms_id))[0]["code"] == "201"


def test_disabled_account_is_205_per_message(devino_mock):
    assert status(devino_mock, msg("", sms_id="1"), msg("", id="2"), login="blocked", password="blocked1") == [
        {"sms_id": "0", "code": "205"}, {"id": "2", "sms_id": "0", "code": "205"}]


def test_at_most_1000_ids_per_section(devino_mock):
    sms_id = sent(devino_mock)
    assert len(status(devino_mock, *[msg("", sms_id=sms_id)] * 1000)) == 1000
    response = post(devino_mock, "Statistics.ashx", package("<status>" + msg("", sms_id=sms_id) * 1001 + "</status>"))
    assert response.text == f"{DECLARATION}\n<package><error>201</error></package>"
