"""2FA over real sockets (twofa.md): POST /GenerateCode and /CheckCode with X-ApiKey, every
documented Code and Description, the JSON type of Code per method, the §5.3 state machine on
the virtual clock, the per-minute limits and the lenient request formats."""

from __future__ import annotations

import pytest
import requests

KEY = "key-2fa-test"
NUMBER = "79169492211"


@pytest.fixture
def twofa(devino_mock):
    """An account with an ApiKey and a fixed code; returns a poster (method, body, **requests kwargs)."""
    def add(**settings):
        devino_mock.add_account("bank", "bank1", api_key=KEY, twofa={"fixed_code": "17565", **settings})

    add()

    def post(method: str, body: dict | None = None, key: str | None = KEY, **kwargs) -> requests.Response:
        headers = kwargs.pop("headers", {})
        if key is not None:
            headers["X-ApiKey"] = key
        return requests.post(f"{devino_mock.url}/{method}", json=body, headers=headers, **kwargs)

    post.configure = add  # type: ignore[attr-defined]
    return post


def test_generate_sends_the_code_as_an_sms_and_answers_code_as_a_string(twofa, devino_mock):
    response = twofa("GenerateCode", {"DestinationNumber": NUMBER})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert response.text == '{"Code": "0", "Description": "Code Sent"}'
    [sms] = devino_mock.messages(transport="2fa")
    assert (sms["channel"], sms["login"], sms["destination"]) == ("sms", "bank", NUMBER)
    assert sms["source"] == "Devino" and sms["text"] == "Ваш код: 17565"
    devino_mock.advance(3)
    assert devino_mock.message(sms["id"])["status_name"] == "delivered"


def test_check_answers_code_as_a_number_and_a_code_is_used_once(twofa):
    twofa("GenerateCode", {"DestinationNumber": NUMBER})
    first = twofa("CheckCode", {"DestinationNumber": NUMBER, "Code": "17565"})
    assert first.status_code == 200 and first.json() == {"Code": 0, "Description": "Valid Code"}
    assert isinstance(first.json()["Code"], int)
    assert twofa("CheckCode", {"DestinationNumber": NUMBER, "Code": "17565"}).json() == \
        {"Code": 5, "Description": "Code not Found"}
    # Used: a new code may be asked for at once (C-5).
    assert twofa("GenerateCode", {"DestinationNumber": NUMBER}).json()["Code"] == "0"


def test_code_exist_while_active_then_expired_on_the_clock(twofa, devino_mock):
    assert twofa("GenerateCode", {"DestinationNumber": NUMBER}).json()["Code"] == "0"
    assert twofa("GenerateCode", {"DestinationNumber": NUMBER}).json() == {"Code": "7", "Description": "Code Exist"}
    devino_mock.advance(299)
    assert twofa("GenerateCode", {"DestinationNumber": NUMBER}).json()["Code"] == "7"
    devino_mock.advance(2)  # past the 300 s lifetime
    assert twofa("CheckCode", {"DestinationNumber": NUMBER, "Code": "00000"}).json() == \
        {"Code": 5, "Description": "Code not Found"}  # a wrong code is 5 even when expired (C-6)
    assert twofa("CheckCode", {"DestinationNumber": NUMBER, "Code": "17565"}).json() == \
        {"Code": 6, "Description": "Code Expired"}
    assert twofa("CheckCode", {"DestinationNumber": NUMBER, "Code": "17565"}).json()["Code"] == 6
    assert twofa("GenerateCode", {"DestinationNumber": NUMBER}).json()["Code"] == "0"
    assert len(devino_mock.messages(transport="2fa")) == 2
    assert twofa("CheckCode", {"DestinationNumber": NUMBER, "Code": " 17565 "}).json()["Code"] == 0


