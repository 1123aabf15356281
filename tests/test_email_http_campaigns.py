"""Campaigns (E4–E8) over real sockets with the PyPI client: counters, the state machine and its
errors, sending to address-book groups over the virtual clock, the unsubscribed list, and
statistics that add up; e-mail callbacks (JSON, XML, retries) and magic addresses."""

from __future__ import annotations

import datetime
import json
import re

import pytest
import requests
from email_devino.client import DevinoException
from lxml import etree

from tests.email_http_helpers import LETTER, SENDER, book, client, email, group_with, received, with_callbacks

DATE = re.compile(r"^/Date\(\d{13}-0000\)/$")


def _task(api, group: int, **extra):
    return api.add_task("spring", SENDER, "Shop", "Hello [FirstName]", LETTER, contact_list=[(group, True)], **extra)


def test_campaign_sends_to_its_groups_over_the_clock(devino_mock):
    group = group_with(devino_mock, ["a@example.com", "b@example.com", "c@example.com"])
    other = group_with(devino_mock, ["A@example.com"], name="vip")
    requests.post(f"{devino_mock.url}/_mock/addressbook/unsubscribed",
                  json={"login": "test_login", "email": "c@example.com"})
    api = client(devino_mock)
    created = api.add_task("spring", SENDER, "Shop", "Hello [FirstName]", LETTER,
                           contact_list=[(group, True), (other, True)])
    assert (created.code, created.description) == ("ok", "new task added")
    counters = created.result
    task_id = counters["TaskId"]
    assert {k: counters[k] for k in ("TotalContacts", "Dublicates", "Duplicates", "Unsubscribed", "Excluded",
                                     "OverPackage", "SpamScore")} == {
        "TotalContacts": 2, "Dublicates": 1, "Duplicates": 1, "Unsubscribed": 1, "Excluded": 0, "OverPackage": 0,
        "SpamScore": 0}
    task = api.get_task(task_id).result
    assert (task["State"], task["Type"], task["Sender"], task["TaskId"]) == (
        "New", "Distribution", {"Address": SENDER, "Name": "Shop"}, task_id)
    assert task["ContactGroups"] == [{"Id": group, "Included": True}, {"Id": other, "Included": True}] and task["Counters"]["TotalContacts"] == 2
    devino_mock.advance(60)
    assert devino_mock.messages(channel="email") == []  # New does not send
    assert api.edit_task_status(task_id, 1).code == "ok"  # Created: starts at once (no StartDateTime)
    sent = devino_mock.messages(channel="email")
    assert sorted(m["destination"] for m in sent) == ["a@example.com", "b@example.com"]
    assert {m["transport"] for m in sent} == {"email_task"}
    assert {m["subject"] for m in sent} == {"Hello Name0", "Hello Name1"}
    assert api.get_task(task_id).result["State"] == "Finished"
    devino_mock.advance(5)
    stats = api.get_state(id_task=task_id).result
    assert (stats["Delivered"], stats["Total"]) == (2, 2)
    detail = api.get_state_detailing(id_task=task_id).result
    assert [d["DestinationEmail"] for d in detail] == ["a@example.com", "b@example.com"]
    [item] = api.get_tasks(1, 10).result
    assert (item["ID"], item["State"], item["CompletedContacts"], item["PercentageCompleted"]) == (
        task_id, "Finished", 2, 100)
    assert DATE.match(item["NextStartDateTime"]) and item["GlobalStateInfo"] == {"State": "Finished"}


