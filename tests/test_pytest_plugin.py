"""The plugin as a downstream project uses it: installed, auto-loaded, fixture `devino_mock`."""

import socket
import subprocess
import sys
import time

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

# pytest-asyncio (a test extra of ours, not part of the plugin) warns on its own; left out.
STRICT_INI = """
[pytest]
filterwarnings =
    error
"""


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_downstream_project_uses_the_fixture(pytester):
    pytester.makepyfile(test_downstream=DOWNSTREAM_TEST)
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def test_plugin_is_registered_by_entry_point(pytester):
    result = pytester.runpytest_subprocess("--help")
    result.stdout.fnmatch_lines(["*--devino-mock-url*", "*--devino-mock-wait*", "*--devino-mock-ports*",
                                 "*--devino-mock-reset-external*", "*--devino-mock-option*"])


def test_loading_the_plugin_imports_nothing_heavy_and_warns_nothing(pytester):
    pytester.makeini(STRICT_INI)
    pytester.makepyfile(test_unrelated='''
import sys

def test_unrelated():
    loaded = {name for name in sys.modules if name.split(".")[0] in
              ("devino_mock", "aiohttp", "spyne", "pyftpdlib", "aiosmtpd", "lxml", "faker", "smpp", "gsm0338")}
    assert "devino_mock.pytest_plugin" in loaded  # the plugin did load
    assert loaded <= {"devino_mock", "devino_mock.pytest_plugin", "devino_mock.client", "devino_mock.config"}, loaded
''')
    # faker (a dependency, for demo traffic) registers a pytest plugin of its own: not ours to judge.
    result = pytester.runpytest_subprocess("-q", "-W", "error", "-p", "no:cacheprovider", "-p", "no:asyncio",
                                           "-p", "no:faker")
    result.assert_outcomes(passed=1)


def test_strict_downstream_suite_uses_every_surface(pytester):
    # filterwarnings = error and -W error: starting the emulator (spyne, pyftpdlib, aiosmtpd)
    # and talking to each surface raises nothing in the test or in the emulator's thread.
    pytester.makeini(STRICT_INI)
    pytester.makepyfile(test_strict='''
import ftplib, smtplib, requests

def test_every_surface(devino_mock):
    assert requests.get(devino_mock.url + "/SmsService.asmx?WSDL").status_code == 200
    with smtplib.SMTP(devino_mock.host, devino_mock.ports["smtp"], timeout=10) as smtp:
        smtp.sendmail("a@example.com", ["email2sms@integrationapi.net"],
                      "Subject: sms\\r\\n\\r\\nUserLogin=test_login\\r\\nPassword=test123\\r\\n"
                      "SourceAddress=MYSHOP\\r\\nPhoneNumber=+79161234567\\r\\nhello\\r\\n")
    with ftplib.FTP() as ftp:
        ftp.connect(devino_mock.host, devino_mock.ports["ftp"], timeout=10)
        ftp.login("test_login", "test123")
    [mail] = devino_mock.mails()
    assert mail["outcome"] == "accepted", mail
    assert len(devino_mock.messages(destination="79161234567")) == 1
''')
    result = pytester.runpytest_subprocess("-q", "-W", "error", "-p", "no:cacheprovider", "-p", "no:asyncio")
    result.assert_outcomes(passed=1)
    assert "Warning" not in result.stdout.str() + result.stderr.str()


def test_settings_come_from_ini_values(pytester, tmp_path):
    fixtures = tmp_path / "fixtures.json"
    fixtures.write_text('{"accounts":[{"login":"ci","password":"ci1","balance":"7"}]}')
    pytester.makeini(f"""
[pytest]
devino_mock_fixtures = {fixtures}
devino_mock_options =
    smpp_max_sessions = 1
    email2sms_strict = true
""")
    pytester.makepyfile(test_settings='''
def test_settings(devino_mock, devino_mock_settings):
    assert float(devino_mock.account("ci")["balance"]) == 7
    assert devino_mock_settings.smpp_max_sessions == 1 and devino_mock_settings.email2sms_strict is True
''')
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_an_unknown_setting_is_a_usage_error(pytester):
    pytester.makepyfile(test_x="def test_x(devino_mock): pass")
    result = pytester.runpytest_subprocess("-q", "--devino-mock-option", "smpp_trottle=3")
    result.stdout.fnmatch_lines(["*unknown setting 'smpp_trottle'*"])
    assert result.ret != 0


def test_external_server_via_option_is_reset_only_when_asked(pytester):
    with EmulatorProcess(*FREE_PORTS) as emulator:
        pytester.makepyfile(test_downstream=DOWNSTREAM_TEST)
        result = pytester.runpytest_subprocess("-q", f"--devino-mock-url={emulator.url}",
                                               "--devino-mock-reset-external")
        result.assert_outcomes(passed=2)
        # Not asked: the state another user of that server made stays.
        result = pytester.runpytest_subprocess("-q", f"--devino-mock-url={emulator.url}")
        result.assert_outcomes(passed=1, failed=1)
        result.stdout.fnmatch_lines(["*test_state_is_reset_between_tests*"])


def test_external_server_ports_as_the_test_sees_them(pytester, monkeypatch):
    with EmulatorProcess(*FREE_PORTS) as emulator:
        monkeypatch.setenv("DEVINO_MOCK_URL", emulator.url + "/")
        monkeypatch.setenv("DEVINO_MOCK_PORTS", "smpp=32775, ftp=32121")
        pytester.makepyfile(test_ports=f'''
def test_ports(devino_mock):
    assert devino_mock.ports == {{"http": {emulator.ports["http"]}, "smpp": 32775,
                                  "smtp": {emulator.ports["smtp"]}, "ftp": 32121}}
    assert devino_mock.url == "{emulator.url}"
''')
        result = pytester.runpytest_subprocess("-q")
        result.assert_outcomes(passed=1)


def test_unreachable_external_server_fails_in_one_line_within_the_wait(pytester):
    url = f"http://127.0.0.1:{_closed_port()}"
    pytester.makepyfile(test_x="def test_a(devino_mock): pass\ndef test_b(devino_mock): pass")
    began = time.monotonic()
    result = pytester.runpytest_subprocess("-q", f"--devino-mock-url={url}", "--devino-mock-wait=0.5")
    took = time.monotonic() - began
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines([f"devino-mock at {url} is not healthy after 0.5 s: *refused*"])
    assert took < 15  # one bounded wait for the session, not one per test
    assert "Traceback" not in result.stdout.str()


def test_external_server_that_turns_healthy_late_is_waited_for(pytester):
    port = _closed_port()
    pytester.makepyfile(test_x='''
def test_a(devino_mock):
    assert devino_mock.health()["status"] == "ok"
''')
    # Start the client first; the server comes up while it waits.
    process = subprocess.Popen([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                                f"--devino-mock-url=http://127.0.0.1:{port}", "--devino-mock-wait=20"],
                               cwd=pytester.path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(1.5)  # real time: the client has started asking before the server exists
    with EmulatorProcess("--http-port", str(port), *FREE_PORTS[2:]):
        out, err = process.communicate(timeout=60)
    assert process.returncode == 0, out.decode() + err.decode()
    assert b"1 passed" in out


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
