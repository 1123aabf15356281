"""--data-dir and what belongs to one account (mock-interface.md §13, §15): the per-surface
arrangements (SMPP, SMTP, XML API) survive a restart like the rest of the state, and a scoped
reset stays done after one: what it forgot does not come back and the work it dropped (a
campaign half sent, an import half written) does not resume, while the other account's does."""

from __future__ import annotations

import re
import smtplib

import pytest
import requests
import smpplib.exceptions

from tests.email_http_helpers import LETTER, SENDER, book, email, group_with
from tests.smpp_support import SmpplibEsme
from tests.smtp_helpers import smtp
from tests.test_persistence_services import freeze, started, stopped
from tests.test_smtp_email_api import FROM, TO, letter

ALICE, BOB = ("alice", "alice1"), ("bob", "bob1")
RANGE = {"Range": "items=1-100"}
NUMBER = "79169492211"
SIM = "250011234567890"


def options(mock, surface: str, login: str, **values) -> dict:
    url = f"{mock.url}/_mock/{surface}/accounts/{login}"
    answer = requests.post(url, json=values) if values else requests.get(url)
    assert answer.status_code == 200, answer.text
    return answer.json()


def accounts(mock, **fields) -> None:
    for login, password in (ALICE, BOB):
        mock.add_account(login, password, **fields)


def restarted_twice(tmp_path, arrange, check_kept, check_reset) -> None:
    """Arrange for alice and bob, restart (after SIGKILL: what was answered is durable), check
    both kept; reset alice alone, restart, check hers gone and bob's kept."""
    data = tmp_path / "state"
    first, mock = started(data)
    with first:
        accounts(mock)
        arrange(mock)
        stopped(first, kill=True)
    second, mock = started(data)
    with second:
        check_kept(mock, "alice")
        check_kept(mock, "bob")
        mock.reset(login="alice")
        stopped(second)
    third, mock = started(data)
    with third:
        check_reset(mock, "alice")
        check_kept(mock, "bob")
        stopped(third)


def test_smpp_options_survive_a_restart(tmp_path):
    def bind_status(mock, login: str) -> int:
        esme = SmpplibEsme(mock.ports["smpp"])
        try:
            esme.bind("transceiver", login, dict((ALICE, BOB))[login])
            return 0
        except smpplib.exceptions.PDUError as exc:
            return exc.args[1]
        finally:
            esme.close()

    def arrange(mock):
        for login in ("alice", "bob"):
            options(mock, "smpp", login, enabled=False, throttle=2.5, max_sessions=3)

    def kept(mock, login):
        assert options(mock, "smpp", login) == {"login": login, "enabled": False, "throttle": 2.5, "max_sessions": 3}
        assert bind_status(mock, login) == 0x0D  # ESME_RBINDFAIL: SMPP is off for the account

    def reset(mock, login):
        assert options(mock, "smpp", login) == {"login": login, "enabled": True, "throttle": 0.0, "max_sessions": None}
        assert bind_status(mock, login) == 0

    restarted_twice(tmp_path, arrange, kept, reset)


def test_smtp_options_survive_a_restart(tmp_path):
    def sends(mock, login: str) -> bool:
        with smtp(mock) as client:
            client.ehlo("client.example.com")
            client.login(login, dict((ALICE, BOB))[login])
            try:
                client.sendmail(FROM, [TO], letter())
                return True
            except smtplib.SMTPSenderRefused as refused:
                assert refused.smtp_code == 554
                return False

    def arrange(mock):
        for login in ("alice", "bob"):
            options(mock, "smtp", login, allowed_ips=["10.0.0.0/8"], bounced=["x@example.com"])

    def kept(mock, login):
        assert options(mock, "smtp", login) == {"login": login, "allowed_ips": ["10.0.0.0/8"], "unsubscribed": [],
                                                "bounced": ["x@example.com"]}
        assert not sends(mock, login)  # 127.0.0.1 is not on the allow-list

    def reset(mock, login):
        assert options(mock, "smtp", login) == {"login": login, "allowed_ips": [], "unsubscribed": [], "bounced": []}
        assert sends(mock, login)

    restarted_twice(tmp_path, arrange, kept, reset)


def test_xml_api_options_survive_a_restart(tmp_path):
    def answer(mock, login: str) -> str:
        body = (f'<?xml version="1.0" encoding="utf-8"?><package login="{login}" password="{dict((ALICE, BOB))[login]}">'
                '<message><msg id="1" recipient="79161234567" sender="MYSHOP" type="0">Hi</msg></message></package>')
        [(_, code)] = re.findall(r'<msg id="(\d+)"[^>]*>(\d+)</msg>', requests.post(f"{mock.url}/Send.ashx", data=body).text)
        return code

    def arrange(mock):
        for login in ("alice", "bob"):
            options(mock, "xml", login, success_code=1)

    def kept(mock, login):
        assert options(mock, "xml", login) == {"login": login, "unique_ids": False, "success_code": 1}
        assert answer(mock, login) == "1"

    def reset(mock, login):
        assert options(mock, "xml", login) == {"login": login, "unique_ids": False, "success_code": 106}
        assert answer(mock, login) == "106"

    restarted_twice(tmp_path, arrange, kept, reset)


