"""REST Viber on v1 (SessionID) and v2 (Login/Password), with requests over real sockets:
Viber/Send, SendBulk, SendWithResend, SendWithResendBulk and Viber/State (http-rest.md
§2.10-2.14, §3.9-3.13, §4.3, §4.4, §7.9), the state machine on the virtual clock, the Viber
magic numbers, and the SMS fallback seen from every SMS front end."""

from __future__ import annotations

from datetime import datetime

import pytest
import requests

from tests.smpp_support import smpplib_esme

V2 = {"Login": "test_login", "Password": "test123"}
PHONE, OTHER = "79161234567", "79261234567"
SENDER = "DTSMS"
UNKNOWN_BODY = ('{"State":6,"CreationDateUtc":null,"SubmittedDateUtc":null,"ReportedDateUtc":null,'
                '"TimeStampUtc":"\\/Date(-62135596800000)\\/","StateDescription":"Неизвестно","Price":null,'
                '"ResentSms":[]}')
SINGLE = ("Viber/Send", "Viber/SendWithResend")
BULK = ("Viber/SendBulk", "Viber/SendWithResendBulk")


class Api:
    """One REST version: its base URL and the credentials it sends."""

    def __init__(self, base: str, credentials: dict, transport: str) -> None:
        self.base, self.credentials, self.transport = base, credentials, transport

    def post(self, path: str, **params) -> requests.Response:
        return requests.post(f"{self.base}/{path}", data={**self.credentials, **params})

    def send(self, path: str = "Viber/Send", **params) -> list[str]:
        params.setdefault("SourceAddress", SENDER)
        params.setdefault("Data", "Привет из Viber")
        if path in BULK:
            params.setdefault("DestinationAddresses", [PHONE])
        else:
            params.setdefault("DestinationAddress", PHONE)
        response = self.post(path, **params)
        assert response.status_code == 200, response.text
        return response.json()

    def state(self, message_id: str) -> dict:
        response = requests.get(f"{self.base}/Viber/State", params={**self.credentials, "messageId": message_id})
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture(params=["v1", "v2"])
def api(request, rest, session_id) -> Api:
    if request.param == "v1":
        return Api(rest, {"SessionID": session_id}, "rest")
    return Api(f"{rest}/v2", V2, "rest_v2")


@pytest.fixture
def v2(rest) -> Api:
    return Api(f"{rest}/v2", V2, "rest_v2")


def ms(value: str | None) -> int | None:
    return int(value[len("/Date("):-len(")/")]) if value else None


def iso_ms(value: str) -> int:
    return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() * 1000)


def error_of(response: requests.Response) -> tuple[int, dict]:
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    return response.status_code, response.json()


def balance(rest) -> float:
    return requests.get(f"{rest}/v2/User/Balance", params=V2).json()


# --- sends ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", SINGLE)
def test_single_number_send_answers_one_string_id(api, devino_mock, path):
    [message_id] = api.send(path, DestinationAddress="+" + PHONE, Data="line 1\nline 2")
    message = devino_mock.message(message_id)
    assert isinstance(message_id, str) and message_id.isdigit()
    assert (message["channel"], message["transport"], message["destination"]) == ("viber", api.transport, PHONE)
    assert (message["source"], message["text"], message["status"]) == (SENDER, "line 1\nline 2", "enqueued")
    fallback = message["extra"].get("fallback")
    if path == "Viber/SendWithResend":
        assert fallback == {"channel": "sms", "source": SENDER, "text": "line 1\nline 2", "transport": "viber_fallback"}
    else:
        assert fallback is None


@pytest.mark.parametrize("path", BULK)
def test_bulk_send_answers_one_id_per_recipient_in_order(api, devino_mock, path):
    ids = api.send(path, DestinationAddresses=[PHONE, "89261234567", PHONE])
    assert len(ids) == 3 and len(set(ids)) == 3
    assert [devino_mock.message(i)["destination"] for i in ids] == [PHONE, OTHER, PHONE]
    resend = path == "Viber/SendWithResendBulk"
    assert all(("fallback" in devino_mock.message(i)["extra"]) is resend for i in ids)


