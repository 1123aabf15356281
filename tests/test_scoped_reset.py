"""A scoped reset (mock-interface.md §13: `POST /_mock/reset {"login": L}`) forgets everything of
account L and nothing of any other: for each kind of per-account state, two accounts make it
over the real protocol, one is reset, and its state is gone over the same protocol (and work it
had due on the clock does not run) while the other's is intact."""

from __future__ import annotations

import re

import requests
import smpplib.gsm

from tests.email_http_helpers import LETTER, SENDER, book, email, group_with
from tests.smpp_support import SmpplibEsme, smpplib_esme
from tests.smtp_helpers import smtp
from tests.test_smtp_email_api import FROM, TO, letter

ALICE, BOB = ("alice", "alice1"), ("bob", "bob1")  # passwords SMPP does not cut (8 octets at most)
RANGE = {"Range": "items=1-100"}
NUMBER = "79169492211"


def two_accounts(mock, **fields) -> None:
    for login, password in (ALICE, BOB):
        extra = {k: (v(login) if callable(v) else v) for k, v in fields.items()}
        mock.add_account(login, password, **extra)


def reset_alice(mock) -> None:
    assert mock.reset(login="alice")["login"] == "alice"


# --- the address book ----------------------------------------------------------------------------

def test_groups_contacts_imports_and_the_unsubscribed_list(devino_mock):
    two_accounts(devino_mock)
    groups, contacts = {}, {}
    for auth in (ALICE, BOB):
        login = auth[0]
        groups[login] = book(devino_mock, "POST", "ContactGroups", auth=auth, json={"Name": "g"}).json()["Result"]
        contacts[login] = book(devino_mock, "POST", "Contacts", auth=auth, json={
            "Email": f"single@{login}.example", "ContactGroupId": groups[login]}).json()["Result"]
        answer = book(devino_mock, "POST", "ContactsImport", auth=auth, json={
            "ContactGroupId": groups[login], "ImportId": "A1B2C3D4-0000-0000-0000-000000000001",
            "Contacts": [{"Email": f"bulk{i}@{login}.example"} for i in range(3000)]})
        assert answer.status_code == 201, answer.text
        requests.post(f"{devino_mock.url}/_mock/addressbook/unsubscribed",
                      json={"login": login, "email": f"gone@{login}.example"}).raise_for_status()
    devino_mock.advance(1)  # a thousand contacts a second: a third of each import is written
    reset_alice(devino_mock)
    devino_mock.advance(10)  # the rest of bob's import; nothing of alice's

    def found(auth, address: str) -> list:
        return book(devino_mock, "GET", "Contacts", auth=auth, params={"Query": address}, headers=RANGE).json()["Result"]

    assert book(devino_mock, "GET", "ContactGroups", auth=ALICE).json()["Result"] == []
    assert book(devino_mock, "GET", f"Contacts/{contacts['alice']}", auth=ALICE).status_code == 404
    assert found(ALICE, "single@alice.example") == [] and found(ALICE, "bulk2999@alice.example") == []
    progress = "ContactsImport/A1B2C3D4-0000-0000-0000-000000000001/Progress"
    assert book(devino_mock, "GET", progress, auth=ALICE).status_code == 404
    assert book(devino_mock, "GET", "Unsubscribed", auth=ALICE, headers=RANGE).json()["Result"] == []

    [group] = book(devino_mock, "GET", "ContactGroups", auth=BOB).json()["Result"]
    assert (group["ContactGroupId"], group["ContactsCount"]) == (groups["bob"], 3001)
    assert book(devino_mock, "GET", f"Contacts/{contacts['bob']}", auth=BOB).status_code == 200
    assert len(found(BOB, "bulk2999@bob.example")) == 1
    assert book(devino_mock, "GET", progress, auth=BOB).json()["Result"] == {"Uploaded": 3000, "Processed": 3000}
    assert [u["Email"] for u in book(devino_mock, "GET", "Unsubscribed", auth=BOB, headers=RANGE).json()["Result"]] \
        == ["gone@bob.example"]


# --- e-mail: campaigns, templates, sender addresses ----------------------------------------------

