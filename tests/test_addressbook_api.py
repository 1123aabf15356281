"""AddressBook API (A1–A14) over real sockets: groups, imports queued on the virtual clock with
progress and duplicate removal, find by phone or e-mail, contact CRUD with PATCH, the
unsubscribed list, the codes of §2.6, Range, XML, and accounts kept apart."""

from __future__ import annotations

import re

import pytest
import requests
from lxml import etree

from tests.email_http_helpers import book

DATE = re.compile(r"^/Date\(\d{13}-0000\)/$")
RANGE = {"Range": "items=1-100"}


def _group(mock, name="new group", **extra) -> int:
    answer = book(mock, "POST", "ContactGroups", json={"Name": name, **extra})
    assert answer.status_code == 201, answer.text
    return answer.json()["Result"]


def test_groups_crud(devino_mock):
    group = _group(devino_mock, Description="best group")
    listed = book(devino_mock, "GET", "ContactGroups").json()
    assert listed["Code"] == "ok" and len(listed["Result"]) == 1
    item = listed["Result"][0]
    assert (item["ContactGroupId"], item["Name"], item["Description"], item["ContactsCount"]) == (
        group, "new group", "best group", 0)
    assert DATE.match(item["CreatedDate"])
    put = book(devino_mock, "PUT", f"ContactGroups/{group}", data='{"Name":"renamed"}')
    assert put.status_code == 200 and put.json() == {"Code": "ok", "Description": "ok"}
    assert book(devino_mock, "GET", f"ContactGroups/{group}").json()["Result"]["Description"] == ""
    assert book(devino_mock, "DELETE", f"ContactGroups/{group}").json() == {"Code": "ok", "Description": "ok"}
    gone = book(devino_mock, "GET", f"ContactGroups/{group}")
    assert (gone.status_code, gone.json()) == (404, {"Code": "validation_error", "Description": "contact group not found"})
    no_name = book(devino_mock, "POST", "ContactGroups", json={"Description": "x"}, headers={"Accept-Language": "ru-RU"})
    assert (no_name.status_code, no_name.json()["Description"]) == (400, "Не заполнено обязательное поле Name")


def test_auth_codes_and_accounts_kept_apart(devino_mock):
    group = _group(devino_mock)
    contact = book(devino_mock, "POST", "Contacts", json={"Email": "zzz@gmail.com", "ContactGroupId": group}).json()["Result"]
    unauthorised = requests.get(f"{devino_mock.url}/addressbook/v2/ContactGroups")
    assert unauthorised.status_code == 401 and unauthorised.json()["Description"] == "user not found"
    devino_mock.add_account("other", "pw")
    other = ("other", "pw")
    assert book(devino_mock, "GET", "ContactGroups", auth=other).json()["Result"] == []
    assert book(devino_mock, "GET", f"Contacts/{contact}", auth=other).status_code == 404
    assert book(devino_mock, "GET", "Contacts", auth=other, params={"Query": "zzz@gmail.com"},
                headers=RANGE).json()["Result"] == []
    assert book(devino_mock, "DELETE", f"ContactGroups/{group}", auth=other).status_code == 404
    assert book(devino_mock, "GET", "Nowhere").status_code == 404


