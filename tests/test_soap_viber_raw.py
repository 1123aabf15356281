"""Raw SOAP to ViberService.asmx and ViberServiceV2.asmx: the documentation's SOAP 1.2
examples with their placeholders filled in, SOAP 1.1 as hand-written clients post it, the exact
answers (SendMessageWithResendResponse/SendMessageResult, State then ResentSms), the faults
generated clients cannot provoke, and the documented leniencies (soap.md §6, §7, §10.4)."""

from __future__ import annotations

import pytest

from tests.soap_support import (
    FAULT_PREFIX,
    READ_PREFIX,
    V1,
    VIBER_V1,
    VIBER_V2,
    call,
    envelope11,
    envelope12,
    operation,
    post,
    session,
)
from tests.test_soap_raw import SOAP11_HEAD, SOAP12_HEAD, TAIL

CREDENTIALS = {"login": "test_login", "password": "test123"}
NOT_A_VIBER_USER = "79990001101"


def message(*numbers: str, data: str = "hello", source: str = "DEVINO", validity: object = 60,
            optional: str | None = "opt") -> str:
    """The `message` element's content in the documented order (soap.md §6.1)."""
    addresses = "".join(f"<string>{n}</string>" for n in numbers or ("79161234567",))
    parts = [f"<Data>{data}</Data>", f"<DestinationAddresses>{addresses}</DestinationAddresses>",
             f"<SourceAddress>{source}</SourceAddress>"]
    if validity is not None:
        parts.append(f"<Validity>{validity}</Validity>")
    if optional is not None:
        parts.append(f"<Optional>{optional}</Optional>")
    return "".join(parts)


def children(element) -> list[tuple[str, str | None]]:
    return [(child.tag.split("}")[1], child.text) for child in element]


# --- the documentation's examples -----------------------------------------------------------


def test_documented_v1_examples_over_soap12(devino_mock):
    url = devino_mock.url
    sid = session(url)  # from SmsService.asmx, as the documentation implies
    sent = call(url, "/viberservice.asmx", "SendMessage", "1.2", sessionID=sid,
                message=message("79161234567", "79161234568"))
    assert sent.status == 200 and sent.content_type == "application/soap+xml; charset=utf-8"
    ids = sent.strings("SendMessage")
    resent = call(url, VIBER_V1, "SendMessageWithResend", "1.2", sessionID=sid, message=message(NOT_A_VIBER_USER))
    [resend_id] = resent.strings("SendMessage")  # SendMessageWithResendResponse/SendMessageResult
    assert resent.find("SendMessageWithResendResponse") is not None
    assert resent.find("SendMessageWithResendResult") is None
    devino_mock.advance(3)
    delivered = call(url, VIBER_V1, "GetMessageState", "1.2", sessionID=sid, messageID=ids[1])
    assert children(delivered.result("GetMessageState")) == [("State", "Delivered"), ("ResentSms", None)]
    state = call(url, VIBER_V1, "GetMessageState", "1.2", sessionID=sid, messageID=resend_id)
    [(_, sms_id)] = [(info.tag, info[0].text) for info in state.find("ResentSms")]
    assert devino_mock.message(sms_id)["parent"] == resend_id
    sms_state = call(url, V1, "GetMessageState", "1.2", sessionID=sid, messageID=sms_id)
    assert sms_state.result("GetMessageState")[0].text == "-2"


def test_documented_v2_examples_over_soap12(devino_mock):
    url = devino_mock.url
    ids = call(url, "/viberservicev2.asmx", "SendMessage", "1.2", **CREDENTIALS,
               message=message("79161234567")).strings("SendMessage")
    [resend_id] = call(url, VIBER_V2, "SendMessageWithResend", "1.2", **CREDENTIALS,
                       message=message(NOT_A_VIBER_USER)).strings("SendMessage")
    assert [m["transport"] for m in devino_mock.messages(channel="viber")] == ["soap_v2", "soap_v2"]
    devino_mock.advance(6)
    read = call(url, VIBER_V2, "GetMessageState", "1.2", **CREDENTIALS, messageID=ids[0])
    assert children(read.result("GetMessageState")) == [("State", "Read"), ("ResentSms", None)]
    undelivered = call(url, VIBER_V2, "GetMessageState", "1.2", **CREDENTIALS, messageID=resend_id)
    assert undelivered.result("GetMessageState")[0].text == "Undelivered"