def test_viber_send_charges_one_price_per_message(rest, v2):
    before = balance(rest)
    v2.send("Viber/SendBulk", DestinationAddresses=[PHONE, OTHER], Data="x" * 1000)  # no segments in Viber
    assert balance(rest) == pytest.approx(before - 2.0)


def test_documented_v1_example_with_parameters_in_the_query_only(rest, session_id, devino_mock):
    # 001:964-965, with this emulator's session; POST with an empty body, as the example shows.
    url = (f"{rest}/Viber/Send?SessionId={session_id}&SourceAddress=DTSMS&DestinationAddress=79001234567"
           "&Data=testdata&Validity=86400&Optional=123456")
    response = requests.post(url)
    assert response.status_code == 200 and response.text.startswith('["') and response.text.endswith('"]')
    message = devino_mock.message(response.json()[0])
    assert message["extra"]["optional"] == "123456"
    assert iso_ms(message["expires_at"]) - iso_ms(message["created_at"]) == 1440 * 60_000


def test_documented_v2_bulk_example_with_both_optionals(rest, devino_mock):
    url = (f"{rest}/v2/Viber/SendWithResendBulk?Login=test_login&Password=test123&SourceAddress=TESTSMS"
           "&DestinationAddresses=79001234567&DestinationAddresses=79059999999&Data=testdata&Validity=86400"
           "&Optionals=123456&Optionals=789012")
    ids = requests.post(url).json()
    assert [devino_mock.message(i)["extra"]["optional"] for i in ids] == ["123456", "789012"]
    assert [devino_mock.message(i)["destination"] for i in ids] == ["79001234567", "79059999999"]


def test_v2_example_with_a_double_ampersand(rest):
    url = (f"{rest}/v2/Viber/SendWithResend?Login=test_login&Password=test123&&SourceAddress=DTSMS"
           "&DestinationAddress=79001234567&Data=testdata&Validity=86400&Optional=123456")
    assert requests.post(url).status_code == 200


@pytest.mark.parametrize(("validity", "minutes"), [("1", 1), ("10", 10), ("1440", 1440), ("86400", 1440), ("", 1440)])
def test_validity_in_minutes(v2, devino_mock, validity, minutes):
    [message_id] = v2.send(Validity=validity)
    message = devino_mock.message(message_id)
    assert iso_ms(message["expires_at"]) - iso_ms(message["created_at"]) == minutes * 60_000


# --- client habits (clients.md §5.1) ---------------------------------------------------


def test_paths_and_parameter_names_in_any_case_and_double_slashes(rest, session_id, devino_mock):
    first = requests.post(f"{rest}//viber/send", data={"sessionId": session_id, "sourceAddress": SENDER,
                                                      "destinationAddress": PHONE, "data": "a"}).json()
    second = requests.post(f"{rest}/V2//VIBER/SENDBULK/", data={"LOGIN": "test_login", "password": "test123",
                                                               "SOURCEADDRESS": SENDER, "destinationaddresses": [PHONE, OTHER],
                                                               "DATA": "b"}).json()
    state = requests.get(f"{rest}/viber/state", params={"SESSIONID": session_id, "MessageID": first[0]}).json()
    assert len(first) == 1 and len(second) == 2 and state["State"] == 0
    assert [m["transport"] for m in devino_mock.messages(channel="viber")] == ["rest", "rest_v2", "rest_v2"]


