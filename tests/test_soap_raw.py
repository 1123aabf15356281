"""Raw SOAP on the wire: the documentation's SOAP 1.2 envelopes, the SOAP 1.1 envelopes a
hand-written PHP cURL client posts, the exact answers such clients index into, SOAPAction
variants and the documented leniencies (soap.md §1.3-1.4, §2.2, §10.4, §10.6 items 2-5, 11;
clients.md §5.4 items 2, 3, 5)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tests.soap_support import (
    NS,
    V1,
    V2,
    call,
    envelope11,
    envelope12,
    operation,
    parse_into_struct,
    post,
    session,
)

SOAP11_HEAD = ('<?xml version="1.0" encoding="utf-8"?>'
               '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" '
               'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">'
               '<soap:Body>')
SOAP12_HEAD = SOAP11_HEAD.replace("http://schemas.xmlsoap.org/soap/envelope/",
                                  "http://www.w3.org/2003/05/soap-envelope")
TAIL = "</soap:Body></soap:Envelope>"


def utc_now(devino_mock) -> datetime:
    return datetime.fromisoformat(devino_mock.now().replace("Z", "+00:00"))


def iso(value: datetime) -> str:
    return value.replace(tzinfo=None).isoformat(timespec="seconds")


# --- the documentation's SOAP 1.2 examples, placeholders filled in --------------------


def test_documented_v1_examples_over_soap12(devino_mock):
    url = devino_mock.url
    answer = call(url, "/smsservice.asmx", "GetSessionID", "1.2", login="test_login", password="test123")
    assert answer.status == 200 and answer.content_type == "application/soap+xml; charset=utf-8"
    sid = answer.result("GetSessionID").text
    assert call(url, V1, "GetBalance", "1.2", sessionID=sid).result("GetBalance").text == "1000.00"
    now = utc_now(devino_mock)
    by_zone = call(url, V1, "SendMessageByTimeZone", "1.2", sessionID=sid, sourceAddress="DEVINO",
                   destinationAddress="79161234567", data="привет", sendDate=iso(now - timedelta(hours=1)),
                   validity=10).strings("SendMessageByTimeZone")
    sent = post(url, V1, envelope12(operation("SendMessage", sessionID=sid) .replace(
        "</SendMessage>", "<message><Data>hi</Data><DelayUntilUtc>" + iso(now) + "</DelayUntilUtc>"
        "<DestinationAddresses><string>79161234567</string><string>79161234568</string></DestinationAddresses>"
        "<SourceAddress>DEVINO</SourceAddress><ReceiptRequested>true</ReceiptRequested><Validity>0</Validity>"
        "</message></SendMessage>")), "1.2").strings("SendMessage")
    to_addresses = call(url, V1, "SendMessageByTimeZoneToAddresses", "1.2", sessionID=sid, sourceAddress="DEVINO",
                        destinationAddresses=["79161234569"], data="x", sendDate=iso(now),
                        validity=0).strings("SendMessageByTimeZoneToAddresses")
    assert (len(by_zone), len(sent), len(to_addresses)) == (1, 2, 1)
    devino_mock.advance(3)
    state = call(url, V1, "GetMessageState", "1.2", sessionID=sid, messageID=sent[1]).result("GetMessageState")
    assert [(child.tag.split("}")[1], child.text) for child in state][0::4] == [
        ("State", "0"), ("StateDescription", "Сообщение доставлено")]
    stats = call(url, V1, "GetStatistics", "1.2", sessionId=sid, startDateTime=iso(now - timedelta(days=1)),
                 endDateTime=iso(now + timedelta(days=1))).result("GetStatistics")
    assert [(child.tag.split("}")[1], child.text) for child in stats] == [
        ("Sent", "0"), ("Delivered", "4"), ("Errors", "0"), ("InProcess", "0"), ("Expired", "0"), ("Rejected", "0")]
    devino_mock.incoming("test_login", "79031112233", "79160000000", "входящее")
    inbox = call(url, V1, "GetIncomingMessages", "1.2", sessionID=sid,
                 maxDateUTC=iso(utc_now(devino_mock) + timedelta(minutes=1)),
                 minDateUTC=iso(now - timedelta(hours=1))).result("GetIncomingMessages")
    [item] = inbox
    assert [child.tag.split("}")[1] for child in item] == [
        "Data", "SourceAddress", "DestinationAddress", "CreatedDateUtc"]
    assert item[0].text == "входящее"


def test_documented_v2_examples_including_to_addresses_without_send_date(devino_mock):
    url = devino_mock.url
    assert call(url, "/smsservicev2.asmx", "GetBalance", "1.2", **{"login": "test_login", "password": "test123"}) \
        .result("GetBalance").text == "1000.00"
    # 001-ch8/000 write DestinationAddresses and Validity and leave out sendDate (soap.md §5.4).
    ids = call(url, V2, "SendMessageByTimeZoneToAddresses", "1.2", login="test_login", password="test123",
               sourceAddress="DEVINO", DestinationAddresses=["79161234567", "79161234568"], data="x",
               Validity=5).strings("SendMessageByTimeZoneToAddresses")
    assert len(ids) == 2
    [first, _] = devino_mock.messages(transport="soap_v2")
    assert first["send_at"] == first["created_at"]
    expires = datetime.fromisoformat(first["expires_at"][:-1]) - datetime.fromisoformat(first["send_at"][:-1])
    assert expires == timedelta(minutes=5)
    answer = call(url, V2, "GetMessageState", "1.2", login="test_login", password="test123", messageID=ids[0])
    assert answer.result("GetMessageState")[0].text == "-2"


# --- exact answers -------------------------------------------------------------------


def test_exact_soap11_answer_and_the_php_index_client(devino_mock):
    answer = call(devino_mock.url, V1, "GetSessionID", login="test_login", password="test123")
    sid = answer.result("GetSessionID").text
    assert answer.text == (SOAP11_HEAD + '<GetSessionIDResponse xmlns="http://ws.devinosms.com"><GetSessionIDResult>'
                           + sid + "</GetSessionIDResult></GetSessionIDResponse>" + TAIL)
    assert parse_into_struct(answer.text)[3] == {"tag": "GETSESSIONIDRESULT", "type": "complete", "level": 4,
                                                 "value": sid}
    balance = call(devino_mock.url, V1, "GetBalance", sessionID=sid)
    assert parse_into_struct(balance.text)[3]["value"] == "1000.00"
    sent = call(devino_mock.url, V1, "SendMessage", sessionID=sid, message="<Data>hi</Data><DestinationAddresses>"
                "<string>79161234567</string><string>79161234568</string></DestinationAddresses>"
                "<SourceAddress>DEVINO</SourceAddress><ReceiptRequested>true</ReceiptRequested>")
    entries = parse_into_struct(sent.text)
    assert entries[3]["tag"] == "SENDMESSAGERESULT"
    assert [entries[4]["value"], entries[5]["value"]] == sent.strings("SendMessage")
    state = call(devino_mock.url, V1, "GetMessageState", sessionID=sid, messageID=entries[4]["value"])
    assert parse_into_struct(state.text)[4] == {"tag": "STATE", "type": "complete", "level": 5, "value": "-2"}
    assert state.text.startswith(SOAP11_HEAD + '<GetMessageStateResponse xmlns="http://ws.devinosms.com">'
                                 "<GetMessageStateResult><State>-2</State><CreationDateUtc>")
    assert state.text.endswith('<SubmittedDateUtc xsi:nil="true"/><ReportedDateUtc xsi:nil="true"/>'
                               "<StateDescription>Сообщение отправляется</StateDescription><Price>1.00</Price>"
                               "</GetMessageStateResult></GetMessageStateResponse>" + TAIL)


def test_exact_faults_in_both_versions(devino_mock):
    body = operation("GetSessionID", login="test_login", password="wrong")
    answer = post(devino_mock.url, V1, envelope11(body))
    assert (answer.status, answer.content_type) == (500, "text/xml; charset=utf-8")
    assert answer.text == (SOAP11_HEAD + "<soap:Fault><faultcode>soap:Server</faultcode><faultstring>"
                           "Server was unable to process request. ---&gt; Invalid user login or password</faultstring>"
                           "<detail/></soap:Fault>" + TAIL)
    answer = post(devino_mock.url, V1, envelope12(body), "1.2")
    assert (answer.status, answer.content_type) == (500, "application/soap+xml; charset=utf-8")
    assert answer.text == (SOAP12_HEAD + "<soap:Fault><soap:Code><soap:Value>soap:Receiver</soap:Value></soap:Code>"
                           '<soap:Reason><soap:Text xml:lang="en">Server was unable to process request. ---&gt; '
                           "Invalid user login or password</soap:Text></soap:Reason><soap:Detail/></soap:Fault>" + TAIL)


# --- SOAPAction and envelope versions --------------------------------------------------


@pytest.mark.parametrize("headers", [
    {"SOAPAction": '"http://ws.devinosms.com/GetSessionID"'},
    {"SOAPAction": "http://ws.devinosms.com/GetSessionID"},
    {},
    {"SOAPAction": '"http://ws.devinosms.com/GetBalance"'},  # dispatch is on the Body, never the header
    {"SOAPAction": '""'},
    {"Content-Type": "text/xml"},
])
def test_soap11_with_any_soap_action(devino_mock, headers):
    answer = post(devino_mock.url, V1, envelope11(operation("GetSessionID", login="test_login", password="test123")),
                  headers=headers)
    assert answer.status == 200 and len(answer.result("GetSessionID").text) == 36


def test_soap12_with_the_action_parameter_as_dot_net_sends_it(devino_mock):
    sid = session(devino_mock.url)
    answer = post(devino_mock.url, V1, envelope12(operation("GetBalance", sessionID=sid)), "1.2", headers={
        "Content-Type": 'application/soap+xml; charset=utf-8; action="http://ws.devinosms.com/GetBalance"'})
    assert answer.status == 200 and answer.result("GetBalance").text == "1000.00"
    assert answer.content_type == "application/soap+xml; charset=utf-8"


def test_the_answer_follows_the_envelope_not_the_content_type(devino_mock):
    body = operation("GetSessionID", login="test_login", password="test123")
    answer = post(devino_mock.url, V1, envelope12(body), headers={"Content-Type": "text/xml; charset=utf-8"})
    assert answer.status == 200 and answer.content_type == "application/soap+xml; charset=utf-8"
    answer = post(devino_mock.url, V1, envelope11(body), "1.2")
    assert answer.status == 200 and answer.content_type == "text/xml; charset=utf-8"


def test_the_php_curl_client_envelopes(devino_mock):
    """As the hand-written client posts them, including its line break inside `xmlns:xsd`."""
    php_envelope = ('<?xml version="1.0" encoding="utf-8"?>\n        <soap:Envelope '
                    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://\n'
                    'www.w3.org/2001/XMLSchema" xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">\n'
                    "        <soap:Body>\n            {body}\n          </soap:Body>\n        </soap:Envelope>")
    headers = {"SOAPAction": "http://ws.devinosms.com/GetMessageState"}
    sid = session(devino_mock.url)
    sent = post(devino_mock.url, V1, php_envelope.format(body=(
        f'<SendMessage xmlns="{NS}">\n              <sessionID>{sid}</sessionID>\n\t      <message>\n'
        "                <Data>hi</Data>\n                <DestinationAddresses>89161234567</DestinationAddresses>\n"
        "                <SourceAddress>DEVINO</SourceAddress>\n                <ReceiptRequested></ReceiptRequested>\n"
        "              </message>\n            </SendMessage>")),
        headers={"SOAPAction": "http://ws.devinosms.com/SendMessage"})
    [message_id] = sent.strings("SendMessage")
    assert devino_mock.message(message_id)["destination"] == "79161234567"
    state = post(devino_mock.url, V1, php_envelope.format(body=(
        f'<GetMessageState xmlns="{NS}">\n              <sessionID>{sid}</sessionID>\n'
        f"              <messageID>{message_id}</messageID>\n            </GetMessageState>")), headers=headers)
    assert parse_into_struct(state.text)[4]["value"] == "-2"


# --- leniency for hand-written clients (soap.md §10.4) ---------------------------------


def test_element_names_in_any_case_and_documentation_spellings(devino_mock):
    url = devino_mock.url
    sid = call(url, V1, "GetSessionID", Login="test_login", Password="test123").result("GetSessionID").text
    now = utc_now(devino_mock)
    window = {"startTime": iso(now - timedelta(days=1)), "endTime": iso(now + timedelta(days=1))}
    assert call(url, V1, "GetStatistics", sessionID=sid, **window).status == 200  # table names, sessionID spelling
    assert call(url, V1, "getbalance", SessionId=sid).result("GetBalance").text == "1000.00"
    ids = call(url, V1, "SendMessage", sessionID=sid, message=(
        f"<DelayUnilUtc>{iso(now + timedelta(minutes=5))}</DelayUnilUtc><DestinationAddress><string>79161234567"
        "</string></DestinationAddress><data>hi</data><sourceaddress>DEVINO</sourceaddress><Unknown>1</Unknown>"
    )).strings("SendMessage")
    [stored] = devino_mock.messages()
    assert stored["ids"] == ids and stored["send_at"] != stored["created_at"]  # DelayUnilUtc honoured


def test_children_in_any_order_and_without_namespace(devino_mock):
    sid = session(devino_mock.url)
    body = (f'<ns:SendMessageByTimeZone xmlns:ns="{NS}"><validity>5</validity><data>x</data>'
            f"<sendDate>2020-01-01T00:00:00</sendDate><destinationAddress>79161234567</destinationAddress>"
            f"<sourceAddress>DEVINO</sourceAddress><sessionID>{sid}</sessionID></ns:SendMessageByTimeZone>")
    assert len(post(devino_mock.url, V1, envelope11(body)).strings("SendMessageByTimeZone")) == 1
    bare = f"<GetBalance><sessionID>{sid}</sessionID></GetBalance>"  # no namespace at all
    assert post(devino_mock.url, V1, envelope11(bare)).result("GetBalance").text == "999.00"


@pytest.mark.parametrize(("written", "seconds_from_now"), [
    ("{later:%Y-%m-%dT%H:%M}", None), ("{later:%Y-%m-%d}\u0422{later:%H:%M:%S}", None),
    ("{later:%Y-%m-%dT%H:%M:%S}Z", None), ("{minus_0330:%Y-%m-%dT%H:%M:%S}-03:30", None),
    ("0001-01-01T00:00:00", 0), ("", 0)])
def test_delay_until_utc_forms(devino_mock, written, seconds_from_now):
    sid = session(devino_mock.url)
    later = (utc_now(devino_mock) + timedelta(hours=2)).replace(second=0, microsecond=0)
    value = written.format(later=later, minus_0330=later.astimezone(timezone(-timedelta(hours=3, minutes=30))))
    answer = call(devino_mock.url, V1, "SendMessage", sessionID=sid, message=(
        f"<Data>x</Data><DelayUntilUtc>{value}</DelayUntilUtc><DestinationAddresses><string>79161234567</string>"
        "</DestinationAddresses><SourceAddress>DEVINO</SourceAddress>"))
    assert answer.status == 200, answer.text
    [stored] = devino_mock.messages()
    send_at = datetime.fromisoformat(stored["send_at"].replace("Z", "+00:00"))
    expected = datetime.fromisoformat(stored["created_at"].replace("Z", "+00:00")) if seconds_from_now == 0 else later
    assert send_at == expected


def test_recipients_written_as_text(devino_mock):
    sid = session(devino_mock.url)
    answer = call(devino_mock.url, V1, "SendMessage", sessionID=sid, message=(
        "<Data>x</Data><DestinationAddresses>79161234567, +79161234568;89161234569</DestinationAddresses>"
        "<SourceAddress>DEVINO</SourceAddress>"))
    assert len(answer.strings("SendMessage")) == 3
    assert [m["destination"] for m in devino_mock.messages()] == ["79161234567", "79161234568", "79161234569"]


@pytest.mark.parametrize("prefix", [b"\xef\xbb\xbf", b"\r\n  "])
def test_a_bom_or_whitespace_before_the_declaration(devino_mock, prefix):
    body = prefix + envelope11(operation("GetSessionID", login="test_login", password="test123")).encode()
    assert post(devino_mock.url, V1, body).status == 200