def test_smooth_campaign_waits_for_its_start_and_can_be_stopped_and_resumed(devino_mock):
    """StartDateTime an hour ahead, EndDateTime an hour later: 30 letters spread two minutes apart."""
    group = group_with(devino_mock, [f"u{i}@example.com" for i in range(30)])
    api = client(devino_mock)
    now = datetime.datetime.fromisoformat(devino_mock.now().replace("Z", "+00:00")).replace(tzinfo=None)
    start, end = now + datetime.timedelta(hours=1), now + datetime.timedelta(hours=2)
    task_id = _task(api, group, start=start, end=end).result["TaskId"]
    assert email(devino_mock, "PUT", f"Tasks/{task_id}/State", json={"State": "created"}).status_code == 200
    devino_mock.advance(1800)
    assert devino_mock.messages(channel="email") == []
    listed = api.get_tasks().result[0]
    assert (listed["State"], listed["IsSmooth"]) == ("Waiting", True)
    devino_mock.advance(1800)  # the start: the first letter
    assert len(devino_mock.messages(channel="email")) == 1
    devino_mock.advance(120)
    assert len(devino_mock.messages(channel="email")) == 2
    api.edit_task_status(task_id, 3)  # Stopped
    devino_mock.advance(600)
    assert len(devino_mock.messages(channel="email")) == 2
    listed = api.get_tasks().result[0]
    assert (listed["State"], listed["GlobalState"], listed["CompletedContacts"]) == ("Stopped", "Paused", 2)
    api.edit_task_status(task_id, 2)  # resumed: catches up with the schedule, then keeps to it
    assert 3 <= len(devino_mock.messages(channel="email")) <= 8
    devino_mock.advance(3600)
    assert len(devino_mock.messages(channel="email")) == 30
    assert api.get_task(task_id).result["State"] == "Finished"
    with pytest.raises(DevinoException) as failure:
        api.edit_task_status(task_id, 2)
    assert failure.value.http_status == 400
    assert failure.value.error.description == "invalid state transition from Finished to Started"


def test_campaign_sends_a_hundred_a_second(devino_mock):
    group = group_with(devino_mock, [f"u{i}@example.com" for i in range(300)])
    api = client(devino_mock)
    task_id = _task(api, group).result["TaskId"]
    api.edit_task_status(task_id, 1)
    assert len(devino_mock.messages(channel="email")) < 300
    devino_mock.advance(3)
    assert len(devino_mock.messages(channel="email")) == 300
    assert api.get_task(task_id).result["State"] == "Finished"


def test_unsubscribes_after_creation_are_honoured(devino_mock):
    group = group_with(devino_mock, ["keep@example.com", "leave@example.com"])
    api = client(devino_mock)
    task_id = _task(api, group).result["TaskId"]
    requests.post(f"{devino_mock.url}/_mock/addressbook/unsubscribed",
                  json={"login": "test_login", "email": "leave@example.com", "task_id": task_id})
    api.edit_task_status(task_id, 1)
    assert [m["destination"] for m in devino_mock.messages(channel="email")] == ["keep@example.com"]
    assert api.get_task(task_id).result["Counters"]["Unsubscribed"] == 1


def test_edit_only_in_new_and_validation(devino_mock):
    group = group_with(devino_mock, ["a@example.com"])
    api = client(devino_mock)
    task_id = _task(api, group).result["TaskId"]
    edited = api.edit_task(task_id, "renamed", SENDER, "Shop", "Subject", LETTER, contact_list=[(group, False)])
    assert edited.result["TotalContacts"] == 0 and api.get_task(task_id).result["Name"] == "renamed"
    api.edit_task_status(task_id, 1)
    with pytest.raises(DevinoException) as failure:
        api.edit_task(task_id, "again", SENDER, "Shop", "S", LETTER)
    assert failure.value.error.description == "only tasks in state New can be edited"
    cases = [
        ({"Text": "no macros"}, "text must contain [Unsubscribe] and [WebVersion] macros"),
        ({"ContactGroups": [{"Id": 999999, "included": True}]}, "contact group 999999 not found"),
        ({"Type": 3}, "invalid task type"),
        ({"TemplateId": "404"}, "template 404 not found"),
        ({"Subject": ""}, "Subject is required"),
        ({"StartDateTime": "31/31/2030"}, "invalid value of StartDateTime"),
    ]
    base = {"Name": "t", "Sender": {"Address": SENDER, "Name": "n"}, "Subject": "s", "Text": LETTER, "Type": 1}
    for change, description in cases:
        answer = email(devino_mock, "POST", "Tasks", json={**base, **change})
        assert (answer.status_code, answer.json()) == (400, {"Code": "validation_error", "Description": description})
    documented = {"Name": "test", "Sender": {"Address": "xxx@gmail.com", "Name": "yyy"}, "Subject": "test subj",
                  "Body": {"Html": "test [Unsubscribe][WebVersion]", "PlainText": "test"},
                  "StartDateTime": "08/31/2015 13:30:38", "UserCampaignId": "",
                  "ContactGroups": [{"Id": group, "Included": True}, {"Id": group, "Included": True}]}
    answer = email(devino_mock, "POST", "Tasks", json=documented)
    assert answer.status_code == 201 and answer.json()["Result"]["TotalContacts"] == 1
    missing = email(devino_mock, "GET", "Tasks/424242")
    assert (missing.status_code, missing.json()["Description"]) == (404, "task not found")
    assert email(devino_mock, "GET", "Tasks").status_code == 416
    assert email(devino_mock, "PUT", f"Tasks/{task_id}/State", json={"State": "Bogus"}).status_code == 400


