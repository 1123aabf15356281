"""Explicit FTPS (AUTH TLS, RFC 4217) on the FTP port with --tls: ftplib.FTP_TLS that trusts the
emulator's CA logs in, protects the data channel and drops an archive that the next poll
processes; plain FTP keeps working on the same port; a client that does not trust the CA, or
asks for a name the certificate does not carry, is refused. Without --tls nothing changes."""

from __future__ import annotations

import contextlib
import ftplib
import io
import os
import socket
import ssl
import subprocess
import sys
import threading

import pytest

from devino_mock import tls
from devino_mock.client import MockClient
from devino_mock.config import Settings
from devino_mock.server import BackgroundEmulator
from tests.ftp_helpers import NAME, plain_archive

FTP_HOSTS = ("ftp1.integrationapi.net", "ftp.integrationapi.net")  # both named by the documentation


@pytest.fixture(scope="module")
def secure(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tls")
    settings = Settings.ephemeral(tls=True, tls_dir=str(folder), https_port=0, smtps_port=0)
    with BackgroundEmulator(settings) as emulator:
        yield emulator, folder


@pytest.fixture
def mock(secure) -> MockClient:
    emulator, _ = secure
    client = MockClient(emulator.base_url)
    client.reset()
    return client


def trusting(folder) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(folder / "ca.pem"))


def ftps(secure, host: str | None = None, context: ssl.SSLContext | None = None) -> ftplib.FTP_TLS:
    """Connected to 127.0.0.1 but checking the certificate for `host`, as a client configured
    with the real name would once that name points at the emulator."""
    emulator, folder = secure
    client = ftplib.FTP_TLS(context=context or trusting(folder), timeout=10)
    client.connect("127.0.0.1", emulator.ports["ftp"])
    if host:
        client.host = host  # FTP_TLS wraps the control and data sockets with server_hostname=self.host
    return client


def test_upload_over_ftps_is_processed_at_the_next_poll(secure, mock):
    with ftps(secure) as client:
        assert client.auth().startswith("234")
        assert client.login("test_login", "test123").startswith("230")
        assert client.prot_p().startswith("200")
        assert client.sock.version() in ("TLSv1.2", "TLSv1.3")
        reply = client.storbinary(f"STOR {NAME}", io.BytesIO(plain_archive(
            "TELNR_LONG;TEXT\n79161234567;Через FTPS\n")))
        assert reply.startswith("226")
        assert client.nlst() == [NAME]  # recorded before 226: the listing has it at once
    [pending] = mock.ftp_files(login="test_login")
    assert pending["status"] == "pending"
    mock.advance(10)
    [upload] = mock.ftp_files(login="test_login")
    assert upload["status"] == "processed" and upload["accepted"] == 1, upload
    [message] = mock.messages(transport="ftp")
    assert message["text"] == "Через FTPS" and message["id"] == upload["message_ids"][0]


def test_download_over_a_protected_data_channel(secure, mock):
    # pyftpdlib sends files with sendfile() unless the data socket is TLS: this checks that
    # listener.py's stand-in for pyftpdlib.utils.SSL tells it so.
    data = os.urandom(1_500_000)
    with ftps(secure) as client:
        client.login("test_login", "test123")
        client.prot_p()
        client.storbinary("STOR notes.bin", io.BytesIO(data))
        received = io.BytesIO()
        assert client.retrbinary("RETR notes.bin", received.write).startswith("226")
    assert received.getvalue() == data


@pytest.mark.parametrize("version", [ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3], ids=["TLSv1.2", "TLSv1.3"])
def test_empty_transfers_over_a_protected_data_channel(secure, mock, version):
    # An empty listing used to reach pyOpenSSL as a write of 0 bytes, which failed and closed the
    # data channel mid-handshake: ftplib then raised SHUTDOWN_WHILE_IN_INIT, most often on TLS 1.2.
    _, folder = secure
    context = trusting(folder)
    context.maximum_version = version
    with ftps(secure, context=context) as client:
        client.login("test_login", "test123")
        client.prot_p()
        assert client.sock.version() == version.name.replace("v1_", "v1.")
        for _ in range(20):
            assert client.nlst() == []
            assert client.mlsd() is not None and list(client.mlsd()) == []
        client.storbinary("STOR empty.bin", io.BytesIO(b""))
        received = io.BytesIO()
        assert client.retrbinary("RETR empty.bin", received.write).startswith("226")
    assert received.getvalue() == b""


