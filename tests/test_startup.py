"""Start-up stays cheap: the protocol libraries only the rare user needs load on first use."""

import subprocess
import sys
import warnings

from devino_mock.protocols import soap

LAZY_PROBE = '''
import sys, urllib.request
from devino_mock.server import BackgroundEmulator
with BackgroundEmulator() as emulator:
    before = {module!r} in sys.modules
    with urllib.request.urlopen(emulator.base_url + {path!r}) as r:
        answer = r.read()
    after = {module!r} in sys.modules
print(before, after, {expected!r} in answer)
'''

FTP_PROBE = '''
import ftplib
from devino_mock.server import BackgroundEmulator
with BackgroundEmulator() as emulator:
    with ftplib.FTP() as ftp:
        ftp.connect("127.0.0.1", emulator.ports["ftp"], timeout=10)
        ftp.login("test_login", "test123")
        print(ftp.sendcmd("FEAT").count("AUTH TLS"), len(ftp.nlst()))
'''


def run_probe(code: str) -> list[str]:
    """What `code` prints in a fresh interpreter where any warning is an error."""
    result = subprocess.run([sys.executable, "-W", "error", "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_spyne_is_imported_on_the_first_soap_request_not_at_start():
    probe = LAZY_PROBE.format(module="spyne", path="/smsservice.asmx?wsdl", expected=b"SendMessage")
    assert run_probe(probe) == ["False", "True", "True"]


def test_prometheus_client_is_imported_on_the_first_scrape_not_at_start():
    probe = LAZY_PROBE.format(module="prometheus_client", path="/_mock/metrics", expected=b"devino_mock_messages")
    assert run_probe(probe) == ["False", "True", "True"]


def test_the_lazy_paths_are_the_served_ones():
    with warnings.catch_warnings():  # as the SOAP surface itself loads spyne (soap/__init__.py)
        warnings.simplefilter("ignore", DeprecationWarning)
        from devino_mock.protocols.soap import spyne_compat  # noqa: F401
        from devino_mock.protocols.soap.routes import SERVICES

    assert tuple(spec.path for spec in SERVICES) == soap.PATHS


def test_the_ftp_listener_starts_without_a_warning_and_offers_no_tls_without_it():
    # pyftpdlib imports asyncore (deprecated) and, when it is installed, pyOpenSSL: a test
    # process with -W error must still be able to start the emulator.
    assert run_probe(FTP_PROBE) == ["0", "0"]
