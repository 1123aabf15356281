"""The Viber HTTP API (viber.md): /send and /status with requests, Basic auth, every request-
and message-level code, the state machine on the virtual clock and the SMS fallback."""

from __future__ import annotations

import pytest
import requests

AUTH = ("test_login", "test123")


def base_message(**fields):
    message = {"subject": "DEVINO", "priority": "high", "validityPeriodSec": 3600, "comment": "c", "type": "viber",
               "contentType": "text", "content": {"text": "Message text"}, "address": "79250000000"}
    message.update(fields)
    return message


def send(devino_mock, *messages, auth=AUTH, **top):
    body = {"resendSms": "false", "messages": list(messages), **top}
    return requests.post(f"{devino_mock.url}/send", json=body, auth=auth)


def status(devino_mock, *ids, auth=AUTH):
    return requests.post(f"{devino_mock.url}/status", json={"messages": list(ids)}, auth=auth)


def provider_id(devino_mock, **fields):
    answer = send(devino_mock, base_message(**fields), resendSms=fields.pop("_resend", "false")).json()
    assert answer["status"] == "ok" and answer["messages"][0]["code"] == "ok", answer
    return answer["messages"][0]["providerId"]


def test_documented_text_example_is_accepted_with_a_19_digit_provider_id(devino_mock):
    documented = {"resendSms": "true", "messages": [{
        "subject": "Subject", "priority": "high", "validityPeriodSec": 3600, "comment": "comment", "type": "viber",
        "contentType": "text", "content": {"text": "Message text"}, "address": "79250000000",
        "smsText": "1sms Message text", "smsSrcAddress": "1TEST", "smsValidityPeriodSec": 5000}]}
    response = requests.post(f"{devino_mock.url}/send/", json=documented, auth=AUTH)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("application/json")
    answer = response.json()
    assert answer["status"] == "ok" and answer["messages"][0]["code"] == "ok"
    assert isinstance(answer["messages"][0]["providerId"], int) and len(str(answer["messages"][0]["providerId"])) == 19
    [message] = devino_mock.messages(channel="viber")
    assert (message["transport"], message["source"], message["destination"], message["status"]) == \
        ("viber_api", "Subject", "79250000000", "enqueued")


def test_status_moves_enqueued_sent_delivered_read_on_the_clock(devino_mock):
    pid = provider_id(devino_mock)
    seen = []
    for _ in range(4):
        entry = status(devino_mock, pid).json()["messages"][0]
        seen.append(entry["status"])
        assert entry["code"] == "ok" and entry["providerId"] == pid and len(entry["statusAt"]) == 19
        devino_mock.advance(3)
    assert seen == ["enqueued", "delivered", "read", "read"][:1] + seen[1:] and seen[0] == "enqueued"
    assert seen[-1] == "read"
    history = [h["status"] for h in devino_mock.message(str(pid))["history"]]
    assert history == ["enqueued", "sent", "delivered", "read"]


def test_several_messages_with_common_data_merge_content_key_by_key(devino_mock):
    body = {"resendSms": "false", "commonData": {
        "subject": "Subject", "priority": "high", "validityPeriodSec": 3600, "comment": "comment", "type": "viber",
        "contentType": "button", "content": {"text": "text", "caption": "caption",
                                             "action": "http://company.com/resource",
                                             "imageUrl": "http://company.com/image.jpg"}},
        "messages": [{"address": "79250000001"},
                     {"priority": "low", "content": {"text": "Message text"}, "address": "79250000002"}]}
    answer = requests.post(f"{devino_mock.url}/send", json=body, auth=AUTH).json()
    assert [m["code"] for m in answer["messages"]] == ["ok", "ok"]
    first, second = devino_mock.messages(channel="viber")
    assert first["text"] == "text" and second["text"] == "Message text"
    assert second["extra"]["content"]["caption"] == "caption" and second["extra"]["priority"] == "low"


