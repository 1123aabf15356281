"""POST /send/vk (vk.md §2, §6.3, §6.5): the documented request and response, Basic auth and its
401, invalid JSON, every message validation code in the suggested order, leniency."""

from __future__ import annotations

import base64
import copy
import json

import pytest
import requests

from tests.vk_support import EXAMPLE, LOGIN, PASSWORD, VkApi, request_to, utc, vk, vk_account  # noqa: F401


def test_documented_request_is_queued_with_a_full_precision_id(vk, devino_mock):
    response = vk.post(EXAMPLE)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json;charset=UTF-8"
    answer = response.json()
    message_id = answer["result"]["messageId"]
    assert answer == {"code": "ok", "description": "", "result": {"code": "ok", "messageId": message_id}}
    assert isinstance(message_id, int) and len(str(message_id)) == 19 and message_id < 2**63
    assert f'"messageId": {message_id}' in response.text  # a JSON number, not rounded to a double
    message = devino_mock.message(str(message_id))
    assert (message["channel"], message["transport"], message["source"], message["destination"]) == \
        ("vk", "vk", "TEST", "79999999999")
    assert message["status"] == "enqueued" and message["parent"] is None and message["fallback"] is None
    assert message["text"] == "template 123456: #param1#=value1, #param2#=value2"
    assert message["extra"]["delivery_policy"] == "any" and message["extra"]["routes"] == ["vk"]
    assert message["extra"]["priority"] == "high" and message["extra"]["template_id"] == 123456
    assert (utc(message["expires_at"]) - utc(message["send_at"])).total_seconds() == 180
    assert devino_mock.account(LOGIN)["balance"] == 999.0
    # Only the VK message exists until the VK stage fails.
    assert [m["channel"] for m in devino_mock.messages(login=LOGIN)] == ["vk"]


def test_ids_are_unique_and_increasing(vk):
    first, second = vk.send(EXAMPLE), vk.send(request_to("79161234567"))
    assert second > first


@pytest.mark.parametrize("header", [
    None,
    "Bearer abc",
    "Basic !!!not-base64!!!",
    "Basic " + base64.b64encode(b"no-colon").decode(),
    "Basic " + base64.b64encode(f"{LOGIN}:wrong".encode()).decode(),
    "Basic " + base64.b64encode(b"nobody:x").decode(),
])
def test_missing_or_wrong_credentials_get_401_login_not_specified(vk_account, devino_mock, header):
    headers = {"Authorization": header} if header else {}
    for method, path in (("POST", "/send/vk"), ("GET", "/status/vk?message=1")):
        response = requests.request(method, devino_mock.url + path, json=EXAMPLE, headers=headers)
        assert response.status_code == 401
        assert response.headers["Content-Type"] == "application/json;charset=UTF-8"
        body = response.json()
        assert body["code"] == "validation_error" and body["description"] == "login_not_specified"
        assert body["status"] == 401 and body["error"] == "Unauthorized" and body["message"] == "Unauthorized"
        assert body["path"] == path.split("?")[0] and isinstance(body["timestamp"], int)
    assert devino_mock.messages(channel="vk") == []


def test_basic_scheme_in_any_case_and_disabled_account(vk_account, devino_mock):
    token = base64.b64encode(f"{LOGIN}:{PASSWORD}".encode()).decode()
    response = requests.post(devino_mock.url + "/send/vk", json=EXAMPLE, headers={"Authorization": "bAsIc " + token})
    assert response.json()["result"]["code"] == "ok"
    devino_mock.add_account(LOGIN, PASSWORD, enabled=False)
    response = requests.post(devino_mock.url + "/send/vk", json=EXAMPLE, headers={"Authorization": "Basic " + token})
    assert response.status_code == 401 and response.json()["description"] == "login_not_specified"


@pytest.mark.parametrize("raw", [b"{", b"", b"not json", b"\xff\xfe{}", b'{"vk": }'])
def test_invalid_json(vk, raw):
    response = vk.post(raw=raw, headers={"Content-Type": "application/json"})
    assert response.status_code == 200
    assert response.json() == {"code": "validation_error", "description": "invalid_json"}


@pytest.mark.parametrize("body", [{}, [], [EXAMPLE], {"vk": None}, {"vk": "x"}, {"vk": []}, {"sms": EXAMPLE["sms"]}, 5])
def test_no_vk_object_is_messages_not_specified(vk, devino_mock, body):
    response = vk.post(raw=json.dumps(body))
    assert response.json() == {"code": "validation_error", "description": "messages_not_specified"}
    assert devino_mock.messages(channel="vk") == []


