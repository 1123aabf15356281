"""IMSI over real sockets: the IMSICode check of GenerateCode (twofa.md §5.3–§5.4), the
Devino-side check of every SMS (imsi.md §5.3), and SIM swaps through the control API."""

from __future__ import annotations

import hashlib

import pytest
import requests

from tests.imsi_helpers import NEW_SIM, NUMBER, SIM, freeze, recheck, send, subscribers, swap

KEY = "key-imsi"


def code_of(raw: str) -> str:
    return hashlib.md5(raw.encode()).hexdigest().upper()


def generate(devino_mock, body: dict) -> dict:
    return requests.post(f"{devino_mock.url}/GenerateCode", json=body, headers={"X-ApiKey": KEY}).json()


@pytest.fixture
def bank(devino_mock):
    devino_mock.add_account("bank", "bank1", api_key=KEY, imsi={NUMBER: SIM},
                            twofa={"imsi_check_enabled": True, "fixed_code": "11111"})
    return devino_mock


def test_imsi_code_must_match_the_current_sim(bank):
    assert generate(bank, {"DestinationNumber": NUMBER, "IMSICode": code_of(NEW_SIM)}) == \
        {"Code": "6", "Description": "Invalid IMSI Code"}
    assert bank.messages(transport="2fa") == []
    assert generate(bank, {"DestinationNumber": NUMBER, "IMSICode": code_of(SIM).lower()})["Code"] == "0"
    assert len(bank.messages(transport="2fa")) == 1


def test_sim_swap_makes_the_old_code_fail(bank):
    assert swap(bank, "+7 916 949 22 11", NEW_SIM).json()["current_imsi"] == NEW_SIM
    assert generate(bank, {"DestinationNumber": NUMBER, "imsiCode": code_of(SIM)})["Code"] == "6"
    # Aliases and the raw IMSI itself are accepted (twofa.md §5.1, §5.4).
    assert generate(bank, {"destinationNumber": NUMBER, "Imsi": NEW_SIM})["Code"] == "0"


def test_unknown_subscriber_is_invalid_imsi_code_and_code_exist_wins(bank):
    assert generate(bank, {"DestinationNumber": "79160000001", "IMSICode": code_of(SIM)})["Code"] == "6"
    assert generate(bank, {"DestinationNumber": NUMBER})["Code"] == "0"  # no IMSICode: no check
    assert generate(bank, {"DestinationNumber": NUMBER, "IMSICode": "wrong"})["Code"] == "7"


def test_imsi_code_ignored_when_the_feature_is_off(devino_mock):
    devino_mock.add_account("bank", "bank1", api_key=KEY, imsi={NUMBER: SIM})
    assert generate(devino_mock, {"DestinationNumber": NUMBER, "IMSICode": "not-a-code"})["Code"] == "0"


def test_control_calls_validate_their_input(bank):
    assert swap(bank, NUMBER, "12ab").status_code == 400
    assert swap(bank, "12", SIM).status_code == 400
    assert swap(bank, NUMBER, SIM, login="nobody").status_code == 404
    assert requests.post(f"{bank.url}/_mock/accounts", json={"login": "x", "password": "y",
                                                             "imsi": {NUMBER: 250011234567890}}).status_code == 400
    assert requests.post(f"{bank.url}/_mock/accounts", json={"login": "x", "password": "y",
                                                             "imsi_check": {"enabled": 1}}).status_code == 400
    assert requests.post(f"{bank.url}/_mock/accounts", json={"login": "x", "password": "y",
                                                             "imsi_check": {"modes": {NUMBER: "x"}}}).status_code == 400
    # null forgets the subscriber
    assert swap(bank, NUMBER, None).json()["current_imsi"] is None
    assert requests.get(f"{bank.url}/_mock/imsi", params={"login": "bank"}).json() == []


# --- the Devino-side check (imsi.md §5.3) ----------------------------------------------------------


@pytest.fixture
def checked(devino_mock):
    devino_mock.add_account("bank", "bank1", imsi={NUMBER: SIM, "79160000002": SIM},
                            imsi_check={"enabled": True, "substitute_text": "SIM changed, call the bank",
                                        "modes": {"79160000002": "always_reject"}})
    return devino_mock


def test_first_sms_sets_the_reference_then_a_sim_swap_blocks_and_a_recheck_trusts(checked):
    freeze(checked)
    first = send(checked, NUMBER)
    subscriber = subscribers(checked)[NUMBER]
    assert subscribers(checked)["79160000002"]["check_mode"] == "always_reject"
    # The reference is asked for after the first SMS and arrives lookup_delay_ms (500) later.
    assert (subscriber["status"], subscriber["reference_imsi"]) == ("pending", None)
    checked.advance(0.5)
    subscriber = subscribers(checked)[NUMBER]
    assert subscriber["reference_imsi"] == SIM and subscriber["imsi_code"] == code_of(SIM)
    assert subscriber["status"] == "reference_set"
    second = send(checked, NUMBER)
    checked.advance(3)
    assert checked.message(first)["status_name"] == checked.message(second)["status_name"] == "delivered"

    swap(checked, NUMBER, NEW_SIM)
    blocked = send(checked, NUMBER)
    view = checked.message(blocked)
    assert (view["status"], view["error"]) == (69, "imsi_mismatch")
    [substitute] = checked.messages(transport="imsi_substitute")
    assert substitute["text"] == "SIM changed, call the bank" and substitute["destination"] == NUMBER
    assert substitute["parent"] == blocked and view["fallback"] == substitute["id"]
    checked.advance(3)
    assert checked.message(substitute["id"])["status_name"] == "delivered"
    # The reference stays unchanged until the Bank re-checks, and until that lookup completes.
    assert subscribers(checked)[NUMBER]["reference_imsi"] == SIM
    rechecking = recheck(checked)
    assert (rechecking["reference_imsi"], rechecking["pending_recheck"]) == (SIM, True)
    assert checked.message(send(checked, NUMBER))["error"] == "imsi_mismatch"
    checked.advance(0.5)
    subscriber = subscribers(checked)[NUMBER]
    assert (subscriber["reference_imsi"], subscriber["pending_recheck"]) == (NEW_SIM, False)
    trusted = send(checked, NUMBER)
    checked.advance(3)
    assert checked.message(trusted)["status_name"] == "delivered"
    assert len(checked.messages(transport="imsi_substitute")) == 2


def test_always_reject_and_unknown_subscribers(checked):
    rejected = send(checked, "79160000002")
    assert checked.message(rejected)["error"] == "imsi_mismatch"
    unknown = send(checked, "79160000003")  # the operator gives no IMSI: sent without a check
    checked.advance(3)
    assert checked.message(unknown)["status_name"] == "delivered"


def test_check_off_sends_everything(devino_mock):
    devino_mock.add_account("bank", "bank1", imsi={NUMBER: SIM})
    send(devino_mock, NUMBER)
    swap(devino_mock, NUMBER, NEW_SIM)
    later = send(devino_mock, NUMBER)
    devino_mock.advance(3)
    assert devino_mock.message(later)["status_name"] == "delivered"
    assert devino_mock.messages(transport="imsi_substitute") == []
