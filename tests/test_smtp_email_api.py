"""The SMTP e-mail API (smtp-email2sms.md Part B) through smtplib: AUTH PLAIN and LOGIN against
the accounts, the documented limits and 554 texts, accepted mail in the journal as channel
"email" with transport "smtp"."""

from __future__ import annotations

import base64
import smtplib

import pytest
import requests

from tests.smtp_helpers import SERVICE, mail, send, smtp

LOGIN = ("test_login", "test123")
TO = "customer@example.com"
FROM = "noreply@shop.example"


def letter(body: str = "Hello! [Unsubscribe] [WebVersion]", *, to: str = TO, sender: str = FROM,
           subject: str = "Order 42", charset: str = "utf-8", cte: str = "8bit") -> bytes:
    return mail(body, charset=charset, cte=cte, subject=subject, to=to, sender=sender)


def only_mail(devino_mock) -> dict:
    [record] = devino_mock.mails()
    return record


def assert_failed(devino_mock, reply: tuple[int, bytes], text: str, error: str) -> None:
    assert reply == (554, f"Transaction failed: {text}".encode())
    record = only_mail(devino_mock)
    assert (record["service"], record["outcome"], record["error"], record["reason"]) == (
        "email", "rejected", error, text)
    assert devino_mock.messages() == []


# --- AUTH ------------------------------------------------------------------------------


def test_ehlo_advertises_auth_plain_and_login_without_tls(devino_mock):
    with smtp(devino_mock) as client:
        code, _ = client.ehlo("client.example.com")
        assert code == 250
        assert set(client.esmtp_features["auth"].split()) == {"PLAIN", "LOGIN"}
        assert "starttls" not in client.esmtp_features


def test_auth_plain(devino_mock):
    with smtp(devino_mock) as client:
        client.ehlo("client.example.com")
        client.user, client.password = LOGIN
        assert client.auth("PLAIN", client.auth_plain) == (235, b"2.7.0 Authentication successful")


@pytest.mark.parametrize("initial_response", [True, False])
def test_auth_login_with_and_without_initial_response(devino_mock, initial_response):
    with smtp(devino_mock) as client:
        client.ehlo("client.example.com")
        client.user, client.password = LOGIN
        assert client.auth("LOGIN", client.auth_login, initial_response_ok=initial_response)[0] == 235
        assert client.sendmail(FROM, [TO], letter()) == {}
    assert devino_mock.messages(channel="email")[0]["login"] == "test_login"


@pytest.mark.parametrize("credentials", [("test_login", "wrong"), ("nobody", "test123"), ("blocked", "blocked1")])
def test_bad_credentials_fail_the_auth_command(devino_mock, credentials):
    with smtp(devino_mock) as client:
        client.ehlo("client.example.com")
        with pytest.raises(smtplib.SMTPAuthenticationError) as failure:
            client.login(*credentials)
        assert (failure.value.smtp_code, failure.value.smtp_error) == (535, b"5.7.8 Authentication credentials invalid")


def test_mail_without_auth_is_refused_at_rcpt(devino_mock):
    with smtp(devino_mock) as client:
        with pytest.raises(smtplib.SMTPRecipientsRefused) as failure:
            client.sendmail(FROM, [TO], letter())
    assert failure.value.recipients == {TO: (554, b"Transaction failed: Must authenticate before sending mail")}
    assert devino_mock.messages() == [] and devino_mock.mails() == []


def test_reset_forgets_the_login_of_an_open_connection(devino_mock):
    with smtp(devino_mock) as client:
        client.ehlo("client.example.com")
        client.login(*LOGIN)
        devino_mock.reset()
        client.mail(FROM)
        assert client.rcpt(TO) == (554, b"Transaction failed: Must authenticate before sending mail")
        client.rset()
        client.login(*LOGIN)
        assert client.sendmail(FROM, [TO], letter()) == {}


# --- accepted mail: the journal ---------------------------------------------------------


def test_accepted_mail_is_journaled_as_email_over_smtp(devino_mock):
    body = "Привет! <a href=\"[Unsubscribe]\">отписаться</a> [WebVersion]"
    code, reply = send(devino_mock, letter(body, subject="Заказ 42"), [TO], login=LOGIN, sender=FROM)
    [message] = devino_mock.messages(channel="email")
    assert (code, reply) == (250, f"OK {message['id']}".encode())
    assert len(message["id"]) == 18
    assert (message["transport"], message["login"], message["source"], message["destination"]) == (
        "smtp", "test_login", FROM, TO)
    assert (message["subject"], message["text"], message["status"]) == ("Заказ 42", body, "NotSent")
    assert message["price"] == 0
    record = only_mail(devino_mock)
    assert (record["service"], record["outcome"], record["message_ids"]) == ("email", "accepted", [message["id"]])
    assert record["details"]["warnings"] == []
    assert devino_mock.messages(channel="email", transport="smtp", login="test_login") == [message]
    assert devino_mock.messages(channel="sms") == []
    assert devino_mock.account("test_login")["balance"] == 1000.0