def test_json_is_read_whatever_the_content_type_and_with_a_trailing_slash(vk):
    response = vk.session.post(vk.base_url + "/send/vk/", data=json.dumps(EXAMPLE).encode(),
                               headers={"Content-Type": "text/plain"})
    assert response.json()["result"]["code"] == "ok"


def test_other_methods_get_405(vk):
    for method in ("GET", "PUT", "DELETE"):
        response = vk.session.request(method, vk.base_url + "/send/vk")
        assert response.status_code == 405 and response.headers["Allow"] == "POST"
    response = vk.session.post(vk.base_url + "/status/vk", params={"message": 1})
    assert response.status_code == 405 and response.headers["Allow"] == "GET"


def _vary(section: str, field: str, value):
    body = copy.deepcopy(EXAMPLE)
    if value is _DROP:
        del body[section][field]
    else:
        body[section][field] = value
    return body


_DROP = object()
VALIDATION = [
    ("vk", "subject", _DROP, "subject_not_specified"),
    ("vk", "subject", "", "subject_not_specified"),
    ("vk", "subject", "TWELVE_CHARS", "subject_invalid"),
    ("vk", "subject", 5, "subject_invalid"),
    ("vk", "priority", _DROP, "priority_not_specified"),
    ("vk", "priority", "urgent", "priority_invalid"),
    ("vk", "priority", 1, "priority_invalid"),
    ("vk", "routes", _DROP, "routes_not_specified"),
    ("vk", "routes", [], "routes_not_specified"),
    ("vk", "routes", ["sms"], "routes_invalid"),
    ("vk", "routes", ["vk", "vk"], "routes_invalid"),
    ("vk", "routes", "vk", "routes_invalid"),
    ("vk", "validityPeriod", _DROP, "vp_invalid"),
    ("vk", "validityPeriod", 14, "vp_invalid"),
    ("vk", "validityPeriod", 86401, "vp_invalid"),
    ("vk", "validityPeriod", "abc", "vp_invalid"),
    ("vk", "validityPeriod", 15.5, "vp_invalid"),
    ("vk", "phone", _DROP, "phone_not_specified"),
    ("vk", "phone", "", "phone_not_specified"),
    ("vk", "phone", "7999", "phone_invalid"),
    ("vk", "phone", "+7 (999) 999-99-99", "phone_invalid"),
    ("vk", "phone", "7999999999912345", "phone_invalid"),
    ("vk", "templateId", _DROP, "text_not_specified"),
    ("vk", "templateId", "12ab", "text_invalid"),
    ("vk", "templateId", 0, "text_invalid"),
    ("vk", "templateData", _DROP, "text_invalid"),
    ("vk", "templateData", "param1=value1", "text_invalid"),
    ("viber", "subject", _DROP, "subject_not_specified"),
    ("viber", "subject", "TWELVE_CHARS", "subject_invalid"),
    ("viber", "priority", _DROP, "priority_not_specified"),
    ("viber", "priority", "top", "priority_invalid"),
    ("viber", "validityPeriodSec", _DROP, "vp_invalid"),
    ("viber", "validityPeriodSec", 14, "vp_invalid"),
    ("viber", "validityPeriodSec", 86401, "vp_invalid"),
    ("viber", "dstAddress", _DROP, "phone_not_specified"),
    ("viber", "dstAddress", "12", "phone_invalid"),
    ("viber", "text", _DROP, "text_not_specified"),
    ("viber", "caption", _DROP, "text_not_specified"),
    ("viber", "action", "", "text_not_specified"),
    ("viber", "type", "sms", "text_invalid"),
    ("viber", "type", _DROP, "text_invalid"),
    ("viber", "contentType", "video", "text_invalid"),
    ("viber", "text", "x", "text_invalid"),
    ("viber", "text", "x" * 1001, "text_invalid"),
    ("viber", "caption", "c" * 31, "text_invalid"),
    ("sms", "text", _DROP, "sms_text_not_specified"),
    ("sms", "srcAddress", _DROP, "sms_subject_not_specified"),
    ("sms", "validityPeriod", _DROP, "sms_validity_period_not_specified"),
    ("sms", "validityPeriod", 59, "invalid_sms_validity_period"),
    ("sms", "validityPeriod", 86401, "invalid_sms_validity_period"),
    ("sms", "validityPeriod", "soon", "invalid_sms_validity_period"),
    ("sms", "dstAddress", _DROP, "phone_not_specified"),
    ("sms", "dstAddress", "abc", "phone_invalid"),
]


