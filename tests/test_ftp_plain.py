"""FTP mode 2, without template (ftp.md §3): one .csv or .txt with TELNR_LONG;TEXT, the
account's default sender and validity; encodings; mode selection."""

from datetime import datetime, timedelta

import pytest

from tests.ftp_helpers import archive, plain_archive, processed, set_options, template_archive


def _at(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


@pytest.mark.parametrize("name", ["name.csv", "name.txt", "Рассылка.TXT"])
def test_documented_example_with_csv_or_txt(devino_mock, name):
    upload = processed(devino_mock, plain_archive(name=name))
    assert (upload["status"], upload["mode"], upload["accepted"]) == ("processed", "plain", 1)
    [message] = devino_mock.messages(transport="ftp")
    assert (message["destination"], message["text"], message["source"]) == ("79031234567", "Тестовое сообщение", "DEVINO")
    # "Время жизни сообщения, по умолчанию, составляет 24 часа"
    assert _at(message["expires_at"]) - _at(message["send_at"]) == timedelta(hours=24)
    assert message["send_at"] == message["created_at"]


def test_data_starts_on_the_second_line_and_one_line_is_one_message(devino_mock):
    rows = "telnr_long;text\n79031234567;first\n+7 916 123-45-67;second; with more\n89261234567;third\n"
    upload = processed(devino_mock, plain_archive(rows))
    assert [(m["destination"], m["text"]) for m in devino_mock.messages()] == [
        ("79031234567", "first"), ("79161234567", "second"), ("79261234567", "third")]
    assert upload["accepted"] == 3


def test_columns_in_any_order_and_extra_columns_ignored(devino_mock):
    processed(devino_mock, plain_archive("TEXT;comment;TELNR_LONG\nhello;x;79031234567\n"))
    assert devino_mock.messages()[0]["text"] == "hello"


def test_bad_rows_are_rejected_alone(devino_mock):
    rows = "TELNR_LONG;TEXT\n79031234567;ok\n123;too short\n79161234567;\n79990000205;magic\n79261234567;ok too\n"
    upload = processed(devino_mock, plain_archive(rows))
    assert [(r["line"], r["status"], r.get("error")) for r in upload["rows"]] == [
        (2, "accepted", None), (3, "rejected", "invalid_destination"), (4, "rejected", "missing_argument"),
        (5, "rejected", "insufficient_funds"), (6, "accepted", None)]


def test_long_text_is_segmented_and_charged_per_segment(devino_mock):
    upload = processed(devino_mock, plain_archive(f"TELNR_LONG;TEXT\n79031234567;{'я' * 71}\n"))
    [message] = devino_mock.messages()
    assert message["segments"] == 2 and len(upload["rows"][0]["ids"]) == 2
    assert devino_mock.account("test_login")["balance"] == 998.0


def test_sender_is_the_accounts_first_registered_sender_or_the_arranged_one(devino_mock):
    processed(devino_mock, plain_archive(), name="senders_20240115103000.zip", login="senders", password="senders1")
    assert devino_mock.messages()[-1]["source"] == "DEVINO"
    set_options(devino_mock, "senders", sender="TESTSMS", validity=60)
    processed(devino_mock, plain_archive(), name="senders_20240115103001.zip", login="senders", password="senders1")
    message = devino_mock.messages()[-1]
    assert message["source"] == "TESTSMS"
    assert _at(message["expires_at"]) - _at(message["send_at"]) == timedelta(minutes=60)


def test_arranged_sender_that_is_not_registered_rejects_the_archive(devino_mock):
    set_options(devino_mock, "senders", sender="NOPE")
    upload = processed(devino_mock, plain_archive(), name="senders_20240115103000.zip", login="senders", password="senders1")
    assert (upload["status"], upload["note"]) == ("rejected", "the sender 'NOPE' is not registered for this account")


@pytest.mark.parametrize("rows, reason", [
    ("79031234567;no header\n", "name.csv: no column TELNR_LONG, TEXT in the header row (found: 79031234567;no header)"),
    ("TELNR_LONG\n79031234567\n", "name.csv: no column TEXT in the header row (found: telnr_long)"),
    ("\n\n", "name.csv: the file is empty (a header row is required)"),
])
def test_unusable_plain_files_are_rejected(devino_mock, rows, reason):
    upload = processed(devino_mock, plain_archive(rows))
    assert (upload["status"], upload["note"]) == ("rejected", reason)


def test_two_data_files_without_template_are_rejected(devino_mock):
    upload = processed(devino_mock, archive({"sms/a.csv": "TELNR_LONG;TEXT\n", "sms/b.txt": "TELNR_LONG;TEXT\n"}))
    assert upload["status"] == "rejected"
    assert upload["note"] == ("expected sms/contacts.csv and sms/template.csv (with template) or one .csv/.txt "
                              "file (without template); found ['a.csv', 'b.txt']")


def test_arranged_mode_is_enforced(devino_mock):
    set_options(devino_mock, "test_login", mode="template")
    upload = processed(devino_mock, plain_archive())
    assert upload["note"] == "template mode needs sms/contacts.csv and sms/template.csv; missing contacts.csv, template.csv"
    set_options(devino_mock, "test_login", mode="plain")
    upload = processed(devino_mock, template_archive(), name="test_login_20240115103001.zip")
    assert upload["note"] == "mode without template needs exactly one .csv or .txt file in sms/; found 2"


# --- encodings ---------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16"])
def test_utf8_default_with_or_without_bom_and_utf16_with_bom(devino_mock, encoding):
    upload = processed(devino_mock, plain_archive("TELNR_LONG;TEXT\n79031234567;Привет, мир ё\n", encoding=encoding))
    assert upload["warnings"] == []
    assert devino_mock.messages()[0]["text"] == "Привет, мир ё"


def test_windows_1251_is_read_with_a_warning_when_nothing_was_arranged(devino_mock):
    upload = processed(devino_mock, template_archive(encoding="windows-1251"))
    assert upload["status"] == "processed"
    assert upload["warnings"] == ["template.csv: not UTF-8, read as windows-1251", "contacts.csv: not UTF-8, read as windows-1251"]
    assert devino_mock.messages()[0]["text"] == "Уважаемый Иван! Ваш бонус: 100"


def test_arranged_encoding_is_used_without_warning(devino_mock):
    set_options(devino_mock, "test_login", encoding="koi8-r")
    upload = processed(devino_mock, plain_archive("TELNR_LONG;TEXT\n79031234567;Съешь ещё\n", encoding="koi8-r"))
    assert upload["warnings"] == []
    assert devino_mock.messages()[0]["text"] == "Съешь ещё"


def test_text_that_does_not_decode_in_the_arranged_encoding_rejects_the_archive(devino_mock):
    set_options(devino_mock, "test_login", encoding="utf-8")
    upload = processed(devino_mock, plain_archive("TELNR_LONG;TEXT\n79031234567;Привет\n", encoding="windows-1251"))
    assert upload["status"] == "rejected"
    assert upload["note"].startswith("name.csv: cannot be read as utf-8 (invalid continuation byte at byte ")


def test_a_scoped_reset_forgets_that_accounts_uploads_only(devino_mock):
    processed(devino_mock, plain_archive())
    devino_mock.add_account("other", "other1")
    processed(devino_mock, plain_archive(), name="other_1.zip", login="other", password="other1")
    assert len(devino_mock.ftp_files()) == 2
    devino_mock.reset(login="test_login")
    assert [f["login"] for f in devino_mock.ftp_files()] == ["other"]
