"""The SOAP spelling switches (soap.md §11 items 7 and 8): one spelling in the WSDL and the
answers, never both, so a strict zeep client generated from the WSDL reads the answers."""

from datetime import datetime, timedelta, timezone

import pytest
import requests
import zeep

from devino_mock.client import MockClient
from tests.support import FREE_PORTS, EmulatorProcess


@pytest.fixture(scope="module")
def switched():
    with EmulatorProcess(*FREE_PORTS, "--soap-stats-inprogress", "--soap-incoming-createdateutc") as emulator:
        yield emulator


def test_the_wsdl_declares_only_the_switched_spellings(switched):
    wsdl = requests.get(f"{switched.url}/SmsServicev2.asmx?WSDL").text
    assert 'name="InProgress"' in wsdl and "InProcess" not in wsdl
    assert 'name="CreateDateUtc"' in wsdl and "CreatedDateUtc" not in wsdl


def test_a_strict_zeep_client_reads_the_switched_answers(switched):
    mock = MockClient(switched.url)
    client = zeep.Client(f"{switched.url}/SmsServicev2.asmx?WSDL").service  # zeep is strict by default
    mock.incoming("test_login", "79031112233", "79160000000", "hello")
    now = datetime.fromisoformat(mock.now().replace("Z", "+00:00")).astimezone(timezone.utc).replace(tzinfo=None)
    [incoming] = client.GetIncomingMessages("test_login", "test123", now + timedelta(minutes=1), now - timedelta(hours=1))
    assert incoming.Data == "hello" and incoming.CreateDateUtc is not None
    stats = client.GetStatistics("test_login", "test123", now - timedelta(hours=1), now + timedelta(hours=1))
    assert stats.InProgress == 0 and not hasattr(stats, "InProcess")


def test_without_the_switches_the_tables_spellings(devino_mock):
    wsdl = requests.get(f"{devino_mock.url}/SmsServicev2.asmx?WSDL").text
    assert 'name="InProcess"' in wsdl and "InProgress" not in wsdl
    assert 'name="CreatedDateUtc"' in wsdl and "CreateDateUtc" not in wsdl
