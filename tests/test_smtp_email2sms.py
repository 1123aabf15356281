"""Email2SMS (smtp-email2sms.md Part A) through smtplib: every body mode, charset, transfer
encoding and MIME shape, and every reason a mail cannot become SMS."""

from __future__ import annotations

import base64

import pytest
import requests

from tests.smtp_helpers import SERVICE, mail, send

START = "==|| НАЧАЛО ТЕКСТА ||=="
END = "==|| КОНЕЦ ТЕКСТА ||=="


def template(text: str, *, login="test_login", password="test123", source="My Bank",
             numbers="+79161234567", start=True) -> str:
    """The documented template (A.2), blank lines between the fields."""
    head = f"{START}\n\n" if start else ""
    return (f"{head}UserLogin={login}\n\nPassword={password}\n\nSourceAddress={source}\n\n"
            f"PhoneNumber={numbers}\n\n{text}\n\n{END}\n")


def only_mail(devino_mock) -> dict:
    mails = devino_mock.mails()
    assert len(mails) == 1
    return mails[0]


def assert_rejected(devino_mock, error: str, reason: str) -> dict:
    record = only_mail(devino_mock)
    assert (record["service"], record["outcome"], record["error"], record["reason"]) == (
        "email2sms", "rejected", error, reason)
    assert record["message_ids"] == []
    assert devino_mock.messages() == []
    return record


# --- the template (basic mode) ---------------------------------------------------------


def test_template_with_start_marker_windows_1251_quoted_printable(devino_mock):
    text = "Ваш код: 4821.\nСпасибо!"
    assert send(devino_mock, mail(template(text))) == (250, b"OK")

    [sms] = devino_mock.messages()
    assert (sms["channel"], sms["transport"], sms["login"]) == ("sms", "smtp", "test_login")
    assert (sms["source"], sms["destination"], sms["text"]) == ("My Bank", "79161234567", text)
    assert sms["extra"] == {"email2sms": "template"}
    record = only_mail(devino_mock)
    assert (record["outcome"], record["login"], record["message_ids"]) == ("accepted", "test_login", [sms["id"]])
    assert record["details"]["mode"] == "template"
    assert record["details"]["numbers"] == ["+79161234567"]
    assert devino_mock.account("test_login")["balance"] == 999.0


def test_documented_example_without_start_marker(devino_mock):
    body = ("UserLogin=test_login\nPassword=test123\nSourceAddress=My Bank\nPhoneNumber=+79161234567\n"
            "Summa scheta 1038.35 Summa k oplate:1038.26\n==|| КОНЕЦ ТЕКСТА ||==\n")
    # The end marker is Cyrillic, so an all-Latin body still needs a Cyrillic-capable charset.
    assert send(devino_mock, mail(body, charset="windows-1251", cte="8bit"))[0] == 250
    [sms] = devino_mock.messages(transport="smtp")
    assert sms["text"] == "Summa scheta 1038.35 Summa k oplate:1038.26"


def test_template_without_any_marker_latin(devino_mock):
    body = "UserLogin=test_login\nPassword=test123\nSourceAddress=TEL\nPhoneNumber=79161234567\nHello there\n"
    assert send(devino_mock, mail(body, charset="us-ascii", cte="7bit"))[0] == 250
    [sms] = devino_mock.messages()
    assert (sms["source"], sms["text"]) == ("TEL", "Hello there")


def test_several_recipients_each_get_an_sms(devino_mock):
    numbers = "+79151234567,+79161234567,+79031234567"
    assert send(devino_mock, mail(template("Hi", numbers=numbers)))[0] == 250
    assert [m["destination"] for m in devino_mock.messages()] == ["79151234567", "79161234567", "79031234567"]
    assert len(only_mail(devino_mock)["message_ids"]) == 3


def test_twenty_recipients_are_allowed(devino_mock):
    numbers = ",".join(f"+791612345{i:02d}" for i in range(20))
    assert send(devino_mock, mail(template("Hi", numbers=numbers)))[0] == 250
    assert len(devino_mock.messages()) == 20


