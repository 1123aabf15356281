"""Explicit FTPS (AUTH TLS, RFC 4217) on the drop folder's own port, with --tls: the chapter's
title says "FTP/FTPS" (ftp.md). pyftpdlib's TLS handler (over pyOpenSSL) in front of the drop
folder's, with the certificate of tls.py, which names ftp1.integrationapi.net and
ftp.integrationapi.net. TLS is offered, never required: plain FTP keeps working on the port.

Imported only with --tls (listener.serve). (pyftpdlib itself imports pyOpenSSL whenever it is
installed; hiding it while pyftpdlib loads would save ~20 ms of start-up for a monkeypatch.)"""

from __future__ import annotations

from OpenSSL import SSL
from pyftpdlib.handlers.ftps.control import TLS_FTPHandler
from pyftpdlib.handlers.ftps.data import TLS_DTPHandler

from devino_mock.protocols.ftp.listener import BoundedDTPHandler, DropFolderHandler

# OpenSSL's SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER, which pyOpenSSL names no constant for: a send
# that OpenSSL could not finish is retried by pyftpdlib with the same bytes in a new buffer.
# CPython's ssl sets it always, pyOpenSSL from 25.2 on; set here for the older ones.
ACCEPT_MOVING_WRITE_BUFFER = 0x2


class TlsBoundedDTPHandler(TLS_DTPHandler, BoundedDTPHandler):
    """A data channel in TLS after PROT P (TLS_DTPHandler), with the drop folder's size limit
    and upload reports (BoundedDTPHandler) beneath: the TLS layer reads and closes first, then
    hands over, so an upload is still recorded before the client hears 226."""

    def send(self, data) -> int:
        # An empty listing (NLST/LIST/MLSD of an empty folder) reaches send() as b"": asynchat
        # drops an empty buffer but still sends it. A plain socket sends nothing; OpenSSL leaves
        # SSL_write of 0 bytes undefined, and when that call is the one that finishes the
        # handshake it returns 0, which pyOpenSSL raises as SysCallError("Unexpected EOF").
        # pyftpdlib then dropped the data channel without close_notify, and the client saw a
        # broken TLS session (SSLEOFError, or SHUTDOWN_WHILE_IN_INIT in ftplib).
        if not data:
            return 0
        return super().send(data)


class TlsDropFolderHandler(TLS_FTPHandler, DropFolderHandler):
    """AUTH TLS/SSL, PBSZ and PROT C/P from pyftpdlib, before the drop folder's faults, journal,
    quota and upload reports. `ssl_context` is set on each server's subclass (listener.serve).
    TLS_FTPHandler calls FTPHandler's process_command, close and flush_account by name, past
    DropFolderHandler: it must not define them (a test checks)."""

    dtp_handler = TlsBoundedDTPHandler
    tls_control_required = False  # not required by default: plain FTP keeps working
    tls_data_required = False


def server_context(files) -> SSL.Context:
    """The server side of the emulator's certificate (tls.TlsFiles), with the floor that the
    HTTPS and SMTP listeners' ssl.create_default_context has: TLS 1.2."""
    context = SSL.Context(SSL.TLS_SERVER_METHOD)
    context.set_min_proto_version(SSL.TLS1_2_VERSION)
    context.set_options(SSL.OP_NO_COMPRESSION)
    context.set_mode(ACCEPT_MOVING_WRITE_BUFFER)
    context.use_certificate_chain_file(str(files.server_cert))
    context.use_privatekey_file(str(files.server_key))
    context.check_privatekey()
    return context