def test_campaign_from_a_template_and_one_account_never_sees_another(devino_mock):
    template = email(devino_mock, "POST", "Templates", json={
        "Name": "t", "Sender": {"Address": SENDER, "Name": "T"}, "Subject": "From template",
        "Body": {"Html": LETTER}}).json()["Result"]
    group = group_with(devino_mock, ["a@example.com"])
    answer = email(devino_mock, "POST", "Tasks", json={"Name": "x", "TemplateId": str(template),
                                                        "ContactGroups": [{"Id": group, "Included": True}]})
    assert answer.status_code == 201, answer.text
    task_id = answer.json()["Result"]["TaskId"]
    assert email(devino_mock, "GET", f"Tasks/{task_id}").json()["Result"]["Subject"] == "From template"
    devino_mock.add_account("other", "pw")
    assert email(devino_mock, "GET", f"Tasks/{task_id}", auth=("other", "pw")).status_code == 404
    foreign = email(devino_mock, "POST", "Tasks", auth=("other", "pw"), json={
        "Name": "x", "Sender": {"Address": SENDER}, "Subject": "s", "Text": LETTER,
        "ContactGroups": [{"Id": group, "Included": True}]})
    assert foreign.json()["Description"] == f"contact group {group} not found"


# --- callbacks ---------------------------------------------------------------------------------

def _send(mock, address: str, **extra) -> str:
    answer = email(mock, "POST", "messages", json={"Sender": {"Address": SENDER}, "Subject": "s",
                                                    "Body": {"PlainText": "t"}, "UserCampaignId": "camp-1",
                                                    "Recipients": [{"Address": address, "RecipientId": "rcp-1"}],
                                                    **extra})
    assert answer.status_code == 201, answer.text
    return answer.json()["Result"][0]["MessageId"]


def test_json_callbacks_in_order_with_the_documented_fields(devino_mock):
    with_callbacks(devino_mock)
    message_id = _send(devino_mock, "reader@click.test")
    devino_mock.advance(20)
    events = [json.loads(r["body"])["messageEventDtos"][0] for r in received(devino_mock)]
    assert [e["event"] for e in events] == ["SENT", "DELIVERED", "OPENED", "CLICKED"]
    sent = events[0]
    assert sent == {"messageId": message_id, "taskId": 0, "userMessageId": "rcp-1", "userCampaignId": "camp-1",
                    "email": "reader@click.test", "event": "SENT", "url": None, "dateTime": sent["dateTime"],
                    "clientInfo": {"platform": None, "operatingSystem": None, "browser": None, "userAgent": None,
                                   "ipAddress": None, "geolocation": {"country": None, "region": None, "city": None}},
                    "isHardbounce": None, "reason": None}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}", sent["dateTime"])
    assert events[2]["clientInfo"]["platform"] == "DESKTOP" and events[3]["url"] == "http://example.com"
    first = received(devino_mock)[0]
    assert first["method"] == "POST" and first["headers"]["Content-Type"] == "application/json; charset=utf-8"


