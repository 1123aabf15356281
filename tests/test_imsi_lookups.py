"""The timing of the Devino-side check's IMSI lookups (imsi.md §5.2–§5.5, D-3, D-4) over real
sockets: SMS over REST v2, state and request log through GET /_mock/imsi, the virtual clock
frozen and moved only by the test. The reference lookup after the first SMS completes
lookup_delay_ms later; lookup errors are retried after 1, 5 and 30 minutes, then the reference
is unobtainable; an operator without IMSIs makes it unobtainable at once."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import requests

from tests.imsi_helpers import NEW_SIM, NUMBER, SIM, behave, freeze, recheck, send, subscribers, swap


@pytest.fixture
def bank(devino_mock):
    devino_mock.add_account("bank", "bank1", imsi={NUMBER: SIM}, imsi_check={"enabled": True})
    freeze(devino_mock)
    return devino_mock


def at(devino_mock, seconds: float = 0) -> str:
    """The ISO instant `seconds` from the (frozen) clock's now, as the control API writes it."""
    now = datetime.fromisoformat(devino_mock.now().replace("Z", "+00:00")) + timedelta(seconds=seconds)
    return now.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def subscriber(devino_mock) -> dict:
    return subscribers(devino_mock)[NUMBER]


def results(devino_mock) -> list[tuple]:
    return [(r["trigger"], r["result"], r["attempt"]) for r in subscriber(devino_mock)["requests"]]


def test_the_reference_is_pending_until_the_lookup_delay_has_passed(devino_mock):
    devino_mock.add_account("bank", "bank1", imsi={NUMBER: SIM},
                            imsi_check={"enabled": True, "lookup_delay_ms": 2000})
    freeze(devino_mock)
    due = at(devino_mock, 2)
    first = send(devino_mock, NUMBER)
    state = subscriber(devino_mock)
    assert (state["status"], state["reference_imsi"], state["next_lookup_at"]) == ("pending", None, due)
    assert state["requests"] == [] and state["pending_recheck"] is False
    devino_mock.advance(1.9)
    # While the lookup is under way SMS go out unchecked, and no second lookup starts.
    swap(devino_mock, NUMBER, NEW_SIM)
    during = send(devino_mock, NUMBER)
    assert subscriber(devino_mock)["status"] == "pending"
    devino_mock.advance(0.1)
    state = subscriber(devino_mock)
    # The lookup reads the SIM the operator reports when it completes.
    assert (state["status"], state["reference_imsi"], state["next_lookup_at"]) == ("reference_set", NEW_SIM, None)
    assert state["requests"] == [{"at": due, "trigger": "first_sms", "result": "ok", "imsi": NEW_SIM,
                                  "attempt": 1, "message_id": first}]
    devino_mock.advance(3)
    assert devino_mock.message(first)["status_name"] == devino_mock.message(during)["status_name"] == "delivered"
    # From now on each SMS is checked by a synchronous lookup, logged as well.
    checked = send(devino_mock, NUMBER)
    assert subscriber(devino_mock)["requests"][-1] == {
        "at": at(devino_mock), "trigger": "sms", "result": "ok", "imsi": NEW_SIM, "attempt": 1, "message_id": checked}


@pytest.mark.parametrize("error", ["unavailable", "operator_failure"])
def test_lookup_errors_are_retried_after_1_5_and_30_minutes_then_unobtainable(bank, error):
    behave(bank, error)
    send(bank, NUMBER)
    bank.advance(0.5)
    state = subscriber(bank)
    assert (state["status"], state["next_lookup_at"]) == ("pending", at(bank, 60))
    assert results(bank) == [("first_sms", error, 1)]
    bank.advance(59.9)
    assert len(results(bank)) == 1
    bank.advance(0.1)
    assert results(bank) == [("first_sms", error, 1), ("first_sms", error, 2)]
    assert subscriber(bank)["next_lookup_at"] == at(bank, 300)
    bank.advance(300)
    assert subscriber(bank)["next_lookup_at"] == at(bank, 1800)
    bank.advance(1800)
    state = subscriber(bank)
    assert [(r["attempt"], r["result"]) for r in state["requests"]] == [(n, error) for n in (1, 2, 3, 4)]
    assert (state["status"], state["reference_imsi"], state["next_lookup_at"]) == ("unobtainable", None, None)
    # Unobtainable: SMS go out without a check and without a lookup (imsi.md §3).
    swap(bank, NUMBER, NEW_SIM)
    unchecked = send(bank, NUMBER)
    bank.advance(86400)
    assert bank.message(unchecked)["status_name"] == "delivered" and len(results(bank)) == 4
    # «Перепроверить» tries again.
    behave(bank, "ok")
    assert recheck(bank)["status"] == "pending"
    bank.advance(0.5)
    state = subscriber(bank)
    assert (state["status"], state["reference_imsi"]) == ("reference_set", NEW_SIM)
    assert results(bank)[-1] == ("recheck", "ok", 1)


def test_a_retry_that_succeeds_sets_the_reference(bank):
    behave(bank, "unavailable")
    send(bank, NUMBER)
    bank.advance(0.5)
    behave(bank, "ok")  # the subscriber is back before the retry
    bank.advance(60)
    state = subscriber(bank)
    assert (state["status"], state["reference_imsi"]) == ("reference_set", SIM)
    assert results(bank) == [("first_sms", "unavailable", 1), ("first_sms", "ok", 2)]
    bank.advance(3600)
    assert len(results(bank)) == 2  # nothing more was scheduled