def test_twenty_one_recipients_reject_the_whole_mail(devino_mock):
    numbers = ",".join(f"+791612345{i:02d}" for i in range(21))
    assert send(devino_mock, mail(template("Hi", numbers=numbers))) == (250, b"OK")
    assert_rejected(devino_mock, "too_many_recipients", "too many phone numbers: 21 (at most 20)")
    assert devino_mock.account("test_login")["balance"] == 1000.0


def test_fields_in_any_order_password_with_equals_and_inner_lines_kept(devino_mock):
    devino_mock.add_account("eq", "a=b=c")
    body = ("PhoneNumber=+79161234567\nSourceAddress=TEL\nPassword=a=b=c\nUserLogin=eq\n\n"
            "line one\n\nline three\n\n==|| КОНЕЦ ТЕКСТА ||==\n--\nsignature after the marker\n")
    assert send(devino_mock, mail(body))[0] == 250
    [sms] = devino_mock.messages()
    assert (sms["login"], sms["text"]) == ("eq", "line one\n\nline three")


def test_field_names_case_insensitive_and_spaces_trimmed(devino_mock):
    body = "userlogin = test_login\nPASSWORD= test123\nsourceaddress =TEL\nphonenumber=+79161234567\nText\n"
    assert send(devino_mock, mail(body))[0] == 250
    assert devino_mock.messages()[0]["text"] == "Text"


def test_status_machine_charging_and_rest_state_like_any_sms(devino_mock):
    send(devino_mock, mail(template("Hi", numbers="+79161234567,+79990000042")))
    ok, rejected = devino_mock.messages()
    assert ok["status"] == -2
    devino_mock.advance(5)
    assert devino_mock.message(ok["id"])["status"] == 0
    assert devino_mock.message(rejected["id"])["status"] == 42
    state = requests.get(f"{devino_mock.rest_url}/v2/Sms/State",
                         params={"login": "test_login", "password": "test123", "messageId": ok["id"]}).json()
    assert state["State"] == 0
    assert devino_mock.account("test_login")["balance"] == 998.0
    assert [m["id"] for m in devino_mock.messages(transport="smtp", status="delivered")] == [ok["id"]]


def test_long_cyrillic_text_is_segmented(devino_mock):
    text = "Ж" * 71  # UCS-2: 70 per single SMS, 67 per part
    send(devino_mock, mail(template(text)))
    [sms] = devino_mock.messages()
    assert (sms["segments"], sms["encoding"]) == (2, "ucs2")
    assert len(only_mail(devino_mock)["message_ids"]) == 1  # first id of each message


# --- charsets, transfer encodings, MIME structure --------------------------------------


@pytest.mark.parametrize(("charset", "cte"), [
    ("utf-8", "8bit"),
    ("utf-8", "base64"),
    ("utf-8", "quoted-printable"),
    ("windows-1251", "8bit"),
    ("windows-1251", "base64"),
    ("koi8-r", "quoted-printable"),
])
def test_charsets_and_transfer_encodings(devino_mock, charset, cte):
    text = "Привет, мир! Ёлка #5"
    assert send(devino_mock, mail(template(text), charset=charset, cte=cte))[0] == 250
    assert devino_mock.messages()[0]["text"] == text


@pytest.mark.parametrize("encoding", ["cp1251", "utf-8"])
def test_undeclared_charset_is_utf8_or_windows_1251(devino_mock, encoding):
    text = "Привет из письма без charset"
    raw = (f"From: a@example.com\r\nTo: {SERVICE}\r\nSubject: x\r\n\r\n").encode() + \
        template(text).replace("\n", "\r\n").encode(encoding)
    assert send(devino_mock, raw)[0] == 250
    assert devino_mock.messages()[0]["text"] == text


def test_wrong_charset_label_falls_back(devino_mock):
    text = "Кириллица под ярлыком us-ascii"
    raw = mail(template(text), charset="us-ascii", cte="8bit", encode_as="cp1251")
    assert send(devino_mock, raw)[0] == 250
    assert devino_mock.messages()[0]["text"] == text


def multipart(*parts: bytes, kind: str = "alternative") -> bytes:
    boundary = "=-=devino-boundary=-="
    head = (f"From: a@example.com\r\nTo: {SERVICE}\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
            f"Content-Type: multipart/{kind}; boundary=\"{boundary}\"\r\n\r\npreamble\r\n").encode()
    body = b"".join(f"--{boundary}\r\n".encode() + part + b"\r\n" for part in parts)
    return head + body + f"--{boundary}--\r\n".encode()


