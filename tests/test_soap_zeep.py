"""Every operation of both services through zeep, on the SOAP 1.1 and the SOAP 1.2 port, on
the same platform as REST (soap.md §4, §5, §10.6 items 1, 7-9)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from types import SimpleNamespace

import pytest
import requests
import zeep
from zeep.helpers import serialize_object

from tests.soap_support import FAULT_PREFIX, LOGIN, V1, V2

SEND = {"SourceAddress": "DEVINO", "ReceiptRequested": True}


@pytest.fixture(scope="module")
def clients(devino_mock_server):
    base = devino_mock_server[0]
    return zeep.Client(base + V1 + "?WSDL"), zeep.Client(base + V2 + "?wsdl")


@pytest.fixture(params=["Soap", "Soap12"])
def soap(request, clients, devino_mock):
    v1, v2 = clients
    return SimpleNamespace(v1=v1.bind("SmsService", "SmsService" + request.param),
                           v2=v2.bind("SmsServicev2", "SmsServicev2" + request.param),
                           mock=devino_mock, soap12=request.param == "Soap12")


def now(mock) -> datetime:
    return datetime.fromisoformat(mock.now().replace("Z", "+00:00"))


def message(text="hello", *numbers, **fields):
    return {**SEND, "Data": text, "DestinationAddresses": {"string": list(numbers or ["79161234567"])}, **fields}


def fault_of(soap, call, *args) -> zeep.exceptions.Fault:
    with pytest.raises(zeep.exceptions.Fault) as caught:
        call(*args)
    assert caught.value.code == ("soap:Receiver" if soap.soap12 else "soap:Server")
    return caught.value


def rest_state(mock, message_id):
    response = requests.get(f"{mock.rest_url}/v2/Sms/State",
                            params={"Login": "test_login", "Password": "test123", "messageId": message_id})
    assert response.status_code == 200, response.text
    return response.json()


def test_session_balance_send_and_state_over_time(soap):
    session = soap.v1.GetSessionID("test_login", "test123")
    assert len(session) == 36 and session.isalnum()
    assert soap.v1.GetBalance(session) == Decimal("1000.00")
    ids = soap.v1.SendMessage(session, message("hello", "79161234567", "+79161234568"))
    assert len(ids) == 2 and all(len(i) == 18 and i.isdigit() for i in ids)
    assert soap.v1.GetBalance(session) == Decimal("998.00")
    queued = soap.v1.GetMessageState(session, ids[0])
    assert (queued.State, queued.StateDescription, queued.Price) == (-2, "Сообщение отправляется", Decimal("1.00"))
    assert queued.CreationDateUtc is not None and queued.SubmittedDateUtc is None and queued.ReportedDateUtc is None
    soap.mock.advance(1)
    sent = soap.v1.GetMessageState(session, ids[0])
    assert (sent.State, sent.StateDescription) == (-1, "Сообщение отправлено")
    assert sent.SubmittedDateUtc - sent.CreationDateUtc == timedelta(seconds=1)
    soap.mock.advance(2)
    done = soap.v1.GetMessageState(session, ids[1])
    assert (done.State, done.StateDescription) == (0, "Сообщение доставлено")
    assert done.ReportedDateUtc - done.SubmittedDateUtc == timedelta(seconds=2)
    assert done.CreationDateUtc.tzinfo is None  # ASMX writes …Utc dates without an offset


def test_a_soap_message_is_the_same_message_for_rest_and_the_control_api(soap):
    ids = soap.v2.SendMessage("test_login", "test123", message("via soap", "79161234567"))
    [stored] = soap.mock.messages(transport="soap_v2")
    assert stored["ids"] == ids and stored["text"] == "via soap" and stored["source"] == "DEVINO"
    assert stored["extra"] == {"receipt_requested": True}
    soap.mock.advance(3)
    assert rest_state(soap.mock, ids[0])["State"] == 0 == soap.v2.GetMessageState("test_login", "test123", ids[0]).State


def test_a_rest_message_and_a_rest_session_work_over_soap(soap):
    session = requests.get(f"{soap.mock.rest_url}/user/sessionid", params=LOGIN, timeout=10).json()
    [rest_id] = requests.post(f"{soap.mock.rest_url}/sms/send", timeout=10, data={
        "sessionId": session, "SourceAddress": "DEVINO", "DestinationAddress": "79990000042", "Data": "x"}).json()
    soap.mock.advance(3)
    state = soap.v1.GetMessageState(session, rest_id)
    assert (state.State, state.StateDescription) == (42, "Отклонено")
    assert soap.mock.message(rest_id)["transport"] == "rest"


@pytest.mark.parametrize(("text", "segments"), [("x" * 160, 1), ("x" * 161, 2), ("я" * 70, 1), ("я" * 71, 2)])
def test_segmentation_and_charging(soap, text, segments):
    ids = soap.v2.SendMessage("test_login", "test123", message(text, "79161234567", "79161234568"))
    assert len(ids) == 2 * segments
    assert [int(i) for i in ids] == list(range(int(ids[0]), int(ids[0]) + 2 * segments))  # recipient-major
    [first, second] = soap.mock.messages()
    assert first["ids"] == ids[:segments] and second["ids"] == ids[segments:]
    assert soap.v2.GetBalance("test_login", "test123") == Decimal("1000.00") - 2 * segments


def test_send_by_time_zone_waits_for_the_recipients_wall_clock(soap):
    moscow_wall_clock = now(soap.mock).astimezone(timezone(timedelta(hours=3))).replace(tzinfo=None)
    ids = soap.v1.SendMessageByTimeZone(soap.v1.GetSessionID("test_login", "test123"), "DEVINO", "79161234567",
                                        "later", moscow_wall_clock + timedelta(hours=1), 60)
    [stored] = soap.mock.messages()
    assert datetime.fromisoformat(stored["send_at"].replace("Z", "+00:00")) - now(soap.mock) > timedelta(minutes=59)
    soap.mock.advance(600)
    assert soap.v2.GetMessageState("test_login", "test123", ids[0]).State == -2
    soap.mock.advance(3600)
    assert soap.v2.GetMessageState("test_login", "test123", ids[0]).State == 0


def test_send_by_time_zone_to_addresses_in_the_past_goes_now(soap):
    past = datetime(2020, 1, 1, 12, 0)
    v1_ids = soap.v1.SendMessageByTimeZoneToAddresses(soap.v1.GetSessionID("test_login", "test123"), "DEVINO",
                                                      {"string": ["79161234567", "89161234568"]}, "hi", past, 0)
    v2_ids = soap.v2.SendMessageByTimeZoneToAddresses("test_login", "test123", "DEVINO",
                                                      {"string": ["79161234569"]}, "hi", past, None)
    assert len(v1_ids) == 2 and len(v2_ids) == 1
    assert [m["destination"] for m in soap.mock.messages()] == ["79161234567", "79161234568", "79161234569"]
    assert [m["transport"] for m in soap.mock.messages()] == ["soap", "soap", "soap_v2"]
    soap.mock.advance(3)
    assert all(m["status"] == 0 for m in soap.mock.messages())


def test_delay_until_utc_holds_the_message(soap):
    later = (now(soap.mock) + timedelta(minutes=10)).replace(tzinfo=None)
    [message_id] = soap.v2.SendMessage("test_login", "test123", message("x", "79161234567", DelayUntilUtc=later))
    soap.mock.advance(300)
    assert soap.v2.GetMessageState("test_login", "test123", message_id).State == -2
    soap.mock.advance(303)
    assert soap.v2.GetMessageState("test_login", "test123", message_id).State == 0


def test_statistics_count_segments_by_state(soap):
    soap.v2.SendMessage("test_login", "test123", message("x" * 161, "79161234567", "79990000042", "79990000003"))
    soap.mock.advance(3)
    start, end = now(soap.mock) - timedelta(hours=1), now(soap.mock) + timedelta(hours=1)
    stats = soap.v2.GetStatistics("test_login", "test123", start, end)
    counts = (stats.Sent, stats.Delivered, stats.Errors, stats.InProcess, stats.Expired, stats.Rejected)
    assert counts == (2, 2, 0, 0, 0, 2)
    session = soap.v1.GetSessionID("test_login", "test123")
    assert serialize_object(soap.v1.GetStatistics(session, start, end), dict) == serialize_object(stats, dict)
    empty = soap.v1.GetStatistics(session, datetime(2020, 1, 1), datetime(2020, 3, 1))
    assert (empty.Sent, empty.Delivered, empty.Rejected) == (0, 0, 0)


def test_incoming_messages_oldest_first_within_the_window(soap):
    soap.mock.incoming("test_login", "79031112233", "79160000000", "first")
    soap.mock.advance(60)
    soap.mock.incoming("test_login", "+79031112234", "79160000000", "второе")
    soap.mock.incoming("test", "79031112235", "79160000001", "someone else's")
    until, since = now(soap.mock) + timedelta(minutes=1), now(soap.mock) - timedelta(hours=1)
    found = soap.v1.GetIncomingMessages(soap.v1.GetSessionID("test_login", "test123"), until, since)
    assert [(m.Data, m.SourceAddress, m.DestinationAddress) for m in found] == [
        ("first", "79031112233", "79160000000"), ("второе", "79031112234", "79160000000")]
    assert timedelta(seconds=60) <= found[1].CreatedDateUtc - found[0].CreatedDateUtc < timedelta(seconds=61)
    assert serialize_object(soap.v2.GetIncomingMessages("test_login", "test123", until, since), dict) == \
        serialize_object(found, dict)
    assert not soap.v2.GetIncomingMessages("test_login", "test123", since, since - timedelta(hours=1))


def test_unknown_and_foreign_ids_are_state_255(soap):
    [foreign] = soap.v2.SendMessage("test", "11111", message("x", "79161234567"))
    for message_id in ("579700854169272358", foreign, "not-a-number"):
        state = soap.v2.GetMessageState("test_login", "test123", message_id)
        assert (state.State, state.StateDescription) == (255, "Неизвестный")
        assert state.CreationDateUtc is state.SubmittedDateUtc is state.ReportedDateUtc is state.Price is None


@pytest.mark.parametrize(("number", "status", "text"), [
    ("79990000041", 41, "Недопустимый адрес получателя"), ("79990000048", 48, "Ошибка"),
    ("79990000011", 11, "Неверно введён адрес получателя"), ("79990000069", 69, "Отклонено"),
    ("79990000099", 99, "Неизвестный")])
def test_magic_final_statuses(soap, number, status, text):
    [message_id] = soap.v2.SendMessage("test_login", "test123", message("x", number))
    soap.mock.advance(3)
    state = soap.v2.GetMessageState("test_login", "test123", message_id)
    assert (state.State, state.StateDescription) == (status, text)


def test_expiry_after_validity(soap):
    [message_id] = soap.v2.SendMessage("test_login", "test123", message("x", "79990000003", Validity=5))
    soap.mock.advance(299)
    assert soap.v2.GetMessageState("test_login", "test123", message_id).State == -1
    soap.mock.advance(2)
    state = soap.v2.GetMessageState("test_login", "test123", message_id)
    assert (state.State, state.StateDescription) == (46, "Просрочен")


# --- faults ------------------------------------------------------------------------


def test_wrong_login_or_password(soap):
    assert fault_of(soap, soap.v1.GetSessionID, "test_login", "wrong").message == \
        FAULT_PREFIX + "Invalid user login or password"
    assert fault_of(soap, soap.v2.GetBalance, "nobody", "x").message == FAULT_PREFIX + "Invalid user login or password"


def test_sessions_expire_after_120_minutes(soap):
    session = soap.v1.GetSessionID("test_login", "test123")
    soap.mock.advance(119 * 60)
    assert soap.v1.GetBalance(session) == Decimal("1000.00")
    soap.mock.advance(61)
    assert fault_of(soap, soap.v1.GetBalance, session).message == FAULT_PREFIX + "SessionID expired"


@pytest.mark.parametrize(("session", "text"), [
    ("abc", "Invalid session id"), (None, "Argument cannot be null or empty"), ("A" * 36, "SessionID expired")])
def test_bad_session_ids(soap, session, text):
    assert fault_of(soap, soap.v1.GetBalance, session).message == FAULT_PREFIX + text


def test_missing_message_id(soap):
    assert fault_of(soap, soap.v2.GetMessageState, "test_login", "test123", None).message == \
        FAULT_PREFIX + "MessageID can not be null or empty Parameter name: messageId"


@pytest.mark.parametrize(("login", "password", "fields", "text"), [
    ("test_login", "test123", {"Data": None}, "Argument cannot be null or empty"),
    ("test_login", "test123", {"SourceAddress": None}, "Argument cannot be null or empty"),
    ("test_login", "test123", {"DestinationAddresses": None}, "Argument cannot be null or empty"),
    ("poor", "poor1", {}, "Not enough credits"),
    ("senders", "senders1", {"SourceAddress": "OTHER"}, "Invalid source address"),
    ("blocked", "blocked1", {}, "Forbidden"),
    ("test_login", "test123", {"DestinationAddresses": {"string": ["12345"]}}, "Invalid argument"),
    ("test_login", "test123", {"Data": "x" * 2001}, "Invalid argument"),
    ("test_login", "test123", {"DestinationAddresses": {"string": ["79990000202"]}}, "Invalid argument"),
    ("test_login", "test123", {"DestinationAddresses": {"string": ["79990000205"]}}, "Not enough credits"),
    ("test_login", "test123", {"DestinationAddresses": {"string": ["79990000206"]}}, "Invalid argument"),
    ("test_login", "test123", {"DestinationAddresses": {"string": ["79990000207"]}}, "Forbidden"),
    ("test_login", "test123", {"DestinationAddresses": {"string": ["79990000208"]}}, "Gateway error"),
    ("test_login", "test123", {"DestinationAddresses": {"string": ["79990000209"]}}, "Internal server error"),
    ("test_login", "test123", {"DelayUntilUtc": datetime(9999, 12, 31, 23, 0)}, "Invalid argument"),
])
def test_send_faults_store_and_charge_nothing(soap, login, password, fields, text):
    before = soap.mock.account(login)["balance"]
    assert fault_of(soap, soap.v2.SendMessage, login, password, message("x", **fields)).message == FAULT_PREFIX + text
    assert soap.mock.messages() == [] and soap.mock.account(login)["balance"] == before


def test_at_most_a_thousand_recipients(soap):
    soap.mock.add_account("rich", "rich1", balance="5000.00")
    numbers = [f"7916{n:07d}" for n in range(1001)]
    assert fault_of(soap, soap.v2.SendMessage, "rich", "rich1", message("x", *numbers)).message == \
        FAULT_PREFIX + "Invalid argument"
    assert soap.mock.messages() == [] and soap.mock.account("rich")["balance"] == 5000
    ids = soap.v2.SendMessage("rich", "rich1", message("x", *numbers[:1000]))
    assert len(ids) == 1000 and len(soap.mock.messages()) == 1000


def test_statistics_range_faults(soap):
    start = datetime(2024, 1, 1)
    too_long = fault_of(soap, soap.v2.GetStatistics, "test_login", "test123", start, start + timedelta(days=91))
    assert too_long.message == FAULT_PREFIX + "Нельзя указывать диапазон дат более 90 дней."
    assert fault_of(soap, soap.v2.GetStatistics, "test_login", "test123", start, start - timedelta(days=1)).message == \
        FAULT_PREFIX + "Invalid argument"
    assert fault_of(soap, soap.v2.GetStatistics, "test_login", "bad", start, start).message == \
        FAULT_PREFIX + "Invalid user login or password"


def test_incoming_range_faults(soap):
    current = now(soap.mock).replace(tzinfo=None)
    for until, since in ((current - timedelta(hours=1), current), (current, current - timedelta(days=366))):
        assert fault_of(soap, soap.v2.GetIncomingMessages, "test_login", "test123", until, since).message == \
            FAULT_PREFIX + "Invalid argument"
