"""Shared pieces of the IMSI tests: a subscriber's SIM, SMS sent over REST v2, and the control
calls of the IMSI check (imsi.md §5.5)."""

from __future__ import annotations

import requests

NUMBER = "79169492211"
SIM, NEW_SIM = "250011234567890", "250019999999999"


def swap(devino_mock, number: str, imsi: str | None, login: str = "bank") -> requests.Response:
    return requests.post(f"{devino_mock.url}/_mock/imsi", json={"login": login, "number": number, "imsi": imsi})


def behave(devino_mock, behaviour: str, number: str = NUMBER, login: str = "bank") -> dict:
    """How the operator answers IMSI lookups for the subscriber from now on."""
    answer = requests.post(f"{devino_mock.url}/_mock/imsi",
                           json={"login": login, "number": number, "lookup_behaviour": behaviour})
    assert answer.status_code == 200, answer.text
    return answer.json()


def recheck(devino_mock, number: str = NUMBER, login: str = "bank") -> dict:
    answer = requests.post(f"{devino_mock.url}/_mock/imsi/recheck", json={"login": login, "number": number})
    assert answer.status_code == 200, answer.text
    return answer.json()


def send(devino_mock, number: str, text: str = "Your OTP 1234") -> str:
    response = requests.post(f"{devino_mock.rest_url}/v2/Sms/Send", data={
        "Login": "bank", "Password": "bank1", "SourceAddress": "BANK", "DestinationAddress": number, "Data": text})
    assert response.status_code == 200, response.text
    return response.json()[0]


def subscribers(devino_mock, login: str = "bank") -> dict[str, dict]:
    answer = requests.get(f"{devino_mock.url}/_mock/imsi", params={"login": login})
    assert answer.status_code == 200, answer.text
    return {s["number"]: s for s in answer.json()}


def freeze(devino_mock) -> None:
    """Nothing moves in real time between the steps: a lookup's delay passes only by advancing."""
    assert requests.post(f"{devino_mock.url}/_mock/clock/freeze").json()["frozen"] is True
