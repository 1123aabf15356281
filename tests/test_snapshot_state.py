"""Snapshots carry the whole state (docs/control-api.md, Snapshots). Each kind of state is made
over its own protocol, exported, the emulator reset (and shown to have forgotten it), the
document loaded; then the real API answers as before and goes on: ids keep rising, work that
was due later goes out on the clock. A bad document is refused with a 400 naming the field and
changes nothing. FTP uploads never travel in a snapshot."""

from __future__ import annotations

import copy
import datetime
import json

import pytest
import requests

from tests.email_http_helpers import LETTER, SENDER, book, client, email, group_with
from tests.ftp_helpers import drop

RANGE = {"Range": "items=1-100"}
KEY, NUMBER = "key-snapshot", "79169492211"
SIM, NEW_SIM = "250011234567890", "250019999999999"
SPAN = "from 1752-12-31T10:00:00+00:00 to 9999-01-01T13:59:59.999999+00:00"


def snapshot(mock) -> dict:
    response = requests.get(f"{mock.url}/_mock/snapshot")
    assert response.status_code == 200
    return response.json()


def load(mock, document: dict) -> requests.Response:
    return requests.post(f"{mock.url}/_mock/snapshot", json=document)


def through_a_snapshot(mock, forgotten) -> dict:
    """Export, reset, check with `forgotten` that the reset forgot the state, load it back."""
    document = snapshot(mock)
    mock.reset()
    assert forgotten(), "the reset kept what the load is to bring back"
    loaded = load(mock, document)
    assert loaded.status_code == 200, loaded.text
    return document


def freeze(mock) -> None:
    assert requests.post(f"{mock.url}/_mock/clock/freeze").json()["frozen"] is True


def now(mock) -> datetime.datetime:
    return datetime.datetime.fromisoformat(mock.now().replace("Z", "+00:00"))


# --- REST sessions ------------------------------------------------------------------------------

def test_a_rest_v1_session_still_sends_after_a_load_and_expires_as_before(devino_mock, rest, session_id):
    def balance() -> requests.Response:
        return requests.get(f"{rest}/User/Balance", params={"SessionID": session_id})

    devino_mock.advance(600)
    assert balance().status_code == 200
    through_a_snapshot(devino_mock, lambda: balance().json() == {"Code": 4, "Desc": "SessionID expired"})
    assert (balance().status_code, balance().json()) == (200, 1000)
    sent = requests.post(f"{rest}/Sms/Send", data={"SessionId": session_id, "DestinationAddress": "79161002030",
                                                   "SourceAddress": "DEVINO", "Data": "after the load"})
    assert sent.status_code == 200, sent.text
    [message] = devino_mock.messages()
    assert (message["id"], message["login"], message["transport"]) == (sent.json()[0], "test_login", "rest")
    devino_mock.advance(110 * 60)  # 120 minutes from when it was opened, the load between
    assert balance().json() == {"Code": 4, "Desc": "SessionID expired"}
    assert snapshot(devino_mock)["sessions"] == []  # an expired session is not carried


# --- the address book ---------------------------------------------------------------------------

def test_the_address_book_answers_the_same_after_a_load_and_its_ids_go_on(devino_mock):
    group = book(devino_mock, "POST", "ContactGroups", json={"Name": "friends", "Description": "close"}).json()["Result"]
    contact = book(devino_mock, "POST", "Contacts", json={
        "ContactGroupId": group, "Email": "ann@example.com", "PhoneNumber": "+7 916 123-45-67", "FirstName": "Ann",
        "Gender": 2, "DateOfBirth": "/Date(1454533200000-0000)/", "MergeFields": {"City": "Moscow", "Level": 3}}
    ).json()["Result"]
    requests.post(f"{devino_mock.url}/_mock/addressbook/unsubscribed",
                  json={"login": "test_login", "email": "gone@example.com", "task_id": 130001, "reason": "spam"})

    def pages() -> list:
        return [book(devino_mock, "GET", "ContactGroups").json(),
                book(devino_mock, "GET", f"Contacts/{contact}").json(),
                book(devino_mock, "GET", "Contacts", params={"Query": "79161234567"}, headers=RANGE).json(),
                book(devino_mock, "GET", "Unsubscribed", headers=RANGE).json()]

    before = pages()
    assert before[1]["Result"]["MergeFields"] == {"City": "Moscow", "Level": 3}
    through_a_snapshot(devino_mock, lambda: book(devino_mock, "GET", f"Contacts/{contact}").status_code == 404)
    assert pages() == before
    assert book(devino_mock, "PATCH", f"Contacts/{contact}", json={"FirstName": "Anna"}).status_code == 200
    assert book(devino_mock, "GET", f"Contacts/{contact}").json()["Result"]["FirstName"] == "Anna"
    newer = book(devino_mock, "POST", "ContactGroups", json={"Name": "more"}).json()["Result"]
    other = book(devino_mock, "POST", "Contacts", json={"ContactGroupId": newer, "Email": "b@example.com"}).json()["Result"]
    assert newer > group and other > contact


