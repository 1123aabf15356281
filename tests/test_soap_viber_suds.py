"""suds (SOAP 1.1, `?wsdl`, objects from `client.factory`, an empty `SOAP-ENV:Header`) against
ViberService.asmx and ViberServiceV2.asmx: every operation, the fallback SMS read through
SmsService.asmx, and faults as WebFault."""

from __future__ import annotations

import pytest
from suds import WebFault
from suds.client import Client

from tests.soap_support import FAULT_PREFIX, V1, VIBER_V1, VIBER_V2
from tests.test_soap_suds import Wire

NOT_A_VIBER_USER = "79990001101"


def viber(client, text, *numbers, validity=60):
    message = client.factory.create("ViberMessage")
    addresses = client.factory.create("ArrayOfString")
    addresses.string = list(numbers)
    message.Data, message.SourceAddress, message.DestinationAddresses = text, "DEVINO", addresses
    message.Validity = validity
    return message


@pytest.fixture
def suds_viber_v1(devino_mock):
    wire = Wire()
    return Client(devino_mock.url + VIBER_V1 + "?wsdl", cache=None, plugins=[wire]), wire


def test_suds_v1_round_trip_with_the_fallback(suds_viber_v1, devino_mock):
    client, wire = suds_viber_v1
    session = client.service.GetSessionID("test_login", "test123")
    assert len(session) == 36
    plain = client.service.SendMessage(session, viber(client, "hi", "79161234567", "79161234568"))
    assert len(plain.string) == 2  # suds reads `.string`
    resend = client.service.SendMessageWithResend(session, viber(client, "hi", NOT_A_VIBER_USER))
    assert "<SOAP-ENV:Header/>" in wire.sent[-1] and "SendMessageWithResend>" in wire.sent[-1]
    [resend_id] = resend.string
    assert client.service.GetMessageState(session, int(resend_id)).State == "Enqueued"
    devino_mock.advance(3)
    state = client.service.GetMessageState(session, int(resend_id))
    assert state.State == "Undelivered"
    [info] = state.ResentSms.ViberSmsMessageStateInfo
    assert devino_mock.message(str(info.Id))["parent"] == resend_id
    devino_mock.advance(3)
    assert client.service.GetMessageState(session, int(plain.string[1])).State == "Read"
    sms = Client(devino_mock.url + V1 + "?wsdl", cache=None)
    assert sms.service.GetMessageState(session, str(info.Id)).State == 0


def test_suds_unknown_ids_and_faults(suds_viber_v1):
    client, _ = suds_viber_v1
    session = client.service.GetSessionID("test_login", "test123")
    assert client.service.GetMessageState(session, 1).State == "Unknown"
    with pytest.raises(WebFault) as caught:
        client.service.SendMessage(session, viber(client, "hi", "79161234567", validity=0))
    assert caught.value.fault.faultstring == FAULT_PREFIX + "Invalid argument"
    assert caught.value.fault.faultcode == "soap:Server"
    with pytest.raises(WebFault) as caught:
        client.service.GetSessionID("test_login", "wrong")
    assert caught.value.fault.faultstring == FAULT_PREFIX + "Invalid user login or password"


def test_suds_v2(devino_mock):
    client = Client(devino_mock.url + VIBER_V2 + "?wsdl", cache=None)
    result = client.service.SendMessageWithResend("test_login", "test123",
                                                  viber(client, "hi", "79161234567", NOT_A_VIBER_USER))
    assert [m["id"] for m in devino_mock.messages(transport="soap_v2")] == result.string
    devino_mock.advance(3)
    delivered, undelivered = (client.service.GetMessageState("test_login", "test123", int(i)) for i in result.string)
    assert (delivered.State, undelivered.State) == ("Delivered", "Undelivered")
    assert not getattr(delivered.ResentSms, "ViberSmsMessageStateInfo", None)
    assert len(undelivered.ResentSms.ViberSmsMessageStateInfo) == 1
    with pytest.raises(WebFault) as caught:
        client.service.GetMessageState("test_login", "wrong", 1)
    assert caught.value.fault.faultstring == FAULT_PREFIX + "Invalid user login or password"
