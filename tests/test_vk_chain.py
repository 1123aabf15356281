"""The chain VK -> Viber -> SMS (vk.md §6.1): linked messages in the journal (parent/fallback,
transport vk_fallback), viberStatus and smsStates as the stages appear, the documented example
walked on the virtual clock, the SMS stage in REST Sms/State, deliveryPolicy and the VK limits."""

from __future__ import annotations

import math
from collections import Counter

import requests

from tests.vk_support import LOGIN, PASSWORD, chain, to_moscow_morning, request_to, utc, vk, vk_account  # noqa: F401


def test_the_documented_example_chain_on_the_clock(vk, devino_mock, rest):
    message_id = vk.send(request_to("79990001312"))
    assert set(vk.status(message_id)) == {"providerId", "code", "status", "statusAt"}
    devino_mock.advance(2.9)
    assert vk.status(message_id)["status"] == "enqueued"  # failed comes straight from the queue
    devino_mock.advance(0.1)
    result = vk.status(message_id)
    assert result["status"] == "failed" and result["error"] == "Ошибка"
    assert result["viberStatus"]["status"] == "enqueued" and result["viberStatus"]["id"] == message_id
    assert "code" not in result["viberStatus"] and "smsStates" not in result
    devino_mock.advance(3)
    result = vk.status(message_id)
    assert result["status"] == "failed"  # keeps its failure value (vk.md §6.1)
    assert result["viberStatus"]["status"] == "undelivered" and result["viberStatus"]["code"] == "not-viber-user"
    [sms_state] = result["smsStates"]
    assert sms_state["status"] == "enqueued"
    devino_mock.advance(3)
    result = vk.status(message_id)
    assert result["smsStates"] == [{"id": sms_state["id"], "status": "delivered"}]

    vk_message, viber, sms = chain(devino_mock, message_id)
    assert [(m["channel"], m["transport"]) for m in (vk_message, viber, sms)] == \
        [("vk", "vk"), ("viber", "vk_fallback"), ("sms", "vk_fallback")]
    assert (vk_message["parent"], viber["parent"], sms["parent"]) == (None, vk_message["id"], viber["id"])
    assert (vk_message["fallback"], viber["fallback"], sms["fallback"]) == (viber["id"], sms["id"], None)
    assert (viber["source"], viber["text"], viber["extra"]["content_type"], viber["error"]) == \
        ("TEST", "text", "button", "not-viber-user")
    assert (sms["source"], sms["text"], sms["status_name"], int(sms["id"])) == \
        ("TESTSMS", "тест сообщения", "delivered", sms_state["id"])
    assert result["viberStatus"]["statusAt"] == utc(viber["history"][-1]["at"]).strftime("%Y-%m-%d %H:%M:%S")
    lifetimes = [(utc(m["expires_at"]) - utc(m["send_at"])).total_seconds() for m in (vk_message, viber, sms)]
    assert lifetimes == [180, 30, 60]  # vk.validityPeriod, viber.validityPeriodSec, sms.validityPeriod
    # The stages start when the previous one fails.
    assert utc(viber["created_at"]) == utc(vk_message["history"][-1]["at"])
    assert utc(sms["created_at"]) == utc(viber["history"][-1]["at"])
    assert {m["id"] for m in devino_mock.messages(transport="vk_fallback")} == {viber["id"], sms["id"]}
    # The SMS stage is an ordinary SMS: REST Sms/State shows it.
    state = requests.get(f"{rest}/v2/Sms/State", params={"Login": LOGIN, "Password": PASSWORD,
                                                         "messageId": sms["id"]}).json()
    assert state["State"] == 0 and state["StateDescription"] == "Доставлено абоненту"


def test_vk_to_viber_only(vk, devino_mock):
    message_id = vk.send(request_to("79990001311", sms=False))
    devino_mock.advance(20)
    result = vk.status(message_id)
    assert result["status"] == "undelivered" and result["viberStatus"]["status"] == "read"
    assert "smsStates" not in result and "code" not in result["viberStatus"]
    vk_message, viber = chain(devino_mock, message_id)
    assert viber["channel"] == "viber" and viber["fallback"] is None


def test_vk_to_sms_without_a_viber_object(vk, devino_mock):
    message_id = vk.send(request_to("79990001317", viber=False))
    devino_mock.advance(10)
    result = vk.status(message_id)
    assert "viberStatus" not in result and result["smsStates"][0]["status"] == "delivered"
    vk_message, sms = chain(devino_mock, message_id)
    assert (sms["channel"], sms["transport"], sms["parent"]) == ("sms", "vk_fallback", vk_message["id"])


def test_no_fallback_objects_no_stages(vk, devino_mock):
    message_id = vk.send(request_to("79990001312", viber=False, sms=False))
    devino_mock.advance(30)
    result = vk.status(message_id)
    assert result["status"] == "failed" and "viberStatus" not in result and "smsStates" not in result
    assert len(devino_mock.messages(login=LOGIN)) == 1


def test_a_delivered_vk_message_starts_no_stage(vk, devino_mock):
    message_id = vk.send(request_to("79161234567"))
    devino_mock.advance(60)
    assert vk.status(message_id)["status"] == "read"
    assert len(devino_mock.messages(login=LOGIN)) == 1


