"""Shared pieces of the VK API tests: an account, a client that speaks /send/vk and /status/vk
with Basic auth, and the documented request (vk.md §2.5) to vary."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone

import pytest
import requests

LOGIN, PASSWORD = "vk_client", "vk-secret"

# The documented request (vk.md §2.5), to any phone.
EXAMPLE = {
    "vk": {"subject": "TEST", "priority": "high", "routes": ["vk"], "validityPeriod": 180, "phone": "79999999999",
           "templateId": "123456", "templateData": {"param1": "value1", "param2": "value2"}},
    "viber": {"subject": "TEST", "priority": "high", "validityPeriodSec": 30, "type": "viber", "comment": "comment",
              "contentType": "button", "text": "text", "caption": "caption", "action": "http://company.com/resource",
              "imageUrl": "http://company.com/image.jpg", "dstAddress": "79999999999"},
    "sms": {"srcAddress": "TESTSMS", "text": "тест сообщения", "validityPeriod": 60, "dstAddress": "79999999999"},
}


def request_to(phone: str, viber: bool = True, sms: bool = True, **vk_fields) -> dict:
    """The documented request to `phone` (every stage), with or without its fallback objects."""
    body = copy.deepcopy(EXAMPLE)
    body["vk"]["phone"] = phone
    body["vk"].update(vk_fields)
    body["viber"]["dstAddress"] = body["sms"]["dstAddress"] = phone
    if not viber:
        del body["viber"]
    if not sms:
        del body["sms"]
    return body


class VkApi:
    def __init__(self, base_url: str, login: str = LOGIN, password: str = PASSWORD) -> None:
        self.base_url = base_url
        self.session = requests.Session()
        self.session.auth = (login, password)

    def post(self, body=None, raw: bytes | str | None = None, **kwargs) -> requests.Response:
        if raw is not None:
            return self.session.post(f"{self.base_url}/send/vk", data=raw, **kwargs)
        return self.session.post(f"{self.base_url}/send/vk", json=body, **kwargs)

    def send(self, body: dict) -> int:
        """The messageId of an accepted request."""
        response = self.post(body)
        assert response.status_code == 200, response.text
        answer = response.json()
        assert answer["code"] == "ok" and answer["result"]["code"] == "ok", answer
        return answer["result"]["messageId"]

    def result_code(self, body: dict) -> str:
        response = self.post(body)
        assert response.status_code == 200, response.text
        answer = response.json()
        assert answer["code"] == "ok" and answer["description"] == "", answer
        return answer["result"]["code"]

    def status_response(self, message: object) -> requests.Response:
        return self.session.get(f"{self.base_url}/status/vk", params={"message": message})

    def status(self, message_id: int) -> dict:
        response = self.status_response(message_id)
        assert response.status_code == 200, response.text
        answer = response.json()
        assert answer["code"] == "ok" and answer["description"] == "", answer
        return answer["result"]


@pytest.fixture
def vk_account(devino_mock):
    return devino_mock.add_account(LOGIN, PASSWORD, balance="1000.00")


@pytest.fixture
def vk(devino_mock, vk_account) -> VkApi:
    api = VkApi(devino_mock.url)
    yield api
    api.session.close()


def utc(iso: str) -> datetime:
    """An instant of the control API (`2024-01-01T10:00:00.123Z`)."""
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


def stamp(instant: datetime, hours: int = 0) -> str:
    """`yyyy-MM-dd HH:mm:ss` of an instant, in UTC or UTC+hours."""
    return instant.astimezone(timezone(timedelta(hours=hours))).strftime("%Y-%m-%d %H:%M:%S")


def chain(devino_mock, message_id: int) -> list[dict]:
    """The journal's messages of a chain, VK first, following the fallback links."""
    items = [devino_mock.message(str(message_id))]
    while items[-1]["fallback"]:
        items.append(devino_mock.message(items[-1]["fallback"]))
    return items


def to_moscow_morning(devino_mock):
    """Move the clock to 01:00 Moscow time, far from a day's end."""
    now = datetime.fromisoformat(devino_mock.now().replace("Z", "+00:00")).astimezone(timezone(timedelta(hours=3)))
    target = (now + timedelta(days=1)).replace(hour=1, minute=0, second=0, microsecond=0)
    devino_mock.advance((target - now).total_seconds())