@contextlib.contextmanager
def loop_held(emulator: BackgroundEmulator):
    """The emulator's event loop busy until the block ends. The FTP thread asks the loop for
    the injected faults of every command it reads, so it stops there too: whatever a client
    sends meanwhile waits in the sockets, and is served in the order it arrived."""
    entered, release = threading.Event(), threading.Event()

    def hold() -> None:
        entered.set()
        release.wait(10)

    holder = threading.Thread(target=emulator.call, args=(hold,))
    holder.start()
    try:
        assert entered.wait(10)
        yield
    finally:
        release.set()
        holder.join(10)


def test_an_empty_listing_that_meets_the_end_of_the_handshake(secure, mock):
    # pyftpdlib hands an empty listing to the TLS layer as a write of 0 bytes. When that write is
    # what finishes the handshake, OpenSSL reports an error (SSL_write of 0 bytes is undefined)
    # and the data channel used to be dropped without close_notify. Forced here: the client's
    # Finished is already in the data socket, unread, when the server handles the NLST that sends
    # the listing (the FTP thread is held on the event loop, loop_held, while both arrive).
    emulator, folder = secure
    context = trusting(folder)
    context.minimum_version = ssl.TLSVersion.TLSv1_3  # the client's Finished is the handshake's last word
    with ftps(secure, context=context) as client:
        client.login("test_login", "test123")
        client.prot_p()
        _, port = ftplib.parse227(client.sendcmd("PASV"))
        with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
            incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
            data = context.wrap_bio(incoming, outgoing, server_hostname="127.0.0.1")
            while True:
                try:
                    data.do_handshake()
                    break
                except ssl.SSLWantReadError:
                    raw.sendall(outgoing.read())
                    incoming.write(raw.recv(65536))
            finished = outgoing.read()  # the client is done; the server does not know yet
            assert finished
            with loop_held(emulator):
                client.putcmd("NLST")  # ready before the Finished: the FTP thread reads it first
                raw.sendall(finished)
            assert client.getresp().startswith("125")
            listing = b""
            while True:
                try:
                    piece = data.read(65536)
                except ssl.SSLWantReadError:
                    received = raw.recv(65536)
                    incoming.write(received) if received else incoming.write_eof()
                    continue
                if not piece:  # close_notify; an end without it raises SSLEOFError
                    break
                listing += piece
        assert client.voidresp().startswith("226")
    assert listing == b""


def test_prot_c_keeps_the_data_channel_clear(secure, mock):
    with ftps(secure) as client:
        client.login("test_login", "test123")
        client.prot_p()  # PBSZ 0, PROT P: RFC 4217 wants PBSZ before any PROT
        assert client.prot_c().startswith("200")
        client.storbinary(f"STOR {NAME}", io.BytesIO(plain_archive()))
        assert client.nlst() == [NAME]
    mock.advance(10)
    assert [f["status"] for f in mock.ftp_files(login="test_login")] == ["processed"]


@pytest.mark.parametrize("host", FTP_HOSTS)
def test_the_certificate_names_the_ftp_hosts(secure, mock, host):
    with ftps(secure, host) as client:
        client.login("test_login", "test123")  # FTP_TLS.login sends AUTH TLS first
        client.prot_p()
        assert client.nlst() == []  # the data channel is verified for the same name