@pytest.mark.parametrize("style", ["indexed", "brackets", "json", "multipart", "split"])
def test_bulk_lists_as_clients_send_them(rest, devino_mock, style):
    url = f"{rest}/v2/Viber/SendBulk"
    fields = {**V2, "SourceAddress": SENDER, "Data": "list"}
    if style == "indexed":
        response = requests.post(url, data={**fields, "DestinationAddresses[0]": PHONE, "DestinationAddresses[1]": OTHER,
                                            "Optionals[0]": "o1", "Optionals[1]": "o2"})
    elif style == "brackets":
        response = requests.post(url, data={**fields, "destinationAddresses[]": [PHONE, OTHER], "optionals[]": ["o1", "o2"]})
    elif style == "json":
        response = requests.post(url, json={**fields, "DestinationAddresses": [PHONE, OTHER], "Optionals": ["o1", "o2"]})
    elif style == "multipart":
        response = requests.post(url, files=[(k, (None, v)) for k, v in [*fields.items(), ("DestinationAddresses", PHONE),
                                                                           ("DestinationAddresses", OTHER),
                                                                           ("Optionals", "o1"), ("Optionals", "o2")]])
    else:  # recipients in the query, the rest in the body (the official Ruby client's SendBulk)
        response = requests.post(url, params={"DestinationAddresses": [PHONE, OTHER], "Optional": ["o1", "o2"]}, data=fields)
    assert response.status_code == 200, response.text
    messages = [devino_mock.message(i) for i in response.json()]
    assert [(m["destination"], m["extra"]["optional"]) for m in messages] == [(PHONE, "o1"), (OTHER, "o2")]


def test_bulk_takes_the_singular_name_and_single_send_the_first_number(v2, devino_mock):
    ids = v2.send("Viber/SendBulk", DestinationAddresses=[], DestinationAddress=[PHONE, OTHER])
    [single] = v2.send("Viber/Send", DestinationAddress=[OTHER, PHONE])
    assert [devino_mock.message(i)["destination"] for i in ids] == [PHONE, OTHER]
    assert devino_mock.message(single)["destination"] == OTHER


# --- errors ----------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "params", "desc"), [
    ("Viber/Send", {"DestinationAddress": ""}, "error-address-not-specified"),
    ("Viber/SendBulk", {"DestinationAddresses": []}, "error-address-not-specified"),
    ("Viber/SendWithResendBulk", {"DestinationAddresses": [PHONE, "12345"]}, "error-address-format"),
    ("Viber/SendWithResend", {"DestinationAddress": "7916123456a"}, "error-address-format"),
    ("Viber/Send", {"Data": ""}, "error-content-not-specified"),
    ("Viber/SendBulk", {"Data": " "}, "error-content-not-specified"),
    ("Viber/Send", {"SourceAddress": ""}, "error-subject-not-specified"),
    ("Viber/SendWithResend", {"SourceAddress": "WAY-TOO-LONG-NAME"}, "error-subject-format"),
    ("Viber/Send", {"Validity": "0"}, "error-validity-period-seconds-format"),
    ("Viber/Send", {"Validity": "-5"}, "error-validity-period-seconds-format"),
    ("Viber/SendBulk", {"Validity": "86401"}, "error-validity-period-seconds-format"),
    ("Viber/SendWithResendBulk", {"Validity": "ten"}, "error-validity-period-seconds-format"),
])
def test_viber_return_codes_in_desc(api, devino_mock, path, params, desc):
    defaults = {"SourceAddress": SENDER, "Data": "x",
                **({"DestinationAddresses": [PHONE]} if path in BULK else {"DestinationAddress": PHONE})}
    response = api.post(path, **{**defaults, **params})
    assert error_of(response) == (400, {"Code": 1, "Desc": desc})
    assert devino_mock.messages() == []


def test_sender_the_account_may_not_use_is_unknown(rest):
    response = requests.post(f"{rest}/v2/Viber/Send", data={"Login": "senders", "Password": "senders1", "SourceAddress": "OTHER",
                                                           "DestinationAddress": PHONE, "Data": "x"})
    assert error_of(response) == (400, {"Code": 1, "Desc": "error-subject-unknown"})
    allowed = requests.post(f"{rest}/v2/Viber/Send", data={"Login": "senders", "Password": "senders1",
                                                          "SourceAddress": "TESTSMS", "DestinationAddress": PHONE, "Data": "x"})
    assert allowed.status_code == 200