def test_code_state_in_the_control_api(twofa, devino_mock):
    twofa("GenerateCode", {"DestinationNumber": NUMBER})
    state = requests.get(f"{devino_mock.url}/_mock/twofa/codes/{NUMBER}", params={"login": "bank"}).json()
    assert (state["code"], state["state"], state["used"], state["attempts"]) == ("17565", "active", False, 0)
    twofa("CheckCode", {"DestinationNumber": NUMBER, "Code": "1"})
    devino_mock.advance(301)
    state = requests.get(f"{devino_mock.url}/_mock/twofa/codes/{NUMBER}", params={"login": "bank"}).json()
    assert (state["state"], state["attempts"]) == ("expired", 1)


@pytest.mark.parametrize("key", [None, "", "wrong"])
def test_unknown_or_missing_api_key(twofa, key):
    generate = twofa("GenerateCode", {"DestinationNumber": NUMBER}, key=key)
    assert generate.status_code == 200 and generate.json() == {"Code": "1", "Description": "Invalid ApiKey"}
    check = twofa("CheckCode", {"DestinationNumber": NUMBER, "Code": "1"}, key=key)
    assert check.json() == {"Code": 1, "Description": "Invalid ApiKey"}


@pytest.mark.parametrize("number", [None, "", "123", "7916949221a", "7" * 16])
def test_invalid_phone(twofa, number):
    body = {"DestinationNumber": number} if number is not None else {}
    assert twofa("GenerateCode", body).json() == {"Code": "2", "Description": "Invalid Phone"}
    assert twofa("CheckCode", {**body, "Code": "1"}).json() == {"Code": 2, "Description": "Invalid Phone"}


def test_missing_code_is_not_found(twofa):
    twofa("GenerateCode", {"DestinationNumber": NUMBER})
    assert twofa("CheckCode", {"DestinationNumber": NUMBER}).json() == {"Code": 5, "Description": "Code not Found"}
    assert twofa("CheckCode", {"DestinationNumber": "79160000001", "Code": "17565"}).json()["Code"] == 5


def test_rate_limit_per_number_per_minute_on_the_clock(twofa, devino_mock):
    for _ in range(10):
        assert twofa("CheckCode", {"DestinationNumber": NUMBER, "Code": "1"}).json()["Code"] == 5
    assert twofa("CheckCode", {"DestinationNumber": NUMBER, "Code": "1"}).json() == \
        {"Code": 3, "Description": "Limit requsts by time is over"}
    # Another number is not limited; GenerateCode counts apart.
    assert twofa("CheckCode", {"DestinationNumber": "79160000001", "Code": "1"}).json()["Code"] == 5
    assert twofa("GenerateCode", {"DestinationNumber": NUMBER}).json()["Code"] == "0"
    devino_mock.advance(61)
    assert twofa("CheckCode", {"DestinationNumber": NUMBER, "Code": "17565"}).json()["Code"] == 0


def test_rate_limit_per_key(twofa):
    twofa.configure(rate_limit_per_key_per_minute=3)
    answers = [twofa("GenerateCode", {"DestinationNumber": f"7916000000{i}"}).json()["Code"] for i in range(4)]
    assert answers == ["0", "0", "0", "3"]
    # Failed calls count too (§5.3 step 2).
    twofa.configure(rate_limit_per_minute=2)
    codes = [twofa("GenerateCode", {"DestinationNumber": "bad"}).json()["Code"] for _ in range(3)]
    assert codes == ["2", "2", "3"]


def test_fail_numbers_and_a_refused_sms_are_error_sending_message(twofa, devino_mock):
    twofa.configure(fail_numbers=["79160000009"])
    assert twofa("GenerateCode", {"DestinationNumber": "79160000009"}).json() == \
        {"Code": "5", "Description": "Error sending message"}
    # The platform refuses the SMS itself (a magic number): no code is kept either.
    assert twofa("GenerateCode", {"DestinationNumber": "79990000206"}).json()["Code"] == "5"
    assert devino_mock.messages(transport="2fa") == []
    assert twofa("CheckCode", {"DestinationNumber": "79160000009", "Code": "17565"}).json()["Code"] == 5


