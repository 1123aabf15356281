"""suds (SOAP 1.1, `?wsdl`, an empty `SOAP-ENV:Header`, `ns0`/`ns1` prefixes, `xsi:nil` for an
unset DelayUntilUtc) against both services (clients.md §4, §5.4)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from suds import WebFault
from suds.client import Client
from suds.plugin import MessagePlugin

from tests.soap_support import FAULT_PREFIX, V1, V2


class Wire(MessagePlugin):
    """Keeps what suds sent, to show the test drives suds' own quirks."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    def sending(self, context) -> None:
        envelope = context.envelope
        self.sent.append(envelope.decode() if isinstance(envelope, bytes) else str(envelope))


@pytest.fixture
def suds_v1(devino_mock):
    wire = Wire()
    return Client(devino_mock.url + V1 + "?wsdl", cache=None, plugins=[wire]), wire


def emulator_now(devino_mock) -> datetime:
    """The emulator's clock, naive UTC (what suds sends as is)."""
    return datetime.fromisoformat(devino_mock.now().replace("Z", "+00:00")).replace(tzinfo=None)


def sms(client, text, *numbers):
    message = client.factory.create("SmsMessage")
    addresses = client.factory.create("ArrayOfString")
    addresses.string = list(numbers)
    message.Data, message.SourceAddress, message.DestinationAddresses = text, "DEVINO", addresses
    message.ReceiptRequested = True
    return message


def test_suds_v1_round_trip(suds_v1, devino_mock):
    client, wire = suds_v1
    session = client.service.GetSessionID("test_login", "test123")
    assert len(session) == 36
    result = client.service.SendMessage(session, sms(client, "x" * 161, "79161234567"))
    assert len(result.string) == 2  # suds reads `.string`
    assert "<SOAP-ENV:Header/>" in wire.sent[-1] and 'DelayUntilUtc xsi:nil="true"' in wire.sent[-1]
    devino_mock.advance(3)
    state = client.service.GetMessageState(session, result.string[1])
    assert (state.State, state.StateDescription) == (0, "Сообщение доставлено")
    assert float(client.service.GetBalance(session)) == 998.0
    devino_mock.incoming("test_login", "79031112233", "79160000000", "reply")
    now = emulator_now(devino_mock) + timedelta(minutes=5)
    found = client.service.GetIncomingMessages(session, now, now - timedelta(hours=1))  # positional, as the suds client
    assert [m.Data for m in found.IncomingMessage] == ["reply"]


def test_suds_fault_is_a_web_fault_with_the_asp_net_text(suds_v1):
    client, _ = suds_v1
    with pytest.raises(WebFault) as caught:
        client.service.GetSessionID("test_login", "wrong")
    assert caught.value.fault.faultstring == FAULT_PREFIX + "Invalid user login or password"
    assert caught.value.fault.faultcode == "soap:Server"


def test_suds_v2(devino_mock):
    client = Client(devino_mock.url + V2 + "?wsdl", cache=None)
    result = client.service.SendMessage("test_login", "test123", sms(client, "hi", "79161234567", "79161234568"))
    assert [m["ids"][0] for m in devino_mock.messages(transport="soap_v2")] == result.string
    now = emulator_now(devino_mock)
    statistics = client.service.GetStatistics("test_login", "test123", now - timedelta(days=1), now + timedelta(days=1))
    assert statistics.InProcess == 2