def test_text_of_1000_characters_goes_and_1001_is_an_invalid_argument(v2, rest):
    assert len(v2.send(Data="ж" * 1000)) == 1
    response = v2.post("Viber/Send", SourceAddress=SENDER, DestinationAddress=PHONE, Data="ж" * 1001)
    assert error_of(response) == (400, {"Code": 2, "Desc": "Invalid argument"})


def test_a_failed_bulk_stores_and_charges_nothing(rest, v2, devino_mock):
    before = balance(rest)
    response = v2.post("Viber/SendWithResendBulk", SourceAddress=SENDER, Data="x", DestinationAddresses=[PHONE, OTHER, "7"])
    assert error_of(response) == (400, {"Code": 1, "Desc": "error-address-format"})
    assert devino_mock.messages() == [] and balance(rest) == before


@pytest.mark.parametrize(("credentials", "status", "body"), [
    ({"SessionID": "Z5CYSZEKDL1DPICU37WEHQVOYKP0T1GSLHX1"}, 401, {"Code": 4, "Desc": "SessionID expired"}),
    ({"SessionID": "short"}, 400, {"Code": 3, "Desc": "Invalid session id"}),
    ({}, 400, {"Code": 1, "Desc": "SessionID can not be null or empty Parameter name: sessionId"}),
])
@pytest.mark.parametrize("path", [*SINGLE, *BULK])
def test_v1_session_errors(rest, path, credentials, status, body):
    target = {"DestinationAddresses": PHONE} if path in BULK else {"DestinationAddress": PHONE}
    response = requests.post(f"{rest}/{path}", data={**credentials, "SourceAddress": SENDER, "Data": "x", **target})
    assert error_of(response) == (status, body)
    assert "WWW-Authenticate" not in response.headers


def test_v1_session_expires_after_120_minutes(rest, session_id, devino_mock):
    fields = {"SessionID": session_id, "SourceAddress": SENDER, "DestinationAddress": PHONE, "Data": "x"}
    devino_mock.advance(120 * 60 - 1)
    assert requests.post(f"{rest}/Viber/Send", data=fields).status_code == 200
    devino_mock.advance(1)
    assert error_of(requests.post(f"{rest}/Viber/Send", data=fields)) == (401, {"Code": 4, "Desc": "SessionID expired"})


@pytest.mark.parametrize(("login", "password", "status", "body"), [
    ("test_login", "wrong", 401, {"Code": 4, "Desc": "Invalid user login or password"}),
    ("nobody", "x", 401, {"Code": 4, "Desc": "Invalid user login or password"}),
    ("poor", "poor1", 403, {"Code": 5, "Desc": "Not enough credits"}),
    ("blocked", "blocked1", 403, {"Code": 7, "Desc": "Forbidden"}),
])
@pytest.mark.parametrize("path", [*SINGLE, *BULK])
def test_v2_login_balance_and_access_errors(rest, path, login, password, status, body):
    target = {"DestinationAddresses": PHONE} if path in BULK else {"DestinationAddress": PHONE}
    response = requests.post(f"{rest}/v2/{path}", data={"Login": login, "Password": password, "SourceAddress": SENDER,
                                                       "Data": "x", **target})
    assert error_of(response) == (status, body)


def test_documented_validation_order(rest, session_id):
    def v1(**params):
        return error_of(requests.post(f"{rest}/Viber/SendBulk", data={"SessionID": session_id, **params}))[1]

    # required parameters before the session, balance before numbers, numbers before the sender,
    # the sender before the length (http-rest.md §1.12)
    assert error_of(requests.post(f"{rest}/Viber/Send", data={"SessionID": "Z" * 36, "SourceAddress": SENDER}))[1] == \
        {"Code": 1, "Desc": "error-address-not-specified"}
    assert error_of(requests.post(f"{rest}/v2/Viber/Send", data={"Login": "poor", "Password": "poor1", "Data": "x",
                                                                "SourceAddress": "*bad*", "DestinationAddress": "1"}))[1] == \
        {"Code": 5, "Desc": "Not enough credits"}
    assert v1(DestinationAddresses="1", SourceAddress="*bad*", Data="x" * 1001) == {"Code": 1, "Desc": "error-address-format"}
    assert v1(DestinationAddresses=PHONE, SourceAddress="TWELVE-CHARS", Data="x" * 1001) == {"Code": 1, "Desc": "error-subject-format"}


