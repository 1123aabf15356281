"""HLR over real sockets (hlr.md): Hlr/SendBulk and Hlr/State on /rest/ (SessionID) and
/rest/v2/ (Login/Password), statuses on the virtual clock, rules and magic numbers, errors."""

from __future__ import annotations

import pytest
import requests

V2 = {"Login": "test_login", "Password": "test123"}


def send_bulk(devino_mock, numbers, path="/rest/v2", **params) -> requests.Response:
    query = [("DestinationAddresses", n) for n in numbers] + list({**V2, "Validity": 5, **params}.items())
    return requests.post(f"{devino_mock.url}{path}/Hlr/SendBulk", params=query)


def state(devino_mock, ids, path="/rest/v2", **params) -> list[dict]:
    response = requests.get(f"{devino_mock.url}{path}/Hlr/State",
                            params=[("messageIds", i) for i in ids] + list({**V2, **params}.items()))
    assert response.status_code == 200, response.text
    return response.json()


def test_documented_example_with_a_session(devino_mock, session_id):
    # The documented query, `+` unencoded: a form decoder turns it into a space.
    url = (f"{devino_mock.rest_url}/Hlr/SendBulk?SessionID={session_id}"
           "&DestinationAddresses=+70000000001&DestinationAddresses=80000000002&Validity=5")
    response = requests.post(url)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert response.headers["Cache-Control"] == "private"
    ids = response.json()
    assert len(ids) == 2 and all(isinstance(i, str) and len(i) == 18 for i in ids)
    assert int(ids[1]) == int(ids[0]) + 1
    pending = state(devino_mock, ids, path="/rest", SessionID=session_id, Login=None, Password=None)
    assert pending == [
        {"messageId": ids[0], "DestinationAddress": "+70000000001", "StateCode": 0, "StateDesc": "Отправляется",
         "Country": "", "MobileOperator": ""},
        {"messageId": ids[1], "DestinationAddress": "+70000000002", "StateCode": 0, "StateDesc": "Отправляется",
         "Country": "", "MobileOperator": ""},
    ]
    devino_mock.advance(3)
    answered = state(devino_mock, ids, path="/rest", SessionID=session_id, Login=None, Password=None)
    assert [(s["StateCode"], s["StateDesc"], s["Country"]) for s in answered] == [(1, "Абонент доступен", "Россия")] * 2


def test_documented_country_and_operator_and_the_journal(devino_mock):
    [message_id] = send_bulk(devino_mock, ["+79001234567"]).json()
    devino_mock.advance(3)
    assert state(devino_mock, [message_id]) == [{
        "messageId": message_id, "DestinationAddress": "+79001234567", "StateCode": 1,
        "StateDesc": "Абонент доступен", "Country": "Россия", "MobileOperator": "ОАО Вымпел-Коммуникации(Москва)"}]
    [item] = devino_mock.messages(channel="hlr")
    assert (item["id"], item["transport"], item["status"], item["destination"]) == \
        (message_id, "rest_v2", "available", "79001234567")
    assert [h["status"] for h in item["history"]] == ["sending", "available"]
    assert devino_mock.messages(channel="hlr", status="1")[0]["id"] == message_id


@pytest.mark.parametrize("number, code, desc", [
    ("79990001501", 1, "Абонент доступен"),
    ("79990001502", 2, "Абонент временно недоступен"),
    ("79990001503", 3, "Абонент не существует"),
    ("79990001504", 4, "Ошибка запроса"),
])
def test_magic_numbers_answer_each_status(devino_mock, number, code, desc):
    [message_id] = send_bulk(devino_mock, [number]).json()
    assert state(devino_mock, [message_id])[0]["StateCode"] == 0
    devino_mock.advance(3)
    [answer] = state(devino_mock, [message_id])
    assert (answer["StateCode"], answer["StateDesc"]) == (code, desc)


def test_late_and_missing_answers_on_the_clock(devino_mock):
    late, never = send_bulk(devino_mock, ["79990001505", "79990001599"], Validity=2).json()
    devino_mock.advance(60)
    assert [s["StateCode"] for s in state(devino_mock, [late, never])] == [0, 0]
    devino_mock.advance(3)
    assert [s["StateCode"] for s in state(devino_mock, [late, never])] == [1, 0]
    devino_mock.advance(60)  # Validity (2 minutes) is over
    assert state(devino_mock, [never])[0] == {
        "messageId": never, "DestinationAddress": "+79990001599", "StateCode": 99, "StateDesc": "Неизвестно",
        "Country": "", "MobileOperator": ""}


def test_rules_with_channel_hlr_by_code_or_name(devino_mock):
    devino_mock.add_rule(channel="hlr", destination="79161234567", status=3)
    devino_mock.add_rule(channel="hlr", destination="79161234568", status="unavailable", delivery_delay=10)
    assert devino_mock.rules()[0]["status"] == "unavailable"
    ids = send_bulk(devino_mock, ["79161234567", "79161234568"]).json()
    devino_mock.advance(3)
    assert [s["StateCode"] for s in state(devino_mock, ids)] == [3, 0]
    devino_mock.advance(10)
    assert [s["StateCode"] for s in state(devino_mock, ids)] == [3, 2]
    # An SMS to the same number is not touched by the HLR rule.
    assert requests.post(f"{devino_mock.rest_url}/v2/Sms/Send", data={**V2, "SourceAddress": "TEST",
                         "DestinationAddress": "79161234567", "Data": "x"}).status_code == 200
    devino_mock.advance(3)
    assert devino_mock.messages(channel="sms")[0]["status_name"] == "delivered"
    bad = requests.post(f"{devino_mock.url}/_mock/rules", json={"channel": "hlr", "destination": "7", "status": 0})
    assert bad.status_code == 400  # 0 is not a result


