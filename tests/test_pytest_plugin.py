"""The plugin as a downstream project uses it: installed, auto-loaded, fixture `devino_mock`."""

import requests

from devino_mock.client import MockClient
from tests.support import FREE_PORTS, EmulatorProcess

DOWNSTREAM_TEST = '''
import requests

def test_my_app_sends_a_code(devino_mock):
    # the application under test would be configured with devino_mock.rest_url
    ids = requests.post(devino_mock.rest_url + "/v2/Sms/Send", data={
        "Login": "test_login", "Password": "test123", "SourceAddress": "MYSHOP",
        "DestinationAddress": "+79161234567", "Data": "Your code: 1234"}).json()
    [sms] = devino_mock.messages(destination="79161234567")
    assert sms["text"] == "Your code: 1234" and sms["id"] == ids[0]
    devino_mock.advance(60)
    assert devino_mock.message(ids[0])["status_name"] == "delivered"

def test_state_is_reset_between_tests(devino_mock):
    assert devino_mock.messages() == []
    assert set(devino_mock.ports) == {"http", "smpp", "smtp", "ftp"}
'''


def test_downstream_project_uses_the_fixture(pytester):
    pytester.makepyfile(test_downstream=DOWNSTREAM_TEST)
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def test_plugin_is_registered_by_entry_point(pytester):
    result = pytester.runpytest_subprocess("--help")
    result.stdout.fnmatch_lines(["*--devino-mock-url*"])


def test_external_server_via_option(pytester):
    with EmulatorProcess(*FREE_PORTS) as emulator:
        pytester.makepyfile(test_downstream=DOWNSTREAM_TEST)
        result = pytester.runpytest_subprocess("-q", f"--devino-mock-url={emulator.url}")
        result.assert_outcomes(passed=2)


SHARED_TEST = '''
import pytest
import requests

@pytest.mark.parametrize("n", range(4))
def test_each_test_sees_only_its_own_account(devino_mock, n):
    assert devino_mock.shared and devino_mock.login.startswith("t_")
    ids = requests.post(devino_mock.rest_url + "/v2/Sms/Send", data={
        "Login": devino_mock.login, "Password": devino_mock.password, "SourceAddress": "MYSHOP",
        "DestinationAddress": "+79161234567", "Data": f"code {n}"}).json()
    mine = devino_mock.messages(login=devino_mock.login)
    assert [m["id"] for m in mine] == ids and mine[0]["text"] == f"code {n}"
'''

LOCAL_XDIST_TEST = '''
def test_one(devino_mock):
    assert devino_mock.messages() == [] and devino_mock.account(devino_mock.login)["login"] == devino_mock.login

def test_two(devino_mock):
    assert devino_mock.messages() == [] and not devino_mock.shared
'''


def test_shared_server_mode_isolates_tests_by_account_across_xdist_workers(pytester):
    with EmulatorProcess(*FREE_PORTS) as emulator:
        other = MockClient(emulator.url)
        other.add_account("bystander", "pw")
        requests.post(f"{emulator.url}/rest/v2/Sms/Send", data={
            "Login": "bystander", "Password": "pw", "SourceAddress": "X", "DestinationAddress": "79161234567",
            "Data": "not yours"})
        pytester.makepyfile(test_shared=SHARED_TEST)
        result = pytester.runpytest_subprocess("-q", "-n", "2", "-p", "no:cacheprovider",
                                               f"--devino-mock-url={emulator.url}", "--devino-mock-shared")
        result.assert_outcomes(passed=4)
        assert [m["text"] for m in other.messages()] == ["not yours"]  # the bystander's stays; the tests' went
        assert not [a for a in other.accounts() if a["login"].startswith("t_") and other.messages(login=a["login"])]


def test_local_servers_work_under_xdist(pytester):
    pytester.makepyfile(test_local=LOCAL_XDIST_TEST)
    result = pytester.runpytest_subprocess("-q", "-n", "2", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