@pytest.mark.parametrize(("number", "status", "body"), [
    ("79990001205", 403, {"Code": 5, "Desc": "Not enough credits"}),
    ("79990001206", 400, {"Code": 1, "Desc": "error-address-format"}),
    ("79990001207", 403, {"Code": 7, "Desc": "Forbidden"}),
    ("79990001209", 500, {"Code": 9, "Desc": "error-system"}),
])
def test_refusing_magic_numbers(api, devino_mock, number, status, body):
    response = api.post("Viber/SendWithResendBulk", SourceAddress=SENDER, Data="x", DestinationAddresses=[PHONE, number])
    assert error_of(response) == (status, body)
    assert devino_mock.messages() == []


def test_sms_refusals_do_not_apply_to_viber_and_back(v2, rest):
    # 79990000205 refuses SMS sends only; 79990001205 Viber sends only (the rules name a channel)
    assert len(v2.send(DestinationAddress="79990000205")) == 1
    sms = requests.post(f"{rest}/v2/Sms/Send", data={**V2, "SourceAddress": SENDER, "DestinationAddress": "79990001205", "Data": "x"})
    assert sms.status_code == 200


# --- Viber/State -----------------------------------------------------------------------


def test_state_machine_on_the_virtual_clock(api, devino_mock):
    [message_id] = api.send()
    first = api.state(message_id)
    assert (first["State"], first["StateDescription"], first["Price"]) == (0, "Отправляется", 1.0)
    assert (first["SubmittedDateUtc"], first["ReportedDateUtc"]) == (None, None)
    assert first["TimeStampUtc"] == "/Date(-62135596800000)/" and first["ResentSms"] == []
    assert ms(first["CreationDateUtc"]) == iso_ms(devino_mock.message(message_id)["created_at"])
    devino_mock.advance(1)
    sent = api.state(message_id)
    assert (sent["State"], sent["StateDescription"]) == (1, "Отправлено")
    assert ms(sent["SubmittedDateUtc"]) - ms(sent["CreationDateUtc"]) == 1000 and sent["ReportedDateUtc"] is None
    devino_mock.advance(2)
    delivered = api.state(message_id)
    assert (delivered["State"], delivered["StateDescription"]) == (2, "Доставлено (не прочитано)")
    assert ms(delivered["ReportedDateUtc"]) - ms(delivered["SubmittedDateUtc"]) == 2000
    assert delivered["TimeStampUtc"] == delivered["ReportedDateUtc"]
    devino_mock.advance(3)
    read = api.state(message_id)
    assert (read["State"], read["StateDescription"]) == (3, "Доставлено (прочитано)")
    assert ms(read["TimeStampUtc"]) - ms(delivered["TimeStampUtc"]) == 3000
    devino_mock.advance(3600)
    assert api.state(message_id)["State"] == 3


def test_state_raw_body(v2, rest):
    [message_id] = v2.send()
    raw = requests.get(f"{rest}/v2/Viber/State", params={**V2, "messageId": message_id})
    assert raw.headers["Content-Type"] == "application/json; charset=utf-8" and raw.headers["Cache-Control"] == "private"
    assert raw.text.startswith('{"State":0,"CreationDateUtc":"\\/Date(') and raw.text.endswith(',"Price":1.0,"ResentSms":[]}')


def test_control_api_status_shows_on_viber_state(api, devino_mock):
    [message_id] = api.send()
    devino_mock.set_status(message_id, "visited")
    state = api.state(message_id)
    assert (state["State"], state["StateDescription"]) == (8, "Переход по ссылке")