def part(content_type: str, payload: bytes, cte: str = "8bit", extra: str = "") -> bytes:
    return f"Content-Type: {content_type}\r\nContent-Transfer-Encoding: {cte}\r\n{extra}\r\n".encode() + payload


def test_multipart_alternative_uses_the_text_plain_part(devino_mock):
    text = "Текст из text/plain"
    raw = multipart(
        part("text/html; charset=utf-8", b"<p>HTML must not be used</p>"),
        part("text/plain; charset=windows-1251", base64.encodebytes(template(text).encode("cp1251")), "base64"),
    )
    assert send(devino_mock, raw)[0] == 250
    assert devino_mock.messages()[0]["text"] == text


def test_multipart_mixed_with_an_attachment_uses_the_body_part(devino_mock):
    raw = multipart(
        part("text/plain; charset=utf-8", template("Body text").encode()),
        part("application/pdf", base64.encodebytes(b"%PDF-1.4"), "base64",
             "Content-Disposition: attachment; filename=\"bill.pdf\"\r\n"),
        kind="mixed",
    )
    assert send(devino_mock, raw)[0] == 250
    assert devino_mock.messages()[0]["text"] == "Body text"
    assert only_mail(devino_mock)["details"]["attachments"] == ["bill.pdf"]


def test_multipart_without_text_plain_is_rejected(devino_mock):
    raw = multipart(part("text/html; charset=utf-8", template("x").encode()))
    assert send(devino_mock, raw) == (250, b"OK")
    assert_rejected(devino_mock, "format", "the mail has no text/plain part")


def test_format_flowed_soft_breaks_are_joined(devino_mock):
    body = template("This is a long line that a mail client \nwrapped with format=flowed.")
    raw = mail(body, charset="utf-8", cte="8bit").replace(b"charset=utf-8", b"charset=utf-8; format=flowed")
    assert send(devino_mock, raw)[0] == 250
    assert devino_mock.messages()[0]["text"] == "This is a long line that a mail client wrapped with format=flowed."


def test_service_address_is_case_insensitive(devino_mock):
    address = "EMAIL2SMS@IntegrationAPI.net"
    assert send(devino_mock, mail(template("Hi"), to=address), [address])[0] == 250
    assert len(devino_mock.messages()) == 1


# --- AddonToEmail2SMS ------------------------------------------------------------------


def test_addon_latin_us_ascii_7bit(devino_mock):
    body = "StartWithPoint;test_login;test123;79001234567;TEL;Hello, world!;EndWithPoint"
    assert send(devino_mock, mail(body, charset="us-ascii", cte="7bit")) == (250, b"OK")
    [sms] = devino_mock.messages()
    assert (sms["destination"], sms["source"], sms["text"], sms["extra"]) == (
        "79001234567", "TEL", "Hello, world!", {"email2sms": "addon"})


def test_addon_cyrillic_windows_1251_quoted_printable_with_semicolons_in_text(devino_mock):
    body = "StartWithPoint;test_login;test123;79001234567,+79161234567;TEL;Привет; мир!;EndWithPoint\n"
    assert send(devino_mock, mail(body))[0] == 250
    messages = devino_mock.messages()
    assert [m["destination"] for m in messages] == ["79001234567", "79161234567"]
    assert {m["text"] for m in messages} == {"Привет; мир!"}


def test_addon_allows_more_than_twenty_numbers(devino_mock):
    numbers = ",".join(f"791612345{i:02d}" for i in range(25))
    body = f"StartWithPoint;test_login;test123;{numbers};TEL;Hi;EndWithPoint"
    assert send(devino_mock, mail(body, charset="us-ascii", cte="7bit"))[0] == 250
    assert len(devino_mock.messages()) == 25


def test_addon_without_end_token_is_rejected(devino_mock):
    body = "StartWithPoint;test_login;test123;79001234567;TEL;Hello"
    assert send(devino_mock, mail(body, charset="us-ascii", cte="7bit")) == (250, b"OK")
    record = assert_rejected(devino_mock, "format", "the body must end with ;EndWithPoint")
    assert record["details"]["body"].strip() == body