def test_a_scoped_reset_is_kept_over_a_restart_and_its_dropped_work_never_resumes(tmp_path):
    data = tmp_path / "state"
    import_path = "ContactsImport/A1B2C3D4-0000-0000-0000-000000000001/Progress"
    first, mock = started(data)
    with first:
        freeze(mock)
        for login, password in (ALICE, BOB):
            mock.add_account(login, password, api_key=f"key-{login}", twofa={"fixed_code": "17565"},
                             imsi={NUMBER: SIM}, imsi_check={"enabled": True})
        groups, tasks = {}, {}
        for auth in (ALICE, BOB):
            groups[auth[0]] = group_with(mock, [f"u{i}@{auth[0]}.example" for i in range(300)], auth=auth)
            email(mock, "POST", "Templates", auth=auth, json={
                "Name": "t", "Sender": {"Address": SENDER}, "Subject": "s", "Body": {"Html": LETTER}}).raise_for_status()
            requests.post(f"{mock.url}/_mock/imsi/recheck", json={"login": auth[0], "number": NUMBER}).raise_for_status()
            answer = requests.post(f"{mock.url}/GenerateCode", json={"DestinationNumber": NUMBER},
                                   headers={"X-ApiKey": f"key-{auth[0]}"})
            assert answer.json()["Code"] == "0"
        for auth in (ALICE, BOB):
            book(mock, "POST", "ContactsImport", auth=auth, json={
                "ContactGroupId": groups[auth[0]], "ImportId": "A1B2C3D4-0000-0000-0000-000000000001",
                "Contacts": [{"Email": f"bulk{i}@{auth[0]}.example"} for i in range(3000)]}).raise_for_status()
            answer = email(mock, "POST", "Tasks", auth=auth, json={
                "Name": "spring", "Sender": {"Address": SENDER}, "Subject": "Hello", "Text": LETTER,
                "ContactGroups": [{"Id": groups[auth[0]], "Included": True}]})
            tasks[auth[0]] = answer.json()["Result"]["TaskId"]
            email(mock, "PUT", f"Tasks/{tasks[auth[0]]}/State", auth=auth, json={"State": "created"}).raise_for_status()
        mock.advance(1)  # campaigns and imports a third of the way
        mock.reset(login="alice")
        stopped(first, kill=True)

    second, mock = started(data)
    with second:
        mock.advance(60)  # whatever was due of either account would run now
        assert mock.messages(login="alice") == []
        assert book(mock, "GET", "ContactGroups", auth=ALICE).json()["Result"] == []
        assert book(mock, "GET", import_path, auth=ALICE).status_code == 404
        assert email(mock, "GET", "Tasks", auth=ALICE, headers=RANGE).json()["Result"] == []
        assert email(mock, "GET", "Templates", auth=ALICE).json()["Result"] == []
        assert requests.get(f"{mock.url}/_mock/twofa/codes/{NUMBER}", params={"login": "alice"}).status_code == 404
        assert requests.get(f"{mock.url}/_mock/imsi", params={"login": "alice"}).json()[0]["reference_imsi"] is None

        letters = mock.messages(login="bob", transport="email_task")
        assert sorted(m["destination"] for m in letters) == sorted(f"u{i}@bob.example" for i in range(300))
        assert email(mock, "GET", f"Tasks/{tasks['bob']}", auth=BOB).json()["Result"]["State"] == "Finished"
        assert book(mock, "GET", import_path, auth=BOB).json()["Result"] == {"Uploaded": 3000, "Processed": 3000}
        assert len(email(mock, "GET", "Templates", auth=BOB).json()["Result"]) == 1
        assert requests.get(f"{mock.url}/_mock/twofa/codes/{NUMBER}", params={"login": "bob"}).status_code == 200
        assert requests.get(f"{mock.url}/_mock/imsi", params={"login": "bob"}).json()[0]["reference_imsi"] == SIM
        stopped(second)


@pytest.mark.parametrize("login", ["alice", "a:b1", 'we"ird\\'])
def test_imsi_references_of_an_older_data_directory_are_carried_over(tmp_path, login):
    """Before they were keyed records, references were values `imsi:reference:<login>:<number>`;
    the schema migration moves them (and drops the short-lived 2FA values)."""
    import json
    import sqlite3

    from devino_mock.core.store.sqlite import SqliteStore, _migrations

    db = sqlite3.connect(tmp_path / "devino-mock.sqlite3")
    for number, script in _migrations():
        if number <= 2:
            db.executescript(script)
    db.execute("PRAGMA user_version = 2")
    db.executemany("INSERT INTO kv (key, value) VALUES (?, ?)", [
        (f"imsi:reference:{login}:{NUMBER}", json.dumps(SIM)), (f"imsi:reference:{login}:79160000001", "null"),
        ("twofa:code:key:79160000001", json.dumps({"code": "1"})), ("twofa:calls:generate:key", "[1.0]"),
        ("clock_offset", "5.0")])
    db.commit()
    db.close()
    store = SqliteStore(tmp_path)
    references = {(r.login, r.number): r.reference for r in store.records("imsi.subscriber")}
    assert references == {(login, NUMBER): SIM, (login, "79160000001"): None}
    carried = store.get("imsi.subscriber", f"{login}:{NUMBER}")
    assert (carried.reference, carried.status, carried.requests) == (SIM, "reference_set", [])
    assert store._values == {"clock_offset": 5.0}
    store.close()