def test_unknown_and_foreign_ids_are_state_6(api, rest, devino_mock):
    assert requests.get(f"{api.base}/Viber/State", params={**api.credentials, "messageId": "3158611117333282816"}).text == UNKNOWN_BODY
    [sms_id] = requests.post(f"{rest}/v2/Sms/Send", data={**V2, "SourceAddress": SENDER, "DestinationAddress": PHONE,
                                                          "Data": "x"}).json()
    assert requests.get(f"{api.base}/Viber/State", params={**api.credentials, "messageId": sms_id}).text == UNKNOWN_BODY
    [foreign] = requests.post(f"{rest}/v2/Viber/Send", data={"Login": "test", "Password": "11111", "SourceAddress": SENDER,
                                                            "DestinationAddress": PHONE, "Data": "x"}).json()
    assert requests.get(f"{api.base}/Viber/State", params={**api.credentials, "messageId": foreign}).text == UNKNOWN_BODY
    assert api.state(api.send()[0])["State"] == 0


def test_state_errors(rest, session_id):
    missing = requests.get(f"{rest}/Viber/State", params={"sessionId": session_id})
    assert error_of(missing) == (400, {"Code": 1, "Desc": "MessageID can not be null or empty Parameter name: messageId"})
    v2_missing = requests.get(f"{rest}/v2/Viber/State", params={**V2, "messageId": ""})
    assert error_of(v2_missing) == (400, {"Code": 1, "Desc": "MessageID can not be null or empty Parameter name: messageId"})
    expired = requests.get(f"{rest}/Viber/State", params={"sessionId": "Z" * 36, "messageId": "1"})
    assert error_of(expired) == (401, {"Code": 4, "Desc": "SessionID expired"})
    wrong = requests.get(f"{rest}/v2/Viber/State", params={"Login": "test_login", "Password": "no", "messageId": "1"})
    assert error_of(wrong) == (401, {"Code": 4, "Desc": "Invalid user login or password"})


# README "Viber magic numbers": destination -> REST State after 10 s, and after the validity
VIBER_MAGIC = [
    ("79990001100", 3, 3, None),
    ("79990001101", 4, 4, "not-viber-user"),
    ("79990001102", 4, 4, "user-blocked"),
    ("79990001103", 5, 5, "unknown-error"),
    ("79990001104", 1, 7, "error-vp-expired"),
    ("79990001105", 2, 2, None),
    ("79990001106", 3, 3, None),  # a REST message has no button: it stops at read
    ("79990001107", 4, 4, "not-viber-user"),
    ("79990001108", 4, 4, "no-suitable-device"),
]


@pytest.mark.parametrize(("number", "soon", "late", "error"), VIBER_MAGIC)
def test_viber_magic_numbers(api, devino_mock, number, soon, late, error):
    [message_id] = api.send(DestinationAddress=number, Validity="10")
    devino_mock.advance(10)
    assert api.state(message_id)["State"] == soon
    devino_mock.advance(600)
    state = api.state(message_id)
    assert (state["State"], state["StateDescription"]) == (late, {1: "Отправлено", 2: "Доставлено (не прочитано)",
                                                                  3: "Доставлено (прочитано)", 4: "Не доставлено",
                                                                  5: "Ошибка", 7: "Просрочено"}[late])
    assert devino_mock.message(message_id)["error"] == error
    assert state["ResentSms"] == []  # Viber/Send never falls back


# --- SMS fallback (SendWithResend) -----------------------------------------------------


