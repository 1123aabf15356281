"""GET /status/vk (vk.md §3, §6.4): the VK status on the virtual clock, statusAt in UTC, the error
texts of failed statuses, unknown and foreign ids, retention, the envelope codes."""

from __future__ import annotations

import pytest

from tests.vk_support import EXAMPLE, VkApi, request_to, stamp, utc, vk, vk_account  # noqa: F401


def _history(devino_mock, message_id):
    return [(step["status"], utc(step["at"])) for step in devino_mock.message(str(message_id))["history"]]


def test_an_ordinary_number_goes_enqueued_sent_delivered_read(vk, devino_mock):
    message_id = vk.send(request_to("79161234567"))
    seen = []
    for step in (0, 1, 2, 3):
        devino_mock.advance(step)
        result = vk.status(message_id)
        seen.append(result["status"])
        assert result["providerId"] == message_id and result["code"] == "ok"
        assert "error" not in result and "viberStatus" not in result and "smsStates" not in result
        status, at = _history(devino_mock, message_id)[-1]
        assert status == result["status"] and result["statusAt"] == stamp(at)  # UTC
    assert seen == ["enqueued", "sent", "delivered", "read"]
    times = [at for _, at in _history(devino_mock, message_id)]
    assert [(t - times[0]).total_seconds() for t in times] == [0, 1, 3, 6]


@pytest.mark.parametrize("phone,status,error,after", [
    ("79990001311", "undelivered", "Не доставлено", 3),
    ("79990001312", "failed", "Ошибка", 3),
    ("79990001313", "vp_expired", "Просрочено", 15),
    ("79990001315", "delivered", None, 3),  # and never read
])
def test_final_statuses_and_their_error_texts(vk, devino_mock, phone, status, error, after):
    message_id = vk.send(request_to(phone, viber=False, sms=False, validityPeriod=15))
    devino_mock.advance(after - 0.5)
    assert vk.status(message_id)["status"] != status
    devino_mock.advance(0.5)
    result = vk.status(message_id)
    assert result["status"] == status
    assert result.get("error") == error
    devino_mock.advance(60)
    assert vk.status(message_id) == result  # final: nothing changes any more


def test_failed_comes_straight_from_the_queue(vk, devino_mock):
    message_id = vk.send(request_to("79990001312", viber=False, sms=False))
    devino_mock.advance(10)
    assert [s for s, _ in _history(devino_mock, message_id)] == ["enqueued", "failed"]


def test_unknown_ids(vk, devino_mock):
    assert vk.status(3287014702114144256) == {"providerId": 3287014702114144256, "code": "unknown_message_id"}
    for not_an_id in ("abc", "12x", "-5", "99999999999999999999999"):
        assert vk.status(not_an_id) == {"code": "unknown_message_id"}


@pytest.mark.parametrize("query", ["", "?message=", "?message=%20", "?other=1"])
def test_missing_id_is_message_not_specified(vk, query):
    response = vk.session.get(vk.base_url + "/status/vk" + query)
    assert response.status_code == 200
    assert response.json() == {"code": "validation_error", "description": "message_not_specified"}


def test_another_accounts_message_and_an_sms_id_are_unknown(vk, devino_mock):
    message_id = vk.send(EXAMPLE)
    devino_mock.add_account("vk_other", "pw")
    other = VkApi(devino_mock.url, "vk_other", "pw")
    assert other.status(message_id) == {"providerId": message_id, "code": "unknown_message_id"}
    # An id of another channel is no VK message.
    chained = vk.send(request_to("79990001317", viber=False))
    devino_mock.advance(10)
    sms_id = vk.status(chained)["smsStates"][0]["id"]
    assert vk.status(sms_id) == {"providerId": sms_id, "code": "unknown_message_id"}


def test_messages_are_kept_five_days(vk, devino_mock):
    message_id = vk.send(EXAMPLE)
    devino_mock.advance(5 * 86400 - 60)
    assert vk.status(message_id)["status"] == "read"
    devino_mock.advance(61)
    assert vk.status(message_id) == {"providerId": message_id, "code": "unknown_message_id"}