@pytest.mark.parametrize("address, reason, hard", [
    ("x@bounce.test", "bad-mailbox", True), ("x@softbounce.test", "quota-issues", False),
    ("x@spam.test", "spam-related", False), ("x@nowhere.invalid", "bad-domain", True),
])
def test_magic_bounces_report_their_reason(devino_mock, address, reason, hard):
    with_callbacks(devino_mock)
    message_id = _send(devino_mock, address)
    devino_mock.advance(5)
    [state] = email(devino_mock, "GET", f"Messages/{message_id}").json()["Result"]
    assert state["State"] == "Bounced"
    last = json.loads(received(devino_mock)[-1]["body"])["messageEventDtos"][0]
    assert (last["event"], last["reason"], last["isHardbounce"]) == ("BOUNCED", reason, hard)


def test_other_magic_addresses(devino_mock):
    ids = {a: _send(devino_mock, a) for a in ("a@read.test", "a@reject.test", "a@never.test", "a@slow.test",
                                            "a@delivered.test")}
    devino_mock.advance(30)
    states = {s["Email"]: s["State"] for s in email(devino_mock, "GET", "Messages/" + ",".join(ids.values())).json()["Result"]}
    assert states == {"a@read.test": "Read", "a@reject.test": "Rejected", "a@never.test": "Sent",
                      "a@slow.test": "NotSent", "a@delivered.test": "Delivered"}
    devino_mock.advance(48 * 3600)
    never = devino_mock.message(devino_mock.messages(destination="a@never.test")[0]["id"])
    assert (never["status"], never["error"]) == ("Bounced", "message-expired")
    assert devino_mock.messages(destination="a@slow.test")[0]["status"] == "Delivered"


def test_xml_callbacks_leave_nulls_out(devino_mock):
    with_callbacks(devino_mock, "xml")
    _send(devino_mock, "x@bounce.test")
    devino_mock.advance(5)
    bounce = received(devino_mock)[-1]
    assert bounce["headers"]["Content-Type"] == "application/xml; charset=utf-8"
    assert bounce["body"].startswith('<?xml version=\'1.0\' encoding=\'UTF-8\' standalone=\'yes\'?>')
    dto = etree.fromstring(bounce["body"].encode()).find("messageEventDto")
    assert [c.tag for c in dto] == ["messageId", "taskId", "userMessageId", "userCampaignId", "email", "event",
                                    "dateTime", "clientInfo", "isHardbounce", "reason"]
    assert [c.tag for c in dto.find("clientInfo")] == ["geolocation"]
    assert (dto.findtext("isHardbounce"), dto.findtext("reason")) == ("true", "bad-mailbox")


def test_callbacks_are_retried_on_the_clock(devino_mock):
    with_callbacks(devino_mock)
    requests.post(f"{devino_mock.url}/_mock/sinks/mail/responses", json={"status": 500, "times": 2})
    _send(devino_mock, "x@example.com")
    devino_mock.advance(1)  # SENT, attempt 1 fails; retried a second later
    assert len(received(devino_mock)) == 1
    devino_mock.advance(1)  # attempt 2 fails too; the next after 5 s
    devino_mock.advance(5)
    log = requests.get(f"{devino_mock.url}/_mock/callbacks", params={"kind": "email"}).json()
    assert [a["http_status"] for a in log[0]["attempts"]] == [500, 500, 200]
    assert log[0]["state"] == "delivered" and log[1]["state"] == "delivered"  # DELIVERED waited its turn
    bodies = [json.loads(r["body"])["messageEventDtos"][0]["event"] for r in received(devino_mock)]
    assert bodies == ["SENT", "SENT", "SENT", "DELIVERED"]