def test_fallback_sms_in_resent_sms(api, devino_mock):
    [viber_id] = api.send("Viber/SendWithResend", DestinationAddress="79990001101", Data="fallback text")
    devino_mock.advance(3)  # sent after 1 s, undelivered 2 s later: the SMS goes out at that instant
    failed = api.state(viber_id)
    [queued] = failed["ResentSms"]
    assert failed["State"] == 4
    assert (queued["State"], queued["StateDescription"], queued["Price"]) == (-2, "В очереди", 1.0)
    assert 0 <= ms(queued["CreationDateUtc"]) - ms(failed["ReportedDateUtc"]) < 1000  # see below
    assert queued["TimeStampUtc"] == "/Date(-62135596800000)/"
    assert list(queued) == ["State", "CreationDateUtc", "SubmittedDateUtc", "ReportedDateUtc", "TimeStampUtc",
                            "StateDescription", "Price", "Id"]
    devino_mock.advance(3)
    [delivered] = api.state(viber_id)["ResentSms"]
    assert (delivered["State"], delivered["StateDescription"], delivered["Id"]) == (0, "Доставлено абоненту", queued["Id"])
    assert ms(delivered["ReportedDateUtc"]) - ms(delivered["CreationDateUtc"]) == 3000
    sms = devino_mock.message(queued["Id"])
    assert (sms["channel"], sms["source"], sms["destination"], sms["text"]) == ("sms", SENDER, "79990001101", "fallback text")


def test_fallback_follows_the_sms_rules(v2, devino_mock):
    [viber_id] = v2.send("Viber/SendWithResend", DestinationAddress="79990001107")
    devino_mock.advance(3)
    devino_mock.advance(3)
    [rejected] = v2.state(viber_id)["ResentSms"]
    assert (rejected["State"], rejected["StateDescription"]) == (42, "Отклонено смс-центром")


def test_fallback_of_a_long_text_has_an_item_per_segment(v2, devino_mock):
    [viber_id] = v2.send("Viber/SendWithResend", DestinationAddress="79990001103", Data="y" * 200)
    devino_mock.advance(3)
    devino_mock.advance(3)
    items = v2.state(viber_id)["ResentSms"]
    assert [int(i["Id"]) for i in items] == [int(items[0]["Id"]), int(items[0]["Id"]) + 1]
    assert [i["State"] for i in items] == [0, 0]
    assert devino_mock.message(items[1]["Id"])["ids"] == [i["Id"] for i in items]


def test_fallback_after_expiry_and_only_for_failed_messages(v2, devino_mock):
    ids = v2.send("Viber/SendWithResendBulk", DestinationAddresses=["79990001104", "79990001105", PHONE], Validity="1")
    devino_mock.advance(59)
    assert [v2.state(i)["ResentSms"] for i in ids] == [[], [], []]
    devino_mock.advance(1)
    expired, delivered, read = (v2.state(i) for i in ids)
    assert (expired["State"], len(expired["ResentSms"])) == (7, 1)
    assert (delivered["State"], delivered["ResentSms"]) == (2, [])
    assert (read["State"], read["ResentSms"]) == (3, [])
    assert len(devino_mock.messages(transport="viber_fallback")) == 1


def test_fallback_is_charged_as_an_sms_when_sent(rest, v2, devino_mock):
    before = balance(rest)
    v2.send("Viber/SendWithResend", DestinationAddress="79990001101", Data="z" * 200)
    assert balance(rest) == pytest.approx(before - 1)
    devino_mock.advance(3)
    assert balance(rest) == pytest.approx(before - 3)  # one Viber message, two SMS segments


def test_fallback_in_sms_state_with_its_own_id(api, rest, session_id, devino_mock):
    [viber_id] = api.send("Viber/SendWithResend", DestinationAddress="79990001102")
    devino_mock.advance(3)
    devino_mock.advance(3)
    [item] = api.state(viber_id)["ResentSms"]
    assert item["Id"] != viber_id
    v1 = requests.get(f"{rest}/Sms/State", params={"sessionId": session_id, "messageId": item["Id"]}).json()
    v2 = requests.get(f"{rest}/v2/Sms/State", params={**V2, "messageId": item["Id"]}).json()
    assert v1 == v2 == {key: value for key, value in item.items() if key != "Id"}
    assert (v1["State"], v1["StateDescription"]) == (0, "Доставлено абоненту")
    # the Viber id is no SMS id
    assert requests.get(f"{rest}/v2/Sms/State", params={**V2, "messageId": viber_id}).json()["State"] == 255


