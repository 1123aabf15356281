"""E-mail HTTP API over real sockets: sender addresses (E1–E3), templates (E9–E13),
transactional messages (E16–E18), statistics (E14, E15), the envelope, localisation, XML,
Range and Basic auth; the PyPI client sw-python-email-devino unchanged where it has a call."""

from __future__ import annotations

import datetime
import re

import pytest
import requests
from email_devino.client import DevinoException
from lxml import etree

from tests.email_http_helpers import AUTH, LETTER, LOGIN, PASSWORD, SENDER, client, email
from tests.smtp_helpers import send as smtp_send

DATE = re.compile(r"^/Date\(\d{13}-0000\)/$")


# --- sender addresses (E1–E3) -------------------------------------------------------------------

def test_sender_addresses_with_the_client(devino_mock):
    api = client(devino_mock)
    added = api.add_sender_address("from@example.com")
    assert (added.code, added.description) == ("ok", "ok")
    api.add_sender_address("second@example.com")
    listed = api.get_sender_addresses().result
    assert listed == [{"SourceAddress": "from@example.com", "State": 1, "IsDefault": True},
                      {"SourceAddress": "second@example.com", "State": 1, "IsDefault": False}]
    assert api.del_sender_address("from@example.com").code == "ok"
    assert [s["SourceAddress"] for s in api.get_sender_addresses().result] == ["second@example.com"]
    assert api.get_sender_addresses().result[0]["IsDefault"] is True
    with pytest.raises(DevinoException) as failure:
        api.del_sender_address("from@example.com")
    assert failure.value.http_status == 404
    assert failure.value.error.code == "validation_error"


def test_sender_address_post_status_and_errors(devino_mock):
    answer = email(devino_mock, "POST", "UserSettings/SourceAddresses", json={"SourceAddress": "a@example.com"})
    assert answer.status_code == 201 and answer.json() == {"Code": "ok", "Description": "ok"}
    again = email(devino_mock, "POST", "UserSettings/SourceAddresses", json={"SenderAddress": "A@example.com"})
    assert again.status_code == 400 and again.json()["Description"] == "source address already exists"
    bad = email(devino_mock, "POST", "UserSettings/SourceAddresses", json={"SourceAddress": "not-an-address"},
                headers={"Accept-Language": "ru-RU"})
    assert bad.status_code == 400
    assert bad.json() == {"Code": "validation_error", "Description": "некорректный email адрес: not-an-address"}
    missing = email(devino_mock, "POST", "UserSettings/SourceAddresses", json={})
    assert (missing.status_code, missing.json()["Description"]) == (400, "SenderAddress is required")
    # Percent-encoded @ in the path
    assert email(devino_mock, "DELETE", "UserSettings/SourceAddresses/a%40example.com").status_code == 200


def test_restricted_account_approves_requested_senders(devino_mock):
    devino_mock.add_account("restricted", "pw", email_senders=["only@example.com"])
    auth = ("restricted", "pw")
    send = {"Sender": {"Address": "new@example.com"}, "Recipients": [{"Address": "to@example.com"}],
            "Subject": "s", "Body": {"PlainText": "t"}}
    refused = email(devino_mock, "POST", "messages", auth=auth, json=send)
    assert (refused.status_code, refused.json()["Description"]) == (400, "source address is not approved")
    email(devino_mock, "POST", "UserSettings/SourceAddresses", auth=auth, json={"SourceAddress": "new@example.com"})
    assert email(devino_mock, "POST", "messages", auth=auth, json=send).status_code == 201
    listed = email(devino_mock, "GET", "UserSettings/SourceAddresses", auth=auth).json()["Result"]
    assert [s["SourceAddress"] for s in listed] == ["only@example.com", "new@example.com"]


