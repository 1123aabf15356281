"""The plugin as a downstream project uses it: installed, auto-loaded, fixture `devino_mock`."""

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