def test_vp_expired_chain_delivers_nothing(vk, devino_mock):
    message_id = vk.send(request_to("79990001313", validityPeriod=15))
    devino_mock.advance(15)
    result = vk.status(message_id)
    assert result["status"] == "vp_expired" and result["viberStatus"]["status"] == "enqueued"
    devino_mock.advance(30)  # viber validityPeriodSec 30
    result = vk.status(message_id)
    assert result["viberStatus"]["status"] == "vp_expired" and result["viberStatus"]["code"] == "error-vp-expired"
    assert result["smsStates"][0]["status"] == "enqueued"
    devino_mock.advance(1)
    assert vk.status(message_id)["smsStates"][0]["status"] == "sent"
    devino_mock.advance(60)  # sms validityPeriod 60
    assert vk.status(message_id)["smsStates"][0]["status"] == "undelivered"
    assert chain(devino_mock, message_id)[-1]["status_name"] == "expired"


def test_every_stage_fails(vk, devino_mock):
    message_id = vk.send(request_to("79990001314"))
    devino_mock.advance(30)
    result = vk.status(message_id)
    assert result["status"] == "failed"
    assert result["viberStatus"]["status"] == "failed"
    assert result["smsStates"][0]["status"] == "undelivered"
    assert chain(devino_mock, message_id)[-1]["status_name"] == "rejected_by_smsc"


def test_a_refused_viber_stage_shows_failed_and_hands_over_to_sms(vk, devino_mock):
    body = request_to("79990001312")
    body["viber"]["dstAddress"] = "79990001206"  # a Viber send refused: invalid destination
    message_id = vk.send(body)
    devino_mock.advance(3)
    result = vk.status(message_id)
    assert result["viberStatus"] == {"id": message_id, "status": "failed", "statusAt": result["statusAt"],
                                     "code": "error-address-format"}
    vk_message, sms = chain(devino_mock, message_id)
    assert vk_message["extra"]["fallback_error"] == "invalid_destination"
    assert sms["channel"] == "sms" and sms["parent"] == vk_message["id"]
    assert [m["channel"] for m in devino_mock.messages(login=LOGIN)] == ["vk", "sms"]


def test_stages_go_to_their_own_dst_address_and_a_long_sms_has_consecutive_ids(vk, devino_mock):
    body = request_to("79990001317", viber=False)
    body["sms"]["dstAddress"] = "+79161234567"
    body["sms"]["text"] = "длинное сообщение " * 10  # 180 UCS-2 characters: 3 segments
    message_id = vk.send(body)
    devino_mock.advance(10)
    states = vk.status(message_id)["smsStates"]
    assert [s["id"] - states[0]["id"] for s in states] == [0, 1, 2]
    assert {s["status"] for s in states} == {"delivered"}
    assert chain(devino_mock, message_id)[-1]["destination"] == "79161234567"


def test_delivery_policy_mobile_device_required(vk, devino_mock):
    strict = vk.send(request_to("79990001316", viber=False, sms=False, deliveryPolicy="mobile_device_required"))
    lenient = vk.send(request_to("79990001316", viber=False, sms=False))
    devino_mock.advance(10)
    result = vk.status(strict)
    assert result["status"] == "undelivered" and "мобильного приложения" in result["error"]
    assert vk.status(lenient)["status"] == "read"


def test_five_a_day_per_phone_and_subject(vk, devino_mock):
    to_moscow_morning(devino_mock)
    ids = [vk.send(request_to("79161234567", viber=False)) for _ in range(6)]
    other_subject = request_to("79161234567", viber=False)
    other_subject["vk"]["subject"] = "OTHER"
    ids.append(vk.send(other_subject))
    devino_mock.advance(1)
    results = [vk.status(i) for i in ids]
    assert [r["status"] for r in results] == ["sent"] * 5 + ["failed", "sent"]
    assert results[5]["error"] == "Превышен лимит уведомлений" and "smsStates" in results[5]
    seventh = vk.send(request_to("79161234567", viber=False))
    devino_mock.advance(1)
    assert vk.status(seventh)["status"] == "failed"  # and so on, all day
    devino_mock.advance(23 * 3600)  # the next Moscow day
    fresh = vk.send(request_to("79161234567", viber=False))
    devino_mock.advance(10)
    assert vk.status(fresh)["status"] == "read"


def test_at_most_fifty_a_second_per_subject(vk, devino_mock):
    ids = [vk.send(request_to(f"7916{n:07d}", viber=False, sms=False)) for n in range(101)]
    other = request_to("79260000000", viber=False, sms=False)
    other["vk"]["subject"] = "OTHER"
    other_id = vk.send(other)
    devino_mock.advance(10)
    sent_at = {}
    for message in devino_mock.messages(channel="vk"):
        [at] = [utc(s["at"]) for s in message["history"] if s["status"] == "sent"]
        sent_at[int(message["id"])] = at
    per_second = Counter(math.floor(sent_at[i].timestamp()) for i in ids)
    assert sum(per_second.values()) == 101 and max(per_second.values()) <= 50 and len(per_second) >= 3
    # Another VK group is not held back by this one's queue.
    created = utc(devino_mock.message(str(other_id))["created_at"])
    assert (sent_at[other_id] - created).total_seconds() == 1


def test_viber_validity_period_wins_over_validity_period_sec(vk, devino_mock):
    body = request_to("79990001311", sms=False)
    body["viber"].update({"validityPeriod": 20, "validityPeriodSec": 5000})
    message_id = vk.send(body)
    devino_mock.advance(3)
    viber = chain(devino_mock, message_id)[1]
    assert (utc(viber["expires_at"]) - utc(viber["send_at"])).total_seconds() == 20