def test_plain_ftp_still_works_on_the_same_port(secure, mock):
    emulator, _ = secure
    with ftplib.FTP() as client:
        client.connect("127.0.0.1", emulator.ports["ftp"], timeout=10)
        client.login("test_login", "test123")
        assert client.storbinary(f"STOR {NAME}", io.BytesIO(plain_archive())).startswith("226")
        with pytest.raises(ftplib.error_perm, match="^503"):  # PROT means nothing without AUTH
            client.sendcmd("PROT P")
    mock.advance(10)
    assert [f["status"] for f in mock.ftp_files(login="test_login")] == ["processed"]


def test_a_client_that_does_not_trust_the_ca_is_refused(secure, mock):
    with ftps(secure, context=ssl.create_default_context()) as client:  # the system's CAs only
        with pytest.raises(ssl.SSLCertVerificationError):
            client.auth()
    with ftps(secure, host="example.com") as client:  # trusted CA, a name the certificate lacks
        with pytest.raises(ssl.SSLCertVerificationError):
            client.auth()
    with ftps(secure) as client:  # the failed handshakes left the server as it was
        client.login("test_login", "test123")
        assert client.nlst() == []


def test_feat_offers_auth_tls(secure, mock):
    with ftps(secure) as client:
        features = client.sendcmd("FEAT")
    assert " AUTH TLS" in features and " PBSZ" in features and " PROT" in features


def test_without_tls_auth_is_not_understood(devino_mock):
    with ftplib.FTP_TLS(timeout=10) as client:
        client.connect(devino_mock.host, devino_mock.ports["ftp"])
        assert "AUTH" not in client.sendcmd("FEAT")
        with pytest.raises(ftplib.error_perm, match="^500"):
            client.auth()
        assert client.login("test_login", "test123", secure=False).startswith("230")  # goes on, plain


def test_a_kept_certificate_without_the_ftp_names_is_made_again(tmp_path):
    # A --tls-dir from before a name was added: ensure() issues a new certificate with it.
    from cryptography import x509

    files = tls.ensure(tmp_path)
    older = tuple(name for name in tls.HOST_NAMES if not name.startswith("ftp"))
    tls._make_server(files, tmp_path / tls.CA_KEY, older)

    def names() -> set[str]:
        cert = x509.load_pem_x509_certificate(files.server_cert.read_bytes())
        return set(cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
                   .get_values_for_type(x509.DNSName))

    assert not names() & set(FTP_HOSTS)
    tls.ensure(tmp_path)
    assert set(FTP_HOSTS) <= names()


WITHOUT_PYOPENSSL = """
import sys, tempfile
sys.modules["OpenSSL"] = None  # as if pyOpenSSL were not installed
from devino_mock.config import Settings
from devino_mock.server import BackgroundEmulator, ListenerError
try:
    BackgroundEmulator(Settings.ephemeral(tls=True, tls_dir=tempfile.mkdtemp(), https_port=0, smtps_port=0)).start()
except ListenerError as exc:
    print(exc)
"""


def test_without_pyopenssl_tls_says_what_is_missing():
    result = subprocess.run([sys.executable, "-W", "error", "-c", WITHOUT_PYOPENSSL], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("cannot offer FTPS with --tls: ") and "pyOpenSSL" in result.stdout


def test_the_drop_folder_handler_leaves_to_ftphandler_what_the_tls_handler_calls_by_name():
    from pyftpdlib.handlers.ftps.data import TLS_DTPHandler

    from devino_mock.protocols.ftp.ftps import TlsBoundedDTPHandler, TlsDropFolderHandler
    from devino_mock.protocols.ftp.listener import BoundedDTPHandler, DropFolderHandler

    assert not {"process_command", "close", "flush_account"} & set(vars(DropFolderHandler))
    # The drop folder's parts are still in the chain, after the TLS layer's.
    assert TlsDropFolderHandler.ftp_STOR is DropFolderHandler.ftp_STOR
    assert TlsDropFolderHandler.dtp_handler is TlsBoundedDTPHandler
    chain = TlsBoundedDTPHandler.__mro__
    assert chain.index(TLS_DTPHandler) < chain.index(BoundedDTPHandler)
