"""FTP mode 1, with template (ftp.md §2): contacts.csv + template.csv in sms/, placeholders,
sender, validity, senddate and localtime, and every way an archive or a row is refused."""

from datetime import datetime, timedelta

import pytest
import requests

from tests.ftp_helpers import CONTACTS, TEMPLATE, archive, processed, template_archive


def _at(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


def test_documented_example_sends_one_sms_per_contact_with_placeholders(devino_mock):
    upload = processed(devino_mock, template_archive())
    assert (upload["status"], upload["mode"], upload["accepted"], upload["rejected"]) == ("processed", "template", 2, 0)
    assert upload["warnings"] == []
    messages = devino_mock.messages(transport="ftp")
    assert [(m["destination"], m["source"], m["text"], m["channel"], m["login"]) for m in messages] == [
        ("79031234567", "TESTSMS", "Уважаемый Иван! Ваш бонус: 100", "sms", "test_login"),
        ("79161234567", "TESTSMS", "Уважаемый Пётр! Ваш бонус: 250", "sms", "test_login"),
    ]
    assert upload["message_ids"] == [m["id"] for m in messages]
    assert [(r["line"], r["status"]) for r in upload["rows"]] == [(2, "accepted"), (3, "accepted")]
    # validity 180 minutes from template.csv
    assert _at(messages[0]["expires_at"]) - _at(messages[0]["send_at"]) == timedelta(minutes=180)


def test_same_status_machine_charging_and_rest_state(devino_mock, rest):
    upload = processed(devino_mock, template_archive("phone;attr1\n79031234567;a\n79990000042;b\n"))
    assert devino_mock.account("test_login")["balance"] == 998.0
    devino_mock.advance(5)
    first, second = upload["message_ids"]
    state = requests.get(f"{rest}/v2/Sms/State", params={"Login": "test_login", "Password": "test123", "MessageId": first}).json()
    assert state["State"] == 0
    assert devino_mock.message(second)["status"] == 42


def test_missing_or_unknown_placeholder_becomes_empty(devino_mock):
    contacts = "phone;attr1\n79031234567;Анна\n79161234567;\n"
    template = "message;sourceaddress\nДобрый день, #attr1##nosuch#! Скидка #1 и ##;TESTSMS\n"
    processed(devino_mock, template_archive(contacts, template))
    assert [m["text"] for m in devino_mock.messages()] == ["Добрый день, Анна! Скидка #1 и ##", "Добрый день, ! Скидка #1 и ##"]


def test_placeholders_and_column_names_are_case_insensitive_and_columns_in_any_order(devino_mock):
    contacts = "ATTR1;Phone\nX;79031234567\n"
    template = "SourceAddress;MESSAGE\nTESTSMS;#Attr1#-#PHONE#\n"
    processed(devino_mock, template_archive(contacts, template))
    assert devino_mock.messages()[0]["text"] == "X-79031234567"


def test_default_validity_is_1440_minutes(devino_mock):
    processed(devino_mock, template_archive(template="message;sourceaddress\nhi;TESTSMS\n"))
    message = devino_mock.messages()[0]
    assert _at(message["expires_at"]) - _at(message["send_at"]) == timedelta(minutes=1440)


def test_senddate_of_template_is_client_local_moscow_time(devino_mock):
    send_local = (_at(devino_mock.now()) + timedelta(hours=3 + 2)).replace(microsecond=0)
    template = f"message;sourceaddress;senddate\nhi;TESTSMS;{send_local:%Y-%m-%dT%H:%M:%S}\n"
    processed(devino_mock, template_archive(template=template))
    message = devino_mock.messages()[0]
    assert _at(message["send_at"]) == send_local - timedelta(hours=3)
    assert message["status"] == -2
    devino_mock.advance(2 * 3600 + 5)
    assert devino_mock.message(message["id"])["status"] == 0


@pytest.mark.parametrize("pattern", ["%Y%m%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"])
def test_contact_senddate_overrides_template_in_the_documented_format_too(devino_mock, pattern):
    now = _at(devino_mock.now())
    far = now + timedelta(days=2, hours=3)
    near = now + timedelta(hours=1 + 3)
    contacts = f"phone;senddate\n79031234567;{near.strftime(pattern)}\n79161234567;\n"
    template = f"message;sourceaddress;senddate\nhi;TESTSMS;{far:%Y-%m-%dT%H:%M:%S}\n"
    processed(devino_mock, template_archive(contacts, template))
    own, default = devino_mock.messages()
    assert abs(_at(own["send_at"]) - (now + timedelta(hours=1))) < timedelta(seconds=15)
    assert abs(_at(default["send_at"]) - (now + timedelta(days=2))) < timedelta(seconds=15)


def test_past_senddate_sends_at_once(devino_mock):
    processed(devino_mock, template_archive(template="message;sourceaddress;senddate\nhi;TESTSMS;2010-06-01T19:14:00\n"))
    message = devino_mock.messages()[0]
    assert message["send_at"] == message["created_at"]


def test_localtime_uses_the_subscribers_time_zone(devino_mock):
    # 7701… is UTC+5 in the fixtures, 7903… UTC+3: the same wall-clock senddate is 2 hours apart.
    wall = (_at(devino_mock.now()) + timedelta(days=1)).replace(microsecond=0)
    contacts = "phone\n79031234567\n77011234567\n"
    template = f"message;sourceaddress;senddate;localtime\nhi;TESTSMS;{wall:%Y-%m-%dT%H:%M:%S};1\n"
    processed(devino_mock, template_archive(contacts, template))
    moscow, almaty = devino_mock.messages()
    assert _at(moscow["send_at"]) - _at(almaty["send_at"]) == timedelta(hours=2)
    assert _at(moscow["send_at"]) == wall - timedelta(hours=3)


def test_bad_contact_rows_are_rejected_alone(devino_mock):
    contacts = ("phone;senddate\n79031234567;\nnot-a-number;\n79161234567;tomorrow\n79990000206;\n"
                ";2030-01-01T10:00:00\n79261234567;\n")
    upload = processed(devino_mock, template_archive(contacts, "message;sourceaddress\nhi;TESTSMS\n"))
    assert upload["status"] == "processed"
    assert [(r["line"], r["status"], r.get("error")) for r in upload["rows"]] == [
        (2, "accepted", None),
        (3, "rejected", "invalid_destination"),
        (4, "rejected", "invalid_senddate"),
        (5, "rejected", "invalid_destination"),
        (6, "rejected", "missing_argument"),
        (7, "accepted", None),
    ]
    assert [m["destination"] for m in devino_mock.messages()] == ["79031234567", "79261234567"]


def test_not_enough_balance_rejects_the_rows_it_cannot_pay(devino_mock):
    devino_mock.add_account("ftp_poor", "poor1", balance="1.00")
    upload = processed(devino_mock, template_archive("phone\n79031234567\n79161234567\n", "message;sourceaddress\nhi;TESTSMS\n"),
                       name="ftp_poor_20240115103000.zip", login="ftp_poor", password="poor1")
    assert [(r["status"], r.get("error")) for r in upload["rows"]] == [("accepted", None), ("rejected", "insufficient_funds")]
    assert devino_mock.account("ftp_poor")["balance"] == 0.0


def test_sender_must_be_registered_for_the_account(devino_mock):
    upload = processed(devino_mock, template_archive(template="message;sourceaddress\nhi;OTHER\n"),
                       name="senders_20240115103000.zip", login="senders", password="senders1")
    assert upload["status"] == "rejected"
    assert upload["note"] == "the sender 'OTHER' is not registered for this account"
    assert devino_mock.messages() == []
    ok = processed(devino_mock, template_archive(template="message;sourceaddress\nhi;TESTSMS\n"),
                   name="senders_20240115103001.zip", login="senders", password="senders1")
    assert ok["accepted"] == 2


@pytest.mark.parametrize("contacts, template, reason", [
    (CONTACTS, "message;sourceaddress\nhi;TESTSMS\nagain;TESTSMS\n", "template.csv must have exactly one data row; it has 2"),
    (CONTACTS, "message;sourceaddress\n", "template.csv must have exactly one data row; it has 0"),
    (CONTACTS, "", "template.csv: the file is empty (a header row is required)"),
    (CONTACTS, "message\nhi\n", "template.csv: no column sourceaddress in the header row (found: message)"),
    (CONTACTS, "sourceaddress\nTESTSMS\n", "template.csv: no column message in the header row (found: sourceaddress)"),
    (CONTACTS, "message;sourceaddress\n;TESTSMS\n", "template.csv: message is empty"),
    (CONTACTS, "message;sourceaddress\nhi;\n", "template.csv: sourceaddress is empty"),
    (CONTACTS, "message;sourceaddress;validity\nhi;TESTSMS;0\n", "template.csv: validity '0' is not a whole number of minutes above 0"),
    (CONTACTS, "message;sourceaddress;validity\nhi;TESTSMS;3h\n", "template.csv: validity '3h' is not a whole number of minutes above 0"),
    (CONTACTS, "message;sourceaddress;senddate\nhi;TESTSMS;01/06/2010\n", "template.csv: senddate '01/06/2010' is not YYYY-MM-DDThh:mm:ss (years 1753-9998)"),
    (CONTACTS, "message;sourceaddress;senddate;localtime\nhi;TESTSMS;2030-01-01T10:00:00;maybe\n", "template.csv: localtime 'maybe' is neither 1 nor 0"),
    ("attr1\nx\n", "message;sourceaddress\nhi;TESTSMS\n", "contacts.csv: no column phone in the header row (found: attr1)"),
])
def test_unusable_template_archives_are_rejected_with_the_reason(devino_mock, contacts, template, reason):
    upload = processed(devino_mock, template_archive(contacts, template))
    assert (upload["status"], upload["note"]) == ("rejected", reason)
    assert devino_mock.messages() == []
    assert devino_mock.account("test_login")["balance"] == 1000.0


def test_only_one_of_the_two_files_is_rejected(devino_mock):
    upload = processed(devino_mock, archive({"sms/contacts.csv": CONTACTS}))
    assert upload["note"] == "template mode needs sms/contacts.csv and sms/template.csv; missing template.csv"


def test_empty_column_is_a_warning_not_an_error(devino_mock):
    upload = processed(devino_mock, template_archive("phone;attr1\n79031234567;\n", TEMPLATE))
    assert upload["status"] == "processed"
    assert upload["warnings"] == ["contacts.csv: column 'attr1' is empty in every row (omit unneeded columns, ftp.md §2.4)"]


def test_quoted_fields_with_semicolons_crlf_and_blank_lines(devino_mock):
    contacts = 'phone;attr1\r\n\r\n79031234567;"a;b ""c"""\r\n'
    processed(devino_mock, template_archive(contacts, "message;sourceaddress\r\n#attr1#;TESTSMS\r\n"))
    assert devino_mock.messages()[0]["text"] == 'a;b "c"'
