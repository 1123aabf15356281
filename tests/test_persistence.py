"""--data-dir (mock-interface.md §15): the state in SQLite survives SIGTERM and SIGKILL, a restart
continues where it stopped (scheduled statuses, pending callbacks, id sequences, the clock), and
a bad directory is one clear line. --max-messages caps the journal."""

from __future__ import annotations

import signal
import subprocess
import sys

import requests

from tests.support import FREE_PORTS as FREE, EmulatorProcess

V2 = {"Login": "keep", "Password": "keep1", "SourceAddress": "DEVINO", "Data": "persist me"}
FIXTURE_LOGIN = {"Login": "test_login", "Password": "test123"}  # an account a reset restores


def sms(url: str, number: str = "79161234567", **credentials: str) -> str:
    response = requests.post(f"{url}/rest/v2/Sms/Send", data={**V2, **credentials, "DestinationAddress": number})
    assert response.status_code == 200, response.text
    return response.json()[0]


def get(url: str, path: str, **params):
    return requests.get(f"{url}/_mock/{path}", params=params).json()


def test_a_restart_continues_where_it_stopped(tmp_path):
    data = str(tmp_path / "state")
    with EmulatorProcess(*FREE, "--data-dir", data) as first:
        url = first.url
        requests.post(f"{url}/_mock/accounts", json={"login": "keep", "password": "keep1", "balance": 10,
                                                      "callbacks": {"viber_status": "http://127.0.0.1:9/closed"}})
        requests.post(f"{url}/_mock/rules", json={"destination": "79161112233", "status": 42})
        delivered = sms(url)
        requests.post(f"{url}/_mock/clock/advance", json={"seconds": 3600})
        pending = sms(url, "79161112233")  # will end 42, still queued when the process stops
        viber = requests.post(f"{url}/send", auth=("keep", "keep1"), json={"messages": [{
            "subject": "DEVINO", "priority": "high", "validityPeriodSec": 3600, "type": "viber",
            "contentType": "text", "content": {"text": "hi"}, "address": "79990001105"}]}).json()
        provider_id = str(viber["messages"][0]["providerId"])
        requests.post(f"{url}/_mock/clock/advance", json={"seconds": 5})  # delivered: one failing callback
        [callback] = get(url, "callbacks")
        assert callback["state"] == "pending" and len(callback["attempts"]) == 1
        offset = get(url, "clock")["offset_seconds"]
        assert first.signal(signal.SIGTERM) == 0

    with EmulatorProcess(*FREE, "--data-dir", data) as second:
        url = second.url
        assert get(url, "accounts/keep")["balance"] == 7.0  # two SMS and one Viber message charged
        assert get(url, "accounts/keep")["callbacks"] == {"viber_status": "http://127.0.0.1:9/closed"}
        assert any(r.get("destination") == "79161112233" for r in get(url, "rules"))
        assert get(url, "clock")["offset_seconds"] >= offset
        assert get(url, f"messages/{delivered}")["status"] == 0
        assert get(url, f"messages/{provider_id}")["status"] == "delivered"
        assert [h["status"] for h in get(url, f"messages/{pending}")["history"]][-1] in (-2, -1, 42)
        requests.post(f"{url}/_mock/clock/advance", json={"seconds": 10})
        assert get(url, f"messages/{pending}")["status"] == 42  # the plan survived the restart
        [callback] = get(url, "callbacks")
        assert len(callback["attempts"]) >= 2  # the pending callback was tried again after the restart
        newer = sms(url, "79161234568")
        assert int(newer) > int(pending)  # ids never repeat


def test_an_answered_send_survives_sigkill(tmp_path):
    data = str(tmp_path / "state")
    with EmulatorProcess(*FREE, "--data-dir", data) as first:
        requests.post(f"{first.url}/_mock/accounts", json={"login": "keep", "password": "keep1"})
        ids = [sms(first.url, f"7916123456{n}") for n in range(5)]
        first.process.kill()
        first.process.wait(10)
    with EmulatorProcess(*FREE, "--data-dir", data) as second:
        assert [m["id"] for m in get(second.url, "messages", login="keep")] == ids


def test_reset_clears_the_database_too(tmp_path):
    data = str(tmp_path / "state")
    with EmulatorProcess(*FREE, "--data-dir", data) as first:
        requests.post(f"{first.url}/_mock/accounts", json={"login": "keep", "password": "keep1"})
        before = sms(first.url)
        requests.post(f"{first.url}/_mock/reset")
        after = sms(first.url, **FIXTURE_LOGIN)  # written to the database the reset started
    with EmulatorProcess(*FREE, "--data-dir", data) as second:
        assert [m["id"] for m in get(second.url, "messages")] == [after]
        assert "keep" not in [a["login"] for a in get(second.url, "accounts")]
        assert "test_login" in [a["login"] for a in get(second.url, "accounts")]
        assert int(sms(second.url, **FIXTURE_LOGIN)) > int(after) > int(before)  # ids never repeat across a reset
    # Each reset starts the next database file; the old one is gone once the new one is whole.
    assert sorted(p.name for p in (tmp_path / "state").iterdir() if "sqlite3" in p.name) == ["devino-mock.1.sqlite3"]


def test_a_restart_takes_the_newest_database_and_removes_the_others(tmp_path):
    data = tmp_path / "state"
    with EmulatorProcess(*FREE, "--data-dir", str(data)) as first:
        requests.post(f"{first.url}/_mock/accounts", json={"login": "keep", "password": "keep1"})
        sms(first.url)
    newest = data / "devino-mock.3.sqlite3"
    (data / "devino-mock.sqlite3").rename(newest)  # as if a process died right after its third reset
    (data / "devino-mock.sqlite3").write_bytes(b"an older generation, left behind")
    (data / "devino-mock.4.sqlite3.new").write_bytes(b"a reset that did not finish")
    with EmulatorProcess(*FREE, "--data-dir", str(data)) as second:
        assert len(get(second.url, "messages")) == 1
    assert sorted(p.name for p in data.iterdir() if "sqlite3" in p.name) == ["devino-mock.3.sqlite3"]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "devino_mock", *FREE, *args], capture_output=True, text=True,
                          timeout=30)


def test_a_directory_that_cannot_be_used_is_one_line(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    result = run("--data-dir", str(blocker / "sub"))
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "cannot use the data directory" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_database_that_cannot_be_read_is_one_line(tmp_path):
    (tmp_path / "devino-mock.sqlite3").write_bytes(b"this is not a database" * 100)
    result = run("--data-dir", str(tmp_path))
    assert result.returncode == 2 and "cannot use the data directory" in result.stderr
    assert "Traceback" not in result.stderr


def test_max_messages_drops_the_oldest(tmp_path):
    for store in ([], ["--data-dir", str(tmp_path / "state")]):
        with EmulatorProcess(*FREE, "--max-messages", "3", *store) as emulator:
            requests.post(f"{emulator.url}/_mock/accounts", json={"login": "keep", "password": "keep1"})
            ids = [sms(emulator.url, f"7916123456{n}") for n in range(5)]
            requests.post(f"{emulator.url}/_mock/clock/advance", json={"seconds": 10})
            assert [m["id"] for m in get(emulator.url, "messages")] == ids[2:]
            assert requests.get(f"{emulator.url}/_mock/messages/{ids[0]}").status_code == 404


def test_bad_max_messages_is_a_usage_error():
    result = run("--max-messages", "0")
    assert result.returncode == 2 and "must be at least 1" in result.stderr