def test_a_manager_approves_sender_addresses_after_a_delay_or_when_told(devino_mock):
    devino_mock.add_account("slow", "pw", sender_approval_delay=3600)
    devino_mock.add_account("manual", "pw", sender_approval_delay=None)
    send = {"Recipients": [{"Address": "to@example.com"}], "Subject": "s", "Body": {"PlainText": "t"}}

    def listed(login: str) -> list:
        return email(devino_mock, "GET", "UserSettings/SourceAddresses", auth=(login, "pw")).json()["Result"]

    def sends(login: str, address: str) -> int:
        return email(devino_mock, "POST", "messages", auth=(login, "pw"),
                     json={**send, "Sender": {"Address": address}}).status_code

    for login in ("slow", "manual"):
        assert email(devino_mock, "POST", "UserSettings/SourceAddresses", auth=(login, "pw"),
                     json={"SourceAddress": "news@example.com"}).status_code == 201
        assert listed(login) == [{"SourceAddress": "news@example.com", "State": 0, "IsDefault": False}]
        assert sends(login, "news@example.com") == 400  # requested, not yet approved
    devino_mock.advance(3600)
    assert listed("slow") == [{"SourceAddress": "news@example.com", "State": 1, "IsDefault": True}]
    assert sends("slow", "news@example.com") == 201
    assert listed("manual")[0]["State"] == 0  # waits for the manager
    decide = f"{devino_mock.url}/_mock/email/senders"
    approved = requests.post(decide, json={"login": "manual", "address": "NEWS@example.com", "state": "approve"})
    assert approved.status_code == 200 and approved.json()["state"] == 1
    assert sends("manual", "news@example.com") == 201
    rejected = requests.post(decide, json={"login": "manual", "address": "news@example.com", "state": 2})
    assert rejected.json()["state"] == 2 and listed("manual") == []  # E1 lists approved and requested ones
    assert sends("manual", "news@example.com") == 400
    for bad, status, error in (({"login": "manual", "address": "x@example.com", "state": 1}, 404,
                                "no sender address 'x@example.com' of 'manual'"),
                               ({"login": "manual", "address": "news@example.com", "state": True}, 400,
                                "'state' must be \"approve\" (1) or \"reject\" (2)"),
                               ({"login": "nobody", "address": "a@b.c", "state": 1}, 404, "no account 'nobody'")):
        answer = requests.post(decide, json=bad)
        assert (answer.status_code, answer.json()) == (status, {"error": error})
    refused = requests.post(f"{devino_mock.url}/_mock/accounts",
                            json={"login": "x", "password": "y", "sender_approval_delay": -1})
    assert refused.status_code == 400 and "sender_approval_delay" in refused.json()["error"]


# --- templates (E9–E13) -------------------------------------------------------------------------

def test_templates_with_the_client(devino_mock):
    api = client(devino_mock)
    created = api.add_template("welcome", LETTER, SENDER, "Sender", "Hi [FirstName]", "ext-1")
    template_id = created.result
    assert isinstance(template_id, int) and created.code == "ok"
    got = api.get_template(template_id).result
    assert got == {"TemplateId": template_id, "Name": "welcome", "Sender": {"Address": SENDER, "Name": "Sender"},
                   "Subject": "Hi [FirstName]", "Body": {"Html": LETTER}, "UserTemplateId": "ext-1",
                   "MergeFields": ["FirstName"]}
    edited = api.edit_template(template_id, "renamed", LETTER + " v2").result
    assert edited["Name"] == "renamed" and edited["Sender"] == {} and "MergeFields" not in edited
    listed = email(devino_mock, "GET", "Templates/").json()["Result"]
    assert [t["TemplateId"] for t in listed] == [template_id]
    assert api.del_template(template_id).code == "ok"
    with pytest.raises(DevinoException) as failure:
        api.get_template(template_id)
    assert (failure.value.http_status, failure.value.error.description) == (404, "template not found")