def test_documented_import_queues_and_progresses_on_the_clock(devino_mock):
    group = _group(devino_mock)
    # The documented example, trailing comma included (addressbook.md B-4).
    raw = ('{"ContactGroupId" : %d, "ImportId" : "50210B41-1C4E-4E48-9837-FB382A9BAE01", "ConvertDirectPhones" : true,'
           ' "FillGender" : false, "Contacts" :[{"PhoneNumber": "", "LastName": "Ivanov", "FirstName": "Ivan",'
           ' "Email": "ivanov@ivanov.com", "DateOfBirth": "/Date(1454533200000-0000)/"},'
           ' {"PhoneNumber": "+79001234567",}]}' % group)
    answer = book(devino_mock, "POST", "ContactsImport/", data=raw, headers={"Content-Type": "application/json"})
    assert answer.status_code == 201, answer.text
    assert answer.json()["Result"] == {"ImportId": "50210B41-1C4E-4E48-9837-FB382A9BAE01", "ValidContacts": 2,
                                       "RejectedContacts": [], "InvalidPhoneNumbers": [], "InvalidEmails": []}
    # Written at 1000 contacts a second of virtual time: a big batch is visibly in progress.
    big = book(devino_mock, "POST", "ContactsImport", json={
        "ContactGroupId": group, "Contacts": [{"Email": f"bulk{i}@example.com"} for i in range(5000)]}).json()
    bulk = big["Result"]["ImportId"]
    assert re.fullmatch(r"[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}", bulk)
    progress = book(devino_mock, "GET", f"ContactsImport/{bulk.lower()}/Progress").json()["Result"]
    assert progress["Uploaded"] == 5000 and progress["Processed"] < 5000
    assert book(devino_mock, "GET", f"ContactGroups/{group}").json()["Result"]["ContactsCount"] < 5002
    devino_mock.advance(10)
    assert book(devino_mock, "GET", f"ContactsImport/{{{bulk}}}/Progress").json()["Result"] == {
        "Uploaded": 5000, "Processed": 5000}
    devino_mock.advance(1)
    progress = book(devino_mock, "GET", "ContactsImport/50210B41-1C4E-4E48-9837-FB382A9BAE01/Progress").json()
    assert progress["Result"] == {"Uploaded": 2, "Processed": 2}
    assert book(devino_mock, "GET", f"ContactGroups/{group}").json()["Result"]["ContactsCount"] == 5002
    [ivan] = book(devino_mock, "GET", "Contacts", params={"Query": "IVANOV@ivanov.com"}, headers=RANGE).json()["Result"]
    assert ivan["PhoneNumber"] == "" and ivan["DateOfBirth"] == "/Date(1454533200000-0000)/" and ivan["Gender"] == 3
    by_phone = book(devino_mock, "GET", "Contacts", params={"Query": "+7 (900) 123-45-67"}, headers=RANGE)
    assert by_phone.status_code == 206 and by_phone.json()["Result"][0]["PhoneNumber"] == "+79001234567"
    assert by_phone.headers["Content-Range"] == "items 1-1/1"
    assert book(devino_mock, "GET", "ContactsImport/unknown/Progress").status_code == 404


def test_import_validation_per_row_and_per_request(devino_mock):
    group = _group(devino_mock)
    contacts = [{"Email": "a@example.com"}, {"Email": "a@example.com"}, {"Email": "a@example.com"},
                {"PhoneNumber": "12"}, {"Email": "broken@"}, {"FirstName": "Nobody"},
                {"Email": "b@example.com", "LastName": "x" * 101},
                {"PhoneNumber": "89161234567", "MiddleName": "Петровна", "FillGender": True}]
    answer = book(devino_mock, "POST", "ContactsImport", json={"ContactGroupId": group, "Contacts": contacts,
                                                               "ConvertDirectPhones": True, "FillGender": True})
    result = answer.json()["Result"]
    assert result["ValidContacts"] == 2
    codes = [(r["ErrorCode"], r["DuplicatesCount"]) for r in result["RejectedContacts"]]
    assert codes == [("Duplicate", 2), ("InvalidPhone", 0), ("InvalidEmail", 0), ("NoPhoneNoEmail", 0),
                     ("InvalidField", 0)]
    assert result["RejectedContacts"][-1]["ErrorDescription"] == "invalid field: LastName"
    assert (result["InvalidPhoneNumbers"], result["InvalidEmails"]) == (["12"], ["broken@"])
    devino_mock.advance(1)
    [converted] = book(devino_mock, "GET", "Contacts", params={"Query": "79161234567"}, headers=RANGE).json()["Result"]
    assert (converted["PhoneNumber"], converted["Gender"]) == ("79161234567", 2)
    too_many = book(devino_mock, "POST", "ContactsImport",
                    json={"ContactGroupId": group, "Contacts": [{"Email": "a@example.com"}] * 10_001})
    assert (too_many.status_code, too_many.json()["Description"]) == (400, "too many contacts (max 10000)")
    no_group = book(devino_mock, "POST", "ContactsImport", json={"ContactGroupId": 999999, "Contacts": [{"Email": "a@b.cd"}]})
    assert (no_group.status_code, no_group.json()["Description"]) == (404, "contact group not found")
    empty = book(devino_mock, "POST", "ContactsImport", json={"ContactGroupId": group, "Contacts": []})
    assert (empty.status_code, empty.json()["Description"]) == (400, "Contacts is required")
    garbage = book(devino_mock, "POST", "ContactsImport", data=b"{{{", headers={"Content-Type": "application/json"})
    assert (garbage.status_code, garbage.json()["Description"]) == (400, "invalid request body")


