"""Start-up stays cheap: the protocol libraries only the rare user needs load on first use."""

import subprocess
import sys
import warnings

from devino_mock.protocols import soap

PROBE = '''
import sys, urllib.request
from devino_mock.server import BackgroundEmulator
with BackgroundEmulator() as emulator:
    before = "spyne" in sys.modules
    with urllib.request.urlopen(emulator.base_url + "/smsservice.asmx?wsdl") as r:
        wsdl = r.read()
    after = "spyne" in sys.modules
print(before, after, b"SendMessage" in wsdl)
'''


def test_spyne_is_imported_on_the_first_soap_request_not_at_start():
    result = subprocess.run([sys.executable, "-W", "error", "-c", PROBE], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True", "True"]


def test_the_lazy_paths_are_the_served_ones():
    with warnings.catch_warnings():  # as the SOAP surface itself loads spyne (soap/__init__.py)
        warnings.simplefilter("ignore", DeprecationWarning)
        from devino_mock.protocols.soap import spyne_compat  # noqa: F401
        from devino_mock.protocols.soap.routes import SERVICES

    assert tuple(spec.path for spec in SERVICES) == soap.PATHS


FTP_PROBE = '''
import ftplib
from devino_mock.server import BackgroundEmulator
with BackgroundEmulator() as emulator:
    with ftplib.FTP() as ftp:
        ftp.connect("127.0.0.1", emulator.ports["ftp"], timeout=10)
        ftp.login("test_login", "test123")
        print(ftp.sendcmd("FEAT").count("AUTH TLS"), len(ftp.nlst()))
'''


def test_the_ftp_listener_starts_without_a_warning_and_offers_no_tls_without_it():
    # pyftpdlib imports asyncore (deprecated) and, when it is installed, pyOpenSSL: a test
    # process with -W error must still be able to start the emulator.
    result = subprocess.run([sys.executable, "-W", "error", "-c", FTP_PROBE], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["0", "0"]


METRICS_PROBE = '''
import sys, urllib.request
from devino_mock.server import BackgroundEmulator
with BackgroundEmulator() as emulator:
    before = "prometheus_client" in sys.modules
    with urllib.request.urlopen(emulator.base_url + "/_mock/metrics") as r:
        text = r.read()
    after = "prometheus_client" in sys.modules
print(before, after, b"devino_mock_messages" in text)
'''


def test_prometheus_client_is_imported_on_the_first_scrape_not_at_start():
    result = subprocess.run([sys.executable, "-W", "error", "-c", METRICS_PROBE], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True", "True"]