def test_campaigns_templates_and_sender_addresses(devino_mock):
    two_accounts(devino_mock)
    groups, tasks = {}, {}
    for auth in (ALICE, BOB):
        assert email(devino_mock, "POST", "UserSettings/SourceAddresses", auth=auth,
                     json={"SourceAddress": SENDER}).status_code == 201
        assert email(devino_mock, "POST", "Templates", auth=auth, json={
            "Name": "t", "Sender": {"Address": SENDER}, "Subject": "s", "Body": {"Html": LETTER}}).status_code == 201
        groups[auth[0]] = group_with(devino_mock, [f"u{i}@{auth[0]}.example" for i in range(300)], auth=auth)
    for auth in (ALICE, BOB):
        answer = email(devino_mock, "POST", "Tasks", auth=auth, json={
            "Name": "spring", "Sender": {"Address": SENDER}, "Subject": "Hello", "Text": LETTER,
            "ContactGroups": [{"Id": groups[auth[0]], "Included": True}]})
        assert answer.status_code == 201, answer.text
        tasks[auth[0]] = answer.json()["Result"]["TaskId"]
        assert email(devino_mock, "PUT", f"Tasks/{tasks[auth[0]]}/State", auth=auth,
                     json={"State": "created"}).status_code == 200
    devino_mock.advance(1)  # a hundred letters a second: each campaign is a third through
    assert 0 < len(devino_mock.messages(login="alice")) < 300
    reset_alice(devino_mock)
    devino_mock.advance(10)  # bob's campaign finishes; alice's next batch finds its campaign gone

    assert devino_mock.messages(login="alice") == []
    assert email(devino_mock, "GET", "Tasks", auth=ALICE, headers=RANGE).json()["Result"] == []
    assert email(devino_mock, "GET", f"Tasks/{tasks['alice']}", auth=ALICE).status_code == 404
    assert email(devino_mock, "GET", "Templates", auth=ALICE).json()["Result"] == []
    assert email(devino_mock, "GET", "UserSettings/SourceAddresses", auth=ALICE).json()["Result"] == []

    sent = devino_mock.messages(login="bob", channel="email")
    assert sorted(m["destination"] for m in sent) == sorted(f"u{i}@bob.example" for i in range(300))
    assert email(devino_mock, "GET", f"Tasks/{tasks['bob']}", auth=BOB).json()["Result"]["State"] == "Finished"
    assert len(email(devino_mock, "GET", "Templates", auth=BOB).json()["Result"]) == 1
    assert [s["SourceAddress"] for s in email(devino_mock, "GET", "UserSettings/SourceAddresses",
                                              auth=BOB).json()["Result"]] == [SENDER]


# --- 2FA and IMSI --------------------------------------------------------------------------------

def test_2fa_codes_and_call_limits(devino_mock):
    two_accounts(devino_mock, api_key=lambda login: f"key-{login}",
                 twofa={"fixed_code": "17565", "rate_limit_per_key_per_minute": 1})

    def call(login: str, method: str, **body) -> dict:
        return requests.post(f"{devino_mock.url}/{method}", json={"DestinationNumber": NUMBER, **body},
                             headers={"X-ApiKey": f"key-{login}"}).json()

    def code_state(login: str) -> requests.Response:
        return requests.get(f"{devino_mock.url}/_mock/twofa/codes/{NUMBER}", params={"login": login})

    for login in ("alice", "bob"):
        assert call(login, "GenerateCode")["Code"] == "0"
    reset_alice(devino_mock)

    assert code_state("alice").status_code == 404
    assert call("alice", "CheckCode", Code="17565") == {"Code": 5, "Description": "Code not Found"}
    # Neither "Code Exist" (the code is gone) nor the per-minute limit of one (the calls are too).
    assert call("alice", "GenerateCode")["Code"] == "0"

    assert code_state("bob").json()["state"] == "active"
    assert call("bob", "GenerateCode")["Code"] == "3"  # bob's minute still holds his first call
    assert call("bob", "CheckCode", Code="17565") == {"Code": 0, "Description": "Valid Code"}


