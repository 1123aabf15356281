"""What support arranges per account for the SMTP e-mail API (smtp-email2sms.md B.1, B.2): an IP
allow-list and the unsubscribed and hard-bounce addresses the platform filters out, through
`/_mock/smtp/accounts/{login}`."""

import smtplib

import pytest
import requests

from tests.smtp_helpers import send, smtp
from tests.test_smtp_email_api import FROM, LOGIN, TO, letter

BODY = 'Hi <a href="[Unsubscribe]">unsubscribe</a> [WebVersion]'


def options(devino_mock, login="test_login", **values):
    url = f"{devino_mock.url}/_mock/smtp/accounts/{login}"
    return requests.post(url, json=values) if values else requests.get(url)


def test_an_address_not_on_the_allow_list_is_refused_at_mail_from(devino_mock):
    assert options(devino_mock, allowed_ips=["10.0.0.0/8"]).status_code == 200
    with smtp(devino_mock) as client:
        client.ehlo("client.example.com")
        client.login(*LOGIN)
        with pytest.raises(smtplib.SMTPSenderRefused) as refused:
            client.sendmail(FROM, [TO], letter(BODY))
        assert (refused.value.smtp_code, refused.value.smtp_error) == (554, b"Transaction failed: Must authenticate before sending mail")
    assert devino_mock.messages(channel="email") == []


def test_an_address_on_the_allow_list_sends(devino_mock):
    options(devino_mock, allowed_ips=["10.0.0.0/8", "127.0.0.1"])
    code, _ = send(devino_mock, letter(BODY), [TO], login=LOGIN, sender=FROM)
    assert code == 250 and len(devino_mock.messages(channel="email")) == 1


def test_email2sms_is_not_subject_to_the_allow_list(devino_mock):
    options(devino_mock, allowed_ips=["10.0.0.0/8"])
    body = "UserLogin=test_login\nPassword=test123\nSourceAddress=MYSHOP\nPhoneNumber=+79161234567\nhi\n"
    assert send(devino_mock, f"Subject: s\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}".encode())[0] == 250
    assert len(devino_mock.messages(channel="sms")) == 1


@pytest.mark.parametrize("kind", ["unsubscribed", "bounced"])
def test_filtered_addresses_are_taken_but_never_sent(devino_mock, kind):
    options(devino_mock, **{kind: [TO.upper()]})
    code, reply = send(devino_mock, letter(BODY), [TO], login=LOGIN, sender=FROM)
    [message] = devino_mock.messages(channel="email")
    assert (code, reply) == (250, f"OK {message['id']}".encode())
    assert message["status"] == "Rejected"
    devino_mock.advance(60)
    assert devino_mock.message(message["id"])["status"] == "Rejected"  # no Sent/Delivered afterwards
    [record] = devino_mock.mails()
    assert any(kind in warning and "not sent" in warning for warning in record["details"]["warnings"])


def test_other_addresses_are_sent_as_usual(devino_mock):
    options(devino_mock, unsubscribed=["someone.else@example.com"])
    send(devino_mock, letter(BODY), [TO], login=LOGIN, sender=FROM)
    devino_mock.advance(60)
    assert devino_mock.messages(channel="email")[0]["status"] == "Delivered"


def test_options_go_with_the_account_on_reset_and_are_checked(devino_mock):
    options(devino_mock, allowed_ips=["10.0.0.1"], unsubscribed=["a@example.com"])
    assert options(devino_mock).json()["allowed_ips"] == ["10.0.0.1"]
    devino_mock.reset()
    assert options(devino_mock).json() == {"login": "test_login", "allowed_ips": [], "unsubscribed": [], "bounced": []}
    assert options(devino_mock, allowed_ips=["not-an-ip"]).status_code == 400
    assert options(devino_mock, unsubscribed="a@example.com").status_code == 400
    assert options(devino_mock, login="nobody", bounced=[]).status_code == 404
