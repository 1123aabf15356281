"""The control API `/_mock/` (mock-interface.md §4) over HTTP and through the Python client."""

import requests
import pytest

from devino_mock import __version__
from devino_mock.client import MockApiError, MockClient

V2 = {"Login": "test_login", "Password": "test123", "SourceAddress": "DEVINO", "Data": "hello"}


def send(devino_mock, number="79161234567", **extra):
    response = requests.post(f"{devino_mock.rest_url}/v2/Sms/Send", data={**V2, "DestinationAddress": number, **extra})
    assert response.status_code == 200
    return response.json()


def test_health_reports_every_port(devino_mock):
    health = requests.get(f"{devino_mock.url}/_mock/health").json()
    assert health["status"] == "ok" and health["version"] == __version__
    assert set(health["ports"]) == {"http", "smpp", "smtp", "ftp"}
    assert health["ports"] == devino_mock.ports


def test_messages_have_the_documented_fields_and_filters(devino_mock):
    send(devino_mock)
    send(devino_mock, "79990000042")
    devino_mock.advance(5)
    items = devino_mock.messages()
    assert [m["destination"] for m in items] == ["79161234567", "79990000042"]
    for field in ("id", "channel", "transport", "login", "source", "destination", "text", "segments", "status", "created_at"):
        assert field in items[0]
    assert items[0]["created_at"].endswith("Z")
    assert [m["destination"] for m in devino_mock.messages(status="delivered")] == ["79161234567"]
    assert [m["destination"] for m in devino_mock.messages(status=42)] == ["79990000042"]
    assert devino_mock.messages(transport="rest_v2", channel="sms", login="test_login", source="DEVINO", destination="+79161234567")[0]["status"] == 0
    assert devino_mock.messages(transport="soap") == []
    assert items[0]["history"][-1]["status"] == 0 and [h["status"] for h in items[0]["history"]] == [-2, -1, 0]


def test_planned_statuses_are_visible_before_they_happen(devino_mock):
    [message_id] = send(devino_mock)
    message = devino_mock.message(message_id)
    assert [p["status"] for p in message["planned"]] == [-1, 0]


def test_clock_advance_answers_with_now(devino_mock):
    before = devino_mock.now()
    after = requests.post(f"{devino_mock.url}/_mock/clock/advance", json={"seconds": 3600}).json()["now"]
    assert after > before and after[:13] != before[:13]


@pytest.mark.parametrize("body", [{}, {"seconds": -1}, {"seconds": "x"}, {"seconds": 1e20}])
def test_clock_advance_rejects_bad_input(devino_mock, body):
    response = requests.post(f"{devino_mock.url}/_mock/clock/advance", json=body)
    assert response.status_code == 400 and "error" in response.json()


def test_reset_forgets_everything_and_restores_fixtures(devino_mock):
    send(devino_mock)
    devino_mock.add_account("extra", "extra1", balance=5)
    devino_mock.add_rule(destination="79161234567", status=42)
    devino_mock.incoming(login="test_login", source="79260000000", destination="79160000000", text="in")
    devino_mock.advance(86400)
    devino_mock.reset()
    assert devino_mock.messages() == [] and devino_mock.incoming_messages() == []
    assert "extra" not in [a["login"] for a in devino_mock.accounts()]
    assert devino_mock.account("test_login")["balance"] == 1000.0
    assert all("description" in r for r in devino_mock.rules())  # only fixture rules left
    assert abs(requests.get(f"{devino_mock.url}/_mock/clock").json()["offset_seconds"]) < 1


def test_accounts_create_replace_and_validate(devino_mock):
    created = requests.post(f"{devino_mock.url}/_mock/accounts", json={"login": "acme", "password": "pw", "balance": 10, "senders": ["ACME"]})
    assert created.status_code == 201 and created.json()["senders"] == ["ACME"]
    devino_mock.add_account("acme", "pw2", balance=3)
    assert devino_mock.account("acme")["password"] == "pw2" and devino_mock.account("acme")["balance"] == 3.0
    for bad in ({"password": "x"}, {"login": "x"}, {"login": "x", "password": "y", "balance": "lots"}, {"login": "x", "password": "y", "senders": "A"}):
        response = requests.post(f"{devino_mock.url}/_mock/accounts", json=bad)
        assert response.status_code == 400, bad
    assert requests.post(f"{devino_mock.url}/_mock/accounts", data="{not json").status_code == 400
    assert requests.get(f"{devino_mock.url}/_mock/accounts/nobody").status_code == 404


