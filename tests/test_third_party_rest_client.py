"""sw-python-sms-devino (a real third-party REST v1 client), used exactly as its users use it."""

import pytest
from sms_devino.client import DevinoClient, DevinoException


@pytest.fixture
def client(devino_mock):
    return DevinoClient("test_login", "test123", url=devino_mock.rest_url)


def test_balance(client):
    assert client.get_balance() == 1000.0


def test_send_one_and_state(client, devino_mock):
    result = client.send_one("DEVINO", "79161234567", "Привет из devino-mock")
    assert result.address == "79161234567" and len(result.sms_ids) == 1
    devino_mock.advance(5)
    state = client.get_state(result.sms_ids[0])
    assert state.code == 0 and state.description == "Доставлено абоненту"
    assert state.price == 1
    assert state.creation_dt is not None and state.submitted_dt is not None and state.reported_dt is not None


def test_send_bulk_splits_ids_per_recipient(client, devino_mock):
    numbers = ["79161234567", "79031234567", "79261234567"]
    results = client.send_bulk("DEVINO", numbers, "x" * 200)
    assert [r.address for r in results] == numbers
    assert all(len(r.sms_ids) == 2 for r in results)
    assert [r.sms_ids for r in results] == [m["ids"] for m in devino_mock.messages()]


def test_errors_come_back_as_devino_exceptions(client):
    with pytest.raises(DevinoException) as caught:
        client.send_one("DEVINO", "not-a-number", "x")
    assert caught.value.http_status == 400
    assert (caught.value.error.code, caught.value.error.description) == (6, "Invalid destination address")


def test_wrong_password(devino_mock):
    with pytest.raises(DevinoException) as caught:
        DevinoClient("test_login", "wrong", url=devino_mock.rest_url).get_balance()
    assert caught.value.http_status == 401 and caught.value.error.code == 4