def test_imsi_references(devino_mock):
    sim, new_sim = "250011234567890", "250019999999999"
    two_accounts(devino_mock, imsi={NUMBER: sim}, imsi_check={"enabled": True, "lookup_delay_ms": 0})

    def sms(auth) -> str:
        answer = requests.post(f"{devino_mock.url}/rest/v2/Sms/Send", data={
            "Login": auth[0], "Password": auth[1], "SourceAddress": "DEVINO", "Data": "hi",
            "DestinationAddress": NUMBER})
        assert answer.status_code == 200, answer.text
        return answer.json()[0]

    def reference(login: str) -> str | None:
        [subscriber] = requests.get(f"{devino_mock.url}/_mock/imsi", params={"login": login}).json()
        return subscriber["reference_imsi"]

    for auth in (ALICE, BOB):
        sms(auth)  # the first SMS records the reference (imsi.md §5.3 case 1)
        assert reference(auth[0]) == sim
        requests.post(f"{devino_mock.url}/_mock/imsi",
                      json={"login": auth[0], "number": NUMBER, "imsi": new_sim}).raise_for_status()
    reset_alice(devino_mock)

    assert reference("alice") is None and reference("bob") == sim
    alice_sms, bob_sms = sms(ALICE), sms(BOB)
    assert devino_mock.message(alice_sms)["status_name"] != "rejected"  # case 1 again: sent, recorded anew
    assert reference("alice") == new_sim
    assert (devino_mock.message(bob_sms)["status_name"], devino_mock.message(bob_sms)["error"]) == (
        "rejected", "imsi_mismatch")  # case 3: the swap is still noticed


# --- per-surface arrangements and what surfaces hold outside the store ---------------------------

def _options(mock, surface: str, login: str, **values) -> dict:
    url = f"{mock.url}/_mock/{surface}/accounts/{login}"
    answer = requests.post(url, json=values) if values else requests.get(url)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _bind_status(mock, auth, mode: str = "transceiver") -> int:
    esme = SmpplibEsme(mock.ports["smpp"])
    try:
        esme.bind(mode, *auth)
        return 0
    except smpplib.exceptions.PDUError as exc:
        return exc.args[1]
    finally:
        esme.close()


def test_smpp_options_and_deliveries_waiting_for_a_bind(devino_mock):
    two_accounts(devino_mock)
    for login in ("alice", "bob"):
        _options(devino_mock, "smpp", login, enabled=False, throttle=5, max_sessions=3)
        devino_mock.incoming(login, "79260000000", "79160000000", f"before, for {login}")  # queued: nobody bound
    reset_alice(devino_mock)

    assert _options(devino_mock, "smpp", "alice") == {"login": "alice", "enabled": True, "throttle": 0.0,
                                                       "max_sessions": None}
    assert _options(devino_mock, "smpp", "bob")["enabled"] is False
    assert _bind_status(devino_mock, BOB) == 0x0D  # ESME_RBINDFAIL: SMPP still off for bob
    _options(devino_mock, "smpp", "bob", enabled=True)
    with smpplib_esme(devino_mock.ports["smpp"], "receiver", *ALICE) as alice, \
            smpplib_esme(devino_mock.ports["smpp"], "receiver", *BOB) as bob:
        devino_mock.incoming("alice", "79260000000", "79160000000", "after, for alice")
        assert alice.read_deliveries(1)[0].short_message == b"after, for alice"  # the queued one is gone
        assert bob.read_deliveries(1)[0].short_message == b"before, for bob"


def test_smpp_deliveries_waiting_to_be_tried_again(devino_mock):
    two_accounts(devino_mock)
    with smpplib_esme(devino_mock.ports["smpp"], "receiver", *ALICE) as alice, \
            smpplib_esme(devino_mock.ports["smpp"], "receiver", *BOB) as bob:
        for login, receiver in (("alice", alice), ("bob", bob)):
            receiver.deliver_status = 0x08  # ESME_RSYSERR: tried again after a minute
            devino_mock.incoming(login, "79260000000", "79160000000", f"refused, for {login}")
            receiver.read_deliveries(1)
            receiver.deliver_status = 0
        reset_alice(devino_mock)
        devino_mock.advance(61)
        assert bob.read_deliveries(2)[1].short_message == b"refused, for bob"
        devino_mock.incoming("alice", "79260000000", "79160000000", "after, for alice")
        assert alice.read_deliveries(2)[1].short_message == b"after, for alice"