def test_an_operator_without_imsis_is_unobtainable_at_once(bank):
    assert behave(bank, "unsupported_operator")["lookup_behaviour"] == "unsupported_operator"
    first = send(bank, NUMBER)
    bank.advance(0.5)
    state = subscriber(bank)
    assert (state["status"], state["next_lookup_at"]) == ("unobtainable", None)
    assert results(bank) == [("first_sms", "unsupported_operator", 1)]
    bank.advance(3600)
    assert len(results(bank)) == 1
    assert bank.message(first)["status_name"] == "delivered"


def test_a_failed_check_sends_unchecked_or_blocks_as_the_account_says(devino_mock):
    settings = {"enabled": True, "lookup_delay_ms": 0}
    devino_mock.add_account("bank", "bank1", imsi={NUMBER: SIM}, imsi_check=settings)
    freeze(devino_mock)
    assert recheck(devino_mock)["reference_imsi"] == SIM  # a delay of 0: done before the answer
    behave(devino_mock, "operator_failure")
    unchecked = send(devino_mock, NUMBER)  # the default (D-3): sent without a check
    assert results(devino_mock)[-1] == ("sms", "operator_failure", 1)
    devino_mock.add_account("bank", "bank1", imsi={NUMBER: SIM},
                            imsi_check={**settings, "on_lookup_error": "block",
                                        "lookup_behaviour": {NUMBER: "operator_failure"}})
    blocked = send(devino_mock, NUMBER)
    devino_mock.advance(3)
    assert devino_mock.message(unchecked)["status_name"] == "delivered"
    view = devino_mock.message(blocked)
    assert (view["status"], view["error"]) == (69, "imsi_lookup_failed") and view["fallback"]
    assert subscriber(devino_mock)["reference_imsi"] == SIM


def test_a_recheck_starts_the_lookup_over(bank):
    behave(bank, "unavailable")
    send(bank, NUMBER)
    bank.advance(0.5)
    assert subscriber(bank)["next_lookup_at"] == at(bank, 60)
    state = recheck(bank)  # the retry a minute away gives way to a lookup 500 ms away
    assert (state["pending_recheck"], state["next_lookup_at"]) == (True, at(bank, 0.5))
    behave(bank, "ok")
    bank.advance(60)
    assert results(bank) == [("first_sms", "unavailable", 1), ("recheck", "ok", 1)]
    assert subscriber(bank)["pending_recheck"] is False


def test_a_reset_forgets_lookups_under_way(bank):
    send(bank, NUMBER)
    assert subscriber(bank)["status"] == "pending"
    bank.reset()
    bank.add_account("bank", "bank1", imsi={NUMBER: SIM}, imsi_check={"enabled": True})
    freeze(bank)
    bank.advance(3600)
    state = subscriber(bank)
    assert (state["status"], state["requests"], state["next_lookup_at"]) == ("no_reference", [], None)


def test_lookup_settings_are_shown_and_validated(devino_mock):
    devino_mock.add_account("bank", "bank1", imsi={NUMBER: SIM}, imsi_check={
        "enabled": True, "lookup_delay_ms": 0, "retry_backoff_seconds": [10, 20.5], "on_lookup_error": "block",
        "lookup_behaviour": {"+7 916 949 22 11": "unavailable", "79160000002": "ok"}})
    shown = requests.get(f"{devino_mock.url}/_mock/accounts/bank").json()["imsi_check"]
    assert {k: shown[k] for k in ("lookup_delay_ms", "retry_backoff_seconds", "on_lookup_error", "lookup_behaviour")} \
        == {"lookup_delay_ms": 0, "retry_backoff_seconds": [10, 20.5], "on_lookup_error": "block",
            "lookup_behaviour": {NUMBER: "unavailable"}}
    assert subscriber(devino_mock)["lookup_behaviour"] == "unavailable"
    assert requests.get(f"{devino_mock.url}/_mock/accounts").status_code == 200
    for wrong in ({"lookup_delay_ms": -1}, {"lookup_delay_ms": "500"}, {"lookup_delay_ms": True},
                  {"lookup_delay_ms": 3_600_001}, {"retry_backoff_seconds": 60}, {"retry_backoff_seconds": [-1]},
                  {"retry_backoff_seconds": ["60"]}, {"retry_backoff_seconds": [1] * 11},
                  {"on_lookup_error": "drop"}, {"lookup_behaviour": {NUMBER: "busy"}},
                  {"lookup_behaviour": {"12": "unavailable"}}, {"lookup_behaviour": ["unavailable"]},
                  {"lookup_delay": 5}):
        answer = requests.post(f"{devino_mock.url}/_mock/accounts",
                               json={"login": "x", "password": "y", "imsi_check": wrong})
        assert answer.status_code == 400 and "imsi_check" in answer.json()["error"], (wrong, answer.text)
    answer = requests.post(f"{devino_mock.url}/_mock/imsi",
                           json={"login": "bank", "number": NUMBER, "lookup_behaviour": "busy"})
    assert answer.status_code == 400 and "lookup_behaviour" in answer.json()["error"]
    # Setting the behaviour alone keeps the SIM; "ok" takes the number off the list.
    assert behave(devino_mock, "ok")["current_imsi"] == SIM
    assert requests.get(f"{devino_mock.url}/_mock/accounts/bank").json()["imsi_check"]["lookup_behaviour"] == {}
