"""XML API Send.ashx (xml-api.md §2, §4.3, §5.3-§5.6): the documented request and response
documents, every message-level code, and the one platform behind it."""

from datetime import datetime, timedelta, timezone

import pytest
import requests

from tests.xmlapi_helpers import DECLARATION, msg, package, post, send, status

MSK = timezone(timedelta(hours=3))


def test_documented_example_request(devino_mock):
    body = (package('<message>\n<default sender="SMSINFO"/>\n'
                    '<msg id="1234" recipient="+79021234567" sender="SMSINFO" date_beg="2008-12-27T15:55" '
                    'date_end="2030-12-28T15:55" type="0">text</msg>\n'
                    '<msg recipient="+79021234568">text</msg>\n</message>', "test", "11111"))
    response = post(devino_mock, "Send.ashx", body)
    first, second = devino_mock.messages(transport="xml")
    assert response.text == (f'{DECLARATION}\n<package><message>'
                             f'<msg id="1234" sms_id="{first["id"]}" sms_count="1">106</msg>'
                             f'<msg sms_id="{second["id"]}" sms_count="1">106</msg>'
                             '</message></package>')
    assert (first["destination"], first["source"], first["text"], first["login"], first["channel"]) == (
        "79021234567", "SMSINFO", "text", "test", "sms")
    assert first["extra"] == {"xml_type": "sms", "client_id": 1234}
    assert devino_mock.account("test")["balance"] == 98.0


def test_sms_id_is_the_platform_id_and_rest_state_reads_it(devino_mock, rest):
    [answer] = send(devino_mock, msg("hello", recipient="79031234567", sender="DEVINO"))
    devino_mock.advance(5)
    state = requests.get(f"{rest}/v2/Sms/State", params={"Login": "test_login", "Password": "test123", "MessageId": answer["sms_id"]})
    assert state.json()["State"] == 0
    assert devino_mock.message(answer["sms_id"])["transport"] == "xml"


def test_sms_count_is_the_real_number_of_segments(devino_mock):
    answers = send(devino_mock, msg("a" * 160), msg("a" * 161), msg("я" * 70), msg("я" * 71), default='<default sender="DEVINO" recipient="79031234567"/>')
    assert [(a["code"], a["sms_count"]) for a in answers] == [("106", "1"), ("106", "2"), ("106", "1"), ("106", "2")]
    assert devino_mock.account("test_login")["balance"] == 1000 - 6


def test_msg_attributes_override_default_and_names_are_case_insensitive(devino_mock):
    body = ('<Message><DEFAULT Sender="DEVINO" recipient="79031234567" type="1"/>'
            '<Msg>one</Msg><MSG Recipient="79161234567" SENDER="TESTSMS" Type="0">two</MSG></Message>')
    response = post(devino_mock, "Send.ashx", package(body))
    assert response.text.count(">106</msg>") == 2
    one, two = devino_mock.messages()
    assert (one["destination"], one["source"], one["extra"]["xml_type"]) == ("79031234567", "DEVINO", "flash")
    assert (two["destination"], two["source"], two["extra"]["xml_type"]) == ("79161234567", "TESTSMS", "sms")


def test_wap_push_keeps_its_url(devino_mock):
    [answer] = send(devino_mock, msg("see", recipient="79031234567", sender="DEVINO", type="2", url="http://example.com/x"))
    assert answer["code"] == "106"
    assert devino_mock.messages()[0]["extra"] == {"xml_type": "wap-push", "url": "http://example.com/x"}


@pytest.mark.parametrize("attrs, text, code", [
    ({"id": "12a"}, "text", "201"),
    ({"id": "1.5"}, "text", "201"),
    ({"sender": ""}, "text", "202"),
    ({"sender": "ABCDEFGHIJKL"}, "text", "202"),
    ({"sender": "bad\tsender"}, "text", "202"),
    ({"recipient": ""}, "text", "203"),
    ({"recipient": "12345"}, "text", "203"),
    ({"recipient": "+7903123456789012345678"}, "text", "203"),
    ({"recipient": "7903abc4567"}, "text", "203"),
    ({}, "", "204"),
    ({}, "   ", "204"),
    ({}, "x" * 2001, "204"),
    ({"type": "3"}, "text", "200"),
    ({"type": "flash"}, "text", "200"),
    ({"type": "2"}, "text", "200"),
    ({"type": "2", "url": "http://e.com/" + "x" * 100}, "text", "200"),
    ({"date_beg": "tomorrow"}, "text", "200"),
    ({"recipient": "79990000206"}, "text", "203"),
    ({"recipient": "79990000207"}, "text", "205"),
    ({"recipient": "79990000205"}, "text", "206"),
    ({"recipient": "79990000208"}, "text", "200"),
    ({"recipient": "79990000209"}, "text", "200"),
])
def test_message_error_codes(devino_mock, attrs, text, code):
    fields = {"recipient": "79031234567", "sender": "DEVINO", **attrs}
    fields = {k: v for k, v in fields.items() if v != ""}
    [answer] = send(devino_mock, msg(text, **fields))
    assert answer["code"] == code
    assert answer["sms_id"] == "0"
    assert answer["sms_count"] == ("1" if len(text) <= 160 else "14")
    assert ("id" in answer) == ("id" in attrs)
    assert devino_mock.messages() == []
    assert devino_mock.account("test_login")["balance"] == 1000.0


def test_sender_not_registered_for_the_account(devino_mock):
    answers = send(devino_mock, msg(sender="OTHER"), msg(sender="TESTSMS"),
                   default='<default recipient="79031234567"/>', login="senders", password="senders1")
    assert [a["code"] for a in answers] == ["202", "106"]