def test_email_goes_sent_then_delivered_on_the_clock(devino_mock):
    send(devino_mock, letter(), [TO], login=LOGIN, sender=FROM)
    [message] = devino_mock.messages(channel="email")
    devino_mock.advance(1)
    assert devino_mock.message(message["id"])["status"] == "Sent"
    devino_mock.advance(2)
    delivered = devino_mock.message(message["id"])
    assert (delivered["status"], delivered["status_text"], delivered["final"]) == ("Delivered", "Доставлено", True)
    assert [h["status"] for h in delivered["history"]] == ["NotSent", "Sent", "Delivered"]
    assert devino_mock.messages(channel="email", status="delivered") == [delivered]


def test_email_status_can_be_steered(devino_mock):
    send(devino_mock, letter(), [TO], login=LOGIN, sender=FROM)
    [message] = devino_mock.messages(channel="email")
    assert devino_mock.set_status(message["id"], "bounced")["status"] == "Bounced"
    response = requests.post(f"{devino_mock.url}/_mock/messages/{message['id']}/status", json={"status": 0})
    assert response.status_code == 400
    assert "e-mail" in response.json()["error"]


def test_rest_sms_state_does_not_know_email_ids(devino_mock):
    send(devino_mock, letter(), [TO], login=LOGIN, sender=FROM)
    [message] = devino_mock.messages(channel="email")
    state = requests.get(f"{devino_mock.rest_url}/v2/Sms/State",
                         params={"login": "test_login", "password": "test123", "messageId": message["id"]}).json()
    assert state["State"] == 255


def test_only_the_first_to_address_receives_the_mail(devino_mock):
    raw = letter(to="first@example.com, second@example.com")
    assert send(devino_mock, raw, ["first@example.com", "second@example.com", "bcc@example.com"],
                login=LOGIN, sender=FROM)[0] == 250
    [message] = devino_mock.messages(channel="email")
    assert message["destination"] == "first@example.com"
    assert only_mail(devino_mock)["details"]["warnings"] == [
        "only the first To address receives the mail; not sent to: second@example.com, bcc@example.com"]


def test_missing_macros_are_accepted_with_a_warning(devino_mock):
    send(devino_mock, letter("Привет! <a href=\"http://www.devinotele.com\">Кликни меня</a>"), [TO],
         login=LOGIN, sender=FROM)
    assert len(devino_mock.messages(channel="email")) == 1
    assert only_mail(devino_mock)["details"]["warnings"] == [
        "the text lacks [Unsubscribe] and [WebVersion] (required by the documentation)"]


@pytest.mark.parametrize(("charset", "cte"), [("koi8-r", "quoted-printable"), ("windows-1251", "base64"),
                                              ("utf-8", "base64")])
def test_any_charset_is_stored_as_text(devino_mock, charset, cte):
    body = "Ваш заказ готов [Unsubscribe] [WebVersion]"
    send(devino_mock, letter(body, charset=charset, cte=cte), [TO], login=LOGIN, sender=FROM)
    assert devino_mock.messages(channel="email")[0]["text"] == body


def test_html_only_mail_keeps_the_html(devino_mock):
    raw = letter("<p>Hi [Unsubscribe] [WebVersion]</p>").replace(b"text/plain", b"text/html")
    send(devino_mock, raw, [TO], login=LOGIN, sender=FROM)
    [message] = devino_mock.messages(channel="email")
    assert (message["text"], message["extra"]) == ("<p>Hi [Unsubscribe] [WebVersion]</p>", {"content_type": "text/html"})


def test_header_from_must_be_a_confirmed_sender_address(devino_mock):
    devino_mock.add_account("shop", "shop1", email_senders=[FROM])
    assert send(devino_mock, letter(sender="NoReply@Shop.Example"), [TO], login=("shop", "shop1"))[0] == 250
    assert devino_mock.account("shop")["email_senders"] == [FROM]


def test_mail_from_stands_in_for_a_missing_from_header(devino_mock):
    raw = b"To: customer@example.com\r\nSubject: s\r\n\r\nbody [Unsubscribe] [WebVersion]\r\n"
    send(devino_mock, raw, [TO], login=LOGIN, sender="bounce@shop.example")
    assert devino_mock.messages(channel="email")[0]["source"] == "bounce@shop.example"


# --- the documented 554 errors -----------------------------------------------------------


def test_unconfirmed_sender_address(devino_mock):
    devino_mock.add_account("shop", "shop1", email_senders=[FROM])
    reply = send(devino_mock, letter(sender="other@shop.example"), [TO], login=("shop", "shop1"))
    assert_failed(devino_mock, reply, "Disallowed source address: other@shop.example", "invalid_source")


def test_malformed_sender_address(devino_mock):
    reply = send(devino_mock, letter(sender="not-an-address"), [TO], login=LOGIN)
    assert_failed(devino_mock, reply, "Disallowed source address: not-an-address", "invalid_source")