def test_image_message_has_no_text_and_accepts_the_image_alias(devino_mock):
    answer = send(devino_mock, base_message(contentType="image", content={"image": "http://x/i.jpg"})).json()
    assert answer["messages"][0]["code"] == "ok"
    assert devino_mock.messages(channel="viber")[0]["extra"]["content"] == {"imageUrl": "http://x/i.jpg"}


@pytest.mark.parametrize("fields, code", [
    ({"subject": ""}, "error-subject-not-specified"),
    ({"subject": "TWELVE_CHARS"}, "error-subject-format"),
    ({"subject": 5}, "error-subject-format"),
    ({"address": None}, "error-address-not-specified"),
    ({"address": "7925abc0000"}, "error-address-format"),
    ({"address": "123"}, "error-address-format"),
    ({"priority": "urgent"}, "error-priority-format"),
    ({"priority": None}, "error-priority-format"),
    ({"comment": 5}, "error-comment-format"),
    ({"type": None}, "error-instant-message-type-not-specified"),
    ({"type": "sms"}, "error-instant-message-type-format"),
    ({"contentType": "video"}, "error-content-type-format"),
    ({"content": None}, "error-content-not-specified"),
    ({"contentType": "button", "content": {"text": "hello"}}, "error-content-not-specified"),
    ({"content": {"text": "x"}}, "error-content-type-format"),
    ({"content": {"text": "x" * 1001}}, "error-content-type-format"),
    ({"content": {"text": 5}}, "error-content-type-format"),
    ({"contentType": "button", "content": {"text": "hi", "caption": "c" * 31, "action": "http://a"}},
     "error-content-type-format"),
    ({"validityPeriodSec": 29}, "error-validity-period-seconds-format"),
    ({"validityPeriodSec": 86401}, "error-validity-period-seconds-format"),
    ({"validityPeriodSec": "soon"}, "error-validity-period-seconds-format"),
    ({"validityPeriodSec": None}, "error-validity-period-seconds-format"),
    ({"smsText": "fallback"}, "error-resend-sms-error"),
])
def test_every_message_level_code(devino_mock, fields, code):
    answer = send(devino_mock, base_message(**fields)).json()
    assert answer == {"status": "ok", "messages": [{"code": code}]}
    assert devino_mock.messages() == [] and devino_mock.account("test_login")["balance"] == 1000.0


@pytest.mark.parametrize("fields, code", [
    ({"contentType": "image", "content": {"imageUrl": "http://x/i.jpg"}, "smsText": "t", "smsSrcAddress": "SRC"},
     "error-resend-sms-error"),
    ({"smsSrcAddress": "SRC"}, "error-resend-sms-error"),
    ({"smsText": "t"}, "error-resend-sms-error"),
    ({"smsText": "t", "smsSrcAddress": "TOO-LONG-SOURCE"}, "error-subject-format"),
    ({"smsText": "t", "smsSrcAddress": "SRC", "smsValidityPeriodSec": 59}, "error-resend-sms-validity-period-error"),
    ({"smsText": "t", "smsSrcAddress": "SRC", "smsValidityPeriodSec": "x"}, "error-resend-sms-validity-period-error"),
])
def test_resend_codes(devino_mock, fields, code):
    answer = send(devino_mock, base_message(**fields), resendSms=True).json()
    assert answer["messages"] == [{"code": code}]


def test_partial_acceptance_keeps_request_order(devino_mock):
    answer = send(devino_mock, base_message(), base_message(address="x"), base_message(address="79250000003")).json()
    assert [m["code"] for m in answer["messages"]] == ["ok", "error-address-format", "ok"]
    assert "providerId" not in answer["messages"][1]
    assert [m["destination"] for m in devino_mock.messages(channel="viber")] == ["79250000000", "79250000003"]


@pytest.mark.parametrize("body", [b"not json", b"[1]", b'{"messages": 5}', b'{"x": 1}',
                                  b'{"messages": [], "resendSms": "maybe"}', b"[" * 100_000])
def test_request_level_syntax_errors(devino_mock, body):
    response = requests.post(f"{devino_mock.url}/send", data=body, auth=AUTH)
    assert response.status_code == 200 and response.json() == {"status": "error-syntax", "messages": []}


