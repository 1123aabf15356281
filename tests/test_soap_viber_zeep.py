"""ViberService.asmx (sessionID) and ViberServiceV2.asmx (login/password) through zeep, on the
SOAP 1.1 and the SOAP 1.2 port: every operation, the Viber state machine on the virtual clock,
the SMS fallback of SendMessageWithResend as every SMS front end sees it, the Viber magic
numbers and every documented fault (soap.md §6, §7, §8.2, §10.1.10, §10.6 item 10)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import requests
import zeep

from tests.soap_support import FAULT_PREFIX, LOGIN, V1, VIBER_V1, VIBER_V2

ACCOUNT = ("test_login", "test123")
ORDINARY = "79161234567"
NOT_A_VIBER_USER = "79990001101"  # undelivered, not-viber-user; its SMS fallback is delivered
FALLBACK_REJECTED = "79990001107"  # undelivered; its SMS fallback is rejected by the SMS centre (42)


@pytest.fixture(scope="module")
def clients(devino_mock_server):
    base = devino_mock_server[0]
    return (zeep.Client(base + VIBER_V1 + "?WSDL"), zeep.Client(base + VIBER_V2 + "?wsdl"),
            zeep.Client(base + V1 + "?WSDL"))


@pytest.fixture(params=["Soap", "Soap12"])
def soap(request, clients, devino_mock):
    v1, v2, sms = clients
    return SimpleNamespace(v1=v1.bind("ViberService", "ViberService" + request.param),
                           v2=v2.bind("ViberServiceV2", "ViberServiceV2" + request.param),
                           sms=sms.bind("SmsService", "SmsService" + request.param),
                           mock=devino_mock, soap12=request.param == "Soap12")


def viber(text="hello", *numbers, validity=60, **fields):
    return {"Data": text, "DestinationAddresses": {"string": list(numbers or [ORDINARY])}, "SourceAddress": "DEVINO",
            "Validity": validity, **fields}


def fault_of(soap, call, *args) -> str:
    with pytest.raises(zeep.exceptions.Fault) as caught:
        call(*args)
    assert caught.value.code == ("soap:Receiver" if soap.soap12 else "soap:Server")
    assert caught.value.message.startswith(FAULT_PREFIX)
    return caught.value.message[len(FAULT_PREFIX):]


def state(soap, message_id):
    return soap.v2.GetMessageState(*ACCOUNT, int(message_id))


def resent_ids(result) -> list[str]:
    return [str(item.Id) for item in result.ResentSms.ViberSmsMessageStateInfo] if result.ResentSms else []


def rest_sms_state(mock, message_id) -> dict:
    response = requests.get(f"{mock.rest_url}/v2/Sms/State", timeout=10,
                            params={"login": "test_login", "password": "test123", "messageId": message_id})
    assert response.status_code == 200, response.text
    return response.json()


# --- sending and the state machine ---------------------------------------------------


def test_v1_session_send_and_the_state_machine_on_the_clock(soap):
    session = soap.v1.GetSessionID(*ACCOUNT)
    assert len(session) == 36 and session.isalnum()
    ids = soap.v1.SendMessage(session, viber("hello", ORDINARY, "+79161234568", "89161234569"))
    assert len(ids) == 3 and all(i.isdigit() and int(i) < 2**63 for i in ids)  # xs:long for GetMessageState
    assert [int(i) for i in ids] == list(range(int(ids[0]), int(ids[0]) + 3))  # one id per recipient, in order
    seen = []
    for step in (0, 1, 2, 3):
        soap.mock.advance(step)
        result = soap.v1.GetMessageState(session, int(ids[0]))
        assert result.ResentSms is None  # SendMessage never resends
        seen.append(result.State)
    assert seen == ["Enqueued", "Sent", "Delivered", "Read"]  # at +0, +1, +3 and +6 seconds
    assert {soap.v1.GetMessageState(session, int(i)).State for i in ids} == {"Read"}


def test_v2_send_is_the_same_message_for_the_control_api(soap):
    [message_id] = soap.v2.SendMessage(*ACCOUNT, viber("via soap v2", Optional="order-17"))
    [stored] = soap.mock.messages(channel="viber")
    assert (stored["id"], stored["transport"], stored["source"], stored["destination"], stored["text"]) == \
        (message_id, "soap_v2", "DEVINO", ORDINARY, "via soap v2")
    assert stored["extra"] == {"optional": "order-17"} and stored["fallback"] is None
    assert soap.mock.account("test_login")["balance"] == 999  # one Viber message, 1.00
    soap.v1.SendMessage(soap.v1.GetSessionID(*ACCOUNT), viber("via soap v1"))
    assert [m["transport"] for m in soap.mock.messages(channel="viber")] == ["soap_v2", "soap"]


def test_validity_in_minutes_ends_an_unreported_message_as_expired(soap):
    [message_id] = soap.v2.SendMessage(*ACCOUNT, viber("x", "79990001104", validity=2))
    soap.mock.advance(119)
    assert state(soap, message_id).State == "Sent"
    soap.mock.advance(2)
    assert state(soap, message_id).State == "Expired"


def test_the_longest_validity_is_a_day(soap):
    [message_id] = soap.v2.SendMessage(*ACCOUNT, viber("x", "79990001104", validity=1440))
    stored = soap.mock.message(message_id)
    assert stored["expires_at"] > stored["created_at"]
    soap.mock.advance(1440 * 60 - 1)
    assert state(soap, message_id).State == "Sent"
    soap.mock.advance(2)
    assert state(soap, message_id).State == "Expired"


@pytest.mark.parametrize(("status", "soap_state"), [
    ("enqueued", "Enqueued"), ("sent", "Sent"), ("delivered", "Delivered"), ("read", "Read"), ("visited", "Read"),
    ("undelivered", "Undelivered"), ("failed", "Failed"), ("cancelled", "Failed"), ("vp_expired", "Expired")])
def test_every_viber_status_has_its_soap_name(soap, status, soap_state):
    [message_id] = soap.v2.SendMessage(*ACCOUNT, viber())
    soap.mock.set_status(message_id, status)
    assert state(soap, message_id).State == soap_state


# --- the SMS fallback ------------------------------------------------------------------


def test_resend_sends_an_sms_that_every_sms_front_end_sees(soap):
    session = soap.v1.GetSessionID(*ACCOUNT)
    [message_id] = soap.v1.SendMessageWithResend(session, viber("Скидка 10%", NOT_A_VIBER_USER))
    waiting = soap.v1.GetMessageState(session, int(message_id))
    assert (waiting.State, resent_ids(waiting)) == ("Enqueued", [])
    soap.mock.advance(3)
    failed = soap.v1.GetMessageState(session, int(message_id))
    [sms_id] = resent_ids(failed)
    assert failed.State == "Undelivered"
    assert state(soap, message_id).ResentSms.ViberSmsMessageStateInfo[0].Id == int(sms_id)  # v2 sees the same

    # The control API: an SMS with the Viber sender and text, linked both ways.
    [fallback] = soap.mock.messages(channel="sms", transport="viber_fallback")
    assert (fallback["id"], fallback["parent"], fallback["source"], fallback["destination"], fallback["text"]) == \
        (sms_id, message_id, "DEVINO", NOT_A_VIBER_USER, "Скидка 10%")
    assert soap.mock.message(message_id)["fallback"] == sms_id

    # SmsService.asmx and REST Sms/State follow it over the clock.
    assert soap.sms.GetMessageState(session, sms_id).State == -2
    assert rest_sms_state(soap.mock, sms_id)["State"] == -2
    soap.mock.advance(3)
    delivered = soap.sms.GetMessageState(session, sms_id)
    assert (delivered.State, delivered.StateDescription) == (0, "Сообщение доставлено")
    assert rest_sms_state(soap.mock, sms_id)["State"] == 0
    assert soap.mock.account("test_login")["balance"] == 998  # the Viber message and the SMS


def test_a_rejected_fallback_sms_shows_its_own_state(soap):
    [message_id] = soap.v2.SendMessageWithResend(*ACCOUNT, viber("x", FALLBACK_REJECTED))
    soap.mock.advance(3)
    [sms_id] = resent_ids(state(soap, message_id))
    soap.mock.advance(3)
    assert soap.sms.GetMessageState(soap.sms.GetSessionID(*ACCOUNT), sms_id).State == 42
    assert rest_sms_state(soap.mock, sms_id)["State"] == 42
    assert state(soap, message_id).State == "Undelivered"  # the Viber message keeps its own status


def test_a_long_text_falls_back_to_a_multipart_sms_listed_by_segment(soap):
    text = "x" * 200  # one Viber message, two SMS segments
    [message_id] = soap.v2.SendMessageWithResend(*ACCOUNT, viber(text, NOT_A_VIBER_USER))
    soap.mock.advance(3)
    resent = resent_ids(state(soap, message_id))
    [fallback] = soap.mock.messages(channel="sms", transport="viber_fallback")
    assert resent == fallback["ids"] and len(resent) == 2


@pytest.mark.parametrize("status", ["failed", "vp_expired"])
def test_failed_and_expired_also_fall_back(soap, status):
    [message_id] = soap.v2.SendMessageWithResend(*ACCOUNT, viber())
    soap.mock.set_status(message_id, status)
    assert len(resent_ids(state(soap, message_id))) == 1


def test_delivered_messages_and_plain_sends_never_fall_back(soap):
    [resend] = soap.v2.SendMessageWithResend(*ACCOUNT, viber("x", ORDINARY))
    [plain] = soap.v2.SendMessage(*ACCOUNT, viber("x", NOT_A_VIBER_USER))
    soap.mock.advance(10)
    assert (state(soap, resend).State, resent_ids(state(soap, resend))) == ("Read", [])
    assert (state(soap, plain).State, resent_ids(state(soap, plain))) == ("Undelivered", [])
    assert soap.mock.messages(channel="sms") == []


# --- the magic numbers ---------------------------------------------------------------------


@pytest.mark.parametrize(("number", "soap_state"), [
    ("79990001100", "Read"), ("79990001101", "Undelivered"), ("79990001102", "Undelivered"),
    ("79990001103", "Failed"), ("79990001104", "Sent"), ("79990001105", "Delivered"),
    ("79990001106", "Read"), ("79990001107", "Undelivered"), ("79990001108", "Undelivered")])
def test_viber_magic_numbers(soap, number, soap_state):
    [message_id] = soap.v2.SendMessage(*ACCOUNT, viber("x", number))
    soap.mock.advance(60)
    assert state(soap, message_id).State == soap_state


@pytest.mark.parametrize(("number", "text"), [
    ("79990001205", "Not enough credits"), ("79990001206", "Invalid argument"), ("79990001207", "Forbidden"),
    ("79990001209", "Internal server error")])
def test_viber_magic_refusals_store_and_charge_nothing(soap, number, text):
    assert fault_of(soap, soap.v2.SendMessageWithResend, *ACCOUNT, viber("x", ORDINARY, number)) == text
    assert soap.mock.messages() == [] and soap.mock.account("test_login")["balance"] == 1000


# --- reading ---------------------------------------------------------------------------------


def test_unknown_foreign_and_sms_ids_are_unknown(soap):
    [foreign] = soap.v2.SendMessage("test", "11111", viber())
    [sms_id] = soap.sms.SendMessage(soap.sms.GetSessionID(*ACCOUNT), {
        "Data": "x", "DestinationAddresses": {"string": [ORDINARY]}, "SourceAddress": "DEVINO",
        "ReceiptRequested": True})
    for message_id in (1, foreign, sms_id):
        result = state(soap, message_id)
        assert (result.State, result.ResentSms) == ("Unknown", None)
    [own] = soap.v2.SendMessage(*ACCOUNT, viber())
    assert soap.sms.GetMessageState(soap.sms.GetSessionID(*ACCOUNT), own).State == 255  # not an SMS


def test_states_are_kept_for_48_hours(soap):
    [message_id] = soap.v2.SendMessage(*ACCOUNT, viber())
    soap.mock.advance(48 * 3600 - 1)
    assert state(soap, message_id).State == "Read"
    soap.mock.advance(2)
    assert state(soap, message_id).State == "Unknown"


def test_sessions_from_sms_service_and_rest_work_here(soap):
    sms_session = soap.sms.GetSessionID(*ACCOUNT)
    rest_session = requests.get(f"{soap.mock.rest_url}/user/sessionid", params=LOGIN, timeout=10).json()
    for session in (sms_session, rest_session):
        [message_id] = soap.v1.SendMessage(session, viber())
        assert soap.v1.GetMessageState(session, int(message_id)).State == "Enqueued"


# --- faults --------------------------------------------------------------------------------


def test_wrong_login_or_password(soap):
    assert fault_of(soap, soap.v1.GetSessionID, "test_login", "wrong") == "Invalid user login or password"
    for call, args in ((soap.v2.SendMessage, (viber(),)), (soap.v2.SendMessageWithResend, (viber(),)),
                       (soap.v2.GetMessageState, (1,))):
        assert fault_of(soap, call, "test_login", "wrong", *args) == "Invalid user login or password"


def test_sessions_expire_after_120_minutes(soap):
    session = soap.v1.GetSessionID(*ACCOUNT)
    soap.mock.advance(119 * 60)
    [message_id] = soap.v1.SendMessage(session, viber())
    soap.mock.advance(61)
    assert fault_of(soap, soap.v1.SendMessage, session, viber()) == "SessionID expired"
    assert fault_of(soap, soap.v1.GetMessageState, session, int(message_id)) == "SessionID expired"


@pytest.mark.parametrize(("session", "text"), [
    ("abc", "Invalid session id"), (None, "Argument cannot be null or empty"), ("A" * 36, "SessionID expired")])
def test_bad_session_ids(soap, session, text):
    assert fault_of(soap, soap.v1.SendMessageWithResend, session, viber()) == text
    assert fault_of(soap, soap.v1.GetMessageState, session, 1) == text


@pytest.mark.parametrize(("login", "password", "fields", "text"), [
    ("test_login", "test123", {"Data": None}, "Argument cannot be null or empty"),
    ("test_login", "test123", {"Data": ""}, "Argument cannot be null or empty"),
    ("test_login", "test123", {"SourceAddress": None}, "Argument cannot be null or empty"),
    ("test_login", "test123", {"DestinationAddresses": None}, "Argument cannot be null or empty"),
    ("poor", "poor1", {}, "Not enough credits"),
    ("test_login", "test123", {"DestinationAddresses": {"string": ["12345"]}}, "Invalid argument"),
    ("senders", "senders1", {"SourceAddress": "OTHER"}, "Invalid source address"),
    ("test_login", "test123", {"SourceAddress": "A_SENDER_FAR_TOO_LONG"}, "Invalid source address"),
    ("test_login", "test123", {"Data": "x" * 1001}, "Invalid argument"),  # Viber: at most 1000
    ("test_login", "test123", {"Validity": 0}, "Invalid argument"),
    ("test_login", "test123", {"Validity": 1441}, "Invalid argument"),
    ("test_login", "test123", {"Validity": -5}, "Invalid argument"),
    ("blocked", "blocked1", {}, "Forbidden"),
    # The documented order: required arguments and credentials come before a bad Validity.
    ("test_login", "test123", {"Validity": 0, "Data": None}, "Argument cannot be null or empty"),
    ("test_login", "wrong", {"Validity": 0}, "Invalid user login or password"),
    ("poor", "poor1", {"Validity": 0}, "Not enough credits"),
])
@pytest.mark.parametrize("operation", ["SendMessage", "SendMessageWithResend"])
def test_send_faults_store_and_charge_nothing(soap, operation, login, password, fields, text):
    before = soap.mock.account(login)["balance"]
    assert fault_of(soap, getattr(soap.v2, operation), login, password, viber("x", **fields)) == text
    assert soap.mock.messages() == [] and soap.mock.account(login)["balance"] == before


def test_validity_bounds_are_accepted(soap):
    assert len(soap.v2.SendMessage(*ACCOUNT, viber("x", validity=1))) == 1
    assert len(soap.v2.SendMessage(*ACCOUNT, viber("x" * 1000, validity=1440))) == 1


def test_at_most_a_thousand_recipients(soap):
    soap.mock.add_account("rich", "rich1", balance="5000.00")
    numbers = [f"7916{n:07d}" for n in range(1001)]
    assert fault_of(soap, soap.v2.SendMessageWithResend, "rich", "rich1", viber("x", *numbers)) == "Invalid argument"
    assert soap.mock.messages() == [] and soap.mock.account("rich")["balance"] == 5000
    ids = soap.v2.SendMessageWithResend("rich", "rich1", viber("x", *numbers[:1000]))
    assert len(ids) == 1000 and len(soap.mock.messages(channel="viber")) == 1000
    assert soap.mock.account("rich")["balance"] == 4000