def test_template_validation(devino_mock):
    no_macros = email(devino_mock, "POST", "Templates", json={"Name": "t", "Body": {"Html": "plain text"}})
    assert no_macros.status_code == 400
    assert no_macros.json()["Description"] == "text must contain [Unsubscribe] and [WebVersion] macros"
    ru = email(devino_mock, "POST", "Templates", json={"Name": "t", "Body": {"Html": "x"}},
               headers={"Accept-Language": "ru"})
    assert ru.json()["Description"] == "текст должен содержать макросы [Unsubscribe] и [WebVersion]"
    no_name = email(devino_mock, "POST", "Templates", json={"Body": {"Html": LETTER}})
    assert (no_name.status_code, no_name.json()["Description"]) == (400, "Name is required")
    documented = email(devino_mock, "POST", "Templates",
                       json={"Name": "test", "Sender": {"Name": "good sender"},
                             "Body": {"Html": "test [Unsubscribe] [WebVersion]", "PlainText": "test message"}})
    assert documented.status_code == 201 and documented.json()["Description"] == "ok"
    assert email(devino_mock, "PUT", "Templates/999999", json={"Name": "x", "Body": {"Html": LETTER}}).status_code == 404
    odd = email(devino_mock, "GET", "Templates/abc")
    assert (odd.status_code, odd.json()) == (404, {"Code": "validation_error", "Description": "template not found"})


# --- transactional messages (E16–E18) -----------------------------------------------------------

def test_legacy_message_with_the_client_moves_on_the_clock(devino_mock):
    api = client(devino_mock)
    sent = api.send_transactional_message(SENDER, "Shop", "user@example.com", "User", "Order", "Your order",
                                          user_message_id="u-1", user_campaign_id="c-1")
    assert (sent.code, sent.description) == ("ok", "message queued to send")
    message_id = sent.result
    assert re.fullmatch(r"M[0-9A-Za-z]{10}", message_id)
    state = api.get_status_transactional_message([message_id]).result
    assert state == [{"MessageId": message_id, "Email": "user@example.com", "State": "NotSent"}]
    devino_mock.advance(1)
    assert api.get_status_transactional_message([message_id]).result[0]["State"] == "Sent"
    devino_mock.advance(2)
    assert api.get_status_transactional_message([message_id]).result[0]["State"] == "Delivered"
    [journal] = devino_mock.messages(channel="email")
    assert (journal["transport"], journal["subject"], journal["text"]) == ("email_api", "Order", "Your order")


def test_v2_messages_merge_fields_and_per_recipient_codes(devino_mock):
    body = {
        "Sender": {"Address": "sourceaddress@example.com", "Name": "Test"},
        "Recipients": [
            {"MergeFields": {"ExtField": "5 дней", "Name": "Иван"}, "RecipientId": "r-1", "Address": "ivan@example.com",
             "Name": "Ivan"},
            {"Address": "broken@", "Name": "Nobody"},
            {"Address": "x@example.com", "RecipientId": "y" * 33},
        ],
        "Subject": "Ув. [Name]!",
        "Body": {"Html": "Ув. [Name]! Осталось [ExtField]<br><a href=\"[Unsubscribe]\">Отписаться</a>",
                 "PlainText": "Ув. {ExtField}! Ждем вас завтра! [Unsubscribe]"},
        "UserCampaignId": "1234",
    }
    answer = email(devino_mock, "POST", "v2/messages", json=body)
    assert answer.status_code == 201
    first, second, third = answer.json()["Result"]
    assert first["Index"] == 0 and first["Code"] == "ok" and first["Address"] == "ivan@example.com"
    assert (second["Index"], second["Code"], "MessageId" in second) == (1, "validation_error", False)
    assert third["Code"] == "validation_error" and third["Description"] == "invalid RecipientId"
    [journal] = devino_mock.messages(channel="email")
    assert journal["subject"] == "Ув. Иван!"
    assert journal["text"] == "Ув. 5 дней! Ждем вас завтра! [Unsubscribe]"
    assert journal["extra"]["html"].startswith("Ув. Иван! Осталось 5 дней")
    states = email(devino_mock, "GET", f"Messages/{first['MessageId']}").json()["Result"]
    assert states == [{"MessageId": first["MessageId"], "Email": "ivan@example.com", "State": "NotSent",
                       "RecipientId": "r-1"}]