def test_incoming_validation(devino_mock):
    response = requests.post(f"{devino_mock.url}/_mock/incoming", json={"login": "test_login", "text": "x"})
    assert response.status_code == 400 and "source" in response.json()["error"]
    unknown = requests.post(f"{devino_mock.url}/_mock/incoming", json={"login": "nobody", "source": "1", "destination": "2", "text": "x"})
    assert unknown.status_code == 404


def test_set_status_validation(devino_mock):
    [message_id] = send(devino_mock)
    assert requests.post(f"{devino_mock.url}/_mock/messages/{message_id}/status", json={"status": 12345}).status_code == 400
    assert requests.post(f"{devino_mock.url}/_mock/messages/1/status", json={"status": 0}).status_code == 404
    delayed = devino_mock.set_status(message_id, 42, after=60)
    assert delayed["status"] == -2 and delayed["planned"][0]["status"] == 42
    devino_mock.advance(61)
    assert devino_mock.message(message_id)["status"] == 42


def test_rules_validation(devino_mock):
    for bad in ({"status": 0}, {"destination": "1", "reject": "nope"}, {"destination": "1", "status": 5}, {"destination": "1", "submit_delay": -1}):
        assert requests.post(f"{devino_mock.url}/_mock/rules", json=bad).status_code == 400, bad


def test_rule_by_glob_and_sender(devino_mock):
    devino_mock.add_rule(destination="7916*", source="PROMO", status="rejected")
    [promo] = send(devino_mock, SourceAddress="PROMO")
    [other] = send(devino_mock, SourceAddress="DEVINO")
    devino_mock.advance(5)
    assert devino_mock.message(promo)["status"] == 69 and devino_mock.message(other)["status"] == 0


def test_unknown_control_call_is_404_json(devino_mock):
    response = requests.get(f"{devino_mock.url}/_mock/nothing")
    assert response.status_code == 404 and "error" in response.json()


def test_client_raises_with_status_and_body(devino_mock):
    with pytest.raises(MockApiError) as caught:
        MockClient(devino_mock.url).message("nope")
    assert caught.value.status == 404


def test_unknown_top_level_path_is_404(devino_mock):
    assert requests.get(f"{devino_mock.url}/nowhere").status_code == 404


def test_channels_and_surfaces_are_listed_for_people_and_rules(devino_mock):
    channels = {c["name"]: c for c in requests.get(f"{devino_mock.url}/_mock/channels").json()}
    assert sorted(channels) == ["email", "hlr", "sms", "viber", "vk"]
    sms = {s["name"]: s for s in channels["sms"]["statuses"]}
    assert sms["delivered"] == {"name": "delivered", "code": 0, "text": "Доставлено абоненту", "final": True}
    assert sms["queued"]["final"] is False and channels["sms"]["initial"] == "queued"
    viber = {s["name"]: s for s in channels["viber"]["statuses"]}
    assert viber["read"]["code"] is None and "not-viber-user" in channels["viber"]["errors"]
    surfaces = requests.get(f"{devino_mock.url}/_mock/surfaces").json()
    assert {"rest", "rest_v2", "soap", "smpp", "smtp", "ftp", "callbacks"} <= set(surfaces)
    # What a fault may target is exactly this list.
    refused = requests.post(f"{devino_mock.url}/_mock/faults", json={"surface": "nowhere", "kind": "error"})
    assert refused.status_code == 400 and refused.json()["error"] == f"'surface' must be one of {surfaces}"


def test_a_fault_on_the_http_surface_hits_requests_to_no_known_path(devino_mock):
    fault = requests.post(f"{devino_mock.url}/_mock/faults", json={"surface": "http", "kind": "error", "status": 502,
                                                                   "count": 1})
    assert fault.status_code == 201, fault.text
    assert requests.get(f"{devino_mock.url}/no/such/path").status_code == 502
    assert requests.get(f"{devino_mock.url}/no/such/path").status_code == 404
    assert len(send(devino_mock)) == 1  # other surfaces are untouched