def test_disabled_account_is_205_and_poor_account_is_206(devino_mock):
    [answer] = send(devino_mock, msg(recipient="79031234567", sender="DEVINO"), login="blocked", password="blocked1")
    assert answer["code"] == "205"
    [answer] = send(devino_mock, msg(recipient="79031234567", sender="DEVINO"), login="poor", password="poor1")
    assert answer["code"] == "206"


def test_quota_rule_answers_207(devino_mock):
    devino_mock.add_rule(destination="79161112233", reject="quota_exceeded")
    [answer] = send(devino_mock, msg(recipient="79161112233", sender="DEVINO"))
    assert (answer["code"], answer["sms_id"]) == ("207", "0")


def test_each_message_is_independent_and_answered_in_order(devino_mock):
    answers = send(devino_mock, msg(id="1"), msg(id="x"), msg("", id="3"), msg(id="4"),
                   default='<default recipient="79031234567" sender="DEVINO"/>')
    assert [(a.get("id"), a["code"]) for a in answers] == [("1", "106"), ("x", "201"), ("3", "204"), ("4", "106")]
    assert len(devino_mock.messages()) == 2


def test_future_date_beg_is_scheduled_100_in_moscow_time(devino_mock):
    now = datetime.fromisoformat(devino_mock.now().replace("Z", "+00:00"))
    begin = (now + timedelta(hours=2)).astimezone(MSK).replace(tzinfo=None, microsecond=0)
    [answer] = send(devino_mock, msg(recipient="79031234567", sender="DEVINO", date_beg=begin.strftime("%Y-%m-%dT%H:%M:%S")))
    assert answer["code"] == "100"
    message = devino_mock.message(answer["sms_id"])
    assert datetime.fromisoformat(message["send_at"].replace("Z", "+00:00")) == begin.replace(tzinfo=MSK)
    assert status(devino_mock, msg("", sms_id=answer["sms_id"]))[0]["code"] == "100"
    devino_mock.advance(2 * 3600 + 1)
    assert status(devino_mock, msg("", sms_id=answer["sms_id"]))[0]["code"] == "101"


def test_date_beg_with_an_explicit_offset(devino_mock):
    now = datetime.fromisoformat(devino_mock.now().replace("Z", "+00:00"))
    begin = (now + timedelta(hours=1)).replace(microsecond=0)
    [answer] = send(devino_mock, msg(recipient="79031234567", sender="DEVINO", date_beg=begin.strftime("%Y-%m-%dT%H:%M:%SZ")))
    assert devino_mock.message(answer["sms_id"])["send_at"] == begin.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def test_date_end_passed_before_sending_expires_without_sending(devino_mock):
    now = datetime.fromisoformat(devino_mock.now().replace("Z", "+00:00"))
    begin = (now + timedelta(hours=2)).astimezone(MSK).strftime("%Y-%m-%dT%H:%M")
    end = (now + timedelta(hours=1)).astimezone(MSK).strftime("%Y-%m-%dT%H:%M")
    [answer] = send(devino_mock, msg(recipient="79031234567", sender="DEVINO", date_beg=begin, date_end=end))
    assert answer["code"] == "100"
    devino_mock.advance(3 * 3600)
    [queried] = status(devino_mock, msg("", sms_id=answer["sms_id"]))
    assert queried["code"] == "103"
    assert [h["status"] for h in devino_mock.message(answer["sms_id"])["history"]] == [-2, 46]


def test_date_end_limits_the_lifetime(devino_mock):
    now = datetime.fromisoformat(devino_mock.now().replace("Z", "+00:00"))
    end = (now + timedelta(hours=5)).replace(microsecond=0)
    [answer] = send(devino_mock, msg(recipient="79990000003", sender="DEVINO", date_end=end.strftime("%Y-%m-%dT%H:%M:%S+00:00")))
    message = devino_mock.message(answer["sms_id"])
    assert abs(datetime.fromisoformat(message["expires_at"].replace("Z", "+00:00")) - end) < timedelta(seconds=1)


def test_request_content_type_is_not_checked_and_paths_are_lenient(devino_mock):
    data = package('<message><msg recipient="79031234567" sender="DEVINO">a</msg></message>')
    for path, content_type in [("Send.ashx", "application/json"), ("send.ashx", "text/plain"), ("/SEND.ASHX/", "")]:
        response = post(devino_mock, path, data, headers={"Content-Type": content_type})
        assert ">106</msg>" in response.text
    assert len(devino_mock.messages(transport="xml")) == 3


def test_windows_1251_document_declared_in_the_xml_declaration(devino_mock):
    data = ('<?xml version="1.0" encoding="windows-1251"?><package login="test_login" password="test123">'
            '<message><msg recipient="79031234567" sender="DEVINO">Привет &amp; пока</msg></message></package>').encode("cp1251")
    response = post(devino_mock, "Send.ashx", data)
    assert ">106</msg>" in response.text
    assert devino_mock.messages()[0]["text"] == "Привет & пока"


def test_combined_package_answers_sections_in_document_order(devino_mock):
    [first] = send(devino_mock, msg(recipient="79031234567", sender="DEVINO", id="7"))
    body = ('<status><msg id="7"/></status><incoming/><message><msg recipient="79161234567" sender="DEVINO">b</msg></message>'
            '<unknown><msg id="1"/></unknown>')
    for endpoint in ("Send.ashx", "Statistics.ashx"):
        response = post(devino_mock, endpoint, package(body))
        assert response.text.startswith(f'{DECLARATION}\n<package><status><msg id="7" sms_id="{first["sms_id"]}" sms_count="1">')
        assert response.text.endswith('</msg></message></package>') and "<unknown" not in response.text