def test_more_than_100_messages_is_a_syntax_error(devino_mock):
    answer = send(devino_mock, *[base_message() for _ in range(101)]).json()
    assert answer == {"status": "error-syntax", "messages": []} and devino_mock.messages() == []


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer x"}, {"Authorization": "Basic !!!"},
                                     {"Authorization": "Basic dGVzdF9sb2dpbjp3cm9uZw=="}])
def test_auth_failures_answer_401_with_error_auth(devino_mock, headers):
    response = requests.post(f"{devino_mock.url}/send", json={"messages": [base_message()]}, headers=headers)
    assert response.status_code == 401
    body = response.json()
    assert body["status"] == "error-auth" and body["error"] == "Unauthorized" and body["path"] == "/send"
    assert isinstance(body["timestamp"], int) and "WWW-Authenticate" not in response.headers


def test_locked_account(devino_mock):
    devino_mock.add_account("locked", "locked1", enabled=False)
    answer = send(devino_mock, base_message(), auth=("locked", "locked1")).json()
    assert answer == {"status": "error-account-locked", "messages": []}


def test_get_is_not_allowed(devino_mock):
    assert requests.get(f"{devino_mock.url}/send", auth=AUTH).status_code == 405


def test_subject_must_be_registered_when_the_account_has_a_list(devino_mock):
    answer = send(devino_mock, base_message(subject="OTHER"), auth=("senders", "senders1")).json()
    assert answer["messages"] == [{"code": "error-subject-unknown"}]


def test_status_codes_for_ids(devino_mock):
    pid = provider_id(devino_mock)
    other = requests.post(f"{devino_mock.url}/send", json={"messages": [base_message()]},
                          auth=("test", "11111")).json()["messages"][0]["providerId"]
    answer = status(devino_mock, pid, str(pid), "abc", 1, other).json()
    assert answer["status"] == "ok"
    assert [m["code"] for m in answer["messages"]] == [
        "ok", "error-instant-message-provider-id-duplicate", "error-instant-message-provider-id-format",
        "error-instant-message-provider-id-unknown", "error-instant-message-provider-id-unknown"]
    assert answer["messages"][2] == {"providerId": "abc", "code": "error-instant-message-provider-id-format"}
    assert status(devino_mock, *range(1, 102)).json() == {"status": "error-syntax", "messages": []}


def test_status_is_kept_five_days(devino_mock):
    pid = provider_id(devino_mock)
    devino_mock.advance(5 * 86400 - 60)
    assert status(devino_mock, pid).json()["messages"][0]["code"] == "ok"
    devino_mock.advance(120)
    assert status(devino_mock, pid).json()["messages"][0]["code"] == "error-instant-message-provider-id-unknown"


@pytest.mark.parametrize("number, final, error", [
    ("79990001101", "undelivered", "not-viber-user"),
    ("79990001102", "undelivered", "user-blocked"),
    ("79990001103", "failed", "unknown-error"),
    ("79990001105", "delivered", None),
    ("79990001108", "undelivered", "no-suitable-device"),
])
def test_magic_numbers(devino_mock, number, final, error):
    pid = provider_id(devino_mock, address=number)
    devino_mock.advance(60)
    entry = status(devino_mock, pid).json()["messages"][0]
    assert entry["status"] == final and entry.get("errorCode") == error and entry.get("error") == error
    assert "smsStates" not in entry


def test_never_reported_message_expires_with_its_validity(devino_mock):
    pid = provider_id(devino_mock, address="79990001104", validityPeriodSec=30)
    devino_mock.advance(29)
    assert status(devino_mock, pid).json()["messages"][0]["status"] == "sent"
    devino_mock.advance(2)
    entry = status(devino_mock, pid).json()["messages"][0]
    assert entry["status"] == "vp_expired" and entry["errorCode"] == "error-vp-expired"