def test_v2_messages_request_level_errors(devino_mock):
    base = {"Sender": {"Address": SENDER}, "Recipients": [{"Address": "a@example.com"}], "Subject": "s",
            "Body": {"PlainText": "t"}}
    all_bad = email(devino_mock, "POST", "messages", json={**base, "Recipients": [{"Address": "nope"}]})
    assert all_bad.status_code == 400 and all_bad.json()["Code"] == "validation_error"
    no_body = email(devino_mock, "POST", "messages", json={k: v for k, v in base.items() if k != "Body"})
    assert (no_body.status_code, no_body.json()["Description"]) == (400, "Body is required")
    bad_template = email(devino_mock, "POST", "messages", json={**base, "TemplateId": "nope"})
    assert (bad_template.status_code, bad_template.json()["Description"]) == (400, "template nope not found")
    huge = email(devino_mock, "POST", "messages", json={**base, "Body": {"PlainText": "x" * (10 * 1024 * 1024 + 1)}})
    assert (huge.status_code, huge.json()["Description"]) == (400, "text and subject size exceeds 10 MB")
    bad_json = email(devino_mock, "POST", "messages", data=b"{not json", headers={"Content-Type": "application/json"})
    assert (bad_json.status_code, bad_json.json()) == (400, {"Code": "validation_error",
                                                             "Description": "invalid request body"})
    assert devino_mock.messages(channel="email") == []


def test_message_from_a_template_by_external_id(devino_mock):
    email(devino_mock, "POST", "Templates", json={"Name": "t", "UserTemplateId": "welcome",
                                                  "Sender": {"Address": SENDER}, "Subject": "Hello [Name]",
                                                  "Body": {"Html": "Hi [Name] [Unsubscribe] [WebVersion]"}})
    answer = email(devino_mock, "POST", "messages", json={"TemplateId": "welcome", "Recipients": [
        {"Address": "a@example.com", "MergeFields": {"Name": "Ann"}}]})
    assert answer.status_code == 201, answer.text
    [journal] = devino_mock.messages(channel="email")
    assert (journal["source"], journal["subject"], journal["text"]) == (SENDER, "Hello Ann",
                                                                       "Hi Ann [Unsubscribe] [WebVersion]")


def test_statuses_only_unique_own_and_at_most_150(devino_mock):
    ids = [email(devino_mock, "POST", "messages", json={
        "Sender": {"Address": SENDER}, "Recipients": [{"Address": f"u{i}@example.com"}], "Subject": "s",
        "Body": {"PlainText": "t"}}).json()["Result"][0]["MessageId"] for i in range(2)]
    devino_mock.add_account("other", "pw")
    path = f"Messages/{ids[0]},{ids[1]},{ids[0]},Mzzz,12345"
    assert [s["MessageId"] for s in email(devino_mock, "GET", path).json()["Result"]] == ids
    assert email(devino_mock, "GET", path, auth=("other", "pw")).json()["Result"] == []
    too_many = email(devino_mock, "GET", "Messages/" + ",".join(f"M{i}" for i in range(151)))
    assert (too_many.status_code, too_many.json()["Description"]) == (400, "too many message ids (max 150)")