def test_either_credential_on_either_path_and_list_separators(devino_mock, session_id):
    by_session_on_v2 = requests.post(f"{devino_mock.rest_url}/v2/Hlr/SendBulk", params={
        "SessionID": session_id, "DestinationAddresses": "79160000001;79160000002,79160000003"})
    assert by_session_on_v2.status_code == 200 and len(by_session_on_v2.json()) == 3
    by_login_on_v1 = requests.post(f"{devino_mock.rest_url}/Hlr/SendBulk", data={
        **V2, "DestinationAddresses": "79160000004"})
    assert by_login_on_v1.status_code == 200
    ids = by_session_on_v2.json() + by_login_on_v1.json()
    # State by GET or POST, ids repeated or separated, path in any letter case
    response = requests.post(f"{devino_mock.url}/REST/hlr/state", data={"SessionID": session_id,
                                                                        "messageIds": ";".join(ids)})
    assert [s["messageId"] for s in response.json()] == ids


def test_unknown_ids_and_ids_of_another_account(devino_mock):
    [mine] = send_bulk(devino_mock, ["79160000001"]).json()
    [sms] = requests.post(f"{devino_mock.rest_url}/v2/Sms/Send", data={
        **V2, "SourceAddress": "TEST", "DestinationAddress": "79160000001", "Data": "x"}).json()
    other = state(devino_mock, [mine], Login="test", Password="11111")
    unknown = {"DestinationAddress": "", "StateCode": 99, "StateDesc": "Неизвестно", "Country": "",
               "MobileOperator": ""}
    assert other == [{"messageId": mine, **unknown}]
    assert state(devino_mock, ["123", sms]) == [{"messageId": "123", **unknown}, {"messageId": sms, **unknown}]


def test_billing_by_the_accounts_hlr_price(devino_mock):
    devino_mock.add_account("hlr", "hlr1", balance="1.00", prices={"hlr": "0.40"})
    creds = {"Login": "hlr", "Password": "hlr1"}
    assert send_bulk(devino_mock, ["79160000001", "79160000002"], **creds).status_code == 200
    assert devino_mock.account("hlr")["balance"] == pytest.approx(0.2)
    poor = send_bulk(devino_mock, ["79160000001"], **creds)
    assert poor.status_code == 403 and poor.json() == {"Code": 5, "Desc": "Not enough credits"}
    assert send_bulk(devino_mock, ["79160000001"]).status_code == 200  # free by default


@pytest.mark.parametrize("numbers, params, status, body", [
    ([], {}, 400, {"Code": 1, "Desc": "DestinationAddresses can not be null or empty Parameter name: destinationAddresses"}),
    (["79160000001"] * 201, {}, 400, {"Code": 2, "Desc": "Invalid argument"}),
    (["79160000001", "123"], {}, 400, {"Code": 6, "Desc": "Invalid destination address"}),
    (["79160000001"], {"Validity": "abc"}, 400, {"Code": 2, "Desc": "Invalid argument"}),
    (["79160000001"], {"Validity": "-1"}, 400, {"Code": 2, "Desc": "Invalid argument"}),
    (["79160000001"], {"Password": "wrong"}, 401, {"Code": 4, "Desc": "Invalid user login or password"}),
    (["79990001605"], {}, 403, {"Code": 5, "Desc": "Not enough credits"}),
    (["79990001606"], {}, 400, {"Code": 6, "Desc": "Invalid destination address"}),
    (["79990001609"], {}, 500, {"Code": 9, "Desc": "Internal server error"}),
])
def test_send_bulk_errors_store_nothing(devino_mock, numbers, params, status, body):
    response = send_bulk(devino_mock, numbers, **params)
    assert (response.status_code, response.json()) == (status, body)
    assert devino_mock.messages(channel="hlr") == []


def test_send_bulk_without_validity_uses_five_minutes(devino_mock):
    response = requests.post(f"{devino_mock.rest_url}/v2/Hlr/SendBulk", params={**V2, "DestinationAddresses": "79990001599"})
    [message_id] = response.json()
    devino_mock.advance(299)
    assert state(devino_mock, [message_id])[0]["StateCode"] == 0
    devino_mock.advance(2)
    assert state(devino_mock, [message_id])[0]["StateCode"] == 99


def test_state_errors(devino_mock):
    missing = requests.get(f"{devino_mock.rest_url}/v2/Hlr/State", params=V2)
    assert (missing.status_code, missing.json()["Code"]) == (400, 1)
    expired = requests.get(f"{devino_mock.rest_url}/Hlr/State", params={"SessionID": "A" * 36, "messageIds": "1"})
    assert (expired.status_code, expired.json()) == (401, {"Code": 4, "Desc": "SessionID expired"})
    assert requests.delete(f"{devino_mock.rest_url}/Hlr/State").status_code == 405