def test_addon_with_missing_fields_is_rejected(devino_mock):
    body = "StartWithPoint;test_login;test123;79001234567;EndWithPoint"
    send(devino_mock, mail(body, charset="us-ascii", cte="7bit"))
    assert_rejected(devino_mock, "format", "expected StartWithPoint;login;password;mobilenumber;sourceaddress;"
                                           "text of message;EndWithPoint")


# --- AddonToEmail2SMS_Base64 (subject MODEB64) -----------------------------------------


@pytest.mark.parametrize("subject", ["MODEB64", "modeb64", "  ModeB64 "])
def test_base64_mode_by_subject_any_case(devino_mock, subject):
    body = "test_login;test123;79001234567,79161234567;TEL;Привет мир!"
    assert send(devino_mock, mail(body, charset="utf-8", cte="base64", subject=subject))[0] == 250
    messages = devino_mock.messages()
    assert [(m["destination"], m["text"], m["extra"]["email2sms"]) for m in messages] == [
        ("79001234567", "Привет мир!", "base64"), ("79161234567", "Привет мир!", "base64")]


def test_base64_mode_without_charset_windows_1251(devino_mock):
    body = "test_login;test123;79001234567;TEL;Текст; с точкой с запятой"
    assert send(devino_mock, mail(body, charset=None, cte="base64", subject="MODEB64"))[0] == 250
    assert devino_mock.messages()[0]["text"] == "Текст; с точкой с запятой"


def test_base64_mode_rfc2047_subject(devino_mock):
    body = "test_login;test123;79001234567;TEL;Hi"
    encoded_subject = "=?utf-8?B?" + base64.b64encode(b"MODEB64").decode() + "?="
    assert send(devino_mock, mail(body, charset="utf-8", cte="base64", subject=encoded_subject))[0] == 250
    assert devino_mock.messages()[0]["extra"]["email2sms"] == "base64"


def test_base64_mode_up_to_a_thousand_numbers(devino_mock):
    numbers = ",".join(f"7916{i:07d}" for i in range(1000))
    body = f"test_login;test123;{numbers};TEL;Hi"
    assert send(devino_mock, mail(body, charset="utf-8", cte="base64", subject="MODEB64"))[0] == 250
    assert len(devino_mock.messages()) == 1000


def test_base64_mode_over_a_thousand_numbers_is_rejected(devino_mock):
    devino_mock.add_account("rich", "rich1", balance=5000)  # 1001 SMS would be more than test_login has
    numbers = ",".join(f"7916{i:07d}" for i in range(1001))
    body = f"rich;rich1;{numbers};TEL;Hi"
    send(devino_mock, mail(body, charset="utf-8", cte="base64", subject="MODEB64"))
    assert_rejected(devino_mock, "too_many_recipients", "too many phone numbers: 1001 (at most 1000)")


def test_base64_mode_with_missing_fields_is_rejected(devino_mock):
    send(devino_mock, mail("test_login;test123;79001234567", charset="utf-8", cte="base64", subject="MODEB64"))
    assert_rejected(devino_mock, "format", "expected login;password;mobilenumber;sourceaddress;text of message")


# --- what cannot become SMS: nothing is created, the reason is visible ------------------