# --- exact answers --------------------------------------------------------------------------


def test_exact_soap11_answers(devino_mock):
    url = devino_mock.url
    sent = call(url, VIBER_V2, "SendMessageWithResend", **CREDENTIALS, message=message(NOT_A_VIBER_USER))
    [viber_id] = sent.strings("SendMessage")
    assert (sent.status, sent.content_type) == (200, "text/xml; charset=utf-8")
    assert sent.text == (SOAP11_HEAD + '<SendMessageWithResendResponse xmlns="http://ws.devinosms.com">'
                         f"<SendMessageResult><string>{viber_id}</string></SendMessageResult>"
                         "</SendMessageWithResendResponse>" + TAIL)
    waiting = call(url, VIBER_V2, "GetMessageState", **CREDENTIALS, messageID=viber_id)
    assert waiting.text == (SOAP11_HEAD + '<GetMessageStateResponse xmlns="http://ws.devinosms.com">'
                            "<GetMessageStateResult><State>Enqueued</State><ResentSms/></GetMessageStateResult>"
                            "</GetMessageStateResponse>" + TAIL)
    devino_mock.advance(3)
    [fallback] = devino_mock.messages(channel="sms", transport="viber_fallback")
    failed = call(url, VIBER_V2, "GetMessageState", **CREDENTIALS, messageID=viber_id)
    assert failed.text == (SOAP11_HEAD + '<GetMessageStateResponse xmlns="http://ws.devinosms.com">'
                           "<GetMessageStateResult><State>Undelivered</State><ResentSms><ViberSmsMessageStateInfo>"
                           f"<Id>{fallback['id']}</Id></ViberSmsMessageStateInfo></ResentSms>"
                           "</GetMessageStateResult></GetMessageStateResponse>" + TAIL)
    unknown = call(url, VIBER_V2, "GetMessageState", **CREDENTIALS, messageID="1")
    assert unknown.text == (SOAP11_HEAD + '<GetMessageStateResponse xmlns="http://ws.devinosms.com">'
                            "<GetMessageStateResult><State>Unknown</State></GetMessageStateResult>"
                            "</GetMessageStateResponse>" + TAIL)


@pytest.mark.parametrize("path", [VIBER_V1, VIBER_V2])
def test_exact_faults_in_both_versions(devino_mock, path):
    body = operation("SendMessage", **({"sessionID": "abc"} if path == VIBER_V1 else
                                       {"login": "test_login", "password": "wrong"}), message=message())
    text = "Invalid session id" if path == VIBER_V1 else "Invalid user login or password"
    answer = post(devino_mock.url, path, envelope11(body))
    assert (answer.status, answer.content_type) == (500, "text/xml; charset=utf-8")
    assert answer.text == (SOAP11_HEAD + "<soap:Fault><faultcode>soap:Server</faultcode><faultstring>"
                           f"Server was unable to process request. ---&gt; {text}</faultstring>"
                           "<detail/></soap:Fault>" + TAIL)
    answer = post(devino_mock.url, path, envelope12(body), "1.2")
    assert (answer.status, answer.content_type) == (500, "application/soap+xml; charset=utf-8")
    assert answer.text == (SOAP12_HEAD + "<soap:Fault><soap:Code><soap:Value>soap:Receiver</soap:Value></soap:Code>"
                           '<soap:Reason><soap:Text xml:lang="en">Server was unable to process request. ---&gt; '
                           f"{text}</soap:Text></soap:Reason><soap:Detail/></soap:Fault>" + TAIL)


# --- faults a generated client cannot provoke ------------------------------------------------