def test_unsubscribed_recipient_is_rejected_and_events_from_control(devino_mock):
    with_callbacks(devino_mock)
    message_id = _send(devino_mock, "fan@example.com")
    devino_mock.advance(3)
    forced = requests.post(f"{devino_mock.url}/_mock/email/messages/{message_id}/events",
                           json={"event": "CLICKED", "url": "https://shop.example.com/x"})
    assert forced.status_code == 200 and forced.json()["status"] == "Clicked"
    requests.post(f"{devino_mock.url}/_mock/email/messages/{message_id}/events",
                  json={"event": "UNSUBSCRIBED", "reason": "Скучные рассылки у вас"})
    events = [json.loads(r["body"])["messageEventDtos"][0] for r in received(devino_mock)]
    assert [e["event"] for e in events][-2:] == ["CLICKED", "UNSUBSCRIBED"]
    assert events[-2]["url"] == "https://shop.example.com/x"
    unsubscribed = book(devino_mock, "GET", "Unsubscribed", headers={"Range": "items=1-10"}).json()["Result"]
    assert [(u["Email"], u["Reason"]) for u in unsubscribed] == [("fan@example.com", "Скучные рассылки у вас")]
    again = _send(devino_mock, "fan@example.com")
    devino_mock.advance(1)
    [state] = email(devino_mock, "GET", f"Messages/{again}").json()["Result"]
    assert state["State"] == "Rejected"
    last = json.loads(received(devino_mock)[-1]["body"])["messageEventDtos"][0]
    assert (last["event"], last["reason"], last["isHardbounce"]) == ("BOUNCED", "already_unsubscribed", False)
    requests.post(f"{devino_mock.url}/_mock/email/messages/{message_id}/events", json={"event": "SUBSCRIBED"})
    assert book(devino_mock, "GET", "Unsubscribed", headers={"Range": "items=1-10"}).json()["Result"] == []
    bad = requests.post(f"{devino_mock.url}/_mock/email/messages/{message_id}/events", json={"event": "EXPLODED"})
    assert bad.status_code == 400


def _born(mock, group: int, address: str, day: datetime.date) -> None:
    answer = book(mock, "POST", "Contacts", json={"ContactGroupId": group, "Email": address, "FirstName": "B",
                                                  "DateOfBirth": f"{day.isoformat()}T00:00:00"})
    assert answer.status_code in (200, 201), answer.text