def test_smpp_half_arrived_long_messages(devino_mock):
    two_accounts(devino_mock)
    parts, data_coding, esm_class = smpplib.gsm.make_parts("long " * 60)
    assert len(parts) == 2
    with smpplib_esme(devino_mock.ports["smpp"], login=ALICE[0], password=ALICE[1]) as alice, \
            smpplib_esme(devino_mock.ports["smpp"], login=BOB[0], password=BOB[1]) as bob:
        for esme in (alice, bob):
            assert esme.submit(parts[0], data_coding=data_coding, esm_class=esm_class)[0] == 0
        reset_alice(devino_mock)
        for esme in (alice, bob):
            assert esme.submit(parts[1], data_coding=data_coding, esm_class=esm_class)[0] == 0
    [whole] = devino_mock.messages(login="bob")
    assert whole["segments"] == 2 and "parts_missing" not in whole["extra"]["smpp"]
    assert devino_mock.messages(login="alice") == []  # the second part waits for a first part anew
    devino_mock.advance(600)  # the reassembly timeout: what arrived since the reset is sent as it is
    [alone] = devino_mock.messages(login="alice")
    assert alone["extra"]["smpp"]["parts_missing"] == [1]


def test_smtp_options_and_the_logins_of_open_connections(devino_mock):
    two_accounts(devino_mock)
    _options(devino_mock, "smtp", "alice", allowed_ips=["10.0.0.0/8"], unsubscribed=[TO])
    _options(devino_mock, "smtp", "bob", unsubscribed=[TO])
    with smtp(devino_mock) as alice, smtp(devino_mock) as bob:
        for client, auth in ((alice, ALICE), (bob, BOB)):
            client.ehlo("client.example.com")
            client.login(*auth)
        reset_alice(devino_mock)

        alice.mail(FROM)
        assert alice.rcpt(TO) == (554, b"Transaction failed: Must authenticate before sending mail")
        alice.rset()
        alice.login(*ALICE)  # and the allow-list is gone: 127.0.0.1 may send
        assert alice.sendmail(FROM, [TO], letter()) == {}
        assert bob.sendmail(FROM, [TO], letter()) == {}  # still logged in
    assert _options(devino_mock, "smtp", "alice") == {"login": "alice", "allowed_ips": [], "unsubscribed": [],
                                                       "bounced": []}
    devino_mock.advance(60)
    [to_alice] = devino_mock.messages(login="alice", channel="email")
    [to_bob] = devino_mock.messages(login="bob", channel="email")
    assert to_alice["status"] == "Delivered"
    assert to_bob["status"] == "Rejected"  # bob's unsubscribed list still filters


def test_xml_api_options(devino_mock):
    two_accounts(devino_mock)

    def send(auth, client_id: int) -> tuple[str, str]:
        body = (f'<?xml version="1.0" encoding="utf-8"?><package login="{auth[0]}" password="{auth[1]}"><message>'
                f'<msg id="{client_id}" recipient="79161234567" sender="MYSHOP" type="0">Hi</msg></message></package>')
        [answer] = re.findall(r'<msg id="(\d+)"[^>]*>(\d+)</msg>',
                              requests.post(f"{devino_mock.url}/Send.ashx", data=body.encode()).text)
        return answer

    for auth in (ALICE, BOB):
        _options(devino_mock, "xml", auth[0], unique_ids=True, success_code=1)
        assert send(auth, 7) == ("7", "1")
    reset_alice(devino_mock)
    assert send(ALICE, 7) == ("7", "106")  # the default answer, and the id may be used again
    assert send(BOB, 7) == ("7", "201")  # ERR_ID: bob's ids are unique still
    assert _options(devino_mock, "xml", "bob") == {"login": "bob", "unique_ids": True, "success_code": 1}
    devino_mock.add_account(*BOB, balance="5")  # replacing the account keeps them, as it keeps its messages
    assert _options(devino_mock, "xml", "bob")["success_code"] == 1