def test_duplicates_of_a_finished_import_are_removed(devino_mock):
    group, other = _group(devino_mock), _group(devino_mock, "other")
    book(devino_mock, "POST", "Contacts", json={"Email": "old@example.com", "ContactGroupId": group})
    book(devino_mock, "POST", "Contacts", json={"Email": "elsewhere@example.com", "ContactGroupId": other})
    import_id = "11111111-2222-3333-4444-555555555555"
    for batch in (["new@example.com", "old@example.com"], ["new@example.com", "elsewhere@example.com"]):
        book(devino_mock, "POST", "ContactsImport", json={"ContactGroupId": group, "ImportId": import_id,
                                                          "Contacts": [{"Email": e} for e in batch]})
    request = {"ContactGroupId": group, "ImportId": import_id, "Field": "Email", "Scope": 3, "Groups": [other, group]}
    early = book(devino_mock, "DELETE", f"ContactsImport/{import_id}/Duplicates", json=request)
    assert (early.status_code, early.json()["Description"]) == (400, "import is not finished")
    devino_mock.advance(5)
    assert book(devino_mock, "GET", f"ContactsImport/{import_id}/Progress").json()["Result"] == {
        "Uploaded": 4, "Processed": 4}
    done = book(devino_mock, "DELETE", f"ContactsImport/{import_id}/Duplicates", json=request)
    assert done.status_code == 200
    assert done.json()["Result"] == {"InCurrentGroup": 1, "InOtherGroups": 1, "InCurrentImport": ["new@example.com"]}
    assert book(devino_mock, "GET", f"ContactGroups/{group}").json()["Result"]["ContactsCount"] == 2
    again = book(devino_mock, "DELETE", f"ContactsImport/{import_id}/Duplicates", params={
        "ContactGroupId": group, "Field": "2", "Scope": "3", "Groups": f"{other}"})
    assert again.json()["Result"] == {"InCurrentGroup": 0, "InOtherGroups": 0, "InCurrentImport": []}


def test_contact_crud_with_patch(devino_mock):
    group = _group(devino_mock)
    created = book(devino_mock, "POST", "Contacts", json={
        "PhoneNumber": "", "LastName": "Snuk", "MiddleName": "Snuk", "FirstName": "Snuk", "Email": "zzz@gmail.com",
        "Gender": 7, "DateOfBirth": "/Date(1454533200000-0000)/", "ExtraField1": "ddd", "ExtraField2": "ccc",
        "ContactGroupId": group, "MergeFields": {"City": "Moscow"}})
    assert created.status_code == 201
    contact = created.json()["Result"]
    got = book(devino_mock, "GET", f"Contacts/{contact}").json()["Result"]
    assert got == {"ContactId": contact, "PhoneNumber": "", "Email": "zzz@gmail.com", "FirstName": "Snuk",
                   "MiddleName": "Snuk", "LastName": "Snuk", "Gender": 3, "DateOfBirth": "/Date(1454533200000-0000)/",
                   "ExtraField1": "ddd", "ExtraField2": "ccc", "ContactGroupId": group, "MergeFields": {"City": "Moscow"}}
    patched = book(devino_mock, "PATCH", f"Contacts/{contact}", json={"FirstName": "Ivan", "ExtraField2": None,
                                                                      "ContactGroupId": 999})
    assert patched.status_code == 200 and patched.json() == {"Code": "ok", "Description": "ok"}
    got = book(devino_mock, "GET", f"Contacts/{contact}").json()["Result"]
    assert (got["FirstName"], got["LastName"], "ExtraField2" in got, got["ContactGroupId"]) == ("Ivan", "Snuk", False, group)
    bad = book(devino_mock, "PATCH", f"Contacts/{contact}", json={"Email": None})
    assert (bad.status_code, bad.json()["Description"]) == (400, "phone number or email is required")
    assert book(devino_mock, "PATCH", f"Contacts/{contact}", json={"Email": "nope"}).json()["Description"] == \
        "invalid email address"
    for body, text in (({"Email": "a@b.cd"}, "ContactGroupId is required"),
                       ({"Email": "a@b.cd", "ContactGroupId": 99999}, "contact group not found"),
                       ({"PhoneNumber": "1", "ContactGroupId": group}, "invalid phone number")):
        assert book(devino_mock, "POST", "Contacts", json=body).json()["Description"] == text
    assert book(devino_mock, "DELETE", f"Contacts/{contact}").status_code == 200
    assert book(devino_mock, "GET", f"Contacts/{contact}").json()["Description"] == "contact not found"
    assert book(devino_mock, "DELETE", f"Contacts/{contact}").status_code == 404