def test_fallback_in_the_control_api_with_links(api, devino_mock):
    [viber_id] = api.send("Viber/SendWithResend", DestinationAddress="79990001101")
    assert devino_mock.messages(transport="viber_fallback") == []
    devino_mock.advance(3)
    [sms] = devino_mock.messages(transport="viber_fallback")
    viber = devino_mock.message(viber_id)
    assert (sms["channel"], sms["parent"], sms["fallback"]) == ("sms", viber_id, None)
    assert (viber["fallback"], viber["parent"], viber["status"]) == (sms["id"], None, "undelivered")
    assert [m["id"] for m in devino_mock.messages(channel="sms")] == [sms["id"]]
    # The core sends the next stage when the clock run reaches the failure, at that run's "now":
    # the failure instant plus the real milliseconds the test took (advance(3) lands on it).
    assert 0 <= iso_ms(sms["created_at"]) - iso_ms(viber["reported_at"]) < 1000


def test_fallback_through_smpp_query_sm(v2, devino_mock):
    [viber_id] = v2.send("Viber/SendWithResend", DestinationAddress="79990001101")
    [rejected_parent] = v2.send("Viber/SendWithResend", DestinationAddress="79990001107")
    devino_mock.advance(3)
    [sms_id] = [i["Id"] for i in v2.state(viber_id)["ResentSms"]]
    [rejected_id] = [i["Id"] for i in v2.state(rejected_parent)["ResentSms"]]
    answers = {}
    with smpplib_esme(devino_mock.ports["smpp"]) as esme:
        for label, wanted in (("queued", sms_id), ("viber", viber_id)):
            esme.client.query_message(message_id=wanted, source_addr_ton=5, source_addr_npi=1, source_addr=SENDER)
            esme.client.read_once(auto_send_enquire_link=False)
            answers[label] = (esme.queries or esme.errors)[-1]
        devino_mock.advance(3)
        for label, wanted in (("delivered", sms_id), ("rejected", rejected_id)):
            esme.client.query_message(message_id=wanted, source_addr_ton=5, source_addr_npi=1, source_addr=SENDER)
            esme.client.read_once(auto_send_enquire_link=False)
            answers[label] = esme.queries[-1]
    assert (answers["queued"].message_id, answers["queued"].message_state) == (sms_id.encode(), 1)  # ENROUTE
    assert answers["viber"].status == 0x67  # a Viber id is no SMS: ESME_RQUERYFAIL
    delivered = answers["delivered"]
    assert (delivered.message_id, delivered.message_state, delivered.error_code) == (sms_id.encode(), 2, 0)
    reported = devino_mock.message(sms_id)["reported_at"]
    assert delivered.final_date.decode()[:12] == (datetime.fromisoformat(reported.replace("Z", "+00:00"))
                                                  .strftime("%y%m%d%H%M%S"))
    assert (answers["rejected"].message_state, answers["rejected"].error_code) == (8, 42)  # REJECTED


def test_no_fallback_when_the_sms_send_is_refused(devino_mock, rest):
    # The sender is allowed for Viber and SMS alike here; a refused fallback (the account can no
    # longer pay) leaves ResentSms empty and says why in the control API.
    devino_mock.add_account("lean", "lean1", balance="1.00")
    [viber_id] = requests.post(f"{rest}/v2/Viber/SendWithResend", data={"Login": "lean", "Password": "lean1",
                                                                        "SourceAddress": SENDER, "Data": "x",
                                                                        "DestinationAddress": "79990001101"}).json()
    devino_mock.advance(10)
    state = requests.get(f"{rest}/v2/Viber/State", params={"Login": "lean", "Password": "lean1", "messageId": viber_id}).json()
    assert (state["State"], state["ResentSms"]) == (4, [])
    assert devino_mock.message(viber_id)["extra"]["fallback_error"] == "insufficient_funds"
    assert devino_mock.messages(transport="viber_fallback") == []


def test_message_older_than_48_hours_is_unknown(v2, devino_mock):
    [message_id] = v2.send()
    devino_mock.advance(48 * 3600 - 1)
    assert v2.state(message_id)["State"] == 3
    devino_mock.advance(1)
    assert v2.state(message_id)["State"] == 6

