"""`devino-mock`: serve every protocol in one process, or check a running one's health."""

from __future__ import annotations

import argparse
import asyncio
import difflib
import json
import logging
import os
import signal
import sys
import urllib.request

from devino_mock import __version__
from devino_mock.config import Settings

# The emulator and its protocol libraries are imported only by `serve` (devino_mock.server):
# `healthcheck`, `--help` and usage errors stay fast.

ENV_PREFIX = "DEVINO_MOCK_"
DEFAULTS = Settings()
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
# Read by the pytest plugin (pytest_plugin.py), not by the server; a shared CI environment
# often sets them next to the server's own.
PLUGIN_VARIABLES = ("URL", "WAIT", "PORTS", "RESET_EXTERNAL", "FIXTURES", "SHARED", "ARTIFACTS")
# Libraries whose INFO lines drown the emulator's (spyne's registry, aiosmtpd's and
# pyftpdlib's per-command lines); their DEBUG lines (spyne: hundreds at start-up) are never
# the emulator's business. At --log-level DEBUG they show INFO, else WARNING.
LIBRARY_LOGGERS = ("spyne", "mail.log", "pyftpdlib", "asyncio")


def _env(name: str, default: object) -> object:
    return os.environ.get(ENV_PREFIX + name.upper(), default)


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port out of range: {port}")
    return port


def _flag(name: str) -> bool:
    return str(_env(name, "")).strip().lower() in ("1", "true", "yes", "on")


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be above 0: {text!r}")
    return value


def _port_range(text: str) -> str:
    from devino_mock.protocols.ftp.listener import parse_port_range

    try:
        parse_port_range(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text!r}")
    return value