def test_a_contact_import_half_written_goes_on_after_a_load(devino_mock):
    freeze(devino_mock)
    group = book(devino_mock, "POST", "ContactGroups", json={"Name": "bulk"}).json()["Result"]
    progress = "ContactsImport/A1B2C3D4-0000-0000-0000-000000000002/Progress"
    answer = book(devino_mock, "POST", "ContactsImport", json={
        "ContactGroupId": group, "ImportId": "A1B2C3D4-0000-0000-0000-000000000002",
        "Contacts": [{"Email": f"bulk{i}@example.com", "DateOfBirth": "01/31/1990"} for i in range(3000)]})
    assert answer.status_code == 201, answer.text
    devino_mock.advance(1)  # 1000 contacts a second: a third written, the rest queued
    before = book(devino_mock, "GET", progress).json()["Result"]
    assert before["Uploaded"] == 3000 and 0 < before["Processed"] < 3000
    through_a_snapshot(devino_mock, lambda: book(devino_mock, "GET", progress).status_code == 404)
    assert book(devino_mock, "GET", progress).json()["Result"] == before
    devino_mock.advance(10)
    assert book(devino_mock, "GET", progress).json()["Result"] == {"Uploaded": 3000, "Processed": 3000}
    assert book(devino_mock, "GET", f"ContactGroups/{group}").json()["Result"]["ContactsCount"] == 3000
    [last] = book(devino_mock, "GET", "Contacts", params={"Query": "bulk2999@example.com"},
                  headers=RANGE).json()["Result"]
    assert last["DateOfBirth"] == "/Date(633744000000-0000)/"  # written from the row the document carried


# --- e-mail: campaigns, templates, sender addresses ----------------------------------------------

def test_campaigns_templates_and_senders_go_on_after_a_load(devino_mock):
    devino_mock.add_account("test_login", "test123", sender_approval_delay=3600)
    freeze(devino_mock)
    api = client(devino_mock)
    template = api.add_template("welcome", LETTER, SENDER, "Shop", "Hi [FirstName]", "ext-1").result
    assert email(devino_mock, "POST", "UserSettings/SourceAddresses",
                 json={"SourceAddress": "later@example.com"}).status_code == 201
    running = group_with(devino_mock, [f"u{i}@example.com" for i in range(300)])
    waiting = group_with(devino_mock, ["late@example.com"], name="later")
    running_task = api.add_task("spring", SENDER, "Shop", "Hello [FirstName]", LETTER,
                                contact_list=[(running, True)]).result["TaskId"]
    waiting_task = api.add_task("summer", SENDER, "Shop", "Hi", LETTER, contact_list=[(waiting, True)],
                                start=(now(devino_mock) + datetime.timedelta(hours=1)).replace(tzinfo=None)
                                ).result["TaskId"]
    for task_id in (running_task, waiting_task):
        assert email(devino_mock, "PUT", f"Tasks/{task_id}/State", json={"State": "created"}).status_code == 200
    devino_mock.advance(1)  # 100 letters a second: a third are out

    def pages() -> list:
        return [email(devino_mock, "GET", "Templates").json(), email(devino_mock, "GET", "UserSettings/SourceAddresses").json(),
                email(devino_mock, "GET", f"Tasks/{running_task}").json(), email(devino_mock, "GET", f"Tasks/{waiting_task}").json()]

    before, out = pages(), len(devino_mock.messages(channel="email"))
    assert 100 <= out < 300 and before[2]["Result"]["State"] == "Started"
    assert [s["State"] for s in before[1]["Result"]] == [0]
    through_a_snapshot(devino_mock, lambda: email(devino_mock, "GET", "Templates").json()["Result"] == [])
    assert pages() == before and len(devino_mock.messages(channel="email")) == out
    devino_mock.advance(5)
    sent = [m["destination"] for m in devino_mock.messages(channel="email")]
    assert sorted(sent) == sorted(f"u{i}@example.com" for i in range(300))  # each once
    assert api.get_task(running_task).result["State"] == "Finished"
    devino_mock.advance(3600)  # the other campaign's StartDateTime, and the sender's approval
    assert [m["destination"] for m in devino_mock.messages(channel="email")][300:] == ["late@example.com"]
    assert api.get_task(waiting_task).result["State"] == "Finished"
    assert [s["State"] for s in email(devino_mock, "GET", "UserSettings/SourceAddresses").json()["Result"]] == [1]
    assert api.add_template("second", LETTER, SENDER, "Shop", "Hi").result > template