def test_a_birthday_campaign_writes_daily_to_whoever_has_a_birthday_and_never_finishes(devino_mock):
    now = datetime.datetime.fromisoformat(devino_mock.now().replace("Z", "+00:00"))
    start = (now + datetime.timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
    today, tomorrow = start.date(), start.date() + datetime.timedelta(days=1)
    group = group_with(devino_mock, [])
    # Leap years of birth: any day of the year exists in them.
    _born(devino_mock, group, "today@example.com", today.replace(year=1992))
    _born(devino_mock, group, "tomorrow@example.com", tomorrow.replace(year=1988))
    _born(devino_mock, group, "never@example.com", (today + datetime.timedelta(days=100)).replace(year=1972))
    api = client(devino_mock)
    task_id = api.add_task("birthdays", SENDER, "Shop", "Happy birthday, [FirstName]", LETTER, type_task=2,
                           start=start.replace(tzinfo=None), contact_list=[(group, True)]).result["TaskId"]
    assert api.edit_task_status(task_id, 1).code == "ok"  # Created: waits for StartDateTime
    assert devino_mock.messages(channel="email") == []
    devino_mock.advance((start - now).total_seconds())
    assert [m["destination"] for m in devino_mock.messages(channel="email")] == ["today@example.com"]
    [item] = api.get_tasks(1, 10).result
    assert (item["Type"], item["Period"], item["State"]) == ("Birthday", "Daily", "Started")
    next_run = int(re.search(r"\d{13}", item["NextStartDateTime"]).group()) / 1000
    assert next_run == (start + datetime.timedelta(days=1)).timestamp()
    api.edit_task_status(task_id, 3)  # stopped and started again the same day: nobody gets it twice
    api.edit_task_status(task_id, 2)
    assert len(devino_mock.messages(channel="email")) == 1
    devino_mock.advance(86_400)
    assert [m["destination"] for m in devino_mock.messages(channel="email")] == ["today@example.com",
                                                                              "tomorrow@example.com"]
    devino_mock.advance(3 * 86_400)
    assert len(devino_mock.messages(channel="email")) == 2 and api.get_task(task_id).result["State"] == "Started"


def test_a_leap_day_birthday_is_kept_on_the_28th_in_other_years():
    from devino_mock.core.services.campaigns import _birthday_on

    born = datetime.datetime(2000, 2, 29)
    assert _birthday_on(born, datetime.date(2027, 2, 28)) and not _birthday_on(born, datetime.date(2027, 3, 1))
    assert _birthday_on(born, datetime.date(2028, 2, 29)) and not _birthday_on(born, datetime.date(2028, 2, 28))


def test_a_package_limits_what_is_written_and_the_rest_bounces(devino_mock):
    devino_mock.add_account("test_login", "test123", email_package=2)
    group = group_with(devino_mock, ["a@example.com", "b@example.com", "c@example.com"])
    api = client(devino_mock)
    counters = _task(api, group).result
    assert (counters["TotalContacts"], counters["OverPackage"]) == (2, 1)  # nothing goes to the one beyond
    api.edit_task_status(counters["TaskId"], 1)
    assert sorted(m["destination"] for m in devino_mock.messages(channel="email")) == ["a@example.com",
                                                                                       "b@example.com"]
    assert devino_mock.account("test_login")["email_package"] == 0
    answer = email(devino_mock, "POST", "messages", json={"Sender": {"Address": SENDER}, "Subject": "s",
                                                          "Body": {"PlainText": "t"},
                                                          "Recipients": [{"Address": "d@example.com"}]})
    assert answer.status_code == 201  # accepted, as the platform accepts it, then bounced
    devino_mock.advance(60)
    [late] = devino_mock.messages(destination="d@example.com")
    assert (late["status"], late["error"]) == ("Bounced", "overpackage-related")
    refused = requests.post(f"{devino_mock.url}/_mock/accounts",
                            json={"login": "x", "password": "y", "email_package": 1.5})
    assert refused.status_code == 400 and "email_package" in refused.json()["error"]


def test_a_campaign_keeps_the_spam_score_its_account_had_when_it_was_saved(devino_mock):
    devino_mock.add_account("test_login", "test123", email_spam_score=2.2)
    group = group_with(devino_mock, ["a@example.com"])
    api = client(devino_mock)
    counters = _task(api, group).result
    assert counters["SpamScore"] == 2.2  # a decimal, as the documentation's example shows it
    task_id = counters["TaskId"]
    devino_mock.add_account("test_login", "test123", email_spam_score=5)
    assert api.get_task(task_id).result["Counters"]["SpamScore"] == 2.2  # scored when saved
    raw = email(devino_mock, "GET", f"Tasks/{task_id}").json()
    assert raw["Result"]["Counters"]["SpamScore"] == 2.2
    later = _task(api, group).result["TaskId"]
    # A whole score is the int the table types it as: 5, not 5.0.
    assert re.search(r'"SpamScore":\s*5[,}]', email(devino_mock, "GET", f"Tasks/{later}").text)
    for bad in (-1, 100.5, "2", True, None, 10**400):
        refused = requests.post(f"{devino_mock.url}/_mock/accounts",
                                json={"login": "x", "password": "y", "email_spam_score": bad})
        assert refused.status_code == 400, bad
        assert refused.json()["error"] == "'email_spam_score' must be a number from 0 to 100", bad
    nan = requests.post(f"{devino_mock.url}/_mock/accounts", data='{"login": "x", "password": "y", '
                        '"email_spam_score": NaN}', headers={"Content-Type": "application/json"})
    assert nan.status_code == 400