def test_find_needs_a_range_and_a_query(devino_mock):
    missing = book(devino_mock, "GET", "Contacts", params={"Query": "a@b.cd"})
    assert (missing.status_code, missing.json()["Description"]) == (416, "Range header is required")
    no_query = book(devino_mock, "GET", "Contacts", headers=RANGE)
    assert (no_query.status_code, no_query.json()["Description"]) == (400, "Query is required")


def test_deleting_a_group_deletes_its_contacts_and_queued_rows(devino_mock):
    group = _group(devino_mock)
    book(devino_mock, "POST", "Contacts", json={"Email": "a@example.com", "ContactGroupId": group})
    book(devino_mock, "POST", "ContactsImport", json={"ContactGroupId": group, "Contacts": [{"Email": "b@example.com"}]})
    book(devino_mock, "DELETE", f"ContactGroups/{group}")
    devino_mock.advance(5)
    for address in ("a@example.com", "b@example.com"):
        assert book(devino_mock, "GET", "Contacts", params={"Query": address}, headers=RANGE).json()["Result"] == []


def test_unsubscribed_list_by_campaign_with_range(devino_mock):
    for email, task in (("generated_1@generated.com", 133696), ("generated_11@generated.com", 133696),
                        ("solo@example.com", 0)):
        requests.post(f"{devino_mock.url}/_mock/addressbook/unsubscribed",
                      json={"login": "test_login", "email": email, "task_id": task})
    everything = book(devino_mock, "GET", "Unsubscribed", headers={"Range": "items=1-2"})
    assert everything.status_code == 206 and everything.headers["Content-Range"] == "items 1-2/3"
    assert [u["Email"] for u in everything.json()["Result"]] == ["generated_1@generated.com", "generated_11@generated.com"]
    by_task = book(devino_mock, "GET", "Unsubscribed", params={"taskId": 133696}, headers=RANGE).json()["Result"]
    assert [(u["TaskId"], u["Reason"]) for u in by_task] == [(133696, "Другая причина")] * 2
    assert DATE.match(by_task[0]["DateTime"])
    solo = book(devino_mock, "GET", "Unsubscribed", params={"TaskId": 0}, headers=RANGE).json()["Result"]
    assert solo == [{"Email": "solo@example.com", "DateTime": solo[0]["DateTime"], "Reason": "Другая причина"}]
    assert book(devino_mock, "GET", "Unsubscribed").status_code == 416
    assert book(devino_mock, "GET", "Unsubscribed", headers={"Range": "items=0-3"}).status_code == 416


def test_xml_bodies_and_responses(devino_mock):
    answer = book(devino_mock, "POST", "ContactGroups", data=b"<ContactGroup><Name>xml group</Name></ContactGroup>",
                  headers={"Content-Type": "application/xml"}, params={"format": "xml"})
    assert answer.status_code == 201
    group = int(etree.fromstring(answer.content).findtext("Result"))
    body = (b"<ContactsImport><ContactGroupId>%d</ContactGroupId><Contacts><Contact><Email>x@example.com</Email>"
            b"</Contact><Contact><Email>y@example.com</Email></Contact></Contacts></ContactsImport>" % group)
    imported = book(devino_mock, "POST", "ContactsImport", data=body, headers={"Content-Type": "text/xml"})
    assert imported.json()["Result"]["ValidContacts"] == 2


@pytest.mark.parametrize("path", ["Contacts/abc", "ContactGroups/1.5", "Contacts/99999999999999999999999"])
def test_odd_ids_are_not_found(devino_mock, path):
    answer = book(devino_mock, "GET", path)
    assert answer.status_code == 404 and answer.json()["Code"] == "validation_error"