def _non_negative(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be 0 or more: {text!r}")
    return value


def _positive(text: str) -> float:
    value = _non_negative(text)
    if value == 0:
        raise argparse.ArgumentTypeError(f"must be above 0: {text!r}")
    return value


SMPP_OPTIONS = (
    ("smpp_max_sessions", _count, "bound SMPP sessions per account; one more bind gets ESME_RBINDFAIL"),
    ("smpp_throttle", _non_negative, "submit_sm/data_sm per second per SMPP session before ESME_RTHROTTLED (0: unlimited)"),
    ("smpp_deliver_window", _count, "unanswered deliver_sm (receipts, MO) per SMPP session"),
    ("smpp_deliver_timeout", _positive, "virtual seconds to wait for deliver_sm_resp before sending a deliver_sm again"),
    ("smpp_enquire_link_interval", _non_negative, "real seconds of ESME silence before the SMSC sends enquire_link (0: never)"),
    ("smpp_link_timeout", _positive, "real seconds the SMSC waits for enquire_link_resp, unbind_resp or the rest of a PDU"),
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="devino-mock",
        description="Emulator of the Devino Telecom messaging platform: REST, SOAP, XML, SMPP, SMTP and FTP "
        "in one process. Every option also reads the environment variable DEVINO_MOCK_<NAME> "
        "(e.g. DEVINO_MOCK_HTTP_PORT); the command line wins.",
    )
    parser.add_argument("command", nargs="?", default="serve", choices=("serve", "healthcheck", "ca"),
                        help="serve (default) runs the emulator; healthcheck asks a running one for "
                        "GET /_mock/health and exits 0 when it is healthy; ca prints the certificate of the "
                        "local CA that signs the --tls certificate (made on first use, in --tls-dir)")
    parser.add_argument("--host", default=_env("host", DEFAULTS.host),
                        help="bind address (env DEVINO_MOCK_HOST, default %(default)s)")
    parser.add_argument("--http-port", type=_port, default=_env("http_port", DEFAULTS.http_port),
                        help="HTTP port for REST, SOAP, XML, JSON APIs and /_mock/ (env DEVINO_MOCK_HTTP_PORT, default %(default)s; 0 = any free port)")
    parser.add_argument("--smpp-port", type=_port, default=_env("smpp_port", DEFAULTS.smpp_port),
                        help="SMPP SMSC port (env DEVINO_MOCK_SMPP_PORT, default %(default)s)")
    for name, kind, text in SMPP_OPTIONS:
        parser.add_argument("--" + name.replace("_", "-"), type=kind, default=_env(name, getattr(DEFAULTS, name)),
                            help=f"{text} (env DEVINO_MOCK_{name.upper()}, default %(default)s)")
    parser.add_argument("--smtp-port", type=_port, default=_env("smtp_port", DEFAULTS.smtp_port),
                        help="SMTP port for Email2SMS and the e-mail API (env DEVINO_MOCK_SMTP_PORT, default %(default)s)")
    parser.add_argument("--ftp-port", type=_port, default=_env("ftp_port", DEFAULTS.ftp_port),
                        help="FTP drop-folder port (env DEVINO_MOCK_FTP_PORT, default %(default)s)")
    parser.add_argument("--ftp-root", default=_env("ftp_root", None),
                        help="folder holding one FTP home per account (env DEVINO_MOCK_FTP_ROOT; default: DIR/ftp "
                        "with --data-dir DIR, else a fresh temporary folder, removed on exit)")
    parser.add_argument("--ftp-poll-interval", type=_seconds, default=_env("ftp_poll_interval", DEFAULTS.ftp_poll_interval),
                        help="virtual seconds between two looks at the FTP folders (env DEVINO_MOCK_FTP_POLL_INTERVAL, "
                        "default %(default)s as documented)")
    parser.add_argument("--ftp-passive-ports", type=_port_range, default=_env("ftp_passive_ports", None),
                        help="FTP passive data ports, e.g. 60000-60099 (env DEVINO_MOCK_FTP_PASSIVE_PORTS; default: any free port)")
    parser.add_argument("--ftp-masquerade-address", default=_env("ftp_masquerade_address", None),
                        help="IP address announced in FTP PASV replies, for Docker or NAT (env DEVINO_MOCK_FTP_MASQUERADE_ADDRESS)")
    parser.add_argument("--fixtures", default=_env("fixtures", None),
                        help="JSON file with more accounts, rules and time zones (env DEVINO_MOCK_FIXTURES)")
    parser.add_argument("--log-level", default=_env("log_level", DEFAULTS.log_level),
                        choices=LOG_LEVELS, type=str.upper,
                        help="log level on stderr (env DEVINO_MOCK_LOG_LEVEL, default %(default)s)")
    parser.add_argument("--data-dir", default=_env("data_dir", None),
                        help="keep the whole state in SQLite in this folder, so a restart continues where it "
                        "stopped (env DEVINO_MOCK_DATA_DIR; default: in memory)")
    parser.add_argument("--max-messages", default=_env("max_messages", None),
                        help="keep at most this many messages in the journal, dropping the oldest "
                        "(env DEVINO_MOCK_MAX_MESSAGES; default: no cap)")
    parser.add_argument("--email2sms-strict", action="store_true", default=_flag("email2sms_strict"),
                        help="answer an Email2SMS mail that cannot become SMS with '554 5.6.0 Email2SMS: <reason>' "
                        "instead of 250 (env DEVINO_MOCK_EMAIL2SMS_STRICT=1; default off: Email2SMS documents no error reply)")
    parser.add_argument("--soap-stats-inprogress", action="store_true", default=_flag("soap_stats_inprogress"),
                        help="SOAP GetStatistics writes <InProgress>, as two documentation examples do, instead of "
                        "the tables' <InProcess>, in the WSDL and the answers (env DEVINO_MOCK_SOAP_STATS_INPROGRESS=1)")
    parser.add_argument("--soap-incoming-createdateutc", action="store_true", default=_flag("soap_incoming_createdateutc"),
                        help="SOAP GetIncomingMessages writes <CreateDateUtc>, as two documentation examples do, instead "
                        "of <CreatedDateUtc> (env DEVINO_MOCK_SOAP_INCOMING_CREATEDATEUTC=1)")
    parser.add_argument("--tls", action="store_true", default=_flag("tls"),
                        help="also serve HTTPS on --https-port, STARTTLS on the SMTP port, implicit TLS on "
                        "--smtps-port and explicit FTPS (AUTH TLS) on the FTP port, with a certificate for the "
                        "real Devino host names signed by a local CA (env DEVINO_MOCK_TLS=1)")
    parser.add_argument("--tls-dir", default=_env("tls_dir", None),
                        help="folder for the local CA and the certificate (env DEVINO_MOCK_TLS_DIR; default: "
                        "~/.cache/devino-mock/tls)")
    parser.add_argument("--https-port", type=_port, default=_env("https_port", DEFAULTS.https_port),
                        help="HTTPS port with --tls (env DEVINO_MOCK_HTTPS_PORT, default %(default)s; the real Viber API uses 444)")
    parser.add_argument("--smtps-port", type=_port, default=_env("smtps_port", DEFAULTS.smtps_port),
                        help="SMTP implicit-TLS port with --tls (env DEVINO_MOCK_SMTPS_PORT, default %(default)s; the real platform uses 465)")
    parser.add_argument("--version", action="version", version=f"devino-mock {__version__}")
    return parser


def parse_settings(argv: list[str] | None = None) -> tuple[str, Settings]:
    parser = build_parser()
    args = parser.parse_args(argv)
    # Environment values arrive as strings; run them through the same checks.
    try:
        ports = {name: _port(str(getattr(args, name)))
                 for name in ("http_port", "smpp_port", "smtp_port", "ftp_port", "https_port", "smtps_port")}
        smpp = {name: kind(str(getattr(args, name))) for name, kind, _ in SMPP_OPTIONS}
        ftp = {"ftp_root": args.ftp_root, "ftp_poll_interval": _seconds(str(args.ftp_poll_interval)),
               "ftp_passive_ports": _port_range(args.ftp_passive_ports) if args.ftp_passive_ports else None,
               "ftp_masquerade_address": args.ftp_masquerade_address}
        store = {"data_dir": args.data_dir or None,
                 "max_messages": _count(str(args.max_messages)) if args.max_messages not in (None, "") else None}
        # argparse checks `choices` only on the command line, not on a default from the environment.
        if args.log_level not in LOG_LEVELS:
            raise argparse.ArgumentTypeError(f"invalid log level {args.log_level!r} "
                                             f"(choose from {', '.join(LOG_LEVELS)}; env DEVINO_MOCK_LOG_LEVEL)")
    except argparse.ArgumentTypeError as exc:
        # Mostly a value from the environment: one line, no usage block (it would not show
        # where the value came from anyway).
        print(f"devino-mock: error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    return args.command, Settings(host=args.host, fixtures=args.fixtures, log_level=args.log_level,
                                  email2sms_strict=args.email2sms_strict, tls=args.tls, tls_dir=args.tls_dir,
                                  soap_stats_inprogress=args.soap_stats_inprogress,
                                  soap_incoming_createdateutc=args.soap_incoming_createdateutc,
                                  **ftp, **smpp, **ports, **store)


def unknown_environment(environ: dict[str, str] | None = None) -> list[str]:
    """DEVINO_MOCK_* variables nobody reads: usually a typo that silently changes nothing."""
    environ = os.environ if environ is None else environ
    known = {ENV_PREFIX + action.dest.upper() for action in build_parser()._actions}
    known.update(ENV_PREFIX + name for name in PLUGIN_VARIABLES)
    lines = []
    for name in sorted(n for n in environ if n.startswith(ENV_PREFIX) and n not in known):
        guess = difflib.get_close_matches(name, known, n=1)
        lines.append(f"unknown environment variable {name} ignored" + (f" (did you mean {guess[0]}?)" if guess else ""))
    return lines


async def serve(settings: Settings) -> int:
    # Signal handlers first: a SIGTERM or SIGINT that arrives while the listeners start, or
    # right after the ready line, stops the emulator cleanly (exit 0) instead of killing it.
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    from devino_mock.server import Emulator

    emulator = Emulator(settings)
    await emulator.start()
    # What start-up built (every module, a journal loaded from --data-dir) lives as long as
    # the process: out of the collector's way, as a large job's records are.
    from devino_mock.gcpolicy import settle

    settle()
    if not stop.is_set():  # asked to stop while starting: never claim to be ready
        ports = " ".join(f"{name}={port}" for name, port in emulator.ports.items())
        logging.getLogger("devino_mock").info("devino-mock %s ready on %s: %s", __version__, settings.host, ports)
    try:
        await stop.wait()
    finally:
        logging.getLogger("devino_mock").info("stopping")
        await emulator.stop()
    return 0


def healthcheck(settings: Settings) -> int:
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "", "::") else settings.host
    try:
        with urllib.request.urlopen(f"http://{host}:{settings.http_port}/_mock/health", timeout=3) as response:
            healthy = response.status == 200 and json.load(response).get("status") == "ok"
    except (OSError, ValueError) as exc:
        print(f"devino-mock unhealthy: {exc}", file=sys.stderr)
        return 1
    print("devino-mock healthy" if healthy else "devino-mock unhealthy")
    return 0 if healthy else 1


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(argv)
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM while importing or starting
        return 0