@pytest.mark.parametrize("section,field,value,code", VALIDATION,
                         ids=[f"{s}.{f}={'drop' if v is _DROP else v!r:.20}" for s, f, v, _ in VALIDATION])
def test_every_message_validation_code(vk, devino_mock, section, field, value, code):
    assert vk.result_code(_vary(section, field, value)) == code
    assert devino_mock.messages(login=LOGIN) == []
    assert devino_mock.account(LOGIN)["balance"] == 1000.0  # all or nothing: nothing charged


def test_first_failing_check_wins_in_the_documented_order(vk):
    body = copy.deepcopy(EXAMPLE)
    for field in ("subject", "priority", "routes", "validityPeriod", "phone", "templateId"):
        body["vk"][field] = None
    body["viber"]["subject"] = None
    body["sms"]["text"] = None
    expected = ["subject_not_specified", "priority_not_specified", "routes_not_specified", "vp_invalid",
                "phone_not_specified", "text_not_specified"]
    for field, code in zip(("subject", "priority", "routes", "validityPeriod", "phone", "templateId"), expected):
        assert vk.result_code(body) == code
        body["vk"][field] = EXAMPLE["vk"][field]
    assert vk.result_code(body) == "subject_not_specified"  # the viber section before the sms section
    body["viber"]["subject"] = "TEST"
    assert vk.result_code(body) == "sms_text_not_specified"


def test_image_needs_no_text_and_image_without_url_is_not_specified(vk):
    body = copy.deepcopy(EXAMPLE)
    body["viber"] = {k: v for k, v in body["viber"].items() if k not in ("text", "caption", "action")}
    body["viber"]["contentType"] = "image"
    assert vk.result_code(body) == "ok"
    del body["viber"]["imageUrl"]
    assert vk.result_code(body) == "text_not_specified"


def test_lenient_spellings_are_accepted(vk, devino_mock):
    body = copy.deepcopy(EXAMPLE)
    body["vk"].update({"templateId": 123456, "validityPeriod": "600", "priority": "normal", "routes": ["OK", "vk"],
                       "phone": "+79999999999", "deliveryPolicy": "whatever"})
    message = devino_mock.message(str(vk.send(body)))
    assert message["destination"] == "79999999999"
    assert message["extra"]["priority"] == "medium" and message["extra"]["routes"] == ["ok", "vk"]
    assert message["extra"]["delivery_policy"] == "any"  # unknown: the documented default
    assert (utc(message["expires_at"]) - utc(message["send_at"])).total_seconds() == 600
    # Both fallback objects are optional.
    assert vk.result_code({"vk": EXAMPLE["vk"]}) == "ok"


def test_subject_must_be_one_of_the_accounts_senders_when_it_has_a_list(devino_mock):
    devino_mock.add_account("vk_groups", "pw", senders=["MYGROUP", "TESTSMS", "TEST"])
    api = VkApi(devino_mock.url, "vk_groups", "pw")
    assert api.result_code(request_to("79161234567")) == "ok"
    body = request_to("79161234567")
    body["vk"]["subject"] = "OTHER"
    assert api.result_code(body) == "subject_invalid"
    body = request_to("79161234567")
    body["viber"]["subject"] = "OTHER"
    assert api.result_code(body) == "subject_invalid"


def test_not_enough_credits(devino_mock):
    devino_mock.add_account("vk_poor", "pw", balance="0.50")
    api = VkApi(devino_mock.url, "vk_poor", "pw")
    assert api.result_code(EXAMPLE) == "not-enough-credits"
    assert devino_mock.messages(login="vk_poor") == []


@pytest.mark.parametrize("phone,answer", [
    ("79990001405", {"code": "ok", "description": "", "result": {"code": "not-enough-credits"}}),
    ("79990001406", {"code": "ok", "description": "", "result": {"code": "phone_invalid"}}),
    ("79990001408", {"code": "system_error", "description": "Ошибка шлюза"}),
    ("79990001409", {"code": "system_error", "description": "Внутренняя ошибка сервера"}),
    ("79990001429", {"code": "queue_full", "description": "login_send_queue_overflow"}),
])
def test_magic_numbers_refuse_the_send(vk, devino_mock, phone, answer):
    response = vk.post(request_to(phone))
    assert response.status_code == 200 and response.json() == answer
    assert devino_mock.messages(login=LOGIN) == []


def test_a_vk_rule_from_the_control_api_refuses_too(vk, devino_mock):
    devino_mock.add_rule(channel="vk", destination="79161112233", reject="quota_exceeded")
    assert vk.post(request_to("79161112233")).json()["code"] == "queue_full"
    assert vk.result_code(request_to("79161112234")) == "ok"