def test_visited_only_for_a_button(devino_mock):
    button = provider_id(devino_mock, address="79990001106", contentType="button",
                         content={"text": "hi", "caption": "go", "action": "http://a"})
    text = provider_id(devino_mock, address="79990001106")
    devino_mock.advance(60)
    assert [m["status"] for m in status(devino_mock, button, text).json()["messages"]] == ["visited", "read"]


def test_undelivered_message_falls_back_to_sms_visible_on_every_sms_front_end(devino_mock):
    pid = provider_id(devino_mock, address="79990001101", smsText="Привет по SMS", smsSrcAddress="DEVINO",
                      smsValidityPeriodSec=600, _resend="true")
    devino_mock.advance(60)
    entry = status(devino_mock, pid).json()["messages"][0]
    assert entry["status"] == "undelivered" and entry["errorCode"] == "not-viber-user"
    [state] = entry["smsStates"]
    assert state["status"] == "delivered" and len(str(state["id"])) == 18
    viber_message = devino_mock.message(str(pid))
    sms = devino_mock.message(str(state["id"]))
    assert viber_message["fallback"] == sms["id"] and sms["parent"] == str(pid)
    assert (sms["channel"], sms["transport"], sms["text"], sms["source"]) == ("sms", "viber_fallback", "Привет по SMS", "DEVINO")
    assert devino_mock.account("test_login")["balance"] == 998.0  # one Viber message, one SMS segment
    rest_state = requests.get(f"{devino_mock.rest_url}/v2/Sms/State", params={
        "login": "test_login", "password": "test123", "messageId": sms["id"]}).json()
    assert rest_state["State"] == 0


def test_fallback_sms_follows_sms_rules(devino_mock):
    pid = provider_id(devino_mock, address="79990001107", smsText="t", smsSrcAddress="DEVINO", _resend=True)
    devino_mock.advance(60)
    entry = status(devino_mock, pid).json()["messages"][0]
    assert entry["smsStates"][0]["status"] == "undelivered"
    assert devino_mock.message(str(entry["smsStates"][0]["id"]))["status"] == 42


def test_long_fallback_sms_has_a_state_per_segment_with_consecutive_ids(devino_mock):
    pid = provider_id(devino_mock, address="79990001101", smsText="Ж" * 100, smsSrcAddress="DEVINO", _resend=True)
    devino_mock.advance(60)
    ids = [s["id"] for s in status(devino_mock, pid).json()["messages"][0]["smsStates"]]
    assert len(ids) == 2 and ids[1] == ids[0] + 1


def test_no_fallback_when_delivered_or_without_resend(devino_mock):
    delivered = provider_id(devino_mock, smsText="t", smsSrcAddress="DEVINO", _resend=True)
    plain = provider_id(devino_mock, address="79990001101")
    devino_mock.advance(60)
    assert all("smsStates" not in m for m in status(devino_mock, delivered, plain).json()["messages"])
    assert devino_mock.messages(channel="sms") == []


def test_top_level_sms_fields_of_the_telminov_client(devino_mock):
    body = {"resendSms": True, "smsText": "top", "smsSrcAddress": "DEVINO", "smsValidityPeriodSec": 600,
            "messages": [base_message(address="79990001101", priority="normal")]}
    assert requests.post(f"{devino_mock.url}/send", json=body, auth=AUTH).json()["messages"][0]["code"] == "ok"
    devino_mock.advance(60)
    assert devino_mock.messages(channel="sms")[0]["text"] == "top"


@pytest.mark.parametrize("number, code, balance", [
    ("79990001205", "not-permitted", 1000.0), ("79990001206", "error-address-format", 1000.0),
    ("79990001207", "not-permitted", 1000.0), ("79990001209", "error-system", 1000.0)])
def test_rejecting_magic_numbers_cost_nothing(devino_mock, number, code, balance):
    assert send(devino_mock, base_message(address=number)).json()["messages"] == [{"code": code}]
    assert devino_mock.account("test_login")["balance"] == balance and devino_mock.messages() == []


def test_poor_account_is_not_permitted(devino_mock):
    assert send(devino_mock, base_message(), auth=("poor", "poor1")).json()["messages"] == [{"code": "not-permitted"}]