def test_a_mail_sent_over_smtp_is_one_of_the_e_mail_journal(devino_mock):
    raw = (f"From: {SENDER}\r\nTo: reader@example.com\r\nSubject: Over SMTP\r\n\r\nHello [Unsubscribe] [WebVersion]\r\n"
           ).encode()
    code, reply = smtp_send(devino_mock, raw, ["reader@example.com"], login=AUTH, sender=SENDER)
    assert code == 250
    numeric = reply.decode().split()[-1]
    devino_mock.advance(3)
    [state] = email(devino_mock, "GET", f"Messages/{numeric}").json()["Result"]
    assert (state["Email"], state["State"]) == ("reader@example.com", "Delivered")
    today = datetime.date.fromisoformat(devino_mock.now()[:10])
    stats = client(devino_mock).get_state(start=today, end=today).result
    assert stats == {"NotSent": 0, "Sent": 0, "Delivered": 1, "Read": 0, "Clicked": 0, "Bounced": 0, "Rejected": 0,
                     "Total": 1}
    [detail] = client(devino_mock).get_state_detailing(start=today, end=today).result
    assert detail["Id"] == int(numeric) and detail["MessageId"] == state["MessageId"]
    assert DATE.match(detail["CreatedDateUtc"]) and DATE.match(detail["LastUpdateUtc"])


# --- statistics (E14, E15) ------------------------------------------------------------------------

def _send(mock, address: str) -> str:
    return email(mock, "POST", "messages", json={"Sender": {"Address": SENDER}, "Recipients": [{"Address": address}],
                                                 "Subject": "s", "Body": {"PlainText": "t"}}).json()["Result"][0]["MessageId"]


def test_statistics_count_current_states_and_page_the_detail(devino_mock):
    devino_mock.add_rule(channel="email", destination="*@fail.example.com", status="Bounced", error="bad-domain")
    for address in ("a@example.com", "b@example.com", "c@fail.example.com"):
        _send(devino_mock, address)
    today = datetime.date.fromisoformat(devino_mock.now()[:10])
    api = client(devino_mock)
    assert api.get_state(start=today, end=today).result["NotSent"] == 3
    devino_mock.advance(5)
    stats = api.get_state(start=today, end=today).result
    assert (stats["Delivered"], stats["Bounced"], stats["Total"]) == (2, 1, 3)
    page = api.get_state_detailing(start=today, end=today, range_start=2, range_end=3).result
    assert [p["DestinationEmail"] for p in page] == ["b@example.com", "c@fail.example.com"]
    bounced = api.get_state_detailing(start=today, end=today, state="bounced").result
    assert [p["State"] for p in bounced] == ["Bounced"]
    iso = email(devino_mock, "GET", "Statistics", params={"StartDateTime": f"{today}T00:00:00Z",
                                                          "EndDateTime": f"{today}T23:59:59Z"})
    assert iso.json()["Result"]["Total"] == 3
    tomorrow = today + datetime.timedelta(days=1)
    assert api.get_state(start=tomorrow, end=tomorrow).result["Total"] == 0


def test_statistics_need_a_selection_and_the_detail_a_range(devino_mock):
    neither = email(devino_mock, "GET", "Statistics")
    assert (neither.status_code, neither.json()["Description"]) == (
        400, "TaskId or StartDateTime and EndDateTime are required")
    no_range = email(devino_mock, "GET", "Statistics/Messages", params={"TaskId": 1})
    assert no_range.status_code == 416
    assert no_range.json() == {"Code": "validation_error", "Description": "Range header is required"}
    backwards = email(devino_mock, "GET", "Statistics/Messages", params={"TaskId": 1}, headers={"Range": "items=5-2"})
    assert backwards.status_code == 416
    bad_date = email(devino_mock, "GET", "Statistics", params={"StartDateTime": "soon", "EndDateTime": "later"})
    assert (bad_date.status_code, bad_date.json()["Description"]) == (400, "invalid value of StartDateTime")


# --- protocol ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("auth", [None, ("test_login", "wrong"), ("nobody", "x")])
def test_basic_auth_is_required(devino_mock, auth):
    answer = requests.get(f"{devino_mock.url}/email/v2/Templates", auth=auth)
    assert answer.status_code == 401
    assert answer.json() == {"Code": "validation_error", "Description": "user not found"}
    assert answer.headers["WWW-Authenticate"] == 'Basic realm="integrationapi.net"'


def test_blocked_account_is_denied(devino_mock):
    answer = email(devino_mock, "GET", "Templates", auth=("blocked", "blocked1"))
    assert (answer.status_code, answer.json()["Description"]) == (403, "access denied")