def test_a_birthday_campaign_writes_on_the_next_birthday_after_a_load(devino_mock):
    start = (now(devino_mock) + datetime.timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
    today, tomorrow = start.date(), start.date() + datetime.timedelta(days=1)
    group = group_with(devino_mock, [])
    for address, day in (("today@example.com", today.replace(year=1992)), ("tomorrow@example.com", tomorrow.replace(year=1988))):
        assert book(devino_mock, "POST", "Contacts", json={"ContactGroupId": group, "Email": address,
                                                           "DateOfBirth": f"{day.isoformat()}T00:00:00"}).status_code == 201
    api = client(devino_mock)
    task_id = api.add_task("birthdays", SENDER, "Shop", "Happy birthday", LETTER, type_task=2,
                           start=start.replace(tzinfo=None), contact_list=[(group, True)]).result["TaskId"]
    api.edit_task_status(task_id, 1)
    devino_mock.advance((start - now(devino_mock)).total_seconds())
    assert [m["destination"] for m in devino_mock.messages(channel="email")] == ["today@example.com"]
    through_a_snapshot(devino_mock, lambda: devino_mock.messages() == [])
    devino_mock.advance(86_400)
    assert [m["destination"] for m in devino_mock.messages(channel="email")] == ["today@example.com",
                                                                              "tomorrow@example.com"]
    assert api.get_task(task_id).result["State"] == "Started"


def test_a_snapshot_larger_than_a_megabyte_loads(devino_mock):
    html = LETTER + "<p>" + "x" * 1_500_000 + "</p>"
    created = email(devino_mock, "POST", "Templates", json={"Name": "big", "Body": {"Html": html}})
    assert created.status_code == 201, created.text
    template = created.json()["Result"]
    through_a_snapshot(devino_mock, lambda: email(devino_mock, "GET", f"Templates/{template}").status_code == 404)
    assert email(devino_mock, "GET", f"Templates/{template}").json()["Result"]["Body"] == {"Html": html}


# --- 2FA and IMSI ----------------------------------------------------------------------------------

def twofa(mock, method: str, body: dict) -> dict:
    return requests.post(f"{mock.url}/{method}", json=body, headers={"X-ApiKey": KEY}).json()


def test_2fa_codes_limits_and_faults_answer_the_same_after_a_load(devino_mock):
    devino_mock.add_account("bank", "bank1", api_key=KEY, twofa={"fixed_code": "17565", "rate_limit_per_minute": 3})
    freeze(devino_mock)
    assert twofa(devino_mock, "GenerateCode", {"DestinationNumber": NUMBER})["Code"] == "0"
    for _ in range(2):
        assert twofa(devino_mock, "CheckCode", {"DestinationNumber": NUMBER, "Code": "00000"})["Code"] == 5
    faults = f"{devino_mock.url}/_mock/twofa/faults"
    requests.post(faults, json={"endpoint": "CheckCode", "code": 4, "count": 2}).raise_for_status()
    assert twofa(devino_mock, "CheckCode", {"DestinationNumber": "79160000001", "Code": "1"})["Code"] == 4
    code = f"{devino_mock.url}/_mock/twofa/codes/{NUMBER}"
    before = requests.get(code, params={"login": "bank"}).json()
    assert (before["state"], before["attempts"]) == ("active", 2)
    through_a_snapshot(devino_mock, lambda: requests.get(faults).json() == [])
    assert requests.get(code, params={"login": "bank"}).json() == before
    assert [f["fired"] for f in requests.get(faults).json()] == [1]
    assert twofa(devino_mock, "CheckCode", {"DestinationNumber": "79160000001", "Code": "1"})["Code"] == 4
    assert twofa(devino_mock, "CheckCode", {"DestinationNumber": NUMBER, "Code": "17565"}) == \
        {"Code": 0, "Description": "Valid Code"}
    # The calls of the minute came along: this is the number's fourth check within it.
    assert twofa(devino_mock, "CheckCode", {"DestinationNumber": NUMBER, "Code": "17565"})["Code"] == 3


def test_an_imsi_lookup_under_way_and_a_reference_are_kept_and_still_block_after_a_sim_swap(devino_mock):
    devino_mock.add_account("bank", "bank1", imsi={NUMBER: SIM}, imsi_check={"enabled": True})
    freeze(devino_mock)

    def send() -> str:
        return requests.post(f"{devino_mock.rest_url}/v2/Sms/Send", data={
            "Login": "bank", "Password": "bank1", "SourceAddress": "BANK", "DestinationAddress": NUMBER,
            "Data": "Your OTP 1234"}).json()[0]

    subscribers = f"{devino_mock.url}/_mock/imsi"

    def subscriber() -> list[dict]:
        return requests.get(subscribers, params={"login": "bank"}).json()

    def forgotten() -> bool:
        return requests.get(subscribers, params={"login": "bank"}).status_code == 404

    send()  # the first SMS starts the lookup of the reference, due lookup_delay_ms (500) later
    pending = subscriber()
    assert [(s["status"], s["reference_imsi"]) for s in pending] == [("pending", None)]
    through_a_snapshot(devino_mock, forgotten)
    assert subscriber() == pending
    devino_mock.advance(1)  # the lookup, scheduled again by the load, completes
    assert requests.post(subscribers, json={"login": "bank", "number": NUMBER, "imsi": NEW_SIM}).status_code == 200
    before = subscriber()
    assert [(s["status"], s["reference_imsi"], s["current_imsi"], [r["trigger"] for r in s["requests"]])
            for s in before] == [("reference_set", SIM, NEW_SIM, ["first_sms"])]
    through_a_snapshot(devino_mock, forgotten)
    assert subscriber() == before
    blocked = devino_mock.message(send())
    assert (blocked["status"], blocked["error"]) == (69, "imsi_mismatch")


# --- FTP uploads stay out ---------------------------------------------------------------------------

def test_ftp_uploads_stay_out_and_a_document_naming_one_is_refused(devino_mock, tmp_path):
    drop(devino_mock, b"a note", "readme.txt")
    [upload] = devino_mock.ftp_files()
    document = snapshot(devino_mock)
    root = requests.get(f"{devino_mock.url}/_mock/ftp").json()["root"]
    assert "ftp.upload" not in document["records"] and root not in json.dumps(document)
    victim = tmp_path / "keep.zip"
    victim.write_bytes(b"not the emulator's")
    forged = copy.deepcopy(document)
    forged["records"]["ftp.upload"] = [{
        "id": 99, "login": "test_login", "path": str(victim), "name": "keep.zip", "ftp_path": "/keep.zip",
        "size": 18, "uploaded_at": document["taken_at"], "status": "pending"}]
    refused = load(devino_mock, forged)
    assert refused.status_code == 400
    assert refused.json()["error"] == (
        "not loaded: records: unknown kinds ['ftp.upload']: a snapshot carries ['addressbook.contact', "
        "'addressbook.group', 'addressbook.import', 'addressbook.unsubscribed', 'email.sender', 'email.task', "
        "'email.template', 'imsi.subscriber', 'twofa.calls', 'twofa.code']")
    assert devino_mock.ftp_files() == [upload]  # nothing changed
    devino_mock.advance(60)
    assert victim.read_bytes() == b"not the emulator's"
    assert load(devino_mock, document).status_code == 200
    assert devino_mock.ftp_files() == []  # a load leaves the drop folder empty
    drop(devino_mock, b"another note", "later.txt")
    assert devino_mock.ftp_files()[0]["id"] > upload["id"]  # upload ids go on all the same


# --- older documents and bad ones ----------------------------------------------------------------------

def test_a_version_1_snapshot_without_the_new_sections_still_loads(devino_mock):
    [message_id] = requests.post(f"{devino_mock.rest_url}/v2/Sms/Send", data={
        "Login": "test_login", "Password": "test123", "SourceAddress": "DEVINO", "DestinationAddress": "79161234567",
        "Data": "old"}).json()
    document = snapshot(devino_mock)
    older = {k: v for k, v in document.items() if k not in ("sessions", "records")}
    older["version"] = 1
    older["values"] = {k: v for k, v in document["values"].items() if k in ("clock_offset", "clock_frozen_at", "faults")}
    devino_mock.reset()
    assert load(devino_mock, older).status_code == 200
    assert devino_mock.message(message_id)["text"] == "old"
    assert book(devino_mock, "GET", "ContactGroups").json()["Result"] == []


@pytest.fixture
def full(devino_mock, session_id):
    """A frozen emulator holding a session, a contact, a campaign with its recipient, a 2FA code
    and a 2FA fault; the document of it."""
    devino_mock.add_account("bank", "bank1", api_key=KEY, twofa={"fixed_code": "17565"})
    freeze(devino_mock)
    group = group_with(devino_mock, ["ann@example.com"])
    client(devino_mock).add_task("spring", SENDER, "Shop", "Hello", LETTER, contact_list=[(group, True)])
    twofa(devino_mock, "GenerateCode", {"DestinationNumber": NUMBER})
    requests.post(f"{devino_mock.url}/_mock/twofa/faults", json={"endpoint": "CheckCode", "code": 4}).raise_for_status()
    return snapshot(devino_mock)


BAD = [
    (lambda d: d["records"]["addressbook.contact"][0].update(id="x"),
     "records.addressbook.contact[0].id: expected a whole number"),
    (lambda d: d["records"]["addressbook.contact"][0].update(nickname="A"),
     "records.addressbook.contact[0]: unknown fields ['nickname']"),
    (lambda d: d["records"]["addressbook.contact"][0].update(gender=7),
     "records.addressbook.contact[0].gender: one of [1, 2, 3]"),
    (lambda d: d["records"]["addressbook.contact"].append(d["records"]["addressbook.contact"][0]),
     "records.addressbook.contact[1]: a second record under the key 'test_login:{contact}'"),
    (lambda d: d["records"]["email.task"][0].update(emitted=2**64),
     "records.email.task[0].emitted: 18446744073709551616 is not a whole number within ±(2^63 - 1)"),
    (lambda d: d["records"]["email.task"][0].update(state="Running"),
     "records.email.task[0].state: one of ['New', 'Created', 'Started', 'Stopped', 'Canceled', 'Finished', "
     "'Deleted', 'Failed']"),
    (lambda d: d["records"]["email.task"][0]["draft"].update(groups=[[1]]),
     "records.email.task[0].draft.groups[0]: expected a list of 2 items"),
    (lambda d: d["records"]["email.task"][0]["recipients"][0].pop("email"),
     "records.email.task[0].recipients[0]: missing 'email'"),
    (lambda d: d["records"]["email.task"][0]["counters"].update(Duplicates="1"),
     "records.email.task[0].counters.Duplicates: expected a whole number"),
    (lambda d: d["records"]["addressbook.group"][0].update(created_at="0001-01-01T00:00:00Z"),
     f"records.addressbook.group[0].created_at: '0001-01-01T00:00:00Z' is not a time {SPAN}"),
    (lambda d: d["records"]["addressbook.group"][0].update(created_at="9999-12-31T23:59:59+00:00"),
     f"records.addressbook.group[0].created_at: '9999-12-31T23:59:59+00:00' is not a time {SPAN}"),
    (lambda d: d["records"]["twofa.code"][0].update(expires_at=1e14),
     f"records.twofa.code[0].expires_at: 100000000000000.0 is not seconds since the epoch {SPAN}"),
    (lambda d: d["records"]["twofa.code"][0].update(expires_at="HUGE"),
     "records.twofa.code[0].expires_at: inf is not a finite number within ±1e+15"),
    (lambda d: d["records"]["twofa.code"][0].update(used="no"), "records.twofa.code[0].used: expected true or false"),
    (lambda d: d["records"]["twofa.calls"].append(d["records"]["twofa.calls"][0]),
     "records.twofa.calls[2]: a second record under the key 'generate:key-snapshot'"),
    (lambda d: d["values"]["twofa.faults"][0].update(code=6), "values.twofa.faults[0].code: one of [4, 5]"),
    (lambda d: d["values"].update(secret=1),
     "values: unknown key 'secret': one of ['clock_offset', 'clock_frozen_at', 'faults', 'twofa.faults']"),
    (lambda d: d["values"].update(clock_offset=1e12),
     "values.clock_offset: 1000000000000.0 is not seconds within ±31536000000"),
    (lambda d: d["sessions"][0].update(id=d["sessions"][0]["id"].lower()),
     "sessions[0].id: a session id is 36 upper-case letters and digits"),
    (lambda d: d.update(taken_at=5), "taken_at: expected an ISO 8601 time"),
    (lambda d: d["sequences"].update({"addressbook.contact": -1}),
     "'sequences' must be an object of name -> next number (0 to 9223372036854775807)"),
]


@pytest.mark.parametrize("spoil, error", BAD, ids=[e.split(":")[0] + f"-{i}" for i, (_, e) in enumerate(BAD)])
def test_a_bad_document_is_refused_naming_the_field_and_changes_nothing(devino_mock, full, spoil, error):
    document = copy.deepcopy(full)
    spoil(document)
    # 1e999 reads as infinity: JSON has no other way to say "a number too large".
    raw = json.dumps(document).replace('"HUGE"', "1e999")
    refused = requests.post(f"{devino_mock.url}/_mock/snapshot", data=raw, headers={"Content-Type": "application/json"})
    error = error.format(contact=full["records"]["addressbook.contact"][0]["id"])
    assert (refused.status_code, refused.json()) == (400, {"error": f"not loaded: {error}"})
    assert snapshot(devino_mock) == full


def test_a_campaign_saved_before_spam_scores_were_kept_still_loads(devino_mock, full):
    document = copy.deepcopy(full)
    [task] = document["records"]["email.task"]
    assert task["counters"].pop("SpamScore") == 0.0
    assert load(devino_mock, document).status_code == 200
    assert email(devino_mock, "GET", f"Tasks/{task['id']}").json()["Result"]["Counters"]["SpamScore"] == 0


def test_nan_is_refused_before_any_field_is_read(devino_mock, full):
    raw = json.dumps(full).replace('"twofa.code": [{"code"', '"twofa.code": [{"attempts": NaN, "code"')
    assert "NaN" in raw
    refused = requests.post(f"{devino_mock.url}/_mock/snapshot", data=raw, headers={"Content-Type": "application/json"})
    assert (refused.status_code, refused.json()) == (400, {"error": "the body is not JSON: NaN is not a number JSON allows"})
    assert snapshot(devino_mock) == full


@pytest.mark.parametrize("date", ["01/01/0001", "12/31/9999 23:59", "/Date(253402300799000)/", "/Date(-62135596800000)/"])
def test_a_date_no_snapshot_could_carry_never_enters_by_the_e_mail_apis(devino_mock, date):
    """Every form the e-mail and address-book APIs read keeps to the platform's dates, so each
    stored date can be carried by a snapshot (and a day added to it never overflows)."""
    group = book(devino_mock, "POST", "ContactGroups", json={"Name": "dates"}).json()["Result"]
    contact = book(devino_mock, "POST", "Contacts", json={"ContactGroupId": group, "Email": "a@b.cd", "DateOfBirth": date})
    assert (contact.status_code, contact.json()["Description"]) == (400, "invalid field: date_of_birth")
    task = email(devino_mock, "POST", "Tasks", json={"Name": "t", "Sender": {"Address": SENDER}, "Subject": "s",
                                                     "Body": {"Html": LETTER}, "StartDateTime": date})
    assert (task.status_code, task.json()["Description"]) == (400, "invalid value of StartDateTime")
    assert snapshot(devino_mock)["records"]["addressbook.contact"] == []