def _main(argv: list[str] | None) -> int:
    command, settings = parse_settings(argv)
    if command == "healthcheck":
        return healthcheck(settings)
    if command == "ca":
        from devino_mock import tls

        files = tls.ensure(settings.tls_dir)
        sys.stdout.write(files.ca_cert.read_text())
        print(f"devino-mock: CA certificate {files.ca_cert}", file=sys.stderr)
        return 0
    # Until the event loop's handlers take over in serve(), SIGTERM ends the start-up like
    # Ctrl-C does: exit 0, no "killed by signal 15".
    signal.signal(signal.SIGTERM, _interrupt)
    logging.basicConfig(level=settings.log_level, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    library_level = logging.INFO if settings.log_level == "DEBUG" else logging.WARNING
    for name in LIBRARY_LOGGERS:
        logging.getLogger(name).setLevel(max(library_level, logging.getLevelName(settings.log_level)))
    for line in unknown_environment():
        logging.getLogger("devino_mock").warning("%s", line)
    from devino_mock.core.store import StoreError
    from devino_mock.gcpolicy import own_the_heap
    from devino_mock.server import ListenerError

    own_the_heap()

    try:
        return asyncio.run(serve(settings))
    except (ListenerError, StoreError) as exc:
        print(f"devino-mock: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:  # a bad fixtures file
        print(f"devino-mock: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0
