"""Start-up stays cheap: the protocol libraries only the rare user needs load on first use."""

import subprocess
import sys

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
    from devino_mock.protocols.soap.routes import SERVICES

    assert tuple(spec.path for spec in SERVICES) == soap.PATHS


FTP_PROBE = '''
import ftplib, importlib.util, sys
from devino_mock.server import BackgroundEmulator
with BackgroundEmulator() as emulator:
    with ftplib.FTP() as ftp:
        ftp.connect("127.0.0.1", emulator.ports["ftp"], timeout=10)
        ftp.login("test_login", "test123")
        ftp.nlst()
    loaded = "OpenSSL" in sys.modules
from pyftpdlib.handlers import TLS_FTPHandler  # pyftpdlib's own names, loaded on demand
print(importlib.util.find_spec("OpenSSL") is not None, loaded, TLS_FTPHandler.__name__)
'''


def test_pyopenssl_is_imported_only_for_ftps():
    # pyftpdlib imports pyOpenSSL as it loads when it is installed (it is: FTPS with --tls);
    # without --tls the emulator keeps it out, and pyftpdlib still offers its TLS handler.
    result = subprocess.run([sys.executable, "-W", "error", "-c", FTP_PROBE], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "False", "TLS_FTPHandler"]