def test_max_check_attempts_invalidates_the_code(twofa):
    twofa.configure(max_check_attempts=2)
    twofa("GenerateCode", {"DestinationNumber": NUMBER})
    for _ in range(3):
        assert twofa("CheckCode", {"DestinationNumber": NUMBER, "Code": "99999"}).json()["Code"] == 5
    assert twofa("CheckCode", {"DestinationNumber": NUMBER, "Code": "17565"}).json()["Code"] == 5


def test_random_codes_follow_length_alphabet_and_template(twofa, devino_mock):
    devino_mock.add_account("bank", "bank1", api_key=KEY, senders=["BANK"],
                            twofa={"code_length": 8, "code_alphabet": "AB", "sms_sender": "BANK",
                                   "sms_text_template": "{code} is your code"})
    assert twofa("GenerateCode", {"DestinationNumber": NUMBER}).json()["Code"] == "0"
    [sms] = devino_mock.messages(transport="2fa")
    code, rest = sms["text"].split(" ", 1)
    assert rest == "is your code" and len(code) == 8 and set(code) <= {"A", "B"} and sms["source"] == "BANK"
    assert twofa("CheckCode", {"DestinationNumber": NUMBER, "Code": code}).json()["Code"] == 0


def test_sender_not_allowed_is_error_sending_message(twofa, devino_mock):
    devino_mock.add_account("bank", "bank1", api_key=KEY, senders=["OTHER"])
    assert twofa("GenerateCode", {"DestinationNumber": NUMBER}).json()["Code"] == "5"


def test_lenient_names_formats_and_numbers(twofa, devino_mock):
    url = devino_mock.url
    headers = {"X-ApiKey": KEY}
    # camelCase JSON, a formatted number, a lower-case path with a trailing slash
    answer = requests.post(f"{url}/generatecode/", json={"destinationNumber": "+7 (916) 949-22-11"}, headers=headers)
    assert answer.json() == {"Code": "0", "Description": "Code Sent"}
    assert devino_mock.messages(transport="2fa")[0]["destination"] == NUMBER
    # a form body
    answer = requests.post(f"{url}/CheckCode", data={"destinationnumber": NUMBER, "code": "17565"}, headers=headers)
    assert answer.json() == {"Code": 0, "Description": "Valid Code"}
    # GET with a query string
    answer = requests.get(f"{url}/GenerateCode", params={"DestinationNumber": "79160000001"}, headers=headers)
    assert answer.json()["Code"] == "0"
    # a numeric JSON value, and XML in and out
    answer = requests.post(f"{url}/CheckCode", json={"DestinationNumber": 79160000001, "Code": 17565}, headers=headers)
    assert answer.json()["Code"] == 0
    xml = "<GenerateCode><DestinationNumber>79160000002</DestinationNumber></GenerateCode>"
    answer = requests.post(f"{url}/GenerateCode?format=xml", data=xml,
                           headers={**headers, "Content-Type": "application/xml"})
    assert answer.status_code == 200 and "xml" in answer.headers["Content-Type"]
    assert answer.text == "<GenerateCodeResponse><Code>0</Code><Description>Code Sent</Description></GenerateCodeResponse>"


def test_malformed_bodies_and_methods(twofa, devino_mock):
    url = devino_mock.url
    bad = requests.post(f"{url}/GenerateCode", data="{not json", headers={"X-ApiKey": KEY,
                                                                          "Content-Type": "application/json"})
    assert bad.status_code == 400 and bad.json() == {"Code": "4", "Description": "Internal Server Error"}
    bad_xml = requests.post(f"{url}/CheckCode", data="<CheckCode><Code>", headers={"Content-Type": "text/xml"})
    assert bad_xml.status_code == 400 and bad_xml.json()["Code"] == 4
    entity = '<!DOCTYPE x [<!ENTITY a "aaaa">]><CheckCode><Code>&a;</Code></CheckCode>'
    assert requests.post(f"{url}/CheckCode", data=entity, headers={"Content-Type": "text/xml"}).status_code == 400
    assert requests.delete(f"{url}/GenerateCode", headers={"X-ApiKey": KEY}).status_code == 405
    assert requests.post(f"{url}/GenerateCode", json=[1, 2], headers={"X-ApiKey": KEY}).status_code == 400