def test_unknown_path_and_method(devino_mock):
    assert email(devino_mock, "GET", "Nothing/Here").status_code == 404
    wrong = email(devino_mock, "PATCH", "Templates")
    assert wrong.status_code == 405 and wrong.json()["Code"] == "validation_error"


def test_xml_request_and_response(devino_mock):
    body = (b"<SendMessages><Sender><Address>" + SENDER.encode() + b"</Address></Sender>"
            b"<Recipients><Recipient><Address>x@example.com</Address><RecipientId>r9</RecipientId></Recipient>"
            b"</Recipients><Subject>XML</Subject><Body><PlainText>from xml</PlainText></Body></SendMessages>")
    answer = email(devino_mock, "POST", "messages", data=body, headers={"Content-Type": "application/xml",
                                                                         "Accept": "application/xml"})
    assert answer.status_code == 201 and answer.headers["Content-Type"].startswith("application/xml")
    root = etree.fromstring(answer.content)
    assert root.tag == "SendMessagesResponse"
    assert root.findtext("Code") == "ok" and root.findtext("Result/Item/Code") == "ok"
    message_id = root.findtext("Result/Item/MessageId")
    state = email(devino_mock, "GET", f"Messages/{message_id}", params={"format": "xml"})
    assert etree.fromstring(state.content).findtext("Result/Item/RecipientId") == "r9"
    entity = email(devino_mock, "POST", "messages", headers={"Content-Type": "application/xml"},
                   data=b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x><Subject>&e;</Subject></x>')
    assert entity.status_code == 400 and entity.json()["Code"] == "validation_error"


def test_an_accounts_stop_words_are_refused_where_the_documentation_checks_them(devino_mock):
    devino_mock.add_account(LOGIN, PASSWORD, stop_words=["casino", "Казино"])
    base = {"Name": "t", "Sender": {"Address": SENDER, "Name": "Shop"}, "Subject": "s", "Text": LETTER, "Type": 1}
    for change, field in (({"Text": "Play CASINO today [Unsubscribe] [WebVersion]"}, "Text"),
                          ({"Subject": "лучшее казино"}, "Subject"),
                          ({"Sender": {"Address": SENDER, "Name": "Casino Royale"}}, "Sender.Name")):
        answer = email(devino_mock, "POST", "Tasks", json={**base, **change})
        assert (answer.status_code, answer.json()) == (
            400, {"Code": "validation_error", "Description": f"stop words found in {field}"})
    russian = email(devino_mock, "POST", "Tasks", json={**base, "Subject": "casino"},
                    headers={"Accept-Language": "ru"})
    assert russian.json()["Description"] == "в поле Subject найдены стоп-слова"
    # A word of its own only: "casinos" and "anticasino" are other words.
    assert email(devino_mock, "POST", "Tasks", json={**base, "Subject": "casinos and anticasino"}).status_code == 201
    template = email(devino_mock, "POST", "Templates",
                     json={"Name": "t", "Subject": "casino night", "Body": {"Html": LETTER}})
    assert template.json()["Description"] == "stop words found in Subject"
    answer = email(devino_mock, "POST", "v2/messages", json={
        "Sender": {"Address": SENDER}, "Subject": "s", "Body": {"PlainText": "t"},
        "Recipients": [{"Address": "a@example.com", "Name": "Casino Bob"}, {"Address": "b@example.com"}]})
    first, second = answer.json()["Result"]
    assert (first["Code"], first["Description"], second["Code"]) == (
        "validation_error", "stop words found in Recipients.Name", "ok")
    assert [m["destination"] for m in devino_mock.messages(channel="email")] == ["b@example.com"]
    bad = requests.post(f"{devino_mock.url}/_mock/accounts", json={"login": "x", "password": "y", "stop_words": [""]})
    assert bad.status_code == 400 and "stop_words" in bad.json()["error"]
