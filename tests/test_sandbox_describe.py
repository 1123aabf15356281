"""The emulator described for people and machines (mock-interface.md §14): OpenAPI for every
control call, Prometheus metrics, demo traffic, and the web UI's files."""

from __future__ import annotations

import requests
from prometheus_client.parser import text_string_to_metric_families

from devino_mock.server import Emulator

V2 = {"Login": "test_login", "Password": "test123", "SourceAddress": "DEVINO", "Data": "hello"}


def test_openapi_documents_every_control_call(devino_mock):
    document = requests.get(f"{devino_mock.url}/_mock/openapi.json").json()
    assert document["openapi"].startswith("3.") and document["x-undocumented"] == []
    documented = {(verb.upper(), path) for path, operations in document["paths"].items() for verb in operations}
    for method, path, summary in Emulator().control.routes():
        path = path.replace("{path*}", "{path}")
        assert (("GET" if method == "*" else method), path) in documented, (method, path)
        assert summary
    index = requests.get(f"{devino_mock.url}/_mock/").json()
    assert len(index) == len(Emulator().control.routes())
    operation = document["paths"]["/_mock/messages"]["get"]
    assert {"wait", "count", "q", "status"} <= {p["name"] for p in operation["parameters"]}
    assert document["paths"]["/_mock/faults"]["post"]["requestBody"]["content"]["application/json"]["schema"]["required"] == ["surface", "kind"]


def test_a_control_call_added_without_description_is_reported():
    emulator = Emulator()

    async def nothing(call):
        return None

    emulator.control.add("GET", "/secret", nothing, "undocumented on purpose")
    from devino_mock.control.openapi import document
    assert document(emulator.control)["x-undocumented"] == ["GET /_mock/secret"]


def samples(text: str) -> dict:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def test_metrics_count_messages_callbacks_and_requests(devino_mock):
    # Request counters only grow (a reset does not take them back): compare before and after.
    before = samples(requests.get(f"{devino_mock.url}/_mock/metrics").text)
    requests.post(f"{devino_mock.rest_url}/v2/Sms/Send", data={**V2, "DestinationAddress": "79161234567"})
    requests.post(f"{devino_mock.rest_url}/v2/Sms/Send", data={**V2, "DestinationAddress": "79990000042"})
    requests.post(f"{devino_mock.rest_url}/v2/Sms/Send", data={**V2, "DestinationAddress": ""})
    devino_mock.advance(5)
    response = requests.get(f"{devino_mock.url}/_mock/metrics")
    assert response.headers["Content-Type"].startswith("text/plain")
    found = samples(response.text)
    assert found[("devino_mock_messages", (("channel", "sms"), ("status", "delivered"), ("transport", "rest_v2")))] == 1
    assert sum(v for (n, labels), v in found.items() if n == "devino_mock_messages") == 2

    def grew(name, *labels):
        key = (name, tuple(sorted(labels)))
        return found.get(key, 0) - before.get(key, 0)

    assert grew("devino_mock_requests_total", ("status", "200"), ("surface", "rest_v2")) == 2
    assert grew("devino_mock_requests_total", ("status", "400"), ("surface", "rest_v2")) == 1
    assert grew("devino_mock_request_seconds_count", ("surface", "rest_v2")) == 3


def test_generate_makes_reproducible_traffic_on_every_channel(devino_mock):
    def run():
        devino_mock.reset()
        answer = requests.post(f"{devino_mock.url}/_mock/generate", json={"seed": 42, "messages": 40, "accounts": 3})
        assert answer.status_code == 201, answer.text
        return answer.json(), devino_mock.messages()

    first, messages = run()
    again, messages_again = run()
    assert first["accounts"] == again["accounts"] and len(first["accounts"]) == 3
    assert [(m["destination"], m["text"]) for m in messages] == [(m["destination"], m["text"]) for m in messages_again]
    assert {m["channel"] for m in messages} == {"sms", "viber", "email"} and first["messages"] == 40
    assert any("а" <= c <= "я" for m in messages for c in m["text"])  # Russian texts
    assert all(m["transport"] == "demo" for m in messages)
    assert first["replies"] == len(devino_mock.incoming_messages())
    for bad in ({"messages": 0}, {"messages": 10**6}, {"seed": "x"}, {"colour": 1}):
        assert requests.post(f"{devino_mock.url}/_mock/generate", json=bad).status_code == 400


def test_root_redirects_to_the_ui_served_from_the_package(devino_mock):
    response = requests.get(f"{devino_mock.url}/", allow_redirects=False)
    assert response.status_code == 302 and response.headers["Location"] == "/_mock/ui/"
    page = requests.get(f"{devino_mock.url}/_mock/ui/")
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    for asset in ("app.js", "style.css"):
        assert requests.get(f"{devino_mock.url}/_mock/ui/{asset}").status_code == 200
    assert requests.get(f"{devino_mock.url}/_mock/ui/../server.py").status_code == 404
    assert "http://" not in page.text and "https://" not in page.text  # nothing from another host
