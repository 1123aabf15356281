"""What support arranges per account for SMPP (smpp.md §17.1): SMPP enabled or not, a submit rate
for the account over all its sessions, its own session cap; `/_mock/smpp/accounts/{login}`."""

import requests
import smpplib.exceptions

from tests.smpp_support import SmpplibEsme, smpplib_esme

BINDFAIL, THROTTLED = 0x0D, 0x58


def options(devino_mock, login="test_login", **values):
    url = f"{devino_mock.url}/_mock/smpp/accounts/{login}"
    return requests.post(url, json=values) if values else requests.get(url)


def bind_status(devino_mock) -> int:
    esme = SmpplibEsme(devino_mock.ports["smpp"])
    try:
        esme.bind()
        return 0
    except smpplib.exceptions.PDUError as exc:
        return exc.args[1]
    finally:
        esme.close()


def test_an_account_without_smpp_cannot_bind(devino_mock):
    assert options(devino_mock).json() == {"login": "test_login", "enabled": True, "throttle": 0.0, "max_sessions": None}
    options(devino_mock, enabled=False)
    assert bind_status(devino_mock) == BINDFAIL
    options(devino_mock, enabled=True)
    assert bind_status(devino_mock) == 0


def test_the_account_rate_is_shared_by_its_sessions(devino_mock):
    options(devino_mock, throttle=2)
    with smpplib_esme(devino_mock.ports["smpp"]) as first, smpplib_esme(devino_mock.ports["smpp"]) as second:
        assert [first.submit(b"a")[0], first.submit(b"b")[0]] == [0, 0]
        assert second.submit(b"c")[0] == THROTTLED  # the per-session default is unlimited
        devino_mock.advance(1)  # refills on the platform clock
        assert second.submit(b"d")[0] == 0
    assert len(devino_mock.messages(transport="smpp")) == 3


def test_the_account_session_cap(devino_mock):
    options(devino_mock, max_sessions=1)
    with smpplib_esme(devino_mock.ports["smpp"]):
        assert bind_status(devino_mock) == BINDFAIL


def test_options_go_with_the_account_on_reset_and_are_checked(devino_mock):
    options(devino_mock, enabled=False, throttle=1, max_sessions=2)
    devino_mock.reset()
    assert options(devino_mock).json()["enabled"] is True
    assert bind_status(devino_mock) == 0
    for bad in ({"enabled": "no"}, {"throttle": -1}, {"max_sessions": 0}, {"tps": 1}):
        assert options(devino_mock, **bad).status_code == 400, bad
    assert options(devino_mock, login="nobody", enabled=False).status_code == 404