@pytest.mark.parametrize(("kwargs", "text", "error", "reason"), [
    ({"password": "wrong"}, "Hi", "invalid_credentials", "invalid UserLogin or Password"),
    ({"login": "nobody"}, "Hi", "invalid_credentials", "invalid UserLogin or Password"),
    ({"password": ""}, "Hi", "missing_argument", "Password is missing"),
    ({"login": ""}, "Hi", "missing_argument", "UserLogin is missing"),
    ({"numbers": ""}, "Hi", "missing_argument", "PhoneNumber is missing"),
    ({"source": ""}, "Hi", "missing_argument", "SourceAddress is missing"),
    ({}, "", "missing_argument", "the message text is empty"),
    ({"numbers": "+7916abc4567"}, "Hi", "invalid_destination", "invalid phone number: +7916abc4567"),
    ({"numbers": "+79161234567,+123"}, "Hi", "invalid_destination", "invalid phone number: +123"),
    ({"numbers": "+79990000206"}, "Hi", "invalid_destination", "invalid phone number: 79990000206"),
    ({"source": "ThisNameIsTooLong"}, "Hi", "invalid_source", "invalid SourceAddress: ThisNameIsTooLong"),
    ({"login": "senders", "password": "senders1", "source": "OTHER"}, "Hi", "invalid_source",
     "invalid SourceAddress: OTHER"),
    ({"login": "poor", "password": "poor1"}, "Hi", "insufficient_funds", "not enough credits"),
    ({"login": "blocked", "password": "blocked1"}, "Hi", "forbidden", "forbidden for this account"),
    ({}, "x" * 2001, "invalid_message_length", "the message text is too long: 2001 characters"),
])
def test_unusable_mail_creates_nothing_and_says_why(devino_mock, kwargs, text, error, reason):
    assert send(devino_mock, mail(template(text, **kwargs), charset="utf-8", cte="base64")) == (250, b"OK")
    record = assert_rejected(devino_mock, error, reason)
    assert record["transport"] == "smtp"
    assert devino_mock.account("test_login")["balance"] == 1000.0


def test_rejected_mail_keeps_the_named_login_and_no_password(devino_mock):
    send(devino_mock, mail(template("Hi", password="wrong")))
    record = only_mail(devino_mock)
    assert record["login"] == "test_login"
    assert "wrong" not in str(record)


def test_mails_are_filterable_and_listed_oldest_first(devino_mock):
    send(devino_mock, mail(template("first")))
    send(devino_mock, mail(template("second", password="bad")))
    assert [m["outcome"] for m in devino_mock.mails()] == ["accepted", "rejected"]
    [rejected] = devino_mock.mails(outcome="rejected")
    assert rejected["error"] == "invalid_credentials"
    assert devino_mock.mail(rejected["id"]) == rejected
    assert devino_mock.mails(service="email") == []


def test_mails_are_the_smtp_submissions(devino_mock):
    send(devino_mock, mail(template("Hi")))
    submissions = requests.get(f"{devino_mock.url}/_mock/submissions", params={"transport": "smtp"}).json()
    assert submissions == devino_mock.mails()
    missing = requests.get(f"{devino_mock.url}/_mock/mails/999999")
    assert (missing.status_code, missing.json()) == (404, {"error": "no submission '999999'"})


def test_reset_forgets_recorded_mails(devino_mock):
    send(devino_mock, mail(template("Hi", password="bad")))
    assert len(devino_mock.mails()) == 1
    devino_mock.reset()
    assert devino_mock.mails() == []


FIELDS = "UserLogin=test_login\nPassword=test123\nSourceAddress=My Bank\nPhoneNumber=+79161234567\n"


@pytest.mark.parametrize("body", [
    pytest.param(f"{START} {FIELDS}Код 4821 {END}", id="on-the-field-and-text-lines"),
    pytest.param(f"==||НАЧАЛО ТЕКСТА||==\n{FIELDS}Код 4821\n==||конец текста||==\n", id="no-spaces-any-case"),
    pytest.param(f"  ==|  | НАЧАЛО  ТЕКСТА ||==\n{FIELDS}Код 4821\n  ==||   КОНЕЦ ТЕКСТА ||====\n", id="extra-spaces"),
    pytest.param(f"Добрый день!\n\n{START}\n{FIELDS}\nКод 4821\n{END}\n-- \nИван\n> {START}", id="greeting-and-signature"),
    pytest.param(f"{FIELDS}{START}\nКод 4821\n{END}\n", id="start-marker-between-fields-and-text"),
    pytest.param(f"{FIELDS}Код 4821{END}", id="end-marker-glued-to-the-text"),
])
def test_markers_wherever_a_person_puts_them(devino_mock, body):
    assert send(devino_mock, mail(body)) == (250, b"OK")
    record = only_mail(devino_mock)
    assert record["outcome"] == "accepted", record
    [sms] = devino_mock.messages()
    assert (sms["source"], sms["destination"], sms["text"]) == ("My Bank", "79161234567", "Код 4821")
