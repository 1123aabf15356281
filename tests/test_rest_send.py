"""REST sends: every operation and parameter form, validation order, ids, segmentation, charging."""

import json

import pytest
import requests

V2 = {"Login": "test_login", "Password": "test123"}


def send_v2(rest, path="Sms/Send", **params):
    return requests.post(f"{rest}/v2/{path}", data={**V2, **params})


def test_send_returns_one_18_digit_string_id(rest, session_id, devino_mock):
    response = requests.post(f"{rest}/Sms/Send", data={"SessionId": session_id, "DestinationAddress": "79161002030",
                                                       "SourceAddress": "DEVINO", "Data": "test", "Validity": "0"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    ids = response.json()
    assert len(ids) == 1 and isinstance(ids[0], str) and len(ids[0]) == 18 and ids[0].isdigit()
    [message] = devino_mock.messages()
    assert message["id"] == ids[0]
    assert (message["transport"], message["channel"], message["destination"], message["source"]) == ("rest", "sms", "79161002030", "DEVINO")


@pytest.mark.parametrize("number", ["79031234567", "+79031234567", "89031234567", " 79031234567"])
def test_documented_number_forms_normalise(rest, devino_mock, number):
    assert send_v2(rest, DestinationAddress=number, SourceAddress="DEVINO", Data="x").status_code == 200
    assert devino_mock.messages()[0]["destination"] == "79031234567"


def test_query_only_post_with_empty_body_and_no_content_type(rest, session_id, devino_mock):
    # go-lib-devinotele, ignatenkovnikita: everything in the query string, no body, no Content-Type.
    url = f"{rest}/Sms/Send?Data=hi&DestinationAddress=79161234567&SessionId={session_id}&SourceAddress=DEVINO"
    response = requests.post(url, data=b"", headers={"Content-Type": ""})
    assert response.status_code == 200 and len(response.json()) == 1


def test_query_only_post_with_form_content_type(rest, session_id):
    url = f"{rest}/Sms/Send?sendDate=&data=hello&validity=&sessionId={session_id}&sourceAddress=DEVINO&destinationAddress=79161234567"
    response = requests.post(url, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 200


def test_json_body_on_v2_send(rest, devino_mock):
    body = {"Login": "test_login", "Password": "test123", "SourceAddress": "DEVINO", "DestinationAddress": "79161234567", "Data": "json"}
    response = requests.post(f"{rest}/v2/Sms/Send", data=json.dumps(body), headers={"Content-Type": "application/json"})
    assert response.status_code == 200
    assert devino_mock.messages()[0]["text"] == "json"


def test_multipart_body(rest, session_id, devino_mock):
    files = {"SessionId": (None, session_id), "SourceAddress": (None, "DEVINO"), "DestinationAddresses": (None, "79161234567"), "Data": (None, "multi")}
    response = requests.post(f"{rest}/Sms/SendBulk", files=files)
    assert response.status_code == 200
    assert devino_mock.messages()[0]["text"] == "multi"


def test_double_slash_path_v2(rest):
    response = requests.post(f"{rest}/v2//Sms/Send", data={**V2, "DestinationAddress": "79161234567", "SourceAddress": "DEVINO", "Data": "x"})
    assert response.status_code == 200


def test_unknown_and_misspelt_parameters_are_ignored(rest, devino_mock):
    response = send_v2(rest, DestinationAddress="79161234567", SourceAddress="DEVINO", Data="x", Validaty="10", Optional="y")
    assert response.status_code == 200


def test_first_value_of_a_repeated_scalar_wins(rest, devino_mock):
    response = requests.post(f"{rest}/v2/Sms/Send?Data=first&data=second", data={**V2, "DestinationAddress": "79161234567", "SourceAddress": "DEVINO"})
    assert response.status_code == 200
    assert devino_mock.messages()[0]["text"] == "first"


@pytest.mark.parametrize("encode", [
    lambda nums: [("DestinationAddresses", n) for n in nums],
    lambda nums: [(f"DestinationAddresses[{i}]", n) for i, n in enumerate(nums)],
    lambda nums: [(f"destinationAddresses[{i}]", n) for i, n in enumerate(nums)],
    lambda nums: [("DestinationAddresses[]", n) for n in nums],
], ids=["repeated", "indexed", "indexed-lower", "brackets"])
def test_bulk_list_forms(rest, devino_mock, encode):
    numbers = ["79001234567", "79059999999", "79160000001"]
    response = requests.post(f"{rest}/v2/Sms/SendBulk", data=list(V2.items()) + encode(numbers) + [("SourceAddress", "TESTSMS"), ("Data", "bulk")])
    assert response.status_code == 200
    assert [m["destination"] for m in devino_mock.messages()] == numbers
    assert response.json() == [m["id"] for m in devino_mock.messages()]


def test_bulk_recipients_in_query_and_the_rest_in_body(rest, session_id, devino_mock):
    # official Ruby client
    response = requests.post(f"{rest}/Sms/SendBulk?destinationAddresses=79001234567&destinationAddresses=79059999999",
                             data={"sessionId": session_id, "sourceAddress": "DEVINO", "data": "ruby"})
    assert response.status_code == 200 and len(response.json()) == 2


def test_long_message_ids_are_consecutive_and_grouped_per_recipient(rest, devino_mock):
    text = "Ж" * 71  # UCS-2: 71 > 70 -> 2 segments of up to 67
    response = send_v2(rest, "Sms/SendBulk", DestinationAddresses=["79001234567", "79059999999"], SourceAddress="DEVINO", Data=text)
    ids = response.json()
    assert len(ids) == 4
    assert [int(i) for i in ids] == list(range(int(ids[0]), int(ids[0]) + 4))
    first, second = devino_mock.messages()
    assert first["ids"] == ids[:2] and second["ids"] == ids[2:]
    assert first["parts"] == ["Ж" * 67, "Ж" * 4] and first["encoding"] == "ucs2"


@pytest.mark.parametrize("text,segments", [
    ("a" * 160, 1), ("a" * 161, 2), ("a" * 306, 2), ("a" * 307, 3),
    ("€" * 80, 1), ("€" * 81, 2),  # extension characters count double
    ("Ж" * 70, 1), ("Ж" * 71, 2), ("Ж" * 134, 2), ("Ж" * 135, 3),
])
def test_segment_counts(rest, text, segments):
    assert len(send_v2(rest, DestinationAddress="79161234567", SourceAddress="DEVINO", Data=text).json()) == segments


def test_charging_per_segment_and_insufficient_balance(devino_mock, rest):
    send_v2(rest, DestinationAddress="79161234567", SourceAddress="DEVINO", Data="a" * 161)
    assert requests.get(f"{rest}/v2/User/Balance", params=V2).json() == 998.0
    devino_mock.add_account("tight", "tight1", balance="2.00")
    creds = {"Login": "tight", "Password": "tight1"}
    ok = requests.post(f"{rest}/v2/Sms/Send", data={**creds, "DestinationAddress": "79161234567", "SourceAddress": "DEVINO", "Data": "a" * 161})
    assert ok.status_code == 200
    refused = requests.post(f"{rest}/v2/Sms/Send", data={**creds, "DestinationAddress": "79161234567", "SourceAddress": "DEVINO", "Data": "x"})
    assert refused.status_code == 403
    assert refused.json() == {"Code": 5, "Desc": "Not enough credits"}


def test_tariff_by_prefix(devino_mock, rest):
    devino_mock.add_account("intl", "intl1", balance="100", tariffs={"": "1.00", "380": "2.50"})
    creds = {"Login": "intl", "Password": "intl1", "SourceAddress": "DEVINO", "Data": "x"}
    requests.post(f"{rest}/v2/Sms/SendBulk", data={**creds, "DestinationAddresses": ["79161234567", "380501234567"]})
    assert requests.get(f"{rest}/v2/User/Balance", params={"Login": "intl", "Password": "intl1"}).json() == 96.5


# --- errors, in the documented validation order ---

def test_missing_data_source_destination(rest):
    base = {"DestinationAddress": "79161234567", "SourceAddress": "DEVINO", "Data": "x"}
    expected = {
        "DestinationAddress": "DestinationAddress can not be null or empty Parameter name: destinationAddress",
        "Data": "Data can not be null or empty Parameter name: data",
        "SourceAddress": "SourceAddress can not be null or empty Parameter name: sourceAddress",
    }
    for name, desc in expected.items():
        params = {k: v for k, v in base.items() if k != name}
        response = send_v2(rest, **params)
        assert response.status_code == 400
        assert response.json() == {"Code": 1, "Desc": desc}
    empty = send_v2(rest, **{**base, "Data": ""})
    assert empty.json() == {"Code": 1, "Desc": "Data can not be null or empty Parameter name: data"}


def test_bulk_missing_recipients_names_the_list(rest):
    response = send_v2(rest, "Sms/SendBulk", SourceAddress="DEVINO", Data="x")
    assert response.json() == {"Code": 1, "Desc": "DestinationAddresses can not be null or empty Parameter name: destinationAddresses"}


def test_missing_session_id_on_send(rest):
    response = requests.post(f"{rest}/Sms/Send", data={"DestinationAddress": "79161234567", "SourceAddress": "DEVINO", "Data": "x"})
    assert response.json() == {"Code": 1, "Desc": "SessionID can not be null or empty Parameter name: sessionId"}


def test_required_parameters_are_checked_before_the_session(rest):
    response = requests.post(f"{rest}/Sms/Send", data={"SessionId": "Z5CYSZEKDL1DPICU37WEHQVOYKP0T1GSLHX1", "SourceAddress": "DEVINO", "Data": "x"})
    assert response.json()["Code"] == 1


def test_session_is_checked_before_balance_and_numbers(rest):
    response = requests.post(f"{rest}/Sms/Send", data={"SessionId": "Z5CYSZEKDL1DPICU37WEHQVOYKP0T1GSLHX1", "DestinationAddress": "bad", "SourceAddress": "DEVINO", "Data": "x"})
    assert response.status_code == 401 and response.json() == {"Code": 4, "Desc": "SessionID expired"}


def test_balance_is_checked_before_the_number(rest):
    response = requests.post(f"{rest}/v2/Sms/Send", data={"Login": "poor", "Password": "poor1", "DestinationAddress": "bad", "SourceAddress": "DEVINO", "Data": "x"})
    assert response.status_code == 403 and response.json() == {"Code": 5, "Desc": "Not enough credits"}


@pytest.mark.parametrize("number", ["123", "7916abc4567", "7" * 16, "+"])
def test_invalid_destination(rest, number):
    response = send_v2(rest, DestinationAddress=number, SourceAddress="DEVINO", Data="x")
    assert response.status_code == 400
    assert response.json() == {"Code": 6, "Desc": "Invalid destination address"}


def test_one_bad_number_rejects_the_whole_bulk_and_charges_nothing(rest, devino_mock):
    response = send_v2(rest, "Sms/SendBulk", DestinationAddresses=["79161234567", "oops"], SourceAddress="DEVINO", Data="x")
    assert response.json() == {"Code": 6, "Desc": "Invalid destination address"}
    assert devino_mock.messages() == []
    assert requests.get(f"{rest}/v2/User/Balance", params=V2).json() == 1000.0


def test_number_is_checked_before_the_sender(rest):
    response = send_v2(rest, DestinationAddress="bad", SourceAddress="this sender is far too long", Data="x")
    assert response.json() == {"Code": 6, "Desc": "Invalid destination address"}


@pytest.mark.parametrize("source", ["TWELVECHARSX", "1234567890123456", "ПРИВЕТ"])
def test_invalid_source(rest, source):
    response = send_v2(rest, DestinationAddress="79161234567", SourceAddress=source, Data="x")
    assert response.status_code == 400
    assert response.json() == {"Code": 6, "Desc": "Invalid source address"}


def test_sender_not_in_the_accounts_list(rest):
    creds = {"Login": "senders", "Password": "senders1", "DestinationAddress": "79161234567", "Data": "x"}
    assert requests.post(f"{rest}/v2/Sms/Send", data={**creds, "SourceAddress": "devino"}).status_code == 200
    refused = requests.post(f"{rest}/v2/Sms/Send", data={**creds, "SourceAddress": "OTHER"})
    assert refused.json() == {"Code": 6, "Desc": "Invalid source address"}


def test_sender_is_checked_before_the_length(rest):
    response = send_v2(rest, DestinationAddress="79161234567", SourceAddress="TWELVECHARSX", Data="x" * 2001)
    assert response.json() == {"Code": 6, "Desc": "Invalid source address"}


def test_message_length_limit(rest):
    assert send_v2(rest, DestinationAddress="79161234567", SourceAddress="DEVINO", Data="x" * 2000).status_code == 200
    response = send_v2(rest, DestinationAddress="79161234567", SourceAddress="DEVINO", Data="x" * 2001)
    assert response.status_code == 400
    assert response.json() == {"Code": 6, "Desc": "Invalid message length"}


def test_more_than_2999_recipients(rest, devino_mock):
    devino_mock.add_account("rich", "rich1", balance="100000")
    numbers = [f"7916{i:07d}" for i in range(3000)]
    response = requests.post(f"{rest}/v2/Sms/SendBulk", data={"Login": "rich", "Password": "rich1", "SourceAddress": "DEVINO", "Data": "x", "DestinationAddresses": numbers})
    assert response.status_code == 400
    assert response.json() == {"Code": 2, "Desc": "Invalid argument"}
    ok = requests.post(f"{rest}/v2/Sms/SendBulk", data={"Login": "rich", "Password": "rich1", "SourceAddress": "DEVINO", "Data": "x", "DestinationAddresses": numbers[:2999]})
    assert ok.status_code == 200 and len(ok.json()) == 2999


@pytest.mark.parametrize("number,code,status,desc", [
    ("79990000202", 2, 400, "Invalid argument"),
    ("79990000205", 5, 403, "Not enough credits"),
    ("79990000206", 6, 400, "Invalid destination address"),
    ("79990000207", 7, 403, "Forbidden"),
    ("79990000208", 8, 500, "Gateway error"),
    ("79990000209", 9, 500, "Internal server error"),
])
def test_magic_numbers_reproduce_every_send_error(rest, devino_mock, number, code, status, desc):
    response = send_v2(rest, DestinationAddress=number, SourceAddress="DEVINO", Data="x")
    assert response.status_code == status
    assert response.json() == {"Code": code, "Desc": desc}
    assert devino_mock.messages() == []


def test_quota_rule_is_forbidden_on_rest(rest, devino_mock):
    devino_mock.add_rule(destination="79161234567", reject="quota_exceeded")
    response = send_v2(rest, DestinationAddress="79161234567", SourceAddress="DEVINO", Data="x")
    assert response.status_code == 403
    assert response.json() == {"Code": 7, "Desc": "Forbidden"}


def test_runtime_rule_rejects_a_real_looking_number(rest, devino_mock):
    devino_mock.add_rule(destination="79161234567", reject="insufficient_funds")
    assert send_v2(rest, DestinationAddress="79161234567", SourceAddress="DEVINO", Data="x").json()["Code"] == 5
    devino_mock.clear_rules()
    assert send_v2(rest, DestinationAddress="79161234567", SourceAddress="DEVINO", Data="x").status_code == 200