@pytest.mark.parametrize(("version", "code"), [("1.1", "soap:Server"), ("1.2", "soap:Receiver")])
@pytest.mark.parametrize(("fields", "text"), [
    ({"message": message(validity=None)}, "Invalid argument"),  # Validity is required: absent reads as 0
    ({"message": message(validity="")}, "Invalid argument"),
    ({}, "Argument cannot be null or empty"),  # no message at all
    ({"message": message(data="")}, "Argument cannot be null or empty"),
])
def test_send_faults_of_hand_written_requests(devino_mock, version, code, fields, text):
    for operation_name in ("SendMessage", "SendMessageWithResend"):
        answer = call(devino_mock.url, VIBER_V2, operation_name, version, **CREDENTIALS, **fields)
        assert (answer.status, answer.fault_code, answer.fault_text) == (500, code, FAULT_PREFIX + text)
    assert devino_mock.messages() == []


@pytest.mark.parametrize(("version", "server", "client"), [("1.1", "soap:Server", "soap:Client"),
                                                           ("1.2", "soap:Receiver", "soap:Sender")])
def test_message_id_faults(devino_mock, version, server, client):
    missing = call(devino_mock.url, VIBER_V2, "GetMessageState", version, **CREDENTIALS)
    assert (missing.status, missing.fault_code, missing.fault_text) == (
        500, server, FAULT_PREFIX + "MessageID can not be null or empty Parameter name: messageId")
    for written in ("abc", "GW0261BBD6B3", "99999999999999999999"):  # not an xs:long
        answer = call(devino_mock.url, VIBER_V2, "GetMessageState", version, **CREDENTIALS, messageID=written)
        assert (answer.status, answer.fault_code) == (500, client)
        assert answer.fault_text.startswith(READ_PREFIX)


def test_operations_of_another_service_are_not_recognised(devino_mock):
    answer = post(devino_mock.url, VIBER_V2, envelope11(operation("GetBalance", **CREDENTIALS)),
                  action='"http://ws.devinosms.com/GetBalance"')
    assert (answer.status, answer.fault_code) == (500, "soap:Client")
    assert answer.fault_text == "Server did not recognize the value of HTTP Header SOAPAction: " \
                                "http://ws.devinosms.com/GetBalance."
    # v2 has no GetSessionID; v1 has it beside the documented operations.
    no_session = call(devino_mock.url, VIBER_V2, "GetSessionID", **CREDENTIALS)
    assert no_session.status == 500 and no_session.fault_code == "soap:Client"
    assert len(call(devino_mock.url, VIBER_V1, "GetSessionID", **CREDENTIALS).result("GetSessionID").text) == 36


# --- leniency for hand-written clients ------------------------------------------------------


@pytest.mark.parametrize("action", ['"http://ws.devinosms.com/SendMessage"', "http://ws.devinosms.com/SendMessage",
                                    None, '"http://ws.devinosms.com/GetMessageState"'])
def test_soap11_with_any_soap_action(devino_mock, action):
    answer = post(devino_mock.url, VIBER_V2, envelope11(operation("SendMessage", **CREDENTIALS, message=message())),
                  action=action)
    assert answer.status == 200 and len(answer.strings("SendMessage")) == 1


def test_element_names_in_any_case_any_order_without_namespace(devino_mock):
    sid = session(devino_mock.url)
    body = (f'<SendMessageWithResend xmlns="http://ws.devinosms.com"><Message xmlns="">'
            "<validity>30</validity><SOURCEADDRESS>DEVINO</SOURCEADDRESS><data>hi</data>"
            f"<DestinationAddress>{NOT_A_VIBER_USER}, 79161234568</DestinationAddress><optional>x</optional>"
            f"</Message><SessionID>{sid}</SessionID></SendMessageWithResend>")
    answer = post(devino_mock.url, VIBER_V1, envelope12(body), "1.2")
    ids = answer.strings("SendMessage")
    assert [devino_mock.message(i)["destination"] for i in ids] == [NOT_A_VIBER_USER, "79161234568"]
    stored = devino_mock.message(ids[0])
    assert (stored["text"], stored["source"], stored["extra"]["optional"]) == ("hi", "DEVINO", "x")
    devino_mock.advance(3)
    state = post(devino_mock.url, VIBER_V1, envelope12(
        f'<GetMessageState xmlns="http://ws.devinosms.com"><MessageId> {ids[0]} </MessageId>'
        f"<sessionId>{sid}</sessionId></GetMessageState>"), "1.2")
    assert state.result("GetMessageState")[0].text == "Undelivered"
    assert state.find("ViberSmsMessageStateInfo") is not None