def test_invalid_recipient_at_rcpt(devino_mock):
    with smtp(devino_mock) as client:
        client.ehlo("client.example.com")
        client.login(*LOGIN)
        client.mail(FROM)
        assert client.rcpt("<user@localhost>") == (554, b"Transaction failed: Invalid recipient address: user@localhost")


def test_invalid_first_to_address_at_data(devino_mock):
    reply = send(devino_mock, letter(to="broken@"), [TO], login=LOGIN, sender=FROM)
    assert_failed(devino_mock, reply, "Invalid recipient address: broken@", "invalid_destination")


def test_size_limit_500_kb(devino_mock):
    filler = "x" * 76 + "\n"
    body = "[Unsubscribe] [WebVersion]\n" + filler * (512_000 // 78 + 10)
    with smtp(devino_mock) as client:
        client.ehlo("client.example.com")
        client.login(*LOGIN)
        with pytest.raises(smtplib.SMTPDataError) as failure:
            client.sendmail(FROM, [TO], letter(body, cte="7bit"))
    assert (failure.value.smtp_code, failure.value.smtp_error) == (554, b"Transaction failed: Message exceeds fixed size limit")
    assert only_mail(devino_mock)["error"] == "too_big"
    assert devino_mock.messages() == []


def test_just_under_the_size_limit_is_accepted(devino_mock):
    body = "[Unsubscribe] [WebVersion]\n" + ("y" * 76 + "\n") * 6000  # about 470 KB
    assert send(devino_mock, letter(body, cte="7bit"), [TO], login=LOGIN, sender=FROM)[0] == 250


@pytest.mark.parametrize(("disposition", "ext"), [
    ("attachment; filename=\"invoice.PDF\"", "pdf"),
    ("inline; filename=\"logo.png\"", "png"),
    ("attachment", ""),
])
def test_attachments_are_not_allowed(devino_mock, disposition, ext):
    boundary = "b0undary"
    raw = (f"From: {FROM}\r\nTo: {TO}\r\nSubject: s\r\nMIME-Version: 1.0\r\n"
           f"Content-Type: multipart/mixed; boundary={boundary}\r\n\r\n"
           f"--{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee attached [Unsubscribe] [WebVersion]\r\n"
           f"--{boundary}\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n"
           f"Content-Disposition: {disposition}\r\n\r\n{base64.b64encode(b'data').decode()}\r\n"
           f"--{boundary}--\r\n").encode()
    reply = send(devino_mock, raw, [TO], login=LOGIN, sender=FROM)
    assert_failed(devino_mock, reply, f"Not allowed attachement type {ext}".rstrip(), "attachment")


def test_non_ascii_address_is_echoed_as_one_ascii_line(devino_mock):
    devino_mock.add_account("shop", "shop1", email_senders=[FROM])
    # A raw UTF-8 address in the header (RFC 6532 style), the display name RFC 2047-encoded.
    raw = letter(sender="=?utf-8?B?" + base64.b64encode("Магазин".encode()).decode() + "?= <продажи@shop.example>")
    code, reply = send(devino_mock, raw, [TO], login=("shop", "shop1"))
    assert (code, reply) == (554, "Transaction failed: Disallowed source address: ".encode() + b"???????@shop.example")


@pytest.mark.parametrize(("reject", "text", "error"), [
    ("internal_error", "Internal server error", "internal_error"),
    ("gateway_error", "Internal server error", "gateway_error"),
    ("invalid_destination", f"Invalid recipient address: {TO}", "invalid_destination"),
    ("invalid_source", f"Disallowed source address: {FROM}", "invalid_source"),
])
def test_rules_steer_email_rejections(devino_mock, reject, text, error):
    devino_mock.add_rule(channel="email", destination="customer@*", reject=reject)
    reply = send(devino_mock, letter(), [TO], login=LOGIN, sender=FROM)
    assert_failed(devino_mock, reply, text, error)


def test_sms_number_rules_do_not_touch_email(devino_mock):
    devino_mock.add_rule(destination="7916*", reject="internal_error")
    assert send(devino_mock, letter(), [TO], login=LOGIN, sender=FROM)[0] == 250


# --- one listener, both services ---------------------------------------------------------


def test_authenticated_mail_to_both_services(devino_mock):
    body = ("UserLogin=test_login\nPassword=test123\nSourceAddress=TEL\nPhoneNumber=+79161234567\n"
            "Hi [Unsubscribe] [WebVersion]\n")
    raw = mail(body, charset="utf-8", cte="8bit", to=f"{TO}, {SERVICE}", sender=FROM)
    code, reply = send(devino_mock, raw, [TO, SERVICE], login=LOGIN, sender=FROM)
    [email] = devino_mock.messages(channel="email")
    [sms] = devino_mock.messages(channel="sms")
    assert (code, reply) == (250, f"OK {email['id']}".encode())
    assert sms["transport"] == "smtp"
    assert sorted(m["service"] for m in devino_mock.mails()) == ["email", "email2sms"]
