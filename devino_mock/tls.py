"""TLS for clients that hard-code the real platform's https:// hosts (the superjob Viber client's
`https://viber.devinotele.com:444/`, SMTP on 587 with STARTTLS and 465 with implicit TLS).

The emulator makes its own certificate authority once, keeps it in a folder outside the
source tree (`--tls-dir`, default the user's cache folder), and issues from it one server
certificate for every host name of the real platform. A test or a container trusts the CA
(`devino-mock ca` prints it) and maps the host names to the emulator (/etc/hosts,
`extra_hosts`, `--add-host`); the client then runs unchanged."""

from __future__ import annotations

import datetime
import ipaddress
import os
import ssl
import tempfile
from dataclasses import dataclass
from pathlib import Path

# Every host name of the real platform the specs name (grep the specs for "devino" and
# "integrationapi"), plus wildcards for the ones they do not, and the local names.
HOST_NAMES = (
    "integrationapi.net", "*.integrationapi.net",
    "ftp.integrationapi.net", "ftp1.integrationapi.net",
    "smpp01.integrationapi.net", "smpp02.integrationapi.net", "smpp03.integrationapi.net", "smpp04.integrationapi.net",
    "devinotele.com", "*.devinotele.com",
    "ws.devinotele.com", "viber.devinotele.com", "im.devinotele.com", "xmlapi.devinotele.com",
    "phoneverification.devinotele.com", "ws-wsdl.devinotele.com", "my.devinotele.com", "www.devinotele.com",
    "devinosms.com", "*.devinosms.com", "ws.devinosms.com",
    "localhost", "devino-mock",
)
IP_ADDRESSES = ("127.0.0.1", "::1")
CA_NAME = "devino-mock local CA (for tests only)"
CA_CERT, CA_KEY = "ca.pem", "ca-key.pem"
SERVER_CERT, SERVER_KEY = "server.pem", "server-key.pem"
CA_DAYS, SERVER_DAYS = 3650, 825  # 825: the longest validity Apple's TLS clients accept


@dataclass(frozen=True)
class TlsFiles:
    folder: Path
    ca_cert: Path
    server_cert: Path
    server_key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.server_cert, self.server_key)
        return context

    def client_context(self) -> ssl.SSLContext:
        """A client context trusting the emulator's CA, as a test would build it."""
        return ssl.create_default_context(cafile=str(self.ca_cert))


def default_folder() -> Path:
    """The user's cache folder (XDG), never the source tree; a temporary one if that is not writable."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    folder = base / "devino-mock" / "tls"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".write-test"
        probe.touch()
        probe.unlink()
        return folder
    except OSError:
        return Path(tempfile.gettempdir()) / f"devino-mock-tls-{os.getuid() if hasattr(os, 'getuid') else 'user'}"


def ensure(folder: str | Path | None = None, extra_names: tuple[str, ...] = ()) -> TlsFiles:
    """The CA and the server certificate in `folder`, made on first use; the server
    certificate is made again when it lacks a wanted name or is close to expiry."""
    # cryptography is imported here, not at module level: only --tls pays for it.
    from cryptography import x509

    folder = Path(folder) if folder else default_folder()
    folder.mkdir(parents=True, exist_ok=True)
    files = TlsFiles(folder, folder / CA_CERT, folder / SERVER_CERT, folder / SERVER_KEY)
    ca_key_path = folder / CA_KEY
    if not (files.ca_cert.exists() and ca_key_path.exists()):
        _make_ca(files.ca_cert, ca_key_path)
    names = tuple(dict.fromkeys((*HOST_NAMES, *extra_names)))
    if files.server_cert.exists() and files.server_key.exists():
        current = x509.load_pem_x509_certificate(files.server_cert.read_bytes())
        issuer = x509.load_pem_x509_certificate(files.ca_cert.read_bytes())
        try:
            present = set(current.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
                          .get_values_for_type(x509.DNSName))
        except x509.ExtensionNotFound:
            present = set()
        fresh = current.not_valid_after_utc - _now() > datetime.timedelta(days=30)
        if set(names) <= present and fresh and current.issuer == issuer.subject:
            return files
    _make_server(files, ca_key_path, names)
    return files


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def _write(path: Path, data: bytes, mode: int = 0o644) -> None:
    # Written next to its final name and renamed: a second emulator starting at the same time
    # never reads half a file. Keys are private (0600), certificates public.
    temporary = path.with_suffix(path.suffix + f".{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.replace(temporary, path)


def _key_pem(key) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _make_ca(cert_path: Path, key_path: Path) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, CA_NAME),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "devino-mock")])
    now = _now()
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=CA_DAYS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                         content_commitment=False, key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
    _write(key_path, _key_pem(key), 0o600)
    _write(cert_path, cert.public_bytes(serialization.Encoding.PEM))


def _make_server(files: TlsFiles, ca_key_path: Path, names: tuple[str, ...]) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    ca_cert = x509.load_pem_x509_certificate(files.ca_cert.read_bytes())
    ca_key = serialization.load_pem_private_key(ca_key_path.read_bytes(), password=None)
    key = ec.generate_private_key(ec.SECP256R1())
    now = _now()
    alt_names = [x509.DNSName(n) for n in names] + [x509.IPAddress(ipaddress.ip_address(a)) for a in IP_ADDRESSES]
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "integrationapi.net")]))
            .issuer_name(ca_cert.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=SERVER_DAYS))
            .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    _write(files.server_key, _key_pem(key), 0o600)
    _write(files.server_cert, cert.public_bytes(serialization.Encoding.PEM))