def test_code_json_type_setting(twofa):
    twofa.configure(code_json_type="number")
    assert twofa("GenerateCode", {"DestinationNumber": NUMBER}).json()["Code"] == 0
    twofa.configure(code_json_type="string")
    assert twofa("CheckCode", {"DestinationNumber": NUMBER, "Code": "17565"}).json()["Code"] == "0"


@pytest.mark.parametrize("fields", [
    {"api_key": 5},
    {"api_key": ""},
    {"twofa": {"code_lenght": 5}},
    {"twofa": {"code_length": 0}},
    {"twofa": {"code_ttl_seconds": "300"}},
    {"twofa": {"sms_text_template": "no placeholder"}},
    {"twofa": {"fail_numbers": ["abc"]}},
    {"twofa": {"imsi_check_enabled": "yes"}},
    {"twofa": {"code_json_type": "float"}},
    {"twofa": []},
])
def test_account_settings_are_validated(devino_mock, fields):
    response = requests.post(f"{devino_mock.url}/_mock/accounts", json={"login": "x", "password": "y", **fields})
    assert response.status_code == 400 and "error" in response.json()


def test_account_settings_round_trip(devino_mock):
    account = devino_mock.add_account("bank", "bank1", api_key="k", twofa={"code_ttl_seconds": 60,
                                                                           "code_alphabet": "digits"})
    assert account["api_key"] == "k"
    assert account["twofa"]["code_ttl_seconds"] == 60 and account["twofa"]["code_alphabet"] == "0123456789"
    assert account["twofa"]["code_length"] == 5 and account["twofa"]["rate_limit_per_minute"] == 10


def test_injected_faults_answer_code_4_or_5_before_anything_happens(twofa, devino_mock):
    faults = f"{devino_mock.url}/_mock/twofa/faults"
    added = requests.post(faults, json={"endpoint": "generatecode", "code": 5, "count": 2})
    # Fault ids never repeat, not even across a reset: this test may not hold the first.
    assert added.status_code == 201 and added.json() == {"id": added.json()["id"], "endpoint": "GenerateCode",
                                                         "code": 5, "count": 2, "fired": 0}
    assert type(added.json()["id"]) is int
    requests.post(faults, json={"endpoint": "CheckCode", "code": 4}).raise_for_status()
    for _ in range(2):
        failed = twofa("GenerateCode", {"DestinationNumber": NUMBER})
        assert (failed.status_code, failed.json()) == (200, {"Code": "5", "Description": "Error sending message"})
    assert devino_mock.messages(transport="2fa") == []  # nothing was generated or sent
    assert twofa("GenerateCode", {"DestinationNumber": NUMBER}).json()["Code"] == "0"
    broken = twofa("CheckCode", {"DestinationNumber": NUMBER, "Code": "17565"})
    assert broken.json() == {"Code": 4, "Description": "Internal Server Error"}
    assert twofa("CheckCode", {"DestinationNumber": NUMBER, "Code": "17565"}).json()["Code"] == 0  # still valid
    assert [f["fired"] for f in requests.get(faults).json()] == [2, 1]
    for bad, error in (({"endpoint": "Other", "code": 4}, "'endpoint' must be one of ['GenerateCode', 'CheckCode']"),
                       ({"endpoint": "CheckCode", "code": 6}, "'code' must be one of [4, 5]"),
                       ({"endpoint": "CheckCode", "code": 4, "count": 0},
                        "'count' must be a whole number from 1 to 1000000")):
        answer = requests.post(faults, json=bad)
        assert (answer.status_code, answer.json()) == (400, {"error": error})
    assert requests.delete(faults).json() == [] and requests.get(faults).json() == []
